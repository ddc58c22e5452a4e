//! The Gas Station under slow clients (issue 13 finding 9): 200 half-open and silent
//! connections are all closed after the header timeout, and a normal request is answered
//! afterwards.

use peaqos_test_utils::http_probe::{assert_slow_clients_are_cut_off, get_once};

use crate::common::{TestDb, config, devnet, station};

#[tokio::test]
async fn slow_clients_are_cut_off_and_the_server_still_answers() {
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let gs = station(config(&devnet, &db)).await;
    let addr = gs
        .url()
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    assert_slow_clients_are_cut_off(addr).await;
    assert_eq!(get_once(addr, "/health").await.0, 200);
    drop(gs);
    db.cleanup().await;
}
