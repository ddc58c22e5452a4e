#!/usr/bin/env python3
"""The OFFICIAL peaqOS Python SDK (peaq-os-sdk==0.1.0) against our MCR API.

Driven by `crates/peaqos-mcr/tests/interop.rs`, which builds scripted machines on a devnet,
starts our MCR service and runs this script with:

  MCR_ENV_FILE   the devnet `.env` (loaded without overriding the environment)
  MCR_CASES      JSON: {"mcr": [...], "machine": [...], "operator": [...], "not_found": [...],
                 "unavailable": {"api_url": ..., "did": ...}} with what each answer must hold
  PEAQOS_MCR_API_URL  our server

Every call goes through the official client's strict response guards (`query_mcr`,
`query_machine`, `query_operator_machines`); each check prints `ok <name>` or
`FAIL <name>: <details>`; the last line is `official_mcr: N passed, M failed`.
"""

from __future__ import annotations

import os

os.environ["DO_NOT_TRACK"] = "1"
os.environ["PEAQOS_TELEMETRY"] = "0"

import json  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

PASSED = 0
FAILED = 0


def check(name: str, cond: bool, details: object = "") -> None:
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok {name}", flush=True)
    else:
        FAILED += 1
        print(f"FAIL {name}: {details}", flush=True)


def load_env(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip().strip('"'))


def main() -> int:
    try:
        from peaq_os_sdk import PeaqosClient  # noqa: PLC0415
        from peaq_os_sdk.exceptions import ApiError  # noqa: PLC0415
    except ImportError as err:  # pragma: no cover - environment problem
        check("import", False, err)
        return 1
    load_env(os.environ["MCR_ENV_FILE"])
    cases = json.loads(os.environ["MCR_CASES"])
    client = PeaqosClient.from_env()
    check("api_url", client.api_url.rstrip("/") == os.environ["PEAQOS_MCR_API_URL"].rstrip("/"),
          client.api_url)

    for case in cases["mcr"]:
        name = f"query_mcr {case['label']}"
        try:
            r = client.query_mcr(case["did"])
            check(name, r["machine_id"] == case["machine_id"] and r["did"] == case["did"]
                  and r["mcr"] == case["mcr"] and r["mcr_score"] == case["mcr_score"]
                  and r["event_count"] == case["event_count"]
                  and r["negative_flag"] == case["negative_flag"]
                  and r["mcr_degraded"] is False, r)
        except Exception as err:  # noqa: BLE001
            check(name, False, f"{type(err).__name__}: {err}")

    for case in cases["machine"]:
        name = f"query_machine {case['label']}"
        try:
            p = client.query_machine(case["did"])
            q = p["peaqos"]
            ok = (q["machine_id"] == case["machine_id"] and q["did"] == case["did"]
                  and q["data_visibility"] == case["data_visibility"]
                  and p["name"] == case["name"] and q["operator"] == case["operator"])
            for key in case["present"]:
                ok = ok and key in q
            for key in case["absent"]:
                ok = ok and key not in q
            if "event_data_len" in case:
                ed = q.get("event_data", [])
                ok = ok and len(ed) == case["event_data_len"]
                revenue = [e for e in ed if e["event_type"] == 0]
                ok = ok and all(e["usd_subunit"] == 100 for e in revenue)
                ok = ok and all(set(e) == {"event_type", "origin_value", "timestamp",
                                           "trust_level", "metadata"}
                                for e in ed if e["event_type"] == 1)
            check(name, ok, p)
        except Exception as err:  # noqa: BLE001
            check(name, False, f"{type(err).__name__}: {err}\n{traceback.format_exc()}")

    for case in cases["operator"]:
        name = f"query_operator_machines {case['label']}"
        try:
            page = client.query_operator_machines(case["did"])
            ids = [m["machine_id"] for m in page["machines"]]
            check(name, ids == case["machine_ids"]
                  and page["pagination"]["total"] == case["total"]
                  and page["operator_did"] == case["did"], page)
        except Exception as err:  # noqa: BLE001
            check(name, False, f"{type(err).__name__}: {err}")

    for did in cases["not_found"]:
        for fn in ("query_mcr", "query_machine"):
            try:
                getattr(client, fn)(did)
                check(f"{fn} unknown", False, "no error")
            except ApiError as err:
                check(f"{fn} unknown", err.code == "NOT_FOUND"
                      and "Machine not registered" in str(err), f"{err.code}: {err}")

    unavailable = cases.get("unavailable")
    if unavailable:
        client.api_url = unavailable["api_url"]
        try:
            client.query_mcr(unavailable["did"])
            check("query_mcr test mode", False, "no error")
        except ApiError as err:
            check("query_mcr test mode", err.code == "SERVICE_UNAVAILABLE"
                  and "Service not initialised" in str(err), f"{err.code}: {err}")
        except Exception as err:  # noqa: BLE001
            check("query_mcr test mode", False, f"{type(err).__name__}: {err}")

    print(f"official_mcr: {PASSED} passed, {FAILED} failed", flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print(f"official_mcr: {PASSED} passed, {FAILED + 1} failed", flush=True)
        sys.exit(1)
