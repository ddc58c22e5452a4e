//! The ECB's reference-rate file formats, parsed strictly into fixing days.
//!
//! - CSV: `eurofxref-hist.csv` (`Date,USD,JPY,…,` with `YYYY-MM-DD` dates, `N/A` for a missing
//!   fixing, a trailing comma) and the daily `eurofxref.csv` (`Date, USD, …` with
//!   `05 December 2026` dates);
//! - XML: `eurofxref-daily.xml`, `eurofxref-hist-90d.xml`, `eurofxref-hist.xml`
//!   (`<Cube time='…'><Cube currency='USD' rate='1.05'/>…</Cube>`);
//! - zip: `eurofxref.zip` / `eurofxref-hist.zip`, one CSV inside (see `fx::EcbHistory::parse`).
//!
//! Every value must be a positive finite number (or `N/A`/empty in CSV), every currency three
//! capital letters, every day must fix USD (the cross rates go through it), and a truncated file
//! (a CSV row with missing fields, XML without its closing envelope) is refused: a partial
//! download must never look like a smaller valid one.

use crate::{
    date::{days_from_civil, parse_day},
    fx::FxDataError,
};

/// One ECB fixing day: units of each currency per 1 EUR, sorted by currency.
#[derive(Debug, Clone, PartialEq)]
pub struct EcbDay {
    /// The UTC day (days since 1970-01-01).
    pub day: i64,
    /// `(currency, units per EUR)`, sorted by currency, one entry per currency.
    pub rates: Vec<(String, f64)>,
}

/// Whether `s` is an ISO-4217-shaped code (three ASCII capital letters).
pub(crate) fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn rate_of(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0)
}

/// The month names of the daily CSV's dates (`04 December 2026`).
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `YYYY-MM-DD` or the daily CSV's `5 December 2026`.
fn parse_any_day(s: &str) -> Option<i64> {
    if let Some(d) = parse_day(s) {
        return Some(d);
    }
    let mut it = s.split_whitespace();
    let d: u32 = it.next()?.parse().ok()?;
    let name = it.next()?;
    let y: i64 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=31).contains(&d) {
        return None;
    }
    let m = MONTHS.iter().position(|n| *n == name)?;
    Some(days_from_civil(y, u32::try_from(m).ok()? + 1, d))
}

fn finish(mut days: Vec<EcbDay>) -> Result<Vec<EcbDay>, FxDataError> {
    days.sort_unstable_by_key(|d| d.day);
    for pair in days.windows(2) {
        if pair[0].day == pair[1].day {
            return Err(FxDataError::BadData(format!(
                "date {} appears twice",
                crate::date::format_day(pair[0].day)
            )));
        }
    }
    for d in &mut days {
        d.rates.sort_by(|a, b| a.0.cmp(&b.0));
        if d.rates.windows(2).any(|p| p[0].0 == p[1].0) {
            return Err(FxDataError::BadData(format!(
                "a currency appears twice on {}",
                crate::date::format_day(d.day)
            )));
        }
        if !d.rates.iter().any(|(c, _)| c == "USD") {
            return Err(FxDataError::BadData(format!(
                "no USD rate on {}",
                crate::date::format_day(d.day)
            )));
        }
    }
    if days.is_empty() {
        return Err(FxDataError::BadData("no fixing days".to_owned()));
    }
    Ok(days)
}

