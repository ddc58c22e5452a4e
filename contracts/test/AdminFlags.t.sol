// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {AdminFlags} from "../src/AdminFlags.sol";

/// @notice AdminFlags happy paths: trust overrides and negative flags, with their events.
contract AdminFlagsTest is PeaqosBase {
    uint256 internal machineId;

    function setUp() public override {
        super.setUp();
        machineId = registerSelf(makeAddr("machine"));
    }

    function _assertFlags(bool hasOverride, uint256 overrideValue, uint256 flaggedAt_) internal view {
        (bool h, uint256 v, uint256 f) = flags.getFlags(machineId);
        assertEq(h, hasOverride, "hasTrustOverride");
        assertEq(v, overrideValue, "trustOverride");
        assertEq(f, flaggedAt_, "flaggedAt");
        assertEq(flags.flaggedAt(machineId), flaggedAt_);
        assertEq(flags.isFlagged(machineId), flaggedAt_ != 0);
    }

    function test_TrustOverride_SetReplaceClear() public {
        _assertFlags(false, 0, 0);
        vm.startPrank(admin);
        vm.expectEmit(true, false, false, true, address(flags));
        emit AdminFlags.TrustOverrideSet(machineId, 2500);
        flags.setTrustOverride(machineId, 2500);
        _assertFlags(true, 2500, 0);
        flags.setTrustOverride(machineId, 0);
        _assertFlags(true, 0, 0);
        vm.expectEmit(true, false, false, false, address(flags));
        emit AdminFlags.TrustOverrideCleared(machineId);
        flags.clearTrustOverride(machineId);
        vm.stopPrank();
        _assertFlags(false, 0, 0);
    }

    function test_Flag_SetAtBlockTimestampReflagRestartsClear() public {
        vm.expectEmit(true, false, false, true, address(flags));
        emit AdminFlags.MachineFlagged(machineId, START_TIME);
        vm.prank(admin);
        flags.flagMachine(machineId);
        _assertFlags(false, 0, START_TIME);

        vm.warp(START_TIME + 1 days);
        vm.prank(admin);
        flags.flagMachine(machineId);
        _assertFlags(false, 0, START_TIME + 1 days);

        vm.expectEmit(true, false, false, false, address(flags));
        emit AdminFlags.FlagCleared(machineId);
        vm.prank(admin);
        flags.clearFlag(machineId);
        _assertFlags(false, 0, 0);
    }

    function test_FlagsAndOverride_AreIndependent() public {
        vm.startPrank(admin);
        flags.flagMachine(machineId);
        flags.setTrustOverride(machineId, 10_000);
        flags.clearFlag(machineId);
        vm.stopPrank();
        _assertFlags(true, 10_000, 0);
        (bool isSet, uint256 value) = flags.trustOverrideOf(machineId);
        assertTrue(isSet);
        assertEq(value, 10_000);
    }

    function test_SetIdentityRegistry_EmitsAndSwitches() public {
        vm.expectEmit(true, false, false, false, address(flags));
        emit AdminFlags.IdentityRegistrySet(stranger);
        vm.prank(admin);
        flags.setIdentityRegistry(stranger);
        assertEq(flags.identityRegistry(), stranger);
    }
}
