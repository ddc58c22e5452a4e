//! `GET /operator/{did}/machines`.

use serde::{Deserialize, Serialize};

use super::{McrRating, mcr_score, non_empty_string, objects_only};

/// `GET /operator/{did}/machines`: one page of an operator's machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorMachinesResponse {
    /// The operator DID (echo of the path value).
    pub operator_did: String,
    /// The machines of this page (unregistered ids are dropped, so a page can be shorter than
    /// `limit`).
    pub machines: Vec<OperatorMachine>,
    /// Where this page is.
    pub pagination: Pagination,
}

/// One machine of an operator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorMachine {
    /// `did:peaq:<machine wallet>`.
    pub did: String,
    /// The on-chain machine id.
    pub machine_id: u64,
    /// The score, 0–100 (a `null` score reads as 0).
    pub mcr_score: u8,
    /// The rating letter.
    pub mcr: McrRating,
    /// The negative-event flag.
    pub negative_flag: bool,
}

/// The `pagination` object of [`OperatorMachinesResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// The requested offset.
    pub offset: u64,
    /// The requested page size.
    pub limit: u64,
    /// The number of valid machine ids in the operator's `machines` attribute.
    pub total: u64,
}

objects_only!(
    OperatorMachinesResponse => OperatorMachinesResponseWire,
    OperatorMachine => OperatorMachineWire,
    Pagination => PaginationWire,
);

// The wire forms (same fields, with the serde rules).

#[derive(Serialize, Deserialize)]
#[serde(remote = "OperatorMachinesResponse")]
struct OperatorMachinesResponseWire {
    #[serde(deserialize_with = "non_empty_string")]
    operator_did: String,
    machines: Vec<OperatorMachine>,
    pagination: Pagination,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "OperatorMachine")]
struct OperatorMachineWire {
    #[serde(deserialize_with = "non_empty_string")]
    did: String,
    machine_id: u64,
    #[serde(default, deserialize_with = "mcr_score")]
    mcr_score: u8,
    mcr: McrRating,
    negative_flag: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Pagination")]
struct PaginationWire {
    offset: u64,
    limit: u64,
    total: u64,
}
