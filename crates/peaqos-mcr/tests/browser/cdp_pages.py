"""Loads pages in headless Chromium over the DevTools protocol and reports what it saw.

Input (JSON on stdin):
  {"chromium": "/usr/bin/chromium", "out_dir": "...", "timeout": 60,
   "viewports": [{"name": "desktop", "width": 1280, "height": 900}, ...],
   "pages": [{"name": "fleet", "url": "http://127.0.0.1:PORT/ui/...", "eval": "<JS expression>"}]}
Output (JSON on stdout), per page: console errors (console.error/assert, uncaught exceptions,
Log.entryAdded errors such as CSP violations), failed requests (network failures and HTTP
statuses >= 400), the value of `eval` after the first load, and one PNG screenshot per
viewport written to out_dir. Chromium runs headless on loopback only, with a throwaway
profile; --no-sandbox because the tests run as root in CI containers.
"""

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import websockets


class Cdp:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.pending = {}
        self.events = []
        self.waiters = []

    async def reader(self):
        async for raw in self.ws:
            msg = json.loads(raw)
            if "id" in msg:
                fut = self.pending.pop(msg["id"], None)
                if fut and not fut.done():
                    fut.set_result(msg)
            else:
                self.events.append(msg)
                for w in list(self.waiters):
                    method, session, fut = w
                    if msg.get("method") == method and msg.get("sessionId") == session and not fut.done():
                        fut.set_result(msg)
                        self.waiters.remove(w)

    async def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        await self.ws.send(json.dumps(msg))
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def waiter(self, method, session):
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((method, session, fut))
        return fut


def devtools_url(profile, proc, timeout):
    path = os.path.join(profile, "DevToolsActivePort")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode}: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with open(path) as f:
                lines = f.read().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    raise RuntimeError("chromium did not open its DevTools port")


def session_problems(events, session):
    errors, failed = [], []
    for e in events:
        if e.get("sessionId") != session:
            continue
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            errors.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            failed.append(f"{p.get('errorText')} ({p.get('type')})")
        elif m == "Network.responseReceived" and p.get("response", {}).get("status", 0) >= 400:
            r = p["response"]
            failed.append(f"{r.get('status')} {r.get('url')}")
    return errors, failed


async def run(cfg):
    profile = tempfile.mkdtemp(prefix="peaqos-chromium-")
    args = [
        cfg["chromium"], "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps",
        "--disable-features=Translate,OptimizationHints,MediaRouter",
        "--hide-scrollbars", "--mute-audio", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    timeout = cfg.get("timeout", 60)
    try:
        url = devtools_url(profile, proc, timeout)
        async with websockets.connect(url, max_size=None) as ws:
            cdp = Cdp(ws)
            reader = asyncio.create_task(cdp.reader())
            out = []
            for page in cfg["pages"]:
                target = (await cdp.call("Target.createTarget", {"url": "about:blank"}))["targetId"]
                session = (await cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
                for domain in ("Page", "Runtime", "Log", "Network"):
                    await cdp.call(f"{domain}.enable", session=session)
                result, shots, load_ms = None, [], []
                for vp in cfg["viewports"]:
                    await cdp.call("Emulation.setDeviceMetricsOverride", {
                        "width": vp["width"], "height": vp["height"], "deviceScaleFactor": 1,
                        "mobile": vp["width"] < 700}, session=session)
                    loaded = cdp.waiter("Page.loadEventFired", session)
                    started = time.monotonic()
                    nav = await cdp.call("Page.navigate", {"url": page["url"]}, session=session)
                    if nav.get("errorText"):
                        raise RuntimeError(f"{page['url']}: {nav['errorText']}")
                    await asyncio.wait_for(loaded, timeout)
                    load_ms.append(round((time.monotonic() - started) * 1000, 1))
                    await asyncio.sleep(0.3)
                    if result is None and page.get("eval"):
                        r = await cdp.call("Runtime.evaluate", {
                            "expression": page["eval"], "returnByValue": True, "awaitPromise": True}, session=session)
                        if "exceptionDetails" in r:
                            raise RuntimeError(f"eval on {page['name']}: {r['exceptionDetails']}")
                        result = r["result"].get("value")
                    shot = await cdp.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)
                    path = os.path.join(cfg["out_dir"], f"{page['name']}-{vp['name']}.png")
                    with open(path, "wb") as f:
                        f.write(base64.b64decode(shot["data"]))
                    shots.append(path)
                errors, failed = session_problems(cdp.events, session)
                out.append({"name": page["name"], "url": page["url"], "console_errors": errors,
                            "failed_requests": failed, "result": result, "screenshots": shots,
                            "load_ms": load_ms})
                await cdp.call("Target.closeTarget", {"targetId": target})
            reader.cancel()
            return {"pages": out}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    cfg = json.load(sys.stdin)
    os.makedirs(cfg["out_dir"], exist_ok=True)
    json.dump(asyncio.run(run(cfg)), sys.stdout)


if __name__ == "__main__":
    main()
