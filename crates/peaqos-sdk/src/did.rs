//! DID attributes on the peaq DID precompile: the six attributes of a machine DID, the two of a
//! proxy operator's DID, and reads.
//!
//! Writes go to the **signer's own DID** (the precompile only lets an account write its own),
//! as one `batchAll` transaction to the Batch precompile: `to = [did_registry] × n`,
//! `value = [0] × n`, `gasLimit = [0] × n` and `callData[i] = addAttribute(signer, name, value,
//! 0)` (validity 0 = no expiry). Only `addAttribute` is used, so writing an attribute that
//! already exists reverts the whole batch (`AttributeAlreadyExist`).
//!
//! Machine DID, in this order ([`PeaqosClient::write_machine_did_attributes`]):
//!
//! | # | name | value |
//! | --- | --- | --- |
//! | 1 | `machineId` | decimal machine id, e.g. `42` |
//! | 2 | `nftTokenId` | decimal token id, e.g. `7` |
//! | 3 | `operator` | the operator's DID (`did:peaq:0x…`), or empty for a self-managed machine |
//! | 4 | `documentation_url` | verbatim |
//! | 5 | `data_api` | verbatim |
//! | 6 | `data_visibility` | `public`, `private` or `onchain` |
//!
//! Proxy DID ([`PeaqosClient::write_proxy_did_attributes`]): `machineId` (the proxy's own
//! machine id), then `machines`, a JSON list as Python's `json.dumps` prints it: `[42, 43]`.
//! The list holds the newest [`MACHINES_ATTRIBUTE_CAP`] (100) ids, oldest first: newer
//! registrations push older ones out (the documented cap). The whole fleet, past 100, is the
//! on-chain operator relation (`IdentityRegistry.operatorOf`, `OperatorSet` events), which the
//! MCR API's operator endpoint pages through.
/// [`PeaqosClient::append_proxy_machines`] grows an existing list under the cap.
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolCall,
};
use peaqos_contracts::bindings::DIDPrecompile;
use peaqos_types::{
    DataVisibility,
    constants::{
        DID_ATTR_DATA_API, DID_ATTR_DATA_VISIBILITY, DID_ATTR_DOCUMENTATION_URL,
        DID_ATTR_MACHINE_ID, DID_ATTR_MACHINES, DID_ATTR_NFT_TOKEN_ID, DID_ATTR_OPERATOR,
    },
};

use crate::{
    Error, Result, RpcCode, ValidationError,
    client::PeaqosClient,
    events::encode_batch_all,
    validation::{
        machines_json, validate_did_attribute, validate_did_attributes, validate_machine_did_attrs,
        validate_proxy_did_attrs,
    },
};

/// Most machine ids a proxy DID's `machines` attribute holds; newer ones push older ones out.
pub const MACHINES_ATTRIBUTE_CAP: usize = 100;

/// The newest [`MACHINES_ATTRIBUTE_CAP`] of `ids` (the list is oldest first: its tail).
pub fn newest_machines<T>(ids: &[T]) -> &[T] {
    &ids[ids.len().saturating_sub(MACHINES_ATTRIBUTE_CAP)..]
}

/// `existing` with the ids of `new` it does not list yet appended in order, capped to the
/// newest [`MACHINES_ATTRIBUTE_CAP`].
pub fn append_machines<T: PartialEq + Clone>(existing: &[T], new: &[T]) -> Vec<T> {
    let mut out = existing.to_vec();
    for id in new {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    newest_machines(&out).to_vec()
}

/// The ids of a `machines` attribute value: a JSON array of non-negative integers or decimal
/// strings; `None` when it is anything else.
pub fn parse_machines_list(value: &str) -> Option<Vec<U256>> {
    let serde_json::Value::Array(items) = serde_json::from_str(value).ok()? else {
        return None;
    };
    items
        .iter()
        .map(|v| match v {
            serde_json::Value::Number(n) => n.as_u64().map(U256::from),
            serde_json::Value::String(s) if !s.is_empty() && s.len() <= 78 => s.parse().ok(),
            _ => None,
        })
        .collect()
}

/// The revert text of the DID precompile for a missing attribute.
pub const NOT_FOUND_REASON: &str = "Cannot find the item";

/// One attribute as the DID precompile stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidAttribute {
    /// The attribute name (UTF-8; invalid bytes replaced by U+FFFD).
    pub name: String,
    /// The attribute value (UTF-8; invalid bytes replaced by U+FFFD).
    pub value: String,
    /// The validity as stored: the block number it expires at, `u32::MAX` for "never" (a write
    /// with `validityFor = 0`, as every SDK write).
    pub validity: u32,
    /// When it was written, as the precompile reports it (block timestamp in milliseconds on
    /// peaq).
    pub created: U256,
}

