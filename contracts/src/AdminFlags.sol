// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";

/// @title AdminFlags: owner-set adjustments the MCR server applies to a machine's rating.
/// @notice Two kinds of flag, both owner-only and evented:
/// - a trust override: replaces the machine's trust contribution with `value`, in basis points
///   of the highest trust weight (0 ..= `MAX_TRUST_OVERRIDE` = 10000);
/// - a negative flag: the `block.timestamp` of `flagMachine`; the MCR penalises the trust
///   contribution for a fixed window from it.
/// @dev No public ABI of the deployed contract exists; this one is designed from the docs'
/// "Trust levels" page and documented in docs/contracts.md.
contract AdminFlags is Initializable, OwnableUpgradeable, UUPSUpgradeable {
    /// @notice Largest trust override: 10000 basis points = the hardware-signed weight.
    uint256 public constant MAX_TRUST_OVERRIDE = 10_000;

    /// @dev One slot per machine: override set?, its value, flag timestamp.
    struct Flags {
        bool hasTrustOverride;
        uint16 trustOverride;
        uint64 flaggedAt;
    }

    /// @custom:storage-location erc7201:peaqos.storage.AdminFlags
    struct AdminFlagsStorage {
        address identityRegistry;
        mapping(uint256 machineId => Flags) flags;
    }

    // keccak256(abi.encode(uint256(keccak256("peaqos.storage.AdminFlags")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x27b240524cd0dbdbfcff0485789c107869528bce8dd57855f5b7f274c5a13c00;

    event TrustOverrideSet(uint256 indexed machineId, uint256 value);
    event TrustOverrideCleared(uint256 indexed machineId);
    event MachineFlagged(uint256 indexed machineId, uint256 flaggedAt);
    event FlagCleared(uint256 indexed machineId);
    event IdentityRegistrySet(address indexed registry);

    error InvalidTrustOverride(uint256 value);
    error NoTrustOverride();
    error MachineNotFlagged();
    error MachineNotFound();
    error InvalidAddress();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the IdentityRegistry (machines must exist to be flagged) and the owner.
    function initialize(address _identityRegistry, address _owner) external initializer {
        if (_identityRegistry == address(0)) revert InvalidAddress();
        __Ownable_init(_owner);
        _s().identityRegistry = _identityRegistry;
        emit IdentityRegistrySet(_identityRegistry);
    }

    /// @notice Replaces the machine's trust contribution with `value` basis points.
    function setTrustOverride(uint256 machineId, uint256 value) external onlyOwner {
        if (value > MAX_TRUST_OVERRIDE) revert InvalidTrustOverride(value);
        Flags storage f = _existing(machineId);
        f.hasTrustOverride = true;
        f.trustOverride = uint16(value);
        emit TrustOverrideSet(machineId, value);
    }

    /// @notice Removes the trust override.
    function clearTrustOverride(uint256 machineId) external onlyOwner {
        Flags storage f = _s().flags[machineId];
        if (!f.hasTrustOverride) revert NoTrustOverride();
        f.hasTrustOverride = false;
        f.trustOverride = 0;
        emit TrustOverrideCleared(machineId);
    }

    /// @notice Sets the negative flag at `block.timestamp` (a re-flag restarts the window).
    function flagMachine(uint256 machineId) external onlyOwner {
        Flags storage f = _existing(machineId);
        f.flaggedAt = uint64(block.timestamp);
        emit MachineFlagged(machineId, block.timestamp);
    }

    /// @notice Lifts the negative flag early.
    function clearFlag(uint256 machineId) external onlyOwner {
        Flags storage f = _s().flags[machineId];
        if (f.flaggedAt == 0) revert MachineNotFlagged();
        f.flaggedAt = 0;
        emit FlagCleared(machineId);
    }

    /// @notice Points at a new IdentityRegistry.
    function setIdentityRegistry(address _registry) external onlyOwner {
        if (_registry == address(0)) revert InvalidAddress();
        _s().identityRegistry = _registry;
        emit IdentityRegistrySet(_registry);
    }

    /// @notice The trust override of a machine: whether one is set, and its basis points.
    function trustOverrideOf(uint256 machineId) external view returns (bool isSet, uint256 value) {
        Flags storage f = _s().flags[machineId];
        return (f.hasTrustOverride, f.trustOverride);
    }

    /// @notice When the machine was flagged (unix seconds), 0 when not flagged.
    function flaggedAt(uint256 machineId) external view returns (uint256) {
        return _s().flags[machineId].flaggedAt;
    }

    function isFlagged(uint256 machineId) external view returns (bool) {
        return _s().flags[machineId].flaggedAt != 0;
    }

    /// @notice Everything the MCR server needs for one machine, in one call.
    function getFlags(uint256 machineId)
        external
        view
        returns (bool hasTrustOverride, uint256 trustOverride, uint256 flaggedAt_)
    {
        Flags storage f = _s().flags[machineId];
        return (f.hasTrustOverride, f.trustOverride, f.flaggedAt);
    }

    function identityRegistry() external view returns (address) {
        return _s().identityRegistry;
    }

    function _existing(uint256 machineId) private view returns (Flags storage) {
        if (!IIdentityRegistry(_s().identityRegistry).machineExists(machineId)) revert MachineNotFound();
        return _s().flags[machineId];
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _s() private pure returns (AdminFlagsStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
