//! The activation workflow: a machine goes on chain in idempotent steps, self-managed or
//! through a proxy operator.
//!
//! - **Self-managed**: balance check (and gas money from a pluggable [`Funder`], e.g. the
//!   Gas Station behind 2FA with [`GasStationFunder`]) →
//!   `register()` with the bond → `mint` the Machine NFT to itself → `tokenIdOf` → the six DID
//!   attributes in one `batchAll`.
//! - **Proxy**: the operator (already registered) `registerFor(machine)` and pays the bond →
//!   mints the NFT to the machine → the machine writes its own DID (`operator =
//!   did:peaq:<operator>`) → the operator writes `machineId` and appends the machine to
//!   `machines` on its own DID.
//!
//! Every step reads chain state first and skips finished work, and a revert that says the work
//! is done (`AlreadyRegistered`, `AlreadyMinted`, `AttributeAlreadyExist`) counts as skipped, so
//! a re-run after a failure or a kill finishes the job without repeating it. Each step reports
//! through a progress callback and ends in a typed [`StepResult`].
//!
//! ```no_run
//! # async fn run(client: peaqos_sdk::PeaqosClient) -> Result<(), peaqos_sdk::activation::ActivationError> {
//! use peaqos_sdk::activation::{Activation, MachineAttributes};
//! use peaqos_types::DataVisibility;
//!
//! let attributes = MachineAttributes {
//!     documentation_url: "https://example.com/docs".into(),
//!     data_api: "https://example.com/api".into(),
//!     visibility: DataVisibility::Public,
//! };
//! let mut progress = |p: peaqos_sdk::activation::Progress<'_>| {
//!     println!("{p:?}");
//!     std::ops::ControlFlow::Continue(())
//! };
//! let plan = Activation::self_managed(client, attributes)?
//!     .prepare(&mut progress)
//!     .await?;
//! // `None`: no funder; every wallet must already hold enough for its transactions.
//! let report = plan.run(None, &mut progress).await?;
//! println!("machine {} token {}", report.machine_id, report.token_id);
//! # Ok(())
//! # }
//! ```

use std::{future::Future, ops::ControlFlow, pin::Pin};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider as _,
    sol_types::SolCall as _,
};
use peaqos_contracts::bindings::{DIDPrecompile, IdentityRegistry, MachineNFT};
use peaqos_types::{
    DataVisibility,
    constants::{DID_ATTR_MACHINE_ID, DID_ATTR_MACHINES, DID_MAX_VALUE_BYTES},
};

use crate::{
    Error, PeaqosClient, ValidationError, events::encode_batch_all, revert::Revert,
    validation::validate_machine_did_attrs,
};

mod funding;

pub use funding::{
    CodeRequest, DUPLICATE_WAIT, DUPLICATE_WAITS, FundEntry, FundResume, FundStatus,
    FundingJournal, FundingProgress, GasStationError, GasStationFunder, TwoFactorCodes,
};

/// The balance each wallet needs before activation: 0.5 PEAQ (the Gas Station's
/// `minGasBalance`).
pub const MIN_BALANCE_WEI: u128 = 500_000_000_000_000_000;

/// The machine's own DID attributes (besides `machineId`, `nftTokenId` and `operator`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineAttributes {
    /// `documentation_url` (ASCII, ≤ 2560 bytes).
    pub documentation_url: String,
    /// `data_api` (ASCII, ≤ 2560 bytes).
    pub data_api: String,
    /// `data_visibility`.
    pub visibility: DataVisibility,
}

impl MachineAttributes {
    /// Checks the attributes with the SDK's DID rules (with placeholder ids), before anything
    /// is sent.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_machine_did_attrs(
            U256::from(1),
            U256::from(1),
            "",
            &self.documentation_url,
            &self.data_api,
            self.visibility.as_str(),
        )
    }
}

/// Self-managed (the machine signs everything) or proxy (an operator registers and mints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The machine's own key registers, mints and writes its DID.
    SelfManaged,
    /// An operator registers the machine, pays the bond and mints; the machine writes its DID.
    Proxy,
}

impl Mode {
    /// `self` or `proxy` (the journal's words).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SelfManaged => "self",
            Self::Proxy => "proxy",
        }
    }
}

