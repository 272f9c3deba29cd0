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


def test_cooperative_binding_only_a_unit_seeing_both_sites_tells_the_spacings_apart():
    """What the drawing's captions say, over seeds: each filter's maximum is the same whether
    the sites are 3 or 30 bp apart; a unit that needs both at 2-5 bp fires only for 3 bp; the
    gaps measured from the filters' best offsets are the planted ones."""
    from tutorial_utils.schematics import cooperative_binding_example

    for seed in range(10):
        example = cooperative_binding_example(spacing=3, far_spacing=30, seed=seed)
        together, apart = example["together"], example["apart"]
        assert together["gap"] == 3 and apart["gap"] == 30
        assert np.allclose(together["filter_max"], apart["filter_max"])
        assert together["pair"] > 0.4 * together["filter_max"].min() and apart["pair"] == 0
    # the control: a far spacing inside the window would be a composite too, and is refused
    import pytest

    with pytest.raises(ValueError, match="far_spacing must lie outside"):
        cooperative_binding_example(spacing=3, far_spacing=4)
    with pytest.raises(ValueError, match="spacing"):
        cooperative_binding_example(spacing=9)


def test_the_cooperative_binding_schematic_draws_three_panels():
    from tutorial_utils.schematics import plot_cooperative_binding_schematic

    figure = plot_cooperative_binding_schematic(seed=2)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert [t[:2] for t in titles] == ["1.", "2.", "3."]
    assert "inside" in titles[0] and "outside" in titles[1]
