"""Audience rules (an audience `definition`, a variant's inline `target`): the model once, and its readers.

* `model`    — the rule tree parsed once (total, bounded), and which attributes a tree tests;
* `options`  — a rule's options as the readers need them (values, ranges, flows, time zones);
* `subjects` — what a rule tests, in words ("country", "custom attribute "Plan tier"");
* `wording`  — how values read (quoted, bounded, dates, numbers);
* `render`   — a definition in plain words, one bounded line.

May import: the standard library and each other only — never `mcp`, never the Contentstack clients.
"""
