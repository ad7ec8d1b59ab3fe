"""The CMS checks: an experience linked to a variant group its project's stack lacks, and a variant group
linked to an experience the project lacks (cms_group_missing, cms_group_orphaned)."""

from __future__ import annotations

from personalize_mcp.answers.insights.checks.facts import ERROR, WARNING, Facts, Finding, experience_ref, finding
from personalize_mcp.answers.insights.words import experience_words, quoted
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.answers.versions import ACTIVE


def cms_group_missing(f: Facts) -> list[Finding]:
    if f.groups is None:
        return []
    present = {g.uid for g in f.groups}
    found = []
    for e in f.experiences:
        group = e.cms.variant_group if e.cms else None
        if group and group not in present:
            found.append(
                finding(
                    ERROR if (e.status or "").upper() == ACTIVE else WARNING,
                    "cms_group_missing",
                    experience_ref(e),
                    f"Experience {experience_words(e, e.uid)} is linked to CMS variant group {group}, which stack "
                    f"{f.stack} no longer has, so it varies no entry; link it again in Contentstack.",
                )
            )
    return found


def cms_group_orphaned(f: Facts) -> list[Finding]:
    if f.groups is None:
        return []
    experiences = {e.uid for e in f.experiences}
    found = []
    for group in f.groups:
        meta = group.personalize_metadata
        if meta is None or not meta.experience_uid or meta.project_uid not in (f.project, None):
            continue
        if meta.experience_uid not in experiences:
            found.append(
                finding(
                    WARNING,
                    "cms_group_orphaned",
                    SubjectRef(kind="variant_group", uid=group.uid, name=group.name),
                    f"CMS variant group {quoted(group.name, group.uid)} of stack {f.stack} is linked to experience "
                    f"{meta.experience_uid}, which project {f.project} no longer has; unlink or delete the group in "
                    "Contentstack.",
                )
            )
    return found
