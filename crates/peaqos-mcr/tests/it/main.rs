//! The integration tests of `peaqos-mcr`, one binary (one link on 2 cores; see DESIGN.md §7).

mod api;
mod common;
mod day_summaries;
mod failover;
mod fx;
mod hardening;
mod history;
mod http_limits;
mod indexer;
mod interop;
mod ui;
