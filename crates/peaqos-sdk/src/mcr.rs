//! The MCR API client: a machine's credit rating (`GET /mcr/{did}`), its profile
//! (`GET /machine/{did}`) and an operator's machines (`GET /operator/{did}/machines`).
//!
//! The response types live in [`peaqos_types::api`] and are checked as strictly as the
//! official SDK checks them (a missing or ill-typed key is [`BAD_RESPONSE`]; a `null`
//! `mcr_score` reads as 0).
//!
//! | condition | [`Error::Api`] code | status |
//! | --- | --- | --- |
//! | 404 | [`NOT_FOUND`] | 404 |
//! | 503 | [`SERVICE_UNAVAILABLE`] | 503 |
//! | other 5xx | [`SERVER_ERROR`] | the status |
//! | other non-2xx (400, 422, 429, …) | [`HTTP_ERROR`] | the status |
//! | 2xx that is not JSON, or fails the response guard | [`BAD_RESPONSE`] | the status |
//! | no answer within the timeout (default 30 s) | [`TIMEOUT`] | — |
//! | transport failure | [`NETWORK_ERROR`] | — |
//!
//! The server's `detail` string, when there is one, is appended to the message. The DID is
//! checked (`did:peaq:0x` + 40 hex digits) before anything is sent, and goes into the path as
//! given, not percent-encoded.
//!
//! ```no_run
//! # async fn demo() -> peaqos_sdk::Result<()> {
//! use peaqos_sdk::mcr::McrClient;
//!
//! let mcr = McrClient::new(reqwest::Client::new(), "https://mcr.peaq.xyz");
//! let rating = mcr.query_mcr("did:peaq:0xabc1230000000000000000000000000000000001").await?;
//! println!("{} ({})", rating.mcr, rating.mcr_score);
//! # Ok(()) }
//! ```

use peaqos_types::{
    Did,
    api::{
        MachineProfileResponse, McrResponse, OPERATOR_MACHINES_MAX_LIMIT, OperatorMachinesResponse,
        Pagination,
    },
};
use serde::de::DeserializeOwned;

pub use crate::http::{
    BAD_RESPONSE, HTTP_ERROR, NETWORK_ERROR, NOT_FOUND, SERVER_ERROR, SERVICE_UNAVAILABLE, TIMEOUT,
};
use crate::{
    Error, Result, ValidationError,
    client::PeaqosClient,
    http::{self, ApiCode, Reply, Service},
};

/// The codes an MCR API call fails with (besides `VALIDATION_ERROR` for a bad DID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum McrErrorCode {
    /// HTTP 404: the DID, machine or token is unknown to the MCR API.
    NotFound,
    /// The response was not JSON or had an unexpected shape.
    BadResponse,
    /// An unhandled non-2xx status (400, 422, 429, …).
    HttpError,
    /// HTTP 5xx other than 503.
    ServerError,
    /// HTTP 503 (`Service not initialised` / `Chain unavailable`).
    ServiceUnavailable,
    /// The request exceeded the client's timeout.
    Timeout,
    /// Transport-level failure (DNS, TCP, TLS).
    NetworkError,
}

impl McrErrorCode {
    /// Every code, in the documented order.
    pub const ALL: [Self; 7] = [
        Self::NotFound,
        Self::BadResponse,
        Self::HttpError,
        Self::ServerError,
        Self::ServiceUnavailable,
        Self::Timeout,
        Self::NetworkError,
    ];

    /// The code string (`NOT_FOUND`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => NOT_FOUND,
            Self::BadResponse => BAD_RESPONSE,
            Self::HttpError => HTTP_ERROR,
            Self::ServerError => SERVER_ERROR,
            Self::ServiceUnavailable => SERVICE_UNAVAILABLE,
            Self::Timeout => TIMEOUT,
            Self::NetworkError => NETWORK_ERROR,
        }
    }

    /// Whether retrying (with backoff) may help: 5xx, 503, timeouts and transport failures.
    /// `NOT_FOUND` and `BAD_RESPONSE` will not change; `HTTP_ERROR` depends on the status
    /// (a 429 will, a 400 will not), so it answers `false`.
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::ServerError | Self::ServiceUnavailable | Self::Timeout | Self::NetworkError
        )
    }

    /// The code of an [`Error::Api`] from this client, if it is one of these.
    pub const fn of(err: &Error) -> Option<Self> {
        match err.api_code() {
            Some(ApiCode::Mcr(c)) => Some(*c),
            Some(ApiCode::NetworkError) => Some(Self::NetworkError),
            _ => None,
        }
    }
}

