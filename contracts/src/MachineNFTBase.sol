// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ONFT721} from "@layerzerolabs/onft-evm/contracts/onft721/ONFT721.sol";

/// @title MachineNFTBase: the Base side of the Machine NFT bridge (LayerZero V2 ONFT721).
/// @notice Burn/mint: receiving from peaq mints, sending back burns. Token ids are the peaq
/// MachineNFT ids; `tokenURI = baseURI + tokenId`, the same MCR metadata URL as on peaq.
contract MachineNFTBase is ONFT721 {
    constructor(string memory _name, string memory _symbol, address _lzEndpoint, address _delegate)
        ONFT721(_name, _symbol, _lzEndpoint, _delegate)
    {}
}
