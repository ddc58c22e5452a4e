// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The view of IdentityRegistry that the other peaqOS contracts rely on.
interface IIdentityRegistry {
    /// @notice Status, and whether `caller` may act for the machine (Identity NFT holder,
    /// machine wallet or operator). Status 0 (None) means the machine does not exist.
    function authorizationOf(uint256 machineId, address caller)
        external
        view
        returns (uint8 status, bool authorized, bool isWallet);

    function machineExists(uint256 machineId) external view returns (bool);

    function machineWalletOf(uint256 machineId) external view returns (address);
}
