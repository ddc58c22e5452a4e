//! End-to-end tests of the peaq precompiles on a real revm EVM (Cancun, CacheDB).

use alloy::{
    primitives::{Address, Bytes, LogData, U256, address, keccak256},
    sol_types::{SolCall, SolError, SolValue},
};
use peaqos_contracts::bindings::{
    BatchPrecompile,
    DIDPrecompile::{self, Attribute},
    WPEAQStandin as Wpeaq,
};
use peaqos_types::constants::{
    BATCH_PRECOMPILE_ADDRESS, DID_MAX_NAME_BYTES, DID_MAX_VALUE_BYTES, DID_PRECOMPILE_ADDRESS,
    LOCAL_CHAIN_ID, MAX_BATCH_SUBCALLS, WPEAQ_PRECOMPILE_ADDRESS,
};
use revm::{
    Context, Database, ExecuteCommitEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, Evm, Journal, TxEnv},
    context_interface::result::{ExecutionResult, HaltReason, OutOfGasError},
    database::{CacheDB, EmptyDB},
    handler::{EthFrame, PrecompileProvider, instructions::EthInstructions},
    interpreter::interpreter::EthInterpreter,
    primitives::hardfork::SpecId,
    state::{AccountInfo, Bytecode},
};

use super::*;

type Db = CacheDB<EmptyDB>;
type Ctx = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;
type TestEvm =
    Evm<Ctx, (), EthInstructions<EthInterpreter, Ctx>, PeaqPrecompiles, EthFrame<EthInterpreter>>;

const ALICE: Address = address!("0x00000000000000000000000000000000000a11ce");
const BOB: Address = address!("0x0000000000000000000000000000000000000b0b");
const CAROL: Address = address!("0x00000000000000000000000000000000000ca201");
const BLOCK: u64 = 1_000;
const TIMESTAMP: u64 = 1_700_000_000;
const GAS: u64 = 10_000_000;

const OP_CALL: u8 = 0xf1;
const OP_DELEGATECALL: u8 = 0xf4;
const OP_STATICCALL: u8 = 0xfa;

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// A contract forwarding its calldata (and, for CALL, its value) to `target` with `op`,
/// returning or reverting with the callee's return data; with `revert_after` it always
/// reverts (empty data) after the call.
fn proxy_code(target: Address, op: u8, revert_after: bool) -> Bytes {
    let mut code = vec![0x36, 0x5f, 0x5f, 0x37]; // CALLDATACOPY(0, 0, CALLDATASIZE)
    code.extend([0x5f, 0x5f, 0x36, 0x5f]); // retSize 0, retOffset 0, argsSize, argsOffset 0
    if op == OP_CALL {
        code.push(0x34); // CALLVALUE
    }
    code.push(0x73); // PUSH20 target
    code.extend_from_slice(target.as_slice());
    code.extend([0x5a, op]); // GAS, op
    code.extend([0x3d, 0x5f, 0x5f, 0x3e]); // RETURNDATACOPY(0, 0, RETURNDATASIZE)
    if revert_after {
        code.extend([0x50, 0x5f, 0x5f, 0xfd]); // POP, REVERT(0, 0)
    } else {
        let dest = u8::try_from(code.len() + 6).expect("short code");
        code.extend([0x60, dest, 0x57]); // JUMPI(dest, success)
        code.extend([0x3d, 0x5f, 0xfd]); // REVERT(0, RETURNDATASIZE)
        code.extend([0x5b, 0x3d, 0x5f, 0xf3]); // JUMPDEST, RETURN(0, RETURNDATASIZE)
    }
    code.into()
}

struct Chain {
    evm: TestEvm,
}

impl Chain {
    fn new() -> Self {
        Self::with_precompiles(PeaqPrecompiles::new(SpecId::CANCUN))
    }

    fn with_precompiles(precompiles: PeaqPrecompiles) -> Self {
        let mut db = CacheDB::new(EmptyDB::default());
        for account in [ALICE, BOB, CAROL] {
            db.insert_account_info(account, AccountInfo::from_balance(ether(1_000)));
        }
        for precompile in PEAQ_PRECOMPILE_ADDRESSES {
            let stub = Bytecode::new_raw(Bytes::from_static(PRECOMPILE_STUB_CODE));
            db.insert_account_info(precompile, AccountInfo::from_bytecode(stub));
        }
        let evm = Context::mainnet()
            .with_db(db)
            .modify_cfg_chained(|cfg| {
                cfg.spec = SpecId::CANCUN;
                cfg.chain_id = LOCAL_CHAIN_ID;
            })
            .modify_block_chained(|block| {
                block.number = U256::from(BLOCK);
                block.timestamp = U256::from(TIMESTAMP);
                block.gas_limit = 100_000_000;
            })
            .build_mainnet()
            .with_precompiles(precompiles);
        Self { evm }
    }

