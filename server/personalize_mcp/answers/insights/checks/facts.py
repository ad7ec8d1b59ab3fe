"""What every check reads and returns: one project's `Facts`, the `Finding` model, severities, and the
few helpers every check words its finding with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import Field

from personalize_mcp.answers.shapes import ResultModel, SubjectRef
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.contentstack.models.cms_variants import VariantGroup
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.rules.model import Node

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
ARCHIVED = "ARCHIVED"


class Finding(ResultModel):
    severity: str = Field(description="error (visitors get something wrong now), warning, or info.")
    check: str = Field(description="Which check found it (see the tool's description).")
    subject: SubjectRef = Field(description="What it is about: kind (audience, experience, ...), uid, name.")
    message: str = Field(description="The finding in one sentence, with what to do.")


@dataclass(frozen=True)
class Facts:
    """One project as the checks see it; a list that could not be read is None (its checks are skipped)."""

    project: str
    audiences: Sequence[Audience]
    trees: Mapping[str, Node | None]
    experiences: Sequence[Experience]
    versions: Mapping[str, Sequence[Version]]
    """Experience uid -> its versions, for every experience whose versions were read."""
    unread: Mapping[str, str] = field(default_factory=dict)
    """Experience uid -> why its versions were not read."""
    attribute_names: Mapping[str, str] = field(default_factory=dict)
    attributes: Sequence[Attribute] | None = None
    events: Sequence[Event] | None = None
    priority: Sequence[str] | None = None
    stack: str | None = None
    groups: Sequence[VariantGroup] | None = None
    winners: Mapping[str, str] | None = None
    """Experience uid -> its ACTIVE A/B version's declared winner, in words (None: results not available)."""

    @property
    def names(self) -> dict[str, str | None]:
        return {a.uid: a.name for a in self.audiences}

    def live_versions(self) -> Iterable[tuple[Experience, Version]]:
        for experience in self.experiences:
            for version in self.versions.get(experience.uid, ()):
                if (version.status or "") != ARCHIVED:
                    yield experience, version


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def experience_ref(e: Experience) -> SubjectRef:
    return SubjectRef(kind="experience", uid=e.uid, name=e.name)


def finding(severity: str, check: str, subject: SubjectRef, message: str) -> Finding:
    return Finding(severity=severity, check=check, subject=subject, message=message)
