//! `peaqos demo`: a proxy operator onboards a fleet, submits a year of synthetic revenue and
//! activity events with different profiles (batched), then prints each machine's rating and
//! the operator's fleet table. Runs against the stack in `./.env` when it answers (e.g. a
//! `peaqos dev`), otherwise starts a local stack in-process.
//!
//! Events are back-dated over the past year (the EventRegistry only refuses timestamps later
//! than the block), so the chain's clock is never moved: the demo can run against a long-lived
//! `peaqos dev` without skewing it.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_sdk::{
    ClientConfig, NetworkConfig, PeaqosClient,
    fleet::{FleetMachine, FleetOptions},
    mcr::McrClient,
    signer::PrivateKey,
    validation::SubmitEventParams,
};
use peaqos_stack::{LocalStack, StackConfig};
use peaqos_types::{DataVisibility, EventType, TrustLevel, api::McrResponse};
use tokio::task::JoinSet;

use crate::{
    env::{ENV_MCR_API_URL, ENV_RPC_URL, Env, http_client},
    error::{CliError, CliResult},
    output::{peaq, print_json, short_did, table},
    ui::{Style, Ui},
};

const PEAQ: u128 = 1_000_000_000_000_000_000;
const DAY: u64 = 86_400;
/// Events per Batch-precompile transaction.
const BATCH: usize = 100;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Always start a fresh in-process stack, even when ./.env points at a running one.
    #[arg(long)]
    in_process: bool,
    /// Fleet size (the six profiles repeat).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(1..=24))]
    machines: u64,
    /// Days of history to synthesise.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u64).range(1..=730))]
    days: u64,
}

