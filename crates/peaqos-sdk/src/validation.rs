//! Client-side validation of event submissions and DID attribute writes, with the same rules,
//! order, fields, constraints and messages as the official peaqOS Python client
//! (`peaq-os-sdk` 0.1.0).
//!
//! # `submit_event` parameters ([`validate_submit_event_params`])
//!
//! The rules run in this order; the first failure is returned.
//!
//! | # | field | constraint | message |
//! | --- | --- | --- | --- |
//! | 1 | `machine_id` | `> 0` | `machine_id must be a positive integer` |
//! | 2 | `event_type` | `0 or 1` | `event_type must be 0 or 1` |
//! | 3 | `value` | `subunit integer` | `value must be a subunit integer (e.g. HK$1.23 → value=123, currency='HKD'); got float. …` (a `TypeError` in the official client) |
//! | 4 | `value` | `>= 0` | `value must be non-negative` |
//! | 5 | `trust_level` | `0, 1, or 2` | `trust_level must be 0, 1, or 2` |
//! | 6 | `source_chain_id` | `supported chain` | `source_chain_id must be a supported chain ID (0, 3338, or 8453)` |
//! | 7 | `raw_data` | `non-empty` | `raw_data must not be empty when provided` |
//! | 8 | `source_tx_hash` | `32 bytes` | `source_tx_hash must be a 0x-prefixed 32-byte hex string (66 chars)` |
//! | 9 | `timestamp` | `> 0` | `timestamp must be a positive integer` |
//! | 10 | `source_tx_hash` | `required when trust_level is 1` | `source_tx_hash is required when trust_level is 1 (on-chain verifiable)` |
//! | 11 | `currency` | `^[A-Z0-9]{3,10}$` (revenue) / `must be ""` (activity) | `revenue events require currency matching ^[A-Z0-9]{3,10}$ (uppercase alphanumeric, 3-10 chars)` / `activity events require an empty currency string` |
//!
//! Rules 3, 4 (an integer ≥ 0) and 8 (66 characters) hold by construction for
//! [`SubmitEventParams`] (`value` is a [`U256`], `source_tx_hash` a [`B256`]); text input is
//! checked with them by [`parse_event_value`] and [`parse_source_tx_hash`].
//!
//! Rule 6 accepts every chain id the official client accepts, [`SUPPORTED_SOURCE_CHAIN_IDS`]
//! (0, peaq 3338, Ethereum 1, Base 8453, Polygon 137, Arbitrum 42161, Optimism 10); its
//! message, verbatim from that client, names only three of them. The documentation's
//! JavaScript-flavoured messages (`machineId must be a positive integer`, …) differ in wording
//! only; the Python client's snake_case messages are used here.
//!
//! A `currency` of `None` means "omitted": the single-event path
//! ([`PeaqosClient::submit_event`](crate::client::PeaqosClient::submit_event)) replaces it by
//! the smart default (`USD` for revenue, empty for activity) before validating, the batch path
//! rejects it ([`batch_currency_required`]), and this function skips rule 11 for it, as the
//! official client does for its "omitted" sentinel.
//!
//! Not checked client-side, as in the official client: a timestamp in the future (the contract
//! reverts `FutureTimestamp`) and metadata over 4096 bytes (`MetadataTooLarge`).
//!
//! # DID attributes
//!
//! [`validate_did_attribute`] (each attribute: ASCII names of at most 64 bytes, ASCII values of
//! at most 2560 bytes, fields `name` / `value`), [`validate_did_attributes`] (a non-empty list,
//! field `attributes`), [`validate_machine_did_attrs`], [`validate_proxy_did_attrs`] and
//! [`validate_data_visibility`].

use alloy::primitives::{B256, U256, keccak256};
use peaqos_types::{
    DataVisibility, EventType, TrustLevel,
    constants::{
        BASE_CHAIN_ID, CURRENCY_MAX_LEN, CURRENCY_MIN_LEN, DID_MAX_NAME_BYTES, DID_MAX_VALUE_BYTES,
        PEAQ_CHAIN_ID,
    },
};

use crate::ValidationError;

/// Every `source_chain_id` an event may carry: 0 (off-chain / same chain) and the chain ids the
/// official client's `SUPPORTED_CHAINS` names, in its order (peaq 3338, Ethereum 1, Base 8453,
/// Polygon 137, Arbitrum 42161, Optimism 10).
///
/// `peaqos_types::constants::SUPPORTED_SOURCE_CHAIN_IDS` lists only the three the
/// documentation names (0, 3338, 8453); the official client accepts all seven, and so does
/// this SDK (the EventRegistry itself accepts any id).
pub const SUPPORTED_SOURCE_CHAIN_IDS: [u64; 7] =
    [0, PEAQ_CHAIN_ID, 1, BASE_CHAIN_ID, 137, 42161, 10];

