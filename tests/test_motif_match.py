"""TOMTOM naming of motifs (tutorial_utils.motif_match)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

from tutorial_utils.motif_match import benjamini_hochberg, best_matches, match_motifs
from tutorial_utils.motifs import get_motif, load_motifs


def test_benjamini_hochberg_agrees_with_scipy():
    p = np.random.default_rng(0).random(200) ** 3
    np.testing.assert_allclose(benjamini_hochberg(p), scipy.stats.false_discovery_control(p))


def test_a_piece_of_a_known_motif_is_named_by_it_on_either_strand():
    maf = get_motif("MAF_known1").probabilities
    forward = maf[2:12]
    reverse = forward[::-1, ::-1]
    matches = match_motifs({"forward": forward, "reverse": reverse}, collections=["encode"])
    for name, orientation in (("forward", "+"), ("reverse", "-")):
        best = matches[name].iloc[0]
        assert best.target == "MAF_known1", matches[name].head()
        assert best.orientation == orientation
        assert best.q_value < 1e-6 and best.p_value <= best.q_value
        assert best.collection == "ENCODE"
    assert matches["forward"].iloc[0].offset == 2  # the target column under the query's first
    assert matches["forward"].attrs["num_targets"] == len(load_motifs("encode"))


def test_q_values_rise_with_p_values_and_the_table_is_cut_after_them():
    matches = match_motifs([get_motif("CTCF_known1")], collections=["encode"], max_matches=25)
    table = matches["CTCF_known1"]
    assert len(table) == 25
    assert table.p_value.is_monotonic_increasing and table.q_value.is_monotonic_increasing
    assert (table.q_value >= table.p_value).all()
    strict = match_motifs(
        [get_motif("CTCF_known1")], collections=["encode"], max_matches=2000, max_q_value=0.05
    )["CTCF_known1"]
    assert (strict.q_value <= 0.05).all() and 0 < len(strict) < 2000


def test_a_discovery_table_is_trimmed_to_its_contributions():
    ppm = np.full((30, 4), 0.25)
    ppm[10:20] = get_motif("MAF_known1").probabilities[2:12]
    cwm = np.zeros((30, 4))
    cwm[10:20] = ppm[10:20] - 0.25
    table = pd.DataFrame(
        {"pattern": ["pos_0"], "sign": [1], "n_seqlets": [50], "ppm": [ppm], "cwm": [cwm]}
    )
    matches = match_motifs(table, collections=["encode"])
    best = matches["pos_0"].iloc[0]
    assert best.target == "MAF_known1" and best.overlap == 10
    shown = best_matches(matches, top=2)
    assert list(shown.columns[:2]) == ["query", "target"] and len(shown) == 2


def test_user_collections_are_labelled_user():
    maf = get_motif("MAF_known1")
    targets = {f"random_{i}": np.random.default_rng(i).dirichlet(np.ones(4), 8) for i in range(60)}
    targets["maf"] = maf.probabilities
    table = match_motifs([maf], collections=targets)["MAF_known1"]
    assert table.iloc[0].target == "maf" and table.iloc[0].collection == "user"
