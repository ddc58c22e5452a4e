// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {IdentityStaking} from "../src/IdentityStaking.sol";
import {MachineNFT} from "../src/MachineNFT.sol";

/// @notice Drives the core with random registrations, mints, transfer attempts and events,
/// keeping ghost counts to check against.
contract PeaqosHandler is Test {
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant ACTORS = 16;

    IdentityRegistry internal registry;
    MachineNFT internal nft;
    EventRegistry internal eventRegistry;

    address[] internal actors;
    uint256[] public machineIds;
    mapping(uint256 machineId => address) public walletOf;
    mapping(uint256 machineId => address) public operatorOf;

    uint256 public ghostMinted;
    uint256 public ghostEvents;
    uint256 public ghostBondsPaid;
    uint256 public ghostIdentityMoves; // must stay 0
    uint256 public ghostStrangerEvents; // must stay 0
    uint256 public ghostDoubleMints; // must stay 0
    /// A valid action (fresh registration, first mint, authorized event) that reverted.
    uint256 public ghostUnexpectedReverts; // must stay 0

    constructor(IdentityRegistry registry_, MachineNFT nft_, EventRegistry eventRegistry_) {
        registry = registry_;
        nft = nft_;
        eventRegistry = eventRegistry_;
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
    }

    function machineCount() external view returns (uint256) {
        return machineIds.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _machine(uint256 seed) internal view returns (uint256 id, bool ok) {
        if (machineIds.length == 0) return (0, false);
        return (machineIds[seed % machineIds.length], true);
    }

    // ------------------------------------------------------------------ actions

    function register(uint256 actorSeed) external {
        address a = _actor(actorSeed);
        if (registry.machineIdOfOwner(a) != 0) return;
        vm.deal(a, BOND);
        vm.prank(a);
        try registry.register{value: BOND}() returns (uint256 id) {
            machineIds.push(id);
            walletOf[id] = a;
            ghostBondsPaid += BOND;
        } catch {
            ghostUnexpectedReverts++;
        }
    }

    function registerFor(uint256 proxySeed, uint256 machineSeed) external {
        address p = _actor(proxySeed);
        address m = _actor(machineSeed);
        if (registry.machineIdOfOwner(m) != 0) return;
        vm.deal(p, BOND);
        vm.prank(p);
        try registry.registerFor{value: BOND}(m) returns (uint256 id) {
            machineIds.push(id);
            walletOf[id] = m;
            if (p != m) operatorOf[id] = p;
            ghostBondsPaid += BOND;
        } catch {
            ghostUnexpectedReverts++;
        }
    }

    /// Doubles are attempted on purpose: a second mint must fail and change nothing.
    function mint(uint256 machineSeed, bool byOperator) external {
        (uint256 id, bool ok) = _machine(machineSeed);
        if (!ok) return;
        address caller = byOperator && operatorOf[id] != address(0) ? operatorOf[id] : walletOf[id];
        bool alreadyMinted = nft.tokenIdOf(id) != 0;
        vm.prank(caller);
        try nft.mint(id, walletOf[id]) {
            if (alreadyMinted) ghostDoubleMints++;
            ghostMinted++;
        } catch {
            if (!alreadyMinted) ghostUnexpectedReverts++;
        }
    }

    /// Tries every way an Identity NFT could move; any success is recorded as a violation.
    function transferIdentity(uint256 machineSeed, uint256 toSeed, uint8 how) external {
        (uint256 id, bool ok) = _machine(machineSeed);
        if (!ok) return;
        address holder = walletOf[id];
        address to = _actor(toSeed);
        if (to == holder) to = address(0xBEEF);
        vm.startPrank(holder);
        registry.setApprovalForAll(to, true);
        vm.stopPrank();
        address caller = how % 2 == 0 ? holder : to;
        vm.startPrank(caller);
        if (how % 3 == 0) {
            try registry.transferFrom(holder, to, id) {
                ghostIdentityMoves++;
            } catch {}
        } else if (how % 3 == 1) {
            try registry.safeTransferFrom(holder, to, id) {
                ghostIdentityMoves++;
            } catch {}
        } else {
            try registry.safeTransferFrom(holder, to, id, "x") {
                ghostIdentityMoves++;
            } catch {}
        }
        vm.stopPrank();
    }

    /// Machine NFTs are transferable: moving them must not disturb anything else.
    function transferMachineNFT(uint256 machineSeed, uint256 toSeed) external {
        (uint256 id, bool ok) = _machine(machineSeed);
        if (!ok) return;
        uint256 tokenId = nft.tokenIdOf(id);
        if (tokenId == 0) return;
        address holder = nft.ownerOf(tokenId);
        vm.prank(holder);
        nft.transferFrom(holder, _actor(toSeed), tokenId);
    }

    function submitEvent(uint256 machineSeed, bool byOperator, bool activity, uint256 value, uint8 trust, uint256 age)
        external
    {
        (uint256 id, bool ok) = _machine(machineSeed);
        if (!ok) return;
        address submitter = byOperator && operatorOf[id] != address(0) ? operatorOf[id] : walletOf[id];
        vm.prank(submitter);
        try eventRegistry.submitEvent(
            id,
            activity ? 1 : 0,
            value,
            activity ? "" : "USD",
            block.timestamp - (age % block.timestamp),
            keccak256(abi.encode(value)),
            uint8(trust % 3),
            value % 2 == 0 ? 8453 : uint256(type(uint64).max) + value % 1000,
            bytes32(value),
            ""
        ) {
            ghostEvents++;
        } catch {
            ghostUnexpectedReverts++;
        }
    }

    /// Strangers (never registered actors included) must not be able to submit.
    function submitEventAsStranger(uint256 machineSeed, uint256 strangerSeed) external {
        (uint256 id, bool ok) = _machine(machineSeed);
        if (!ok) return;
        address s = address(uint160(uint256(keccak256(abi.encode("stranger", strangerSeed)))));
        if (s == walletOf[id] || s == operatorOf[id]) return;
        vm.prank(s);
        try eventRegistry.submitEvent(id, 1, 0, "", block.timestamp, 0, 0, 0, 0, "") {
            ghostEvents++;
            ghostStrangerEvents++;
        } catch {}
    }
}

contract InvariantsTest is PeaqosBase {
    PeaqosHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new PeaqosHandler(registry, nft, eventRegistry);
        targetContract(address(handler));
    }

    function invariant_ValidActionsNeverRevert() public view {
        assertEq(handler.ghostUnexpectedReverts(), 0);
    }

    function invariant_IdentityNFTNeverMoves() public view {
        assertEq(handler.ghostIdentityMoves(), 0);
        uint256 n = registry.totalMachines();
        assertEq(n, handler.machineCount());
        for (uint256 id = 1; id <= n; ++id) {
            address wallet = registry.machineWalletOf(id);
            assertEq(registry.ownerOf(id), wallet, "ownerOf == machineWalletOf");
            assertEq(wallet, handler.walletOf(id), "wallet as registered");
            assertEq(registry.machineIdOfOwner(wallet), id);
            assertEq(registry.balanceOf(wallet), 1);
            assertEq(registry.operatorOf(id), handler.operatorOf(id));
        }
    }

    function invariant_EveryMachineHasExactlyItsBondStaked() public view {
        uint256 n = registry.totalMachines();
        uint256 sum;
        for (uint256 id = 1; id <= n; ++id) {
            assertEq(staking.getStake(id), BOND);
            assertTrue(staking.isStaked(id));
            sum += staking.getStake(id);
        }
        assertFalse(staking.isStaked(n + 1));
        assertEq(staking.totalStaked(), sum);
        assertEq(staking.totalStaked(), n * BOND);
        assertEq(staking.totalStaked(), handler.ghostBondsPaid());
        // The bond tokens are all held by the staking contract; nothing is left in the registry.
        assertEq(wpeaq.balanceOf(address(staking)), n * BOND);
        assertEq(wpeaq.balanceOf(address(registry)), 0);
        assertEq(address(registry).balance, 0);
    }

    function invariant_TotalEventCountIsSumOfMachineCounts() public view {
        uint256 n = registry.totalMachines();
        uint256 sum;
        for (uint256 id = 1; id <= n; ++id) {
            sum += eventRegistry.getEventCount(id);
        }
        assertEq(eventRegistry.totalEventCount(), sum);
        assertEq(sum, handler.ghostEvents());
        assertEq(handler.ghostStrangerEvents(), 0, "only wallet or operator may submit");
    }

    function invariant_MachineNFTSupplyMatchesMintedMachines() public view {
        uint256 n = registry.totalMachines();
        uint256 minted;
        uint256 maxTokenId;
        for (uint256 id = 1; id <= n; ++id) {
            uint256 tokenId = nft.tokenIdOf(id);
            if (tokenId == 0) continue;
            minted++;
            assertEq(nft.machineIdOf(tokenId), id, "token <-> machine link");
            if (tokenId > maxTokenId) maxTokenId = tokenId;
        }
        assertEq(nft.totalMinted(), minted);
        assertEq(nft.totalMinted(), handler.ghostMinted());
        assertEq(handler.ghostDoubleMints(), 0, "one Machine NFT per machine");
        assertEq(maxTokenId, minted, "ids are 1..minted");
    }
}
