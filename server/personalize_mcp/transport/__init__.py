"""Serving the MCP server: stdio, Streamable HTTP (rebinding guard, limits, /healthz), the JWT resource server.

May import: `mcp`, `mcp_server`, `connection`, `auth`, `config`, `runtime`.
"""