    fn set_block(&mut self, number: u64, timestamp: u64) {
        self.evm.ctx.block.number = U256::from(number);
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    fn account(&mut self, address: Address) -> AccountInfo {
        self.evm
            .ctx
            .journaled_state
            .database
            .basic(address)
            .expect("db")
            .unwrap_or_default()
    }

    fn balance(&mut self, address: Address) -> U256 {
        self.account(address).balance
    }

    fn storage(&mut self, address: Address, slot: U256) -> U256 {
        self.evm
            .ctx
            .journaled_state
            .database
            .storage(address, slot)
            .expect("db")
    }

    /// Puts `code` at `address` (a fresh contract).
    fn install(&mut self, address: Address, code: Bytes) {
        let info = AccountInfo::from_bytecode(Bytecode::new_raw(code));
        self.evm
            .ctx
            .journaled_state
            .database
            .insert_account_info(address, info);
    }

    fn send_with(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: impl Into<Bytes>,
        gas: u64,
    ) -> ExecutionResult {
        let nonce = self.account(from).nonce;
        let tx = TxEnv::builder()
            .caller(from)
            .to(to)
            .value(value)
            .data(data.into())
            .gas_limit(gas)
            .nonce(nonce)
            .chain_id(Some(LOCAL_CHAIN_ID))
            .build_fill();
        self.evm.transact_commit(tx).expect("valid transaction")
    }

    fn send(&mut self, from: Address, to: Address, data: impl Into<Bytes>) -> ExecutionResult {
        self.send_with(from, to, U256::ZERO, data, GAS)
    }

    // ---- DID helpers

    fn add(
        &mut self,
        from: Address,
        did: Address,
        name: &[u8],
        value: &[u8],
        validity: u32,
    ) -> ExecutionResult {
        self.send(
            from,
            DID_PRECOMPILE_ADDRESS,
            add_call(did, name, value, validity),
        )
    }

    fn update(
        &mut self,
        from: Address,
        did: Address,
        name: &[u8],
        value: &[u8],
        validity: u32,
    ) -> ExecutionResult {
        let call = DIDPrecompile::updateAttributeCall {
            didAccount: did,
            name: Bytes::copy_from_slice(name),
            value: Bytes::copy_from_slice(value),
            validityFor: validity,
        };
        self.send(from, DID_PRECOMPILE_ADDRESS, call.abi_encode())
    }

    fn remove(&mut self, from: Address, did: Address, name: &[u8]) -> ExecutionResult {
        let call = DIDPrecompile::removeAttributeCall {
            didAccount: did,
            name: Bytes::copy_from_slice(name),
        };
        self.send(from, DID_PRECOMPILE_ADDRESS, call.abi_encode())
    }

    fn read(&mut self, from: Address, did: Address, name: &[u8]) -> ExecutionResult {
        self.send(from, DID_PRECOMPILE_ADDRESS, read_call(did, name))
    }

    fn read_ok(&mut self, did: Address, name: &[u8]) -> Attribute {
        let out = success(self.read(CAROL, did, name));
        DIDPrecompile::readAttributeCall::abi_decode_returns(&out).expect("Attribute")
    }

    /// The attribute as stored in the committed database.
    fn stored(&mut self, did: Address, name: &[u8]) -> Option<Attribute> {
        let db = &mut self.evm.ctx.journaled_state.database;
        read_did_attribute(|slot| db.storage(DID_PRECOMPILE_ADDRESS, slot), did, name).expect("db")
    }

    // ---- WPEAQ helpers

    fn wpeaq_u256(&mut self, data: Vec<u8>) -> U256 {
        U256::abi_decode(&success(self.send(CAROL, WPEAQ_PRECOMPILE_ADDRESS, data))).expect("u256")
    }

    fn allowance(&mut self, owner: Address, spender: Address) -> U256 {
        self.wpeaq_u256(Wpeaq::allowanceCall { owner, spender }.abi_encode())
    }
}

fn fields(attribute: &Attribute) -> (Bytes, Bytes, u32, U256) {
    (
        attribute.name.clone(),
        attribute.value.clone(),
        attribute.validity,
        attribute.created,
    )
}

fn add_call(did: Address, name: &[u8], value: &[u8], validity: u32) -> Vec<u8> {
    DIDPrecompile::addAttributeCall {
        didAccount: did,
        name: Bytes::copy_from_slice(name),
        value: Bytes::copy_from_slice(value),
        validityFor: validity,
    }
    .abi_encode()
}

fn read_call(did: Address, name: &[u8]) -> Vec<u8> {
    DIDPrecompile::readAttributeCall {
        didAccount: did,
        name: Bytes::copy_from_slice(name),
    }
    .abi_encode()
}

/// The output of a successful transaction.
#[track_caller]
fn success(result: ExecutionResult) -> Bytes {
    assert!(result.is_success(), "expected success, got {result:?}");
    result.into_output().unwrap_or_default()
}

/// Asserts a revert with exactly `Error(message)`.
#[track_caller]
fn assert_revert(result: &ExecutionResult, message: &str) {
    match result {
        ExecutionResult::Revert { output, logs, .. } => {
            let reason = alloy::sol_types::Revert::abi_decode(output).map(|r| r.reason);
            assert_eq!(reason.as_deref(), Ok(message), "revert data {output}");
            assert_eq!(output, &revert_string(message));
            assert!(logs.is_empty(), "a reverted tx keeps no logs");
        }
        other => panic!("expected revert {message:?}, got {other:?}"),
    }
}

#[track_caller]
fn assert_true(result: ExecutionResult) -> Vec<alloy::primitives::Log> {
    let logs = result.logs().to_vec();
    assert_eq!(success(result), Bytes::from(true.abi_encode()));
    logs
}

/// A `log1` of the DID precompile: topic0 = keccak(signature), `data` as given.
#[track_caller]
fn assert_did_log(log: &alloy::primitives::Log, signature: &str, data: Vec<u8>) {
    assert_eq!(log.address, DID_PRECOMPILE_ADDRESS);
    assert_eq!(
        log.data.topics(),
        &[keccak256(signature)],
        "log1, no indexed fields"
    );
    assert_eq!(log.data.data, Bytes::from(data));
}

const ADD_SIG: &str = "AddAttribute(address,address,bytes,bytes,uint32)";
const UPDATE_SIG: &str = "UpdateAttribute(address,address,bytes,bytes,uint32)";
const REMOVE_SIG: &str = "RemoveAttribute(address,bytes)";

fn event_data(sender: Address, did: Address, name: &[u8], value: &[u8], validity: u32) -> Vec<u8> {
    (
        sender,
        did,
        Bytes::copy_from_slice(name),
        Bytes::copy_from_slice(value),
        validity,
    )
        .abi_encode_params()
}

// ================================================================================ DID

#[test]
fn did_add_then_read_round_trips_with_no_expiry_and_created_in_ms() {
    let mut chain = Chain::new();
    let logs = assert_true(chain.add(ALICE, ALICE, b"machineId", b"42", 0));
    assert_eq!(logs.len(), 1);
    assert_did_log(
        &logs[0],
        ADD_SIG,
        event_data(ALICE, ALICE, b"machineId", b"42", 0),
    );

    let attribute = chain.read_ok(ALICE, b"machineId");
    assert_eq!(attribute.name, Bytes::from_static(b"machineId"));
    assert_eq!(attribute.value, Bytes::from_static(b"42"));
    assert_eq!(attribute.validity, u32::MAX);
    assert_eq!(attribute.created, U256::from(TIMESTAMP * 1000));
}

#[test]
fn did_read_output_is_the_abi_encoded_struct() {
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"n", b"v", 0));
    let out = success(chain.read(BOB, ALICE, b"n"));
    let expected = Attribute {
        name: Bytes::from_static(b"n"),
        value: Bytes::from_static(b"v"),
        validity: u32::MAX,
        created: U256::from(TIMESTAMP * 1000),
    };
    // `returns (Attribute memory)`: one dynamic tuple, i.e. an offset word first.
    assert_eq!(out, Bytes::from((expected,).abi_encode_params()));
}

#[test]
fn did_validity_is_relative_in_the_event_and_absolute_in_storage() {
    let mut chain = Chain::new();
    let logs = assert_true(chain.add(ALICE, ALICE, b"temp", b"x", 100));
    assert_did_log(
        &logs[0],
        ADD_SIG,
        event_data(ALICE, ALICE, b"temp", b"x", 100),
    );
    assert_eq!(chain.read_ok(ALICE, b"temp").validity, 1_100);
}

#[test]
fn did_validity_overflow_reverts_max_block_number_exceeded() {
    let mut chain = Chain::new();
    chain.set_block(u64::from(u32::MAX) - 5, TIMESTAMP);
    assert_revert(
        &chain.add(ALICE, ALICE, b"a", b"x", 6),
        MAX_BLOCK_NUMBER_EXCEEDED,
    );
    assert_true(chain.add(ALICE, ALICE, b"a", b"x", 5));
    assert_eq!(chain.read_ok(ALICE, b"a").validity, u32::MAX);
    assert_revert(
        &chain.update(ALICE, ALICE, b"a", b"y", 6),
        MAX_BLOCK_NUMBER_EXCEEDED,
    );
    assert_eq!(chain.read_ok(ALICE, b"a").value, Bytes::from_static(b"x"));
    // A block number past u32 cannot take a relative validity at all, but 0 still works.
    chain.set_block(u64::from(u32::MAX) + 1, TIMESTAMP);
    assert_revert(
        &chain.add(ALICE, ALICE, b"b", b"x", 1),
        MAX_BLOCK_NUMBER_EXCEEDED,
    );
    assert_true(chain.add(ALICE, ALICE, b"b", b"x", 0));
}

#[test]
fn did_duplicate_add_reverts_already_exist() {
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"machineId", b"1", 0));
    assert_revert(
        &chain.add(ALICE, ALICE, b"machineId", b"2", 0),
        ATTRIBUTE_ALREADY_EXIST,
    );
    assert_eq!(
        chain.read_ok(ALICE, b"machineId").value,
        Bytes::from_static(b"1")
    );
    // The same name under another DID is a different attribute.
    assert_true(chain.add(BOB, BOB, b"machineId", b"2", 0));
}

#[test]
fn did_writes_to_another_did_revert_authorization_failed() {
    let mut chain = Chain::new();
    assert_revert(
        &chain.add(BOB, ALICE, b"n", b"v", 0),
        ATTRIBUTE_AUTHORIZATION_FAILED,
    );
    assert_true(chain.add(ALICE, ALICE, b"n", b"v", 0));
    assert_revert(
        &chain.update(BOB, ALICE, b"n", b"w", 0),
        ATTRIBUTE_AUTHORIZATION_FAILED,
    );
    assert_revert(
        &chain.remove(BOB, ALICE, b"n"),
        ATTRIBUTE_AUTHORIZATION_FAILED,
    );
    assert_eq!(chain.read_ok(ALICE, b"n").value, Bytes::from_static(b"v"));
}

