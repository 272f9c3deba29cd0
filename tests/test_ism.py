"""In-silico mutagenesis: fast == naive, sign convention, planted motif, bad input."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tutorial_utils.ism import in_silico_mutagenesis, model_steps


def sequence_dnn(length=120, filters=(6,), width=7, pool=10, tasks=1, seed=0, relu_layer=False):
    """A SequenceDNN-shaped model: conv/relu/dropout blocks, max-pool, flatten, logits, sigmoid."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((length, 4), name="sequence")
    h = inputs
    for k, f in enumerate(filters, start=1):
        h = keras.layers.Conv1D(f, width, name=f"conv_{k}")(h)
        h = (
            keras.layers.ReLU(name=f"relu_{k}")(h)
            if relu_layer
            else keras.layers.Activation("relu", name=f"relu_{k}")(h)
        )
        h = keras.layers.Dropout(0.1, name=f"dropout_{k}")(h)
    h = keras.layers.MaxPooling1D(pool, strides=pool, name="pool")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    # larger weights than the default so that substitutions move the logit visibly
    h = keras.layers.Dense(tasks, name="logits", kernel_initializer="he_normal")(h)
    outputs = keras.layers.Activation("sigmoid", name="probability")(h)
    return keras.Model(inputs, outputs)


def random_dna(n, length, seed=0):
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, length))]


def planted_motif_model(log_odds, length, threshold=4.0):
    """One conv filter = the motif's log-odds, ReLU above ``threshold``, global max-pool, logit."""
    width = len(log_odds)
    inputs = keras.Input((length, 4))
    conv = keras.layers.Conv1D(1, width, name="conv_1")
    h = keras.layers.Activation("relu")(conv(inputs))
    pool = length - width + 1
    h = keras.layers.MaxPooling1D(pool, strides=pool)(h)
    dense = keras.layers.Dense(1)
    h = dense(keras.layers.Flatten()(h))
    model = keras.Model(inputs, keras.layers.Activation("sigmoid")(h))
    conv.set_weights([log_odds[:, :, None].astype(np.float32), np.array([-threshold], np.float32)])
    dense.set_weights([np.ones((1, 1), np.float32), np.zeros(1, np.float32)])
    return model


def naive_logits(model, X):
    logit_model = keras.Model(model.inputs, model.layers[-2].output)
    return logit_model.predict(X, verbose=0)


@pytest.mark.backend
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(filters=(5,), width=9, pool=8),  # shallow
        dict(filters=(4, 4, 4), width=5, pool=7, tasks=3),  # deep, multitask, pool cuts a tail
        dict(filters=(3, 3), width=6, pool=1, relu_layer=True),  # no real pooling
        dict(filters=(4, 4, 4), width=5, pool=48),  # one window over all 48 positions: global
    ],
    ids=["shallow", "deep-multitask", "pool1", "global"],
)
def test_fast_ism_equals_naive_ism(kwargs):
    model = sequence_dnn(length=60, **kwargs)
    X = random_dna(3, 60, seed=1)
    X[1, 5] = 0  # an N base: all four substitutions count
    naive = in_silico_mutagenesis(model, X, fast=False, progress=False)
    fast = in_silico_mutagenesis(model, X, fast=True, batch_size=97, progress=False)
    assert naive.shape == (kwargs.get("tasks", 1), 3, 60, 4)
    assert np.abs(naive).max() > 1e-3  # the test means something: outputs do move
    np.testing.assert_allclose(fast, naive, atol=2e-5 * max(1.0, np.abs(naive).max()))


def test_ism_matches_explicit_mutants_and_sign_convention():
    model = sequence_dnn(length=50, filters=(4, 4), width=5, pool=6, tasks=2)
    X = random_dna(2, 50, seed=3)
    scores = in_silico_mutagenesis(model, X, progress=False)
    wild = naive_logits(model, X)
    # mutant minus wild type, checked one substitution at a time through Keras itself
    for n, i, b in [(0, 0, 2), (1, 49, 0), (1, 23, 3)]:
        if X[n, i, b] == 1:
            b = (b + 1) % 4
        mutant = X[n : n + 1].copy()
        mutant[0, i] = np.eye(4)[b]
        expected = naive_logits(model, mutant)[0] - wild[n]
        np.testing.assert_allclose(scores[:, n, i, b], expected, atol=1e-5)
    assert np.all(scores[:, X.astype(bool)] == 0)  # wild-type bases score exactly 0


