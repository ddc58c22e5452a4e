// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {PeaqosBase} from "./PeaqosBase.t.sol";

/// A machine can drop an operator it did not choose (whoever calls `registerFor` first
/// becomes the operator; the deployed ABI has no way to change it).
contract OperatorTest is PeaqosBase {
    address internal machine = makeAddr("machine");
    address internal squatter = makeAddr("squatter");

    function test_MachineRemovesUnwantedOperator() public {
        uint256 id = registerFor(squatter, machine);
        assertEq(registry.operatorOf(id), squatter);
        assertTrue(registry.isAuthorizedOrOwner(squatter, id));

        vm.expectEmit(true, true, true, true, address(registry));
        emit IdentityRegistry.OperatorSet(id, address(0));
        vm.prank(machine);
        registry.removeOperator(id);

        assertEq(registry.operatorOf(id), address(0));
        assertFalse(registry.isAuthorizedOrOwner(squatter, id));
        // The former operator can no longer submit events; the machine still can.
        EventInput memory e = revenueInput(id);
        vm.prank(squatter);
        vm.expectRevert(EventRegistry.NotAuthorizedSubmitter.selector);
        _callSubmit(e);
        submit(machine, e);
        assertEq(eventRegistry.getEventCount(id), 1);
    }

    function test_RevertWhen_OperatorOrStrangerRemovesOperator() public {
        uint256 id = registerFor(squatter, machine);
        vm.prank(squatter);
        vm.expectRevert(IdentityRegistry.NotMachineOwner.selector);
        registry.removeOperator(id);
        vm.prank(stranger);
        vm.expectRevert(IdentityRegistry.NotMachineOwner.selector);
        registry.removeOperator(id);
        assertEq(registry.operatorOf(id), squatter);
    }

    function test_RevertWhen_RemoveOperatorOfUnknownMachine() public {
        vm.prank(machine);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.removeOperator(42);
    }

    function test_RemoveOperator_WithoutOperatorIsNoOp() public {
        uint256 id = registerSelf(machine);
        vm.recordLogs();
        vm.prank(machine);
        registry.removeOperator(id);
        assertEq(vm.getRecordedLogs().length, 0, "no event when there was no operator");
        assertEq(registry.operatorOf(id), address(0));
    }
}
