//! The chain families a vault wallet has accounts on, in the order OWS writes them, with their
//! CAIP-2 ids, curves, derivation paths and address encodings.

use alloy::primitives::{Address, keccak256};
use bech32::{ToBase32, Variant, u5};
use blake2::{
    Blake2b512, Blake2bVar,
    digest::{Digest, Update, VariableOutput},
};
use ed25519_dalek::{SigningKey, VerifyingKey, hazmat::ExpandedSecretKey};
use k256::ecdsa::SigningKey as K256Key;
use ripemd::Ripemd160;
use sha2::Sha256;

use crate::error::{Result, WalletError};

/// An elliptic curve of a chain family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// secp256k1 (EVM, Bitcoin, Cosmos, Tron, Spark, Filecoin, XRPL).
    Secp256k1,
    /// ed25519 (Solana, TON, Sui, Nano, NEAR).
    Ed25519,
}

/// A chain family the vault derives an account for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// EVM chains (peaq, Ethereum, Base, …): EIP-55 hex.
    Evm,
    /// Solana: base58 public key.
    Solana,
    /// Bitcoin: native segwit (bech32, `bc1q…`).
    Bitcoin,
    /// Cosmos Hub: bech32 `cosmos1…`.
    Cosmos,
    /// Tron: base58check `T…`.
    Tron,
    /// TON: wallet v5r1, base64url non-bounceable.
    Ton,
    /// Spark: `spark:` + compressed public key.
    Spark,
    /// Filecoin: `f1` + base32.
    Filecoin,
    /// Sui: `0x` + BLAKE2b-256 of the flagged public key.
    Sui,
    /// XRP Ledger: base58check (ripple alphabet) `r…`.
    Xrpl,
    /// Nano: ed25519-blake2b, `nano_…`.
    Nano,
    /// NEAR: implicit account (hex public key).
    Near,
}

impl Family {
    /// Every family, in the order OWS lists a wallet's accounts.
    pub const ALL: [Self; 12] = [
        Self::Evm,
        Self::Solana,
        Self::Bitcoin,
        Self::Cosmos,
        Self::Tron,
        Self::Ton,
        Self::Spark,
        Self::Filecoin,
        Self::Sui,
        Self::Xrpl,
        Self::Nano,
        Self::Near,
    ];

