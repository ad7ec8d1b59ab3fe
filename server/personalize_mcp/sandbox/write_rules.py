"""What the Personalize write endpoints enforce (contentstack-api.md §8), on the sandbox's plain dicts.

Pure functions over `SandboxData`: the routes (`writes`) parse, call these under the state's lock,
and answer. Each refusal is a `WriteRefused` carrying the dotted code Contentstack uses where §8 names
one (`CANNOT_UPDATE_LOCKED_VERSION`, `CANNOT_CREATE_VERSION_AS_DRAFT_ALREADY_EXISTS`, `STATUS_REQUIRED`,
`VARIANTS_NOT_ARRAY`, `MISSING_EXPERIENCES`, `RULE_COUNT_EXCEEDED`); the others are sandbox-chosen and
spelled the same way (`personalize.<AREA>.<CODE>`).

Semantics (§2, §8): one DRAFT at a time (including the empty one `POST /experiences` makes); an ACTIVE
(or PAUSED, or ARCHIVED) version is locked -- a PUT may only change its status, ACTIVE <-> PAUSED, with the
variants as they are; activating a draft archives the previous ACTIVE and PAUSED versions; short uids
are never reused (a variant sent with a known `shortUid` keeps it, one without gets the next number);
the experience summary (`status`, `latestVersion`, `referredAudiences`, `referredEvents`, `metrics`)
follows its versions.
"""

from __future__ import annotations

import secrets
from typing import Any

from personalize_mcp.sandbox.analytics_data import SANDBOX_NOW
from personalize_mcp.sandbox.shapes import SandboxData

JSON = dict[str, Any]
MAX_RULES = 50
"""Rules per audience by default (§8: `personalize.AUDIENCES.RULE_COUNT_EXCEEDED`)."""
VERSIONS = "personalize.EXPERIENCES.VERSIONS."
STATUSES = ("DRAFT", "ACTIVE", "PAUSED")
NOW = SANDBOX_NOW.isoformat().replace("+00:00", ".000Z")
"""Writes are stamped with the sandbox's calendar, so a version activated here counts days like the seed's."""


