#!/usr/bin/env python3
"""Interop test: the OFFICIAL peaqOS Python SDK (peaq-os-sdk==0.1.0) against a peaqos-devnet.

Driven by `tests/interop_official_sdk.rs`, which spawns the devnet, writes its `.env` and runs
this script with the interop venv. It can also be run by hand against a running devnet:

    DO_NOT_TRACK=1 PEAQOS_TELEMETRY=0 INTEROP_ENV_FILE=/path/to/.env \
    INTEROP_PROXY_KEY=0x… INTEROP_FLEET_MACHINE_KEY=0x… INTEROP_FLEET_MACHINE_2_KEY=0x… \
    INTEROP_STRANGER_KEY=0x… .venv-interop/bin/python crates/peaqos-devnet/tests/interop/official_sdk.py

Configuration (environment):
  INTEROP_ENV_FILE            optional: a devnet `.env`; its variables are loaded unless already set
  PEAQOS_RPC_URL, PEAQOS_PRIVATE_KEY, IDENTITY_REGISTRY_ADDRESS, IDENTITY_STAKING_ADDRESS,
  EVENT_REGISTRY_ADDRESS, MACHINE_NFT_ADDRESS, DID_REGISTRY_ADDRESS, BATCH_PRECOMPILE_ADDRESS
                              what `PeaqosClient.from_env()` reads; PEAQOS_PRIVATE_KEY is the
                              self-managed machine
  INTEROP_PROXY_KEY           the proxy operator (registers itself, then the fleet machines)
  INTEROP_FLEET_MACHINE_KEY   a fleet machine registered by the proxy (writes its own machine DID)
  INTEROP_FLEET_MACHINE_2_KEY a second fleet machine (only its address is used)
  INTEROP_STRANGER_KEY        an account with no relation to any machine
  INTEROP_CHAIN_ID            optional: the chain id the endpoint must report

The SDK is used as a client only, through `PeaqosClient` (plus its documented module function
`peaq_os_sdk.did.did_precompile.read_attribute` and the contract objects the client binds).
Every check prints `ok <name>` or `FAIL <name>: <details>`; the last line is
`interop: N passed, M failed`; the exit status is non-zero on any failure. On a failure the last
JSON-RPC exchanges with the node are printed (indented) so a devnet problem can be reported with
the exact request and response.
"""

from __future__ import annotations

import os
import sys

# No telemetry, whatever the SDK version (0.1.0 has none; >= 0.3.0 honours these).
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PEAQOS_TELEMETRY"] = "0"

import collections  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

try:
    import peaq_os_sdk  # noqa: E402
    from peaq_os_sdk import (  # noqa: E402
        EVENT_TYPE_ACTIVITY,
        EVENT_TYPE_REVENUE,
        TRUST_HARDWARE_SIGNED,
        TRUST_ON_CHAIN_VERIFIABLE,
        TRUST_SELF_REPORTED,
        PeaqosClient,
        PeaqosError,
        RpcError,
        ValidationError,
    )
    from peaq_os_sdk.did.did_precompile import read_attribute  # noqa: E402
    from web3 import Web3  # noqa: E402  (installed with the SDK; keccak and address helpers)
    from web3.logs import DISCARD  # noqa: E402
except ImportError as import_err:  # pragma: no cover - environment problem
    print(
        f"FAIL import: cannot import the official SDK ({import_err}); create the venv with "
        "`python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0`",
        flush=True,
    )
    print("interop: 0 passed, 1 failed", flush=True)
    sys.exit(2)

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_HASH = b"\x00" * 32
EXPECTED_SDK_VERSION = "0.1.0"
REQUIRED_ADDRESS_VARS = (
    "IDENTITY_REGISTRY_ADDRESS",
    "IDENTITY_STAKING_ADDRESS",
    "EVENT_REGISTRY_ADDRESS",
    "MACHINE_NFT_ADDRESS",
    "DID_REGISTRY_ADDRESS",
    "BATCH_PRECOMPILE_ADDRESS",
)
ADDRESS_VARS = (*REQUIRED_ADDRESS_VARS, "MACHINE_ACCOUNT_FACTORY_ADDRESS", "ADMIN_FLAGS_ADDRESS")
CANNOT_FIND = re.compile(r"\bCannot find the item\b")
BOND_WEI = 10**18
SUBCALL_SUCCEEDED = Web3.keccak(text="SubcallSucceeded(uint256)").hex().removeprefix("0x")

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


def load_env_file(path: str) -> None:
    """Loads KEY=VALUE lines (comments and blanks skipped) without overriding the environment."""
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            key = key.strip()
            if key.startswith("export "):
                key = key[len("export ") :].strip()
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            os.environ.setdefault(key, value)


def require_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise SystemExit(f"interop: environment variable {name} is required")
    return value


