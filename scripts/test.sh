#!/usr/bin/env bash
# The project's test command: installs what the tests need (idempotent), then runs every check
# and test. Exits non-zero on the first failure; ends with one summary line of all test counts.
#
#   ./scripts/test.sh            everything
#   SKIP_LINT=1 ./scripts/test.sh   skip fmt/clippy (quicker local runs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

step() { printf '\n==> %s\n' "$*"; STEP_START=$(date +%s); }
done_step() { printf '    (%ss)\n' "$(( $(date +%s) - STEP_START ))"; }

# ---------------------------------------------------------------- install
step "install contract toolchain (npm ci in contracts/: solc, OpenZeppelin, LayerZero, forge, anvil, cast)"
if [ ! -x contracts/node_modules/.bin/solcjs ] || [ contracts/package-lock.json -nt contracts/node_modules/.package-lock.json ]; then
  (cd contracts && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "    contracts/node_modules is current"
fi
FORGE="$ROOT/contracts/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
export PEAQOS_ANVIL="$ROOT/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
# cast and forge as clients of the devnet (crates/peaqos-devnet/tests/it/foundry_cli.rs).
export PEAQOS_CAST="$ROOT/contracts/node_modules/@foundry-rs/cast-linux-amd64/bin/cast" PEAQOS_FORGE="$FORGE"
"$FORGE" --version | head -1
"$PEAQOS_ANVIL" --version | head -1
"$PEAQOS_CAST" --version | head -1
done_step

step "viem and ethers (npm ci in crates/peaqos-devnet/tests/js) for the devnet's event-watcher tests"
JS_CLIENTS=crates/peaqos-devnet/tests/js
if [ ! -d "$JS_CLIENTS/node_modules/viem" ] || [ ! -d "$JS_CLIENTS/node_modules/ethers" ] \
  || [ "$JS_CLIENTS/package-lock.json" -nt "$JS_CLIENTS/node_modules/.package-lock.json" ]; then
  (cd "$JS_CLIENTS" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "    $JS_CLIENTS/node_modules is current"
fi
node -e "for (const p of ['viem', 'ethers']) console.log('   ', p, require('./$JS_CLIENTS/node_modules/' + p + '/package.json').version)"
done_step

step "Python venv with the official clients (peaq-os-sdk 0.1.0, peaq-os-cli 0.0.2, open-wallet-standard) for the interop tests"
if ! .venv-interop/bin/python -c "import peaq_os_sdk, peaq_os_cli, ows" >/dev/null 2>&1; then
  [ -x .venv-interop/bin/python ] || python3 -m venv .venv-interop
  .venv-interop/bin/pip install --quiet --disable-pip-version-check \
    peaq-os-sdk==0.1.0 peaq-os-cli==0.0.2 "open-wallet-standard>=1.4,<1.5"
else
  echo "    .venv-interop is current"
fi
export PEAQOS_INTEROP_PYTHON="$ROOT/.venv-interop/bin/python"
# The official SDK would send analytics; there is no network, and we never want it to.
export DO_NOT_TRACK=1 PEAQOS_TELEMETRY=0
"$PEAQOS_INTEROP_PYTHON" -c "import importlib.metadata as m; [print('   ', p, m.version(p)) for p in ('peaq-os-sdk', 'peaq-os-cli', 'open-wallet-standard')]"
export PEAQOS_INTEROP_PEAQOS_CLI="$ROOT/.venv-interop/bin/peaqos"
done_step

step "PostgreSQL server on loopback for the store tests (Debian's package, started as the postgres user)"
PEAQOS_TEST_PG_URL="$(./scripts/pg-test-server.sh | tail -1)"
export PEAQOS_TEST_PG_URL
trap 'rm -rf "$LOG_DIR"; ./scripts/pg-test-server.sh stop' EXIT
echo "    $PEAQOS_TEST_PG_URL"
done_step

step "ROS 2 Jazzy rclpy + Fast DDS from PyPI (.venv-ros2, Python 3.11) and peaq_ros2_interfaces built with colcon (.ros2-ws) for the peaqos-ros2 tests"
scripts/ros2-env.sh
export PEAQOS_ROS2_VENV="$ROOT/.venv-ros2" PEAQOS_ROS2_WS="$ROOT/.ros2-ws"
done_step

step "Chromium (Debian's package) for the dashboard tests in a headless browser"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
  fi
else
  echo "    chromium is installed"
fi
export PEAQOS_CHROMIUM="${PEAQOS_CHROMIUM:-$(command -v chromium)}"
"$PEAQOS_CHROMIUM" --version | sed 's/^/    /'
"$PEAQOS_INTEROP_PYTHON" -c "import websockets" \
  || .venv-interop/bin/pip install --quiet --disable-pip-version-check "websockets>=12"
done_step

step "Python venv with the official MCP client (mcp 1.30.0, PyPI) for the peaqos mcp test"
if ! .venv-mcp/bin/python -c "import mcp, jsonschema" >/dev/null 2>&1; then
  [ -x .venv-mcp/bin/python ] || python3 -m venv .venv-mcp
  .venv-mcp/bin/pip install --quiet --disable-pip-version-check "mcp==1.30.0"
else
  echo "    .venv-mcp is current"
fi
export PEAQOS_MCP_PYTHON="$ROOT/.venv-mcp/bin/python"
done_step

# ---------------------------------------------------------------- static checks
if [ -z "${SKIP_LINT:-}" ]; then
  step "cargo fmt --check"
  cargo fmt --all -- --check
  done_step

  step "cargo clippy -D warnings"
  cargo clippy --workspace --all-targets --locked -- -D warnings
  done_step
fi

step "peaqos without the dev feature builds (no devnet, MCR, Gas Station, sqlx or revm linked)"
cargo check -p peaqos-cli --no-default-features --locked
tree="$(cargo tree -p peaqos-cli --no-default-features -e normal --locked)"
if grep -E 'peaqos-(devnet|mcr|gas-station|stack)|sqlx|revm' <<<"$tree"; then
  echo "peaqos --no-default-features links the local stack"; exit 1
fi
done_step

step "contract artifacts are current (rebuilt with the pinned solc and compared)"
(cd contracts && node scripts/build-artifacts.js --check)
done_step

# ---------------------------------------------------------------- tests
step "forge test (contracts)"
set +e
(cd contracts && "$FORGE" test > "$LOG_DIR/forge.log" 2>&1)
forge_status=$?
set -e
# The compiler prints hundreds of library warnings; show the results only.
grep -E '^(Ran |Suite result|\[FAIL|\[PASS|Failing tests|Encountered)' "$LOG_DIR/forge.log" || true
if [ "$forge_status" -ne 0 ]; then
  echo "forge test failed (exit $forge_status):"; grep -v -E '^(Warning|  -->|   \||[0-9]+ \|)' "$LOG_DIR/forge.log" | tail -60
  exit "$forge_status"
fi
done_step

# Tests that need PostgreSQL, Python or anvil are `#[ignore = "needs …"]`: installed above, they
# run here explicitly (`--run-ignored all`), so none passes by being skipped.
step "Rust tests (cargo nextest, ignored tests included: PostgreSQL, Python, anvil)"
if cargo nextest --version >/dev/null 2>&1; then
  # The load-and-fault test runs alone in the next step, not here next to everything else.
  cargo nextest run --workspace --locked --no-fail-fast --run-ignored all \
    -E 'not binary_id(peaqos-stack::soak)' 2>&1 | tee "$LOG_DIR/nextest.log"
  status=${PIPESTATUS[0]}
else
  cargo test --workspace --locked --no-fail-fast -- --include-ignored 2>&1 | tee "$LOG_DIR/nextest.log"
  status=${PIPESTATUS[0]}
fi
[ "$status" -eq 0 ] || { echo "Rust tests failed"; exit "$status"; }
done_step

step "load-and-fault test (peaqos-stack/tests/soak.rs: mixed load, MCR and Gas Station SIGKILLed at random; PEAQOS_SOAK_SECS, default 100)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run -p peaqos-stack --locked --test soak --run-ignored all --no-capture \
    -E 'test(=load_and_fault)' 2>&1 | tee "$LOG_DIR/soak.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "load-and-fault test failed"; exit 1; }
else
  echo "    ran in the cargo test step above (no cargo-nextest)"
fi
done_step

step "SDK examples (each starts an in-process devnet)"
for example in self_managed proxy_fleet; do
  cargo run --quiet --locked -p peaqos-sdk --example "$example" > "$LOG_DIR/example-$example.log" 2>&1 \
    || { echo "example $example failed:"; tail -30 "$LOG_DIR/example-$example.log"; exit 1; }
  echo "    example $example: ok ($(tail -1 "$LOG_DIR/example-$example.log"))"
done
done_step

step "Rust doc tests"
cargo test --workspace --locked --doc 2>&1 | tee "$LOG_DIR/doctest.log" | grep -E '^(test result|failures|---- )' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "doc tests failed"; exit 1; }
done_step

