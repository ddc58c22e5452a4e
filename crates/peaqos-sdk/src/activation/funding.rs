//! Steps 2–3 of the activation: gas money from the Gas Station behind 2FA.
//!
//! [`GasStationFunder`] enrolls the owner in 2FA when needed (setup, then a code to confirm),
//! then funds every low wallet with one code. The caller supplies the codes
//! ([`TwoFactorCodes`]) and a durable record of the requests ([`FundingJournal`]), so a killed
//! run resumes with the same request id:
//!
//! - a request recorded `pending` is resent with its id; the faucet answers
//!   `REQUEST_ALREADY_PROCESSED` if it finished it, which counts as done (the workflow's
//!   balance re-check decides);
//! - a request recorded `confirmed` whose wallet is low again is stale: a fresh id;
//! - `DUPLICATE_REQUEST` (the same request still in flight) is waited for, up to
//!   [`DUPLICATE_WAITS`] × [`DUPLICATE_WAIT`];
//! - an expired code is asked for again once.

use std::time::Duration;

use alloy::primitives::{Address, B256};
use uuid::Uuid;

use super::{FundError, FundFuture, Funder, OnProgress, Progress, WalletBalance};
use crate::{
    ApiCode, Error, FaucetCode, QrFormat,
    gas_station::{FaucetSetup, FundOutcome, GasStationClient},
};

/// How many times a `DUPLICATE_REQUEST` answer is waited for before it is an error.
pub const DUPLICATE_WAITS: u32 = 10;
/// How long each wait for a `DUPLICATE_REQUEST` lasts.
pub const DUPLICATE_WAIT: Duration = Duration::from_secs(2);

/// Spellings of an expired code that some faucets send (none is a [`FaucetCode`]).
const EXPIRED_CODES: [&str; 3] = ["TOTP_EXPIRED", "TWO_FA_EXPIRED", "2FA_EXPIRED"];

/// Why the funder needs a 2FA code.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum CodeRequest<'a> {
    /// Enrollment: the owner adds the account to an authenticator app (from the `otpauth://`
    /// URI or the short-lived QR image) and confirms with its current code. `Debug` hides
    /// the secret.
    Enroll(&'a FaucetSetup),
    /// The code that funds every low wallet.
    Fund,
    /// The last code expired: a fresh one (asked once per wallet).
    Expired,
}

/// Supplies 2FA codes (the CLI prompts for them hidden; a service may ask its user).
pub trait TwoFactorCodes {
    /// The current 6-digit code of the owner's authenticator, for `request`.
    fn code<'a>(&'a mut self, request: CodeRequest<'a>) -> FundFuture<'a, String>;
}

/// What an earlier run left for one wallet on one Gas Station chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundResume {
    /// Nothing usable (or the last request failed): a new request id.
    Fresh,
    /// A request was sent but not confirmed: resend it with the same id.
    Retry(Uuid),
    /// Funded in an earlier run, yet the wallet is low again: fund anew (a fresh id).
    Confirmed(Uuid),
}

/// How one fund request stands.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum FundStatus<'a> {
    /// The journal's `confirmed` request is stale (the wallet is low again); the entry's
    /// `request_id` is that prior id.
    StaleResume,
    /// About to be sent (recorded first, so a killed run resends the same id).
    Pending {
        /// The id comes from an earlier run's `pending` record.
        resumed: bool,
    },
    /// Funded by `tx_hash`, or (`None`) the faucet had already processed this request.
    Confirmed {
        /// The transfer, when this run saw it.
        tx_hash: Option<B256>,
    },
    /// The wallet already held the faucet's minimum.
    Skipped,
    /// The Gas Station refused or failed; the funder returns this error next.
    Failed {
        /// The error (its [`Error::api_code`] is the faucet's code).
        error: &'a Error,
    },
}

/// One record of the funding of one wallet.
#[derive(Debug, Clone, Copy)]
pub struct FundEntry<'a> {
    /// The wallet.
    pub wallet: &'a WalletBalance,
    /// The Gas Station's `chainId`.
    pub chain: &'a str,
    /// The request's idempotency key (for [`FundStatus::StaleResume`], the prior one).
    pub request_id: Uuid,
    /// How it stands.
    pub status: FundStatus<'a>,
}

