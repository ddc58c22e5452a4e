//! The machine profile (`/machine/{did}`, `/metadata/{token_id}`) and the Machine Card
//! (`/machines/{machine_id}`).

use std::{collections::BTreeMap, sync::Arc, sync::atomic::Ordering};

use alloy::primitives::Address;
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use peaqos_mcr_model::convert_to_usd_cents;
use peaqos_types::{
    EventType,
    api::{
        EventEntry, EventKind, MACHINE_CARD_TYPE, MACHINE_PROFILE_SCHEMA_VERSION,
        MAX_EVENT_DATA_ENTRIES, MachineCard, MachineCardRegistration, MachineCardService,
        MachineProfileResponse, PeaqosData, RevenueAmount,
    },
    constants::{DID_ATTR_DATA_API, DID_ATTR_DATA_VISIBILITY, DID_ATTR_DOCUMENTATION_URL},
    event::DataVisibility,
};

use serde_json::{Map, Value};

use super::{
    ApiError, AppState, Shared, did_of,
    errors::{PathParam, path_id},
    parse_did,
};
use crate::{scoring::Computed, store::StoredEvent};

type Attributes = BTreeMap<Vec<u8>, Vec<u8>>;

pub(crate) fn attr(attrs: &Attributes, name: &str) -> Option<String> {
    attrs
        .get(name.as_bytes())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The `data_visibility` attribute; `private` when missing or unrecognised.
pub(crate) fn visibility(attrs: &Attributes) -> DataVisibility {
    attr(attrs, DID_ATTR_DATA_VISIBILITY)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DataVisibility::Private)
}

pub(super) async fn get_machine(
    State(s): State<AppState>,
    PathParam(did): PathParam,
) -> Result<Response, ApiError> {
    let wallet = parse_did(&did)?;
    s.ensure_ready()?;
    let c = s
        .score_wallet(wallet)
        .await?
        .ok_or_else(ApiError::not_registered)?;
    let token = s.store.token_of_machine(c.machine.machine_id).await?;
    Ok(Json(profile(&s, &c, token).await?).into_response())
}

pub(super) async fn get_metadata(
    State(s): State<AppState>,
    PathParam(token_id): PathParam,
) -> Result<Response, ApiError> {
    let token_id = path_id("token_id", &token_id)?;
    s.ensure_ready()?;
    let machine_id = s
        .store
        .machine_of_token(token_id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Token not found"))?;
    let c = s
        .score_machine_cached(machine_id)
        .await?
        .ok_or_else(ApiError::not_registered)?;
    Ok(Json(profile(&s, &c, Some(token_id)).await?).into_response())
}

/// The profile of a scored machine.
pub(crate) async fn profile(
    s: &Shared,
    c: &Arc<Computed>,
    token: Option<u64>,
) -> Result<MachineProfileResponse, ApiError> {
    let m = &c.machine;
    let attrs = s.store.did_attributes(m.wallet).await?;
    let visibility = visibility(&attrs);
    let data_api = attr(&attrs, DID_ATTR_DATA_API).filter(|v| !v.is_empty());
    let mut peaqos = PeaqosData {
        machine_id: m.machine_id,
        did: did_of(m.wallet),
        operator: m.operator.map(did_of),
        mcr: c.rating(),
        mcr_score: c.score.score,
        bond_status: c.bond_status(),
        negative_flag: c.negative_flag,
        event_count: c.score.event_count,
        data_visibility: visibility.to_string(),
        documentation_url: attr(&attrs, DID_ATTR_DOCUMENTATION_URL),
        data_api: None,
        event_data: None,
        partner_data: None,
        partner_data_error: None,
    };
    match visibility {
        DataVisibility::Private => peaqos.data_api = data_api,
        DataVisibility::Onchain => {
            let limit = u32::try_from(MAX_EVENT_DATA_ENTRIES).unwrap_or(100);
            let events = s.store.events_page(m.machine_id, 0, limit).await?;
            peaqos.event_data = Some(events.iter().map(|e| event_entry(s, e)).collect());
        }
        DataVisibility::Public => match data_api {
            None => peaqos.partner_data_error = Some("data_api is not set".into()),
            Some(url) => match s.partner.fetch(&url).await {
                Ok(obj) => peaqos.partner_data = Some(obj),
                Err(why) => peaqos.partner_data_error = Some(why.to_owned()),
            },
        },
    }
    Ok(MachineProfileResponse {
        schema_version: MACHINE_PROFILE_SCHEMA_VERSION.into(),
        name: token.map_or_else(|| "Machine (no NFT)".into(), |t| format!("Machine #{t}")),
        peaqos,
    })
}

/// An `event_data` entry: metadata parsed, revenue converted to USD cents.
pub(crate) fn event_entry(s: &Shared, e: &StoredEvent) -> EventEntry {
    let origin_value = u128::try_from(e.value).unwrap_or(u128::MAX);
    let kind = if e.event_type == u8::from(EventType::Revenue) {
        let conv = convert_to_usd_cents(origin_value, &e.currency, e.timestamp, s.fx.as_ref());
        EventKind::Revenue(RevenueAmount {
            origin_currency: e.currency.clone(),
            usd_value: conv.usd_cents,
            origin_subunit: conv.origin_subunit,
            amount_status: conv.amount_status,
        })
    } else {
        EventKind::Activity
    };
    EventEntry {
        origin_value,
        timestamp: e.timestamp,
        trust_level: e.trust_level,
        metadata: metadata_object(&e.metadata),
        kind,
    }
}

/// Event metadata as a JSON object: a JSON object as is; empty → `{}`; other JSON →
/// `{"value": …}`; bytes that are not JSON → `{"raw": "0x…"}`.
pub fn metadata_object(bytes: &[u8]) -> Map<String, Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Map::new();
    }
    let single = |key: &str, value| Map::from_iter([(key.to_owned(), value)]);
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => o,
        Ok(other) => single("value", other),
        Err(_) => single(
            "raw",
            Value::String(format!("0x{}", alloy::hex::encode(bytes))),
        ),
    }
}

