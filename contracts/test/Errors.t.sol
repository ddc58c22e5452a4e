// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {RejectETH} from "./mocks/Mocks.sol";
import {AdminFlags} from "../src/AdminFlags.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {IdentityStaking} from "../src/IdentityStaking.sol";
import {MachineNFT} from "../src/MachineNFT.sol";

// One test (at least) per custom error of the core contracts, each asserting the exact selector.
// Smart-account errors are in SmartAccounts.t.sol, BridgePausedByNFT in Bridge.t.sol, and
// OwnableUnauthorizedAccount / InvalidInitialization in AccessControl.t.sol.

contract IdentityRegistryErrorsTest is PeaqosBase {
    address internal machine = makeAddr("machine");
    address internal proxyOp = makeAddr("proxyOp");

    function test_RevertWhen_RegisterTwice_AlreadyRegistered() public {
        registerSelf(machine);
        vm.deal(machine, BOND);
        vm.prank(machine);
        vm.expectRevert(IdentityRegistry.AlreadyRegistered.selector);
        registry.register{value: BOND}();
    }

    function test_RevertWhen_RegisterForRegisteredMachine_AlreadyRegistered() public {
        registerSelf(machine);
        vm.deal(proxyOp, BOND);
        vm.prank(proxyOp);
        vm.expectRevert(IdentityRegistry.AlreadyRegistered.selector);
        registry.registerFor{value: BOND}(machine);
    }

    function test_RevertWhen_SelfRegisterAfterRegisterFor_AlreadyRegistered() public {
        registerFor(proxyOp, machine);
        vm.deal(machine, BOND);
        vm.prank(machine);
        vm.expectRevert(IdentityRegistry.AlreadyRegistered.selector);
        registry.register{value: BOND}();
    }

    function test_RevertWhen_RegisterForZeroAddress_InvalidMachineAddress() public {
        vm.deal(proxyOp, BOND);
        vm.prank(proxyOp);
        vm.expectRevert(IdentityRegistry.InvalidMachineAddress.selector);
        registry.registerFor{value: BOND}(address(0));
    }

    function test_RevertWhen_BondIsNotExactlyMinBond_IncorrectBondAmount() public {
        uint256[3] memory wrong = [uint256(0), BOND - 1, BOND + 1];
        vm.deal(machine, 10 ether);
        vm.deal(proxyOp, 10 ether);
        for (uint256 i; i < wrong.length; ++i) {
            vm.prank(machine);
            vm.expectRevert(IdentityRegistry.IncorrectBondAmount.selector);
            registry.register{value: wrong[i]}();

            vm.prank(proxyOp);
            vm.expectRevert(IdentityRegistry.IncorrectBondAmount.selector);
            registry.registerFor{value: wrong[i]}(machine);
        }
        assertEq(registry.totalMachines(), 0);
    }

    function test_RevertWhen_OldBondAfterSetMinBond_IncorrectBondAmount() public {
        vm.prank(admin);
        registry.setMinBond(2 ether);
        vm.deal(machine, 2 ether);
        vm.prank(machine);
        vm.expectRevert(IdentityRegistry.IncorrectBondAmount.selector);
        registry.register{value: 1 ether}();
        // The new bond is accepted and staked in full.
        vm.prank(machine);
        uint256 id = registry.register{value: 2 ether}();
        assertEq(staking.getStake(id), 2 ether);
    }

    function test_RevertWhen_MinBondBelowFloor_BondBelowFloor() public {
        vm.startPrank(admin);
        vm.expectRevert(IdentityRegistry.BondBelowFloor.selector);
        registry.setMinBond(0.1 ether - 1);
        vm.expectRevert(IdentityRegistry.BondBelowFloor.selector);
        registry.setMinBond(0);
        registry.setMinBond(0.1 ether); // the floor itself is allowed
        vm.stopPrank();
        assertEq(registry.minBond(), 0.1 ether);
    }

    function test_RevertWhen_StatusTransitionNotAllowed_InvalidStatus() public {
        uint256 id = registerSelf(machine);
        vm.startPrank(admin);
        // Pending: reactivate is not allowed.
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.reactivateMachine(id);
        registry.verifyMachine(id);
        // Verified: verify / reject again are not allowed.
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.verifyMachine(id);
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.rejectMachine(id);
        registry.deactivateMachine(id);
        // Deactivated: deactivate again, verify, reject are not allowed.
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.deactivateMachine(id);
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.verifyMachine(id);
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.rejectMachine(id);
        vm.stopPrank();
        assertEq(registry.getMachineStatus(id), STATUS_DEACTIVATED);
    }

    function test_RevertWhen_RejectedMachineVerified_InvalidStatus() public {
        uint256 id = registerSelf(machine);
        vm.startPrank(admin);
        registry.rejectMachine(id);
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.verifyMachine(id);
        vm.expectRevert(IdentityRegistry.InvalidStatus.selector);
        registry.rejectMachine(id);
        vm.stopPrank();
    }

    function test_RevertWhen_StakingNotSet_ContractNotConfigured() public {
        IdentityRegistry bare = IdentityRegistry(
            payable(_proxy(address(new IdentityRegistry()), abi.encodeCall(IdentityRegistry.initialize, (admin))))
        );
        vm.deal(machine, BOND);
        vm.prank(machine);
        vm.expectRevert(IdentityRegistry.ContractNotConfigured.selector);
        bare.register{value: BOND}();
        vm.deal(proxyOp, BOND);
        vm.prank(proxyOp);
        vm.expectRevert(IdentityRegistry.ContractNotConfigured.selector);
        bare.registerFor{value: BOND}(machine);
    }

    function test_RevertWhen_RescueToContractRejectingETH_ETHTransferFailed() public {
        RejectETH sink = new RejectETH();
        vm.deal(address(registry), 1 ether);
        vm.prank(admin);
        vm.expectRevert(IdentityRegistry.ETHTransferFailed.selector);
        registry.rescueETH(address(sink), 1 ether);
        assertEq(address(registry).balance, 1 ether);
    }

    function test_RescueETH_SendsToRecipient() public {
        vm.deal(address(registry), 1 ether);
        vm.prank(admin);
        registry.rescueETH(stranger, 0.4 ether);
        assertEq(stranger.balance, 0.4 ether);
        assertEq(address(registry).balance, 0.6 ether);
    }

    function test_RevertWhen_IdentityNFTTransferred_IdentityNFTSoulbound() public {
        uint256 id = registerSelf(machine);
        vm.startPrank(machine);
        vm.expectRevert(IdentityRegistry.IdentityNFTSoulbound.selector);
        registry.transferFrom(machine, stranger, id);
        vm.expectRevert(IdentityRegistry.IdentityNFTSoulbound.selector);
        registry.safeTransferFrom(machine, stranger, id);
        vm.expectRevert(IdentityRegistry.IdentityNFTSoulbound.selector);
        registry.safeTransferFrom(machine, stranger, id, "data");
        vm.stopPrank();
        assertEq(registry.ownerOf(id), machine);
    }

    function test_RevertWhen_ApprovedOperatorTransfersIdentityNFT_IdentityNFTSoulbound() public {
        uint256 id = registerSelf(machine);
        // Approvals stay possible (deployed ABI) but cannot move the token.
        vm.prank(machine);
        registry.approve(stranger, id);
        vm.prank(machine);
        registry.setApprovalForAll(proxyOp, true);
        vm.prank(stranger);
        vm.expectRevert(IdentityRegistry.IdentityNFTSoulbound.selector);
        registry.transferFrom(machine, stranger, id);
        vm.prank(proxyOp);
        vm.expectRevert(IdentityRegistry.IdentityNFTSoulbound.selector);
        registry.safeTransferFrom(machine, proxyOp, id);
        assertEq(registry.ownerOf(id), machine);
    }

    function test_RevertWhen_UnknownMachineViewed_MachineNotFound() public {
        registerSelf(machine); // id 1 exists, 2 does not
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.machineWalletOf(2);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.operatorOf(2);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.getMetadata(2, "machineWallet");
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.machineWalletOf(0);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 2));
        registry.tokenURI(2);
        // The non-reverting views report absence instead.
        (address owner_, bool exists_) = registry.getOwnerIfExists(2);
        assertEq(owner_, address(0));
        assertFalse(exists_);
        assertFalse(registry.machineExists(2));
        assertEq(registry.getMachineStatus(2), STATUS_NONE);
    }

    function test_RevertWhen_StatusChangeOfUnknownMachine_MachineNotFound() public {
        vm.startPrank(admin);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.verifyMachine(1);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.rejectMachine(1);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.deactivateMachine(1);
        vm.expectRevert(IdentityRegistry.MachineNotFound.selector);
        registry.reactivateMachine(1);
        vm.stopPrank();
    }

    function test_RevertWhen_ZeroAddressConfigured_InvalidAddress() public {
        vm.startPrank(admin);
        vm.expectRevert(IdentityRegistry.InvalidAddress.selector);
        registry.setIdentityStaking(address(0));
        vm.expectRevert(IdentityRegistry.InvalidAddress.selector);
        registry.setWPEAQ(address(0));
        vm.expectRevert(IdentityRegistry.InvalidAddress.selector);
        registry.setDIDPrecompile(address(0));
        vm.expectRevert(IdentityRegistry.InvalidAddress.selector);
        registry.rescueETH(address(0), 0);
        vm.stopPrank();
    }

    function test_RevertWhen_PlainETHSentByNonWPEAQ_InvalidAddress() public {
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        vm.expectRevert(IdentityRegistry.InvalidAddress.selector);
        (bool matched,) = address(registry).call{value: 1 ether}("");
        assertTrue(matched, "expected revert not seen");
        // WPEAQ refunds (the precompile's deposit behaviour) are accepted.
        vm.deal(WPEAQ_ADDR, 1 ether);
        vm.prank(WPEAQ_ADDR);
        (bool ok,) = address(registry).call{value: 1 ether}("");
        assertTrue(ok);
        assertEq(address(registry).balance, 1 ether);
    }
}