/// The parameters of one `EventRegistry.submitEvent` call.
///
/// `event_type` and `trust_level` are the raw on-chain numbers so that input from outside (a
/// file, a CLI flag) can be validated with the official messages; build them from
/// [`EventType`] / [`TrustLevel`] with [`SubmitEventParams::new`] and
/// [`SubmitEventParams::with_trust_level`].
///
/// ```
/// use alloy::primitives::U256;
/// use peaqos_sdk::validation::{SubmitEventParams, validate_submit_event_params};
/// use peaqos_types::EventType;
///
/// let params = SubmitEventParams::new(U256::from(1), EventType::Revenue, U256::from(500), 1_700_000_000)
///     .with_currency("HKD")
///     .with_raw_data(b"{\"session\":\"abc123\"}".to_vec());
/// validate_submit_event_params(&params)?;
/// # Ok::<(), peaqos_sdk::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitEventParams {
    /// The machine the event belongs to (IdentityRegistry machine id, > 0).
    pub machine_id: U256,
    /// 0 = revenue, 1 = activity ([`EventType`]).
    pub event_type: u8,
    /// The amount in ISO 4217 minor units (cents for USD/HKD, whole units for JPY, thousandths
    /// for BHD) for revenue; any number (often 0) for activity.
    pub value: U256,
    /// The currency code: `^[A-Z0-9]{3,10}$` for revenue, empty for activity. `None` = omitted:
    /// single events get the smart default (`USD` / empty), batch events are rejected.
    pub currency: Option<String>,
    /// When the event happened, unix seconds (> 0, not in the future).
    pub timestamp: u64,
    /// The off-chain payload; its keccak256 goes on chain as `dataHash` (zero when `None`).
    /// Must not be empty when given.
    pub raw_data: Option<Vec<u8>>,
    /// 0 self-reported, 1 on-chain verifiable (needs `source_tx_hash`), 2 hardware-signed
    /// ([`TrustLevel`]).
    pub trust_level: u8,
    /// The chain the event happened on (0 = off-chain / this chain), one of
    /// [`SUPPORTED_SOURCE_CHAIN_IDS`].
    pub source_chain_id: u64,
    /// The transaction on the source chain (zero on chain when `None`); required for trust
    /// level 1.
    pub source_tx_hash: Option<B256>,
    /// Raw bytes stored with the event (at most 4096 bytes, enforced by the contract).
    pub metadata: Vec<u8>,
}

impl SubmitEventParams {
    /// An event with the defaults of a self-reported, off-chain event: currency omitted (smart
    /// default for single events), no raw data, trust level 0, source chain 0, no source
    /// transaction, empty metadata.
    pub const fn new(machine_id: U256, event_type: EventType, value: U256, timestamp: u64) -> Self {
        Self {
            machine_id,
            event_type: event_type as u8,
            value,
            currency: None,
            timestamp,
            raw_data: None,
            trust_level: TrustLevel::SelfReported as u8,
            source_chain_id: 0,
            source_tx_hash: None,
            metadata: Vec::new(),
        }
    }

    /// With an explicit currency.
    #[must_use]
    pub fn with_currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = Some(currency.into());
        self
    }

    /// With raw data (hashed into `dataHash`).
    #[must_use]
    pub fn with_raw_data(mut self, raw_data: impl Into<Vec<u8>>) -> Self {
        self.raw_data = Some(raw_data.into());
        self
    }

    /// With a trust level.
    #[must_use]
    pub const fn with_trust_level(mut self, trust_level: TrustLevel) -> Self {
        self.trust_level = trust_level as u8;
        self
    }

    /// With a source chain id.
    #[must_use]
    pub const fn with_source_chain_id(mut self, source_chain_id: u64) -> Self {
        self.source_chain_id = source_chain_id;
        self
    }

    /// With a source transaction hash.
    #[must_use]
    pub const fn with_source_tx_hash(mut self, source_tx_hash: B256) -> Self {
        self.source_tx_hash = Some(source_tx_hash);
        self
    }

    /// With metadata bytes.
    #[must_use]
    pub fn with_metadata(mut self, metadata: impl Into<Vec<u8>>) -> Self {
        self.metadata = metadata.into();
        self
    }

    /// The currency the single-event path sends: the given one, or the smart default (`USD` for
    /// revenue, empty otherwise).
    pub fn resolved_currency(&self) -> &str {
        match &self.currency {
            Some(c) => c,
            None if self.event_type == EventType::Revenue as u8 => {
                EventType::Revenue.default_currency()
            }
            None => EventType::Activity.default_currency(),
        }
    }

    /// These parameters with the smart currency default applied (the single-event path).
    #[must_use]
    pub fn with_default_currency(mut self) -> Self {
        if self.currency.is_none() {
            self.currency = Some(self.resolved_currency().to_owned());
        }
        self
    }

    /// The `dataHash` sent on chain: keccak256 of `raw_data`, or 32 zero bytes without it.
    pub fn data_hash(&self) -> B256 {
        self.raw_data.as_deref().map_or(B256::ZERO, keccak256)
    }
}

