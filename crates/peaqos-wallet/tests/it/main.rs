//! The integration tests of `peaqos-wallet`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod devnet_signing;
mod interop;
mod known_answers;
mod no_secret_leaks;
mod sdk_helpers;
mod security;