contract IdentityStakingErrorsTest is PeaqosBase {
    address internal machine = makeAddr("machine");

    function _authorizeSelf() internal {
        vm.prank(admin);
        staking.authorize(address(this));
    }

    function test_RevertWhen_UnauthorizedCallerStakes_NotAuthorized() public {
        vm.prank(stranger);
        vm.expectRevert(IdentityStaking.NotAuthorized.selector);
        staking.stakeFor(1, stranger, BOND);
    }

    function test_RevertWhen_RevokedCallerStakes_NotAuthorized() public {
        _authorizeSelf();
        vm.prank(admin);
        staking.revoke(address(this));
        assertFalse(staking.isAuthorized(address(this)));
        vm.expectRevert(IdentityStaking.NotAuthorized.selector);
        staking.stakeFor(1, address(this), BOND);
    }

    function test_RevertWhen_RegistryRevoked_RegisterFailsWithNotAuthorized() public {
        vm.prank(admin);
        staking.revoke(address(registry));
        vm.deal(machine, BOND);
        vm.prank(machine);
        vm.expectRevert(IdentityStaking.NotAuthorized.selector);
        registry.register{value: BOND}();
    }

    function test_RevertWhen_StakeAmountZero_AmountZero() public {
        _authorizeSelf();
        vm.expectRevert(IdentityStaking.AmountZero.selector);
        staking.stakeFor(42, address(this), 0);
    }

    function test_RevertWhen_MachineStakedTwice_AlreadyStaked() public {
        uint256 id = registerSelf(machine);
        _authorizeSelf();
        vm.expectRevert(IdentityStaking.AlreadyStaked.selector);
        staking.stakeFor(id, address(this), 1);
        assertEq(staking.getStake(id), BOND);
    }

    function test_StakeFor_DirectAuthorizedCallerPullsToken() public {
        _authorizeSelf();
        vm.deal(address(this), 5);
        wpeaq.deposit{value: 5}();
        wpeaq.approve(address(staking), 5);
        vm.expectEmit(true, true, false, true, address(staking));
        emit IdentityStaking.Staked(77, address(this), 5);
        staking.stakeFor(77, address(this), 5);
        assertEq(staking.getStake(77), 5);
        assertTrue(staking.isStaked(77));
        assertEq(staking.totalStaked(), 5);
        assertEq(wpeaq.balanceOf(address(staking)), 5);
        assertEq(wpeaq.balanceOf(address(this)), 0);
    }

    function test_RevertWhen_StakeOwnerZero_InvalidAddress() public {
        _authorizeSelf();
        vm.expectRevert(IdentityStaking.InvalidAddress.selector);
        staking.stakeFor(42, address(0), 1);
    }

    function test_RevertWhen_AuthorizeZero_InvalidAddress() public {
        vm.prank(admin);
        vm.expectRevert(IdentityStaking.InvalidAddress.selector);
        staking.authorize(address(0));
    }

    function test_RevertWhen_InitializedWithZeroToken_InvalidAddress() public {
        address impl = address(new IdentityStaking());
        vm.expectRevert(IdentityStaking.InvalidAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(IdentityStaking.initialize, (address(0), admin)));
    }

    function test_RevertWhen_Paused_RegisterFailsWithEnforcedPause() public {
        vm.prank(admin);
        staking.pause();
        vm.deal(machine, BOND);
        vm.prank(machine);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        registry.register{value: BOND}();
        _authorizeSelf();
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        staking.stakeFor(42, address(this), 1);
    }

    function test_RevertWhen_PausedTwice_EnforcedPause() public {
        vm.startPrank(admin);
        staking.pause();
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        staking.pause();
        vm.stopPrank();
    }

    function test_RevertWhen_UnpausedWhileNotPaused_ExpectedPause() public {
        vm.prank(admin);
        vm.expectRevert(PausableUpgradeable.ExpectedPause.selector);
        staking.unpause();
    }

    function test_Unpause_RegisterWorksAgain() public {
        vm.startPrank(admin);
        staking.pause();
        staking.unpause();
        vm.stopPrank();
        assertEq(registerSelf(machine), 1);
    }
}

