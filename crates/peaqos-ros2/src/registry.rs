//! The wallet registry: public metadata in `peaqos_wallets.json` (the official file's format,
//! without `private_key`), keys encrypted at rest in the project's OWS vault.
//!
//! * Keys never cross ROS: services see addresses and the public metadata only.
//! * The vault is `<registry dir>/peaqos_vault` unless `OWS_VAULT_PATH` is set; the passphrase
//!   comes from [`ENV_PASSPHRASE`] (else `OWS_PASSPHRASE`).
//! * An official plaintext registry (entries with `private_key`) is migrated on open: each key
//!   is imported into the vault, then the file is rewritten without keys (0600, atomically).
//! * Decrypted signers are cached in memory for the node's lifetime, so the KDF runs once per
//!   wallet, not once per call.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::Mutex,
};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use peaqos_wallet::{SecretString, Vault, WalletCode, WalletError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::NodeError;

/// Env var holding the vault passphrase (falls back to `OWS_PASSPHRASE`).
pub const ENV_PASSPHRASE: &str = "PEAQOS_WALLET_PASSPHRASE";
/// The registry file's mode.
pub const FILE_MODE: u32 = 0o600;
/// The registry format version (the official one).
pub const VERSION: u64 = 1;
/// Largest registry file read (bytes).
pub const MAX_REGISTRY_BYTES: u64 = 4 << 20;
/// Most wallets in one registry.
pub const MAX_WALLETS: usize = 10_000;
/// Longest label (bytes).
pub const MAX_LABEL_LEN: usize = 128;
/// Label when none is given.
pub const DEFAULT_LABEL: &str = "machine_wallet";
/// CAIP-2 chain id written for every wallet (hard-coded in the official node).
pub const CHAIN_ID: &str = "eip155:3338";
/// Network name written for every wallet.
pub const NETWORK: &str = "peaq";

/// One wallet's public metadata (the official entry without `private_key`) and its vault id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletEntry {
    /// `eip155:3338:<address>`.
    pub account_id: String,
    /// Checksummed address.
    pub address: String,
    /// `eip155:3338`.
    pub chain_id: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Label.
    pub label: String,
    /// `peaq`.
    pub network: String,
    /// The OWS vault wallet holding the key.
    pub vault_wallet: String,
}

impl WalletEntry {
    /// The public metadata the services return (sorted keys, no key material, no vault id).
    pub fn public_json(&self) -> Value {
        json!({
            "account_id": self.account_id,
            "address": self.address,
            "chain_id": self.chain_id,
            "created_at": self.created_at,
            "label": self.label,
            "network": self.network,
        })
    }
}

/// The registry (see the module docs).
pub struct WalletRegistry {
    path: PathBuf,
    vault: Vault,
    passphrase: Option<SecretString>,
    state: Mutex<BTreeMap<Address, WalletEntry>>,
    signers: Mutex<HashMap<Address, PrivateKeySigner>>,
}

impl std::fmt::Debug for WalletRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletRegistry")
            .field("path", &self.path)
            .field("vault", &self.vault.path())
            .finish_non_exhaustive()
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> NodeError {
    NodeError::new("OSError", "", format!("{}: {e}", path.display()))
}

fn wallet_error(e: &WalletError) -> NodeError {
    NodeError::new(e.kind().as_str(), "", e.to_string())
}

/// The vault folder for a registry at `path`: `OWS_VAULT_PATH`, else `<dir>/peaqos_vault`.
pub fn vault_path_for(path: &Path) -> PathBuf {
    std::env::var_os(peaqos_wallet::ENV_VAULT_PATH)
        .filter(|p| !p.is_empty())
        .map_or_else(
            || path.parent().unwrap_or(Path::new(".")).join("peaqos_vault"),
            PathBuf::from,
        )
}

impl WalletRegistry {
    /// Opens (and, when it holds plaintext keys, migrates) the registry at `path`; a missing
    /// file is an empty registry. `passphrase` defaults to the environment.
    pub fn open(path: &Path, passphrase: Option<SecretString>) -> Result<Self, NodeError> {
        let passphrase = passphrase.or_else(|| {
            [ENV_PASSPHRASE, peaqos_wallet::ENV_PASSPHRASE]
                .into_iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
                .map(SecretString::new)
        });
        let registry = Self {
            path: path.to_owned(),
            vault: Vault::open(Some(&vault_path_for(path))),
            passphrase,
            state: Mutex::new(BTreeMap::new()),
            signers: Mutex::new(HashMap::new()),
        };
        registry.load()?;
        Ok(registry)
    }

