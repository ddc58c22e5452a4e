//! The indexer against the devnet: end to end, reorgs (snapshot/revert), and SIGKILLs of the
//! `peaqos-mcr` binary at random moments; each on SQLite and on PostgreSQL.

use crate::common;

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::*;
use peaqos_mcr::store::Store;
use peaqos_sdk::client::PeaqosClient;
use peaqos_test_utils::ScratchDir;
use peaqos_types::event::DataVisibility;
use rand::Rng;

async fn end_to_end(db_url: &str) {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let mcr = spawn_mcr(&devnet, db_url).await;
    let a = fresh_client(&devnet, &owner).await;
    let proxy = fresh_client(&devnet, &owner).await;
    let id_a = register(&a).await;
    a.mint_nft(id_a, a.address()).await.expect("minted");
    let token = a.token_id_of(id_a).await.expect("token");
    a.write_machine_did_attributes(
        id_a,
        token,
        None,
        "https://docs.example",
        "https://api.example",
        DataVisibility::Onchain,
    )
    .await
    .expect("DID written");
    let (b_addr, _) = PeaqosClient::generate_keypair();
    let id_b = proxy.register_for(b_addr).await.expect("registered for");
    let now = chain_now(&owner).await;
    submit(&a, &events(id_a, 120, now, 30, 1), 40).await;
    submit(&proxy, &events(id_b, 30, now, 10, 2), 30).await;
    flag(&owner, id_a).await;
    set_override(&owner, id_b, 5000).await;
    sync(&mcr, &owner).await;

    let store = mcr.store();
    assert_eq!(assert_store_equals_chain(store, &owner).await, 150);
    let ma = store.machine(id_a.to()).await.expect("db").expect("a");
    let mb = store.machine(id_b.to()).await.expect("db").expect("b");
    assert_eq!((ma.wallet, ma.operator), (a.address(), None));
    assert_eq!((mb.wallet, mb.operator), (b_addr, Some(proxy.address())));
    assert!(ma.flagged_at.is_some_and(|t| t >= now));
    assert_eq!(mb.trust_override_bps, Some(5000));
    assert_eq!(mb.flagged_at, None);
    assert_eq!(
        store.token_of_machine(id_a.to()).await.expect("db"),
        Some(token.to())
    );
    assert_eq!(
        store.machine_of_token(token.to()).await.expect("db"),
        Some(id_a.to())
    );
    assert_eq!(
        store.token_holder(token.to()).await.expect("db"),
        Some(a.address())
    );
    let attrs = store.did_attributes(a.address()).await.expect("db");
    assert_eq!(
        attrs.get(b"data_visibility".as_slice()).map(Vec::as_slice),
        Some(b"onchain".as_slice())
    );
    assert_eq!(
        attrs.get(b"machineId".as_slice()).map(Vec::as_slice),
        Some(id_a.to_string().as_bytes())
    );
    assert_eq!(attrs.len(), 6);
    assert_eq!(mcr.status().events_indexed(), 150);
    mcr.shutdown().await;

    // A restart resumes from the checkpoint: nothing is read twice.
    let again = spawn_mcr(&devnet, db_url).await;
    let id_c = register(&client(&devnet, 5)).await;
    submit(&client(&devnet, 5), &events(id_c, 3, now, 1, 3), 3).await;
    sync(&again, &owner).await;
    assert_eq!(assert_store_equals_chain(again.store(), &owner).await, 153);
    assert_eq!(again.status().events_indexed(), 3);
    again.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

async fn reorg(db_url: &str) {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let mcr = spawn_mcr(&devnet, db_url).await;
    let a = client(&devnet, 2);
    let id_a = register(&a).await;
    let now = chain_now(&owner).await;
    submit(&a, &events(id_a, 10, now, 5, 1), 5).await;
    sync(&mcr, &owner).await;
    assert_eq!(assert_store_equals_chain(mcr.store(), &owner).await, 10);

    let snap = snapshot(&owner).await;
    // The branch that will disappear: a new machine, events for both, a flag.
    let b = client(&devnet, 3);
    let id_b = register(&b).await;
    submit(&b, &events(id_b, 20, now, 5, 2), 10).await;
    submit(&a, &events(id_a, 5, now, 5, 3), 5).await;
    flag(&owner, id_a).await;
    sync(&mcr, &owner).await;
    assert_eq!(assert_store_equals_chain(mcr.store(), &owner).await, 35);
    let old_head = head(&owner).await;

    revert(&owner, snap).await;
    // The other branch: another wallet gets the same machine id, different events, and the
    // chain grows past the old head.
    let c = client(&devnet, 4);
    let id_c = register(&c).await;
    assert_eq!(id_c, id_b, "the reverted id is reused");
    submit(&c, &events(id_c, 7, now, 5, 4), 7).await;
    mine(&owner, 12).await;
    assert!(head(&owner).await > old_head);
    sync(&mcr, &owner).await;
    assert!(mcr.status().reorgs() >= 1, "the reorg was noticed");
    assert_eq!(assert_store_equals_chain(mcr.store(), &owner).await, 17);
    let mc = mcr
        .store()
        .machine(id_c.to())
        .await
        .expect("db")
        .expect("c");
    assert_eq!(mc.wallet, c.address());
    let ma = mcr
        .store()
        .machine(id_a.to())
        .await
        .expect("db")
        .expect("a");
    assert_eq!(
        ma.flagged_at, None,
        "the flag of the dropped branch is gone"
    );
    assert_eq!(
        mcr.store()
            .machine_id_of_wallet(b.address())
            .await
            .expect("db"),
        None
    );
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// The `peaqos-mcr` binary for `devnet` on `db_url`, indexing one block per step.
fn spawn_binary(devnet: &peaqos_devnet::Devnet, db_url: &str) -> Child {
    mcr_command(devnet, db_url)
        .stdout(Stdio::null())
        .spawn()
        .expect("peaqos-mcr starts")
}

/// The `peaqos-mcr` command for `devnet` on `db_url`: one block per step, 20 ms polls, logs to
/// stderr with `MCR_TEST_LOG`.
pub(crate) fn mcr_command(devnet: &peaqos_devnet::Devnet, db_url: &str) -> Command {
    let c = contracts(devnet);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peaqos-mcr"));
    cmd.env_clear()
        .env("PEAQOS_RPC_URL", &devnet.url)
        .env("MCR_DATABASE_URL", db_url)
        .env("MCR_CONFIRMATIONS", "0")
        .env("MCR_POLL_INTERVAL_MS", "20")
        .env("MCR_MAX_BLOCK_RANGE", "1")
        .env("MCR_BIND", "127.0.0.1:0")
        .env(
            "RUST_LOG",
            std::env::var("MCR_TEST_LOG").unwrap_or_else(|_| "error".into()),
        );
    for (name, address) in c.env_vars() {
        cmd.env(name, address.to_string());
    }
    cmd.stdin(Stdio::null())
        .stderr(if std::env::var_os("MCR_TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    cmd
}

async fn killed_at_random(db_url: &str) {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let (submitters, ids) = registered_submitters(&devnet).await;
    let now = chain_now(&owner).await;
    // 80 blocks of events before the first start.
    submit_rounds(&submitters, &ids, now, 0..20, 8).await;
    // More blocks arrive while the indexer is being killed.
    let writer = {
        let submitters = submitters.clone();
        let ids = ids.clone();
        tokio::spawn(async move {
            submit_rounds(&submitters, &ids, now, 100..115, 5).await;
        })
    };
    let mut rng = rand::rng();
    let mut checkpoints = Vec::new();
    let probe = Store::connect(db_url, 2).await.expect("store");
    let mut last = None;
    for _ in 0..8 {
        // Kill at a random moment after the indexer has committed something new, so every
        // kill lands while it is working.
        let mut child = spawn_binary(&devnet, db_url);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let cp = probe.checkpoint().await.expect("db").map(|b| b.number);
            if cp > last {
                break;
            }
            assert!(Instant::now() < deadline, "the indexer made no progress");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..80))).await;
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        last = probe.checkpoint().await.expect("db").map(|b| b.number);
        checkpoints.push(last);
    }
    writer.await.expect("writer finished");
    let mut child = spawn_binary(&devnet, db_url);
    let target = head(&owner).await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let cp = probe.checkpoint().await.expect("db").map(|b| b.number);
        if cp.is_some_and(|b| b >= target) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not caught up: {cp:?} < {target}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    eprintln!("checkpoints after each kill: {checkpoints:?}, head {target}");
    assert!(
        checkpoints
            .iter()
            .any(|c| c.is_some_and(|b| b > 0 && b < target)),
        "no kill landed in the middle of indexing: {checkpoints:?}"
    );
    let compared = assert_store_equals_chain(&probe, &owner).await;
    assert_eq!(compared, 4 * (20 * 8 + 15 * 5));
    probe.close().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_indexes_everything_end_to_end() {
    let dir = ScratchDir::new("mcr-e2e").expect("dir");
    end_to_end(&sqlite_url(&dir)).await;
}

/// A provider that refuses `eth_getLogs` answers of more than `CAP` logs (like the devnet,
/// Infura and Alchemy at 10,000; a proxy of the devnet with a lower cap, as mining 10,000
/// events takes minutes in a debug build) and more logs than that within the default
/// `MCR_MAX_BLOCK_RANGE`: the indexer halves the refused range until it fits, grows it back,
/// and indexes everything.
async fn splits_refused_log_ranges(db_url: &str) {
    const CAP: usize = 100;
    const MACHINES: usize = 3;
    const PER_MACHINE: usize = 150;
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let now = chain_now(&owner).await;
    let started = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..MACHINES {
        let c = fresh_client(&devnet, &owner).await;
        writers.push(tokio::spawn(async move {
            let id = register(&c).await;
            submit(&c, &events(id, PER_MACHINE, now, 30, 3), 30).await;
        }));
    }
    for w in writers {
        w.await.expect("submitter");
    }
    eprintln!(
        "{} events in {} blocks in {:.1} s",
        MACHINES * PER_MACHINE,
        head(&owner).await,
        started.elapsed().as_secs_f64()
    );
    let proxy = RpcProxy::start_with_log_cap(&devnet.url, Some(CAP)).await;
    let c = contracts(&devnet);
    let defaults = peaqos_mcr::McrConfig::for_devnet(&devnet.url, c, db_url);
    assert_eq!(
        defaults.max_block_range, 1000,
        "the default MCR_MAX_BLOCK_RANGE"
    );
    let mcr = spawn_mcr_with(&devnet, db_url, |config| config.rpc_url = proxy.url.clone()).await;
    sync(&mcr, &owner).await;
    assert_eq!(
        assert_store_equals_chain(mcr.store(), &owner).await,
        MACHINES * PER_MACHINE
    );
    assert_eq!(mcr.status().errors(), 0, "{:?}", mcr.status().last_error());
    // The first range was refused at least once, then split.
    assert!(
        proxy.calls("eth_getLogs") > 2,
        "{}",
        proxy.calls("eth_getLogs")
    );
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_splits_a_log_range_the_node_refuses() {
    let dir = ScratchDir::new("mcr-logs-cap").expect("dir");
    splits_refused_log_ranges(&sqlite_url(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_rolls_back_a_reorg() {
    let dir = ScratchDir::new("mcr-reorg").expect("dir");
    reorg(&sqlite_url(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill_at_random_moments() {
    let dir = ScratchDir::new("mcr-kill").expect("dir");
    killed_at_random(&sqlite_url(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn postgres_indexes_everything_end_to_end() {
    let db = PgDatabase::create("peaqos_mcr_e2e").await;
    end_to_end(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn postgres_rolls_back_a_reorg() {
    let db = PgDatabase::create("peaqos_mcr_reorg").await;
    reorg(&db.url).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn postgres_survives_sigkill_at_random_moments() {
    let db = PgDatabase::create("peaqos_mcr_kill").await;
    killed_at_random(&db.url).await;
    db.drop_db().await;
}
