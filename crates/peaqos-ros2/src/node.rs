//! The DDS side: one ROS 2 node `peaqos_node` with the 26 services, Fast DDS's request/reply
//! mapping, every call served concurrently.
//!
//! Each service has a receive loop; every request becomes its own task, so a long call (a
//! `bridge/wait_arrival` of minutes) never delays another (`events/submit`). Transactions of one
//! signer keep their order through that signer's SDK client (one nonce manager per signer).
//! At most [`MAX_IN_FLIGHT`] calls run at once; further requests wait in DDS.

use std::{future::Future, sync::Arc, time::Instant};

use ros2_client::{
    Context, ContextOptions, Name, NodeName, NodeOptions, QosProfile, ServiceMapping,
    ServiceTypeName,
    qos::{Durability, History, WhenFull},
};
use tokio::sync::Semaphore;

use crate::{
    error::NodeError,
    interfaces::{PACKAGE, ResponseTail, RosService},
    services::PeaqosNode,
};

/// The node's name; services are `/peaqos_node/<group>/<op>`.
pub const NODE_NAME: &str = "peaqos_node";
/// Env var with the DDS domain (default 0).
pub const ENV_DOMAIN_ID: &str = "ROS_DOMAIN_ID";
/// Most calls executing at once, all services together.
pub const MAX_IN_FLIGHT: usize = 256;
/// Largest accepted `ROS_DOMAIN_ID` (the RTPS port formula's limit).
pub const MAX_DOMAIN_ID: u16 = 232;

/// The request/reply mapping of `rmw_fastrtps_cpp`, the default RMW of Humble and Jazzy: the
/// request is identified by its sample identity, echoed in the reply's related sample identity
/// (RPC over DDS "enhanced" mapping).
pub const SERVICE_MAPPING: ServiceMapping = ServiceMapping::Enhanced;

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// DDS participant, node or endpoint creation failed.
    #[error("DDS: {0}")]
    Dds(String),
    /// A bad `ROS_DOMAIN_ID`.
    #[error("ROS_DOMAIN_ID must be an integer 0..={MAX_DOMAIN_ID}")]
    DomainId,
}

fn dds<E: std::fmt::Debug>(e: E) -> StartError {
    StartError::Dds(format!("{e:?}"))
}

/// The service QoS profile of rclcpp/rclpy: reliable, volatile, keep-last 10.
pub fn service_qos() -> QosProfile {
    QosProfile::publisher_default()
        .reliability_reliable(WhenFull::DEFAULT)
        .durability(Durability::Volatile)
        .history(History::KeepLast { depth: 10 })
}

/// The DDS domain: `ROS_DOMAIN_ID`, default 0.
pub fn domain_id() -> Result<u16, StartError> {
    match std::env::var(ENV_DOMAIN_ID) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|d| *d <= MAX_DOMAIN_ID)
            .ok_or(StartError::DomainId),
        _ => Ok(0),
    }
}

/// A running node: drop it (or call [`RunningNode::shutdown`]) to stop serving.
pub struct RunningNode {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _ros_node: ros2_client::Node,
    _context: Context,
}

