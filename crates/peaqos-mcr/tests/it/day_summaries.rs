//! Constant-time scoring: scores from the summary row the store keeps per machine equal scores
//! from the raw events, exactly, on random histories (duplicates with other trust levels,
//! several currencies with stale and missing rates, unknown types, reorgs, FX changes), and a
//! database from before migration 0007 gets its rows built when it is opened. Every
//! comparison covers both columns of the row: the merged summary (what `/mcr` reads) and the
//! per-day summaries it is derived from; and every machine's history computed from the row's
//! settled days plus the other days' events equals the history rescored from all its events.

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_mcr::{
    api::history,
    fx,
    machine_summaries::StoredSummary,
    scoring::{compute_from_summary, compute_raw},
    store::{Batch, BlockRef, MachineChange, NewMachine, ScoreEvent, Store, StoredEvent},
};
use peaqos_mcr_model::date::{SECONDS_PER_DAY, days_from_civil, format_day};
use peaqos_mcr_model::{AdminState, EcbFx, EventRecord};
use peaqos_test_utils::{ScratchDir, pg::PgDatabase};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::Connection as _;

use crate::common::sqlite_url;

const MACHINES: u64 = 4;
const CURRENCIES: [&str; 7] = ["USD", "USD", "EUR", "JPY", "BHD", "XYZ", ""];

fn t0() -> u64 {
    u64::try_from(days_from_civil(2026, 1, 1)).expect("day") * SECONDS_PER_DAY
}

/// The test's own copy of what is on chain: blocks and their events.
struct Chain {
    rng: StdRng,
    blocks: Vec<BlockRef>,
    events: Vec<StoredEvent>,
}

impl Chain {
    fn block(&mut self) -> BlockRef {
        let number = self.blocks.last().map_or(1, |b| b.number + 1);
        let b = BlockRef {
            number,
            hash: B256::from(U256::from(self.rng.random::<u64>())),
            timestamp: t0() + number * 600,
        };
        self.blocks.push(b);
        b
    }

    fn random_event(&mut self, machine_id: u64, block: BlockRef, log_index: u64) -> StoredEvent {
        let event_index = self
            .events
            .iter()
            .filter(|e| e.machine_id == machine_id)
            .count() as u64;
        let mine: Vec<&StoredEvent> = self
            .events
            .iter()
            .filter(|e| e.machine_id == machine_id)
            .collect();
        let rng = &mut self.rng;
        // A third are copies of an earlier event with another trust level (duplicates).
        let (event_type, value, currency, timestamp) = if !mine.is_empty() && rng.random_bool(0.3) {
            let e = mine[rng.random_range(0..mine.len())];
            (e.event_type, e.value, e.currency.clone(), e.timestamp)
        } else {
            let event_type = match rng.random_range(0..20) {
                0 => 7,
                n if n < 12 => 0,
                _ => 1,
            };
            let currency = CURRENCIES[rng.random_range(0..CURRENCIES.len())].to_owned();
            let day = rng.random_range(0..420u64);
            let secs = if rng.random_bool(0.5) {
                36_000
            } else {
                rng.random_range(0..SECONDS_PER_DAY)
            };
            // Some are dated before their block (known later than their day ends).
            let timestamp = if rng.random_bool(0.1) {
                block.timestamp - rng.random_range(0..2 * SECONDS_PER_DAY)
            } else {
                t0() + day * SECONDS_PER_DAY + secs
            };
            (
                event_type,
                U256::from(rng.random_range(0..400_000u64)),
                currency,
                timestamp,
            )
        };
        StoredEvent {
            machine_id,
            event_index,
            event_type,
            value,
            currency,
            timestamp,
            data_hash: B256::ZERO,
            trust_level: rng.random_range(0..=3),
            source_chain_id: U256::ZERO,
            source_tx_hash: B256::ZERO,
            metadata: Bytes::new(),
            block_number: block.number,
            log_index,
            tx_hash: B256::ZERO,
            block_timestamp: block.timestamp,
        }
    }
}

