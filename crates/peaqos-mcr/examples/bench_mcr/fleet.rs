//! `bench_mcr fleet`: PostgreSQL with a large fleet (default 100,000 machines × 100 events =
//! 10 million events, 1,000 operators of 100 machines): database size, bytes per event, and
//! uncached `/mcr/{did}` and `/operator/{did}/machines` under load, each request for another
//! machine or operator.
//!
//! The rows are generated in SQL (`generate_series`) in the schema the indexer writes; the
//! summary rows are then built by `Store::connect`, the code path that builds them for a
//! database from before migration 0007. The database (`mcr_bench_fleet`) is dropped at the end
//! unless `BENCH_KEEP_DB=1`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use peaqos_devnet::Devnet;
use peaqos_mcr::{McrConfig, McrService, store::Store};
use sqlx::{Connection, Row};

use super::{Res, load::load_targets};

const DB: &str = "mcr_bench_fleet";
/// Synthetic machine ids start here, clear of the devnet's own registrations.
const FIRST_ID: i64 = 1_000_001;
/// Machines per INSERT statement (progress lines, bounded statement time).
const CHUNK: i64 = 10_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn wallet_sql(id: &str) -> String {
    format!("'0x' || lpad(to_hex({id}), 40, '0')")
}

fn operator_of(index: i64) -> String {
    format!("0xff{:038x}", index)
}

/// `server` with its database replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let after = server.find("://").map_or(0, |i| i + 3);
    let plain = server.split('?').next().unwrap_or(server);
    let base = plain[after..]
        .find('/')
        .map_or(plain, |j| &plain[..after + j]);
    format!("{base}/{name}")
}

async fn exec(conn: &mut sqlx::AnyConnection, sql: &str) -> Res<u64> {
    Ok(sqlx::query(sql).execute(conn).await?.rows_affected())
}

/// Fills `url` (migrated, empty) with `machines` machines of `per_machine` events: every
/// machine bonded, operated by one of `machines / 100` operators, one revenue (USD) and one
/// activity event per day on its last `per_machine / 2` days.
async fn fill(url: &str, machines: i64, per_machine: i64, now: i64) -> Res<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let operators = (machines / 100).max(1);
    let last = FIRST_ID + machines - 1;
    exec(
        &mut conn,
        &format!(
            "INSERT INTO machines (machine_id, wallet, block_number, log_index) \
             SELECT m, {}, 0, m FROM generate_series({FIRST_ID}, {last}) AS m",
            wallet_sql("m")
        ),
    )
    .await?;
    // Operator and bond journal rows (the indexer's `OperatorSet` and `Staked`).
    exec(
        &mut conn,
        &format!(
            "INSERT INTO machine_updates (block_number, log_index, machine_id, kind, value) \
             SELECT 0, m * 2, m, 'operator', '0xff' || lpad(to_hex((m - {FIRST_ID}) % {operators}), 38, '0') \
             FROM generate_series({FIRST_ID}, {last}) AS m \
             UNION ALL SELECT 0, m * 2 + 1, m, 'bond', '1000000000000000000' \
             FROM generate_series({FIRST_ID}, {last}) AS m"
        ),
    )
    .await?;
    let days = per_machine / 2;
    let t = Instant::now();
    let mut from = FIRST_ID;
    while from <= last {
        let to = (from + CHUNK - 1).min(last);
        // Event i of machine m: day i / 2 of its last `days`, revenue when i is even.
        exec(
            &mut conn,
            &format!(
                "INSERT INTO events (machine_id, event_index, event_type, value, currency, \
                 timestamp, data_hash, trust_level, source_chain_id, source_tx_hash, metadata, \
                 block_number, log_index, tx_hash, block_timestamp) \
                 SELECT m, i, i % 2, CASE WHEN i % 2 = 0 THEN (2500 + (m + i) % 1000)::text ELSE '0' END, \
                 CASE WHEN i % 2 = 0 THEN 'USD' ELSE '' END, \
                 {now} - 3600 - ({days} - 1 - i / 2) * 86400 + (i % 2) * 60, \
                 '0x' || md5(m::text || ':' || i) || md5(i::text || ':' || m), 2, '0', \
                 '0x0000000000000000000000000000000000000000000000000000000000000000', '0x', \
                 0, i, '0x' || md5(m::text || '/' || i) || md5(i::text || '/' || m), \
                 {now} - 3600 - ({days} - 1 - i / 2) * 86400 + (i % 2) * 60 \
                 FROM generate_series({from}, {to}) AS m, generate_series(0, {}) AS i",
                per_machine - 1
            ),
        )
        .await?;
        eprintln!(
            "  machines {from}..={to}: {:.0} s",
            t.elapsed().as_secs_f64()
        );
        from = to + 1;
    }
    // As a database from before migration 0007: the next start builds the summary rows.
    exec(
        &mut conn,
        "UPDATE mcr_machine_summaries_meta SET fx_max_staleness_days = -1 WHERE id = 1",
    )
    .await?;
    exec(&mut conn, "DELETE FROM mcr_machine_summaries").await?;
    exec(&mut conn, "ANALYZE").await?;
    conn.close().await?;
    Ok(())
}

