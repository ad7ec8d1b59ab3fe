"""`personalize-mcp demo`: a real MCP client drives `serve --sandbox` over stdio and prints each answer.

The demo finds its ids the way a model would (lists first, then the actions), so it doubles as
a smoke test of the whole path: stdio transport, tools, HTTP client, sandbox.

Modules, one job each: `run` (the command and the order of the sections), `calls` (the client:
the server it starts, one tool call, its error), `printer` (headings, lines, tables), and one
module per section: `personalize` (projects, audiences, experiences, versions), `catalogue`,
`results`, `simulation`, `insights`, `cms` (stacks, variant groups, variants).

May import: every room, like the other commands (`cli`, `__main__`).
"""

from personalize_mcp.demo.run import run_demo

__all__ = ["run_demo"]
