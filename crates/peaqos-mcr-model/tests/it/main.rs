//! The integration tests of `peaqos-mcr-model`, one binary (one link on 2 cores; see DESIGN.md §7).

mod common;
mod fx;
mod model;
mod properties;
