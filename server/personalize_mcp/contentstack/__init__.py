"""Clients for Contentstack's Personalize and CMS Management APIs: one method per upstream call.

`personalize` and `cms` are the API clients. Below them, the one HTTP path: `http` (base URLs, token
and renewal, the attempt loop), `sender` (one attempt through the rate limiter), `retries` (what is tried
again and how long it waits), `ratelimit` (our side of the per-organisation limit), `bodies` (bounded
reading, decompression, JSON) and `upstream_failures` (each failure as a typed error with one sentence).
Upstream JSON is parsed once, here: `models/` holds the tolerant models by subject, `parsing` the
envelopes, `analytics` every assumed analytics shape (its docstring lists them), `upstream_values` the
lenient reading of one count or time; `errors` the typed failures.
May import: `auth` (the credentials protocol), `config`, `runtime` -- never `mcp`.
"""
