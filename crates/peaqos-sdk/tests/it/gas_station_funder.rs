//! The SDK's [`GasStationFunder`] against our Gas Station on an in-process devnet: enrollment
//! and one code for two low wallets, a request id resumed from the journal (and a stale one
//! replaced), and a wrong code's typed `INVALID_2FA`.

use crate::{
    common,
    gas_station_client::{balance, code, fresh_step, random_address},
};

use std::{collections::HashMap, ops::ControlFlow};

use alloy::primitives::{Address, B256, U256};
use peaqos_devnet::Devnet;
use peaqos_gas_station::{GasStation, GasStationConfig, RunningGasStation, totp};
use peaqos_sdk::{
    FaucetCode,
    activation::{
        CodeRequest, FundEntry, FundError, FundFuture, FundResume, FundStatus, Funder,
        FundingJournal, FundingProgress, GasStationError, GasStationFunder, MIN_BALANCE_WEI,
        Progress, Role, TwoFactorCodes, WalletBalance,
    },
    gas_station::GasStationClient,
};
use peaqos_test_utils::ScratchDir;
use uuid::Uuid;

/// The devnet's Gas Station chain.
const CHAIN: &str = "local";

/// A devnet with our Gas Station on it.
struct Station {
    devnet: Devnet,
    gas_station: RunningGasStation,
    _db: ScratchDir,
}

impl Station {
    async fn start() -> Self {
        let devnet = common::devnet().await;
        let db = ScratchDir::new("sdk-gas-station-funder").expect("temp dir");
        let gas_station = GasStation::spawn(GasStationConfig::for_devnet(
            &devnet.url,
            CHAIN,
            &devnet.accounts[9].private_key.to_string(),
            &format!("sqlite://{}?mode=rwc", db.path().join("gs.db").display()),
        ))
        .await
        .expect("the Gas Station starts");
        Self {
            devnet,
            gas_station,
            _db: db,
        }
    }

    fn funder(
        &self,
        owner: Address,
        codes: Authenticator,
        journal: Memory,
    ) -> GasStationFunder<Authenticator, Memory> {
        let client = GasStationClient::new(reqwest::Client::new(), self.gas_station.url());
        GasStationFunder::new(client, CHAIN, owner, codes, journal)
    }

    async fn stop(self) {
        self.gas_station.shutdown().await;
        self.devnet.shutdown().await.expect("devnet stops");
    }
}

/// An authenticator app: learns the secret at enrollment and answers with its current code
/// (or with `wrong` for funding), noting what it was asked.
#[derive(Default)]
struct Authenticator {
    secret: Vec<u8>,
    wrong: Option<String>,
    asked: Vec<&'static str>,
}

impl TwoFactorCodes for Authenticator {
    fn code<'a>(&'a mut self, request: CodeRequest<'a>) -> FundFuture<'a, String> {
        Box::pin(async move {
            match request {
                CodeRequest::Enroll(setup) => {
                    self.asked.push("enroll");
                    self.secret = totp::secret_of_uri(&setup.otpauth_uri)
                        .expect("secret")
                        .to_vec();
                }
                CodeRequest::Fund => self.asked.push("fund"),
                _ => self.asked.push("other"),
            }
            if let Some(wrong) = &self.wrong {
                return Ok(wrong.clone());
            }
            fresh_step(10).await;
            Ok(code(&self.secret, 0))
        })
    }
}

/// One recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    address: Address,
    request_id: Uuid,
    status: &'static str,
    tx_hash: Option<B256>,
    code: Option<String>,
}

/// A journal in memory: what earlier runs left, and this run's entries.
#[derive(Default)]
struct Memory {
    earlier: HashMap<Address, FundResume>,
    entries: Vec<Entry>,
}

impl FundingJournal for Memory {
    fn resume(&self, address: Address, chain: &str) -> FundResume {
        assert_eq!(chain, CHAIN);
        self.earlier
            .get(&address)
            .copied()
            .unwrap_or(FundResume::Fresh)
    }

    fn record(&mut self, entry: &FundEntry<'_>) -> Result<(), FundError> {
        assert_eq!(entry.chain, CHAIN);
        let (status, tx_hash, code) = match entry.status {
            FundStatus::StaleResume => ("stale_resume", None, None),
            FundStatus::Pending { resumed: false } => ("pending", None, None),
            FundStatus::Pending { resumed: true } => ("pending (resumed)", None, None),
            FundStatus::Confirmed { tx_hash } => ("confirmed", tx_hash, None),
            FundStatus::Skipped => ("skipped", None, None),
            FundStatus::Failed { error } => ("failed", None, Some(error.code().to_owned())),
            _ => ("other", None, None),
        };
        self.entries.push(Entry {
            address: entry.wallet.address,
            request_id: entry.request_id,
            status,
            tx_hash,
            code,
        });
        Ok(())
    }
}

fn low(role: Role, address: Address) -> WalletBalance {
    WalletBalance {
        role,
        address,
        balance: U256::ZERO,
        sufficient: false,
    }
}

/// The funding events, by name.
fn event(p: &FundingProgress<'_>) -> &'static str {
    match p {
        FundingProgress::EnrollmentStarted => "enrollment",
        FundingProgress::AlreadyEnrolled => "already enrolled",
        FundingProgress::Enrolled => "enrolled",
        FundingProgress::FundingStarted => "funding",
        FundingProgress::Waiting { .. } => "waiting",
        FundingProgress::Recorded(_) => "recorded",
        _ => "other",
    }
}

/// Runs `funder` through the [`Funder`] trait (as the workflow does), collecting its events.
async fn fund(
    funder: &mut GasStationFunder<Authenticator, Memory>,
    wallets: &[WalletBalance],
) -> (Result<(), FundError>, Vec<&'static str>) {
    let mut events = Vec::new();
    let mut progress = |p: Progress<'_>| {
        if let Progress::Funding(f) = p {
            events.push(event(&f));
        }
        ControlFlow::Continue(())
    };
    let result = Funder::fund(funder, wallets, &mut progress).await;
    (result, events)
}

