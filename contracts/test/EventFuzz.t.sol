// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {EventRegistry} from "../src/EventRegistry.sol";

/// @notice Fuzzing of `submitEvent`: each invalid field alone reverts with its own error, and
/// every valid combination is stored and read back bit for bit.
contract EventFuzzTest is PeaqosBase {
    bytes internal constant ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    address internal machine = makeAddr("machine");
    address internal proxy = makeAddr("proxy");
    address internal fleet = makeAddr("fleet");
    uint256 internal machineId;
    uint256 internal fleetId;

    /// Fuzzed event fields (one struct keeps the fuzz signature readable).
    struct FuzzEvent {
        bool activity;
        bool viaOperator;
        uint256 value;
        uint256 currencySeed;
        uint256 timestamp;
        bytes32 dataHash;
        uint8 trustLevel;
        uint256 sourceChainId;
        bytes32 sourceTxHash;
        uint256 metadataLen;
        uint256 metadataSeed;
    }

    function setUp() public override {
        super.setUp();
        machineId = registerSelf(machine);
        fleetId = registerFor(proxy, fleet);
    }

    /// A currency matching ^[A-Z0-9]{len}$.
    function _currency(uint256 len, uint256 seed) internal pure returns (string memory) {
        bytes memory out = new bytes(len);
        for (uint256 i; i < len; ++i) {
            out[i] = ALNUM[uint256(keccak256(abi.encode(seed, i))) % ALNUM.length];
        }
        return string(out);
    }

    function _isAlnumUpper(bytes1 c) internal pure returns (bool) {
        return (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
    }

    function _expectRevert(EventInput memory e, bytes4 selector) internal {
        uint256 before = eventRegistry.totalEventCount();
        vm.prank(machine);
        vm.expectRevert(selector);
        _callSubmit(e);
        assertEq(eventRegistry.totalEventCount(), before);
    }

    // ------------------------------------------------------------------ invalid, one field at a time

    function testFuzz_RevertWhen_EventTypeAboveOne(uint8 eventType) public {
        EventInput memory e = revenueInput(machineId);
        e.eventType = uint8(bound(eventType, 2, type(uint8).max));
        _expectRevert(e, EventRegistry.InvalidEventType.selector);
    }

    function testFuzz_RevertWhen_TrustLevelAboveTwo(uint8 trustLevel, bool activity) public {
        EventInput memory e = activity ? activityInput(machineId) : revenueInput(machineId);
        e.trustLevel = uint8(bound(trustLevel, 3, type(uint8).max));
        _expectRevert(e, EventRegistry.InvalidTrustLevel.selector);
    }

    function testFuzz_RevertWhen_RevenueCurrencyLengthOutside3To10(uint256 lenSeed, uint256 seed) public {
        // 0..2 or 11..40 characters, all from the valid alphabet.
        uint256 len = bound(lenSeed, 0, 32);
        if (len >= 3) len += 8;
        EventInput memory e = revenueInput(machineId);
        e.currency = _currency(len, seed);
        _expectRevert(e, EventRegistry.InvalidCurrencyShape.selector);
    }

    function testFuzz_RevertWhen_RevenueCurrencyHasCharOutsideAZ09(uint256 lenSeed, uint256 pos, bytes1 bad, uint256 seed)
        public
    {
        vm.assume(!_isAlnumUpper(bad));
        uint256 len = bound(lenSeed, 3, 10);
        bytes memory cur = bytes(_currency(len, seed));
        cur[bound(pos, 0, len - 1)] = bad;
        EventInput memory e = revenueInput(machineId);
        e.currency = string(cur);
        _expectRevert(e, EventRegistry.InvalidCurrencyShape.selector);
    }

    function testFuzz_RevertWhen_ActivityHasAnyCurrency(string memory currency) public {
        vm.assume(bytes(currency).length != 0);
        EventInput memory e = activityInput(machineId);
        e.currency = currency;
        _expectRevert(e, EventRegistry.InvalidCurrencyShape.selector);
    }

    function testFuzz_RevertWhen_TimestampAfterNow(uint256 timestamp) public {
        EventInput memory e = revenueInput(machineId);
        e.timestamp = bound(timestamp, block.timestamp + 1, type(uint256).max);
        _expectRevert(e, EventRegistry.FutureTimestamp.selector);
    }

    function testFuzz_RevertWhen_MetadataOver4096(uint256 len) public {
        EventInput memory e = revenueInput(machineId);
        e.metadata = filler(bound(len, 4097, 6000), len);
        _expectRevert(e, EventRegistry.MetadataTooLarge.selector);
    }

    // ------------------------------------------------------------------ valid combinations

    function testFuzz_ValidEvent_IsStoredAndReadsBackExactly(FuzzEvent memory f) public {
        EventInput memory e;
        e.machineId = f.viaOperator ? fleetId : machineId;
        e.eventType = f.activity ? ACTIVITY : REVENUE;
        e.value = f.value;
        e.currency = f.activity ? "" : _currency(bound(f.currencySeed, 3, 10), f.currencySeed);
        e.timestamp = bound(f.timestamp, 0, block.timestamp);
        e.dataHash = f.dataHash;
        e.trustLevel = uint8(bound(f.trustLevel, 0, 2));
        e.sourceChainId = f.sourceChainId;
        e.sourceTxHash = f.sourceTxHash;
        e.metadata = filler(bound(f.metadataLen, 0, 4096), f.metadataSeed);

        // Something stored before, so a second slot set is exercised and must not bleed over.
        EventInput memory previous = revenueInput(e.machineId);
        previous.sourceChainId = type(uint256).max;
        previous.metadata = "previous";
        address submitter = f.viaOperator ? proxy : machine;
        submit(submitter, previous);

        vm.expectEmit(true, true, true, true, address(eventRegistry));
        emit EventRegistry.EventSubmitted(e.machineId, 1, e.eventType, e.value, e.currency);
        assertEq(submit(submitter, e), 1);

        assertEventEq(eventRegistry.getEventAt(e.machineId, 1), e);
        EventRegistry.MachineEvent[] memory page = eventRegistry.getEvents(e.machineId, 0, 2);
        assertEq(page.length, 2);
        assertEventEq(page[0], previous);
        assertEventEq(page[1], e);
        assertEq(eventRegistry.getEventCount(e.machineId), 2);
        assertEq(eventRegistry.totalEventCount(), 2);
    }

    function testFuzz_SourceChainId_AnyWidthRoundTrips(uint256 sourceChainId, uint8 shift) public {
        // Bias towards the 64-bit boundary where the storage layout switches.
        uint256 id = sourceChainId >> (shift % 200);
        EventInput memory e = revenueInput(machineId);
        e.sourceChainId = id;
        uint256 index = submit(machine, e);
        assertEq(eventRegistry.getEventAt(machineId, index).sourceChainId, id);
    }

    function test_SourceChainId_64BitBoundaries() public {
        uint256[6] memory ids =
            [uint256(0), 3338, 8453, type(uint64).max, uint256(type(uint64).max) + 1, type(uint256).max];
        for (uint256 i; i < ids.length; ++i) {
            EventInput memory e = activityInput(machineId);
            e.sourceChainId = ids[i];
            e.value = i;
            uint256 index = submit(machine, e);
            assertEventEq(eventRegistry.getEventAt(machineId, index), e);
        }
    }

    function test_Timestamp_ZeroAndNowAccepted() public {
        EventInput memory e = activityInput(machineId);
        e.timestamp = 0;
        submit(machine, e);
        e.timestamp = block.timestamp;
        submit(machine, e);
        assertEq(eventRegistry.getEventAt(machineId, 0).timestamp, 0);
        assertEq(eventRegistry.getEventAt(machineId, 1).timestamp, block.timestamp);
    }
}
