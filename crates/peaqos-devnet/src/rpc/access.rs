//! Who may send JSON-RPC to the devnet: the checks against cross-site requests from a browser.
//!
//! A web page can make a browser POST `text/plain` to any address without a CORS preflight, and
//! the devnet has no authentication (it holds funded dev keys' state and dev controls). So a
//! request must say `Content-Type: application/json` (as every JSON-RPC client does: alloy,
//! web3.py, cast, viem), which a page cannot send cross-site without a preflight, and a request
//! that carries an `Origin` (only browsers send one) must come from an allowed origin: by
//! default a loopback one (`http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`), as a
//! dapp under development is; more with [`AllowedOrigins::allow`] (`--allow-origin`).

use axum::{
    extract::Request,
    http::{HeaderMap, StatusCode, header},
    response::Response,
};

/// Content types accepted for a JSON-RPC POST (geth's list); parameters (`; charset=utf-8`)
/// are ignored.
pub const ACCEPTED_CONTENT_TYPES: [&str; 3] = [
    "application/json",
    "application/json-rpc",
    "application/jsonrequest",
];

/// The browser origins allowed besides loopback ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    extra: Vec<String>,
    any: bool,
}

impl AllowedOrigins {
    /// Loopback origins only (the default).
    pub fn loopback() -> Self {
        Self::default()
    }

    /// Also allows `origin` (`scheme://host[:port]`, compared without case and without a
    /// trailing `/`); `*` allows every origin.
    #[must_use]
    pub fn allow(mut self, origin: &str) -> Self {
        let origin = normalize(origin);
        if origin == "*" {
            self.any = true;
        } else {
            self.extra.push(origin);
        }
        self
    }

    /// Whether a request carrying `Origin: origin` is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = normalize(origin);
        self.any || is_loopback_origin(&origin) || self.extra.contains(&origin)
    }
}

fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// `http(s)://localhost`, `127.0.0.1` (any 127/8 address) or `[::1]`, with any port.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, port)) if port.is_empty() || is_port(port) => host,
            _ => return false,
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return false,
            None => rest,
        }
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_port(s: &str) -> bool {
    s.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok())
        || (!s.is_empty() && s.parse::<u16>().is_ok())
}

/// Why a request was refused before its body was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// 415: no `Content-Type`, or not JSON.
    ContentType,
    /// 403: a browser request from an origin not allowed.
    Origin,
}

impl Refused {
    /// The HTTP status.
    pub const fn status(&self) -> StatusCode {
        match self {
            Self::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Origin => StatusCode::FORBIDDEN,
        }
    }

    /// The message of the JSON-RPC error in the body.
    pub const fn message(&self) -> &'static str {
        match self {
            Self::ContentType => "invalid content type, only application/json is supported",
            Self::Origin => "origin not allowed (see --allow-origin)",
        }
    }

    /// The refusal as a response (JSON-RPC error -32600, id null).
    pub fn into_response(self) -> Response {
        super::http_error(self.status(), self.message())
    }
}

/// Checks the headers of a JSON-RPC POST.
pub fn check(request: &Request, origins: &AllowedOrigins) -> Result<(), Refused> {
    check_headers(request.headers(), origins)
}

/// [`check`] on the headers alone.
pub fn check_headers(headers: &HeaderMap, origins: &AllowedOrigins) -> Result<(), Refused> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin.to_str().is_ok_and(|o| origins.allows(o));
        if !allowed {
            return Err(Refused::Origin);
        }
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim())
        .is_some_and(|media| {
            ACCEPTED_CONTENT_TYPES
                .iter()
                .any(|t| media.eq_ignore_ascii_case(t))
        });
    if json {
        Ok(())
    } else {
        Err(Refused::ContentType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_are_allowed_by_default() {
        let o = AllowedOrigins::loopback();
        for ok in [
            "http://localhost",
            "http://localhost:3000",
            "http://127.0.0.1:8080/",
            "https://127.0.0.2",
            "http://[::1]:5173",
            "HTTP://LOCALHOST:3000",
        ] {
            assert!(o.allows(ok), "{ok}");
        }
        for no in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:80",
            "http://localhost:3000@evil.example",
            "null",
            "file://",
            "",
        ] {
            assert!(!o.allows(no), "{no}");
        }
        let o = o.allow("https://dapp.example/");
        assert!(o.allows("https://DAPP.example"));
        assert!(!o.allows("https://other.example"));
        assert!(
            AllowedOrigins::loopback()
                .allow("*")
                .allows("https://x.example")
        );
    }

    #[test]
    fn content_type_must_be_json() {
        let o = AllowedOrigins::loopback();
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, ct.parse().expect("header"));
            check_headers(&h, &o)
        };
        assert_eq!(with("application/json"), Ok(()));
        assert_eq!(with("Application/JSON; charset=utf-8"), Ok(()));
        assert_eq!(with("text/plain"), Err(Refused::ContentType));
        assert_eq!(
            with("application/x-www-form-urlencoded"),
            Err(Refused::ContentType)
        );
        assert_eq!(
            check_headers(&HeaderMap::new(), &o),
            Err(Refused::ContentType)
        );
    }
}
