"""An experiment's verdict by Contentstack's documented rules (contentstack-api.md §6), with its reason.

In order, first match wins:
- `impressions_only`: a segmented experience (Contentstack counts impressions only), or an A/B test
  for which Contentstack reported no conversions at all;
- `insufficient_data`: fewer than 1,000 impressions **and** fewer than 30 conversions across the
  variants (insights need one or the other), saying how far it is from each;
- `inconclusive`: enough data, but no variant leads -- the best probability to be best (P2BB) is
  under `LEADER_P2BB`, or two variants share it;
- `winner`: the leader's P2BB is at least 95 % and at least 14 complete days have passed since the
  version was activated;
- `leader`: otherwise, saying which of the two conditions is missing (or both).

Contentstack defines the winner's thresholds but not when a variant "leads"; this server calls the
best variant the leader once its P2BB reaches `LEADER_P2BB` (three to one that it is the best), so
that "inconclusive" means what it says. The reason is one sentence and always says how it was reached.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from personalize_mcp.runtime.plurals import count

MIN_IMPRESSIONS = 1000
MIN_CONVERSIONS = 30
WINNER_P2BB = 0.95
MIN_DAYS = 14
LEADER_P2BB = 0.75

WINNER = "winner"
LEADER = "leader"
INCONCLUSIVE = "inconclusive"
INSUFFICIENT_DATA = "insufficient_data"
IMPRESSIONS_ONLY = "impressions_only"
VERDICTS = (WINNER, LEADER, INCONCLUSIVE, INSUFFICIENT_DATA, IMPRESSIONS_ONLY)


@dataclass(frozen=True, slots=True)
class Arm:
    """One variant as the verdict sees it."""

    short_uid: str
    name: str | None
    impressions: int
    conversions: int | None
    p2bb: float | None = None

    @property
    def rate(self) -> float | None:
        if self.conversions is None or self.impressions <= 0:
            return None
        return self.conversions / self.impressions

    @property
    def label(self) -> str:
        return f"variant {self.short_uid} '{self.name}'" if self.name else f"variant {self.short_uid}"


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str
    reason: str
    leader: str | None = None
    """Short uid of the leading (or winning) variant."""


def decide(
    arms: Sequence[Arm],
    *,
    segmented: bool,
    days: int | None,
    days_basis: str,
    control: Arm | None = None,
) -> Verdict:
    """The verdict for these variants; `days`: complete days since activation (None: unknown), `days_basis`:
    how they were counted (e.g. "counted from activatedAt"), `control`: for the rates in the reason."""
    impressions = sum(a.impressions for a in arms)
    if segmented:
        return Verdict(
            IMPRESSIONS_ONLY,
            f"This is a segmented experience, which Contentstack counts in impressions only ({impressions:,} across "
            f"{_variants(len(arms))}), so no variant can win or lead.",
        )
    if all(a.conversions is None for a in arms):
        return Verdict(
            IMPRESSIONS_ONLY,
            f"Contentstack reported impressions ({impressions:,}) but no conversions for this A/B test, so no variant "
            "can win or lead; check that the event its metric counts is being sent.",
        )
    conversions = sum(a.conversions or 0 for a in arms)
    if impressions < MIN_IMPRESSIONS and conversions < MIN_CONVERSIONS:
        return Verdict(
            INSUFFICIENT_DATA,
            f"{count(impressions, 'impression', grouped=True)} and {count(conversions, 'conversion', grouped=True)} "
            f"are below Contentstack's minimum for insights ({MIN_IMPRESSIONS:,} impressions or {MIN_CONVERSIONS} "
            f"conversions): it needs {count(MIN_IMPRESSIONS - impressions, 'more impression', grouped=True)} or "
            f"{count(MIN_CONVERSIONS - conversions, 'more conversion', grouped=True)}.",
        )
    scored = [a for a in arms if a.p2bb is not None]
    best = max(scored, key=lambda a: a.p2bb or 0.0, default=None)
    tied = best is not None and sum(1 for a in scored if math.isclose(a.p2bb or 0.0, best.p2bb or 0.0)) > 1
    if best is None or best.p2bb is None or tied or best.p2bb < LEADER_P2BB:
        if best is None or best.p2bb is None:
            detail = "no variant has a probability to be best"
        elif tied:
            detail = f"{best.label} and another variant share the best probability to be best, {percent(best.p2bb)}"
        else:
            detail = (
                f"the best, {best.label}, is only {percent(best.p2bb)} likely to be best, under the "
                f"{percent(LEADER_P2BB)} this server requires to call a leader"
            )
        return Verdict(
            INCONCLUSIVE,
            f"There is enough data ({count(impressions, 'impression', grouped=True)}, "
            f"{count(conversions, 'conversion', grouped=True)}) but no leader: {detail}.",
        )
    p2bb = best.p2bb
    converts = _converts(best, control)
    enough_p2bb = p2bb >= WINNER_P2BB
    enough_days = days is not None and days >= MIN_DAYS
    if enough_p2bb and enough_days:
        return Verdict(
            WINNER,
            f"{_cap(best.label)} is the winner: it {converts}, with a {percent(p2bb)} probability to be best (at least "
            f"{percent(WINNER_P2BB)}) after {days} complete days since activation (at least {MIN_DAYS}, {days_basis}).",
            best.short_uid,
        )
    if days is None:
        young = (
            f"when the version was activated is unknown ({days_basis}), so the {MIN_DAYS} complete days a winner "
            "needs cannot be confirmed"
        )
    else:
        young = (
            f"the version has run only {days} complete days ({days_basis}), fewer than the {MIN_DAYS} a winner needs"
        )
    if enough_p2bb:
        why = f"with a {percent(p2bb)} probability to be best, but {young}"
    elif enough_days:
        why = (
            f"but its {percent(p2bb)} probability to be best is below the {percent(WINNER_P2BB)} a winner needs "
            f"(it has run {days} complete days, enough)"
        )
    else:
        why = (
            f"but its {percent(p2bb)} probability to be best is below the {percent(WINNER_P2BB)} a winner needs and "
            f"{young}"
        )
    return Verdict(LEADER, f"{_cap(best.label)} leads: it {converts}, {why}.", best.short_uid)


def percent(value: float | None) -> str:
    """A probability as a percentage, rounded *down* to 0.1, so 94.96 % never reads as 95.0 %."""
    if value is None:
        return "unknown"
    return f"{math.floor(value * 1000 + 1e-9) / 10:.1f} %"


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.2f} %"


def _converts(arm: Arm, control: Arm | None) -> str:
    text = f"converts at {rate_text(arm.rate)}"
    if control is None or control.short_uid == arm.short_uid or arm.rate is None or not control.rate:
        return text
    uplift = (arm.rate - control.rate) / control.rate
    return f"{text} against the control's {rate_text(control.rate)} ({uplift * 100:+.1f} %)"


def _variants(count: int) -> str:
    return "1 variant" if count == 1 else f"{count} variants"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
