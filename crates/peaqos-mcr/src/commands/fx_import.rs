//! `peaqos-mcr fx import FILE`: loads an ECB reference-rate file (any ECB form: daily or
//! historical XML, CSV or zip) into the database named by `MCR_DATABASE_URL`, with the
//! refresher's validation (the whole file or nothing). Running services use the new rates
//! within `MCR_FX_SYNC_SECS`.

use std::path::Path;

use eyre::{WrapErr, bail};
use peaqos_mcr::{McrConfig, fx, scoring::unix_now, store::Store};
use peaqos_mcr_model::date::format_day;

/// Runs the import and prints what changed.
pub(crate) async fn run(file: &Path) -> eyre::Result<()> {
    let config = McrConfig::from_env().wrap_err("configuration")?;
    let size = std::fs::metadata(file)
        .wrap_err_with(|| format!("reading {}", file.display()))?
        .len();
    if size > config.fx_max_bytes as u64 {
        bail!(
            "{} is {size} bytes, over MCR_FX_MAX_BYTES = {}",
            file.display(),
            config.fx_max_bytes
        );
    }
    let bytes = std::fs::read(file).wrap_err_with(|| format!("reading {}", file.display()))?;
    let store = Store::connect_with(&config.database_url, 1, config.fx_max_staleness_days)
        .await
        .wrap_err("opening the database")?;
    let outcome = fx::import(&store, &bytes, unix_now()).await;
    store.close().await;
    let report = outcome.map_err(|e| eyre::eyre!("{e} ({}); nothing was written", e.code()))?;
    #[allow(clippy::print_stdout)]
    {
        println!(
            "imported {} days ({} … {}): {} added or changed",
            report.days,
            format_day(report.range.0),
            format_day(report.range.1),
            report.changed.len()
        );
    }
    Ok(())
}
