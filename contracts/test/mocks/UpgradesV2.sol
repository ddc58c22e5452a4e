// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AdminFlags} from "../../src/AdminFlags.sol";
import {EventRegistry} from "../../src/EventRegistry.sol";
import {IdentityRegistry} from "../../src/IdentityRegistry.sol";
import {IdentityStaking} from "../../src/IdentityStaking.sol";
import {MachineNFT} from "../../src/MachineNFT.sol";
import {MachineSmartAccount} from "../../src/MachineSmartAccount.sol";

// Next versions of the peaqOS contracts for the upgrade tests: the same code plus `version()`.

/// @custom:oz-upgrades-unsafe-allow constructor
contract IdentityRegistryV2 is IdentityRegistry {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow constructor
contract IdentityStakingV2 is IdentityStaking {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow constructor
contract EventRegistryV2 is EventRegistry {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow constructor
contract MachineNFTV2 is MachineNFT {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow constructor
contract AdminFlagsV2 is AdminFlags {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @custom:oz-upgrades-unsafe-allow constructor
contract MachineSmartAccountV2 is MachineSmartAccount {
    constructor(address entryPoint_) MachineSmartAccount(entryPoint_) {}

    function version() external pure returns (uint256) {
        return 2;
    }
}
