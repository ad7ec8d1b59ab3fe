"""Evaluate a rule tree for a described visitor: three-valued (true / false / undecided), with a trace.

The second reader of the rule model (`rules.model`), beside `render`. It follows contentstack-api.md §7
(how the Edge evaluates a visitor) as far as the published documents go, and says where it has to choose:

* **Undecided, not guessed.** A rule whose attribute the visitor does not give is undecided (None), and
  so is one this module cannot evaluate (an unknown condition or attribute type, a custom attribute uid
  the project no longer lists, a rule value it cannot read): never an exception. A value given as
  `null` is a value known to be absent (an IP the Edge could not place), so `country equals "AU"` is
  then false, not undecided.
* **Three-valued logic** (Kleene): AND with a false child is false, OR with a true child is true,
  otherwise undecided unless every child is decided; `invertCondition` negates true and false and
  leaves undecided alone. A combination whose children were cut (`truncated`) treats the missing ones
  as undecided.
* **Text** (`STRING_EQUALS`, `CONTAINS_SUBSTRING`, JSON-match values, Lytics slugs, flow states) compares
  by `CASE_RULE`, in `text_match` (`rules.conditions.text`) only.
* **Types are strict**, as Contentstack's are: a number rule on a string ("5") fails, and says that the
  value was sent as text; likewise true/false rules on anything but a boolean, text rules on numbers.
* **Times** (`BEFORE_TIME`, `AFTER_TIME`, `BETWEEN_TIME`) compare the visitor's moment (an aware
  datetime) with the rule's value: an instant (ISO date-time, or epoch seconds / milliseconds); a
  date, which stands for its whole day (before = earlier than that day, after = later than it,
  between = from the first day's start to the last day's end); or a time of day (`09:30`, between may
  wrap midnight). A rule value without an offset is read in the rule's time zone (`timezone` option)
  when it names one, else in UTC; days and times of day are read in the rule's time zone, else in the
  visitor's own offset. The trace says which.
* **Custom attributes** are found by key, case-sensitive: the rule names the attribute's uid and
  `AttributeIndex` maps uid -> key (from the project's `GET /attributes`).

The walk over the tree is here; the inputs are in `rules.visitor`, the outputs in `rules.trace`, the AND / OR
logic in `rules.three_valued`, and each condition family (text and numbers, query parameters, Lytics, times)
in `rules.conditions`.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.rules.audience import EVERYONE_BECAUSE, EVERYONE_WHY
from personalize_mcp.rules.conditions.check import TIME_CONDITIONS, Found, RuleCheck
from personalize_mcp.rules.conditions.display import human
from personalize_mcp.rules.conditions.lytics import check_lytics
from personalize_mcp.rules.conditions.observed import observe
from personalize_mcp.rules.conditions.query import check_query
from personalize_mcp.rules.conditions.scalar import check_scalar
from personalize_mcp.rules.conditions.times import check_time
from personalize_mcp.rules.model import AttributeKind, Combination, Node, Rule, Unrecognised
from personalize_mcp.rules.render import EVERYONE, render_tree
from personalize_mcp.rules.subjects import subject_of
from personalize_mcp.rules.three_valued import MAX_WHY_CHARS, Outcome, combine_outcomes, group_because, invert
from personalize_mcp.rules.trace import MAX_TRACE_STEPS, Evaluation, Step
from personalize_mcp.rules.visitor import AttributeIndex, Visitor
from personalize_mcp.rules.wording import clip

__all__ = ["combine", "evaluate"]

MAX_RULE_CHARS = 200


def evaluate(tree: Node | None, visitor: Visitor, attributes: AttributeIndex | None = None) -> Evaluation:
    """The tree's result for `visitor` with a trace in reading order (a combination before its rules).

    `tree` None is a native audience without rules: everyone, as assumed (`rules.audience`). Total: any tree
    gives an answer.
    """
    if tree is None:
        return Evaluation(True, EVERYONE_WHY, (Step(0, EVERYONE, True, EVERYONE_BECAUSE),), ())
    run = _Run(visitor, attributes or AttributeIndex())
    outcome = run.node(tree, 0)
    return Evaluation(
        result=outcome.result,
        why=clip(outcome.why, MAX_WHY_CHARS),
        trace=tuple(run.steps),
        needs=outcome.needs if outcome.result is None else (),
        omitted_steps=run.omitted,
    )


def combine(
    operator: str, parts: Sequence[tuple[bool | None, str, tuple[str, ...]]]
) -> tuple[bool | None, str, tuple[str, ...]]:
    """Three-valued AND / OR of already evaluated parts (result, why, needs): the answer layer joins a
    variant's audiences with it. Returns (result, why, needs); any other operator is undecided."""
    outcome = combine_outcomes(operator.upper(), [Outcome(r, w, n) for r, w, n in parts], truncated=False)
    return outcome.result, outcome.why, outcome.needs