/// Whose wallet a balance belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The signer of registration and mint (the machine itself when self-managed).
    Operator,
    /// The proxied machine (signs its own DID).
    Machine,
}

impl Role {
    /// `Operator` or `Machine`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "Operator",
            Self::Machine => "Machine",
        }
    }
}

/// One wallet's balance at the balance check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletBalance {
    /// Whose wallet.
    pub role: Role,
    /// Its address.
    pub address: Address,
    /// Its balance, in wei.
    pub balance: U256,
    /// At least [`MIN_BALANCE_WEI`].
    pub sufficient: bool,
}

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Balances of the wallets that will sign; gas money for those below the minimum.
    Funding,
    /// `register()` / `registerFor(machine)` with the bond.
    Register,
    /// `mint` of the Machine NFT (then `tokenIdOf`).
    MintNft,
    /// The machine's six DID attributes.
    MachineDid,
    /// Proxy only: `machineId` and `machines` on the operator's DID.
    ProxyDid,
}

/// Why a finished step sent nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovered {
    /// The transaction reverted `AlreadyRegistered`: registered meanwhile.
    AlreadyRegistered,
    /// The transaction reverted `AlreadyMinted`: minted meanwhile.
    AlreadyMinted,
    /// The attributes were already on chain when read.
    AttributeAlreadyOnChain,
    /// The DID write reverted `AttributeAlreadyExist`: written meanwhile.
    AlreadyExists,
}

impl Recovered {
    /// The journal's word for it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AlreadyRegistered => "AlreadyRegistered",
            Self::AlreadyMinted => "AlreadyMinted",
            Self::AttributeAlreadyOnChain => "AttributeAlreadyOnChain",
            Self::AlreadyExists => "AlreadyExists",
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A transaction was sent and mined.
    Done {
        /// Its hash (`None` when the step sent none of its own).
        tx_hash: Option<B256>,
    },
    /// Nothing was sent: chain state showed the work done (`recovered_from` `None` for the
    /// plain read-first skip).
    Skipped {
        /// The revert or read that showed it, when it was not the plain read-first check.
        recovered_from: Option<Recovered>,
    },
    /// The step's transaction failed (only in [`Progress::Failed`]; the workflow then returns
    /// the error).
    Failed,
}

/// The typed result of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepResult {
    /// Balance check and funding.
    Funding {
        /// The balances read before funding.
        balances: Vec<WalletBalance>,
        /// Whether the funder was asked for gas money.
        funded: bool,
    },
    /// Registration.
    Register {
        /// The machine id.
        machine_id: U256,
        /// Sent or skipped.
        outcome: Outcome,
    },
    /// The Machine NFT.
    MintNft {
        /// The machine id.
        machine_id: U256,
        /// Who holds the NFT (the machine).
        recipient: Address,
        /// Its token id.
        token_id: U256,
        /// Sent or skipped.
        outcome: Outcome,
    },
    /// The machine's DID.
    MachineDid {
        /// The machine id written.
        machine_id: U256,
        /// The NFT token id written.
        token_id: U256,
        /// The `operator` attribute (proxy mode).
        operator_did: Option<String>,
        /// Sent or skipped.
        outcome: Outcome,
    },
    /// The operator's DID (proxy mode).
    ProxyDid {
        /// The operator's own machine id (`machineId`).
        proxy_machine_id: U256,
        /// The machine just activated.
        machine_id: u64,
        /// The `machines` list after the step.
        machine_ids: Vec<u64>,
        /// How many attributes the transaction wrote (0 when skipped).
        attributes_written: usize,
        /// Sent or skipped.
        outcome: Outcome,
    },
}

impl StepResult {
    /// The step this is the result of.
    pub const fn step(&self) -> Step {
        match self {
            Self::Funding { .. } => Step::Funding,
            Self::Register { .. } => Step::Register,
            Self::MintNft { .. } => Step::MintNft,
            Self::MachineDid { .. } => Step::MachineDid,
            Self::ProxyDid { .. } => Step::ProxyDid,
        }
    }
}

