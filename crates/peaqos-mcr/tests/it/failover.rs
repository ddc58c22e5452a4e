//! Replicas on one PostgreSQL database: two indexer processes and three API processes (the
//! real binary); the leading indexer is SIGKILLed at random moments, again and again, while
//! events keep arriving. Afterwards every event on chain is stored exactly once, the checkpoint
//! is the chain's block, and every API replica serves the same scores. Prints the failover
//! times (leader killed → the next event indexed by the new leader).

use crate::{common::*, indexer::mcr_command};

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    process::{Child, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::providers::Provider;
use peaqos_devnet::Devnet;
use peaqos_mcr::{leader::leader_row, store::Store};
use rand::Rng;

const KILLS: usize = 5;

/// A child process, SIGKILLed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `peaqos-mcr` with `role` as `instance`; returns it and its URL (first stdout line).
fn start(devnet: &Devnet, db_url: &str, role: &str, instance: &str) -> (Proc, String) {
    let mut child = mcr_command(devnet, db_url)
        .env("MCR_ROLE", role)
        .env("MCR_INSTANCE_ID", instance)
        .env("MCR_MAX_BLOCK_RANGE", "3")
        .stdout(Stdio::piped())
        .spawn()
        .expect("peaqos-mcr starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the URL line");
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line:?}");
    (Proc(child), url)
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> F,
) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn leader_killed_repeatedly_loses_and_duplicates_nothing() {
    let db = PgDatabase::create("peaqos_mcr_failover").await;
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let (submitters, ids) = registered_submitters(&devnet).await;
    let now = chain_now(&owner).await;
    submit_rounds(&submitters, &ids, now, 0..5, 4).await;
    let probe = Store::connect(&db.url, 2).await.expect("store");

    let mut serial = 0;
    let mut indexers: HashMap<String, Proc> = HashMap::new();
    let mut new_indexer = |indexers: &mut HashMap<String, Proc>| {
        serial += 1;
        let name = format!("indexer-{serial}");
        let (p, _) = start(&devnet, &db.url, "indexer", &name);
        indexers.insert(name, p);
    };
    new_indexer(&mut indexers);
    new_indexer(&mut indexers);
    let apis: Vec<(Proc, String)> = (0..3)
        .map(|i| start(&devnet, &db.url, "api", &format!("api-{i}")))
        .collect();

    // Events keep arriving through every kill.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (submitters, ids, stop) = (submitters.clone(), ids.clone(), stop.clone());
        tokio::spawn(async move {
            let mut round = 100u64;
            while !stop.load(Ordering::Relaxed) {
                submit_rounds(&submitters, &ids, now, round..round + 1, 2).await;
                round += 1;
            }
        })
    };

    let mut failovers = Vec::new();
    let mut rng = rand::rng();
    for kill in 0..KILLS {
        // The current leader, once it is indexing.
        let before = probe.total_events().await.expect("count");
        wait_until("a leader indexing", Duration::from_secs(30), || async {
            probe.total_events().await.expect("count") > before
        })
        .await;
        let row = leader_row(&probe).await.expect("leader row");
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..150))).await;
        let victim = indexers
            .remove(&row.holder)
            .unwrap_or_else(|| panic!("leader {:?} is not one of ours", row.holder));
        let at_kill = probe.total_events().await.expect("count");
        let killed = Instant::now();
        drop(victim); // SIGKILL
        wait_until("the next leader", Duration::from_secs(30), || async {
            leader_row(&probe).await.expect("leader row").epoch > row.epoch
        })
        .await;
        wait_until(
            "the next event indexed",
            Duration::from_secs(30),
            || async { probe.total_events().await.expect("count") > at_kill },
        )
        .await;
        let took = killed.elapsed();
        let next = leader_row(&probe).await.expect("leader row");
        eprintln!(
            "kill {kill}: {} (epoch {}) → {} (epoch {}) in {took:?}",
            row.holder, row.epoch, next.holder, next.epoch
        );
        assert_ne!(next.holder, row.holder);
        failovers.push(took);
        // Two indexers again.
        new_indexer(&mut indexers);
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.expect("writer");

    // Caught up: the checkpoint is the chain's block at that height.
    let target = head(&owner).await;
    wait_until("catching up", Duration::from_secs(60), || async {
        probe
            .checkpoint()
            .await
            .expect("db")
            .is_some_and(|b| b.number >= target)
    })
    .await;
    let cp = probe.checkpoint().await.expect("db").expect("checkpoint");
    let block = owner
        .provider()
        .get_block_by_number(cp.number.into())
        .await
        .expect("block")
        .expect("exists");
    assert_eq!(block.header.hash, cp.hash, "checkpoint hash");
    // Every event on chain exactly once (count and content per machine, nothing extra).
    let compared = assert_store_equals_chain(&probe, &owner).await;
    eprintln!("{compared} events stored exactly once after {KILLS} leader kills");

    // Every API replica has followed to the checkpoint and serves the same scores.
    for (_, url) in &apis {
        wait_until(
            "an API replica following",
            Duration::from_secs(30),
            || async {
                let (_, ready) = get_json(&format!("{url}/ready")).await;
                ready["indexer"]["indexed_block"]
                    .as_u64()
                    .is_some_and(|b| b >= cp.number)
            },
        )
        .await;
    }
    for (s, _) in submitters.iter().zip(&ids) {
        let did = format!("did:peaq:{}", s.address());
        let mut answers = Vec::new();
        for (_, url) in &apis {
            let (status, body) = get_json(&format!("{url}/mcr/{did}")).await;
            assert_eq!(status, 200, "{body}");
            answers.push(body);
        }
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "replicas disagree on {did}: {answers:?}"
        );
    }
    let (_, metrics) = reqwest::get(format!("{}/metrics", apis[0].1))
        .await
        .map(|r| (0, r))
        .expect("metrics");
    let metrics = metrics.text().await.expect("text");
    assert!(metrics.contains("mcr_indexer_is_leader 0"), "{metrics}");
    assert!(metrics.contains("role=\"api\""), "{metrics}");

    failovers.sort();
    let ms: Vec<u128> = failovers.iter().map(Duration::as_millis).collect();
    eprintln!(
        "failover (leader SIGKILLed → next event indexed), {KILLS} kills: min {} ms, median {} ms, max {} ms",
        ms[0],
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
    drop(apis);
    drop(indexers);
    probe.close().await;
    db.drop_db().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// The fence itself: once another indexer has taken a newer epoch, a leader that has not
/// noticed yet commits nothing (no batch, no rollback), and a process that leads nothing
/// cannot write either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn a_deposed_leader_commits_nothing() {
    use alloy::primitives::B256;
    use peaqos_mcr::{
        Error,
        leader::Fence,
        store::{Batch, BlockRef},
    };
    let db = PgDatabase::create("peaqos_mcr_fence").await;
    let store = Store::connect(&db.url, 2).await.expect("store");
    let block = |n: u64| BlockRef {
        number: n,
        hash: B256::repeat_byte(u8::try_from(n).expect("small")),
        timestamp: 1_700_000_000 + n,
    };
    let batch = |n: u64| Batch {
        to: Some(block(n)),
        blocks: vec![block(n)],
        ..Batch::default()
    };
    let set_epoch = |e: i64| {
        let url = db.url.clone();
        async move {
            use sqlx::Connection as _;
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query("UPDATE mcr_indexer_leader SET epoch = $1 WHERE id = 1")
                .bind(e)
                .execute(&mut conn)
                .await
                .expect("update");
        }
    };
    set_epoch(7).await;
    store.fence().set(7);
    store.apply(&batch(1)).await.expect("the leader writes");
    set_epoch(8).await;
    let refused = store.apply(&batch(2)).await;
    assert!(matches!(refused, Err(Error::NotLeader(_))), "{refused:?}");
    let refused = store.rollback(None).await;
    assert!(matches!(refused, Err(Error::NotLeader(_))), "{refused:?}");
    store.fence().set(Fence::NONE);
    assert!(matches!(
        store.apply(&batch(2)).await,
        Err(Error::NotLeader(_))
    ));
    assert_eq!(
        store.checkpoint().await.expect("db").map(|b| b.number),
        Some(1),
        "nothing committed after the deposition"
    );
    store.close().await;
    db.drop_db().await;
}
