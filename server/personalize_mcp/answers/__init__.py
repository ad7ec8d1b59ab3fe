"""The answers, one module per subject, and the cached lookups they share.

Every tool's result is computed here as a pydantic model (its outputSchema); nothing here knows
MCP. May import: `contentstack`, `rules`, `auth` (the credentials protocol), `config`, `runtime`.
"""
