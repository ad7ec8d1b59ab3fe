"""Which rules an audience stands for (rules.audience): a Lytics-synced audience is membership of its slug, never
"everyone"; only a native audience without rules is everyone, said to be undocumented. And rules on a custom
attribute the project's list lacks say "(deleted attribute)"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from personalize_mcp.answers.visitor import parse_visitor
from personalize_mcp.rules.audience import (
    EVERYONE_WHY,
    NO_SLUG,
    audience_tree,
    is_lytics_audience,
    lytics_membership,
)
from personalize_mcp.rules.evaluate import evaluate
from personalize_mcp.rules.model import Combination, Rule, Unrecognised, parse_audience
from personalize_mcp.rules.render import EVERYONE, render_tree
from personalize_mcp.rules.subjects import ListedAttributes
from personalize_mcp.rules.trace import Evaluation
from tests.unit.test_rules import both, custom, rule, s

NATIVE = "6651c0a2b7d2e4f918000101"
LYTICS = "9f2c4b7e1a8d3f6c0b5e2d9a7c4f1e83"
NOON = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
EMPTY_GROUP = {"__type": "RuleCombination", "combinationType": "AND", "rules": []}
COUNTRY_AU = both("AND", rule("COUNTRY", "STRING_EQUALS", s("AU")))


def run(tree: Any, visitor: dict[str, Any]) -> Evaluation:
    return evaluate(tree, parse_visitor(visitor, now=NOON))


@pytest.mark.parametrize(
    ("uid", "source", "expected"),
    [
        (LYTICS, "LYTICS", True),
        (LYTICS, "lytics", True),
        (LYTICS, None, True),  # no source: the 32-hex uid says it
        (LYTICS, "PERSONALIZE", False),  # a source that says otherwise wins
        (NATIVE, None, False),
        (NATIVE, "LYTICS", True),
    ],
)
def test_which_audiences_are_synced_from_lytics(uid: str, source: str | None, expected: bool) -> None:
    assert is_lytics_audience(uid, source) is expected


def test_a_lytics_audience_is_membership_of_its_slug_whatever_its_definition() -> None:
    for definition in (None, {}, EMPTY_GROUP, COUNTRY_AU):
        tree = audience_tree(LYTICS, definition, "LYTICS", " cart_abandoners ")
        assert tree == lytics_membership("cart_abandoners")
        assert render_tree(tree) == 'visitor is a member of Lytics audience "cart_abandoners"'


def test_the_three_kinds_of_visitor() -> None:
    tree = lytics_membership("cart_abandoners")
    member = run(tree, {"lytics_audiences": ["deal_seekers", "cart_abandoners"]})
    assert (member.result, member.needs) == (True, ())
    assert member.why == 'the visitor\'s Lytics audiences include "cart_abandoners"'
    other = run(tree, {"lytics_audiences": ["deal_seekers"]})
    assert (other.result, other.needs) == (False, ())
    assert other.why == 'the visitor\'s Lytics audiences (given: "deal_seekers") do not include "cart_abandoners"'
    none = run(tree, {"lytics_audiences": []})
    assert none.result is False and "(given: none)" in none.why
    unknown = run(tree, {"country": "AU"})
    assert (unknown.result, unknown.needs) == (None, ("lytics_audiences",))
    assert [(step.rule, step.result) for step in unknown.trace] == [(render_tree(tree), None)]


def test_a_lytics_audience_without_a_slug_is_read_by_its_rules_else_undecided() -> None:
    assert audience_tree(LYTICS, COUNTRY_AU, "LYTICS", None) == parse_audience(COUNTRY_AU)
    for definition in (None, {}, EMPTY_GROUP):
        tree = audience_tree(LYTICS, definition, "LYTICS", "  ")
        assert tree == Unrecognised(note=NO_SLUG)
        assert render_tree(tree) == f"({NO_SLUG})"
        evaluation = run(tree, {"lytics_audiences": ["cart_abandoners"]})
        assert evaluation.result is None and evaluation.why == f"{NO_SLUG}, so it is undecided"


def test_only_a_native_audience_without_rules_is_everyone_and_says_it_is_assumed() -> None:
    assert audience_tree(NATIVE, None, "PERSONALIZE", None) is None
    everyone = run(None, {})
    assert everyone.result is True and everyone.why == EVERYONE_WHY
    assert "Contentstack does not document" in everyone.why and "Contentstack does not document" in (
        everyone.trace[0].because
    )
    assert render_tree(None) == EVERYONE
    empty = audience_tree(NATIVE, EMPTY_GROUP, "PERSONALIZE", None)
    assert isinstance(empty, Combination) and not empty.children
    evaluation = run(empty, {})
    assert evaluation.result is True and evaluation.why == EVERYONE_WHY
    assert "Contentstack does not document" in evaluation.trace[0].because
    inverted = run(parse_audience({**EMPTY_GROUP, "invertCondition": True}), {})
    assert inverted.result is False and "Contentstack does not document" not in inverted.trace[0].because
    nested = run(parse_audience(both("AND", COUNTRY_AU, EMPTY_GROUP)), {"country": "AU"})
    assert nested.result is True and nested.trace[-1].because == "a group without rules matches everyone"


def test_a_slug_is_one_rule_of_the_lytics_kind() -> None:
    membership = lytics_membership("x")
    assert isinstance(membership, Rule) and membership.condition == "IS_MEMBER_OF" and not membership.inverted


def test_a_rule_on_an_attribute_the_list_lacks_says_it_was_deleted() -> None:
    tree = parse_audience(both("AND", custom("u-gone", "NUMBER_EQUAL_TO", {"value": 3})))
    listed = ListedAttributes({"u-plan": "Plan"}, ["u-plan", "plan"])
    assert render_tree(tree, listed) == 'custom attribute "u-gone" (deleted attribute) equals 3'
    assert render_tree(tree, {"u-plan": "Plan"}) == 'custom attribute "u-gone" equals 3'  # not known to be listed
    by_key = parse_audience(both("AND", custom("plan", "IS_TRUE")))
    assert render_tree(by_key, listed) == 'custom attribute "plan" is true'
