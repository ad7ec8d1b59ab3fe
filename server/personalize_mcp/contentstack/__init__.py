"""Clients for Contentstack's Personalize and CMS Management APIs: one method per upstream call.

`http` is the one HTTP path (token, rate limit, retries, deadline); `personalize` and `cms` the API
clients; `models` the tolerant upstream models; `parsing` the envelopes; `errors` typed failures.
May import: `auth` (the credentials protocol), `config`, `runtime` -- never `mcp`.
"""
