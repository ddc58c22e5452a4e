//! The vault: where it is, its wallet files, and the wallet operations.

use std::{
    fs,
    path::{Path, PathBuf},
};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use k256::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::{
    audit::{self, AuditEntry, AuditLog},
    bip39,
    chains::{Curve, Family},
    crypto,
    error::{Result, WalletError},
    fsutil::{self, DirLock},
    hd,
    info::{AccountInfo, KeyType, WalletInfo, extract_peaq_address, network_name, with_evm_chains},
    secret::SecretString,
};

/// Env var: the vault folder (default `~/.ows`).
pub const ENV_VAULT_PATH: &str = "OWS_VAULT_PATH";
/// Env var: the passphrase used when none is passed.
pub const ENV_PASSPHRASE: &str = "OWS_PASSPHRASE";
/// The wallet file format version written.
pub const OWS_VERSION: u32 = 2;
const MAX_NAME_LEN: usize = 256;

/// One account as stored in a wallet file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileAccount {
    pub(crate) account_id: String,
    pub(crate) address: String,
    pub(crate) chain_id: String,
    pub(crate) derivation_path: String,
    /// Fields we do not know, kept on rewrite.
    #[serde(flatten)]
    pub(crate) extra: Map<String, Value>,
}

/// A wallet file `wallets/<id>.json`, fields in the order OWS writes them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WalletFile {
    #[serde(alias = "lws_version")]
    pub(crate) ows_version: u32,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) chain_type: Option<String>,
    pub(crate) accounts: Vec<FileAccount>,
    pub(crate) crypto: Value,
    pub(crate) key_type: KeyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Value>,
    /// Fields we do not know (written by a newer OWS): kept on rewrite.
    #[serde(flatten)]
    pub(crate) extra: Map<String, Value>,
}

impl WalletFile {
    pub(crate) fn info(&self) -> Result<WalletInfo> {
        let accounts = with_evm_chains(
            self.accounts
                .iter()
                .map(|a| AccountInfo {
                    account_id: a.account_id.clone(),
                    address: a.address.clone(),
                    chain_id: a.chain_id.clone(),
                    network: network_name(&a.chain_id),
                    derivation_path: a.derivation_path.clone(),
                })
                .collect(),
        );
        Ok(WalletInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            created_at: self.created_at.clone(),
            key_type: self.key_type,
            peaq_address: extract_peaq_address(&accounts)?,
            accounts,
        })
    }

    fn evm_account(&self) -> Option<&FileAccount> {
        self.accounts
            .iter()
            .find(|a| a.chain_id.starts_with("eip155:"))
    }
}

/// A wallet file as the folder listing found it: the path comes from the directory entry,
/// never from the file's contents.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) path: PathBuf,
    pub(crate) file: WalletFile,
    /// Why the file's `id` is not the UUID of its file name (`None`: it is).
    pub(crate) mismatch: Option<String>,
}

impl Stored {
    fn new(path: PathBuf, file: WalletFile) -> Self {
        let mismatch = id_mismatch(&path, &file.id);
        Self {
            path,
            file,
            mismatch,
        }
    }

    /// `WALLET_ID_MISMATCH` when the file's `id` is not its file name.
    fn mismatch_error(&self) -> Option<WalletError> {
        self.mismatch
            .as_ref()
            .map(|reason| WalletError::IdMismatch {
                path: self.path.clone(),
                reason: reason.clone(),
            })
    }
}

/// Why `id` cannot be the id of the wallet file at `path`: it must be a UUID in the lowercase
/// hyphenated form OWS writes, and the file must be named `<id>.json`.
fn id_mismatch(path: &Path, id: &str) -> Option<String> {
    let canonical = uuid::Uuid::try_parse(id).map(|u| u.hyphenated().to_string());
    if canonical.as_deref() != Ok(id) {
        return Some(format!(
            "its id {} is not a lowercase hyphenated UUID",
            escaped(id)
        ));
    }
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".json"));
    (stem != Some(id)).then(|| format!("its id {} is not its file name", escaped(id)))
}

