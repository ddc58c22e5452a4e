// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TestHelperOz5} from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {IONFT721, MessagingFee, SendParam} from "@layerzerolabs/onft-evm/contracts/onft721/interfaces/IONFT721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {MachineNFTAdapter} from "../src/MachineNFTAdapter.sol";
import {MachineNFTBase} from "../src/MachineNFTBase.sol";

/// @notice Machine NFT bridge peaq (EID 1, lock/unlock adapter) <-> Base (EID 2, burn/mint ONFT)
/// between two mock LayerZero V2 endpoints.
contract BridgeTest is PeaqosBase, TestHelperOz5 {
    using OptionsBuilder for bytes;

    uint32 internal constant PEAQ_EID = 1;
    uint32 internal constant BASE_EID = 2;

    MachineNFTAdapter internal adapter;
    MachineNFTBase internal baseNft;

    address internal machine = makeAddr("machine");
    address internal baseRecipient = makeAddr("baseRecipient");
    address internal peaqRecipient = makeAddr("peaqRecipient");
    uint256 internal machineId;
    uint256 internal tokenId;
    /// Executor gas for lzReceive: without it the mock endpoints deliver nothing.
    bytes internal options;

    function setUp() public override(PeaqosBase, TestHelperOz5) {
        TestHelperOz5.setUp();
        setUpEndpoints(2, LibraryType.UltraLightNode);
        _deployPeaqos();

        adapter = new MachineNFTAdapter(address(nft), endpoints[PEAQ_EID], address(this));
        baseNft = new MachineNFTBase("peaqOS Machine NFT", "PEAQMNFT", endpoints[BASE_EID], address(this));
        baseNft.setBaseURI(NFT_BASE_URI);
        address[] memory oapps = new address[](2);
        oapps[0] = address(adapter);
        oapps[1] = address(baseNft);
        wireOApps(oapps);

        options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(200000, 0);
        machineId = registerSelf(machine);
        // A second machine mints first so that the bridged token id is not 1 by accident.
        mintNft(makeAddr("other"), registerSelf(makeAddr("other")), makeAddr("other"));
        tokenId = mintNft(machine, machineId, machine);
    }

    function _param(uint32 dstEid, address to) internal view returns (SendParam memory) {
        return SendParam(dstEid, addressToBytes32(to), tokenId, options, "", "");
    }

    /// peaq -> Base as `machine`: approve, quote, send. Returns the fee paid.
    function _sendToBase() internal returns (uint256 nativeFee) {
        SendParam memory p = _param(BASE_EID, baseRecipient);
        MessagingFee memory fee = adapter.quoteSend(p, false);
        nativeFee = fee.nativeFee;
        vm.deal(machine, nativeFee);
        vm.startPrank(machine);
        nft.approve(address(adapter), tokenId);
        adapter.send{value: nativeFee}(p, fee, machine);
        vm.stopPrank();
    }

    function test_Wiring_PeersAndTokens() public view {
        assertEq(tokenId, 2);
        assertEq(adapter.peers(BASE_EID), addressToBytes32(address(baseNft)));
        assertEq(baseNft.peers(PEAQ_EID), addressToBytes32(address(adapter)));
        assertEq(adapter.token(), address(nft));
        assertEq(baseNft.token(), address(baseNft));
        assertTrue(adapter.approvalRequired());
        assertFalse(baseNft.approvalRequired());
    }

    function test_RoundTrip_PeaqToBaseAndBack() public {
        // peaq -> Base: locked in the adapter, minted on Base once the packet is delivered.
        uint256 fee = _sendToBase();
        assertGt(fee, 0, "the mock endpoint charges a fee");
        assertEq(nft.ownerOf(tokenId), address(adapter), "locked on peaq");
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, tokenId));
        baseNft.ownerOf(tokenId);

        verifyPackets(BASE_EID, addressToBytes32(address(baseNft)));
        assertEq(baseNft.ownerOf(tokenId), baseRecipient, "minted on Base");
        assertEq(baseNft.tokenURI(tokenId), "http://127.0.0.1:8000/metadata/2", "same metadata URL");
        // The identity and the token <-> machine link stay on peaq.
        assertEq(registry.ownerOf(machineId), machine);
        assertEq(nft.tokenIdOf(machineId), tokenId);
        assertEq(nft.machineIdOf(tokenId), machineId);
        submitActivity(machine, machineId, 1);

        // Base -> peaq: burned on Base, unlocked to the recipient on peaq.
        SendParam memory back = _param(PEAQ_EID, peaqRecipient);
        MessagingFee memory fee2 = baseNft.quoteSend(back, false);
        vm.deal(baseRecipient, fee2.nativeFee);
        vm.prank(baseRecipient);
        baseNft.send{value: fee2.nativeFee}(back, fee2, baseRecipient);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, tokenId));
        baseNft.ownerOf(tokenId);
        assertEq(nft.ownerOf(tokenId), address(adapter), "still locked until delivery");

        verifyPackets(PEAQ_EID, addressToBytes32(address(adapter)));
        assertEq(nft.ownerOf(tokenId), peaqRecipient, "unlocked on peaq");
        assertEq(nft.totalMinted(), 2, "no new token on peaq");
        assertEq(baseNft.balanceOf(baseRecipient), 0);
    }

    function test_RoundTrip_CanBridgeAgain() public {
        _sendToBase();
        verifyPackets(BASE_EID, addressToBytes32(address(baseNft)));
        vm.deal(baseRecipient, 1 ether);
        SendParam memory back = _param(PEAQ_EID, machine);
        MessagingFee memory fee = baseNft.quoteSend(back, false);
        vm.prank(baseRecipient);
        baseNft.send{value: fee.nativeFee}(back, fee, baseRecipient);
        verifyPackets(PEAQ_EID, addressToBytes32(address(adapter)));
        assertEq(nft.ownerOf(tokenId), machine);
        // Second trip: the token is re-minted on Base under the same id.
        _sendToBase();
        verifyPackets(BASE_EID, addressToBytes32(address(baseNft)));
        assertEq(baseNft.ownerOf(tokenId), baseRecipient);
    }

    function test_RevertWhen_MachineNFTPaused_BridgePausedByNFT() public {
        SendParam memory p = _param(BASE_EID, baseRecipient);
        MessagingFee memory fee = adapter.quoteSend(p, false);
        vm.prank(machine);
        nft.approve(address(adapter), tokenId);
        vm.prank(admin);
        nft.pause();
        vm.deal(machine, fee.nativeFee);
        vm.prank(machine);
        vm.expectRevert(MachineNFTAdapter.BridgePausedByNFT.selector);
        adapter.send{value: fee.nativeFee}(p, fee, machine);
        assertEq(nft.ownerOf(tokenId), machine);
        // Unpaused, the same send goes through.
        vm.prank(admin);
        nft.unpause();
        vm.prank(machine);
        adapter.send{value: fee.nativeFee}(p, fee, machine);
        assertEq(nft.ownerOf(tokenId), address(adapter));
    }

    function test_RevertWhen_AdapterNotApproved_ERC721InsufficientApproval() public {
        SendParam memory p = _param(BASE_EID, baseRecipient);
        MessagingFee memory fee = adapter.quoteSend(p, false);
        vm.deal(machine, fee.nativeFee);
        vm.prank(machine);
        vm.expectRevert(
            abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, address(adapter), tokenId)
        );
        adapter.send{value: fee.nativeFee}(p, fee, machine);
    }

    function test_RevertWhen_NonHolderSendsFromPeaq_ERC721IncorrectOwner() public {
        vm.prank(machine);
        nft.approve(address(adapter), tokenId);
        SendParam memory p = _param(BASE_EID, stranger);
        MessagingFee memory fee = adapter.quoteSend(p, false);
        vm.deal(stranger, fee.nativeFee);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IERC721Errors.ERC721IncorrectOwner.selector, stranger, tokenId, machine)
        );
        adapter.send{value: fee.nativeFee}(p, fee, stranger);
    }

    function test_RevertWhen_NonHolderSendsFromBase_OnlyNFTOwner() public {
        _sendToBase();
        verifyPackets(BASE_EID, addressToBytes32(address(baseNft)));
        SendParam memory back = _param(PEAQ_EID, stranger);
        MessagingFee memory fee = baseNft.quoteSend(back, false);
        vm.deal(stranger, fee.nativeFee);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IONFT721.OnlyNFTOwner.selector, stranger, baseRecipient));
        baseNft.send{value: fee.nativeFee}(back, fee, stranger);
    }

    function test_RevertWhen_ReceiverZero_InvalidReceiver() public {
        SendParam memory p = SendParam(BASE_EID, bytes32(0), tokenId, options, "", "");
        vm.expectRevert(IONFT721.InvalidReceiver.selector);
        adapter.quoteSend(p, false);
    }

    function test_RevertWhen_NonOwnerConfiguresBridge_OwnableUnauthorizedAccount() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        adapter.setPeer(BASE_EID, bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        baseNft.setPeer(PEAQ_EID, bytes32(uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        baseNft.setBaseURI("https://evil.example/");
        vm.stopPrank();
    }
}
