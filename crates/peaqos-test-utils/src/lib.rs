#![doc = include_str!("../README.md")]

pub mod anvil;
#[cfg(feature = "chain")]
pub mod devnet;
pub mod http_probe;
pub mod interop;
pub mod pg;
pub mod scratch;
pub mod wallet;

pub use scratch::ScratchDir;

/// One PEAQ in wei.
pub const PEAQ: u128 = 1_000_000_000_000_000_000;

/// The workspace root (where `contracts/`, `.venv-interop` and `scripts/` live).
pub fn workspace_root() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The value of `var`, or a panic naming what sets it: for `#[ignore = "needs …"]` tests, which
/// run only when the test script has provided the thing.
pub fn required_env(var: &str, hint: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!("{var} is not set: {hint}"),
    }
}
