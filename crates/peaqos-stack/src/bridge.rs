//! The local Machine NFT bridge: two devnets (peaq and Base), LayerZero's own `EndpointV2` +
//! `SimpleMessageLib` on each (see `peaqos_contracts::layerzero`), and a relayer that plays
//! the DVN and executor roles: it watches `PacketSent` on each endpoint, validates the packet
//! on the other chain's library and calls `lzReceive` on the other endpoint.
//!
//! Real LayerZero contracts run on both sides; only the off-chain delivery is ours, so the
//! SDK's `bridge_nft` / `wait_for_bridge_arrival` behave as on mainnet, just in seconds.
//!
//! **Exactly once across restarts.** Before validating a packet the relayer asks the
//! destination endpoint whether it was delivered already (no pending payload hash and a nonce
//! at or below `lazyInboundNonce`): a restarted relayer that scans a packet again skips it, and
//! one killed between `validatePacket` and `lzReceive` finishes the delivery. With a state file
//! ([`LocalBridge::relay_with_state`]) each direction's scan cursor and the delivered count
//! survive restarts, so a restart does not rescan the chains from block 0. Packets whose
//! delivery failed are reported by [`LocalBridge::pending`] (and logged) until delivered.
//!
//! **Exactly once across a crash of both chains** (`peaqos dev` SIGKILLed: each devnet loses
//! what it did since its last save, independently). With [`ChainSaves`] the relayer saves the
//! source chain before it delivers a packet (a delivery never outlives its send) and the
//! destination after it delivered, before its cursor moves past the packet (a lost delivery
//! is scanned and made again). A cursor past a restored chain's head is pulled back to it.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolEvent,
};
use peaqos_contracts::layerzero::{
    ILocalEndpoint, ILocalMessageLib, LocalBridgeDeployment, LocalEndpoint, Packet,
    deploy_local_bridge,
};
use peaqos_devnet::{Devnet, StateSaver};
use tokio::{sync::watch, task::JoinHandle};

use crate::StackError;

/// The dev account (index) the relayer signs with on both chains.
pub const RELAYER_ACCOUNT: usize = 9;
/// How often the relayer looks for new packets.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Most blocks one `eth_getLogs` scan of the relayer covers (the devnet refuses more than
/// 10,000 per call); a longer backlog is caught up one window per poll.
pub const LOGS_WINDOW: u64 = 5_000;

sol! {
    /// The part of LayerZero's `EndpointV2` that says whether a packet was delivered.
    #[sol(rpc)]
    interface IEndpointNonces {
        function lazyInboundNonce(address _receiver, uint32 _srcEid, bytes32 _sender) external view returns (uint64);
    }
}

/// A packet the relayer has seen but not delivered yet (its last attempt failed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PendingPacket {
    /// The source endpoint id.
    pub src_eid: u32,
    /// The destination endpoint id.
    pub dst_eid: u32,
    /// The packet's nonce on its path.
    pub nonce: u64,
    /// The packet's guid.
    pub guid: B256,
    /// Why the last attempt failed.
    pub error: String,
}

/// What the relayer keeps in its state file across restarts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelayerState {
    /// The next block to scan on peaq (packets to Base).
    pub peaq_next_block: u64,
    /// The next block to scan on Base (packets to peaq).
    pub base_next_block: u64,
    /// Packets delivered so far, over every run.
    pub delivered: u64,
}

impl RelayerState {
    /// Reads `path`; a missing file is the initial state (scan from block 0).
    pub fn load(path: &Path) -> Result<Self, StackError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StackError::Bridge(format!("relayer state {}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(StackError::Bridge(format!(
                "relayer state {}: {e}",
                path.display()
            ))),
        }
    }

    /// Replaces `path` atomically (0600).
    fn save(&self, path: &Path) -> Result<(), String> {
        let bytes = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        peaqos_service::write_private(path, &bytes).map_err(|e| e.to_string())
    }
}

/// The state savers of both chains, for a relayer whose devnets keep their state in files
/// (see the module docs: a delivery is only made on a saved send, and saved before the
/// relayer's cursor moves past it).
#[derive(Debug, Clone)]
pub struct ChainSaves {
    /// The peaq devnet's.
    pub peaq: StateSaver,
    /// The Base devnet's.
    pub base: StateSaver,
}

