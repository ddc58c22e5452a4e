//! `peaqos dev` stopped between a bridge send and its delivery, then restarted on the same
//! `--data-dir`: the packet is delivered after the restart, exactly once. Rounds alternate
//! directions and alternate a clean stop (SIGTERM: every chain saved) with a crash (SIGKILL:
//! each chain keeps only what it saved, independently), at a random moment after the send.
//! After every restart: the token is on exactly one chain, owned by the machine's key, and
//! every packet sent on either chain was delivered once on the other, never twice.

use crate::common;

use std::{
    collections::BTreeMap,
    io::BufRead as _,
    path::{Path, PathBuf},
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    sol,
};
use common::Cli;
use peaqos_sdk::{BridgeNftParams, PeaqosClient};

sol! {
    #[sol(rpc)]
    interface IOwnerOf {
        function ownerOf(uint256 tokenId) external view returns (address);
    }
    interface IEndpointEvents {
        event PacketSent(bytes encodedPayload, bytes options, address sendLibrary);
        event PacketDelivered(Origin origin, address receiver);
        struct Origin { uint32 srcEid; bytes32 sender; uint64 nonce; }
    }
}

/// One running `peaqos dev`: the child, its `.env` and the stderr file its relayer logs to.
struct Dev {
    child: Child,
    env: BTreeMap<String, String>,
    stderr: PathBuf,
}

impl Dev {
    fn start(cli: &Cli, data: &Path, run: usize) -> Self {
        let stderr = cli.path().join(format!("dev-{run}.stderr"));
        let file = std::fs::File::create(&stderr).expect("stderr file");
        let data = data.display().to_string();
        let mut child = common::command(
            cli.path(),
            &[(
                "PEAQOS_LOG".to_owned(),
                "warn,peaqos_stack=info,sqlx=error".to_owned(),
            )],
            &[common::dev_args(&data), vec!["--json"]].concat(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(file)
        .spawn()
        .expect("spawn peaqos dev");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let ready = lines.next().expect("a ready line").expect("utf-8");
        assert!(ready.contains("\"ready\""), "{ready}");
        std::thread::spawn(move || for _ in lines {});
        let env = cli
            .read(".env")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self { child, env, stderr }
    }

    fn var(&self, name: &str) -> &str {
        self.env
            .get(name)
            .unwrap_or_else(|| panic!("{name} in the .env"))
    }

    fn client(&self) -> PeaqosClient {
        PeaqosClient::from_lookup(|name| self.env.get(name).cloned()).expect("client from .env")
    }

    fn provider(&self, var: &str) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.var(var).parse().expect("url"))
            .erased()
    }

    fn address(&self, var: &str) -> Address {
        self.var(var).parse().expect("address")
    }

