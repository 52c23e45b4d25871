"""Non-response in the quick count: empty strata folded within their region, thin strata
collapsed within it, calibration (post-strata) for late reporters, and the early-vs-late table.

Hand-made frames whose answers can be worked out on paper; the simulation
checks (coverage per scenario) are in test_validate_scenarios.py and the
real-data check (Mexico 2006, late rural reporters) in test_calibrate_mexico.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from pollwatch.stats.figures import (
    QuickCountInputs,
    early_late,
    quick_count_figures,
    strata_from_sample,
)
from pollwatch.stats.quickcount import (
    StrataFrame,
    collapse_groups,
    fold_variance,
    post_stratify,
    prepare_design,
    quick_count,
)


def _frame():
    """Four strata in two regions; stratum B1 sends nothing.

    A1 and A2 (region A) vote 60/40 and 20/80; B1 and B2 (region B) vote like
    their region's other stratum would say: B2 70/30. Similarity (mean
    registered voters): A1 500, A2 900, B1 880, B2 1000.
    """
    stratum = np.array(["A1"] * 3 + ["A2"] * 3 + ["B1"] * 3 + ["B2"] * 3)
    region = np.array(["A"] * 6 + ["B"] * 6)
    x = np.array([60, 61, 59, 20, 21, 19, 0, 0, 0, 70, 71, 69], float)
    y = np.array([40, 39, 41, 80, 79, 81, 0, 0, 0, 30, 29, 31], float)
    reported = stratum != "B1"
    population = {"A1": 30, "A2": 30, "B1": 30, "B2": 30}
    similarity = {"A1": 500, "A2": 900, "B1": 880, "B2": 1000}
    return stratum, region, {"X": x, "Y": y}, reported, population, similarity


def test_an_empty_stratum_is_folded_into_the_most_similar_reporting_stratum_of_its_region():
    stratum, region, votes, reported, population, similarity = _frame()
    strata = StrataFrame(
        population, region=dict(A1="A", A2="A", B1="B", B2="B"), similarity=similarity
    )
    result = quick_count(stratum, votes, population=strata, reported=reported)
    # B1 (similarity 880) is closer to A2 (900) but A2 is in another region: it takes B2's result.
    assert result.strata["folded"] == [["B1", "B2"]]
    # X = (30·60 + 30·20 + 60·70) / 120 = 55 %
    assert result.shares["X"].estimate == pytest.approx((30 * 60 + 30 * 20 + 60 * 70) / 120 / 100)
    # B1 still counts as uncovered frame for the call
    assert result.strata["coverage"] == pytest.approx(0.75)
    assert any("B1 from B2" in w for w in result.warnings)


def test_without_regions_an_empty_stratum_is_left_out_as_before():
    stratum, _, votes, reported, population, _ = _frame()
    result = quick_count(stratum, votes, population=population, reported=reported)
    assert result.strata["folded"] == []
    # X = (60 + 20 + 70) / 3
    assert result.shares["X"].estimate == pytest.approx((60 + 20 + 70) / 300)
    assert any("left out" in w and "nationally" in w for w in result.warnings)


def test_folding_widens_the_interval_by_the_spread_of_strata_in_the_region():
    stratum, _, votes, reported, population, similarity = _frame()
    regions = dict(A1="A", A2="A", B1="B", B2="B")
    folded = quick_count(
        stratum,
        votes,
        population=StrataFrame(population, region=regions, similarity=similarity),
        reported=reported,
    )
    design, _ = prepare_design(
        stratum, StrataFrame(population, region=regions, similarity=similarity), reported
    )
    matrix = np.column_stack([votes["X"], votes["Y"]])[reported]
    valid = matrix.sum(axis=1)
    residual = matrix[:, :1] - folded.shares["X"].estimate * valid[:, None]
    extra = fold_variance(design, residual)
    assert extra[0] > 0
    # without the term the SE would be that of the sampling alone
    sampling_only = np.sqrt(folded.shares["X"].se ** 2 - extra[0] / (design.weight @ valid) ** 2)
    assert 0 < sampling_only < folded.shares["X"].se


def test_singletons_are_collapsed_within_their_region_in_order_of_similarity():
    reported = np.array([1, 1, 1, 1, 1, 1])
    census = np.zeros(6, bool)
    block = np.array([0, 0, 0, 1, 1, 1])
    key = np.array([10.0, 90.0, 11.0, 5.0, 6.0, 100.0])
    group, merged = collapse_groups(reported, census, block, key)
    # region 0 in key order: 0 (10), 2 (11), 1 (90) -> {0, 2} and 1 joins them (trailing)
    # region 1: 3 (5), 4 (6), 5 (100) -> {3, 4} and 5 joins them
    assert merged == [[0, 1, 2], [3, 4, 5]]
    assert len(set(group[:3])) == 1 and len(set(group[3:])) == 1 and group[0] != group[3]
    # label order without regions pairs across regions
    _, merged_plain = collapse_groups(reported, census)
    assert [2, 3] in merged_plain


def test_a_region_with_a_single_station_joins_a_neighbouring_region_for_its_variance():
    reported = np.array([1, 2, 1])
    census = np.zeros(3, bool)
    group, merged = collapse_groups(reported, census, np.array([0, 1, 1]), None)
    assert group[0] == group[1] or group[0] == group[2]
    assert all(g >= 0 for g in group)


def test_post_strata_put_late_rural_stations_back_in_their_frame_share():
    """Two strata, each half rural; rural stations vote X 30 %, urban X 70 %; most rural ones have not reported."""
    stratum = np.array(["S1"] * 8 + ["S2"] * 8)
    kind = np.array((["urban"] * 4 + ["rural"] * 4) * 2)
    x = np.where(kind == "urban", 70.0, 30.0)
    votes = {"X": x, "Y": 100.0 - x}
    reported = np.ones(16, bool)
    reported[[5, 6, 7, 13, 14]] = False  # rural late: one rural in S1, two in S2
    population = StrataFrame({"S1": 40, "S2": 40}, region={"S1": "R", "S2": "R"})
    cell_sizes = {
        ("S1", "urban"): 20,
        ("S1", "rural"): 20,
        ("S2", "urban"): 20,
        ("S2", "rural"): 20,
    }
    raw = quick_count(stratum, votes, population=population, reported=reported)
    labels, strata = post_stratify(stratum, kind, cell_sizes, population)
    calibrated = quick_count(labels, votes, population=strata, reported=reported)
    # the truth is 50 %; without post-strata the urban stations weigh too much
    assert raw.shares["X"].estimate > 0.55
    assert calibrated.shares["X"].estimate == pytest.approx(0.50)


def test_an_empty_rural_cell_borrows_the_rural_stations_of_a_similar_stratum_of_its_region():
    stratum = np.array(["S1"] * 4 + ["S2"] * 4)
    kind = np.array(["urban", "urban", "rural", "rural"] * 2)
    x = np.where(kind == "urban", 70.0, 30.0)
    reported = np.ones(8, bool)
    reported[[2, 3]] = False  # no rural report in S1
    population = StrataFrame({"S1": 40, "S2": 40}, region={"S1": "R", "S2": "R"})
    cell_sizes = {(h, c): 20 for h in ("S1", "S2") for c in ("urban", "rural")}
    labels, strata = post_stratify(stratum, kind, cell_sizes, population)
    result = quick_count(labels, {"X": x, "Y": 100 - x}, population=strata, reported=reported)
    assert result.strata["folded"] == [["S1 · rural", "S2 · rural"]]
    assert result.shares["X"].estimate == pytest.approx(0.50)


def test_the_figures_of_the_web_and_the_cli_take_the_same_path_and_keep_the_call_coverage():
    stratum, region, votes, reported, population, similarity = _frame()
    registered = np.array([similarity[h] for h in stratum])
    inputs = QuickCountInputs(
        stratum=stratum,
        votes=votes,
        population=strata_from_sample(population, stratum, region, registered),
        reported=reported,
        region=region,
        partial=np.zeros(len(stratum), bool),
        compare={"registered": registered},
    )
    figures = quick_count_figures(inputs)
    direct = quick_count(
        stratum, votes, population=inputs.population, reported=reported, by=region
    ).as_dict()
    assert figures["shares"] == direct["shares"]
    assert figures["threshold_call"]["coverage"] == pytest.approx(0.75)
    assert figures["early_late"]["groups"] == ["reported", "not yet"]
    assert figures["early_late"]["rows"][0]["second"] == pytest.approx(880)


def test_early_late_compares_categories_by_share_and_numbers_by_mean():
    reported = np.array([True, True, True, False])
    table = early_late(
        {"size": np.array([1.0, 2.0, 3.0, 10.0]), "kind": np.array(["a", "a", "b", "b"])},
        reported,
    )
    rows = {(r["variable"], r["category"]): r for r in table["rows"]}
    assert rows[("size", None)]["first"] == pytest.approx(2.0)
    assert rows[("size", None)]["second"] == pytest.approx(10.0)
    assert rows[("kind", "b")]["first"] == pytest.approx(1 / 3)
    assert rows[("kind", "b")]["second"] == pytest.approx(1.0)
    # everything in: first half against second half of arrivals
    halves = early_late(
        {"size": np.array([1.0, 2.0, 3.0, 4.0])}, np.ones(4, bool), np.array([4, 3, 2, 1])
    )
    assert halves["groups"] == ["first half", "second half"]
    assert halves["rows"][0]["first"] == pytest.approx(3.5)
    assert early_late({}, reported) is None


def test_a_stratum_without_a_single_region_is_never_folded_across_regions_and_said_so():
    """Strata M1 and M2 straddle regions (no region given): empty M1 must not borrow M2."""
    stratum = np.array(["A1"] * 3 + ["M1"] * 3 + ["M2"] * 3)
    x = np.array([60, 61, 59, 0, 0, 0, 20, 21, 19], float)
    votes = {"X": x, "Y": 100 - x}
    reported = stratum != "M1"
    strata = StrataFrame({"A1": 30, "M1": 30, "M2": 30}, region={"A1": "A"})
    result = quick_count(stratum, votes, population=strata, reported=reported)
    assert result.strata["folded"] == []
    assert any("no single region" in w and "M2" in w for w in result.warnings)
    assert any("left out" in w and "M1" in w for w in result.warnings)


def test_without_regions_an_empty_cell_borrows_another_cell_of_its_own_stratum():
    stratum = np.array(["S1"] * 4 + ["S2"] * 4)
    kind = np.array(["urban", "urban", "rural", "rural"] * 2)
    x = np.where(kind == "urban", 70.0, 30.0)
    reported = np.ones(8, bool)
    reported[[2, 3]] = False
    cell_sizes = {(h, c): 20 for h in ("S1", "S2") for c in ("urban", "rural")}
    labels, strata = post_stratify(stratum, kind, cell_sizes, StrataFrame({"S1": 40, "S2": 40}))
    result = quick_count(labels, {"X": x, "Y": 100 - x}, population=strata, reported=reported)
    assert result.strata["folded"] == [["S1 · rural", "S1 · urban"]]
    # S1 all urban-like (70), S2 50: (70 + 50) / 2
    assert result.shares["X"].estimate == pytest.approx(0.60)


def test_strata_folded_into_one_receiver_add_their_errors_together():
    """C and E both fold into A: Var = N²τ² + N²τ² + (2N)²τ² = 6N²τ², not 2·2N²τ²."""
    stratum = np.array(["A"] * 3 + ["B"] * 3 + ["C"] * 3 + ["D"] * 3 + ["E"] * 3)
    x = np.array([60, 62, 58, 40, 42, 38, 0, 0, 0, 50, 53, 47, 0, 0, 0], float)
    reported = ~np.isin(stratum, ["C", "E"])
    region = dict.fromkeys("ABCDE", "R")
    similarity = {"A": 10.0, "B": 30.0, "C": 11.0, "D": 20.0, "E": 12.0}
    strata = StrataFrame(dict.fromkeys("ABCDE", 10), region=region, similarity=similarity)
    design, _ = prepare_design(stratum, strata, reported)
    assert design.folded == [("C", "A"), ("E", "A")]
    matrix = np.column_stack([x, 100 - x])[reported]
    valid = matrix.sum(axis=1)
    ratio = (design.weight @ matrix[:, 0]) / (design.weight @ valid)
    residual = matrix[:, :1] - ratio * valid[:, None]
    # τ² by hand: mean residual per reporting stratum, spread less sampling noise
    means = [residual[design.codes == h, 0].mean() for h in (0, 1, 3)]
    noise = [residual[design.codes == h, 0].var(ddof=1) / 3 for h in (0, 1, 3)]
    tau2 = max(np.var(means, ddof=1) - np.mean(noise), 0.0)
    assert tau2 > 0
    assert fold_variance(design, residual)[0] == pytest.approx(6 * 10**2 * tau2)


def test_cell_sizes_from_design_weights_are_not_rounded_into_a_false_census():
    """Stratum of 7 with 6 sampled (weight 7/6): a cell of 2 weighs 2.33, not 2 = n (no variance)."""
    stratum = np.array(["S"] * 6)
    kind = np.array(["a", "a", "b", "b", "b", "b"])
    weight = np.full(6, 7 / 6)
    sizes = {("S", "a"): 2 * 7 / 6, ("S", "b"): 4 * 7 / 6}
    labels, strata = post_stratify(stratum, kind, sizes, StrataFrame({"S": 7}))
    design, _ = prepare_design(labels, strata, weight=weight)
    assert design.fpc_root[0] > 0  # cell a carries its within-cell variance


def test_the_cells_of_a_pps_stratum_keep_the_with_replacement_variance():
    stratum = np.array(["S"] * 4)
    kind = np.array(["a", "a", "b", "b"])
    weight = np.array([3.0, 3.0, 5.0, 7.0])  # unequal within S; equal within cell a
    sizes = {("S", "a"): 6.0, ("S", "b"): 12.0}
    labels, strata = post_stratify(stratum, kind, sizes, StrataFrame({"S": 18}))
    design, _ = prepare_design(labels, strata, weight=weight)
    assert design.with_replacement.all()
    assert (design.fpc_root == 1.0).all()
