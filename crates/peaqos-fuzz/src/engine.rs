//! The fuzz loop: a seed corpus, mutated with a seeded [`Rng`], each input run through its
//! target under `catch_unwind`, timed, and kept in the corpus when it produced an outcome not
//! seen before (a cheap, coverage-free feedback). Panics, broken properties and inputs slower
//! than the limit are findings; each distinct finding's input is written to the crash folder.

use std::{
    collections::{BTreeMap, BTreeSet},
    panic::{self, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, Once,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    mutate,
    rng::{Rng, fnv1a},
    targets::Target,
};

/// Default time per target, in seconds.
pub const DEFAULT_SECONDS: u64 = 10;
/// Default largest input, in bytes.
pub const DEFAULT_MAX_LEN: usize = 16 * 1024;
/// Default time above which one input is a finding (checked twice, so a hiccup of a busy
/// machine is not one).
pub const DEFAULT_SLOW: Duration = Duration::from_secs(1);
/// Default time after which one input is taken as a hang: it is saved and the process exits
/// (a hang cannot be interrupted in process).
pub const DEFAULT_HANG: Duration = Duration::from_secs(60);
/// Most inputs kept in the corpus of one target.
pub const MAX_CORPUS: usize = 4096;
/// Exit status when a hang was detected.
pub const HANG_EXIT_CODE: i32 = 3;

/// How to fuzz.
#[derive(Debug, Clone)]
pub struct Options {
    /// Time per target.
    pub duration: Duration,
    /// Stop after this many inputs per target (whichever comes first).
    pub max_execs: Option<u64>,
    /// The run's seed (each target derives its own from it and its name).
    pub seed: u64,
    /// Largest input.
    pub max_len: usize,
    /// Slow-input limit.
    pub slow: Duration,
    /// Hang limit.
    pub hang: Duration,
    /// Where finding inputs go: `<crash_dir>/<target>/<hash>.bin` (+ `.txt` with the message).
    pub crash_dir: PathBuf,
}

impl Options {
    /// Defaults with `crash_dir`.
    pub fn new(crash_dir: PathBuf) -> Self {
        Self {
            duration: Duration::from_secs(DEFAULT_SECONDS),
            max_execs: None,
            seed: 0,
            max_len: DEFAULT_MAX_LEN,
            slow: DEFAULT_SLOW,
            hang: DEFAULT_HANG,
            crash_dir,
        }
    }
}

/// Why an input failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The code under test panicked (the message and location).
    Panic(String),
    /// A property of the target did not hold.
    Property(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Panic(m) => write!(f, "panic: {m}"),
            Self::Property(m) => write!(f, "property violated: {m}"),
        }
    }
}

/// The result of one input: the outcome label, or a failure.
pub type ExecResult = Result<String, Failure>;

/// One finding of a run.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What happened.
    pub message: String,
    /// Where the input was written (`None` when it could not be).
    pub path: Option<PathBuf>,
}

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// The target's seed.
    pub seed: u64,
    /// Inputs run.
    pub execs: u64,
    /// Time spent running them (setup excluded).
    pub elapsed: Duration,
    /// Distinct findings.
    pub findings: Vec<Finding>,
    /// Corpus size at the end.
    pub corpus: usize,
    /// The distinct outcomes seen (what the inputs reached).
    pub outcomes: Vec<String>,
}

impl Report {
    /// Inputs per second.
    pub fn execs_per_sec(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.execs as f64 / secs
        } else {
            0.0
        }
    }
}

// ------------------------------------------------------------------------- panic capture

/// True while an input runs: panics are recorded instead of printed.
static CAPTURING: AtomicBool = AtomicBool::new(false);
/// Panics recorded while capturing (from any thread: a handler's task may panic elsewhere).
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static HOOK: Once = Once::new();

/// Installs (once) a panic hook that records panics while an input runs and otherwise hands
/// them to the previous hook.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.load(Ordering::SeqCst) {
                let payload = info.payload();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string panic payload)".into());
                let location = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                if let Ok(mut p) = PANICS.lock() {
                    p.push(format!("{message}{location}"));
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `input` through `target`, catching panics (also those of other threads meanwhile).
pub fn execute(target: &Target, input: &[u8]) -> ExecResult {
    install_hook();
    if let Ok(mut p) = PANICS.lock() {
        p.clear();
    }
    CAPTURING.store(true, Ordering::SeqCst);
    let result = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    CAPTURING.store(false, Ordering::SeqCst);
    let recorded = PANICS
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default();
    match result {
        Err(_) => Err(Failure::Panic(
            recorded.first().cloned().unwrap_or_else(|| "panic".into()),
        )),
        Ok(_) if !recorded.is_empty() => Err(Failure::Panic(format!(
            "in another thread: {}",
            recorded[0]
        ))),
        Ok(r) => r,
    }
}

/// A finding's identity: its message with numbers and hex runs blurred, so one bug is counted
/// once whatever the input's values.
pub fn signature(message: &str) -> String {
    let mut out = String::new();
    let mut in_token = false;
    for c in message.chars().take(240) {
        if c.is_ascii_hexdigit() {
            if !in_token {
                out.push('#');
                in_token = true;
            }
        } else {
            in_token = false;
            out.push(c);
        }
    }
    out
}

/// The identity of a failure: a panic's location (or blurred message), a property's kind
/// (its message up to the first `": "`).
pub fn failure_signature(failure: &Failure) -> String {
    match failure {
        Failure::Panic(m) => match m.rfind(" at ") {
            Some(i) => format!("panic{}", &m[i..]),
            None => format!("panic {}", signature(m)),
        },
        Failure::Property(m) => signature(m.split(": ").next().unwrap_or(m)),
    }
}

/// Writes a finding's input to `<dir>/<target>/<hash>.bin` and its message to `.txt`.
pub fn save_input(dir: &Path, target: &str, input: &[u8], note: &str) -> Option<PathBuf> {
    let folder = dir.join(target);
    std::fs::create_dir_all(&folder).ok()?;
    let path = folder.join(format!("{:016x}.bin", fnv1a(input)));
    std::fs::write(&path, input).ok()?;
    let _ = std::fs::write(path.with_extension("txt"), note);
    Some(path)
}

// ------------------------------------------------------------------------- watchdog

/// The input running now and when it started, for the hang watchdog.
struct Current {
    started: Instant,
    input: Vec<u8>,
}

/// Starts a thread that saves the running input and exits the process when one input runs
/// longer than `opts.hang`; the returned flag stops it.
fn watchdog(
    target: &'static str,
    seed: u64,
    opts: &Options,
    current: Arc<Mutex<Option<Current>>>,
) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (hang, dir, stopped) = (opts.hang, opts.crash_dir.clone(), stop.clone());
    std::thread::spawn(move || {
        while !stopped.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let Ok(guard) = current.lock() else { return };
            if let Some(c) = guard.as_ref()
                && c.started.elapsed() > hang
            {
                let note = format!(
                    "target {target}, seed {seed:#x}: hang: one input ran longer than {hang:?}\n"
                );
                let path = save_input(&dir, target, &c.input, &note);
                eprintln!(
                    "[{target}] HANG: one input ran longer than {hang:?}; input: {}",
                    path.map_or_else(|| "(not written)".into(), |p| p.display().to_string())
                );
                std::process::exit(HANG_EXIT_CODE);
            }
        }
    });
    stop
}