/// Remembers the fund requests across runs (the CLI's is `./peaqos.log`).
pub trait FundingJournal {
    /// The latest record for `address` on `chain`.
    fn resume(&self, address: Address, chain: &str) -> FundResume;
    /// Records `entry` durably; an error stops the funding (a `pending` entry is recorded
    /// before its request is sent).
    fn record(&mut self, entry: &FundEntry<'_>) -> Result<(), FundError>;
}

/// The funding's own progress, inside [`Progress::Funding`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum FundingProgress<'a> {
    /// 2FA enrollment begins.
    EnrollmentStarted,
    /// The owner was enrolled already.
    AlreadyEnrolled,
    /// The owner's 2FA is now active.
    Enrolled,
    /// Funding the low wallets begins.
    FundingStarted,
    /// A fund request was sent; waiting for the Gas Station.
    Waiting {
        /// The wallet.
        wallet: &'a WalletBalance,
        /// The request id.
        request_id: Uuid,
    },
    /// The code expired; a fresh one is asked for next.
    CodeExpired {
        /// The wallet.
        wallet: &'a WalletBalance,
    },
    /// `DUPLICATE_REQUEST`: the same request is in flight; waiting [`DUPLICATE_WAIT`].
    InProgress {
        /// The wallet.
        wallet: &'a WalletBalance,
        /// The request id.
        request_id: Uuid,
    },
    /// An entry was recorded in the [`FundingJournal`].
    Recorded(&'a FundEntry<'a>),
}

