"""Drives datasurface's tools with the official Model Context Protocol SDK
for Python (`mcp` on PyPI): `datasurface mcp MODEL` over standard input
and output, or `serve`'s `/mcp` over the streamable HTTP transport (with
the bearer token in DATASURFACE_MCP_TOKEN); lists its tools, calls each
call of the JSON file given, and prints one JSON line of the session and
one per call, for the Rust test to compare with the REST API's answers.

The SDK checks each structured answer against the tool's output schema
as it receives it; this script checks it again with `jsonschema`, so that
a client that does not still holds the server to its schemas.

    python client.py DATASURFACE MODEL CALLS.json
    python client.py http://127.0.0.1:PORT/mcp - CALLS.json
"""

import asyncio
import contextlib
import json
import os
import sys

import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client


@contextlib.asynccontextmanager
async def connect(target: str, model: str):
    """The read and write streams of a session with `target`."""
    if target.startswith("http://"):
        token = os.environ.get("DATASURFACE_MCP_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        async with streamablehttp_client(target, headers=headers) as (read, write, _):
            yield read, write
    else:
        params = StdioServerParameters(command=target, args=["mcp", model])
        async with stdio_client(params) as (read, write):
            yield read, write


async def main(target: str, model: str, calls_path: str) -> None:
    with open(calls_path, encoding="utf-8") as f:
        calls = json.load(f)
    async with connect(target, model) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = (await session.list_tools()).tools
            print(json.dumps({
                "server": init.serverInfo.name,
                "protocol": init.protocolVersion,
                "instructions": init.instructions,
                "tools": [t.name for t in tools],
            }), flush=True)
            by_name = {t.name: t for t in tools}
            for call in calls:
                result = await session.call_tool(call["name"], call["arguments"])
                tool = by_name[call["name"]]
                if not result.isError:
                    jsonschema.validate(result.structuredContent, tool.outputSchema)
                print(json.dumps({
                    "name": call["name"],
                    "isError": result.isError,
                    "structured": result.structuredContent,
                    "text": [c.text for c in result.content if c.type == "text"],
                }), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
