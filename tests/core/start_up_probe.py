"""`personalize-mcp serve` exactly as a client starts it, which also writes the names of the modules
it has imported, as JSON, to the file `START_UP_MODULES` names, when it answers its first tools/list
(before any tool is called). Run by tests/core/test_start_up_imports.py as the stdio server."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from personalize_mcp.mcp_server.server import PersonalizeMCPServer

listed = PersonalizeMCPServer.list_tools


async def list_tools_and_record(self: PersonalizeMCPServer) -> Any:
    tools = await listed(self)
    Path(os.environ["START_UP_MODULES"]).write_text(json.dumps(sorted(sys.modules)))  # noqa: ASYNC240 -- once, tiny
    return tools


PersonalizeMCPServer.list_tools = list_tools_and_record  # type: ignore[method-assign]

from personalize_mcp.cli import main  # noqa: E402

raise SystemExit(main(["serve", *sys.argv[1:]]))
