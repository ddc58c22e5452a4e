"""Drives the official `open-wallet-standard` package (module `ows`) for the interop tests.

usage: ows_driver.py setup VAULT   (reads {"passphrase", "mnemonic", "evm_key", "sol_key"} on stdin)
       ows_driver.py read VAULT    (reads {"passphrase"} on stdin)
Prints one JSON object on stdout.
"""

import json
import os
import sys
import warnings

import ows

CHAINS = ["evm", "solana", "bitcoin", "cosmos", "tron", "ton", "spark", "filecoin", "sui",
          "xrpl", "nano", "near"]


def read(vault, passphrase):
    wallets = ows.list_wallets(vault)
    exports, derived = {}, {}
    for w in wallets:
        secret = ows.export_wallet(w["id"], passphrase, vault)
        exports[w["id"]] = secret
        if not secret.startswith("{"):
            derived[w["id"]] = {c: ows.derive_address(secret, c) for c in CHAINS}
            derived[w["id"] + "/1"] = {c: ows.derive_address(secret, c, 1) for c in CHAINS}
    # The official peaqOS SDK's view of the same wallets (WalletInfo / AccountInfo).
    from dataclasses import asdict

    from peaq_os_sdk.wallet import get_wallet

    sdk = {w["id"]: asdict(get_wallet(w["id"], vault)) for w in wallets}
    return {"wallets": wallets, "exports": exports, "derived": derived, "sdk": sdk}


def main():
    cmd, vault = sys.argv[1], sys.argv[2]
    args = json.load(sys.stdin)
    p = args["passphrase"]
    warnings.simplefilter("ignore")
    if cmd == "setup":
        ows.create_wallet("py-created", p, 24, vault)
        ows.import_wallet_mnemonic("py-mnemonic", args["mnemonic"], p, 0, vault)
        ows.import_wallet_mnemonic("py-mnemonic-1", args["mnemonic"], p, 1, vault)
        ows.import_wallet_private_key("py-key", args["evm_key"], "evm", p, vault)
        ows.import_wallet_private_key("py-sol", args["sol_key"], "solana", p, vault)
    elif cmd == "register":
        # The official peaqOS SDK registers a machine signing with a vault wallet.
        os.environ["DO_NOT_TRACK"] = "1"
        os.environ["PEAQOS_TELEMETRY"] = "0"
        from peaq_os_sdk import PeaqosClient

        client = PeaqosClient.from_wallet(
            args["wallet"], p, args["ows_signing"], vault, rpc_url=args["rpc_url"],
            **args["contracts"],
        )
        machine_id = client.register_machine()
        json.dump({"machine_id": int(machine_id), "address": client.address}, sys.stdout)
        return
    elif cmd == "sign":
        sig = ows.sign_hash(args["wallet"], "base", args["hash"], p, None, vault)
        json.dump(sig, sys.stdout)
        return
    json.dump(read(vault, p), sys.stdout)


main()
