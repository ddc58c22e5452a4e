//! Development helpers: where this repository's tools live.

use std::path::PathBuf;

/// The anvil binary used by tests and benchmarks: `PEAQOS_ANVIL` if set, otherwise the npm
/// `@foundry-rs/anvil-linux-amd64` binary that `npm ci` in `contracts/` installs.
pub fn anvil_path() -> PathBuf {
    std::env::var_os("PEAQOS_ANVIL").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
            ))
        },
        PathBuf::from,
    )
}
