// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The deposit part of an ERC-4337 v0.6 EntryPoint, enough for MachineSmartAccount.
contract EntryPointMock {
    mapping(address account => uint256) public balanceOf;

    function depositTo(address account) external payable {
        balanceOf[account] += msg.value;
    }

    function withdrawTo(address payable to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        (bool ok,) = to.call{value: amount}("");
        require(ok, "withdraw failed");
    }

    /// Receives the prefund `validateUserOp` pays.
    receive() external payable {}
}

/// @notice Refuses every ETH transfer (for `ETHTransferFailed`).
contract RejectETH {
    receive() external payable {
        revert("no ETH");
    }
}

/// @notice A call target that records the last call.
contract CallTarget {
    address public lastCaller;
    uint256 public lastValue;
    uint256 public calls;

    event Called(address caller, uint256 value, uint256 arg);

    function ping(uint256 arg) external payable returns (uint256) {
        lastCaller = msg.sender;
        lastValue = msg.value;
        calls += 1;
        emit Called(msg.sender, msg.value, arg);
        return arg;
    }

    /// Reverts with no data (the account maps it to `ExecutionFailed`).
    function failSilently() external pure {
        revert();
    }

    /// Reverts with a reason (the account bubbles it up).
    function failWithReason() external pure {
        revert("target says no");
    }
}
