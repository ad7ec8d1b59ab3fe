"""What the demo's sections share: the printer, the client, and what earlier sections found for later ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mcp import Client

from personalize_mcp.demo.printer import Printer


@dataclass
class Demo:
    """One run of the demo. Sections read what they need and fill in what they find, in the order of `SECTIONS`
    (`run`): projects chooses `project`, audiences names them, experiences picks `experience`."""

    p: Printer
    client: Client
    mode: str = "auto"
    """The client's protocol era (`demo --mode`), for a section that starts a server of its own (writes)."""
    project: dict[str, Any] = field(default_factory=dict)
    """The project the demo walks: the first with a connected stack (list_projects)."""
    audience_names: dict[str, str] = field(default_factory=dict)
    """The project's audience uid -> name (get_all_audiences), so later sections print names."""
    experiences: list[dict[str, Any]] = field(default_factory=list)
    experience: dict[str, Any] = field(default_factory=dict)
    """The experience shown in full: segmented and linked to a CMS variant group, when there is one."""

    @property
    def project_uid(self) -> str:
        return str(self.project["uid"])


Section = Callable[[Demo], Awaitable[None]]
"""One section of the demo: a module's `show_*` function."""
