//! URLs without their secrets, for logs, `Debug` output and error texts served to clients.
//!
//! RPC providers put API keys in the path (`https://host/v3/<key>`) or the query
//! (`?apikey=<key>`), and database URLs carry a password: so only the scheme, the user name, the
//! host and the port are kept. The password becomes `***`; a path or query becomes `/…`.

use std::{
    fmt,
    io::{self, Write},
};

/// Shows a URL without its password, path or query: `postgres://peaqos:***@db:5432/…`,
/// `https://rpc.example/…`. Text that is not a `scheme://` URL shows as `<redacted>`.
#[derive(Clone, Copy)]
pub struct RedactedUrl<'a>(pub &'a str);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        let Some(scheme_end) = url.find("://") else {
            return f.write_str("<redacted>");
        };
        let (scheme, rest) = (&url[..scheme_end], &url[scheme_end + 3..]);
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        write!(f, "{scheme}://")?;
        let host = match authority.rfind('@') {
            Some(at) => {
                let user = authority[..at].split(':').next().unwrap_or_default();
                write!(f, "{user}:***@")?;
                &authority[at + 1..]
            }
            None => authority,
        };
        f.write_str(host)?;
        if tail.trim_start_matches('/').is_empty() {
            f.write_str(tail)
        } else {
            f.write_str("/…")
        }
    }
}

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// `url` without its secrets (see [`RedactedUrl`]).
pub fn redact_url(url: &str) -> String {
    RedactedUrl(url).to_string()
}

/// `text` with every `scheme://…` URL in it redacted: for error texts of HTTP clients, which
/// quote the URL they failed on (`error sending request for url (https://host/v3/key)`).
pub fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(sep) = rest.find("://") {
        let scheme_start = rest[..sep]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let url_end = rest[sep..]
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | '<' | ','))
            .map_or(rest.len(), |i| sep + i);
        out.push_str(&rest[..scheme_start]);
        out.push_str(&redact_url(&rest[scheme_start..url_end]));
        rest = &rest[url_end..];
    }
    out.push_str(rest);
    out
}

/// A log writer that redacts every `scheme://…` URL in what it is given ([`redact_urls_in`]):
/// dependencies log the URLs they talk to (alloy's HTTP transport span carries the full RPC URL
/// at `debug`/`trace`). `tracing-subscriber`'s formatter writes each event with one call, so a
/// URL is never split across writes.
#[derive(Debug, Clone, Default)]
pub struct Redacting<W>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact_urls_in(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Standard error, redacted: the log writer of every peaqOS binary
/// (`tracing_subscriber::fmt().with_writer(redacted_stderr)`).
pub fn redacted_stderr() -> Redacting<io::Stderr> {
    Redacting(io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_scheme_user_host_port_only() {
        for (url, shown) in [
            (
                "postgres://peaqos:hunter2@127.0.0.1:5432/gas",
                "postgres://peaqos:***@127.0.0.1:5432/…",
            ),
            ("https://rpc.example/v3/KEY", "https://rpc.example/…"),
            ("https://rpc.example?apikey=KEY", "https://rpc.example/…"),
            ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
            ("http://127.0.0.1:8545/", "http://127.0.0.1:8545/"),
            ("wss://user:pw@node:443#frag", "wss://user:***@node:443/…"),
            ("sqlite://gas.db?mode=rwc", "sqlite://gas.db/…"),
            ("no url at all", "<redacted>"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        assert_eq!(
            format!("{:?}", RedactedUrl("https://a/KEY")),
            "\"https://a/…\""
        );
    }

    #[test]
    fn redacts_every_url_in_a_text() {
        let text = "error sending request for url (https://rpc.example/v3/SECRET): \
                    connect to postgres://u:SECRET@db/x failed, retry http://h:1";
        let shown = redact_urls_in(text);
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(
            shown,
            "error sending request for url (https://rpc.example/…): \
             connect to postgres://u:***@db/… failed, retry http://h:1"
        );
        assert_eq!(redact_urls_in("nothing here"), "nothing here");
    }

    #[test]
    fn the_log_writer_redacts_each_write() {
        let mut w = Redacting(Vec::new());
        w.write_all(b"TRACE ReqwestTransport{url=https://rpc.example/v3/KEY?apikey=KEY}: sent\n")
            .expect("write");
        let out = String::from_utf8(w.0).expect("utf8");
        assert!(!out.contains("KEY"), "{out}");
        assert!(out.contains("https://rpc.example/…"), "{out}");
    }
}
