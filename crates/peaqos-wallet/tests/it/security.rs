//! Security properties of the vault: private modes from the first byte (even under umask 000),
//! loose vaults refused, wrong passphrases (no key material, full KDF time), empty passphrases
//! refused, concurrent writer processes, unknown fields kept, audit failures reported, secure
//! delete, passphrase and vault path from the environment.

use crate::common;
use peaqos_wallet::WalletCode;

use std::{
    collections::BTreeMap,
    fs,
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use common::{CHILD_ROLE, EVM_KEY, MNEMONIC, PASSPHRASE, mode, spawn_child, temp_vault, wait_ok};
use peaqos_wallet::{Vault, VaultSigner};

/// Not a test of its own: the body of the child processes the tests below spawn (it does
/// nothing when run directly).
/// Child processes report to the parent on stdout.
#[allow(clippy::print_stdout)]
#[test]
fn helper_child_process() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let vault_path = std::env::var("TEST_VAULT").ok().map(PathBuf::from);
    let vault = Vault::open(vault_path.as_deref());
    match role.as_str() {
        "create" => {
            vault
                .create_wallet("umask", Some(PASSPHRASE), 12)
                .expect("create");
            vault
                .import_wallet("umask-key", EVM_KEY, Some(PASSPHRASE), "evm")
                .expect("import");
        }
        "writer" => {
            let me = std::env::var("TEST_WRITER").expect("writer id");
            // Everyone races for one name; exactly one may win.
            match vault.import_wallet_mnemonic("shared", MNEMONIC, Some(PASSPHRASE), 0) {
                Ok(_) => println!("WON shared"),
                Err(e) => assert_eq!(e.kind(), WalletCode::InvalidInput, "{e}"),
            }
            vault
                .create_wallet(&format!("own-{me}"), Some(PASSPHRASE), 12)
                .expect("own wallet");
            vault
                .rename_wallet(&format!("own-{me}"), &format!("renamed-{me}"))
                .expect("rename");
        }
        "env" => {
            // Passphrase and vault path from OWS_PASSPHRASE / OWS_VAULT_PATH.
            let info = peaqos_wallet::import_wallet_mnemonic("env", MNEMONIC, None, 0, None)
                .expect("import with env passphrase");
            let phrase = peaqos_wallet::export_wallet("env", None, None).expect("export");
            assert_eq!(phrase.expose(), MNEMONIC);
            println!("ID {}", info.id);
        }
        "no-passphrase" => {
            // Run with OWS_PASSPHRASE removed from the environment.
            let err = vault.export_wallet("env", None).expect_err("no passphrase");
            assert!(err.is_validation(), "{err}");
            println!("NO PASSPHRASE: {}", err.code());
        }
        other => panic!("unknown role {other}"),
    }
}

/// User + system CPU time of the calling thread, in clock ticks (`/proc/thread-self/stat`).
fn thread_cpu_ticks() -> u64 {
    let stat = fs::read_to_string("/proc/thread-self/stat").expect("procfs");
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let entries: Vec<_> = fs::read_dir(&out[i])
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            out.extend(entries);
        }
        i += 1;
    }
    out
}

#[test]
fn files_are_private_from_the_first_byte_even_under_umask_000() {
    let (_dir, path) = temp_vault();
    let vault_str = path.to_str().expect("utf8").to_owned();
    let child = spawn_child(
        "security::helper_child_process",
        "create",
        &[("TEST_VAULT", &vault_str)],
        true,
    );
    // Watch the vault while the child writes: every file ever seen must already be private.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, path) = (stop.clone(), path.clone());
        std::thread::spawn(move || {
            let mut seen = BTreeMap::new();
            while !stop.load(Ordering::Relaxed) {
                for p in all_paths(&path) {
                    if let Ok(m) = fs::symlink_metadata(&p) {
                        let bits = m.mode() & 0o777;
                        if m.is_file() {
                            assert_eq!(
                                bits,
                                0o600,
                                "{} was {bits:o} at {} bytes",
                                p.display(),
                                m.len()
                            );
                        } else {
                            assert_eq!(bits, 0o700, "{} was {bits:o}", p.display());
                        }
                        *seen.entry(p).or_insert(0u32) += 1;
                    }
                }
            }
            seen.len()
        })
    };
    wait_ok(child);
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.join().expect("no file was ever readable by others");
    assert!(
        seen >= 4,
        "the watcher saw the vault being written ({seen} paths)"
    );
    // And the final state.
    for p in all_paths(&path) {
        let expected = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), expected, "{}", p.display());
    }
    assert_eq!(mode(&path.join("logs/audit.jsonl")), 0o600);
    assert_eq!(
        Vault::open(Some(&path)).list_wallets().expect("list").len(),
        2
    );
}