/// What the workflow reports while it runs.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// Reading the registration state before anything is sent.
    ReadingState,
    /// A step begins.
    Started(Step),
    /// The balance check read one wallet.
    Balance(&'a WalletBalance),
    /// Every wallet holds enough: the funder is not called.
    AllFunded,
    /// A transaction of the step was sent; waiting for it to be mined.
    Waiting(Step),
    /// A step ended.
    Finished(&'a StepResult),
    /// A step failed on a transaction; the workflow returns this error.
    Failed {
        /// What the step was doing (its outcome is [`Outcome::Failed`]).
        attempt: &'a StepResult,
        /// The error.
        error: &'a Error,
    },
    /// What the funder reports while it works (the [`GasStationFunder`]'s enrollment,
    /// requests and their records).
    Funding(FundingProgress<'a>),
}

/// A boxed error of a [`Funder`].
pub type FundError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The future of a [`Funder`] (or a [`TwoFactorCodes`]) call: boxed, so both traits stay
/// usable as `dyn`.
pub type FundFuture<'a, T = ()> = Pin<Box<dyn Future<Output = Result<T, FundError>> + 'a>>;

/// Gas money for wallets below the minimum, e.g. [`GasStationFunder`] (the Gas Station after
/// 2FA).
pub trait Funder {
    /// Funds every wallet of `low` (all below [`MIN_BALANCE_WEI`]), reporting through
    /// `progress` (a `Break` from it should stop the funder). The workflow reads the balances
    /// again afterwards.
    fn fund<'a>(
        &'a mut self,
        low: &'a [WalletBalance],
        progress: &'a mut OnProgress<'_>,
    ) -> FundFuture<'a>;
}

/// Why an activation stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActivationError {
    /// A read or transaction failed (the SDK error carries its code).
    #[error(transparent)]
    Sdk(#[from] Error),
    /// Proxy mode: the operator has no machine id of its own.
    #[error("the proxy operator {operator} is not registered on the IdentityRegistry")]
    ProxyNotRegistered {
        /// The operator.
        operator: Address,
    },
    /// No funder: the operator cannot pay the bond plus gas.
    #[error("operator {operator} holds {balance} wei, not enough for the {bond} wei bond plus gas")]
    BondNotCovered {
        /// The operator.
        operator: Address,
        /// Its balance.
        balance: U256,
        /// The bond.
        bond: U256,
    },
    /// No funder: the proxied machine holds nothing for its DID transaction.
    #[error("machine {machine} holds 0 PEAQ and cannot pay for its DID transaction")]
    MachineUnfunded {
        /// The machine.
        machine: Address,
    },
    /// A wallet is still below the minimum after the funder ran.
    #[error("{} {address} still holds only {balance} wei after funding", role.as_str())]
    StillLow {
        /// Whose wallet.
        role: Role,
        /// Its address.
        address: Address,
        /// Its balance.
        balance: U256,
    },
    /// `eth_getBalance` failed.
    #[error("eth_getBalance failed: {0}")]
    BalanceUnreadable(String),
    /// The funder failed (a [`GasStationFunder`]'s error is a [`GasStationError`]; downcast
    /// it).
    #[error("funding failed: {0}")]
    Funding(#[source] FundError),
    /// The mint was mined but `tokenIdOf` still reads 0.
    #[error("mint transaction {tx_hash} succeeded but tokenIdOf({machine_id}) is still 0")]
    MintNotVisible {
        /// The mint.
        tx_hash: B256,
        /// The machine.
        machine_id: U256,
    },
    /// The machine's NFT exists but belongs to someone else.
    #[error("Machine NFT token {token_id} is owned by {owner}, not {recipient}")]
    NftOwnedElsewhere {
        /// The token.
        token_id: U256,
        /// Its owner.
        owner: Address,
        /// The machine.
        recipient: Address,
    },
    /// The operator's `machines` attribute is not a JSON list of ids (left alone: rewriting it
    /// would drop the machines it names).
    #[error("the operator's DID attribute 'machines' is not a JSON list of machine ids ({value})")]
    MachinesListUnreadable {
        /// The attribute's value.
        value: String,
    },
    /// The machine id does not fit the `machines` list (u64).
    #[error("machine id {machine_id} is too large")]
    MachineIdTooLarge {
        /// The machine id.
        machine_id: U256,
    },
    /// The progress callback asked to stop.
    #[error("the activation was cancelled")]
    Cancelled,
    /// The `machines` list would exceed a DID attribute's size.
    #[error("the operator's machines list would exceed {max} bytes")]
    MachinesListTooLong {
        /// The limit.
        max: usize,
    },
}

impl ActivationError {
    /// The stable code: the SDK error's, or `PROXY_NOT_REGISTERED`, `INSUFFICIENT_BALANCE`,
    /// `RPC_ERROR`, `FUNDING_FAILED`, `MINT_NOT_VISIBLE`, `NFT_OWNED_ELSEWHERE`,
    /// `MACHINES_LIST_UNREADABLE`, `VALIDATION_ERROR`, `ABORTED`.
    pub fn code(&self) -> &str {
        match self {
            Self::Sdk(e) => e.code(),
            Self::ProxyNotRegistered { .. } => "PROXY_NOT_REGISTERED",
            Self::BondNotCovered { .. } | Self::MachineUnfunded { .. } | Self::StillLow { .. } => {
                "INSUFFICIENT_BALANCE"
            }
            Self::BalanceUnreadable(_) => crate::RpcCode::RpcError.as_str(),
            Self::Funding(_) => "FUNDING_FAILED",
            Self::MintNotVisible { .. } => "MINT_NOT_VISIBLE",
            Self::NftOwnedElsewhere { .. } => "NFT_OWNED_ELSEWHERE",
            Self::MachinesListUnreadable { .. } => "MACHINES_LIST_UNREADABLE",
            Self::MachineIdTooLarge { .. } | Self::MachinesListTooLong { .. } => "VALIDATION_ERROR",
            Self::Cancelled => crate::RpcCode::Aborted.as_str(),
        }
    }
}

type Res<T> = Result<T, ActivationError>;

/// The progress callback: `ControlFlow::Break` stops the workflow before its next read or
/// transaction, with [`ActivationError::Cancelled`] (e.g. when the caller's own record of a
/// step could not be written).
pub type OnProgress<'p> = dyn FnMut(Progress<'_>) -> ControlFlow<()> + 'p;

fn emit(progress: &mut OnProgress<'_>, p: Progress<'_>) -> Res<()> {
    match progress(p) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(ActivationError::Cancelled),
    }
}

