"""The lifecycle and priority checks: whether an experience runs, what its draft would change, where it
stands in the priority list, a finished A/B test still running, and experiences not read in time
(no_active_version, draft_differs, not_in_priority, winner_still_running, not_read)."""

from __future__ import annotations

from personalize_mcp.answers.insights.checks.facts import (
    ARCHIVED,
    INFO,
    WARNING,
    Facts,
    Finding,
    experience_ref,
    finding,
)
from personalize_mcp.answers.insights.version_diff import change_words, diff_versions
from personalize_mcp.answers.insights.words import experience_words
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version, statuses_of


def no_active_version(f: Facts) -> list[Finding]:
    found = []
    for experience in f.experiences:
        versions = f.versions.get(experience.uid)
        if versions is None or select_version(versions, ACTIVE) is not None:
            continue
        present = statuses_of(versions)
        archived = (experience.status or "").upper() == ARCHIVED or (bool(present) and set(present) == {ARCHIVED})
        has = f"its versions: {', '.join(present)}" if present else "it has no versions at all"
        advice = "it is archived, so this is expected" if archived else "activate a version in Contentstack Personalize"
        found.append(
            finding(
                INFO if archived else WARNING,
                "no_active_version",
                experience_ref(experience),
                f"Experience {experience_words(experience, experience.uid)} has no ACTIVE version ({has}), so no "
                f"visitor sees it; {advice}.",
            )
        )
    return found


def draft_differs(f: Facts) -> list[Finding]:
    found = []
    names = f.names
    for experience in f.experiences:
        versions = f.versions.get(experience.uid, ())
        active, draft = select_version(versions, ACTIVE), select_version(versions, DRAFT)
        if active is None or draft is None:
            continue
        changes = diff_versions(active, draft, names, f.attribute_names)
        if changes:
            found.append(
                finding(
                    INFO,
                    "draft_differs",
                    experience_ref(experience),
                    f"The DRAFT version {draft.uid} of {experience_words(experience, experience.uid)} differs from "
                    f"its ACTIVE version {active.uid} ({'; '.join(change_words(changes))}); call "
                    f"compare_versions with experience_uid {experience.uid} for before and after.",
                )
            )
    return found


def not_in_priority(f: Facts) -> list[Finding]:
    if f.priority is None:
        return []
    listed = set(f.priority)
    return [
        finding(
            WARNING,
            "not_in_priority",
            experience_ref(e),
            f"Experience {experience_words(e, e.uid)} ({e.status or 'status unknown'}) is not in the project's "
            "priority list, so which experience decides an entry they both vary is not defined; set its priority in "
            "Contentstack Personalize.",
        )
        for e in f.experiences
        if e.uid not in listed and (e.status or "").upper() != ARCHIVED
    ]


def winner_still_running(f: Facts) -> list[Finding]:
    if f.winners is None:
        return []
    by_uid = {e.uid: e for e in f.experiences}
    return [
        finding(
            WARNING,
            "winner_still_running",
            experience_ref(by_uid[uid]),
            f"A/B test {experience_words(by_uid[uid], uid)} has a winner ({winner}) but is still running; end the test "
            "and roll the winner out in Contentstack Personalize (get_experiment_results has the figures).",
        )
        for uid, winner in f.winners.items()
        if uid in by_uid
    ]


def not_read(f: Facts) -> list[Finding]:
    by_uid = {e.uid: e for e in f.experiences}
    return [
        finding(
            WARNING,
            "not_read",
            experience_ref(by_uid[uid]) if uid in by_uid else SubjectRef(kind="experience", uid=uid),
            f"Experience {experience_words(by_uid.get(uid), uid)} was not audited: its versions were not read "
            f"({why}); call audit_project again soon (what was read is cached, so it goes on from there) or "
            f"get_all_versions with experience_uid {uid}.",
        )
        for uid, why in f.unread.items()
    ]
