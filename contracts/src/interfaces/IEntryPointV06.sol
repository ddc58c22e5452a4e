// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice ERC-4337 v0.6 UserOperation (11 fields), as taken by `validateUserOp`.
struct UserOperation {
    address sender;
    uint256 nonce;
    bytes initCode;
    bytes callData;
    uint256 callGasLimit;
    uint256 verificationGasLimit;
    uint256 preVerificationGas;
    uint256 maxFeePerGas;
    uint256 maxPriorityFeePerGas;
    bytes paymasterAndData;
    bytes signature;
}

/// @title The part of the ERC-4337 v0.6 EntryPoint that a MachineSmartAccount uses.
interface IEntryPointV06 {
    function depositTo(address account) external payable;

    function withdrawTo(address payable withdrawAddress, uint256 withdrawAmount) external;

    function balanceOf(address account) external view returns (uint256);
}
