"""Child process of test_crash: a server with writes on plans a change through an MCP client, waits for a line
on stdin, then applies it -- the parent kills this process while the write is in flight."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mcp import Client

from personalize_mcp.answers.writes.journal import Journal
from personalize_mcp.answers.writes.service import WriteService
from personalize_mcp.config.writes import WriteSettings
from personalize_mcp.connection.sandbox import sandbox_connection
from personalize_mcp.connection.stack import open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox.data import WEB_PROJECT_UID
from personalize_mcp.store.locate import default_store_url, open_store


async def main(origin: str, home: Path) -> None:
    store = open_store(default_store_url(home))
    async with open_lookups(sandbox_connection(origin), write_mode="all") as lookups:
        service = WriteService(lookups, WriteSettings(mode="all"), store, Journal(home))
        async with Client(build_server(lookups, write_service=service)) as client:
            change = {"action": "create_event", "key": "add_to_cart"}
            planned = await client.call_tool("plan_change", {"project_uid": WEB_PROJECT_UID, "change": change})
            plan = planned.structured_content or {}
            print(plan["plan_id"], flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            arguments = {"plan_id": plan["plan_id"], "confirmation_token": plan["confirmation"]["token"]}
            await client.call_tool("apply_change", arguments)
            print("applied", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