// ------------------------------------------------------------------------- the loop

/// Fuzzes `target` for `opts.duration` (after its setup).
pub fn fuzz(target: &Target, opts: &Options) -> Result<Report, String> {
    (target.prepare)()?;
    let seed = opts.seed ^ fnv1a(target.name.as_bytes());
    let mut rng = Rng::new(seed);
    let mut corpus: Vec<Vec<u8>> = (target.seeds)();
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let current = Arc::new(Mutex::new(None));
    let stop = watchdog(target.name, seed, opts, current.clone());
    let mut outcomes: BTreeSet<String> = BTreeSet::new();
    let mut findings: BTreeMap<String, Finding> = BTreeMap::new();
    let mut execs = 0u64;
    let started = Instant::now();
    let seeds = corpus.len();
    let mut i = 0usize;
    loop {
        if started.elapsed() >= opts.duration && i >= seeds
            || opts.max_execs.is_some_and(|m| execs >= m)
        {
            break;
        }
        // Every seed once, then mutants.
        let input = if i < seeds {
            corpus[i].clone()
        } else {
            let mut data = corpus[rng.below(corpus.len())].clone();
            let other = corpus[rng.below(corpus.len())].clone();
            for _ in 0..=rng.below(4) {
                if !(target.json_aware
                    && rng.one_in(2)
                    && mutate::mutate_json(&mut rng, &mut data, target.dictionary, opts.max_len))
                {
                    mutate::mutate_bytes(
                        &mut rng,
                        &mut data,
                        &other,
                        target.dictionary,
                        opts.max_len,
                    );
                }
            }
            data
        };
        i += 1;
        let result = timed(&current, target, &input);
        execs += 1;
        let (result, took) = match result {
            (Ok(outcome), took) if took > opts.slow => {
                // Once more: a busy machine is not a slow input.
                let (again, took2) = timed(&current, target, &input);
                execs += 1;
                match again {
                    Ok(_) if took2 > opts.slow => (
                        Err(Failure::Property(format!(
                            "slow input: {} ms and {} ms (limit {} ms), outcome {outcome}",
                            took.as_millis(),
                            took2.as_millis(),
                            opts.slow.as_millis()
                        ))),
                        took2,
                    ),
                    other => (other, took2),
                }
            }
            other => other,
        };
        let _ = took;
        match result {
            Ok(outcome) => {
                if outcomes.insert(outcome) && i > seeds {
                    if corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    } else {
                        let j = rng.below(corpus.len());
                        corpus[j] = input;
                    }
                }
            }
            Err(failure) => {
                let message = failure.to_string();
                let sig = failure_signature(&failure);
                if let std::collections::btree_map::Entry::Vacant(slot) = findings.entry(sig) {
                    let note = format!("target {}, seed {seed:#x}: {message}\n", target.name);
                    let path = save_input(&opts.crash_dir, target.name, &input, &note);
                    eprintln!(
                        "[{}] FINDING: {message}\n    input: {}",
                        target.name,
                        path.as_ref()
                            .map_or_else(|| "(not written)".into(), |p| p.display().to_string())
                    );
                    slot.insert(Finding { message, path });
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    Ok(Report {
        target: target.name,
        seed,
        execs,
        elapsed: started.elapsed(),
        findings: findings.into_values().collect(),
        corpus: corpus.len(),
        outcomes: outcomes.into_iter().collect(),
    })
}

/// [`execute`], timed and visible to the watchdog.
fn timed(
    current: &Mutex<Option<Current>>,
    target: &Target,
    input: &[u8],
) -> (ExecResult, Duration) {
    if let Ok(mut c) = current.lock() {
        *c = Some(Current {
            started: Instant::now(),
            input: input.to_vec(),
        });
    }
    let t = Instant::now();
    let result = execute(target, input);
    let took = t.elapsed();
    if let Ok(mut c) = current.lock() {
        *c = None;
    }
    (result, took)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_blur_numbers() {
        assert_eq!(
            signature("index 12 out of range for len 0x1f"),
            signature("index 7 out of range for len 0x2")
        );
    }
}