impl std::fmt::Debug for RunningNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningNode")
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl RunningNode {
    /// Stops every receive loop.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts serving all 26 services for `state` on the current tokio runtime.
pub fn start(state: &Arc<PeaqosNode>) -> Result<RunningNode, StartError> {
    let context =
        Context::with_options(ContextOptions::new().domain_id(domain_id()?)).map_err(dds)?;
    let mut ros_node = context
        .new_node(
            NodeName::new("/", NODE_NAME).map_err(dds)?,
            NodeOptions::new().enable_rosout(false),
        )
        .map_err(dds)?;
    let mut tasks = Vec::new();
    // ros2-client's Context publishes `ros_discovery_info` (this node and its endpoints) as the
    // node and each service are created, so `ros2 node list` sees us; the spinner follows the
    // other participants' graph updates and answers the standard parameter services.
    let spinner = ros_node.spinner().map_err(dds)?;
    tasks.push(tokio::spawn(async move {
        if let Err(e) = spinner.spin().await {
            tracing::warn!(error = ?e, "ROS 2 spinner stopped");
        }
    }));
    let limiter = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut add = Adder {
        ros_node: &mut ros_node,
        state,
        limiter: &limiter,
        tasks: &mut tasks,
    };
    use crate::interfaces::*;
    add.sync::<PeaqosCreateWallet>("wallet/create", PeaqosNode::create_wallet)?;
    add.sync::<PeaqosListWallets>("wallet/list", PeaqosNode::list_wallets)?;
    add.sync::<PeaqosGetWallet>("wallet/get", PeaqosNode::get_wallet)?;
    add.sync::<PeaqosDeleteWallet>("wallet/delete", PeaqosNode::delete_wallet)?;
    add.asy::<PeaqosSetupFaucet2FA, _>("faucet/setup_2fa", |n, r| async move {
        n.setup_faucet_2fa(r).await
    })?;
    add.asy::<PeaqosConfirmFaucet2FA, _>("faucet/confirm_2fa", |n, r| async move {
        n.confirm_faucet_2fa(r).await
    })?;
    add.asy::<PeaqosFundWallet, _>("wallet/fund", |n, r| async move { n.fund_wallet(r).await })?;
    add.asy::<PeaqosRegisterMachine, _>("machine/register", |n, r| async move {
        n.register_machine(r).await
    })?;
    add.asy::<PeaqosRegisterAgent, _>("agent/register", |n, r| async move {
        n.register_agent(r).await
    })?;
    add.asy::<PeaqosRegisterFor, _>("machine/register_for", |n, r| async move {
        n.register_for(r).await
    })?;
    add.asy::<PeaqosRegisterFor, _>("agent/register_for", |n, r| async move {
        n.register_for(r).await
    })?;
    add.asy::<PeaqosMintNft, _>("nft/mint", |n, r| async move { n.mint_nft(r).await })?;
    add.asy::<PeaqosTokenIdOf, _>(
        "nft/token_id_of",
        |n, r| async move { n.token_id_of(r).await },
    )?;
    add.asy::<PeaqosReadDidAttribute, _>("did/read_attribute", |n, r| async move {
        n.read_did_attribute(r).await
    })?;
    add.asy::<PeaqosWriteMachineDidAttributes, _>(
        "did/write_machine_attributes",
        |n, r| async move { n.write_machine_did_attributes(r).await },
    )?;
    add.asy::<PeaqosWriteProxyDidAttributes, _>("did/write_proxy_attributes", |n, r| async move {
        n.write_proxy_did_attributes(r).await
    })?;
    add.sync::<PeaqosValidateEvent>("events/validate", PeaqosNode::validate_event)?;
    add.asy::<PeaqosSubmitEvent, _>(
        "events/submit",
        |n, r| async move { n.submit_event(r).await },
    )?;
    add.asy::<PeaqosBatchSubmitEvents, _>("events/batch_submit", |n, r| async move {
        n.batch_submit_events(r).await
    })?;
    add.asy::<PeaqosQueryMcr, _>("mcr/query", |n, r| async move { n.query_mcr(r).await })?;
    add.asy::<PeaqosQueryMachine, _>(
        "mcr/machine",
        |n, r| async move { n.query_machine(r).await },
    )?;
    add.asy::<PeaqosQueryOperatorMachines, _>("mcr/operator_machines", |n, r| async move {
        n.query_operator_machines(r).await
    })?;
    add.asy::<PeaqosGetSmartAccountAddress, _>("smart_account/address", |n, r| async move {
        n.get_smart_account_address(r).await
    })?;
    add.asy::<PeaqosDeploySmartAccount, _>("smart_account/deploy", |n, r| async move {
        n.deploy_smart_account(r).await
    })?;
    add.asy::<PeaqosBridgeNft, _>("bridge/nft", |n, r| async move { n.bridge_nft(r).await })?;
    add.asy::<PeaqosWaitForBridgeArrival, _>("bridge/wait_arrival", |n, r| async move {
        n.wait_for_bridge_arrival(r).await
    })?;
    let config = state.config();
    if !config.enabled {
        tracing::warn!("peaq_os.enabled is false: every service answers DISABLED");
    } else if config.rpc_url.trim().is_empty() {
        tracing::warn!("peaq_os.enabled is true but peaq_os.rpc_url is empty");
    }
    tracing::info!("peaqos_node ready");
    Ok(RunningNode {
        tasks,
        _ros_node: ros_node,
        _context: context,
    })
}

struct Adder<'a> {
    ros_node: &'a mut ros2_client::Node,
    state: &'a Arc<PeaqosNode>,
    limiter: &'a Arc<Semaphore>,
    tasks: &'a mut Vec<tokio::task::JoinHandle<()>>,
}

type Handled<S> = Result<<S as RosService>::Response, NodeError>;

impl Adder<'_> {
    fn sync<S: RosService>(
        &mut self,
        name: &'static str,
        f: fn(&PeaqosNode, S::Request) -> Handled<S>,
    ) -> Result<(), StartError> {
        self.asy::<S, _>(name, move |n, r| async move { f(&n, r) })
    }

    fn asy<S: RosService, Fut>(
        &mut self,
        name: &'static str,
        f: impl Fn(Arc<PeaqosNode>, S::Request) -> Fut + Send + Sync + Copy + 'static,
    ) -> Result<(), StartError>
    where
        Fut: Future<Output = Handled<S>> + Send + 'static,
    {
        let server = self
            .ros_node
            .create_server::<S::Request, S::Response>(
                SERVICE_MAPPING,
                &Name::parse(&format!("/{NODE_NAME}/{name}")).map_err(dds)?,
                &ServiceTypeName::new(PACKAGE, S::TYPE_NAME),
                service_qos(),
                service_qos(),
            )
            .map_err(dds)?;
        let server = Arc::new(server);
        let state = Arc::clone(self.state);
        let limiter = Arc::clone(self.limiter);
        self.tasks.push(tokio::spawn(async move {
            loop {
                let (id, request) = match server.async_receive_request().await {
                    Ok(x) => x,
                    Err(e) => {
                        // An undecodable request has no reply path; the loop goes on.
                        tracing::warn!(service = name, error = ?e, "request dropped");
                        continue;
                    }
                };
                let Ok(permit) = Arc::clone(&limiter).acquire_owned().await else { return };
                let server = Arc::clone(&server);
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let started = Instant::now();
                    let response = if state.config().enabled {
                        // Its own task: a panic becomes an error response, not a dead node.
                        match tokio::spawn(f(state, request)).await {
                            Ok(Ok(mut r)) => {
                                r.succeed();
                                Ok(r)
                            }
                            Ok(Err(e)) => Err(e),
                            Err(_) => Err(NodeError::new("RuntimeError", "", "internal error")),
                        }
                    } else {
                        Err(NodeError::disabled())
                    };
                    let response = response.unwrap_or_else(|e| {
                        tracing::info!(service = name, code = %e.code, field = %e.field, ms = started.elapsed().as_millis() as u64, "call failed");
                        S::Response::fail(&e.code, &e.field, &e.message)
                    });
                    tracing::debug!(service = name, ms = started.elapsed().as_millis() as u64, "call served");
                    if let Err(e) = server.send_response(id, response) {
                        tracing::warn!(service = name, error = ?e, "response not sent");
                    }
                    drop(permit);
                });
            }
        }));
        Ok(())
    }
}
