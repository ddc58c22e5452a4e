// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Pulls OpenZeppelin's ERC1967Proxy into the build so its artifact is committed with ours:
// every core contract is deployed behind one.
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
