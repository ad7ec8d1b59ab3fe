"""Which Contentstack answers, and the client stack built on it for one account.

`stack` assembles HTTP core, API clients, cache and lookups; `sandbox` is the built-in sandbox as
a connection, reached over HTTP like Contentstack. May import: `answers`, `contentstack`, `auth`,
`config`, `runtime` and `sandbox` -- never `mcp`.
"""
