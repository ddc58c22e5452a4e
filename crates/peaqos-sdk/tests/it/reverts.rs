//! Every custom error of the peaqOS contracts that a client can reach, triggered for real on a
//! devnet through `send_call` (pre-flight: the estimate reverts; and mined: a fixed gas limit
//! skips the estimate and the receipt is replayed) or `call_view`, with raw calldata from the
//! bindings. The error must decode to the expected `sol!` error type (matched by selector, not
//! by name; the unit tests pin that `code()` is the error's name).

use crate::common;

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::ProviderBuilder,
    sol_types::{SolCall, SolError, SolInterface},
};
use common::{PEAQ, client, contracts, devnet, fresh_client};
use peaqos_contracts::{
    Artifact,
    bindings::{
        AdminFlags, EventRegistry, IdentityRegistry, IdentityStaking, MachineAccountFactory,
        MachineNFT, MachineSmartAccount,
    },
};
use peaqos_devnet::Devnet;
use peaqos_sdk::{Error, Revert as Decoded, client::PeaqosClient, tx::SendOptions};
use peaqos_types::ContractAddresses;

struct Lab {
    devnet: Devnet,
    contracts: ContractAddresses,
    /// Account 0: deployed and owns the stack.
    owner: PeaqosClient,
    reached: Mutex<BTreeSet<String>>,
}

/// The custom error a case expects: its type's selector and name.
#[derive(Clone, Copy)]
struct Expected {
    selector: [u8; 4],
    name: &'static str,
}

impl Expected {
    fn of<E: SolError>() -> Self {
        let name = E::SIGNATURE
            .split_once('(')
            .map_or(E::SIGNATURE, |(name, _)| name);
        Self {
            selector: E::SELECTOR,
            name,
        }
    }
}

/// A call that must revert with the custom error `E` of `case::<E, _>`: a transaction (checked
/// pre-flight and once mined) or a view.
struct Revert<'a> {
    who: &'a PeaqosClient,
    to: Address,
    data: Bytes,
    signature: &'static str,
    value: U256,
    view: bool,
    expected: Expected,
}

/// `call` from `who` to `to`, sent as a transaction without value, reverts with `E`.
fn case<'a, E: SolError, C: SolCall>(who: &'a PeaqosClient, to: Address, call: &C) -> Revert<'a> {
    Revert {
        who,
        to,
        data: call.abi_encode().into(),
        signature: C::SIGNATURE,
        value: U256::ZERO,
        view: false,
        expected: Expected::of::<E>(),
    }
}

impl Revert<'_> {
    /// Called as a view instead.
    fn view(self) -> Self {
        Self { view: true, ..self }
    }

    /// The transaction carries `value` wei.
    fn paying(self, value: U256) -> Self {
        Self { value, ..self }
    }
}

impl Lab {
    async fn new() -> Self {
        let devnet = devnet().await;
        let contracts = contracts(&devnet);
        let owner = client(&devnet, 0);
        Self {
            devnet,
            contracts,
            owner,
            reached: Mutex::new(BTreeSet::new()),
        }
    }

    /// A fresh key with 50 PEAQ.
    async fn user(&self) -> PeaqosClient {
        fresh_client(&self.devnet, &self.owner, 50).await
    }

    fn check(&self, err: &Error, expected: Expected, what: &str) {
        let name = expected.name;
        let revert = err
            .revert()
            .unwrap_or_else(|| panic!("{what}: not a revert: {err}"));
        assert!(revert.is_custom(), "{what}: {revert:?}");
        assert_eq!(
            revert.selector().map(|s| s.0),
            Some(expected.selector),
            "{what}: {revert:?}"
        );
        self.reached.lock().expect("lock").insert(name.to_owned());
    }