    /// Sends `signal` and waits for the process to end.
    fn stop(mut self, signal: &str) -> String {
        let status = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(
                Instant::now() < deadline,
                "peaqos dev did not stop on {signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

/// Where the token is: its owner on each chain (None: not there, i.e. burned or never minted).
async fn owners(dev: &Dev, token: U256) -> (Option<Address>, Option<Address>) {
    // A revert (no such token: burned, or never on this chain) is None; a node that does not
    // answer is retried, then fails the test with its error rather than reading as None.
    let on = |provider: DynProvider, nft: Address| async move {
        let mut last = String::new();
        for _ in 0..100 {
            match IOwnerOf::new(nft, &provider).ownerOf(token).call().await {
                Ok(owner) => return Some(owner),
                Err(e) if e.as_revert_data().is_some() || e.to_string().contains("revert") => {
                    return None;
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("ownerOf on {nft}: the node does not answer: {last}")
    };
    (
        on(
            dev.provider("PEAQOS_RPC_URL"),
            dev.address("MACHINE_NFT_ADDRESS"),
        )
        .await,
        on(
            dev.provider(peaqos_stack::ENV_BASE_RPC_URL),
            dev.address(peaqos_stack::ENV_BASE_NFT_ADDRESS),
        )
        .await,
    )
}

/// The (source eid, nonce) of every packet delivered on the chain at `url`'s `endpoint`, with
/// repeats (a packet delivered twice appears twice), and the number of packets sent from it.
async fn endpoint_traffic(provider: &DynProvider, endpoint: Address) -> (Vec<(u32, u64)>, usize) {
    use alloy::sol_types::SolEvent as _;
    let filter = |sig| {
        Filter::new()
            .address(endpoint)
            .event_signature(sig)
            .from_block(0)
    };
    let delivered = provider
        .get_logs(&filter(IEndpointEvents::PacketDelivered::SIGNATURE_HASH))
        .await
        .expect("PacketDelivered logs")
        .iter()
        .map(|log| {
            let d = IEndpointEvents::PacketDelivered::decode_log_data(log.data()).expect("decode");
            (d.origin.srcEid, d.origin.nonce)
        })
        .collect();
    let sent = provider
        .get_logs(&filter(IEndpointEvents::PacketSent::SIGNATURE_HASH))
        .await
        .expect("PacketSent logs")
        .len();
    (delivered, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stdout)] // the seed and what each round did, for a failing run
async fn peaqos_dev_stopped_between_send_and_delivery_delivers_once_after_restart() {
    let cli = Cli::new();
    let data = cli.path().join("data");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    println!("seed {seed}");
    let mut rng = seed;
    let mut next = move |below: u64| {
        // xorshift64: a reproducible sequence from the printed seed.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };

    let mut run = 0;
    let mut dev = tokio::task::block_in_place(|| Dev::start(&cli, &data, run));
    // The `.env` key (dev account 1, funded on both chains) registers itself and holds the NFT.
    let machine = dev.client();
    let me = machine.address();
    let machine_id = machine.register_machine().await.expect("register");
    machine.mint_nft(machine_id, me).await.expect("mint");
    let token = machine.token_id_of(machine_id).await.expect("token id");
    let adapter = dev.address("MACHINE_NFT_ADAPTER_ADDRESS");

    let rounds = 6;
    let mut on_base = false;
    let mut in_flight_at_stop = 0;
    let mut lost_sends = 0;
    for round in 0..rounds {
        let client = dev.client();
        let params = if on_base {
            BridgeNftParams::base_to_peaq(
                token,
                me,
                dev.var(peaqos_stack::ENV_BASE_RPC_URL),
                dev.address(peaqos_stack::ENV_BASE_NFT_ADDRESS),
            )
        } else {
            BridgeNftParams::peaq_to_base(token, me)
        };
        client.bridge_nft(&params).await.expect("bridge send");
        // Round 0 stops at once (the relayer polls every 100 ms: the packet is in flight).
        let delay = if round == 0 { 0 } else { next(400) };
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let signal = if round % 2 == 0 { "-TERM" } else { "-KILL" };
        let stopped_log = tokio::task::block_in_place(|| dev.stop(signal));
        run += 1;
        dev = tokio::task::block_in_place(|| Dev::start(&cli, &data, run));

        // Settle: the token arrives on the destination, or (a crash before the source chain
        // saved the send) it is still the machine's on the source and stays there.
        let deadline = Instant::now() + Duration::from_secs(60);
        let arrived = loop {
            let (peaq_owner, base_owner) = owners(&dev, token).await;
            assert!(
                !(peaq_owner == Some(me) && base_owner == Some(me)),
                "round {round} ({signal} after {delay} ms): the token is on both chains"
            );
            // Locked in the adapter on peaq while it is on Base; burned on Base otherwise.
            let on_peaq = peaq_owner == Some(me) && base_owner.is_none();
            let on_base_now = base_owner == Some(me) && peaq_owner == Some(adapter);
            let (arrived, source_kept) = if on_base {
                (on_peaq, on_base_now)
            } else {
                (on_base_now, on_peaq)
            };
            if arrived {
                break true;
            }
            if source_kept {
                assert_eq!(signal, "-KILL", "a clean stop keeps the send");
                // Nothing was sent as far as the restored chains know: nothing may arrive.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let again = owners(&dev, token).await;
                assert_eq!(
                    again,
                    (peaq_owner, base_owner),
                    "round {round}: a lost send must not be delivered"
                );
                break false;
            }
            assert!(
                Instant::now() < deadline,
                "round {round} ({signal} after {delay} ms): token stuck: peaq owner \
                 {peaq_owner:?}, Base owner {base_owner:?}\nlog of the stopped run:\n{stopped_log}\n\
                 log of the restarted run:\n{}",
                std::fs::read_to_string(&dev.stderr).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        if arrived {
            on_base = !on_base;
            // Delivered by the restarted process (its log), not before the stop.
            let restarted_log = std::fs::read_to_string(&dev.stderr).unwrap_or_default();
            if restarted_log.contains("relayer: packet delivered")
                && !stopped_log.contains("relayer: packet delivered")
            {
                in_flight_at_stop += 1;
            }
        } else {
            lost_sends += 1;
        }

        // Exactly once, on both chains, over every round so far.
        let peaq = dev.provider("PEAQOS_RPC_URL");
        let base = dev.provider(peaqos_stack::ENV_BASE_RPC_URL);
        let deployment: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(data.join("bridge.json")).expect("bridge.json"),
        )
        .expect("bridge.json is JSON");
        let endpoint = |side: &str| -> Address {
            deployment[format!("{side}_endpoint")]
                .as_str()
                .unwrap_or_else(|| panic!("{side}_endpoint in {deployment}"))
                .parse()
                .expect("address")
        };
        let (to_peaq, sent_on_peaq) = endpoint_traffic(&peaq, endpoint("peaq")).await;
        let (to_base, sent_on_base) = endpoint_traffic(&base, endpoint("base")).await;
        for (name, delivered, sent) in [
            ("Base → peaq", &to_peaq, sent_on_base),
            ("peaq → Base", &to_base, sent_on_peaq),
        ] {
            let mut unique = delivered.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(
                unique.len(),
                delivered.len(),
                "{name}: a packet delivered twice: {delivered:?}"
            );
            assert_eq!(
                delivered.len(),
                sent,
                "{name}: every sent packet delivered once"
            );
        }
        println!(
            "round {round}: {signal} {delay} ms after the send: {}; token on {}",
            if arrived {
                "delivered"
            } else {
                "send lost with the crash"
            },
            if on_base { "Base" } else { "peaq" }
        );
    }
    tokio::task::block_in_place(|| dev.stop("-TERM"));
    println!(
        "{rounds} rounds: {in_flight_at_stop} packets in flight at the stop and delivered \
         after the restart, {lost_sends} sends lost with a crash"
    );
    assert!(
        in_flight_at_stop >= 1,
        "at least one stop landed between a send and its delivery (round 0 stops at once)"
    );
}
