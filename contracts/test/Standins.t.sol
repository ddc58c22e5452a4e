// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {DIDStandin} from "../src/standins/DIDStandin.sol";

/// @notice The precompile stand-ins follow the chain's rules (reference/chain.md §7).
contract StandinsTest is PeaqosBase {
    address internal machine = makeAddr("machine");

    function test_DID_AddUpdateRemoveLifecycle() public {
        vm.startPrank(machine);
        did.addAttribute(machine, "data_api", "https://a.example", 0);
        vm.expectRevert(bytes("Dispatched call failed with error: Module(AttributeAlreadyExist)"));
        did.addAttribute(machine, "data_api", "https://b.example", 0);

        vm.warp(START_TIME + 60);
        vm.expectEmit(false, false, false, true, DID_ADDR);
        emit DIDStandin.UpdateAttribute(machine, machine, "data_api", "https://b.example", 0);
        did.updateAttribute(machine, "data_api", "https://b.example", 0);
        DIDStandin.Attribute memory a = did.readAttribute(machine, "data_api");
        assertEq(a.value, bytes("https://b.example"));
        assertEq(a.created, START_TIME * 1000, "update keeps the creation time");

        did.removeAttribute(machine, "data_api");
        vm.expectRevert(bytes("Cannot find the item"));
        did.readAttribute(machine, "data_api");
        vm.expectRevert(bytes("Dispatched call failed with error: Module(AttributeNotFound)"));
        did.updateAttribute(machine, "data_api", "x", 0);
        vm.expectRevert(bytes("Dispatched call failed with error: Module(AttributeNotFound)"));
        did.removeAttribute(machine, "data_api");
        vm.stopPrank();
    }

    function test_DID_ByteLimits() public {
        vm.startPrank(machine);
        did.addAttribute(machine, filler(64, 1), filler(2560, 2), 0);
        vm.expectRevert(bytes("Name too long"));
        did.addAttribute(machine, filler(65, 1), "v", 0);
        vm.expectRevert(bytes("Value too long"));
        did.addAttribute(machine, "n", filler(2561, 2), 0);
        vm.stopPrank();
        assertEq(did.readAttribute(machine, filler(64, 1)).value, filler(2560, 2));
    }

    function test_DID_ValidityIsInBlocks() public {
        vm.roll(1000);
        vm.prank(machine);
        did.addAttribute(machine, "machineId", "1", 50);
        assertEq(did.readAttribute(machine, "machineId").validity, 1050);
        vm.prank(machine);
        vm.expectRevert(bytes("Dispatched call failed with error: Module(MaxBlockNumberExceeded)"));
        did.addAttribute(machine, "nftTokenId", "1", type(uint32).max);
    }

    function test_DID_SnakeCaseAliases() public {
        vm.startPrank(machine);
        did.add_attribute(machine, "machineId", "7", 0);
        did.update_attribute(machine, "machineId", "8", 0);
        assertEq(did.read_attribute(machine, "machineId").value, bytes("8"));
        did.remove_attribute(machine, "machineId");
        vm.stopPrank();
        vm.expectRevert(bytes("Cannot find the item"));
        did.read_attribute(machine, "machineId");
    }

    function test_WPEAQ_WrapTransferUnwrap() public {
        vm.deal(machine, 3 ether);
        vm.startPrank(machine);
        wpeaq.deposit{value: 2 ether}();
        (bool ok,) = WPEAQ_ADDR.call{value: 1 ether}(""); // receive() wraps too
        assertTrue(ok);
        assertEq(wpeaq.balanceOf(machine), 3 ether);
        wpeaq.approve(stranger, 1 ether);
        vm.stopPrank();
        vm.prank(stranger);
        assertTrue(wpeaq.transferFrom(machine, stranger, 1 ether));
        assertEq(wpeaq.allowance(machine, stranger), 0);
        vm.prank(stranger);
        vm.expectRevert(bytes("Trying to transfer more than allowed"));
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        wpeaq.transferFrom(machine, stranger, 1);
        vm.prank(machine);
        wpeaq.withdraw(2 ether);
        assertEq(machine.balance, 2 ether);
        assertEq(wpeaq.balanceOf(machine), 0);
        assertEq(wpeaq.totalSupply(), 1 ether);
        vm.prank(machine);
        vm.expectRevert(bytes("Zero deposit"));
        wpeaq.deposit{value: 0}();
    }
}
