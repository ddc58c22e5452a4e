// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {IIdentityRegistry} from "./interfaces/IIdentityRegistry.sol";
import {IIdentityStaking} from "./interfaces/IIdentityStaking.sol";

/// @title EventRegistry: the on-chain store of machine revenue and activity events.
/// @notice `submitEvent` checks the fields, the machine (exists, not deactivated, bonded) and the
/// submitter (Identity NFT holder, machine wallet or operator), then stores the event.
/// @dev Storage is packed (see docs/gas.md); the ABI is the deployed one. An event takes one
/// header slot (timestamp, type, trust level, currency, a 64-bit source chain id) plus one slot
/// per non-zero `value`, `dataHash`, `sourceTxHash`, wide source chain id and metadata. The
/// pause flag shares a slot with the staking address and `totalEventCount` with the registry
/// address, so the hot path reads two config slots. Bonds are permanent, so a machine seen
/// staked under the current IdentityStaking address is not asked again (cached next to its
/// event count); changing the staking address invalidates the cache.
contract EventRegistry is Initializable, OwnableUpgradeable, UUPSUpgradeable {
    /// @notice The stored event, as returned by `getEventAt` / `getEvents`.
    struct MachineEvent {
        uint256 machineId;
        uint8 eventType;
        uint256 value;
        uint256 timestamp;
        bytes32 dataHash;
        uint8 trustLevel;
        uint256 sourceChainId;
        bytes32 sourceTxHash;
        bytes metadata;
        string currency;
    }

    /// @dev `header`: bits 0-63 timestamp, 64 event type, 65-66 trust level, 67 wide chain id,
    /// 72-79 currency length, 80-159 currency bytes, 160-223 source chain id (when not wide).
    struct StoredEvent {
        uint256 header;
        uint256 value;
        bytes32 dataHash;
        bytes32 sourceTxHash;
        uint256 wideSourceChainId;
        bytes metadata;
    }

    struct MachineLog {
        uint96 count;
        address bondedUnder;
        mapping(uint256 index => StoredEvent) events;
    }

    /// @custom:storage-location erc7201:peaqos.storage.EventRegistry
    struct EventStorage {
        address identityRegistry;
        uint96 totalEventCount;
        address identityStaking;
        bool paused;
        mapping(uint256 machineId => MachineLog) logs;
    }

    // keccak256(abi.encode(uint256(keccak256("peaqos.storage.EventRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x6a116612cca76cfd51c56ad8df71df5ac588245129c4674a40d88534aacdd900;

    uint256 public constant CURRENCY_MIN_LEN = 3;
    uint256 public constant CURRENCY_MAX_LEN = 10;
    uint256 public constant MAX_METADATA_SIZE = 4096;
    uint256 public constant MAX_QUERY_LIMIT = 100;

    uint8 internal constant EVENT_TYPE_ACTIVITY = 1;
    uint8 internal constant MAX_TRUST_LEVEL = 2;
    uint8 internal constant STATUS_NONE = 0;
    uint8 internal constant STATUS_DEACTIVATED = 4;
    uint256 internal constant FLAG_ACTIVITY = 1 << 64;
    uint256 internal constant FLAG_WIDE_CHAIN_ID = 1 << 67;

    event EventSubmitted(
        uint256 indexed machineId, uint256 indexed eventIndex, uint8 eventType, uint256 value, string indexed currency
    );
    event IdentityRegistrySet(address indexed registry);
    event IdentityStakingSet(address indexed staking);
    event Paused(address account);
    event Unpaused(address account);

    error FutureTimestamp();
    error InvalidAddress();
    error InvalidCurrencyShape();
    error InvalidEventType();
    error InvalidTrustLevel();
    error MachineDeactivated();
    error MachineNotBonded();
    error MachineNotFound();
    error MetadataTooLarge();
    error NotAuthorizedSubmitter();
    error OffsetOutOfBounds();
    error EnforcedPause();
    error ExpectedPause();
    /// @dev Declared for the deployed ABI; no function here makes an external call that can
    /// re-enter (the registry and staking are only read with STATICCALL).
    error ReentrancyGuardReentrantCall();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Wires the IdentityRegistry and IdentityStaking and sets the owner.
    function initialize(address _identityRegistry, address _identityStaking, address _owner) external initializer {
        if (_identityRegistry == address(0) || _identityStaking == address(0)) revert InvalidAddress();
        __Ownable_init(_owner);
        EventStorage storage $ = _s();
        $.identityRegistry = _identityRegistry;
        $.identityStaking = _identityStaking;
        emit IdentityRegistrySet(_identityRegistry);
        emit IdentityStakingSet(_identityStaking);
    }

    // ------------------------------------------------------------------ submit

    /// @notice Stores one event for `machineId` (see the rules in the contract doc).
    function submitEvent(
        uint256 machineId,
        uint8 eventType,
        uint256 value,
        string calldata currency,
        uint256 timestamp,
        bytes32 dataHash,
        uint8 trustLevel,
        uint256 sourceChainId,
        bytes32 sourceTxHash,
        bytes calldata metadata
    ) external {
        uint256 index;
        {
            uint256 header = _header(eventType, trustLevel, currency, timestamp, sourceChainId);
            if (metadata.length > MAX_METADATA_SIZE) revert MetadataTooLarge();
            StoredEvent storage stored;
            (stored, index) = _admit(machineId);
            _store(stored, header, value, dataHash, sourceTxHash, sourceChainId, metadata);
        }
        emit EventSubmitted(machineId, index, eventType, value, currency);
    }

    /// @dev Writes only the slots whose value is not zero (see the layout above).
    function _store(
        StoredEvent storage stored,
        uint256 header,
        uint256 value,
        bytes32 dataHash,
        bytes32 sourceTxHash,
        uint256 sourceChainId,
        bytes calldata metadata
    ) private {
        stored.header = header;
        if (value != 0) stored.value = value;
        if (dataHash != bytes32(0)) stored.dataHash = dataHash;
        if (sourceTxHash != bytes32(0)) stored.sourceTxHash = sourceTxHash;
        if (header & FLAG_WIDE_CHAIN_ID != 0) stored.wideSourceChainId = sourceChainId;
        if (metadata.length != 0) stored.metadata = metadata;
    }

    /// @dev Validates the plain fields and packs them; reverts with the field's own error.
    function _header(
        uint8 eventType,
        uint8 trustLevel,
        string calldata currency,
        uint256 timestamp,
        uint256 sourceChainId
    ) private view returns (uint256 header) {
        if (eventType > EVENT_TYPE_ACTIVITY) revert InvalidEventType();
        if (trustLevel > MAX_TRUST_LEVEL) revert InvalidTrustLevel();
        bytes calldata cur = bytes(currency);
        uint256 len = cur.length;
        if (eventType == EVENT_TYPE_ACTIVITY) {
            if (len != 0) revert InvalidCurrencyShape();
        } else {
            if (len < CURRENCY_MIN_LEN || len > CURRENCY_MAX_LEN) revert InvalidCurrencyShape();
            for (uint256 i; i < len; ++i) {
                bytes1 c = cur[i];
                if (!((c >= "A" && c <= "Z") || (c >= "0" && c <= "9"))) revert InvalidCurrencyShape();
            }
        }
        // block.timestamp < 2^64, so the check also makes the 64-bit packing lossless.
        if (timestamp > block.timestamp) revert FutureTimestamp();

        header = timestamp | (uint256(trustLevel) << 65) | (len << 72) | (uint256(uint80(bytes10(cur))) << 80);
        if (eventType == EVENT_TYPE_ACTIVITY) header |= FLAG_ACTIVITY;
        if (sourceChainId > type(uint64).max) header |= FLAG_WIDE_CHAIN_ID;
        else header |= sourceChainId << 160;
    }

    /// @dev Checks pause, machine and submitter; reserves the next index. One write for count +
    /// bond cache, one for the total (packed with the registry address).
    function _admit(uint256 machineId) private returns (StoredEvent storage stored, uint256 index) {
        EventStorage storage $ = _s();
        address staking = $.identityStaking;
        if ($.paused) revert EnforcedPause();
        (uint8 status, bool authorized,) =
            IIdentityRegistry($.identityRegistry).authorizationOf(machineId, msg.sender);
        if (status == STATUS_NONE) revert MachineNotFound();
        if (status == STATUS_DEACTIVATED) revert MachineDeactivated();
        MachineLog storage log = $.logs[machineId];
        if (log.bondedUnder != staking && !IIdentityStaking(staking).isStaked(machineId)) revert MachineNotBonded();
        if (!authorized) revert NotAuthorizedSubmitter();

        index = log.count;
        stored = log.events[index];
        log.count = uint96(index + 1);
        log.bondedUnder = staking;
        $.totalEventCount += 1;
    }

    // ------------------------------------------------------------------ reads

    /// @notice Number of events stored for `machineId`.
    function getEventCount(uint256 machineId) external view returns (uint256) {
        return _s().logs[machineId].count;
    }

    /// @notice Number of events stored for all machines.
    function totalEventCount() external view returns (uint256) {
        return _s().totalEventCount;
    }

    /// @notice The event at `index` (0-based) of `machineId`.
    function getEventAt(uint256 machineId, uint256 index) external view returns (MachineEvent memory) {
        MachineLog storage log = _s().logs[machineId];
        if (index >= log.count) revert OffsetOutOfBounds();
        return _load(log, machineId, index);
    }

    /// @notice Up to `min(limit, MAX_QUERY_LIMIT)` events of `machineId` from `offset`.
    /// `offset == count` gives an empty page; `offset > count` reverts `OffsetOutOfBounds`.
    function getEvents(uint256 machineId, uint256 offset, uint256 limit)
        external
        view
        returns (MachineEvent[] memory page)
    {
        MachineLog storage log = _s().logs[machineId];
        uint256 count = log.count;
        if (offset > count) revert OffsetOutOfBounds();
        uint256 n = count - offset;
        if (limit < n) n = limit;
        if (MAX_QUERY_LIMIT < n) n = MAX_QUERY_LIMIT;
        page = new MachineEvent[](n);
        for (uint256 i; i < n; ++i) {
            page[i] = _load(log, machineId, offset + i);
        }
    }

    function _load(MachineLog storage log, uint256 machineId, uint256 index)
        private
        view
        returns (MachineEvent memory e)
    {
        StoredEvent storage stored = log.events[index];
        uint256 header = stored.header;
        e.machineId = machineId;
        e.eventType = header & FLAG_ACTIVITY != 0 ? EVENT_TYPE_ACTIVITY : 0;
        e.value = stored.value;
        e.timestamp = uint64(header);
        e.dataHash = stored.dataHash;
        e.trustLevel = uint8((header >> 65) & 3);
        e.sourceChainId = header & FLAG_WIDE_CHAIN_ID != 0 ? stored.wideSourceChainId : uint64(header >> 160);
        e.sourceTxHash = stored.sourceTxHash;
        e.metadata = stored.metadata;
        uint256 len = uint8(header >> 72);
        bytes10 packed = bytes10(uint80(header >> 80));
        bytes memory cur = new bytes(len);
        for (uint256 i; i < len; ++i) {
            cur[i] = packed[i];
        }
        e.currency = string(cur);
    }

    function identityRegistryAddress() external view returns (address) {
        return _s().identityRegistry;
    }

    function identityStakingAddress() external view returns (address) {
        return _s().identityStaking;
    }

    // ------------------------------------------------------------------ admin

    /// @notice Points at a new IdentityRegistry.
    function setIdentityRegistry(address _registry) external onlyOwner {
        if (_registry == address(0)) revert InvalidAddress();
        _s().identityRegistry = _registry;
        emit IdentityRegistrySet(_registry);
    }

    /// @notice Points at a new IdentityStaking (bond caches made under the old one no longer count).
    function setIdentityStaking(address _staking) external onlyOwner {
        if (_staking == address(0)) revert InvalidAddress();
        _s().identityStaking = _staking;
        emit IdentityStakingSet(_staking);
    }

    /// @notice Stops `submitEvent`.
    function pause() external onlyOwner {
        EventStorage storage $ = _s();
        if ($.paused) revert EnforcedPause();
        $.paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Resumes `submitEvent`.
    function unpause() external onlyOwner {
        EventStorage storage $ = _s();
        if (!$.paused) revert ExpectedPause();
        $.paused = false;
        emit Unpaused(msg.sender);
    }

    function paused() external view returns (bool) {
        return _s().paused;
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}

    function _s() private pure returns (EventStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
