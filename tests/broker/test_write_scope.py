"""A tool that changes Contentstack needs `personalize-mcp:write`: without it, HTTP 403 `insufficient_scope`
naming both scopes (so an MCP client steps up through consent); everything else passes untouched."""

from __future__ import annotations

import json

import httpx2
import pytest
from mcp.server.auth.provider import AccessToken
from starlette.requests import Request
from starlette.responses import JSONResponse

from personalize_mcp.transport.write_scope import WriteScopeGate

pytestmark = pytest.mark.anyio

TOKENS = {
    "reader": AccessToken(token="reader", client_id="c", scopes=["personalize-mcp:read"]),
    "writer": AccessToken(token="writer", client_id="c", scopes=["personalize-mcp:read", "personalize-mcp:write"]),
}


class Verifier:
    async def verify_token(self, token: str) -> AccessToken | None:
        return TOKENS.get(token)


async def echo(scope: dict[str, object], receive: object, send: object) -> None:
    request = Request(scope, receive)  # type: ignore[arg-type]
    await JSONResponse({"reached": True, "body": (await request.body()).decode()})(scope, receive, send)  # type: ignore[arg-type]


def call(tool: str, method: str = "tools/call") -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": {"name": tool, "arguments": {}}}


@pytest.fixture
def client() -> httpx2.AsyncClient:
    gate = WriteScopeGate(
        echo,  # type: ignore[arg-type]
        Verifier(),
        lambda: frozenset({"apply_change"}),
        write_scope="personalize-mcp:write",
        scopes=("personalize-mcp:read", "personalize-mcp:write"),
        resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    )
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=gate), base_url="https://mcp.example.com")


async def test_a_changing_tool_without_the_write_scope_is_403_naming_both_scopes(client: httpx2.AsyncClient) -> None:
    refused = await client.post("/mcp", json=call("apply_change"), headers={"authorization": "Bearer reader"})
    assert refused.status_code == 403
    challenge = refused.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="personalize-mcp:read personalize-mcp:write"' in challenge
    assert 'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"' in challenge


@pytest.mark.parametrize(
    ("body", "token"),
    [
        (call("apply_change"), "writer"),  # the write scope: on to the MCP app, body intact
        (call("list_projects"), "reader"),  # a read-only tool
        (call("apply_change", method="tools/list"), "reader"),  # not a call
        (call("apply_change"), "unknown"),  # the SDK answers 401 for a token it does not know
    ],
)
async def test_everything_else_reaches_the_app_unchanged(
    client: httpx2.AsyncClient, body: dict[str, object], token: str
) -> None:
    passed = await client.post("/mcp", json=body, headers={"authorization": f"Bearer {token}"})
    assert passed.status_code == 200
    assert json.loads(passed.json()["body"]) == body
    other_path = await client.post("/token", content=b"grant_type=x", headers={"authorization": "Bearer reader"})
    assert other_path.json() == {"reached": True, "body": "grant_type=x"}
