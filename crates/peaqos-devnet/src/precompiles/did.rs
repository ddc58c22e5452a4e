//! The DID precompile at `0x…0800`: an attribute store keyed by (DID account, name).
//!
//! # Functions
//!
//! `addAttribute` / `updateAttribute(address didAccount, bytes name, bytes value, uint32
//! validityFor) returns (bool)`, `removeAttribute(address didAccount, bytes name) returns
//! (bool)`, `readAttribute(address didAccount, bytes name) view returns ((bytes name, bytes
//! value, uint32 validity, uint256 created))`, each also under its snake_case alias
//! (`add_attribute`, …). The ABI is
//! [`DIDPrecompile`](peaqos_contracts::bindings::DIDPrecompile).
//!
//! # Semantics (as peaq's precompile and `peaq-pallet-did`)
//!
//! Checks run in this order: static context / value (see the [module docs](super)), then for
//! writes name ≤ 64 bytes ([`NAME_TOO_LONG`]), value ≤ 2560 bytes ([`VALUE_TOO_LONG`]),
//! `didAccount == msg.sender` ([`ATTRIBUTE_AUTHORIZATION_FAILED`]), then existence
//! ([`ATTRIBUTE_ALREADY_EXIST`] on add, [`ATTRIBUTE_NOT_FOUND`] on update/remove), then
//! validity ([`MAX_BLOCK_NUMBER_EXCEEDED`]).
//! - `validityFor` counts **blocks**: 0 means no expiry, stored as `u32::MAX`; otherwise the
//!   stored validity is `block.number + validityFor`, and a sum past `u32::MAX` reverts.
//!   Expiry is not enforced on read (the pallet doesn't either).
//! - `created` is the block timestamp in **milliseconds**, set on add; update changes only the
//!   value and the validity.
//! - `readAttribute` of a missing attribute reverts with exactly `Error("Cannot find the item")`
//!   ([`CANNOT_FIND_THE_ITEM`]); anyone may read any DID.
//! - Events, from the frame's target address (`0x…0800`), are `log1` (topic0 = the signature's
//!   keccak, every field ABI-encoded in `data`): `AddAttribute(address sender, address
//!   did_account, bytes name, bytes value, uint32 validity)`, `UpdateAttribute(…)` (validity =
//!   the *relative* `validityFor` as passed) and `RemoveAttribute(address did_account, bytes
//!   name)`.
//! - Not modelled: peaq's storage deposit (0.1 PEAQ reserved per attribute) and the ASCII rule
//!   of newer pallets.
//!
//! # Storage layout (account storage of `0x…0800`)
//!
//! - `base = keccak256(didAccount (20 bytes) ‖ name)` as a slot number
//!   ([`did_attribute_slot`]); the name itself is not stored (a reader supplies it).
//! - Slot `base`, the header ([`DidAttributeHeader`]), big-endian:
//!   byte 0 = `0x01` (exists flag), bytes 16..24 = `created` (ms, u64), bytes 24..28 = value
//!   length (u32), bytes 28..32 = absolute validity (u32); i.e.
//!   `1 << 248 | created << 64 | len << 32 | validity`. Zero means "no attribute".
//! - Slots `base + 1 ..= base + ceil(len / 32)`: the value, 32 bytes per slot, the last one
//!   right-padded with zeros ([`did_value_slot`]).
//!
//! An update rewrites the value slots and clears those the shorter new value no longer uses;
//! a remove clears the header and every value slot.
//!
//! # Gas
//!
//! Dispatch (see the [module docs](super)), `keccak256` of the 20 + `name` bytes of the key,
//! one `SLOAD` per slot read, one `SSTORE` per slot written, and the event's log cost. A fresh
//! `addAttribute` with a `len`-byte value therefore costs about
//! `1,000 + 2,100 + (1 + ceil(len/32)) × 22,100 + log` plus copying and hashing.

use alloy::{
    primitives::{Address, Bytes, U256, keccak256},
    sol_types::{SolCall, SolEvent},
};
use peaqos_contracts::bindings::DIDPrecompile::{
    AddAttribute, Attribute, RemoveAttribute, UpdateAttribute, add_attributeCall, addAttributeCall,
    read_attributeCall, readAttributeCall, remove_attributeCall, removeAttributeCall,
    update_attributeCall, updateAttributeCall,
};
use peaqos_types::constants::{DID_MAX_NAME_BYTES, DID_MAX_VALUE_BYTES, DID_PRECOMPILE_ADDRESS};
use revm::context_interface::ContextTr;

use super::{CallResult, Exit, PrecompileCall, UNKNOWN_SELECTOR, decode_args, selector};

/// `readAttribute` of a missing attribute: clients match this text.
pub const CANNOT_FIND_THE_ITEM: &str = "Cannot find the item";
/// A name longer than 64 bytes.
pub const NAME_TOO_LONG: &str = "Name too long";
/// A value longer than 2560 bytes.
pub const VALUE_TOO_LONG: &str = "Value too long";
/// `addAttribute` of an existing (DID, name).
pub const ATTRIBUTE_ALREADY_EXIST: &str =
    "Dispatched call failed with error: Module(AttributeAlreadyExist)";
