"""The official Python MCP client (`mcp` on PyPI) against `peaqos mcp`.

Run by tests/it/agents.rs::mcp_server_with_the_official_python_client with the working
directory holding a `.env` for a running local stack. Lists the tools, validates their input
schemas, calls each against the stack, sends bad arguments (MCP errors, no crash), and checks
that no result holds the private key. Prints "MCP OK" at the end.
"""

import asyncio
import json
import os
import time

import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import McpError

EXPECTED = {
    "whoami", "activate", "submit_event", "submit_events", "query_mcr", "query_machine",
    "query_operator_fleet", "explain_score", "wallet_list",
}


def secret_key():
    with open(".env", encoding="utf-8") as f:
        for line in f:
            if line.startswith("PEAQOS_PRIVATE_KEY="):
                return line.split("=", 1)[1].strip().strip('"').lower()
    raise SystemExit(".env holds no PEAQOS_PRIVATE_KEY")


def payload(result):
    """The structured result (or the JSON text content)."""
    if result.structuredContent is not None:
        return result.structuredContent
    return json.loads(result.content[0].text)


async def main():
    key = secret_key()
    seen = []

    async def call(session, name, args):
        result = await session.call_tool(name, args)
        text = json.dumps(payload(result)).lower() + "".join(
            getattr(c, "text", "") or "" for c in result.content).lower()
        assert key not in text and key[2:] not in text, f"{name} returned the private key"
        seen.append(name)
        return result

    params = StdioServerParameters(command=os.environ["PEAQOS_BIN"], args=["mcp"], cwd=os.getcwd(),
                                   env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == EXPECTED, sorted(tools)
            for t in tools.values():
                jsonschema.Draft202012Validator.check_schema(t.inputSchema)
                assert t.inputSchema.get("type") == "object", t.name
                assert t.description, t.name
            jsonschema.validate({"did": "did:peaq:0x" + "ab" * 20}, tools["query_mcr"].inputSchema)
            try:
                jsonschema.validate({"did": "nope"}, tools["query_mcr"].inputSchema)
                raise AssertionError("the schema accepts a bad DID")
            except jsonschema.ValidationError:
                pass

            who = payload(await call(session, "whoami", {}))
            did = who["did"]
            act = await call(session, "activate", {
                "doc_url": "https://example.com/mcp", "data_api": "https://example.com/mcp/api"})
            assert not act.isError, payload(act)
            machine_id = payload(act)["machine_id"]
            ev = await call(session, "submit_event", {
                "machine_id": machine_id, "type": "activity", "value": 0})
            assert not ev.isError, payload(ev)
            batch = await call(session, "submit_events", {"events": [
                {"machine_id": machine_id, "type": "revenue", "value": 1250, "currency": "USD",
                 "ts": str(int(time.time()) - 60)}]})
            assert not batch.isError, payload(batch)
            for _ in range(120):
                r = await call(session, "query_mcr", {"did": did})
                if not r.isError:
                    break
                assert payload(r)["error"]["code"] == "MCR_NOT_FOUND", payload(r)
                await asyncio.sleep(0.5)
            assert not r.isError, payload(r)
            assert isinstance(payload(r)["mcr_score"], int)
            r = await call(session, "query_machine", {"did": did})
            assert not r.isError, payload(r)
            r = await call(session, "query_operator_fleet", {"did": did, "limit": 5})
            assert not r.isError, payload(r)
            r = await call(session, "explain_score", {"did": did})
            assert not r.isError and payload(r)["factors"], payload(r)
            r = await call(session, "wallet_list", {})
            assert not r.isError, payload(r)

            # The CLI's error codes come back as tool errors.
            r = await call(session, "query_mcr", {"did": "did:peaq:0x" + "00" * 20})
            assert r.isError and payload(r)["error"]["code"] == "MCR_NOT_FOUND", payload(r)
            r = await call(session, "submit_event", {"machine_id": 999999, "type": "activity", "value": 0})
            assert r.isError and payload(r)["error"]["code"] == "TX_REVERTED", payload(r)
            r = await call(session, "activate", {"doc_url": "https://e", "data_api": "https://e",
                                                 "machine_address": "0x" + "11" * 20})
            assert r.isError and payload(r)["error"]["field"] == "machine_key_file", payload(r)

            # Bad arguments: MCP errors (or tool errors), never a crash.
            for name, args in [("submit_event", {"machine_id": "x", "type": "activity", "value": 0}),
                               ("query_operator_fleet", {"did": did, "limit": "many"}),
                               ("submit_events", {"events": "none"}),
                               ("query_mcr", {})]:
                try:
                    r = await session.call_tool(name, args)
                    assert r.isError, f"{name} {args} accepted"
                except McpError:
                    pass
            # Still serving after the bad calls.
            r = await call(session, "whoami", {})
            assert not r.isError, payload(r)
    assert EXPECTED <= set(seen), sorted(set(seen))
    print("MCP OK")


if __name__ == "__main__":
    asyncio.run(main())
