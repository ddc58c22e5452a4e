//! The dev account in the `.env` is the AdminFlags owner on the local stack, so `peaqos admin`
//! works out of the box (the deployer, dev account 0, hands ownership over once; a restarted
//! stack finds it handed over already).

use alloy::{network::EthereumWallet, providers::ProviderBuilder};
use peaqos_contracts::bindings::AdminFlags;
use peaqos_devnet::Devnet;

use crate::{ENV_ACCOUNT, StackError};

/// Makes dev account [`ENV_ACCOUNT`] the AdminFlags owner when the deployer (dev account 0)
/// still owns it; any other owner is left alone.
pub(crate) async fn hand_admin_flags_to_env_account(devnet: &Devnet) -> Result<(), StackError> {
    let Some(af) = devnet.deployment.as_ref().map(|d| d.admin_flags.proxy) else {
        return Ok(());
    };
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        StackError::Setup(format!("AdminFlags {what}: {e}"))
    };
    let (Some(deployer), Some(dev)) = (devnet.accounts.first(), devnet.accounts.get(ENV_ACCOUNT))
    else {
        return Ok(());
    };
    let url = devnet.url.parse().map_err(|e| fail("RPC URL", &e))?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(deployer.signer()))
        .connect_http(url);
    let contract = AdminFlags::new(af, &provider);
    let owner = contract
        .owner()
        .call()
        .await
        .map_err(|e| fail("owner()", &e))?;
    if owner != deployer.address {
        return Ok(());
    }
    let receipt = contract
        .transferOwnership(dev.address)
        .send()
        .await
        .map_err(|e| fail("transferOwnership", &e))?
        .get_receipt()
        .await
        .map_err(|e| fail("transferOwnership receipt", &e))?;
    if !receipt.status() {
        return Err(StackError::Setup(
            "AdminFlags transferOwnership reverted".into(),
        ));
    }
    Ok(())
}
