//! The integration tests of `peaqos-gas-station`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod concurrency;
mod crash_safety;
mod error_codes;
mod hardening;
mod http_limits;
mod interop;
mod replicas;
mod two_factor;