/// Parses an ECB CSV (historical or daily form).
pub fn parse_csv(text: &str) -> Result<Vec<EcbDay>, FxDataError> {
    let bad = |m: String| FxDataError::BadCsv(m);
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| bad("empty".to_owned()))?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    if columns.first() != Some(&"Date") || !columns.contains(&"USD") {
        return Err(bad("missing Date/USD header".to_owned()));
    }
    for (i, c) in columns.iter().enumerate().skip(1) {
        // Only the last column may be empty (the trailing comma).
        if !(is_currency_code(c) || (c.is_empty() && i + 1 == columns.len())) {
            return Err(bad(format!("bad currency column {c:?}")));
        }
    }
    let mut days = Vec::new();
    for (n, line) in lines.enumerate() {
        let row = n + 2;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != columns.len() {
            return Err(bad(format!(
                "row {row} has {} fields, the header {} (truncated?)",
                fields.len(),
                columns.len()
            )));
        }
        let date = fields.first().copied().unwrap_or_default();
        let day =
            parse_any_day(date).ok_or_else(|| bad(format!("bad date {date:?} on row {row}")))?;
        let mut rates = Vec::new();
        for (name, field) in columns.iter().zip(&fields).skip(1) {
            if field.is_empty() || *field == "N/A" {
                continue;
            }
            if name.is_empty() {
                return Err(bad(format!("a value without a column on row {row}")));
            }
            let rate = rate_of(field)
                .ok_or_else(|| bad(format!("bad rate {field:?} for {name} on row {row}")))?;
            rates.push(((*name).to_owned(), rate));
        }
        days.push(EcbDay { day, rates });
    }
    finish(days)
}

/// The value of attribute `name` in the text of one tag (`time='…'` or `time="…"`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before_ok = i == 0 || rest.as_bytes()[i - 1].is_ascii_whitespace();
        let after = rest[i + name.len()..].trim_start();
        if before_ok && let Some(after) = after.strip_prefix('=') {
            let after = after.trim_start();
            let quote = after.chars().next()?;
            if quote != '\'' && quote != '"' {
                return None;
            }
            let body = &after[1..];
            return body.find(quote).map(|end| &body[..end]);
        }
        rest = &rest[i + name.len()..];
    }
    None
}

/// Parses an ECB XML file (daily, 90-day or full history).
pub fn parse_xml(text: &str) -> Result<Vec<EcbDay>, FxDataError> {
    let bad = |m: String| FxDataError::BadXml(m);
    let trimmed = text.trim_end();
    if !text.contains("eurofxref") || !trimmed.ends_with("Envelope>") {
        return Err(bad(
            "not an ECB eurofxref envelope (or truncated)".to_owned()
        ));
    }
    let mut days: Vec<EcbDay> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<Cube") {
        let after = &rest[start + 5..];
        let end = after
            .find('>')
            .ok_or_else(|| bad("unterminated <Cube> tag".to_owned()))?;
        let tag = &after[..end];
        rest = &after[end..];
        if let Some(time) = attribute(tag, "time") {
            let day = parse_day(time).ok_or_else(|| bad(format!("bad time {time:?}")))?;
            days.push(EcbDay {
                day,
                rates: Vec::new(),
            });
        } else if let Some(currency) = attribute(tag, "currency") {
            if !is_currency_code(currency) {
                return Err(bad(format!("bad currency {currency:?}")));
            }
            let text =
                attribute(tag, "rate").ok_or_else(|| bad(format!("{currency} without a rate")))?;
            let rate =
                rate_of(text).ok_or_else(|| bad(format!("bad rate {text:?} for {currency}")))?;
            let day = days
                .last_mut()
                .ok_or_else(|| bad(format!("{currency} rate outside a dated <Cube>")))?;
            day.rates.push((currency.to_owned(), rate));
        } else if tag.contains('=') {
            return Err(bad(format!("unexpected <Cube{tag}>")));
        }
    }
    finish(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_csv_dates() {
        assert_eq!(parse_any_day("05 December 2026"), parse_day("2026-12-05"));
        assert_eq!(parse_any_day("5 December 2026"), parse_day("2026-12-05"));
        assert_eq!(parse_any_day("05 Dec 2026"), None);
    }

    #[test]
    fn attributes_in_either_quote() {
        assert_eq!(attribute(" time='2026-12-04'", "time"), Some("2026-12-04"));
        assert_eq!(
            attribute(" currency=\"USD\" rate=\"1.05\"/", "rate"),
            Some("1.05")
        );
        assert_eq!(attribute(" xtime='1'", "time"), None);
    }
}
