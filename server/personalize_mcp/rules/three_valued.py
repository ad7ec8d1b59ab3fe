"""Three-valued (Kleene) logic over evaluated parts: AND / OR, inversion, and how a group's result reads.

AND with a false child is false, OR with a true child is true, otherwise undecided unless every child is
decided; inverting negates true and false and leaves undecided alone. Shared by the rule walker
(`rules.evaluate`) and by `combine`, which joins a variant's audiences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from personalize_mcp.rules.model import Combination
from personalize_mcp.rules.wording import clip

__all__ = ["MAX_WHY_CHARS", "Outcome", "combine_outcomes", "group_because", "invert"]

MAX_WHY_CHARS = 400


@dataclass(frozen=True, slots=True)
class Outcome:
    """A node's (or a part's) result, the reason in words, and the visitor fields that would decide it."""

    result: bool | None
    why: str
    needs: tuple[str, ...] = ()


def combine_outcomes(operator: str, children: Sequence[Outcome], *, truncated: bool) -> Outcome:
    """AND / OR of `children` (`truncated`: some were cut, so count as undecided); any other operator is undecided."""
    if operator not in ("AND", "OR"):
        shown = "an unreadable type" if operator == "?" else f"type {operator}"
        return Outcome(None, f"the rules are combined with {shown}, which this server does not know")
    decisive = operator == "OR"
    hits = [c for c in children if c.result is decisive]
    if hits:
        return Outcome(decisive, hits[0].why)
    undecided = [c for c in children if c.result is None]
    if undecided or truncated:
        needs = tuple(dict.fromkeys(n for c in undecided for n in c.needs))
        why = _joined([c.why for c in undecided]) if undecided else "some rules were not read (too many)"
        return Outcome(None, why, needs)
    return Outcome(not decisive, _joined([c.why for c in children]))


_NOT_ONE_OF = re.compile(r'(?P<head>.+ is .+), not (?P<value>"[^;]*)')


def _joined(reasons: Sequence[str]) -> str:
    """Reasons joined with "; ", repeats dropped and `x is "AU", not "DE"; x is "AU", not "FR"` merged into
    `x is "AU", not any of "DE", "FR"`, so a long OR reads in one breath. A reason that is itself a joined
    group is taken part by part, so a nested group cannot repeat what its siblings already said."""
    merged: list[tuple[str, list[str]] | str] = []
    for reason in dict.fromkeys(part for joined in reasons for part in joined.split("; ")):
        found = _NOT_ONE_OF.fullmatch(reason)
        last = merged[-1] if merged else None
        if found and isinstance(last, tuple) and last[0] == found["head"]:
            last[1].append(found["value"])
        elif found:
            merged.append((found["head"], [found["value"]]))
        else:
            merged.append(reason)
    parts = [
        item
        if isinstance(item, str)
        else f"{item[0]}, not {item[1][0] if len(item[1]) == 1 else 'any of ' + ', '.join(item[1])}"
        for item in merged
    ]
    return clip("; ".join(parts), MAX_WHY_CHARS)


def invert(outcome: Outcome) -> Outcome:
    if outcome.result is None:
        return outcome
    return Outcome(not outcome.result, outcome.why, outcome.needs)


def group_because(node: Combination, outcome: Outcome) -> str:
    """A combination's trace line: which way its rules went, and what inverting the group made of it."""
    if node.malformed or not node.children or node.operator not in ("AND", "OR"):
        return outcome.why
    word = {True: "true", False: "false", None: "undecided"}
    if node.operator == "AND":
        base = {
            True: "every rule holds",
            False: "a rule fails",
            None: "no rule fails, but some are undecided",
        }
    else:
        base = {
            True: "a rule holds",
            False: "no rule holds",
            None: "no rule holds for sure, and some are undecided",
        }
    inner = (not outcome.result) if (node.inverted and outcome.result is not None) else outcome.result
    text = f"{node.operator}: {base[inner]}"
    if node.inverted:
        text += f"; the group is inverted, so it is {word[outcome.result]}"
    return text
