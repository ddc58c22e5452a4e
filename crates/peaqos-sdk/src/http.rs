//! Plumbing shared by the SDK's two HTTP clients, the Gas Station
//! ([`gas_station`](crate::gas_station)) and the MCR API ([`mcr`](crate::mcr)): base-URL
//! checks and joining, sending one request with a per-request timeout and a bounded body, the
//! stable codes both clients put on [`Error::Api`], and parsing the services' own codes.
//!
//! Every [`Error::Api`] carries an [`ApiCode`]: the Gas Station's own
//! [`FaucetCode`]s, the MCR mapping of [`McrErrorCode`], or the SDK's sentinels; the constants
//! here are the sentinels' stable strings.

use std::time::Duration;

use reqwest::{RequestBuilder, Url};

use peaqos_types::faucet::FaucetCode;

use crate::{Error, Result, mcr::McrErrorCode};

/// The default per-request timeout of both HTTP clients: 30 s, as in the official SDKs.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest response body the clients read (8 MiB); a longer body counts as malformed.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Transport failure: DNS, refused connection, TLS, reset, … (both clients; the Gas Station
/// client also reports timeouts with this code, as the official one does).
pub const NETWORK_ERROR: &str = "NETWORK_ERROR";
/// MCR API: the request exceeded the client's timeout.
pub const TIMEOUT: &str = "TIMEOUT";
/// MCR API: a 2xx response that is not JSON or fails the response guard.
pub const BAD_RESPONSE: &str = "BAD_RESPONSE";
/// MCR API: HTTP 404.
pub const NOT_FOUND: &str = "NOT_FOUND";
/// MCR API: HTTP 503 (`Service not initialised`, `Chain unavailable`).
pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
/// MCR API: any other 5xx.
pub const SERVER_ERROR: &str = "SERVER_ERROR";
/// MCR API: any other non-2xx (400, 422, 429, …).
pub const HTTP_ERROR: &str = "HTTP_ERROR";
/// Gas Station: the body (of any status) is not JSON.
pub const INVALID_RESPONSE: &str = "INVALID_RESPONSE";
/// Gas Station: JSON whose `status` / `code` / `data` envelope is not what the endpoint
/// answers.
pub const UNEXPECTED_RESPONSE: &str = "UNEXPECTED_RESPONSE";

pub use peaqos_types::faucet::UnknownCode;

/// The code of an [`Error::Api`]: a Gas Station code, an MCR API failure, one of the SDK's own
/// sentinels, or a code this SDK does not know (a future server's), kept verbatim.
///
/// [`as_str`](Self::as_str) is the stable string [`Error::code`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiCode {
    /// A code the Gas Station answered with.
    Faucet(FaucetCode),
    /// How an MCR API call failed (never [`McrErrorCode::NetworkError`]: that is
    /// [`ApiCode::NetworkError`]).
    Mcr(McrErrorCode),
    /// [`NETWORK_ERROR`]: no answer (both clients; the Gas Station client's timeouts too).
    NetworkError,
    /// [`INVALID_RESPONSE`]: the Gas Station's body is not JSON.
    InvalidResponse,
    /// [`UNEXPECTED_RESPONSE`]: the Gas Station's JSON is not the endpoint's envelope.
    UnexpectedResponse,
    /// A Gas Station `code` outside [`FaucetCode`] (e.g. the `TOTP_EXPIRED` spelling), verbatim.
    Unknown(String),
}

impl ApiCode {
    /// The stable code string (`INVALID_2FA`, `NOT_FOUND`, `NETWORK_ERROR`, …).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Faucet(c) => c.as_str(),
            Self::Mcr(c) => c.as_str(),
            Self::NetworkError => NETWORK_ERROR,
            Self::InvalidResponse => INVALID_RESPONSE,
            Self::UnexpectedResponse => UNEXPECTED_RESPONSE,
            Self::Unknown(s) => s,
        }
    }

    /// A `code` a Gas Station sent: one of [`FaucetCode`], else [`ApiCode::Unknown`].
    pub fn from_faucet(code: &str) -> Self {
        code.parse()
            .map_or_else(|_| Self::Unknown(code.to_owned()), Self::Faucet)
    }
}

impl std::fmt::Display for ApiCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<FaucetCode> for ApiCode {
    fn from(code: FaucetCode) -> Self {
        Self::Faucet(code)
    }
}

impl From<McrErrorCode> for ApiCode {
    fn from(code: McrErrorCode) -> Self {
        match code {
            McrErrorCode::NetworkError => Self::NetworkError,
            other => Self::Mcr(other),
        }
    }
}

/// Longest server-provided text (MCR `detail`, faucet `message`) copied into an error message.
const MAX_SERVER_TEXT: usize = 300;

/// Checks a service base URL: an absolute `http` / `https` URL.
pub(crate) fn check_base_url(field: &'static str, base_url: &str) -> Result<()> {
    let invalid = |why: &str| {
        Err(Error::Validation(
            crate::ValidationError::new(
                field,
                "absolute http(s) URL",
                format!("{field} must be an absolute http or https URL: {why}"),
            )
            .with_value(base_url),
        ))
    };
    if base_url.trim().is_empty() {
        return invalid("it is empty");
    }
    match Url::parse(base_url) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") || !url.has_host() => {
            invalid(&format!("scheme {:?} or no host", url.scheme()))
        }
        Ok(url) if url.query().is_some() || url.fragment().is_some() => {
            invalid("it has a query or fragment")
        }
        Ok(_) => Ok(()),
        Err(e) => invalid(&e.to_string()),
    }
}

