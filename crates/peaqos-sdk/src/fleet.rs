//! Proxy fleet onboarding in one call: the proxy registers, mints and funds every machine,
//! each machine writes its DID, the proxy lists them on its own DID.
//!
//! Every step checks chain state first, so a re-run after a failure finishes the work without
//! repeating it (a machine registered before is not registered again, a minted NFT is not
//! minted again, a written DID is not rewritten). The proxy's transactions run concurrently
//! under the client's nonce manager; each machine signs its own DID.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider as _,
};
use peaqos_types::{DataVisibility, Did};
use tokio::task::JoinSet;

use crate::{Error, Result, RpcCode, client::PeaqosClient, signer::PrivateKey};

/// Most machines [`PeaqosClient::onboard_fleet`] works on at once (each task holds an RPC
/// connection; nodes cap how many one client may open).
pub const FLEET_CONCURRENCY: usize = 64;

/// One machine to onboard.
#[derive(Debug, Clone)]
pub struct FleetMachine {
    /// The machine's key (it signs its DID; the Identity NFT and Machine NFT go to its address).
    pub key: PrivateKey,
    /// Its `documentation_url` DID attribute.
    pub documentation_url: String,
    /// Its `data_api` DID attribute.
    pub data_api: String,
    /// Its `data_visibility` DID attribute.
    pub visibility: DataVisibility,
}

impl FleetMachine {
    /// A machine with a fresh random key, its URLs `{docs_base}/{address}` and
    /// `{api_base}/{address}`.
    pub fn generate(docs_base: &str, api_base: &str, visibility: DataVisibility) -> Self {
        let key = PrivateKey::random();
        let address = key.address();
        Self {
            key,
            documentation_url: format!("{docs_base}/{address}"),
            data_api: format!("{api_base}/{address}"),
            visibility,
        }
    }
}

/// Options of [`PeaqosClient::onboard_fleet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetOptions {
    /// Gas money for the machine's DID transaction: the proxy tops up a machine whose DID is
    /// not written yet and whose balance is below this (0 = none; the machine then needs gas
    /// from elsewhere).
    pub fund_wei: U256,
}

/// One onboarded machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnboardedMachine {
    /// Its address.
    pub address: Address,
    /// Its machine id.
    pub machine_id: U256,
    /// Its Machine NFT token id.
    pub token_id: U256,
}

/// What [`PeaqosClient::onboard_fleet`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetReport {
    /// The proxy's own machine id.
    pub proxy_machine_id: U256,
    /// The machines, in the order given.
    pub machines: Vec<OnboardedMachine>,
    /// The proxy DID transaction (`None` when the list held these machines already).
    pub proxy_did_tx: Option<B256>,
}

impl PeaqosClient {
    /// Onboards `machines` with this client as their proxy (operator): registers the proxy
    /// itself when needed, `register_for` + `mint_nft` (+ gas money) for each machine, each
    /// machine's six DID attributes with `operator = did:peaq:<proxy>`, then the proxy's
    /// `machineId` and `machines` attributes.
    ///
    /// The machines are appended to the proxy's `machines` list, which keeps the newest 100
    /// ([`append_proxy_machines`](Self::append_proxy_machines)); the MCR API's operator
    /// endpoint lists the whole fleet from the on-chain operator relation.
    pub async fn onboard_fleet(
        &self,
        machines: &[FleetMachine],
        options: FleetOptions,
    ) -> Result<FleetReport> {
        let proxy_machine_id = match self.machine_id_of(self.address()).await? {
            id if !id.is_zero() => id,
            _ => self.register_machine().await?,
        };

        let mut onboarded = vec![None; machines.len()];
        // A bounded number in flight: one connection each, and nodes cap connections.
        for (chunk_no, chunk) in machines.chunks(FLEET_CONCURRENCY).enumerate() {
            let mut tasks = JoinSet::new();
            for (i, m) in chunk.iter().enumerate() {
                let proxy = self.clone();
                let address = m.key.address();
                let index = chunk_no * FLEET_CONCURRENCY + i;
                tasks.spawn(async move { (index, proxy.onboard_one(address, options).await) });
            }
            while let Some(joined) = tasks.join_next().await {
                let (index, result) = joined.map_err(join_error)?;
                onboarded[index] = Some(result?);
            }
        }
        let onboarded: Vec<OnboardedMachine> = onboarded.into_iter().flatten().collect();

        let operator = Did::new(self.address()).to_string();
        let pairs: Vec<_> = machines.iter().zip(&onboarded).collect();
        for chunk in pairs.chunks(FLEET_CONCURRENCY) {
            let mut tasks = JoinSet::new();
            for (m, done) in chunk {
                let client = self.with_signer(m.key.signer())?;
                let (m, done, operator) = ((*m).clone(), **done, operator.clone());
                tasks.spawn(
                    async move { client.write_fleet_machine_did(&m, done, &operator).await },
                );
            }
            while let Some(joined) = tasks.join_next().await {
                joined.map_err(join_error)??;
            }
        }

        let ids: Vec<U256> = onboarded.iter().map(|m| m.machine_id).collect();
        let proxy_did_tx = self.append_proxy_machines(proxy_machine_id, &ids).await?;
        Ok(FleetReport {
            proxy_machine_id,
            machines: onboarded,
            proxy_did_tx,
        })
    }

    async fn onboard_one(
        &self,
        address: Address,
        options: FleetOptions,
    ) -> Result<OnboardedMachine> {
        let machine_id = match self.machine_id_of(address).await? {
            id if !id.is_zero() => id,
            _ => self.register_for(address).await?,
        };
        let token_id = match self.token_id_of(machine_id).await? {
            id if !id.is_zero() => id,
            _ => {
                self.mint_nft(machine_id, address).await?;
                self.token_id_of(machine_id).await?
            }
        };
        let did_written = self.read_attribute(address, "machineId").await?.is_some();
        if !options.fund_wei.is_zero() && !did_written {
            let balance = self
                .provider()
                .get_balance(address)
                .await
                .map_err(|e| crate::tx::failure(e, "reading a machine's balance"))?;
            if balance < options.fund_wei {
                self.send_call(address, Bytes::new(), options.fund_wei - balance)
                    .await?;
            }
        }
        Ok(OnboardedMachine {
            address,
            machine_id,
            token_id,
        })
    }

    async fn write_fleet_machine_did(
        &self,
        m: &FleetMachine,
        done: OnboardedMachine,
        operator: &str,
    ) -> Result<()> {
        if self
            .read_attribute(done.address, "machineId")
            .await?
            .is_some()
        {
            return Ok(());
        }
        self.write_machine_did_attributes(
            done.machine_id,
            done.token_id,
            Some(operator),
            &m.documentation_url,
            &m.data_api,
            m.visibility,
        )
        .await
        .map(|_| ())
    }
}

fn join_error(e: tokio::task::JoinError) -> Error {
    Error::rpc(
        RpcCode::InternalError,
        format!("an onboarding task failed: {e}"),
    )
    .with_source(e)
}
