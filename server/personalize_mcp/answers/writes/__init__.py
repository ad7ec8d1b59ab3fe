"""Guarded writes: plan a change in words, confirm it, apply it once, journal it, undo it (CONTRACT.md).

One module per concern. `changes`: the `change` argument, one model per action (a discriminated union);
`rule_tree`: its rules resolved and composed (`rules.compose`); `drafting`: what every planner shares;
planners per subject -- `plan_audiences`, `plan_catalogue` (attributes, events), `plan_experiences`,
`plan_versions` (draft, activate, pause, resume), `plan_priority`, `plan_promote` -- with `variants` (specs
to drafts, rows in compare_versions' words, what activation needs) and `refusals` (find_usage's answer as
refusals and warnings); `fingerprints`: fresh reads and the optimistic lock; `planner`: dispatch, the
write modes, the confirmation, the stored plan; `confirm`: how a plan is confirmed and checked; `engine`:
the apply (re-read, compare, lock, journal intent, call, journal result, invalidate); `steps`: one step's
upstream call; `journal`: the append-only record per account; `history`: list_changes; `inverse`: the
undo of a journaled change; `service`: the object the MCP face holds. Never `mcp`.
May import: like `answers` -- `contentstack`, `rules`, `auth`, `store`, `config`, `runtime`.
"""