    /// The registry file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn passphrase(&self) -> Result<&str, NodeError> {
        self.passphrase
            .as_ref()
            .map(SecretString::expose)
            .ok_or_else(|| {
                NodeError::new(
                    "RuntimeError",
                    "",
                    format!("the wallet vault needs a passphrase: set {ENV_PASSPHRASE}"),
                )
            })
    }

    fn load(&self) -> Result<(), NodeError> {
        let text = match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(&self.path, &e)),
            Ok(m) if m.len() > MAX_REGISTRY_BYTES => {
                return Err(NodeError::new(
                    "ValueError",
                    "",
                    format!(
                        "{} is larger than {MAX_REGISTRY_BYTES} bytes",
                        self.path.display()
                    ),
                ));
            }
            Ok(_) => std::fs::read_to_string(&self.path).map_err(|e| io_error(&self.path, &e))?,
        };
        let root: Value = serde_json::from_str(&text).map_err(|e| {
            NodeError::new(
                "ValueError",
                "",
                format!("{} is not JSON: {e}", self.path.display()),
            )
        })?;
        let wallets = root
            .get("wallets")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if wallets.len() > MAX_WALLETS {
            return Err(NodeError::new(
                "ValueError",
                "",
                format!("more than {MAX_WALLETS} wallets"),
            ));
        }
        let mut migrated = false;
        let mut state = BTreeMap::new();
        // Legacy entries may be keyed by label: the `address` field is authoritative.
        for (key, entry) in wallets {
            let text = |k: &str| {
                entry
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let raw_address = Some(text("address"))
                .filter(|a| !a.is_empty())
                .unwrap_or(key);
            let address: Address = raw_address.trim().parse().map_err(|_| {
                NodeError::new(
                    "ValueError",
                    "",
                    format!("registry entry {raw_address} has a bad address"),
                )
            })?;
            let label = Some(text("label"))
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| DEFAULT_LABEL.to_owned());
            let created_at = entry.get("created_at").and_then(Value::as_u64).unwrap_or(0);
            let vault_wallet = match entry.get("private_key").and_then(Value::as_str) {
                Some(key) if !key.is_empty() => {
                    migrated = true;
                    self.import_key(address, key)?
                }
                _ => text("vault_wallet"),
            };
            state.insert(address, entry_for(address, label, created_at, vault_wallet));
        }
        *self.state.lock().map_err(poisoned)? = state;
        if migrated {
            self.save()?;
            tracing::info!(path = %self.path.display(), "plaintext wallet registry migrated into the encrypted vault");
        }
        Ok(())
    }

    /// Imports one key into the vault (or finds it there from an earlier, interrupted
    /// migration); returns the vault wallet id.
    fn import_key(&self, address: Address, key: &str) -> Result<String, NodeError> {
        let name = vault_name(address);
        if let Ok(existing) = self.vault.get_wallet(&name) {
            return Ok(existing.id);
        }
        let info = self
            .vault
            .import_wallet(&name, key, Some(self.passphrase()?), "evm")
            .map_err(|e| wallet_error(&e))?;
        if !info.peaq_address.eq_ignore_ascii_case(&address.to_string()) {
            return Err(NodeError::new(
                "ValueError",
                "",
                format!("registry entry {address}: its key belongs to another address"),
            ));
        }
        Ok(info.id)
    }

    /// Writes the public registry: `<file>.tmp` created 0600, renamed over the file.
    fn save(&self) -> Result<(), NodeError> {
        let state = self.state.lock().map_err(poisoned)?;
        let wallets: serde_json::Map<String, Value> = state
            .iter()
            .map(|(a, e)| {
                let mut v = e.public_json();
                v["vault_wallet"] = json!(e.vault_wallet);
                (a.to_checksum(None), v)
            })
            .collect();
        let body = serde_json::to_string_pretty(&json!({ "version": VERSION, "wallets": wallets }))
            .map_err(|e| NodeError::new("ValueError", "", e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
        }
        peaqos_service::write_private(&self.path, body.as_bytes())
            .map_err(|e| io_error(&self.path, &e))
    }

    /// A new wallet: a fresh key encrypted into the vault; returns its entry.
    pub fn create(&self, label: &str) -> Result<WalletEntry, NodeError> {
        let label = if label.is_empty() {
            DEFAULT_LABEL
        } else {
            label
        };
        if label.len() > MAX_LABEL_LEN || label.chars().any(char::is_control) {
            return Err(NodeError::new(
                "ValueError",
                "label",
                format!("label must be at most {MAX_LABEL_LEN} bytes, without control characters"),
            ));
        }
        if self.state.lock().map_err(poisoned)?.len() >= MAX_WALLETS {
            return Err(NodeError::new(
                "ValueError",
                "",
                format!("the registry holds {MAX_WALLETS} wallets"),
            ));
        }
        let signer = PrivateKeySigner::random();
        let address = signer.address();
        let key = SecretString::new(format!("0x{}", alloy::hex::encode(signer.to_bytes())));
        let vault_wallet = self.import_key(address, key.expose())?;
        let entry = entry_for(address, label.to_owned(), now(), vault_wallet);
        self.state
            .lock()
            .map_err(poisoned)?
            .insert(address, entry.clone());
        self.signers
            .lock()
            .map_err(poisoned)?
            .insert(address, signer);
        self.save()?;
        Ok(entry)
    }

    /// Every entry, sorted by (label, address).
    pub fn list(&self) -> Result<Vec<WalletEntry>, NodeError> {
        let mut all: Vec<_> = self
            .state
            .lock()
            .map_err(poisoned)?
            .values()
            .cloned()
            .collect();
        all.sort_by(|a, b| (&a.label, &a.address).cmp(&(&b.label, &b.address)));
        Ok(all)
    }

    /// One entry.
    pub fn get(&self, address: Address) -> Result<Option<WalletEntry>, NodeError> {
        Ok(self.state.lock().map_err(poisoned)?.get(&address).cloned())
    }

    /// Removes a wallet (its vault file too); false when absent.
    pub fn delete(&self, address: Address) -> Result<bool, NodeError> {
        let Some(entry) = self.state.lock().map_err(poisoned)?.remove(&address) else {
            return Ok(false);
        };
        self.signers.lock().map_err(poisoned)?.remove(&address);
        if !entry.vault_wallet.is_empty() {
            match self.vault.delete_wallet(&entry.vault_wallet) {
                Ok(()) => {}
                Err(e) if e.kind() == WalletCode::WalletNotFound => {}
                Err(e) => return Err(wallet_error(&e)),
            }
        }
        self.save()?;
        Ok(true)
    }

    /// The signer of a local wallet (decrypted once, then cached); `KeyError` when unknown.
    pub fn signer(&self, address: Address) -> Result<PrivateKeySigner, NodeError> {
        if let Some(s) = self.signers.lock().map_err(poisoned)?.get(&address) {
            return Ok(s.clone());
        }
        let entry = self.get(address)?.ok_or_else(|| unknown_wallet(address))?;
        let signer = self
            .vault
            .evm_signer(&entry.vault_wallet, Some(self.passphrase()?))
            .map_err(|e| wallet_error(&e))?;
        if signer.address() != address {
            return Err(NodeError::new(
                "ValueError",
                "",
                format!("vault wallet of {address} holds another key"),
            ));
        }
        self.signers
            .lock()
            .map_err(poisoned)?
            .insert(address, signer.clone());
        Ok(signer)
    }
}

