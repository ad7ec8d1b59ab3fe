"""The rule evaluator: every condition and combination, inversion, undecided values, and two laws.

Laws (hypothesis): for decided inputs the evaluator agrees with a brute-force truth table of the rule
tree and `NOT` flips a decided tree; with some inputs missing, a decided answer holds for every way of
filling them in (three-valued logic is sound).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalize_mcp.answers.visitor import parse_visitor
from personalize_mcp.rules.conditions.text import text_match
from personalize_mcp.rules.evaluate import combine, evaluate
from personalize_mcp.rules.model import parse_audience
from personalize_mcp.rules.trace import MAX_TRACE_STEPS, Evaluation
from personalize_mcp.rules.visitor import AttributeIndex, Visitor
from tests.unit.test_rules import both, custom, lytics, n, rule, s

Json = Any
NOON = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
INDEX = AttributeIndex(
    keys={"u-orders": "lifetime_orders", "u-loyal": "loyalty_member", "u-plan": "plan"},
    names={"u-orders": "Lifetime orders", "u-loyal": "Loyalty member", "u-plan": "Plan"},
)


def check(definition: Json, visitor: Json = None, index: AttributeIndex = INDEX) -> Evaluation:
    """Evaluate a definition (a bare rule is wrapped in an AND) for a visitor given as the tools take it."""
    if definition.get("__type") == "Rule":
        definition = both("AND", definition)
    return evaluate(parse_audience(definition), parse_visitor(visitor or {}, now=NOON), index)


def leaf(evaluation: Evaluation) -> Any:
    """The trace line of the (only) rule."""
    rules = [step for step in evaluation.trace if step.attribute is not None]
    assert len(rules) == 1, evaluation.trace
    return rules[0]


AU = rule("COUNTRY", "STRING_EQUALS", s("AU"))


# --- text, and the one case rule -------------------------------------------------------------------


def test_string_equals_decides_and_says_expected_and_observed() -> None:
    yes = check(AU, {"country": "AU"})
    assert yes.result is True and leaf(yes).expected == '"AU"' and leaf(yes).observed == '"AU"'
    no = check(AU, {"country": "NZ"})
    assert no.result is False and no.why == 'country is "NZ", not "AU"'
    assert leaf(no).attribute == "country" and leaf(no).rule == 'country equals "AU"'


def test_case_is_ignored_and_said_so() -> None:
    assert text_match("mobile", "MOBILE") == (True, True)
    assert text_match("MOBILE", "MOBILE") == (True, False)
    assert text_match("iPhone 15", "PHONE", contains=True) == (True, True)
    found = check(rule("DEVICE_TYPE", "STRING_EQUALS", s("MOBILE")), {"device_type": "mobile"})
    assert found.result is True and "only when case is ignored" in found.why


def test_string_equals_any_of_several_values() -> None:
    several = rule("COUNTRY", "STRING_EQUALS", {"values": ["DE", "FR"]})
    assert check(several, {"country": "FR"}).result is True
    no = check(several, {"country": "NL"})
    assert no.result is False and 'any of "DE", "FR"' in no.why


def test_contains_substring() -> None:
    windows = rule("OPERATING_SYSTEM", "CONTAINS_SUBSTRING", s("Windows"))
    assert check(windows, {"operating_system": "Windows 11"}).result is True
    no = check(windows, {"operating_system": "macOS"})
    assert no.result is False and 'does not contain "Windows"' in no.why


@pytest.mark.parametrize(
    ("ref", "field", "value"),
    [
        ("COUNTRY", "country", "AU"),
        ("REGION", "region", "New South Wales"),
        ("CITY", "city", "Sydney"),
        ("DEVICE_TYPE", "device_type", "TABLET"),
        ("OPERATING_SYSTEM", "operating_system", "Android"),
        ("REFERRER", "referrer", "https://www.google.com/"),
    ],
)
def test_every_preset_reads_its_visitor_field(ref: str, field: str, value: str) -> None:
    definition = rule(ref, "STRING_EQUALS", s(value))
    assert check(definition, {field: value}).result is True
    assert check(definition, {field: value + "x"}).result is False
    missing = check(definition, {})
    assert missing.result is None and missing.needs == (field,)
    assert check(definition, {field: None}).result is False  # known to be absent: fails, not undecided


def test_text_rule_on_a_number_is_a_type_mismatch() -> None:
    plan = custom("u-plan", "STRING_EQUALS", s("3"))
    found = check(plan, {"attributes": {"plan": 3}})
    assert found.result is False and "the number 3, not text" in found.why and "strictly" in found.why


# --- has any value, true / false ------------------------------------------------------------------


def test_has_any_value() -> None:
    has = custom("u-plan", "HAS_ANY_VALUE")
    assert check(has, {"attributes": {"plan": "gold"}}).result is True
    assert check(has, {"attributes": {"plan": 0}}).result is True
    assert check(has, {"attributes": {"plan": ""}}).result is False
    assert check(has, {"attributes": {"plan": None}}).result is False
    missing = check(has, {"attributes": {}})
    assert missing.result is None and missing.needs == ("attributes.plan",)
    assert leaf(missing).expected == "any value" and leaf(missing).observed == "(not given)"


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [("IS_TRUE", True, True), ("IS_TRUE", False, False), ("IS_FALSE", False, True), ("IS_FALSE", True, False)],
)
def test_true_false(condition: str, value: bool, expected: bool) -> None:
    assert check(custom("u-loyal", condition), {"attributes": {"loyalty_member": value}}).result is expected


def test_true_false_on_a_string_is_a_type_mismatch() -> None:
    found = check(custom("u-loyal", "IS_TRUE"), {"attributes": {"loyalty_member": "true"}})
    assert found.result is False and 'the text "true", not true or false' in found.why


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("NUMBER_GREATER_THAN", 2, True),
        ("NUMBER_GREATER_THAN", 1, False),
        ("NUMBER_LESS_THAN", 0.5, True),
        ("NUMBER_LESS_THAN", 1, False),
        ("NUMBER_EQUAL_TO", 1, True),
        ("NUMBER_EQUAL_TO", 1.0, True),
        ("NUMBER_EQUAL_TO", 2, False),
    ],
)
def test_number_comparisons(condition: str, value: float, expected: bool) -> None:
    found = check(custom("u-orders", condition, n(1)), {"attributes": {"lifetime_orders": value}})
    assert found.result is expected


def test_a_number_sent_as_text_is_a_type_mismatch_and_says_so() -> None:
    found = check(custom("u-orders", "NUMBER_GREATER_THAN", n(1)), {"attributes": {"lifetime_orders": "5"}})
    assert found.result is False
    assert 'is the text "5", not a number' in found.why and "send 5 without quotes" in found.why
    assert leaf(found).expected == "greater than 1" and leaf(found).observed == '"5"'
    boolean = check(custom("u-orders", "NUMBER_GREATER_THAN", n(1)), {"attributes": {"lifetime_orders": True}})
    assert boolean.result is False and "not a number" in boolean.why


def test_a_rule_number_given_as_text_is_read_but_an_unreadable_one_is_undecided() -> None:
    assert check(custom("u-orders", "NUMBER_GREATER_THAN", n("1")), {"attributes": {"lifetime_orders": 2}}).result
    unreadable = check(custom("u-orders", "NUMBER_GREATER_THAN", n("lots")), {"attributes": {"lifetime_orders": 2}})
    assert unreadable.result is None and unreadable.needs == ()


# --- custom attributes by key ---------------------------------------------------------------------------


def test_custom_attribute_keys_are_case_sensitive_with_a_hint() -> None:
    found = check(custom("u-loyal", "IS_TRUE"), {"attributes": {"Loyalty_Member": True}})
    assert found.result is None and found.needs == ("attributes.loyalty_member",)
    assert 'keys are case-sensitive: the visitor gives "Loyalty_Member"' in found.why


def test_a_custom_attribute_the_project_does_not_list_is_undecided_without_needs() -> None:
    found = check(custom("u-deleted", "NUMBER_EQUAL_TO", n(3)), {"attributes": {"loyalty_tier": 3}})
    assert found.result is None and found.needs == () and "not among the project's attributes" in found.why
    unreadable = check(custom("u-plan", "HAS_ANY_VALUE"), {"attributes": {"plan": "x"}}, AttributeIndex(readable=False))
    assert unreadable.result is None and "could not be read" in unreadable.why


# --- query parameters ---------------------------------------------------------------------------------

CAMPAIGN = rule("QUERY_PARAMETERS", "JSON_MATCH", {"value": '{"utm_campaign": "summer_sale", "utm_medium": "email"}'})


def test_json_match_of_query_parameters_from_the_url() -> None:
    url = "https://shop.example/?utm_campaign=summer_sale&utm_medium=email&x=1"
    assert check(CAMPAIGN, {"url": url}).result is True
    other = check(CAMPAIGN, {"url": "https://shop.example/?utm_campaign=spring&utm_medium=email"})
    assert other.result is False and 'query parameter "utm_campaign" is "spring", not "summer_sale"' in other.why
    absent = check(CAMPAIGN, {"url": "https://shop.example/"})
    assert absent.result is False and "is not in the URL" in absent.why


def test_explicit_query_parameters_win_over_the_url() -> None:
    visitor = {"url": "/?utm_campaign=spring&utm_medium=email", "query_parameters": {"utm_campaign": "summer_sale"}}
    assert check(CAMPAIGN, visitor).result is True


def test_query_rules_are_undecided_without_a_url_and_unreadable_json_too() -> None:
    missing = check(CAMPAIGN, {"country": "AU"})
    assert missing.result is None and missing.needs == ("url (or query_parameters)",)
    broken = check(rule("QUERY_PARAMETERS", "JSON_MATCH", {"value": "{not json"}), {"url": "/?a=1"})
    assert broken.result is None and broken.needs == ()


def test_a_named_query_parameter_compares_like_text() -> None:
    named = rule("QUERY_PARAMETERS", "STRING_EQUALS", s("google"), key="utm_source")
    assert check(named, {"url": "/?utm_source=google"}).result is True
    assert check(named, {"url": "/?utm_source=bing"}).result is False
    assert check(named, {"url": "/"}).result is False


# --- Lytics ---------------------------------------------------------------------------------------------

MEMBER = lytics("segments", "IS_MEMBER_OF", s("high_intent"))
FLOW = lytics("LYTICS_FLOW_STATE", "IS_IN_FLOW_STATE", {"flowId": "onboarding", "flowState": "active"})


def test_lytics_membership() -> None:
    assert check(MEMBER, {"lytics_audiences": ["high_intent", "other"]}).result is True
    no = check(MEMBER, {"lytics_audiences": []})
    assert no.result is False and 'do not include "high_intent"' in no.why
    missing = check(MEMBER, {})
    assert missing.result is None and missing.needs == ("lytics_audiences",)


def test_lytics_flow_state() -> None:
    assert check(FLOW, {"lytics_flows": {"onboarding": "active"}}).result is True
    other = check(FLOW, {"lytics_flows": {"onboarding": "done"}})
    assert other.result is False and 'is in state "done", not "active"' in other.why
    assert check(FLOW, {"lytics_flows": {}}).result is False
    assert check(FLOW, {}).needs == ("lytics_flows",)


# --- time ---------------------------------------------------------------------------------------------------

WINDOW = rule("DATE_AND_TIME", "BETWEEN_TIME", {"start": "2025-11-28T00:00:00Z", "end": "2025-12-01T23:59:59Z"})


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2025-11-28T00:00:00Z", True),
        ("2025-12-02T08:30:00+11:00", True),  # 21:30 UTC on the 1st
        ("2025-12-02T08:30:00-05:00", False),  # 13:30 UTC on the 2nd
        ("2025-11-27T23:59:59Z", False),
    ],
)
def test_between_instants_in_explicit_time_zones(moment: str, inside: bool) -> None:
    found = check(WINDOW, {"datetime": moment})
    assert found.result is inside
    assert "UTC" in leaf(found).observed


def test_before_and_after_an_instant() -> None:
    after = rule("DATE_AND_TIME", "AFTER_TIME", s("2025-06-02T00:00:00.000Z"))
    before = rule("DATE_AND_TIME", "BEFORE_TIME", s("2025-06-09T00:00:00.000Z"))
    assert check(after, {"datetime": "2025-06-05T10:00:00Z"}).result is True
    assert check(before, {"datetime": "2025-06-05T10:00:00Z"}).result is True
    assert check(before, {"datetime": "2025-06-09T00:00:01Z"}).result is False
    assert check(rule("DATE_AND_TIME", "AFTER_TIME", s(1_748_822_400_000)), {"datetime": "2025-06-05T10:00:00Z"}).result


def test_a_date_stands_for_its_whole_day_in_the_rule_time_zone() -> None:
    options = {"value": "2025-06-02", "timezone": "Australia/Sydney"}
    after = rule("DATE_AND_TIME", "AFTER_TIME", options)
    before = rule("DATE_AND_TIME", "BEFORE_TIME", options)
    assert check(after, {"datetime": "2025-06-02T23:00:00+10:00"}).result is False  # still that day in Sydney
    assert check(after, {"datetime": "2025-06-03T00:00:00+10:00"}).result is True
    assert check(before, {"datetime": "2025-06-01T23:59:00+10:00"}).result is True
    assert check(before, {"datetime": "2025-06-01T23:59:00+00:00"}).result is False  # 09:59 the 2nd in Sydney
    days = rule("DATE_AND_TIME", "BETWEEN_TIME", {"start": "2025-06-02", "end": "2025-06-03"})
    assert check(days, {"datetime": "2025-06-03T23:59:00Z"}).result is True
    assert check(days, {"datetime": "2025-06-04T00:00:00Z"}).result is False


def test_times_of_day_read_in_the_rule_zone_and_may_wrap_midnight() -> None:
    night = rule("DATE_AND_TIME", "BETWEEN_TIME", {"start": "22:00", "end": "06:00", "timezone": "Europe/Berlin"})
    assert check(night, {"datetime": "2025-06-20T21:30:00Z"}).result is True  # 23:30 in Berlin
    assert check(night, {"datetime": "2025-06-20T12:00:00Z"}).result is False
    morning = rule("DATE_AND_TIME", "BEFORE_TIME", s("09:00"))
    assert check(morning, {"datetime": "2025-06-20T08:00:00+02:00"}).result is True  # the visitor's own offset
    assert check(morning, {"datetime": "2025-06-20T08:00:00Z"}).result is True
    assert check(morning, {"datetime": "2025-06-20T10:00:00+02:00"}).result is False


def test_a_naive_rule_time_is_read_in_the_rule_zone() -> None:
    after = rule("DATE_AND_TIME", "AFTER_TIME", {"value": "2025-06-20T09:00:00", "timezone": "+10:00"})
    assert check(after, {"datetime": "2025-06-19T23:30:00Z"}).result is True  # 09:30 at +10:00
    assert check(after, {"datetime": "2025-06-19T22:30:00Z"}).result is False


def test_time_rules_use_now_without_a_datetime_and_say_so() -> None:
    found = check(rule("DATE_AND_TIME", "AFTER_TIME", s("2025-01-01T00:00:00Z")), {})
    assert found.result is True and "(now)" in leaf(found).observed


def test_an_unknown_time_zone_or_unreadable_time_is_undecided() -> None:
    bad_zone = rule("DATE_AND_TIME", "AFTER_TIME", {"value": "09:00", "timezone": "Mars/Olympus"})
    assert check(bad_zone, {"datetime": "2025-06-20T10:00:00Z"}).result is None
    assert check(rule("DATE_AND_TIME", "AFTER_TIME", s("soon")), {"datetime": "2025-06-20T10:00:00Z"}).result is None


# --- what cannot be evaluated is undecided, never an exception ----------------------------------------


@pytest.mark.parametrize(
    "definition",
    [
        rule("COUNTRY", "STARTS_WITH", s("A")),
        rule("COUNTRY", None, s("A")),
        rule("COUNTRY", "IS_MEMBER_OF", s("A")),
        rule("ZODIAC_SIGN", "STRING_EQUALS", s("Leo")),
        {
            "__type": "Rule",
            "attribute": {"__type": "FancyAttributeReference", "ref": "x"},
            "attributeMatchCondition": "STRING_EQUALS",
            "attributeMatchOptions": s("x"),
        },
        {"__type": "Rule", "attribute": 42, "attributeMatchCondition": "STRING_EQUALS"},
        lytics("score", "NUMBER_GREATER_THAN", n(5)),
        custom("u-plan", "JSON_MATCH", {"value": "{}"}),
        both("XOR", AU),
        {"__type": "RuleCombination", "rules": "nope"},
        both("AND", {"surprise": True}),
    ],
)
def test_unknown_conditions_and_attribute_types_are_undecided_with_a_reason(definition: Json) -> None:
    found = check(definition, {"country": "AU", "attributes": {"plan": "x"}})
    assert found.result is None and found.why and found.needs == ()


# --- inversion and the three-valued combinations ---------------------------------------------------------


def test_inversion_negates_decided_rules_only() -> None:
    not_us = rule("COUNTRY", "STRING_EQUALS", s("US"), inverted=True)
    assert check(not_us, {"country": "AU"}).result is True
    assert check(not_us, {"country": "US"}).result is False
    assert check(not_us, {}).result is None
    group = {**both("OR", AU, rule("DEVICE_TYPE", "STRING_EQUALS", s("MOBILE"))), "invertCondition": True}
    assert check(group, {"country": "AU"}).result is False  # OR true (AU), inverted
    assert check(group, {"country": "NZ"}).result is None  # OR undecided stays undecided
    assert "inverted" in check(group, {"country": "AU"}).trace[0].because


T, F, U = True, False, None


@pytest.mark.parametrize(
    ("operator", "a", "b", "expected"),
    [
        ("AND", T, T, T),
        ("AND", T, F, F),
        ("AND", F, U, F),
        ("AND", T, U, U),
        ("AND", U, U, U),
        ("OR", F, F, F),
        ("OR", T, F, T),
        ("OR", T, U, T),
        ("OR", F, U, U),
        ("OR", U, U, U),
    ],
)
def test_three_valued_and_or(operator: str, a: bool | None, b: bool | None, expected: bool | None) -> None:
    attributes = {k: v for k, v in (("plan", a), ("loyalty_member", b)) if v is not None}
    definition = both(operator, custom("u-plan", "IS_TRUE"), custom("u-loyal", "IS_TRUE"))
    found = check(definition, {"attributes": attributes})
    assert found.result is expected
    assert combine(operator, [(a, "a", ()), (b, "b", ())])[0] is expected


def test_needs_name_only_what_could_change_the_answer() -> None:
    decided = check(both("AND", AU, rule("CITY", "STRING_EQUALS", s("Sydney"))), {"country": "NZ"})
    assert decided.result is False and decided.needs == ()
    open_ = check(both("OR", AU, rule("CITY", "STRING_EQUALS", s("Sydney"))), {})
    assert open_.result is None and open_.needs == ("country", "city")


def test_the_trace_reads_in_order_with_depths_and_merges_long_ors() -> None:
    eu = both("OR", rule("COUNTRY", "STRING_EQUALS", s("DE")), rule("COUNTRY", "STRING_EQUALS", s("FR")))
    found = check(both("AND", eu, rule("DEVICE_TYPE", "STRING_EQUALS", s("DESKTOP"))), {"country": "AU"})
    assert [(step.depth, step.result) for step in found.trace] == [(0, F), (1, F), (2, F), (2, F), (1, U)]
    assert found.why == 'country is "AU", not any of "DE", "FR"'
    assert found.trace[0].because == "AND: a rule fails"


def test_no_rules_is_everyone_and_the_trace_is_bounded() -> None:
    assert evaluate(None, parse_visitor({}, now=NOON)).result is True
    assert check(both("AND"), {}).result is True
    many = both("OR", *[rule("COUNTRY", "STRING_EQUALS", s(f"C{i}")) for i in range(MAX_TRACE_STEPS + 50)])
    found = check(many, {"country": "AU"})
    assert found.result is False and len(found.trace) == MAX_TRACE_STEPS and found.omitted_steps == 51


# --- laws -----------------------------------------------------------------------------------------------------

VARIABLES = ("v0", "v1", "v2", "v3")
LAW_INDEX = AttributeIndex(keys={f"u{i}": name for i, name in enumerate(VARIABLES)})


def _leaf_json(index: int, inverted: bool) -> Json:
    if index < 2:  # a boolean attribute
        return custom(f"u{index}", "IS_TRUE", inverted=inverted)
    return custom(f"u{index}", "NUMBER_GREATER_THAN", n(10), inverted=inverted)


leaves = st.tuples(st.just("leaf"), st.integers(0, 3), st.booleans())
trees = st.recursive(
    leaves,
    lambda children: st.tuples(
        st.sampled_from(["AND", "OR"]), st.lists(children, min_size=1, max_size=4), st.booleans()
    ),
    max_leaves=12,
)


def to_json(tree: Any) -> Json:
    if tree[0] == "leaf":
        return _leaf_json(tree[1], tree[2])
    return {**both(tree[0], *[to_json(child) for child in tree[1]]), "invertCondition": tree[2]}


def truth(tree: Any, values: dict[str, bool]) -> bool:
    """The brute-force truth of the tree when every variable is decided."""
    if tree[0] == "leaf":
        return values[VARIABLES[tree[1]]] != tree[2]
    results = [truth(child, values) for child in tree[1]]
    value = all(results) if tree[0] == "AND" else any(results)
    return value != tree[2]


def visitor_for(values: dict[str, bool | None]) -> Visitor:
    attributes: dict[str, Any] = {}
    for i, name in enumerate(VARIABLES):
        value = values.get(name)
        if value is None:
            continue
        attributes[name] = value if i < 2 else (15 if value else 5)
    return Visitor(moment=NOON, attributes=attributes)


@settings(max_examples=100, deadline=None)
@given(trees, st.fixed_dictionaries({name: st.booleans() for name in VARIABLES}))
def test_decided_inputs_agree_with_the_truth_table_and_not_flips(tree: Any, values: dict[str, bool]) -> None:
    expected = truth(tree, values)
    assert evaluate(parse_audience(to_json(tree)), visitor_for(dict(values)), LAW_INDEX).result is expected
    flipped = (tree[0], tree[1], not tree[2])
    assert evaluate(parse_audience(to_json(flipped)), visitor_for(dict(values)), LAW_INDEX).result is (not expected)


@settings(max_examples=100, deadline=None)
@given(trees, st.fixed_dictionaries({name: st.sampled_from([True, False, None]) for name in VARIABLES}))
def test_a_decided_answer_holds_for_every_completion_of_missing_inputs(
    tree: Any, values: dict[str, bool | None]
) -> None:
    found = evaluate(parse_audience(to_json(tree)), visitor_for(values), LAW_INDEX)
    missing = [name for name, value in values.items() if value is None]
    outcomes = {
        truth(tree, {**values, **dict(zip(missing, filling, strict=True))})  # type: ignore[dict-item]
        for filling in itertools.product([True, False], repeat=len(missing))
    }
    if found.result is not None:
        assert outcomes == {found.result}
    else:
        assert set(found.needs) <= {f"attributes.{name}" for name in missing} and found.needs
    if not missing:
        assert found.result is not None


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["Rule", "RuleCombination"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "__type",
                    "rules",
                    "attribute",
                    "attributeMatchCondition",
                    "attributeMatchOptions",
                    "invertCondition",
                    "combinationType",
                    "ref",
                    "value",
                    "start",
                    "end",
                    "timezone",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(json_like)
def test_never_raises_on_any_definition(definition: Json) -> None:
    visitor = Visitor(
        moment=datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        presets={"country": "AU"},
        attributes={"x": 1},
        query={"a": ("1",)},
        lytics_audiences=frozenset({"a"}),
        lytics_flows={"f": "s"},
    )
    found = evaluate(parse_audience(definition), visitor, INDEX)
    assert found.result in (True, False, None) and len(found.trace) <= MAX_TRACE_STEPS