/// An activation to run: who signs, and the machine's DID attributes.
#[derive(Debug, Clone)]
pub struct Activation {
    operator: PeaqosClient,
    machine: Option<PeaqosClient>,
    attributes: MachineAttributes,
}

impl Activation {
    /// `client` activates its own address. The attributes are checked now, before anything
    /// is sent.
    pub fn self_managed(client: PeaqosClient, attributes: MachineAttributes) -> Res<Self> {
        check_attributes(&attributes)?;
        Ok(Self {
            operator: client,
            machine: None,
            attributes,
        })
    }

    /// `operator` activates the machine `machine` signs for (its client writes the machine's
    /// DID; see [`PeaqosClient::with_signer`]).
    pub fn proxy(
        operator: PeaqosClient,
        machine: PeaqosClient,
        attributes: MachineAttributes,
    ) -> Res<Self> {
        check_attributes(&attributes)?;
        Ok(Self {
            operator,
            machine: Some(machine),
            attributes,
        })
    }

    /// Self-managed or proxy.
    pub const fn mode(&self) -> Mode {
        if self.machine.is_some() {
            Mode::Proxy
        } else {
            Mode::SelfManaged
        }
    }

    /// The machine being activated.
    pub fn target(&self) -> Address {
        self.machine
            .as_ref()
            .map_or_else(|| self.operator.address(), PeaqosClient::address)
    }

    /// `did:peaq:<operator>` in proxy mode.
    pub fn operator_did(&self) -> Option<String> {
        self.machine
            .as_ref()
            .map(|_| format!("did:peaq:{}", self.operator.address()))
    }

    /// Reads the registration state (the operator's and the machine's machine ids); in proxy
    /// mode the operator must be registered already.
    pub async fn prepare(self, progress: &mut OnProgress<'_>) -> Res<Prepared> {
        emit(progress, Progress::ReadingState)?;
        let operator = self.operator.address();
        let operator_machine_id = self.operator.machine_id_of(operator).await?;
        let existing_id = if self.machine.is_some() {
            self.operator.machine_id_of(self.target()).await?
        } else {
            operator_machine_id
        };
        if self.machine.is_some() && operator_machine_id.is_zero() {
            return Err(ActivationError::ProxyNotRegistered { operator });
        }
        Ok(Prepared {
            activation: self,
            operator_machine_id,
            existing_id,
        })
    }
}