/// `addAttribute(did_account, name, value, 0)` calldata, after checking the attribute
/// ([`validate_did_attribute`]: ASCII, name ≤ 64 bytes, value ≤ 2560 bytes).
pub fn encode_add_attribute(
    did_account: Address,
    name: &str,
    value: &str,
) -> Result<Bytes, ValidationError> {
    validate_did_attribute(name, value)?;
    let call = DIDPrecompile::addAttributeCall {
        didAccount: did_account,
        name: Bytes::copy_from_slice(name.as_bytes()),
        value: Bytes::copy_from_slice(value.as_bytes()),
        validityFor: 0,
    };
    Ok(call.abi_encode().into())
}

/// The six attributes of a machine DID, in the order they are written (see the
/// [module docs](self)); `operator_did` `None` writes an empty `operator`.
pub fn machine_did_attributes(
    machine_id: U256,
    nft_token_id: U256,
    operator_did: Option<&str>,
    documentation_url: &str,
    data_api: &str,
    data_visibility: DataVisibility,
) -> [(&'static str, String); 6] {
    [
        (DID_ATTR_MACHINE_ID, machine_id.to_string()),
        (DID_ATTR_NFT_TOKEN_ID, nft_token_id.to_string()),
        (
            DID_ATTR_OPERATOR,
            operator_did.unwrap_or_default().to_owned(),
        ),
        (DID_ATTR_DOCUMENTATION_URL, documentation_url.to_owned()),
        (DID_ATTR_DATA_API, data_api.to_owned()),
        (
            DID_ATTR_DATA_VISIBILITY,
            data_visibility.as_str().to_owned(),
        ),
    ]
}

/// The two attributes of a proxy operator's DID: `machineId` and `machines` (`[42, 43]`).
pub fn proxy_did_attributes(
    proxy_machine_id: U256,
    machine_ids: &[U256],
) -> [(&'static str, String); 2] {
    [
        (DID_ATTR_MACHINE_ID, proxy_machine_id.to_string()),
        (
            DID_ATTR_MACHINES,
            machines_json(newest_machines(machine_ids)),
        ),
    ]
}

/// The `batchAll` calldata that writes `attributes` to `did_account` through the DID
/// precompile at `did_registry` (checked first with [`validate_did_attributes`]).
pub fn encode_did_batch<N: AsRef<str>, V: AsRef<str>>(
    did_registry: Address,
    did_account: Address,
    attributes: &[(N, V)],
) -> Result<Bytes, ValidationError> {
    validate_did_attributes(attributes)?;
    let calls = attributes
        .iter()
        .map(|(n, v)| encode_add_attribute(did_account, n.as_ref(), v.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(encode_batch_all(did_registry, calls))
}

/// Whether `err` is the DID precompile's "missing attribute" revert (`Cannot find the item`,
/// word-bounded, anywhere in the error's message or its causes).
pub fn is_attribute_not_found(err: &Error) -> bool {
    if let Some(crate::revert::Revert::Reason(reason)) = err.revert()
        && contains_word_bounded(reason, NOT_FOUND_REASON)
    {
        return true;
    }
    let mut texts = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        texts.push(cause.to_string());
        source = cause.source();
    }
    texts
        .iter()
        .any(|t| contains_word_bounded(t, NOT_FOUND_REASON))
}

fn contains_word_bounded(haystack: &str, needle: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(needle).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + needle.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

impl PeaqosClient {
    /// Writes `attributes` (name, value) to the signer's own DID in one `batchAll` transaction
    /// (the official client's `batch_did_write`); returns the transaction hash.
    ///
    /// Errors: [`Error::Validation`] for an empty list (field `attributes`) or a bad name/value
    /// (fields `name` / `value`), before anything is sent; [`Error::Rpc`] when the batch reverts
    /// (e.g. an attribute that already exists).
    pub async fn write_did_attributes<N: AsRef<str>, V: AsRef<str>>(
        &self,
        attributes: &[(N, V)],
    ) -> Result<B256> {
        let contracts = self.contracts();
        let data = encode_did_batch(contracts.did_registry, self.address(), attributes)?;
        let outcome = self
            .send_call(contracts.batch_precompile, data, U256::ZERO)
            .await?;
        Ok(outcome.tx_hash)
    }

    /// Writes the six attributes of a machine DID (see the [module docs](crate::did)) to the
    /// signer's DID in one transaction; returns its hash.
    ///
    /// `operator_did` is the operating proxy's DID (`did:peaq:0x…`), or `None` for a
    /// self-managed machine (an empty `operator` attribute).
    ///
    /// Errors: [`Error::Validation`] (checked before sending, as
    /// [`validate_machine_did_attrs`]): `machine_id` / `nft_token_id` 0, `documentation_url` /
    /// `data_api` empty, non-ASCII or over 2560 bytes, `operator_did` non-ASCII or over 2560
    /// bytes; [`Error::Rpc`] when the transaction reverts, e.g. because the DID already has
    /// these attributes.
    pub async fn write_machine_did_attributes(
        &self,
        machine_id: U256,
        nft_token_id: U256,
        operator_did: Option<&str>,
        documentation_url: &str,
        data_api: &str,
        data_visibility: DataVisibility,
    ) -> Result<B256> {
        validate_machine_did_attrs(
            machine_id,
            nft_token_id,
            operator_did.unwrap_or_default(),
            documentation_url,
            data_api,
            data_visibility.as_str(),
        )?;
        let attributes = machine_did_attributes(
            machine_id,
            nft_token_id,
            operator_did,
            documentation_url,
            data_api,
            data_visibility,
        );
        self.write_did_attributes(&attributes).await
    }

    /// Writes the two attributes of a proxy operator's DID: `machineId` = `machine_id` (the
    /// proxy's own machine id) and `machines` = the newest [`MACHINES_ATTRIBUTE_CAP`] of
    /// `machines` as a JSON list (`[42, 43]`), in one transaction; returns its hash.
    ///
    /// Errors: [`Error::Validation`] (as [`validate_proxy_did_attrs`], with the official field
    /// names): `proxy_machine_id` 0, `machine_ids` empty, `machine_ids[i]` 0, the JSON over 2560
    /// bytes; [`Error::Rpc`] when the transaction reverts.
    pub async fn write_proxy_did_attributes(
        &self,
        machine_id: U256,
        machines: &[U256],
    ) -> Result<B256> {
        validate_proxy_did_attrs(machine_id, newest_machines(machines))?;
        self.write_did_attributes(&proxy_did_attributes(machine_id, machines))
            .await
    }

    /// Adds `machine_ids` to the signer's proxy DID: its `machines` list grows by the ids it
    /// does not hold yet and keeps the newest [`MACHINES_ATTRIBUTE_CAP`] (older ones are pushed
    /// out; the on-chain operator relation still has them), and `machineId` =
    /// `proxy_machine_id` is written when missing. One transaction (`addAttribute` for a new
    /// attribute, `updateAttribute` for the existing list); `None` when nothing changed.
    ///
    /// Errors: [`Error::Validation`] as [`validate_proxy_did_attrs`], and field `machines` for
    /// an existing value that is not a list of ids (left alone: rewriting it would lose it);
    /// [`Error::Rpc`] when the transaction reverts.
    pub async fn append_proxy_machines(
        &self,
        proxy_machine_id: U256,
        machine_ids: &[U256],
    ) -> Result<Option<B256>> {
        validate_proxy_did_attrs(proxy_machine_id, newest_machines(machine_ids))?;
        let me = self.address();
        let has_id = self
            .read_attribute(me, DID_ATTR_MACHINE_ID)
            .await?
            .is_some();
        let existing = self.read_attribute(me, DID_ATTR_MACHINES).await?;
        let listed = match &existing {
            Some(a) => parse_machines_list(&a.value).ok_or_else(|| {
                Error::Validation(
                    ValidationError::new(
                        DID_ATTR_MACHINES,
                        "JSON list of machine ids",
                        "the proxy DID's machines attribute is not a list of machine ids; it is \
                         left as it is",
                    )
                    .with_value(a.value.clone()),
                )
            })?,
            None => Vec::new(),
        };
        let list = append_machines(&listed, machine_ids);
        let did = self.contracts().did_registry;
        let mut calls = Vec::new();
        if !has_id {
            let value = proxy_machine_id.to_string();
            calls.push(crate::activation::did_write(
                false,
                me,
                DID_ATTR_MACHINE_ID,
                &value,
            ));
        }
        if existing.is_none() || list != listed {
            let value = machines_json(&list);
            validate_did_attribute(DID_ATTR_MACHINES, &value)?;
            calls.push(crate::activation::did_write(
                existing.is_some(),
                me,
                DID_ATTR_MACHINES,
                &value,
            ));
        }
        if calls.is_empty() {
            return Ok(None);
        }
        let outcome = self
            .send_call(
                self.contracts().batch_precompile,
                encode_batch_all(did, calls),
                U256::ZERO,
            )
            .await?;
        Ok(Some(outcome.tx_hash))
    }

    /// Reads attribute `name` of the DID of `did_address` (an `eth_call` of `readAttribute`).
    ///
    /// A missing attribute is `Ok(None)`: the precompile reverts with `Cannot find the item`,
    /// which the official client surfaces as an exception its callers must recognise by text;
    /// here it is recognised once, and any other failure is still an error.
    pub async fn read_attribute(
        &self,
        did_address: Address,
        name: &str,
    ) -> Result<Option<DidAttribute>> {
        let call = DIDPrecompile::readAttributeCall {
            didAccount: did_address,
            name: Bytes::copy_from_slice(name.as_bytes()),
        };
        let raw = match self
            .call_view(self.contracts().did_registry, call.abi_encode().into())
            .await
        {
            Ok(raw) => raw,
            Err(e) if is_attribute_not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let attr = DIDPrecompile::readAttributeCall::abi_decode_returns(&raw).map_err(|e| {
            Error::rpc(
                RpcCode::RpcError,
                format!("cannot decode the readAttribute result of {name:?}: {e}"),
            )
        })?;
        Ok(Some(DidAttribute {
            name: String::from_utf8_lossy(&attr.name).into_owned(),
            value: String::from_utf8_lossy(&attr.value).into_owned(),
            validity: attr.validity,
            created: attr.created,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_bounded() {
        assert!(contains_word_bounded(
            "revert: Cannot find the item",
            NOT_FOUND_REASON
        ));
        assert!(contains_word_bounded(
            "Cannot find the item.",
            NOT_FOUND_REASON
        ));
        assert!(!contains_word_bounded(
            "Cannot find the items",
            NOT_FOUND_REASON
        ));
        assert!(!contains_word_bounded(
            "xCannot find the item",
            NOT_FOUND_REASON
        ));
    }

    #[test]
    fn not_found_in_rpc_error() {
        let e = Error::reverted(
            crate::revert::Revert::Reason(NOT_FOUND_REASON.to_owned()),
            "Transaction reverted",
        );
        assert!(is_attribute_not_found(&e));
        let e = Error::rpc(
            RpcCode::RpcError,
            "execution reverted: Cannot find the item",
        );
        assert!(is_attribute_not_found(&e));
        let e = Error::rpc(RpcCode::RpcError, "execution reverted: something else");
        assert!(!is_attribute_not_found(&e));
    }
}