fn statuses(entries: &[Entry]) -> Vec<(Address, &'static str)> {
    entries.iter().map(|e| (e.address, e.status)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funder_enrolls_and_funds_two_low_wallets_with_one_code() {
    let station = Station::start().await;
    let (operator, machine) = (random_address(), random_address());
    let wallets = [low(Role::Operator, operator), low(Role::Machine, machine)];
    let mut funder = station.funder(operator, Authenticator::default(), Memory::default());

    let (result, events) = fund(&mut funder, &wallets).await;
    result.expect("funded");
    let (codes, journal) = funder.into_parts();
    assert_eq!(codes.asked, ["enroll", "fund"]);
    assert_eq!(
        events,
        [
            "enrollment",
            "enrolled",
            "funding",
            "recorded",
            "waiting",
            "recorded",
            "recorded",
            "waiting",
            "recorded"
        ]
    );
    assert_eq!(
        statuses(&journal.entries),
        [
            (operator, "pending"),
            (operator, "confirmed"),
            (machine, "pending"),
            (machine, "confirmed"),
        ]
    );
    for pair in journal.entries.chunks(2) {
        assert_eq!(pair[0].request_id, pair[1].request_id);
        assert_eq!(pair[0].request_id.get_version_num(), 4);
        assert!(pair[1].tx_hash.is_some());
    }
    for who in [operator, machine] {
        assert!(balance(&station.devnet, who).await >= U256::from(MIN_BALANCE_WEI));
    }
    station.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funder_resumes_a_journaled_request_id_and_replaces_a_stale_one() {
    let station = Station::start().await;
    let (owner, machine) = (random_address(), random_address());

    // A first run funds the owner's wallet (and enrolls).
    let mut first = station.funder(owner, Authenticator::default(), Memory::default());
    let (result, _) = fund(&mut first, &[low(Role::Operator, owner)]).await;
    result.expect("funded");
    let (codes, journal) = first.into_parts();
    let done = journal.entries[1].request_id;

    // The next run finds that request `pending` (its confirmation was lost) and the machine
    // `confirmed` long ago (yet low again).
    let prior = Uuid::new_v4();
    let journal = Memory {
        earlier: HashMap::from([
            (owner, FundResume::Retry(done)),
            (machine, FundResume::Confirmed(prior)),
        ]),
        entries: Vec::new(),
    };
    let codes = Authenticator {
        secret: codes.secret,
        ..Authenticator::default()
    };
    let mut second = station.funder(owner, codes, journal);
    let wallets = [low(Role::Operator, owner), low(Role::Machine, machine)];
    let (result, events) = fund(&mut second, &wallets).await;
    result.expect("resumed and funded");
    let (codes, journal) = second.into_parts();
    assert_eq!(codes.asked, ["fund"]);
    assert_eq!(&events[..3], ["enrollment", "already enrolled", "funding"]);
    assert_eq!(
        statuses(&journal.entries),
        [
            (owner, "pending (resumed)"),
            (owner, "confirmed"),
            (machine, "stale_resume"),
            (machine, "pending"),
            (machine, "confirmed"),
        ]
    );
    let e = &journal.entries;
    // The resumed id is the one the faucet already processed: done, with no transfer seen.
    assert_eq!((e[0].request_id, e[1].request_id), (done, done));
    assert_eq!(e[1].tx_hash, None);
    // The stale id is recorded, and a fresh one funds.
    assert_eq!(e[2].request_id, prior);
    assert_ne!(e[3].request_id, prior);
    assert_eq!(e[3].request_id, e[4].request_id);
    assert!(e[4].tx_hash.is_some());
    assert!(balance(&station.devnet, machine).await >= U256::from(MIN_BALANCE_WEI));
    station.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funder_reports_a_wrong_code_as_the_typed_invalid_2fa() {
    let station = Station::start().await;
    let owner = random_address();
    let machine = random_address();

    // Enrolled first (with a right code), then a wrong one for funding.
    let mut enroll = station.funder(owner, Authenticator::default(), Memory::default());
    let (result, _) = fund(&mut enroll, &[low(Role::Operator, owner)]).await;
    result.expect("enrolled and funded");
    let (codes, _) = enroll.into_parts();
    let valid: Vec<String> = (-1..=1).map(|o| code(&codes.secret, o)).collect();
    let wrong = (0..)
        .map(|n: u32| format!("{n:06}"))
        .find(|c| !valid.contains(c))
        .expect("a wrong code");
    let codes = Authenticator {
        wrong: Some(wrong),
        ..Authenticator::default()
    };
    let mut funder = station.funder(owner, codes, Memory::default());

    let (result, _) = fund(&mut funder, &[low(Role::Machine, machine)]).await;
    let err = result.expect_err("a wrong code");
    let Some(GasStationError::Faucet(e)) = err.downcast_ref::<GasStationError>() else {
        panic!("expected a Gas Station error, got {err:?}");
    };
    assert_eq!(e.faucet_code(), Some(FaucetCode::Invalid2fa));
    let (_, journal) = funder.into_parts();
    assert_eq!(
        statuses(&journal.entries),
        [(machine, "pending"), (machine, "failed")]
    );
    assert_eq!(journal.entries[1].code.as_deref(), Some("INVALID_2FA"));
    assert_eq!(balance(&station.devnet, machine).await, U256::ZERO);
    station.stop().await;
}
