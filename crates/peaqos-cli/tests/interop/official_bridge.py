#!/usr/bin/env python3
"""The OFFICIAL peaqOS Python SDK (peaq-os-sdk==0.1.0) bridges a Machine NFT peaq -> Base and back.

Driven by `crates/peaqos-cli/tests/it/bridge.rs`, which starts `peaqos dev` (with its local Base
chain and relayer) and runs this script with:

  BRIDGE_ENV_FILE   the `.env` that `peaqos dev` wrote (loaded without overriding the
                    environment); nothing else configures the SDK

The `.env` key registers itself as a machine, mints its Machine NFT, bridges it to Base with
`bridge_nft` (the SDK approves the adapter itself), waits with `wait_for_bridge_arrival` on
`BASE_RPC_URL` / `BASE_NFT_ADDRESS`, then bridges it back (`base_rpc_url` / `base_nft_address`
from the same `.env`) and waits on peaq. On peaq the token exists while locked in the adapter, so
`wait_for_bridge_arrival` returns at once there; the script then also waits for the owner to be
the key again. Each check prints `ok <name>` or `FAIL <name>: <details>`; the last line is
`official_bridge: N passed, M failed`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from web3 import Web3

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "peaqos-mcr" / "tests" / "interop"))
import official_mcr as report  # noqa: E402

check = report.check

# How long the script waits for the owner on peaq after the way back (the relayer polls every
# 100 ms; a debug build delivers in about a second).
OWNER_DEADLINE_S = 60
# `wait_for_bridge_arrival` accepts only timeouts above 60 s.
ARRIVAL_TIMEOUT_S = 120


def until_owned(contract, token_id: int, owner: str) -> None:
    """Polls `ownerOf` (errors count as "not yet") until `owner` holds the token."""
    deadline = time.monotonic() + OWNER_DEADLINE_S
    while time.monotonic() < deadline:
        try:
            if contract.functions.ownerOf(token_id).call().lower() == owner.lower():
                return
        except Exception:  # noqa: BLE001 - not minted yet
            pass
        time.sleep(0.1)


def main() -> int:
    from peaq_os_sdk import PeaqosClient  # noqa: PLC0415

    report.load_env(os.environ["BRIDGE_ENV_FILE"])
    base_rpc = os.environ["BASE_RPC_URL"]
    base_nft = os.environ["BASE_NFT_ADDRESS"]
    client = PeaqosClient.from_env()
    me = client.account.address
    try:
        machine_id = client.register_machine()
        client.mint_nft(machine_id, me)
        token_id = client.token_id_of(machine_id)
        check("registered and minted", token_id > 0, token_id)
        Path("token_id").write_text(str(token_id), encoding="utf-8")  # for the CLI part

        start = time.monotonic()
        tx = client.bridge_nft(token_id, "peaq", "base", me)
        check("bridge_nft peaq -> base", isinstance(tx, str) and tx.startswith("0x"), tx)
        adapter = os.environ["MACHINE_NFT_ADAPTER_ADDRESS"]
        locked = client.machine_nft.functions.ownerOf(token_id).call()
        check("locked in the adapter", locked.lower() == adapter.lower(), locked)
        # peaq-os-sdk 0.1.0 only treats revert *texts* as "not arrived yet"; OpenZeppelin 5's
        # ERC721NonexistentToken is a custom error that web3 raises as ContractCustomError
        # (hex data only), so its wait raises while the token is on its way (on mainnet too).
        # Wait for the mint ourselves first; the SDK's wait then sees it on its first probe.
        until_owned(Web3(Web3.HTTPProvider(base_rpc)).eth.contract(
            address=Web3.to_checksum_address(base_nft), abi=client.machine_nft.abi), token_id, me)
        arrived = PeaqosClient.wait_for_bridge_arrival(base_rpc, base_nft, token_id,
                                                       timeout=ARRIVAL_TIMEOUT_S)
        check("wait_for_bridge_arrival on base", arrived is True,
              f"{arrived} after {time.monotonic() - start:.1f} s")

        tx = client.bridge_nft(token_id, "base", "peaq", me, base_rpc_url=base_rpc,
                               base_nft_address=base_nft)
        check("bridge_nft base -> peaq", isinstance(tx, str) and tx.startswith("0x"), tx)
        arrived = PeaqosClient.wait_for_bridge_arrival(os.environ["PEAQOS_RPC_URL"],
                                                       os.environ["MACHINE_NFT_ADDRESS"],
                                                       token_id, timeout=ARRIVAL_TIMEOUT_S)
        check("wait_for_bridge_arrival on peaq", arrived is True, arrived)
        deadline = time.monotonic() + OWNER_DEADLINE_S
        owner = None
        while time.monotonic() < deadline:
            owner = client.machine_nft.functions.ownerOf(token_id).call()
            if owner.lower() == me.lower():
                break
            time.sleep(0.2)
        check("back with its owner on peaq", owner is not None and owner.lower() == me.lower(),
              owner)
    except Exception as err:  # noqa: BLE001
        check("round trip", False, f"{type(err).__name__}: {err}")
    print(f"official_bridge: {report.PASSED} passed, {report.FAILED} failed", flush=True)
    return 1 if report.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
