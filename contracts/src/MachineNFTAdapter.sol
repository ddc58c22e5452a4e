// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ONFT721Adapter} from "@layerzerolabs/onft-evm/contracts/onft721/ONFT721Adapter.sol";

interface IPausable {
    function paused() external view returns (bool);
}

/// @title MachineNFTAdapter: the peaq side of the Machine NFT bridge (LayerZero V2).
/// @notice Lock/unlock: sending locks the MachineNFT here (the holder approves the adapter
/// first), receiving unlocks it. Refuses to send while MachineNFT is paused.
contract MachineNFTAdapter is ONFT721Adapter {
    error BridgePausedByNFT();

    /// @param _nft the MachineNFT proxy; @param _lzEndpoint the LayerZero EndpointV2;
    /// @param _delegate owner and LayerZero delegate.
    constructor(address _nft, address _lzEndpoint, address _delegate) ONFT721Adapter(_nft, _lzEndpoint, _delegate) {}

    function _debit(address _from, uint256 _tokenId, uint32 _dstEid) internal override {
        if (IPausable(address(innerToken)).paused()) revert BridgePausedByNFT();
        super._debit(_from, _tokenId, _dstEid);
    }
}