step "fuzz (bounded): every peaqos-fuzz target for ${PEAQOS_FUZZ_SECS:-15} s, debug profile"
# Findings go to a temporary folder (printed): commit an input under
# crates/peaqos-fuzz/regressions/<target>/ once its bug is fixed, and the tests replay it.
# The seed comes from the commit: each commit explores new inputs, and a CI finding reproduces
# with `PEAQOS_FUZZ_SEED=<seed> ./scripts/test.sh` (or `peaqos-fuzz --seed <seed>`).
FUZZ_SEED="${PEAQOS_FUZZ_SEED:-0x$(git rev-parse --short=15 HEAD 2>/dev/null || echo 13)}"
FUZZ_CRASH_DIR="$(mktemp -d)"
if ! PEAQOS_FUZZ_SECS="${PEAQOS_FUZZ_SECS:-15}" cargo run --quiet --locked -p peaqos-fuzz -- \
    --seed "$FUZZ_SEED" --crash-dir "$FUZZ_CRASH_DIR"; then
  echo "fuzzing found problems; inputs in $FUZZ_CRASH_DIR"; exit 1
fi
rm -rf "$FUZZ_CRASH_DIR"
done_step

# ---------------------------------------------------------------- summary
python3 - "$LOG_DIR" <<'PY'
import re, sys, pathlib
d = pathlib.Path(sys.argv[1])
passed = failed = skipped = 0
forge = (d / "forge.log").read_text()
suites = re.findall(r"Suite result: \w+\. (\d+) passed; (\d+) failed; (\d+) skipped", forge)
fp, ff, fs = (sum(int(s[i]) for s in suites) for i in range(3))
passed += fp; failed += ff; skipped += fs
print(f"forge:   {fp} passed, {ff} failed, {fs} skipped ({len(suites)} suites)")
rust = (d / "nextest.log").read_text()
m = re.search(r"(\d+) tests? run: (\d+) passed(?:.*?, (\d+) failed)?(?:.*?(\d+) skipped)?", rust)
if m:
    p, f, s = int(m[2]), int(m[3] or 0), int(m[4] or 0)
else:
    p = sum(int(x) for x in re.findall(r"test result: \w+\. (\d+) passed", rust))
    f = sum(int(x) for x in re.findall(r"; (\d+) failed", rust)); s = 0
passed += p; failed += f; skipped += s
print(f"rust:    {p} passed, {f} failed, {s} skipped")
doc = (d / "doctest.log").read_text()
dp = sum(int(x) for x in re.findall(r"test result: \w+\. (\d+) passed", doc))
df = sum(int(x) for x in re.findall(r"; (\d+) failed", doc))
passed += dp; failed += df
print(f"doc:     {dp} passed, {df} failed")
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or not fp or not p else 0)
PY
