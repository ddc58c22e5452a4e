//! Compressed block bodies: what a block's transactions and receipts read as once the block is
//! older than the hot window is exactly what they read as before, also after a save and a load.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
};
use serde_json::Value;

use super::{Chain, ChainConfig, ChainState, LogLimits, store::HOT_BLOCKS};
use crate::accounts::{DEV_MNEMONIC, derive_accounts};

/// Runtime code: logs its first calldata word with the caller as topic (LOG1), then stops.
const LOGGER: &[u8] = &[
    0x60, 0x00, 0x35, 0x60, 0x00, 0x52, // mstore(0, calldataload(0))
    0x33, 0x60, 0x20, 0x60, 0x00, 0xa1, // log1(0, 32, caller)
    0x00,
];
/// Runtime code: reverts with no data.
const REVERTER: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xfd];

const LIMITS: LogLimits = LogLimits {
    results: 100_000,
    bytes: usize::MAX,
};

struct Fixture {
    chain: Chain,
    signer: PrivateKeySigner,
    nonce: u64,
    logger: Address,
    reverter: Address,
}

impl Fixture {
    fn new() -> Self {
        let signer = derive_accounts(DEV_MNEMONIC, 1).expect("dev account")[0].signer();
        let mut chain = Chain::new(
            ChainConfig::default(),
            &[(signer.address(), U256::from(10u64).pow(U256::from(21u64)))],
        );
        let logger = Address::repeat_byte(0x11);
        let reverter = Address::repeat_byte(0x22);
        chain.set_code(logger, Bytes::from_static(LOGGER));
        chain.set_code(reverter, Bytes::from_static(REVERTER));
        Self {
            chain,
            signer,
            nonce: 0,
            logger,
            reverter,
        }
    }

    fn eip1559(&mut self, to: TxKind, input: Vec<u8>) -> Vec<u8> {
        let mut tx = TxEip1559 {
            chain_id: ChainConfig::default().chain_id,
            nonce: self.nonce,
            gas_limit: 200_000,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to,
            value: U256::from(3),
            input: input.into(),
            ..TxEip1559::default()
        };
        self.nonce += 1;
        let signature = self.signer.sign_transaction_sync(&mut tx).expect("sign");
        TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
    }

    fn legacy(&mut self, to: Address) -> Vec<u8> {
        let mut tx = TxLegacy {
            chain_id: Some(ChainConfig::default().chain_id),
            nonce: self.nonce,
            gas_price: 50_000_000_000,
            gas_limit: 100_000,
            to: TxKind::Call(to),
            value: U256::ZERO,
            input: Bytes::from(vec![0xab; 32]),
        };
        self.nonce += 1;
        let signature = self.signer.sign_transaction_sync(&mut tx).expect("sign");
        TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
    }

    fn send(&mut self, raw: &[u8], automine: bool) -> B256 {
        self.chain
            .send_raw_transaction(raw, automine)
            .expect("accepted")
    }

    /// A chain with every kind of transaction and receipt: transfers, logs, a revert, a
    /// deployment, a legacy transaction, an impersonated sender, and a block of several
    /// transactions (log indexes past the first transaction's).
    fn scripted() -> (Self, Vec<B256>) {
        let mut f = Self::new();
        let mut hashes = Vec::new();
        let transfer = f.eip1559(TxKind::Call(Address::repeat_byte(7)), Vec::new());
        hashes.push(f.send(&transfer, true));
        let logged = f.eip1559(TxKind::Call(f.logger), vec![0x5a; 40]);
        hashes.push(f.send(&logged, true));
        let reverted = f.eip1559(TxKind::Call(f.reverter), Vec::new());
        hashes.push(f.send(&reverted, true));
        // Init code returning LOGGER as the runtime code.
        let mut init = vec![0x60, LOGGER.len() as u8, 0x60, 0x0c, 0x60, 0x00, 0x39];
        init.extend([0x60, LOGGER.len() as u8, 0x60, 0x00, 0xf3]);
        init.extend_from_slice(LOGGER);
        let deploy = f.eip1559(TxKind::Create, init);
        hashes.push(f.send(&deploy, true));
        let legacy = f.legacy(f.logger);
        hashes.push(f.send(&legacy, true));
        // Three transactions in one block.
        for word in 1..=3u8 {
            let raw = f.eip1559(TxKind::Call(f.logger), vec![word; 32]);
            hashes.push(f.send(&raw, false));
        }
        f.chain.mine(None).expect("mine");
        // An impersonated sender: the placeholder signature recovers to someone else.
        let stranger = Address::repeat_byte(0x33);
        f.chain
            .set_balance(stranger, U256::from(10u64).pow(U256::from(20u64)));
        let tx = TxEip1559 {
            chain_id: ChainConfig::default().chain_id,
            nonce: 0,
            gas_limit: 100_000,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(f.logger),
            input: Bytes::from(vec![0x77; 32]),
            ..TxEip1559::default()
        };
        let placeholder = alloy::primitives::Signature::new(
            U256::from_be_slice(stranger.as_slice()),
            U256::from(1),
            false,
        );
        let envelope = TxEnvelope::from(tx.into_signed(placeholder));
        hashes.push(
            f.chain
                .submit(envelope, stranger, true)
                .expect("impersonated"),
        );
        (f, hashes)
    }
}