#[test]
fn did_name_limit_is_64_bytes() {
    let mut chain = Chain::new();
    let ok = vec![b'n'; DID_MAX_NAME_BYTES];
    let long = vec![b'n'; DID_MAX_NAME_BYTES + 1];
    assert_eq!(ok.len(), 64);
    assert_revert(&chain.add(ALICE, ALICE, &long, b"v", 0), NAME_TOO_LONG);
    assert_revert(&chain.update(ALICE, ALICE, &long, b"v", 0), NAME_TOO_LONG);
    assert_revert(&chain.remove(ALICE, ALICE, &long), NAME_TOO_LONG);
    // Size checks come before the owner check, as in the precompile.
    assert_revert(&chain.add(BOB, ALICE, &long, b"v", 0), NAME_TOO_LONG);
    // Reading a too-long name simply finds nothing.
    assert_revert(&chain.read(ALICE, ALICE, &long), CANNOT_FIND_THE_ITEM);

    assert_true(chain.add(ALICE, ALICE, &ok, b"v", 0));
    assert_true(chain.update(ALICE, ALICE, &ok, b"w", 0));
    assert_eq!(chain.read_ok(ALICE, &ok).name, Bytes::from(ok.clone()));
    assert_true(chain.remove(ALICE, ALICE, &ok));
}

#[test]
fn did_value_limit_is_2560_bytes() {
    let mut chain = Chain::new();
    let ok: Vec<u8> = (0..DID_MAX_VALUE_BYTES)
        .map(|i| (i % 251) as u8 + 1)
        .collect();
    let long = vec![b'v'; DID_MAX_VALUE_BYTES + 1];
    assert_eq!(ok.len(), 2560);
    assert_revert(&chain.add(ALICE, ALICE, b"big", &long, 0), VALUE_TOO_LONG);
    assert_true(chain.add(ALICE, ALICE, b"big", &ok, 0));
    assert_eq!(chain.read_ok(ALICE, b"big").value, Bytes::from(ok.clone()));
    assert_revert(
        &chain.update(ALICE, ALICE, b"big", &long, 0),
        VALUE_TOO_LONG,
    );
    assert_eq!(chain.read_ok(ALICE, b"big").value, Bytes::from(ok));
}

#[test]
fn did_empty_value_and_value_with_zero_bytes_round_trip() {
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"operator", b"", 0));
    assert_eq!(chain.read_ok(ALICE, b"operator").value, Bytes::new());
    let zeros = vec![0u8; 40];
    assert_true(chain.add(ALICE, ALICE, b"zeros", &zeros, 0));
    assert_eq!(chain.read_ok(ALICE, b"zeros").value, Bytes::from(zeros));
}

#[test]
fn did_update_changes_value_and_validity_but_keeps_created() {
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"n", b"old", 10));
    chain.set_block(BLOCK + 50, TIMESTAMP + 300);
    let logs = assert_true(chain.update(ALICE, ALICE, b"n", b"new value", 7));
    assert_eq!(logs.len(), 1);
    assert_did_log(
        &logs[0],
        UPDATE_SIG,
        event_data(ALICE, ALICE, b"n", b"new value", 7),
    );
    let attribute = chain.read_ok(ALICE, b"n");
    assert_eq!(attribute.value, Bytes::from_static(b"new value"));
    assert_eq!(attribute.validity, (BLOCK + 50 + 7) as u32);
    assert_eq!(attribute.created, U256::from(TIMESTAMP * 1000));
    // Validity 0 on update means no expiry again.
    assert_true(chain.update(ALICE, ALICE, b"n", b"x", 0));
    assert_eq!(chain.read_ok(ALICE, b"n").validity, u32::MAX);
}

#[test]
fn did_update_to_a_shorter_value_clears_the_unused_slots() {
    let mut chain = Chain::new();
    let long = vec![7u8; 100]; // 4 value slots
    assert_true(chain.add(ALICE, ALICE, b"n", &long, 0));
    let base = did_attribute_slot(ALICE, b"n");
    assert_ne!(
        chain.storage(DID_PRECOMPILE_ADDRESS, did_value_slot(base, 3)),
        U256::ZERO
    );
    assert_true(chain.update(ALICE, ALICE, b"n", b"short", 0));
    for index in 1..4 {
        let slot = did_value_slot(base, index);
        assert_eq!(
            chain.storage(DID_PRECOMPILE_ADDRESS, slot),
            U256::ZERO,
            "slot {index}"
        );
    }
    assert_eq!(
        chain.read_ok(ALICE, b"n").value,
        Bytes::from_static(b"short")
    );
    // and growing again works
    assert_true(chain.update(ALICE, ALICE, b"n", &long, 0));
    assert_eq!(chain.read_ok(ALICE, b"n").value, Bytes::from(long));
}

#[test]
fn did_update_or_remove_of_a_missing_attribute_reverts_not_found() {
    let mut chain = Chain::new();
    assert_revert(
        &chain.update(ALICE, ALICE, b"nope", b"v", 0),
        ATTRIBUTE_NOT_FOUND,
    );
    assert_revert(&chain.remove(ALICE, ALICE, b"nope"), ATTRIBUTE_NOT_FOUND);
}

#[test]
fn did_read_of_a_missing_attribute_reverts_cannot_find_the_item() {
    let mut chain = Chain::new();
    let result = chain.read(ALICE, ALICE, b"machineId");
    assert_revert(&result, "Cannot find the item");
    // exactly Error(string): 0x08c379a0 ‖ offset ‖ length ‖ text
    let output = result.output().cloned().unwrap_or_default();
    assert_eq!(&output[..4], &[0x08, 0xc3, 0x79, 0xa0]);
    assert_eq!(output.len(), 4 + 32 * 3);
}

#[test]
fn did_anyone_may_read_any_did() {
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"n", b"v", 0));
    assert_eq!(chain.read_ok(ALICE, b"n").value, Bytes::from_static(b"v"));
    let out = success(chain.read(BOB, ALICE, b"n"));
    assert!(!out.is_empty());
}

#[test]
fn did_remove_clears_every_slot_logs_and_allows_a_fresh_add() {
    let mut chain = Chain::new();
    let value = vec![9u8; 70]; // 3 value slots
    assert_true(chain.add(ALICE, ALICE, b"n", &value, 0));
    let logs = assert_true(chain.remove(ALICE, ALICE, b"n"));
    assert_eq!(logs.len(), 1);
    assert_did_log(
        &logs[0],
        REMOVE_SIG,
        (ALICE, Bytes::from_static(b"n")).abi_encode_params(),
    );
    let base = did_attribute_slot(ALICE, b"n");
    for index in 0..4 {
        let slot = if index == 0 {
            base
        } else {
            did_value_slot(base, index - 1)
        };
        assert_eq!(chain.storage(DID_PRECOMPILE_ADDRESS, slot), U256::ZERO);
    }
    assert!(chain.stored(ALICE, b"n").is_none());
    assert_revert(&chain.read(ALICE, ALICE, b"n"), CANNOT_FIND_THE_ITEM);
    assert_revert(&chain.remove(ALICE, ALICE, b"n"), ATTRIBUTE_NOT_FOUND);

    chain.set_block(BLOCK + 1, TIMESTAMP + 6);
    assert_true(chain.add(ALICE, ALICE, b"n", b"again", 0));
    let attribute = chain.read_ok(ALICE, b"n");
    assert_eq!(attribute.value, Bytes::from_static(b"again"));
    assert_eq!(attribute.created, U256::from((TIMESTAMP + 6) * 1000));
}