/// `updateAttribute` / `removeAttribute` of a missing (DID, name).
pub const ATTRIBUTE_NOT_FOUND: &str =
    "Dispatched call failed with error: Module(AttributeNotFound)";
/// A write to a DID other than `msg.sender`'s own.
pub const ATTRIBUTE_AUTHORIZATION_FAILED: &str =
    "Dispatched call failed with error: Module(AttributeAuthorizationFailed)";
/// `block.number + validityFor` past `u32::MAX`.
pub const MAX_BLOCK_NUMBER_EXCEEDED: &str =
    "Dispatched call failed with error: Module(MaxBlockNumberExceeded)";

/// The stored validity of an attribute that never expires (`validityFor == 0`).
pub const DID_NO_EXPIRY: u32 = u32::MAX;

/// The header slot of the attribute `(did_account, name)`: `keccak256(did_account ‖ name)`.
pub fn did_attribute_slot(did_account: Address, name: &[u8]) -> U256 {
    let mut key = Vec::with_capacity(20 + name.len());
    key.extend_from_slice(did_account.as_slice());
    key.extend_from_slice(name);
    U256::from_be_bytes(keccak256(key).0)
}

/// The slot holding bytes `32 * index .. 32 * index + 32` of the value whose header is at
/// `base` (`base + 1 + index`, wrapping).
pub fn did_value_slot(base: U256, index: usize) -> U256 {
    base.wrapping_add(U256::from(index))
        .wrapping_add(U256::from(1))
}

/// The header word of a stored attribute (see the module docs for the bit layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DidAttributeHeader {
    /// Absolute validity block ([`DID_NO_EXPIRY`] for none).
    pub validity: u32,
    /// Length of the value in bytes.
    pub value_len: u32,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_ms: u64,
}

impl DidAttributeHeader {
    /// The header as its storage word.
    pub fn encode(&self) -> U256 {
        (U256::from(1) << 248)
            | (U256::from(self.created_ms) << 64)
            | (U256::from(self.value_len) << 32)
            | U256::from(self.validity)
    }

    /// Decodes a storage word; `None` when no attribute is stored (the exists flag is unset).
    pub fn decode(word: U256) -> Option<Self> {
        let bytes = word.to_be_bytes::<32>();
        if bytes[0] != 1 {
            return None;
        }
        let mut created = [0; 8];
        created.copy_from_slice(&bytes[16..24]);
        let mut len = [0; 4];
        len.copy_from_slice(&bytes[24..28]);
        let mut validity = [0; 4];
        validity.copy_from_slice(&bytes[28..32]);
        Some(Self {
            validity: u32::from_be_bytes(validity),
            value_len: u32::from_be_bytes(len),
            created_ms: u64::from_be_bytes(created),
        })
    }
}

/// Reads the attribute `(did_account, name)` through `sload` (a storage reader of
/// `0x…0800`, e.g. over a database), as `readAttribute` would return it; `None` if missing.
///
/// # Errors
///
/// Whatever `sload` returns.
pub fn read_did_attribute<E>(
    mut sload: impl FnMut(U256) -> Result<U256, E>,
    did_account: Address,
    name: &[u8],
) -> Result<Option<Attribute>, E> {
    let base = did_attribute_slot(did_account, name);
    let Some(header) = DidAttributeHeader::decode(sload(base)?) else {
        return Ok(None);
    };
    let len = header.value_len as usize;
    let mut value = Vec::with_capacity(len.div_ceil(32) * 32);
    for index in 0..len.div_ceil(32) {
        value.extend_from_slice(&sload(did_value_slot(base, index))?.to_be_bytes::<32>());
    }
    value.truncate(len);
    Ok(Some(Attribute {
        name: Bytes::copy_from_slice(name),
        value: value.into(),
        validity: header.validity,
        created: U256::from(header.created_ms),
    }))
}

/// Runs one call to the DID precompile.
pub(crate) fn execute<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    input: &[u8],
) -> CallResult {
    call.charge_dispatch(input.len())?;
    match selector(input)? {
        addAttributeCall::SELECTOR | add_attributeCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: addAttributeCall = decode_args(input)?;
            write(call, c.didAccount, &c.name, &c.value, c.validityFor, false)
        }
        updateAttributeCall::SELECTOR | update_attributeCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: updateAttributeCall = decode_args(input)?;
            write(call, c.didAccount, &c.name, &c.value, c.validityFor, true)
        }
        removeAttributeCall::SELECTOR | remove_attributeCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: removeAttributeCall = decode_args(input)?;
            remove(call, c.didAccount, &c.name)
        }
        readAttributeCall::SELECTOR | read_attributeCall::SELECTOR => {
            call.require_no_value(false)?;
            let c: readAttributeCall = decode_args(input)?;
            read(call, c.didAccount, &c.name)
        }
        _ => Err(UNKNOWN_SELECTOR.into()),
    }
}

