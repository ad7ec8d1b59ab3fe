"""Audience rules (an audience `definition`, a variant's inline `target`): the model once, and its readers.

* `model`        — the rule tree parsed once (total, bounded), and which attributes a tree tests;
* `audience`     — which tree an audience stands for (a Lytics-synced one: membership of its slug);
* `options`      — a rule's options as the readers need them (values, ranges, flows, time zones);
* `subjects`     — what a rule tests, in words ("country", "custom attribute "Plan tier"");
* `wording`      — how values read (quoted, bounded, dates, numbers);
* `render`       — a definition in plain words, one bounded line;
* `compose`      — the inverse of parsing: the contract's rule tree (writes) -> an upstream definition, and back;
* `evaluate`     — a tree evaluated for a described visitor, three-valued, with a trace (`evaluate`, `combine`);
* `visitor`      — what the evaluator is told: the visitor and the project's custom attributes;
* `trace`        — what it returns: the result, the decisive reasons, the trace lines;
* `three_valued` — AND / OR / inversion over true, false and undecided, and how a group's result reads;
* `conditions`   — one rule against the visitor, one module per condition family (see its docstring).

May import: the standard library and each other only — never `mcp`, never the Contentstack clients.
"""
