//! Machine registration: `register()` (self-managed) and `registerFor(machine)` (proxy).
//!
//! Both send the IdentityRegistry's current `minBond()` as `msg.value` (read first, like the JS
//! SDK; the Python SDK hard-codes 1 PEAQ, which fails with `IncorrectBondAmount` once the
//! registry's bond changes) and return the new machine id from the `Registered` log emitted by
//! the IdentityRegistry itself (logs of other contracts with the same signature are ignored).

use alloy::{
    primitives::{Address, B256, U256},
    rpc::types::TransactionReceipt,
    sol_types::SolEvent,
};
use peaqos_contracts::bindings::IdentityRegistry;

use crate::{Error, Result, client::PeaqosClient, error::RpcCode};

/// A mined registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// The new machine id (also the Identity NFT's token id).
    pub machine_id: U256,
    /// The registration transaction.
    pub tx_hash: B256,
}

impl PeaqosClient {
    /// Registers the signer's own address as a machine, bonding `minBond()`; returns the new
    /// machine id (also the Identity NFT's token id).
    ///
    /// Errors: `AlreadyRegistered` when the address has a machine id; `RPC_ERROR` for transport
    /// failures (e.g. too little balance for bond + gas); see [`send_call`](Self::send_call).
    pub async fn register_machine(&self) -> Result<U256> {
        self.register(None).await.map(|r| r.machine_id)
    }

    /// Registers `machine` with the signer as its proxy operator (the signer pays the bond);
    /// returns the new machine id. The Identity NFT goes to `machine`.
    ///
    /// Errors: `AlreadyRegistered`, `InvalidMachineAddress` (the zero address; rejected by the
    /// contract's pre-flight, before anything is signed).
    pub async fn register_for(&self, machine: Address) -> Result<U256> {
        self.register(Some(machine)).await.map(|r| r.machine_id)
    }

    /// [`register_for`](Self::register_for) `machine`, or [`register_machine`](Self::register_machine)
    /// when `None`; with the transaction hash.
    pub async fn register(&self, machine: Option<Address>) -> Result<Registration> {
        let bond = self.min_bond().await?;
        let registry = self.contracts().identity_registry;
        let outcome = match machine {
            Some(machine) => {
                let call = IdentityRegistry::registerForCall {
                    machineAddress: machine,
                };
                self.send_sol(registry, &call, bond).await?
            }
            None => {
                self.send_sol(registry, &IdentityRegistry::registerCall {}, bond)
                    .await?
            }
        };
        Ok(Registration {
            machine_id: registered_machine_id(&outcome.receipt, registry)?,
            tx_hash: outcome.tx_hash,
        })
    }

    /// The bond `register` / `registerFor` require, in wei (`IdentityRegistry.minBond()`).
    pub async fn min_bond(&self) -> Result<U256> {
        self.call_sol(
            self.contracts().identity_registry,
            &IdentityRegistry::minBondCall {},
        )
        .await
    }

    /// The machine id registered for `address` (0 when none).
    pub async fn machine_id_of(&self, address: Address) -> Result<U256> {
        let call = IdentityRegistry::machineIdOfOwnerCall { addr: address };
        self.call_sol(self.contracts().identity_registry, &call)
            .await
    }
}

/// The machine id of the first `Registered` log emitted by `registry` in `receipt`.
pub fn registered_machine_id(receipt: &TransactionReceipt, registry: Address) -> Result<U256> {
    let log = receipt
        .inner
        .logs()
        .iter()
        .find(|l| {
            l.address() == registry
                && l.topic0() == Some(&IdentityRegistry::Registered::SIGNATURE_HASH)
        })
        .ok_or_else(|| {
            Error::rpc(
                RpcCode::RegisteredEventMissing,
                "The receipt has no Registered event from the IdentityRegistry; check \
                 IDENTITY_REGISTRY_ADDRESS points at a peaqOS IdentityRegistry",
            )
            .with_tx_hash(receipt.transaction_hash)
        })?;
    let malformed = |why: String| {
        Error::rpc(
            RpcCode::RegisteredEventMalformed,
            format!("The Registered event is malformed: {why}"),
        )
        .with_tx_hash(receipt.transaction_hash)
    };
    let event = IdentityRegistry::Registered::decode_log_data(log.data())
        .map_err(|e| malformed(e.to_string()))?;
    if event.machineId.is_zero() {
        return Err(malformed("machine id 0".to_owned()));
    }
    Ok(event.machineId)
}
