//! The integration tests of `peaqos-cli`, one binary (one link on 2 cores; see DESIGN.md §7).

#[cfg(feature = "dev")]
mod admin;
#[cfg(feature = "dev")]
mod agents;
#[cfg(feature = "dev")]
mod bridge;
#[cfg(feature = "dev")]
mod bridge_restart;
mod common;
#[cfg(feature = "dev")]
mod dashboard;
mod e2e;
mod exit_codes;
#[cfg(feature = "dev")]
mod fleet;
#[cfg(feature = "dev")]
mod interop;
mod mcr_reads;
#[cfg(feature = "dev")]
mod stack;
mod wallet;
