"""The MCP face: the server class, the tools (one module per subject), resources, completions, prompts.

Thin by design: each tool takes its arguments, calls one answer, returns its model; failures
become one sentence. May import: `mcp`, `answers`, `runtime`.
"""
