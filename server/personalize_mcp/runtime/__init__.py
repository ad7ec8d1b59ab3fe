"""What every layer leans on and that knows nothing of Contentstack or MCP.

`errors` (the one-sentence `UserFacingError` family), `ids` (identifier checks before any URL),
`deadline` (the per-call time budget), `cache` (TTL + single-flight), `concurrency` (gather with
the real error), `logs` (stderr logging set-up), `plurals` (a count and its noun in agreement).

May import: only the standard library, `anyio` and each other.
"""