#[test]
fn did_snake_case_aliases_behave_like_the_camel_case_functions() {
    let mut chain = Chain::new();
    let name = Bytes::from_static(b"alias");
    let add = DIDPrecompile::add_attributeCall {
        didAccount: ALICE,
        name: name.clone(),
        value: Bytes::from_static(b"1"),
        validityFor: 3,
    };
    let logs = assert_true(chain.send(ALICE, DID_PRECOMPILE_ADDRESS, add.abi_encode()));
    assert_did_log(
        &logs[0],
        ADD_SIG,
        event_data(ALICE, ALICE, b"alias", b"1", 3),
    );

    let update = DIDPrecompile::update_attributeCall {
        didAccount: ALICE,
        name: name.clone(),
        value: Bytes::from_static(b"2"),
        validityFor: 0,
    };
    let logs = assert_true(chain.send(ALICE, DID_PRECOMPILE_ADDRESS, update.abi_encode()));
    assert_did_log(
        &logs[0],
        UPDATE_SIG,
        event_data(ALICE, ALICE, b"alias", b"2", 0),
    );

    let read = DIDPrecompile::read_attributeCall {
        didAccount: ALICE,
        name: name.clone(),
    };
    let out = success(chain.send(BOB, DID_PRECOMPILE_ADDRESS, read.abi_encode()));
    let attribute = DIDPrecompile::read_attributeCall::abi_decode_returns(&out).expect("Attribute");
    assert_eq!(attribute.value, Bytes::from_static(b"2"));
    assert_eq!(attribute.validity, u32::MAX);

    let remove = DIDPrecompile::remove_attributeCall {
        didAccount: ALICE,
        name: name.clone(),
    };
    assert_true(chain.send(ALICE, DID_PRECOMPILE_ADDRESS, remove.abi_encode()));
    let read = DIDPrecompile::read_attributeCall {
        didAccount: ALICE,
        name,
    };
    assert_revert(
        &chain.send(BOB, DID_PRECOMPILE_ADDRESS, read.abi_encode()),
        CANNOT_FIND_THE_ITEM,
    );
}

#[test]
fn did_functions_are_not_payable() {
    let mut chain = Chain::new();
    let result = chain.send_with(
        ALICE,
        DID_PRECOMPILE_ADDRESS,
        U256::from(1),
        add_call(ALICE, b"n", b"v", 0),
        GAS,
    );
    assert_revert(&result, NOT_PAYABLE);
    assert_eq!(
        chain.balance(DID_PRECOMPILE_ADDRESS),
        U256::ZERO,
        "the value went back"
    );
    assert_eq!(chain.balance(ALICE), ether(1_000));
    let result = chain.send_with(
        ALICE,
        DID_PRECOMPILE_ADDRESS,
        U256::from(1),
        read_call(ALICE, b"n"),
        GAS,
    );
    assert_revert(&result, NOT_PAYABLE);
}

#[test]
fn did_rejects_short_input_unknown_selectors_and_bad_arguments() {
    let mut chain = Chain::new();
    assert_revert(
        &chain.send(ALICE, DID_PRECOMPILE_ADDRESS, Vec::new()),
        SELECTOR_OUT_OF_BOUNDS,
    );
    assert_revert(
        &chain.send(ALICE, DID_PRECOMPILE_ADDRESS, vec![0xcc, 0x4a]),
        SELECTOR_OUT_OF_BOUNDS,
    );
    assert_revert(
        &chain.send(ALICE, DID_PRECOMPILE_ADDRESS, vec![0xde, 0xad, 0xbe, 0xef]),
        UNKNOWN_SELECTOR,
    );
    let mut truncated = add_call(ALICE, b"n", b"v", 0);
    truncated.truncate(40);
    match chain.send(ALICE, DID_PRECOMPILE_ADDRESS, truncated) {
        ExecutionResult::Revert { output, .. } => {
            let reason = alloy::sol_types::Revert::abi_decode(&output)
                .expect("Error(string)")
                .reason;
            assert!(reason.starts_with("Invalid input"), "{reason}");
        }
        other => panic!("expected revert, got {other:?}"),
    }
}

#[test]
fn did_state_is_in_the_precompile_account_storage_after_commit() {
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"machineId", b"42", 9));
    let base = did_attribute_slot(ALICE, b"machineId");
    assert_eq!(
        base,
        U256::from_be_bytes(keccak256([ALICE.as_slice(), b"machineId"].concat()).0)
    );
    let header = DidAttributeHeader::decode(chain.storage(DID_PRECOMPILE_ADDRESS, base))
        .expect("header stored");
    assert_eq!(
        header,
        DidAttributeHeader {
            validity: 1_009,
            value_len: 2,
            created_ms: TIMESTAMP * 1000
        }
    );
    let mut chunk = [0u8; 32];
    chunk[..2].copy_from_slice(b"42");
    assert_eq!(
        chain.storage(DID_PRECOMPILE_ADDRESS, did_value_slot(base, 0)),
        U256::from_be_bytes(chunk)
    );
    let stored = chain.stored(ALICE, b"machineId").expect("stored");
    assert_eq!(fields(&stored), fields(&chain.read_ok(ALICE, b"machineId")));
}

#[test]
fn did_header_encoding_round_trips() {
    let header = DidAttributeHeader {
        validity: 0xdead_beef,
        value_len: 2560,
        created_ms: u64::MAX,
    };
    let word = header.encode();
    assert_eq!(word.to_be_bytes::<32>()[0], 1);
    assert_eq!(DidAttributeHeader::decode(word), Some(header));
    assert_eq!(DidAttributeHeader::decode(U256::ZERO), None);
    let zero = DidAttributeHeader {
        validity: 0,
        value_len: 0,
        created_ms: 0,
    };
    assert_eq!(DidAttributeHeader::decode(zero.encode()), Some(zero));
}

#[test]
fn did_contract_caller_writes_its_own_did_only() {
    let mut chain = Chain::new();
    let proxy = address!("0x0000000000000000000000000000000000c0ffee");
    chain.install(proxy, proxy_code(DID_PRECOMPILE_ADDRESS, OP_CALL, false));
    assert_revert(
        &chain.send(ALICE, proxy, add_call(ALICE, b"n", b"v", 0)),
        ATTRIBUTE_AUTHORIZATION_FAILED,
    );
    let logs = assert_true(chain.send(ALICE, proxy, add_call(proxy, b"n", b"v", 0)));
    assert_did_log(&logs[0], ADD_SIG, event_data(proxy, proxy, b"n", b"v", 0));
    assert_eq!(chain.read_ok(proxy, b"n").value, Bytes::from_static(b"v"));
}

#[test]
fn did_writes_in_a_static_call_are_refused_but_reads_work() {
    let mut chain = Chain::new();
    let proxy = address!("0x00000000000000000000000000000000005a71c0");
    chain.install(
        proxy,
        proxy_code(DID_PRECOMPILE_ADDRESS, OP_STATICCALL, false),
    );
    assert_revert(
        &chain.send(ALICE, proxy, add_call(proxy, b"n", b"v", 0)),
        STATIC_CONTEXT,
    );
    let update = DIDPrecompile::updateAttributeCall {
        didAccount: proxy,
        name: Bytes::from_static(b"n"),
        value: Bytes::new(),
        validityFor: 0,
    };
    assert_revert(
        &chain.send(ALICE, proxy, update.abi_encode()),
        STATIC_CONTEXT,
    );
    let remove = DIDPrecompile::removeAttributeCall {
        didAccount: proxy,
        name: Bytes::from_static(b"n"),
    };
    assert_revert(
        &chain.send(ALICE, proxy, remove.abi_encode()),
        STATIC_CONTEXT,
    );
    assert!(chain.stored(proxy, b"n").is_none());

    assert_true(chain.add(ALICE, ALICE, b"n", b"v", 0));
    let out = success(chain.send(BOB, proxy, read_call(ALICE, b"n")));
    let attribute = DIDPrecompile::readAttributeCall::abi_decode_returns(&out).expect("Attribute");
    assert_eq!(attribute.value, Bytes::from_static(b"v"));
    assert_revert(
        &chain.send(BOB, proxy, read_call(BOB, b"n")),
        CANNOT_FIND_THE_ITEM,
    );
}

