"""Interpretation figures: they build on a small simulation and show the expected panels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from tutorial_utils.motif_scan import match_filters_to_motifs


@pytest.fixture(scope="module")
def heterodimer():
    """A small heterodimer simulation and an (untrained: the views only need weights) SequenceDNN."""
    from tutorial_utils.datasets import get_simulation_data
    from tutorial_utils.models import SequenceDNN

    params = dict(
        motif1="SPI1_known4",
        motif2="IRF_known20",
        seq_length=120,
        min_spacing=2,
        max_spacing=5,
        num_pos=100,
        num_neg=100,
        GC_fraction=0.4,
    )
    data = get_simulation_data(
        "simulate_heterodimer_grammar", params, test_set_size=60, validation_set_size=60, seed=0
    )
    dnn = SequenceDNN(120, num_filters=3, conv_width=11, pool_width=10, verbose=0, seed=0)
    return dnn, data


def test_filter_centric_view(heterodimer):
    from tutorial_utils.interpret_views import interpret_SequenceDNN_filter_centric

    dnn, data = heterodimer
    motifs_figure, filters_figure = interpret_SequenceDNN_filter_centric(dnn, data)
    assert len(motifs_figure.axes) == 2  # one logo per simulated motif
    titled = [ax.get_title() for ax in filters_figure.axes if ax.get_title()]
    assert len(titled) == 3  # one logo per filter, on a 2 x 2 grid
    assert len(filters_figure.axes) == 4
    assert all(("SPI1_known4" in t or "IRF_known20" in t) and "r=" in t for t in titled)
    from tutorial_utils.interpret_views import FILTER_TITLE_SIZE

    sizes = {ax.title.get_fontsize() for ax in filters_figure.axes if ax.get_title()}
    assert sizes == {FILTER_TITLE_SIZE} and FILTER_TITLE_SIZE >= 10  # readable, not 8 pt


def test_sequence_centric_view_shades_true_sites(heterodimer):
    from tutorial_utils.interpret_views import interpret_SequenceDNN_sequence_centric

    dnn, data = heterodimer
    figure = interpret_SequenceDNN_sequence_centric(dnn, data)
    panels = [ax for ax in figure.axes if ax.get_title()]
    titles = [ax.get_title() for ax in panels]
    assert titles == [
        "conv_1: convolution output (before ReLU)",
        "relu_1: after ReLU",
        "pool: after max pooling",
    ]
    index = int(np.flatnonzero(data.y_test[:, 0])[0])
    for ax in panels:
        assert len(ax.images) == 1
        assert len(ax.patches) == len(data.test_embeddings[index]) == 2  # both motif sites
        figure.canvas.draw()
        rows = ax.images[0].get_array().shape[0]
        visible = [v for v in ax.get_yticks() if -0.5 <= v <= rows - 0.5]
        assert visible and all(float(v).is_integer() for v in visible), visible  # whole filters


def test_integrative_view(heterodimer):
    from tutorial_utils.interpret_views import interpret_SequenceDNN_integrative

    dnn, data = heterodimer
    figure = interpret_SequenceDNN_integrative(dnn, data, num_refs=2)
    axes = np.array(figure.axes).reshape(3, 2)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == [
        "Motif scores",
        "ISM (-mean Δlogit)",
        "DeepLIFT",
    ]
    assert axes[0, 0].get_title().startswith("Positive") and axes[0, 1].get_title().startswith(
        "Negative"
    )
    assert len(axes[0, 0].lines) == 2  # one motif-score line per motif
    # the tutorial's caption: the first positive and the first negative test sequence, the true
    # motif sites shaded in every panel
    labels = data.y_test[:, 0].astype(bool)
    shown = [int(np.flatnonzero(labels)[0]), int(np.flatnonzero(~labels)[0])]
    assert axes[0, 0].get_title() == f"Positive (test sequence {shown[0]})"
    assert axes[0, 1].get_title() == f"Negative (test sequence {shown[1]})"
    for column, index in enumerate(shown):
        for ax in axes[:, column]:
            assert len(ax.patches) == len(data.test_embeddings[index]) == 2
    assert all(len(ax.lines) == 1 for ax in axes[1:].ravel())


def test_grammar_view(heterodimer):
    from tutorial_utils.interpret_views import plot_deeplift_grammar

    dnn, data = heterodimer
    figure = plot_deeplift_grammar(dnn, data, max_examples=30, num_refs=2)
    assert [ax.get_title() for ax in figure.axes] == ["SPI1_known4", "IRF_known20"]
    table = figure.grammar_table
    assert len(table) == 30 and set(table.columns) >= {"spacing", "SPI1_known4", "IRF_known20"}
    assert table[table.label].spacing.between(2, 5).all()  # positives keep the grammar spacing


def test_bad_input(heterodimer):
    from tutorial_utils.interpret_views import interpret_SequenceDNN_sequence_centric

    dnn, data = heterodimer
    with pytest.raises(ValueError, match=r"index must be in \[0, 59\]"):
        interpret_SequenceDNN_sequence_centric(dnn, data, index=60)


def test_filters_match_their_own_motif():
    from tutorial_utils.motifs import get_motif

    spi1, irf = get_motif("SPI1_known4"), get_motif("IRF_known20")
    rng = np.random.default_rng(0)
    width = max(len(spi1), len(irf)) + 3

    def placed(matrix, offset):
        return np.pad(matrix, ((offset, width - offset - len(matrix)), (0, 0)))

    filters = np.stack(
        [
            placed(irf.log_odds(), 2),  # IRF starting at column 2 of a wider filter
            placed(spi1.reverse_complement().log_odds(), 0),  # SPI1 on the other strand
            rng.normal(size=(width, 4)),
        ]
    )
    table = match_filters_to_motifs(filters, [spi1, irf])
    assert list(table.motif[:2]) == ["IRF_known20", "SPI1_known4"]
    assert table.offset[0] == 2 and table.strand[0] == "+" and table.strand[1] == "-"
    assert table.similarity[0] > 0.99 and table.similarity[1] > 0.99
    assert table.similarity[2] < 0.9


def test_narrow_filter_finds_its_motif_in_the_whole_library():
    from tutorial_utils.motifs import get_motif, load_motifs

    library = load_motifs("encode")
    irf = get_motif("IRF_known20")
    # an 8-column filter cut from the middle of IRF's reverse complement: the motif then
    # starts before the filter, at a negative offset
    window = irf.reverse_complement().log_odds()[4:12]
    table = match_filters_to_motifs(window, library)
    assert table.motif[0] == "IRF_known20"
    assert table.strand[0] == "-" and table.offset[0] == -4
    assert table.similarity[0] > 0.999


def test_2016_names_draw_the_same_views(heterodimer, capsys):
    import tutorial_utils as tu

    dnn, data = heterodimer
    two = tu.interpret_SequenceDNN_distributed(dnn, data)
    assert len(two) == 2 and len(two[0].axes) == 2  # the motifs, then the filters
    three = tu.interpret_SequenceDNN_distributed(dnn, data, plot_layer_outputs=True)
    assert len(three) == 3
    assert "Plotting outputs of convolutional and max pooling layer" in capsys.readouterr().out
    assert len(tu.interpret_SequenceDNN_filters(dnn, data)) == 2
    assert len(tu.plot_SequenceDNN_layer_outputs(dnn, data).axes) >= 3
    with pytest.raises(TypeError, match="plot_layer_outputs"):
        tu.interpret_SequenceDNN_distributed(dnn, data, plot_layer_outputs="yes")
