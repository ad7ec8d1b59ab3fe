"""What an experiment's answers start from: the version to report on, its control, its metrics, its start.

Which version: the one asked for; else the ACTIVE one; else the latest that ran (PAUSED or
ARCHIVED, latest by activatedAt, updatedAt, createdAt) -- the answer's `version_choice` says which.
A DRAFT never ran and an unknown uid is not a version: each is one sentence, before any analytics call.

The control is the variant named "control" (or whose name has the word), else the first one; the
answer's `control.chosen_because` says which. A version went live at its `activatedAt`, else its
`updatedAt` (an ACTIVE version is locked, so its last update is its activation; for a PAUSED or
ARCHIVED one it may be when it stopped, and the verdict's reason says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import Field

from personalize_mcp.answers.experiences import experience_label
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version, statuses_of
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.upstream_values import parse_time
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import validate_identifier

_CONTROL_WORD = re.compile(r"\bcontrol\b", re.IGNORECASE)


class ResultVersion(ResultModel):
    uid: str = Field(description="Version uid.")
    status: str | None = Field(default=None, description="ACTIVE, PAUSED or ARCHIVED (a DRAFT has no results).")


class MetricInfo(ResultModel):
    event_uid: str = Field(description="The event uid the metric counts (list_events names it).")
    key: str | None = Field(default=None, description="The event's key, when the event is listed.")
    name: str | None = Field(default=None, description="The event's name (or the metric's), when known.")


class ControlInfo(ResultModel):
    short_uid: str = Field(description="Short uid of the control variant.")
    name: str | None = Field(default=None, description="Its name.")
    chosen_because: str = Field(description="Why this variant is the control.")


def ran(version: Version) -> bool:
    """Results exist only for activated versions: every status but DRAFT has been live at some point."""
    return version.status != DRAFT


def started_at(version: Version) -> tuple[datetime | None, str | None]:
    """When the version went live, and which field said so (activatedAt, else updatedAt)."""
    for source, value in (("activatedAt", version.activated_at), ("updatedAt", version.updated_at)):
        moment = parse_time(value)
        if moment is not None:
            return moment, source
    return None, None


def choose_version(
    versions: Sequence[Version], version_uid: str | None, experience_uid: str, label: str
) -> tuple[Version, str]:
    """The version to report on and how it was chosen; one sentence when there is none to report on."""
    if version_uid:
        found = next((v for v in versions if v.uid == version_uid), None)
        if found is None:
            raise NotFoundError(
                f"Version {version_uid} is not a version of {label}; call get_all_versions with experience_uid "
                f"{experience_uid} to list its versions."
            )
        if not ran(found):
            alternative = (
                "call again without version_uid for the version that ran last"
                if any(ran(v) for v in versions)
                else "activate it in Contentstack Personalize first"
            )
            raise InvalidInputError(
                f"Version {version_uid} of {label} is a DRAFT that never ran, and results exist only for activated "
                f"versions; {alternative}."
            )
        return found, "the version asked for"
    active = select_version(versions, ACTIVE)
    if active is not None:
        return active, "the ACTIVE version"
    candidates = [(i, v) for i, v in enumerate(versions) if ran(v)]
    if not candidates:
        present = ", ".join(statuses_of(versions)) or "none"
        raise NotFoundError(
            f"The {label} has no version that ran (its versions: {present}), and results exist only for activated "
            "versions; activate one in Contentstack Personalize first."
        )

    def latest(pair: tuple[int, Version]) -> tuple[datetime, int]:
        index, version = pair
        moments = [parse_time(t) for t in (version.activated_at, version.updated_at, version.created_at)]
        return next((m for m in moments if m is not None), datetime.min.replace(tzinfo=UTC)), index

    chosen = max(candidates, key=latest)[1]
    return chosen, f"no ACTIVE version, so the latest that ran: the {chosen.status or 'unknown-status'} one"


def choose_control(short_uids: Sequence[str], names: dict[str, str | None]) -> ControlInfo | None:
    if not short_uids:
        return None
    for exact in (True, False):
        for uid in short_uids:
            name = names.get(uid) or ""
            if (name.strip().casefold() == "control") if exact else bool(_CONTROL_WORD.search(name)):
                return ControlInfo(short_uid=uid, name=names.get(uid), chosen_because=f"it is named {name!r}")
    first = short_uids[0]
    return ControlInfo(
        short_uid=first, name=names.get(first), chosen_because="no variant is named control, so the first one is"
    )


def metrics_of(experience: Experience, events: Sequence[Event]) -> list[MetricInfo]:
    """The events the experience counts, its primary metric first, named from list_events."""
    known = {e.uid: e for e in events}
    metric_names = {m.event: m.name for m in experience.metrics if m.event}
    primary = [m.event for m in experience.metrics if m.event and (m.type or "").casefold() == "primary"]
    ordered = list(dict.fromkeys([*primary, *experience.event_uids]))
    return [
        MetricInfo(
            event_uid=uid,
            key=known[uid].key if uid in known else None,
            name=(known[uid].name or known[uid].key) if uid in known else metric_names.get(uid),
        )
        for uid in ordered
    ]


async def experiment_inputs(
    lookups: Lookups, project_uid: str | None, experience_uid: str, version_uid: str | None
) -> tuple[str, Experience, Version, str, list[Event]]:
    """The project, experience, chosen version (and how) and events: what both answers start from."""
    uid = validate_identifier("experience_uid", experience_uid)
    asked = validate_identifier("version_uid", version_uid) if version_uid else None
    project = await lookups.resolve_project(project_uid)

    async def events() -> list[Event]:
        try:
            return await lookups.events(project)
        except UserFacingError:  # names are a nicety: the uids stay
            return []

    versions, experience, listed = await gather(
        lambda: lookups.versions(project, uid), lambda: lookups.experience(project, uid), events
    )
    version, choice = choose_version(versions, asked, uid, experience_label(uid, experience))
    return project, experience, version, choice, listed
