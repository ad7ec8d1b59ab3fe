"""Insights no single list answers: where a thing is used, what a draft changes, a project audit, search.

Each reads the cached lists (and, for usage and the audit, every experience's versions) through
`Lookups`, and builds its indexes once per cached data set (`Lookups.derived`), so a second question
about the same project costs no upstream request and no rescan.

- `gathering`: reading many things (every experience's versions, every project's lists) with bounded
  concurrency, progress notifications and a time budget inside the call's deadline;
- `words`: versions, variants and audience sets in plain words, for every insight's sentences;
- `usage` (find_usage), with `usage_entries`: its result models, the variant index and each kind's entries;
- `compare` (compare_versions), with `version_diff`: the diff of two versions, change by change, in words;
- `audit` (audit_project), with the `checks` package: `facts` (the Facts read, the Finding returned),
  the checks by family (`targeting`, `unreachable`, `lifecycle`, `unused`, `cms`) and the CHECKS table;
- `search`, with `search_reads`: what a search reads, and the bounds that keep it cheap.
"""