#[test]
fn did_writes_roll_back_when_the_calling_frame_reverts() {
    let mut chain = Chain::new();
    let proxy = address!("0x0000000000000000000000000000000000bad000");
    chain.install(proxy, proxy_code(DID_PRECOMPILE_ADDRESS, OP_CALL, true));
    let result = chain.send(ALICE, proxy, add_call(proxy, b"n", b"v", 0));
    assert!(matches!(result, ExecutionResult::Revert { ref logs, .. } if logs.is_empty()));
    assert!(chain.stored(proxy, b"n").is_none());
    let base = did_attribute_slot(proxy, b"n");
    assert_eq!(chain.storage(DID_PRECOMPILE_ADDRESS, base), U256::ZERO);
}

#[test]
fn did_delegatecall_acts_for_the_delegating_frames_caller() {
    let mut chain = Chain::new();
    let proxy = address!("0x00000000000000000000000000000000de1e9a7e");
    chain.install(
        proxy,
        proxy_code(DID_PRECOMPILE_ADDRESS, OP_DELEGATECALL, false),
    );
    let logs = assert_true(chain.send(ALICE, proxy, add_call(ALICE, b"n", b"v", 0)));
    // the log comes from the delegating contract's frame, the state lives in 0x…0800
    assert_eq!(logs[0].address, proxy);
    assert_eq!(chain.read_ok(ALICE, b"n").value, Bytes::from_static(b"v"));
}

#[test]
fn did_out_of_gas_halts_and_writes_nothing() {
    let mut chain = Chain::new();
    let data = add_call(ALICE, b"n", b"v", 0);
    // intrinsic gas + a little: the precompile cannot pay for its SSTOREs
    let result = chain.send_with(
        ALICE,
        DID_PRECOMPILE_ADDRESS,
        U256::ZERO,
        data.clone(),
        30_000,
    );
    assert!(
        matches!(
            result,
            ExecutionResult::Halt {
                reason: HaltReason::OutOfGas(OutOfGasError::Precompile),
                ..
            }
        ),
        "{result:?}"
    );
    assert!(chain.stored(ALICE, b"n").is_none());
    assert_true(chain.send(ALICE, DID_PRECOMPILE_ADDRESS, data));
}

#[test]
fn did_gas_is_deterministic_and_scales_with_the_slots_written() {
    fn gas_of(value: &[u8]) -> u64 {
        let mut chain = Chain::new();
        chain.add(ALICE, ALICE, b"n", value, 0).tx_gas_used()
    }
    let small = gas_of(b"v");
    assert_eq!(small, gas_of(b"v"));
    // header + one value slot from zero: at least 2 × 22,100 on top of the 21,000 intrinsic
    assert!(small > 21_000 + 2 * 22_100, "{small}");
    let big = gas_of(&[1u8; DID_MAX_VALUE_BYTES]);
    assert!(big > 21_000 + 81 * 22_100, "{big}");
    assert!(big < 2_500_000, "{big}");

    // reads are cheap; removes earn refunds (EIP-3529)
    let mut chain = Chain::new();
    assert_true(chain.add(ALICE, ALICE, b"n", b"v", 0));
    let read = chain.read(ALICE, ALICE, b"n").tx_gas_used();
    assert!(read < 21_000 + 10_000, "{read}");
    let remove = chain.remove(ALICE, ALICE, b"n");
    assert!(remove.gas().inner_refunded() > 0, "{remove:?}");
}

// ================================================================================ WPEAQ

#[test]
fn wpeaq_metadata() {
    let mut chain = Chain::new();
    let name = success(chain.send(
        ALICE,
        WPEAQ_PRECOMPILE_ADDRESS,
        Wpeaq::nameCall {}.abi_encode(),
    ));
    assert_eq!(
        Wpeaq::nameCall::abi_decode_returns(&name).expect("string"),
        "peaq token"
    );
    let symbol = success(chain.send(
        ALICE,
        WPEAQ_PRECOMPILE_ADDRESS,
        Wpeaq::symbolCall {}.abi_encode(),
    ));
    assert_eq!(
        Wpeaq::symbolCall::abi_decode_returns(&symbol).expect("string"),
        "PEAQ"
    );
    let decimals = success(chain.send(
        ALICE,
        WPEAQ_PRECOMPILE_ADDRESS,
        Wpeaq::decimalsCall {}.abi_encode(),
    ));
    assert_eq!(
        Wpeaq::decimalsCall::abi_decode_returns(&decimals).expect("uint8"),
        18
    );
    assert_eq!(
        chain.wpeaq_u256(Wpeaq::totalSupplyCall {}.abi_encode()),
        WPEAQ_DEFAULT_TOTAL_SUPPLY
    );
    assert_eq!(WPEAQ_DEFAULT_TOTAL_SUPPLY, ether(4_200_000_000));

    let custom = PeaqPrecompiles::new(SpecId::CANCUN).with_wpeaq_total_supply(ether(3_000));
    assert_eq!(custom.wpeaq_total_supply(), ether(3_000));
    let mut chain = Chain::with_precompiles(custom);
    assert_eq!(
        chain.wpeaq_u256(Wpeaq::totalSupplyCall {}.abi_encode()),
        ether(3_000)
    );
}

#[test]
fn wpeaq_balance_of_is_the_native_balance() {
    let mut chain = Chain::new();
    let balance_of = |account| Wpeaq::balanceOfCall { account }.abi_encode();
    assert_eq!(chain.wpeaq_u256(balance_of(ALICE)), ether(1_000));
    let nobody = address!("0x000000000000000000000000000000000000dead");
    assert_eq!(chain.wpeaq_u256(balance_of(nobody)), U256::ZERO);
    // a plain value transfer shows up at once
    success(chain.send_with(ALICE, nobody, ether(3), Vec::new(), GAS));
    assert_eq!(chain.wpeaq_u256(balance_of(nobody)), ether(3));
    assert_eq!(chain.wpeaq_u256(balance_of(ALICE)), chain.balance(ALICE));
}

#[test]
fn wpeaq_transfer_moves_native_balance_and_logs_transfer() {
    let mut chain = Chain::new();
    let call = Wpeaq::transferCall {
        to: BOB,
        value: ether(5),
    };
    let logs = assert_true(chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode()));
    assert_eq!(chain.balance(ALICE), ether(995));
    assert_eq!(chain.balance(BOB), ether(1_005));
    assert_eq!(chain.balance(WPEAQ_PRECOMPILE_ADDRESS), U256::ZERO);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address, WPEAQ_PRECOMPILE_ADDRESS);
    assert_eq!(
        logs[0].data,
        LogData::new_unchecked(
            vec![
                keccak256("Transfer(address,address,uint256)"),
                ALICE.into_word(),
                BOB.into_word()
            ],
            ether(5).abi_encode().into()
        )
    );
}

#[test]
fn wpeaq_transfer_of_more_than_owned_reverts() {
    let mut chain = Chain::new();
    let call = Wpeaq::transferCall {
        to: BOB,
        value: ether(1_001),
    };
    assert_revert(
        &chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode()),
        WPEAQ_INSUFFICIENT_BALANCE,
    );
    assert_eq!(chain.balance(ALICE), ether(1_000));
    assert_eq!(chain.balance(BOB), ether(1_000));
}

#[test]
fn wpeaq_approve_sets_the_allowance_and_logs_approval() {
    let mut chain = Chain::new();
    assert_eq!(chain.allowance(ALICE, BOB), U256::ZERO);
    let call = Wpeaq::approveCall {
        spender: BOB,
        value: ether(7),
    };
    let logs = assert_true(chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode()));
    assert_eq!(chain.allowance(ALICE, BOB), ether(7));
    assert_eq!(chain.allowance(BOB, ALICE), U256::ZERO);
    assert_eq!(
        chain.storage(WPEAQ_PRECOMPILE_ADDRESS, wpeaq_allowance_slot(ALICE, BOB)),
        ether(7)
    );
    assert_eq!(
        logs[0].data,
        LogData::new_unchecked(
            vec![
                keccak256("Approval(address,address,uint256)"),
                ALICE.into_word(),
                BOB.into_word()
            ],
            ether(7).abi_encode().into()
        )
    );
    // re-approving overwrites
    let call = Wpeaq::approveCall {
        spender: BOB,
        value: U256::from(1),
    };
    assert_true(chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode()));
    assert_eq!(chain.allowance(ALICE, BOB), U256::from(1));
}

