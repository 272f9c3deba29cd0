"""The board drawings: computed from real numbers, and showing what the captions say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np

from tutorial_utils.motifs import get_motif
from tutorial_utils.schematics import convolution_example, plot_convolution_schematic


def test_the_filter_scores_highest_at_the_planted_site_and_pooling_keeps_it():
    example = convolution_example("SPI1_known4", length=49, pool_width=12, seed=3)
    pssm = get_motif("SPI1_known4").log_odds()
    site = example["site"]
    assert example["sequence"][site : site + 14] == "".join("ACGT"[i] for i in pssm.argmax(1))
    assert np.argmax(example["scores"]) == site
    assert np.isclose(example["scores"][site], np.max(pssm, axis=1).sum())  # the best possible
    assert example["one_hot"].sum(axis=1).tolist() == [1] * 49
    assert example["pooled"].max() == example["relu"].max() > 0
    assert len(example["pooled"]) == (49 - 14 + 1) // 12


def test_the_schematic_draws_four_panels():
    figure = plot_convolution_schematic(seed=1)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert [t[:2] for t in titles] == ["1.", "2.", "3.", "4."]
    assert "PSSM" in titles[1] and "max pooling" in titles[3]
