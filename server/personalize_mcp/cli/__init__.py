"""Command line: `personalize-mcp [serve|demo|login|accounts|logout]` (a command: may import every room).

`main` parses and dispatches (`run`); the grammar is `parser`, with `serve`'s flag groups one module
each (`resilience_arguments`, `http_arguments`; a feature with flags of its own adds its module and one
line in `add_serve_arguments`).
"""

from personalize_mcp.cli.http_arguments import add_http_arguments
from personalize_mcp.cli.parser import add_serve_arguments, build_parser
from personalize_mcp.cli.resilience_arguments import add_resilience_arguments
from personalize_mcp.cli.run import http_only_flags, main

__all__ = [
    "add_http_arguments",
    "add_resilience_arguments",
    "add_serve_arguments",
    "build_parser",
    "http_only_flags",
    "main",
]