/// `base` without trailing slashes, then `path` (which starts with `/`).
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// What an HTTP client holds of its service: the [`reqwest::Client`], the base URL (checked
/// on each call) and the per-request timeout.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    /// The HTTP client (shared with the [`PeaqosClient`](crate::PeaqosClient) it came from).
    http: reqwest::Client,
    /// The base URL, as given.
    pub(crate) base_url: String,
    /// The per-request timeout.
    pub(crate) timeout: Duration,
    /// The service's name in logs (`MCR API`, `Gas Station`).
    name: &'static str,
    /// The validation field of a bad base URL (`api_url`, `faucet_base_url`).
    url_field: &'static str,
}

impl Service {
    /// `name` at `base_url`, with the [`DEFAULT_TIMEOUT`]; a bad URL is reported as `url_field`.
    pub(crate) const fn new(
        http: reqwest::Client,
        base_url: String,
        name: &'static str,
        url_field: &'static str,
    ) -> Self {
        Self {
            http,
            base_url,
            timeout: DEFAULT_TIMEOUT,
            name,
            url_field,
        }
    }

    /// Checks the base URL, sends the request `build` makes for the URL of `path`, and logs
    /// both ends. Returns the URL and the reply; no reply is an [`Error::Api`] with
    /// `timeout_code` for a timeout and [`NETWORK_ERROR`] otherwise.
    pub(crate) async fn exchange(
        &self,
        op: &'static str,
        path: &str,
        timeout_code: ApiCode,
        build: impl FnOnce(&reqwest::Client, &str) -> RequestBuilder,
    ) -> Result<(String, Reply)> {
        check_base_url(self.url_field, &self.base_url)?;
        let url = join_url(&self.base_url, path);
        tracing::debug!(op, %url, "{} request", self.name);
        let reply = send(build(&self.http, &url), self.timeout)
            .await
            .map_err(|e| e.into_error(op, &url, self.timeout, timeout_code))?;
        tracing::debug!(op, status = reply.status, "{} response", self.name);
        Ok((url, reply))
    }
}

/// The accessors both HTTP clients have, for a type with a `service: Service` field.
macro_rules! service_accessors {
    () => {
        /// With a different per-request timeout (connect + response + body).
        #[must_use]
        pub const fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.service.timeout = timeout;
            self
        }

        /// The base URL.
        pub fn base_url(&self) -> &str {
            &self.service.base_url
        }

        /// The per-request timeout.
        pub const fn timeout(&self) -> std::time::Duration {
            self.service.timeout
        }
    };
}
pub(crate) use service_accessors;

/// One HTTP exchange: the status and (up to [`MAX_RESPONSE_BYTES`] of) the body.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The body, possibly cut short.
    pub(crate) body: Vec<u8>,
    /// Whether the body was longer than [`MAX_RESPONSE_BYTES`] (then `body` is incomplete).
    pub(crate) truncated: bool,
}

impl Reply {
    /// Whether the status is 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why no [`Reply`] arrived.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The request took longer than its timeout (connecting, waiting, or reading the body).
    Timeout(reqwest::Error),
    /// Any other transport failure.
    Transport(reqwest::Error),
}

impl SendError {
    fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout(e)
        } else {
            Self::Transport(e)
        }
    }

    /// Maps to [`Error::Api`]: `timeout_code` for a timeout, [`NETWORK_ERROR`] otherwise.
    pub(crate) fn into_error(
        self,
        op: &str,
        url: &str,
        timeout: Duration,
        timeout_code: ApiCode,
    ) -> Error {
        match self {
            Self::Timeout(e) => Error::api(
                timeout_code,
                format!(
                    "{op}: request to {url} timed out after {:.1}s",
                    timeout.as_secs_f64()
                ),
                None,
            )
            .with_source(e),
            Self::Transport(e) => Error::api(
                ApiCode::NetworkError,
                format!("{op}: network request to {url} failed"),
                None,
            )
            .with_source(e),
        }
    }
}

/// Sends `request` with `timeout` (covering connect, response and body), and reads the body,
/// stopping after [`MAX_RESPONSE_BYTES`].
pub(crate) async fn send(request: RequestBuilder, timeout: Duration) -> Result<Reply, SendError> {
    let mut response = request
        .timeout(timeout)
        .send()
        .await
        .map_err(SendError::from_reqwest)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(SendError::from_reqwest)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(Reply {
                status,
                body,
                truncated: true,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Reply {
        status,
        body,
        truncated: false,
    })
}

/// Server text fit for an error message: at most [`MAX_SERVER_TEXT`] characters, control
/// characters replaced.
pub(crate) fn server_text(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_SERVER_TEXT)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(MAX_SERVER_TEXT).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_without_double_slashes() {
        assert_eq!(join_url("http://h:1", "/mcr/x"), "http://h:1/mcr/x");
        assert_eq!(join_url("http://h:1//", "/mcr/x"), "http://h:1/mcr/x");
        assert_eq!(
            join_url("http://h/api/", "/2fa/setup"),
            "http://h/api/2fa/setup"
        );
    }

    #[test]
    fn base_urls() {
        assert!(check_base_url("api_url", "http://127.0.0.1:8000").is_ok());
        assert!(check_base_url("api_url", "https://mcr.peaq.xyz/").is_ok());
        for bad in [
            "",
            "  ",
            "mcr.peaq.xyz",
            "ftp://x",
            "file:///etc",
            "http//x",
        ] {
            let err = check_base_url("api_url", bad).expect_err(bad);
            assert!(
                matches!(&err, Error::Validation(v) if v.field == "api_url"),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn server_text_is_bounded() {
        assert_eq!(server_text("a\nb"), "a b");
        let long = "x".repeat(1000);
        assert_eq!(server_text(&long).chars().count(), MAX_SERVER_TEXT + 1);
    }
}
