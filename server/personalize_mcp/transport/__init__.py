"""Serving the MCP server over stdio or Streamable HTTP, one module per job, lowest first.

- `addresses`: the endpoint paths, loopback and wildcard names, the allow-list entry syntax.
- The JWT resource server: `resource_settings` (issuer, audiences, scopes, checked),
  `issuer_keys` (the issuer's JWKS, discovered and cached), `jwt_verifier` (the SDK's verifier).
- Limits: `session_caps` (sessions per client and in all), `connection_limits` (header and body
  deadlines, open connections), `access_log` (no query strings), `request_timeout`.
- `http_options`: the `--transport http` flags, checked.
- The app's wrappers: `rebinding` (Host/Origin guard), `cross_origin` (CORS), `scope_challenge`.
- `http_app` assembles the ASGI app (with /healthz); `uvicorn_server` binds and runs it.
- `serve`: the `serve` command, stdio or HTTP.

May import: `mcp`, `mcp_server`, `connection`, `auth`, `store`, `config`, `runtime`.
"""
