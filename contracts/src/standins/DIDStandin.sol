// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title A Solidity stand-in for peaq's DID precompile (0x…0800), for nodes without it.
/// @notice Placed with `vm.etch` / `anvil_setCode`, so it needs no constructor state. Follows
/// the chain: attributes keyed by (didAccount, name); writes only to the caller's own DID;
/// name <= 64 bytes, value <= 2560 bytes; duplicate add, missing update/remove/read revert
/// (`Cannot find the item` on read); validity in blocks (0 = no expiry, stored as uint32 max);
/// `created` in milliseconds; events unindexed (log1, every field in data).
/// @dev The real precompile is native code in the devnet (crates/peaqos-devnet).
contract DIDStandin {
    struct Attribute {
        bytes name;
        bytes value;
        uint32 validity;
        uint256 created;
    }

    uint256 internal constant MAX_NAME_BYTES = 64;
    uint256 internal constant MAX_VALUE_BYTES = 2560;

    mapping(address didAccount => mapping(bytes name => Attribute)) private attributes;

    event AddAttribute(address sender, address did_account, bytes name, bytes value, uint32 validity);
    event UpdateAttribute(address sender, address did_account, bytes name, bytes value, uint32 validity);
    event RemoveAttribute(address did_account, bytes name);

    function addAttribute(address didAccount, bytes calldata name, bytes calldata value, uint32 validityFor)
        public
        returns (bool)
    {
        _checkWrite(didAccount, name, value);
        Attribute storage a = attributes[didAccount][name];
        require(a.created == 0, "Dispatched call failed with error: Module(AttributeAlreadyExist)");
        a.name = name;
        a.value = value;
        a.validity = _validity(validityFor);
        a.created = block.timestamp * 1000;
        emit AddAttribute(msg.sender, didAccount, name, value, validityFor);
        return true;
    }

    function updateAttribute(address didAccount, bytes calldata name, bytes calldata value, uint32 validityFor)
        public
        returns (bool)
    {
        _checkWrite(didAccount, name, value);
        Attribute storage a = attributes[didAccount][name];
        require(a.created != 0, "Dispatched call failed with error: Module(AttributeNotFound)");
        a.value = value;
        a.validity = _validity(validityFor);
        emit UpdateAttribute(msg.sender, didAccount, name, value, validityFor);
        return true;
    }

    function removeAttribute(address didAccount, bytes calldata name) public returns (bool) {
        _checkWrite(didAccount, name, "");
        require(attributes[didAccount][name].created != 0, "Dispatched call failed with error: Module(AttributeNotFound)");
        delete attributes[didAccount][name];
        emit RemoveAttribute(didAccount, name);
        return true;
    }

    function readAttribute(address didAccount, bytes calldata name) public view returns (Attribute memory) {
        Attribute storage a = attributes[didAccount][name];
        require(a.created != 0, "Cannot find the item");
        return a;
    }

    // snake_case aliases, as on the chain
    function add_attribute(address didAccount, bytes calldata name, bytes calldata value, uint32 validityFor)
        external
        returns (bool)
    {
        return addAttribute(didAccount, name, value, validityFor);
    }

    function update_attribute(address didAccount, bytes calldata name, bytes calldata value, uint32 validityFor)
        external
        returns (bool)
    {
        return updateAttribute(didAccount, name, value, validityFor);
    }

    function remove_attribute(address didAccount, bytes calldata name) external returns (bool) {
        return removeAttribute(didAccount, name);
    }

    function read_attribute(address didAccount, bytes calldata name) external view returns (Attribute memory) {
        return readAttribute(didAccount, name);
    }

    function _checkWrite(address didAccount, bytes calldata name, bytes memory value) private view {
        require(didAccount == msg.sender, "Dispatched call failed with error: Module(AttributeAuthorizationFailed)");
        require(name.length <= MAX_NAME_BYTES, "Name too long");
        require(value.length <= MAX_VALUE_BYTES, "Value too long");
    }

    function _validity(uint32 validityFor) private view returns (uint32) {
        if (validityFor == 0) return type(uint32).max;
        uint256 until = block.number + validityFor;
        require(until < type(uint32).max, "Dispatched call failed with error: Module(MaxBlockNumberExceeded)");
        return uint32(until);
    }
}
