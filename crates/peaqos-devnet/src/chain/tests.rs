//! Snapshots: a revert truncates the history and restores the state.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, TxKind, U256},
    signers::local::PrivateKeySigner,
};

use super::{Chain, ChainConfig};
use crate::accounts::{DEV_MNEMONIC, derive_accounts};

fn signer() -> PrivateKeySigner {
    derive_accounts(DEV_MNEMONIC, 1).expect("dev account")[0].signer()
}

/// A signed transfer of 1 wei with `nonce`.
fn transfer(signer: &PrivateKeySigner, nonce: u64) -> Vec<u8> {
    let mut tx = TxEip1559 {
        chain_id: ChainConfig::default().chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(7)),
        value: U256::from(1),
        ..TxEip1559::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).expect("sign");
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

#[test]
fn revert_truncates_the_history_and_restores_the_state() {
    let signer = signer();
    let sender = signer.address();
    let mut chain = Chain::new(
        ChainConfig::default(),
        &[(sender, U256::from(10u64).pow(U256::from(21u64)))],
    );
    let kept = chain
        .send_raw_transaction(&transfer(&signer, 0), true)
        .expect("tx 0");
    let id = chain.snapshot();
    let height = chain.block_number();
    let balance = chain.balance(sender);

    let dropped = chain
        .send_raw_transaction(&transfer(&signer, 1), true)
        .expect("tx 1");
    chain.mine(None).expect("mine");
    let dropped_block = chain.latest().hash;
    // Executed into the open block, not sealed (interval mining): dropped as well.
    chain
        .send_raw_transaction(&transfer(&signer, 2), false)
        .expect("tx 2");

    assert!(chain.revert(id));
    assert_eq!(chain.block_number(), height);
    assert!(chain.tx(&kept).is_some());
    assert!(chain.tx(&dropped).is_none());
    assert!(chain.block_by_hash(&dropped_block).is_none());
    assert!(chain.block(height + 1).is_none());
    assert_eq!(chain.balance(sender), balance);
    assert_eq!(chain.nonce(sender), 1);

    // The chain goes on from the snapshot: the dropped transaction can be sent again.
    let again = chain
        .send_raw_transaction(&transfer(&signer, 1), true)
        .expect("tx 1 again");
    assert_eq!(again, dropped);
    assert_eq!(chain.block_number(), height + 1);
    assert!(!chain.revert(id), "a snapshot is used once");
}

#[test]
fn revert_drops_later_snapshots_and_keeps_earlier_ones() {
    let mut chain = Chain::new(ChainConfig::default(), &[]);
    let first = chain.snapshot();
    chain.mine(None).expect("mine");
    let second = chain.snapshot();
    chain.mine(None).expect("mine");
    let third = chain.snapshot();
    assert!(chain.revert(second));
    assert_eq!(chain.block_number(), 1);
    assert!(!chain.revert(third), "later snapshots are gone");
    assert!(chain.revert(first));
    assert_eq!(chain.block_number(), 0);
}
