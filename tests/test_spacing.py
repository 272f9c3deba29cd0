"""Causal spacing curves: planted pairs, and curves that follow the model, not the labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from tutorial_utils.datasets import get_simulation_data
from tutorial_utils.metrics import ClassificationResult
from tutorial_utils.models import SequenceDNN
from tutorial_utils.motifs import get_motif
from tutorial_utils.spacing import (
    plant_pair,
    plot_spacing_curves,
    spacing_curve,
    spacing_summary,
    strand_only_scores,
)

SPI1, IRF = "SPI1_known4", "IRF_known20"


def _consensus(name):
    matrix = get_motif(name).probabilities
    return np.eye(4, dtype=np.float32)[matrix.argmax(axis=1)]


def _decode(x):
    return "".join("ACGT"[i] for i in x.argmax(axis=1))


def _composite_detector(seq_length, spacing):
    """A SequenceDNN whose one filter is the SPI1-gap-IRF composite at ``spacing`` bp (+1 for
    each consensus base, nothing in the gap), global max pooling: it prefers that spacing."""
    first, second = _consensus(SPI1), _consensus(IRF)
    width = len(first) + spacing + len(second)
    dnn = SequenceDNN(seq_length, num_filters=1, conv_width=width, pool_width="global", verbose=0)
    kernel = np.zeros((width, 4, 1), dtype=np.float32)
    kernel[: len(first), :, 0] = first
    kernel[len(first) + spacing :, :, 0] = second
    conv, dense = dnn.model.get_layer("conv_1"), dnn.model.get_layer("logits")
    conv.set_weights([kernel, np.zeros(1, np.float32)])
    dense.set_weights([np.ones((1, 1), np.float32), np.zeros(1, np.float32)])
    dnn.trained = True
    return dnn


def test_plant_pair_places_the_consensus_on_either_strand():
    backgrounds = np.eye(4, dtype=np.float32)[np.zeros((2, 60), int)]  # all A
    first, second = _consensus(SPI1), _consensus(IRF)
    plus = plant_pair(backgrounds, first, second, 4, "+")
    text = _decode(plus[0])
    assert _decode(first) + "AAAA" + _decode(second) in text
    minus = plant_pair(backgrounds, first, second, 4, "-")

    def reverse_complement(text):
        return text.translate(str.maketrans("ACGT", "TGCA"))[::-1]

    # the composite on the - strand: the gap keeps the background's bases
    expected = reverse_complement(_decode(second)) + "AAAA" + reverse_complement(_decode(first))
    assert expected in _decode(minus[0])
    assert _decode(backgrounds[0]) == "A" * 60
    # in place: the order and the gap kept, one motif or both on the - strand
    for code, (one, two) in {"+-": (first, second[::-1, ::-1]), "-+": (first[::-1, ::-1], second),
                             "--": (first[::-1, ::-1], second[::-1, ::-1])}.items():  # fmt: skip
        assert _decode(one) + "AAAA" + _decode(two) in _decode(
            plant_pair(backgrounds, first, second, 4, code)[0]
        ), code
    with pytest.raises(ValueError, match="orientation must be one of"):
        plant_pair(backgrounds, first, second, 4, "up")
    with pytest.raises(ValueError, match="more than the sequences' 60"):
        plant_pair(backgrounds, first, second, 40)


def test_a_spacing_blind_model_gives_a_flat_curve():
    # width-1 filters and global max pooling see only which bases occur, and every 200-bp
    # background holds all four: no spacing (or strand) can change the output
    dnn = SequenceDNN(200, num_filters=4, conv_width=1, pool_width="global", verbose=0, seed=1)
    dnn.trained = True
    curve = spacing_curve(dnn, SPI1, IRF, spacings=range(0, 31, 5), num_backgrounds=20)
    assert list(curve.columns) == ["orientation", "spacing", "mean_logit", "sem"]
    assert len(curve) == 2 * 7
    assert np.ptp(curve.mean_logit) < 1e-4


def test_a_model_that_prefers_a_spacing_peaks_there_on_its_strand():
    dnn = _composite_detector(200, spacing=3)
    curve = spacing_curve(dnn, SPI1, IRF, spacings=range(0, 21), num_backgrounds=30, seed=2)
    plus = curve[curve.orientation == "+"].set_index("spacing").mean_logit
    minus = curve[curve.orientation == "-"].set_index("spacing").mean_logit
    assert plus.idxmax() == 3
    assert plus[3] == pytest.approx(28.0)  # all 28 consensus bases matched
    assert plus[3] > plus.drop(3).max() + 5
    assert minus.max() < plus[3] - 5  # the filter reads the + strand only
    assert curve.attrs["motifs"] == (SPI1, IRF)
    assert curve.attrs["background_logit"] < plus[3]
    figure = plot_spacing_curves({"composite detector": curve})
    assert figure.axes[0].get_title() == "composite detector"
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert "no motifs" in labels and "positives' spacing" in labels


def _two_strand_detector(seq_length, spacing):
    """The composite detector with a second filter reading the composite's reverse complement:
    it accepts the pair on either strand."""
    one = _composite_detector(seq_length, spacing)
    kernel = one.model.get_layer("conv_1").get_weights()[0][:, :, 0]
    width = len(kernel)
    dnn = SequenceDNN(seq_length, num_filters=2, conv_width=width, pool_width="global", verbose=0)
    both = np.stack([kernel, kernel[::-1, ::-1]], axis=-1)  # ACGT reversed = complement
    dnn.model.get_layer("conv_1").set_weights([both, np.zeros(2, np.float32)])
    dnn.model.get_layer("logits").set_weights(
        [np.ones((2, 1), np.float32), np.zeros(1, np.float32)]
    )
    dnn.trained = True
    return dnn


def _strand_blind_detector(seq_length, spacing):
    """Four filters, the composite with each motif on either strand in place (motif1 always
    5'), global pooling, summed: the independent-strand grammar's positives, all accepted."""
    first, second = _consensus(SPI1), _consensus(IRF)
    width = len(first) + spacing + len(second)
    kernels = []
    for a in (first, first[::-1, ::-1]):
        for b in (second, second[::-1, ::-1]):
            kernel = np.zeros((width, 4), dtype=np.float32)
            kernel[: len(a)], kernel[len(a) + spacing :] = a, b
            kernels.append(kernel)
    dnn = SequenceDNN(seq_length, num_filters=4, conv_width=width, pool_width="global", verbose=0)
    dnn.model.get_layer("conv_1").set_weights([np.stack(kernels, -1), np.zeros(4, np.float32)])
    dnn.model.get_layer("logits").set_weights(
        [np.ones((4, 1), np.float32), np.zeros(1, np.float32)]
    )
    dnn.trained = True
    return dnn


def test_spacing_summary_tells_a_strand_bound_model_from_a_strand_free_one():
    """The four numbers the notebooks print: both detectors peak at their spacing and gain over
    far-apart pairs; only the one-strand detector scores the - strand pair lower."""
    one = spacing_summary(
        spacing_curve(_composite_detector(200, 3), SPI1, IRF, range(0, 61), num_backgrounds=30)
    )
    both = spacing_summary(
        spacing_curve(_two_strand_detector(200, 3), SPI1, IRF, range(0, 61), num_backgrounds=30)
    )
    assert one["peak"] == both["peak"] == 3
    assert one["gain"] > 2 and both["gain"] > 2  # 28 at 3 bp, partial matches at 2, 4 and 5
    assert one["strand_gap"] < -5 and abs(both["strand_gap"]) < 1
    assert set(one) == {"peak", "gain", "strand_gap", "background", "flip_gap"}
    assert one["flip_gap"] is None  # no in-place flips planted
    # in-place flips: the one-strand detector loses its composite, a strand-blind one does not
    flips = ("+", "-", "+-", "-+", "--")
    one = spacing_summary(
        spacing_curve(_composite_detector(200, 3), SPI1, IRF, range(0, 61), flips, 30)
    )
    blind = spacing_summary(
        spacing_curve(_strand_blind_detector(200, 3), SPI1, IRF, range(0, 61), flips, 30)
    )
    assert one["flip_gap"] < -5 and abs(blind["flip_gap"]) < 1
    only_plus = spacing_curve(
        _composite_detector(200, 3), SPI1, IRF, range(0, 61), orientations=["+"], num_backgrounds=5
    )
    with pytest.raises(ValueError, match="curve must hold the - strand"):
        spacing_summary(only_plus)
    with pytest.raises(ValueError, match="far_from"):
        spacing_summary(only_plus, far_from=3)


def test_spacing_curve_checks_its_arguments():
    dnn = _composite_detector(60, spacing=3)
    with pytest.raises(ValueError, match="seq_length 60"):
        spacing_curve(dnn, SPI1, IRF, spacings=range(0, 61))
    with pytest.raises(ValueError, match="orientations"):
        spacing_curve(dnn, SPI1, IRF, spacings=[1], orientations=["up"])
    with pytest.raises(TypeError, match="dnn must be a SequenceDNN"):
        spacing_curve(object(), SPI1, IRF)
    with pytest.raises(ValueError, match="num_backgrounds"):
        spacing_curve(dnn, SPI1, IRF, spacings=[1], num_backgrounds=1)


@pytest.mark.parametrize("orientation, expected", [("forward", 0.875), ("independent", 0.5)])
def test_strand_alone_scores_0875_on_the_forward_data(orientation, expected):
    params = dict(
        motif1=SPI1, motif2=IRF, seq_length=100, min_spacing=2, max_spacing=5,
        num_pos=2000, num_neg=2000, GC_fraction=0.4, pair_orientation=orientation,
    )  # fmt: skip
    data = get_simulation_data("simulate_heterodimer_grammar", params, 2000, 100, seed=3)
    scores = strand_only_scores(data.test_embeddings, data.motif_names)
    auroc = ClassificationResult(data.y_test, scores[:, None])["auROC"][0]
    assert auroc == pytest.approx(expected, abs=0.03)