#[test]
fn loose_vaults_are_refused_with_a_clear_error() {
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let w = vault
        .import_wallet("k", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect("import");
    let file = path.join("wallets").join(format!("{}.json", w.id));
    for (target, loose, good) in [
        (path.clone(), 0o755, 0o700),
        (path.join("wallets"), 0o750, 0o700),
        (file, 0o644, 0o600),
    ] {
        fs::set_permissions(&target, fs::Permissions::from_mode(loose)).expect("chmod");
        let err = vault.list_wallets().expect_err("loose vault refused");
        assert_eq!(err.kind(), WalletCode::InsecurePermissions);
        let text = err.to_string();
        assert!(
            text.contains(&format!("{loose:o}")) && text.contains("chmod"),
            "{text}"
        );
        // Nothing is written into a loose vault either.
        assert_eq!(
            vault
                .create_wallet("new", Some(PASSPHRASE), 12)
                .expect_err("refused")
                .code(),
            "INSECURE_PERMISSIONS"
        );
        fs::set_permissions(&target, fs::Permissions::from_mode(good)).expect("chmod");
    }
    assert_eq!(vault.list_wallets().expect("fixed").len(), 1);
}

#[test]
fn wrong_passphrase_gives_no_key_material_and_takes_the_full_kdf_time() {
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    vault
        .import_wallet_mnemonic("w", MNEMONIC, Some(PASSPHRASE), 0)
        .expect("import");
    // CPU time of this thread (the KDF runs on it), best of two runs each: wall-clock time
    // would measure the load other processes put on the machine.
    let mut right = u64::MAX;
    let mut wrong = u64::MAX;
    for _ in 0..2 {
        let t = thread_cpu_ticks();
        let ok = vault
            .export_wallet("w", Some(PASSPHRASE))
            .expect("right passphrase");
        right = right.min(thread_cpu_ticks() - t);
        assert_eq!(ok.expose(), MNEMONIC);
        let t = thread_cpu_ticks();
        let err = vault
            .export_wallet("w", Some("not the passphrase"))
            .expect_err("wrong passphrase");
        wrong = wrong.min(thread_cpu_ticks() - t);
        assert_eq!(err.kind(), WalletCode::InvalidPassphrase);
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(
                !text.contains("abandon") && !text.contains(PASSPHRASE),
                "{text}"
            );
        }
    }
    // The tag is only checked after the whole scrypt run: a wrong passphrase costs as much.
    assert!(
        right >= 2,
        "the KDF takes measurable CPU time ({right} ticks)"
    );
    assert!(
        wrong * 10 >= right * 7,
        "wrong {wrong} vs right {right} CPU ticks"
    );
    // The signer fails the same way, without a signature.
    let signer = VaultSigner::new(vault.clone(), "w", Some("nope")).expect("no decryption yet");
    let err = signer
        .sign_hash_blocking(&alloy::primitives::B256::repeat_byte(1), Some(3338))
        .expect_err("wrong passphrase");
    assert_eq!(err.kind(), WalletCode::InvalidPassphrase);
    let err = vault.evm_signer("w", Some("nope")).expect_err("raw mode");
    assert_eq!(err.kind(), WalletCode::InvalidPassphrase);
}

#[test]
fn empty_and_missing_passphrases_and_bad_input_are_validation_errors() {
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let err = vault.create_wallet("e", Some(""), 12).expect_err("empty");
    assert!(
        err.is_validation() && err.kind() == WalletCode::InvalidInput,
        "{err}"
    );
    let err = vault
        .import_wallet("e", "0x1234", Some(PASSPHRASE), "evm")
        .expect_err("short key");
    assert_eq!(err.kind(), WalletCode::InvalidInput);
    let err = vault
        .import_wallet("e", EVM_KEY, Some(PASSPHRASE), "dogecoin")
        .expect_err("chain");
    assert_eq!(err.kind(), WalletCode::ChainNotSupported);
    let err = vault
        .create_wallet("e", Some(PASSPHRASE), 13)
        .expect_err("words");
    assert_eq!(err.kind(), WalletCode::InvalidInput);
    let err = vault
        .create_wallet("  ", Some(PASSPHRASE), 12)
        .expect_err("name");
    assert_eq!(err.kind(), WalletCode::InvalidInput);
    assert_eq!(
        vault.get_wallet("missing").expect_err("none").code(),
        "WALLET_NOT_FOUND"
    );
    assert_eq!(
        vault.delete_wallet("missing").expect_err("none").code(),
        "WALLET_NOT_FOUND"
    );
    // Nothing was written by the failures.
    assert!(vault.list_wallets().expect("list").is_empty());
    // Duplicate names are refused.
    vault
        .import_wallet("dup", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect("first");
    let err = vault
        .import_wallet("dup", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect_err("duplicate");
    assert_eq!(err.kind(), WalletCode::InvalidInput);
}

#[test]
fn two_processes_writing_at_once_leave_a_valid_vault() {
    let (_dir, path) = temp_vault();
    let vault_str = path.to_str().expect("utf8").to_owned();
    let children: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|me| {
            spawn_child(
                "security::helper_child_process",
                "writer",
                &[("TEST_VAULT", &vault_str), ("TEST_WRITER", me)],
                false,
            )
        })
        .collect();
    let outputs: Vec<String> = children.into_iter().map(wait_ok).collect();
    let winners = outputs.iter().filter(|o| o.contains("WON shared")).count();
    assert_eq!(winners, 1, "exactly one process creates 'shared'");

    let vault = Vault::open(Some(&path));
    let wallets = vault.list_wallets().expect("valid vault");
    let mut names: Vec<_> = wallets.iter().map(|w| w.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["renamed-a", "renamed-b", "renamed-c", "shared"]);
    // Every file in wallets/ is a complete wallet; no temp file is left behind.
    let files: Vec<_> = fs::read_dir(path.join("wallets"))
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    for f in &files {
        let v: serde_json::Value =
            serde_json::from_slice(&fs::read(f).expect("read")).expect("complete JSON");
        assert_eq!(v["ows_version"], 2);
    }
    // One audit line per successful write (1 shared + 3 creates + 3 renames), each valid JSON.
    let audit = fs::read_to_string(path.join("logs/audit.jsonl")).expect("audit");
    let ops: Vec<String> = audit
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["operation"].as_str().expect("operation").to_owned()
        })
        .collect();
    assert_eq!(ops.len(), 7, "{audit}");
    assert_eq!(ops.iter().filter(|o| *o == "rename_wallet").count(), 3);
    assert_eq!(
        vault
            .export_wallet("shared", Some(PASSPHRASE))
            .expect("export")
            .expose(),
        MNEMONIC
    );
}

