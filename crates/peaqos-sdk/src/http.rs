//! Plumbing shared by the SDK's two HTTP clients, the Gas Station
//! ([`gas_station`](crate::gas_station)) and the MCR API ([`mcr`](crate::mcr)): base-URL
//! checks and joining, sending one request with a per-request timeout and a bounded body, the
//! stable codes both clients put on [`Error::Api`], and parsing the services' own codes.
//!
//! Codes a response can carry are the services' own (the Gas Station's
//! [`FaucetCode`](crate::gas_station::FaucetCode)s, the MCR mapping of
//! [`McrErrorCode`](crate::mcr::McrErrorCode)); the constants here are the ones the SDK itself
//! assigns.

use std::time::Duration;

use reqwest::{RequestBuilder, Url};

use crate::{Error, Result};

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

/// A string that is not one of the codes of an error-code enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code {code:?}")]
pub struct UnknownCode {
    /// Which enumeration (`Gas Station`, `MCR API`).
    pub kind: &'static str,
    /// The rejected string.
    pub code: String,
}

/// Implements [`FromStr`](std::str::FromStr) (an exact, case-sensitive match on `as_str`,
/// else an [`UnknownCode`] of `$kind`) and [`Display`](std::fmt::Display) (`as_str`) for an
/// enumeration of a service's error codes that has `ALL` and `as_str`
/// ([`FaucetCode`](crate::gas_station::FaucetCode), [`McrErrorCode`](crate::mcr::McrErrorCode)).
macro_rules! code_set {
    ($ty:ty, $kind:literal) => {
        impl std::str::FromStr for $ty {
            type Err = $crate::http::UnknownCode;

            /// Exact (case-sensitive) match on the wire code.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|c| c.as_str() == s)
                    .ok_or_else(|| $crate::http::UnknownCode {
                        kind: $kind,
                        code: s.to_owned(),
                    })
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use code_set;

/// The code of an [`Error::Api`] as one of the codes `C`, if it is one.
pub(crate) fn api_code<C: std::str::FromStr>(err: &Error) -> Option<C> {
    match err {
        Error::Api { code, .. } => code.parse().ok(),
        _ => None,
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
        timeout_code: &str,
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
        timeout_code: &str,
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
                NETWORK_ERROR,
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
            assert_eq!(err.code(), "VALIDATION_ERROR", "{bad}");
        }
    }

    #[test]
    fn server_text_is_bounded() {
        assert_eq!(server_text("a\nb"), "a b");
        let long = "x".repeat(1000);
        assert_eq!(server_text(&long).chars().count(), MAX_SERVER_TEXT + 1);
    }
}
