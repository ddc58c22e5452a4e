#!/usr/bin/env python3
"""The OFFICIAL peaqOS Python SDK (peaq-os-sdk==0.1.0) on every page of a large fleet.

Driven by `crates/peaqos-cli/tests/it/fleet.rs`, which onboards a fleet past 100 machines on a
local stack and runs this script with:

  FLEET_ENV_FILE     the stack's `.env` (loaded without overriding the environment)
  FLEET_OPERATOR     the operator DID
  FLEET_MACHINE_IDS  JSON list of every machine id of the fleet
  FLEET_PAGE_LIMIT   the page size (20)

`query_operator_machines(did)` takes no offset/limit in 0.1.0, so each page's query string is
added to the request its own session sends; the official response guards then check the page.
Each check prints `ok <name>` or `FAIL <name>: <details>`; the last line is
`official_operator_pages: N passed, M failed`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# One report format for the interop scripts: `check`, `load_env` and the counters of the MCR's
# (importing it also turns telemetry off).
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "peaqos-mcr" / "tests" / "interop"))
import official_mcr as report  # noqa: E402

check = report.check


def main() -> int:
    from peaq_os_sdk import PeaqosClient  # noqa: PLC0415

    report.load_env(os.environ["FLEET_ENV_FILE"])
    did = os.environ["FLEET_OPERATOR"]
    expected = json.loads(os.environ["FLEET_MACHINE_IDS"])
    limit = int(os.environ["FLEET_PAGE_LIMIT"])
    client = PeaqosClient.from_env()
    page_params: dict[str, int] = {}
    plain_get = client.session.get

    def paged_get(url, *args, **kwargs):  # the page's query string on the SDK's own request
        params = dict(kwargs.pop("params", None) or {})
        params.update(page_params)
        return plain_get(url, *args, params=params, **kwargs)

    client.session.get = paged_get
    seen: list[int] = []
    offset = 0
    while offset < len(expected):
        page_params.update({"offset": offset, "limit": limit})
        name = f"page offset={offset}"
        try:
            page = client.query_operator_machines(did)
            ids = [m["machine_id"] for m in page["machines"]]
            want = min(limit, len(expected) - offset)
            check(name, page["operator_did"] == did and len(ids) == want
                  and page["pagination"]["total"] == len(expected)
                  and page["pagination"]["offset"] == offset, page["pagination"])
            seen.extend(ids)
        except Exception as err:  # noqa: BLE001
            check(name, False, f"{type(err).__name__}: {err}")
        offset += limit
    check("every machine once", sorted(seen) == sorted(expected) and len(set(seen)) == len(seen),
          f"{len(seen)} seen")
    print(f"official_operator_pages: {report.PASSED} passed, {report.FAILED} failed", flush=True)
    return 1 if report.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
