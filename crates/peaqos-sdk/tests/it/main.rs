//! The integration tests of `peaqos-sdk`, one binary (one link on 2 cores; see DESIGN.md §7).

mod activation;
mod admin;
mod bridge;
mod client;
mod common;
mod cross_client;
mod did_events;
mod fleet;
mod gas_station_client;
mod gas_station_funder;
mod mcr_client;
mod registration_nft;
mod reverts;
mod smart_accounts;
mod validation_table;
mod wallet_helpers;
mod wallet_signing;