#[test]
fn passphrase_and_vault_path_come_from_the_environment() {
    let (_dir, path) = temp_vault();
    let vault_str = path.to_str().expect("utf8").to_owned();
    let out = wait_ok(spawn_child(
        "security::helper_child_process",
        "env",
        &[
            ("OWS_VAULT_PATH", &vault_str),
            ("OWS_PASSPHRASE", PASSPHRASE),
        ],
        false,
    ));
    let id = out
        .lines()
        .find_map(|l| l.split_once("ID ").map(|(_, id)| id.trim()))
        .expect("child printed the id");
    let w = Vault::open(Some(&path))
        .get_wallet(id)
        .expect("in OWS_VAULT_PATH");
    assert_eq!(w.name, "env");
    // Without the env var and without an argument: a validation error, never a prompt.
    let out = wait_ok(spawn_child(
        "security::helper_child_process",
        "no-passphrase",
        &[("TEST_VAULT", &vault_str)],
        false,
    ));
    assert!(out.contains("NO PASSPHRASE: INVALID_INPUT"), "{out}");
}

#[test]
fn rename_keeps_unknown_fields_and_delete_wipes() {
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let w = vault
        .import_wallet("k", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect("import");
    let file = path.join("wallets").join(format!("{}.json", w.id));
    let mut v: serde_json::Value =
        serde_json::from_slice(&fs::read(&file).expect("read")).expect("json");
    v["future_field"] = serde_json::json!({"x": [1, 2]});
    v["metadata"] = serde_json::json!({"label": "robot"});
    v["accounts"][0]["future_account_field"] = serde_json::json!(true);
    fs::write(&file, serde_json::to_string_pretty(&v).expect("json")).expect("write");
    vault.rename_wallet("k", "k2").expect("rename");
    let after: serde_json::Value =
        serde_json::from_slice(&fs::read(&file).expect("read")).expect("json");
    assert_eq!(after["name"], "k2");
    assert_eq!(after["future_field"], v["future_field"]);
    assert_eq!(after["metadata"], v["metadata"]);
    assert_eq!(after["accounts"][0]["future_account_field"], true);
    assert_eq!(after["crypto"], v["crypto"]);
    assert_eq!(mode(&file), 0o600);

    // Delete: the file is gone, nothing else is left in wallets/, and the audit log says so.
    vault.delete_wallet(&w.id).expect("delete");
    assert!(!file.exists());
    assert_eq!(fs::read_dir(path.join("wallets")).expect("ls").count(), 0);
    let audit = fs::read_to_string(path.join("logs/audit.jsonl")).expect("audit");
    let last: serde_json::Value =
        serde_json::from_str(audit.lines().last().expect("line")).expect("json");
    assert_eq!(last["operation"], "delete_wallet");
    assert_eq!(last["wallet_id"], w.id.as_str());
    assert_eq!(last["details"], "name=k2");
}

#[test]
fn audit_log_failures_are_reported_before_anything_is_written() {
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    vault.list_wallets().expect("creates the vault");
    // A folder where the log file should be: the log cannot be opened.
    fs::create_dir_all(path.join("logs/audit.jsonl")).expect("mkdir");
    fs::set_permissions(path.join("logs"), fs::Permissions::from_mode(0o700)).expect("chmod");
    let err = vault
        .import_wallet("k", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect_err("audit log unwritable");
    assert_eq!(err.kind(), WalletCode::AuditLogFailed);
    assert!(
        vault.list_wallets().expect("list").is_empty(),
        "nothing written"
    );
}
