// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Test, Vm} from "forge-std/Test.sol";
import {BeaconProxy} from "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
import {UpgradeableBeacon} from "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {CallTarget, EntryPointMock} from "./mocks/Mocks.sol";
import {MachineSmartAccountV2} from "./mocks/UpgradesV2.sol";
import {MachineAccountFactory} from "../src/MachineAccountFactory.sol";
import {MachineSmartAccount} from "../src/MachineSmartAccount.sol";
import {UserOperation} from "../src/interfaces/IEntryPointV06.sol";

/// @notice MachineAccountFactory (CREATE2 BeaconProxies) and MachineSmartAccount (ERC-4337 v0.6).
contract SmartAccountsTest is Test {
    EntryPointMock internal entryPoint;
    MachineAccountFactory internal factory;
    CallTarget internal target;

    uint256 internal ownerKey = 0xA11CE;
    uint256 internal machineKey = 0xB0B;
    uint256 internal otherKey = 0xBAD;
    address internal owner = vm.addr(ownerKey);
    address internal machine = vm.addr(machineKey);
    address internal stranger = vm.addr(otherKey);

    MachineSmartAccount internal account;

    function setUp() public {
        entryPoint = new EntryPointMock();
        factory = new MachineAccountFactory(address(entryPoint));
        target = new CallTarget();
        account = MachineSmartAccount(payable(factory.createAccount(owner, machine, 0)));
        vm.deal(address(account), 10 ether);
    }

    // ------------------------------------------------------------------ factory

    function test_CreateAccount_IsIdempotentAndEmitsOnce() public {
        address predicted = factory.getAddress(owner, machine, 7);
        assertEq(predicted.code.length, 0);

        vm.recordLogs();
        address first = factory.createAccount(owner, machine, 7);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(first, predicted);
        assertGt(first.code.length, 0);
        uint256 created;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(factory) && logs[i].topics[0] == MachineAccountFactory.AccountCreated.selector) {
                created++;
                assertEq(logs[i].topics[1], bytes32(uint256(uint160(first))));
                assertEq(logs[i].topics[2], bytes32(uint256(uint160(owner))));
                assertEq(logs[i].topics[3], bytes32(uint256(uint160(machine))));
            }
        }
        assertEq(created, 1, "AccountCreated on first call");

        vm.recordLogs();
        address second = factory.createAccount(owner, machine, 7);
        assertEq(second, first);
        assertEq(vm.getRecordedLogs().length, 0, "no event on second call");
    }

    function test_GetAddress_DependsOnOwnerMachineAndSalt() public view {
        address a = factory.getAddress(owner, machine, 0);
        assertEq(a, address(account));
        assertTrue(factory.getAddress(owner, machine, 1) != a);
        assertTrue(factory.getAddress(machine, owner, 0) != a);
        assertTrue(factory.getAddress(owner, stranger, 0) != a);
    }

    function test_GetInitCode_IsFactoryFollowedByCreateAccountCall() public view {
        bytes memory initCode = factory.getInitCode(owner, machine, 3);
        bytes memory expected = abi.encodePacked(
            address(factory), abi.encodeWithSelector(MachineAccountFactory.createAccount.selector, owner, machine, 3)
        );
        assertEq(initCode, expected);
        assertEq(initCode.length, 20 + 4 + 3 * 32);
    }

    function test_InitCode_DeploysPredictedAccount() public {
        bytes memory initCode = factory.getInitCode(owner, machine, 9);
        // What an EntryPoint does: call the first 20 bytes with the rest as calldata.
        // forge-lint: disable-next-line(unsafe-typecast)
        address to = address(bytes20(initCode));
        bytes memory data = new bytes(initCode.length - 20);
        for (uint256 i; i < data.length; ++i) {
            data[i] = initCode[i + 20];
        }
        (bool ok, bytes memory ret) = to.call(data);
        assertTrue(ok);
        assertEq(abi.decode(ret, (address)), factory.getAddress(owner, machine, 9));
    }

    function test_Account_RolesAndWiring() public view {
        assertEq(account.owner(), owner);
        assertEq(account.machine(), machine);
        assertEq(account.entryPoint(), address(entryPoint));
        assertEq(factory.entryPoint(), address(entryPoint));
        assertEq(UpgradeableBeacon(factory.beacon()).owner(), address(this));
    }

    // ------------------------------------------------------------------ execution

    function test_Execute_ByOwnerMachineAndEntryPoint() public {
        address[3] memory callers = [owner, machine, address(entryPoint)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectEmit(true, false, false, true, address(account));
            emit MachineSmartAccount.Executed(address(target), 1 wei, abi.encodeCall(CallTarget.ping, (i)));
            account.execute(address(target), 1 wei, abi.encodeCall(CallTarget.ping, (i)));
            assertEq(target.lastCaller(), address(account));
            assertEq(target.lastValue(), 1 wei);
        }
        assertEq(target.calls(), 3);
        assertEq(address(target).balance, 3 wei);
    }

    function test_ExecuteBatch_ByOwnerMachineAndEntryPoint() public {
        address[] memory targets = new address[](2);
        targets[0] = address(target);
        targets[1] = address(target);
        bytes[] memory datas = new bytes[](2);
        datas[0] = abi.encodeCall(CallTarget.ping, (1));
        datas[1] = abi.encodeCall(CallTarget.ping, (2));
        uint256[] memory values = new uint256[](2);
        values[0] = 5;
        values[1] = 7;

        vm.prank(owner);
        account.executeBatch(targets, values, datas);
        assertEq(address(target).balance, 12);
        vm.prank(machine);
        account.executeBatch(targets, new uint256[](0), datas); // empty values = all zero
        assertEq(address(target).balance, 12);
        vm.prank(address(entryPoint));
        account.executeBatch(targets, values, datas);
        assertEq(target.calls(), 6);
        assertEq(address(target).balance, 24);
    }

    function test_RevertWhen_BatchOver32Calls_BatchTooLarge() public {
        uint256 n = account.MAX_BATCH_SIZE() + 1;
        address[] memory targets = new address[](n);
        bytes[] memory datas = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            targets[i] = address(target);
            datas[i] = abi.encodeCall(CallTarget.ping, (i));
        }
        vm.prank(owner);
        vm.expectRevert(MachineSmartAccount.BatchTooLarge.selector);
        account.executeBatch(targets, new uint256[](0), datas);
        // Exactly 32 is allowed.
        assembly {
            mstore(targets, 32)
            mstore(datas, 32)
        }
        vm.prank(owner);
        account.executeBatch(targets, new uint256[](0), datas);
        assertEq(target.calls(), 32);
    }

    function test_RevertWhen_BatchArraysDiffer_LengthMismatch() public {
        address[] memory targets = new address[](2);
        targets[0] = address(target);
        targets[1] = address(target);
        bytes[] memory datas = new bytes[](1);
        datas[0] = abi.encodeCall(CallTarget.ping, (1));
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.LengthMismatch.selector);
        account.executeBatch(targets, new uint256[](0), datas);

        bytes[] memory twoDatas = new bytes[](2);
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.LengthMismatch.selector);
        account.executeBatch(targets, new uint256[](1), twoDatas);
    }

    function test_RevertWhen_AccountCallsItself_SelfCallBlocked() public {
        // The machine key must not reach owner-only functions through the account itself.
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.SelfCallBlocked.selector);
        account.execute(address(account), 0, abi.encodeCall(MachineSmartAccount.transferOwnership, (machine)));

        address[] memory targets = new address[](2);
        targets[0] = address(target);
        targets[1] = address(account);
        bytes[] memory datas = new bytes[](2);
        datas[0] = abi.encodeCall(CallTarget.ping, (1));
        datas[1] = abi.encodeCall(MachineSmartAccount.setMachine, (stranger));
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.SelfCallBlocked.selector);
        account.executeBatch(targets, new uint256[](0), datas);
        assertEq(account.owner(), owner);
        assertEq(account.machine(), machine);
        assertEq(target.calls(), 0, "batch is atomic");
    }

    function test_RevertWhen_StrangerExecutes_OnlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.execute(address(target), 0, abi.encodeCall(CallTarget.ping, (1)));
        vm.prank(stranger);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.executeBatch(new address[](0), new uint256[](0), new bytes[](0));
    }

    function test_RevertWhen_MachineCallsOwnerFunctions_OnlyOwner() public {
        vm.startPrank(machine);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.setMachine(stranger);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.transferOwnership(machine);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.withdrawDeposit(machine, 0);
        vm.stopPrank();
        vm.prank(address(entryPoint));
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.setMachine(stranger);
    }

    function test_RevertWhen_CallRevertsWithoutData_ExecutionFailed() public {
        vm.prank(owner);
        vm.expectRevert(MachineSmartAccount.ExecutionFailed.selector);
        account.execute(address(target), 0, abi.encodeCall(CallTarget.failSilently, ()));
        // An unknown selector on a contract without fallback also reverts without data.
        vm.prank(owner);
        vm.expectRevert(MachineSmartAccount.ExecutionFailed.selector);
        account.execute(address(factory), 0, hex"deadbeef");
    }

    function test_RevertWhen_CallRevertsWithReason_ReasonBubblesUp() public {
        vm.prank(machine);
        vm.expectRevert(bytes("target says no"));
        account.execute(address(target), 0, abi.encodeCall(CallTarget.failWithReason, ()));
    }

    function test_Execute_PlainTransferToEOA() public {
        vm.prank(machine);
        account.execute(stranger, 1 ether, "");
        assertEq(stranger.balance, 1 ether);
    }

    // ------------------------------------------------------------------ owner administration

    function test_OwnerAdministration_SetMachineTransferOwnershipDeposits() public {
        address newMachine = makeAddr("newMachine");
        vm.prank(owner);
        vm.expectEmit(true, true, false, false, address(account));
        emit MachineSmartAccount.MachineChanged(machine, newMachine);
        account.setMachine(newMachine);
        assertEq(account.machine(), newMachine);
        // The old machine key lost execution rights.
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.execute(address(target), 0, "");

        account.addDeposit{value: 2 ether}();
        assertEq(account.getDeposit(), 2 ether);
        vm.prank(owner);
        account.withdrawDeposit(stranger, 0.5 ether);
        assertEq(account.getDeposit(), 1.5 ether);
        assertEq(stranger.balance, 0.5 ether);

        vm.prank(owner);
        vm.expectEmit(true, true, false, false, address(account));
        emit MachineSmartAccount.OwnerChanged(owner, stranger);
        account.transferOwnership(stranger);
        assertEq(account.owner(), stranger);
        vm.prank(owner);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.setMachine(owner);
    }

    function test_RevertWhen_ZeroAddresses_InvalidAddress() public {
        vm.expectRevert(MachineAccountFactory.InvalidAddress.selector);
        new MachineAccountFactory(address(0));
        vm.expectRevert(MachineSmartAccount.InvalidAddress.selector);
        new MachineSmartAccount(address(0));
        vm.expectRevert(MachineAccountFactory.InvalidAddress.selector);
        factory.createAccount(address(0), machine, 1);
        vm.expectRevert(MachineAccountFactory.InvalidAddress.selector);
        factory.createAccount(owner, address(0), 1);
        vm.startPrank(owner);
        vm.expectRevert(MachineSmartAccount.InvalidAddress.selector);
        account.setMachine(address(0));
        vm.expectRevert(MachineSmartAccount.InvalidAddress.selector);
        account.transferOwnership(address(0));
        vm.expectRevert(MachineSmartAccount.InvalidAddress.selector);
        account.withdrawDeposit(address(0), 0);
        vm.stopPrank();
        // A proxy initialized with a zero role fails at deployment.
        address beacon = factory.beacon();
        vm.expectRevert(MachineSmartAccount.InvalidAddress.selector);
        new BeaconProxy(beacon, abi.encodeCall(MachineSmartAccount.initialize, (address(0), machine)));
    }

    function test_RevertWhen_InitializedAgain_InvalidInitialization() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        account.initialize(stranger, stranger);
        address impl = UpgradeableBeacon(factory.beacon()).implementation();
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        MachineSmartAccount(payable(impl)).initialize(stranger, stranger);
        assertEq(account.owner(), owner);
    }

    // ------------------------------------------------------------------ ERC-4337 / ERC-1271

    function _userOp(bytes memory signature) internal view returns (UserOperation memory op) {
        op.sender = address(account);
        op.callData = abi.encodeCall(MachineSmartAccount.execute, (address(target), 0, ""));
        op.signature = signature;
    }

    function _signEthMessage(uint256 key, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, MessageHashUtils.toEthSignedMessageHash(hash));
        return abi.encodePacked(r, s, v);
    }

    function _signRaw(uint256 key, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    function test_ValidateUserOp_OwnerOrMachineSignatureReturnsZero() public {
        bytes32 opHash = keccak256("userOpHash");
        vm.startPrank(address(entryPoint));
        assertEq(account.validateUserOp(_userOp(_signEthMessage(ownerKey, opHash)), opHash, 0), 0, "owner");
        assertEq(account.validateUserOp(_userOp(_signEthMessage(machineKey, opHash)), opHash, 0), 0, "machine");
        vm.stopPrank();
    }

    function test_ValidateUserOp_WrongSignerOrHashReturnsOne() public {
        bytes32 opHash = keccak256("userOpHash");
        vm.startPrank(address(entryPoint));
        assertEq(account.validateUserOp(_userOp(_signEthMessage(otherKey, opHash)), opHash, 0), 1, "stranger");
        // Signed over another hash, or without the eth-signed-message prefix.
        assertEq(account.validateUserOp(_userOp(_signEthMessage(ownerKey, keccak256("x"))), opHash, 0), 1);
        assertEq(account.validateUserOp(_userOp(_signRaw(ownerKey, opHash)), opHash, 0), 1, "no prefix");
        // A malformed signature fails validation instead of reverting.
        assertEq(account.validateUserOp(_userOp(hex"1234"), opHash, 0), 1, "malformed");
        vm.stopPrank();
    }

    function test_ValidateUserOp_PaysMissingFundsToEntryPoint() public {
        bytes32 opHash = keccak256("userOpHash");
        uint256 before = address(entryPoint).balance;
        vm.prank(address(entryPoint));
        uint256 result = account.validateUserOp(_userOp(_signEthMessage(machineKey, opHash)), opHash, 0.3 ether);
        assertEq(result, 0);
        assertEq(address(entryPoint).balance - before, 0.3 ether);
        assertEq(address(account).balance, 10 ether - 0.3 ether);
    }

    function test_RevertWhen_ValidateUserOpNotFromEntryPoint_OnlyEntryPoint() public {
        bytes32 opHash = keccak256("userOpHash");
        UserOperation memory op = _userOp(_signEthMessage(ownerKey, opHash));
        vm.prank(owner);
        vm.expectRevert(MachineSmartAccount.OnlyEntryPoint.selector);
        account.validateUserOp(op, opHash, 0);
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.OnlyEntryPoint.selector);
        account.validateUserOp(op, opHash, 1 ether);
    }

    function test_IsValidSignature_MagicValueForOwnerAndMachine() public view {
        bytes32 hash = keccak256("message");
        assertEq(account.isValidSignature(hash, _signRaw(ownerKey, hash)), bytes4(0x1626ba7e));
        assertEq(account.isValidSignature(hash, _signRaw(machineKey, hash)), bytes4(0x1626ba7e));
        assertEq(account.isValidSignature(hash, _signRaw(otherKey, hash)), bytes4(0xffffffff));
    }

    // ------------------------------------------------------------------ beacon upgrade

    function test_BeaconUpgrade_ChangesEveryAccount() public {
        MachineSmartAccount second = MachineSmartAccount(payable(factory.createAccount(stranger, machine, 1)));
        UpgradeableBeacon beacon = UpgradeableBeacon(factory.beacon());
        MachineSmartAccountV2 v2 = new MachineSmartAccountV2(address(entryPoint));

        // Only the beacon owner (the factory's deployer) may upgrade.
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        beacon.upgradeTo(address(v2));

        beacon.upgradeTo(address(v2));
        assertEq(beacon.implementation(), address(v2));
        assertEq(MachineSmartAccountV2(payable(address(account))).version(), 2);
        assertEq(MachineSmartAccountV2(payable(address(second))).version(), 2);
        // State is kept, and accounts created afterwards use the new code too.
        assertEq(account.owner(), owner);
        assertEq(second.owner(), stranger);
        assertEq(second.machine(), machine);
        address third = factory.createAccount(owner, stranger, 2);
        assertEq(third, factory.getAddress(owner, stranger, 2));
        assertEq(MachineSmartAccountV2(payable(third)).version(), 2);
        vm.prank(machine);
        account.execute(address(target), 0, abi.encodeCall(CallTarget.ping, (1)));
        assertEq(target.lastCaller(), address(account));
    }

    function test_StorageNamespace_MatchesERC7201Formula() public view {
        bytes32 slot = keccak256(abi.encode(uint256(keccak256("peaqos.storage.MachineSmartAccount")) - 1))
            & ~bytes32(uint256(0xff));
        assertEq(vm.load(address(account), slot), bytes32(uint256(uint160(owner))));
        assertEq(vm.load(address(account), bytes32(uint256(slot) + 1)), bytes32(uint256(uint160(machine))));
    }

    // ------------------------------------------------------------------ EntryPoint deposit guard

    /// The machine key must not reach `withdrawTo` around the owner-only `withdrawDeposit`.
    function test_RevertWhen_MachineOrEntryPointExecutesOnEntryPoint() public {
        vm.deal(owner, 1 ether);
        vm.prank(owner);
        account.addDeposit{value: 1 ether}();
        bytes memory drain = abi.encodeCall(EntryPointMock.withdrawTo, (payable(machine), 1 ether));

        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.execute(address(entryPoint), 0, drain);

        address[] memory targets = new address[](1);
        targets[0] = address(entryPoint);
        bytes[] memory datas = new bytes[](1);
        datas[0] = drain;
        vm.prank(machine);
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.executeBatch(targets, new uint256[](0), datas);

        vm.prank(address(entryPoint));
        vm.expectRevert(MachineSmartAccount.OnlyOwner.selector);
        account.execute(address(entryPoint), 0, drain);

        assertEq(account.getDeposit(), 1 ether, "deposit untouched");
    }

    function test_OwnerMayExecuteOnEntryPoint() public {
        vm.deal(owner, 1 ether);
        vm.prank(owner);
        account.addDeposit{value: 1 ether}();
        uint256 before = stranger.balance;
        vm.prank(owner);
        account.execute(address(entryPoint), 0, abi.encodeCall(EntryPointMock.withdrawTo, (payable(stranger), 0.4 ether)));
        assertEq(stranger.balance - before, 0.4 ether);
        assertEq(account.getDeposit(), 0.6 ether);
    }
}
