//! Tests in which the official peaqOS clients drive our stack: the Python interpreter of the
//! venv with the official SDK, the official CLI, and running a script under a time limit.
//!
//! The venv is `<workspace>/.venv-interop` unless `PEAQOS_INTEROP_PYTHON` names another
//! interpreter:
//!
//! ```text
//! python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0
//! ```

use std::{
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    thread,
    time::{Duration, Instant},
};

use peaqos_types::constants::{
    ENV_GAS_STATION_URL, ENV_MCR_API_URL, ENV_NETWORK, ENV_OWS_WALLET, ENV_PRIVATE_KEY,
    ENV_RPC_URL, OPTIONAL_ADDRESS_ENV_VARS, REQUIRED_ADDRESS_ENV_VARS,
};

/// The official SDK release (`peaq-os-sdk` on PyPI) the wire contract was derived from.
pub const OFFICIAL_SDK_VERSION: &str = "0.1.0";

/// How to create the venv (run from the workspace root).
const VENV_HINT: &str =
    "python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0";

/// The variable naming the official CLI's `peaqos` entry point.
pub const OFFICIAL_CLI_VAR: &str = "PEAQOS_INTEROP_PEAQOS_CLI";

/// The variable that overrides the interpreter (default `<workspace>/.venv-interop/bin/python`).
const PYTHON_VAR: &str = "PEAQOS_INTEROP_PYTHON";

/// Variables besides the contract addresses that a script must take from the devnet's `.env`
/// (or not at all), never from the caller's shell.
const SETTINGS_VARS: [&str; 7] = [
    ENV_PRIVATE_KEY,
    ENV_RPC_URL,
    ENV_MCR_API_URL,
    ENV_NETWORK,
    ENV_GAS_STATION_URL,
    ENV_OWS_WALLET,
    "OWS_PASSPHRASE",
];

/// Set for every script: no analytics (there is no network), unbuffered output, no `.pyc`.
const SCRIPT_ENV: [(&str, &str); 4] = [
    ("DO_NOT_TRACK", "1"),
    ("PEAQOS_TELEMETRY", "0"),
    ("PYTHONUNBUFFERED", "1"),
    ("PYTHONDONTWRITEBYTECODE", "1"),
];

/// The interpreter of the venv with the official SDK, once it is known to import
/// `peaq_os_sdk` [`OFFICIAL_SDK_VERSION`]; otherwise why not, with how to create the venv.
pub fn official_sdk_python() -> Result<PathBuf, String> {
    let python = match std::env::var_os(PYTHON_VAR) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => crate::workspace_root().join(".venv-interop/bin/python"),
    };
    let version = installed_sdk_version(&python).map_err(|why| {
        format!(
            "the interop venv is missing or broken ({why}).\nCreate it from the workspace root \
             ({}):\n    {VENV_HINT}\nor point {PYTHON_VAR} at a python that has \
             peaq-os-sdk=={OFFICIAL_SDK_VERSION}.",
            crate::workspace_root().display()
        )
    })?;
    if version != OFFICIAL_SDK_VERSION {
        return Err(format!(
            "{} has peaq-os-sdk {version}; the tests need exactly {OFFICIAL_SDK_VERSION}:\n    \
             {VENV_HINT}",
            python.display()
        ));
    }
    Ok(python)
}

/// The installed `peaq-os-sdk` version, or why the interpreter cannot provide it.
fn installed_sdk_version(python: &Path) -> Result<String, String> {
    if !python.exists() {
        return Err(format!("{} does not exist", python.display()));
    }
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m, peaq_os_sdk; print(m.version('peaq-os-sdk'))",
        ])
        .envs(SCRIPT_ENV)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} cannot import peaq_os_sdk: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// What a run of a script produced.
#[derive(Debug)]
pub struct ScriptOutput {
    /// The exit status (`None` if it could not be collected after a kill).
    pub status: Option<ExitStatus>,
    /// Whether the script was killed at its time limit.
    pub timed_out: bool,
    /// Standard output, line by line.
    pub stdout: Vec<String>,
    /// Standard error, line by line.
    pub stderr: Vec<String>,
}

impl ScriptOutput {
    /// The counts of the script's summary line, `{tag}: N passed, M failed` (the last one).
    pub fn summary(&self, tag: &str) -> Option<(usize, usize)> {
        let prefix = format!("{tag}: ");
        let line = self.stdout.iter().rev().find(|l| l.starts_with(&prefix))?;
        let (passed, failed) = line.strip_prefix(&prefix)?.split_once(", ")?;
        Some((
            passed.strip_suffix(" passed")?.parse().ok()?,
            failed.strip_suffix(" failed")?.parse().ok()?,
        ))
    }