    /// The family's short name (`evm`, `solana`, …), as accepted by `import_wallet`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Evm => "evm",
            Self::Solana => "solana",
            Self::Bitcoin => "bitcoin",
            Self::Cosmos => "cosmos",
            Self::Tron => "tron",
            Self::Ton => "ton",
            Self::Spark => "spark",
            Self::Filecoin => "filecoin",
            Self::Sui => "sui",
            Self::Xrpl => "xrpl",
            Self::Nano => "nano",
            Self::Near => "near",
        }
    }

    /// The CAIP-2 id of the family's default chain (the one its account is listed on).
    pub fn chain_id(self) -> &'static str {
        match self {
            Self::Evm => "eip155:1",
            Self::Solana => "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
            Self::Bitcoin => "bip122:000000000019d6689c085ae165831e93",
            Self::Cosmos => "cosmos:cosmoshub-4",
            Self::Tron => "tron:mainnet",
            Self::Ton => "ton:mainnet",
            Self::Spark => "spark:mainnet",
            Self::Filecoin => "fil:mainnet",
            Self::Sui => "sui:mainnet",
            Self::Xrpl => "xrpl:mainnet",
            Self::Nano => "nano:mainnet",
            Self::Near => "near:mainnet",
        }
    }

    /// The curve.
    pub fn curve(self) -> Curve {
        match self {
            Self::Solana | Self::Ton | Self::Sui | Self::Nano | Self::Near => Curve::Ed25519,
            _ => Curve::Secp256k1,
        }
    }

    /// The derivation path of account `index`.
    pub fn derivation_path(self, index: u32) -> String {
        match self {
            Self::Evm => format!("m/44'/60'/0'/0/{index}"),
            Self::Solana => format!("m/44'/501'/{index}'/0'"),
            Self::Bitcoin | Self::Spark => format!("m/84'/0'/0'/0/{index}"),
            Self::Cosmos => format!("m/44'/118'/0'/0/{index}"),
            Self::Tron => format!("m/44'/195'/0'/0/{index}"),
            Self::Ton => format!("m/44'/607'/{index}'"),
            Self::Filecoin => format!("m/44'/461'/0'/0/{index}"),
            Self::Sui => format!("m/44'/784'/{index}'/0'/0'"),
            Self::Xrpl => format!("m/44'/144'/0'/0/{index}"),
            Self::Nano => format!("m/44'/165'/{index}'"),
            Self::Near => format!("m/44'/397'/{index}'"),
        }
    }

    /// Parses a chain as `import_wallet` accepts it: a family name (`evm`, `solana`, …), an EVM
    /// chain name (`peaq`, `ethereum`, `base`, …), a CAIP-2 id or a bare EVM chain id.
    pub fn parse(chain: &str) -> Result<Self> {
        let c = chain.trim().to_ascii_lowercase();
        let evm_names = [
            "evm",
            "peaq",
            "ethereum",
            "base",
            "arbitrum",
            "optimism",
            "polygon",
            "bsc",
            "avalanche",
            "plasma",
            "etherlink",
            "agung",
        ];
        if evm_names.contains(&c.as_str())
            || c.starts_with("eip155:")
            || (!c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        {
            return Ok(Self::Evm);
        }
        let alias = match c.as_str() {
            "btc" | "bip122" => Some(Self::Bitcoin),
            "fil" => Some(Self::Filecoin),
            "xrp" | "ripple" => Some(Self::Xrpl),
            _ => None,
        };
        alias
            .or_else(|| {
                Self::ALL.into_iter().find(|f| {
                    f.name() == c || f.chain_id() == c || c.split(':').next() == Some(f.name())
                })
            })
            .ok_or_else(|| WalletError::ChainNotSupported(chain.to_owned()))
    }

    /// The address of the key `private_key` (32 bytes: a secp256k1 scalar or an ed25519 seed).
    pub fn address(self, private_key: &[u8]) -> Result<String> {
        match self.curve() {
            Curve::Secp256k1 => {
                let key = K256Key::from_slice(private_key).map_err(|_| {
                    WalletError::invalid("private_key", "not a valid secp256k1 private key")
                })?;
                let public = key.verifying_key();
                let compressed = public.to_encoded_point(true);
                let uncompressed = public.to_encoded_point(false);
                Ok(self.secp_address(compressed.as_bytes(), uncompressed.as_bytes()))
            }
            Curve::Ed25519 => {
                let seed: [u8; 32] = private_key.try_into().map_err(|_| {
                    WalletError::invalid("private_key", "an ed25519 key must be 32 bytes")
                })?;
                if self == Self::Nano {
                    return Ok(nano_address(&nano_public_key(&seed)));
                }
                let public = SigningKey::from_bytes(&seed).verifying_key();
                Ok(self.ed_address(public.as_bytes()))
            }
        }
    }

    fn secp_address(self, compressed: &[u8], uncompressed: &[u8]) -> String {
        match self {
            Self::Evm => Address::from_raw_public_key(&uncompressed[1..]).to_checksum(None),
            Self::Bitcoin => {
                let mut data = vec![u5::try_from_u8(0).unwrap_or_else(|_| unreachable!())];
                data.extend(hash160(compressed).to_base32());
                bech32_encode("bc", &data)
            }
            Self::Cosmos => bech32_encode("cosmos", &hash160(compressed).to_base32()),
            Self::Tron => {
                let mut payload = vec![0x41];
                payload.extend_from_slice(&keccak256(&uncompressed[1..])[12..]);
                bs58::encode(payload).with_check().into_string()
            }
            Self::Spark => format!("spark:{}", hex::encode(compressed)),
            Self::Filecoin => {
                let payload = blake2b_var(uncompressed, 20);
                let mut check_input = vec![1u8];
                check_input.extend_from_slice(&payload);
                let mut bytes = payload;
                bytes.extend(blake2b_var(&check_input, 4));
                format!("f1{}", base32_lower(&bytes))
            }
            Self::Xrpl => {
                let mut payload = vec![0u8];
                payload.extend_from_slice(&hash160(compressed));
                bs58::encode(payload)
                    .with_alphabet(bs58::Alphabet::RIPPLE)
                    .with_check()
                    .into_string()
            }
            // Not secp256k1 families.
            _ => String::new(),
        }
    }

    fn ed_address(self, public: &[u8; 32]) -> String {
        match self {
            Self::Solana => bs58::encode(public).into_string(),
            Self::Ton => ton_v5r1_address(public),
            Self::Sui => {
                let mut input = vec![0u8];
                input.extend_from_slice(public);
                format!("0x{}", hex::encode(blake2b_var(&input, 32)))
            }
            Self::Near => hex::encode(public),
            Self::Nano => nano_address(public),
            // Not ed25519 families.
            _ => String::new(),
        }
    }
}

fn bech32_encode(hrp: &str, data: &[u5]) -> String {
    // Fixed, valid lowercase HRPs: encoding cannot fail.
    bech32::encode(hrp, data, Variant::Bech32).unwrap_or_default()
}

fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