def test_probability_output_and_single_task():
    model = sequence_dnn(length=40, filters=(3,), width=5, pool=4, tasks=2)
    X = random_dna(2, 40)
    prob = in_silico_mutagenesis(model, X, output="probability", task=1, progress=False)
    logit = in_silico_mutagenesis(model, X, task=1, progress=False)
    assert prob.shape == logit.shape == (1, 2, 40, 4)
    p_wild = model.predict(X, verbose=0)[:, 1]
    z = np.log(p_wild / (1 - p_wild))[None, :, None, None] + logit
    np.testing.assert_allclose(prob, 1 / (1 + np.exp(-z)) - p_wild[None, :, None, None], atol=1e-5)


def test_ism_is_most_negative_inside_a_planted_motif():
    from tutorial_utils.motifs import get_motif

    motif = get_motif("SPI1_known4")
    log_odds = motif.log_odds()
    X = random_dna(1, 150, seed=5)
    X[0, 70 : 70 + len(motif)] = np.eye(4)[motif.probabilities.argmax(axis=1)]
    model = planted_motif_model(log_odds, 150)
    scores = in_silico_mutagenesis(model, X, progress=False)[0, 0]
    worst_position = scores.min(axis=1).argmin()
    assert 70 <= worst_position < 70 + len(motif)
    assert scores.min() < -1.0


def test_sequence_dnn_like_object_is_accepted():
    class Wrapper:
        def __init__(self, model):
            self.model = model

    model = sequence_dnn(length=30, filters=(2,), width=3, pool=5)
    X = random_dna(1, 30)
    np.testing.assert_array_equal(
        in_silico_mutagenesis(Wrapper(model), X, progress=False),
        in_silico_mutagenesis(model, X, progress=False),
    )


def test_bad_input_is_named():
    model = sequence_dnn(length=30, filters=(2,), width=3, pool=5, tasks=2)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 30, 4\)"):
        in_silico_mutagenesis(model, np.zeros((2, 30, 5), np.float32))
    with pytest.raises(ValueError, match="sequence length 31 but the model expects 30"):
        in_silico_mutagenesis(model, random_dna(1, 31))
    with pytest.raises(ValueError, match=r"task must be in \[0, 1\], got 2"):
        in_silico_mutagenesis(model, random_dna(1, 30), task=2)
    with pytest.raises(ValueError, match="output must be one of"):
        in_silico_mutagenesis(model, random_dna(1, 30), output="odds")
    with pytest.raises(TypeError, match="keras.Model"):
        in_silico_mutagenesis("not a model", random_dna(1, 30))


def test_unsupported_layers_are_named():
    inputs = keras.Input((30, 4))
    h = keras.layers.Conv1D(2, 3)(inputs)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.Dense(1)(keras.layers.Flatten()(h))
    with pytest.raises(TypeError, match="unsupported layer 'bn' of type BatchNormalization"):
        model_steps(keras.Model(inputs, h))
    inputs = keras.Input((30, 4))
    h = keras.layers.Conv1D(2, 3, padding="same", name="same_conv")(inputs)
    h = keras.layers.Dense(1)(keras.layers.Flatten()(h))
    with pytest.raises(ValueError, match="'same_conv' must use padding='valid'"):
        model_steps(keras.Model(inputs, h))
    inputs = keras.Input((30, 4))
    a = keras.layers.Conv1D(2, 3)(inputs)
    b = keras.layers.Conv1D(2, 3)(inputs)
    h = keras.layers.Dense(1)(keras.layers.Flatten()(keras.layers.Add()([a, b])))
    with pytest.raises(ValueError, match="single chain"):
        model_steps(keras.Model(inputs, h))
