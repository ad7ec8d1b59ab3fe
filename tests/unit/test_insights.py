"""The insights' pure parts: each audit check on a minimal case that fires and one that does not, the
unreachable-variant proof, the version diff by kind of change, search ranking, and the read budget."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from personalize_mcp.answers.insights import checks
from personalize_mcp.answers.insights.checks import Facts, covers, run_checks, unreachable
from personalize_mcp.answers.insights.gathering import NOT_IN_TIME, gather_within
from personalize_mcp.answers.insights.search import _hit, ranked_catalogue
from personalize_mcp.answers.insights.version_diff import diff_versions, summary_of
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.contentstack.models.cms_variants import VariantGroup
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.rules.model import parse_audience
from personalize_mcp.runtime.deadline import within_deadline
from personalize_mcp.runtime.errors import NotFoundError

COUNTRY_AU = {
    "__type": "RuleCombination",
    "combinationType": "AND",
    "rules": [
        {
            "__type": "Rule",
            "attribute": {"__type": "PresetAttributeReference", "ref": "COUNTRY"},
            "attributeMatchCondition": "STRING_EQUALS",
            "attributeMatchOptions": {"__type": "StringMatchOptions", "value": "AU"},
        }
    ],
}


def custom_rule(uid: str) -> dict[str, Any]:
    return {
        "__type": "RuleCombination",
        "combinationType": "AND",
        "rules": [
            {
                "__type": "Rule",
                "attribute": {"__type": "CustomAttributeReference", "ref": uid},
                "attributeMatchCondition": "IS_TRUE",
            }
        ],
    }


def seg(short: str, *audiences: str, combine: str = "OR", name: str | None = None, **more: Any) -> dict[str, Any]:
    return {
        "__type": "SegmentedVariant",
        "shortUid": short,
        "name": name or f"V{short}",
        "audiences": list(audiences),
        "audienceCombinationType": combine,
        **more,
    }


def ab(short: str, share: float | None, name: str | None = None) -> dict[str, Any]:
    variant: dict[str, Any] = {"__type": "ABTestVariant", "shortUid": short, "name": name or f"V{short}"}
    if share is not None:
        variant["trafficDistribution"] = share
    return variant


def version(uid: str, status: str, *variants: dict[str, Any]) -> Version:
    return Version.model_validate({"uid": uid, "status": status, "variants": list(variants)})


def experience(uid: str, status: str = "ACTIVE", **more: Any) -> Experience:
    return Experience.model_validate({"uid": uid, "name": f"exp {uid}", "status": status, **more})


def audience(uid: str, definition: Any = COUNTRY_AU) -> Audience:
    return Audience.model_validate({"uid": uid, "name": f"aud {uid}", "definition": definition})


def facts(
    experiences: list[Experience],
    versions: dict[str, list[Version]],
    audiences: list[Audience] | None = None,
    **more: Any,
) -> Facts:
    listed = audiences if audiences is not None else [audience("a"), audience("b"), audience("c")]
    return Facts(
        project="p",
        audiences=listed,
        trees={a.uid: parse_audience(a.definition) for a in listed},
        experiences=experiences,
        versions=versions,
        **more,
    )


def fired(found: list[checks.Finding]) -> list[str]:
    return [f.subject.uid for f in found]


# ---------------------------------------------------------------------------------------------- checks


def test_missing_audience_fires_for_live_versions_only() -> None:
    f = facts(
        [experience("e1"), experience("e2"), experience("e3")],
        {
            "e1": [version("v1", "ACTIVE", seg("0", "a"), seg("1", "gone"))],
            "e2": [version("v2", "ACTIVE", seg("0", "a", "b"))],
            "e3": [version("v3", "ARCHIVED", seg("0", "gone")), version("v4", "DRAFT", seg("0", "gone"))],
        },
    )
    found = checks.missing_audience(f)
    assert [(x.subject.uid, x.severity) for x in found] == [("e1", "error"), ("e3", "warning")]
    assert found[0].message.startswith("Variant 1 'V1'") and "gone" in found[0].message


def test_ab_split_fires_when_the_shares_do_not_add_up() -> None:
    f = facts(
        [experience(u) for u in ("bad", "good", "missing", "old")],
        {
            "bad": [version("v1", "ACTIVE", ab("0", 50), ab("1", 30))],
            "good": [version("v2", "ACTIVE", ab("0", 33.33), ab("1", 33.33), ab("2", 33.34))],
            "missing": [version("v3", "DRAFT", ab("0", 100), ab("1", None))],
            "old": [version("v4", "ARCHIVED", ab("0", 10))],
        },
    )
    found = checks.ab_split(f)
    assert [(x.subject.uid, x.severity) for x in found] == [("bad", "error"), ("missing", "warning")]
    assert "80%" in found[0].message and "no traffic share" in found[1].message


def test_no_active_version_warns_and_says_archived_is_expected() -> None:
    f = facts(
        [experience("live"), experience("draft", "DRAFT"), experience("gone", "ARCHIVED"), experience("none", "DRAFT")],
        {
            "live": [version("v1", "ACTIVE")],
            "draft": [version("v2", "DRAFT")],
            "gone": [version("v3", "ARCHIVED")],
            "none": [],
        },
    )
    found = {x.subject.uid: x for x in checks.no_active_version(f)}
    assert set(found) == {"draft", "gone", "none"}
    assert found["draft"].severity == "warning" and "its versions: DRAFT" in found["draft"].message
    assert found["gone"].severity == "info" and "expected" in found["gone"].message
    assert "no versions at all" in found["none"].message


def test_draft_differs_only_when_the_draft_targets_differently() -> None:
    f = facts(
        [experience("same"), experience("moved"), experience("alone")],
        {
            "same": [version("a1", "ACTIVE", seg("0", "a")), version("d1", "DRAFT", seg("0", "a"))],
            "moved": [version("a2", "ACTIVE", seg("0", "a")), version("d2", "DRAFT", seg("0", "b"))],
            "alone": [version("a3", "ACTIVE", seg("0", "a"))],
        },
    )
    found = checks.draft_differs(f)
    assert fired(found) == ["moved"] and "compare_versions" in found[0].message


def test_not_in_priority_skips_archived_experiences() -> None:
    exps = [experience("ranked"), experience("left"), experience("old", "ARCHIVED")]
    assert fired(checks.not_in_priority(facts(exps, {}, priority=["ranked"]))) == ["left"]
    assert checks.not_in_priority(facts(exps, {}, priority=None)) == []


def test_unused_audience_counts_every_version_and_the_summaries() -> None:
    f = facts(
        [experience("e1"), experience("e2", referredAudiences=["c"])],
        {"e1": [version("v1", "ARCHIVED", seg("0", "a"))]},
    )
    assert fired(checks.unused_audience(f)) == ["b"]  # a: an archived version; c: e2's summary (unread)


def test_unused_and_missing_attributes() -> None:
    listed = [
        Attribute.model_validate({"uid": "used", "key": "k1", "__type": "CUSTOM"}),
        Attribute.model_validate({"uid": "inline", "key": "k2", "__type": "CUSTOM"}),
        Attribute.model_validate({"uid": "idle", "key": "k3", "__type": "CUSTOM"}),
        Attribute.model_validate({"uid": "os", "key": "OPERATING_SYSTEM", "__type": "PRESET"}),
    ]
    f = facts(
        [experience("e")],
        {"e": [version("v", "ACTIVE", seg("0", target=custom_rule("inline")), seg("1", target=custom_rule("lost")))]},
        audiences=[audience("a", custom_rule("used")), audience("b", custom_rule("deleted")), audience("c")],
        attributes=listed,
    )
    assert fired(checks.unused_attribute(f)) == ["idle"]  # never the preset one
    missing = checks.missing_attribute(f)
    assert fired(missing) == ["b", "e"] and "deleted" in missing[0].message and "lost" in missing[1].message
    assert checks.unused_attribute(facts([], {}, attributes=None)) == []  # attributes unreadable: no claim


def test_unused_event_by_uid_or_key() -> None:
    events = [Event(uid="counted"), Event(uid="by-key", key="signup"), Event(uid="idle", key="idle_key")]
    f = facts(
        [experience("e", metrics=[{"__type": "Primary", "event": "counted"}], referredEvents=["signup"])],
        {},
        events=events,
    )
    assert fired(checks.unused_event(f)) == ["idle"]


def test_cms_group_checks_need_a_stack_and_fire_both_ways() -> None:
    exps = [
        experience("linked", _cms={"variantGroup": "g1"}),
        experience("lost", _cms={"variantGroup": "g-gone"}),
        experience("plain"),
    ]
    groups = [
        VariantGroup.model_validate(
            {"uid": "g1", "personalize_metadata": {"project_uid": "p", "experience_uid": "linked"}}
        ),
        VariantGroup.model_validate(
            {"uid": "g2", "personalize_metadata": {"project_uid": "p", "experience_uid": "deleted"}}
        ),
        VariantGroup.model_validate(
            {"uid": "g3", "personalize_metadata": {"project_uid": "other", "experience_uid": "x"}}
        ),
        VariantGroup.model_validate({"uid": "g4"}),
    ]
    f = facts(exps, {}, groups=groups, stack="blt1")
    missing = checks.cms_group_missing(f)
    assert [(x.subject.uid, x.severity) for x in missing] == [("lost", "error")]
    assert fired(checks.cms_group_orphaned(f)) == ["g2"]
    assert checks.cms_group_missing(facts(exps, {}, groups=None)) == []


def test_winner_check_runs_only_with_results() -> None:
    exps = [experience("t")]
    assert checks.winner_still_running(facts(exps, {})) == []
    found = checks.winner_still_running(facts(exps, {}, winners={"t": "variant 1 'B'"}))
    assert fired(found) == ["t"] and "variant 1 'B'" in found[0].message


def test_not_read_names_each_experience_it_could_not_check() -> None:
    found = checks.not_read(facts([experience("e")], {}, unread={"e": NOT_IN_TIME}))
    assert fired(found) == ["e"] and "audit_project again" in found[0].message


def test_findings_are_ordered_by_severity_then_check() -> None:
    f = facts(
        [experience("e", "DRAFT")],
        {"e": [version("v", "DRAFT", seg("0", "gone"))]},
        priority=[],
    )
    assert [(x.severity, x.check) for x in run_checks(f)] == [
        ("warning", "missing_audience"),
        ("warning", "no_active_version"),
        ("warning", "not_in_priority"),
        ("warning", "unused_audience"),
        ("warning", "unused_audience"),
        ("warning", "unused_audience"),
    ]


# ---------------------------------------------------------------------------------------------- reach


def reach(*audiences: str, combine: str = "OR", everyone: frozenset[str] = frozenset(), **more: Any) -> Any:
    variant = version("v", "ACTIVE", seg("0", *audiences, combine=combine, **more)).variants[0]
    return unreachable._reach(variant, set(everyone))


@pytest.mark.parametrize(
    ("earlier", "later", "proven"),
    [
        (reach("a", "b"), reach("a"), True),  # OR ⊇ single
        (reach("a", "b"), reach("b", "a"), True),  # the same set
        (reach("a", "b"), reach("a", "c"), False),  # c may reach it
        (reach("a", "b"), reach("b", "c", combine="AND"), True),  # AND needs b, which OR takes
        (reach("a", "b", combine="AND"), reach("a", "b", "c", combine="AND"), True),  # needs more
        (reach("a", "b", combine="AND"), reach("a", combine="AND"), False),  # needs less: may reach
        (reach("a", "b", combine="AND"), reach("a", "b"), False),  # AND never covers OR
        (reach("a", everyone=frozenset({"a"})), reach("z"), True),  # an everyone-audience first
        (reach("a", "e", combine="AND", everyone=frozenset({"e"})), reach("a"), True),  # AND with everyone = a
        (reach("a"), reach("e", everyone=frozenset({"e"})), False),  # later everyone: never covered
    ],
)
def test_covers_is_set_logic_only(earlier: Any, later: Any, proven: bool) -> None:
    assert (covers(earlier, later) is not None) is proven


def test_variants_with_own_rules_or_no_audiences_are_never_judged() -> None:
    assert reach("a", target=COUNTRY_AU) is None
    assert reach() is None


def test_unreachable_variant_fires_after_a_covering_variant_only() -> None:
    f = facts(
        [experience("e")],
        {
            "e": [
                version(
                    "v",
                    "ACTIVE",
                    seg("0", "a", "b"),
                    seg("1", "a"),
                    seg("2", "c"),
                    seg("3", "c", target=COUNTRY_AU),
                ),
                version("old", "ARCHIVED", seg("0", "a"), seg("1", "a")),
            ]
        },
    )
    found = checks.unreachable_variant(f)
    assert len(found) == 1 and "Variant 1 'V1'" in found[0].message and "variant 0 'V0'" in found[0].message


# ---------------------------------------------------------------------------------------------- diff


NAMES: dict[str, str | None] = {"a": "Australia", "b": "Mobile", "c": "Loyal"}


def changes(before: Version, after: Version) -> list[tuple[str | None, str, str | None, str | None]]:
    return [(c.variant_short_uid, c.change, c.before, c.after) for c in diff_versions(before, after, NAMES)]


def test_no_change_between_alike_versions() -> None:
    a, b = version("1", "ACTIVE", seg("0", "a")), version("2", "DRAFT", seg("0", "a"))
    assert changes(a, b) == []
    assert summary_of([], a, b).startswith("No change")


def test_variants_added_removed_and_renamed() -> None:
    found = changes(
        version("1", "ACTIVE", seg("0", "a"), seg("1", "b")),
        version("2", "DRAFT", seg("0", "a", name="Aussies"), seg("2", "c")),
    )
    assert found == [
        ("0", "variant_renamed", "'V0'", "'Aussies'"),
        ("2", "variant_added", None, "targets 'Loyal'"),
        ("1", "variant_removed", "targets 'Mobile'", None),
    ]


def test_audiences_and_combination_changes_in_words() -> None:
    diff = diff_versions(
        version("1", "ACTIVE", seg("0", "a", "b", combine="AND"), seg("1", "a"), seg("2", "b", "c")),
        version("2", "DRAFT", seg("0", "a", "gone"), seg("1", "a", combine="AND"), seg("2", "b", "c")),
        NAMES,
    )
    assert [(c.variant_short_uid, c.change) for c in diff] == [("0", "audiences_changed"), ("0", "combination_changed")]
    assert diff[0].before == "'Australia' AND 'Mobile'" and diff[0].after == "'Australia' OR missing audience gone"
    assert [a.uid for a in diff[0].audiences_added] == ["gone"] and [a.uid for a in diff[0].audiences_removed] == ["b"]
    # variant 1: one audience, OR -> AND changes nothing, so it is not reported


def test_traffic_type_target_and_order_changes() -> None:
    assert changes(
        version("1", "ACTIVE", ab("0", 50), ab("1", 50)), version("2", "DRAFT", ab("0", 70), ab("1", 30))
    ) == [
        ("0", "traffic_changed", "50%", "70%"),
        ("1", "traffic_changed", "50%", "30%"),
    ]
    kinds = changes(version("1", "ACTIVE", seg("0", "a")), version("2", "DRAFT", ab("0", 100)))
    assert [k[1] for k in kinds] == ["type_changed", "audiences_changed"] and kinds[0][2:] == ("SEGMENTED", "AB_TEST")
    target = changes(version("1", "ACTIVE", seg("0", target=COUNTRY_AU)), version("2", "DRAFT", seg("0")))
    assert target == [("0", "target_changed", 'country equals "AU"', "no rules of its own")]
    order = changes(
        version("1", "ACTIVE", seg("0", "a"), seg("1", "b")), version("2", "DRAFT", seg("1", "b"), seg("0", "a"))
    )
    assert order == [(None, "order_changed", "variant 0 'V0', variant 1 'V1'", "variant 1 'V1', variant 0 'V0'")]


# ---------------------------------------------------------------------------------------------- search


def test_search_ranks_exact_then_prefix_then_contains() -> None:
    items = [
        _hit("audience", "u1", "Summer sale visitors", "p", ("Summer sale visitors", "u1")),
        _hit("experience", "u2", "Big summer", "p", ("Big summer", "u2")),
        _hit("experience", "u3", "Summer", "p", ("Summer", "u3")),
        _hit("audience", "u4", "Summer", "p", ("Summer", "u4")),
        _hit("event", "u5", None, "p", ("winter", "u5")),
    ]
    catalogue = ranked_catalogue(items, "summer")
    assert [(h.uid, h.match) for h in catalogue.views] == [
        ("u3", "exact"),  # experiences before audiences within a rank
        ("u4", "exact"),
        ("u1", "prefix"),
        ("u2", "contains"),
    ]
    assert catalogue.views[0].next_tool == "get_all_versions"
    assert [h.uid for h in ranked_catalogue(items, "u5").views] == ["u5"]  # uids match too


# ---------------------------------------------------------------------------------------------- budget


@pytest.mark.anyio
async def test_reads_past_the_budget_are_reported_not_dropped() -> None:
    async def fast() -> str:
        return "ok"

    async def slow() -> str:
        await anyio.sleep(5)
        return "late"

    async def failing() -> str:
        raise NotFoundError("Experience x was not found.")

    calls = [("a", fast), ("b", failing), ("c", slow), ("d", fast)]
    with within_deadline(2.3):  # budget: 2.3 s - 2 s reserve
        got = await gather_within(calls, what="things", concurrency=1)
    assert got.values == {"a": "ok"}
    assert got.missed == {"b": "Experience x was not found", "c": NOT_IN_TIME, "d": NOT_IN_TIME}
