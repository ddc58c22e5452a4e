//! The integration tests of `peaqos-wallet`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod interop;
mod known_answers;
mod no_secret_leaks;
mod security;