/// A string from a file, quoted and escaped (no control characters reach a terminal or a
/// log) and cut to 64 characters.
fn escaped(text: &str) -> String {
    const MAX: usize = 64;
    let short: String = text.chars().take(MAX).collect();
    let more = if text.chars().count() > MAX {
        "…"
    } else {
        ""
    };
    format!("{short:?}{more}")
}

/// The decrypted private-key payload of a `private_key` wallet, as OWS 1.4 writes it.
#[derive(Serialize, Deserialize)]
struct KeyPairJson {
    ed25519: String,
    secp256k1: String,
    /// Written by newer OWS versions (Cardano); kept when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ed25519_bip32: Option<String>,
}

impl Drop for KeyPairJson {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.ed25519.zeroize();
        self.secp256k1.zeroize();
        self.ed25519_bip32.zeroize();
    }
}

/// Resolves the passphrase: the argument, else `OWS_PASSPHRASE`. Missing → `INVALID_INPUT`.
pub fn resolve_passphrase(passphrase: Option<&str>) -> Result<SecretString> {
    match passphrase {
        Some(p) => Ok(SecretString::from(p)),
        None => match std::env::var(ENV_PASSPHRASE) {
            Ok(p) if !p.is_empty() => Ok(SecretString::new(p)),
            _ => Err(WalletError::invalid(
                "passphrase",
                "a passphrase is required: pass it or set OWS_PASSPHRASE",
            )),
        },
    }
}

/// A passphrase for encrypting: as [`resolve_passphrase`], and never empty.
fn new_passphrase(passphrase: Option<&str>) -> Result<SecretString> {
    let p = resolve_passphrase(passphrase)?;
    if p.is_empty() {
        return Err(WalletError::invalid(
            "passphrase",
            "the passphrase must not be empty",
        ));
    }
    Ok(p)
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(WalletError::invalid("name", "the name must not be empty"));
    }
    if name.len() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(WalletError::invalid(
            "name",
            "the name must be at most 256 bytes, without control characters",
        ));
    }
    Ok(())
}

fn decode_key_hex(field: &'static str, key: &str) -> Result<Zeroizing<[u8; 32]>> {
    let hex_str = key
        .trim()
        .strip_prefix("0x")
        .or_else(|| key.trim().strip_prefix("0X"))
        .unwrap_or(key.trim());
    let mut out = Zeroizing::new([0u8; 32]);
    if hex_str.len() != 64 || hex::decode_to_slice(hex_str, out.as_mut()).is_err() {
        return Err(WalletError::invalid(
            field,
            "expected a 0x-prefixed 32-byte hex key (64 hex digits)",
        ));
    }
    Ok(out)
}

/// An OWS vault folder.
///
/// Cheap to clone; every operation reads the files afresh, so several `Vault`s (and processes)
/// may use one folder. Writers lock `wallets/` while they write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vault {
    root: PathBuf,
}

impl Vault {
    /// The vault at `path`, else `$OWS_VAULT_PATH`, else `~/.ows` (`/tmp/.ows` without `HOME`).
    /// Nothing is touched until the first operation.
    pub fn open(path: Option<&Path>) -> Self {
        Self {
            root: path.map_or_else(Self::default_path, Path::to_path_buf),
        }
    }

    /// `$OWS_VAULT_PATH`, else `~/.ows`, else `/tmp/.ows`.
    pub fn default_path() -> PathBuf {
        if let Some(p) = std::env::var_os(ENV_VAULT_PATH).filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
            .join(".ows")
    }

    /// The vault folder.
    pub fn path(&self) -> &Path {
        &self.root
    }

    fn wallets_dir(&self) -> PathBuf {
        self.root.join("wallets")
    }

