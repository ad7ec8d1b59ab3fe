"""A change's variants and metrics as drafts, their changes in compare_versions' words, and what activation needs.

Variant specs come in match order (the first segmented variant a visitor matches wins). One naming a
`short_uid` is that existing variant (it keeps its CMS variant), changed only where the spec says; one
without is new. Audiences must exist in the project: native ones go to `audiences`, Lytics ones to
`lyticsAudiences` (Contentstack refuses a Lytics id among native ones). An A/B test's variants take
`traffic_distribution` (all or none: none splits evenly), a segmented one's take audiences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from personalize_mcp.answers.insights.version_diff import diff_versions
from personalize_mcp.answers.writes.changes import VariantSpec
from personalize_mcp.answers.writes.drafting import Planning, row, subject
from personalize_mcp.answers.writes.plans import ChangeRow
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.models.versions import Version, VersionVariant
from personalize_mcp.contentstack.write_bodies import MetricDraft, VariantDraft
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, quoted
from personalize_mcp.runtime.ids import validate_identifier

AB_TEST = "AB_TEST"


def _even(count: int) -> list[int]:
    """Whole percentages adding up to 100: 34/33/33."""
    share, rest = divmod(100, count)
    return [share + (1 if n < rest else 0) for n in range(count)]


async def variant_drafts(
    planning: Planning, kind: str, specs: Sequence[VariantSpec], base: Sequence[VersionVariant]
) -> list[VariantDraft]:
    """The variants a change asks for, as drafts (refusals: unknown short uids or audiences, wrong fields)."""
    ab = kind == AB_TEST
    known = {v.short_uid: v for v in base if v.short_uid}
    audiences = {a.uid: a for a in await planning.reads.audiences()}
    shares = [s.traffic_distribution for s in specs]
    if ab and any(s is None for s in shares) and any(s is not None for s in shares):
        raise InvalidInputError("Give traffic_distribution to every A/B variant, or to none (an even split).")
    even = _even(len(specs)) if ab and all(s is None for s in shares) else None
    drafts: list[VariantDraft] = []
    seen: set[str] = set()
    for n, spec in enumerate(specs):
        if ab and spec.audience_uids:
            raise InvalidInputError("A/B test variants split the traffic and target no audiences; drop audience_uids.")
        if not ab and spec.traffic_distribution is not None:
            raise InvalidInputError("Segmented variants target audiences; traffic_distribution is for A/B tests.")
        current = None
        if spec.short_uid is not None:
            current = known.get(spec.short_uid)
            if current is None or spec.short_uid in seen:
                listing = ", ".join(f"{v.short_uid} {quoted(v.name or '', 20)}" for v in base) or "none"
                raise NotFoundError(f"Variant short_uid {spec.short_uid[:10]} is not one of the variants to edit "
                                    f"(once each): {listing}.")  # fmt: skip
            seen.add(spec.short_uid)
        draft = VariantDraft.from_upstream(current) if current else VariantDraft(name=spec.name, ab_test=ab)
        native, lytics = draft.audiences, draft.lytics_audiences
        if spec.audience_uids is not None:
            native, lytics = _split(spec.audience_uids, audiences)
        traffic = float(even[n]) if even else spec.traffic_distribution
        drafts.append(
            VariantDraft(
                name=spec.name,
                ab_test=ab,
                short_uid=draft.short_uid,
                audiences=native,
                lytics_audiences=lytics,
                combination=spec.audience_combination or draft.combination,
                traffic=draft.traffic if traffic is None else traffic,
                extra=draft.extra,
            )
        )
    return drafts


def _split(uids: Sequence[str], audiences: Mapping[str, Audience]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    native: list[str] = []
    lytics: list[str] = []
    for uid in dict.fromkeys(validate_identifier("audience_uid", u) for u in uids):
        audience = audiences.get(uid)
        if audience is None:
            raise NotFoundError(f"Audience {uid} is not an audience of the project; call get_all_audiences.")
        (lytics if (audience.source or "").upper() == "LYTICS" else native).append(uid)
    return tuple(native), tuple(lytics)


async def metric_drafts(planning: Planning, metrics: Sequence[str]) -> tuple[MetricDraft, ...]:
    """Events by uid or key, the first the primary metric (refused: an event the project does not have)."""
    events = await planning.reads.events()
    drafts: list[MetricDraft] = []
    for wanted in dict.fromkeys(metrics):
        event = next((e for e in events if wanted in (e.uid, e.key)), None)
        if event is None:
            raise NotFoundError(
                f"Event {quoted(wanted)} is not an event of the project (uid or key); call list_events."
            )
        kind = "Primary" if not drafts else "Secondary"
        drafts.append(MetricDraft(event.uid, event.key or event.name or event.uid, kind))
    return tuple(drafts)


def kept_metrics(version: Version | None) -> tuple[MetricDraft, ...] | None:
    """A version's metrics as drafts, to send back as they are (None: it carries none; none is sent)."""
    if version is None or version.metrics is None:
        return None
    return tuple(MetricDraft(m.event, m.name or m.event, m.type or "Primary") for m in version.metrics if m.event)


def as_version(uid: str, status: str, variants: Sequence[VariantDraft]) -> Version:
    """Drafts read back as a version (so compare_versions' diff can word them)."""
    return Version.model_validate({"uid": uid, "status": status, "variants": [v.body() for v in variants]})


async def variant_rows(planning: Planning, before: Version, after: Version) -> list[ChangeRow]:
    """Each variant change from `before` to `after`, in compare_versions' words."""
    names = {a.uid: a.name for a in await planning.reads.audiences()}
    attribute_names = await planning.attribute_names()
    changes = diff_versions(before, after, names, attribute_names)
    return [
        row(subject("variant", c.variant_short_uid, c.variant_name), c.change, c.before, c.after)
        if c.variant_short_uid is not None or c.change != "variant_added"
        else row(subject("variant", None, c.variant_name), c.change, c.before, c.after)
        for c in changes
    ]


def activation_problems(
    kind: str | None, variants: Sequence[VersionVariant], audiences: Mapping[str, Audience]
) -> list[str]:
    """Why a version cannot go live (CONTRACT.md): [] when it can."""
    problems: list[str] = []
    if not variants:
        return ["it has no variants"]
    ab = kind == AB_TEST or all(v.is_ab_test for v in variants)
    if ab:
        if len(variants) < 2:
            problems.append("an A/B test needs at least two variants")
        total = sum(v.traffic_distribution or 0 for v in variants)
        if abs(total - 100) > 1e-6:
            problems.append(f"its traffic split adds up to {total:g} %, not 100 %")
        return problems
    for variant in variants:
        label = f"variant {variant.short_uid} {quoted(variant.name or '', 30)}"
        if not variant.all_audience_uids and not variant.target:
            problems.append(f"{label} targets no audience")
        gone = [a for a in variant.all_audience_uids if a not in audiences]
        if gone:
            problems.append(f"{label} names audience {gone[0]}, which the project no longer has")
    return problems
