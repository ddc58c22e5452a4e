//! HTML building blocks: escaping, the page frame, number and date formats. Every value that
//! comes from the chain or a request (DIDs, attributes, metadata) goes through [`esc`].

use std::fmt::Write as _;

use peaqos_mcr_model::date::{civil_from_days, utc_day};

/// `s` with `& < > " '` escaped, for text and quoted attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` for a URL path segment or query value (everything but unreserved characters
/// percent-encoded), so a DID cannot break out of its URL.
pub(super) fn url_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM UTC` of unix seconds.
pub(super) fn datetime(ts: u64) -> String {
    let (y, m, d) = civil_from_days(utc_day(ts));
    let secs = ts % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60
    )
}

/// `YYYY-MM-DD` of unix seconds.
pub(super) fn date(ts: u64) -> String {
    let (y, m, d) = civil_from_days(utc_day(ts));
    format!("{y:04}-{m:02}-{d:02}")
}

/// USD cents as `$1,234.56`.
pub(super) fn usd(cents: f64) -> String {
    let cents = if cents.is_finite() && cents > 0.0 {
        cents.round()
    } else {
        0.0
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let c = cents as u64;
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{:02}", c % 100)
}

/// A whole page: `title` (escaped here), `body` (already HTML), the live-update stamp.
pub(super) fn page(title: &str, body: &str, live: Option<&str>) -> String {
    let main_attrs = match live {
        Some(stamp) => format!(
            " data-live=\"{}\" data-stamp=\"{}\"",
            super::LIVE_PATH,
            esc(stamp)
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · peaqOS MCR</title>\
<link rel=\"icon\" href=\"{icon}\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"{css}\"><script src=\"{js}\" defer></script></head>\
<body><a class=\"skip\" href=\"#main\">Skip to content</a>\
<header><nav aria-label=\"Site\"><a href=\"/ui\">peaqOS MCR dashboard</a></nav>\
<p id=\"live-status\" role=\"status\" aria-live=\"polite\"></p></header>\
<main id=\"main\"{main_attrs}>{body}</main>\
<footer><p>Scores from the published model <code>{model}</code>; data from the chain as indexed by this service. \
<a href=\"/openapi.json\">API</a></p></footer></body></html>\n",
        title = esc(title),
        css = super::CSS_PATH,
        icon = super::ICON_PATH,
        js = super::JS_PATH,
        model = peaqos_mcr_model::MODEL_VERSION,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
        assert_eq!(url_part("did:peaq:0xAb"), "did:peaq:0xAb");
        assert_eq!(url_part("a/b?c=\"d\" <"), "a%2Fb%3Fc%3D%22d%22%20%3C");
    }

    #[test]
    fn formats() {
        assert_eq!(usd(123_456_789.0), "$1,234,567.89");
        assert_eq!(usd(5.0), "$0.05");
        assert_eq!(usd(f64::NAN), "$0.00");
        assert_eq!(datetime(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(date(0), "1970-01-01");
    }
}
