//! Revenue and activity events: `EventRegistry.submitEvent`, one at a time or many in one
//! `batchAll` transaction, plus reads of stored events.
//!
//! Each submission is validated ([`validate_submit_event_params`]), checked against the client's
//! operational limits ([`crate::limits`]), and encoded as
//! `submitEvent(machineId, eventType, value, currency, timestamp, dataHash, trustLevel,
//! sourceChainId, sourceTxHash, metadata)` (currency is the 4th argument), where `dataHash` is
//! keccak256 of the raw data (zero without it) and `sourceTxHash` is zero when absent.
//!
//! Single events get the smart currency default (omitted → `USD` for revenue, empty for
//! activity); batch events must name their currency. Contract reverts keep their code and get
//! the official client's event wording (`Machine ID 7 does not exist`, …).

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::{SolCall, SolError},
};
use peaqos_contracts::bindings::{BatchPrecompile, EventRegistry};

use crate::{
    Error, Result,
    client::PeaqosClient,
    error::{RpcCode, RpcFailure},
    validation::{
        SubmitEventParams, batch_currency_required, batch_events_required,
        validate_submit_event_params,
    },
};

/// Above this many events a batch logs a warning (it may not fit in a block).
pub const BATCH_WARN_THRESHOLD: usize = 100;

/// One stored event, as `EventRegistry.getEvents` / `getEventAt` return it.
pub type MachineEvent = EventRegistry::MachineEvent;

/// keccak256 of `raw_data`: the `dataHash` an event stores.
///
/// ```
/// use peaqos_sdk::events::compute_data_hash;
/// assert_eq!(
///     compute_data_hash(b"hello").to_string(),
///     "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8"
/// );
/// ```
pub fn compute_data_hash(raw_data: &[u8]) -> B256 {
    keccak256(raw_data)
}

/// `submitEvent` calldata for `params`, with `currency` as given or the smart default (no
/// validation; see [`validate_submit_event_params`]).
pub fn encode_submit_event(params: &SubmitEventParams) -> Bytes {
    EventRegistry::submitEventCall {
        machineId: params.machine_id,
        eventType: params.event_type,
        value: params.value,
        currency: params.resolved_currency().to_owned(),
        timestamp: U256::from(params.timestamp),
        dataHash: params.data_hash(),
        trustLevel: params.trust_level,
        sourceChainId: U256::from(params.source_chain_id),
        sourceTxHash: params.source_tx_hash.unwrap_or_default(),
        metadata: Bytes::copy_from_slice(&params.metadata),
    }
    .abi_encode()
    .into()
}

/// `batchAll(to = [target] × n, value = [0] × n, callData = calls, gasLimit = [0] × n)`
/// calldata for the Batch precompile (every subcall to the same contract, no value, all
/// remaining gas).
pub fn encode_batch_all(target: Address, calls: Vec<Bytes>) -> Bytes {
    let n = calls.len();
    BatchPrecompile::batchAllCall {
        to: vec![target; n],
        value: vec![U256::ZERO; n],
        callData: calls,
        gasLimit: vec![0; n],
    }
    .abi_encode()
    .into()
}

/// Rewords an event-path revert as the official client does (the code is unchanged):
/// `machine_ids` are the distinct machines of the submission.
fn map_event_error(err: Error, machine_ids: &[U256]) -> Error {
    use EventRegistry as E;
    let Error::Rpc {
        failure,
        message,
        tx_hash,
        source,
    } = err
    else {
        return err;
    };
    let single = match machine_ids {
        [one] => Some(*one),
        _ => None,
    };
    let selector = match &failure {
        RpcFailure::Reverted(r) if r.is_custom() => r.selector().map(|s| s.0),
        _ => None,
    };
    let reworded = match (selector, single) {
        (Some(<E::MachineNotFound as SolError>::SELECTOR), Some(id)) => {
            Some(format!("Machine ID {id} does not exist"))
        }
        (Some(<E::MachineNotFound as SolError>::SELECTOR), None) => {
            Some("One or more machine IDs in this batch do not exist".to_owned())
        }
        (Some(<E::MachineNotBonded as SolError>::SELECTOR), Some(id)) => {
            Some(format!("Machine ID {id} is not bonded"))
        }
        (Some(<E::MachineNotBonded as SolError>::SELECTOR), None) => {
            Some("One or more machines in this batch are not bonded".to_owned())
        }
        (Some(<E::MachineDeactivated as SolError>::SELECTOR), Some(id)) => {
            Some(format!("Machine ID {id} is deactivated"))
        }
        (Some(<E::MachineDeactivated as SolError>::SELECTOR), None) => {
            Some("One or more machines in this batch are deactivated".to_owned())
        }
        (Some(<E::NotAuthorizedSubmitter as SolError>::SELECTOR), Some(id)) => Some(format!(
            "Caller is not authorized to submit events for machine {id}"
        )),
        (Some(<E::NotAuthorizedSubmitter as SolError>::SELECTOR), None) => {
            Some("Caller is not authorized to submit one or more machines in this batch".to_owned())
        }
        (Some(<E::InvalidEventType as SolError>::SELECTOR), _) => {
            Some("Invalid event type".to_owned())
        }
        (Some(<E::InvalidTrustLevel as SolError>::SELECTOR), _) => {
            Some("Invalid trust level".to_owned())
        }
        _ => None,
    };
    Error::Rpc {
        failure,
        message: reworded.unwrap_or(message),
        tx_hash,
        source,
    }
}