fn check_attributes(a: &MachineAttributes) -> Res<()> {
    a.validate()
        .map_err(|e| ActivationError::Sdk(Error::Validation(e)))
}

/// An activation whose registration state is known: [`run`](Self::run) does the steps.
#[derive(Debug, Clone)]
pub struct Prepared {
    activation: Activation,
    operator_machine_id: U256,
    existing_id: U256,
}

/// What an activation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationReport {
    /// Self-managed or proxy.
    pub mode: Mode,
    /// The machine.
    pub machine: Address,
    /// Its machine id.
    pub machine_id: U256,
    /// Its Machine NFT token id.
    pub token_id: U256,
    /// `did:peaq:<operator>` in proxy mode.
    pub operator_did: Option<String>,
    /// Each step's result, in order.
    pub steps: Vec<StepResult>,
}

impl Prepared {
    /// The activation.
    pub const fn activation(&self) -> &Activation {
        &self.activation
    }

    /// The machine id already registered for the machine (0 = none yet).
    pub const fn existing_machine_id(&self) -> U256 {
        self.existing_id
    }

    /// The wallets that will sign: the operator, and the machine in proxy mode.
    pub fn wallets(&self) -> Vec<(Role, Address)> {
        let a = &self.activation;
        let operator = a.operator.address();
        let mut wallets = vec![(Role::Operator, operator)];
        if let Some(m) = a.machine.as_ref().filter(|m| m.address() != operator) {
            wallets.push((Role::Machine, m.address()));
        }
        wallets
    }

    /// Runs the steps. With a `funder`, wallets below [`MIN_BALANCE_WEI`] get gas money
    /// first; without, every wallet must already cover its own transactions (checked before
    /// any is sent).
    pub async fn run(
        &self,
        funder: Option<&mut dyn Funder>,
        progress: &mut OnProgress<'_>,
    ) -> Res<ActivationReport> {
        let a = &self.activation;
        let mut steps = Vec::new();
        match funder {
            Some(funder) => steps.push(self.fund(funder, progress).await?),
            None => self.preflight_funds().await?,
        }
        let machine_id = self.register(progress, &mut steps).await?;
        let token_id = self.mint(machine_id, progress, &mut steps).await?;
        self.machine_did(machine_id, token_id, progress, &mut steps)
            .await?;
        if a.machine.is_some() {
            self.proxy_did(machine_id, progress, &mut steps).await?;
        }
        Ok(ActivationReport {
            mode: a.mode(),
            machine: a.target(),
            machine_id,
            token_id,
            operator_did: a.operator_did(),
            steps,
        })
    }

    async fn balance(&self, address: Address) -> Res<U256> {
        self.activation
            .operator
            .provider()
            .get_balance(address)
            .await
            .map_err(|e| ActivationError::BalanceUnreadable(e.to_string()))
    }

    /// The balance check, then the funder for the wallets below the minimum.
    async fn fund(
        &self,
        funder: &mut dyn Funder,
        progress: &mut OnProgress<'_>,
    ) -> Res<StepResult> {
        emit(progress, Progress::Started(Step::Funding))?;
        let min = U256::from(MIN_BALANCE_WEI);
        let mut balances = Vec::new();
        for (role, address) in self.wallets() {
            let balance = self.balance(address).await?;
            let b = WalletBalance {
                role,
                address,
                balance,
                sufficient: balance >= min,
            };
            emit(progress, Progress::Balance(&b))?;
            balances.push(b);
        }
        let low: Vec<WalletBalance> = balances.iter().filter(|b| !b.sufficient).copied().collect();
        if low.is_empty() {
            emit(progress, Progress::AllFunded)?;
            let result = StepResult::Funding {
                balances,
                funded: false,
            };
            emit(progress, Progress::Finished(&result))?;
            return Ok(result);
        }
        funder.fund(&low, progress).await.map_err(|e| {
            match e.downcast_ref::<GasStationError>() {
                // A stop asked for by the progress callback, as in every other step.
                Some(GasStationError::Cancelled) => ActivationError::Cancelled,
                _ => ActivationError::Funding(e),
            }
        })?;
        for w in &low {
            let balance = self.balance(w.address).await?;
            if balance < min {
                return Err(ActivationError::StillLow {
                    role: w.role,
                    address: w.address,
                    balance,
                });
            }
        }
        let result = StepResult::Funding {
            balances,
            funded: true,
        };
        emit(progress, Progress::Finished(&result))?;
        Ok(result)
    }

