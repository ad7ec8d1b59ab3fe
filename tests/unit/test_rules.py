"""Exact-string tests for the audience-rule renderer, plus a never-raises property test."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize_mcp.rules.render import (
    EVERYONE,
    MAX_DEPTH,
    MAX_OUTPUT_CHARS,
    UNRECOGNISED_RULE,
    render_definition,
    render_rule,
)

Json = Any


def rule(
    ref: Json,
    condition: Json,
    options: Json = None,
    *,
    inverted: Json = False,
    kind: str = "PresetAttributeReference",
    **attribute_extra: Json,
) -> dict[str, Json]:
    node: dict[str, Json] = {
        "__type": "Rule",
        "attribute": {"__type": kind, "ref": ref, **attribute_extra},
        "attributeMatchCondition": condition,
        "invertCondition": inverted,
    }
    if options is not None:
        node["attributeMatchOptions"] = options
    return node


def custom(ref: str, condition: str, options: Json = None, **kw: Json) -> dict[str, Json]:
    return rule(ref, condition, options, kind="CustomAttributeReference", **kw)


def lytics(ref: str, condition: str, options: Json = None, **kw: Json) -> dict[str, Json]:
    return rule(ref, condition, options, kind="LyticsAttributeReference", **kw)


def both(combination_type: Json, *rules: Json) -> dict[str, Json]:
    return {"__type": "RuleCombination", "combinationType": combination_type, "rules": list(rules)}


def s(value: Json) -> dict[str, Json]:
    return {"__type": "StringMatchOptions", "value": value}


def n(value: Json) -> dict[str, Json]:
    return {"__type": "NumberMatchOptions", "value": value}


AU = rule("COUNTRY", "STRING_EQUALS", s("AU"))
MOBILE = rule("DEVICE_TYPE", "STRING_EQUALS", s("MOBILE"))
IOS = rule("OPERATING_SYSTEM", "STRING_EQUALS", s("iOS"))
SYDNEY = rule("CITY", "STRING_EQUALS", s("Sydney"))


# --- each condition, positive and inverted ---------------------------------------------------

CONDITIONS = [
    ("STRING_EQUALS", s("AU"), 'equals "AU"', 'does not equal "AU"'),
    ("CONTAINS_SUBSTRING", s("Syd"), 'contains "Syd"', 'does not contain "Syd"'),
    ("HAS_ANY_VALUE", None, "has a value", "has no value"),
    ("IS_TRUE", None, "is true", "is not true"),
    ("IS_FALSE", None, "is false", "is not false"),
    ("NUMBER_LESS_THAN", n(18), "is less than 18", "is not less than 18"),
    ("NUMBER_GREATER_THAN", n(1000), "is greater than 1000", "is not greater than 1000"),
    ("NUMBER_EQUAL_TO", n(2.5), "equals 2.5", "does not equal 2.5"),
    (
        "JSON_MATCH",
        {"value": {"tier": "gold"}},
        'matches {"tier": "gold"}',
        'does not match {"tier": "gold"}',
    ),
    ("IS_MEMBER_OF", s("vip"), 'is a member of "vip"', 'is not a member of "vip"'),
    ("BEFORE_TIME", {"value": "2024-12-25"}, "is before 2024-12-25", "is not before 2024-12-25"),
    ("AFTER_TIME", {"value": "2024-12-25"}, "is after 2024-12-25", "is not after 2024-12-25"),
    (
        "BETWEEN_TIME",
        {"start": "2024-12-01", "end": "2024-12-31"},
        "is between 2024-12-01 and 2024-12-31",
        "is not between 2024-12-01 and 2024-12-31",
    ),
    (
        "IS_IN_FLOW_STATE",
        {"flowId": "onboarding", "flowState": "done"},
        'is in state "done" of flow "onboarding"',
        'is not in state "done" of flow "onboarding"',
    ),
]


@pytest.mark.parametrize(("condition", "options", "positive", "negative"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_each_condition_and_its_negation(condition: str, options: Json, positive: str, negative: str) -> None:
    assert render_definition(custom("plan", condition, options)) == f'custom attribute "plan" {positive}'
    assert render_definition(custom("plan", condition, options, inverted=True)) == f'custom attribute "plan" {negative}'


# --- attribute kinds -------------------------------------------------------------------------

ATTRIBUTES = [
    ("country", rule("COUNTRY", "STRING_EQUALS", s("AU")), 'country equals "AU"'),
    ("region", rule("REGION", "STRING_EQUALS", s("NSW")), 'region equals "NSW"'),
    ("city", SYDNEY, 'city equals "Sydney"'),
    ("device type", MOBILE, 'device type equals "MOBILE"'),
    ("operating system", IOS, 'operating system equals "iOS"'),
    ("referrer", rule("REFERRER", "CONTAINS_SUBSTRING", s("google")), 'referrer contains "google"'),
    (
        "date and time",
        rule("DATE_AND_TIME", "AFTER_TIME", {"value": "2024-11-29T00:00:00.000Z"}),
        "date and time is after 2024-11-29 00:00 UTC",
    ),
    (
        "query parameters (plural verb)",
        rule("QUERY_PARAMETERS", "JSON_MATCH", {"value": {"utm_campaign": "black-friday"}}),
        'query parameters match {"utm_campaign": "black-friday"}',
    ),
    (
        "query parameters inverted (plural verb)",
        rule("QUERY_PARAMETERS", "HAS_ANY_VALUE", inverted=True),
        "query parameters have no value",
    ),
    (
        "query parameter named on the attribute",
        rule("QUERY_PARAMETERS", "STRING_EQUALS", s("google"), key="utm_source"),
        'query parameter "utm_source" equals "google"',
    ),
    (
        "query parameter named in the options",
        rule("QUERY_PARAMETERS", "STRING_EQUALS", {"key": "utm_medium", "value": "email"}),
        'query parameter "utm_medium" equals "email"',
    ),
    ("unknown preset humanized", rule("SOME_THING", "HAS_ANY_VALUE"), "some thing has a value"),
    ("camelCase preset humanized", rule("browserLanguage", "HAS_ANY_VALUE"), "browser language has a value"),
    (
        "preset ref that is not an identifier",
        rule("browser language", "STRING_EQUALS", s("en")),
        'preset attribute "browser language" equals "en"',
    ),
    (
        "custom attribute by uid",
        custom("66702e03d84509d0106bec05", "NUMBER_GREATER_THAN", n(1000)),
        'custom attribute "66702e03d84509d0106bec05" is greater than 1000',
    ),
    (
        "custom attribute with a name",
        custom("66702e03d84509d0106bec05", "STRING_EQUALS", s("gold"), name="Plan tier"),
        'custom attribute "Plan tier" equals "gold"',
    ),
    (
        "custom attribute with a JSON path",
        custom("prefs", "JSON_MATCH", {"path": "theme", "value": "dark"}),
        'custom attribute "prefs" key "theme" matches "dark"',
    ),
    (
        "unknown reference type",
        rule("age", "NUMBER_LESS_THAN", n(30), kind="UserAttributeReference"),
        'attribute "age" is less than 30',
    ),
    (
        "reference without __type but a preset ref",
        {
            "attribute": {"ref": "COUNTRY"},
            "attributeMatchCondition": "STRING_EQUALS",
            "attributeMatchOptions": s("NZ"),
        },
        'country equals "NZ"',
    ),
    (
        "attribute given as a bare string",
        {
            "attribute": "DEVICE_TYPE",
            "attributeMatchCondition": "STRING_EQUALS",
            "attributeMatchOptions": s("TABLET"),
        },
        'device type equals "TABLET"',
    ),
    (
        "attribute missing",
        {"__type": "Rule", "attributeMatchCondition": "IS_TRUE"},
        "unknown attribute is true",
    ),
    (
        "custom attribute without ref",
        {"attribute": {"__type": "CustomAttributeReference"}, "attributeMatchCondition": "IS_TRUE"},
        "unknown custom attribute is true",
    ),
]


@pytest.mark.parametrize(("node", "expected"), [a[1:] for a in ATTRIBUTES], ids=[a[0] for a in ATTRIBUTES])
def test_attribute_kinds(node: Json, expected: str) -> None:
    assert render_definition(node) == expected


# --- Lytics ----------------------------------------------------------------------------------

LYTICS = [
    (
        "audience membership",
        lytics("LYTICS_AUDIENCE", "IS_MEMBER_OF", {"__type": "AudienceMatchOptions", "value": "high_value"}),
        'visitor is a member of Lytics audience "high_value"',
    ),
    (
        "audience membership inverted",
        lytics("LYTICS_AUDIENCE", "IS_MEMBER_OF", {"value": "high_value"}, inverted=True),
        'visitor is not a member of Lytics audience "high_value"',
    ),
    (
        "several audiences",
        lytics("LYTICS_AUDIENCE", "IS_MEMBER_OF", {"values": ["a", "b"]}),
        'visitor is a member of any of Lytics audiences "a", "b"',
    ),
    (
        "flow state",
        lytics(
            "LYTICS_FLOW_STATE",
            "IS_IN_FLOW_STATE",
            {"__type": "FlowStateMatchOptions", "flowId": "f1", "flowState": "converted"},
        ),
        'visitor is in state "converted" of Lytics flow "f1"',
    ),
    (
        "flow state inverted",
        lytics("LYTICS_FLOW_STATE", "IS_IN_FLOW_STATE", {"flowId": "f1", "flowState": "converted"}, inverted=True),
        'visitor is not in state "converted" of Lytics flow "f1"',
    ),
    (
        "other Lytics attribute",
        lytics("engagement_score", "NUMBER_GREATER_THAN", n(50)),
        'Lytics attribute "engagement_score" is greater than 50',
    ),
    (
        "Lytics audience ref with an unexpected condition",
        lytics("LYTICS_AUDIENCE", "STRING_EQUALS", s("x")),
        'Lytics audience equals "x"',
    ),
    (
        "Lytics attribute without ref",
        {"attribute": {"__type": "LyticsAttributeReference"}, "attributeMatchCondition": "HAS_ANY_VALUE"},
        "unknown Lytics attribute has a value",
    ),
]


@pytest.mark.parametrize(("node", "expected"), [c[1:] for c in LYTICS], ids=[c[0] for c in LYTICS])
def test_lytics_rules(node: Json, expected: str) -> None:
    assert render_definition(node) == expected


# --- values ----------------------------------------------------------------------------------

VALUES = [
    (
        "values list",
        rule("COUNTRY", "STRING_EQUALS", {"values": ["AU", "NZ"]}),
        'country equals any of "AU", "NZ"',
    ),
    (
        "values list inverted",
        rule("COUNTRY", "STRING_EQUALS", {"values": ["AU", "NZ"]}, inverted=True),
        'country does not equal any of "AU", "NZ"',
    ),
    (
        "value given as a list",
        rule("CITY", "CONTAINS_SUBSTRING", s(["Syd", "Mel"])),
        'city contains any of "Syd", "Mel"',
    ),
    ("one-element list", rule("COUNTRY", "STRING_EQUALS", {"values": ["AU"]}), 'country equals "AU"'),
    (
        "long list capped",
        rule("COUNTRY", "STRING_EQUALS", {"values": list("ABCDEFGHIJKLM")}),
        'country equals any of "A", "B", "C", "D", "E", "F", "G", "H", "I", "J" and 3 more',
    ),
    ("empty values list", rule("COUNTRY", "STRING_EQUALS", {"values": []}), "country equals (no value)"),
    ("missing options", rule("CITY", "STRING_EQUALS"), "city equals (no value)"),
    ("null value", rule("CITY", "STRING_EQUALS", s(None)), "city equals (no value)"),
    ("options as a bare string", rule("CITY", "STRING_EQUALS", "Perth"), 'city equals "Perth"'),
    (
        "embedded quotes escaped",
        rule("CITY", "STRING_EQUALS", s('say "hi"\\')),
        'city equals "say \\"hi\\"\\\\"',
    ),
    ("control characters escaped", rule("CITY", "STRING_EQUALS", s("a\nb")), 'city equals "a\\nb"'),
    ("long string truncated", rule("CITY", "STRING_EQUALS", s("x" * 200)), f'city equals "{"x" * 79}…"'),
    ("boolean value", custom("flag", "STRING_EQUALS", s(True)), 'custom attribute "flag" equals true'),
    ("integral float is bare", custom("n", "NUMBER_EQUAL_TO", n(3.0)), 'custom attribute "n" equals 3'),
    ("negative float", custom("n", "NUMBER_LESS_THAN", n(-0.25)), 'custom attribute "n" is less than -0.25'),
    (
        "numeric string is bare",
        custom("n", "NUMBER_GREATER_THAN", n("1000")),
        'custom attribute "n" is greater than 1000',
    ),
    (
        "non-numeric string quoted",
        custom("n", "NUMBER_GREATER_THAN", n("lots")),
        'custom attribute "n" is greater than "lots"',
    ),
    ("NaN", custom("n", "NUMBER_EQUAL_TO", n(math.nan)), 'custom attribute "n" equals NaN'),
    ("infinity", custom("n", "NUMBER_LESS_THAN", n(math.inf)), 'custom attribute "n" is less than infinity'),
    (
        "huge integer never printed",
        custom("n", "NUMBER_EQUAL_TO", n(10**5000)),
        'custom attribute "n" equals (very large number)',
    ),
    (
        "JSON match with a JSON string",
        rule("QUERY_PARAMETERS", "JSON_MATCH", s('{"utm_source":"google"}')),
        'query parameters match {"utm_source": "google"}',
    ),
    (
        "deep JSON value is bounded",
        custom("j", "JSON_MATCH", {"value": {"a": [1, {"b": {"c": {"d": 1}}}]}}),
        'custom attribute "j" matches {"a": [1, {"b": {…}}]}',
    ),
    (
        "options without value or values",
        custom("u", "STRING_EQUALS", {"__type": "OddMatchOptions", "foo": 1}),
        'custom attribute "u" equals {"foo": 1}',
    ),
    (
        "date-time with offset",
        rule("DATE_AND_TIME", "BEFORE_TIME", {"value": "2024-12-02T23:59:30+11:00"}),
        "date and time is before 2024-12-02 23:59:30 UTC+11:00",
    ),
    (
        "naive date-time",
        rule("DATE_AND_TIME", "BEFORE_TIME", {"value": "2024-12-02T08:00"}),
        "date and time is before 2024-12-02 08:00",
    ),
    ("time of day", rule("DATE_AND_TIME", "AFTER_TIME", {"value": "17:30"}), "date and time is after 17:30"),
    (
        "epoch milliseconds",
        rule("DATE_AND_TIME", "AFTER_TIME", {"value": 1732838400000}),
        "date and time is after 2024-11-29 00:00 UTC",
    ),
    (
        "epoch seconds",
        rule("DATE_AND_TIME", "AFTER_TIME", {"value": 1732838400}),
        "date and time is after 2024-11-29 00:00 UTC",
    ),
    (
        "not-a-date string stays quoted",
        rule("DATE_AND_TIME", "AFTER_TIME", {"value": "tomorrow"}),
        'date and time is after "tomorrow"',
    ),
    (
        "time zone noted",
        rule("DATE_AND_TIME", "BEFORE_TIME", {"value": "09:00", "timezone": "Australia/Sydney"}),
        'date and time is before 09:00 (time zone "Australia/Sydney")',
    ),
    (
        "between as a values pair",
        rule("DATE_AND_TIME", "BETWEEN_TIME", {"values": ["2024-01-01", "2024-01-31"]}),
        "date and time is between 2024-01-01 and 2024-01-31",
    ),
    (
        "between as a value object",
        rule("DATE_AND_TIME", "BETWEEN_TIME", {"value": {"from": "09:00", "to": "17:00"}}),
        "date and time is between 09:00 and 17:00",
    ),
    (
        "between with one bound",
        rule("DATE_AND_TIME", "BETWEEN_TIME", {"start": "2024-01-01"}),
        "date and time is between 2024-01-01 and (no value)",
    ),
]


@pytest.mark.parametrize(("node", "expected"), [v[1:] for v in VALUES], ids=[v[0] for v in VALUES])
def test_values(node: Json, expected: str) -> None:
    assert render_definition(node) == expected


# --- combinations ----------------------------------------------------------------------------

COMBINATIONS = [
    (
        "flat AND",
        both("AND", AU, MOBILE, IOS),
        'country equals "AU" AND device type equals "MOBILE" AND operating system equals "iOS"',
    ),
    ("flat OR", both("OR", AU, MOBILE), 'country equals "AU" OR device type equals "MOBILE"'),
    (
        "lower-case type upper-cased",
        both("or", AU, MOBILE),
        'country equals "AU" OR device type equals "MOBILE"',
    ),
    (
        "missing type means AND",
        {"rules": [AU, MOBILE]},
        'country equals "AU" AND device type equals "MOBILE"',
    ),
    ("unreadable type", both(5, AU, MOBILE), 'country equals "AU" ? device type equals "MOBILE"'),
    ("single rule needs no parentheses", both("AND", AU), 'country equals "AU"'),
    (
        "two levels",
        both("AND", AU, both("OR", MOBILE, IOS)),
        'country equals "AU" AND (device type equals "MOBILE" OR operating system equals "iOS")',
    ),
    (
        "nested group first",
        both("OR", both("AND", AU, MOBILE), IOS),
        '(country equals "AU" AND device type equals "MOBILE") OR operating system equals "iOS"',
    ),
    (
        "three levels",
        both("AND", AU, both("OR", MOBILE, both("AND", IOS, SYDNEY))),
        'country equals "AU" AND (device type equals "MOBILE" OR '
        '(operating system equals "iOS" AND city equals "Sydney"))',
    ),
    (
        "same type nested keeps its group",
        both("AND", AU, both("AND", MOBILE, IOS)),
        'country equals "AU" AND (device type equals "MOBILE" AND operating system equals "iOS")',
    ),
    (
        "single-rule groups collapse at every level",
        both("AND", both("OR", both("AND", AU)), both("OR", MOBILE)),
        'country equals "AU" AND device type equals "MOBILE"',
    ),
    (
        "a single-rule group holding a group keeps the inner parentheses",
        both("AND", both("OR", both("AND", AU, MOBILE)), IOS),
        '(country equals "AU" AND device type equals "MOBILE") AND operating system equals "iOS"',
    ),
    (
        "top level of single-rule wrappers around a group has no parentheses",
        both("AND", both("OR", AU, MOBILE)),
        'country equals "AU" OR device type equals "MOBILE"',
    ),
    (
        "inverted combination",
        {**both("OR", AU, MOBILE), "invertCondition": True},
        'not (country equals "AU" OR device type equals "MOBILE")',
    ),
    ("empty nested group", both("AND", AU, both("OR")), 'country equals "AU" AND (no rules)'),
    (
        "no __type on nested groups",
        {"rules": [AU, {"combinationType": "OR", "rules": [MOBILE, IOS]}]},
        'country equals "AU" AND (device type equals "MOBILE" OR operating system equals "iOS")',
    ),
]


@pytest.mark.parametrize(("node", "expected"), [c[1:] for c in COMBINATIONS], ids=[c[0] for c in COMBINATIONS])
def test_combinations(node: Json, expected: str) -> None:
    assert render_definition(node) == expected


# --- empty, unknown and malformed ------------------------------------------------------------

EDGE = [
    ("None", None, EVERYONE),
    ("empty dict", {}, EVERYONE),
    ("empty list", [], EVERYONE),
    ("empty rules", both("AND"), EVERYONE),
    ("missing rules", {"__type": "RuleCombination", "combinationType": "AND"}, EVERYONE),
    ("null rules", {"__type": "RuleCombination", "rules": None}, EVERYONE),
    ("rules not a list", {"__type": "RuleCombination", "rules": "AU"}, UNRECOGNISED_RULE),
    ("string", "country = AU", UNRECOGNISED_RULE),
    ("number", 42, UNRECOGNISED_RULE),
    ("non-empty list", [AU], UNRECOGNISED_RULE),
    ("unknown node type", {"__type": "Segment", "id": 1}, UNRECOGNISED_RULE),
    ("empty rule", {"__type": "Rule"}, UNRECOGNISED_RULE),
    (
        "unknown nodes among rules",
        both("OR", AU, None, {"x": 1}, 7),
        'country equals "AU" OR (unrecognised rule) OR (unrecognised rule) OR (unrecognised rule)',
    ),
    (
        "unknown condition humanized",
        rule("COUNTRY", "SOME_CONDITION", s("AU")),
        'country some condition "AU"',
    ),
    (
        "unknown condition inverted",
        rule("COUNTRY", "SOME_CONDITION", s("AU"), inverted=True),
        'not (country some condition "AU")',
    ),
    (
        "unknown condition without options",
        custom("x", "IS_NEW_VISITOR"),
        'custom attribute "x" is new visitor',
    ),
    (
        "unknown attribute and condition",
        rule("SOME_THING", "SOME_CONDITION", s("v")),
        'some thing some condition "v"',
    ),
    ("condition case-insensitive", rule("COUNTRY", "string_equals", s("AU")), 'country equals "AU"'),
    ("garbage condition", rule("COUNTRY", "== !", s("AU")), 'country (unknown condition) "AU"'),
    ("missing condition", rule("COUNTRY", None, s("AU")), 'country (unknown condition) "AU"'),
    (
        "invertCondition as string",
        rule("COUNTRY", "STRING_EQUALS", s("AU"), inverted="true"),
        'country does not equal "AU"',
    ),
    (
        "invertCondition junk is not inverted",
        rule("COUNTRY", "STRING_EQUALS", s("AU"), inverted=[1]),
        'country equals "AU"',
    ),
    (
        "attribute of a wrong type",
        {"attribute": 5, "attributeMatchCondition": "IS_TRUE"},
        "unknown attribute is true",
    ),
    ("lone surrogate escaped", custom("a\ud800", "IS_TRUE"), 'custom attribute "a\\ud800" is true'),
]


@pytest.mark.parametrize(("node", "expected"), [e[1:] for e in EDGE], ids=[e[0] for e in EDGE])
def test_empty_unknown_and_malformed(node: Json, expected: str) -> None:
    assert render_definition(node) == expected


def test_render_rule_renders_one_rule_or_group() -> None:
    assert render_rule(AU) == 'country equals "AU"'
    assert render_rule(both("OR", AU, MOBILE)) == 'country equals "AU" OR device type equals "MOBILE"'
    assert render_rule(None) == UNRECOGNISED_RULE
    assert render_rule({}) == UNRECOGNISED_RULE


def test_deep_nesting_is_cut_off() -> None:
    node: Json = AU
    for _ in range(10_000):
        node = both("AND", node)
    assert render_definition(node) == "(rules nested too deeply)"
    node = AU
    for _ in range(MAX_DEPTH):
        node = both("AND", node, MOBILE)
    text = render_definition(node)
    assert text.startswith("(" * (MAX_DEPTH - 1) + 'country equals "AU" AND device type')
    assert len(text) <= MAX_OUTPUT_CHARS


def test_cyclic_structure_terminates() -> None:
    node: dict[str, Json] = {"__type": "RuleCombination", "combinationType": "OR", "rules": []}
    node["rules"].extend([node, AU, node])
    text = render_definition(node)
    assert "(rules nested too deeply)" in text
    assert len(text) <= MAX_OUTPUT_CHARS


def test_many_rules_are_capped_with_an_ellipsis() -> None:
    text = render_definition(both("OR", *[rule("CITY", "STRING_EQUALS", s("x" * 200))] * 100_000))
    assert len(text) <= MAX_OUTPUT_CHARS
    assert text.startswith(f'city equals "{"x" * 79}…" OR city equals')
    assert text.endswith(" OR …")


# --- property --------------------------------------------------------------------------------

VOCABULARY = [
    "__type", "Rule", "RuleCombination", "rules", "combinationType", "AND", "OR", "attribute", "ref",
    "attributeMatchCondition", "attributeMatchOptions", "invertCondition", "value", "values", "start", "end",
    "key", "name", "path", "flowId", "flowState", "timezone",
    "PresetAttributeReference", "CustomAttributeReference", "LyticsAttributeReference",
    "COUNTRY", "QUERY_PARAMETERS", "DATE_AND_TIME", "LYTICS_AUDIENCE", "LYTICS_FLOW_STATE",
    "STRING_EQUALS", "HAS_ANY_VALUE", "NUMBER_EQUAL_TO", "JSON_MATCH", "IS_MEMBER_OF", "BETWEEN_TIME",
    "AFTER_TIME", "IS_IN_FLOW_STATE", "2024-11-29T00:00:00Z", "17:30", "{\"a\": 1}", "true",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**11, max_value=10**14)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(VOCABULARY)
)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.sampled_from(VOCABULARY) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=60,
)


@settings(max_examples=400, deadline=None)
@given(json_like)
def test_never_raises_and_stays_bounded(value: Json) -> None:
    for render in (render_definition, render_rule):
        text = render(value)
        assert isinstance(text, str)
        assert text
        assert len(text) <= MAX_OUTPUT_CHARS
