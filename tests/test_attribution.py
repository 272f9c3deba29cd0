"""DeepLIFT and gradient x input: completeness on every backend, planted sites, bad input."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from test_ism import planted_motif_model, random_dna, sequence_dnn

from tutorial_utils.attribution import deeplift, gradient_times_input
from tutorial_utils.ism import forward, model_steps


def logits(model, X):
    return keras.ops.convert_to_numpy(forward(model_steps(model), X))


def assert_complete(model, X, contributions, references, task):
    """sum(contributions) == logit(x) - mean_r logit(ref_r), within float32 tolerance."""
    n, r = references.shape[:2]
    ref_logits = logits(model, references.reshape(n * r, *X.shape[1:]))[:, task].reshape(n, r)
    expected = logits(model, X)[:, task] - ref_logits.mean(axis=1)
    assert np.abs(expected).max() > 1e-3  # the check is not trivially 0 == 0
    np.testing.assert_allclose(contributions.sum(axis=(1, 2)), expected, atol=2e-5, rtol=1e-4)


@pytest.mark.backend
@pytest.mark.parametrize(
    "kwargs, task",
    [
        (dict(filters=(5,), width=9, pool=8), 0),
        (dict(filters=(4, 4, 4), width=5, pool=7), 0),
        (dict(filters=(4, 4), width=5, pool=6, tasks=3), 2),
    ],
    ids=["shallow", "deep", "multitask"],
)
def test_completeness_with_shuffled_references(kwargs, task):
    from tutorial_utils.simulations import dinucleotide_shuffle

    model = sequence_dnn(length=60, seed=2, **kwargs)
    X = random_dna(3, 60, seed=4)
    contributions = deeplift(model, X, num_refs=4, seed=7, task=task)
    rng = np.random.default_rng(7)  # the same shuffles deeplift drew
    references = np.stack([dinucleotide_shuffle(x, num_shuffles=4, seed=rng) for x in X])
    assert_complete(model, X, contributions, references, task)
    assert np.all(contributions[~X.astype(bool)] == 0)  # only observed bases carry scores


@pytest.mark.backend
@pytest.mark.parametrize("reference", ["zeros", "gc", "array"])
def test_completeness_with_fixed_references(reference):
    model = sequence_dnn(length=50, filters=(4, 4), width=5, pool=5, seed=3)
    X = random_dna(2, 50, seed=5)
    if reference == "array":
        refs = random_dna(2 * 3, 50, seed=9).reshape(2, 3, 50, 4)
        contributions = deeplift(model, X, reference=refs)
    else:
        contributions = deeplift(model, X, reference=reference)
        base = np.zeros(4) if reference == "zeros" else np.array([0.3, 0.2, 0.2, 0.3])
        refs = np.broadcast_to(base, (2, 1, 50, 4)).astype(np.float32)
    assert_complete(model, X, contributions, refs, 0)


def test_hypothetical_contributions_project_to_contributions():
    model = sequence_dnn(length=40, filters=(3, 3), width=5, pool=4)
    X = random_dna(2, 40, seed=1)
    hyp = deeplift(model, X, num_refs=3, hypothetical=True)
    actual = deeplift(model, X, num_refs=3)
    np.testing.assert_allclose(hyp * X, actual, atol=1e-7)
    assert np.count_nonzero(hyp[~X.astype(bool)]) > 0  # unobserved bases are filled in


def test_linear_model_deeplift_with_zero_reference_is_gradient_times_input():
    inputs = keras.Input((30, 4))
    h = keras.layers.Flatten()(keras.layers.Conv1D(3, 4)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2)(h))
    X = random_dna(2, 30, seed=2)
    dl = deeplift(model, X, reference="zeros", task=1)
    gxi = gradient_times_input(model, X, task=1)
    np.testing.assert_allclose(dl, gxi, atol=1e-5)
    bias_free = logits(model, X)[:, 1] - logits(model, np.zeros_like(X[:1]))[0, 1]
    np.testing.assert_allclose(gxi.sum(axis=(1, 2)), bias_free, atol=1e-4)


@pytest.mark.parametrize("method", ["deeplift", "gradient_times_input"])
def test_attribution_peaks_at_the_planted_motif(method):
    from tutorial_utils.motifs import get_motif

    motif = get_motif("IRF_known20")
    X = random_dna(1, 150, seed=8)
    X[0, 40 : 40 + len(motif)] = np.eye(4)[motif.probabilities.argmax(axis=1)]
    model = planted_motif_model(motif.log_odds(), 150)
    if method == "deeplift":
        scores = deeplift(model, X, num_refs=5)
    else:
        scores = gradient_times_input(model, X)
    per_position = scores[0].sum(axis=1)
    assert 40 <= per_position.argmax() < 40 + len(motif)
    inside = per_position[40 : 40 + len(motif)].sum()
    assert inside > 0.9 * per_position.sum()  # the contributions sit on the site


def test_bad_input_is_named():
    model = sequence_dnn(length=30, filters=(2,), width=3, pool=5, tasks=2)
    X = random_dna(2, 30)
    with pytest.raises(ValueError, match=r"task must be in \[0, 1\], got 5"):
        deeplift(model, X, task=5)
    with pytest.raises(ValueError, match=r"reference array must have shape .* got \(2, 29, 4\)"):
        deeplift(model, X, reference=np.zeros((2, 29, 4)))
    with pytest.raises(ValueError, match="reference must be one of"):
        deeplift(model, X, reference="uniform")
    with pytest.raises(ValueError, match="num_refs must be >= 1"):
        deeplift(model, X, num_refs=0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 30, 4\)"):
        gradient_times_input(model, X[0])
    inputs = keras.Input((30, 4))
    h = keras.layers.LSTM(2, name="lstm")(inputs)
    with pytest.raises(TypeError, match="unsupported layer 'lstm' of type LSTM"):
        deeplift(keras.Model(inputs, keras.layers.Dense(1)(h)), X)


def test_gradient_times_input_is_blind_where_the_relu_is_off_or_the_pool_picks_another_copy():
    """explore.ipynb: gradient x input "is a local, first-order view: where ReLUs are off or max
    pooling passes on another position the gradient is 0, so it can miss what ISM (a real change)
    or DeepLIFT (a difference from reference sequences) see". One filter, the motif's log-odds,
    ReLU above a threshold that the consensus clears and the consensus with its most important
    base changed does not; global max pooling. And extras.ipynb's "max pooling passes on only
    the strongest match in a window, and gradients and DeepLIFT's multipliers follow it"."""
    from tutorial_utils.ism import in_silico_mutagenesis
    from tutorial_utils.motifs import get_motif

    log_odds = get_motif("IRF_known20").log_odds()
    consensus = np.eye(4, dtype=np.float32)[log_odds.argmax(axis=1)]
    drops = log_odds.max(axis=1) - log_odds.min(axis=1)  # the score a base's worst change costs
    key, minor = int(drops.argmax()), int(np.argmin(np.where(drops > 0, drops, np.inf)))
    assert drops[minor] < drops[key] / 2
    score = log_odds.max(axis=1).sum()
    model = planted_motif_model(log_odds, 80, threshold=score - drops[key] / 2)
    width = len(log_odds)

    # the ReLU off: the consensus at 20 with its key base at its worst
    on = random_dna(1, 80, seed=11)
    on[0, 20 : 20 + width] = consensus
    off = on.copy()
    off[0, 20 + key] = np.eye(4)[log_odds[key].argmin()]
    assert np.all(gradient_times_input(model, off) == 0)  # the gradient sees nothing at all
    assert np.abs(gradient_times_input(model, on)[0, 20 : 20 + width]).sum() > 1  # control
    ism = -in_silico_mutagenesis(model, off, progress=False)[0, 0].sum(axis=-1) / 3
    assert ism[20 + key] < -0.1  # ISM: changing that base back would switch the filter on
    lift = deeplift(model, off, reference=on[0]).sum(axis=-1)[0]
    assert lift[20 + key] == pytest.approx(-drops[key] / 2, rel=1e-3)  # against the consensus

    # max pooling passes on the other copy: the consensus at 50, a weaker copy (its least
    # important base changed, the filter still on) at 10
    two = random_dna(1, 80, seed=12)
    two[0, 50 : 50 + width] = consensus
    two[0, 10 : 10 + width] = consensus
    two[0, 10 + minor] = np.eye(4)[log_odds[minor].argmin()]
    gxi = np.abs(gradient_times_input(model, two)[0].sum(axis=-1))
    assert np.all(gxi[10 : 10 + width] == 0) and gxi[50 : 50 + width].sum() > 1
    # extras.ipynb: "DeepLIFT's multipliers follow it" (the pool's rule routes through the max)
    lift = np.abs(deeplift(model, two, reference="zeros")[0].sum(axis=-1))
    assert np.all(lift[10 : 10 + width] == 0) and lift[50 : 50 + width].sum() > 1
