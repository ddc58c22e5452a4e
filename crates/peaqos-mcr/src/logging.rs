//! Log output without secrets: dependencies log the RPC URL they talk to (alloy's transport
//! span carries it at trace level), so the binary's log writer redacts every URL in each line
//! ([`peaqos_service::redact_urls_in`]) before it reaches stderr.

use std::io::{self, Write};

/// A writer that redacts every `scheme://…` URL in what it is given; `tracing-subscriber`'s
/// formatter writes each event with one call, so a URL is never split.
#[derive(Debug, Clone, Default)]
pub struct Redacting<W>(pub W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0
            .write_all(peaqos_service::redact_urls_in(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Standard error, redacted: the writer of the `peaqos-mcr` binary's logs.
pub fn redacted_stderr() -> Redacting<io::Stderr> {
    Redacting(io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_in_each_write() {
        let mut w = Redacting(Vec::new());
        w.write_all(b"TRACE ReqwestTransport{url=https://rpc.example/v3/KEY?apikey=KEY}: sent\n")
            .expect("write");
        let out = String::from_utf8(w.0).expect("utf8");
        assert!(!out.contains("KEY"), "{out}");
        assert!(out.contains("https://rpc.example/…"), "{out}");
    }
}
