"""Entry point of the MCP Bundle (`manifest.json`): `personalize-mcp` with the arguments given.

The bundle's host runs this file with `uv run` inside the unpacked bundle, whose `pyproject.toml`
brings the dependencies; this folder holds the `personalize_mcp` package itself.
"""

from personalize_mcp.cli import main

raise SystemExit(main())
