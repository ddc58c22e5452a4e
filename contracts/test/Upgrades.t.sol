// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {IERC1967} from "@openzeppelin/contracts/interfaces/IERC1967.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {AdminFlagsV2, EventRegistryV2, IdentityRegistryV2, IdentityStakingV2, MachineNFTV2} from "./mocks/UpgradesV2.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";

/// @notice UUPS upgrades of every core contract keep the ERC-7201 state and the behaviour.
contract UpgradesTest is PeaqosBase {
    address internal machine = makeAddr("machine");
    address internal proxy = makeAddr("proxy");
    address internal fleet = makeAddr("fleet");
    uint256 internal machineId;
    uint256 internal proxyId;
    uint256 internal fleetId;
    uint256 internal tokenId;
    EventInput internal firstEvent;

    function setUp() public override {
        super.setUp();
        // State worth preserving in every contract.
        machineId = registerSelf(machine);
        proxyId = registerSelf(proxy);
        fleetId = registerFor(proxy, fleet);
        tokenId = mintNft(machine, machineId, machine);
        EventInput memory e = revenueInput(machineId);
        e.sourceChainId = 1 << 70;
        e.sourceTxHash = keccak256("tx");
        e.metadata = "meta";
        firstEvent = e;
        submit(machine, e);
        submitActivity(proxy, fleetId, 3);
        vm.startPrank(admin);
        registry.verifyMachine(machineId);
        flags.setTrustOverride(machineId, 7500);
        flags.flagMachine(fleetId);
        vm.stopPrank();
    }

    function _implOf(address p) internal view returns (address) {
        return address(uint160(uint256(vm.load(p, IMPL_SLOT))));
    }

    /// Upgrades `p` to `next` as the admin and checks the implementation slot and the event.
    function _upgrade(address p, address next) internal {
        vm.expectEmit(true, false, false, false, p);
        emit IERC1967.Upgraded(next);
        vm.prank(admin);
        IdentityRegistry(payable(p)).upgradeToAndCall(next, "");
        assertEq(_implOf(p), next);
    }

    function _expectNonOwnerUpgradeReverts(address p, address next) internal {
        address before = _implOf(p);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        IdentityRegistry(payable(p)).upgradeToAndCall(next, "");
        assertEq(_implOf(p), before);
    }

    function test_Upgrade_IdentityRegistryKeepsMachines() public {
        IdentityRegistryV2 next = new IdentityRegistryV2();
        _expectNonOwnerUpgradeReverts(address(registry), address(next));
        _upgrade(address(registry), address(next));
        assertEq(IdentityRegistryV2(payable(address(registry))).version(), 2);

        assertEq(registry.owner(), admin);
        assertEq(registry.totalMachines(), 3);
        assertEq(registry.ownerOf(machineId), machine);
        assertEq(registry.machineWalletOf(fleetId), fleet);
        assertEq(registry.operatorOf(fleetId), proxy);
        assertEq(registry.getMachineStatus(machineId), STATUS_VERIFIED);
        assertEq(registry.getMachineStatus(fleetId), STATUS_PENDING);
        assertEq(registry.minBond(), BOND);
        assertEq(registry.identityStaking(), address(staking));
        assertEq(registry.tokenURI(machineId), "http://127.0.0.1:8000/machines/1");
        // Still works: registration continues the id sequence, soulbound still enforced.
        assertEq(registerSelf(stranger), 4);
        vm.prank(machine);
        vm.expectRevert(IdentityRegistry.IdentityNFTSoulbound.selector);
        registry.transferFrom(machine, stranger, machineId);
    }

    function test_Upgrade_IdentityStakingKeepsStakes() public {
        IdentityStakingV2 next = new IdentityStakingV2();
        _expectNonOwnerUpgradeReverts(address(staking), address(next));
        _upgrade(address(staking), address(next));
        assertEq(IdentityStakingV2(address(staking)).version(), 2);

        assertEq(staking.owner(), admin);
        assertEq(staking.getStake(machineId), BOND);
        assertEq(staking.getStake(fleetId), BOND);
        assertTrue(staking.isStaked(proxyId));
        assertEq(staking.totalStaked(), 3 * BOND);
        assertEq(staking.stakingToken(), WPEAQ_ADDR);
        assertTrue(staking.isAuthorized(address(registry)));
        uint256 id = registerSelf(stranger);
        assertEq(staking.getStake(id), BOND);
        assertEq(staking.totalStaked(), 4 * BOND);
        assertEq(wpeaq.balanceOf(address(staking)), 4 * BOND);
    }

    function test_Upgrade_EventRegistryKeepsEvents() public {
        EventRegistryV2 next = new EventRegistryV2();
        _expectNonOwnerUpgradeReverts(address(eventRegistry), address(next));
        _upgrade(address(eventRegistry), address(next));
        assertEq(EventRegistryV2(address(eventRegistry)).version(), 2);

        assertEq(eventRegistry.owner(), admin);
        assertEq(eventRegistry.totalEventCount(), 2);
        assertEq(eventRegistry.getEventCount(machineId), 1);
        assertEq(eventRegistry.getEventCount(fleetId), 1);
        assertEventEq(eventRegistry.getEventAt(machineId, 0), firstEvent);
        assertEq(eventRegistry.getEventAt(fleetId, 0).value, 3);
        assertEq(eventRegistry.identityRegistryAddress(), address(registry));
        assertEq(eventRegistry.identityStakingAddress(), address(staking));
        assertFalse(eventRegistry.paused());
        assertEq(submitRevenue(machine, machineId, 99, "JPY"), 1);
        assertEq(eventRegistry.getEventAt(machineId, 1).currency, "JPY");
        assertEq(eventRegistry.totalEventCount(), 3);
    }

    function test_Upgrade_EventRegistryWhilePausedStaysPaused() public {
        vm.prank(admin);
        eventRegistry.pause();
        _upgrade(address(eventRegistry), address(new EventRegistryV2()));
        assertTrue(eventRegistry.paused());
        vm.prank(machine);
        vm.expectRevert(EventRegistry.EnforcedPause.selector);
        eventRegistry.submitEvent(machineId, ACTIVITY, 0, "", block.timestamp, bytes32(0), 0, 0, bytes32(0), "");
    }

    function test_Upgrade_MachineNFTKeepsTokens() public {
        MachineNFTV2 next = new MachineNFTV2();
        _expectNonOwnerUpgradeReverts(address(nft), address(next));
        _upgrade(address(nft), address(next));
        assertEq(MachineNFTV2(address(nft)).version(), 2);

        assertEq(nft.owner(), admin);
        assertEq(nft.ownerOf(tokenId), machine);
        assertEq(nft.tokenIdOf(machineId), tokenId);
        assertEq(nft.machineIdOf(tokenId), machineId);
        assertEq(nft.totalMinted(), 1);
        assertEq(nft.tokenURI(tokenId), "http://127.0.0.1:8000/metadata/1");
        assertEq(mintNft(proxy, fleetId, fleet), 2);
        assertEq(nft.ownerOf(2), fleet);
    }

    function test_Upgrade_AdminFlagsKeepsFlags() public {
        AdminFlagsV2 next = new AdminFlagsV2();
        _expectNonOwnerUpgradeReverts(address(flags), address(next));
        _upgrade(address(flags), address(next));
        assertEq(AdminFlagsV2(address(flags)).version(), 2);

        assertEq(flags.owner(), admin);
        (bool isSet, uint256 value) = flags.trustOverrideOf(machineId);
        assertTrue(isSet);
        assertEq(value, 7500);
        assertEq(flags.flaggedAt(fleetId), START_TIME);
        assertTrue(flags.isFlagged(fleetId));
        assertEq(flags.identityRegistry(), address(registry));
        vm.prank(admin);
        flags.clearFlag(fleetId);
        assertFalse(flags.isFlagged(fleetId));
    }

    function test_UpgradeToAndCall_RunsTheCallOnTheNewImplementation() public {
        IdentityRegistryV2 next = new IdentityRegistryV2();
        vm.prank(admin);
        // Any call works as the post-upgrade hook; here a view of the new code.
        registry.upgradeToAndCall(address(next), abi.encodeCall(IdentityRegistryV2.version, ()));
        assertEq(_implOf(address(registry)), address(next));
    }

    function test_RevertWhen_UpgradeToNonUUPS_ERC1967InvalidImplementation() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ERC1967Utils.ERC1967InvalidImplementation.selector, address(wpeaq)));
        registry.upgradeToAndCall(address(wpeaq), "");
    }

    // ------------------------------------------------------------------ storage layout

    function _erc7201(string memory namespace) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(namespace))) - 1)) & ~bytes32(uint256(0xff));
    }

    function _word(address p, bytes32 base, uint256 offset) internal view returns (uint256) {
        return uint256(vm.load(p, bytes32(uint256(base) + offset)));
    }

    /// Upgrades rely on each contract keeping its state at the ERC-7201 namespace it documents.
    function test_StorageNamespaces_MatchERC7201Formula() public view {
        bytes32 r = _erc7201("peaqos.storage.IdentityRegistry");
        assertEq(_word(address(registry), r, 0), registry.nextMachineId());
        assertEq(_word(address(registry), r, 1), registry.minBond());
        assertEq(_word(address(registry), r, 2), uint160(address(staking)));

        bytes32 s = _erc7201("peaqos.storage.IdentityStaking");
        assertEq(_word(address(staking), s, 0), uint160(WPEAQ_ADDR));
        assertEq(_word(address(staking), s, 1), staking.totalStaked());

        // identityRegistry and totalEventCount share the first slot.
        bytes32 e = _erc7201("peaqos.storage.EventRegistry");
        assertEq(
            _word(address(eventRegistry), e, 0), uint160(address(registry)) | (eventRegistry.totalEventCount() << 160)
        );
        assertEq(_word(address(eventRegistry), e, 1), uint160(address(staking)));

        bytes32 n = _erc7201("peaqos.storage.MachineNFT");
        assertEq(_word(address(nft), n, 0), uint160(address(registry)));
        assertEq(_word(address(nft), n, 2), nft.totalMinted() + 1);

        bytes32 f = _erc7201("peaqos.storage.AdminFlags");
        assertEq(_word(address(flags), f, 0), uint160(address(registry)));
    }

    /// Config writes to packed slots must not clobber their neighbours (pause flag next to the
    /// staking address, event total next to the registry address).
    function test_PackedConfigWrites_KeepNeighbours() public {
        vm.startPrank(admin);
        eventRegistry.pause();
        eventRegistry.setIdentityStaking(stranger);
        assertTrue(eventRegistry.paused());
        eventRegistry.setIdentityRegistry(stranger);
        assertEq(eventRegistry.totalEventCount(), 2);
        eventRegistry.setIdentityRegistry(address(registry));
        eventRegistry.setIdentityStaking(address(staking));
        eventRegistry.unpause();
        vm.stopPrank();
        assertEq(eventRegistry.identityStakingAddress(), address(staking));
        submitActivity(machine, machineId, 1);
        assertEq(eventRegistry.totalEventCount(), 3);
        assertEq(eventRegistry.getEventCount(machineId), 2);
    }
}