impl std::str::FromStr for McrErrorCode {
    type Err = http::UnknownCode;

    /// Exact (case-sensitive) match on the code string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| http::UnknownCode {
                kind: "MCR API",
                code: s.to_owned(),
            })
    }
}

impl std::fmt::Display for McrErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client of one MCR API server.
///
/// Cheap to clone (the [`reqwest::Client`] is reference-counted). Every call is one `GET` with
/// no retries.
#[derive(Debug, Clone)]
pub struct McrClient {
    service: Service,
}

impl McrClient {
    /// A client of the MCR API at `base_url` (e.g. `https://mcr.peaq.xyz`,
    /// `http://127.0.0.1:8000`), with the [`DEFAULT_TIMEOUT`](http::DEFAULT_TIMEOUT) of 30 s.
    /// The URL is checked on each call (a bad one is a validation error, field `api_url`).
    pub fn new(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        Self {
            service: Service::new(http, base_url.into(), "MCR API", "api_url"),
        }
    }

    http::service_accessors!();

    /// `GET /mcr/{did}`: the machine's credit rating.
    pub async fn query_mcr(&self, did: &str) -> Result<McrResponse> {
        check_did(did)?;
        self.get("query_mcr", &format!("/mcr/{did}")).await
    }

    /// `GET /machine/{did}`: the machine's profile (NFT metadata JSON v1.0).
    pub async fn query_machine(&self, did: &str) -> Result<MachineProfileResponse> {
        check_did(did)?;
        self.get("query_machine", &format!("/machine/{did}")).await
    }