/// A running local bridge: the deployment and its relayer. Dropping it stops the relayer at
/// once (as [`LocalBridge::kill`]).
#[derive(Debug)]
pub struct LocalBridge {
    /// What was deployed on each chain.
    pub deployment: LocalBridgeDeployment,
    delivered: Arc<AtomicU64>,
    pending: Arc<Mutex<BTreeMap<B256, PendingPacket>>>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl LocalBridge {
    /// Deploys the bridge between `peaq` (which must have the peaqOS stack) and `base`, then
    /// starts the relayer. Account 0 of each devnet deploys and owns; account
    /// [`RELAYER_ACCOUNT`] relays.
    pub async fn spawn(peaq: &Devnet, base: &Devnet) -> Result<Self, StackError> {
        let deployment = Self::deploy(peaq, base).await?;
        Self::relay(&peaq.url, &base.url, deployment, relayer_signer(peaq)?).await
    }

    /// Deploys the bridge between `peaq` (which must have the peaqOS stack) and `base` without
    /// starting a relayer. Account 0 of each devnet deploys and owns; account
    /// [`RELAYER_ACCOUNT`] is the only one allowed to validate packets.
    pub async fn deploy(peaq: &Devnet, base: &Devnet) -> Result<LocalBridgeDeployment, StackError> {
        let machine_nft = peaq
            .deployment
            .as_ref()
            .ok_or_else(|| StackError::Bridge("the peaq devnet has no peaqOS stack".into()))?
            .machine_nft
            .proxy;
        let owner = |d: &Devnet| -> Result<_, StackError> {
            let account = d
                .accounts
                .first()
                .ok_or_else(|| StackError::Bridge("no dev accounts".into()))?;
            Ok((account.address, connect(&d.url, Some(account.signer()))?))
        };
        let relayer = relayer_signer(peaq)?;
        let (peaq_owner, peaq_provider) = owner(peaq)?;
        let (base_owner, base_provider) = owner(base)?;
        deploy_local_bridge(
            (&peaq_provider, peaq_owner),
            (&base_provider, base_owner),
            machine_nft,
            peaqos_contracts::deploy::DEFAULT_NFT_BASE_URI,
            relayer.address(),
        )
        .await
        .map_err(|e| StackError::Bridge(e.to_string()))
    }

    /// Starts only the relayer, for a bridge deployed earlier (e.g. a restarted devnet pair);
    /// it scans both chains from block 0.
    pub async fn relay(
        peaq_url: &str,
        base_url: &str,
        deployment: LocalBridgeDeployment,
        relayer: PrivateKeySigner,
    ) -> Result<Self, StackError> {
        Self::relay_with_state(peaq_url, base_url, deployment, relayer, None, None).await
    }

    /// [`relay`](Self::relay) keeping its scan cursors and delivered count in `state_file`
    /// (read on start, replaced after every poll that moved them) and, with `saves`, saving
    /// the chains around each delivery (module docs).
    pub async fn relay_with_state(
        peaq_url: &str,
        base_url: &str,
        deployment: LocalBridgeDeployment,
        relayer: PrivateKeySigner,
        state_file: Option<PathBuf>,
        saves: Option<ChainSaves>,
    ) -> Result<Self, StackError> {
        let mut state = match &state_file {
            Some(path) => RelayerState::load(path)?,
            None => RelayerState::default(),
        };
        let peaq = connect(peaq_url, Some(relayer.clone()))?;
        let base = connect(base_url, Some(relayer))?;
        let mut routes = [
            Route::new(peaq.clone(), deployment.peaq, base.clone(), deployment.base).await?,
            Route::new(base, deployment.base, peaq, deployment.peaq).await?,
        ];
        // A chain restored from an older save than the cursor's (a SIGKILL) mines new blocks
        // at the heights the cursor has passed: scan them.
        routes[0].next_block = state.peaq_next_block.min(routes[0].head_at_start + 1);
        routes[1].next_block = state.base_next_block.min(routes[1].head_at_start + 1);
        if let Some(saves) = saves {
            routes[0].savers = Some((saves.peaq.clone(), saves.base.clone()));
            routes[1].savers = Some((saves.base, saves.peaq));
        }
        let delivered = Arc::new(AtomicU64::new(state.delivered));
        let pending = Arc::new(Mutex::new(BTreeMap::new()));
        let (stop, mut stopped) = watch::channel(false);
        let counter = Arc::clone(&delivered);
        let pending_view = Arc::clone(&pending);
        let task = tokio::spawn(async move {
            loop {
                for route in &mut routes {
                    match route.relay_new_packets().await {
                        Ok(n) => {
                            counter.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(e) => tracing::warn!(error = %e, "relayer: will retry"),
                    }
                }
                let now = RelayerState {
                    peaq_next_block: routes[0].next_block,
                    base_next_block: routes[1].next_block,
                    delivered: counter.load(Ordering::Relaxed),
                };
                if let (Some(path), true) = (&state_file, now != state) {
                    match now.save(path) {
                        Ok(()) => state = now,
                        Err(e) => tracing::warn!(error = %e, "relayer: cannot save its state"),
                    }
                }
                if let Ok(mut view) = pending_view.lock() {
                    *view = routes
                        .iter()
                        .flat_map(|r| r.pending.iter().map(|(k, v)| (*k, v.clone())))
                        .collect();
                }
                tokio::select! {
                    () = tokio::time::sleep(POLL_INTERVAL) => {}
                    _ = stopped.wait_for(|s| *s) => return,
                }
            }
        });
        Ok(Self {
            deployment,
            delivered,
            pending,
            stop,
            task: Some(task),
        })
    }

    /// How many packets the relayer has delivered so far (over every run, with a state file).
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// The packets seen but not delivered yet (their last attempt failed; retried every poll).
    pub fn pending(&self) -> Vec<PendingPacket> {
        self.pending
            .lock()
            .map(|p| p.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Stops the relayer after its current poll and waits for it.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Stops the relayer at once, wherever it is (between two transactions of a delivery, or
    /// before saving its state), as a crash would, and waits for it.
    pub async fn kill(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for LocalBridge {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Writes a devnet's state file off the async workers (it waits for the chain thread).
async fn save(saver: &StateSaver) -> Result<(), String> {
    let saver = saver.clone();
    tokio::task::spawn_blocking(move || saver.save())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// The relayer's key: dev account [`RELAYER_ACCOUNT`] (the same on both devnets).
pub fn relayer_signer(devnet: &Devnet) -> Result<PrivateKeySigner, StackError> {
    Ok(devnet
        .accounts
        .get(RELAYER_ACCOUNT)
        .ok_or_else(|| StackError::Bridge("no relayer dev account".into()))?
        .signer())
}

fn connect(url: &str, signer: Option<PrivateKeySigner>) -> Result<DynProvider, StackError> {
    let url = url
        .parse()
        .map_err(|e| StackError::Bridge(format!("bad RPC URL {url}: {e}")))?;
    Ok(match signer {
        Some(signer) => ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(url)
            .erased(),
        None => ProviderBuilder::new().connect_http(url).erased(),
    })
}

/// One direction: packets sent on `src` are delivered on `dst`.
struct Route {
    src: DynProvider,
    src_endpoint: Address,
    dst: DynProvider,
    dst_end: LocalEndpoint,
    next_block: u64,
    /// The source chain's head when the relayer started.
    head_at_start: u64,
    /// The source and destination chains' savers, when they keep state in files.
    savers: Option<(StateSaver, StateSaver)>,
    /// Deliveries made since the destination was last saved.
    unsaved: bool,
    /// Guids delivered already: a block is rescanned after a failure in it.
    done: HashSet<B256>,
    /// Packets whose last delivery attempt failed.
    pending: BTreeMap<B256, PendingPacket>,
}

impl Route {
    async fn new(
        src: DynProvider,
        src_end: LocalEndpoint,
        dst: DynProvider,
        dst_end: LocalEndpoint,
    ) -> Result<Self, StackError> {
        // Fail early on an unreachable chain. The scan starts at block 0, so packets sent
        // before the relayer started are delivered too.
        let head_at_start = src
            .get_block_number()
            .await
            .map_err(|e| StackError::Bridge(format!("source chain unreachable: {e}")))?;
        Ok(Self {
            src,
            src_endpoint: src_end.endpoint,
            dst,
            dst_end,
            next_block: 0,
            head_at_start,
            savers: None,
            unsaved: false,
            done: HashSet::new(),
            pending: BTreeMap::new(),
        })
    }

    /// Delivers every packet sent since the last call; returns how many.
    async fn relay_new_packets(&mut self) -> Result<u64, String> {
        let latest = self
            .src
            .get_block_number()
            .await
            .map_err(|e| format!("eth_blockNumber: {e}"))?;
        if latest < self.next_block {
            return Ok(0);
        }
        // One window per call: a node refuses wide ranges (the devnet above 10,000 blocks), and
        // a restored chain can be far longer than that.
        let latest = latest.min(self.next_block + LOGS_WINDOW - 1);
        let filter = Filter::new()
            .address(self.src_endpoint)
            .event_signature(ILocalEndpoint::PacketSent::SIGNATURE_HASH)
            .from_block(self.next_block)
            .to_block(latest);
        let logs = self
            .src
            .get_logs(&filter)
            .await
            .map_err(|e| format!("eth_getLogs: {e}"))?;
        let mut packets = Vec::with_capacity(logs.len());
        for log in logs {
            let sent = ILocalEndpoint::PacketSent::decode_log_data(log.data())
                .map_err(|e| format!("undecodable PacketSent: {e}"))?;
            let packet = Packet::decode(&sent.encodedPayload).map_err(|e| e.to_string())?;
            if packet.dst_eid == self.dst_end.eid && !self.done.contains(&packet.guid) {
                packets.push((log.block_number, sent.encodedPayload, packet));
            }
        }
        if let (Some((src, _)), false) = (&self.savers, packets.is_empty()) {
            save(src)
                .await
                .map_err(|e| format!("saving the source chain: {e}"))?;
        }
        let mut delivered = 0;
        for (block, encoded, packet) in packets {
            match self.deliver(&encoded, &packet).await {
                Ok(now) => {
                    self.pending.remove(&packet.guid);
                    self.done.insert(packet.guid);
                    self.unsaved |= now;
                    delivered += u64::from(now);
                }
                Err(e) => {
                    self.pending.insert(
                        packet.guid,
                        PendingPacket {
                            src_eid: packet.src_eid,
                            dst_eid: packet.dst_eid,
                            nonce: packet.nonce,
                            guid: packet.guid,
                            error: e.clone(),
                        },
                    );
                    // Rescan from this block next time; delivered guids are skipped.
                    if let Some(block) = block {
                        self.next_block = block;
                    }
                    self.save_destination().await?;
                    return Err(e);
                }
            }
        }
        self.save_destination().await?;
        self.next_block = latest + 1;
        Ok(delivered)
    }

    /// Saves the destination after new deliveries, before the cursor moves past them; on
    /// failure the cursor stays (and the next poll tries again), so a delivery the
    /// destination loses is rescanned and made again.
    async fn save_destination(&mut self) -> Result<(), String> {
        if let (Some((_, dst)), true) = (&self.savers, self.unsaved) {
            save(dst)
                .await
                .map_err(|e| format!("saving the destination chain: {e}"))?;
            self.unsaved = false;
        }
        Ok(())
    }

    /// Delivers `packet` unless the destination has it already; true when this call did.
    async fn deliver(&self, encoded: &Bytes, packet: &Packet) -> Result<bool, String> {
        let lib = ILocalMessageLib::new(self.dst_end.message_lib, &self.dst);
        let endpoint = ILocalEndpoint::new(self.dst_end.endpoint, &self.dst);
        let origin = ILocalEndpoint::Origin {
            srcEid: packet.src_eid,
            sender: packet.sender,
            nonce: packet.nonce,
        };
        let pending_hash = endpoint
            .inboundPayloadHash(packet.receiver, packet.src_eid, packet.sender, packet.nonce)
            .call()
            .await
            .map_err(|e| format!("inboundPayloadHash: {e}"))?;
        if pending_hash.is_zero() {
            // No payload waiting: delivered before (e.g. by a run that then died) when the
            // endpoint's lazy nonce has reached it.
            let lazy = IEndpointNonces::new(self.dst_end.endpoint, &self.dst)
                .lazyInboundNonce(packet.receiver, packet.src_eid, packet.sender)
                .call()
                .await
                .map_err(|e| format!("lazyInboundNonce: {e}"))?;
            if packet.nonce <= lazy {
                return Ok(false);
            }
            let receipt = lib
                .validatePacket(encoded.clone())
                .send()
                .await
                .map_err(|e| format!("validatePacket: {e}"))?
                .get_receipt()
                .await
                .map_err(|e| format!("validatePacket receipt: {e}"))?;
            if !receipt.status() {
                return Err(format!(
                    "validatePacket reverted ({})",
                    receipt.transaction_hash
                ));
            }
        }
        let receipt = endpoint
            .lzReceive(
                origin,
                packet.receiver,
                packet.guid,
                packet.message.clone(),
                Bytes::new(),
            )
            .send()
            .await
            .map_err(|e| format!("lzReceive: {e}"))?
            .get_receipt()
            .await
            .map_err(|e| format!("lzReceive receipt: {e}"))?;
        if !receipt.status() {
            return Err(format!("lzReceive reverted ({})", receipt.transaction_hash));
        }
        tracing::info!(
            src_eid = packet.src_eid,
            dst_eid = packet.dst_eid,
            nonce = packet.nonce,
            guid = %packet.guid,
            "relayer: packet delivered"
        );
        Ok(true)
    }
}
