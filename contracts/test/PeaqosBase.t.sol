// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

import {AdminFlags} from "../src/AdminFlags.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {IdentityStaking} from "../src/IdentityStaking.sol";
import {MachineNFT} from "../src/MachineNFT.sol";
import {DIDStandin} from "../src/standins/DIDStandin.sol";
import {WPEAQStandin} from "../src/standins/WPEAQStandin.sol";

/// @notice Deploys the peaqOS core (UUPS proxies, wired as on peaq) with the DID and WPEAQ
/// stand-ins etched at the precompile addresses, plus helpers shared by every test file.
abstract contract PeaqosBase is Test {
    address internal constant DID_ADDR = 0x0000000000000000000000000000000000000800;
    address internal constant WPEAQ_ADDR = 0x0000000000000000000000000000000000000809;
    uint256 internal constant BOND = 1 ether;
    string internal constant NFT_BASE_URI = "http://127.0.0.1:8000/metadata/";
    string internal constant CARD_BASE_URI = "http://127.0.0.1:8000/machines/";
    /// A realistic "now" so that past timestamps and `created` (ms) are meaningful.
    uint256 internal constant START_TIME = 1_750_000_000;

    uint8 internal constant REVENUE = 0;
    uint8 internal constant ACTIVITY = 1;
    uint8 internal constant STATUS_NONE = 0;
    uint8 internal constant STATUS_PENDING = 1;
    uint8 internal constant STATUS_VERIFIED = 2;
    uint8 internal constant STATUS_REJECTED = 3;
    uint8 internal constant STATUS_DEACTIVATED = 4;

    /// EIP-1967 implementation slot, to check upgrades.
    bytes32 internal constant IMPL_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    /// One event as passed to `submitEvent` (kept in memory to avoid stack-too-deep).
    struct EventInput {
        uint256 machineId;
        uint8 eventType;
        uint256 value;
        string currency;
        uint256 timestamp;
        bytes32 dataHash;
        uint8 trustLevel;
        uint256 sourceChainId;
        bytes32 sourceTxHash;
        bytes metadata;
    }

    address internal admin = makeAddr("admin");
    address internal stranger = makeAddr("stranger");

    IdentityRegistry internal registry;
    IdentityStaking internal staking;
    EventRegistry internal eventRegistry;
    MachineNFT internal nft;
    AdminFlags internal flags;
    DIDStandin internal did;
    WPEAQStandin internal wpeaq;

    function setUp() public virtual {
        _deployPeaqos();
    }

    function _deployPeaqos() internal {
        vm.warp(START_TIME);
        vm.etch(DID_ADDR, address(new DIDStandin()).code);
        vm.etch(WPEAQ_ADDR, address(new WPEAQStandin()).code);
        did = DIDStandin(DID_ADDR);
        wpeaq = WPEAQStandin(payable(WPEAQ_ADDR));

        registry = IdentityRegistry(
            payable(_proxy(address(new IdentityRegistry()), abi.encodeCall(IdentityRegistry.initialize, (admin))))
        );
        staking = IdentityStaking(
            _proxy(address(new IdentityStaking()), abi.encodeCall(IdentityStaking.initialize, (WPEAQ_ADDR, admin)))
        );
        eventRegistry = EventRegistry(
            _proxy(
                address(new EventRegistry()),
                abi.encodeCall(EventRegistry.initialize, (address(registry), address(staking), admin))
            )
        );
        nft = MachineNFT(
            _proxy(
                address(new MachineNFT()),
                abi.encodeCall(MachineNFT.initialize, (address(registry), address(staking), admin))
            )
        );
        flags = AdminFlags(
            _proxy(address(new AdminFlags()), abi.encodeCall(AdminFlags.initialize, (address(registry), admin)))
        );

        vm.startPrank(admin);
        registry.setIdentityStaking(address(staking));
        staking.authorize(address(registry));
        nft.setBaseURI(NFT_BASE_URI);
        registry.setBaseURI(CARD_BASE_URI);
        vm.stopPrank();
    }

    function _proxy(address impl, bytes memory init) internal returns (address) {
        return address(new ERC1967Proxy(impl, init));
    }

    // ------------------------------------------------------------------ onboarding helpers

    /// The machine registers itself, paying the bond.
    function registerSelf(address machine) internal returns (uint256 machineId) {
        vm.deal(machine, machine.balance + BOND);
        vm.prank(machine);
        machineId = registry.register{value: BOND}();
    }

    /// `proxy` registers `machine` and pays the bond; it becomes the machine's operator.
    function registerFor(address proxy, address machine) internal returns (uint256 machineId) {
        vm.deal(proxy, proxy.balance + BOND);
        vm.prank(proxy);
        machineId = registry.registerFor{value: BOND}(machine);
    }

    function mintNft(address caller, uint256 machineId, address recipient) internal returns (uint256 tokenId) {
        vm.prank(caller);
        nft.mint(machineId, recipient);
        tokenId = nft.tokenIdOf(machineId);
    }

    // ------------------------------------------------------------------ event helpers

    /// A valid revenue event at `block.timestamp`: 12345 USD cents, self-reported, off-chain.
    function revenueInput(uint256 machineId) internal view returns (EventInput memory e) {
        e.machineId = machineId;
        e.eventType = REVENUE;
        e.value = 12345;
        e.currency = "USD";
        e.timestamp = block.timestamp;
        e.dataHash = keccak256("raw revenue data");
    }

    /// A valid activity event at `block.timestamp` (empty currency).
    function activityInput(uint256 machineId) internal view returns (EventInput memory e) {
        e.machineId = machineId;
        e.eventType = ACTIVITY;
        e.value = 1;
        e.timestamp = block.timestamp;
        e.dataHash = keccak256("raw activity data");
    }

    /// Submits `e` as `submitter`; returns the event's index for its machine.
    function submit(address submitter, EventInput memory e) internal returns (uint256 index) {
        index = eventRegistry.getEventCount(e.machineId);
        vm.prank(submitter);
        _callSubmit(e);
    }

    /// Calls `submitEvent` with the fields of `e` (no prank: for expectRevert / gas use).
    function _callSubmit(EventInput memory e) internal {
        eventRegistry.submitEvent(
            e.machineId,
            e.eventType,
            e.value,
            e.currency,
            e.timestamp,
            e.dataHash,
            e.trustLevel,
            e.sourceChainId,
            e.sourceTxHash,
            e.metadata
        );
    }

    function submitRevenue(address submitter, uint256 machineId, uint256 value, string memory currency)
        internal
        returns (uint256 index)
    {
        EventInput memory e = revenueInput(machineId);
        e.value = value;
        e.currency = currency;
        return submit(submitter, e);
    }

    function submitActivity(address submitter, uint256 machineId, uint256 value) internal returns (uint256 index) {
        EventInput memory e = activityInput(machineId);
        e.value = value;
        return submit(submitter, e);
    }

    /// Every field of a stored event equals the submitted one.
    function assertEventEq(EventRegistry.MachineEvent memory got, EventInput memory want) internal pure {
        assertEq(got.machineId, want.machineId, "machineId");
        assertEq(got.eventType, want.eventType, "eventType");
        assertEq(got.value, want.value, "value");
        assertEq(got.currency, want.currency, "currency");
        assertEq(got.timestamp, want.timestamp, "timestamp");
        assertEq(got.dataHash, want.dataHash, "dataHash");
        assertEq(got.trustLevel, want.trustLevel, "trustLevel");
        assertEq(got.sourceChainId, want.sourceChainId, "sourceChainId");
        assertEq(got.sourceTxHash, want.sourceTxHash, "sourceTxHash");
        assertEq(got.metadata, want.metadata, "metadata");
    }

    // ------------------------------------------------------------------ DID helpers

    /// The six Machine DID attributes, written by the machine to its own DID (validity 0 = forever).
    function writeMachineDid(
        address machine,
        uint256 machineId,
        uint256 nftTokenId,
        string memory operatorDid
    ) internal {
        vm.startPrank(machine);
        did.addAttribute(machine, "machineId", bytes(vm.toString(machineId)), 0);
        did.addAttribute(machine, "nftTokenId", bytes(vm.toString(nftTokenId)), 0);
        did.addAttribute(machine, "operator", bytes(operatorDid), 0);
        did.addAttribute(machine, "documentation_url", "https://example.com/docs", 0);
        did.addAttribute(machine, "data_api", "https://example.com/events", 0);
        did.addAttribute(machine, "data_visibility", "public", 0);
        vm.stopPrank();
    }

    function assertDidAttr(address account, bytes memory name, bytes memory value) internal view {
        DIDStandin.Attribute memory a = did.readAttribute(account, name);
        assertEq(a.name, name, "did name");
        assertEq(a.value, value, "did value");
    }

    function didOf(address account) internal pure returns (string memory) {
        return string.concat("did:peaq:", vm.toString(account));
    }

    /// `len` bytes derived from `seed` (cheap deterministic filler for metadata).
    function filler(uint256 len, uint256 seed) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; i += 32) {
            bytes32 word = keccak256(abi.encode(seed, i));
            for (uint256 j; j < 32 && i + j < len; ++j) {
                out[i + j] = word[j];
            }
        }
    }
}