    /// Creates the folders (0700) if needed and refuses a vault whose folders are open to
    /// group or others.
    fn prepare(&self) -> Result<PathBuf> {
        let dir = self.wallets_dir();
        fsutil::create_dir(&dir)?;
        fsutil::check_private(&self.root, fsutil::DIR_MODE)?;
        fsutil::check_private(&dir, fsutil::DIR_MODE)?;
        let keys = self.root.join("keys");
        if keys.exists() {
            fsutil::check_private(&keys, fsutil::DIR_MODE)?;
        }
        Ok(dir)
    }

    /// Every wallet file, newest first, with its path from the folder listing. Files that do
    /// not parse are skipped (with a warning), like the reference; files open to others are
    /// refused. Files whose `id` is not their file name are returned marked
    /// ([`Stored::mismatch`]): callers skip or refuse them.
    fn load_all(&self) -> Result<Vec<Stored>> {
        let dir = self.prepare()?;
        let entries = fs::read_dir(&dir).map_err(|e| WalletError::io("list", &dir, e))?;
        let mut wallets = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| WalletError::io("list", &dir, e))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            fsutil::check_private(&path, fsutil::FILE_MODE)?;
            let text = match fs::read_to_string(&path) {
                Ok(t) => t,
                // Deleted between the listing and the read.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(WalletError::io("read", &path, e)),
            };
            match serde_json::from_str::<WalletFile>(&text) {
                Ok(file) => wallets.push(Stored::new(path, file)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "skipping unreadable wallet file")
                }
            }
        }
        wallets.sort_by(|a, b| b.file.created_at.cmp(&a.file.created_at));
        Ok(wallets)
    }

    /// The wallets whose files are sound (the `id` is their file name), newest first; the
    /// others are skipped with a warning.
    fn load_valid(&self) -> Result<Vec<Stored>> {
        let mut all = self.load_all()?;
        all.retain(|w| match w.mismatch_error() {
            None => true,
            Some(err) => {
                tracing::warn!(code = %err.kind(), "skipping a wallet file: {err}");
                false
            }
        });
        Ok(all)
    }

    /// The wallet with id `name_or_id`, else the one named so (case-sensitive). Only sound
    /// files are found; when the only match is a file whose `id` is not its file name, that is
    /// `WALLET_ID_MISMATCH` (never a path derived from its contents).
    fn load(&self, name_or_id: &str) -> Result<Stored> {
        let (valid, mismatched): (Vec<_>, Vec<_>) = self
            .load_all()?
            .into_iter()
            .partition(|w| w.mismatch.is_none());
        if let Some(w) = valid.iter().find(|w| w.file.id == name_or_id) {
            return Ok(w.clone());
        }
        let mut named: Vec<_> = valid
            .into_iter()
            .filter(|w| w.file.name == name_or_id)
            .collect();
        match named.len() {
            0 => {}
            1 => return Ok(named.swap_remove(0)),
            n => {
                return Err(WalletError::invalid(
                    "name_or_id",
                    format!("{n} wallets are named '{name_or_id}': use the id"),
                ));
            }
        }
        Err(mismatched
            .iter()
            .filter(|w| w.file.id == name_or_id || w.file.name == name_or_id)
            .find_map(Stored::mismatch_error)
            .unwrap_or_else(|| WalletError::WalletNotFound(name_or_id.to_owned())))
    }

    /// `INVALID_INPUT` if a wallet is already named `name`.
    fn ensure_name_free(&self, name: &str) -> Result<()> {
        // Files refused for their id do not hold a name (quietly: `list` warns about them).
        let taken = self
            .load_all()?
            .iter()
            .any(|w| w.mismatch.is_none() && w.file.name == name);
        if taken {
            return Err(WalletError::invalid(
                "name",
                format!("a wallet named '{name}' already exists"),
            ));
        }
        Ok(())
    }

    fn save_new(
        &self,
        name: &str,
        accounts: Vec<FileAccount>,
        crypto: Value,
        key_type: KeyType,
        operation: &str,
    ) -> Result<WalletInfo> {
        let dir = self.prepare()?;
        let mut log = AuditLog::open(&self.root)?;
        let _lock = DirLock::exclusive(&dir)?;
        // Checked again under the lock: another process may have taken the name meanwhile.
        self.ensure_name_free(name)?;
        let file = WalletFile {
            ows_version: OWS_VERSION,
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            created_at: audit::now(),
            chain_type: None,
            accounts,
            crypto,
            key_type,
            metadata: None,
            extra: Map::new(),
        };
        let info = file.info()?;
        write_file(&dir.join(format!("{}.json", file.id)), &file)?;
        tracing::info!(wallet_id = %file.id, name, operation, "wallet saved");
        let details = file
            .accounts
            .iter()
            .map(|a| format!("{}={}", a.chain_id, a.address))
            .collect::<Vec<_>>()
            .join(", ");
        log.append(&AuditEntry {
            timestamp: audit::now(),
            wallet_id: &file.id,
            operation,
            chain_id: None,
            address: None,
            details: Some(details),
        })?;
        Ok(info)
    }

    /// Creates a wallet from a fresh mnemonic of `words` (12 or 24) words, with an account on
    /// every chain family. The mnemonic is encrypted under the passphrase (argument or
    /// `OWS_PASSPHRASE`, never empty) and never returned: use
    /// [`export_wallet`](Self::export_wallet).
    pub fn create_wallet(
        &self,
        name: &str,
        passphrase: Option<&str>,
        words: u32,
    ) -> Result<WalletInfo> {
        check_name(name)?;
        let passphrase = new_passphrase(passphrase)?;
        let phrase = bip39::generate_mnemonic(words)?;
        self.save_mnemonic(name, &phrase, &passphrase, 0, "create_wallet")
    }

    /// Imports a BIP-39 mnemonic; accounts are derived at `index` (default OWS paths).
    pub fn import_wallet_mnemonic(
        &self,
        name: &str,
        mnemonic: &str,
        passphrase: Option<&str>,
        index: u32,
    ) -> Result<WalletInfo> {
        check_name(name)?;
        let passphrase = new_passphrase(passphrase)?;
        let phrase = bip39::validate_mnemonic(mnemonic)?;
        self.save_mnemonic(name, &phrase, &passphrase, index, "import_wallet")
    }

    fn save_mnemonic(
        &self,
        name: &str,
        phrase: &SecretString,
        passphrase: &SecretString,
        index: u32,
        operation: &str,
    ) -> Result<WalletInfo> {
        // Fail fast, before the KDF, when the name is taken.
        self.ensure_name_free(name)?;
        let accounts = derive_accounts(phrase, index)?;
        let crypto = crypto::encrypt(phrase.expose().as_bytes(), passphrase.expose())?;
        self.save_new(name, accounts, crypto, KeyType::Mnemonic, operation)
    }

    /// Imports a private key (`0x` + 64 hex) for `chain` (`evm`, `solana`, `bitcoin`, `cosmos`,
    /// `tron`, `ton`, `sui`, `xrpl`, `spark`, `filecoin`, `nano`, `near`, an EVM chain name, a
    /// CAIP-2 id). As in OWS, the wallet holds one key per curve: the other curve gets a fresh
    /// random key, and every family gets an account (with an empty derivation path).
    pub fn import_wallet(
        &self,
        name: &str,
        private_key: &str,
        passphrase: Option<&str>,
        chain: &str,
    ) -> Result<WalletInfo> {
        check_name(name)?;
        let family = Family::parse(chain)?;
        let key = decode_key_hex("private_key", private_key)?;
        let passphrase = new_passphrase(passphrase)?;
        self.ensure_name_free(name)?;
        let (secp, ed) = match family.curve() {
            Curve::Secp256k1 => (key, crypto::random_bytes::<32>()?),
            Curve::Ed25519 => (random_secp256k1()?, key),
        };
        let accounts = Family::ALL
            .into_iter()
            .map(|f| {
                let k = match f.curve() {
                    Curve::Secp256k1 => secp.as_ref(),
                    Curve::Ed25519 => ed.as_ref(),
                };
                let address = f.address(k)?;
                Ok(FileAccount {
                    account_id: format!("{}:{address}", f.chain_id()),
                    address,
                    chain_id: f.chain_id().to_owned(),
                    derivation_path: String::new(),
                    extra: Map::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let payload = KeyPairJson {
            ed25519: hex::encode(ed.as_ref()),
            secp256k1: hex::encode(secp.as_ref()),
            ed25519_bip32: None,
        };
        let json = Zeroizing::new(
            serde_json::to_vec(&payload)
                .map_err(|e| WalletError::invalid("private_key", e.to_string()))?,
        );
        let crypto = crypto::encrypt(&json, passphrase.expose())?;
        self.save_new(name, accounts, crypto, KeyType::PrivateKey, "import_wallet")
    }

    /// Every wallet, newest first.
    /// Files whose `id` is not their file name are skipped with a warning
    /// (`WALLET_ID_MISMATCH`).
    pub fn list_wallets(&self) -> Result<Vec<WalletInfo>> {
        self.load_valid()?.iter().map(|w| w.file.info()).collect()
    }

    /// One wallet by id or name.
    pub fn get_wallet(&self, name_or_id: &str) -> Result<WalletInfo> {
        self.load(name_or_id)?.file.info()
    }

    /// The wallet's secret: the mnemonic phrase, or for a private-key wallet the JSON
    /// `{"ed25519":"<hex>","secp256k1":"<hex>"}` (what OWS returns). A wrong passphrase is
    /// `INVALID_PASSPHRASE`. An explicitly passed empty passphrase is tried (the reference
    /// creates wallets under `""` when none is given).
    pub fn export_wallet(
        &self,
        name_or_id: &str,
        passphrase: Option<&str>,
    ) -> Result<SecretString> {
        let passphrase = resolve_passphrase(passphrase)?;
        let Stored { path, file, .. } = self.load(name_or_id)?;
        let mut log = AuditLog::open(&self.root)?;
        let secret = crypto::decrypt(&file.crypto, passphrase.expose())?;
        let text = std::str::from_utf8(&secret).map_err(|_| WalletError::Corrupt {
            path,
            reason: "decrypted secret is not UTF-8".into(),
        })?;
        let text = SecretString::from(text);
        tracing::info!(wallet_id = %file.id, "wallet exported");
        log.append(&AuditEntry {
            timestamp: audit::now(),
            wallet_id: &file.id,
            operation: "export_wallet",
            chain_id: None,
            address: None,
            details: None,
        })?;
        Ok(text)
    }

    /// Deletes a wallet: its file is overwritten with zeros, synced, then unlinked. The file is
    /// the one the folder listing found (never a path built from its contents), and only a
    /// file whose `id` is its file name is deleted (`WALLET_ID_MISMATCH` otherwise).
    pub fn delete_wallet(&self, name_or_id: &str) -> Result<()> {
        let dir = self.prepare()?;
        let mut log = AuditLog::open(&self.root)?;
        let _lock = DirLock::exclusive(&dir)?;
        let Stored { path, file, .. } = self.load(name_or_id)?;
        fsutil::secure_delete(&path)?;
        tracing::info!(wallet_id = %file.id, name = %file.name, "wallet deleted");
        log.append(&AuditEntry {
            timestamp: audit::now(),
            wallet_id: &file.id,
            operation: "delete_wallet",
            chain_id: None,
            address: None,
            details: Some(format!("name={}", file.name)),
        })
    }

    /// Renames a wallet. Every other field, including ones this version does not know, is
    /// kept.
    pub fn rename_wallet(&self, name_or_id: &str, new_name: &str) -> Result<()> {
        check_name(new_name)?;
        let dir = self.prepare()?;
        let mut log = AuditLog::open(&self.root)?;
        let _lock = DirLock::exclusive(&dir)?;
        let Stored { path, mut file, .. } = self.load(name_or_id)?;
        if file.name == new_name {
            return Ok(());
        }
        self.ensure_name_free(new_name)?;
        let old = std::mem::replace(&mut file.name, new_name.to_owned());
        write_file(&path, &file)?;
        tracing::info!(wallet_id = %file.id, "wallet renamed");
        log.append(&AuditEntry {
            timestamp: audit::now(),
            wallet_id: &file.id,
            operation: "rename_wallet",
            chain_id: None,
            address: None,
            details: Some(format!("{old} -> {new_name}")),
        })
    }

    /// The wallet's id and EVM address, without decrypting anything.
    pub(crate) fn evm_identity(&self, name_or_id: &str) -> Result<(String, String)> {
        let Stored { file, .. } = self.load(name_or_id)?;
        let account = file.evm_account().ok_or_else(|| {
            WalletError::ChainNotSupported("eip155 (the wallet has no EVM account)".into())
        })?;
        Ok((file.id.clone(), account.address.clone()))
    }

    /// Decrypts the wallet's EVM (secp256k1) key into a local signer (its key is zeroized when
    /// it drops), checked against the wallet's EVM account. Returns the wallet id too.
    pub(crate) fn unlock_evm(
        &self,
        name_or_id: &str,
        passphrase: &SecretString,
    ) -> Result<(String, PrivateKeySigner)> {
        let Stored { path, file, .. } = self.load(name_or_id)?;
        let secret = crypto::decrypt(&file.crypto, passphrase.expose())?;
        let corrupt = |reason: &str| WalletError::Corrupt {
            path: path.clone(),
            reason: reason.to_owned(),
        };
        let account = file
            .evm_account()
            .ok_or_else(|| corrupt("the wallet has no EVM account"))?;
        let key = match file.key_type {
            KeyType::Mnemonic => {
                let phrase = std::str::from_utf8(&secret)
                    .map_err(|_| corrupt("the mnemonic is not UTF-8"))?;
                let phrase = bip39::validate_mnemonic(phrase)
                    .map_err(|_| corrupt("the stored mnemonic is not a valid BIP-39 phrase"))?;
                let index = evm_index(&account.derivation_path);
                let seed = bip39::seed(&phrase);
                hd::derive_secp256k1(seed.as_ref(), &Family::Evm.derivation_path(index))?
            }
            KeyType::PrivateKey => {
                let keys: KeyPairJson = serde_json::from_slice(&secret)
                    .map_err(|_| corrupt("the key payload is not the OWS key JSON"))?;
                decode_key_hex("secp256k1", &keys.secp256k1)
                    .map_err(|_| corrupt("the secp256k1 key is not 32 bytes of hex"))?
            }
        };
        let signing_key = SigningKey::from_slice(key.as_ref())
            .map_err(|_| corrupt("the stored key is not a valid secp256k1 scalar"))?;
        drop(key);
        let signer = PrivateKeySigner::from_signing_key(signing_key);
        if account.address.parse::<Address>().ok() != Some(signer.address()) {
            return Err(corrupt("the decrypted key does not match the EVM account"));
        }
        Ok((file.id, signer))
    }

    /// Decrypts the wallet's EVM key once into a local alloy signer (the raw mode of
    /// `PeaqosClient::from_wallet`): a wrong passphrase fails here. Recorded in the audit log as
    /// an `export_wallet` of the EVM key. The key inside the signer is zeroized when it drops.
    pub fn evm_signer(
        &self,
        name_or_id: &str,
        passphrase: Option<&str>,
    ) -> Result<PrivateKeySigner> {
        let passphrase = resolve_passphrase(passphrase)?;
        let mut log = AuditLog::open(&self.root)?;
        let (wallet_id, signer) = self.unlock_evm(name_or_id, &passphrase)?;
        let address = signer.address().to_checksum(None);
        tracing::info!(wallet_id = %wallet_id, "EVM key decrypted for local signing");
        log.append(&AuditEntry {
            timestamp: audit::now(),
            wallet_id: &wallet_id,
            operation: "export_wallet",
            chain_id: Some("eip155"),
            address: Some(&address),
            details: Some("evm signing key (raw-mode client)".into()),
        })?;
        Ok(signer)
    }

    /// Appends a signing line to the audit log.
    pub(crate) fn audit_sign(&self, wallet_id: &str, chain_id: &str, address: &str) -> Result<()> {
        AuditLog::open(&self.root)?.append(&AuditEntry {
            timestamp: audit::now(),
            wallet_id,
            operation: "sign_transaction",
            chain_id: Some(chain_id),
            address: Some(address),
            details: None,
        })
    }
}

/// The last index of an EVM path `m/44'/60'/0'/0/{i}` (0 for an empty or other path).
fn evm_index(path: &str) -> u32 {
    path.strip_prefix("m/44'/60'/0'/0/")
        .and_then(|i| i.parse().ok())
        .unwrap_or(0)
}

fn random_secp256k1() -> Result<Zeroizing<[u8; 32]>> {
    loop {
        let k = crypto::random_bytes::<32>()?;
        if k256::SecretKey::from_slice(k.as_ref()).is_ok() {
            return Ok(k);
        }
    }
}

/// Writes `file` to `path` (a new wallet's `<dir>/<new uuid>.json`, or the path the folder
/// listing found).
fn write_file(path: &Path, file: &WalletFile) -> Result<()> {
    let json = serde_json::to_string_pretty(file).map_err(|e| WalletError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    fsutil::write_atomic(path, json.as_bytes())
}

/// The accounts of a mnemonic at `index`: one per family, in OWS order.
pub(crate) fn derive_accounts(phrase: &SecretString, index: u32) -> Result<Vec<FileAccount>> {
    let seed = bip39::seed(phrase);
    Family::ALL
        .into_iter()
        .map(|f| {
            let path = f.derivation_path(index);
            let key = match f.curve() {
                Curve::Secp256k1 => hd::derive_secp256k1(seed.as_ref(), &path)?,
                Curve::Ed25519 => hd::derive_ed25519(seed.as_ref(), &path)?,
            };
            let address = f.address(key.as_ref())?;
            Ok(FileAccount {
                account_id: format!("{}:{address}", f.chain_id()),
                address,
                chain_id: f.chain_id().to_owned(),
                derivation_path: path,
                extra: Map::new(),
            })
        })
        .collect()
}

/// The address of `family`'s account `index` of a mnemonic (like OWS `derive_address`).
pub fn derive_address(mnemonic: &str, family: Family, index: u32) -> Result<String> {
    let phrase = bip39::validate_mnemonic(mnemonic)?;
    let seed = bip39::seed(&phrase);
    let path = family.derivation_path(index);
    let key = match family.curve() {
        Curve::Secp256k1 => hd::derive_secp256k1(seed.as_ref(), &path)?,
        Curve::Ed25519 => hd::derive_ed25519(seed.as_ref(), &path)?,
    };
    family.address(key.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_files_and_keeps_their_fields() {
        let v1 = serde_json::json!({
            "lws_version": 1,
            "id": "3198bc9c-6672-4ab3-8a8c-0f8a3d9c1e27",
            "name": "old",
            "created_at": "2026-01-01T00:00:00+00:00",
            "chain_type": "evm",
            "accounts": [{
                "account_id": "eip155:1:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "chain_id": "eip155:1",
                "derivation_path": "",
                "label": "kept"
            }],
            "crypto": {"cipher": "aes-256-gcm"},
            "key_type": "private_key",
            "vendor": {"x": 1}
        });
        let file: WalletFile = serde_json::from_value(v1).expect("v1 parses");
        assert_eq!(file.ows_version, 1);
        let info = file.info().expect("info");
        assert_eq!(
            info.peaq_address,
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(info.key_type, KeyType::PrivateKey);
        let out = serde_json::to_value(&file).expect("serializes");
        assert_eq!(out["chain_type"], "evm");
        assert_eq!(out["vendor"]["x"], 1);
        assert_eq!(out["accounts"][0]["label"], "kept");
        assert_eq!(out["ows_version"], 1);
        assert!(out.get("metadata").is_none());
    }
}