#[test]
fn wpeaq_allowance_slot_is_the_solidity_mapping_slot() {
    let inner = keccak256((ALICE, U256::ZERO).abi_encode());
    let expected = keccak256((BOB, inner).abi_encode());
    assert_eq!(
        wpeaq_allowance_slot(ALICE, BOB),
        U256::from_be_bytes(expected.0)
    );
}

fn approve(chain: &mut Chain, owner: Address, spender: Address, value: U256) {
    let call = Wpeaq::approveCall { spender, value };
    assert_true(chain.send(owner, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode()));
}

fn transfer_from(
    chain: &mut Chain,
    spender: Address,
    from: Address,
    to: Address,
    value: U256,
) -> ExecutionResult {
    let call = Wpeaq::transferFromCall { from, to, value };
    chain.send(spender, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode())
}

#[test]
fn wpeaq_transfer_from_spends_the_allowance() {
    let mut chain = Chain::new();
    approve(&mut chain, ALICE, BOB, ether(10));
    let logs = assert_true(transfer_from(&mut chain, BOB, ALICE, CAROL, ether(4)));
    assert_eq!(chain.allowance(ALICE, BOB), ether(6));
    assert_eq!(chain.balance(ALICE), ether(996));
    assert_eq!(chain.balance(BOB), ether(1_000));
    assert_eq!(chain.balance(CAROL), ether(1_004));
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].data.topics()[1], ALICE.into_word());
    assert_eq!(logs[0].data.topics()[2], CAROL.into_word());
    assert_true(transfer_from(&mut chain, BOB, ALICE, BOB, ether(6)));
    assert_eq!(chain.allowance(ALICE, BOB), U256::ZERO);
}

#[test]
fn wpeaq_infinite_allowance_is_not_decremented() {
    let mut chain = Chain::new();
    approve(&mut chain, ALICE, BOB, U256::MAX);
    assert_true(transfer_from(&mut chain, BOB, ALICE, BOB, ether(100)));
    assert_eq!(chain.allowance(ALICE, BOB), U256::MAX);
    assert_eq!(chain.balance(BOB), ether(1_100));
}

#[test]
fn wpeaq_transfer_from_without_or_over_the_allowance_reverts() {
    let mut chain = Chain::new();
    assert_revert(
        &transfer_from(&mut chain, BOB, ALICE, BOB, U256::from(1)),
        WPEAQ_SPENDER_NOT_ALLOWED,
    );
    approve(&mut chain, ALICE, BOB, ether(2));
    assert_revert(
        &transfer_from(&mut chain, BOB, ALICE, BOB, ether(3)),
        WPEAQ_ALLOWANCE_EXCEEDED,
    );
    assert_eq!(chain.allowance(ALICE, BOB), ether(2));
    assert_eq!(chain.balance(ALICE), ether(1_000));
    // a zero transfer needs no allowance
    assert_true(transfer_from(&mut chain, CAROL, ALICE, CAROL, U256::ZERO));
}

#[test]
fn wpeaq_transfer_from_of_more_than_owned_reverts_and_keeps_the_allowance() {
    let mut chain = Chain::new();
    approve(&mut chain, ALICE, BOB, U256::from(2) * ether(1_000));
    assert_revert(
        &transfer_from(&mut chain, BOB, ALICE, BOB, ether(1_001)),
        WPEAQ_INSUFFICIENT_BALANCE,
    );
    assert_eq!(chain.allowance(ALICE, BOB), U256::from(2) * ether(1_000));
    assert_eq!(chain.balance(ALICE), ether(1_000));
}

#[test]
fn wpeaq_transfer_from_by_the_owner_needs_no_allowance() {
    let mut chain = Chain::new();
    assert_true(transfer_from(&mut chain, ALICE, ALICE, BOB, ether(1)));
    assert_eq!(chain.balance(BOB), ether(1_001));
}

#[test]
fn wpeaq_deposit_refunds_the_value_and_logs_deposit() {
    let mut chain = Chain::new();
    let result = chain.send_with(
        ALICE,
        WPEAQ_PRECOMPILE_ADDRESS,
        ether(2),
        Wpeaq::depositCall {}.abi_encode(),
        GAS,
    );
    let logs = result.logs().to_vec();
    assert_eq!(success(result), Bytes::new());
    assert_eq!(
        chain.balance(ALICE),
        ether(1_000),
        "gas price 0: nothing moved"
    );
    assert_eq!(chain.balance(WPEAQ_PRECOMPILE_ADDRESS), U256::ZERO);
    assert_eq!(logs.len(), 1);
    assert_eq!(
        logs[0].data,
        LogData::new_unchecked(
            vec![keccak256("Deposit(address,uint256)"), ALICE.into_word()],
            ether(2).abi_encode().into()
        )
    );
}

#[test]
fn wpeaq_empty_calldata_with_value_is_a_deposit() {
    let mut chain = Chain::new();
    let result = chain.send_with(ALICE, WPEAQ_PRECOMPILE_ADDRESS, ether(1), Vec::new(), GAS);
    let logs = result.logs().to_vec();
    success(result);
    assert_eq!(
        logs[0].data.topics()[0],
        keccak256("Deposit(address,uint256)")
    );
    assert_eq!(chain.balance(ALICE), ether(1_000));
    assert_eq!(chain.balance(WPEAQ_PRECOMPILE_ADDRESS), U256::ZERO);
}

#[test]
fn wpeaq_deposit_of_zero_reverts() {
    let mut chain = Chain::new();
    let deposit = Wpeaq::depositCall {}.abi_encode();
    assert_revert(
        &chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, deposit),
        WPEAQ_ZERO_DEPOSIT,
    );
    assert_revert(
        &chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, Vec::new()),
        WPEAQ_ZERO_DEPOSIT,
    );
}

#[test]
fn wpeaq_withdraw_only_checks_and_logs() {
    let mut chain = Chain::new();
    let call = Wpeaq::withdrawCall {
        value: ether(1_000),
    };
    let result = chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode());
    let logs = result.logs().to_vec();
    assert_eq!(success(result), Bytes::new());
    assert_eq!(chain.balance(ALICE), ether(1_000));
    assert_eq!(
        logs[0].data,
        LogData::new_unchecked(
            vec![keccak256("Withdrawal(address,uint256)"), ALICE.into_word()],
            ether(1_000).abi_encode().into()
        )
    );
    let call = Wpeaq::withdrawCall {
        value: ether(1_000) + U256::from(1),
    };
    assert_revert(
        &chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, call.abi_encode()),
        WPEAQ_WITHDRAW_TOO_MUCH,
    );
}

#[test]
fn wpeaq_non_payable_functions_reject_value() {
    let mut chain = Chain::new();
    for data in [
        Wpeaq::transferCall {
            to: BOB,
            value: U256::from(1),
        }
        .abi_encode(),
        Wpeaq::approveCall {
            spender: BOB,
            value: U256::from(1),
        }
        .abi_encode(),
        Wpeaq::transferFromCall {
            from: ALICE,
            to: BOB,
            value: U256::ZERO,
        }
        .abi_encode(),
        Wpeaq::withdrawCall { value: U256::ZERO }.abi_encode(),
        Wpeaq::balanceOfCall { account: ALICE }.abi_encode(),
        Wpeaq::allowanceCall {
            owner: ALICE,
            spender: BOB,
        }
        .abi_encode(),
        Wpeaq::totalSupplyCall {}.abi_encode(),
        Wpeaq::nameCall {}.abi_encode(),
        Wpeaq::symbolCall {}.abi_encode(),
        Wpeaq::decimalsCall {}.abi_encode(),
    ] {
        let result = chain.send_with(ALICE, WPEAQ_PRECOMPILE_ADDRESS, U256::from(1), data, GAS);
        assert_revert(&result, NOT_PAYABLE);
    }
    assert_eq!(chain.balance(ALICE), ether(1_000));
}

