//! The Machine NFT (the machine's financial twin, distinct from the soulbound Identity NFT):
//! minting and token-id lookup.

use alloy::primitives::{Address, B256, U256};
use peaqos_contracts::bindings::MachineNFT;

use crate::{Error, Result, client::PeaqosClient};

/// Rejects machine id 0 (`field = machine_id`, `constraint = "> 0"`).
pub(crate) fn check_machine_id(machine_id: U256) -> Result<()> {
    if machine_id.is_zero() {
        return Err(Error::Validation(
            crate::ValidationError::new(
                "machine_id",
                "> 0",
                "machine_id must be a positive integer",
            )
            .with_value("0"),
        ));
    }
    Ok(())
}

impl PeaqosClient {
    /// Mints the Machine NFT of `machine_id` to `recipient`; returns the transaction hash.
    ///
    /// The caller must be the machine's wallet or its operator; an operator may only mint to
    /// the machine's wallet. Errors: validation (`machine_id` 0, `recipient` zero), then
    /// `MachineNotFound`, `NotMachineOwner`, `RecipientMustBeMachineOwner`, `MachineNotBonded`,
    /// `AlreadyMinted`, `EnforcedPause`.
    pub async fn mint_nft(&self, machine_id: U256, recipient: Address) -> Result<B256> {
        check_machine_id(machine_id)?;
        if recipient.is_zero() {
            return Err(Error::Validation(
                crate::ValidationError::new(
                    "recipient",
                    "non-zero address",
                    "recipient must not be the zero address",
                )
                .with_value(recipient.to_string()),
            ));
        }
        let call = MachineNFT::mintCall {
            machineId: machine_id,
            recipient,
        };
        let outcome = self
            .send_sol(self.contracts().machine_nft, &call, U256::ZERO)
            .await?;
        Ok(outcome.tx_hash)
    }

    /// The Machine NFT token id of `machine_id`; 0 when none is minted yet.
    ///
    /// Errors: validation (`machine_id` 0), `MachineNotFound` for an unknown machine.
    pub async fn token_id_of(&self, machine_id: U256) -> Result<U256> {
        check_machine_id(machine_id)?;
        let call = MachineNFT::tokenIdOfCall {
            machineId: machine_id,
        };
        self.call_sol(self.contracts().machine_nft, &call).await
    }
}