def client_for(private_key: str) -> PeaqosClient:
    """A client with the same configuration as `from_env()` but another signer."""
    return PeaqosClient(
        rpc_url=require_env("PEAQOS_RPC_URL"),
        private_key=private_key,
        identity_registry=require_env("IDENTITY_REGISTRY_ADDRESS"),
        identity_staking=require_env("IDENTITY_STAKING_ADDRESS"),
        event_registry=require_env("EVENT_REGISTRY_ADDRESS"),
        machine_nft=require_env("MACHINE_NFT_ADDRESS"),
        did_registry=require_env("DID_REGISTRY_ADDRESS"),
        batch_precompile=require_env("BATCH_PRECOMPILE_ADDRESS"),
        machine_account_factory=os.environ.get("MACHINE_ACCOUNT_FACTORY_ADDRESS") or None,
        api_url=os.environ.get("PEAQOS_MCR_API_URL", "http://127.0.0.1:8000"),
    )


# ---------------------------------------------------------------------------------------------
# JSON-RPC trace (for reporting devnet problems with the exact request / response)
# ---------------------------------------------------------------------------------------------

TRACE: collections.deque[list[Any]] = collections.deque(maxlen=10)


def _short(data: Any, limit: int = 900) -> str:
    if isinstance(data, (bytes, bytearray)):
        text = bytes(data).decode("utf-8", "replace")
    else:
        text = str(data)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} chars)"


def install_trace(client: PeaqosClient, label: str) -> None:
    """Records the raw JSON-RPC bytes this client's web3 provider exchanges with the node."""
    provider = client.web3.provider
    inner = provider._make_request  # raw bytes in, raw bytes out (web3 8 HTTPProvider)

    def traced(method: Any, request_data: bytes) -> bytes:
        entry: list[Any] = [label, request_data, None, 1]
        try:
            response = inner(method, request_data)
        except Exception as err:  # transport failure: record and re-raise
            entry[2] = f"<transport error {type(err).__name__}: {err}>"
            _push(entry)
            raise
        entry[2] = response
        _push(entry)
        return response

    provider._make_request = traced  # type: ignore[method-assign]


def _strip_id(data: Any) -> str:
    return re.sub(r'"id":\s*\d+', '"id":_', _short(data, 100_000))


def _push(entry: list[Any]) -> None:
    # Receipt polling repeats the same exchange many times: fold the repetitions.
    if TRACE:
        last = TRACE[-1]
        if (
            last[0] == entry[0]
            and _strip_id(last[1]) == _strip_id(entry[1])
            and _strip_id(last[2]) == _strip_id(entry[2])
        ):
            last[3] += 1
            return
    TRACE.append(entry)


def trace_lines(count: int = 6) -> list[str]:
    out = []
    for label, request, response, times in list(TRACE)[-count:]:
        rep = f" (x{times})" if times > 1 else ""
        out.append(f"    rpc[{label}]{rep} -> {_short(request)}")
        out.append(f"    rpc[{label}]{rep} <- {_short(response)}")
    return out


# ---------------------------------------------------------------------------------------------
# Check harness
# ---------------------------------------------------------------------------------------------


class Aborted(Exception):
    """A prerequisite failed: the rest of the flow cannot run."""


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, info: str = "") -> None:
        self.passed += 1
        print(f"ok {name}" + (f" ({info})" if info else ""), flush=True)

    def fail(self, name: str, details: str, with_trace: bool = True) -> None:
        self.failed += 1
        print(f"FAIL {name}: {details}", flush=True)
        if with_trace:
            for line in trace_lines():
                print(line, flush=True)

    def check(self, name: str, condition: bool, details: str = "", info: str = "") -> bool:
        if condition:
            self.ok(name, info)
        else:
            self.fail(name, details or "condition is false", with_trace=False)
        return condition

    def equal(self, name: str, actual: Any, expected: Any, info: str = "") -> bool:
        return self.check(name, actual == expected, f"got {actual!r}, expected {expected!r}", info)

    def step(self, name: str, fn: Callable[[], Any], info: Callable[[Any], str] | None = None) -> Any:
        """Runs a call that must succeed; a failure aborts the current flow."""
        TRACE.clear()
        try:
            value = fn()
        except Exception as err:  # noqa: BLE001 - every failure is reported
            self.fail(name, describe(err))
            raise Aborted(name) from err
        self.ok(name, info(value) if info else "")
        return value

    def expect_error(
        self,
        name: str,
        fn: Callable[[], Any],
        exc_type: type[BaseException] | tuple[type[BaseException], ...],
        predicate: Callable[[BaseException], tuple[bool, str]],
    ) -> BaseException | None:
        """Runs a call that must raise `exc_type` satisfying `predicate` (-> (ok, why))."""
        TRACE.clear()
        try:
            value = fn()
        except exc_type as err:
            good, why = predicate(err)
            if good:
                self.ok(name, describe(err))
            else:
                self.fail(name, f"{why}; raised {describe(err)}")
            return err
        except Exception as err:  # noqa: BLE001
            self.fail(name, f"expected {type_names(exc_type)}, raised {describe(err)}")
            return err
        self.fail(name, f"expected {type_names(exc_type)}, but the call succeeded and returned {value!r}")
        return None


