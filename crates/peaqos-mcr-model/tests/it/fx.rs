//! FX conversion against the embedded ECB history.

use peaqos_mcr_model::{
    AmountStatus, EcbFx, EcbHistory, FxSource, NoFx, convert_to_usd_cents, date::days_from_civil,
    fx::DEFAULT_FX_MAX_STALENESS_DAYS, minor_unit_divisor,
};

/// Noon UTC of a date.
fn ts(y: i64, m: u32, d: u32) -> u64 {
    u64::try_from(days_from_civil(y, m, d)).expect("after 1970") * 86_400 + 43_200
}

#[test]
fn embedded_history_loads_with_its_full_range() {
    let fx = EcbFx::embedded();
    let h = fx.history().expect("embedded ECB data parses");
    assert_eq!(
        h.date_range(),
        ("1999-01-04".to_owned(), "2026-10-30".to_owned())
    );
    assert_eq!(h.last_day(), peaqos_mcr_model::fx::EMBEDDED_ECB_LAST_DAY);
    assert_eq!(h.days().len(), peaqos_mcr_model::fx::EMBEDDED_ECB_DAYS);
    let cur = h.currencies();
    for c in ["EUR", "USD", "JPY", "GBP", "CHF", "HKD", "KRW"] {
        assert!(cur.contains(&c), "{c} missing");
    }
}

#[test]
fn usd_needs_no_rate_even_without_fx_data() {
    let c = convert_to_usd_cents(12_345, "USD", ts(2030, 1, 1), &NoFx);
    assert_eq!(c.usd_cents, Some(12_345));
    assert_eq!(c.origin_subunit, Some(100));
    assert_eq!(c.amount_status, AmountStatus::Ok);
    assert_eq!(c.fx_source, "usd");
    assert!(!c.degraded);
}

#[test]
fn eur_uses_the_fixing_of_the_event_date() {
    // ECB: 2026-10-30 USD 1.1172 per EUR.
    let c = convert_to_usd_cents(10_000, "EUR", ts(2026, 10, 30), &EcbFx::embedded());
    assert_eq!(c.usd_cents, Some(11_172));
    assert_eq!(c.amount_status, AmountStatus::Ok);
    assert_eq!(c.fx_source, "ecb");
    assert!(!c.degraded);
}

#[test]
fn weekend_uses_the_nearest_earlier_business_day() {
    // 2026-10-31 is a Saturday, 2026-11-01 a Sunday: Friday's fixing (JPY 175.68, USD 1.1172).
    for day in [31, 1] {
        let month = if day == 31 { 10 } else { 11 };
        let c = convert_to_usd_cents(175_680, "JPY", ts(2026, month, day), &EcbFx::embedded());
        assert_eq!(c.usd_cents, Some(111_720), "2026-{month}-{day}");
        assert_eq!(c.amount_status, AmountStatus::Ok);
        assert_eq!(
            serde_json::to_value(c).expect("serializes")["rate_day"],
            serde_json::json!("2026-10-30")
        );
    }
}

#[test]
fn minor_units_follow_iso_4217() {
    assert_eq!(minor_unit_divisor("USD"), Some(100));
    assert_eq!(minor_unit_divisor("JPY"), Some(1));
    assert_eq!(minor_unit_divisor("KRW"), Some(1));
    assert_eq!(minor_unit_divisor("BHD"), Some(1000));
    assert_eq!(minor_unit_divisor("CLF"), Some(10_000));
    assert_eq!(minor_unit_divisor("XYZ"), None);
    assert_eq!(minor_unit_divisor("usd"), None);
}

#[test]
fn bhd_uses_its_usd_peg_with_three_decimals() {
    // BD 1.234 at 0.376 BHD per USD = $3.2819 → 328 cents.
    let c = convert_to_usd_cents(1_234, "BHD", ts(2026, 11, 20), &EcbFx::embedded());
    assert_eq!(c.usd_cents, Some(328));
    assert_eq!(c.origin_subunit, Some(1000));
    assert_eq!(c.fx_source, "usd_peg");
    assert_eq!(c.amount_status, AmountStatus::Ok);
}

#[test]
fn unsupported_currency_is_ignored_not_degraded() {
    for code in ["XYZ", "NGN", "BTC1"] {
        let c = convert_to_usd_cents(5_000, code, ts(2025, 6, 2), &EcbFx::embedded());
        assert_eq!(c.usd_cents, None, "{code}");
        assert_eq!(c.origin_subunit, None);
        assert_eq!(c.amount_status, AmountStatus::UnsupportedCurrency);
        assert!(!c.degraded);
    }
}

