//! The integration tests of `peaqos-wallet`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod hostile_files;
mod interop;
mod known_answers;
mod no_secret_leaks;
mod security;