    /// Without a funder: fail before any transaction if a wallet cannot pay for its part (the
    /// operator the bond when registering, the machine its DID transaction).
    async fn preflight_funds(&self) -> Res<()> {
        let a = &self.activation;
        if self.existing_id.is_zero() {
            let bond = a.operator.min_bond().await?;
            let balance = self.balance(a.operator.address()).await?;
            if balance <= bond {
                return Err(ActivationError::BondNotCovered {
                    operator: a.operator.address(),
                    balance,
                    bond,
                });
            }
        }
        if let Some(machine) = &a.machine {
            // Only a machine whose DID is still to be written pays for a transaction.
            if machine
                .read_attribute(machine.address(), DID_ATTR_MACHINE_ID)
                .await?
                .is_some()
            {
                return Ok(());
            }
            if self.balance(machine.address()).await?.is_zero() {
                return Err(ActivationError::MachineUnfunded {
                    machine: machine.address(),
                });
            }
        }
        Ok(())
    }

    async fn register(
        &self,
        progress: &mut OnProgress<'_>,
        steps: &mut Vec<StepResult>,
    ) -> Res<U256> {
        emit(progress, Progress::Started(Step::Register))?;
        let a = &self.activation;
        let (machine_id, outcome) = if self.existing_id.is_zero() {
            emit(progress, Progress::Waiting(Step::Register))?;
            let sent = match &a.machine {
                Some(m) => a.operator.register(Some(m.address())).await,
                None => a.operator.register(None).await,
            };
            match sent {
                Ok(r) => (
                    r.machine_id,
                    Outcome::Done {
                        tx_hash: Some(r.tx_hash),
                    },
                ),
                Err(e) if e.is_revert::<IdentityRegistry::AlreadyRegistered>() => (
                    a.operator.machine_id_of(a.target()).await?,
                    Outcome::Skipped {
                        recovered_from: Some(Recovered::AlreadyRegistered),
                    },
                ),
                Err(error) => {
                    let attempt = StepResult::Register {
                        machine_id: U256::ZERO,
                        outcome: Outcome::Failed,
                    };
                    return Err(failed(&attempt, error, progress));
                }
            }
        } else {
            (
                self.existing_id,
                Outcome::Skipped {
                    recovered_from: None,
                },
            )
        };
        finish(
            StepResult::Register {
                machine_id,
                outcome,
            },
            progress,
            steps,
        )?;
        Ok(machine_id)
    }

    /// Mints the Machine NFT to the machine, or verifies the existing one.
    async fn mint(
        &self,
        machine_id: U256,
        progress: &mut OnProgress<'_>,
        steps: &mut Vec<StepResult>,
    ) -> Res<U256> {
        emit(progress, Progress::Started(Step::MintNft))?;
        let client = &self.activation.operator;
        let recipient = self.activation.target();
        let result = |token_id, outcome| StepResult::MintNft {
            machine_id,
            recipient,
            token_id,
            outcome,
        };
        let existing = client.token_id_of(machine_id).await?;
        if !existing.is_zero() {
            self.verify_owner(existing, recipient).await?;
            let skipped = Outcome::Skipped {
                recovered_from: None,
            };
            finish(result(existing, skipped), progress, steps)?;
            return Ok(existing);
        }
        emit(progress, Progress::Waiting(Step::MintNft))?;
        match client.mint_nft(machine_id, recipient).await {
            Ok(tx_hash) => {
                let token_id = client.token_id_of(machine_id).await?;
                if token_id.is_zero() {
                    return Err(ActivationError::MintNotVisible {
                        tx_hash,
                        machine_id,
                    });
                }
                let done = Outcome::Done {
                    tx_hash: Some(tx_hash),
                };
                finish(result(token_id, done), progress, steps)?;
                Ok(token_id)
            }
            Err(e) if e.is_revert::<MachineNFT::AlreadyMinted>() => {
                let token_id = client.token_id_of(machine_id).await?;
                self.verify_owner(token_id, recipient).await?;
                let skipped = Outcome::Skipped {
                    recovered_from: Some(Recovered::AlreadyMinted),
                };
                finish(result(token_id, skipped), progress, steps)?;
                Ok(token_id)
            }
            Err(error) => Err(failed(
                &result(U256::ZERO, Outcome::Failed),
                error,
                progress,
            )),
        }
    }