#[test]
fn wpeaq_rejects_unknown_selectors_and_bad_arguments() {
    let mut chain = Chain::new();
    // EIP-2612 permit is not implemented
    let permit = [0xd5, 0x05, 0xac, 0xcf, 0, 0, 0, 0];
    assert_revert(
        &chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, permit.to_vec()),
        UNKNOWN_SELECTOR,
    );
    let mut truncated = Wpeaq::transferCall {
        to: BOB,
        value: U256::from(1),
    }
    .abi_encode();
    truncated.truncate(20);
    match chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, truncated) {
        ExecutionResult::Revert { output, .. } => {
            let reason = alloy::sol_types::Revert::abi_decode(&output)
                .expect("Error(string)")
                .reason;
            assert!(reason.starts_with("Invalid input"), "{reason}");
        }
        other => panic!("expected revert, got {other:?}"),
    }
    // input shorter than a selector is the deposit fallback
    assert_revert(
        &chain.send(ALICE, WPEAQ_PRECOMPILE_ADDRESS, vec![1, 2]),
        WPEAQ_ZERO_DEPOSIT,
    );
}

#[test]
fn wpeaq_writes_in_a_static_call_are_refused() {
    let mut chain = Chain::new();
    let proxy = address!("0x00000000000000000000000000000000005a7c11");
    chain.install(
        proxy,
        proxy_code(WPEAQ_PRECOMPILE_ADDRESS, OP_STATICCALL, false),
    );
    for data in [
        Wpeaq::approveCall {
            spender: BOB,
            value: U256::from(1),
        }
        .abi_encode(),
        Wpeaq::transferCall {
            to: BOB,
            value: U256::ZERO,
        }
        .abi_encode(),
        Wpeaq::transferFromCall {
            from: proxy,
            to: BOB,
            value: U256::ZERO,
        }
        .abi_encode(),
        Wpeaq::withdrawCall { value: U256::ZERO }.abi_encode(),
        Wpeaq::depositCall {}.abi_encode(),
    ] {
        assert_revert(&chain.send(ALICE, proxy, data), STATIC_CONTEXT);
    }
    let out = success(chain.send(
        ALICE,
        proxy,
        Wpeaq::balanceOfCall { account: BOB }.abi_encode(),
    ));
    assert_eq!(U256::abi_decode(&out).expect("u256"), ether(1_000));
}

/// IdentityRegistry's bond path: the registry wraps the bond (`deposit{value}` gets it back),
/// approves the staking contract, which pulls it with `transferFrom`.
#[test]
fn wpeaq_registry_bond_path_deposit_approve_transfer_from() {
    let mut chain = Chain::new();
    let registry = address!("0x00000000000000000000000000000000000e6157");
    let staking = address!("0x000000000000000000000000000000000057a4e0");
    chain.install(
        registry,
        proxy_code(WPEAQ_PRECOMPILE_ADDRESS, OP_CALL, false),
    );
    chain.install(
        staking,
        proxy_code(WPEAQ_PRECOMPILE_ADDRESS, OP_CALL, false),
    );
    let bond = ether(1);

    let result = chain.send_with(
        ALICE,
        registry,
        bond,
        Wpeaq::depositCall {}.abi_encode(),
        GAS,
    );
    let logs = result.logs().to_vec();
    success(result);
    assert_eq!(
        chain.balance(registry),
        bond,
        "the deposit came back to the registry"
    );
    assert_eq!(chain.balance(WPEAQ_PRECOMPILE_ADDRESS), U256::ZERO);
    assert_eq!(logs[0].data.topics()[1], registry.into_word());

    let approve = Wpeaq::approveCall {
        spender: staking,
        value: bond,
    };
    assert_true(chain.send(ALICE, registry, approve.abi_encode()));
    assert_eq!(chain.allowance(registry, staking), bond);

    let pull = Wpeaq::transferFromCall {
        from: registry,
        to: staking,
        value: bond,
    };
    assert_true(chain.send(ALICE, staking, pull.abi_encode()));
    assert_eq!(chain.balance(registry), U256::ZERO);
    assert_eq!(chain.balance(staking), bond);
    assert_eq!(chain.allowance(registry, staking), U256::ZERO);
}

#[test]
fn wpeaq_out_of_gas_halts_and_moves_nothing() {
    let mut chain = Chain::new();
    let data = Wpeaq::transferCall {
        to: BOB,
        value: ether(1),
    }
    .abi_encode();
    let result = chain.send_with(ALICE, WPEAQ_PRECOMPILE_ADDRESS, U256::ZERO, data, 23_000);
    assert!(
        matches!(
            result,
            ExecutionResult::Halt {
                reason: HaltReason::OutOfGas(OutOfGasError::Precompile),
                ..
            }
        ),
        "{result:?}"
    );
    assert_eq!(chain.balance(BOB), ether(1_000));
}

// ================================================================================ Batch

fn batch_input(
    mode: BatchMode,
    to: Vec<Address>,
    value: Vec<U256>,
    call_data: Vec<Bytes>,
    gas_limit: Vec<u64>,
) -> Vec<u8> {
    let args = BatchPrecompile::batchAllCall {
        to,
        value,
        callData: call_data,
        gasLimit: gas_limit,
    };
    let mut input = mode.selector().to_vec();
    args.abi_encode_raw(&mut input);
    input
}

#[test]
fn batch_selectors_map_to_modes() {
    assert_eq!(BatchMode::All.selector(), [0x96, 0xe2, 0x92, 0xb8]);
    assert_eq!(BatchMode::Some.selector(), [0x79, 0xdf, 0x4b, 0x9c]);
    assert_eq!(
        BatchMode::SomeUntilFailure.selector(),
        [0xcf, 0x04, 0x91, 0xc7]
    );
    for mode in [BatchMode::All, BatchMode::Some, BatchMode::SomeUntilFailure] {
        assert_eq!(BatchMode::from_selector(mode.selector()), Some(mode));
        let input = batch_input(
            mode,
            vec![ALICE],
            vec![U256::from(1)],
            vec![Bytes::from_static(b"x")],
            vec![5],
        );
        let batch = decode_batch(&input).expect("decodes");
        assert_eq!(batch.mode, mode);
        assert_eq!(
            batch.calls,
            vec![SubCall {
                to: ALICE,
                value: U256::from(1),
                data: Bytes::from_static(b"x"),
                gas_limit: 5
            }]
        );
    }
    assert_eq!(BatchMode::from_selector([0; 4]), None);
}

#[test]
fn batch_decodes_the_sdks_did_batch() {
    let calls: Vec<Bytes> = [b"machineId".as_slice(), b"nftTokenId"]
        .iter()
        .map(|n| add_call(ALICE, n, b"1", 0).into())
        .collect();
    let input = BatchPrecompile::batchAllCall {
        to: vec![DID_PRECOMPILE_ADDRESS; 2],
        value: vec![U256::ZERO; 2],
        callData: calls.clone(),
        gasLimit: vec![0; 2],
    }
    .abi_encode();
    let batch = decode_batch(&input).expect("decodes");
    assert_eq!(batch.mode, BatchMode::All);
    assert_eq!(batch.calls.len(), 2);
    assert_eq!(batch.calls[1].data, calls[1]);
    assert_eq!(batch.calls[1].to, DID_PRECOMPILE_ADDRESS);
    assert_eq!(batch.calls[1].gas_limit, 0);
}

