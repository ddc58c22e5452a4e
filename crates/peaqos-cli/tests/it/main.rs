//! The integration tests of `peaqos-cli`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod e2e;
mod exit_codes;
mod interop;
mod mcr_reads;
mod stack;
mod wallet;