    async fn verify_owner(&self, token_id: U256, recipient: Address) -> Res<()> {
        let client = &self.activation.operator;
        let owner = client
            .call_sol(
                client.contracts().machine_nft,
                &MachineNFT::ownerOfCall { tokenId: token_id },
            )
            .await?;
        if owner != recipient {
            return Err(ActivationError::NftOwnedElsewhere {
                token_id,
                owner,
                recipient,
            });
        }
        Ok(())
    }

    /// The six machine DID attributes, signed by the machine's own key.
    async fn machine_did(
        &self,
        machine_id: U256,
        token_id: U256,
        progress: &mut OnProgress<'_>,
        steps: &mut Vec<StepResult>,
    ) -> Res<()> {
        emit(progress, Progress::Started(Step::MachineDid))?;
        let a = &self.activation;
        let subject = a.machine.as_ref().unwrap_or(&a.operator);
        let operator_did = a.operator_did();
        let result = |outcome| StepResult::MachineDid {
            machine_id,
            token_id,
            operator_did: operator_did.clone(),
            outcome,
        };
        if subject
            .read_attribute(subject.address(), DID_ATTR_MACHINE_ID)
            .await?
            .is_some()
        {
            let skipped = Outcome::Skipped {
                recovered_from: Some(Recovered::AttributeAlreadyOnChain),
            };
            finish(result(skipped), progress, steps)?;
            return Ok(());
        }
        emit(progress, Progress::Waiting(Step::MachineDid))?;
        let attrs = &a.attributes;
        let sent = subject
            .write_machine_did_attributes(
                machine_id,
                token_id,
                operator_did.as_deref(),
                &attrs.documentation_url,
                &attrs.data_api,
                attrs.visibility,
            )
            .await;
        let outcome = match sent {
            Ok(tx_hash) => Outcome::Done {
                tx_hash: Some(tx_hash),
            },
            Err(e) if attribute_exists(&e) => Outcome::Skipped {
                recovered_from: Some(Recovered::AlreadyExists),
            },
            Err(error) => return Err(failed(&result(Outcome::Failed), error, progress)),
        };
        finish(result(outcome), progress, steps)?;
        Ok(())
    }