#[test]
fn batch_short_arrays_default_and_extra_entries_are_ignored() {
    let input = batch_input(
        BatchMode::Some,
        vec![ALICE, BOB, CAROL],
        vec![U256::from(7)],
        vec![Bytes::from_static(b"a"), Bytes::from_static(b"b")],
        vec![],
    );
    let batch = decode_batch(&input).expect("decodes");
    assert_eq!(
        batch.calls,
        vec![
            SubCall {
                to: ALICE,
                value: U256::from(7),
                data: Bytes::from_static(b"a"),
                gas_limit: 0
            },
            SubCall {
                to: BOB,
                value: U256::ZERO,
                data: Bytes::from_static(b"b"),
                gas_limit: 0
            },
            SubCall {
                to: CAROL,
                value: U256::ZERO,
                data: Bytes::new(),
                gas_limit: 0
            },
        ]
    );
    let input = batch_input(
        BatchMode::All,
        vec![ALICE],
        vec![U256::from(1); 3],
        vec![],
        vec![9, 9],
    );
    let batch = decode_batch(&input).expect("decodes");
    assert_eq!(
        batch.calls,
        vec![SubCall {
            to: ALICE,
            value: U256::from(1),
            data: Bytes::new(),
            gas_limit: 9
        }]
    );
    let empty = decode_batch(&batch_input(BatchMode::All, vec![], vec![], vec![], vec![]))
        .expect("decodes");
    assert!(empty.calls.is_empty());
}

#[test]
fn batch_arrays_are_limited_to_512_entries() {
    let n = MAX_BATCH_SUBCALLS;
    assert_eq!(n, 512);
    let ok = batch_input(
        BatchMode::All,
        vec![ALICE; n],
        vec![U256::ZERO; n],
        vec![Bytes::new(); n],
        vec![0; n],
    );
    assert_eq!(decode_batch(&ok).expect("512 is fine").calls.len(), 512);
    let cases = [
        (
            "to",
            batch_input(BatchMode::All, vec![ALICE; n + 1], vec![], vec![], vec![]),
        ),
        (
            "value",
            batch_input(
                BatchMode::All,
                vec![],
                vec![U256::ZERO; n + 1],
                vec![],
                vec![],
            ),
        ),
        (
            "call_data",
            batch_input(
                BatchMode::All,
                vec![],
                vec![],
                vec![Bytes::new(); n + 1],
                vec![],
            ),
        ),
        (
            "gas_limit",
            batch_input(BatchMode::All, vec![], vec![], vec![], vec![0; n + 1]),
        ),
    ];
    for (field, input) in cases {
        let error = decode_batch(&input).expect_err("too many");
        assert_eq!(error, BatchError::TooManyEntries { field, len: 513 });
        assert_eq!(
            error.to_string(),
            format!("{field}: Value is too large for length")
        );
    }
}

#[test]
fn batch_call_data_entries_are_limited_to_64_kib() {
    let ok = batch_input(
        BatchMode::All,
        vec![ALICE],
        vec![],
        vec![vec![1u8; 65_536].into()],
        vec![],
    );
    assert_eq!(
        decode_batch(&ok).expect("64 KiB is fine").calls[0]
            .data
            .len(),
        65_536
    );
    let big = batch_input(
        BatchMode::All,
        vec![ALICE, BOB],
        vec![],
        vec![Bytes::new(), vec![1u8; 65_537].into()],
        vec![],
    );
    let error = decode_batch(&big).expect_err("too big");
    assert_eq!(
        error,
        BatchError::CallDataTooLarge {
            index: 1,
            len: 65_537
        }
    );
    assert_eq!(
        error.to_string(),
        "call_data[1]: Value is too large for length"
    );
}

#[test]
fn batch_rejects_bad_selectors_and_arguments() {
    assert_eq!(
        decode_batch(&[0x96, 0xe2]),
        Err(BatchError::SelectorOutOfBounds)
    );
    assert_eq!(
        decode_batch(&[1, 2, 3, 4]),
        Err(BatchError::UnknownSelector([1, 2, 3, 4]))
    );
    assert_eq!(
        BatchError::UnknownSelector([1, 2, 3, 4]).to_string(),
        "Unknown selector"
    );
    let mut truncated = batch_input(BatchMode::All, vec![ALICE], vec![], vec![], vec![]);
    truncated.truncate(50);
    assert!(matches!(
        decode_batch(&truncated),
        Err(BatchError::InvalidInput(_))
    ));
    assert!(matches!(
        decode_batch(&BatchMode::Some.selector()),
        Err(BatchError::InvalidInput(_))
    ));
}

#[test]
fn batch_error_revert_data_is_error_string() {
    let error = BatchError::UnknownSelector([0; 4]);
    assert_eq!(error.revert_data(), revert_string("Unknown selector"));
    let reason = alloy::sol_types::Revert::abi_decode(&error.revert_data()).expect("Error(string)");
    assert_eq!(reason.reason, "Unknown selector");
}

#[test]
fn revert_string_is_the_solidity_error_encoding() {
    let data = revert_string(NOT_CALLABLE_BY_CONTRACTS);
    assert_eq!(&data[..4], &[0x08, 0xc3, 0x79, 0xa0]);
    assert_eq!(
        &data[4..],
        NOT_CALLABLE_BY_CONTRACTS.to_owned().abi_encode().as_slice()
    );
    assert_eq!(NOT_PAYABLE, "Function is not payable");
}

#[test]
fn batch_logs_are_log1_from_the_batch_precompile() {
    let ok = subcall_succeeded_log(3);
    assert_eq!(ok.address, BATCH_PRECOMPILE_ADDRESS);
    assert_eq!(ok.data.topics(), &[keccak256("SubcallSucceeded(uint256)")]);
    assert_eq!(ok.data.data, Bytes::from(U256::from(3).abi_encode()));
    let failed = subcall_failed_log(0);
    assert_eq!(failed.address, BATCH_PRECOMPILE_ADDRESS);
    assert_eq!(failed.data.topics(), &[keccak256("SubcallFailed(uint256)")]);
    assert_eq!(failed.data.data, Bytes::from(U256::ZERO.abi_encode()));
}

#[test]
fn contracts_calling_batch_are_refused() {
    let mut chain = Chain::new();
    let proxy = address!("0x00000000000000000000000000000000000ba7c4");
    chain.install(proxy, proxy_code(BATCH_PRECOMPILE_ADDRESS, OP_CALL, false));
    let input = batch_input(
        BatchMode::All,
        vec![DID_PRECOMPILE_ADDRESS],
        vec![],
        vec![add_call(proxy, b"n", b"v", 0).into()],
        vec![],
    );
    assert_revert(&chain.send(ALICE, proxy, input), NOT_CALLABLE_BY_CONTRACTS);
    assert!(chain.stored(proxy, b"n").is_none());
}

// ================================================================================ provider

#[test]
fn provider_serves_peaq_and_standard_precompiles() {
    let precompiles = PeaqPrecompiles::new(SpecId::CANCUN);
    let warm = <PeaqPrecompiles as PrecompileProvider<Ctx>>::warm_addresses(&precompiles);
    for address in PEAQ_PRECOMPILE_ADDRESSES {
        assert!(warm.contains(&address));
    }
    let identity = address!("0x0000000000000000000000000000000000000004");
    assert!(<PeaqPrecompiles as PrecompileProvider<Ctx>>::contains(
        &precompiles,
        &identity
    ));
    assert!(!<PeaqPrecompiles as PrecompileProvider<Ctx>>::contains(
        &precompiles,
        &ALICE
    ));

    // the identity precompile still answers
    let mut chain = Chain::new();
    assert_eq!(
        success(chain.send(ALICE, identity, b"echo".to_vec())),
        Bytes::from_static(b"echo")
    );
    // and a contract can reach the DID precompile with its stub code in place
    assert_eq!(
        chain.account(DID_PRECOMPILE_ADDRESS).code_hash,
        keccak256(PRECOMPILE_STUB_CODE)
    );
}
