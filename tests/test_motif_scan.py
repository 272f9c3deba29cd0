"""Motif scanning and matching: zero probabilities and backgrounds handled the same everywhere."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorial_utils import (
    Motif,
    get_motif,
    get_motif_scores,
    match_filters_to_motifs,
    one_hot_encode,
)
from tutorial_utils.motifs import smooth


def test_hard_motif_scans_finite_without_warnings():
    motif = Motif("AC", [[1, 0, 0, 0], [0, 1, 0, 0]])
    X = one_hot_encode(["GGACGG"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was all NaN with RuntimeWarnings
        scores = get_motif_scores(X, [motif])
    assert np.all(np.isfinite(scores))
    best = np.log(0.99925 / 0.3) + np.log(0.99925 / 0.2)  # A and C at background GC 0.4
    np.testing.assert_allclose(scores[0, 0].max(), best, rtol=1e-6)
    assert scores[0, 0].argmax() == 2


def test_hard_motif_is_matched_not_reported_as_zero():
    hard = Motif("AC", [[1, 0, 0, 0], [0, 1, 0, 0]])
    filters = np.zeros((1, 4, 4))
    filters[0, 1, 0] = filters[0, 2, 1] = 1.0  # an A then a C, in the filter's middle
    table = match_filters_to_motifs(filters, [get_motif("SPI1_known4"), hard], min_overlap=2)
    assert table.motif[0] == "AC" and table.similarity[0] > 0.9  # was 0.0
    assert table.offset[0] == 1 and table.strand[0] == "+"


@pytest.mark.parametrize(
    ("background", "message"),
    [
        ((1, 0, 0, 0), "a zero gives infinite log-odds"),  # was similarity 0.0 for every filter
        ("gc", r"one of \['uniform'\]; got 'gc'"),  # was a numpy conversion error
        ((0.3, 0.3, 0.3, 0.3), "sums to 1.2"),
        ((0.5, 0.5), r"shape \(2,\)"),
        ((np.nan, 0.3, 0.3, 0.4), "positive probabilities"),
    ],
)
def test_match_filters_background_is_validated(background, message):
    filters = np.random.default_rng(0).normal(size=(2, 8, 4))
    with pytest.raises(ValueError, match=message) as info:
        match_filters_to_motifs(filters, ["SPI1_known4"], background=background)
    assert "background must be 4 positive probabilities (A, C, G, T) summing to 1" in str(
        info.value
    )


def test_named_and_explicit_backgrounds_agree():
    filters = np.random.default_rng(1).normal(size=(3, 10, 4))
    named = match_filters_to_motifs(filters, ["SPI1_known4", "IRF_known20"], background="uniform")
    given_ = match_filters_to_motifs(filters, ["SPI1_known4", "IRF_known20"], background=[0.25] * 4)
    assert named.equals(given_)
    with pytest.raises(ValueError, match="background"):
        get_motif("SPI1_known4").log_odds((1, 0, 0, 0))


hard_rows = st.lists(st.integers(0, 3), min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(hard_rows)
def test_a_motif_with_zeros_is_the_same_motif_however_it_is_given(bases):
    hard = np.eye(4)[bases]
    motif = Motif("m", hard)
    np.testing.assert_array_equal(motif.probabilities, smooth(hard))
    assert np.all(motif.probabilities > 0)
    X = one_hot_encode(["ACGT" * 5])
    by_motif = get_motif_scores(X, [motif])
    by_array = get_motif_scores(X, [hard])
    np.testing.assert_array_equal(by_motif, by_array)
    assert np.all(np.isfinite(by_motif))
    assert np.isfinite(
        match_filters_to_motifs(np.log(motif.probabilities)[None], {"m": hard}).similarity[0]
    )
