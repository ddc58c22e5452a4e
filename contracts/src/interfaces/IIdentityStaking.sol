// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title The view of IdentityStaking that the other peaqOS contracts rely on.
interface IIdentityStaking {
    function stakeFor(uint256 machineId, address owner_, uint256 amount) external;

    function isStaked(uint256 machineId) external view returns (bool);
}
