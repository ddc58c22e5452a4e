//! AdminFlags: the owner's negative flag and trust override on a machine, and anyone's read of
//! them.
//!
//! The writes are owner-only on chain: another signer's transaction reverts with the contract's
//! `OwnableUnauthorizedAccount(account)`, returned as a typed revert
//! ([`Error::is_revert`]`::<AdminFlags::OwnableUnauthorizedAccount>()`, code
//! `OwnableUnauthorizedAccount`). The MCR reads the contract's events on its next index pass: a
//! flag multiplies the trust contribution by the model's flag multiplier for its penalty
//! window, an override replaces the event trust by `bps / 10000` (see `/mcr/{did}/explain`).

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolCall,
};
use peaqos_contracts::bindings::AdminFlags;

use crate::{Error, Result, client::PeaqosClient, nft::check_machine_id};

/// Largest trust override in basis points (the contract's `MAX_TRUST_OVERRIDE`: 10000 = the
/// weight of a hardware-signed event).
pub const MAX_TRUST_OVERRIDE_BPS: u16 = 10_000;

/// A machine's AdminFlags state (`getFlags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AdminState {
    /// The machine is flagged.
    pub flagged: bool,
    /// When it was flagged (block time, seconds), when it is.
    pub flagged_at: Option<u64>,
    /// The trust override in basis points, when one is set.
    pub trust_override_bps: Option<u16>,
}

impl PeaqosClient {
    fn admin_flags_address(&self) -> Result<Address> {
        self.contracts().admin_flags.ok_or_else(|| {
            Error::validation(
                "admin_flags",
                "configured",
                "No AdminFlags contract is configured: set ADMIN_FLAGS_ADDRESS (or \
                 ContractAddresses::admin_flags)",
            )
        })
    }

    /// The AdminFlags owner: the only account whose admin writes succeed.
    ///
    /// Errors: validation (`admin_flags` not configured), RPC failures.
    pub async fn admin_flags_owner(&self) -> Result<Address> {
        let af = self.admin_flags_address()?;
        self.call_sol(af, &AdminFlags::ownerCall {}).await
    }

    /// The flag and override of `machine_id` (any caller).
    ///
    /// Errors: validation (`machine_id` 0, `admin_flags` not configured), RPC failures.
    pub async fn admin_state(&self, machine_id: U256) -> Result<AdminState> {
        check_machine_id(machine_id)?;
        let af = self.admin_flags_address()?;
        let flags = self
            .call_sol(
                af,
                &AdminFlags::getFlagsCall {
                    machineId: machine_id,
                },
            )
            .await?;
        let flagged_at = u64::try_from(flags.flaggedAt_).ok().filter(|t| *t > 0);
        let trust_override_bps = if flags.hasTrustOverride {
            // The contract keeps a set override at 0..=10000; anything else is not ours to show.
            u16::try_from(flags.trustOverride)
                .ok()
                .filter(|b| *b <= MAX_TRUST_OVERRIDE_BPS)
        } else {
            None
        };
        Ok(AdminState {
            flagged: flagged_at.is_some(),
            flagged_at,
            trust_override_bps,
        })
    }

    /// One owner-only AdminFlags write about `machine_id`.
    async fn admin_write<C: SolCall>(&self, machine_id: U256, call: &C) -> Result<B256> {
        check_machine_id(machine_id)?;
        let af = self.admin_flags_address()?;
        Ok(self.send_sol(af, call, U256::ZERO).await?.tx_hash)
    }

    /// Flags `machine_id` (owner only); returns the transaction hash.
    ///
    /// Errors: validation (`machine_id` 0, `admin_flags` not configured), then the contract's
    /// `OwnableUnauthorizedAccount` (not the owner) and `MachineNotFound`.
    pub async fn flag_machine(&self, machine_id: U256) -> Result<B256> {
        let call = AdminFlags::flagMachineCall {
            machineId: machine_id,
        };
        self.admin_write(machine_id, &call).await
    }

    /// Clears the flag of `machine_id` (owner only); returns the transaction hash.
    ///
    /// Errors: validation, then `OwnableUnauthorizedAccount`, `MachineNotFlagged`.
    pub async fn clear_flag(&self, machine_id: U256) -> Result<B256> {
        let call = AdminFlags::clearFlagCall {
            machineId: machine_id,
        };
        self.admin_write(machine_id, &call).await
    }

    /// Sets the trust override of `machine_id` to `bps` (0..=[`MAX_TRUST_OVERRIDE_BPS`], owner
    /// only); returns the transaction hash.
    ///
    /// Errors: validation (`bps` above the maximum, `machine_id` 0, `admin_flags` not
    /// configured), then `OwnableUnauthorizedAccount`, `MachineNotFound`.
    pub async fn set_trust_override(&self, machine_id: U256, bps: u16) -> Result<B256> {
        if bps > MAX_TRUST_OVERRIDE_BPS {
            return Err(Error::Validation(
                crate::ValidationError::new(
                    "bps",
                    "0..=10000",
                    format!("a trust override is at most {MAX_TRUST_OVERRIDE_BPS} basis points"),
                )
                .with_value(bps.to_string()),
            ));
        }
        let call = AdminFlags::setTrustOverrideCall {
            machineId: machine_id,
            value: U256::from(bps),
        };
        self.admin_write(machine_id, &call).await
    }

    /// Removes the trust override of `machine_id` (owner only); returns the transaction hash.
    ///
    /// Errors: validation, then `OwnableUnauthorizedAccount`, `NoTrustOverride`.
    pub async fn clear_trust_override(&self, machine_id: U256) -> Result<B256> {
        let call = AdminFlags::clearTrustOverrideCall {
            machineId: machine_id,
        };
        self.admin_write(machine_id, &call).await
    }
}