pub(super) async fn get_machine_card(
    State(s): State<AppState>,
    PathParam(machine_id): PathParam,
) -> Result<Response, ApiError> {
    let machine_id = path_id("machine_id", &machine_id)?;
    s.ensure_ready()?;
    let Some(m) = s.store.machine(machine_id).await? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Machine not found"));
    };
    if m.wallet == Address::ZERO {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "Machine wallet not found",
        ));
    }
    let attrs = s.store.did_attributes(m.wallet).await?;
    let stats = s.store.event_stats(machine_id).await?;
    let data_api = attr(&attrs, DID_ATTR_DATA_API).filter(|v| !v.is_empty());
    let registry = s.contracts.map(|c| c.identity_registry).unwrap_or_default();
    let chain_id = s.chain_id().await;
    Ok(Json(MachineCard {
        kind: MACHINE_CARD_TYPE.into(),
        name: format!("Machine #{machine_id}"),
        description: "peaqOS machine".into(),
        did: did_of(m.wallet),
        active: true,
        services: data_api
            .map(|endpoint| {
                vec![MachineCardService {
                    name: "web".into(),
                    endpoint,
                }]
            })
            .unwrap_or_default(),
        data_visibility: visibility(&attrs).to_string(),
        documentation_url: attr(&attrs, DID_ATTR_DOCUMENTATION_URL).unwrap_or_default(),
        operator: m.operator.map(did_of),
        bond_status: if m.bonded {
            peaqos_types::api::BondStatus::Bonded
        } else {
            peaqos_types::api::BondStatus::Unbonded
        },
        event_count: stats.count,
        registrations: vec![MachineCardRegistration {
            kind: MACHINE_CARD_TYPE.into(),
            machine_id,
            machine_registry: format!("eip155:{chain_id}:{registry}"),
        }],
    })
    .into_response())
}

impl Shared {
    /// The chain id, read from the RPC once (peaq's 3338 when it cannot be read).
    async fn chain_id(&self) -> u64 {
        match self.chain_id.load(Ordering::Relaxed) {
            0 => {
                let id = match &self.chain {
                    Some(chain) => chain.chain_id().await.ok(),
                    None => None,
                };
                match id {
                    Some(id) => {
                        self.chain_id.store(id, Ordering::Relaxed);
                        id
                    }
                    None => peaqos_types::constants::PEAQ_CHAIN_ID,
                }
            }
            id => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_shapes() {
        assert!(metadata_object(b"").is_empty());
        assert_eq!(
            metadata_object(br#"{"k":"v"}"#).get("k"),
            Some(&Value::String("v".into()))
        );
        assert!(metadata_object(b"[1]").contains_key("value"));
        assert_eq!(
            metadata_object(&[0xff, 0x00]).get("raw"),
            Some(&Value::String("0xff00".into()))
        );
    }
}