fn err(field: &str, constraint: &str, message: &str, value: impl Into<String>) -> ValidationError {
    ValidationError::new(field, constraint, message).with_value(value)
}

/// Checks every field of `params`, in the official client's order; the first failure wins (see
/// the [module docs](self) for the table).
pub fn validate_submit_event_params(params: &SubmitEventParams) -> Result<(), ValidationError> {
    if params.machine_id.is_zero() {
        return Err(err(
            "machine_id",
            "> 0",
            "machine_id must be a positive integer",
            params.machine_id.to_string(),
        ));
    }
    if EventType::try_from(params.event_type).is_err() {
        return Err(err(
            "event_type",
            "0 or 1",
            "event_type must be 0 or 1",
            params.event_type.to_string(),
        ));
    }
    // Rules 3 and 4 (an integer, >= 0): `value` is a U256.
    if TrustLevel::try_from(params.trust_level).is_err() {
        return Err(err(
            "trust_level",
            "0, 1, or 2",
            "trust_level must be 0, 1, or 2",
            params.trust_level.to_string(),
        ));
    }
    if !SUPPORTED_SOURCE_CHAIN_IDS.contains(&params.source_chain_id) {
        return Err(err(
            "source_chain_id",
            "supported chain",
            "source_chain_id must be a supported chain ID (0, 3338, or 8453)",
            params.source_chain_id.to_string(),
        ));
    }
    if params.raw_data.as_ref().is_some_and(Vec::is_empty) {
        return Err(err(
            "raw_data",
            "non-empty",
            "raw_data must not be empty when provided",
            "0x",
        ));
    }
    // Rule 8 (66 characters): `source_tx_hash` is a B256.
    if params.timestamp == 0 {
        return Err(err(
            "timestamp",
            "> 0",
            "timestamp must be a positive integer",
            "0",
        ));
    }
    if params.trust_level == TrustLevel::OnChainVerifiable as u8 && params.source_tx_hash.is_none()
    {
        return Err(err(
            "source_tx_hash",
            "required when trust_level is 1",
            "source_tx_hash is required when trust_level is 1 (on-chain verifiable)",
            "None",
        ));
    }
    match &params.currency {
        None => Ok(()),
        Some(c) => validate_event_currency(params.event_type, c),
    }
}

/// Rule 11: the currency of an event of `event_type` (0 revenue: `^[A-Z0-9]{3,10}$`, anchored,
/// no trailing newline; 1 activity: empty). Other event types are not checked (rule 2 rejects
/// them first).
pub fn validate_event_currency(event_type: u8, currency: &str) -> Result<(), ValidationError> {
    if event_type == EventType::Revenue as u8 {
        let shape_ok = (CURRENCY_MIN_LEN..=CURRENCY_MAX_LEN).contains(&currency.len())
            && currency
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !shape_ok {
            return Err(err(
                "currency",
                "^[A-Z0-9]{3,10}$",
                "revenue events require currency matching ^[A-Z0-9]{3,10}$ (uppercase \
                 alphanumeric, 3-10 chars)",
                currency,
            ));
        }
    } else if event_type == EventType::Activity as u8 && !currency.is_empty() {
        return Err(err(
            "currency",
            "must be \"\"",
            "activity events require an empty currency string",
            currency,
        ));
    }
    Ok(())
}

/// The error of a batch event without a currency: batches have no smart default (field
/// `currency`, constraint `required key in batch event dict`, the official client's wording).
pub fn batch_currency_required() -> ValidationError {
    ValidationError::new(
        "currency",
        "required key in batch event dict",
        "'currency' is required per event in batch_submit_events; include it in the event dict \
         (no smart default in batch mode)",
    )
    .with_value("None")
}

