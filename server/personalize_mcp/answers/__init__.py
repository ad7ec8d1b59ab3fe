"""The answers, one module per subject, and the cached lookups they share.

Every tool's result is computed here as a pydantic model (its outputSchema); nothing here knows
MCP. Shared by every subject: `lookups` + `account_lookups` (the cached, single-flight reads: the
only way to upstream), `memo` (the cache and derived data per cached list), `upstream_errors`
(upstream failures as sentences with their context), `paging` (the one list mechanism and the
size budget), `shapes` (what results share). Sub-packages: `simulation` (simulate_visitor,
explain_audience_match) and `insights` (find_usage, compare_versions, audit_project, search).
May import: `contentstack`, `rules`, `auth` (the credentials protocol), `config`, `runtime`.
"""
