//! Known-answer tests: published BIP-39/BIP-32/BIP-44/BIP-84 vectors give the documented
//! addresses, through `derive_address` and through a vault import.

use crate::common;
use peaqos_wallet::WalletCode;

use common::{MNEMONIC, PASSPHRASE, temp_vault};
use peaqos_wallet::{Family, Vault, derive_address};

const ANVIL: &str = "test test test test test test test test test test test junk";

#[test]
fn published_vectors() {
    // (mnemonic, family, index, address) with their sources.
    let cases = [
        // BIP-44 ETH, "abandon … about" (MetaMask, ethers.js test suites).
        (
            MNEMONIC,
            Family::Evm,
            0,
            "0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
        ),
        (
            MNEMONIC,
            Family::Evm,
            1,
            "0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0",
        ),
        // Hardhat / anvil default accounts.
        (
            ANVIL,
            Family::Evm,
            0,
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        ),
        (
            ANVIL,
            Family::Evm,
            1,
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        ),
        // BIP-84 specification test vectors (m/84'/0'/0'/0/0 and /1).
        (
            MNEMONIC,
            Family::Bitcoin,
            0,
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
        ),
        (
            MNEMONIC,
            Family::Bitcoin,
            1,
            "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g",
        ),
        // Solana m/44'/501'/0'/0' (Phantom / Solflare / solana-keygen).
        (
            MNEMONIC,
            Family::Solana,
            0,
            "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk",
        ),
        // Cosmos Hub m/44'/118'/0'/0/0 (cosmjs test suite).
        (
            MNEMONIC,
            Family::Cosmos,
            0,
            "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4",
        ),
        // Tron m/44'/195'/0'/0/0 (TronWeb test suite).
        (
            MNEMONIC,
            Family::Tron,
            0,
            "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH",
        ),
        // XRPL m/44'/144'/0'/0/0 (xrpl.js test suite).
        (
            MNEMONIC,
            Family::Xrpl,
            0,
            "rHsMGQEkVNJmpGWs8XUBoTBiAAbwxZN5v3",
        ),
    ];
    for (mnemonic, family, index, address) in cases {
        assert_eq!(
            derive_address(mnemonic, family, index).expect("derive"),
            address,
            "{family:?} #{index}"
        );
    }
}

#[test]
fn imported_mnemonic_lists_the_documented_addresses() {
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let w = vault
        .import_wallet_mnemonic("kat", MNEMONIC, Some(PASSPHRASE), 0)
        .expect("import");
    let by_chain = |chain: &str| {
        w.accounts
            .iter()
            .find(|a| a.chain_id == chain)
            .unwrap_or_else(|| panic!("{chain}"))
    };
    assert_eq!(w.peaq_address, "0x9858EfFD232B4033E47d90003D41EC34EcaEda94");
    let peaq = by_chain("eip155:3338");
    assert_eq!(peaq.network, "peaq");
    assert_eq!(peaq.derivation_path, "m/44'/60'/0'/0/0");
    assert_eq!(
        peaq.account_id,
        "eip155:3338:0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
    for chain in [
        "eip155:1",
        "eip155:8453",
        "eip155:137",
        "eip155:42161",
        "eip155:10",
    ] {
        assert_eq!(by_chain(chain).address, w.peaq_address);
    }
    let btc = by_chain("bip122:000000000019d6689c085ae165831e93");
    assert_eq!(btc.address, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    assert_eq!(btc.network, "bitcoin");
    assert_eq!(btc.derivation_path, "m/84'/0'/0'/0/0");
    let sol = by_chain("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp");
    assert_eq!(sol.address, "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk");
    assert_eq!(sol.derivation_path, "m/44'/501'/0'/0'");
    assert_eq!(
        by_chain("cosmos:cosmoshub-4").address,
        "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4"
    );
    assert_eq!(w.accounts.len(), 12 + 5);
}

#[test]
fn chain_names_parse() {
    for (name, family) in [
        ("evm", Family::Evm),
        ("peaq", Family::Evm),
        ("base", Family::Evm),
        ("eip155:8453", Family::Evm),
        ("3338", Family::Evm),
        ("solana", Family::Solana),
        ("bitcoin", Family::Bitcoin),
        ("cosmos", Family::Cosmos),
        ("tron", Family::Tron),
        ("ton", Family::Ton),
        ("sui", Family::Sui),
        ("xrpl", Family::Xrpl),
        ("spark", Family::Spark),
        ("filecoin", Family::Filecoin),
        ("fil:mainnet", Family::Filecoin),
        ("nano", Family::Nano),
        ("near", Family::Near),
    ] {
        assert_eq!(Family::parse(name).expect(name), family);
    }
    let err = Family::parse("dogecoin").expect_err("unknown");
    assert_eq!(err.kind(), WalletCode::ChainNotSupported);
}
