//! The anvil binary: foundry's local node, our second opinion in the differential tests.

use std::path::PathBuf;

/// `PEAQOS_ANVIL` if set, otherwise the npm `@foundry-rs/anvil-linux-amd64` binary that `npm ci`
/// in `contracts/` installs.
pub fn anvil_path() -> PathBuf {
    std::env::var_os("PEAQOS_ANVIL").map_or_else(
        || {
            crate::workspace_root()
                .join("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
        },
        PathBuf::from,
    )
}

/// [`anvil_path`], or a panic saying how to install it.
pub fn require_anvil() -> PathBuf {
    let path = anvil_path();
    assert!(
        path.exists(),
        "anvil not found at {}: run `npm ci` in contracts/ (or point PEAQOS_ANVIL at an anvil \
         binary)",
        path.display()
    );
    path
}
