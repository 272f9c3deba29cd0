"""One input check for every model entry point: non-one-hot, NaN and scaled X are refused alike."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

L = 100


@pytest.fixture(scope="module")
def dnn():
    from tutorial_utils.models import SequenceDNN

    model = SequenceDNN(L, num_filters=2, conv_width=5, pool_width=10, verbose=0, seed=0)
    model.trained = True  # the calls below need weights, not accuracy
    return model


def one_hot(n=2, seed=0):
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, L))]


def entry_points(dnn):
    """Every function that feeds X to a model (or counts its k-mers), strict one-hot."""
    from tutorial_utils import deeplift, discover_motifs, gradient_times_input
    from tutorial_utils.baselines import KmerBaseline
    from tutorial_utils.ism import in_silico_mutagenesis

    y = np.array([True, False])
    return {
        "in_silico_mutagenesis": lambda X: in_silico_mutagenesis(dnn, X, progress=False),
        "deeplift": lambda X: deeplift(dnn, X, num_refs=2, progress=False),
        "gradient_times_input": lambda X: gradient_times_input(dnn, X),
        "discover_motifs": lambda X: discover_motifs(dnn, X, num_refs=2),
        "SequenceDNN.test": lambda X: dnn.test(X, y),
        "SequenceDNN.train": lambda X: dnn.train(X, y, (one_hot(), y), num_epochs=1),
        "KmerBaseline.features": lambda X: KmerBaseline(k=4).features(X),
        "KmerBaseline.fit": lambda X: KmerBaseline(k=4).fit(X, y),
    }


BAD_INPUTS = {
    "probabilities": lambda X: np.full(X.shape, 0.25, np.float32),  # ISM was all zeros
    "scaled": lambda X: X * 5,  # accepted before: NaN or nonsense out
    "NaN": lambda X: np.where(X == 1, np.nan, X).astype(np.float32),
    "negative": lambda X: -X,
}


@pytest.mark.parametrize("bad", list(BAD_INPUTS))
def test_every_entry_point_refuses_with_the_same_message(dnn, bad):
    X = BAD_INPUTS[bad](one_hot())
    messages = {}
    for name, call in entry_points(dnn).items():
        with pytest.raises(ValueError) as info:
            call(X)
        messages[name] = str(info.value)
    assert len(set(messages.values())) == 1, messages
    message = next(iter(messages.values()))
    assert message.startswith("X must be") and "sequence 0, position 0" in message


def test_predict_accepts_probabilities_but_not_nan_or_scaled(dnn):
    X = one_hot()
    assert dnn.predict(np.full(X.shape, 0.25, np.float32)).shape == (2, 1)
    for bad in ("scaled", "NaN", "negative"):
        with pytest.raises(ValueError, match="X must be") as info:
            dnn.predict(BAD_INPUTS[bad](X))
        assert "sequence 0, position 0" in str(info.value)
    with pytest.raises(ValueError, match="scaled input"):
        dnn.predict(X * 5)


def test_n_positions_are_one_hot(dnn):
    from tutorial_utils.ism import in_silico_mutagenesis

    X = one_hot()
    X[0, 3] = 0  # N
    scores = in_silico_mutagenesis(dnn, X, progress=False)
    assert scores.shape == (1, 2, L, 4)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(0, 1),
    i=st.integers(0, L - 1),
    value=st.floats(width=32, allow_nan=True, allow_infinity=True).filter(
        lambda v: v not in (0.0, 1.0)
    ),
    column=st.integers(0, 3),
)
def test_any_single_non_one_hot_value_is_found(dnn, n, i, value, column):
    from tutorial_utils._onehot import check_one_hot
    from tutorial_utils.ism import check_sequences

    X = one_hot(seed=3)
    X[n, i, column] = value
    with pytest.raises(ValueError) as info:
        check_sequences(dnn, X)
    assert f"sequence {n}, position {i}" in str(info.value)
    with pytest.raises(ValueError) as again:
        check_one_hot(X, "X", length=L)
    assert str(again.value) == str(info.value)
