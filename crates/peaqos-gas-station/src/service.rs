//! What the endpoints do: 2FA enrollment and checks, QR images, funding with limits, caps and
//! exactly-once transfers, and the reconciliation of transfers left in flight.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::{Arc, OnceLock},
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::primitives::{Address, B256, Signature, U256};
use peaqos_types::faucet::{
    CODE_2FA_ACTIVATED, CODE_2FA_SETUP_STARTED, CODE_SUCCESS, CODE_SUFFICIENT_BALANCE, ConfirmData,
    ConfirmRequest, Envelope, FundRequest, FundedData, OwnerProof, ProcessedData, QR_PATH_PREFIX,
    QrFormat, SetupData, SetupRequest, SkippedData, owner_proof_message,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    ApiError, Error, FaucetCode, GasStationConfig,
    address::{owner_key, parse_evm},
    chain::{ChainError, Funder},
    config::{Fault, GWEI, to_gwei},
    qr,
    store::{CapHit, Claim, CodeUse, DAY_MS, Enrollment, Store},
    totp,
};

/// The exit status of the fault hooks ([`Fault`]).
pub const FAULT_EXIT_CODE: i32 = 86;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How long a transfer whose nonce was used without a receipt for it is kept before it is
/// taken as replaced and released.
const RELEASE_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

/// How long a reconciliation pass waits for a rebroadcast transfer.
const REBROADCAST_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The Gas Station's state.
#[derive(Debug)]
pub struct Service {
    /// The configuration.
    pub config: GasStationConfig,
    /// The database.
    pub store: Store,
    funders: Vec<Arc<Funder>>,
    /// The address the listener is bound to (set by [`GasStation::spawn`](crate::GasStation)).
    listen_addr: OnceLock<SocketAddr>,
}

/// A TOTP code and the client IP key that sent it.
struct Presented<'a> {
    code: &'a str,
    client: &'a str,
}

/// An error that leaves the request in flight (its transfer may still land) rather than
/// releasing it.
struct Keep(ApiError);

enum Failure {
    Release(ApiError),
    Keep(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Release(e)
    }
}

impl From<Keep> for Failure {
    fn from(k: Keep) -> Self {
        Self::Keep(k.0)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Release(e.into())
    }
}

fn chain_failure(e: &ChainError, what: &str) -> ApiError {
    tracing::warn!(error = %e, "{what}");
    match e {
        ChainError::Rejected(m) => ApiError::with_detail(FaucetCode::TransferFailed, m),
        ChainError::Transport(_) => ApiError::new(FaucetCode::ChainRpcError),
    }
}

