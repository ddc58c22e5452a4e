// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Test.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {IdentityStaking} from "../src/IdentityStaking.sol";
import {MachineNFT} from "../src/MachineNFT.sol";
import {DIDStandin} from "../src/standins/DIDStandin.sol";

/// @notice The Activate flows of DESIGN.md §6: self-managed and proxy onboarding, then events,
/// and the status lifecycle.
contract OnboardingTest is PeaqosBase {
    address internal machine = makeAddr("machine");
    address internal proxy = makeAddr("proxy");
    address internal fleetA = makeAddr("fleetA");
    address internal fleetB = makeAddr("fleetB");

    // ------------------------------------------------------------------ self-managed

    function test_SelfManaged_RegisterStakesAndMintsIdentity() public {
        vm.deal(machine, BOND);
        vm.expectEmit(true, true, false, true, address(staking));
        emit IdentityStaking.Staked(1, machine, BOND);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IdentityRegistry.Registered(1, "http://127.0.0.1:8000/machines/1", machine);
        vm.prank(machine);
        uint256 id = registry.register{value: BOND}();

        assertEq(id, 1);
        // Identity NFT: tokenId == machineId, held by the machine wallet.
        assertEq(registry.ownerOf(id), machine);
        assertEq(registry.balanceOf(machine), 1);
        assertEq(registry.machineWalletOf(id), machine);
        assertEq(registry.machineIdOfOwner(machine), id);
        assertEq(registry.operatorOf(id), address(0));
        assertEq(registry.tokenURI(id), "http://127.0.0.1:8000/machines/1");
        assertEq(registry.getMachineStatus(id), STATUS_PENDING);
        assertEq(registry.machineStatus(id), STATUS_PENDING);
        assertTrue(registry.machineExists(id));
        assertEq(registry.totalMachines(), 1);
        assertEq(registry.nextMachineId(), 2);
        (address owner_, address wallet_, bool exists_, uint8 status_) = registry.getVerificationInfo(id);
        assertEq(owner_, machine);
        assertEq(wallet_, machine);
        assertTrue(exists_);
        assertEq(status_, STATUS_PENDING);
        (uint8 st, bool authorized, bool isWallet) = registry.authorizationOf(id, machine);
        assertEq(st, STATUS_PENDING);
        assertTrue(authorized);
        assertTrue(isWallet);
        assertTrue(registry.verifyOwnership(id, machine));
        assertFalse(registry.verifyOwnership(id, stranger));
        assertTrue(registry.isAuthorizedOrOwner(machine, id));
        assertFalse(registry.isAuthorizedOrOwner(stranger, id));

        // ERC-8004 metadata.
        assertEq(registry.getMetadata(id, "agentWallet"), abi.encodePacked(machine));
        assertEq(registry.getMetadata(id, "machineWallet"), abi.encodePacked(machine));
        assertEq(registry.getMetadata(id, "operator"), "");
        assertEq(registry.getMetadata(id, "machineURI"), bytes("http://127.0.0.1:8000/machines/1"));
        assertEq(registry.getMetadata(id, "somethingElse"), "");

        // The bond went WPEAQ -> staking, exactly, with nothing left behind.
        assertEq(staking.getStake(id), BOND);
        assertTrue(staking.isStaked(id));
        (uint256 amount, uint8 stakeStatus, uint32 slashCount, uint64 unstakeAt) = staking.getStakeInfo(id);
        assertEq(amount, BOND);
        assertEq(stakeStatus, 1);
        assertEq(slashCount, 0);
        assertEq(unstakeAt, 0);
        assertEq(staking.totalStaked(), BOND);
        assertEq(wpeaq.balanceOf(address(staking)), BOND);
        assertEq(wpeaq.balanceOf(address(registry)), 0);
        assertEq(wpeaq.allowance(address(registry), address(staking)), 0);
        assertEq(address(registry).balance, 0);
        assertEq(machine.balance, 0);
    }

    function test_Register_RegisteredLogCarriesMachineIdTopicAndTokenURI() public {
        vm.deal(machine, BOND);
        vm.recordLogs();
        vm.prank(machine);
        registry.register{value: BOND}();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(registry)) continue;
            // Self-registration has no operator.
            assertTrue(logs[i].topics[0] != IdentityRegistry.OperatorSet.selector, "no OperatorSet");
            if (logs[i].topics[0] != IdentityRegistry.Registered.selector) continue;
            found++;
            assertEq(logs[i].topics.length, 3);
            assertEq(uint256(logs[i].topics[1]), 1, "machineId topic");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(machine))), "owner topic");
            assertEq(abi.decode(logs[i].data, (string)), "http://127.0.0.1:8000/machines/1");
        }
        assertEq(found, 1);
    }

    function test_SelfManaged_MintsMachineNFTFromItsOwnCounter() public {
        uint256 id = registerSelf(machine);
        // Another machine mints first, so the Machine NFT id differs from the machine id.
        uint256 otherId = registerSelf(fleetA);
        assertEq(mintNft(fleetA, otherId, fleetA), 1);

        vm.expectEmit(true, true, true, true, address(nft));
        emit MachineNFT.MachineMinted(2, id, machine);
        vm.prank(machine);
        nft.mint(id, machine);

        assertEq(nft.tokenIdOf(id), 2);
        assertEq(nft.tokenIdOf(otherId), 1);
        assertEq(nft.machineIdOf(2), id);
        assertEq(nft.machineIdOf(1), otherId);
        assertEq(nft.ownerOf(2), machine);
        assertEq(nft.tokenURI(2), "http://127.0.0.1:8000/metadata/2");
        assertEq(nft.totalMinted(), 2);
        // The Identity NFT is untouched by the Machine NFT mint.
        assertEq(registry.ownerOf(id), machine);
    }

    function test_SelfManaged_WritesSixDidAttributes() public {
        uint256 id = registerSelf(machine);
        uint256 tokenId = mintNft(machine, id, machine);

        vm.expectEmit(false, false, false, true, DID_ADDR);
        emit DIDStandin.AddAttribute(machine, machine, "machineId", "1", 0);
        writeMachineDid(machine, id, tokenId, "");

        string[6] memory names = ["machineId", "nftTokenId", "operator", "documentation_url", "data_api", "data_visibility"];
        string[6] memory values = ["1", "1", "", "https://example.com/docs", "https://example.com/events", "public"];
        for (uint256 i; i < names.length; ++i) {
            DIDStandin.Attribute memory a = did.readAttribute(machine, bytes(names[i]));
            assertEq(a.name, bytes(names[i]));
            assertEq(a.value, bytes(values[i]));
            assertEq(a.validity, type(uint32).max, "validity 0 = no expiry");
            assertEq(a.created, block.timestamp * 1000, "created in ms");
        }
        // Attributes are per DID: nothing was written for anyone else.
        vm.expectRevert(bytes("Cannot find the item"));
        did.readAttribute(stranger, "machineId");
    }

    function test_SelfManaged_SubmitsEventsThatRoundTripExactly() public {
        uint256 id = registerSelf(machine);

        EventInput memory rev = revenueInput(id);
        rev.value = 12345;
        rev.currency = "HKD";
        rev.timestamp = block.timestamp - 3600;
        rev.trustLevel = 1;
        rev.sourceChainId = uint256(type(uint64).max) + 8453; // wider than 64 bits
        rev.sourceTxHash = keccak256("base tx");
        rev.metadata = bytes('{"kwh":12.5,"site":"HK-1"}');

        vm.expectEmit(true, true, true, true, address(eventRegistry));
        emit EventRegistry.EventSubmitted(id, 0, REVENUE, 12345, "HKD");
        assertEq(submit(machine, rev), 0);

        EventInput memory act = activityInput(id);
        act.value = 0;
        act.trustLevel = 2;
        act.sourceChainId = 3338;
        act.sourceTxHash = keccak256("peaq tx");
        act.dataHash = bytes32(0);
        act.metadata = hex"00ff00";

        vm.expectEmit(true, true, true, true, address(eventRegistry));
        emit EventRegistry.EventSubmitted(id, 1, ACTIVITY, 0, "");
        assertEq(submit(machine, act), 1);

        EventRegistry.MachineEvent[] memory page = eventRegistry.getEvents(id, 0, 10);
        assertEq(page.length, 2);
        assertEventEq(page[0], rev);
        assertEventEq(page[1], act);
        assertEventEq(eventRegistry.getEventAt(id, 0), rev);
        assertEventEq(eventRegistry.getEventAt(id, 1), act);
        assertEq(eventRegistry.getEventCount(id), 2);
        assertEq(eventRegistry.totalEventCount(), 2);
    }

    function test_GetEvents_PagesAreCappedAt100() public {
        uint256 id = registerSelf(machine);
        for (uint256 i; i < 103; ++i) {
            submitRevenue(machine, id, i, "USD");
        }
        assertEq(eventRegistry.getEvents(id, 0, type(uint256).max).length, 100);
        assertEq(eventRegistry.getEvents(id, 0, 0).length, 0);
        EventRegistry.MachineEvent[] memory tail = eventRegistry.getEvents(id, 100, 10);
        assertEq(tail.length, 3);
        assertEq(tail[0].value, 100);
        assertEq(tail[2].value, 102);
        EventRegistry.MachineEvent[] memory mid = eventRegistry.getEvents(id, 40, 2);
        assertEq(mid.length, 2);
        assertEq(mid[0].value, 40);
        assertEq(mid[1].value, 41);
    }

    // ------------------------------------------------------------------ proxy operator

    function test_Proxy_RegistersFleetAndBecomesOperator() public {
        uint256 proxyId = registerSelf(proxy);
        assertEq(proxyId, 1);

        vm.deal(proxy, 2 * BOND);
        vm.expectEmit(true, true, false, true, address(staking));
        emit IdentityStaking.Staked(2, proxy, BOND); // the proxy pays the bond
        vm.expectEmit(true, true, false, true, address(registry));
        emit IdentityRegistry.Registered(2, "http://127.0.0.1:8000/machines/2", fleetA);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IdentityRegistry.OperatorSet(2, proxy);
        vm.prank(proxy);
        uint256 idA = registry.registerFor{value: BOND}(fleetA);
        vm.prank(proxy);
        uint256 idB = registry.registerFor{value: BOND}(fleetB);

        assertEq(idA, 2);
        assertEq(idB, 3);
        assertEq(proxy.balance, 0);
        assertEq(fleetA.balance, 0);
        assertEq(registry.ownerOf(idA), fleetA, "Identity NFT goes to the machine");
        assertEq(registry.machineWalletOf(idA), fleetA);
        assertEq(registry.operatorOf(idA), proxy);
        assertEq(registry.operatorOf(idB), proxy);
        assertEq(registry.operatorOf(proxyId), address(0));
        assertEq(registry.machineIdOfOwner(fleetA), idA);
        assertEq(registry.machineIdOfOwner(proxy), proxyId);
        assertEq(registry.getMetadata(idA, "operator"), abi.encodePacked(proxy));
        (uint8 st, bool authorized, bool isWallet) = registry.authorizationOf(idA, proxy);
        assertEq(st, STATUS_PENDING);
        assertTrue(authorized);
        assertFalse(isWallet);
        assertTrue(registry.isAuthorizedOrOwner(proxy, idA));
        assertFalse(registry.verifyOwnership(idA, proxy));
        assertEq(staking.getStake(idA), BOND);
        assertEq(staking.totalStaked(), 3 * BOND);
    }

    function test_RegisterFor_SelfIsPlainRegistration() public {
        vm.deal(machine, BOND);
        vm.prank(machine);
        uint256 id = registry.registerFor{value: BOND}(machine);
        assertEq(registry.ownerOf(id), machine);
        assertEq(registry.operatorOf(id), address(0));
    }

    function test_Proxy_MintsToMachineButNotToItself() public {
        registerSelf(proxy);
        uint256 idA = registerFor(proxy, fleetA);
        uint256 idB = registerFor(proxy, fleetB);

        vm.expectEmit(true, true, true, true, address(nft));
        emit MachineNFT.MachineMinted(1, idA, fleetA);
        vm.prank(proxy);
        nft.mint(idA, fleetA);
        assertEq(nft.ownerOf(1), fleetA);
        assertEq(nft.tokenIdOf(idA), 1);

        vm.prank(proxy);
        vm.expectRevert(MachineNFT.RecipientMustBeMachineOwner.selector);
        nft.mint(idB, proxy);
        // The machine wallet itself may choose any recipient.
        vm.prank(fleetB);
        nft.mint(idB, proxy);
        assertEq(nft.ownerOf(2), proxy);
        assertEq(nft.machineIdOf(2), idB);
    }

    function test_Proxy_DidWrites_MachineOwnsItsDidProxyWritesItsOwn() public {
        uint256 proxyId = registerSelf(proxy);
        uint256 idA = registerFor(proxy, fleetA);
        uint256 idB = registerFor(proxy, fleetB);
        uint256 tokenA = mintNft(proxy, idA, fleetA);

        // The machine signs its own attributes, naming its operator.
        writeMachineDid(fleetA, idA, tokenA, didOf(proxy));
        assertDidAttr(fleetA, "machineId", "2");
        assertDidAttr(fleetA, "nftTokenId", "1");
        assertDidAttr(fleetA, "operator", bytes(didOf(proxy)));

        // The proxy cannot write to the machine's DID.
        vm.prank(proxy);
        vm.expectRevert(bytes("Dispatched call failed with error: Module(AttributeAuthorizationFailed)"));
        did.addAttribute(fleetA, "data_visibility", "onchain", 0);

        // The proxy writes machineId and the machines list on its own DID.
        vm.startPrank(proxy);
        did.addAttribute(proxy, "machineId", bytes(vm.toString(proxyId)), 0);
        did.addAttribute(proxy, "machines", bytes(string.concat("[", vm.toString(idA), "]")), 0);
        did.updateAttribute(proxy, "machines", bytes(string.concat("[", vm.toString(idA), ",", vm.toString(idB), "]")), 0);
        vm.stopPrank();
        assertDidAttr(proxy, "machineId", "1");
        assertDidAttr(proxy, "machines", "[2,3]");
        assertDidAttr(fleetA, "data_visibility", "public");
    }

    function test_Proxy_SubmitsEventsForItsMachines() public {
        uint256 proxyId = registerSelf(proxy);
        uint256 idA = registerFor(proxy, fleetA);

        EventInput memory byProxy = revenueInput(idA);
        byProxy.sourceChainId = 8453;
        byProxy.sourceTxHash = keccak256("base revenue tx");
        byProxy.trustLevel = 1;
        vm.expectEmit(true, true, true, true, address(eventRegistry));
        emit EventRegistry.EventSubmitted(idA, 0, REVENUE, 12345, "USD");
        submit(proxy, byProxy);
        // The machine's own submission produces the same kind of record.
        EventInput memory byMachine = activityInput(idA);
        submit(fleetA, byMachine);

        assertEq(eventRegistry.getEventCount(idA), 2);
        assertEq(eventRegistry.getEventCount(proxyId), 0, "stored under the machine, not the proxy");
        assertEventEq(eventRegistry.getEventAt(idA, 0), byProxy);
        assertEventEq(eventRegistry.getEventAt(idA, 1), byMachine);
        // The proxy is a machine too and reports for itself separately.
        submitActivity(proxy, proxyId, 7);
        assertEq(eventRegistry.getEventCount(proxyId), 1);
        assertEq(eventRegistry.totalEventCount(), 3);
    }

    function test_MachineNFTTransfer_DoesNotMoveIdentityOrSubmitRights() public {
        uint256 id = registerSelf(machine);
        uint256 tokenId = mintNft(machine, id, machine);
        vm.prank(machine);
        nft.transferFrom(machine, stranger, tokenId);
        assertEq(nft.ownerOf(tokenId), stranger);
        assertEq(registry.ownerOf(id), machine);
        // The new holder of the financial twin gets no submit rights; the machine keeps them.
        vm.prank(stranger);
        vm.expectRevert(EventRegistry.NotAuthorizedSubmitter.selector);
        eventRegistry.submitEvent(id, ACTIVITY, 1, "", block.timestamp, bytes32(0), 0, 0, bytes32(0), "");
        submitActivity(machine, id, 1);
        assertEq(eventRegistry.getEventCount(id), 1);
    }

    // ------------------------------------------------------------------ status lifecycle

    function test_Status_VerifyDeactivateReactivate() public {
        uint256 id = registerSelf(machine);
        submitActivity(machine, id, 1);

        vm.expectEmit(true, false, false, false, address(registry));
        emit IdentityRegistry.MachineVerified(id);
        vm.prank(admin);
        registry.verifyMachine(id);
        assertTrue(registry.isVerified(id));
        assertEq(registry.getMachineStatus(id), STATUS_VERIFIED);

        vm.expectEmit(true, true, false, false, address(registry));
        emit IdentityRegistry.MachineDeactivated(id, machine);
        vm.prank(admin);
        registry.deactivateMachine(id);
        assertTrue(registry.isDeactivated(id));
        assertFalse(registry.isVerified(id));
        assertTrue(registry.machineExists(id));
        assertTrue(registry.isAuthorizedOrOwner(machine, id), "still authorized, just inactive");

        vm.prank(machine);
        vm.expectRevert(EventRegistry.MachineDeactivated.selector);
        eventRegistry.submitEvent(id, ACTIVITY, 1, "", block.timestamp, bytes32(0), 0, 0, bytes32(0), "");

        vm.expectEmit(true, true, false, false, address(registry));
        emit IdentityRegistry.MachineReactivated(id, machine);
        vm.prank(admin);
        registry.reactivateMachine(id);
        assertEq(registry.getMachineStatus(id), STATUS_VERIFIED, "back to the status before deactivation");
        submitActivity(machine, id, 2);
        assertEq(eventRegistry.getEventCount(id), 2);
        // Bond and identity are untouched by the lifecycle.
        assertEq(staking.getStake(id), BOND);
        assertEq(registry.ownerOf(id), machine);
    }

    function test_Status_RejectedThenDeactivatedReactivatesToRejected() public {
        uint256 id = registerSelf(machine);
        vm.expectEmit(true, false, false, false, address(registry));
        emit IdentityRegistry.MachineRejected(id);
        vm.prank(admin);
        registry.rejectMachine(id);
        assertEq(registry.getMachineStatus(id), STATUS_REJECTED);
        // Only deactivation blocks submission; a rejected machine still reports.
        submitActivity(machine, id, 1);

        vm.startPrank(admin);
        registry.deactivateMachine(id);
        assertEq(registry.getMachineStatus(id), STATUS_DEACTIVATED);
        registry.reactivateMachine(id);
        vm.stopPrank();
        assertEq(registry.getMachineStatus(id), STATUS_REJECTED);
    }

    function test_Status_PendingDeactivatedReactivatesToPending() public {
        uint256 id = registerSelf(machine);
        vm.startPrank(admin);
        registry.deactivateMachine(id);
        registry.reactivateMachine(id);
        vm.stopPrank();
        assertEq(registry.getMachineStatus(id), STATUS_PENDING);
        // Pending -> Verified still possible after the round trip.
        vm.prank(admin);
        registry.verifyMachine(id);
        assertEq(registry.getMachineStatus(id), STATUS_VERIFIED);
    }

    // ------------------------------------------------------------------ configuration

    function test_BaseURIs_UpdateWithoutMigrationAndEmptyMeansEmpty() public {
        uint256 id = registerSelf(machine);
        uint256 tokenId = mintNft(machine, id, machine);
        vm.startPrank(admin);
        vm.expectEmit(false, false, false, true, address(nft));
        emit MachineNFT.BaseURISet("https://mcr.example/metadata/");
        nft.setBaseURI("https://mcr.example/metadata/");
        registry.setBaseURI("");
        vm.stopPrank();
        assertEq(nft.tokenURI(tokenId), "https://mcr.example/metadata/1");
        assertEq(registry.tokenURI(id), "");
        assertEq(registry.baseURI(), "");
    }

    function test_Configuration_ViewsReflectWiring() public view {
        assertEq(registry.minBond(), 1 ether);
        assertEq(registry.identityStaking(), address(staking));
        assertEq(registry.wpeaq(), WPEAQ_ADDR);
        assertEq(registry.getDIDPrecompile(), DID_ADDR);
        assertEq(registry.name(), "peaqOS Identity");
        assertEq(registry.symbol(), "PEAQID");
        assertEq(staking.stakingToken(), WPEAQ_ADDR);
        assertTrue(staking.isAuthorized(address(registry)));
        assertEq(eventRegistry.identityRegistryAddress(), address(registry));
        assertEq(eventRegistry.identityStakingAddress(), address(staking));
        assertEq(nft.identityRegistry(), address(registry));
        assertEq(nft.identityStaking(), address(staking));
        assertEq(nft.name(), "peaqOS Machine NFT");
        assertEq(nft.symbol(), "PEAQMNFT");
        assertEq(flags.identityRegistry(), address(registry));
        assertEq(registry.owner(), admin);
        assertEq(staking.owner(), admin);
        assertEq(eventRegistry.owner(), admin);
        assertEq(nft.owner(), admin);
        assertEq(flags.owner(), admin);
    }
}
