//! A typed Rust client of `/peaqos_node` over DDS (the same mapping and QoS as rclpy/rclcpp
//! with Fast DDS), for Rust robots, the tests and the benchmark.

use ros2_client::{Client, Context, ContextOptions, Name, NodeName, NodeOptions, ServiceTypeName};

use crate::{
    interfaces::{PACKAGE, RosService},
    node::{NODE_NAME, SERVICE_MAPPING, StartError, domain_id, service_qos},
};

/// One ROS 2 node holding clients of `/peaqos_node` services.
pub struct NodeClient {
    node: ros2_client::Node,
    spinner: tokio::task::JoinHandle<()>,
    _context: Context,
}

impl std::fmt::Debug for NodeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeClient").finish_non_exhaustive()
    }
}

impl NodeClient {
    /// A client node named `name` on `ROS_DOMAIN_ID` (spinning on the current tokio runtime).
    pub fn new(name: &str) -> Result<Self, StartError> {
        let dds = |e: &dyn std::fmt::Debug| StartError::Dds(format!("{e:?}"));
        let context = Context::with_options(ContextOptions::new().domain_id(domain_id()?))
            .map_err(|e| dds(&e))?;
        let mut node = context
            .new_node(
                NodeName::new("/", name).map_err(|e| dds(&e))?,
                NodeOptions::new().enable_rosout(false),
            )
            .map_err(|e| dds(&e))?;
        let spinner = node.spinner().map_err(|e| dds(&e))?;
        let spinner = tokio::spawn(async move {
            let _ = spinner.spin().await;
        });
        Ok(Self {
            node,
            spinner,
            _context: context,
        })
    }

    /// A client of `/peaqos_node/<service>` of type `S`.
    pub fn client<S: RosService>(
        &mut self,
        service: &str,
    ) -> Result<Client<S::Request, S::Response>, StartError> {
        let name = Name::parse(&format!("/{NODE_NAME}/{service}"))
            .map_err(|e| StartError::Dds(format!("{e:?}")))?;
        self.node
            .create_client::<S::Request, S::Response>(
                SERVICE_MAPPING,
                &name,
                &ServiceTypeName::new(PACKAGE, S::TYPE_NAME),
                service_qos(),
                service_qos(),
            )
            .map_err(|e| StartError::Dds(format!("{e:?}")))
    }

    /// Waits until `client`'s service is matched.
    pub async fn wait_for<Req, Resp>(&self, client: &Client<Req, Resp>)
    where
        Req: ros2_client::Message + Clone + 'static,
        Resp: ros2_client::Message + 'static,
    {
        client.wait_for_service(&self.node).await;
    }
}

impl Drop for NodeClient {
    fn drop(&mut self) {
        self.spinner.abort();
    }
}