    /// The case reverts with its error: a transaction both pre-flight and once mined, a view
    /// when called.
    async fn reverts(&self, case: Revert<'_>) {
        let Revert {
            who,
            to,
            data,
            signature,
            value,
            view,
            expected,
        } = case;
        let name = expected.name;
        if view {
            let err = who.call_view(to, data).await.expect_err(name);
            self.check(&err, expected, &format!("view {signature}"));
            return;
        }
        let err = who
            .send_call(to, data.clone(), value)
            .await
            .expect_err(name);
        self.check(&err, expected, &format!("pre-flight {signature}"));
        assert_eq!(err.tx_hash(), None, "pre-flight reverts send nothing");
        let options = SendOptions::default().with_gas_limit(2_000_000);
        let err = who
            .send_call_with(to, data, value, options)
            .await
            .expect_err(name);
        self.check(&err, expected, &format!("mined {signature}"));
        assert!(err.tx_hash().is_some(), "a mined revert carries its hash");
    }

    /// Every case reverts with its error, in order.
    async fn all_revert<'a>(&self, cases: impl IntoIterator<Item = Revert<'a>>) {
        for case in cases {
            self.reverts(case).await;
        }
    }

    async fn ok<C: SolCall>(&self, who: &PeaqosClient, to: Address, call: C) {
        who.send_sol(to, &call, U256::ZERO)
            .await
            .unwrap_or_else(|e| panic!("{} should succeed: {e}", C::SIGNATURE));
    }
}

fn now() -> U256 {
    U256::from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    )
}

