//! The integration tests of `peaqos-mcr`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod api;
mod indexer;
mod interop;