    /// `GET /operator/{did}/machines[?offset=&limit=]`: one page of an operator's machines.
    ///
    /// `None` leaves a parameter out (the server's defaults are offset 0, limit 20); `limit`
    /// must be 1 to [`OPERATOR_MACHINES_MAX_LIMIT`] (20).
    pub async fn query_operator_machines(
        &self,
        did: &str,
        offset: Option<u64>,
        limit: Option<u64>,
    ) -> Result<OperatorMachinesResponse> {
        check_did(did)?;
        if let Some(limit) = limit
            && !(1..=OPERATOR_MACHINES_MAX_LIMIT).contains(&limit)
        {
            return Err(Error::Validation(
                ValidationError::new(
                    "limit",
                    "1..=20",
                    format!("limit must be between 1 and {OPERATOR_MACHINES_MAX_LIMIT}"),
                )
                .with_value(limit.to_string()),
            ));
        }
        let query: Vec<String> = [("offset", offset), ("limit", limit)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
            .collect();
        let mut path = format!("/operator/{did}/machines");
        if !query.is_empty() {
            path.push('?');
            path.push_str(&query.join("&"));
        }
        self.get("query_operator_machines", &path).await
    }

    /// Every page of `GET /operator/{did}/machines` (20 at a time, until `pagination.total`):
    /// the whole fleet in one response whose `pagination` is `{offset: 0, limit: total,
    /// total}` (the last page's `total`). At most [`MAX_OPERATOR_PAGES`] pages are read.
    pub async fn query_all_operator_machines(&self, did: &str) -> Result<OperatorMachinesResponse> {
        let mut offset = 0u64;
        let mut machines = Vec::new();
        let mut pages = 0u64;
        loop {
            let page = self
                .query_operator_machines(did, Some(offset), Some(OPERATOR_MACHINES_MAX_LIMIT))
                .await?;
            let total = page.pagination.total;
            machines.extend(page.machines);
            offset = offset.saturating_add(OPERATOR_MACHINES_MAX_LIMIT);
            pages += 1;
            if offset >= total {
                return Ok(OperatorMachinesResponse {
                    operator_did: page.operator_did,
                    machines,
                    pagination: Pagination {
                        offset: 0,
                        limit: total,
                        total,
                    },
                });
            }
            if pages >= MAX_OPERATOR_PAGES {
                return Err(Error::api(
                    McrErrorCode::BadResponse,
                    format!(
                        "query_all_operator_machines: more than {MAX_OPERATOR_PAGES} pages \
                         (total {total})"
                    ),
                    None,
                ));
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, op: &'static str, path: &str) -> Result<T> {
        let (url, reply) = self
            .service
            .exchange(op, path, McrErrorCode::Timeout.into(), |http, url| {
                http.get(url)
                    .header(reqwest::header::ACCEPT, "application/json")
            })
            .await?;
        if !reply.is_success() {
            return Err(status_error(op, &url, &reply));
        }
        let bad =
            |message: String| Error::api(McrErrorCode::BadResponse, message, Some(reply.status));
        if reply.truncated || serde_json::from_slice::<serde::de::IgnoredAny>(&reply.body).is_err()
        {
            return Err(bad(format!(
                "{op}: MCR API at {url} returned a non-JSON response"
            )));
        }
        serde_json::from_slice(&reply.body).map_err(|e| {
            bad(format!(
                "{op}: MCR API returned a malformed response body ({e})"
            ))
            .with_source(e)
        })
    }
}

/// The `did:peaq:0x` + 40 hex digits check (the CLI's rule; the path gets the DID as given).
fn check_did(did: &str) -> Result<()> {
    if did.starts_with("did:peaq:0x") && did.parse::<Did>().is_ok() {
        return Ok(());
    }
    Err(Error::Validation(
        ValidationError::new(
            "did",
            "^did:peaq:0x[0-9a-fA-F]{40}$",
            "did must be did:peaq:0x followed by 40 hex digits",
        )
        .with_value(did),
    ))
}

/// The error for a non-2xx reply.
fn status_error(op: &str, url: &str, reply: &Reply) -> Error {
    let status = reply.status;
    let (code, mut message) = match status {
        404 => (
            McrErrorCode::NotFound,
            format!("{op}: resource not found at {url}"),
        ),
        503 => (
            McrErrorCode::ServiceUnavailable,
            format!("{op}: MCR API service unavailable at {url}"),
        ),
        500..=599 => (
            McrErrorCode::ServerError,
            format!("{op}: MCR API server error {status} at {url}"),
        ),
        _ => (
            McrErrorCode::HttpError,
            format!("{op}: unexpected HTTP {status} from {url}"),
        ),
    };
    if let Some(detail) = detail(&reply.body) {
        message.push_str(" — ");
        message.push_str(&http::server_text(&detail));
    }
    Error::api(code, message, Some(status))
}

/// The `detail` string of an error body, when it has one.
fn detail(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Body {
        detail: serde_json::Value,
    }
    match serde_json::from_slice::<Body>(body).ok()?.detail {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// Most pages [`McrClient::query_all_operator_machines`] reads: 50,000 × 20 = one million
/// machines.
pub const MAX_OPERATOR_PAGES: u64 = 50_000;

impl PeaqosClient {
    /// An [`McrClient`] for this client's MCR API URL ([`api_url`](Self::api_url)) and HTTP
    /// client.
    pub fn mcr(&self) -> McrClient {
        McrClient::new(self.http().clone(), self.api_url())
    }

    /// `GET /mcr/{did}`; see [`McrClient::query_mcr`].
    pub async fn query_mcr(&self, did: &str) -> Result<McrResponse> {
        self.mcr().query_mcr(did).await
    }

    /// `GET /machine/{did}`; see [`McrClient::query_machine`].
    pub async fn query_machine(&self, did: &str) -> Result<MachineProfileResponse> {
        self.mcr().query_machine(did).await
    }

    /// `GET /operator/{did}/machines`; see [`McrClient::query_operator_machines`].
    pub async fn query_operator_machines(
        &self,
        did: &str,
        offset: Option<u64>,
        limit: Option<u64>,
    ) -> Result<OperatorMachinesResponse> {
        self.mcr().query_operator_machines(did, offset, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dids() {
        assert!(check_did("did:peaq:0xabc1230000000000000000000000000000000001").is_ok());
        for bad in [
            "",
            "did:peaq:0x",
            "did:peaq:0Xabc1230000000000000000000000000000000001",
            "did:peaq:abc1230000000000000000000000000000000001",
            "0xabc1230000000000000000000000000000000001",
            "did:peaq:0xabc123000000000000000000000000000000000",
            "did:peaq:0xzbc1230000000000000000000000000000000001",
            "did:peaq:0xabc1230000000000000000000000000000000001/x",
        ] {
            assert_eq!(
                check_did(bad).expect_err(bad).code(),
                "VALIDATION_ERROR",
                "{bad}"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for c in McrErrorCode::ALL {
            assert_eq!(c.as_str().parse::<McrErrorCode>().expect("known"), c);
        }
        assert!("INVALID_2FA".parse::<McrErrorCode>().is_err());
    }

    #[test]
    fn detail_only_when_string() {
        assert_eq!(
            detail(br#"{"detail":"Chain unavailable"}"#).as_deref(),
            Some("Chain unavailable")
        );
        assert_eq!(detail(br#"{"detail":[{"loc":["path"]}]}"#), None);
        assert_eq!(detail(b"oops"), None);
    }
}
