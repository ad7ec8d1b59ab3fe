"""Simulate a visitor across a project's experiences, and explain one audience match: purely local.

"What would this visitor see, and why not?" -- the Edge answers `activeVariantShortUid: null` and nothing
more. This reads the same rules (audiences, Lytics audiences, a variant's inline `target`) and evaluates
them with `rules.evaluate` as contentstack-api.md §7 describes the Edge:

* experiences in priority order (`priority.ranked`), each on its ACTIVE version -- or, with `draft`, on
  its DRAFT version where it has one (drafts never run at the edge: the answer says so), else its ACTIVE;
* segmented: the **first** variant in the version's order whose audiences match (combined as its
  `audienceCombinationType` says, OR when it says nothing; AND with its inline `target` when it has
  both); an undecided variant before a matching one makes the outcome `unknown`;
* A/B: every visitor who passes the test's targeting (when a version carries any) gets one variant at
  random, sticky per user (the bucketing hash is not published): `ab_random`, with the split;
* `variant_aliases`: the CMS aliases `cs_personalize_{experience short uid}_{variant short uid}` of the
  decided variants, highest priority first, at most three (what the CMS Delivery API takes).

It never calls the Edge API, which would create visitor records. Every answer says it is a simulation.

- `simulate` (simulate_visitor: paging, version choice, budget) and `explain` (explain_audience_match);
- `models`: simulate_visitor's result models; `context`: what one call evaluates against;
- `matching`: a variant's match and the segmented and A/B outcomes; `aliases`: the CMS variant aliases;
- `wording`: how the reasons read.

May import: the other `answers` modules, `contentstack`, `rules`, `runtime` -- never `mcp`.
"""
