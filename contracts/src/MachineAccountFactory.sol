// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {BeaconProxy} from "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
import {UpgradeableBeacon} from "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

import {MachineSmartAccount} from "./MachineSmartAccount.sol";

/// @title MachineAccountFactory: CREATE2 factory of MachineSmartAccount BeaconProxies.
/// @notice One UpgradeableBeacon (owned by the factory's deployer) points at the shared
/// implementation, so upgrading the beacon upgrades every account. `createAccount` is
/// idempotent, as ERC-4337 `initCode` requires.
contract MachineAccountFactory {
    UpgradeableBeacon private immutable BEACON;
    address private immutable ENTRY_POINT;

    event AccountCreated(address indexed account, address indexed owner, address indexed machine);

    error InvalidAddress();

    /// @param _entryPoint the ERC-4337 v0.6 EntryPoint the accounts trust.
    constructor(address _entryPoint) {
        if (_entryPoint == address(0)) revert InvalidAddress();
        ENTRY_POINT = _entryPoint;
        BEACON = new UpgradeableBeacon(address(new MachineSmartAccount(_entryPoint)), msg.sender);
    }

    /// @notice Deploys the account of (owner, machine, salt), or returns it if it exists.
    function createAccount(address owner, address machine, uint256 salt) external returns (address account) {
        if (owner == address(0) || machine == address(0)) revert InvalidAddress();
        account = getAddress(owner, machine, salt);
        if (account.code.length != 0) return account;
        Create2.deploy(0, bytes32(salt), _proxyCreationCode(owner, machine));
        emit AccountCreated(account, owner, machine);
    }

    /// @notice The counterfactual address of (owner, machine, salt).
    function getAddress(address owner, address machine, uint256 salt) public view returns (address) {
        return Create2.computeAddress(bytes32(salt), keccak256(_proxyCreationCode(owner, machine)));
    }

    /// @notice ERC-4337 `initCode`: this factory followed by the `createAccount` call.
    function getInitCode(address owner, address machine, uint256 salt) external view returns (bytes memory) {
        return abi.encodePacked(address(this), abi.encodeCall(this.createAccount, (owner, machine, salt)));
    }

    function beacon() external view returns (address) {
        return address(BEACON);
    }

    function entryPoint() external view returns (address) {
        return ENTRY_POINT;
    }

    function _proxyCreationCode(address owner, address machine) private view returns (bytes memory) {
        bytes memory init = abi.encodeCall(MachineSmartAccount.initialize, (owner, machine));
        return abi.encodePacked(type(BeaconProxy).creationCode, abi.encode(address(BEACON), init));
    }
}
