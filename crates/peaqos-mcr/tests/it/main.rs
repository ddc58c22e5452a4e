//! The integration tests of `peaqos-mcr`, one binary (one link on 2 cores; see DESIGN.md §7).

mod api;
mod common;
mod day_summaries;
mod fx;
mod hardening;
mod http_limits;
mod indexer;
mod interop;
