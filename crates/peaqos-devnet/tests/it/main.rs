//! The integration tests of `peaqos-devnet`, one binary (one link on 2 cores; see DESIGN.md §7).

mod dev_methods;
mod devnet;
mod differential_anvil;
mod foundry_cli;
mod hardening;
mod history;
mod http_limits;
mod interop_official_sdk;
mod js_clients;
mod raw_http;
mod rpc_envelope;
mod trace;
mod ws;
