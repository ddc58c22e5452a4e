//! Built-in network presets for `peaqos init` and `peaqos dev` (no download): the names map to
//! the presets of `peaqos-types` ([`Network::preset`]).

use peaqos_types::Network;

/// What `init` writes for one network.
pub(crate) use peaqos_types::NetworkPreset as Preset;

/// Network names `init` accepts.
pub(crate) const NETWORKS: [&str; 3] = Preset::NAMES;

/// The preset for `name` (`mainnet`/`peaq`, `testnet`/`agung`, `local`/`devnet`, any case).
pub(crate) fn preset(name: &str) -> Option<Preset> {
    name.parse::<Network>().ok().map(Network::preset)
}