/// A self-managed machine and a machine registered by a proxy operator.
abstract contract TwoMachinesFixture is PeaqosBase {
    address internal machine = makeAddr("machine");
    address internal proxyOp = makeAddr("proxyOp");
    address internal managed = makeAddr("managed");
    uint256 internal machineId;
    uint256 internal managedId;

    function setUp() public override {
        super.setUp();
        machineId = registerSelf(machine);
        managedId = registerFor(proxyOp, managed);
    }
}

contract EventRegistryErrorsTest is TwoMachinesFixture {

    function _expectSubmitRevert(address from, EventInput memory e, bytes4 selector) internal {
        vm.prank(from);
        vm.expectRevert(selector);
        _callSubmit(e);
    }

    function test_RevertWhen_UnknownMachine_MachineNotFound() public {
        _expectSubmitRevert(machine, revenueInput(99), EventRegistry.MachineNotFound.selector);
        _expectSubmitRevert(machine, revenueInput(0), EventRegistry.MachineNotFound.selector);
    }

    function test_RevertWhen_MachineDeactivated_MachineDeactivated() public {
        vm.prank(admin);
        registry.deactivateMachine(machineId);
        _expectSubmitRevert(machine, revenueInput(machineId), EventRegistry.MachineDeactivated.selector);
        vm.prank(admin);
        registry.deactivateMachine(managedId);
        _expectSubmitRevert(proxyOp, activityInput(managedId), EventRegistry.MachineDeactivated.selector);
    }

    function test_RevertWhen_SubmitterNotWalletOrOperator_NotAuthorizedSubmitter() public {
        _expectSubmitRevert(stranger, revenueInput(machineId), EventRegistry.NotAuthorizedSubmitter.selector);
        // A machine cannot submit for another machine, nor an operator for a machine it does not manage.
        _expectSubmitRevert(machine, revenueInput(managedId), EventRegistry.NotAuthorizedSubmitter.selector);
        _expectSubmitRevert(proxyOp, revenueInput(machineId), EventRegistry.NotAuthorizedSubmitter.selector);
        _expectSubmitRevert(address(0), revenueInput(machineId), EventRegistry.NotAuthorizedSubmitter.selector);
    }

    function test_RevertWhen_StakingSwitched_MachineNotBonded() public {
        // Bonded under the current staking: accepted (and cached).
        submitRevenue(machine, machineId, 1, "USD");
        IdentityStaking other = IdentityStaking(
            _proxy(address(new IdentityStaking()), abi.encodeCall(IdentityStaking.initialize, (WPEAQ_ADDR, admin)))
        );
        vm.prank(admin);
        eventRegistry.setIdentityStaking(address(other));
        // The cache was made under the old staking, so the machine is asked again and fails.
        _expectSubmitRevert(machine, revenueInput(machineId), EventRegistry.MachineNotBonded.selector);
        _expectSubmitRevert(proxyOp, revenueInput(managedId), EventRegistry.MachineNotBonded.selector);
        // Switching back restores submission.
        vm.prank(admin);
        eventRegistry.setIdentityStaking(address(staking));
        submitRevenue(machine, machineId, 2, "USD");
        assertEq(eventRegistry.getEventCount(machineId), 2);
    }

    function test_RevertWhen_EventTypeAboveOne_InvalidEventType() public {
        EventInput memory e = revenueInput(machineId);
        e.eventType = 2;
        _expectSubmitRevert(machine, e, EventRegistry.InvalidEventType.selector);
        e.eventType = type(uint8).max;
        _expectSubmitRevert(machine, e, EventRegistry.InvalidEventType.selector);
    }

    function test_RevertWhen_TrustLevelAboveTwo_InvalidTrustLevel() public {
        EventInput memory e = revenueInput(machineId);
        e.trustLevel = 3;
        _expectSubmitRevert(machine, e, EventRegistry.InvalidTrustLevel.selector);
        e.trustLevel = type(uint8).max;
        _expectSubmitRevert(machine, e, EventRegistry.InvalidTrustLevel.selector);
    }

    function test_RevertWhen_CurrencyMalformed_InvalidCurrencyShape() public {
        string[7] memory bad = ["usd", "Usd", "US", "", "ABCDEFGHIJK", "US-D", "US D"];
        EventInput memory e = revenueInput(machineId);
        for (uint256 i; i < bad.length; ++i) {
            e.currency = bad[i];
            _expectSubmitRevert(machine, e, EventRegistry.InvalidCurrencyShape.selector);
        }
        // Boundaries that pass: 3 and 10 characters, digits.
        e.currency = "ABC";
        submit(machine, e);
        e.currency = "ABCDEFGHI0";
        submit(machine, e);
        e.currency = "USDT0";
        submit(machine, e);
        assertEq(eventRegistry.getEventCount(machineId), 3);
    }

    function test_RevertWhen_ActivityHasCurrency_InvalidCurrencyShape() public {
        EventInput memory e = activityInput(machineId);
        e.currency = "USD";
        _expectSubmitRevert(machine, e, EventRegistry.InvalidCurrencyShape.selector);
    }

    function test_RevertWhen_TimestampInFuture_FutureTimestamp() public {
        EventInput memory e = revenueInput(machineId);
        e.timestamp = block.timestamp + 1;
        _expectSubmitRevert(machine, e, EventRegistry.FutureTimestamp.selector);
        e.timestamp = type(uint256).max;
        _expectSubmitRevert(machine, e, EventRegistry.FutureTimestamp.selector);
    }

    function test_RevertWhen_Metadata4097Bytes_MetadataTooLarge() public {
        EventInput memory e = revenueInput(machineId);
        e.metadata = filler(4097, 1);
        _expectSubmitRevert(machine, e, EventRegistry.MetadataTooLarge.selector);
        e.metadata = filler(4096, 1);
        uint256 index = submit(machine, e);
        assertEq(eventRegistry.getEventAt(machineId, index).metadata, e.metadata);
    }

    function test_RevertWhen_IndexPastEnd_OffsetOutOfBounds() public {
        vm.expectRevert(EventRegistry.OffsetOutOfBounds.selector);
        eventRegistry.getEventAt(machineId, 0);
        submitRevenue(machine, machineId, 1, "USD");
        submitActivity(machine, machineId, 2);
        vm.expectRevert(EventRegistry.OffsetOutOfBounds.selector);
        eventRegistry.getEventAt(machineId, 2);
        vm.expectRevert(EventRegistry.OffsetOutOfBounds.selector);
        eventRegistry.getEvents(machineId, 3, 10);
        vm.expectRevert(EventRegistry.OffsetOutOfBounds.selector);
        eventRegistry.getEvents(99, 1, 10);
        // offset == count is an empty page, not an error.
        assertEq(eventRegistry.getEvents(machineId, 2, 10).length, 0);
        assertEq(eventRegistry.getEvents(99, 0, 10).length, 0);
    }

    function test_RevertWhen_Paused_EnforcedPause() public {
        vm.prank(admin);
        eventRegistry.pause();
        assertTrue(eventRegistry.paused());
        _expectSubmitRevert(machine, revenueInput(machineId), EventRegistry.EnforcedPause.selector);
        vm.prank(admin);
        vm.expectRevert(EventRegistry.EnforcedPause.selector);
        eventRegistry.pause();
        vm.prank(admin);
        eventRegistry.unpause();
        submitRevenue(machine, machineId, 1, "USD");
        assertEq(eventRegistry.getEventCount(machineId), 1);
    }

    function test_RevertWhen_UnpausedWhileNotPaused_ExpectedPause() public {
        vm.prank(admin);
        vm.expectRevert(EventRegistry.ExpectedPause.selector);
        eventRegistry.unpause();
    }

    function test_PauseErrors_MatchOpenZeppelinSelectors() public pure {
        // EventRegistry declares its own pause errors; off-chain decoders rely on the OZ ones.
        assertEq(EventRegistry.EnforcedPause.selector, PausableUpgradeable.EnforcedPause.selector);
        assertEq(EventRegistry.ExpectedPause.selector, PausableUpgradeable.ExpectedPause.selector);
    }

    function test_RevertWhen_ZeroAddressConfigured_InvalidAddress() public {
        vm.startPrank(admin);
        vm.expectRevert(EventRegistry.InvalidAddress.selector);
        eventRegistry.setIdentityRegistry(address(0));
        vm.expectRevert(EventRegistry.InvalidAddress.selector);
        eventRegistry.setIdentityStaking(address(0));
        vm.stopPrank();
        address impl = address(new EventRegistry());
        vm.expectRevert(EventRegistry.InvalidAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(EventRegistry.initialize, (address(0), address(staking), admin)));
        vm.expectRevert(EventRegistry.InvalidAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(EventRegistry.initialize, (address(registry), address(0), admin)));
    }

    function test_FieldErrors_TakePrecedenceOverMachineChecks() public {
        // The plain fields are checked first, in the order type, trust, currency, timestamp, metadata.
        EventInput memory e = revenueInput(99);
        e.eventType = 2;
        e.trustLevel = 3;
        _expectSubmitRevert(stranger, e, EventRegistry.InvalidEventType.selector);
        e.eventType = REVENUE;
        e.currency = "x";
        _expectSubmitRevert(stranger, e, EventRegistry.InvalidTrustLevel.selector);
        e.trustLevel = 0;
        e.timestamp = block.timestamp + 1;
        _expectSubmitRevert(stranger, e, EventRegistry.InvalidCurrencyShape.selector);
        e.currency = "USD";
        e.metadata = filler(4097, 2);
        _expectSubmitRevert(stranger, e, EventRegistry.FutureTimestamp.selector);
        e.timestamp = block.timestamp;
        _expectSubmitRevert(stranger, e, EventRegistry.MetadataTooLarge.selector);
        e.metadata = "";
        _expectSubmitRevert(stranger, e, EventRegistry.MachineNotFound.selector);
    }
}

