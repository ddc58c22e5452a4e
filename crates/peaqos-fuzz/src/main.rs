//! `peaqos-fuzz`: runs the fuzz targets for a bounded time each.
#![allow(clippy::print_stdout)]

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use peaqos_fuzz::{Options, engine, regressions_dir};

/// Time-bounded property fuzzing of every peaqOS parser that takes outside input.
///
/// Each target feeds mutated inputs (from a seed corpus of valid ones) to the real parser or
/// handler and checks its properties: no panic, no input slower than --slow-ms, and the
/// target's own invariants (round trips, documented response shapes). A finding's input is
/// written to <crash-dir>/<target>/<hash>.bin with its message in <hash>.txt; the exit status
/// is 1 when anything was found (3 on a hang, which stops the run).
///
/// Examples:
///   peaqos-fuzz --list
///   peaqos-fuzz --seconds 20                      every target, 20 s each
///   peaqos-fuzz --seed 0x2a did ss58              two targets, reproducible mutations
///   peaqos-fuzz --replay jsonrpc regressions/jsonrpc/0123abcd.bin
///
/// A finding becomes a regression test by committing its .bin file under
/// crates/peaqos-fuzz/regressions/<target>/ once it is fixed: `cargo test -p peaqos-fuzz`
/// replays every such file (and every seed) through its target.
#[derive(Debug, Parser)]
#[command(name = "peaqos-fuzz", verbatim_doc_comment)]
struct Args {
    /// Seconds per target (env PEAQOS_FUZZ_SECS).
    #[arg(long, env = "PEAQOS_FUZZ_SECS", default_value_t = engine::DEFAULT_SECONDS)]
    seconds: u64,
    /// Stop a target after this many inputs (whichever of this and --seconds comes first).
    #[arg(long)]
    max_execs: Option<u64>,
    /// The run's seed, decimal or 0x-hex (default: from the clock; printed either way).
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// Largest input, in bytes.
    #[arg(long, default_value_t = engine::DEFAULT_MAX_LEN)]
    max_len: usize,
    /// An input slower than this (twice in a row) is a finding, in milliseconds.
    #[arg(long, default_value_t = u64::try_from(engine::DEFAULT_SLOW.as_millis()).unwrap_or(1000))]
    slow_ms: u64,
    /// An input running longer than this is a hang: it is saved and the run stops, in seconds.
    #[arg(long, default_value_t = engine::DEFAULT_HANG.as_secs())]
    hang_secs: u64,
    /// Where finding inputs are written (default: the crate's regressions/ folder).
    #[arg(long)]
    crash_dir: Option<PathBuf>,
    /// Print every distinct outcome each target reached.
    #[arg(long)]
    show_outcomes: bool,
    /// List the targets and exit.
    #[arg(long)]
    list: bool,
    /// Run the given input files through the first TARGET instead of fuzzing.
    #[arg(long)]
    replay: bool,
    /// Targets to run (default: all); with --replay, the target then the files.
    targets: Vec<String>,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let targets = peaqos_fuzz::all_targets();
    if args.list {
        for t in &targets {
            println!(
                "{:<18} {}",
                t.name,
                t.about.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
        return ExitCode::SUCCESS;
    }
    if args.replay {
        return replay(&args.targets);
    }
    let chosen: Vec<_> = if args.targets.is_empty() {
        targets
    } else {
        let mut chosen = Vec::new();
        for name in &args.targets {
            match peaqos_fuzz::target(name) {
                Some(t) => chosen.push(t),
                None => {
                    eprintln!("unknown target {name:?} (see --list)");
                    return ExitCode::from(2);
                }
            }
        }
        chosen
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| {
                u64::try_from(d.as_nanos() & u128::from(u64::MAX)).unwrap_or(0)
            })
    });
    let opts = Options {
        duration: Duration::from_secs(args.seconds),
        max_execs: args.max_execs,
        seed,
        max_len: args.max_len,
        slow: Duration::from_millis(args.slow_ms),
        hang: Duration::from_secs(args.hang_secs),
        crash_dir: args.crash_dir.clone().unwrap_or_else(regressions_dir),
    };
    println!(
        "peaqos-fuzz: seed {seed:#x}, {} s per target, findings to {}",
        args.seconds,
        opts.crash_dir.display()
    );
    println!(
        "{:<18} {:>9} {:>9} {:>7} {:>8} {:>8}",
        "target", "execs", "execs/s", "corpus", "outcomes", "findings"
    );
    let mut total = 0;
    let mut failed_setup = false;
    for t in &chosen {
        match peaqos_fuzz::fuzz(t, &opts) {
            Ok(r) => {
                println!(
                    "{:<18} {:>9} {:>9.0} {:>7} {:>8} {:>8}",
                    r.target,
                    r.execs,
                    r.execs_per_sec(),
                    r.corpus,
                    r.outcomes.len(),
                    r.findings.len()
                );
                if args.show_outcomes {
                    for o in &r.outcomes {
                        println!("    outcome: {o}");
                    }
                }
                for f in &r.findings {
                    println!(
                        "    {}\n      input: {}",
                        f.message,
                        f.path
                            .as_ref()
                            .map_or_else(|| "(not written)".into(), |p| p.display().to_string())
                    );
                }
                total += r.findings.len();
            }
            Err(e) => {
                println!("{:<18} setup failed: {e}", t.name);
                failed_setup = true;
            }
        }
    }
    println!("seed {seed:#x}: {total} finding(s)");
    if total > 0 || failed_setup {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `--replay TARGET FILE…`.
fn replay(args: &[String]) -> ExitCode {
    let Some((name, files)) = args.split_first() else {
        eprintln!("--replay needs a TARGET and input files");
        return ExitCode::from(2);
    };
    let Some(target) = peaqos_fuzz::target(name) else {
        eprintln!("unknown target {name:?} (see --list)");
        return ExitCode::from(2);
    };
    if let Err(e) = (target.prepare)() {
        eprintln!("setup failed: {e}");
        return ExitCode::FAILURE;
    }
    let mut failed = false;
    for file in files {
        match std::fs::read(file) {
            Ok(input) => match peaqos_fuzz::execute(&target, &input) {
                Ok(outcome) => println!("{file}: ok ({outcome})"),
                Err(f) => {
                    println!("{file}: {f}");
                    failed = true;
                }
            },
            Err(e) => {
                println!("{file}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