/// An event-history profile.
#[derive(Debug, Clone, Copy)]
struct Profile {
    name: &'static str,
    /// Revenue: (currency, cents on day 0, cents on the last day, every N days); None =
    /// activity only.
    revenue: Option<(&'static str, u64, u64, u64)>,
    /// Activity every N days (0 = none).
    activity_every: u64,
    trust: TrustLevel,
    /// Only the last N days have events (0 = the whole period).
    recent_only: u64,
}

const PROFILES: [Profile; 6] = [
    Profile {
        name: "delivery robot",
        revenue: Some(("USD", 2_500, 4_200, 1)),
        activity_every: 7,
        trust: TrustLevel::HardwareSigned,
        recent_only: 0,
    },
    Profile {
        name: "EV charger",
        revenue: Some(("EUR", 1_800, 1_800, 1)),
        activity_every: 0,
        trust: TrustLevel::OnChainVerifiable,
        recent_only: 0,
    },
    Profile {
        name: "vending machine",
        revenue: Some(("HKD", 30_000, 9_000, 2)),
        activity_every: 14,
        trust: TrustLevel::SelfReported,
        recent_only: 0,
    },
    Profile {
        name: "survey drone",
        revenue: None,
        activity_every: 2,
        trust: TrustLevel::HardwareSigned,
        recent_only: 0,
    },
    Profile {
        name: "weather station",
        revenue: None,
        activity_every: 7,
        trust: TrustLevel::SelfReported,
        recent_only: 0,
    },
    Profile {
        name: "new rover",
        revenue: Some(("USD", 900, 1_100, 3)),
        activity_every: 3,
        trust: TrustLevel::SelfReported,
        recent_only: 12,
    },
];

/// Where the demo runs.
enum Target {
    External {
        funder: PeaqosClient,
        mcr: McrClient,
    },
    InProcess(Box<LocalStack>),
}

pub(crate) async fn run(ui: &Ui, env: &Env, args: Args) -> CliResult {
    let started = Instant::now();
    let target = match (args.in_process, running_stack(env).await) {
        (false, Some((funder, mcr))) => {
            ui.info(format!(
                "Using the stack in ./.env: chain {}, MCR API {}",
                funder.rpc_url(),
                mcr.base_url()
            ));
            Target::External { funder, mcr }
        }
        _ => {
            ui.info(
                "Starting a local peaqOS stack in-process (devnet + MCR service + Gas Station) ...",
            );
            let stack = LocalStack::start(StackConfig::ephemeral(), |s| ui.info(format!("  {s}")))
                .await
                .map_err(|e| {
                    CliError::new(
                        crate::error::ErrorCode::StackFailed,
                        format!("cannot start the local stack: {e}"),
                    )
                })?;
            Target::InProcess(Box::new(stack))
        }
    };
    let result = demo(ui, &target, &args, started).await;
    if let Target::InProcess(stack) = target {
        let _ = stack.shutdown().await;
    }
    result
}

/// The funder and MCR client of the stack `./.env` describes, if both answer.
async fn running_stack(env: &Env) -> Option<(PeaqosClient, McrClient)> {
    env.get(ENV_RPC_URL)?;
    env.get(ENV_MCR_API_URL)?;
    let client = env.client().ok()?;
    let mcr = env.mcr();
    let chain = tokio::time::timeout(Duration::from_secs(3), client.chain_id());
    let health = http_client()
        .get(format!("{}/health", mcr.base_url().trim_end_matches('/')))
        .timeout(Duration::from_secs(3))
        .send();
    match tokio::join!(chain, health) {
        (Ok(Ok(_)), Ok(r)) if r.status().is_success() => Some((client, mcr)),
        _ => None,
    }
}

async fn demo(ui: &Ui, target: &Target, args: &Args, started: Instant) -> CliResult {
    let (funder, mcr) = match target {
        Target::External { funder, mcr } => (funder.clone(), mcr.clone()),
        Target::InProcess(stack) => {
            let account = &stack.devnet.accounts[2];
            let funder = PeaqosClient::new(ClientConfig::new(
                NetworkConfig::new(&stack.devnet.url, stack.contracts()),
                peaqos_sdk::Signer::from(account.signer()),
            ))?;
            (funder, McrClient::new(http_client(), stack.mcr.url()))
        }
    };
    let n = usize::try_from(args.machines).unwrap_or(6);

    // 1. A fresh operator, funded for its own bond and its fleet's.
    ui.step(1, 4, "Proxy operator");
    let (_, operator_key) = PeaqosClient::generate_keypair();
    let budget = U256::from(2 * PEAQ + (n as u128) * (13 * PEAQ / 10));
    let spinner = ui.spinner("Funding the operator");
    funder
        .send_call(operator_key.address(), Bytes::new(), budget)
        .await?;
    drop(spinner);
    let operator = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(funder.rpc_url(), *funder.contracts()),
        operator_key.signer(),
    ))?;
    ui.info(format!(
        "  operator {} funded with {} PEAQ",
        operator.address(),
        peaq(budget)
    ));

    // 2. The fleet: register_for + mint + gas for each machine, their DIDs, the operator's list.
    ui.step(2, 4, &format!("Onboarding a fleet of {n} machines"));
    let keys: Vec<PrivateKey> = (0..n).map(|_| PeaqosClient::generate_keypair().1).collect();
    let fleet: Vec<FleetMachine> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| FleetMachine {
            key: key.clone(),
            documentation_url: format!("https://fleet.example/docs/{i}"),
            data_api: format!("https://fleet.example/api/{i}"),
            visibility: DataVisibility::Public,
        })
        .collect();
    let spinner = ui.spinner("Waiting for the onboarding transactions");
    let report = operator
        .onboard_fleet(
            &fleet,
            FleetOptions {
                fund_wei: U256::from(PEAQ / 5),
            },
        )
        .await?;
    drop(spinner);
    for (i, m) in report.machines.iter().enumerate() {
        ui.info(format!(
            "  machine {} ({}) -> machine_id={} token_id={}",
            m.address,
            PROFILES[i % PROFILES.len()].name,
            m.machine_id,
            m.token_id
        ));
    }

    // 3. A year of events, in batches.
    ui.step(
        3,
        4,
        &format!(
            "Submitting {} days of revenue and activity events",
            args.days
        ),
    );
    let now = chain_time(&operator).await?;
    let mut events = Vec::new();
    let mut expected = Vec::new();
    for (i, m) in report.machines.iter().enumerate() {
        let list = synthesise(
            &PROFILES[i % PROFILES.len()],
            m.machine_id,
            now,
            args.days,
            i as u64,
        );
        expected.push(list.len() as u64);
        events.extend(list);
    }
    let total = events.len();
    let spinner = ui.spinner("Waiting for the event batches");
    let mut tasks = JoinSet::new();
    for chunk in events.chunks(BATCH) {
        let (client, chunk) = (operator.clone(), chunk.to_vec());
        tasks.spawn(async move { client.batch_submit_events(&chunk).await.map(|h| h.len()) });
    }
    let mut batches = 0;
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| CliError::network(format!("event task failed: {e}")))??;
        batches += 1;
    }
    drop(spinner);
    ui.info(format!("  {total} events in {batches} batch transactions"));

    // 4. Ratings, once the MCR service has indexed them.
    ui.step(4, 4, "Reading ratings from the MCR API");
    let spinner = ui.spinner("Waiting for the MCR indexer");
    if let Target::InProcess(stack) = target {
        stack
            .wait_indexed(Duration::from_secs(60))
            .await
            .map_err(|e| CliError::network(format!("MCR indexer: {e}")))?;
    }
    let mut ratings = Vec::new();
    for (m, want) in report.machines.iter().zip(&expected) {
        ratings.push(wait_rating(&mcr, m.address, *want).await?);
    }
    drop(spinner);

    let operator_did = format!("did:peaq:{}", operator.address());
    if ui.json {
        let machines: Vec<serde_json::Value> = report
            .machines
            .iter()
            .zip(&ratings)
            .enumerate()
            .map(|(i, (m, r))| {
                serde_json::json!({
                    "profile": PROFILES[i % PROFILES.len()].name,
                    "machine_id": m.machine_id.to_string(),
                    "did": format!("did:peaq:{}", m.address),
                    "revenue_events": r.revenue_event_count,
                    "activity_events": r.activity_event_count,
                    "total_revenue_usd_cents": r.total_revenue,
                    "revenue_trend": r.revenue_trend.to_string(),
                    "mcr_score": r.mcr_score,
                    "mcr": r.mcr.to_string(),
                })
            })
            .collect();
        return print_json(&serde_json::json!({
            "operator_did": operator_did,
            "machines": machines,
            "events": total,
            "seconds": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            "stack": if matches!(target, Target::External { .. }) { "external" } else { "in_process" },
        }));
    }
    ui.out("");
    ui.out(ui.out_style(Style::Bold, "Machine credit ratings"));
    let body: Vec<Vec<String>> = report
        .machines
        .iter()
        .zip(&ratings)
        .enumerate()
        .map(|(i, (m, r))| {
            vec![
                PROFILES[i % PROFILES.len()].name.to_owned(),
                m.machine_id.to_string(),
                r.revenue_event_count.to_string(),
                r.activity_event_count.to_string(),
                format!(
                    "{:.2}",
                    r.total_revenue.as_f64().unwrap_or_default() / 100.0
                ),
                r.revenue_trend.to_string(),
                r.mcr_score.to_string(),
                r.mcr.to_string(),
            ]
        })
        .collect();
    for line in table(
        "  ",
        &[
            "Profile",
            "Machine ID",
            "Revenue ev.",
            "Activity ev.",
            "Revenue USD",
            "Trend",
            "Score",
            "Rating",
        ],
        &body,
    ) {
        ui.out(line);
    }

    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let page = mcr
            .query_operator_machines(&operator_did, Some(offset), Some(20))
            .await
            .map_err(|e| CliError::network(format!("MCR API: {e}")))?;
        let got = page.machines.len() as u64;
        rows.extend(page.machines.into_iter().map(|m| {
            vec![
                short_did(&m.did),
                m.machine_id.to_string(),
                m.mcr_score.to_string(),
                m.mcr.to_string(),
            ]
        }));
        offset += page.pagination.limit;
        if got == 0 || offset >= page.pagination.total {
            break;
        }
    }
    ui.out("");
    ui.out(ui.out_style(Style::Bold, "Operator fleet"));
    ui.out(format!("  Operator: {operator_did}"));
    ui.out(format!("  Machines: {}", rows.len()));
    ui.out("");
    for line in table("    ", &["peaqID", "Machine ID", "MCR", "Rating"], &rows) {
        ui.out(line);
    }
    ui.out("");
    ui.out(format!(
        "Done in {:.1} s: {n} machines, {total} events.",
        started.elapsed().as_secs_f64()
    ));
    if matches!(target, Target::External { .. }) {
        ui.out(format!("Try: peaqos show operator machines {operator_did}"));
    }
    Ok(())
}

