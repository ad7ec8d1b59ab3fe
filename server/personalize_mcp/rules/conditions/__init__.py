"""One rule against a described visitor, one module per condition family (the evaluator's leaves).

* `check`       — what every family is given (`RuleCheck`) and returns (`Found`), and the condition tables;
* `text`        — the one case rule (`CASE_RULE`, `text_match`) and visitor texts against a rule's;
* `rule_values` — a rule's numbers and texts read, and what the rule wants in words (`expected_text`);
* `display`     — how observed values read in a trace (quoted, typed, "any of ...");
* `observed`    — where a preset's or custom attribute's value comes from in the visitor;
* `scalar`      — has-any-value, true/false, number and text conditions on those values;
* `query`       — query-parameter conditions, JSON match included;
* `lytics`      — Lytics audience membership and flow states;
* `times`       — before / after / between time rules on date and time;
* `clock`       — rule times read (instants, days, times of day, time zones) and compared.

May import: the other `rules` modules and the standard library — never `mcp`, never the Contentstack clients.
"""