/// The error of an empty batch (field `events`).
pub fn batch_events_required() -> ValidationError {
    ValidationError::new(
        "events",
        "non-empty list",
        "events must contain at least one item",
    )
    .with_value("[]")
}

/// Parses a source transaction hash given as text: exactly 66 characters, `0x` (or `0X`) and
/// 64 hex digits, else the rule-8 error (field `source_tx_hash`, constraint `32 bytes`). The
/// official client checks only the length and lets the encoder choke on non-hex text; here
/// both give the validation error.
pub fn parse_source_tx_hash(text: &str) -> Result<B256, ValidationError> {
    let bad = || {
        err(
            "source_tx_hash",
            "32 bytes",
            "source_tx_hash must be a 0x-prefixed 32-byte hex string (66 chars)",
            text,
        )
    };
    if text.len() != 66 {
        return Err(bad());
    }
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(bad)?;
    let mut out = [0u8; 32];
    alloy::hex::decode_to_slice(hex, &mut out).map_err(|_| bad())?;
    Ok(B256::from(out))
}

/// Parses an event value given as text (rules 3 and 4): a non-negative decimal integer in ISO
/// 4217 minor units. A negative integer gives the rule-4 error (field `value`, constraint
/// `>= 0`, `value must be non-negative`); anything else that is not an integer (a decimal
/// amount, a word, an empty string) gives field `value`, constraint `subunit integer` and the
/// official client's type-guard message (there a `TypeError`).
pub fn parse_event_value(text: &str) -> Result<U256, ValidationError> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = text.strip_prefix('-')
        && digits(rest)
    {
        if rest.bytes().all(|b| b == b'0') {
            return Ok(U256::ZERO);
        }
        return Err(err("value", ">= 0", "value must be non-negative", text));
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if digits(unsigned)
        && let Ok(v) = unsigned.parse::<U256>()
    {
        return Ok(v);
    }
    let kind = if text.parse::<f64>().is_ok() {
        "float"
    } else {
        "str"
    };
    Err(err(
        "value",
        "subunit integer",
        &format!(
            "value must be a subunit integer (e.g. HK$1.23 → value=123, currency='HKD'); got \
             {kind}. Use ISO 4217 minor units; partner is responsible for conversion."
        ),
        text,
    ))
}

// ---------------------------------------------------------------------------- DID

/// The allowed `data_visibility` values, sorted as the official client prints them.
const VISIBILITY_LIST: &str = "['onchain', 'private', 'public']";

/// Parses a `data_visibility` value: exactly `public`, `private` or `onchain` (field
/// `data_visibility`, constraint `one of ['onchain', 'private', 'public']`).
pub fn validate_data_visibility(text: &str) -> Result<DataVisibility, ValidationError> {
    text.parse::<DataVisibility>().map_err(|_| {
        err(
            "data_visibility",
            &format!("one of {VISIBILITY_LIST}"),
            &format!("data_visibility must be one of {VISIBILITY_LIST}"),
            text,
        )
    })
}

/// Checks one attribute as the DID precompile encoder does: the name ASCII and at most
/// [`DID_MAX_NAME_BYTES`] (64) bytes (field `name`), the value ASCII and at most
/// [`DID_MAX_VALUE_BYTES`] (2560) bytes (field `value`). An empty value is allowed.
pub fn validate_did_attribute(name: &str, value: &str) -> Result<(), ValidationError> {
    if !name.is_ascii() {
        return Err(err(
            "name",
            "ASCII string",
            "DID attribute name must contain only ASCII characters",
            name,
        ));
    }
    if name.len() > DID_MAX_NAME_BYTES {
        return Err(err(
            "name",
            &format!("at most {DID_MAX_NAME_BYTES} bytes"),
            &format!("DID attribute name must be at most {DID_MAX_NAME_BYTES} bytes"),
            name,
        ));
    }
    if !value.is_ascii() {
        return Err(err(
            "value",
            "ASCII string",
            "DID attribute value must contain only ASCII characters",
            value,
        ));
    }
    if value.len() > DID_MAX_VALUE_BYTES {
        return Err(err(
            "value",
            &format!("at most {DID_MAX_VALUE_BYTES} bytes"),
            &format!("DID attribute value must be at most {DID_MAX_VALUE_BYTES} bytes"),
            value,
        ));
    }
    Ok(())
}

/// Checks a list of attributes for one batch write: non-empty (field `attributes`), then each
/// with [`validate_did_attribute`] in order.
pub fn validate_did_attributes<N: AsRef<str>, V: AsRef<str>>(
    attributes: &[(N, V)],
) -> Result<(), ValidationError> {
    if attributes.is_empty() {
        return Err(err(
            "attributes",
            "non-empty list",
            "attributes must not be empty",
            "[]",
        ));
    }
    attributes
        .iter()
        .try_for_each(|(n, v)| validate_did_attribute(n.as_ref(), v.as_ref()))
}

