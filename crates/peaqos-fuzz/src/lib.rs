#![doc = include_str!("../README.md")]

pub mod engine;
pub mod mutate;
pub mod rng;
pub mod targets;

pub use engine::{Failure, Options, Report, execute, fuzz};
pub use targets::{Target, all as all_targets, by_name as target};

/// The folder of committed regression inputs: `regressions/<target>/*.bin`.
pub fn regressions_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions")
}
