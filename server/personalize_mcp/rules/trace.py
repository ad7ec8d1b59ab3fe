"""What an evaluation returns: its result, the decisive reasons, and a bounded trace of `Step`s in reading order."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_TRACE_STEPS", "Evaluation", "Step"]

MAX_TRACE_STEPS = 300
"""Trace lines kept per evaluation (an audience holds at most 100 rules [doc]); the rest is counted."""


@dataclass(frozen=True, slots=True)
class Step:
    """One trace line: a rule or a combination, its result and why."""

    depth: int
    rule: str
    result: bool | None
    because: str
    attribute: str | None = None
    expected: str | None = None
    observed: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    result: bool | None
    why: str
    """The decisive reasons in a few words (the rules that made it true, false or undecided)."""
    trace: tuple[Step, ...]
    needs: tuple[str, ...]
    """Visitor fields that would decide it (only when undecided, and only those that matter)."""
    omitted_steps: int = 0
    """Trace lines left out past MAX_TRACE_STEPS."""
