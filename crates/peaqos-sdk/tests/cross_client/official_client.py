#!/usr/bin/env python3
"""Cross-client check: the OFFICIAL peaqOS Python SDK (peaq-os-sdk==0.1.0) and the Rust SDK on
one devnet.

Driven by `crates/peaqos-sdk/tests/cross_client.rs`, which spawns the devnet, writes state with
the Rust SDK, then runs this script once with:

  CROSS_ENV_FILE      the devnet `.env` (loaded without overriding the environment)
  CROSS_EXPECT        JSON written by the Rust side: what it wrote (DID attributes, NFTs, events)
                      and the validation cases to evaluate
  CROSS_OUT           where this script writes its JSON: what the official client wrote, and the
                      official validation results
  CROSS_SELF_KEY      key of the machine this script registers itself (self-managed flow)
  CROSS_PROXY_KEY     key of the proxy this script uses (registers itself and a fleet machine)
  CROSS_FLEET_KEY     key of the fleet machine (writes its own machine DID)

Three parts:

1. read:     everything the Rust SDK wrote is read back with the official client
             (`read_attribute`, `token_id_of`, its web3 contract objects for NFTs and events)
             and compared field by field;
2. validate: each validation case is run through the official validators
             (`validate_submit_event_params`, the DID validators, the attribute encoder) and the
             resulting (field, constraint, message) is reported back for the Rust side to compare;
3. write:    the official client writes its own state (machine DID, proxy DID, single and
             batch events), which the Rust side then reads and compares.

Every check prints `ok <name>` or `FAIL <name>: <details>`; the last line is
`cross-client: N passed, M failed`; the exit status is non-zero on any failure.
"""

from __future__ import annotations

import os
import sys

os.environ["DO_NOT_TRACK"] = "1"
os.environ["PEAQOS_TELEMETRY"] = "0"

import json  # noqa: E402
import re  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402

try:
    from peaq_os_sdk import PeaqosClient, ValidationError  # noqa: E402
    from peaq_os_sdk.did.did_precompile import encode_add_attribute, read_attribute  # noqa: E402
    from peaq_os_sdk.types.events import SubmitEventParams  # noqa: E402
    from peaq_os_sdk.validation.did_attributes import (  # noqa: E402
        validate_machine_did_attrs,
        validate_proxy_did_attrs,
    )
    from peaq_os_sdk.validation.submit_event import validate_submit_event_params  # noqa: E402
    from web3 import Web3  # noqa: E402
except ImportError as import_err:  # pragma: no cover - environment problem
    print(
        f"FAIL import: cannot import the official SDK ({import_err}); create the venv with "
        "`python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0`",
        flush=True,
    )
    print("cross-client: 0 passed, 1 failed", flush=True)
    sys.exit(2)

CANNOT_FIND = re.compile(r"\bCannot find the item\b")
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


# ---------------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, condition: bool, details: str = "") -> bool:
        if condition:
            self.passed += 1
            print(f"ok {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {details or 'condition is false'}", flush=True)
        return condition

    def equal(self, name: str, actual: Any, expected: Any) -> bool:
        return self.check(name, actual == expected, f"got {actual!r}, expected {expected!r}")

    def run(self, name: str, fn: Any) -> Any:
        """Runs a call that must succeed; a failure is reported and re-raised."""
        try:
            value = fn()
        except Exception as err:  # noqa: BLE001
            self.check(name, False, f"{type(err).__name__}: {err}\n{traceback.format_exc()}")
            raise
        self.check(name, True)
        return value


