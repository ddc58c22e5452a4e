// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title WPEAQ: peaq's native-currency ERC-20 precompile at 0x…0809 (or a WETH9-style stand-in).
/// @dev On peaq `deposit` refunds at once (the ERC-20 balance *is* the native balance); on a
/// WETH9-style token it wraps. The bond path works with both.
interface IWPEAQ is IERC20 {
    function deposit() external payable;

    function withdraw(uint256 value) external;
}
