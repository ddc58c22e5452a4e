//! The real server binary as a child process: start it with settings, read its URL, kill it.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use peaqos_devnet::Devnet;

use super::funding_key;

/// The server binary, without the caller's `GAS_STATION_*` settings.
pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peaqos-gas-station"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GAS_STATION_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("GAS_STATION_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// The server process; killed when dropped (also when a test fails half-way).
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `cmd` and reads the base URL from its first stdout line.
pub fn spawn_and_read_url(mut cmd: Command) -> (Server, String) {
    let mut child = cmd.spawn().expect("start the server binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the listening line");
    let url = line.trim().rsplit(' ').next().expect("a URL").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (Server(child), url)
}

/// Starts the server binary on `devnet` with `db_url`; returns the child and its base URL.
pub fn start(
    devnet: &Devnet,
    db_url: &str,
    server_key: &str,
    fault: Option<&str>,
) -> (Server, String) {
    let fault = fault.map(|f| ("GAS_STATION_FAULT", f));
    start_with(devnet, db_url, server_key, fault.as_slice())
}

/// [`start`] with more `GAS_STATION_*` settings.
pub fn start_with(
    devnet: &Devnet,
    db_url: &str,
    server_key: &str,
    settings: &[(&str, &str)],
) -> (Server, String) {
    let key = funding_key(devnet);
    let mut all = vec![
        ("GAS_STATION_CHAIN_LOCAL_RPC_URL", devnet.url.as_str()),
        ("GAS_STATION_CHAIN_LOCAL_FUNDING_KEY", key.as_str()),
    ];
    all.extend_from_slice(settings);
    start_with_parts(db_url, server_key, &all)
}

/// The server binary on `db_url` with `server_key`, chain `local` and `settings` (which must
/// include the chain's RPC URL and funding key).
pub fn start_with_parts(
    db_url: &str,
    server_key: &str,
    settings: &[(&str, &str)],
) -> (Server, String) {
    let mut cmd = binary();
    cmd.env("GAS_STATION_SERVER_KEY", server_key)
        .env("GAS_STATION_CHAINS", "local")
        .env("GAS_STATION_DATABASE_URL", db_url)
        .env("GAS_STATION_BIND", "127.0.0.1:0")
        .env("GAS_STATION_LOG", "warn");
    cmd.envs(settings.iter().copied());
    spawn_and_read_url(cmd)
}