    /// The operator DID's `machineId` and `machines` list, appending the new machine to an
    /// existing list.
    async fn proxy_did(
        &self,
        machine_id: U256,
        progress: &mut OnProgress<'_>,
        steps: &mut Vec<StepResult>,
    ) -> Res<()> {
        emit(progress, Progress::Started(Step::ProxyDid))?;
        let client = &self.activation.operator;
        let proxy_machine_id = self.operator_machine_id;
        let me = client.address();
        let has_id = client
            .read_attribute(me, DID_ATTR_MACHINE_ID)
            .await?
            .is_some();
        let existing = client.read_attribute(me, DID_ATTR_MACHINES).await?;
        // An unreadable list is left alone: rewriting it would drop the machines it names.
        let mut ids: Vec<u64> = match &existing {
            Some(a) => serde_json::from_str(&a.value).map_err(|_| {
                ActivationError::MachinesListUnreadable {
                    value: a.value.clone(),
                }
            })?,
            None => Vec::new(),
        };
        let id = u64::try_from(machine_id)
            .map_err(|_| ActivationError::MachineIdTooLarge { machine_id })?;
        let listed = ids.contains(&id);
        if !listed {
            // The documented cap: the newest 100, older ones pushed out.
            ids = crate::did::append_machines(&ids, &[id]);
        }
        let list = machines_list(&ids);
        let mut calls: Vec<Bytes> = Vec::new();
        if !has_id {
            let value = proxy_machine_id.to_string();
            calls.push(did_write(false, me, DID_ATTR_MACHINE_ID, &value));
        }
        if !listed {
            calls.push(did_write(existing.is_some(), me, DID_ATTR_MACHINES, &list));
        }
        if list.len() > DID_MAX_VALUE_BYTES {
            return Err(ActivationError::MachinesListTooLong {
                max: DID_MAX_VALUE_BYTES,
            });
        }
        let n = calls.len();
        let result = |outcome| StepResult::ProxyDid {
            proxy_machine_id,
            machine_id: id,
            machine_ids: ids.clone(),
            attributes_written: n,
            outcome,
        };
        if calls.is_empty() {
            let skipped = Outcome::Skipped {
                recovered_from: Some(Recovered::AttributeAlreadyOnChain),
            };
            finish(result(skipped), progress, steps)?;
            return Ok(());
        }
        emit(progress, Progress::Waiting(Step::ProxyDid))?;
        let did = client.contracts().did_registry;
        let sent = client
            .send_call(
                client.contracts().batch_precompile,
                encode_batch_all(did, calls),
                U256::ZERO,
            )
            .await;
        match sent {
            Ok(outcome) => {
                let done = Outcome::Done {
                    tx_hash: Some(outcome.tx_hash),
                };
                finish(result(done), progress, steps)?;
                Ok(())
            }
            Err(error) => Err(failed(&result(Outcome::Failed), error, progress)),
        }
    }
}

/// `[1, 2, 3]`: the `machines` attribute's value.
pub fn machines_list(ids: &[u64]) -> String {
    let inner: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!("[{}]", inner.join(", "))
}

/// `addAttribute` (or `updateAttribute`) calldata for `name = value` on `did_account`, valid
/// for ever.
pub(crate) fn did_write(update: bool, did_account: Address, name: &str, value: &str) -> Bytes {
    let name = Bytes::copy_from_slice(name.as_bytes());
    let value = Bytes::copy_from_slice(value.as_bytes());
    let call = if update {
        DIDPrecompile::updateAttributeCall {
            didAccount: did_account,
            name,
            value,
            validityFor: 0,
        }
        .abi_encode()
    } else {
        DIDPrecompile::addAttributeCall {
            didAccount: did_account,
            name,
            value,
            validityFor: 0,
        }
        .abi_encode()
    };
    call.into()
}

/// The DID precompile's "attribute already exists" revert (`AttributeAlreadyExist`).
fn attribute_exists(e: &Error) -> bool {
    matches!(e.revert(), Some(Revert::Reason(reason)) if reason.contains("AttributeAlreadyExist"))
}

fn finish(
    result: StepResult,
    progress: &mut OnProgress<'_>,
    steps: &mut Vec<StepResult>,
) -> Res<()> {
    emit(progress, Progress::Finished(&result))?;
    steps.push(result);
    Ok(())
}

/// The error of a failed transaction, after the callback saw it (a stop request wins).
fn failed(attempt: &StepResult, error: Error, progress: &mut OnProgress<'_>) -> ActivationError {
    match emit(
        progress,
        Progress::Failed {
            attempt,
            error: &error,
        },
    ) {
        Ok(()) => ActivationError::Sdk(error),
        Err(cancelled) => cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_lists_and_words() {
        assert_eq!(machines_list(&[]), "[]");
        assert_eq!(machines_list(&[3, 14]), "[3, 14]");
        assert_eq!(Mode::Proxy.as_str(), "proxy");
        assert_eq!(Role::Machine.as_str(), "Machine");
        assert_eq!(
            Recovered::AttributeAlreadyOnChain.as_str(),
            "AttributeAlreadyOnChain"
        );
    }

    #[test]
    fn the_did_precompile_revert_counts_as_written() {
        let e = Error::reverted(
            Revert::Reason(
                "Dispatched call failed with error: Module(AttributeAlreadyExist)".into(),
            ),
            "x",
        );
        assert!(attribute_exists(&e));
        assert!(!attribute_exists(&Error::rpc(
            crate::RpcCode::RpcError,
            "AttributeAlreadyExist"
        )));
    }
}