def type_names(t: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    if isinstance(t, tuple):
        return " or ".join(x.__name__ for x in t)
    return t.__name__


def describe(err: BaseException) -> str:
    parts = [f"{type(err).__module__}.{type(err).__name__}"]
    code = getattr(err, "code", None)
    if code:
        parts.append(f"code={code!r}")
    field = getattr(err, "field", None)
    if field:
        parts.append(f"field={field!r}")
    parts.append(f"message={_short(str(err), 600)!r}")
    cause = err.__cause__ or err.__context__
    if cause is not None and cause is not err:
        parts.append(f"cause={type(cause).__module__}.{type(cause).__name__}: {_short(str(cause), 600)!r}")
    if not isinstance(err, PeaqosError):
        tb = traceback.extract_tb(err.__traceback__)
        if tb:
            last = tb[-1]
            parts.append(f"at {os.path.basename(last.filename)}:{last.lineno}")
    return " ".join(parts)


def has_code(code: str, message: str | None = None) -> Callable[[BaseException], tuple[bool, str]]:
    def predicate(err: BaseException) -> tuple[bool, str]:
        got = getattr(err, "code", None)
        if got != code:
            return False, f"expected code {code!r}, got {got!r}"
        if message is not None and str(err) != message:
            return False, f"expected message {message!r}"
        return True, ""

    return predicate


def tx_hash_0x(tx_hash: str) -> str:
    return tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash


def checksum(address: str) -> str:
    return Web3.to_checksum_address(address)


# ---------------------------------------------------------------------------------------------
# Reads shared by the flows
# ---------------------------------------------------------------------------------------------

EVENT_FIELDS = (
    "machineId",
    "eventType",
    "value",
    "timestamp",
    "dataHash",
    "trustLevel",
    "sourceChainId",
    "sourceTxHash",
    "metadata",
    "currency",
)


def stored_event(raw: Any) -> dict[str, Any]:
    """A `MachineEvent` tuple from the EventRegistry as a dict with plain Python values."""
    values = list(raw)
    out = dict(zip(EVENT_FIELDS, values, strict=True))
    for key in ("dataHash", "sourceTxHash", "metadata"):
        out[key] = bytes(out[key])
    return out


def expected_event(machine_id: int, params: dict[str, Any], currency: str) -> dict[str, Any]:
    raw = params.get("raw_data")
    src = params.get("source_tx_hash")
    return {
        "machineId": machine_id,
        "eventType": params["event_type"],
        "value": params["value"],
        "timestamp": params["timestamp"],
        "dataHash": bytes(Web3.keccak(raw)) if raw is not None else ZERO_HASH,
        "trustLevel": params["trust_level"],
        "sourceChainId": params["source_chain_id"],
        "sourceTxHash": bytes.fromhex(src[2:]) if src is not None else ZERO_HASH,
        "metadata": params["metadata"],
        "currency": currency,
    }


def check_events(
    report: Report, name: str, client: PeaqosClient, machine_id: int, expected: list[dict[str, Any]]
) -> None:
    registry = client.event_registry
    count = report.step(
        f"{name}: getEventCount",
        lambda: int(registry.functions.getEventCount(machine_id).call()),
        lambda c: f"{c} events",
    )
    report.equal(f"{name}: event count", count, len(expected))
    events = report.step(
        f"{name}: getEvents",
        lambda: [stored_event(e) for e in registry.functions.getEvents(machine_id, 0, 100).call()],
    )
    report.equal(f"{name}: getEvents length", len(events), len(expected))
    for index, (got, want) in enumerate(zip(events, expected, strict=False)):
        diffs = [f"{k}: got {got[k]!r}, expected {want[k]!r}" for k in EVENT_FIELDS if got[k] != want[k]]
        report.check(f"{name}: event #{index} stored as sent", not diffs, "; ".join(diffs))
    if expected:
        last = len(expected) - 1
        at = report.step(
            f"{name}: getEventAt(last)",
            lambda: stored_event(registry.functions.getEventAt(machine_id, last).call()),
        )
        report.equal(f"{name}: getEventAt(last) == getEvents[last]", at, events[last] if events else None)


def check_did(
    report: Report, name: str, reader: PeaqosClient, subject: str, expected: list[tuple[str, str]]
) -> None:
    for attr, value in expected:
        result = report.step(
            f"{name}: read_attribute {attr}",
            lambda attr=attr: read_attribute(reader, subject, attr),
            lambda r: f"validity={r['validity']} created={r['created']}",
        )
        report.check(
            f"{name}: {attr} == {value!r}",
            result["name"] == attr and result["value"] == value and result["created"] > 0,
            f"got name={result['name']!r} value={result['value']!r} created={result['created']!r}",
        )


def check_receipt(report: Report, name: str, client: PeaqosClient, tx_hash: str, to: str) -> Any:
    receipt = report.step(
        f"{name}: receipt", lambda: client.web3.eth.get_transaction_receipt(tx_hash_0x(tx_hash))
    )
    tx = report.step(f"{name}: transaction", lambda: client.web3.eth.get_transaction(tx_hash_0x(tx_hash)))
    report.check(
        f"{name}: mined, EIP-1559, sent by the signer to {to}",
        receipt["status"] == 1
        and int(tx["type"]) == 2
        and checksum(tx["from"]) == client.address
        and checksum(tx["to"]) == checksum(to),
        f"status={receipt['status']} type={tx['type']} from={tx['from']} to={tx['to']}",
    )
    return receipt


# ---------------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------------


class State:
    """What the flows learn and later checks need."""

    def __init__(self) -> None:
        self.self_machine_id: int | None = None
        self.self_token_id: int | None = None
        self.self_events = 0
        self.proxy_machine_id: int | None = None
        self.fleet_machine_id: int | None = None
        self.fleet_2_machine_id: int | None = None


def environment_checks(report: Report, client: PeaqosClient) -> None:
    report.equal("sdk: version", getattr(peaq_os_sdk, "__version__", None) or sdk_dist_version(), EXPECTED_SDK_VERSION)
    chain_id = report.step("rpc: eth_chainId", lambda: client.web3.eth.chain_id, lambda c: f"chain id {c}")
    expected_chain = os.environ.get("INTEROP_CHAIN_ID")
    if expected_chain:
        report.equal("rpc: chain id as configured", chain_id, int(expected_chain))
    latest = report.step("rpc: latest block", lambda: client.web3.eth.get_block("latest"))
    report.check(
        "rpc: latest block has baseFeePerGas (EIP-1559)",
        "baseFeePerGas" in latest,
        f"block keys: {sorted(latest.keys())}",
    )
    # The SDK's batch_submit_events needs EVENT_REGISTRY_ADDRESS checksummed; the devnet .env
    # writes every address (including the two optional ones) that way.
    for var in ADDRESS_VARS:
        value = os.environ.get(var)
        if value is None:
            report.fail(f"config: {var} is EIP-55 checksummed", "not set (the devnet .env writes it)", with_trace=False)
            continue
        report.check(
            f"config: {var} is EIP-55 checksummed",
            Web3.is_address(value) and value == checksum(value),
            f"{value!r}",
        )


def sdk_dist_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("peaq-os-sdk")
    except Exception:  # noqa: BLE001
        return None


def chain_now(client: PeaqosClient) -> int:
    """The latest block timestamp: events must not be in the future (FutureTimestamp)."""
    return int(client.web3.eth.get_block("latest")["timestamp"])


def self_managed_flow(report: Report, me: PeaqosClient, st: State) -> None:
    addr = me.address
    w3 = me.web3
    balance_before = w3.eth.get_balance(addr)

    mid = report.step("self: register_machine", me.register_machine, lambda m: f"machine id {m}")
    st.self_machine_id = mid
    report.check("self: machine id is a positive int", isinstance(mid, int) and mid > 0, f"{mid!r}")
    reg = me.identity_registry.functions
    report.equal("self: machineIdOfOwner(signer)", reg.machineIdOfOwner(addr).call(), mid)
    report.equal("self: Identity NFT ownerOf(machineId) is the signer", checksum(reg.ownerOf(mid).call()), addr)
    report.equal("self: machineWalletOf(machineId)", checksum(reg.machineWalletOf(mid).call()), addr)
    report.check(
        "self: bonded through msg.value (IdentityStaking.isStaked)",
        bool(me.identity_staking.functions.isStaked(mid).call()),
    )
    spent = balance_before - w3.eth.get_balance(addr)
    report.check("self: balance paid the 1 PEAQ bond plus gas", spent > BOND_WEI, f"spent {spent} wei")

    tx = report.step("self: mint_nft(machineId, own address)", lambda: me.mint_nft(mid, addr), lambda h: f"tx {h}")
    report.check("self: mint_nft returns a 32-byte tx hash", re.fullmatch(r"(0x)?[0-9a-f]{64}", tx) is not None, tx)
    check_receipt(report, "self: mint tx", me, tx, os.environ["MACHINE_NFT_ADDRESS"])
    token = report.step("self: token_id_of", lambda: me.token_id_of(mid), lambda t: f"token id {t}")
    st.self_token_id = token
    report.check("self: token id > 0", isinstance(token, int) and token > 0, f"{token!r}")
    nft = me.machine_nft.functions
    report.equal("self: MachineNFT ownerOf(token) is the signer", checksum(nft.ownerOf(token).call()), addr)
    report.equal("self: MachineNFT machineIdOf(token)", nft.machineIdOf(token).call(), mid)

    did_values = [
        ("machineId", str(mid)),
        ("nftTokenId", str(token)),
        ("operator", ""),
        ("documentation_url", "https://docs.example.com/machines/self"),
        ("data_api", "https://api.example.com/self/v1"),
        ("data_visibility", "public"),
    ]
    tx = report.step(
        "self: write_machine_did_attributes (one Batch tx, six attributes)",
        lambda: me.write_machine_did_attributes(
            machine_id=mid,
            nft_token_id=token,
            operator_did="",
            documentation_url=did_values[3][1],
            data_api=did_values[4][1],
            data_visibility=did_values[5][1],
        ),
        lambda h: f"tx {h}",
    )
    check_receipt(report, "self: DID batch tx", me, tx, os.environ["BATCH_PRECOMPILE_ADDRESS"])
    check_did(report, "self DID", me, addr, did_values)

    now = chain_now(me)
    revenue = {
        "machine_id": mid,
        "event_type": EVENT_TYPE_REVENUE,
        "value": 12_345,
        "timestamp": now - 3_600,
        "raw_data": b'{"receipt":"r-0001","amount":"123.45 USD"}',
        "trust_level": TRUST_SELF_REPORTED,
        "source_chain_id": 0,
        "source_tx_hash": None,
        "metadata": b'{"kind":"charging-session"}',
    }
    tx, data_hash = report.step(
        "self: submit_event revenue (currency omitted -> USD)",
        lambda: me.submit_event(**revenue),
        lambda r: f"tx {r[0]}",
    )
    report.equal(
        "self: submit_event returns keccak(raw_data) as data hash",
        bytes(data_hash),
        bytes(Web3.keccak(revenue["raw_data"])),
    )
    receipt = check_receipt(report, "self: revenue event tx", me, tx, os.environ["EVENT_REGISTRY_ADDRESS"])
    decoded = me.event_registry.events.EventSubmitted().process_receipt(receipt, errors=DISCARD)
    report.check(
        "self: EventSubmitted log (machineId, eventIndex 0, type, value)",
        len(decoded) == 1
        and decoded[0]["args"]["machineId"] == mid
        and decoded[0]["args"]["eventIndex"] == 0
        and decoded[0]["args"]["eventType"] == EVENT_TYPE_REVENUE
        and decoded[0]["args"]["value"] == revenue["value"],
        f"decoded {decoded!r}",
    )

    activity = {
        "machine_id": mid,
        "event_type": EVENT_TYPE_ACTIVITY,
        "value": 1,
        "timestamp": now - 1_800,
        "raw_data": None,
        "trust_level": TRUST_HARDWARE_SIGNED,
        "source_chain_id": 3338,
        "source_tx_hash": None,
        "metadata": b"",
    }
    tx, data_hash = report.step(
        "self: submit_event activity (currency omitted -> empty)",
        lambda: me.submit_event(**activity),
        lambda r: f"tx {r[0]}",
    )
    report.equal("self: activity without raw data has a zero data hash", bytes(data_hash), ZERO_HASH)

    batch = [
        {
            "machine_id": mid,
            "event_type": EVENT_TYPE_REVENUE,
            "value": 123,
            "currency": "HKD",
            "timestamp": now - 900,
            "raw_data": b"hk-invoice-0042",
            "trust_level": TRUST_ON_CHAIN_VERIFIABLE,
            "source_chain_id": 8453,
            "source_tx_hash": "0x" + "ab" * 32,
            "metadata": b'{"invoice":"0042"}',
        },
        {
            "machine_id": mid,
            "event_type": EVENT_TYPE_ACTIVITY,
            "value": 7,
            "currency": "",
            "timestamp": now - 600,
            "raw_data": b"uptime:7h",
            "trust_level": TRUST_SELF_REPORTED,
            "source_chain_id": 0,
            "source_tx_hash": None,
            "metadata": b"m" * 512,
        },
        {
            "machine_id": mid,
            "event_type": EVENT_TYPE_REVENUE,
            "value": 100,
            "currency": "JPY",
            "timestamp": now - 300,
            "raw_data": None,
            "trust_level": TRUST_HARDWARE_SIGNED,
            "source_chain_id": 1,
            "source_tx_hash": None,
            "metadata": b"",
        },
    ]
    hashes = report.step(
        "self: batch_submit_events (three events, one Batch tx)",
        lambda: me.batch_submit_events([dict(e) for e in batch]),
        lambda h: f"tx {h[0] if h else None}",
    )
    report.check(
        "self: batch returns one identical hash per event",
        len(hashes) == len(batch) and len(set(hashes)) == 1,
        f"{hashes!r}",
    )
    receipt = check_receipt(report, "self: event batch tx", me, hashes[0], os.environ["BATCH_PRECOMPILE_ADDRESS"])
    decoded = me.event_registry.events.EventSubmitted().process_receipt(receipt, errors=DISCARD)
    report.check(
        "self: batch receipt has three EventSubmitted logs from the EventRegistry, in order",
        [(d["address"], d["args"]["eventIndex"]) for d in decoded]
        == [(checksum(os.environ["EVENT_REGISTRY_ADDRESS"]), i) for i in (2, 3, 4)],
        f"decoded {[(d['address'], d['args']['eventIndex']) for d in decoded]!r}",
    )
    # peaq's Batch precompile (Moonbeam's) logs SubcallSucceeded(index) after each subcall.
    subcall_logs = [
        (checksum(log["address"]), bytes(log["topics"][0]).hex(), int.from_bytes(bytes(log["data"]), "big"))
        for log in receipt["logs"]
        if checksum(log["address"]) != checksum(os.environ["EVENT_REGISTRY_ADDRESS"])
    ]
    report.equal(
        "self: batch receipt has SubcallSucceeded(0..2) from the Batch precompile",
        subcall_logs,
        [(checksum(os.environ["BATCH_PRECOMPILE_ADDRESS"]), SUBCALL_SUCCEEDED, i) for i in range(len(batch))],
    )

    expected = [
        expected_event(mid, revenue, "USD"),
        expected_event(mid, activity, ""),
        *(expected_event(mid, e, e["currency"]) for e in batch),
    ]
    check_events(report, "self events", me, mid, expected)
    st.self_events = len(expected)


def proxy_flow(
    report: Report,
    proxy: PeaqosClient,
    fleet: PeaqosClient,
    fleet_2_address: str,
    st: State,
) -> None:
    reg = proxy.identity_registry.functions
    pmid = report.step("proxy: register_machine (itself)", proxy.register_machine, lambda m: f"machine id {m}")
    st.proxy_machine_id = pmid

    fmid = report.step(
        "proxy: register_for(fleet machine)", lambda: proxy.register_for(fleet.address), lambda m: f"machine id {m}"
    )
    st.fleet_machine_id = fmid
    report.check("proxy: fleet machine id differs from the proxy's", fmid != pmid, f"{fmid} == {pmid}")
    report.equal("proxy: operatorOf(fleet) is the proxy", checksum(reg.operatorOf(fmid).call()), proxy.address)
    report.equal("proxy: machineWalletOf(fleet) is the fleet machine", checksum(reg.machineWalletOf(fmid).call()), fleet.address)
    report.equal("proxy: machineIdOfOwner(fleet machine)", reg.machineIdOfOwner(fleet.address).call(), fmid)
    report.check("proxy: fleet machine bonded by the proxy", bool(proxy.identity_staking.functions.isStaked(fmid).call()))

    # A lower-case address: the SDK checksums it before encoding.
    f2mid = report.step(
        "proxy: register_for(second fleet machine, lower-case address)",
        lambda: proxy.register_for(fleet_2_address.lower()),
        lambda m: f"machine id {m}",
    )
    st.fleet_2_machine_id = f2mid

    tx = report.step(
        "proxy: mint_nft(fleet machine id, fleet machine address)",
        lambda: proxy.mint_nft(fmid, fleet.address),
        lambda h: f"tx {h}",
    )
    check_receipt(report, "proxy: mint tx", proxy, tx, os.environ["MACHINE_NFT_ADDRESS"])
    token = report.step("proxy: token_id_of(fleet machine)", lambda: proxy.token_id_of(fmid), lambda t: f"token id {t}")
    report.equal(
        "proxy: the fleet NFT belongs to the fleet machine",
        checksum(proxy.machine_nft.functions.ownerOf(token).call()),
        fleet.address,
    )
    report.equal("proxy: fleet machine reads the same token id", fleet.token_id_of(fmid), token)

    operator_did = f"did:peaq:{proxy.address}"
    fleet_did = [
        ("machineId", str(fmid)),
        ("nftTokenId", str(token)),
        ("operator", operator_did),
        ("documentation_url", "https://docs.example.com/fleet/robot-1"),
        ("data_api", "https://fleet.example.com/api/robot-1"),
        ("data_visibility", "private"),
    ]
    tx = report.step(
        "fleet: write_machine_did_attributes (operator = proxy DID)",
        lambda: fleet.write_machine_did_attributes(
            machine_id=fmid,
            nft_token_id=token,
            operator_did=operator_did,
            documentation_url=fleet_did[3][1],
            data_api=fleet_did[4][1],
            data_visibility=fleet_did[5][1],
        ),
        lambda h: f"tx {h}",
    )
    check_receipt(report, "fleet: DID batch tx", fleet, tx, os.environ["BATCH_PRECOMPILE_ADDRESS"])
    # Anyone can read a DID: read the machine's DID through the proxy's client.
    check_did(report, "fleet DID", proxy, fleet.address, fleet_did)

    machines = [fmid, f2mid]
    tx = report.step(
        "proxy: write_proxy_did_attributes(machineId, machines)",
        lambda: proxy.write_proxy_did_attributes(pmid, machines),
        lambda h: f"tx {h}",
    )
    check_receipt(report, "proxy: DID batch tx", proxy, tx, os.environ["BATCH_PRECOMPILE_ADDRESS"])
    check_did(report, "proxy DID", fleet, proxy.address, [("machineId", str(pmid)), ("machines", json.dumps(machines))])

    now = chain_now(proxy)
    by_proxy = {
        "machine_id": fmid,
        "event_type": EVENT_TYPE_REVENUE,
        "value": 999,
        "currency": "EUR",
        "timestamp": now - 120,
        "raw_data": b"fleet-revenue-1",
        "trust_level": TRUST_SELF_REPORTED,
        "source_chain_id": 0,
        "source_tx_hash": None,
        "metadata": b'{"site":"depot-7"}',
    }
    report.step("proxy: submit_event for the fleet machine", lambda: proxy.submit_event(**by_proxy), lambda r: f"tx {r[0]}")
    by_machine = {
        "machine_id": fmid,
        "event_type": EVENT_TYPE_ACTIVITY,
        "value": 3,
        "timestamp": now - 60,
        "raw_data": b"tasks:3",
        "trust_level": TRUST_HARDWARE_SIGNED,
        "source_chain_id": 0,
        "source_tx_hash": None,
        "metadata": b"",
    }
    report.step(
        "fleet: submit_event for itself (machine wallet)", lambda: fleet.submit_event(**by_machine), lambda r: f"tx {r[0]}"
    )
    check_events(
        report,
        "fleet events",
        proxy,
        fmid,
        [expected_event(fmid, by_proxy, "EUR"), expected_event(fmid, by_machine, "")],
    )


def revert_checks(
    report: Report,
    me: PeaqosClient,
    proxy: PeaqosClient,
    fleet: PeaqosClient,
    stranger: PeaqosClient,
    st: State,
) -> None:
    mid = st.self_machine_id
    w3 = me.web3

    if mid is not None:
        report.expect_error(
            "revert: register_machine twice -> AlreadyRegistered",
            me.register_machine,
            RpcError,
            has_code("AlreadyRegistered", "Machine address is already registered"),
        )
    if st.fleet_machine_id is not None:
        report.expect_error(
            "revert: register_for(already registered machine) -> AlreadyRegistered",
            lambda: proxy.register_for(fleet.address),
            RpcError,
            has_code("AlreadyRegistered"),
        )
    report.expect_error(
        "revert: register_for(zero address) -> InvalidMachineAddress",
        lambda: proxy.register_for(ZERO_ADDRESS),
        RpcError,
        has_code("InvalidMachineAddress", "Invalid machine address (zero address not allowed)"),
    )

    def not_found(err: BaseException) -> tuple[bool, str]:
        return (CANNOT_FIND.search(str(err)) is not None, "the error text lacks 'Cannot find the item'")

    report.expect_error(
        "revert: read_attribute of a missing attribute -> 'Cannot find the item'",
        lambda: read_attribute(me, me.address, "no_such_attribute"),
        Exception,
        not_found,
    )
    report.expect_error(
        "revert: read_attribute on an address without a DID -> 'Cannot find the item'",
        lambda: read_attribute(me, stranger.address, "machineId"),
        Exception,
        not_found,
    )

    if mid is not None and st.self_token_id is not None:
        token = st.self_token_id
        report.expect_error(
            "revert: write_machine_did_attributes twice -> RpcError TX_REVERTED",
            lambda: me.write_machine_did_attributes(
                machine_id=mid,
                nft_token_id=token,
                operator_did="",
                documentation_url="https://docs.example.com/overwritten",
                data_api="https://api.example.com/overwritten",
                data_visibility="private",
            ),
            RpcError,
            has_code("TX_REVERTED"),
        )
        TRACE.clear()
        try:
            kept = read_attribute(me, me.address, "documentation_url")["value"]
            report.equal("revert: the failed DID rewrite changed nothing", kept, "https://docs.example.com/machines/self")
        except Exception as err:  # noqa: BLE001
            report.fail("revert: the failed DID rewrite changed nothing", describe(err))

        def undecoded_already_minted(err: BaseException) -> tuple[bool, str]:
            # AlreadyMinted is declared in MachineNFT only, whose ABI the SDK does not decode.
            good = getattr(err, "code", None) == "TX_REVERTED" and "0xddefae28" in str(err)
            return good, "expected code 'TX_REVERTED' with the AlreadyMinted selector 0xddefae28 in the text"

        report.expect_error(
            "revert: mint_nft twice -> TX_REVERTED carrying AlreadyMinted (0xddefae28)",
            lambda: me.mint_nft(mid, me.address),
            RpcError,
            undecoded_already_minted,
        )

    if st.fleet_2_machine_id is not None:
        f2 = st.fleet_2_machine_id
        report.expect_error(
            "revert: stranger mint_nft for someone's machine -> NotMachineOwner",
            lambda: stranger.mint_nft(f2, stranger.address),
            RpcError,
            has_code("NotMachineOwner"),
        )

    now = chain_now(me)
    missing_id = 987_654
    report.expect_error(
        "revert: submit_event for a machine id that does not exist -> MachineNotFound",
        lambda: me.submit_event(
            machine_id=missing_id,
            event_type=EVENT_TYPE_ACTIVITY,
            value=1,
            timestamp=now - 10,
            raw_data=None,
            trust_level=TRUST_SELF_REPORTED,
            source_chain_id=0,
            source_tx_hash=None,
            metadata=b"",
        ),
        RpcError,
        has_code("MachineNotFound", f"Machine ID {missing_id} does not exist"),
    )

    if mid is not None:
        report.expect_error(
            "revert: stranger submit_event for someone's machine -> NotAuthorizedSubmitter",
            lambda: stranger.submit_event(
                machine_id=mid,
                event_type=EVENT_TYPE_REVENUE,
                value=5,
                timestamp=now - 10,
                raw_data=b"forged",
                trust_level=TRUST_SELF_REPORTED,
                source_chain_id=0,
                source_tx_hash=None,
                metadata=b"",
            ),
            RpcError,
            has_code("NotAuthorizedSubmitter", f"Caller is not authorized to submit events for machine {mid}"),
        )
        report.expect_error(
            "revert: stranger batch_submit_events (through Batch) -> NotAuthorizedSubmitter",
            lambda: stranger.batch_submit_events(
                [
                    {
                        "machine_id": mid,
                        "event_type": EVENT_TYPE_ACTIVITY,
                        "value": 1,
                        "currency": "",
                        "timestamp": now - 10,
                        "raw_data": None,
                        "trust_level": TRUST_SELF_REPORTED,
                        "source_chain_id": 0,
                        "source_tx_hash": None,
                        "metadata": b"",
                    }
                ]
            ),
            RpcError,
            has_code("NotAuthorizedSubmitter", f"Caller is not authorized to submit events for machine {mid}"),
        )

    nonce_before = w3.eth.get_transaction_count(me.address)

    def trust_field(err: BaseException) -> tuple[bool, str]:
        return getattr(err, "field", None) == "trust_level", "expected field 'trust_level'"

    report.expect_error(
        "validation: trust_level 3 rejected by the SDK -> ValidationError",
        lambda: me.submit_event(
            machine_id=mid or 1,
            event_type=EVENT_TYPE_REVENUE,
            value=1,
            timestamp=now - 10,
            raw_data=None,
            trust_level=3,
            source_chain_id=0,
            source_tx_hash=None,
            metadata=b"",
        ),
        ValidationError,
        trust_field,
    )
    report.equal("validation: no transaction was sent", w3.eth.get_transaction_count(me.address), nonce_before)

    if mid is not None:
        report.equal(
            "revert: failed submissions stored nothing",
            me.event_registry.functions.getEventCount(mid).call(),
            st.self_events,
        )


def main() -> int:
    env_file = os.environ.get("INTEROP_ENV_FILE")
    if env_file:
        load_env_file(env_file)

    report = Report()
    try:
        me = PeaqosClient.from_env()
        proxy = client_for(require_env("INTEROP_PROXY_KEY"))
        fleet = client_for(require_env("INTEROP_FLEET_MACHINE_KEY"))
        fleet_2 = client_for(require_env("INTEROP_FLEET_MACHINE_2_KEY"))
        stranger = client_for(require_env("INTEROP_STRANGER_KEY"))
    except Exception as err:  # noqa: BLE001
        report.fail("setup: build the clients", describe(err), with_trace=False)
        print(f"interop: {report.passed} passed, {report.failed} failed", flush=True)
        return 1
    for label, client in (("self", me), ("proxy", proxy), ("fleet", fleet), ("stranger", stranger)):
        install_trace(client, label)
    signers = {me.address, proxy.address, fleet.address, fleet_2.address, stranger.address}
    report.check("setup: five distinct signers", len(signers) == 5, f"{sorted(signers)}")

    st = State()
    for name, flow in (
        ("environment", lambda: environment_checks(report, me)),
        ("self-managed flow", lambda: self_managed_flow(report, me, st)),
        ("proxy flow", lambda: proxy_flow(report, proxy, fleet, fleet_2.address, st)),
        ("revert checks", lambda: revert_checks(report, me, proxy, fleet, stranger, st)),
    ):
        try:
            flow()
        except Aborted as aborted:
            report.fail(name, f"aborted after the failed step {aborted}", with_trace=False)
        except Exception as err:  # noqa: BLE001 - an unexpected error inside a flow
            report.fail(name, f"unexpected {describe(err)}")
            traceback.print_exc()

    print(f"interop: {report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