/// Every machine scored from its summary row's merged summary and from its events: the same,
/// field for field; and the merged summary is the one its per-day summaries give (the
/// `score_days` path: `score_days` is `MachineSummary::from_days` then `score_summary`).
async fn assert_same_scores(store: &Store, fx: &EcbFx, rng: &mut StdRng, what: &str) {
    for id in 1..=MACHINES {
        let (machine, stored) = store
            .machine_for_score(id)
            .await
            .expect("read")
            .expect("registered");
        let days = store.machine_days(id).await.expect("days");
        assert_eq!(
            stored.clone().unwrap_or_default(),
            StoredSummary::of_days(&days),
            "{what}: machine {id}"
        );
        assert_eq!(stored.is_some(), !days.is_empty(), "{what}: machine {id}");
        let now = t0() + rng.random_range(0..600u64) * SECONDS_PER_DAY;
        let raw = compute_raw(store, machine.clone(), fx, now)
            .await
            .expect("from events");
        let agg = compute_from_summary(store, machine, now)
            .await
            .expect("from the summary");
        assert_eq!(agg.score, raw.score, "{what}: machine {id} at {now}");
        assert_eq!(agg.last_updated, raw.last_updated, "{what}: machine {id}");
        assert_eq!(agg.fx_last_day, raw.fx_last_day, "{what}: machine {id}");
        assert!(
            days.len() as u64 <= raw.score.event_count,
            "{what}: one summary per active day at most"
        );
        assert_same_history(store, fx, rng, id, what).await;
    }
}

/// A machine's history (`/mcr/{did}/history`'s computation) from the settled days of its
/// summary row and the events of the other days equals the history from all its events
/// rescored at every point: random first points (often inside a day, so that day is open),
/// steps from an hour to four days, and a `now` after the last point.
async fn assert_same_history(store: &Store, fx: &EcbFx, rng: &mut StdRng, id: u64, what: &str) {
    // A third of the points start around the blocks (which are made from t0 on, 10 minutes
    // apart), where days hold events mined after the day ended.
    let first = if rng.random_bool(0.33) {
        t0() - SECONDS_PER_DAY + rng.random_range(0..3 * SECONDS_PER_DAY)
    } else {
        t0() + rng.random_range(0..440u64) * SECONDS_PER_DAY - SECONDS_PER_DAY
            + rng.random_range(0..SECONDS_PER_DAY)
    };
    let step = [3_600, 6 * 3_600, SECONDS_PER_DAY, 4 * SECONDS_PER_DAY][rng.random_range(0..4)];
    let times: Vec<u64> = (0..rng.random_range(1..40u64))
        .map(|k| first + k * step)
        .collect();
    let now = times.last().copied().unwrap_or(first) + rng.random_range(0..3 * SECONDS_PER_DAY);
    let bonded = rng.random_bool(0.5);
    let admin = AdminState::default();
    let known = |events: Vec<ScoreEvent>| -> Vec<(u64, EventRecord)> {
        events
            .into_iter()
            .map(|e| (history::known_at(&e), EventRecord::from(e)))
            .collect()
    };
    let all = known(store.score_events(id).await.expect("events"));
    let raw = history::history_points(bonded, admin, &all, &times, now, fx);
    let (settled, rest) = store.history_input(id, first).await.expect("history input");
    let rest = known(rest);
    assert!(
        rest.len() <= all.len(),
        "{what}: machine {id}: the history reads no more events than there are"
    );
    let hybrid = history::history_points_from(bonded, admin, &settled, &rest, &times, now, fx);
    assert_eq!(
        hybrid, raw,
        "{what}: machine {id}: history from {first} every {step} s"
    );
}

