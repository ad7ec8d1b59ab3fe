"""The verdict rules at their boundaries, P2BB against closed forms, and the SRM test (issue 13)."""

from __future__ import annotations

import math

import pytest

from personalize_mcp.answers.statistics import chi_square_survival, probability_to_be_best, sample_ratio_test
from personalize_mcp.answers.verdict import (
    IMPRESSIONS_ONLY,
    INCONCLUSIVE,
    INSUFFICIENT_DATA,
    LEADER,
    WINNER,
    Arm,
    Verdict,
    decide,
    percent,
)


def ab(p2bb: tuple[float, float] = (0.02, 0.98), impressions: int = 2000, conversions: int = 100) -> list[Arm]:
    """Two variants sharing the counts; the P2BB is given, so each rule is tested on its own."""
    half, rest = impressions // 2, impressions - impressions // 2
    return [
        Arm("0", "Control", half, conversions // 2, p2bb[0]),
        Arm("1", "New", rest, conversions - conversions // 2, p2bb[1]),
    ]


def verdict(arms: list[Arm], days: int | None = 20, segmented: bool = False) -> Verdict:
    return decide(arms, segmented=segmented, days=days, days_basis="counted from activatedAt", control=arms[0])


def one_sentence(text: str) -> bool:
    return text.endswith(".") and "\n" not in text and text.count(". ") == 0


# ---- insufficient data: 1,000 impressions or 30 conversions --------------------------------------


@pytest.mark.parametrize(
    ("impressions", "conversions", "expected"),
    [
        (999, 29, INSUFFICIENT_DATA),
        (1000, 29, WINNER),  # enough impressions
        (999, 30, WINNER),  # enough conversions
        (1000, 30, WINNER),
    ],
)
def test_insufficient_data_boundary(impressions: int, conversions: int, expected: str) -> None:
    result = verdict(ab(impressions=impressions, conversions=conversions))
    assert result.verdict == expected


def test_insufficient_data_says_how_far_from_each_threshold() -> None:
    result = verdict(ab(impressions=640, conversions=11))
    assert result.verdict == INSUFFICIENT_DATA
    assert "640 impressions and 11 conversions" in result.reason
    assert "360 more impressions or 19 more conversions" in result.reason
    assert one_sentence(result.reason)


# ---- winner: P2BB >= 95 % and >= 14 complete days ------------------------------------------------


@pytest.mark.parametrize(
    ("p2bb", "days", "expected", "missing"),
    [
        (0.95, 14, WINNER, None),
        (0.949, 14, LEADER, "below the 95.0 %"),
        (0.95, 13, LEADER, "only 13 complete days"),
        (0.949, 13, LEADER, "below the 95.0 % a winner needs and the version has run only 13"),
        (0.999, None, LEADER, "cannot be confirmed"),
    ],
)
def test_winner_boundaries(p2bb: float, days: int | None, expected: str, missing: str | None) -> None:
    result = verdict(ab(p2bb=(1 - p2bb, p2bb)), days=days)
    assert result.verdict == expected
    assert result.leader == "1"
    assert one_sentence(result.reason), result.reason
    if missing:
        assert missing in result.reason
    else:
        assert "is the winner" in result.reason and "after 14 complete days since activation" in result.reason


def test_leader_with_enough_days_says_the_days_were_enough() -> None:
    result = verdict(ab(p2bb=(0.2, 0.8)), days=30)
    assert result.verdict == LEADER
    assert "(it has run 30 complete days, enough)" in result.reason
    assert "80.0 % probability to be best" in result.reason


def test_reason_names_rates_and_uplift_against_the_control() -> None:
    arms = [Arm("0", "Control", 1000, 40, 0.01), Arm("1", "New", 1000, 50, 0.99)]
    result = verdict(arms)
    assert "converts at 5.00 % against the control's 4.00 % (+25.0 %)" in result.reason


def test_percent_rounds_down_so_a_near_miss_never_reads_as_the_threshold() -> None:
    assert percent(0.94999) == "94.9 %"
    assert percent(0.95) == "95.0 %"
    assert percent(0.0000107) == "0.0 %"


# ---- inconclusive, impressions only ------------------------------------------------------------


@pytest.mark.parametrize("p2bb", [(0.5, 0.5), (0.3, 0.7), (0.45, 0.55)])
def test_enough_data_without_a_leader_is_inconclusive(p2bb: tuple[float, float]) -> None:
    result = verdict(ab(p2bb=p2bb, impressions=8000, conversions=400))
    assert result.verdict == INCONCLUSIVE
    assert result.leader is None
    assert "but no leader" in result.reason and one_sentence(result.reason)


def test_the_leader_threshold_is_three_to_one() -> None:
    assert verdict(ab(p2bb=(0.25, 0.75))).verdict == LEADER
    assert verdict(ab(p2bb=(0.26, 0.74))).verdict == INCONCLUSIVE


def test_segmented_and_conversion_free_tests_are_impressions_only() -> None:
    segmented = verdict([Arm("0", "AU", 800, None), Arm("1", "Mobile", 300, None)], segmented=True)
    assert segmented.verdict == IMPRESSIONS_ONLY and "1,100 across 2 variants" in segmented.reason
    silent = verdict([Arm("0", "A", 5000, None), Arm("1", "B", 5000, None)])
    assert silent.verdict == IMPRESSIONS_ONLY and "no conversions" in silent.reason


# ---- P2BB against closed forms ------------------------------------------------------------------


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _b_beats_a(a_a: float, b_a: float, a_b: float, b_b: float) -> float:
    """P(p_B > p_A) for Beta posteriors, exact (Evan Miller's sum over the integer a_B)."""
    return sum(
        math.exp(_log_beta(a_a + i, b_a + b_b) - math.log(b_b + i) - _log_beta(1 + i, b_b) - _log_beta(a_a, b_a))
        for i in range(int(a_b))
    )


def _c_beats_both(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """P(p_C > max(p_A, p_B)), exact (Evan Miller's three-way formula)."""
    (a_a, b_a), (a_b, b_b), (a_c, b_c) = a, b, c
    total = sum(
        math.exp(
            _log_beta(a_c + i + j, b_a + b_b + b_c)
            - math.log(b_a + i)
            - math.log(b_b + j)
            - _log_beta(1 + i, b_a)
            - _log_beta(1 + j, b_b)
            - _log_beta(a_c, b_c)
        )
        for i in range(int(a_a))
        for j in range(int(a_b))
    )
    return 1 - _b_beats_a(a_c, b_c, a_a, b_a) - _b_beats_a(a_c, b_c, a_b, b_b) + total


def _shape(impressions: int, conversions: int) -> tuple[float, float]:
    return 1 + conversions, 1 + impressions - conversions


@pytest.mark.parametrize(
    "counts",
    [
        [(1000, 40), (1000, 50)],
        [(2400, 96), (2380, 127)],
        [(10, 0), (12, 1)],
        [(5000, 200), (200, 12)],
        [(1_000_000, 40_000), (10, 1)],  # one very narrow, one very wide posterior
    ],
)
def test_two_variant_p2bb_matches_the_exact_computation(counts: list[tuple[int, int]]) -> None:
    computed = probability_to_be_best(counts)
    exact = _b_beats_a(*_shape(*counts[0]), *_shape(*counts[1]))
    assert computed[1] == pytest.approx(exact, abs=0.001)  # the issue asks for 0.01
    assert sum(computed) == pytest.approx(1.0)


def test_three_variant_p2bb_matches_the_exact_computation() -> None:
    counts = [(400, 20), (400, 30), (400, 25)]
    shapes = [_shape(*c) for c in counts]
    exact = [
        _c_beats_both(shapes[1], shapes[2], shapes[0]),
        _c_beats_both(shapes[0], shapes[2], shapes[1]),
        _c_beats_both(shapes[0], shapes[1], shapes[2]),
    ]
    assert probability_to_be_best(counts) == pytest.approx(exact, abs=0.001)
    assert exact == pytest.approx([0.0445, 0.7257, 0.2299], abs=0.0005)  # the known case, written out


def test_p2bb_is_deterministic_and_symmetric() -> None:
    counts = [(5000, 250), (5000, 250), (100, 1)]
    first = probability_to_be_best(counts)
    assert first == probability_to_be_best(counts)
    assert first[0] == pytest.approx(first[1])
    assert probability_to_be_best([(100, 3)] * 4) == pytest.approx([0.25] * 4)
    assert probability_to_be_best([(0, 0), (0, 0)]) == pytest.approx([0.5, 0.5])
    assert probability_to_be_best([(10, 1)]) == [1.0] and probability_to_be_best([]) == []


# ---- SRM ---------------------------------------------------------------------------------------


def test_chi_square_survival_matches_the_tables() -> None:
    assert chi_square_survival(3.841, 1) == pytest.approx(0.05, abs=1e-4)
    assert chi_square_survival(5.991, 2) == pytest.approx(0.05, abs=1e-4)
    assert chi_square_survival(16.266, 3) == pytest.approx(0.001, abs=1e-5)
    assert chi_square_survival(0.0, 2) == 1.0


def test_srm_flags_a_broken_split_and_passes_a_faithful_one() -> None:
    broken = sample_ratio_test([5412, 4588], [50, 50])
    assert broken is not None and broken.mismatch and broken.p_value < 1e-10
    faithful = sample_ratio_test([10480, 6270, 4195], [50, 30, 20])
    assert faithful is not None and not faithful.mismatch and faithful.degrees_of_freedom == 2
    assert faithful.expected == pytest.approx((10472.5, 6283.5, 4189.0))
    # Just past p = 0.001 with one degree of freedom (chi-square 10.83): 5,165 vs 4,835 is 10.89.
    edge = sample_ratio_test([5165, 4835], [50, 50])
    assert edge is not None and edge.mismatch
    assert not sample_ratio_test([5160, 4840], [50, 50]).mismatch  # type: ignore[union-attr]


def test_srm_is_not_tested_without_enough_impressions_or_shares() -> None:
    assert sample_ratio_test([3, 2], [50, 50]) is None
    zero_share = sample_ratio_test([100, 100], [100, 0])  # a variant with no share that got visitors: broken
    assert zero_share is not None and zero_share.mismatch
    assert sample_ratio_test([100], [100]) is None
