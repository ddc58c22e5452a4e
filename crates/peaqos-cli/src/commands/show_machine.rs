//! `peaqos show machine DID`: a machine's profile from the MCR API.

use crate::{
    env::Env,
    error::{CliResult, mcr_api_error},
    output::{check_did, print_json, rows, short_did},
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
    let result = env.mcr().query_machine(&args.did).await;
    drop(spinner);
    let profile = result.map_err(|e| {
        mcr_api_error(
            e,
            format!("Machine not found: {}", args.did),
            &env.mcr_api_url(),
        )
    })?;
    if ui.json {
        return print_json(&profile);
    }
    let p = &profile.peaqos;
    let dash = || "—".to_owned();
    ui.out("");
    ui.out(format!("  Machine: {}", args.did));
    ui.out("");
    let operator = p
        .operator
        .as_deref()
        .filter(|o| !o.is_empty())
        .map_or_else(|| "self-managed".to_owned(), short_did);
    for line in rows(
        "    ",
        &[
            ("Name", profile.name.clone()),
            ("Machine ID", p.machine_id.to_string()),
            ("Operator", operator),
        ],
    ) {
        ui.out(line);
    }
    ui.out("");
    ui.out("    DID Attributes:");
    let mut attrs = vec![(
        "documentation_url",
        p.documentation_url
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(dash),
    )];
    if let Some(api) = &p.data_api {
        attrs.push(("data_api", api.clone()));
    }
    attrs.push(("data_visibility", p.data_visibility.clone()));
    for line in rows("      ", &attrs) {
        ui.out(line);
    }
    ui.out("");
    ui.out("    MCR Snapshot:");
    for line in rows(
        "      ",
        &[
            ("Rating", p.mcr.to_string()),
            ("Score", format!("{} / 100", p.mcr_score)),
            ("Bond Status", p.bond_status.to_string()),
        ],
    ) {
        ui.out(line);
    }
    ui.out("");
    ui.out("    Recent Events:");
    let mut ev = vec![("Total", p.event_count.to_string())];
    if let Some(last) = p.event_data.as_ref().and_then(|d| d.last()) {
        let when = chrono::DateTime::from_timestamp(i64::try_from(last.timestamp).unwrap_or(0), 0)
            .map_or_else(dash, |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        ev.push(("Last Event", when));
        ev.push(("Last Origin Value", last.origin_value.to_string()));
        if let Some(r) = last.revenue() {
            ev.push(("Last Currency", r.origin_currency.clone()));
            if let Some(sub) = r.origin_subunit {
                ev.push(("Last Subunit", sub.to_string()));
            }
            ev.push(("Last Status", r.amount_status.to_string()));
            let usd = match (r.amount_status.to_string().as_str(), r.usd_value) {
                ("ok", Some(v)) => format!("{}.{:02}", v / 100, v % 100),
                _ => dash(),
            };
            ev.push(("Last USD Value", usd));
        }
    }
    for line in rows("      ", &ev) {
        ui.out(line);
    }
    Ok(())
}