/// Everything a client can read about the chain's blocks up to `upto`, their transactions and
/// logs.
fn reads(chain: &Chain, hashes: &[B256], upto: u64) -> Value {
    let txs: Vec<Value> = hashes
        .iter()
        .map(|h| serde_json::to_value(&*chain.tx(h).expect("mined")).expect("json"))
        .collect();
    let bodies: Vec<Value> = (0..=upto)
        .map(|n| serde_json::to_value(&*chain.block_txs(n).expect("block")).expect("json"))
        .collect();
    let logs = chain.logs(0, upto, &Filter::new(), LIMITS).expect("logs");
    serde_json::json!({ "txs": txs, "bodies": bodies, "logs": logs })
}

fn cool_down(chain: &mut Chain) {
    for _ in 0..=HOT_BLOCKS {
        chain.mine(None).expect("mine");
    }
}

#[test]
fn old_blocks_read_as_they_did_when_recent() {
    let (mut f, hashes) = Fixture::scripted();
    let upto = f.chain.block_number();
    let hot = reads(&f.chain, &hashes, upto);
    assert_eq!(hot["logs"].as_array().map(Vec::len), Some(6), "{hot}");
    assert_eq!(f.chain.state.store.encoded_bytes().1, 0, "all still hot");

    cool_down(&mut f.chain);
    let (bytes, blocks) = f.chain.state.store.encoded_bytes();
    assert_eq!(blocks, 7, "every block with transactions is compressed");
    assert!(bytes > 0);
    assert!(
        reads(&f.chain, &hashes, upto) == hot,
        "reads changed once compressed"
    );
    for hash in &hashes {
        let tx = f.chain.tx(hash).expect("mined");
        assert_eq!(tx.envelope.tx_hash(), hash);
        // The envelope itself survived (its hash is not recomputed on decode).
        assert_eq!(
            &alloy::primitives::keccak256(tx.envelope.encoded_2718()),
            hash
        );
    }

    // A filter by topic finds the same logs in compressed blocks.
    let by_caller =
        Filter::new().event_signature(B256::left_padding_from(f.signer.address().as_slice()));
    let logs = f
        .chain
        .logs(0, f.chain.block_number(), &by_caller, LIMITS)
        .expect("logs");
    assert_eq!(logs.len(), 5);
    assert!(
        logs.windows(2)
            .all(|w| w[0].block_number <= w[1].block_number)
    );
}

#[test]
fn saved_state_keeps_its_shape_and_loads_compressed_blocks() {
    let (mut f, hashes) = Fixture::scripted();
    cool_down(&mut f.chain);
    let upto = f.chain.block_number();
    let before = reads(&f.chain, &hashes, upto);
    let json = serde_json::to_value(f.chain.state()).expect("save");
    for key in ["blocks", "txs", "block_numbers", "db", "config"] {
        assert!(json.get(key).is_some(), "saved state without {key}");
    }
    assert_eq!(json["txs"].as_object().map(|m| m.len()), Some(hashes.len()));
    let loaded: ChainState = serde_json::from_value(json).expect("load");
    let loaded = Chain::from_state(loaded);
    assert!(
        reads(&loaded, &hashes, upto) == before,
        "reads changed by save and load"
    );
    assert_eq!(
        loaded.state.store.encoded_bytes().1,
        f.chain.state.store.encoded_bytes().1
    );
}

#[test]
fn revert_into_compressed_blocks_drops_the_later_ones() {
    let mut f = Fixture::new();
    let first = f.eip1559(TxKind::Call(f.logger), vec![1; 32]);
    let kept = f.send(&first, true);
    let id = f.chain.snapshot();
    let height = f.chain.block_number();
    let mut dropped = Vec::new();
    for _ in 0..HOT_BLOCKS + 5 {
        let raw = f.eip1559(TxKind::Call(f.logger), vec![2; 32]);
        dropped.push(f.send(&raw, true));
    }
    let kept_json = serde_json::to_value(&*f.chain.tx(&kept).expect("kept")).expect("json");
    assert!(f.chain.state.store.encoded_bytes().1 > 0);

    assert!(f.chain.revert(id));
    assert_eq!(f.chain.block_number(), height);
    assert!(dropped.iter().all(|h| f.chain.tx(h).is_none()));
    assert_eq!(
        serde_json::to_value(&*f.chain.tx(&kept).expect("kept")).expect("json"),
        kept_json
    );
    // Mining goes on from the snapshot; the dropped transactions can be sent again.
    f.nonce = 1;
    let again = f.eip1559(TxKind::Call(f.logger), vec![2; 32]);
    assert_eq!(f.send(&again, true), dropped[0]);
}
