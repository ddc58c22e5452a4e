//! Differential test: one scripted peaqOS scenario, run step by step on our devnet (in-process)
//! and on anvil (`--hardfork cancun`, same chain id, the Solidity stand-ins for DID / WPEAQ at
//! `0x…0800` / `0x…0809`), comparing what the two chains answer.
//!
//! Compared, per step:
//! - calls (`eth_call` on `latest`): success or failure, the return data, the JSON-RPC error
//!   code and the revert data (selector + arguments);
//! - transactions (pre-signed with explicit nonce, gas and fees, so both chains get the very
//!   same bytes): the `eth_call` and `eth_estimateGas` outcome before sending (the estimate's
//!   value too, unless the transaction touches a precompile), the transaction hash and the
//!   fields of `eth_getTransactionByHash`, and the receipt: status, `gasUsed` /
//!   `cumulativeGasUsed` (unless the transaction touches `0x…0800` / `0x…0809`, whose gas
//!   legitimately differs between native code and a Solidity stand-in), block number, index,
//!   from / to, type, contract address, logs bloom and every log (address, topics, data, log
//!   index); then the block's timestamp, number, transaction count, gas limit, logs bloom and
//!   gas used;
//! - what `eth_call` sees of the block (`block.timestamp`, `number`, `chainid`, `gaslimit`,
//!   `coinbase`, through init code that returns them) on `latest` and `pending`;
//! - the deployment: every `Deployment` address (same deployer and nonces on both chains), the
//!   code at each of them, and every deployment receipt;
//! - at the end: every log of the chain (`eth_getLogs` from block 0, plus filtered queries),
//!   the nonces of the accounts used, the block number.
//!
//! Block timestamps are fixed (`evm_setNextBlockTimestamp` on both chains before every
//! transaction, from [`T0`]), so the run is deterministic. The scenario checks its own
//! expectations against anvil (the reference) so that every documented revert is really
//! triggered; the devnet is then held to whatever anvil answered.
//!
//! Known, legitimate differences that are not compared: the gas of transactions that touch the
//! DID / WPEAQ precompiles; the code at `0x…0800` / `0x…0809` (native stub vs stand-in); the
//! native balance of IdentityStaking (peaq's WPEAQ refunds `deposit`, so staking holds native
//! PEAQ on the devnet and wrapped tokens on anvil: `WPEAQ.balanceOf` agrees and is compared);
//! `WPEAQ.totalSupply` (a configured constant vs the stand-in's balance); revert *messages*
//! (anvil says `custom error 0x…`), only codes and data are compared; block hashes and state
//! roots; base fees, and so effective gas prices and the EOAs' balances (anvil gives block 1
//! the genesis base fee and so runs one block behind the EIP-1559 schedule that geth and the
//! devnet follow).
//!
//! anvil comes from `PEAQOS_ANVIL` or the npm binary installed by `npm ci` in `contracts/`; a
//! missing anvil fails the test. Run with `-- --nocapture` for the report.

use std::{borrow::Cow, collections::BTreeSet, fmt::Debug, time::Duration};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::{BlockNumberOrTag, Encodable2718},
    network::{EthereumWallet, TxSignerSync},
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use peaqos_contracts::{
    DeployConfig, Deployment,
    artifacts::describe_revert,
    bindings::{
        AdminFlags, DIDPrecompile, EventRegistry, IdentityRegistry, IdentityStaking, MachineNFT,
        Ownable, WPEAQStandin,
    },
    deploy, place_standins,
};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_types::constants::{DID_PRECOMPILE_ADDRESS, LOCAL_CHAIN_ID, WPEAQ_PRECOMPILE_ADDRESS};
use serde_json::{Value, json};

/// Timestamp of the first scenario block (2033-05-18): after any wall-clock deployment block.
const T0: u64 = 2_000_000_000;
/// Seconds between scenario blocks.
const BLOCK_SPACING: u64 = 12;
/// Gas limit of every scenario transaction (gas used does not depend on it here).
const GAS_LIMIT: u64 = 8_000_000;
/// Fees of every scenario transaction (well above both chains' base fees).
const MAX_FEE: u128 = 100_000_000_000;
const PRIORITY_FEE: u128 = 1_000_000_000;

/// Every revert of docs/contracts.md that can be triggered without the Batch precompile; the
/// scenario must trigger each (observed on anvil, compared with the devnet).
const REQUIRED_ERRORS: [&str; 18] = [
    "AlreadyRegistered()",
    "InvalidMachineAddress()",
    "IncorrectBondAmount()",
    "AlreadyMinted()",
    "NotMachineOwner()",
    "RecipientMustBeMachineOwner()",
    "MachineNotFound()",
    "MachineDeactivated()",
    "NotAuthorizedSubmitter()",
    "InvalidEventType()",
    "InvalidTrustLevel()",
    "InvalidCurrencyShape()",
    "FutureTimestamp()",
    "MetadataTooLarge()",
    "OffsetOutOfBounds()",
    "IdentityNFTSoulbound()",
    "BondBelowFloor()",
    "OwnableUnauthorizedAccount(address)",
];

/// Fields of `eth_getTransactionByHash` compared (the same signed bytes on both chains).
const TX_FIELDS: [&str; 17] = [
    "hash",
    "from",
    "to",
    "nonce",
    "input",
    "value",
    "gas",
    "type",
    "chainId",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "accessList",
    "r",
    "s",
    "yParity",
    "blockNumber",
    "transactionIndex",
];

// ---------------------------------------------------------------------- accounts

const OWNER: usize = 0;
const MACHINE_A: usize = 1;
const OPERATOR: usize = 2;
const MACHINE_B: usize = 3;
const STRANGER: usize = 4;
const MACHINE_C: usize = 5;
const ACCOUNTS_USED: usize = 6;

// ---------------------------------------------------------------------- spawning

use peaqos_test_utils::anvil::require_anvil;

pub(crate) fn spawn_anvil(chain_id: u64) -> AnvilInstance {
    let path = require_anvil();
    Anvil::new()
        .path(path)
        .arg("--hardfork")
        .arg("cancun")
        .chain_id(chain_id)
        .try_spawn()
        .expect("anvil starts")
}

fn http(url: &str) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(url.parse().expect("url"))
        .erased()
}

fn wallet(url: &str, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().expect("url"))
        .erased()
}

// ---------------------------------------------------------------------- JSON-RPC answers

/// What a node answered, as compared: the result, or the error's code and data.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Ok(Value),
    Err { code: i64, data: Option<String> },
    Transport(String),
}

/// A reply with the error message (shown in diffs, not compared).
#[derive(Debug, Clone)]
struct Answer {
    reply: Reply,
    message: Option<String>,
}