def load_env_file(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            key = key.strip().removeprefix("export ").strip()
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            os.environ.setdefault(key, value)


def client_for(private_key: str) -> PeaqosClient:
    env = os.environ
    return PeaqosClient(
        rpc_url=env["PEAQOS_RPC_URL"],
        private_key=private_key,
        identity_registry=env["IDENTITY_REGISTRY_ADDRESS"],
        identity_staking=env["IDENTITY_STAKING_ADDRESS"],
        event_registry=env["EVENT_REGISTRY_ADDRESS"],
        machine_nft=env["MACHINE_NFT_ADDRESS"],
        did_registry=env["DID_REGISTRY_ADDRESS"],
        batch_precompile=env["BATCH_PRECOMPILE_ADDRESS"],
    )


def hex0x(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def tx0x(tx_hash: str) -> str:
    return tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash


def stored_event(raw: Any) -> dict[str, Any]:
    out = dict(zip(EVENT_FIELDS, list(raw), strict=True))
    for key in ("dataHash", "sourceTxHash", "metadata"):
        out[key] = hex0x(out[key])
    return out


# ---------------------------------------------------------------------------------------------
# 1. Read what the Rust SDK wrote
# ---------------------------------------------------------------------------------------------


def read_part(report: Report, reader: PeaqosClient, expect: dict[str, Any]) -> None:
    for did in expect["dids"]:
        subject = Web3.to_checksum_address(did["address"])
        for name, value in did["attributes"]:
            label = f"read: {did['label']} {name}"
            try:
                got = read_attribute(reader, subject, name)
            except Exception as err:  # noqa: BLE001
                report.check(label, False, f"read_attribute raised {type(err).__name__}: {err}")
                continue
            report.check(
                label,
                got["name"] == name and got["value"] == value and got["created"] > 0,
                f"got {dict(got)!r}, expected value {value!r}",
            )
    for missing in expect["missing"]:
        label = f"read: {missing['label']} has no {missing['name']}"
        try:
            got = read_attribute(reader, Web3.to_checksum_address(missing["address"]), missing["name"])
        except Exception as err:  # noqa: BLE001
            report.check(label, CANNOT_FIND.search(str(err)) is not None, f"raised {err!r}")
        else:
            report.check(label, False, f"read_attribute returned {dict(got)!r}")
    nft = reader.machine_nft.functions
    for token in expect["tokens"]:
        mid = int(token["machine_id"])
        label = f"read: token of machine {mid}"
        report.equal(f"{label} (token_id_of)", reader.token_id_of(mid), int(token["token_id"]))
        report.equal(
            f"{label} (ownerOf)",
            Web3.to_checksum_address(nft.ownerOf(int(token["token_id"])).call()),
            Web3.to_checksum_address(token["owner"]),
        )
        report.equal(f"{label} (machineIdOf)", nft.machineIdOf(int(token["token_id"])).call(), mid)
    registry = reader.event_registry.functions
    for group in expect["events"]:
        mid = int(group["machine_id"])
        want = group["events"]
        report.equal(f"read: event count of machine {mid}", registry.getEventCount(mid).call(), len(want))
        got = [stored_event(e) for e in registry.getEvents(mid, 0, 100).call()]
        report.equal(f"read: getEvents length of machine {mid}", len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            w = dict(w)
            for key in ("machineId", "value", "timestamp", "sourceChainId"):
                w[key] = int(w[key])
            diffs = [f"{k}: got {g[k]!r}, expected {w[k]!r}" for k in EVENT_FIELDS if g[k] != w[k]]
            report.check(f"read: machine {mid} event #{i} as the Rust SDK sent it", not diffs, "; ".join(diffs))
    for tx in expect["txs"]:
        receipt = reader.web3.eth.get_transaction_receipt(tx["hash"])
        report.check(
            f"read: Rust tx {tx['label']} mined to {tx['to']}",
            receipt["status"] == 1 and Web3.to_checksum_address(receipt["to"]) == Web3.to_checksum_address(tx["to"]),
            f"status={receipt['status']} to={receipt['to']}",
        )


# ---------------------------------------------------------------------------------------------
# 2. Official validation of the shared cases
# ---------------------------------------------------------------------------------------------


def case_value(text: str) -> Any:
    """The Rust case's value text as the Python caller would pass it: int, float, or str."""
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def event_params(p: dict[str, Any]) -> SubmitEventParams:
    kwargs: dict[str, Any] = {
        "machine_id": int(p["machine_id"]),
        "event_type": int(p["event_type"]),
        "value": case_value(p["value"]),
        "timestamp": int(p["timestamp"]),
        "raw_data": bytes.fromhex(p["raw_data"][2:]) if p["raw_data"] is not None else None,
        "trust_level": int(p["trust_level"]),
        "source_chain_id": int(p["source_chain_id"]),
        "source_tx_hash": p["source_tx_hash"],
        "metadata": bytes.fromhex(p["metadata"][2:]),
    }
    # Omitted in Rust (`None`) = the kwarg left out (the official "omitted" sentinel).
    if p["currency"] is not None:
        kwargs["currency"] = p["currency"]
    return SubmitEventParams(**kwargs)


def outcome(fn: Any) -> dict[str, Any]:
    try:
        fn()
    except ValidationError as err:
        return {"kind": "validation", "field": err.field, "constraint": err.constraint, "message": str(err)}
    except TypeError as err:
        return {"kind": "type", "message": str(err)}
    return {"kind": "ok"}


def validate_part(report: Report, any_client: PeaqosClient, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for case in cases:
        kind = case["kind"]
        if kind == "event":
            result = outcome(lambda c=case: validate_submit_event_params(event_params(c["params"])))
        elif kind == "machine_did":
            a = case["args"]
            result = outcome(
                lambda a=a: validate_machine_did_attrs(
                    int(a["machine_id"]),
                    int(a["nft_token_id"]),
                    a["operator_did"],
                    a["documentation_url"],
                    a["data_api"],
                    a["data_visibility"],
                )
            )
        elif kind == "proxy_did":
            a = case["args"]
            result = outcome(
                lambda a=a: validate_proxy_did_attrs(int(a["proxy_machine_id"]), [int(x) for x in a["machine_ids"]])
            )
        elif kind == "attribute":
            a = case["args"]
            result = outcome(
                lambda a=a: encode_add_attribute(any_client.did_precompile, any_client.address, a["name"], a["value"], 0)
            )
        else:
            result = {"kind": "unknown case kind"}
        results.append({"name": case["name"], **result})
    report.equal("validate: every case evaluated", len(results), len(cases))
    return results


# ---------------------------------------------------------------------------------------------
# 3. Write with the official client
# ---------------------------------------------------------------------------------------------


def chain_now(c: PeaqosClient) -> int:
    return int(c.web3.eth.get_block("latest")["timestamp"])


def event_json(params: dict[str, Any], currency: str) -> dict[str, Any]:
    raw = params.get("raw_data")
    return {
        "machine_id": str(params["machine_id"]),
        "event_type": params["event_type"],
        "value": str(params["value"]),
        "currency_given": params.get("currency"),
        "currency": currency,
        "timestamp": params["timestamp"],
        "raw_data": hex0x(raw) if raw is not None else None,
        "trust_level": params["trust_level"],
        "source_chain_id": params["source_chain_id"],
        "source_tx_hash": params["source_tx_hash"],
        "metadata": hex0x(params["metadata"]),
    }


def write_part(report: Report) -> dict[str, Any]:
    me = client_for(os.environ["CROSS_SELF_KEY"])
    proxy = client_for(os.environ["CROSS_PROXY_KEY"])
    fleet = client_for(os.environ["CROSS_FLEET_KEY"])
    out: dict[str, Any] = {}

    # Self-managed machine: register, mint, six DID attributes, events.
    mid = report.run("write: self register_machine", me.register_machine)
    report.run("write: self mint_nft", lambda: me.mint_nft(mid, me.address))
    token = report.run("write: self token_id_of", lambda: me.token_id_of(mid))
    attrs = [
        ("machineId", str(mid)),
        ("nftTokenId", str(token)),
        ("operator", ""),
        ("documentation_url", "https://docs.example.com/python"),
        ("data_api", "https://api.example.com/python/v1"),
        ("data_visibility", "onchain"),
    ]
    did_tx = report.run(
        "write: self write_machine_did_attributes",
        lambda: me.write_machine_did_attributes(
            machine_id=mid,
            nft_token_id=token,
            operator_did="",
            documentation_url=attrs[3][1],
            data_api=attrs[4][1],
            data_visibility=attrs[5][1],
        ),
    )
    now = chain_now(me)
    singles = [
        (
            {
                "machine_id": mid,
                "event_type": 0,
                "value": 12_345,
                "timestamp": now - 3_600,
                "raw_data": b'{"receipt":"py-0001"}',
                "trust_level": 0,
                "source_chain_id": 0,
                "source_tx_hash": None,
                "metadata": b'{"kind":"charging-session"}',
            },
            "USD",
        ),
        (
            {
                "machine_id": mid,
                "event_type": 1,
                "value": 0,
                "timestamp": now - 3_000,
                "raw_data": None,
                "trust_level": 2,
                "source_chain_id": 3338,
                "source_tx_hash": None,
                "metadata": b"",
            },
            "",
        ),
        (
            {
                "machine_id": mid,
                "event_type": 0,
                "value": 1_200,
                "currency": "HKD",
                "timestamp": now - 2_400,
                "raw_data": b'{"invoice":"INV-0042"}',
                "trust_level": 1,
                "source_chain_id": 8453,
                "source_tx_hash": "0x" + "a1b2" * 16,
                "metadata": b"",
            },
            "HKD",
        ),
    ]
    single_out = []
    for i, (params, currency) in enumerate(singles):
        tx, data_hash = report.run(f"write: self submit_event #{i}", lambda p=params: me.submit_event(**p))
        single_out.append({"tx": tx0x(tx), "data_hash": hex0x(data_hash), "event": event_json(params, currency)})
    batch = [
        {
            "machine_id": mid,
            "event_type": 0,
            "value": 1_234,
            "currency": "BHD",
            "timestamp": now - 1_200,
            "raw_data": b"bh-receipt",
            "trust_level": 0,
            "source_chain_id": 137,
            "source_tx_hash": None,
            "metadata": b"m" * 300,
        },
        {
            "machine_id": mid,
            "event_type": 1,
            "value": 7,
            "currency": "",
            "timestamp": now - 600,
            "raw_data": b"uptime:7h",
            "trust_level": 1,
            "source_chain_id": 42161,
            "source_tx_hash": "0x" + "cd" * 32,
            "metadata": b'{"k":"v"}',
        },
    ]
    batch_hashes = report.run("write: self batch_submit_events", lambda: me.batch_submit_events(batch))
    report.check("write: batch returns one hash per event, all equal", len(batch_hashes) == 2 and len(set(batch_hashes)) == 1)
    out["self"] = {
        "address": me.address,
        "machine_id": str(mid),
        "token_id": str(token),
        "did_tx": tx0x(did_tx),
        "attributes": attrs,
        "singles": single_out,
        "batch_tx": tx0x(batch_hashes[0]),
        "batch": [event_json(p, p["currency"]) for p in batch],
    }

    # Proxy: registers itself and the fleet machine, mints to it, writes its machines list; the
    # fleet machine writes its machine DID with the proxy as operator.
    proxy_id = report.run("write: proxy register_machine", proxy.register_machine)
    fleet_id = report.run("write: proxy register_for(fleet)", lambda: proxy.register_for(fleet.address))
    # A second fleet machine, known by address only.
    fleet_2_id = report.run("write: proxy register_for(second fleet address)", lambda: proxy.register_for("0x" + "11" * 20))
    report.run("write: proxy mint_nft(fleet)", lambda: proxy.mint_nft(fleet_id, fleet.address))
    fleet_token = report.run("write: fleet token_id_of", lambda: fleet.token_id_of(fleet_id))
    proxy_tx = report.run(
        "write: proxy write_proxy_did_attributes",
        lambda: proxy.write_proxy_did_attributes(proxy_id, [fleet_id, fleet_2_id]),
    )
    operator = f"did:peaq:{proxy.address}"
    fleet_attrs = [
        ("machineId", str(fleet_id)),
        ("nftTokenId", str(fleet_token)),
        ("operator", operator),
        ("documentation_url", "https://docs.example.com/fleet"),
        ("data_api", "https://api.example.com/fleet"),
        ("data_visibility", "private"),
    ]
    fleet_tx = report.run(
        "write: fleet write_machine_did_attributes",
        lambda: fleet.write_machine_did_attributes(fleet_id, fleet_token, operator, fleet_attrs[3][1], fleet_attrs[4][1], "private"),
    )
    out["proxy"] = {
        "address": proxy.address,
        "machine_id": str(proxy_id),
        "machines": [str(fleet_id), str(fleet_2_id)],
        "did_tx": tx0x(proxy_tx),
        "attributes": [("machineId", str(proxy_id)), ("machines", json.dumps([fleet_id, fleet_2_id]))],
    }
    out["fleet"] = {
        "address": fleet.address,
        "machine_id": str(fleet_id),
        "token_id": str(fleet_token),
        "did_tx": tx0x(fleet_tx),
        "attributes": fleet_attrs,
    }
    return out


def main() -> int:
    load_env_file(os.environ["CROSS_ENV_FILE"])
    with open(os.environ["CROSS_EXPECT"], encoding="utf-8") as fh:
        expect = json.load(fh)
    report = Report()
    reader = client_for(os.environ["CROSS_SELF_KEY"])
    out: dict[str, Any] = {}
    try:
        read_part(report, reader, expect)
        out["validation"] = validate_part(report, reader, expect["cases"])
        out["written"] = write_part(report)
    except Exception as err:  # noqa: BLE001 - reported, then the summary
        report.check("script", False, f"aborted: {type(err).__name__}: {err}")
    with open(os.environ["CROSS_OUT"], "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
    print(f"cross-client: {report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