fn event(machine_id: U256) -> EventRegistry::submitEventCall {
    EventRegistry::submitEventCall {
        machineId: machine_id,
        eventType: 0,
        value: U256::from(1250),
        currency: "USD".to_owned(),
        timestamp: now() - U256::from(60),
        dataHash: B256::ZERO,
        trustLevel: 0,
        sourceChainId: U256::ZERO,
        sourceTxHash: B256::ZERO,
        metadata: Bytes::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_reachable_custom_error_is_decoded_by_name() {
    let lab = Lab::new().await;
    let c = lab.contracts;
    let owner = &lab.owner;
    let bond = owner.min_bond().await.expect("minBond");
    let unknown = U256::from(999_999);

    let machine = lab.user().await;
    let id = machine.register_machine().await.expect("registered");
    let stranger = lab.user().await;
    let proxy = lab.user().await;
    let (fleet_machine, _) = PeaqosClient::generate_keypair();
    let fleet_id = proxy
        .register_for(fleet_machine)
        .await
        .expect("registerFor");
    let newcomer = lab.user().await;
    let factory = c.machine_account_factory.expect("factory");

    // ------------------------------------------------------------ IdentityRegistry
    let ir = c.identity_registry;
    let register = IdentityRegistry::registerCall {};
    let register_for = IdentityRegistry::registerForCall {
        machineAddress: Address::ZERO,
    };
    let soulbound = IdentityRegistry::transferFromCall {
        from: machine.address(),
        to: stranger.address(),
        tokenId: id,
    };
    let min_bond = |bond| IdentityRegistry::setMinBondCall { _minBond: bond };
    lab.all_revert([
        case::<IdentityRegistry::AlreadyRegistered, _>(&machine, ir, &register).paying(bond),
        case::<IdentityRegistry::InvalidMachineAddress, _>(&proxy, ir, &register_for).paying(bond),
        case::<IdentityRegistry::IncorrectBondAmount, _>(&newcomer, ir, &register),
        case::<IdentityRegistry::IncorrectBondAmount, _>(&newcomer, ir, &register)
            .paying(bond + U256::from(1)),
        case::<IdentityRegistry::IdentityNFTSoulbound, _>(&machine, ir, &soulbound),
        case::<IdentityRegistry::NotMachineOwner, _>(
            &stranger,
            ir,
            &IdentityRegistry::removeOperatorCall {
                machineId: fleet_id,
            },
        ),
        case::<IdentityRegistry::BondBelowFloor, _>(owner, ir, &min_bond(U256::ZERO)),
        case::<IdentityRegistry::OwnableUnauthorizedAccount, _>(
            &stranger,
            ir,
            &min_bond(U256::from(2 * PEAQ)),
        ),
    ])
    .await;
    let verify = |machine_id| IdentityRegistry::verifyMachineCall {
        machineId: machine_id,
    };
    lab.ok(owner, ir, verify(id)).await;
    let rescue = IdentityRegistry::rescueETHCall {
        to: Address::ZERO,
        amount: U256::from(1),
    };
    let initialize = IdentityRegistry::initializeCall {
        initialOwner: stranger.address(),
    };
    let upgrade = IdentityRegistry::upgradeToAndCallCall {
        newImplementation: factory,
        data: Bytes::new(),
    };
    let uri = IdentityRegistry::tokenURICall { machineId: unknown };
    lab.all_revert([
        case::<IdentityRegistry::InvalidStatus, _>(owner, ir, &verify(id)),
        case::<IdentityRegistry::MachineNotFound, _>(owner, ir, &verify(unknown)),
        case::<IdentityRegistry::InvalidAddress, _>(owner, ir, &rescue),
        case::<IdentityRegistry::InvalidInitialization, _>(&stranger, ir, &initialize),
        case::<IdentityRegistry::UUPSUnauthorizedCallContext, _>(
            &stranger,
            ir,
            &IdentityRegistry::proxiableUUIDCall {},
        )
        .view(),
        case::<IdentityRegistry::ERC1967InvalidImplementation, _>(owner, ir, &upgrade),
        case::<IdentityRegistry::OwnableUnauthorizedAccount, _>(&stranger, ir, &upgrade),
        case::<IdentityRegistry::ERC721NonexistentToken, _>(&stranger, ir, &uri).view(),
    ])
    .await;

    // ------------------------------------------------------------ IdentityStaking
    let is = c.identity_staking;
    let stake = |machine_id, owner_, amount: u64| IdentityStaking::stakeForCall {
        machineId: machine_id,
        owner_,
        amount: U256::from(amount),
    };
    let authorize = |addr| IdentityStaking::authorizeCall { addr };
    lab.reverts(case::<IdentityStaking::NotAuthorized, _>(
        &stranger,
        is,
        &stake(unknown, stranger.address(), 1),
    ))
    .await;
    lab.ok(owner, is, authorize(owner.address())).await;
    lab.all_revert([
        case::<IdentityStaking::AmountZero, _>(owner, is, &stake(unknown, owner.address(), 0)),
        case::<IdentityStaking::InvalidAddress, _>(owner, is, &stake(unknown, Address::ZERO, 1)),
        case::<IdentityStaking::AlreadyStaked, _>(owner, is, &stake(id, owner.address(), 1)),
        case::<IdentityStaking::InvalidAddress, _>(owner, is, &authorize(Address::ZERO)),
    ])
    .await;

    // ------------------------------------------------------------ MachineNFT
    let nft = c.machine_nft;
    let mint = |machine_id, recipient| MachineNFT::mintCall {
        machineId: machine_id,
        recipient,
    };
    lab.all_revert([
        case::<MachineNFT::NotMachineOwner, _>(&stranger, nft, &mint(id, stranger.address())),
        case::<MachineNFT::RecipientMustBeMachineOwner, _>(
            &proxy,
            nft,
            &mint(fleet_id, proxy.address()),
        ),
        case::<MachineNFT::MachineNotFound, _>(&machine, nft, &mint(unknown, machine.address())),
        case::<MachineNFT::InvalidAddress, _>(&machine, nft, &mint(id, Address::ZERO)),
    ])
    .await;
    machine
        .mint_nft(id, machine.address())
        .await
        .expect("minted");
    let token = machine.token_id_of(id).await.expect("token");
    let transfer = |from, to| MachineNFT::transferFromCall {
        from,
        to,
        tokenId: token,
    };
    let approve = MachineNFT::approveCall {
        to: stranger.address(),
        tokenId: token,
    };
    let approve_all = MachineNFT::setApprovalForAllCall {
        operator: Address::ZERO,
        approved: true,
    };
    let balance = MachineNFT::balanceOfCall {
        owner: Address::ZERO,
    };
    let (m, s) = (machine.address(), stranger.address());
    lab.all_revert([
        case::<MachineNFT::AlreadyMinted, _>(&machine, nft, &mint(id, m)),
        case::<MachineNFT::MachineNotFound, _>(
            &machine,
            nft,
            &MachineNFT::tokenIdOfCall { machineId: unknown },
        )
        .view(),
        case::<MachineNFT::ERC721NonexistentToken, _>(
            &machine,
            nft,
            &MachineNFT::machineIdOfCall { tokenId: unknown },
        )
        .view(),
        case::<MachineNFT::ERC721InsufficientApproval, _>(&stranger, nft, &transfer(m, s)),
        case::<MachineNFT::ERC721IncorrectOwner, _>(&machine, nft, &transfer(s, m)),
        case::<MachineNFT::ERC721InvalidReceiver, _>(&machine, nft, &transfer(m, Address::ZERO)),
        case::<MachineNFT::ERC721InvalidApprover, _>(&stranger, nft, &approve),
        case::<MachineNFT::ERC721InvalidOperator, _>(&machine, nft, &approve_all),
        case::<MachineNFT::ERC721InvalidOwner, _>(&machine, nft, &balance).view(),
        case::<MachineNFT::ExpectedPause, _>(owner, nft, &MachineNFT::unpauseCall {}),
    ])
    .await;
    let fleet_mint = mint(fleet_id, fleet_machine);
    lab.ok(owner, nft, MachineNFT::pauseCall {}).await;
    lab.reverts(case::<MachineNFT::EnforcedPause, _>(
        &proxy,
        nft,
        &fleet_mint,
    ))
    .await;
    lab.ok(owner, nft, MachineNFT::unpauseCall {}).await;
    // A staking contract that knows no bond: MachineNotBonded.
    let blank_staking = deploy_blank_staking(&lab).await;
    let nft_staking = |staking| MachineNFT::setIdentityStakingCall { _staking: staking };
    lab.ok(owner, nft, nft_staking(blank_staking)).await;
    lab.reverts(case::<MachineNFT::MachineNotBonded, _>(
        &proxy,
        nft,
        &fleet_mint,
    ))
    .await;
    lab.ok(owner, nft, nft_staking(c.identity_staking)).await;
    proxy
        .mint_nft(fleet_id, fleet_machine)
        .await
        .expect("operator mint once bonded again");

    // ------------------------------------------------------------ EventRegistry
    let er = c.event_registry;
    lab.ok(&machine, er, event(id)).await;
    let with = |change: fn(&mut EventRegistry::submitEventCall)| {
        let mut call = event(id);
        change(&mut call);
        call
    };
    let events_page = EventRegistry::getEventsCall {
        machineId: id,
        offset: U256::from(5),
        limit: U256::from(1),
    };
    let event_at = EventRegistry::getEventAtCall {
        machineId: id,
        index: U256::from(1),
    };
    let currency = |currency: &str| EventRegistry::submitEventCall {
        currency: currency.to_owned(),
        ..event(id)
    };
    let mut cases = vec![
        case::<EventRegistry::MachineNotFound, _>(&machine, er, &event(unknown)),
        case::<EventRegistry::NotAuthorizedSubmitter, _>(&stranger, er, &event(id)),
        case::<EventRegistry::InvalidEventType, _>(&machine, er, &with(|e| e.eventType = 2)),
        case::<EventRegistry::InvalidTrustLevel, _>(&machine, er, &with(|e| e.trustLevel = 3)),
    ];
    for bad in ["usd", "US", "ABCDEFGHIJK", "U$D"] {
        cases.push(case::<EventRegistry::InvalidCurrencyShape, _>(
            &machine,
            er,
            &currency(bad),
        ));
    }
    cases.extend([
        case::<EventRegistry::InvalidCurrencyShape, _>(&machine, er, &with(|e| e.eventType = 1)),
        case::<EventRegistry::FutureTimestamp, _>(
            &machine,
            er,
            &with(|e| e.timestamp = now() + U256::from(86_400)),
        ),
        case::<EventRegistry::MetadataTooLarge, _>(
            &machine,
            er,
            &with(|e| e.metadata = vec![0u8; 4097].into()),
        ),
        case::<EventRegistry::OffsetOutOfBounds, _>(&machine, er, &events_page).view(),
        case::<EventRegistry::OffsetOutOfBounds, _>(&machine, er, &event_at).view(),
        case::<EventRegistry::ExpectedPause, _>(owner, er, &EventRegistry::unpauseCall {}),
    ]);
    lab.all_revert(cases).await;
    lab.ok(owner, er, EventRegistry::pauseCall {}).await;
    lab.reverts(case::<EventRegistry::EnforcedPause, _>(
        &machine,
        er,
        &event(id),
    ))
    .await;
    lab.ok(owner, er, EventRegistry::unpauseCall {}).await;
    let registry = EventRegistry::setIdentityRegistryCall {
        _registry: Address::ZERO,
    };
    let er_owner = EventRegistry::transferOwnershipCall {
        newOwner: Address::ZERO,
    };
    lab.all_revert([
        case::<EventRegistry::InvalidAddress, _>(owner, er, &registry),
        case::<EventRegistry::OwnableInvalidOwner, _>(owner, er, &er_owner),
    ])
    .await;
    // A fresh machine under the blank staking contract: not bonded for events either.
    let er_staking = |staking| EventRegistry::setIdentityStakingCall { _staking: staking };
    lab.ok(owner, er, er_staking(blank_staking)).await;
    lab.reverts(case::<EventRegistry::MachineNotBonded, _>(
        &proxy,
        er,
        &event(fleet_id),
    ))
    .await;
    lab.ok(owner, er, er_staking(c.identity_staking)).await;
    // Deactivated by the owner.
    let deactivate = || IdentityRegistry::deactivateMachineCall { machineId: id };
    lab.ok(owner, ir, deactivate()).await;
    lab.all_revert([
        case::<EventRegistry::MachineDeactivated, _>(&machine, er, &event(id)),
        case::<IdentityRegistry::InvalidStatus, _>(owner, ir, &deactivate()),
    ])
    .await;
    let reactivate = IdentityRegistry::reactivateMachineCall { machineId: id };
    lab.ok(owner, ir, reactivate).await;
    lab.ok(&machine, er, event(id)).await;

    // ------------------------------------------------------------ AdminFlags
    let af = c.admin_flags.expect("admin flags");
    let trust = AdminFlags::setTrustOverrideCall {
        machineId: id,
        value: U256::from(10_001),
    };
    let flag = |machine_id| AdminFlags::flagMachineCall {
        machineId: machine_id,
    };
    let af_owner = AdminFlags::transferOwnershipCall {
        newOwner: Address::ZERO,
    };
    lab.all_revert([
        case::<AdminFlags::InvalidTrustOverride, _>(owner, af, &trust),
        case::<AdminFlags::NoTrustOverride, _>(
            owner,
            af,
            &AdminFlags::clearTrustOverrideCall { machineId: id },
        ),
        case::<AdminFlags::MachineNotFlagged, _>(
            owner,
            af,
            &AdminFlags::clearFlagCall { machineId: id },
        ),
        case::<AdminFlags::MachineNotFound, _>(owner, af, &flag(unknown)),
        case::<AdminFlags::OwnableUnauthorizedAccount, _>(&stranger, af, &flag(id)),
        case::<AdminFlags::OwnableInvalidOwner, _>(owner, af, &af_owner),
    ])
    .await;

    // ------------------------------------------------------------ smart accounts
    let create = MachineAccountFactory::createAccountCall {
        owner: Address::ZERO,
        machine: machine.address(),
        salt: U256::ZERO,
    };
    lab.reverts(case::<MachineAccountFactory::InvalidAddress, _>(
        &machine, factory, &create,
    ))
    .await;
    let account = machine
        .deploy_smart_account(machine.address(), fleet_machine, U256::ZERO)
        .await
        .expect("account");
    let exec = |target: Address, data: Bytes| MachineSmartAccount::executeCall {
        target,
        value: U256::ZERO,
        data,
    };
    // An unknown selector on a proxy reverts without data: the account says ExecutionFailed.
    let unknown_selector = exec(
        c.identity_registry,
        Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
    );
    // A failing inner call with a reason bubbles the reason up.
    let inner: Bytes = MachineNFT::mintCall {
        machineId: id,
        recipient: machine.address(),
    }
    .abi_encode()
    .into();
    let batch = |targets: Vec<Address>, datas: Vec<Bytes>| MachineSmartAccount::executeBatchCall {
        targets,
        values: vec![],
        datas,
    };
    let n = 33;
    let set_machine = MachineSmartAccount::setMachineCall {
        newMachine: Address::ZERO,
    };
    let user_op = MachineSmartAccount::UserOperation {
        sender: account,
        nonce: U256::ZERO,
        initCode: Bytes::new(),
        callData: Bytes::new(),
        callGasLimit: U256::ZERO,
        verificationGasLimit: U256::ZERO,
        preVerificationGas: U256::ZERO,
        maxFeePerGas: U256::ZERO,
        maxPriorityFeePerGas: U256::ZERO,
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
    };
    let validate = MachineSmartAccount::validateUserOpCall {
        userOp: user_op,
        userOpHash: B256::ZERO,
        missingAccountFunds: U256::ZERO,
    };
    let sig = |bytes: Vec<u8>| MachineSmartAccount::isValidSignatureCall {
        hash: B256::repeat_byte(1),
        signature: bytes.into(),
    };
    let mut high_s = vec![0x11; 64];
    high_s[32..64].copy_from_slice(&[0xff; 32]);
    high_s.push(27);
    let mut bad_v = vec![0x11; 64];
    bad_v.push(99);
    let init = MachineSmartAccount::initializeCall {
        _owner: stranger.address(),
        _machine: stranger.address(),
    };
    lab.all_revert([
        case::<MachineSmartAccount::OnlyOwner, _>(
            &stranger,
            account,
            &exec(c.machine_nft, Bytes::new()),
        ),
        case::<MachineSmartAccount::SelfCallBlocked, _>(
            &machine,
            account,
            &exec(account, Bytes::new()),
        ),
        case::<MachineSmartAccount::ExecutionFailed, _>(&machine, account, &unknown_selector),
        case::<MachineNFT::NotMachineOwner, _>(&machine, account, &exec(c.machine_nft, inner)),
        case::<MachineSmartAccount::LengthMismatch, _>(
            &machine,
            account,
            &batch(vec![c.machine_nft], vec![]),
        ),
        case::<MachineSmartAccount::BatchTooLarge, _>(
            &machine,
            account,
            &batch(vec![s; n], vec![Bytes::new(); n]),
        ),
        case::<MachineSmartAccount::InvalidAddress, _>(&machine, account, &set_machine),
        case::<MachineSmartAccount::OnlyEntryPoint, _>(&machine, account, &validate),
        case::<MachineSmartAccount::ECDSAInvalidSignatureLength, _>(
            &machine,
            account,
            &sig(vec![1]),
        )
        .view(),
        case::<MachineSmartAccount::ECDSAInvalidSignatureS, _>(&machine, account, &sig(high_s))
            .view(),
        case::<MachineSmartAccount::ECDSAInvalidSignature, _>(&machine, account, &sig(bad_v))
            .view(),
        case::<MachineSmartAccount::InvalidInitialization, _>(&stranger, account, &init),
    ])
    .await;

    // ------------------------------------------------------------ coverage
    let reached = lab.reached.lock().expect("lock").clone();
    let required = [
        "AlreadyRegistered",
        "InvalidMachineAddress",
        "IncorrectBondAmount",
        "AlreadyMinted",
        "NotMachineOwner",
        "RecipientMustBeMachineOwner",
        "MachineNotFound",
        "MachineNotBonded",
        "MachineDeactivated",
        "NotAuthorizedSubmitter",
        "InvalidEventType",
        "InvalidTrustLevel",
        "InvalidCurrencyShape",
        "FutureTimestamp",
        "MetadataTooLarge",
        "OffsetOutOfBounds",
        "IdentityNFTSoulbound",
        "BondBelowFloor",
        "OwnableUnauthorizedAccount",
        "InvalidStatus",
        "InvalidTrustOverride",
        "NoTrustOverride",
        "MachineNotFlagged",
        "InvalidAddress",
        "AmountZero",
        "AlreadyStaked",
        "NotAuthorized",
        "EnforcedPause",
        "ExpectedPause",
    ];
    for name in required {
        assert!(reached.contains(name), "{name} was not triggered");
    }
    // Everything the core contracts declare and we could not reach from a client, with why.
    let unreachable: BTreeSet<&str> = [
        "AddressEmptyCode",
        "FailedCall",
        "ERC1967NonPayable",
        "NotInitializing",
        "ReentrancyGuardReentrantCall",
        "SafeERC20FailedOperation",
        "SafeCastOverflowedUintDowncast",
        "UUPSUnsupportedProxiableUUID",
        "ContractNotConfigured",
        "BondNotRequired",
        "ETHTransferFailed",
        "WalletAlreadyBound",
        "ERC721InvalidSender",
        "Create2EmptyBytecode",
        "FailedDeployment",
        "InsufficientBalance",
    ]
    .into_iter()
    .collect();
    let core = [
        "IdentityRegistry",
        "IdentityStaking",
        "EventRegistry",
        "MachineNFT",
        "AdminFlags",
        "MachineAccountFactory",
        "MachineSmartAccount",
    ];
    let mut missing = Vec::new();
    for name in core {
        let artifact = Artifact::by_name(name).expect("artifact");
        for error in artifact.abi.errors() {
            let n = error.name.as_str();
            if !reached.contains(n) && !unreachable.contains(n) {
                missing.push(format!("{name}.{n}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "neither triggered nor listed as unreachable: {missing:?}"
    );
    eprintln!(
        "triggered {} distinct custom errors: {reached:?}",
        reached.len()
    );
}

/// Deploys a bare IdentityStaking implementation (no bonds, never initialised) with the
/// owner's key, through a plain alloy provider.
async fn deploy_blank_staking(lab: &Lab) -> Address {
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(lab.devnet.accounts[0].signer()))
        .connect_http(lab.devnet.url.parse().expect("url"));
    *IdentityStaking::deploy(&provider)
        .await
        .expect("deployed")
        .address()
}

#[test]
fn decoding_matches_the_bindings() {
    use AdminFlags::AdminFlagsErrors as AF;
    use IdentityRegistry::IdentityRegistryErrors as IR;
    use MachineNFT::MachineNFTErrors as NFT;
    // Every custom error type of the bindings encodes to data that decodes to the same enum
    // value: the called contract's when it declares the error, else the first in the fixed order.
    let nft = Some(peaqos_contracts::ContractName::MachineNFT);
    let r = Decoded::decode(&IdentityRegistry::AlreadyRegistered {}.abi_encode());
    assert!(matches!(
        r,
        Decoded::IdentityRegistry(IR::AlreadyRegistered(_))
    ));
    let r = Decoded::decode_from(&MachineNFT::AlreadyMinted {}.abi_encode(), nft);
    assert!(matches!(r, Decoded::MachineNft(NFT::AlreadyMinted(_))));
    let data = MachineNFT::RecipientMustBeMachineOwner {}.abi_encode();
    assert!(matches!(
        Decoded::decode(&data),
        Decoded::MachineNft(NFT::RecipientMustBeMachineOwner(_))
    ));
    let r = Decoded::decode(&EventRegistry::InvalidCurrencyShape {}.abi_encode());
    assert!(matches!(
        r,
        Decoded::EventRegistry(EventRegistry::EventRegistryErrors::InvalidCurrencyShape(_))
    ));
    let data = AdminFlags::InvalidTrustOverride {
        value: U256::from(7),
    }
    .abi_encode();
    match Decoded::decode(&data) {
        Decoded::AdminFlags(AF::InvalidTrustOverride(e)) => assert_eq!(e.value, U256::from(7)),
        other => panic!("{other:?}"),
    }
    let r = Decoded::decode(&MachineSmartAccount::OnlyOwner {}.abi_encode());
    assert!(matches!(
        r,
        Decoded::MachineSmartAccount(MachineSmartAccount::MachineSmartAccountErrors::OnlyOwner(_))
    ));
    // Shared by several contracts: decoded as the first declaring one, matched by type anywhere.
    let r = Decoded::decode(&MachineAccountFactory::InvalidAddress {}.abi_encode());
    assert!(matches!(
        r,
        Decoded::IdentityRegistry(IR::InvalidAddress(_))
    ));
    assert!(r.is::<MachineAccountFactory::InvalidAddress>());
    // Round trip through the enum.
    let e = IR::AlreadyRegistered(IdentityRegistry::AlreadyRegistered {});
    assert_eq!(
        Decoded::IdentityRegistry(e.clone()).data().as_ref(),
        e.abi_encode().as_slice()
    );
}