async fn scalar(conn: &mut sqlx::AnyConnection, sql: &str) -> Res<i64> {
    Ok(sqlx::query(sql).fetch_one(conn).await?.try_get(0)?)
}

/// Runs the fleet benchmark against the PostgreSQL server `server` and the devnet `devnet`.
pub(crate) async fn run(devnet: &Devnet, server: &str, secs: u64, conns: usize) -> Res<()> {
    let machines = i64::try_from(env_u64("BENCH_MACHINES", 100_000))?;
    let per_machine = i64::try_from(env_u64("BENCH_EVENTS_PER_MACHINE", 100))?;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(server).await?;
    exec(&mut admin, &format!("DROP DATABASE IF EXISTS {DB}")).await?;
    exec(&mut admin, &format!("CREATE DATABASE {DB}")).await?;
    let url = with_database(server, DB);
    let result = measure(devnet, &url, machines, per_machine, secs, conns).await;
    if std::env::var("BENCH_KEEP_DB").as_deref() != Ok("1") {
        exec(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        )
        .await?;
    }
    result
}

async fn measure(
    devnet: &Devnet,
    url: &str,
    machines: i64,
    per_machine: i64,
    secs: u64,
    conns: usize,
) -> Res<()> {
    // Migrations on the empty database, then the rows.
    Store::connect(url, 2).await?.close().await;
    let now = i64::try_from(peaqos_mcr::scoring::unix_now())?;
    let t = Instant::now();
    fill(url, machines, per_machine, now).await?;
    let fill_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    Store::connect(url, 2).await?.close().await;
    let build_secs = t.elapsed().as_secs_f64();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    exec(&mut conn, "VACUUM ANALYZE").await?;
    let events = scalar(&mut conn, "SELECT COUNT(*) FROM events").await?;
    let rows = scalar(&mut conn, "SELECT COUNT(*) FROM mcr_machine_summaries").await?;
    let size = scalar(&mut conn, &format!("SELECT pg_database_size('{DB}')")).await?;
    let table = |t: &str| format!("SELECT pg_total_relation_size('{t}')");
    let events_size = scalar(&mut conn, &table("events")).await?;
    let rows_size = scalar(&mut conn, &table("mcr_machine_summaries")).await?;
    conn.close().await?;
    let gib = |b: i64| b as f64 / f64::from(1u32 << 30);
    println!(
        "\n## PostgreSQL fleet: {machines} machines, {events} events, {rows} summary rows\n\n\
         filled in {fill_secs:.0} s (SQL), summaries built in {build_secs:.0} s (Store::connect)\n\n\
         | what | value |\n| --- | ---: |\n\
         | database size (`pg_database_size`) | {:.2} GiB |\n\
         | bytes per event (database / events) | {:.0} |\n\
         | `events` with its indexes | {:.2} GiB ({:.0} B/event) |\n\
         | `mcr_machine_summaries` with its index | {:.2} GiB ({:.0} B/row) |",
        gib(size),
        size as f64 / events as f64,
        gib(events_size),
        events_size as f64 / events as f64,
        gib(rows_size),
        rows_size as f64 / rows.max(1) as f64,
    );

    let contracts = devnet
        .deployment
        .as_ref()
        .ok_or("devnet without contracts")?
        .contract_addresses();
    let mut config = McrConfig::for_devnet(&devnet.url, contracts, url);
    config.cache_ttl = Duration::ZERO;
    config.rate_limit_per_minute = 0;
    config.db_max_connections = 8;
    let mcr = McrService::spawn(config).await?;
    let head = {
        use alloy::providers::Provider;
        alloy::providers::ProviderBuilder::new()
            .connect_http(devnet.url.parse()?)
            .get_block_number()
            .await?
    };
    mcr.wait_indexed(head, Duration::from_secs(120)).await?;
    let base = mcr.url();
    // A different machine (operator) per request, spread over the whole fleet.
    let spread = |n: u64, of: i64| {
        i64::try_from(n.wrapping_mul(2_654_435_761) % u64::try_from(of).unwrap_or(1)).unwrap_or(0)
    };
    let b = base.clone();
    let mcr_target = Arc::new(move |n: u64| {
        format!("{b}/mcr/did:peaq:0x{:040x}", FIRST_ID + spread(n, machines))
    });
    let operators = (machines / 100).max(1);
    let b = base.clone();
    let op_target = Arc::new(move |n: u64| {
        format!(
            "{b}/operator/did:peaq:{}/machines?offset={}&limit=20",
            operator_of(spread(n, operators)),
            (n % 5) * 20
        )
    });
    println!(
        "\n{conns} connections, {secs} s per row, MCR_CACHE_TTL=0\n\n\
         | endpoint | requests | req/s | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: | ---: |"
    );
    for (name, target) in [
        (
            "`/mcr/{did}` (a random machine each)",
            mcr_target as super::load::Target,
        ),
        (
            "`/operator/{did}/machines` (a random operator, page 1–5 of 20)",
            op_target,
        ),
    ] {
        let l = load_targets(target, secs, conns)?;
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} |",
            l.requests, l.rps, l.p50, l.p99
        );
    }
    mcr.shutdown().await;
    Ok(())
}