async fn random_histories_score_the_same(url: &str, seed: u64) {
    let store = Store::connect(url, 2).await.expect("store");
    fx::seed(&store).await.expect("seed fx");
    let fx = store.stored_fx().await.expect("stored fx");
    let mut chain = Chain {
        rng: StdRng::seed_from_u64(seed),
        blocks: Vec::new(),
        events: Vec::new(),
    };
    let mut check_rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let first = chain.block();
    let batch = Batch {
        to: Some(first),
        blocks: vec![first],
        machines: (1..=MACHINES)
            .map(|id| NewMachine {
                machine_id: id,
                wallet: Address::repeat_byte(u8::try_from(id).expect("small")),
                block_number: first.number,
                log_index: id,
            })
            .collect(),
        changes: (1..=MACHINES)
            .filter(|id| id % 2 == 1)
            .map(|id| {
                (
                    first.number,
                    100 + id,
                    id,
                    MachineChange::Bonded(U256::from(1)),
                )
            })
            .chain([(first.number, 200, 3, MachineChange::TrustOverride(4_000))])
            .collect(),
        ..Batch::default()
    };
    store.apply(&batch).await.expect("registrations");
    for step in 0..40 {
        if step % 7 == 6 && chain.blocks.len() > 2 {
            // A reorg: back to a random earlier block.
            let keep_at = chain.rng.random_range(1..chain.blocks.len());
            let keep = chain.blocks[keep_at - 1];
            chain.blocks.truncate(keep_at);
            chain.events.retain(|e| e.block_number <= keep.number);
            store.rollback(Some(keep)).await.expect("rollback");
        } else {
            let mut batch = Batch::default();
            for _ in 0..chain.rng.random_range(1..4) {
                let block = chain.block();
                batch.blocks.push(block);
                for log in 0..chain.rng.random_range(1..25u64) {
                    let machine = chain.rng.random_range(1..=MACHINES);
                    let e = chain.random_event(machine, block, log);
                    chain.events.push(e.clone());
                    batch.events.push(e);
                }
                batch.to = Some(block);
            }
            store.apply(&batch).await.expect("apply");
        }
        assert_same_scores(
            &store,
            &fx,
            &mut check_rng,
            &format!("seed {seed} step {step}"),
        )
        .await;
    }
    let stored: u64 = store.total_events().await.expect("count");
    assert_eq!(stored, chain.events.len() as u64);

    // New and changed FX rates (after the shipped history ends, and one day inside it): the
    // summaries follow in the same transaction.
    let (_, days) = store.fx_days().await.expect("fx days");
    let (last_day, last_rates) = days.last().cloned().expect("rates");
    let mut new: Vec<(i64, String)> = (1..60)
        .map(|i| (last_day + i, last_rates.replace("JPY:", "JPY:1")))
        .collect();
    let mid = days_from_civil(2026, 3, 2);
    let mid_rates = days
        .iter()
        .find(|d| d.0 == mid)
        .expect("a fixing")
        .1
        .clone();
    new.push((mid, mid_rates.replace("USD:1.", "USD:2.")));
    let changed = store.fx_write(&new, false).await.expect("fx write");
    assert!(
        changed.contains(&mid),
        "{:?}",
        changed.first().map(|d| format_day(*d))
    );
    let fx = store.stored_fx().await.expect("stored fx");
    assert_same_scores(
        &store,
        &fx,
        &mut check_rng,
        &format!("seed {seed} after FX"),
    )
    .await;

    let before: Vec<_> = fixed_now_scores(&store).await;
    store.close().await;
    sqlx::any::install_default_drivers();
    // A database from before migration 0005: no summaries; opening it runs migrations 0005
    // to 0007 (0007 drops the day and month tables of 0005 and 0006) and builds the rows
    // from the events.
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("raw connection");
    for sql in [
        "DROP TABLE mcr_machine_summaries",
        "DROP TABLE mcr_machine_summaries_meta",
        "DELETE FROM _sqlx_migrations WHERE version = 7",
        "DELETE FROM _sqlx_migrations WHERE version = 6",
        "DROP INDEX events_machine_time",
        "DELETE FROM _sqlx_migrations WHERE version = 5",
    ] {
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    }
    sqlx::Connection::close(conn).await.expect("close");
    let store = Store::connect(url, 2).await.expect("migrates");
    assert_eq!(
        fixed_now_scores(&store).await,
        before,
        "same scores after the migration"
    );
    assert_same_scores(
        &store,
        &fx,
        &mut check_rng,
        &format!("seed {seed} migrated"),
    )
    .await;
    store.close().await;
}

/// Every machine's score from the summaries at a fixed `now`.
async fn fixed_now_scores(store: &Store) -> Vec<peaqos_mcr_model::McrScore> {
    let mut out = Vec::new();
    for id in 1..=MACHINES {
        let machine = store.machine(id).await.expect("read").expect("registered");
        let c = compute_from_summary(store, machine, t0() + 500 * SECONDS_PER_DAY)
            .await
            .expect("score");
        out.push(c.score);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_summaries_score_exactly_like_the_events() {
    for seed in 0..6 {
        let dir = ScratchDir::new("mcr-days").expect("dir");
        random_histories_score_the_same(&sqlite_url(&dir), seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn postgres_summaries_score_exactly_like_the_events() {
    for seed in 100..103 {
        let db = PgDatabase::create("peaqos_mcr_days").await;
        random_histories_score_the_same(&db.url, seed).await;
        db.drop_db().await;
    }
}
