//! `peaqos qualify mcr DID`: a machine's credit rating from the MCR API (needs only
//! `PEAQOS_MCR_API_URL`; the original also needed a key and six contract addresses).

use crate::{
    env::Env,
    error::{CliResult, mcr_api_error},
    output::{check_did, print_json, rows},
    ui::Ui,
};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The machine's DID: did:peaq:0x + 40 hex.
    did: String,
}

pub(crate) async fn run(ui: &Ui, env: &Env, args: &Args) -> CliResult {
    check_did(&args.did)?;
    let spinner = ui.spinner("Querying the MCR API");
    let result = env.mcr().query_mcr(&args.did).await;
    drop(spinner);
    let mcr =
        result.map_err(|e| mcr_api_error(e, "Machine not found".into(), &env.mcr_api_url()))?;
    if ui.json {
        return print_json(&mcr);
    }
    let last = mcr
        .last_updated
        .and_then(|t| chrono::DateTime::from_timestamp(i64::try_from(t).ok()?, 0))
        .map_or_else(
            || "—".to_owned(),
            |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
    ui.out(format!("MCR for {}", args.did));
    ui.out("");
    let all = rows(
        "  ",
        &[
            ("Rating", mcr.mcr.to_string()),
            ("Score", format!("{} / 100", mcr.mcr_score)),
            ("Bond Status", mcr.bond_status.to_string()),
            ("Events", String::new()),
            ("  Total", mcr.event_count.to_string()),
            ("  Revenue", mcr.revenue_event_count.to_string()),
            ("  Activity", mcr.activity_event_count.to_string()),
            ("30-Day Revenue", mcr.revenue_trend.to_string()),
            ("Last Updated", last),
            (
                "FX Degraded",
                if mcr.mcr_degraded { "yes" } else { "no" }.to_owned(),
            ),
        ],
    );
    for (i, line) in all.into_iter().enumerate() {
        if i == 3 || i == 7 {
            ui.out("");
        }
        ui.out(if i == 3 {
            line.trim_end().to_owned()
        } else {
            line
        });
    }
    Ok(())
}
