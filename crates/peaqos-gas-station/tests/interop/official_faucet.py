"""The official peaq-os-sdk==0.1.0 faucet client against our Gas Station on a devnet.

Run by tests/interop.rs. Environment:
  INTEROP_ENV_FILE  the devnet `.env` (what PeaqosClient.from_env() reads)
  FAUCET_URL        the Gas Station base URL
  TARGET            a fresh wallet to fund (0x…)
  RICH_TARGET       a wallet already above minGasBalance
  CHAIN_ID          the chainId to send (what the official CLI sends: peaq)
TOTP codes are computed here from the secret in the otpauth URI (RFC 6238), as an authenticator
app would. Prints `ok …` / `FAIL …` per check and `official_faucet: N passed, M failed`.
"""

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
import urllib.parse
import urllib.request
import uuid

from peaq_os_sdk import ApiError, PeaqosClient

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def load_env_file(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                os.environ.setdefault(k.strip(), v.strip().strip('"'))


def totp(secret_b32, offset=0):
    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int(time.time()) // 30 + offset
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = digest[19] & 0x0F
    value = struct.unpack(">I", digest[o : o + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def api_code(fn):
    try:
        fn()
    except ApiError as err:
        return err.code
    return None


def main():
    load_env_file(os.environ["INTEROP_ENV_FILE"])
    url = os.environ["FAUCET_URL"]
    target = os.environ["TARGET"]
    rich = os.environ["RICH_TARGET"]
    chain = os.environ["CHAIN_ID"]
    client = PeaqosClient.from_env()
    owner = client.address

    # Wait for at least 10 s left in the current step, so code windows do not shift mid-run.
    while 30 - int(time.time()) % 30 < 10:
        time.sleep(0.5)

    setup = client.setup_faucet_2fa(owner, url)
    check("setup returns the three fields", set(setup) == {"owner_address", "otpauth_uri", "qr_image_url"}, setup.keys())
    check("setup echoes the owner", setup["owner_address"] == owner)
    uri = setup["otpauth_uri"]
    check("otpauth URI", uri.startswith("otpauth://totp/"), "")
    params = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
    secret = params["secret"][0]
    check("otpauth URI has issuer, SHA1, 6 digits, 30 s",
          "issuer" in params and params.get("algorithm") == ["SHA1"] and params.get("digits") == ["6"] and params.get("period") == ["30"])
    with urllib.request.urlopen(setup["qr_image_url"], timeout=10) as resp:
        body = resp.read()
        check("QR image served (svg)", resp.status == 200 and b"<svg" in body)

    check("wrong code on confirm: INVALID_2FA",
          api_code(lambda: client.confirm_faucet_2fa(owner, url, "000000" if totp(secret) != "000000" else "111111")) == "INVALID_2FA")
    # setup again: still pending, so a new secret is issued (the old one is replaced).
    setup = client.setup_faucet_2fa(owner, url, "png")
    check("setup again before confirm issues a new secret", setup["otpauth_uri"] != uri)
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(setup["otpauth_uri"]).query)["secret"][0]
    with urllib.request.urlopen(setup["qr_image_url"], timeout=10) as resp:
        check("QR image served (png)", resp.status == 200 and resp.read()[:4] == b"\x89PNG")

    code = totp(secret)
    check("confirm returns None", client.confirm_faucet_2fa(owner, url, code) is None)
    check("setup after confirm: 2FA_ALREADY_CONFIGURED",
          api_code(lambda: client.setup_faucet_2fa(owner, url)) == "2FA_ALREADY_CONFIGURED")

    # The CLI funds with the code it confirmed with.
    request_id = str(uuid.uuid4())
    result = client.fund_from_gas_station(owner, target, chain, code, url, request_id=request_id)
    check("fund: success", result.get("status") == "success", result)
    check("fund: tx hash", isinstance(result.get("tx_hash"), str) and result["tx_hash"].startswith("0x") and len(result["tx_hash"]) == 66, result)
    check("fund: funded amount is a decimal wei string", result.get("funded_amount", "").isdigit(), result)
    print(f"TX_HASH {result.get('tx_hash')}")
    print(f"FUNDED {result.get('funded_amount')}")
    check("same request id again: REQUEST_ALREADY_PROCESSED",
          api_code(lambda: client.fund_from_gas_station(owner, target, chain, code, url, request_id=request_id)) == "REQUEST_ALREADY_PROCESSED")
    # A reused code is 2FA_EXPIRED (the official CLI asks for a fresh code), not a failed attempt.
    check("replayed code, same wallet, new id: 2FA_EXPIRED",
          api_code(lambda: client.fund_from_gas_station(owner, target, chain, code, url)) == "2FA_EXPIRED")
    skipped = client.fund_from_gas_station(owner, rich, chain, totp(secret, 1), url)
    check("rich wallet: skipped", skipped.get("status") == "skipped", skipped)
    check("skipped: balances are decimal strings",
          skipped.get("current_balance", "").isdigit() and skipped.get("min_gas_balance", "").isdigit(), skipped)
    check("unknown chain: INVALID_CHAIN_ID",
          api_code(lambda: client.fund_from_gas_station(owner, target, "mars", totp(secret), url)) == "INVALID_CHAIN_ID")
    check("request id not a UUID: INVALID_REQUEST_ID",
          api_code(lambda: client.fund_from_gas_station(owner, target, chain, totp(secret), url, request_id="nope")) == "INVALID_REQUEST_ID")
    stranger = "0x" + os.urandom(20).hex()
    check("never set up: 2FA_NOT_CONFIGURED",
          api_code(lambda: client.fund_from_gas_station(stranger, target, chain, "123456", url)) == "2FA_NOT_CONFIGURED")
    check("bad owner on setup: INVALID_OWNER_ADDRESS",
          api_code(lambda: client.setup_faucet_2fa("0xOwner...", url)) == "INVALID_OWNER_ADDRESS")

    print(f"official_faucet: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
