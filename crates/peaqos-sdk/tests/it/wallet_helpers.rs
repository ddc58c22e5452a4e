//! The SDK's wallet lifecycle helpers (`PeaqosClient::create_wallet`, …): the same vault, and
//! wallet errors mapped to the SDK's families (`INVALID_INPUT` → validation error).

use peaqos_sdk::{
    Error, PeaqosClient, RpcCode,
    wallet::{WalletCode, extract_peaq_address},
};
use peaqos_test_utils::wallet::{EVM_KEY, PASSPHRASE, temp_vault};

#[test]
fn lifecycle_through_the_sdk() {
    let (_dir, path) = temp_vault();
    let vault = Some(path.as_path());
    let created =
        PeaqosClient::create_wallet("robot-001", Some(PASSPHRASE), 12, vault).expect("create");
    let imported = PeaqosClient::import_wallet("legacy", EVM_KEY, Some(PASSPHRASE), "evm", vault)
        .expect("import");
    assert_eq!(
        imported.peaq_address,
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    let all = PeaqosClient::list_wallets(vault).expect("list");
    assert_eq!(all.len(), 2);
    let same = PeaqosClient::get_wallet(&created.id, vault).expect("get");
    assert_eq!(same, created);
    assert_eq!(
        extract_peaq_address(&same.accounts).expect("evm"),
        created.peaq_address
    );
    let phrase = PeaqosClient::export_wallet("robot-001", Some(PASSPHRASE), vault).expect("export");
    assert_eq!(phrase.expose().split(' ').count(), 12);
    assert_eq!(format!("{phrase:?}"), "SecretString(<redacted>)");

    let err = PeaqosClient::import_wallet("bad", "0x12", Some(PASSPHRASE), "evm", vault)
        .expect_err("bad key");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    let err = PeaqosClient::get_wallet("nope", vault).expect_err("missing");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::Wallet(WalletCode::WalletNotFound)),
        "{err}"
    );
    let err = PeaqosClient::export_wallet("legacy", Some("wrong"), vault).expect_err("wrong");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::Wallet(WalletCode::InvalidPassphrase)),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains(PASSPHRASE));

    PeaqosClient::delete_wallet("robot-001", vault).expect("delete");
    let left = PeaqosClient::list_wallets(vault).expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].name, "legacy");
}