class WriteRefused(Exception):
    """A 400 (or 404) in Contentstack's words: `code` is the dotted code, `field` the body field it blames."""

    def __init__(self, code: str, message: str, *, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


def new_uid() -> str:
    """A 24-hex uid, as Personalize's object ids are."""
    return secrets.token_hex(12)


def text_field(body: JSON, name: str, area: str, *, required: bool) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise WriteRefused(f"personalize.{area}.{name.upper()}_REQUIRED", f"{name} is required", field=name)
    return value


def count_rules(node: object, depth: int = 0) -> int:
    """Leaf rules of a definition (combinations do not count)."""
    if depth > 32 or not isinstance(node, dict):
        return 0
    if node.get("__type") == "RuleCombination" or "rules" in node:
        rules = node.get("rules")
        return sum(count_rules(child, depth + 1) for child in rules) if isinstance(rules, list) else 0
    return 1


def checked_definition(body: JSON) -> JSON:
    definition = body.get("definition")
    if not isinstance(definition, dict) or definition.get("__type") != "RuleCombination":
        raise WriteRefused("personalize.AUDIENCES.INVALID_DEFINITION", "definition must be a RuleCombination",
                           field="definition")  # fmt: skip
    if count_rules(definition) > MAX_RULES:
        raise WriteRefused("personalize.AUDIENCES.RULE_COUNT_EXCEEDED", f"an audience holds at most {MAX_RULES} rules")
    return definition


# ---- versions ------------------------------------------------------------------------------------


def checked_version_body(body: JSON) -> tuple[str, list[JSON], list[JSON] | None]:
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise WriteRefused(VERSIONS + "STATUS_REQUIRED", "status is required", field="status")
    if status not in STATUSES:
        raise WriteRefused(VERSIONS + "INVALID_STATUS", f"status must be one of {', '.join(STATUSES)}", field="status")
    variants = body.get("variants")
    if not isinstance(variants, list) or not all(isinstance(v, dict) for v in variants):
        raise WriteRefused(VERSIONS + "VARIANTS_NOT_ARRAY", "variants must be an array", field="variants")
    metrics = body.get("metrics")
    if metrics is not None and not (isinstance(metrics, list) and all(isinstance(m, dict) for m in metrics)):
        raise WriteRefused(VERSIONS + "METRICS_NOT_ARRAY", "metrics must be an array", field="metrics")
    return status, variants, metrics


def _short_uids_ever(data: SandboxData, experience_uid: str) -> set[str]:
    return {
        str(v.get("shortUid"))
        for version in data.versions.get(experience_uid, [])
        for v in version.get("variants", [])
        if v.get("shortUid") is not None
    }


def numbered(
    data: SandboxData, experience_uid: str, variants: list[JSON], previous: list[JSON] | None = None
) -> list[JSON]:
    """The variants as stored: a known `shortUid` is kept, any other gets the next number (never reused).

    `previous`: the version's variants before a PUT; one sent without `shortUid` keeps the short uid of the
    previous variant of the same name (how a PUT without short uids, as Contentstack's CLI sends it, keeps them).
    """
    by_name = {v.get("name"): v.get("shortUid") for v in previous or []}
    variants = [v if "shortUid" in v or v.get("name") not in by_name else {**v, "shortUid": by_name[v.get("name")]}
                for v in variants]  # fmt: skip
    known = _short_uids_ever(data, experience_uid)
    counter = data.short_uid_counters.get(experience_uid, -1)
    for uid in known:
        if uid.isdigit():
            counter = max(counter, int(uid))
    out: list[JSON] = []
    for variant in variants:
        stored = {k: v for k, v in variant.items() if k != "shortUid"}
        short = variant.get("shortUid")
        if isinstance(short, str) and short in known and short not in {o["shortUid"] for o in out}:
            stored["shortUid"] = short
        else:
            counter += 1
            stored["shortUid"] = str(counter)
        if stored.get("__type") == "SegmentedVariant":
            stored.setdefault("audiences", [])
            stored.setdefault("lyticsAudiences", [])
            stored.setdefault("audienceCombinationType", "OR")
        out.append(stored)
    data.short_uid_counters[experience_uid] = counter
    return out


def _content(variants: list[JSON]) -> list[JSON]:
    """What a locked version must keep: everything but the short uids (which a PUT may omit, §8)."""
    return [{k: v for k, v in variant.items() if k != "shortUid"} for variant in variants]


def check_activation(data: SandboxData, project_uid: str, experience: JSON, variants: list[JSON]) -> None:
    """What activation refuses: no variants, a split not adding up, a segmented variant without targeting, or
    an audience the project does not have."""
    if not variants:
        raise WriteRefused(VERSIONS + "VARIANTS_REQUIRED", "an active version needs variants")
    known = {a["uid"] for a in data.audiences.get(project_uid, [])}
    if experience.get("__type") == "AB_TEST":
        shares = [v.get("trafficDistribution") for v in variants]
        if len(variants) < 2 or not all(isinstance(s, int | float) for s in shares):
            raise WriteRefused(VERSIONS + "INVALID_TRAFFIC_DISTRIBUTION", "an A/B test needs two variants with traffic")
        if abs(sum(s for s in shares if isinstance(s, int | float)) - 100) > 1e-6:
            raise WriteRefused(VERSIONS + "INVALID_TRAFFIC_DISTRIBUTION", "traffic must add up to 100")
        return
    for variant in variants:
        audiences = [*variant.get("audiences", []), *variant.get("lyticsAudiences", [])]
        if not audiences and not variant.get("target"):
            raise WriteRefused(VERSIONS + "AUDIENCES_REQUIRED", "every segmented variant needs an audience")
        missing = [a for a in variant.get("audiences", []) if a not in known]
        if missing:
            raise WriteRefused(VERSIONS + "INVALID_AUDIENCES", f"{missing[0]} is not a valid ObjectId")


def put_version(
    data: SandboxData, project_uid: str, experience: JSON, version: JSON, status: str, variants: list[JSON],
    metrics: list[JSON] | None,
) -> JSON:  # fmt: skip
    """Apply a PUT to `version` (see the module docstring for what a locked version allows)."""
    current = version.get("status")
    if current != "DRAFT":
        same = _content(variants) == _content(version.get("variants", []))
        allowed = {("ACTIVE", "PAUSED"), ("PAUSED", "ACTIVE")}
        if (current, status) not in allowed or not same:
            raise WriteRefused(VERSIONS + "CANNOT_UPDATE_LOCKED_VERSION", "an active version cannot be edited")
        version["status"] = status
        version["updatedAt"] = NOW
        if status == "ACTIVE":
            version["activatedAt"] = NOW
        return version
    stored = numbered(data, experience["uid"], variants, version.get("variants"))
    if status == "ACTIVE":
        check_activation(data, project_uid, experience, stored)
        for other in data.versions.get(experience["uid"], []):
            if other is not version and other.get("status") in ("ACTIVE", "PAUSED"):
                other["status"] = "ARCHIVED"
                other["updatedAt"] = NOW
        version["activatedAt"] = NOW
    version["variants"] = stored
    if metrics is not None:
        version["metrics"] = metrics
    version["status"] = status
    version["updatedAt"] = NOW
    return version


def new_version(experience_uid: str, status: str = "DRAFT", variants: list[JSON] | None = None) -> JSON:
    return {
        "uid": new_uid(),
        "experienceUid": experience_uid,
        "status": status,
        "variants": variants or [],
        "createdAt": NOW,
        "updatedAt": NOW,
    }


def refresh_summary(data: SandboxData, experience: JSON) -> None:
    """The experience's summary fields, from its versions (as the real summary follows them)."""
    versions = data.versions.get(experience["uid"], [])
    statuses = [v.get("status") for v in versions]
    for status in ("ACTIVE", "PAUSED", "DRAFT", "ARCHIVED"):
        if status in statuses:
            experience["status"] = status
            break
    if versions:
        experience["latestVersion"] = versions[-1]["uid"]
    referred: list[str] = []
    for version in versions:
        if version.get("status") == "ARCHIVED":
            continue
        for variant in version.get("variants", []):
            for audience in [*variant.get("audiences", []), *variant.get("lyticsAudiences", [])]:
                if audience not in referred:
                    referred.append(audience)
    experience["referredAudiences"] = referred
    live = next((v for v in versions if v.get("status") in ("ACTIVE", "PAUSED")), None)
    source = live if live is not None and live.get("metrics") is not None else None
    draft = next((v for v in versions if v.get("status") == "DRAFT" and v.get("metrics") is not None), None)
    metrics = (source or draft or {}).get("metrics")
    if metrics is not None:
        experience["metrics"] = metrics
        experience["referredEvents"] = [m.get("event") for m in metrics if isinstance(m.get("event"), str)]
    experience["updatedAt"] = NOW


def check_priority(order: object, experiences: list[JSON]) -> list[str]:
    """`priorityOrder` naming every experience of the project once (§8: `MISSING_EXPERIENCES`)."""
    if not isinstance(order, list) or not all(isinstance(uid, str) for uid in order):
        raise WriteRefused("personalize.EXPERIENCES_PRIORITY.INVALID_PRIORITY_ORDER",
                           "priorityOrder must be an array of experience uids", field="priorityOrder")  # fmt: skip
    known = [e["uid"] for e in experiences]
    if set(order) - set(known) or len(set(order)) != len(order):
        raise WriteRefused("personalize.EXPERIENCES_PRIORITY.INVALID_EXPERIENCES",
                           "priorityOrder names unknown or repeated experiences", field="priorityOrder")  # fmt: skip
    if set(known) - set(order):
        raise WriteRefused("MISSING_EXPERIENCES", "priorityOrder must list every experience", field="priorityOrder")
    return list(order)