#[test]
fn a_date_past_the_data_within_the_limit_is_fresh_and_beyond_it_stale() {
    let fx = EcbFx::embedded();
    let last = ts(2026, 10, 30);
    let within = last + u64::from(DEFAULT_FX_MAX_STALENESS_DAYS) * 86_400;
    let c = convert_to_usd_cents(10_000, "EUR", within, &fx);
    assert_eq!(
        (c.amount_status, c.fx_source, c.degraded),
        (AmountStatus::Ok, "ecb", false)
    );
    let beyond = within + 86_400;
    let c = convert_to_usd_cents(10_000, "EUR", beyond, &fx);
    assert_eq!(c.usd_cents, Some(11_172), "latest earlier rate still used");
    assert_eq!(c.amount_status, AmountStatus::FxUnavailable);
    assert_eq!(c.fx_source, "stale_latest");
    assert!(c.degraded);
    // A stricter limit makes the same date stale.
    let strict = EcbFx::embedded().with_max_staleness_days(7);
    assert_eq!(
        convert_to_usd_cents(10_000, "EUR", within, &strict).fx_source,
        "stale_latest"
    );
}

#[test]
fn a_currency_that_stopped_fixing_is_stale_after_its_last_rate() {
    // The ECB stopped fixing HRK when Croatia adopted the euro (last 2022-12-30).
    let c = convert_to_usd_cents(10_000, "HRK", ts(2024, 3, 1), &EcbFx::embedded());
    assert_eq!(c.fx_source, "stale_latest");
    assert!(c.degraded);
    let c = convert_to_usd_cents(10_000, "HRK", ts(2022, 12, 30), &EcbFx::embedded());
    assert_eq!(c.fx_source, "ecb");
}

#[test]
fn no_data_at_all_is_the_default_usd_fx_outage() {
    for fx in [&NoFx as &dyn FxSource, &EcbFx::empty()] {
        let c = convert_to_usd_cents(10_000, "EUR", ts(2025, 1, 2), fx);
        assert_eq!(c.usd_cents, None);
        assert_eq!(c.origin_subunit, Some(100));
        assert_eq!(c.amount_status, AmountStatus::FxUnavailable);
        assert_eq!(c.fx_source, "default_usd_fx_outage");
        assert!(c.degraded);
    }
}

#[test]
fn csv_history_and_cross_rates() {
    let csv = "Date,USD,JPY,GBP,\n2025-01-03,1.0,150,N/A,\n2025-01-02,1.25,125,0.8,\n";
    let fx = EcbFx::from_history(EcbHistory::from_csv(csv).expect("valid csv"));
    // 2025-01-02: 1 JPY = 1.25/125 = 0.01 USD; ¥1000 → $10.00.
    assert_eq!(
        convert_to_usd_cents(1_000, "JPY", ts(2025, 1, 2), &fx).usd_cents,
        Some(1_000)
    );
    // GBP has no fixing on 2025-01-03: the 2025-01-02 cross rate (1.25/0.8) is used.
    let c = convert_to_usd_cents(100, "GBP", ts(2025, 1, 3), &fx);
    assert_eq!(c.usd_cents, Some(156));
    // Before the first fixing: the earliest rate, degraded.
    let c = convert_to_usd_cents(100, "EUR", ts(2024, 12, 1), &fx);
    assert_eq!(
        (c.fx_source, c.degraded, c.usd_cents),
        ("stale_earliest", true, Some(125))
    );
    assert!(EcbHistory::from_csv("nope").is_err());
    assert_eq!(
        EcbHistory::from_zip(b"PK\x03\x04")
            .expect_err("truncated zip")
            .code(),
        "FX_DATA_BAD_ZIP"
    );
}

