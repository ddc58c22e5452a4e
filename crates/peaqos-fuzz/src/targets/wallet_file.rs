//! Wallet files (OWS vault JSON) through the vault API on a private temp folder: the input is
//! written as one wallet file next to an untouched "victim" wallet; then list, get, rename and
//! delete run on every wallet it yields. Properties: nothing panics, a listed wallet can be
//! fetched by its id, the victim's file and the files outside `wallets/` stay as they were.
//!
//! Decrypting (`export`) is left out: it runs the file's own KDF parameters, which are the
//! subject of a separate limit (issue 13 finding 11) and would make each input cost seconds.

use std::{
    collections::BTreeMap,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::{Mutex, OnceLock},
};

use peaqos_wallet::Vault;
use serde_json::Value;

use super::{Target, text, violated};
use crate::engine::ExecResult;

/// Wallet files.
pub(super) const TARGET: Target = Target {
    name: "wallet-file",
    about: "an OWS wallet file in a temp vault (next to a victim wallet): list / get / rename / \
            delete never panic, listed wallets are found by id, the victim file and everything \
            outside wallets/ are untouched",
    prepare,
    seeds,
    dictionary: &[
        "\"id\"",
        "\"name\"",
        "../",
        "../../victim",
        "victim",
        "/tmp/x",
        "\"crypto\"",
        "\"kdfparams\"",
        "\"accounts\"",
        "\"ows_version\"",
        "\"key_type\"",
        "private_key",
        "mnemonic",
        "\"created_at\"",
        VICTIM_ID,
        "\u{0}",
    ],
    json_aware: true,
    run,
};

/// The id of the victim wallet.
const VICTIM_ID: &str = "00000000-0000-4000-8000-00000000dead";
/// The passphrase of the generated seed wallets.
const PASSPHRASE: &str = "fuzz passphrase";

struct WalletEnv {
    /// Holds the folders while the process runs.
    _dir: tempfile::TempDir,
    /// `<tmp>/outer`: canaries live here and in `vault/`.
    outer: PathBuf,
    vault: PathBuf,
    /// The seed wallet files.
    seeds: Vec<Vec<u8>>,
    /// The file name (id) the input is written under.
    input_id: String,
    /// The victim wallet file.
    victim: Vec<u8>,
    /// Files outside `wallets/` and their contents.
    canaries: BTreeMap<PathBuf, Vec<u8>>,
    /// One input at a time uses the folder.
    lock: Mutex<()>,
}

static ENV: OnceLock<Result<WalletEnv, String>> = OnceLock::new();

fn env() -> Result<&'static WalletEnv, String> {
    ENV.get_or_init(setup).as_ref().map_err(Clone::clone)
}

fn prepare() -> Result<(), String> {
    env().map(|_| ())
}

fn seeds() -> Vec<Vec<u8>> {
    env().map(|e| e.seeds.clone()).unwrap_or_default()
}

fn private_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| e.to_string())?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| e.to_string())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| e.to_string())?;
    f.write_all(bytes).map_err(|e| e.to_string())
}

/// The only file of `dir/wallets/`.
fn only_wallet_file(vault: &Path) -> Result<Vec<u8>, String> {
    let entry = std::fs::read_dir(vault.join("wallets"))
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))
        .ok_or("no wallet file written")?;
    std::fs::read(entry.path()).map_err(|e| e.to_string())
}