impl Service {
    /// Connects to the database (migrating it) and prepares the funders.
    pub async fn new(config: GasStationConfig) -> Result<Self, Error> {
        config.validate()?;
        let funders = config
            .chains
            .iter()
            .map(|c| Funder::new(c).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let store = Store::connect(&config.database_url).await?;
        Ok(Self {
            config,
            store,
            funders,
            listen_addr: OnceLock::new(),
        })
    }

    /// Records the bound address (the base of `qrImageUrl` without a public URL).
    pub fn set_listen_addr(&self, addr: SocketAddr) {
        let _ = self.listen_addr.set(addr);
    }

    /// The base of the `qrImageUrl`s: `public_url`, else `http://` + the bound address (its
    /// loopback twin when bound to all interfaces). Never anything from the request.
    pub fn base_url(&self) -> String {
        if let Some(url) = &self.config.public_url {
            return url.trim_end_matches('/').to_owned();
        }
        let mut addr = self.listen_addr.get().copied().unwrap_or(self.config.bind);
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        format!("http://{addr}")
    }

    /// The enrollment of `owner`, unless it is an unconfirmed one past the pending TTL (those
    /// are purged).
    async fn live_enrollment(&self, owner: &str) -> Result<Option<Enrollment>, ApiError> {
        let cutoff = now_ms() - ms(self.config.pending_ttl);
        Ok(self
            .store
            .enrollment(owner)
            .await?
            .filter(|e| e.active || e.created_ms >= cutoff))
    }

    /// Checks a setup's proof of control of `owner` (an EVM address): `Some(signedAt)` when
    /// it verifies, `None` when there is none and none is required.
    fn check_proof(
        &self,
        owner: &str,
        proof: Option<&OwnerProof>,
    ) -> Result<Option<i64>, ApiError> {
        let refuse = |why: &str| ApiError::with_detail(FaucetCode::InvalidOwnerSignature, why);
        let Some(proof) = proof else {
            return if self.config.require_owner_signature {
                Err(refuse("this faucet requires ownerSignature and signedAt"))
            } else {
                Ok(None)
            };
        };
        let expected = parse_evm(owner).ok_or_else(|| refuse("only EVM owners can sign"))?;
        let now = u64::try_from(now_ms() / 1000).unwrap_or_default();
        if now.abs_diff(proof.signed_at) > self.config.owner_signature_max_age.as_secs() {
            return Err(refuse("signedAt is not current"));
        }
        let hex = proof.owner_signature.trim_start_matches("0x");
        let signer = hex::decode(hex)
            .ok()
            .and_then(|raw| Signature::from_raw(&raw).ok())
            .and_then(|sig| {
                sig.recover_address_from_msg(owner_proof_message(owner, proof.signed_at))
                    .ok()
            });
        if signer != Some(expected) {
            return Err(refuse("the signature is not the owner's"));
        }
        i64::try_from(proof.signed_at)
            .map(Some)
            .map_err(|_| refuse("signedAt is not current"))
    }

    fn funder(&self, chain_id: &str) -> Option<&Arc<Funder>> {
        self.funders.iter().find(|f| f.config.matches(chain_id))
    }

    fn funder_by_key(&self, key: &str) -> Option<&Arc<Funder>> {
        self.funders.iter().find(|f| f.key == key)
    }

    // ---------------------------------------------------------------------------- 2FA

    /// `POST /2fa/setup` from `client` (an IP key, see [`ip_key`](crate::limit::ip_key)).
    ///
    /// Order: owner address, owner signature (when given or required), an enrollment that
    /// cannot be replaced (`2FA_ALREADY_CONFIGURED`, not counted by the limits), the setup
    /// limits (`RATE_LIMITED`), then the write. Unconfirmed enrollments past their TTL are
    /// purged first.
    pub async fn setup(
        &self,
        request: &SetupRequest,
        client: &str,
    ) -> Result<Envelope<SetupData>, ApiError> {
        let (owner, format) = (request.owner_address.as_str(), request.format);
        let key = owner_key(owner).ok_or_else(|| ApiError::new(FaucetCode::InvalidOwnerAddress))?;
        let proof = self.check_proof(&key, request.owner_proof.as_ref())?;
        if let Some(existing) = self.live_enrollment(&key).await?
            && existing.active
            && (existing.proven || proof.is_none())
        {
            return Err(ApiError::new(FaucetCode::TwoFaAlreadyConfigured));
        }
        let now = now_ms();
        let window = ms(self.config.setup_window).max(1);
        if !self
            .store
            .admit_setup(
                client,
                now - now.rem_euclid(window),
                i64::from(self.config.setup_limit_per_ip),
                i64::from(self.config.setup_limit),
            )
            .await?
        {
            tracing::info!(client, "2FA setup refused: setup limit");
            return Err(ApiError::with_detail(
                FaucetCode::RateLimited,
                "too many 2FA setups, retry later",
            ));
        }
        self.store
            .purge_pending(now - ms(self.config.pending_ttl))
            .await?;
        let secret = totp::generate_secret().map_err(|e| Error::Internal(format!("rng: {e}")))?;
        let uri = totp::otpauth_uri(&self.config.issuer, owner, &secret);
        // Rendered here only to answer QR_GENERATION_FAILED now; served from the secret later.
        qr::render(&uri, format).map_err(|e| {
            tracing::warn!(error = %e, "QR generation failed");
            ApiError::new(FaucetCode::QrGenerationFailed)
        })?;
        let sealed = self.config.server_key.seal(&key, &secret)?;
        if !self
            .store
            .begin_enrollment(&key, &sealed, now, proof)
            .await?
        {
            let existing = self.store.enrollment(&key).await?;
            return Err(if existing.is_some_and(|e| !e.active && e.proven) {
                ApiError::with_detail(
                    FaucetCode::InvalidOwnerSignature,
                    "this enrollment was started with an owner signature: restart it with a newer one",
                )
            } else {
                ApiError::new(FaucetCode::TwoFaAlreadyConfigured)
            });
        }
        let mut token = [0u8; 24];
        getrandom::fill(&mut token).map_err(|e| Error::Internal(format!("rng: {e}")))?;
        let token = hex::encode(token);
        self.store
            .put_qr(
                &token,
                &key,
                owner,
                format.as_str(),
                now + ms(self.config.qr_ttl),
            )
            .await?;
        let base_url = self.base_url();
        tracing::info!(owner = %key, proven = proof.is_some(), "2FA setup");
        Ok(Envelope::success(
            CODE_2FA_SETUP_STARTED,
            SetupData {
                otpauth_uri: uri.to_string(),
                owner_address: owner.to_owned(),
                qr_image_url: format!("{}{QR_PATH_PREFIX}{token}", base_url.trim_end_matches('/')),
            },
        ))
    }

    /// `GET /2fa/qr/{token}`: the format and the image.
    pub async fn qr_image(&self, token: &str) -> Result<(QrFormat, Vec<u8>), ApiError> {
        if token.is_empty() || token.len() > 128 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::new(FaucetCode::QrNotFound));
        }
        let qr = self
            .store
            .qr(token)
            .await?
            .ok_or_else(|| ApiError::new(FaucetCode::QrNotFound))?;
        if now_ms() >= qr.expires_ms {
            return Err(ApiError::new(FaucetCode::QrExpired));
        }
        let format = qr
            .format
            .parse::<QrFormat>()
            .map_err(|_| ApiError::new(FaucetCode::InternalError))?;
        // Tokens are replaced on every setup of the owner, so this is the secret it was
        // issued for.
        let enrollment = self
            .store
            .enrollment(&qr.owner)
            .await?
            .ok_or_else(|| ApiError::new(FaucetCode::QrNotFound))?;
        let secret = self.config.server_key.open(&qr.owner, &enrollment.secret)?;
        let uri = totp::otpauth_uri(&self.config.issuer, &qr.label, &secret);
        let image = qr::render(&uri, format).map_err(|e| {
            tracing::warn!(error = %e, "QR generation failed");
            ApiError::new(FaucetCode::QrGenerationFailed)
        })?;
        Ok((format, image))
    }

    /// `POST /2fa/confirm` from `client`.
    pub async fn confirm(
        &self,
        request: &ConfirmRequest,
        client: &str,
    ) -> Result<Envelope<ConfirmData>, ApiError> {
        let (owner, code) = (&request.owner_address, &request.two_factor_code);
        let key = owner_key(owner).ok_or_else(|| ApiError::new(FaucetCode::InvalidOwnerAddress))?;
        let enrollment = self
            .live_enrollment(&key)
            .await?
            .ok_or_else(|| ApiError::new(FaucetCode::TwoFaNotConfigured))?;
        self.check_code(&key, &enrollment, code, "confirm", client)
            .await?;
        self.store.activate(&key, now_ms()).await?;
        tracing::info!(owner = %key, "2FA activated");
        Ok(Envelope::success(
            CODE_2FA_ACTIVATED,
            ConfirmData {
                owner_address: owner.clone(),
            },
        ))
    }

    /// Verifies `code` for `owner` from `client` (IP limit, owner lock unless `client` is
    /// trusted for `owner`, ±1 step, one use per `scope`, attempt counting per owner and per
    /// IP). A valid code used before for `scope` is `2FA_EXPIRED` and counts as nothing.
    async fn check_code(
        &self,
        owner: &str,
        enrollment: &Enrollment,
        code: &str,
        scope: &str,
        client: &str,
    ) -> Result<(), ApiError> {
        let now = now_ms();
        let ip_window = {
            let w = ms(self.config.lockout).max(1);
            now - now.rem_euclid(w)
        };
        if self.store.ip_failures(client, ip_window).await?
            >= i64::from(self.config.ip_max_failed_attempts)
        {
            return Err(ApiError::with_detail(
                FaucetCode::RateLimited,
                "too many invalid 2FA codes from this address, retry after the lockout window",
            ));
        }
        let locked = enrollment.locked_until_ms > now;
        let trusted = locked
            && !self.config.trusted_ip_ttl.is_zero()
            && self
                .store
                .is_trusted(owner, client, now - ms(self.config.trusted_ip_ttl))
                .await?;
        if locked && !trusted {
            return Err(ApiError::new(FaucetCode::TwoFaLocked));
        }
        if enrollment.locked_until_ms != 0 && !locked {
            self.store.clear_expired_lock(owner, now).await?;
        }
        let secret = self.config.server_key.open(owner, &enrollment.secret)?;
        let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        let now_step = totp::step_at(u64::try_from(now / 1000).unwrap_or_default());
        let step = if well_formed {
            totp::verify(&secret, code, now_step)
        } else {
            None
        };
        if let Some(step) = step {
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            return match self
                .store
                .use_code(owner, step, scope, now, trusted)
                .await?
            {
                CodeUse::Accepted => {
                    self.store.record_success(owner).await?;
                    if !self.config.trusted_ip_ttl.is_zero() {
                        self.store.trust_ip(owner, client, now).await?;
                    }
                    Ok(())
                }
                CodeUse::Reused => {
                    tracing::info!(owner, "2FA code used again");
                    Err(ApiError::new(FaucetCode::TwoFaExpired))
                }
                CodeUse::Locked => Err(ApiError::new(FaucetCode::TwoFaLocked)),
            };
        }
        let locked = self
            .store
            .record_failure(
                owner,
                now,
                i64::from(self.config.max_failed_attempts),
                ms(self.config.lockout),
            )
            .await?;
        let ip_failures = self.store.record_ip_failure(client, ip_window).await?;
        tracing::info!(owner, client, locked, ip_failures, "invalid 2FA code");
        Err(ApiError::new(if locked && !trusted {
            FaucetCode::TwoFaLocked
        } else {
            FaucetCode::Invalid2fa
        }))
    }

    // ---------------------------------------------------------------------------- funding

    /// `POST /faucet/fund` from `client`.
    pub async fn fund(&self, req: &FundRequest, client: &str) -> Result<Value, ApiError> {
        let owner = owner_key(&req.owner_address)
            .ok_or_else(|| ApiError::new(FaucetCode::InvalidOwnerAddress))?;
        let target = parse_evm(&req.target_wallet_address)
            .ok_or_else(|| ApiError::new(FaucetCode::InvalidTargetAddress))?;
        let funder = self
            .funder(&req.chain_id)
            .ok_or_else(|| ApiError::new(FaucetCode::InvalidChainId))?
            .clone();
        let request_id = Uuid::parse_str(&req.request_id)
            .map_err(|_| ApiError::new(FaucetCode::InvalidRequestId))?
            .hyphenated()
            .to_string();
        let enrollment = self
            .live_enrollment(&owner)
            .await?
            .ok_or_else(|| ApiError::new(FaucetCode::TwoFaNotConfigured))?;
        if !enrollment.active {
            return Err(ApiError::new(FaucetCode::TwoFaNotActive));
        }
        let target_key = format!("{target:#x}");
        // This handler's claim: only it may persist a transfer for the request or release it.
        let token = Uuid::new_v4().simple().to_string();
        match self
            .store
            .claim(
                &request_id,
                &token,
                &owner,
                &target_key,
                &funder.key,
                now_ms(),
            )
            .await?
        {
            Claim::New => {}
            Claim::Existing {
                state,
                owner: held_by,
                result,
            } => {
                if state != "done" {
                    return Err(ApiError::new(FaucetCode::DuplicateRequest));
                }
                let mut err = ApiError::new(FaucetCode::RequestAlreadyProcessed);
                if held_by == owner {
                    let original = result
                        .and_then(|r| serde_json::from_str::<Value>(&r).ok())
                        .unwrap_or(Value::Null);
                    err.data = Some(json_value(&ProcessedData {
                        request_id,
                        result: Some(original),
                    }));
                }
                return Err(err);
            }
        }
        match self
            .fund_claimed(
                &funder,
                &owner,
                &enrollment,
                target,
                (&request_id, &token),
                Presented {
                    code: &req.two_factor_code,
                    client,
                },
            )
            .await
        {
            Ok(v) => Ok(v),
            Err(Failure::Keep(e)) => Err(e),
            Err(Failure::Release(e)) => {
                if let Err(release) = self.store.release_claim(&request_id, &token).await {
                    tracing::error!(error = %release, %request_id, "releasing a failed request");
                }
                Err(e)
            }
        }
    }

    async fn fund_claimed(
        &self,
        funder: &Funder,
        owner: &str,
        enrollment: &Enrollment,
        target: Address,
        (request_id, token): (&str, &str),
        presented: Presented<'_>,
    ) -> Result<Value, Failure> {
        let target_key = format!("{target:#x}");
        let scope = format!("fund|{}|{target_key}", funder.key);
        self.check_code(owner, enrollment, presented.code, &scope, presented.client)
            .await?;
        let now = now_ms();
        let window = ms(self.config.rate_window).max(1);
        if !self
            .store
            .rate_hit(
                owner,
                now - now.rem_euclid(window),
                i64::from(self.config.rate_limit),
            )
            .await?
        {
            return Err(ApiError::new(FaucetCode::RateLimited).into());
        }
        let chain = &funder.config;
        let balance = funder
            .balance(target)
            .await
            .map_err(|e| chain_failure(&e, "reading the target balance"))?;
        if balance >= chain.min_gas_balance {
            let result = json_value(&Envelope::skipped(
                CODE_SUFFICIENT_BALANCE,
                SkippedData {
                    current_balance: balance.to_string(),
                    min_gas_balance: chain.min_gas_balance.to_string(),
                    request_id: Some(request_id.to_owned()),
                },
            ));
            self.store
                .finish(request_id, &result.to_string(), now_ms())
                .await?;
            return Ok(result);
        }
        let gwei =
            |v: U256| to_gwei(v).ok_or_else(|| Error::Internal("amount out of range".into()));
        let reserved = self
            .store
            .reserve(
                request_id,
                token,
                &funder.key,
                owner,
                &target_key,
                now / DAY_MS,
                gwei(chain.amount)?,
                gwei(chain.owner_daily_cap)?,
                gwei(chain.wallet_daily_cap)?,
            )
            .await?;
        match reserved {
            Ok(()) => {}
            Err(CapHit::Owner) => return Err(ApiError::new(FaucetCode::CapExceededOwner).into()),
            Err(CapHit::Wallet) => return Err(ApiError::new(FaucetCode::CapExceededWallet).into()),
        }
        let hash = self.send(funder, target, request_id, token).await?;
        match funder
            .await_receipt(hash, self.config.receipt_timeout)
            .await
        {
            Ok(Some(true)) => {
                let result = success_result(hash, chain.amount, request_id);
                self.store
                    .finish(request_id, &result.to_string(), now_ms())
                    .await?;
                tracing::info!(%request_id, tx = %hash, "funded");
                Ok(result)
            }
            Ok(Some(false)) => Err(ApiError::with_detail(
                FaucetCode::TransferFailed,
                format!("transaction {hash} reverted"),
            )
            .into()),
            Ok(None) => Err(Keep(ApiError::with_detail(
                FaucetCode::TransferFailed,
                format!(
                    "transaction {hash} was not mined in time; the request stays in flight: \
                     retry later with the same requestId"
                ),
            ))
            .into()),
            Err(e) => Err(Keep(chain_failure(&e, "awaiting the receipt")).into()),
        }
    }

    /// Chooses the nonce, signs, persists the signed transfer, broadcasts: all under the
    /// funder's nonce lock (in this process, and on PostgreSQL across processes), so no nonce
    /// is used twice and transfers reach the node in nonce order.
    async fn send(
        &self,
        funder: &Funder,
        target: Address,
        request_id: &str,
        token: &str,
    ) -> Result<B256, Failure> {
        let _local = funder.nonce_lock.lock().await;
        let funder_key = format!("{:#x}", funder.address);
        let shared = self.store.lock_nonces(&funder.key, &funder_key).await?;
        let sent = self
            .send_locked(funder, target, (request_id, token), &funder_key)
            .await;
        shared.unlock().await;
        sent
    }

    async fn send_locked(
        &self,
        funder: &Funder,
        target: Address,
        (request_id, token): (&str, &str),
        funder_key: &str,
    ) -> Result<B256, Failure> {
        // The chain's pending nonce covers every transfer broadcast (by any process); the
        // persisted ones cover those signed but not broadcast yet (a process that died between
        // the two: the reconciler rebroadcasts them, so the gap closes).
        let pending = funder
            .pending_nonce()
            .await
            .map_err(|e| chain_failure(&e, "reading the funding nonce"))?;
        let in_flight = self
            .store
            .max_inflight_nonce(&funder.key, funder_key)
            .await?;
        let nonce = in_flight
            .and_then(|n| u64::try_from(n + 1).ok())
            .map_or(pending, |n| n.max(pending));
        let signed = funder
            .sign(target, funder.config.amount, nonce)
            .await
            .map_err(|e| chain_failure(&e, "preparing the transfer"))?;
        let nonce_db =
            i64::try_from(nonce).map_err(|_| Error::Internal("nonce out of range".into()))?;
        // Write-ahead: a crash from here on is resolved from this row.
        if !self
            .store
            .mark_signed(
                request_id,
                token,
                funder_key,
                nonce_db,
                &format!("{:#x}", signed.hash),
                &hex::encode(&signed.raw),
                now_ms(),
            )
            .await?
        {
            // Taken as stale and released (the claim timeout): nothing was sent.
            tracing::warn!(%request_id, "claim lost before sending; nothing sent");
            return Err(Keep(ApiError::with_detail(
                FaucetCode::InternalError,
                "the request was held too long and released; nothing was sent: retry with the \
                 same requestId",
            ))
            .into());
        }
        self.fault_hook(Fault::ExitBeforeBroadcast);
        match funder.broadcast(&signed.raw).await {
            Ok(()) => {
                self.fault_hook(Fault::ExitAfterBroadcast);
                Ok(signed.hash)
            }
            Err(e @ ChainError::Rejected(_)) => Err(chain_failure(&e, "broadcasting").into()),
            Err(e) => Err(Keep(chain_failure(&e, "broadcasting")).into()),
        }
    }

    fn fault_hook(&self, here: Fault) {
        if self.config.fault == Some(here) {
            tracing::warn!(?here, "fault hook: exiting");
            std::process::exit(FAULT_EXIT_CODE);
        }
    }

    // ------------------------------------------------------------------------ reconciling

    /// Resolves requests left unfinished. Claimed-but-unsigned requests untouched for
    /// `claim_timeout` are released (their handler is taken as dead; one still alive then
    /// cannot send: its claim is gone); on `startup` with SQLite (one process) all of them are.
    /// On `startup` every signed transfer is checked; later runs check those older than the
    /// receipt timeout. A transfer is never signed again: only the persisted transaction is
    /// rebroadcast, so at most one can land. Several processes may reconcile at once.
    pub async fn reconcile(&self, startup: bool) -> Result<(), Error> {
        let now = now_ms();
        let stale = if startup && !self.store.is_postgres() {
            i64::MAX
        } else {
            now - ms(self.config.claim_timeout)
        };
        for id in self.store.pending_ids(stale).await? {
            self.store.release_stale(&id, stale).await?;
        }
        // Later passes take transfers whose handler has given up waiting (resolving one that is
        // still awaited is harmless: results are recorded once, releases need proof that the
        // transfer can no longer land, a rebroadcast repeats the same bytes).
        let before = if startup {
            i64::MAX
        } else {
            now - ms(self.config.receipt_timeout)
        };
        for row in self.store.in_flight(before).await? {
            let Some(funder) = self.funder_by_key(&row.chain) else {
                tracing::warn!(request_id = %row.request_id, chain = %row.chain, "in-flight transfer on an unconfigured chain");
                continue;
            };
            let Ok(hash) = row.tx_hash.parse::<B256>() else {
                continue;
            };
            let amount =
                U256::from(u64::try_from(row.amount_gwei).unwrap_or_default()) * U256::from(GWEI);
            let resolved = match funder.receipt_status(hash).await {
                Ok(Some(status)) => Some(status),
                Ok(None) => {
                    let consumed = match funder.latest_nonce().await {
                        Ok(n) => u64::try_from(row.nonce).is_ok_and(|ours| n > ours),
                        Err(_) => continue,
                    };
                    if consumed {
                        // The nonce is used: by ours (then a receipt comes) or by another
                        // transaction of the funding key. Some nodes count pool transactions in
                        // the latest state and do not serve them by hash (our devnet with
                        // interval mining), so "no receipt, unknown" only proves that ours can
                        // never land once it has lasted the grace period.
                        match funder.receipt_status(hash).await {
                            Ok(Some(status)) => Some(status),
                            Ok(None) => match funder.knows(hash).await {
                                Ok(false) if now - row.created_ms > ms(RELEASE_GRACE) => {
                                    Some(false)
                                }
                                Ok(_) => None,
                                Err(_) => continue,
                            },
                            Err(_) => continue,
                        }
                    } else {
                        if !funder.knows(hash).await.unwrap_or(true) {
                            let raw = hex::decode(&row.raw_tx).unwrap_or_default();
                            if let Err(e) = funder.broadcast(&raw).await {
                                tracing::warn!(request_id = %row.request_id, error = %e, "rebroadcast failed");
                            }
                        }
                        self.store.touch(&row.request_id, now).await?;
                        // Give it a moment to land, so it resolves in this pass.
                        let wait = self.config.receipt_timeout.min(REBROADCAST_WAIT);
                        funder.await_receipt(hash, wait).await.unwrap_or(None)
                    }
                }
                Err(_) => continue,
            };
            match resolved {
                Some(true) => {
                    let result = success_result(hash, amount, &row.request_id);
                    self.store
                        .finish(&row.request_id, &result.to_string(), now)
                        .await?;
                    tracing::info!(request_id = %row.request_id, tx = %hash, "reconciled: funded");
                }
                Some(false) => {
                    self.store.release(&row.request_id).await?;
                    tracing::info!(request_id = %row.request_id, "reconciled: not funded, released");
                }
                None => {}
            }
        }
        self.store
            .purge(
                now,
                now - ms(self.config.pending_ttl),
                now - ms(self.config.trusted_ip_ttl),
            )
            .await?;
        Ok(())
    }
}

fn success_result(hash: B256, amount: U256, request_id: &str) -> Value {
    json_value(&Envelope::success(
        CODE_SUCCESS,
        FundedData {
            funded_amount: amount.to_string(),
            request_id: Some(request_id.to_owned()),
            tx_hash: format!("{hash:#x}"),
        },
    ))
}

/// A wire type as JSON (these serialize infallibly: strings and maps with string keys).
fn json_value(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}
