//! The MCR API under slow clients (issue 13 finding 9): 200 half-open and silent connections
//! are all closed after the header timeout, and a normal request is answered afterwards.

use peaqos_test_utils::{
    ScratchDir,
    http_probe::{assert_slow_clients_are_cut_off, get_once},
};

use crate::common::{devnet, spawn_mcr, sqlite_url};

#[tokio::test]
async fn slow_clients_are_cut_off_and_the_server_still_answers() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-http-limits").expect("dir");
    let mcr = spawn_mcr(&devnet, &sqlite_url(&dir)).await;
    assert_slow_clients_are_cut_off(mcr.addr()).await;
    assert_eq!(get_once(mcr.addr(), "/health").await.0, 200);
}