fn setup() -> Result<WalletEnv, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    private_dir(dir.path())?;
    // Real files, written by the vault itself: a private-key and a mnemonic wallet.
    let mut seeds = Vec::new();
    let key_vault = dir.path().join("seed-key");
    private_dir(&key_vault)?;
    Vault::open(Some(&key_vault))
        .import_wallet(
            "fuzz-key",
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            Some(PASSPHRASE),
            "evm",
        )
        .map_err(|e| format!("seed wallet: {e}"))?;
    seeds.push(only_wallet_file(&key_vault)?);
    let phrase_vault = dir.path().join("seed-mnemonic");
    private_dir(&phrase_vault)?;
    Vault::open(Some(&phrase_vault))
        .import_wallet_mnemonic(
            "fuzz-mnemonic",
            peaqos_devnet::DEV_MNEMONIC,
            Some(PASSPHRASE),
            0,
        )
        .map_err(|e| format!("seed wallet: {e}"))?;
    seeds.push(only_wallet_file(&phrase_vault)?);
    let _ = std::fs::remove_dir_all(&key_vault);
    let _ = std::fs::remove_dir_all(&phrase_vault);
    let first: Value = serde_json::from_slice(&seeds[0]).map_err(|e| e.to_string())?;
    let input_id = first["id"]
        .as_str()
        .ok_or("seed wallet without id")?
        .to_owned();
    let mut victim = first;
    victim["id"] = Value::String(VICTIM_ID.into());
    victim["name"] = Value::String("victim".into());
    let victim = serde_json::to_vec(&victim).map_err(|e| e.to_string())?;

    let outer = dir.path().join("outer");
    let vault = outer.join("vault");
    for d in [&outer, &vault, &vault.join("wallets")] {
        private_dir(d)?;
    }
    let mut canaries = BTreeMap::new();
    for path in [
        outer.join("victim.json"),
        outer.join(format!("{VICTIM_ID}.json")),
        vault.join("victim.json"),
        vault.join(format!("{VICTIM_ID}.json")),
        dir.path().join("victim.json"),
    ] {
        let content = format!("canary {}", path.display()).into_bytes();
        write_private(&path, &content)?;
        canaries.insert(path, content);
    }
    Ok(WalletEnv {
        _dir: dir,
        outer,
        vault,
        seeds,
        input_id,
        victim,
        canaries,
        lock: Mutex::new(()),
    })
}

/// Every file under `dir` (recursively) except `wallets/` and the audit log.
fn files_outside_wallets(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path == root.join("vault").join("wallets") || path == root.join("vault").join("logs") {
            continue;
        }
        if path.is_dir() {
            files_outside_wallets(root, &path, out);
        } else {
            out.push(path);
        }
    }
}

fn run(input: &[u8]) -> ExecResult {
    let env = env().map_err(crate::engine::Failure::Property)?;
    let _guard = env
        .lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let wallets = env.vault.join("wallets");
    let _ = std::fs::remove_dir_all(&wallets);
    private_dir(&wallets).map_err(crate::engine::Failure::Property)?;
    let victim_path = wallets.join(format!("{VICTIM_ID}.json"));
    write_private(&victim_path, &env.victim).map_err(crate::engine::Failure::Property)?;
    write_private(&wallets.join(format!("{}.json", env.input_id)), input)
        .map_err(crate::engine::Failure::Property)?;

    let _ = std::fs::remove_file(env.vault.join("logs").join("audit.jsonl"));
    let vault = Vault::open(Some(&env.vault));
    let mut label = Vec::new();
    match vault.list_wallets() {
        Err(e) => label.push(format!("list:{}", e.code())),
        Ok(list) => {
            label.push(format!("list:{}", list.len()));
            for w in list
                .iter()
                .filter(|w| w.name != "victim" || w.id != VICTIM_ID)
            {
                match vault.get_wallet(&w.id) {
                    Ok(got) if got.id == w.id => {}
                    other => {
                        return violated(format!(
                            "a listed wallet is not found by its id: {:?} gives {:?}",
                            text(w.id.as_bytes()),
                            other.map(|g| g.id)
                        ));
                    }
                }
                let renamed = vault.rename_wallet(&w.id, "renamed by the fuzzer");
                label.push(format!(
                    "rename:{}",
                    renamed.map_or_else(|e| e.code(), |()| "ok")
                ));
                let deleted = vault.delete_wallet(&w.id);
                label.push(format!(
                    "delete:{}",
                    deleted.map_or_else(|e| e.code(), |()| "ok")
                ));
            }
        }
    }
    // The victim wallet is another wallet: nothing done to the input's may change it.
    if std::fs::read(&victim_path).ok().as_deref() != Some(env.victim.as_slice()) {
        return violated("the victim wallet's file was changed or removed");
    }
    for (path, content) in &env.canaries {
        if std::fs::read(path).ok().as_deref() != Some(content.as_slice()) {
            return violated(format!(
                "a file outside wallets/ was changed or removed: {}",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
        }
    }
    let mut outside = Vec::new();
    if let Some(root) = env.outer.parent() {
        files_outside_wallets(&env.outer, root, &mut outside);
    }
    if let Some(p) = outside.iter().find(|p| !env.canaries.contains_key(*p)) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = std::fs::remove_file(p);
        return violated(format!("a file was written outside wallets/: {name}"));
    }
    Ok(label.join(" "))
}
