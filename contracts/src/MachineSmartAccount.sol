// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IEntryPointV06, UserOperation} from "./interfaces/IEntryPointV06.sol";

/// @title MachineSmartAccount: an ERC-4337 v0.6 account with an owner and a machine.
/// @notice Behind a BeaconProxy deployed by MachineAccountFactory. Roles:
/// - owner: full control (`setMachine`, `transferOwnership`, `withdrawDeposit`) and execution;
/// - machine: execution (`execute`, `executeBatch`) and UserOperation / ERC-1271 signatures;
/// - EntryPoint: `validateUserOp`, and execution of validated UserOperations.
/// Calls to the account itself through `execute` are refused (`SelfCallBlocked`), so the
/// machine key cannot promote itself.
contract MachineSmartAccount is Initializable, ReentrancyGuard {
    using MessageHashUtils for bytes32;

    /// @notice Most calls one `executeBatch` may carry.
    uint256 public constant MAX_BATCH_SIZE = 32;
    uint256 internal constant SIG_VALIDATION_FAILED = 1;
    bytes4 internal constant ERC1271_MAGIC = 0x1626ba7e;
    bytes4 internal constant ERC1271_INVALID = 0xffffffff;

    /// @custom:storage-location erc7201:peaqos.storage.MachineSmartAccount
    struct AccountStorage {
        address owner;
        address machine;
    }

    // keccak256(abi.encode(uint256(keccak256("peaqos.storage.MachineSmartAccount")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x1ff697b7c240fccae5880aca22d74bfdf52c0b72b517a2531dbeb6ffd4941100;

    address private immutable ENTRY_POINT;

    event Executed(address indexed target, uint256 value, bytes data);
    event MachineChanged(address indexed previousMachine, address indexed newMachine);
    event OwnerChanged(address indexed previousOwner, address indexed newOwner);

    error BatchTooLarge();
    error ExecutionFailed();
    error InvalidAddress();
    error LengthMismatch();
    error OnlyEntryPoint();
    error OnlyOwner();
    error SelfCallBlocked();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address _entryPoint) {
        if (_entryPoint == address(0)) revert InvalidAddress();
        ENTRY_POINT = _entryPoint;
        _disableInitializers();
    }

    /// @notice Sets the owner and the machine (both non-zero).
    function initialize(address _owner, address _machine) external initializer {
        if (_owner == address(0) || _machine == address(0)) revert InvalidAddress();
        AccountStorage storage $ = _s();
        $.owner = _owner;
        $.machine = _machine;
        emit OwnerChanged(address(0), _owner);
        emit MachineChanged(address(0), _machine);
    }

    receive() external payable {}

    // ------------------------------------------------------------------ execution

    /// @notice Calls `target` with `value` and `data`; reverts with the callee's reason.
    function execute(address target, uint256 value, bytes calldata data) external nonReentrant {
        _call(target, value, data, _requireExecutor());
    }

    /// @notice Runs up to `MAX_BATCH_SIZE` calls; `values` may be empty (all zero).
    function executeBatch(address[] calldata targets, uint256[] calldata values, bytes[] calldata datas)
        external
        nonReentrant
    {
        bool byOwner = _requireExecutor();
        uint256 n = targets.length;
        if (n > MAX_BATCH_SIZE) revert BatchTooLarge();
        if (datas.length != n || (values.length != 0 && values.length != n)) revert LengthMismatch();
        for (uint256 i; i < n; ++i) {
            _call(targets[i], values.length == 0 ? 0 : values[i], datas[i], byOwner);
        }
    }

    /// @dev Only the owner, calling directly, may call the EntryPoint: the machine key must not
    /// reach `withdrawTo` around the owner-only `withdrawDeposit`.
    function _call(address target, uint256 value, bytes calldata data, bool byOwner) private {
        if (target == address(this)) revert SelfCallBlocked();
        if (target == ENTRY_POINT && !byOwner) revert OnlyOwner();
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            if (ret.length == 0) revert ExecutionFailed();
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        emit Executed(target, value, data);
    }

    // ------------------------------------------------------------------ ERC-4337 / ERC-1271

    /// @notice ERC-4337 v0.6: 0 when the owner or the machine signed the eth-signed-message
    /// hash of `userOpHash`, 1 otherwise; pays the EntryPoint what it is missing.
    function validateUserOp(UserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != ENTRY_POINT) revert OnlyEntryPoint();
        (address signer, ECDSA.RecoverError err,) =
            ECDSA.tryRecover(userOpHash.toEthSignedMessageHash(), userOp.signature);
        validationData = err == ECDSA.RecoverError.NoError && _isSigner(signer) ? 0 : SIG_VALIDATION_FAILED;
        if (missingAccountFunds != 0) {
            // The EntryPoint checks the deposit itself; a failed send is its problem to report.
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            ok;
        }
    }

    /// @notice ERC-1271: valid when the owner or the machine signed `hash` (65-byte ECDSA).
    /// Malformed signatures revert with the ECDSA errors.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return _isSigner(ECDSA.recoverCalldata(hash, signature)) ? ERC1271_MAGIC : ERC1271_INVALID;
    }

    // ------------------------------------------------------------------ administration (owner)

    /// @notice Replaces the machine key.
    function setMachine(address newMachine) external {
        _requireOwner();
        if (newMachine == address(0)) revert InvalidAddress();
        AccountStorage storage $ = _s();
        emit MachineChanged($.machine, newMachine);
        $.machine = newMachine;
    }

    /// @notice Hands the account to a new owner.
    function transferOwnership(address newOwner) external {
        _requireOwner();
        if (newOwner == address(0)) revert InvalidAddress();
        AccountStorage storage $ = _s();
        emit OwnerChanged($.owner, newOwner);
        $.owner = newOwner;
    }

    /// @notice Withdraws from the account's EntryPoint deposit.
    function withdrawDeposit(address to, uint256 amount) external {
        _requireOwner();
        if (to == address(0)) revert InvalidAddress();
        IEntryPointV06(ENTRY_POINT).withdrawTo(payable(to), amount);
    }

    /// @notice Adds the sent value to the account's EntryPoint deposit (extra to the deployed ABI).
    function addDeposit() external payable {
        IEntryPointV06(ENTRY_POINT).depositTo{value: msg.value}(address(this));
    }

    /// @notice The account's EntryPoint deposit (extra to the deployed ABI).
    function getDeposit() external view returns (uint256) {
        return IEntryPointV06(ENTRY_POINT).balanceOf(address(this));
    }

    // ------------------------------------------------------------------ views

    function owner() external view returns (address) {
        return _s().owner;
    }

    function machine() external view returns (address) {
        return _s().machine;
    }

    function entryPoint() external view returns (address) {
        return ENTRY_POINT;
    }

    // ------------------------------------------------------------------ internals

    function _isSigner(address signer) private view returns (bool) {
        AccountStorage storage $ = _s();
        return signer != address(0) && (signer == $.owner || signer == $.machine);
    }

    /// @dev Reverts unless the caller may execute; tells whether it is the owner.
    function _requireExecutor() private view returns (bool byOwner) {
        AccountStorage storage $ = _s();
        byOwner = msg.sender == $.owner;
        if (!byOwner && msg.sender != ENTRY_POINT && msg.sender != $.machine) revert OnlyOwner();
    }

    function _requireOwner() private view {
        if (msg.sender != _s().owner) revert OnlyOwner();
    }

    function _s() private pure returns (AccountStorage storage $) {
        assembly {
            $.slot := STORAGE_SLOT
        }
    }
}