fn blake2b_var(data: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    // 1..=64-byte outputs are valid for BLAKE2b.
    if let Ok(mut h) = Blake2bVar::new(len) {
        h.update(data);
        let _ = h.finalize_variable(&mut out);
    }
    out
}

/// RFC 4648 base32, lowercase, no padding (Filecoin addresses).
fn base32_lower(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(ALPHABET[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Nano's public key: ed25519 with BLAKE2b-512 in place of SHA-512 for key expansion.
pub(crate) fn nano_public_key(seed: &[u8; 32]) -> [u8; 32] {
    let mut h = Blake2b512::new();
    Digest::update(&mut h, seed);
    let hash: [u8; 64] = h.finalize().into();
    let expanded = ExpandedSecretKey::from_bytes(&hash);
    VerifyingKey::from(&expanded).to_bytes()
}

fn nano_base32(data: &[u8], chars: usize) -> String {
    const ALPHABET: &[u8; 32] = b"13456789abcdefghijkmnopqrstuwxyz";
    // Left-pad with zero bits so the bit count is a multiple of 5.
    let pad = chars * 5 - data.len() * 8;
    let bit = |i: usize| -> u8 {
        if i < pad {
            0
        } else {
            let j = i - pad;
            (data[j / 8] >> (7 - j % 8)) & 1
        }
    };
    (0..chars)
        .map(|c| {
            let v = (0..5).fold(0u8, |acc, b| (acc << 1) | bit(c * 5 + b));
            char::from(ALPHABET[usize::from(v)])
        })
        .collect()
}

fn nano_address(public: &[u8; 32]) -> String {
    let mut checksum = blake2b_var(public, 5);
    checksum.reverse();
    format!(
        "nano_{}{}",
        nano_base32(public, 52),
        nano_base32(&checksum, 8)
    )
}

/// SHA-256 representation hash of the TON wallet v5r1 code cell (public contract constant).
const TON_V5R1_CODE_HASH: [u8; 32] = [
    0x20, 0x83, 0x4b, 0x7b, 0x72, 0xb1, 0x12, 0x14, 0x7e, 0x1b, 0x2f, 0xb4, 0x57, 0xb8, 0x4e, 0x74,
    0xd1, 0xa3, 0x0f, 0x04, 0xf7, 0x37, 0xd4, 0xf6, 0x2a, 0x66, 0x8e, 0x95, 0x52, 0xd2, 0xb7, 0x2f,
];
/// Depth of that code cell.
const TON_V5R1_CODE_DEPTH: u16 = 6;
/// Default v5r1 wallet id on mainnet, workchain 0, subwallet 0.
const TON_V5R1_WALLET_ID: u32 = 0x7FFF_FF11;

fn ton_v5r1_address(public: &[u8; 32]) -> String {
    use base64::Engine;
    // Data cell: signature_allowed(1) seqno(32) wallet_id(32) public_key(256) extensions(1)
    // = 322 bits, no refs; then the completion tag.
    let mut bits: Vec<u8> = Vec::with_capacity(328);
    let push = |bits: &mut Vec<u8>, bytes: &[u8]| {
        for b in bytes {
            bits.extend((0..8).rev().map(|s| (b >> s) & 1));
        }
    };
    bits.push(1);
    bits.extend([0u8; 32]);
    push(&mut bits, &TON_V5R1_WALLET_ID.to_be_bytes());
    push(&mut bits, public);
    bits.push(0);
    bits.push(1);
    while !bits.len().is_multiple_of(8) {
        bits.push(0);
    }
    // Descriptors: 0 refs; data length byte = ceil(322/8) + floor(322/8) = 81.
    let mut data_repr = vec![0u8, 81];
    data_repr.extend(
        bits.chunks(8)
            .map(|c| c.iter().fold(0u8, |a, b| (a << 1) | b)),
    );
    let data_hash = Sha256::digest(&data_repr);
    // StateInit: bits 00110 (no split_depth, not special, code, data, no library) + tag, 2 refs.
    let mut state = vec![2u8, 1, 0x34];
    state.extend_from_slice(&TON_V5R1_CODE_DEPTH.to_be_bytes());
    state.extend_from_slice(&[0, 0]);
    state.extend_from_slice(&TON_V5R1_CODE_HASH);
    state.extend_from_slice(&data_hash);
    let hash = Sha256::digest(&state);
    // User-friendly form: non-bounceable tag 0x51, workchain 0, hash, CRC16-XMODEM.
    let mut addr = vec![0x51u8, 0];
    addr.extend_from_slice(&hash);
    let crc = crc16_xmodem(&addr);
    addr.extend_from_slice(&crc.to_be_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(addr)
}

fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}
