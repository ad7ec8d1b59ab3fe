"""State that outlives one call and may be shared by processes: plans, approvals, logins, issued tokens.

One small interface (`protocol.KeyValueStore`: get, set, add-if-absent, take, compare-and-set,
delete, increment, keys by prefix, each with an optional time to live) and its backends, chosen by
URL (`locate.open_store`): `memory://` (one process; tests), `sqlite:///path` (the default, one file
under `PERSONALIZE_MCP_HOME`, shared by every process on the machine — a server and
`personalize-mcp approve` in a terminal), `redis://` / `rediss://` (several replicas). Values are
bytes the caller encodes; secrets are sealed before they get here, never stored in plain text.
Every backend passes one contract suite (`tests/store/`).

Beside it: `sealing` (AES-256-GCM under `PERSONALIZE_MCP_SECRET_KEYS` for what must be read back,
SHA-256 for what is only compared) and `slots` (a rate-limit budget shared by processes, with its
Redis ledger in `redis_slots`; contract suite in `tests/store/` too).

May import: `config`, `runtime`, `cryptography` and the standard library (`redis` only inside its
backends).
"""