async fn chain_time(client: &PeaqosClient) -> CliResult<u64> {
    use alloy::providers::Provider as _;
    let block = client
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(|e| CliError::network(format!("cannot read the latest block: {e}")))?;
    Ok(block.map_or(0, |b| b.header.timestamp))
}

/// A machine's rating once the MCR API counts all `want` events (the indexer may lag).
async fn wait_rating(mcr: &McrClient, machine: Address, want: u64) -> CliResult<McrResponse> {
    let did = format!("did:peaq:{machine}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match mcr.query_mcr(&did).await {
            Ok(r) if r.event_count >= want => return Ok(r),
            Ok(_) | Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok(r) => {
                return Err(CliError::network(format!(
                    "MCR API shows {} of {want} events for {did} after 60 s",
                    r.event_count
                )));
            }
            Err(e) => return Err(CliError::network(format!("MCR API: {e}"))),
        }
    }
}

/// A deterministic pseudo-random sequence (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `base` ± 15 %.
    fn jitter(&mut self, base: u64) -> u64 {
        let spread = base * 3 / 10;
        base - spread / 2 + if spread == 0 { 0 } else { self.next() % spread }
    }
}

/// The events of one machine over the last `days` days before `now`, oldest first.
fn synthesise(
    p: &Profile,
    machine_id: U256,
    now: u64,
    days: u64,
    seed: u64,
) -> Vec<SubmitEventParams> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (seed + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let first = if p.recent_only > 0 {
        days.saturating_sub(p.recent_only)
    } else {
        0
    };
    let mut out = Vec::new();
    for day in first..days {
        // Day `day` of the period, at a jittered time of day; never in the future.
        let ts = now.saturating_sub((days - day) * DAY) + rng.next() % (DAY / 2);
        let ts = ts.min(now.saturating_sub(1));
        if let Some((currency, start, end, every)) = p.revenue
            && day % every == 0
        {
            let base =
                start as i128 + (end as i128 - start as i128) * day as i128 / days.max(1) as i128;
            let value = rng.jitter(u64::try_from(base).unwrap_or(0));
            let mut e =
                SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(value), ts)
                    .with_currency(currency)
                    .with_trust_level(p.trust)
                    .with_raw_data(format!("{{\"day\":{day},\"value\":{value}}}").into_bytes());
            if p.trust == TrustLevel::OnChainVerifiable {
                let mut h = [0u8; 32];
                h[..8].copy_from_slice(&rng.next().to_be_bytes());
                h[24..].copy_from_slice(&day.to_be_bytes());
                e = e
                    .with_source_chain_id(peaqos_types::constants::PEAQ_CHAIN_ID)
                    .with_source_tx_hash(B256::from(h));
            }
            out.push(e);
        }
        if p.activity_every > 0 && day % p.activity_every == 0 {
            out.push(
                SubmitEventParams::new(machine_id, EventType::Activity, U256::ZERO, ts)
                    .with_currency("")
                    .with_trust_level(p.trust),
            );
        }
    }
    out
}