impl PeaqosClient {
    /// Submits one event to the EventRegistry; returns `(tx_hash, data_hash)`.
    ///
    /// Steps: the smart currency default (omitted → `USD` for revenue, empty for activity),
    /// [`validate_submit_event_params`], the operational limits (a rate-limit slot is reserved
    /// and rolled back if the transaction fails), then one `submitEvent` transaction.
    ///
    /// Errors: [`Error::Validation`], [`Error::ValueCapExceeded`], [`Error::RateLimitExceeded`]
    /// (nothing sent), [`Error::Rpc`] (contract reverts keep their code — `MachineNotFound`,
    /// `NotAuthorizedSubmitter`, `InvalidCurrencyShape`, `FutureTimestamp`, `MetadataTooLarge`,
    /// … or `TX_REVERTED` — with the official event wording, e.g.
    /// `Machine ID 7 does not exist`).
    pub async fn submit_event(&self, params: SubmitEventParams) -> Result<(B256, B256)> {
        let params = params.with_default_currency();
        let reservation = self.reserve_event_slots(&[(params.machine_id, params.value)], |_| {
            validate_submit_event_params(&params).map_err(Error::from)
        })?;
        let data_hash = params.data_hash();
        let to = self.contracts().event_registry;
        match self
            .send_call(to, encode_submit_event(&params), U256::ZERO)
            .await
        {
            Ok(outcome) => Ok((outcome.tx_hash, data_hash)),
            Err(e) => {
                reservation.release(self);
                Err(map_event_error(e, &[params.machine_id]))
            }
        }
    }

    /// Submits `events` atomically in one `batchAll` transaction to the Batch precompile (all
    /// land or none); returns one hash per event, all the same transaction's.
    ///
    /// Every event must name its currency (no smart default in a batch: field `currency`,
    /// constraint `required key in batch event dict`); each is validated and checked against
    /// the operational limits in order (earlier events of the batch count towards the rate
    /// limit) before anything is sent. An empty list is a validation error (field `events`);
    /// more than [`BATCH_WARN_THRESHOLD`] events only logs a warning.
    ///
    /// Errors: as [`submit_event`](Self::submit_event); contract reverts name the machine when
    /// the batch has one, else use the plural wording (`One or more machine IDs in this batch
    /// do not exist`, …).
    pub async fn batch_submit_events(&self, events: &[SubmitEventParams]) -> Result<Vec<B256>> {
        if events.is_empty() {
            return Err(batch_events_required().into());
        }
        if events.len() > BATCH_WARN_THRESHOLD {
            tracing::warn!(
                events = events.len(),
                "batch_submit_events: received {} events. Batches above {BATCH_WARN_THRESHOLD} \
                 may exceed block gas limits.",
                events.len()
            );
        }
        let slots: Vec<(U256, U256)> = events.iter().map(|e| (e.machine_id, e.value)).collect();
        let reservation = self.reserve_event_slots(&slots, |i| {
            let event = &events[i];
            if event.currency.is_none() {
                return Err(batch_currency_required().into());
            }
            validate_submit_event_params(event).map_err(Error::from)
        })?;
        let calls = events.iter().map(encode_submit_event).collect();
        let data = encode_batch_all(self.contracts().event_registry, calls);
        match self
            .send_call(self.contracts().batch_precompile, data, U256::ZERO)
            .await
        {
            Ok(outcome) => Ok(vec![outcome.tx_hash; events.len()]),
            Err(e) => {
                reservation.release(self);
                let mut machines: Vec<U256> = events.iter().map(|e| e.machine_id).collect();
                machines.sort_unstable();
                machines.dedup();
                Err(map_event_error(e, &machines))
            }
        }
    }

    /// How many events `machine_id` has in the EventRegistry (`getEventCount`).
    pub async fn event_count(&self, machine_id: U256) -> Result<U256> {
        let call = EventRegistry::getEventCountCall {
            machineId: machine_id,
        };
        let raw = self
            .call_view(self.contracts().event_registry, call.abi_encode().into())
            .await?;
        EventRegistry::getEventCountCall::abi_decode_returns(&raw).map_err(|e| {
            Error::rpc(
                RpcCode::RpcError,
                format!("cannot decode getEventCount: {e}"),
            )
        })
    }

    /// Up to `limit` stored events of `machine_id` from index `offset`, oldest first
    /// (`getEvents`; the contract caps `limit` at `MAX_QUERY_LIMIT`).
    pub async fn get_events(
        &self,
        machine_id: U256,
        offset: U256,
        limit: U256,
    ) -> Result<Vec<MachineEvent>> {
        let call = EventRegistry::getEventsCall {
            machineId: machine_id,
            offset,
            limit,
        };
        let raw = self
            .call_view(self.contracts().event_registry, call.abi_encode().into())
            .await?;
        EventRegistry::getEventsCall::abi_decode_returns(&raw)
            .map_err(|e| Error::rpc(RpcCode::RpcError, format!("cannot decode getEvents: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_hash() {
        // The wire contract's example: raw `hello`.
        assert!(
            compute_data_hash(b"hello")
                .to_string()
                .starts_with("0x1c8aff95")
        );
    }

    #[test]
    fn reworded_reverts() {
        use crate::revert::Revert;
        let revert = |data: Vec<u8>| Error::reverted(Revert::decode(&data), "x");
        let e = map_event_error(
            revert(EventRegistry::MachineNotFound {}.abi_encode()),
            &[U256::from(7)],
        );
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("MachineNotFound", "Machine ID 7 does not exist")
        );
        let e = map_event_error(
            revert(EventRegistry::MachineNotBonded {}.abi_encode()),
            &[U256::from(1), U256::from(2)],
        );
        assert_eq!(
            e.to_string(),
            "One or more machines in this batch are not bonded"
        );
        let e = map_event_error(
            Error::reverted(Revert::Unknown(Bytes::new()), "keep"),
            &[U256::from(1)],
        );
        assert_eq!(e.to_string(), "keep");
    }
}
