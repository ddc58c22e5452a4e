//! The integration tests of `peaqos-contracts`, one binary (one link on 2 cores; see DESIGN.md §7).

mod abi_check;
mod deploy_anvil;
