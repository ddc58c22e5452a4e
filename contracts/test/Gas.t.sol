// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";

import {PeaqosBase} from "./PeaqosBase.t.sol";
import {EventRegistry} from "../src/EventRegistry.sol";
import {IdentityRegistry} from "../src/IdentityRegistry.sol";
import {MachineNFT} from "../src/MachineNFT.sol";

/// @notice Gas of the hot paths, printed as `GAS <name> <value>`:
///   forge test --match-contract GasTest -vv | grep '^  GAS'
///
/// How the figures are taken (plain `forge test`, no `--isolate`):
/// - `GAS <name>` is the execution gas of the call from the callee's side
///   (`vm.lastCallGas().gasTotalUsed`): everything the proxy and the contracts it calls spend,
///   before refunds. It excludes the 21000 intrinsic gas, the calldata gas, and the caller-side
///   costs (cold access to the target, value transfer), which in a real transaction are part of
///   the intrinsic cost.
/// - `GAS <name>_tx` estimates the whole transaction on a Cancun EVM: 21000 + calldata
///   (16 gas per non-zero byte, 4 per zero byte) + execution - refund (capped at 1/5).
/// - Forge runs `setUp` and then each test function as separate transactions, so every figure
///   is taken in its own test function, as the first call touching the contracts: accounts and
///   slots are cold exactly as in a real transaction. Figure (iii) is the exception on purpose.
/// - Steady state: `setUp` makes one registration, one mint and one event beforehand, so no
///   figure pays for initialising a contract-wide slot (e.g. the ReentrancyGuard slot of a proxy
///   or `totalStaked` going from zero). Addresses and values are fixed, so the numbers are
///   reproducible. The WPEAQ stand-in is a WETH9-style contract: on peaq the precompile's
///   `deposit`/`approve`/`transferFrom` are priced by the runtime, so `register*` differ there.
contract GasTest is PeaqosBase {
    address internal veteran = makeAddr("veteran"); // registered, minted, one event
    address internal fresh = makeAddr("fresh"); // registered, nothing else
    address internal newcomer = makeAddr("newcomer"); // funded, not registered
    address internal proxyOp = makeAddr("proxyOp"); // funded operator
    address internal fleetMachine = makeAddr("fleetMachine");
    uint256 internal veteranId;
    uint256 internal freshId;

    function setUp() public override {
        super.setUp();
        veteranId = registerSelf(veteran);
        mintNft(veteran, veteranId, veteran);
        submit(veteran, _gasEvent(veteranId));
        freshId = registerSelf(fresh);
        vm.deal(newcomer, BOND);
        vm.deal(proxyOp, BOND);
    }

    /// The event of the brief: revenue 12345 USD, non-zero dataHash, trust 0, chain 0, no tx hash,
    /// no metadata.
    function _gasEvent(uint256 machineId) internal view returns (EventInput memory e) {
        e.machineId = machineId;
        e.eventType = REVENUE;
        e.value = 12345;
        e.currency = "USD";
        e.timestamp = block.timestamp;
        e.dataHash = keccak256("raw revenue data");
    }

    function _eventCalldata(EventInput memory e) internal pure returns (bytes memory) {
        return abi.encodeCall(
            EventRegistry.submitEvent,
            (
                e.machineId,
                e.eventType,
                e.value,
                e.currency,
                e.timestamp,
                e.dataHash,
                e.trustLevel,
                e.sourceChainId,
                e.sourceTxHash,
                e.metadata
            )
        );
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    /// Reads the last call's gas, prints both figures, returns the execution gas.
    function _report(string memory name, bytes memory data) internal returns (uint256 exec) {
        Vm.Gas memory g = vm.lastCallGas();
        exec = g.gasTotalUsed;
        uint256 gross = 21000 + _calldataGas(data) + exec;
        uint256 refund = g.gasRefunded > 0 ? uint256(int256(g.gasRefunded)) : 0;
        if (refund > gross / 5) refund = gross / 5;
        console.log(string.concat("GAS ", name, " ", vm.toString(exec)));
        console.log(string.concat("GAS ", name, "_tx ", vm.toString(gross - refund)));
    }

    function test_Gas_Register() public {
        vm.prank(newcomer);
        uint256 id = registry.register{value: BOND}();
        uint256 exec = _report("register", abi.encodeCall(IdentityRegistry.register, ()));
        assertEq(id, 3);
        assertGt(exec, 100_000);
        assertLt(exec, 400_000);
    }

    function test_Gas_RegisterFor() public {
        vm.prank(proxyOp);
        uint256 id = registry.registerFor{value: BOND}(fleetMachine);
        uint256 exec = _report("registerFor", abi.encodeCall(IdentityRegistry.registerFor, (fleetMachine)));
        assertEq(registry.operatorOf(id), proxyOp);
        assertGt(exec, 100_000);
        assertLt(exec, 400_000);
    }

    function test_Gas_Mint() public {
        vm.prank(fresh);
        nft.mint(freshId, fresh);
        uint256 exec = _report("mint", abi.encodeCall(MachineNFT.mint, (freshId, fresh)));
        assertEq(nft.tokenIdOf(freshId), 2);
        assertGt(exec, 50_000);
        assertLt(exec, 250_000);
    }

    /// (i) The machine's first event: it also caches the bond check (a zero -> non-zero write
    /// and a cold call into IdentityStaking).
    function test_Gas_SubmitEvent_FirstOfMachine() public {
        EventInput memory e = _gasEvent(freshId);
        vm.prank(fresh);
        _callSubmit(e);
        uint256 exec = _report("submitEvent_first", _eventCalldata(e));
        assertEq(eventRegistry.getEventCount(freshId), 1);
        assertGt(exec, 50_000);
        assertLt(exec, 200_000);
    }

    /// (ii) A later event of a machine, alone in its transaction (cold).
    function test_Gas_SubmitEvent_Later() public {
        EventInput memory e = _gasEvent(veteranId);
        vm.prank(veteran);
        _callSubmit(e);
        uint256 exec = _report("submitEvent_later", _eventCalldata(e));
        assertEq(eventRegistry.getEventCount(veteranId), 2);
        assertGt(exec, 30_000);
        assertLt(exec, 150_000);
    }

    /// (iii) An event right after another in the same transaction: accounts, config slots and
    /// the machine's count slot are already warm, as for the second event of a Batch. Its `_tx`
    /// line still prices a whole transaction; inside a Batch the event adds its execution gas
    /// plus its share of the calldata, not another 21000.
    function test_Gas_SubmitEvent_WarmSameTransaction() public {
        EventInput memory e = _gasEvent(veteranId);
        vm.prank(veteran);
        _callSubmit(e);
        uint256 cold = vm.lastCallGas().gasTotalUsed;
        vm.prank(veteran);
        _callSubmit(e);
        uint256 exec = _report("submitEvent_warm", _eventCalldata(e));
        assertEq(eventRegistry.getEventCount(veteranId), 3);
        assertLt(exec, cold, "warm is cheaper than cold");
    }
}