contract MachineNFTErrorsTest is TwoMachinesFixture {

    function test_RevertWhen_UnknownMachine_MachineNotFound() public {
        vm.prank(machine);
        vm.expectRevert(MachineNFT.MachineNotFound.selector);
        nft.mint(99, machine);
        vm.expectRevert(MachineNFT.MachineNotFound.selector);
        nft.tokenIdOf(99);
        vm.expectRevert(MachineNFT.MachineNotFound.selector);
        nft.tokenIdOf(0);
        // Known but not minted yet: 0.
        assertEq(nft.tokenIdOf(machineId), 0);
    }

    function test_RevertWhen_CallerNotWalletOrOperator_NotMachineOwner() public {
        vm.prank(stranger);
        vm.expectRevert(MachineNFT.NotMachineOwner.selector);
        nft.mint(machineId, machine);
        vm.prank(proxyOp); // operator of another machine only
        vm.expectRevert(MachineNFT.NotMachineOwner.selector);
        nft.mint(machineId, machine);
        vm.prank(machine);
        vm.expectRevert(MachineNFT.NotMachineOwner.selector);
        nft.mint(managedId, managed);
    }

    function test_RevertWhen_OperatorMintsToOther_RecipientMustBeMachineOwner() public {
        vm.prank(proxyOp);
        vm.expectRevert(MachineNFT.RecipientMustBeMachineOwner.selector);
        nft.mint(managedId, proxyOp);
        vm.prank(proxyOp);
        vm.expectRevert(MachineNFT.RecipientMustBeMachineOwner.selector);
        nft.mint(managedId, stranger);
    }

    function test_RevertWhen_StakingSwitched_MachineNotBonded() public {
        IdentityStaking other = IdentityStaking(
            _proxy(address(new IdentityStaking()), abi.encodeCall(IdentityStaking.initialize, (WPEAQ_ADDR, admin)))
        );
        vm.prank(admin);
        nft.setIdentityStaking(address(other));
        vm.prank(machine);
        vm.expectRevert(MachineNFT.MachineNotBonded.selector);
        nft.mint(machineId, machine);
    }

    function test_RevertWhen_MintedTwice_AlreadyMinted() public {
        mintNft(machine, machineId, machine);
        vm.prank(machine);
        vm.expectRevert(MachineNFT.AlreadyMinted.selector);
        nft.mint(machineId, stranger);
        mintNft(proxyOp, managedId, managed);
        vm.prank(managed);
        vm.expectRevert(MachineNFT.AlreadyMinted.selector);
        nft.mint(managedId, managed);
        assertEq(nft.totalMinted(), 2);
    }

    function test_RevertWhen_RecipientZero_InvalidAddress() public {
        vm.prank(machine);
        vm.expectRevert(MachineNFT.InvalidAddress.selector);
        nft.mint(machineId, address(0));
        vm.startPrank(admin);
        vm.expectRevert(MachineNFT.InvalidAddress.selector);
        nft.setIdentityRegistry(address(0));
        vm.expectRevert(MachineNFT.InvalidAddress.selector);
        nft.setIdentityStaking(address(0));
        vm.stopPrank();
        address impl = address(new MachineNFT());
        vm.expectRevert(MachineNFT.InvalidAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(MachineNFT.initialize, (address(0), address(staking), admin)));
    }

    function test_RevertWhen_Paused_EnforcedPause() public {
        uint256 tokenId = mintNft(machine, machineId, machine);
        vm.prank(admin);
        nft.pause();
        vm.prank(proxyOp);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        nft.mint(managedId, managed);
        vm.prank(machine);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        nft.transferFrom(machine, stranger, tokenId);
        vm.prank(admin);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        nft.pause();
        vm.prank(admin);
        nft.unpause();
        vm.prank(machine);
        nft.transferFrom(machine, stranger, tokenId);
        assertEq(nft.ownerOf(tokenId), stranger);
    }

    function test_RevertWhen_UnpausedWhileNotPaused_ExpectedPause() public {
        vm.prank(admin);
        vm.expectRevert(PausableUpgradeable.ExpectedPause.selector);
        nft.unpause();
    }

    function test_RevertWhen_MachineIdOfUnmintedToken_ERC721NonexistentToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        nft.machineIdOf(1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        nft.tokenURI(1);
    }
}

