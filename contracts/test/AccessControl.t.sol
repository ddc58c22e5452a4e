// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {AdminFlags} from "../src/AdminFlags.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {IdentityStaking} from "../src/IdentityStaking.sol";
import {MachineNFT} from "../src/MachineNFT.sol";

/// @notice Every `onlyOwner` function of the core contracts refuses a non-owner with
/// `OwnableUnauthorizedAccount(caller)`, and no contract can be initialized twice.
contract AccessControlTest is PeaqosBase {
    struct OwnerCall {
        string name;
        address target;
        bytes data;
    }

    uint256 internal machineId;

    function setUp() public override {
        super.setUp();
        machineId = registerSelf(makeAddr("machine"));
    }

    /// Calls each entry as `caller` and expects `OwnableUnauthorizedAccount(caller)`.
    function _assertOwnerOnly(OwnerCall[] memory calls, address caller) internal {
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(caller);
            vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, caller));
            // With expectRevert, a low-level call returns true when the expected revert happened.
            (bool matched,) = calls[i].target.call(calls[i].data);
            assertTrue(matched, calls[i].name);
        }
    }

    function _newImpl() internal returns (address) {
        return address(new AdminFlags()); // any UUPS implementation: the owner check comes first
    }

    function test_RevertWhen_NonOwnerCallsIdentityRegistryAdmin_OwnableUnauthorizedAccount() public {
        address r = address(registry);
        OwnerCall[] memory c = new OwnerCall[](13);
        c[0] = OwnerCall("verifyMachine", r, abi.encodeCall(IdentityRegistry.verifyMachine, (machineId)));
        c[1] = OwnerCall("rejectMachine", r, abi.encodeCall(IdentityRegistry.rejectMachine, (machineId)));
        c[2] = OwnerCall("deactivateMachine", r, abi.encodeCall(IdentityRegistry.deactivateMachine, (machineId)));
        c[3] = OwnerCall("reactivateMachine", r, abi.encodeCall(IdentityRegistry.reactivateMachine, (machineId)));
        c[4] = OwnerCall("setMinBond", r, abi.encodeCall(IdentityRegistry.setMinBond, (2 ether)));
        c[5] = OwnerCall("setIdentityStaking", r, abi.encodeCall(IdentityRegistry.setIdentityStaking, (stranger)));
        c[6] = OwnerCall("setWPEAQ", r, abi.encodeCall(IdentityRegistry.setWPEAQ, (stranger)));
        c[7] = OwnerCall("setDIDPrecompile", r, abi.encodeCall(IdentityRegistry.setDIDPrecompile, (stranger)));
        c[8] = OwnerCall("setBaseURI", r, abi.encodeCall(IdentityRegistry.setBaseURI, ("x")));
        c[9] = OwnerCall("rescueETH", r, abi.encodeCall(IdentityRegistry.rescueETH, (stranger, 0)));
        c[10] = OwnerCall("upgradeToAndCall", r, abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_newImpl(), "")));
        c[11] = OwnerCall("transferOwnership", r, abi.encodeCall(OwnableUpgradeable.transferOwnership, (stranger)));
        c[12] = OwnerCall("renounceOwnership", r, abi.encodeCall(OwnableUpgradeable.renounceOwnership, ()));
        _assertOwnerOnly(c, stranger);
        // The machine itself and its operator are not admins either.
        _assertOwnerOnly(c, makeAddr("machine"));
        assertEq(registry.owner(), admin);
        assertEq(registry.getMachineStatus(machineId), STATUS_PENDING);
    }

    function test_RevertWhen_NonOwnerCallsIdentityStakingAdmin_OwnableUnauthorizedAccount() public {
        address s = address(staking);
        OwnerCall[] memory c = new OwnerCall[](7);
        c[0] = OwnerCall("authorize", s, abi.encodeCall(IdentityStaking.authorize, (stranger)));
        c[1] = OwnerCall("revoke", s, abi.encodeCall(IdentityStaking.revoke, (address(registry))));
        c[2] = OwnerCall("pause", s, abi.encodeCall(IdentityStaking.pause, ()));
        c[3] = OwnerCall("unpause", s, abi.encodeCall(IdentityStaking.unpause, ()));
        c[4] = OwnerCall("upgradeToAndCall", s, abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_newImpl(), "")));
        c[5] = OwnerCall("transferOwnership", s, abi.encodeCall(OwnableUpgradeable.transferOwnership, (stranger)));
        c[6] = OwnerCall("renounceOwnership", s, abi.encodeCall(OwnableUpgradeable.renounceOwnership, ()));
        _assertOwnerOnly(c, stranger);
        // The registry is authorized to stake, not to administer.
        _assertOwnerOnly(c, address(registry));
        assertFalse(staking.isAuthorized(stranger));
        assertTrue(staking.isAuthorized(address(registry)));
    }

    function test_RevertWhen_NonOwnerCallsEventRegistryAdmin_OwnableUnauthorizedAccount() public {
        address e = address(eventRegistry);
        OwnerCall[] memory c = new OwnerCall[](7);
        c[0] = OwnerCall("setIdentityRegistry", e, abi.encodeCall(EventRegistry.setIdentityRegistry, (stranger)));
        c[1] = OwnerCall("setIdentityStaking", e, abi.encodeCall(EventRegistry.setIdentityStaking, (stranger)));
        c[2] = OwnerCall("pause", e, abi.encodeCall(EventRegistry.pause, ()));
        c[3] = OwnerCall("unpause", e, abi.encodeCall(EventRegistry.unpause, ()));
        c[4] = OwnerCall("upgradeToAndCall", e, abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_newImpl(), "")));
        c[5] = OwnerCall("transferOwnership", e, abi.encodeCall(OwnableUpgradeable.transferOwnership, (stranger)));
        c[6] = OwnerCall("renounceOwnership", e, abi.encodeCall(OwnableUpgradeable.renounceOwnership, ()));
        _assertOwnerOnly(c, stranger);
        assertEq(eventRegistry.identityRegistryAddress(), address(registry));
        assertFalse(eventRegistry.paused());
    }

    function test_RevertWhen_NonOwnerCallsMachineNFTAdmin_OwnableUnauthorizedAccount() public {
        address n = address(nft);
        OwnerCall[] memory c = new OwnerCall[](8);
        c[0] = OwnerCall("setBaseURI", n, abi.encodeCall(MachineNFT.setBaseURI, ("x")));
        c[1] = OwnerCall("setIdentityRegistry", n, abi.encodeCall(MachineNFT.setIdentityRegistry, (stranger)));
        c[2] = OwnerCall("setIdentityStaking", n, abi.encodeCall(MachineNFT.setIdentityStaking, (stranger)));
        c[3] = OwnerCall("pause", n, abi.encodeCall(MachineNFT.pause, ()));
        c[4] = OwnerCall("unpause", n, abi.encodeCall(MachineNFT.unpause, ()));
        c[5] = OwnerCall("upgradeToAndCall", n, abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_newImpl(), "")));
        c[6] = OwnerCall("transferOwnership", n, abi.encodeCall(OwnableUpgradeable.transferOwnership, (stranger)));
        c[7] = OwnerCall("renounceOwnership", n, abi.encodeCall(OwnableUpgradeable.renounceOwnership, ()));
        _assertOwnerOnly(c, stranger);
        assertEq(nft.baseURI(), NFT_BASE_URI);
    }

    function test_RevertWhen_NonOwnerCallsAdminFlags_OwnableUnauthorizedAccount() public {
        address f = address(flags);
        OwnerCall[] memory c = new OwnerCall[](8);
        c[0] = OwnerCall("setTrustOverride", f, abi.encodeCall(AdminFlags.setTrustOverride, (machineId, 1)));
        c[1] = OwnerCall("clearTrustOverride", f, abi.encodeCall(AdminFlags.clearTrustOverride, (machineId)));
        c[2] = OwnerCall("flagMachine", f, abi.encodeCall(AdminFlags.flagMachine, (machineId)));
        c[3] = OwnerCall("clearFlag", f, abi.encodeCall(AdminFlags.clearFlag, (machineId)));
        c[4] = OwnerCall("setIdentityRegistry", f, abi.encodeCall(AdminFlags.setIdentityRegistry, (stranger)));
        c[5] = OwnerCall("upgradeToAndCall", f, abi.encodeCall(UUPSUpgradeable.upgradeToAndCall, (_newImpl(), "")));
        c[6] = OwnerCall("transferOwnership", f, abi.encodeCall(OwnableUpgradeable.transferOwnership, (stranger)));
        c[7] = OwnerCall("renounceOwnership", f, abi.encodeCall(OwnableUpgradeable.renounceOwnership, ()));
        _assertOwnerOnly(c, stranger);
        assertFalse(flags.isFlagged(machineId));
    }

    function test_TransferOwnership_MovesAdminRights() public {
        address newAdmin = makeAddr("newAdmin");
        vm.prank(admin);
        registry.transferOwnership(newAdmin);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, admin));
        registry.verifyMachine(machineId);
        vm.prank(newAdmin);
        registry.verifyMachine(machineId);
        assertTrue(registry.isVerified(machineId));
    }

    // ------------------------------------------------------------------ InvalidInitialization

    function test_RevertWhen_ProxyInitializedTwice_InvalidInitialization() public {
        bytes4 sel = Initializable.InvalidInitialization.selector;
        vm.expectRevert(sel);
        registry.initialize(stranger);
        vm.expectRevert(sel);
        staking.initialize(WPEAQ_ADDR, stranger);
        vm.expectRevert(sel);
        eventRegistry.initialize(address(registry), address(staking), stranger);
        vm.expectRevert(sel);
        nft.initialize(address(registry), address(staking), stranger);
        vm.expectRevert(sel);
        flags.initialize(address(registry), stranger);
        assertEq(registry.owner(), admin);
    }

    function _impl(address proxy) internal view returns (address) {
        return address(uint160(uint256(vm.load(proxy, IMPL_SLOT))));
    }

    function test_RevertWhen_ImplementationInitialized_InvalidInitialization() public {
        bytes4 sel = Initializable.InvalidInitialization.selector;
        vm.expectRevert(sel);
        IdentityRegistry(payable(_impl(address(registry)))).initialize(stranger);
        vm.expectRevert(sel);
        IdentityStaking(_impl(address(staking))).initialize(WPEAQ_ADDR, stranger);
        vm.expectRevert(sel);
        EventRegistry(_impl(address(eventRegistry))).initialize(address(registry), address(staking), stranger);
        vm.expectRevert(sel);
        MachineNFT(_impl(address(nft))).initialize(address(registry), address(staking), stranger);
        vm.expectRevert(sel);
        AdminFlags(_impl(address(flags))).initialize(address(registry), stranger);
    }

    function test_RevertWhen_UpgradeCalledOnImplementation_UUPSUnauthorizedCallContext() public {
        // UUPS `onlyProxy`: the implementation itself cannot be upgraded (or self-destructed into).
        address impl = _impl(address(registry));
        address next = address(new IdentityRegistry());
        vm.prank(admin);
        vm.expectRevert(UUPSUpgradeable.UUPSUnauthorizedCallContext.selector);
        UUPSUpgradeable(impl).upgradeToAndCall(next, "");
    }
}