/// The official node's `KeyError` for a signer not in the registry.
pub fn unknown_wallet(address: Address) -> NodeError {
    NodeError::new(
        "KeyError",
        "",
        format!(
            "'unknown local peaqOS wallet address: {}'",
            address.to_checksum(None)
        ),
    )
}

fn vault_name(address: Address) -> String {
    format!("peaqos-ros2-{}", address.to_checksum(None))
}

fn entry_for(
    address: Address,
    label: String,
    created_at: u64,
    vault_wallet: String,
) -> WalletEntry {
    let address = address.to_checksum(None);
    WalletEntry {
        account_id: format!("{CHAIN_ID}:{address}"),
        address,
        chain_id: CHAIN_ID.to_owned(),
        created_at,
        label,
        network: NETWORK.to_owned(),
        vault_wallet,
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> NodeError {
    NodeError::new("RuntimeError", "", "wallet registry lock poisoned")
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const KEY: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    #[test]
    fn official_file_is_migrated_encrypted_and_keys_never_leave() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("robot/peaqos_wallets.json");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let address: Address = PrivateKeySigner::from_bytes(&KEY.parse().expect("b256"))
            .expect("key")
            .address();
        let a = address.to_checksum(None);
        let official = json!({"version": 1, "wallets": {
            "legacy_label": {"address": a, "label": "arm", "account_id": format!("eip155:3338:{a}"),
              "chain_id": "eip155:3338", "network": "peaq", "private_key": KEY, "created_at": 1_700_000_000}
        }});
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&official).expect("json"),
        )
        .expect("write");
        let reg = WalletRegistry::open(&path, Some(SecretString::from("pw"))).expect("open");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            !text.contains("private_key") && !text.contains(&KEY[2..]),
            "no key at rest in the registry"
        );
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        let entry = reg.get(address).expect("get").expect("present");
        assert_eq!(entry.label, "arm");
        assert_eq!(entry.created_at, 1_700_000_000);
        assert_eq!(entry.public_json().as_object().expect("obj").len(), 6);
        // The vault holds it encrypted, and a fresh open (no cache) decrypts it.
        for f in walk(&vault_path_for(&path)) {
            let body = std::fs::read_to_string(&f).unwrap_or_default();
            assert!(
                !body.contains(&KEY[2..]),
                "plaintext key in {}",
                f.display()
            );
        }
        let again = WalletRegistry::open(&path, Some(SecretString::from("pw"))).expect("reopen");
        assert_eq!(again.signer(address).expect("signer").address(), address);
        let wrong = WalletRegistry::open(&path, Some(SecretString::from("nope"))).expect("reopen");
        assert!(wrong.signer(address).is_err());
        assert_eq!(
            again.signer(Address::ZERO).expect_err("unknown").code,
            "KeyError"
        );
        let created = again.create("").expect("create");
        assert_eq!(created.label, DEFAULT_LABEL);
        assert_eq!(again.list().expect("list").len(), 2);
        assert!(again.delete(address).expect("delete"));
        assert!(!again.delete(address).expect("delete twice"));
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }
}