contract AdminFlagsErrorsTest is PeaqosBase {
    uint256 internal machineId;

    function setUp() public override {
        super.setUp();
        machineId = registerSelf(makeAddr("machine"));
    }

    function test_RevertWhen_OverrideAboveMax_InvalidTrustOverride() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(AdminFlags.InvalidTrustOverride.selector, 10_001));
        flags.setTrustOverride(machineId, 10_001);
        vm.expectRevert(abi.encodeWithSelector(AdminFlags.InvalidTrustOverride.selector, type(uint256).max));
        flags.setTrustOverride(machineId, type(uint256).max);
        flags.setTrustOverride(machineId, 10_000); // the maximum itself is allowed
        vm.stopPrank();
        (bool isSet, uint256 value) = flags.trustOverrideOf(machineId);
        assertTrue(isSet);
        assertEq(value, 10_000);
    }

    function test_RevertWhen_ClearingMissingOverride_NoTrustOverride() public {
        vm.startPrank(admin);
        vm.expectRevert(AdminFlags.NoTrustOverride.selector);
        flags.clearTrustOverride(machineId);
        flags.setTrustOverride(machineId, 0); // 0 is a real override, distinct from "none"
        flags.clearTrustOverride(machineId);
        vm.expectRevert(AdminFlags.NoTrustOverride.selector);
        flags.clearTrustOverride(machineId);
        vm.stopPrank();
    }

    function test_RevertWhen_ClearingMissingFlag_MachineNotFlagged() public {
        vm.startPrank(admin);
        vm.expectRevert(AdminFlags.MachineNotFlagged.selector);
        flags.clearFlag(machineId);
        flags.flagMachine(machineId);
        flags.clearFlag(machineId);
        vm.expectRevert(AdminFlags.MachineNotFlagged.selector);
        flags.clearFlag(machineId);
        vm.stopPrank();
    }

    function test_RevertWhen_UnknownMachine_MachineNotFound() public {
        vm.startPrank(admin);
        vm.expectRevert(AdminFlags.MachineNotFound.selector);
        flags.setTrustOverride(99, 5000);
        vm.expectRevert(AdminFlags.MachineNotFound.selector);
        flags.flagMachine(99);
        vm.stopPrank();
    }

    function test_RevertWhen_ZeroRegistry_InvalidAddress() public {
        vm.prank(admin);
        vm.expectRevert(AdminFlags.InvalidAddress.selector);
        flags.setIdentityRegistry(address(0));
        address impl = address(new AdminFlags());
        vm.expectRevert(AdminFlags.InvalidAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(AdminFlags.initialize, (address(0), admin)));
    }
}
