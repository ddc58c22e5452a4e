//! alloy `sol!` bindings of every peaqOS contract, generated from the committed artifacts
//! (`artifacts/<Name>.json`), plus hand-written interfaces of the peaq precompiles.
//!
//! Each contract module (e.g. [`IdentityRegistry`]) holds the call/event/error types, the
//! `BYTECODE` / `DEPLOYED_BYTECODE` constants, `new(address, provider)` for an instance and
//! `deploy` / `deploy_builder` for a fresh deployment.
//!
//! The generated items mirror the ABI one to one and carry no docs of their own; read the
//! Solidity sources in `contracts/src` (or the docs embedded in each module) for their meaning.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    clippy::too_many_arguments
)]

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    IdentityRegistry,
    "artifacts/IdentityRegistry.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    IdentityStaking,
    "artifacts/IdentityStaking.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    EventRegistry,
    "artifacts/EventRegistry.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MachineNFT,
    "artifacts/MachineNFT.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    AdminFlags,
    "artifacts/AdminFlags.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MachineAccountFactory,
    "artifacts/MachineAccountFactory.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MachineSmartAccount,
    "artifacts/MachineSmartAccount.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MachineNFTAdapter,
    "artifacts/MachineNFTAdapter.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    MachineNFTBase,
    "artifacts/MachineNFTBase.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    DIDStandin,
    "artifacts/DIDStandin.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    WPEAQStandin,
    "artifacts/WPEAQStandin.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    ERC1967Proxy,
    "artifacts/ERC1967Proxy.json"
);

alloy::sol! {
    /// The DID precompile at `0x…0800`, as the peaq chain implements it.
    ///
    /// Unlike the `DIDPrecompile.json` ABI shipped with the peaqOS SDK, the events have **no
    /// indexed fields**: the precompile emits `log1` (topic0 only) with every field in `data`,
    /// and `validity` is the relative `validity_for` argument. There is no `EntryNotFound`
    /// error either: a missing attribute reverts with `Error("Cannot find the item")`.
    /// `validity` counts blocks (0 = never expires); `created` is in milliseconds.
    #[sol(rpc, abi)]
    #[derive(Debug)]
    interface DIDPrecompile {
        struct Attribute {
            bytes name;
            bytes value;
            uint32 validity;
            uint256 created;
        }

        event AddAttribute(address sender, address did_account, bytes name, bytes value, uint32 validity);
        event UpdateAttribute(address sender, address did_account, bytes name, bytes value, uint32 validity);
        event RemoveAttribute(address did_account, bytes name);

        function readAttribute(address didAccount, bytes name) external view returns (Attribute memory);
        function addAttribute(address didAccount, bytes name, bytes value, uint32 validityFor) external returns (bool);
        function updateAttribute(address didAccount, bytes name, bytes value, uint32 validityFor) external returns (bool);
        function removeAttribute(address didAccount, bytes name) external returns (bool);

        function read_attribute(address didAccount, bytes name) external view returns (Attribute memory);
        function add_attribute(address didAccount, bytes name, bytes value, uint32 validityFor) external returns (bool);
        function update_attribute(address didAccount, bytes name, bytes value, uint32 validityFor) external returns (bool);
        function remove_attribute(address didAccount, bytes name) external returns (bool);
    }
}

alloy::sol! {
    /// The Batch precompile at `0x…0805` (Moonbeam-derived).
    ///
    /// Subcalls run with `msg.sender` = the batch's caller, which must be an EOA; at most 512
    /// entries per array. `value`, `callData` and `gasLimit` may be shorter than `to` (missing
    /// entries: 0, empty, all remaining gas); a `gasLimit` of 0 forwards all remaining gas.
    #[sol(rpc, abi)]
    #[derive(Debug)]
    interface BatchPrecompile {
        event SubcallSucceeded(uint256 index);
        event SubcallFailed(uint256 index);

        /// Attempts every subcall; failures are skipped.
        function batchSome(address[] to, uint256[] value, bytes[] callData, uint64[] gasLimit) external;
        /// Stops at the first failing subcall; the batch itself succeeds.
        function batchSomeUntilFailure(address[] to, uint256[] value, bytes[] callData, uint64[] gasLimit) external;
        /// Reverts the whole batch if any subcall fails.
        function batchAll(address[] to, uint256[] value, bytes[] callData, uint64[] gasLimit) external;
    }
}

alloy::sol! {
    /// The `Ownable` surface shared by the core contracts and OpenZeppelin's `UpgradeableBeacon`.
    #[sol(rpc, abi)]
    #[derive(Debug)]
    interface Ownable {
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
        function owner() external view returns (address);
        function transferOwnership(address newOwner) external;
    }
}