    /// Checks the report of a script that prints `ok …` or `FAIL …` per check and ends with
    /// `{tag}: N passed, M failed`: finished in time, no failure, one `ok` line per pass, at
    /// least `min_checks` passes (fewer means part of it did not run), exit status 0. Returns
    /// the number of passes, or what is wrong.
    pub fn check_report(&self, tag: &str, min_checks: usize) -> Result<usize, String> {
        if self.timed_out {
            return Err(format!("the {tag} script did not finish in time"));
        }
        let failures: Vec<&str> = self
            .stdout
            .iter()
            .filter(|l| l.starts_with("FAIL "))
            .map(String::as_str)
            .collect();
        let (passed, failed) = self.summary(tag).ok_or_else(|| {
            format!(
                "no `{tag}: N passed, M failed` line; status {:?}",
                self.status
            )
        })?;
        if (failed, failures.len()) != (0, 0) {
            return Err(format!(
                "the {tag} script reports {failed} failures:\n{}",
                failures.join("\n")
            ));
        }
        let oks = self.stdout.iter().filter(|l| l.starts_with("ok ")).count();
        if oks != passed {
            return Err(format!(
                "the summary says {passed} passed but there are {oks} `ok` lines"
            ));
        }
        if passed < min_checks {
            return Err(format!(
                "only {passed} checks ran, expected at least {min_checks}: part of the {tag} \
                 script did not run"
            ));
        }
        if !self.status.is_some_and(|s| s.success()) {
            return Err(format!("the {tag} script exited with {:?}", self.status));
        }
        Ok(passed)
    }
}

/// Runs `python script` in `dir` with `env` (and without the peaqOS settings and contract
/// addresses of the caller's shell: those come from the devnet's `.env`), echoing its output
/// line by line to stderr (`--nocapture` shows it live) and killing it (only this child) after
/// `timeout`. The child is waited for on a blocking thread, so a devnet on the same runtime
/// keeps serving.
pub async fn run_python_script(
    python: &Path,
    script: &Path,
    dir: &Path,
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<ScriptOutput, String> {
    let (python, script, dir) = (python.to_owned(), script.to_owned(), dir.to_owned());
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    tokio::task::spawn_blocking(move || run_blocking(&python, &script, &dir, &env, timeout))
        .await
        .map_err(|e| format!("the script runner failed: {e}"))?
}

/// [`run_python_script`] on the calling thread.
fn run_blocking(
    python: &Path,
    script: &Path,
    dir: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<ScriptOutput, String> {
    let tag = script
        .file_stem()
        .map_or_else(|| "script".into(), |s| s.to_string_lossy());
    let mut cmd = Command::new(python);
    cmd.arg(script).current_dir(dir);
    for var in SETTINGS_VARS
        .into_iter()
        .chain(REQUIRED_ADDRESS_ENV_VARS)
        .chain(OPTIONAL_ADDRESS_ENV_VARS)
    {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .envs(env.iter().map(|(k, v)| (k, v)))
        .envs(SCRIPT_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", script.display()))?;
    let stdout = child.stdout.take().map(|s| pump(s, tag.to_string()));
    let stderr = child
        .stderr
        .take()
        .map(|s| pump(s, format!("{tag}:stderr")));
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (Some(status), false),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                let _ = child.kill();
                break (child.wait().ok(), true);
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot poll {}: {e}", script.display()));
            }
        }
    };
    let lines = |h: Option<thread::JoinHandle<Vec<String>>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(ScriptOutput {
        status,
        timed_out,
        stdout: lines(stdout),
        stderr: lines(stderr),
    })
}

/// Forwards a child's stream line by line to stderr as `[tag] line` and keeps the lines.
fn pump(stream: impl Read + Send + 'static, tag: String) -> thread::JoinHandle<Vec<String>> {
    thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            eprintln!("[{tag}] {line}");
            lines.push(line);
        }
        lines
    })
}

/// The official `peaqos` CLI (`peaq-os-cli==0.0.2`) of the interop venv: `PEAQOS_INTEROP_PEAQOS_CLI`,
/// or `<workspace>/.venv-interop/bin/peaqos`; panics with how to install it when missing.
pub fn official_cli() -> PathBuf {
    let path = std::env::var_os(OFFICIAL_CLI_VAR)
        .filter(|p| !p.is_empty())
        .map_or_else(
            || crate::workspace_root().join(".venv-interop/bin/peaqos"),
            PathBuf::from,
        );
    assert!(
        path.exists(),
        "the official CLI is not at {}: {VENV_HINT} peaq-os-cli==0.0.2 (or set {OFFICIAL_CLI_VAR})",
        path.display()
    );
    path
}

/// The interop venv's interpreter, checked to import `module` (e.g. `ows` for the
/// open-wallet-standard package); panics with how to install it.
pub fn python_with(module: &str) -> PathBuf {
    let python = std::env::var_os(PYTHON_VAR)
        .filter(|p| !p.is_empty())
        .map_or_else(
            || crate::workspace_root().join(".venv-interop/bin/python"),
            PathBuf::from,
        );
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .envs(SCRIPT_ENV)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{} cannot import {module}: create the interop venv (scripts/test.sh does) or set {PYTHON_VAR}",
        python.display()
    );
    python
}