#[test]
fn from_file_reads_csv_and_zip() {
    let dir = std::env::temp_dir().join(format!("peaqos-mcr-model-fx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join("hist.csv");
    std::fs::write(&csv, "Date,USD,JPY,\n2025-01-02,1.25,125,\n").expect("write csv");
    let fx = EcbFx::from_file(&csv).expect("readable").expect("valid");
    assert_eq!(
        convert_to_usd_cents(1_000, "JPY", ts(2025, 1, 2), &fx).usd_cents,
        Some(1_000)
    );
    let zip = dir.join("hist.zip");
    std::fs::write(&zip, include_bytes!("../../data/eurofxref-hist.zip")).expect("write zip");
    let fx = EcbFx::from_file(&zip).expect("readable").expect("valid");
    assert_eq!(
        fx.history().map(EcbHistory::date_range),
        EcbFx::embedded().history().map(EcbHistory::date_range)
    );
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "hello").expect("write");
    assert_eq!(
        EcbFx::from_file(&bad)
            .expect("readable")
            .expect_err("not ECB")
            .code(),
        "FX_DATA_BAD_CSV"
    );
    assert!(EcbFx::from_file(&dir.join("missing.csv")).is_err());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Another source: one fixed rate for one currency, to show the trait's contract.
struct FixedGbp;

impl FxSource for FixedGbp {
    fn quote(&self, currency: &str, day: i64) -> peaqos_mcr_model::FxQuote {
        if currency == "GBP" {
            peaqos_mcr_model::FxQuote::Rate(peaqos_mcr_model::FxRate {
                usd_per_unit: 1.25,
                rate_day: day,
                source: "fixed",
                stale: false,
            })
        } else {
            peaqos_mcr_model::FxQuote::Unsupported
        }
    }
}

#[test]
fn a_custom_source_supplies_rate_and_provenance() {
    let c = convert_to_usd_cents(1_000, "GBP", ts(2031, 5, 5), &FixedGbp);
    assert_eq!(
        (c.usd_cents, c.fx_source, c.degraded),
        (Some(1_250), "fixed", false)
    );
    assert_eq!(
        convert_to_usd_cents(1_000, "EUR", ts(2031, 5, 5), &FixedGbp).amount_status,
        AmountStatus::UnsupportedCurrency
    );
}

const DAILY_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" \
xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\n\
\t<gesmes:subject>Reference rates</gesmes:subject>\n\
\t<Cube>\n\t\t<Cube time='2026-12-04'>\n\
\t\t\t<Cube currency='USD' rate='1.1000'/>\n\
\t\t\t<Cube currency='JPY' rate='176.00'/>\n\
\t\t</Cube>\n\t</Cube>\n</gesmes:Envelope>\n";

#[test]
fn every_ecb_form_parses_to_the_same_days() {
    let xml = EcbHistory::from_xml(DAILY_XML).expect("daily XML");
    let daily_csv = EcbHistory::parse(b"Date, USD, JPY, \n04 December 2026, 1.1000, 176.00, \n")
        .expect("daily CSV");
    let hist_csv =
        EcbHistory::parse(b"Date,USD,JPY,\n2026-12-04,1.1,176,\n").expect("historical CSV");
    assert_eq!(xml.days(), daily_csv.days());
    assert_eq!(xml.days(), hist_csv.days());
    assert_eq!(xml.date_range().1, "2026-12-04");
    // The days round-trip through `from_days`.
    let embedded = EcbFx::embedded();
    let h = embedded.history().expect("embedded");
    let again = EcbHistory::from_days(h.days()).expect("same days");
    assert_eq!(again.days(), h.days());
    assert_eq!(again.date_range(), h.date_range());
}

#[test]
fn malformed_and_truncated_files_are_refused() {
    let truncated_xml = &DAILY_XML[..DAILY_XML.len() - 25];
    let bad_rate = DAILY_XML.replace("1.1000", "abc");
    // Four letters: not an ISO 4217 code (those have three).
    let bad_code = DAILY_XML.replace("'USD'", "'USDX'");
    let no_usd = DAILY_XML.replace("'USD'", "'GBP'");
    let cases: [(&[u8], &str); 9] = [
        (truncated_xml.as_bytes(), "FX_DATA_BAD_XML"),
        (bad_rate.as_bytes(), "FX_DATA_BAD_XML"),
        (bad_code.as_bytes(), "FX_DATA_BAD_XML"),
        (no_usd.as_bytes(), "FX_DATA_INVALID"),
        (
            b"Date,USD,JPY,\n2026-12-04,1.1,176,\n2026-12-03,1.1,1",
            "FX_DATA_BAD_CSV",
        ),
        (b"Date,USD,JPY,\n2026-12-04,1.1,-176,\n", "FX_DATA_BAD_CSV"),
        (
            b"Date,USD,JPY,\n2026-12-04,1.1,176,\n2026-12-04,1.1,176,\n",
            "FX_DATA_INVALID",
        ),
        (b"Date,USD,JPY,\n", "FX_DATA_INVALID"),
        (b"PK\x03\x04garbage", "FX_DATA_BAD_ZIP"),
    ];
    for (bytes, code) in cases {
        let err = EcbHistory::parse(bytes).expect_err("refused");
        assert_eq!(
            err.code(),
            code,
            "{err}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}
