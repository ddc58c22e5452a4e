"""Fleet onboarding with the official peaq-os-sdk (0.1.0), for examples/bench_fleet.rs.

Reads the devnet's .env (BENCH_ENV_FILE) and the proxy key (BENCH_PROXY_KEY), onboards
BENCH_MACHINES machines exactly as examples/bench_fleet.rs does with our SDK — the proxy
registers itself, then per machine register_for, mint_nft, token_id_of, gas money, the
machine's six DID attributes, and finally the proxy's machineId + machines — and prints one
line `bench: {"seconds": ..., "machines": ...}`. The official client is synchronous, so the
machines are onboarded one after another, as a user of it would.
"""

import json
import os
import sys
import time

from eth_account import Account
from peaq_os_sdk import PeaqosClient


def load_env_file(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            os.environ[key.strip()] = value.strip().strip("'\"")


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


def fund(proxy: PeaqosClient, to: str, wei: int) -> None:
    w3 = proxy.w3
    tx = {
        "from": proxy.address,
        "to": to,
        "value": wei,
        "nonce": w3.eth.get_transaction_count(proxy.address),
        "chainId": w3.eth.chain_id,
        "gas": 21000,
        "maxFeePerGas": w3.eth.gas_price * 2,
        "maxPriorityFeePerGas": 1,
    }
    signed = Account.sign_transaction(tx, os.environ["BENCH_PROXY_KEY"])
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))


def main() -> int:
    load_env_file(os.environ["BENCH_ENV_FILE"])
    machines = int(os.environ["BENCH_MACHINES"])
    fund_wei = int(os.environ["BENCH_FUND_WEI"])
    started = time.perf_counter()
    proxy = client_for(os.environ["BENCH_PROXY_KEY"])
    proxy_id = proxy.register_machine()
    operator = f"did:peaq:{proxy.address}"
    ids = []
    for _ in range(machines):
        acct = Account.create()
        mid = proxy.register_for(acct.address)
        proxy.mint_nft(mid, acct.address)
        tid = proxy.token_id_of(mid)
        fund(proxy, acct.address, fund_wei)
        machine = client_for("0x" + acct.key.hex().removeprefix("0x"))
        machine.write_machine_did_attributes(
            mid,
            tid,
            operator,
            f"https://fleet.example.com/machines/{acct.address}",
            f"https://fleet.example.com/api/v1/machines/{acct.address}",
            "public",
        )
        ids.append(mid)
    proxy.write_proxy_did_attributes(proxy_id, ids)
    seconds = time.perf_counter() - started
    print("bench: " + json.dumps({"seconds": seconds, "machines": machines}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
