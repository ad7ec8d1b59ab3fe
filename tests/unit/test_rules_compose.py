"""The rule tree's inverse: compose a tree into an upstream definition, parse it back, and word it.

A law (hypothesis): for every tree, `decompose(compose(tree)) == tree`, and the words `render` gives the
composed definition name every condition's attribute and value -- what a plan shows is what is stored.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize_mcp.rules.compose import (
    OPERATORS,
    TEXT_PRESETS,
    AttributeRef,
    Condition,
    Group,
    check_condition,
    compose,
    decompose,
    rule_count,
)
from personalize_mcp.rules.render import render_definition
from personalize_mcp.runtime.errors import InvalidInputError

_TIMES = st.datetimes(
    min_value=__import__("datetime").datetime(2000, 1, 1), max_value=__import__("datetime").datetime(2090, 1, 1)
)


def _iso(moment: object) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"  # type: ignore[attr-defined]


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    operator = draw(st.sampled_from(sorted(OPERATORS)))
    operand = OPERATORS[operator][2]
    if operand in ("time", "range"):
        attribute = draw(st.sampled_from([AttributeRef("preset", "DATE_AND_TIME"), AttributeRef("custom", "a1")]))
    elif operand == "text" or operator == "has_value":
        attribute = draw(
            st.sampled_from([*(AttributeRef("preset", p) for p in TEXT_PRESETS), AttributeRef("custom", "b2")])
        )
    else:
        attribute = AttributeRef("custom", draw(st.from_regex(r"[a-z0-9]{24}", fullmatch=True)))
    value: object = None
    if operand == "text":
        value = draw(
            st.text(
                alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20
            ).filter(str.strip)
        )
    elif operand == "number":
        value = draw(st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6, allow_nan=False))
    elif operand == "time":
        value = _iso(draw(_TIMES))
    elif operand == "range":
        start, end = sorted(draw(st.lists(_TIMES, min_size=2, max_size=2, unique=True)))
        value = (_iso(start), _iso(end))
        if value[0] == value[1]:
            value = (value[0], "2095-01-01T00:00:00.000Z")
    return check_condition(Condition(attribute, operator, value, draw(st.booleans())))


trees = st.recursive(
    conditions(),
    lambda children: st.builds(
        Group, st.sampled_from(["AND", "OR"]), st.lists(children, min_size=1, max_size=4).map(tuple)
    ),
    max_leaves=12,
).map(lambda node: node if isinstance(node, Group) else Group("AND", (node,)))


@settings(max_examples=200, deadline=None)
@given(trees)
def test_a_composed_tree_parses_back_to_itself_and_reads_in_words(tree: Group) -> None:
    definition = compose(tree)
    assert decompose(definition) == tree
    words = render_definition(definition)
    assert "(unrecognised rule)" not in words and "(unknown condition)" not in words
    for condition in _conditions(tree):
        if OPERATORS[condition.operator][2] == "text":
            assert f'"{condition.value}"' in words
    assert words.count(" AND ") + words.count(" OR ") == rule_count(tree) - 1  # n rules, n - 1 joins


def _conditions(node: Group | Condition) -> list[Condition]:
    return [node] if isinstance(node, Condition) else [c for child in node.children for c in _conditions(child)]


def test_the_stored_spelling_is_contentstacks() -> None:
    tree = Group(
        "AND",
        (
            check_condition(Condition(AttributeRef("preset", "COUNTRY"), "equals", "SE")),
            check_condition(Condition(AttributeRef("preset", "DEVICE_TYPE"), "equals", "MOBILE")),
        ),
    )
    assert compose(tree)["rules"][0] == {
        "__type": "Rule",
        "attribute": {"__type": "PresetAttributeReference", "ref": "COUNTRY"},
        "attributeMatchCondition": "STRING_EQUALS",
        "attributeMatchOptions": {"__type": "StringMatchOptions", "value": "SE"},
        "invertCondition": False,
    }
    assert render_definition(compose(tree)) == 'country equals "SE" AND device type equals "MOBILE"'


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (Condition(AttributeRef("preset", "COUNTRY"), "greater_than", 3), "cannot be tested with greater_than"),
        (Condition(AttributeRef("preset", "QUERY_PARAMETERS"), "equals", "x"), "cannot be tested with equals"),
        (Condition(AttributeRef("custom", "c"), "equals", ""), "needs value: a text"),
        (Condition(AttributeRef("custom", "c"), "less_than", True), "needs value: a number"),
        (Condition(AttributeRef("custom", "c"), "has_value", "x"), "takes no value"),
        (Condition(AttributeRef("custom", "c"), "before", "soon"), "ISO 8601"),
        (Condition(AttributeRef("custom", "c"), "between", ["2026-02-01", "2026-01-01"]), "start before its end"),
        (Condition(AttributeRef("custom", "c"), "like", "x"), "is not one of"),
    ],
)
def test_a_condition_that_cannot_be_sent_is_one_sentence(condition: Condition, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        check_condition(condition)


def test_what_the_tree_cannot_say_is_not_decomposed() -> None:
    lytics = {
        "__type": "RuleCombination",
        "combinationType": "AND",
        "rules": [
            {
                "__type": "Rule",
                "attribute": {"__type": "LyticsAttributeReference", "ref": "x"},
                "attributeMatchCondition": "IS_MEMBER_OF",
                "invertCondition": False,
            }
        ],
    }
    assert decompose(lytics) is None
    assert decompose({**lytics, "rules": [], "invertCondition": True}) is None
