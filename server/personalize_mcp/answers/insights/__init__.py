"""Insights no single list answers: where a thing is used, what a draft changes, a project audit, search.

Each reads the cached lists (and, for usage and the audit, every experience's versions) through
`Lookups`, and builds its indexes once per cached data set (`Lookups.derived`), so a second question
about the same project costs no upstream request and no rescan.

- `gathering`: reading many things (every experience's versions, every project's lists) with bounded
  concurrency, progress notifications and a time budget inside the call's deadline;
- `usage` (find_usage), `compare` (compare_versions), `checks` + `audit` (audit_project), `search`.
"""
