//! ERC-4337 (v0.6) smart accounts from the MachineAccountFactory: counterfactual address and
//! deployment.
//!
//! `deploy_smart_account` is idempotent: if the account already exists no transaction is sent
//! and its address is returned (the official SDK sends `createAccount` anyway and then fails
//! with `ACCOUNT_CREATED_EVENT_MISSING`, because the factory emits no event for an existing
//! account).

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    sol_types::{SolCall, SolEvent},
};
use peaqos_contracts::bindings::MachineAccountFactory;

use crate::{Error, Result, client::PeaqosClient, error::RpcCode, tx::failure};

impl PeaqosClient {
    fn account_factory(&self) -> Result<Address> {
        self.contracts().machine_account_factory.ok_or_else(|| {
            Error::validation(
                "machine_account_factory",
                "configured",
                "No MachineAccountFactory is configured: set MACHINE_ACCOUNT_FACTORY_ADDRESS \
                 (or ContractAddresses::machine_account_factory)",
            )
        })
    }

    /// The CREATE2 address of the smart account of (`owner`, `machine`, `salt`); no transaction.
    pub async fn get_smart_account_address(
        &self,
        owner: Address,
        machine: Address,
        salt: U256,
    ) -> Result<Address> {
        let factory = self.account_factory()?;
        let call = MachineAccountFactory::getAddressCall {
            owner,
            machine,
            salt,
        };
        let out = self.call_view(factory, call.abi_encode().into()).await?;
        MachineAccountFactory::getAddressCall::abi_decode_returns(&out).map_err(|e| {
            Error::rpc(
                RpcCode::InvalidAddressResult,
                format!("getAddress returned no address: {e}"),
            )
            .with_source(e)
        })
    }

    /// Deploys the smart account of (`owner`, `machine`, `salt`) and returns its address — the
    /// same as [`get_smart_account_address`](Self::get_smart_account_address). When it already
    /// exists, nothing is sent and its address is returned.
    ///
    /// Errors: validation (`machine_account_factory` not configured), `InvalidAddress` (a zero
    /// `owner` or `machine`), `ACCOUNT_CREATED_EVENT_MISSING` / `_MALFORMED`.
    pub async fn deploy_smart_account(
        &self,
        owner: Address,
        machine: Address,
        salt: U256,
    ) -> Result<Address> {
        let factory = self.account_factory()?;
        let predicted = self.get_smart_account_address(owner, machine, salt).await?;
        if !owner.is_zero() && !machine.is_zero() && self.has_code(predicted).await? {
            tracing::debug!(%predicted, "smart account exists, nothing to deploy");
            return Ok(predicted);
        }
        let call = MachineAccountFactory::createAccountCall {
            owner,
            machine,
            salt,
        };
        let outcome = self.send_sol(factory, &call, U256::ZERO).await?;
        let tx_hash = outcome.tx_hash;
        let log = outcome.receipt.inner.logs().iter().find(|l| {
            l.address() == factory
                && l.topic0() == Some(&MachineAccountFactory::AccountCreated::SIGNATURE_HASH)
        });
        match log {
            Some(log) => MachineAccountFactory::AccountCreated::decode_log_data(log.data())
                .map(|e| e.account)
                .map_err(|e| {
                    Error::rpc(
                        RpcCode::AccountCreatedEventMalformed,
                        format!("The AccountCreated event is malformed: {e}"),
                    )
                    .with_tx_hash(tx_hash)
                }),
            // Created by someone else between our check and our transaction.
            None if self.has_code(predicted).await? => Ok(predicted),
            None => Err(Error::rpc(
                RpcCode::AccountCreatedEventMissing,
                "The receipt has no AccountCreated event and no account exists at the predicted \
                 address; check MACHINE_ACCOUNT_FACTORY_ADDRESS",
            )
            .with_tx_hash(tx_hash)),
        }
    }

    async fn has_code(&self, address: Address) -> Result<bool> {
        self.provider()
            .get_code_at(address)
            .await
            .map(|code| !code.is_empty())
            .map_err(|e| failure(e, "reading account code"))
    }
}
