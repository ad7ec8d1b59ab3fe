"""The write tests' world: the served sandbox, a server with writes on (SQLite store and journal in a temporary
PERSONALIZE_MCP_HOME, as `serve --writes` has them), and MCP clients with or without elicitation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp_types import ElicitRequestParams, ElicitResult

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.writes.journal import Journal
from personalize_mcp.answers.writes.service import WriteService
from personalize_mcp.config.writes import WriteSettings
from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import RequestRecord
from personalize_mcp.store.locate import default_store_url, open_store
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok

Elicitation = Literal["none", "accept", "decline", "cancel", "wrong-name"]
_NAME = re.compile(r"type the name '(.*)'\.$")


@dataclass
class World:
    sandbox: Sandbox
    home: Path
    lookups: Lookups
    service: WriteService
    asked: list[str]

    def writes(self) -> list[RequestRecord]:
        """The Personalize writes the sandbox received (its request log, not our words)."""
        return [r for r in self.sandbox.state.request_log() if r.method != "GET" and r.api == "personalize"]

    def requests(self) -> list[RequestRecord]:
        return [r for r in self.sandbox.state.request_log() if r.api == "personalize"]

    def data(self) -> Any:
        return self.sandbox.state.data

    @asynccontextmanager
    async def client(self, mode: str, elicitation: Elicitation = "none") -> AsyncIterator[Client]:
        async def answer(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
            self.asked.append(params.message)
            if elicitation in ("decline", "cancel"):
                return ElicitResult(action=elicitation)
            properties = params.requested_schema["properties"]  # type: ignore[union-attr]
            if "name" in properties:
                found = _NAME.search(params.message)
                typed = found.group(1) if found and elicitation == "accept" else "not the name"
                return ElicitResult(action="accept", content={"name": typed})
            return ElicitResult(action="accept", content={"confirm": True})

        options: dict[str, Any] = {} if elicitation == "none" else {"elicitation_callback": answer}
        async with Client(build_server(self.lookups, write_service=self.service), mode=mode, **options) as client:
            yield client


@asynccontextmanager
async def world(
    sandbox: Sandbox,
    home: Path,
    *,
    mode: str = "all",
    confirm: str = "elicitation",
    connection: Connection | None = None,
    max_applies: int = 20,
) -> AsyncIterator[World]:
    settings = WriteSettings(mode=mode, confirm=confirm, max_applies_per_minute=max_applies)  # type: ignore[arg-type]
    store = open_store(default_store_url(home))
    try:
        async with open_lookups(connection or sandbox.connection(), write_mode=mode) as lookups:
            yield World(sandbox, home, lookups, WriteService(lookups, settings, store, Journal(home)), [])
    finally:
        await store.aclose()


async def plan(client: Client, change: dict[str, Any], project_uid: str | None = None) -> dict[str, Any]:
    arguments: dict[str, Any] = {"change": change}
    if project_uid is not None:
        arguments["project_uid"] = project_uid
    return await call_ok(client, "plan_change", arguments)


async def apply(client: Client, planned: dict[str, Any], *, token: bool = True) -> dict[str, Any]:
    arguments: dict[str, Any] = {"plan_id": planned["plan_id"]}
    if token and planned["confirmation"]["token"]:
        arguments["confirmation_token"] = planned["confirmation"]["token"]
    return await call_ok(client, "apply_change", arguments)


async def apply_error(client: Client, planned: dict[str, Any], token: str | None = None) -> str:
    arguments: dict[str, Any] = {"plan_id": planned["plan_id"]}
    if token:
        arguments["confirmation_token"] = token
    return await call_error(client, "apply_change", arguments)