/// A DID value field (`documentation_url`, `data_api`, `operator_did`): ASCII, at most 2560
/// bytes.
fn validate_did_value(field: &str, value: &str) -> Result<(), ValidationError> {
    if !value.is_ascii() {
        return Err(err(
            field,
            "ASCII string",
            &format!("{field} must contain only ASCII characters"),
            value,
        ));
    }
    if value.len() > DID_MAX_VALUE_BYTES {
        return Err(err(
            field,
            &format!("at most {DID_MAX_VALUE_BYTES} bytes"),
            &format!("{field} must be at most {DID_MAX_VALUE_BYTES} bytes"),
            value,
        ));
    }
    Ok(())
}

/// Checks the inputs of a machine DID write, in the official client's order: `machine_id` > 0,
/// `nft_token_id` > 0, `data_visibility` one of the three, `documentation_url` then `data_api`
/// non-empty / ASCII / at most 2560 bytes, `operator_did` ASCII / at most 2560 bytes (may be
/// empty).
pub fn validate_machine_did_attrs(
    machine_id: U256,
    nft_token_id: U256,
    operator_did: &str,
    documentation_url: &str,
    data_api: &str,
    data_visibility: &str,
) -> Result<(), ValidationError> {
    if machine_id.is_zero() {
        return Err(err(
            "machine_id",
            "positive integer",
            "machine_id must be a positive integer",
            "0",
        ));
    }
    if nft_token_id.is_zero() {
        return Err(err(
            "nft_token_id",
            "positive integer",
            "nft_token_id must be a positive integer",
            "0",
        ));
    }
    validate_data_visibility(data_visibility)?;
    for (field, value) in [
        ("documentation_url", documentation_url),
        ("data_api", data_api),
    ] {
        if value.is_empty() {
            return Err(err(
                field,
                "non-empty string",
                &format!("{field} must not be empty"),
                "",
            ));
        }
        validate_did_value(field, value)?;
    }
    validate_did_value("operator_did", operator_did)
}

/// The `machines` attribute value: the ids as Python's `json.dumps` prints a list, `[42, 43]`
/// (a space after each comma), `[42]` for one, `[]` for none.
pub fn machines_json(machine_ids: &[U256]) -> String {
    let ids: Vec<String> = machine_ids.iter().map(U256::to_string).collect();
    format!("[{}]", ids.join(", "))
}

/// Checks the inputs of a proxy DID write, in the official client's order:
/// `proxy_machine_id` > 0, `machine_ids` non-empty, each id > 0 (field `machine_ids[i]`), the JSON value at most
/// 2560 bytes (field `machine_ids`).
pub fn validate_proxy_did_attrs(
    proxy_machine_id: U256,
    machine_ids: &[U256],
) -> Result<(), ValidationError> {
    if proxy_machine_id.is_zero() {
        return Err(err(
            "proxy_machine_id",
            "positive integer",
            "proxy_machine_id must be a positive integer",
            "0",
        ));
    }
    if machine_ids.is_empty() {
        return Err(err(
            "machine_ids",
            "non-empty list",
            "machine_ids must not be empty",
            "[]",
        ));
    }
    if let Some(idx) = machine_ids.iter().position(U256::is_zero) {
        let field = format!("machine_ids[{idx}]");
        return Err(err(
            &field,
            "positive integer",
            &format!("{field} must be a positive integer"),
            "0",
        ));
    }
    let json = machines_json(machine_ids);
    if json.len() > DID_MAX_VALUE_BYTES {
        return Err(err(
            "machine_ids",
            &format!("JSON-encoded value at most {DID_MAX_VALUE_BYTES} bytes"),
            &format!("machine_ids JSON encoding exceeds {DID_MAX_VALUE_BYTES} bytes"),
            json,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_default() {
        let p = SubmitEventParams::new(U256::from(1), EventType::Revenue, U256::ZERO, 1);
        assert_eq!(p.resolved_currency(), "USD");
        let p = SubmitEventParams::new(U256::from(1), EventType::Activity, U256::ZERO, 1);
        assert_eq!(
            p.clone().with_default_currency().currency.as_deref(),
            Some("")
        );
        assert_eq!(
            p.with_currency("X")
                .with_default_currency()
                .currency
                .as_deref(),
            Some("X")
        );
    }
}
