"""The bare reference server of the benchmarks: an `MCPServer` whose tools each do one GET and
return the upstream JSON: `list_projects` (GET /projects, as our `list_projects`) and
`get_audiences` (GET /audiences of a project, returned verbatim as one text block: the scale
benchmark's floor for listing thousands of audiences).

No validation, no cache, no rate limiter, no retries, no result models: the floor that the SDK,
httpx2 and the transport set. Run over stdio (default) or Streamable HTTP:

    BARE_PERSONALIZE_URL=http://127.0.0.1:PORT/personalize BARE_TOKEN=... BARE_ORG=... \\
        python bench/bare_server.py [--http PORT]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp.server import MCPServer

BASE_URL = os.environ.get("BARE_PERSONALIZE_URL", "http://127.0.0.1:9/personalize")
HEADERS = {
    "authorization": f"Bearer {os.environ.get('BARE_TOKEN', '')}",
    "organization_uid": os.environ.get("BARE_ORG", ""),
    "accept": "application/json",
}
http: httpx2.AsyncClient | None = None


@asynccontextmanager
async def lifespan(server: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
    global http
    async with httpx2.AsyncClient(timeout=20.0) as client:
        http = client
        yield {}


server: MCPServer[Any] = MCPServer("bare-reference", lifespan=lifespan, log_level="WARNING")  # as quiet as ours


@server.tool(name="list_projects", description="GET /projects and return the JSON.")
async def list_projects() -> Any:
    assert http is not None
    response = await http.get(f"{BASE_URL}/projects", headers=HEADERS)
    response.raise_for_status()
    return response.json()


@server.tool(name="get_audiences", description="GET /audiences of a project and return the body as it came.")
async def get_audiences(project_uid: str) -> str:
    assert http is not None
    response = await http.get(f"{BASE_URL}/audiences", headers={**HEADERS, "x-project-uid": project_uid})
    response.raise_for_status()
    return response.text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP on 127.0.0.1:PORT")
    args = parser.parse_args()
    if args.http is None:
        server.run()
        return
    import uvicorn

    app = server.streamable_http_app(streamable_http_path="/mcp", host="127.0.0.1")
    uvicorn.run(app, host="127.0.0.1", port=args.http, log_config=None, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