/// Why the Gas Station funding stopped (boxed in [`ActivationError::Funding`]; downcast to
/// read it).
///
/// [`ActivationError::Funding`]: super::ActivationError::Funding
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GasStationError {
    /// The Gas Station refused (its [`FaucetCode`] in [`Error::faucet_code`]) or failed.
    #[error(transparent)]
    Faucet(#[from] Error),
    /// No code could be had (e.g. the prompt was declined).
    #[error("no 2FA code: {0}")]
    Code(#[source] FundError),
    /// The journal could not record a request.
    #[error("cannot record the fund request: {0}")]
    Journal(#[source] FundError),
    /// The progress callback asked to stop.
    #[error("the funding was cancelled")]
    Cancelled,
}

impl GasStationError {
    /// The stable code: the Gas Station's (`INVALID_2FA`, …, or an SDK sentinel),
    /// `TWO_FACTOR_CODE_UNAVAILABLE`, `JOURNAL_ERROR`, `ABORTED`.
    pub fn code(&self) -> &str {
        match self {
            Self::Faucet(e) => e.code(),
            Self::Code(_) => "TWO_FACTOR_CODE_UNAVAILABLE",
            Self::Journal(_) => "JOURNAL_ERROR",
            Self::Cancelled => crate::RpcCode::Aborted.as_str(),
        }
    }
}

type Res<T = ()> = Result<T, GasStationError>;

/// A [`Funder`] that asks the Gas Station for gas money after 2FA: enrollment when needed
/// (setup → [`CodeRequest::Enroll`] → confirm), then one [`CodeRequest::Fund`] code for every
/// low wallet, each request recorded in the [`FundingJournal`] before it is sent.
#[derive(Debug)]
pub struct GasStationFunder<C, J> {
    gas_station: GasStationClient,
    chain: String,
    owner: String,
    codes: C,
    journal: J,
}

impl<C: TwoFactorCodes, J: FundingJournal> GasStationFunder<C, J> {
    /// A funder from `gas_station`, for `owner` (the enrolled address; the operator) on the
    /// Gas Station chain `chain` (a preset's [`faucet_chain`]).
    ///
    /// [`faucet_chain`]: peaqos_types::NetworkPreset::faucet_chain
    pub fn new(
        gas_station: GasStationClient,
        chain: impl Into<String>,
        owner: Address,
        codes: C,
        journal: J,
    ) -> Self {
        Self {
            gas_station,
            chain: chain.into(),
            owner: owner.to_string(),
            codes,
            journal,
        }
    }

    /// The code supplier and the journal, back.
    pub fn into_parts(self) -> (C, J) {
        (self.codes, self.journal)
    }

    /// Enrolls the owner when needed, then funds every wallet of `low` with one code.
    pub async fn fund_low(&mut self, low: &[WalletBalance], progress: &mut OnProgress<'_>) -> Res {
        self.enroll(progress).await?;
        tell(progress, FundingProgress::FundingStarted)?;
        let mut code = self.code(CodeRequest::Fund).await?;
        for wallet in low {
            self.fund_one(wallet, &mut code, progress).await?;
        }
        Ok(())
    }

    async fn code(&mut self, request: CodeRequest<'_>) -> Res<String> {
        self.codes
            .code(request)
            .await
            .map_err(GasStationError::Code)
    }

    /// Setup → code → confirm, unless the owner is enrolled already.
    async fn enroll(&mut self, progress: &mut OnProgress<'_>) -> Res {
        tell(progress, FundingProgress::EnrollmentStarted)?;
        let setup = match self
            .gas_station
            .setup_faucet_2fa(&self.owner, QrFormat::Svg)
            .await
        {
            Ok(setup) => setup,
            Err(e) if e.faucet_code() == Some(FaucetCode::TwoFaAlreadyConfigured) => {
                return tell(progress, FundingProgress::AlreadyEnrolled);
            }
            Err(e) => return Err(e.into()),
        };
        let code = self.code(CodeRequest::Enroll(&setup)).await?;
        self.gas_station
            .confirm_faucet_2fa(&self.owner, &code)
            .await?;
        tell(progress, FundingProgress::Enrolled)
    }

    fn record(
        &mut self,
        wallet: &WalletBalance,
        request_id: Uuid,
        status: FundStatus<'_>,
        progress: &mut OnProgress<'_>,
    ) -> Res {
        let entry = FundEntry {
            wallet,
            chain: &self.chain,
            request_id,
            status,
        };
        self.journal
            .record(&entry)
            .map_err(GasStationError::Journal)?;
        tell(progress, FundingProgress::Recorded(&entry))
    }

    async fn fund_one(
        &mut self,
        wallet: &WalletBalance,
        code: &mut String,
        progress: &mut OnProgress<'_>,
    ) -> Res {
        let (request_id, resumed) = match self.journal.resume(wallet.address, &self.chain) {
            FundResume::Retry(id) => (id, true),
            FundResume::Confirmed(prior) => {
                self.record(wallet, prior, FundStatus::StaleResume, progress)?;
                (Uuid::new_v4(), false)
            }
            FundResume::Fresh => (Uuid::new_v4(), false),
        };
        self.record(
            wallet,
            request_id,
            FundStatus::Pending { resumed },
            progress,
        )?;
        let target = wallet.address.to_string();
        let mut reprompted = false;
        let mut waits = 0;
        loop {
            tell(progress, FundingProgress::Waiting { wallet, request_id })?;
            let answer = self
                .gas_station
                .fund_from_gas_station(&self.owner, &target, &self.chain, code, Some(request_id))
                .await;
            let status = match &answer {
                Ok(FundOutcome::Funded { tx_hash, .. }) => FundStatus::Confirmed {
                    tx_hash: Some(*tx_hash),
                },
                Ok(FundOutcome::Skipped { .. }) => FundStatus::Skipped,
                Err(e) if is_expired(e) && !reprompted => {
                    reprompted = true;
                    tell(progress, FundingProgress::CodeExpired { wallet })?;
                    *code = self.code(CodeRequest::Expired).await?;
                    continue;
                }
                Err(e) if e.faucet_code() == Some(FaucetCode::DuplicateRequest) => {
                    if waits < DUPLICATE_WAITS {
                        waits += 1;
                        let p = FundingProgress::InProgress { wallet, request_id };
                        tell(progress, p)?;
                        tokio::time::sleep(DUPLICATE_WAIT).await;
                        continue;
                    }
                    FundStatus::Failed { error: e }
                }
                // Finished in a run we lost: the workflow's balance re-check decides.
                Err(e) if e.faucet_code() == Some(FaucetCode::RequestAlreadyProcessed) => {
                    FundStatus::Confirmed { tx_hash: None }
                }
                Err(error) => FundStatus::Failed { error },
            };
            let failed = matches!(status, FundStatus::Failed { .. });
            self.record(wallet, request_id, status, progress)?;
            return match answer {
                Err(e) if failed => Err(e.into()),
                _ => Ok(()),
            };
        }
    }
}

impl<C: TwoFactorCodes, J: FundingJournal> Funder for GasStationFunder<C, J> {
    fn fund<'a>(
        &'a mut self,
        low: &'a [WalletBalance],
        progress: &'a mut OnProgress<'_>,
    ) -> FundFuture<'a> {
        Box::pin(async move {
            self.fund_low(low, progress)
                .await
                .map_err(|e| Box::new(e) as FundError)
        })
    }
}

/// A code some faucets send for an expired TOTP code (ours sends `2FA_EXPIRED`, a
/// [`FaucetCode`], for a code already used).
fn is_expired(e: &Error) -> bool {
    matches!(
        e.api_code(),
        Some(c @ (ApiCode::Unknown(_) | ApiCode::Faucet(_))) if EXPIRED_CODES.contains(&c.as_str())
    )
}

fn tell(progress: &mut OnProgress<'_>, p: FundingProgress<'_>) -> Res {
    match progress(Progress::Funding(p)) {
        std::ops::ControlFlow::Continue(()) => Ok(()),
        std::ops::ControlFlow::Break(()) => Err(GasStationError::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_spellings_are_recognised() {
        for c in EXPIRED_CODES {
            assert!(is_expired(&Error::api(
                ApiCode::from_faucet(c),
                "x",
                Some(401)
            )));
        }
        let invalid = Error::api(ApiCode::from(FaucetCode::Invalid2fa), "x", Some(401));
        assert!(!is_expired(&invalid));
        assert_eq!(GasStationError::from(invalid).code(), "INVALID_2FA");
    }
}