/// `true`, ABI-encoded.
fn encode_true() -> Bytes {
    addAttributeCall::abi_encode_returns(&true).into()
}

/// The header slot of `(did_account, name)`, charging the hash.
fn base_slot<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    did_account: Address,
    name: &[u8],
) -> CallResult<U256> {
    call.charge_keccak(20 + name.len())?;
    Ok(did_attribute_slot(did_account, name))
}

/// The stored header of the attribute at `base`, if any.
fn load_header<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    base: U256,
) -> CallResult<Option<DidAttributeHeader>> {
    Ok(DidAttributeHeader::decode(
        call.sload(DID_PRECOMPILE_ADDRESS, base)?,
    ))
}

fn check_sizes_and_owner<CTX: ContextTr>(
    call: &PrecompileCall<'_, CTX>,
    did_account: Address,
    name: &[u8],
    value: &[u8],
) -> CallResult<()> {
    if name.len() > DID_MAX_NAME_BYTES {
        return Err(NAME_TOO_LONG.into());
    }
    if value.len() > DID_MAX_VALUE_BYTES {
        return Err(VALUE_TOO_LONG.into());
    }
    if did_account != call.caller {
        return Err(ATTRIBUTE_AUTHORIZATION_FAILED.into());
    }
    Ok(())
}

/// The stored validity for `validity_for` blocks from `block`.
fn absolute_validity(block: U256, validity_for: u32) -> CallResult<u32> {
    if validity_for == 0 {
        return Ok(DID_NO_EXPIRY);
    }
    u32::try_from(block)
        .ok()
        .and_then(|block| block.checked_add(validity_for))
        .ok_or_else(|| MAX_BLOCK_NUMBER_EXCEEDED.into())
}

/// add (`update == false`) or update an attribute.
fn write<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    did_account: Address,
    name: &Bytes,
    value: &Bytes,
    validity_for: u32,
    update: bool,
) -> CallResult {
    check_sizes_and_owner(call, did_account, name, value)?;
    let base = base_slot(call, did_account, name)?;
    let old = load_header(call, base)?;
    let created_ms = match (old, update) {
        (Some(_), false) => return Err(ATTRIBUTE_ALREADY_EXIST.into()),
        (None, true) => return Err(ATTRIBUTE_NOT_FOUND.into()),
        (Some(old), true) => old.created_ms,
        (None, false) => call
            .block_timestamp()
            .saturating_to::<u64>()
            .saturating_mul(1000),
    };
    let validity = absolute_validity(call.block_number(), validity_for)?;

    let old_words = old.map_or(0, |h| (h.value_len as usize).div_ceil(32));
    let new_words = value.len().div_ceil(32);
    for index in 0..old_words.max(new_words) {
        let mut chunk = [0u8; 32];
        if let Some(bytes) = value.get(index * 32..) {
            let n = bytes.len().min(32);
            chunk[..n].copy_from_slice(&bytes[..n]);
        }
        let slot = did_value_slot(base, index);
        call.sstore(DID_PRECOMPILE_ADDRESS, slot, U256::from_be_bytes(chunk))?;
    }
    // value.len() <= DID_MAX_VALUE_BYTES, so it fits in u32.
    let value_len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    let header = DidAttributeHeader {
        validity,
        value_len,
        created_ms,
    };
    call.sstore(DID_PRECOMPILE_ADDRESS, base, header.encode())?;

    let log = if update {
        UpdateAttribute {
            sender: call.caller,
            did_account,
            name: name.clone(),
            value: value.clone(),
            validity: validity_for,
        }
        .encode_log_data()
    } else {
        AddAttribute {
            sender: call.caller,
            did_account,
            name: name.clone(),
            value: value.clone(),
            validity: validity_for,
        }
        .encode_log_data()
    };
    call.emit(log)?;
    Ok(encode_true())
}

fn remove<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    did_account: Address,
    name: &Bytes,
) -> CallResult {
    check_sizes_and_owner(call, did_account, name, &[])?;
    let base = base_slot(call, did_account, name)?;
    let Some(header) = load_header(call, base)? else {
        return Err(ATTRIBUTE_NOT_FOUND.into());
    };
    for index in 0..(header.value_len as usize).div_ceil(32) {
        call.sstore(
            DID_PRECOMPILE_ADDRESS,
            did_value_slot(base, index),
            U256::ZERO,
        )?;
    }
    call.sstore(DID_PRECOMPILE_ADDRESS, base, U256::ZERO)?;
    call.emit(
        RemoveAttribute {
            did_account,
            name: name.clone(),
        }
        .encode_log_data(),
    )?;
    Ok(encode_true())
}

fn read<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    did_account: Address,
    name: &Bytes,
) -> CallResult {
    call.charge_keccak(20 + name.len())?;
    let attribute = read_did_attribute(
        |slot| call.sload(DID_PRECOMPILE_ADDRESS, slot),
        did_account,
        name,
    )?
    .ok_or_else(|| Exit::from(CANNOT_FIND_THE_ITEM))?;
    Ok(readAttributeCall::abi_encode_returns(&attribute).into())
}
