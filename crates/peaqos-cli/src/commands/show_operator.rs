//! `peaqos show operator machines DID`: one page of an operator's fleet with ratings
//! (`--offset`/`--limit` choose the page), or the whole fleet with `--all` (every page).

use crate::{
    env::Env,
    error::{CliResult, mcr_api_error},
    output::{check_did, print_json, short_did, table},
    ui::Ui,
};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The operator's DID: did:peaq:0x + 40 hex.
    did: String,
    /// First machine to list (0-based).
    #[arg(long, conflicts_with = "all")]
    offset: Option<u64>,
    /// Machines per page (1-20; the API's default is 20).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=20), conflicts_with = "all")]
    limit: Option<u64>,
    /// Walk every page: the whole fleet (the on-chain operator relation, past the 100 ids of
    /// the `machines` attribute).
    #[arg(long)]
    all: bool,
}

pub(crate) async fn run(ui: &Ui, env: &Env, args: &Args) -> CliResult {
    check_did(&args.did)?;
    let spinner = ui.spinner("Querying the MCR API");
    let mcr = env.mcr();
    let result = if args.all {
        mcr.query_all_operator_machines(&args.did).await
    } else {
        mcr.query_operator_machines(&args.did, args.offset, args.limit)
            .await
    };
    drop(spinner);
    let page = result.map_err(|e| {
        mcr_api_error(
            e,
            format!("Operator not found: {}", args.did),
            &env.mcr_api_url(),
        )
    })?;
    if ui.json {
        return print_json(&page);
    }
    ui.out(format!("  Operator: {}", args.did));
    ui.out(format!("  Machines: {}", page.pagination.total));
    ui.out("");
    if page.machines.is_empty() {
        ui.out("    No machines registered for this operator.");
        return Ok(());
    }
    let body: Vec<Vec<String>> = page
        .machines
        .iter()
        .map(|m| {
            vec![
                short_did(&m.did),
                m.machine_id.to_string(),
                m.mcr_score.to_string(),
                m.mcr.to_string(),
            ]
        })
        .collect();
    for line in table("    ", &["peaqID", "Machine ID", "MCR", "Rating"], &body) {
        ui.out(line);
    }
    let shown_to = page.pagination.offset + page.machines.len() as u64;
    if !args.all && shown_to < page.pagination.total {
        ui.out("");
        ui.out(format!(
            "    Showing {}-{} of {}; next page: --offset {}",
            page.pagination.offset + 1,
            shown_to,
            page.pagination.total,
            page.pagination.offset + page.pagination.limit
        ));
    }
    Ok(())
}