class _Run:
    __slots__ = ("attributes", "omitted", "steps", "visitor")

    def __init__(self, visitor: Visitor, attributes: AttributeIndex) -> None:
        self.visitor = visitor
        self.attributes = attributes
        self.steps: list[Step] = []
        self.omitted = 0

    def add(self, step: Step) -> int | None:
        if len(self.steps) >= MAX_TRACE_STEPS:
            self.omitted += 1
            return None
        self.steps.append(step)
        return len(self.steps) - 1

    def node(self, node: Node, depth: int) -> Outcome:
        if isinstance(node, Combination):
            return self.combination(node, depth)
        if isinstance(node, Rule):
            return self.rule(node, depth)
        return self.unrecognised(node, depth)

    def unrecognised(self, node: Unrecognised, depth: int) -> Outcome:
        if node.note is not None:
            because = f"{node.note}, so it is undecided"
        elif node.too_deep:
            because = "rules nested too deeply to read"
        else:
            because = "a rule this server cannot read, so it is undecided"
        self.add(Step(depth, render_tree(node, self.attributes.names), None, because))
        return Outcome(None, because)

    def combination(self, node: Combination, depth: int) -> Outcome:
        text = clip(render_tree(node, self.attributes.names), MAX_RULE_CHARS)
        at = self.add(Step(depth, text, None, ""))
        if node.malformed:
            outcome = Outcome(None, "a rule group this server cannot read")
        elif not node.children and node.inverted:
            outcome = Outcome(True, "an inverted group without rules matches no visitor")  # inverted below
        elif not node.children:
            outcome = Outcome(True, EVERYONE_WHY if depth == 0 else "a group without rules matches everyone")
        else:
            children = [self.node(child, depth + 1) for child in node.children]
            outcome = combine_outcomes(node.operator, children, truncated=node.truncated)
        if node.inverted:
            outcome = invert(outcome)
        if at is not None:
            everyone = outcome.why == EVERYONE_WHY and not node.inverted
            self.steps[at] = Step(
                depth, text, outcome.result, EVERYONE_BECAUSE if everyone else group_because(node, outcome)
            )
        return outcome

    def rule(self, rule: Rule, depth: int) -> Outcome:
        subject = subject_of(rule.attribute, rule.condition, rule.options, self.attributes.names)
        text = clip(render_tree(rule, self.attributes.names), MAX_RULE_CHARS)
        try:
            found = _check(RuleCheck(rule, subject, self.visitor, self.attributes))
        except Exception as error:  # never let one odd rule break an answer
            found = Found(None, f"this rule could not be evaluated ({type(error).__name__})")
        result = found.result
        if rule.inverted and result is not None:
            result = not result
        because = found.because
        if rule.inverted and found.result is not None:
            because += " (the rule is inverted)"
        self.add(Step(depth, text, result, because, subject.text, found.expected, found.observed))
        return Outcome(result, because, (found.need,) if result is None and found.need else ())


def _check(check: RuleCheck) -> Found:
    """One rule against the visitor, by condition family (before the rule's own inversion)."""
    condition = check.condition
    if condition is None:
        return Found(None, "the rule has no readable condition")
    attribute = check.rule.attribute
    if condition in TIME_CONDITIONS:
        return check_time(check)
    if attribute.kind is AttributeKind.LYTICS:
        return check_lytics(check)
    if condition == "IS_MEMBER_OF" or condition == "IS_IN_FLOW_STATE":
        return Found(None, f"{human(condition)} applies to Lytics attributes, not to {check.subject.text}")
    if attribute.kind is AttributeKind.PRESET and attribute.preset == "QUERY_PARAMETERS":
        return check_query(check)
    observed = observe(check)
    if observed.problem is not None:
        return Found(None, observed.problem)
    if condition == "JSON_MATCH":
        return Found(None, f"a JSON match applies to query parameters, not to {observed.label}")
    return check_scalar(check, observed)