impl Answer {
    fn ok_bytes(&self) -> Option<Bytes> {
        match &self.reply {
            Reply::Ok(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
    }

    fn revert_data(&self) -> Option<Bytes> {
        match &self.reply {
            Reply::Err { data: Some(d), .. } => d.parse().ok(),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match &self.reply {
            Reply::Ok(v) => format!("ok {}", short(&v.to_string())),
            Reply::Err { code, data } => {
                let reason = self
                    .revert_data()
                    .map(|d| format!(" = {}", describe_revert(&d)))
                    .unwrap_or_default();
                format!(
                    "error {code} data={}{reason} (message {:?})",
                    data.as_deref().unwrap_or("none"),
                    self.message.as_deref().unwrap_or("")
                )
            }
            Reply::Transport(e) => format!("transport error {e}"),
        }
    }
}

fn short(s: &str) -> String {
    if s.len() > 240 {
        format!("{}…({} chars)", &s[..240], s.len())
    } else {
        s.to_owned()
    }
}

/// Hex strings in lower case (nodes may differ in address checksumming).
fn normalize(v: Value) -> Value {
    match v {
        Value::String(s) if s.starts_with("0x") => Value::String(s.to_ascii_lowercase()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

async fn rpc(p: &DynProvider, method: &'static str, params: Value) -> Answer {
    match p
        .raw_request::<_, Value>(Cow::Borrowed(method), params)
        .await
    {
        Ok(v) => Answer {
            reply: Reply::Ok(normalize(v)),
            message: None,
        },
        Err(e) => match e.as_error_resp() {
            Some(payload) => {
                let data = payload.data.as_ref().map(|raw| {
                    match serde_json::from_str::<Value>(raw.get()) {
                        Ok(Value::String(s)) => s.to_ascii_lowercase(),
                        Ok(other) => other.to_string(),
                        Err(_) => raw.get().to_owned(),
                    }
                });
                Answer {
                    reply: Reply::Err {
                        code: payload.code,
                        data,
                    },
                    message: Some(payload.message.to_string()),
                }
            }
            None => Answer {
                reply: Reply::Transport(e.to_string()),
                message: None,
            },
        },
    }
}

// ---------------------------------------------------------------------- the harness

/// What a step expects on anvil (the reference).
#[derive(Debug, Clone, Copy)]
enum Expect {
    Pass,
    /// Reverts; the decoded revert data contains this text.
    Revert(&'static str),
    /// No expectation: only the comparison counts.
    Either,
}

struct Side {
    name: &'static str,
    p: DynProvider,
}

#[derive(Default)]
struct Tally {
    steps: usize,
    txs: usize,
    calls: usize,
    values: usize,
    gas_compared: usize,
    gas_skipped: usize,
}

struct Run {
    /// `[devnet, anvil]`.
    sides: [Side; 2],
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    chain_id: u64,
    /// Timestamp of the latest scenario block.
    last_ts: u64,
    label: String,
    tally: Tally,
    diffs: Vec<String>,
    unmet: Vec<String>,
    seen: BTreeSet<String>,
}

impl Run {
    fn addr(&self, i: usize) -> Address {
        self.keys[i].address()
    }

    fn begin(&mut self, label: &str) {
        self.tally.steps += 1;
        self.label = format!("#{} {label}", self.tally.steps);
    }

    /// Compares one value; records a diff naming the step.
    fn check<T: PartialEq + Debug>(&mut self, what: &str, ours: &T, anvil: &T) -> bool {
        self.tally.values += 1;
        if ours == anvil {
            return true;
        }
        self.diffs.push(format!(
            "{}: {what}\n      devnet: {}\n      anvil:  {}",
            self.label,
            short(&format!("{ours:?}")),
            short(&format!("{anvil:?}"))
        ));
        false
    }

    fn check_answers(&mut self, what: &str, ours: &Answer, anvil: &Answer) {
        self.tally.values += 1;
        if ours.reply == anvil.reply {
            return;
        }
        self.diffs.push(format!(
            "{}: {what}\n      devnet: {}\n      anvil:  {}",
            self.label,
            ours.describe(),
            anvil.describe()
        ));
    }

    async fn both(&self, method: &'static str, params: Value) -> (Answer, Answer) {
        let ours = rpc(&self.sides[0].p, method, params.clone()).await;
        let anvil = rpc(&self.sides[1].p, method, params).await;
        (ours, anvil)
    }

    /// `eth_getTransactionByHash` on both chains once the transaction shows as mined: under
    /// load anvil can serve the receipt while its transaction lookup still says pending
    /// (`blockNumber: null`) for a moment.
    async fn mined_tx(&self, hash: B256) -> (Answer, Answer) {
        let mut answers = self.both("eth_getTransactionByHash", json!([hash])).await;
        for _ in 0..1_000 {
            let pending =
                |a: &Answer| matches!(&a.reply, Reply::Ok(v) if v["blockNumber"].is_null());
            if !pending(&answers.0) && !pending(&answers.1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            answers = self.both("eth_getTransactionByHash", json!([hash])).await;
        }
        answers
    }

    /// Records whether anvil did what the scenario expects.
    fn expect(&mut self, what: &str, anvil: &Answer, expect: Expect) {
        match (expect, &anvil.reply) {
            (Expect::Either, _) | (Expect::Pass, Reply::Ok(_)) => {}
            (Expect::Revert(name), Reply::Err { code: 3, .. }) => {
                let text = anvil
                    .revert_data()
                    .map(|d| describe_revert(&d))
                    .unwrap_or_default();
                if text.contains(name) {
                    self.seen.insert(text);
                } else {
                    self.unmet.push(format!(
                        "{}: {what}: expected {name}, anvil: {}",
                        self.label,
                        anvil.describe()
                    ));
                }
            }
            (e, _) => self.unmet.push(format!(
                "{}: {what}: expected {e:?}, anvil: {}",
                self.label,
                anvil.describe()
            )),
        }
    }

    fn call_object(
        &self,
        from: Option<usize>,
        to: Option<Address>,
        value: U256,
        data: &Bytes,
    ) -> Value {
        let mut o = json!({ "input": data, "value": value });
        if let Some(f) = from {
            o["from"] = json!(self.addr(f));
        }
        if let Some(t) = to {
            o["to"] = json!(t);
        }
        o
    }

    /// An `eth_call` on `latest`, compared; returns the devnet's return data.
    async fn call(
        &mut self,
        label: &str,
        from: Option<usize>,
        to: Address,
        data: Bytes,
        expect: Expect,
    ) -> Option<Bytes> {
        self.begin(&format!("call {label}"));
        self.tally.calls += 1;
        let req = self.call_object(from, Some(to), U256::ZERO, &data);
        let (ours, anvil) = self.both("eth_call", json!([req, "latest"])).await;
        self.check_answers("eth_call", &ours, &anvil);
        self.expect("eth_call", &anvil, expect);
        ours.ok_bytes()
    }

    /// A transaction from account `from`: preflight (`eth_call`, `eth_estimateGas`), then the
    /// same signed bytes sent to both chains at the same timestamp, receipts and blocks compared.
    #[allow(clippy::too_many_arguments)]
    async fn tx(
        &mut self,
        label: &str,
        from: usize,
        to: Address,
        value: U256,
        data: Bytes,
        touches_precompile: bool,
        expect: Expect,
    ) -> Option<TransactionReceipt> {
        self.begin(&format!("tx {label}"));
        self.tally.txs += 1;

        // Preflight on the latest state.
        let req = self.call_object(Some(from), Some(to), value, &data);
        let (ours, anvil) = self.both("eth_call", json!([req.clone(), "latest"])).await;
        self.check_answers("preflight eth_call", &ours, &anvil);
        self.expect("preflight eth_call", &anvil, expect);
        let (ours, anvil) = self.both("eth_estimateGas", json!([req, "latest"])).await;
        match (&ours.reply, &anvil.reply) {
            // The estimate of a call through a precompile legitimately differs.
            (Reply::Ok(_), Reply::Ok(_)) if touches_precompile => {}
            _ => self.check_answers("eth_estimateGas", &ours, &anvil),
        }

        // The same block timestamp on both chains.
        let ts = self.last_ts + BLOCK_SPACING;
        let (ours, anvil) = self.both("evm_setNextBlockTimestamp", json!([ts])).await;
        self.check_answers("evm_setNextBlockTimestamp", &ours, &anvil);

        // The same signed bytes.
        let nonce = self.nonces[from];
        let raw = sign(&self.keys[from], self.chain_id, nonce, to, value, data);
        let (ours, anvil) = self.both("eth_sendRawTransaction", json!([raw])).await;
        self.check_answers("eth_sendRawTransaction", &ours, &anvil);
        self.nonces[from] += 1;
        self.last_ts = ts;
        let hash = keccak256(&raw);

        let r_ours = receipt(&self.sides[0], hash).await;
        let r_anvil = receipt(&self.sides[1], hash).await;
        let (ours, anvil) = self.mined_tx(hash).await;
        if let (Reply::Ok(o), Reply::Ok(a)) = (&ours.reply, &anvil.reply) {
            for f in TX_FIELDS {
                self.check(&format!("transaction {f}"), &o.get(f), &a.get(f));
            }
        } else {
            self.check_answers("eth_getTransactionByHash", &ours, &anvil);
        }
        let (r_ours, r_anvil) = match (r_ours, r_anvil) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                self.check(
                    "receipt",
                    &a.as_ref().map(|r| r.status()),
                    &b.as_ref().map(|r| r.status()),
                );
                return None;
            }
        };
        let ok = r_anvil.status();
        match expect {
            Expect::Pass if !ok => {
                self.unmet
                    .push(format!("{}: expected success, anvil reverted", self.label));
            }
            Expect::Revert(name) if ok => {
                self.unmet
                    .push(format!("{}: expected {name}, anvil succeeded", self.label));
            }
            _ => {}
        }
        self.compare_receipts(&r_ours, &r_anvil, !touches_precompile);
        self.compare_block(
            r_anvil.block_number.unwrap_or_default(),
            Some(ts),
            !touches_precompile,
        )
        .await;
        if touches_precompile {
            self.tally.gas_skipped += 1;
        }
        Some(r_ours)
    }

    fn compare_receipts(
        &mut self,
        ours: &TransactionReceipt,
        anvil: &TransactionReceipt,
        gas: bool,
    ) {
        self.check("status", &ours.status(), &anvil.status());
        if gas {
            self.tally.gas_compared += 1;
            self.check("gasUsed", &ours.gas_used, &anvil.gas_used);
            self.check(
                "cumulativeGasUsed",
                &ours.inner.cumulative_gas_used(),
                &anvil.inner.cumulative_gas_used(),
            );
        }
        self.check("blockNumber", &ours.block_number, &anvil.block_number);
        self.check(
            "transactionIndex",
            &ours.transaction_index,
            &anvil.transaction_index,
        );
        self.check("from", &ours.from, &anvil.from);
        self.check("to", &ours.to, &anvil.to);
        self.check(
            "contractAddress",
            &ours.contract_address,
            &anvil.contract_address,
        );
        self.check("type", &ours.transaction_type(), &anvil.transaction_type());
        self.check(
            "logsBloom",
            &ours.inner.logs_bloom(),
            &anvil.inner.logs_bloom(),
        );
        let (lo, la) = (ours.logs(), anvil.logs());
        self.check("number of logs", &lo.len(), &la.len());
        for (i, (a, b)) in lo.iter().zip(la).enumerate() {
            self.check(&format!("log {i} address"), &a.address(), &b.address());
            self.check(&format!("log {i} topics"), &a.topics(), &b.topics());
            self.check(&format!("log {i} data"), &a.data().data, &b.data().data);
            self.check(&format!("log {i} logIndex"), &a.log_index, &b.log_index);
        }
    }

    async fn compare_block(&mut self, number: u64, ts: Option<u64>, gas: bool) {
        let tag = BlockNumberOrTag::Number(number);
        let ours = self.sides[0].p.get_block_by_number(tag).await;
        let anvil = self.sides[1].p.get_block_by_number(tag).await;
        let (Ok(Some(ours)), Ok(Some(anvil))) = (ours, anvil) else {
            self.diffs.push(format!(
                "{}: block {number} missing on one side",
                self.label
            ));
            return;
        };
        self.check("block number", &ours.header.number, &anvil.header.number);
        if let Some(ts) = ts {
            self.check(
                "block timestamp",
                &ours.header.timestamp,
                &anvil.header.timestamp,
            );
            self.check("block timestamp as set", &ours.header.timestamp, &ts);
        }
        self.check(
            "block transaction count",
            &ours.transactions.len(),
            &anvil.transactions.len(),
        );
        self.check(
            "block gas limit",
            &ours.header.gas_limit,
            &anvil.header.gas_limit,
        );
        self.check(
            "block logsBloom",
            &ours.header.logs_bloom,
            &anvil.header.logs_bloom,
        );
        if gas {
            self.check(
                "block gasUsed",
                &ours.header.gas_used,
                &anvil.header.gas_used,
            );
        }
    }

    /// What `eth_call` sees of the block environment on `tag`: (timestamp, number, chain id,
    /// gas limit, coinbase), via a creation call whose init code returns them.
    async fn probe_env(&mut self, tag: &'static str, compare_timestamp: bool) {
        self.begin(&format!("call block-environment probe on {tag:?}"));
        self.tally.calls += 1;
        // TIMESTAMP PUSH0 MSTORE  NUMBER PUSH1 32 MSTORE  CHAINID PUSH1 64 MSTORE
        // GASLIMIT PUSH1 96 MSTORE  COINBASE PUSH1 128 MSTORE  PUSH1 160 PUSH0 RETURN
        let init: Bytes = "0x425f524360205246604052456060524160805260a05ff3"
            .parse()
            .expect("hex");
        let req = json!({ "input": init });
        let (ours, anvil) = self.both("eth_call", json!([req, tag])).await;
        let (Some(o), Some(a)) = (ours.ok_bytes(), anvil.ok_bytes()) else {
            self.check_answers("eth_call", &ours, &anvil);
            return;
        };
        let word = |b: &Bytes, i: usize| U256::from_be_slice(&b[32 * i..32 * i + 32]);
        if compare_timestamp {
            self.check(
                "block.timestamp seen by eth_call",
                &word(&o, 0),
                &word(&a, 0),
            );
        }
        self.check("block.number seen by eth_call", &word(&o, 1), &word(&a, 1));
        self.check("block.chainid seen by eth_call", &word(&o, 2), &word(&a, 2));
        self.check(
            "block.gaslimit seen by eth_call",
            &word(&o, 3),
            &word(&a, 3),
        );
        self.check(
            "block.coinbase seen by eth_call",
            &word(&o, 4),
            &word(&a, 4),
        );
    }

    /// `eth_getLogs` with `filter`, compared log by log (block hashes and transaction hashes of
    /// the deployment differ legitimately and are left out).
    async fn compare_logs(&mut self, label: &str, filter: Value) {
        self.begin(&format!("eth_getLogs {label}"));
        let (ours, anvil) = self.both("eth_getLogs", json!([filter])).await;
        let (Reply::Ok(Value::Array(o)), Reply::Ok(Value::Array(a))) = (&ours.reply, &anvil.reply)
        else {
            self.check_answers("eth_getLogs", &ours, &anvil);
            return;
        };
        self.check("number of logs", &o.len(), &a.len());
        let fields = [
            "address",
            "topics",
            "data",
            "blockNumber",
            "logIndex",
            "transactionIndex",
            "removed",
        ];
        for (i, (lo, la)) in o.iter().zip(a).enumerate() {
            for f in fields {
                self.check(&format!("log {i} {f}"), &lo.get(f), &la.get(f));
            }
        }
    }
}

fn sign(
    key: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    value: U256,
    input: Bytes,
) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: GAS_LIMIT,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: PRIORITY_FEE,
        to: TxKind::Call(to),
        value,
        access_list: Default::default(),
        input,
    };
    let sig = key.sign_transaction_sync(&mut tx).expect("signing works");
    let envelope: TxEnvelope = tx.into_signed(sig).into();
    envelope.encoded_2718().into()
}

async fn receipt(side: &Side, hash: B256) -> Result<TransactionReceipt, String> {
    // Generous: on a loaded 2-core CI machine anvil's automine can lag by seconds.
    for _ in 0..12_000 {
        match side.p.get_transaction_receipt(hash).await {
            Ok(Some(r)) => return Ok(r),
            Ok(None) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(e) => return Err(format!("{}: eth_getTransactionReceipt: {e}", side.name)),
        }
    }
    Err(format!("{}: no receipt for {hash} after 120 s", side.name))
}

fn enc<C: SolCall>(call: &C) -> Bytes {
    call.abi_encode().into()
}

fn peaq(milli: u64) -> U256 {
    U256::from(milli) * U256::from(1_000_000_000_000_000u64)
}

fn id(n: u64) -> U256 {
    U256::from(n)
}

#[allow(clippy::too_many_arguments)]
fn submit(
    machine: u64,
    event_type: u8,
    value: U256,
    currency: &str,
    timestamp: u64,
    data_hash: B256,
    trust: u8,
    source_chain: U256,
    source_tx: B256,
    metadata: Vec<u8>,
) -> Bytes {
    enc(&EventRegistry::submitEventCall {
        machineId: id(machine),
        eventType: event_type,
        value,
        currency: currency.to_owned(),
        timestamp: U256::from(timestamp),
        dataHash: data_hash,
        trustLevel: trust,
        sourceChainId: source_chain,
        sourceTxHash: source_tx,
        metadata: metadata.into(),
    })
}

/// A plain revenue event of `machine` at `timestamp`.
fn revenue(machine: u64, timestamp: u64) -> Bytes {
    submit(
        machine,
        0,
        U256::from(100),
        "USD",
        timestamp,
        keccak256(b"r"),
        0,
        U256::ZERO,
        B256::ZERO,
        Vec::new(),
    )
}

fn did_add(did: Address, name: &[u8], value: &[u8], validity: u32) -> Bytes {
    enc(&DIDPrecompile::addAttributeCall {
        didAccount: did,
        name: name.to_vec().into(),
        value: value.to_vec().into(),
        validityFor: validity,
    })
}

fn did_read(did: Address, name: &[u8]) -> Bytes {
    enc(&DIDPrecompile::readAttributeCall {
        didAccount: did,
        name: name.to_vec().into(),
    })
}

// ---------------------------------------------------------------------- the test

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil (npm ci in contracts/)"]
async fn devnet_matches_anvil_step_by_step() {
    // ------------------------------------------------------------------ both chains
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    assert_eq!(devnet.chain_id, LOCAL_CHAIN_ID);
    let anvil = spawn_anvil(devnet.chain_id);
    let keys: Vec<PrivateKeySigner> = devnet.accounts.iter().map(|a| a.signer()).collect();
    assert!(keys.len() >= ACCOUNTS_USED);
    for (i, key) in keys.iter().enumerate().take(ACCOUNTS_USED) {
        assert_eq!(
            key.address(),
            anvil.addresses()[i],
            "dev account {i} is anvil's"
        );
    }
    let anvil_url = anvil.endpoint_url().to_string();
    let owner = keys[OWNER].address();

    // ------------------------------------------------------------------ deployment
    let anvil_p = http(&anvil_url);
    place_standins(&anvil_p)
        .await
        .expect("stand-ins installed on anvil");
    let d_ours = deploy(
        &wallet(&devnet.url, keys[OWNER].clone()),
        &DeployConfig::new(owner),
    )
    .await
    .expect("deployed on the devnet");
    let d_anvil = deploy(
        &wallet(&anvil_url, keys[OWNER].clone()),
        &DeployConfig::new(owner),
    )
    .await
    .expect("deployed on anvil");

    let mut run = Run {
        sides: [
            Side {
                name: "devnet",
                p: http(&devnet.url),
            },
            Side {
                name: "anvil",
                p: anvil_p,
            },
        ],
        nonces: vec![0; keys.len()],
        keys,
        chain_id: devnet.chain_id,
        last_ts: T0 - BLOCK_SPACING,
        label: String::new(),
        tally: Tally::default(),
        diffs: Vec::new(),
        unmet: Vec::new(),
        seen: BTreeSet::new(),
    };

    run.begin("deployment addresses");
    run.check("Deployment", &d_ours, &d_anvil);
    // The devnet's own genesis deployment (deploy_stack: true) lands at the same addresses.
    let genesis = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("second devnet starts");
    run.check(
        "default genesis deployment of a devnet",
        &genesis.deployment,
        &Some(d_ours.clone()),
    );
    genesis.shutdown().await.expect("second devnet stops");

    run.begin("deployment code and receipts");
    let d = d_ours.clone();
    let mut deployed = vec![
        d.identity_registry.proxy,
        d.identity_registry.implementation,
        d.identity_staking.proxy,
        d.identity_staking.implementation,
        d.event_registry.proxy,
        d.event_registry.implementation,
        d.machine_nft.proxy,
        d.machine_nft.implementation,
        d.admin_flags.proxy,
        d.admin_flags.implementation,
        d.machine_account_factory,
        d.machine_account_beacon,
    ];
    // The smart-account implementation behind the beacon (`implementation()`).
    let selector = Bytes::from(keccak256(b"implementation()")[..4].to_vec());
    let answer = rpc(
        &run.sides[1].p,
        "eth_call",
        json!([{ "to": d.machine_account_beacon, "input": selector }, "latest"]),
    )
    .await;
    let beacon_impl = answer
        .ok_bytes()
        .filter(|b| b.len() == 32)
        .map(|b| Address::from_slice(&b[12..]));
    assert!(
        beacon_impl.is_some(),
        "the beacon has an implementation: {}",
        answer.describe()
    );
    deployed.extend(beacon_impl);
    for address in deployed {
        let (ours, anvil) = run.both("eth_getCode", json!([address, "latest"])).await;
        run.check_answers(&format!("eth_getCode {address}"), &ours, &anvil);
    }
    let (ours, anvil) = run.both("eth_blockNumber", json!([])).await;
    run.check_answers("eth_blockNumber after deployment", &ours, &anvil);
    let deployed_to = run.sides[1]
        .p
        .get_block_number()
        .await
        .expect("block number");
    for n in 1..=deployed_to {
        let ours = block_receipts(&run.sides[0], n).await;
        let anvil = block_receipts(&run.sides[1], n).await;
        run.check(
            &format!("deployment block {n}: receipts"),
            &ours.len(),
            &anvil.len(),
        );
        for (a, b) in ours.iter().zip(&anvil) {
            run.compare_receipts(a, b, true);
        }
        run.compare_block(n, None, true).await;
    }
    run.begin("nonces after deployment");
    for i in 0..ACCOUNTS_USED {
        let ours = run_nonce(&run.sides[0].p, run.addr(i)).await;
        let theirs = run_nonce(&run.sides[1].p, run.addr(i)).await;
        run.check(&format!("nonce of account {i}"), &ours, &theirs);
        run.nonces[i] = ours;
    }
    let deployment_gas_compared = run.tally.gas_compared;
    run.tally.gas_compared = 0;

    scenario(&mut run, &d).await;

    // ------------------------------------------------------------------ whole-chain checks
    let (ours, anvil) = run.both("eth_blockNumber", json!([])).await;
    run.begin("final block number");
    run.check_answers("eth_blockNumber", &ours, &anvil);
    run.compare_logs(
        "every log",
        json!({ "fromBlock": "0x0", "toBlock": "latest" }),
    )
    .await;
    run.compare_logs(
        "EventSubmitted of machine 1",
        json!({
            "fromBlock": "0x0",
            "toBlock": "latest",
            "address": d.event_registry.proxy,
            "topics": [EventRegistry::EventSubmitted::SIGNATURE_HASH, B256::from(id(1).to_be_bytes::<32>())],
        }),
    )
    .await;
    run.compare_logs(
        "DID AddAttribute / UpdateAttribute",
        json!({
            "fromBlock": "0x0",
            "address": DID_PRECOMPILE_ADDRESS,
            "topics": [[DIDPrecompile::AddAttribute::SIGNATURE_HASH, DIDPrecompile::UpdateAttribute::SIGNATURE_HASH]],
        }),
    )
    .await;
    run.compare_logs(
        "Registered / OperatorSet / MachineMinted",
        json!({
            "fromBlock": "0x0",
            "address": [d.identity_registry.proxy, d.machine_nft.proxy],
            "topics": [[
                IdentityRegistry::Registered::SIGNATURE_HASH,
                IdentityRegistry::OperatorSet::SIGNATURE_HASH,
                MachineNFT::MachineMinted::SIGNATURE_HASH,
            ]],
        }),
    )
    .await;
    run.begin("final nonces");
    for i in 0..ACCOUNTS_USED {
        let (ours, anvil) = run
            .both("eth_getTransactionCount", json!([run.addr(i), "latest"]))
            .await;
        run.check_answers(&format!("nonce of account {i}"), &ours, &anvil);
    }

    // ------------------------------------------------------------------ report
    let t = &run.tally;
    let missing: Vec<&str> = REQUIRED_ERRORS
        .iter()
        .copied()
        .filter(|e| !run.seen.contains(*e))
        .collect();
    eprintln!(
        "\n== differential test: devnet vs anvil (--hardfork cancun, chain id {}) ==",
        run.chain_id
    );
    eprintln!(
        "{} steps ({} transactions, {} calls), {} values compared; gasUsed compared for {} \
         transactions and the {} deployment ones, skipped for {} touching 0x…0800 / 0x…0809",
        t.steps, t.txs, t.calls, t.values, t.gas_compared, deployment_gas_compared, t.gas_skipped
    );
    eprintln!("distinct reverts triggered ({}):", run.seen.len());
    for e in &run.seen {
        eprintln!("  {e}");
    }
    eprintln!(
        "{} difference(s), {} unmet expectation(s)",
        run.diffs.len(),
        run.unmet.len()
    );

    devnet.shutdown().await.expect("devnet stops");
    let mut failures = Vec::new();
    if !run.unmet.is_empty() {
        failures.push(format!(
            "the scenario did not go as planned on anvil:\n  {}",
            run.unmet.join("\n  ")
        ));
    }
    if !missing.is_empty() {
        failures.push(format!("documented reverts never triggered: {missing:?}"));
    }
    if !run.diffs.is_empty() {
        failures.push(format!(
            "the devnet differs from anvil:\n  {}",
            run.diffs.join("\n  ")
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

async fn run_nonce(p: &DynProvider, address: Address) -> u64 {
    p.get_transaction_count(address)
        .await
        .expect("eth_getTransactionCount")
}

async fn block_receipts(side: &Side, number: u64) -> Vec<TransactionReceipt> {
    let block = side
        .p
        .get_block_by_number(BlockNumberOrTag::Number(number))
        .await
        .expect("eth_getBlockByNumber")
        .expect("block exists");
    let mut out = Vec::new();
    for hash in block.transactions.hashes() {
        out.push(receipt(side, hash).await.expect("receipt"));
    }
    out
}

// ---------------------------------------------------------------------- the scenario

#[allow(clippy::too_many_lines)]
async fn scenario(run: &mut Run, d: &Deployment) {
    let registry = d.identity_registry.proxy;
    let staking = d.identity_staking.proxy;
    let events = d.event_registry.proxy;
    let nft = d.machine_nft.proxy;
    let flags = d.admin_flags.proxy;
    let did = DID_PRECOMPILE_ADDRESS;
    let wpeaq = WPEAQ_PRECOMPILE_ADDRESS;
    let (a, b, c) = (
        run.addr(MACHINE_A),
        run.addr(MACHINE_B),
        run.addr(MACHINE_C),
    );
    let (op, stranger, owner) = (run.addr(OPERATOR), run.addr(STRANGER), run.addr(OWNER));
    let zero = U256::ZERO;
    use Expect::{Either, Pass, Revert};

    // ------------------------------------------------------------------ registration
    let register = enc(&IdentityRegistry::registerCall {});
    run.tx(
        "register with half a bond",
        MACHINE_A,
        registry,
        peaq(500),
        register.clone(),
        false,
        Revert("IncorrectBondAmount"),
    )
    .await;
    run.tx(
        "register with no bond",
        MACHINE_A,
        registry,
        zero,
        register.clone(),
        false,
        Revert("IncorrectBondAmount"),
    )
    .await;
    run.tx(
        "register machine A (1 PEAQ)",
        MACHINE_A,
        registry,
        peaq(1000),
        register.clone(),
        true,
        Pass,
    )
    .await;
    run.probe_env("latest", true).await;
    run.probe_env("pending", false).await;
    run.tx(
        "register machine A again",
        MACHINE_A,
        registry,
        peaq(1000),
        register.clone(),
        false,
        Revert("AlreadyRegistered"),
    )
    .await;
    let register_for = |m: Address| enc(&IdentityRegistry::registerForCall { machineAddress: m });
    run.tx(
        "registerFor(0x0)",
        OPERATOR,
        registry,
        peaq(1000),
        register_for(Address::ZERO),
        false,
        Revert("InvalidMachineAddress"),
    )
    .await;
    run.tx(
        "registerFor(machine B) by the operator",
        OPERATOR,
        registry,
        peaq(1000),
        register_for(b),
        true,
        Pass,
    )
    .await;
    run.tx(
        "registerFor(machine A) (already registered)",
        OPERATOR,
        registry,
        peaq(1000),
        register_for(a),
        false,
        Revert("AlreadyRegistered"),
    )
    .await;
    run.tx(
        "register machine B itself (already registered by proxy)",
        MACHINE_B,
        registry,
        peaq(1000),
        register.clone(),
        false,
        Revert("AlreadyRegistered"),
    )
    .await;
    run.tx(
        "register machine C",
        MACHINE_C,
        registry,
        peaq(1000),
        register,
        true,
        Pass,
    )
    .await;

    let registry_reads: Vec<(&str, Bytes, Expect)> = vec![
        (
            "totalMachines",
            enc(&IdentityRegistry::totalMachinesCall {}),
            Pass,
        ),
        (
            "nextMachineId",
            enc(&IdentityRegistry::nextMachineIdCall {}),
            Pass,
        ),
        ("minBond", enc(&IdentityRegistry::minBondCall {}), Pass),
        (
            "MIN_BOND_FLOOR",
            enc(&IdentityRegistry::MIN_BOND_FLOORCall {}),
            Pass,
        ),
        (
            "ownerOf(1)",
            enc(&IdentityRegistry::ownerOfCall { tokenId: id(1) }),
            Pass,
        ),
        (
            "ownerOf(2)",
            enc(&IdentityRegistry::ownerOfCall { tokenId: id(2) }),
            Pass,
        ),
        (
            "ownerOf(99)",
            enc(&IdentityRegistry::ownerOfCall { tokenId: id(99) }),
            Revert("ERC721NonexistentToken"),
        ),
        (
            "machineWalletOf(2)",
            enc(&IdentityRegistry::machineWalletOfCall { machineId: id(2) }),
            Pass,
        ),
        (
            "machineWalletOf(99)",
            enc(&IdentityRegistry::machineWalletOfCall { machineId: id(99) }),
            Revert("MachineNotFound"),
        ),
        (
            "operatorOf(1)",
            enc(&IdentityRegistry::operatorOfCall { machineId: id(1) }),
            Pass,
        ),
        (
            "operatorOf(2)",
            enc(&IdentityRegistry::operatorOfCall { machineId: id(2) }),
            Pass,
        ),
        (
            "machineIdOfOwner(A)",
            enc(&IdentityRegistry::machineIdOfOwnerCall { addr: a }),
            Pass,
        ),
        (
            "machineIdOfOwner(B)",
            enc(&IdentityRegistry::machineIdOfOwnerCall { addr: b }),
            Pass,
        ),
        (
            "machineIdOfOwner(C)",
            enc(&IdentityRegistry::machineIdOfOwnerCall { addr: c }),
            Pass,
        ),
        (
            "machineIdOfOwner(operator)",
            enc(&IdentityRegistry::machineIdOfOwnerCall { addr: op }),
            Pass,
        ),
        (
            "machineStatus(1)",
            enc(&IdentityRegistry::machineStatusCall { machineId: id(1) }),
            Pass,
        ),
        (
            "getMetadata(2, operator)",
            enc(&IdentityRegistry::getMetadataCall {
                machineId: id(2),
                key: "operator".into(),
            }),
            Pass,
        ),
        (
            "getMetadata(1, operator)",
            enc(&IdentityRegistry::getMetadataCall {
                machineId: id(1),
                key: "operator".into(),
            }),
            Pass,
        ),
        (
            "getMetadata(1, machineWallet)",
            enc(&IdentityRegistry::getMetadataCall {
                machineId: id(1),
                key: "machineWallet".into(),
            }),
            Pass,
        ),
        (
            "getMetadata(3, machineURI)",
            enc(&IdentityRegistry::getMetadataCall {
                machineId: id(3),
                key: "machineURI".into(),
            }),
            Pass,
        ),
        (
            "getMetadata(99, operator)",
            enc(&IdentityRegistry::getMetadataCall {
                machineId: id(99),
                key: "operator".into(),
            }),
            Revert("MachineNotFound"),
        ),
        (
            "tokenURI(1)",
            enc(&IdentityRegistry::tokenURICall { machineId: id(1) }),
            Pass,
        ),
        (
            "tokenURI(99)",
            enc(&IdentityRegistry::tokenURICall { machineId: id(99) }),
            Revert("ERC721NonexistentToken"),
        ),
        (
            "authorizationOf(2, operator)",
            enc(&IdentityRegistry::authorizationOfCall {
                machineId: id(2),
                caller: op,
            }),
            Pass,
        ),
        (
            "authorizationOf(2, B)",
            enc(&IdentityRegistry::authorizationOfCall {
                machineId: id(2),
                caller: b,
            }),
            Pass,
        ),
        (
            "authorizationOf(1, stranger)",
            enc(&IdentityRegistry::authorizationOfCall {
                machineId: id(1),
                caller: stranger,
            }),
            Pass,
        ),
        (
            "isAuthorizedOrOwner(operator, 2)",
            enc(&IdentityRegistry::isAuthorizedOrOwnerCall {
                caller: op,
                machineId: id(2),
            }),
            Pass,
        ),
        (
            "getVerificationInfo(1)",
            enc(&IdentityRegistry::getVerificationInfoCall { machineId: id(1) }),
            Pass,
        ),
        (
            "getOwnerIfExists(99)",
            enc(&IdentityRegistry::getOwnerIfExistsCall { machineId: id(99) }),
            Pass,
        ),
        (
            "balanceOf(A)",
            enc(&IdentityRegistry::balanceOfCall { owner: a }),
            Pass,
        ),
        ("name", enc(&IdentityRegistry::nameCall {}), Pass),
        ("symbol", enc(&IdentityRegistry::symbolCall {}), Pass),
    ];
    for (label, data, expect) in registry_reads {
        run.call(
            &format!("IdentityRegistry.{label}"),
            Some(STRANGER),
            registry,
            data,
            expect,
        )
        .await;
    }
    let staking_reads: Vec<(&str, Bytes)> = vec![
        (
            "isStaked(1)",
            enc(&IdentityStaking::isStakedCall { machineId: id(1) }),
        ),
        (
            "isStaked(99)",
            enc(&IdentityStaking::isStakedCall { machineId: id(99) }),
        ),
        ("totalStaked", enc(&IdentityStaking::totalStakedCall {})),
        (
            "getStake(2)",
            enc(&IdentityStaking::getStakeCall { machineId: id(2) }),
        ),
        (
            "getStakeInfo(3)",
            enc(&IdentityStaking::getStakeInfoCall { machineId: id(3) }),
        ),
        ("stakingToken", enc(&IdentityStaking::stakingTokenCall {})),
        (
            "isAuthorized(registry)",
            enc(&IdentityStaking::isAuthorizedCall { addr: registry }),
        ),
    ];
    for (label, data) in staking_reads {
        run.call(
            &format!("IdentityStaking.{label}"),
            None,
            staking,
            data,
            Pass,
        )
        .await;
    }
    run.tx(
        "IdentityStaking.stakeFor by a stranger",
        STRANGER,
        staking,
        zero,
        enc(&IdentityStaking::stakeForCall {
            machineId: id(9),
            owner_: stranger,
            amount: peaq(1000),
        }),
        false,
        Revert("NotAuthorized"),
    )
    .await;
    // WPEAQ (0x…0809): native precompile on the devnet, WETH9-style stand-in on anvil.
    let wpeaq_reads: Vec<(&str, Bytes)> = vec![
        ("name", enc(&WPEAQStandin::nameCall {})),
        ("symbol", enc(&WPEAQStandin::symbolCall {})),
        ("decimals", enc(&WPEAQStandin::decimalsCall {})),
        (
            "balanceOf(IdentityStaking)",
            enc(&WPEAQStandin::balanceOfCall { account: staking }),
        ),
        (
            "balanceOf(IdentityRegistry)",
            enc(&WPEAQStandin::balanceOfCall { account: registry }),
        ),
        (
            "allowance(registry, staking)",
            enc(&WPEAQStandin::allowanceCall {
                owner: registry,
                spender: staking,
            }),
        ),
    ];
    for (label, data) in wpeaq_reads {
        run.call(&format!("WPEAQ.{label}"), None, wpeaq, data, Pass)
            .await;
    }

    // ------------------------------------------------------------------ Machine NFT
    let mint = |m: u64, to: Address| {
        enc(&MachineNFT::mintCall {
            machineId: id(m),
            recipient: to,
        })
    };
    run.tx(
        "mint(1) by a stranger",
        STRANGER,
        nft,
        zero,
        mint(1, a),
        false,
        Revert("NotMachineOwner"),
    )
    .await;
    run.tx(
        "mint(1) to self by machine A",
        MACHINE_A,
        nft,
        zero,
        mint(1, a),
        false,
        Pass,
    )
    .await;
    run.tx(
        "mint(1) again",
        MACHINE_A,
        nft,
        zero,
        mint(1, a),
        false,
        Revert("AlreadyMinted"),
    )
    .await;
    run.tx(
        "operator mints machine 2 to itself",
        OPERATOR,
        nft,
        zero,
        mint(2, op),
        false,
        Revert("RecipientMustBeMachineOwner"),
    )
    .await;
    run.tx(
        "operator mints machine 2 to machine B",
        OPERATOR,
        nft,
        zero,
        mint(2, b),
        false,
        Pass,
    )
    .await;
    run.tx(
        "mint(99)",
        MACHINE_A,
        nft,
        zero,
        mint(99, a),
        false,
        Revert("MachineNotFound"),
    )
    .await;
    run.tx(
        "mint(3) to 0x0",
        MACHINE_C,
        nft,
        zero,
        mint(3, Address::ZERO),
        false,
        Revert("InvalidAddress"),
    )
    .await;
    let nft_reads: Vec<(&str, Bytes, Expect)> = vec![
        (
            "tokenIdOf(1)",
            enc(&MachineNFT::tokenIdOfCall { machineId: id(1) }),
            Pass,
        ),
        (
            "tokenIdOf(2)",
            enc(&MachineNFT::tokenIdOfCall { machineId: id(2) }),
            Pass,
        ),
        (
            "tokenIdOf(3)",
            enc(&MachineNFT::tokenIdOfCall { machineId: id(3) }),
            Pass,
        ),
        (
            "tokenIdOf(99)",
            enc(&MachineNFT::tokenIdOfCall { machineId: id(99) }),
            Revert("MachineNotFound"),
        ),
        (
            "ownerOf(2)",
            enc(&MachineNFT::ownerOfCall { tokenId: id(2) }),
            Pass,
        ),
        (
            "machineIdOf(2)",
            enc(&MachineNFT::machineIdOfCall { tokenId: id(2) }),
            Pass,
        ),
        (
            "machineIdOf(77)",
            enc(&MachineNFT::machineIdOfCall { tokenId: id(77) }),
            Revert("ERC721NonexistentToken"),
        ),
        (
            "tokenURI(1)",
            enc(&MachineNFT::tokenURICall { tokenId: id(1) }),
            Pass,
        ),
        ("totalMinted", enc(&MachineNFT::totalMintedCall {}), Pass),
        (
            "balanceOf(B)",
            enc(&MachineNFT::balanceOfCall { owner: b }),
            Pass,
        ),
    ];
    for (label, data, expect) in nft_reads {
        run.call(&format!("MachineNFT.{label}"), None, nft, data, expect)
            .await;
    }

    // ------------------------------------------------------------------ registry admin
    run.tx(
        "Identity NFT transferFrom (soulbound)",
        MACHINE_A,
        registry,
        zero,
        enc(&IdentityRegistry::transferFromCall {
            from: a,
            to: stranger,
            tokenId: id(1),
        }),
        false,
        Revert("IdentityNFTSoulbound"),
    )
    .await;
    let set_min_bond = |v: U256| enc(&IdentityRegistry::setMinBondCall { _minBond: v });
    run.tx(
        "setMinBond by a stranger",
        STRANGER,
        registry,
        zero,
        set_min_bond(peaq(2000)),
        false,
        Revert("OwnableUnauthorizedAccount"),
    )
    .await;
    run.tx(
        "setMinBond below the floor",
        OWNER,
        registry,
        zero,
        set_min_bond(peaq(50)),
        false,
        Revert("BondBelowFloor"),
    )
    .await;
    run.tx(
        "setMinBond(2 PEAQ)",
        OWNER,
        registry,
        zero,
        set_min_bond(peaq(2000)),
        false,
        Pass,
    )
    .await;
    run.call(
        "IdentityRegistry.minBond",
        None,
        registry,
        enc(&IdentityRegistry::minBondCall {}),
        Pass,
    )
    .await;
    run.tx(
        "setMinBond(1 PEAQ)",
        OWNER,
        registry,
        zero,
        set_min_bond(peaq(1000)),
        false,
        Pass,
    )
    .await;
    run.tx(
        "removeOperator(2) by the operator",
        OPERATOR,
        registry,
        zero,
        enc(&IdentityRegistry::removeOperatorCall { machineId: id(2) }),
        false,
        Revert("NotMachineOwner"),
    )
    .await;
    run.tx(
        "verifyMachine(1)",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::verifyMachineCall { machineId: id(1) }),
        false,
        Pass,
    )
    .await;
    run.tx(
        "rejectMachine(1) after verification",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::rejectMachineCall { machineId: id(1) }),
        false,
        Revert("InvalidStatus"),
    )
    .await;
    run.tx(
        "verifyMachine(99)",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::verifyMachineCall { machineId: id(99) }),
        false,
        Revert("MachineNotFound"),
    )
    .await;
    run.tx(
        "rescueETH to 0x0",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::rescueETHCall {
            to: Address::ZERO,
            amount: zero,
        }),
        false,
        Revert("InvalidAddress"),
    )
    .await;
    run.tx(
        "EventRegistry.transferOwnership by a stranger",
        STRANGER,
        events,
        zero,
        enc(&Ownable::transferOwnershipCall { newOwner: stranger }),
        false,
        Revert("OwnableUnauthorizedAccount"),
    )
    .await;
    run.call(
        "IdentityRegistry.isVerified(1)",
        None,
        registry,
        enc(&IdentityRegistry::isVerifiedCall { machineId: id(1) }),
        Pass,
    )
    .await;

    // ------------------------------------------------------------------ AdminFlags
    run.tx(
        "flagMachine by a stranger",
        STRANGER,
        flags,
        zero,
        enc(&AdminFlags::flagMachineCall { machineId: id(1) }),
        false,
        Revert("OwnableUnauthorizedAccount"),
    )
    .await;
    run.tx(
        "flagMachine(1)",
        OWNER,
        flags,
        zero,
        enc(&AdminFlags::flagMachineCall { machineId: id(1) }),
        false,
        Pass,
    )
    .await;
    run.tx(
        "flagMachine(99)",
        OWNER,
        flags,
        zero,
        enc(&AdminFlags::flagMachineCall { machineId: id(99) }),
        false,
        Revert("MachineNotFound"),
    )
    .await;
    run.tx(
        "clearFlag(2)",
        OWNER,
        flags,
        zero,
        enc(&AdminFlags::clearFlagCall { machineId: id(2) }),
        false,
        Revert("MachineNotFlagged"),
    )
    .await;
    run.tx(
        "setTrustOverride(1, 10001)",
        OWNER,
        flags,
        zero,
        enc(&AdminFlags::setTrustOverrideCall {
            machineId: id(1),
            value: U256::from(10_001),
        }),
        false,
        Revert("InvalidTrustOverride"),
    )
    .await;
    run.tx(
        "setTrustOverride(1, 5000)",
        OWNER,
        flags,
        zero,
        enc(&AdminFlags::setTrustOverrideCall {
            machineId: id(1),
            value: U256::from(5_000),
        }),
        false,
        Pass,
    )
    .await;
    run.tx(
        "clearTrustOverride(2)",
        OWNER,
        flags,
        zero,
        enc(&AdminFlags::clearTrustOverrideCall { machineId: id(2) }),
        false,
        Revert("NoTrustOverride"),
    )
    .await;
    run.call(
        "AdminFlags.getFlags(1)",
        None,
        flags,
        enc(&AdminFlags::getFlagsCall { machineId: id(1) }),
        Pass,
    )
    .await;
    run.call(
        "AdminFlags.isFlagged(1)",
        None,
        flags,
        enc(&AdminFlags::isFlaggedCall { machineId: id(1) }),
        Pass,
    )
    .await;

    // ------------------------------------------------------------------ events
    let h = |s: &[u8]| keccak256(s);
    let ts = run.last_ts;
    run.tx(
        "revenue event of machine A",
        MACHINE_A,
        events,
        zero,
        submit(
            1,
            0,
            U256::from(12_345),
            "USD",
            ts,
            h(b"a"),
            0,
            zero,
            B256::ZERO,
            Vec::new(),
        ),
        false,
        Pass,
    )
    .await;
    run.tx(
        "activity event of machine A with source and metadata",
        MACHINE_A,
        events,
        zero,
        submit(
            1,
            1,
            zero,
            "",
            ts - 100,
            B256::ZERO,
            1,
            U256::from(3338),
            h(b"src"),
            vec![0xab; 100],
        ),
        false,
        Pass,
    )
    .await;
    let ts = run.last_ts;
    run.tx(
        "operator submits for machine 2 (4096-byte metadata)",
        OPERATOR,
        events,
        zero,
        submit(
            2,
            0,
            peaq(1000),
            "PEAQ",
            ts,
            h(b"b"),
            2,
            U256::from(8453),
            h(b"tx"),
            vec![0x5a; 4096],
        ),
        false,
        Pass,
    )
    .await;
    run.tx(
        "machine B submits (wide source chain id, 10-char currency)",
        MACHINE_B,
        events,
        zero,
        submit(
            2,
            0,
            U256::from(7),
            "ABCDEFGHI9",
            ts,
            B256::ZERO,
            1,
            U256::from(1u128 << 70),
            B256::ZERO,
            Vec::new(),
        ),
        false,
        Pass,
    )
    .await;
    run.tx(
        "machine B submits an activity at timestamp 0",
        MACHINE_B,
        events,
        zero,
        submit(
            2,
            1,
            U256::MAX,
            "",
            0,
            h(b"z"),
            0,
            U256::from(u64::MAX),
            B256::ZERO,
            vec![1],
        ),
        false,
        Pass,
    )
    .await;
    let ts = run.last_ts;
    let bad: Vec<(&str, Bytes, &'static str)> = vec![
        (
            "event type 2",
            submit(
                1,
                2,
                zero,
                "",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidEventType",
        ),
        (
            "trust level 3",
            submit(
                1,
                0,
                zero,
                "USD",
                ts,
                B256::ZERO,
                3,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidTrustLevel",
        ),
        (
            "lower-case currency",
            submit(
                1,
                0,
                zero,
                "usd",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidCurrencyShape",
        ),
        (
            "2-char currency",
            submit(
                1,
                0,
                zero,
                "US",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidCurrencyShape",
        ),
        (
            "11-char currency",
            submit(
                1,
                0,
                zero,
                "ABCDEFGHIJK",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidCurrencyShape",
        ),
        (
            "currency with a space",
            submit(
                1,
                0,
                zero,
                "US D",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidCurrencyShape",
        ),
        (
            "activity with a currency",
            submit(
                1,
                1,
                zero,
                "USD",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "InvalidCurrencyShape",
        ),
        (
            "timestamp far in the future",
            submit(
                1,
                0,
                zero,
                "USD",
                ts + 1_000_000,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                Vec::new(),
            ),
            "FutureTimestamp",
        ),
        (
            "4097-byte metadata",
            submit(
                1,
                0,
                zero,
                "USD",
                ts,
                B256::ZERO,
                0,
                zero,
                B256::ZERO,
                vec![0; 4097],
            ),
            "MetadataTooLarge",
        ),
        ("unknown machine 99", revenue(99, ts), "MachineNotFound"),
    ];
    for (label, data, error) in bad {
        run.tx(
            &format!("submitEvent: {label}"),
            MACHINE_A,
            events,
            zero,
            data,
            false,
            Revert(error),
        )
        .await;
    }
    let ts = run.last_ts;
    run.tx(
        "submitEvent for machine 1 by a stranger",
        STRANGER,
        events,
        zero,
        revenue(1, ts),
        false,
        Revert("NotAuthorizedSubmitter"),
    )
    .await;
    run.tx(
        "submitEvent for machine 2 by machine A",
        MACHINE_A,
        events,
        zero,
        revenue(2, ts),
        false,
        Revert("NotAuthorizedSubmitter"),
    )
    .await;
    run.tx(
        "submitEvent for machine 1 by machine B's operator",
        OPERATOR,
        events,
        zero,
        revenue(1, ts),
        false,
        Revert("NotAuthorizedSubmitter"),
    )
    .await;
    // The boundary of FutureTimestamp as eth_call sees it: one second after the latest block.
    run.call(
        "submitEvent at latest block timestamp + 1 (eth_call)",
        Some(MACHINE_A),
        events,
        revenue(1, run.last_ts + 1),
        Revert("FutureTimestamp"),
    )
    .await;
    run.call(
        "submitEvent at latest block timestamp (eth_call)",
        Some(MACHINE_A),
        events,
        revenue(1, run.last_ts),
        Pass,
    )
    .await;

    // Deactivation.
    let ts = run.last_ts;
    run.tx(
        "machine C submits",
        MACHINE_C,
        events,
        zero,
        revenue(3, ts),
        false,
        Pass,
    )
    .await;
    run.tx(
        "deactivateMachine(3) by the owner",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::deactivateMachineCall { machineId: id(3) }),
        false,
        Pass,
    )
    .await;
    let ts = run.last_ts;
    run.tx(
        "machine C submits while deactivated",
        MACHINE_C,
        events,
        zero,
        revenue(3, ts),
        false,
        Revert("MachineDeactivated"),
    )
    .await;
    run.tx(
        "deactivateMachine(3) again",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::deactivateMachineCall { machineId: id(3) }),
        false,
        Revert("InvalidStatus"),
    )
    .await;
    run.call(
        "IdentityRegistry.isDeactivated(3)",
        None,
        registry,
        enc(&IdentityRegistry::isDeactivatedCall { machineId: id(3) }),
        Pass,
    )
    .await;
    run.tx(
        "mint(3) while deactivated",
        MACHINE_C,
        nft,
        zero,
        mint(3, c),
        false,
        Either,
    )
    .await;
    run.tx(
        "reactivateMachine(3)",
        OWNER,
        registry,
        zero,
        enc(&IdentityRegistry::reactivateMachineCall { machineId: id(3) }),
        false,
        Pass,
    )
    .await;
    let ts = run.last_ts;
    run.tx(
        "machine C submits after reactivation",
        MACHINE_C,
        events,
        zero,
        revenue(3, ts),
        false,
        Pass,
    )
    .await;

    // Pause.
    run.tx(
        "EventRegistry.pause",
        OWNER,
        events,
        zero,
        enc(&EventRegistry::pauseCall {}),
        false,
        Pass,
    )
    .await;
    let ts = run.last_ts;
    run.tx(
        "submitEvent while paused",
        MACHINE_A,
        events,
        zero,
        revenue(1, ts),
        false,
        Revert("EnforcedPause"),
    )
    .await;
    run.tx(
        "EventRegistry.pause again",
        OWNER,
        events,
        zero,
        enc(&EventRegistry::pauseCall {}),
        false,
        Revert("EnforcedPause"),
    )
    .await;
    run.tx(
        "EventRegistry.unpause",
        OWNER,
        events,
        zero,
        enc(&EventRegistry::unpauseCall {}),
        false,
        Pass,
    )
    .await;
    run.tx(
        "EventRegistry.unpause again",
        OWNER,
        events,
        zero,
        enc(&EventRegistry::unpauseCall {}),
        false,
        Revert("ExpectedPause"),
    )
    .await;
    let ts = run.last_ts;
    run.tx(
        "machine A submits after unpause",
        MACHINE_A,
        events,
        zero,
        submit(
            1,
            0,
            U256::from(1),
            "EUR",
            ts,
            h(b"c"),
            2,
            U256::from(8453),
            h(b"d"),
            b"{\"k\":1}".to_vec(),
        ),
        false,
        Pass,
    )
    .await;

    // Reads.
    let at = |m: u64, i: u64| {
        enc(&EventRegistry::getEventAtCall {
            machineId: id(m),
            index: U256::from(i),
        })
    };
    let page = |m: u64, o: u64, l: u64| {
        enc(&EventRegistry::getEventsCall {
            machineId: id(m),
            offset: U256::from(o),
            limit: U256::from(l),
        })
    };
    let count = |m: u64| enc(&EventRegistry::getEventCountCall { machineId: id(m) });
    let event_reads: Vec<(&str, Bytes, Expect)> = vec![
        (
            "totalEventCount",
            enc(&EventRegistry::totalEventCountCall {}),
            Pass,
        ),
        ("getEventCount(1)", count(1), Pass),
        ("getEventCount(2)", count(2), Pass),
        ("getEventCount(3)", count(3), Pass),
        ("getEventCount(99)", count(99), Pass),
        ("getEventAt(1, 0)", at(1, 0), Pass),
        ("getEventAt(1, 1)", at(1, 1), Pass),
        ("getEventAt(1, 2)", at(1, 2), Pass),
        ("getEventAt(1, 3)", at(1, 3), Revert("OffsetOutOfBounds")),
        ("getEventAt(2, 0)", at(2, 0), Pass),
        ("getEventAt(2, 1)", at(2, 1), Pass),
        ("getEventAt(2, 2)", at(2, 2), Pass),
        ("getEventAt(3, 1)", at(3, 1), Pass),
        ("getEventAt(99, 0)", at(99, 0), Revert("OffsetOutOfBounds")),
        ("getEvents(1, 0, 10)", page(1, 0, 10), Pass),
        ("getEvents(2, 1, 1)", page(2, 1, 1), Pass),
        ("getEvents(2, 0, 1000)", page(2, 0, 1000), Pass),
        ("getEvents(2, 3, 5) (offset == count)", page(2, 3, 5), Pass),
        (
            "getEvents(2, 4, 5) (offset > count)",
            page(2, 4, 5),
            Revert("OffsetOutOfBounds"),
        ),
        ("getEvents(1, 0, 0)", page(1, 0, 0), Pass),
        (
            "MAX_QUERY_LIMIT",
            enc(&EventRegistry::MAX_QUERY_LIMITCall {}),
            Pass,
        ),
        (
            "MAX_METADATA_SIZE",
            enc(&EventRegistry::MAX_METADATA_SIZECall {}),
            Pass,
        ),
        ("paused", enc(&EventRegistry::pausedCall {}), Pass),
    ];
    for (label, data, expect) in event_reads {
        run.call(
            &format!("EventRegistry.{label}"),
            Some(STRANGER),
            events,
            data,
            expect,
        )
        .await;
    }

    // ------------------------------------------------------------------ DID on 0x…0800
    let name = b"machineId";
    run.tx(
        "DID addAttribute(A, machineId)",
        MACHINE_A,
        did,
        zero,
        did_add(a, name, b"1", 0),
        true,
        Pass,
    )
    .await;
    run.call(
        "DID readAttribute(A, machineId)",
        Some(STRANGER),
        did,
        did_read(a, name),
        Pass,
    )
    .await;
    run.tx(
        "DID addAttribute duplicate",
        MACHINE_A,
        did,
        zero,
        did_add(a, name, b"2", 0),
        true,
        Revert("AttributeAlreadyExist"),
    )
    .await;
    run.tx(
        "DID addAttribute to another DID",
        MACHINE_A,
        did,
        zero,
        did_add(b, b"x", b"y", 0),
        true,
        Revert("AttributeAuthorizationFailed"),
    )
    .await;
    run.tx(
        "DID addAttribute with a 65-byte name",
        MACHINE_A,
        did,
        zero,
        did_add(a, &[b'n'; 65], b"v", 0),
        true,
        Revert("Name too long"),
    )
    .await;
    run.tx(
        "DID addAttribute with a 2561-byte value",
        MACHINE_A,
        did,
        zero,
        did_add(a, b"big", &[b'v'; 2561], 0),
        true,
        Revert("Value too long"),
    )
    .await;
    run.tx(
        "DID addAttribute with a 64-byte name, 2560-byte value",
        MACHINE_A,
        did,
        zero,
        did_add(a, &[b'n'; 64], &[b'v'; 2560], 0),
        true,
        Pass,
    )
    .await;
    run.call(
        "DID readAttribute(A, 64-byte name)",
        None,
        did,
        did_read(a, &[b'n'; 64]),
        Pass,
    )
    .await;
    run.tx(
        "DID addAttribute with validity u32::MAX",
        MACHINE_A,
        did,
        zero,
        did_add(a, b"exp", b"v", u32::MAX),
        true,
        Revert("MaxBlockNumberExceeded"),
    )
    .await;
    run.tx(
        "DID addAttribute(A, nftTokenId) valid 100 blocks",
        MACHINE_A,
        did,
        zero,
        did_add(a, b"nftTokenId", b"1", 100),
        true,
        Pass,
    )
    .await;
    run.call(
        "DID readAttribute(A, nftTokenId)",
        None,
        did,
        did_read(a, b"nftTokenId"),
        Pass,
    )
    .await;
    let long = b"a value longer than one 32-byte word, to use a second slot".to_vec();
    run.tx(
        "DID updateAttribute(A, machineId)",
        MACHINE_A,
        did,
        zero,
        enc(&DIDPrecompile::updateAttributeCall {
            didAccount: a,
            name: name.to_vec().into(),
            value: long.into(),
            validityFor: 5,
        }),
        true,
        Pass,
    )
    .await;
    run.call(
        "DID readAttribute(A, machineId) after update",
        None,
        did,
        did_read(a, name),
        Pass,
    )
    .await;
    run.tx(
        "DID updateAttribute of a missing name",
        MACHINE_A,
        did,
        zero,
        enc(&DIDPrecompile::updateAttributeCall {
            didAccount: a,
            name: b"nope".to_vec().into(),
            value: b"v".to_vec().into(),
            validityFor: 0,
        }),
        true,
        Revert("AttributeNotFound"),
    )
    .await;
    let remove = |n: &[u8]| {
        enc(&DIDPrecompile::removeAttributeCall {
            didAccount: a,
            name: n.to_vec().into(),
        })
    };
    run.tx(
        "DID removeAttribute(A, nftTokenId)",
        MACHINE_A,
        did,
        zero,
        remove(b"nftTokenId"),
        true,
        Pass,
    )
    .await;
    run.call(
        "DID readAttribute(A, nftTokenId) after remove",
        None,
        did,
        did_read(a, b"nftTokenId"),
        Revert("Cannot find the item"),
    )
    .await;
    run.tx(
        "DID removeAttribute again",
        MACHINE_A,
        did,
        zero,
        remove(b"nftTokenId"),
        true,
        Revert("AttributeNotFound"),
    )
    .await;
    run.tx(
        "DID add_attribute (snake case) by the operator",
        OPERATOR,
        did,
        zero,
        enc(&DIDPrecompile::add_attributeCall {
            didAccount: op,
            name: b"machines".to_vec().into(),
            value: b"[2]".to_vec().into(),
            validityFor: 0,
        }),
        true,
        Pass,
    )
    .await;
    run.call(
        "DID read_attribute (snake case)",
        None,
        did,
        enc(&DIDPrecompile::read_attributeCall {
            didAccount: op,
            name: b"machines".to_vec().into(),
        }),
        Pass,
    )
    .await;
    run.tx(
        "DID addAttribute with an empty name and value",
        MACHINE_B,
        did,
        zero,
        did_add(b, b"", b"", 0),
        true,
        Either,
    )
    .await;
    run.call(
        "DID readAttribute(B, empty name)",
        None,
        did,
        did_read(b, b""),
        Either,
    )
    .await;
    run.call(
        "DID readAttribute of a missing name",
        None,
        did,
        did_read(a, b"nope"),
        Revert("Cannot find the item"),
    )
    .await;
    run.call(
        "DID addAttribute simulated with eth_call",
        Some(MACHINE_C),
        did,
        did_add(c, b"sim", b"v", 0),
        Pass,
    )
    .await;
    run.call(
        "DID readAttribute of an owner-less DID",
        None,
        did,
        did_read(owner, name),
        Revert("Cannot find the item"),
    )
    .await;
    run.call(
        "WPEAQ.balanceOf(IdentityStaking) at the end",
        None,
        wpeaq,
        enc(&WPEAQStandin::balanceOfCall { account: staking }),
        Pass,
    )
    .await;
    run.probe_env("latest", true).await;
}
