"""The 2016 tutorial helpers: inspect, get, train, learning curve, test."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

from tutorial_utils.datasets import Data
from tutorial_utils.encoding import one_hot_encode
from tutorial_utils.training import (
    SequenceDNN_learning_curve,
    get_SequenceDNN,
    inspect_SequenceDNN,
    test_SequenceDNN,
    train_SequenceDNN,
)

PARAMETERS = dict(seq_length=50, num_filters=6, conv_width=10, pool_width=10, verbose=0, seed=2)


def tiny_data(n=500, seq_length=50, motif="TGACTCA", seed=0):
    """A Data tuple: positives carry ``motif`` once; 60/20/20 split."""
    rng = np.random.default_rng(seed)
    sequences = rng.choice(list("ACGT"), size=(n, seq_length))
    labels = (np.arange(n) % 2 == 0)[:, None]
    for i in np.flatnonzero(labels[:, 0]):
        start = rng.integers(0, seq_length - len(motif) + 1)
        sequences[i, start : start + len(motif)] = list(motif)
    X = one_hot_encode(["".join(s) for s in sequences])
    a, b = int(0.6 * n), int(0.8 * n)
    fields = dict(
        X_train=X[:a], X_valid=X[a:b], X_test=X[b:],
        y_train=labels[:a], y_valid=labels[a:b], y_test=labels[b:],
        train_embeddings=[], valid_embeddings=[], test_embeddings=[], motif_names=["test"],
    )  # fmt: skip
    return Data(**{name: fields[name] for name in Data._fields})


@pytest.fixture(scope="module")
def trained():
    # 1,200 training sequences and 10 epochs: enough for every backend's initialization
    # (500 sequences and 6 epochs learnt on TensorFlow only)
    data = tiny_data(n=2000)
    dnn = get_SequenceDNN(PARAMETERS)
    train_SequenceDNN(dnn, data, num_epochs=10, batch_size=32, learning_rate=1e-2)
    return dnn, data


def test_inspect_lists_the_methods(capsys):
    inspect_SequenceDNN()
    out = capsys.readouterr().out
    head, methods = out.split("Available methods:\n\n")
    assert "Convolutional neural network" in head
    listed = methods.split()
    for name in ("train", "predict", "test", "deeplift", "in_silico_mutagenesis", "save", "load"):
        assert name in listed
    assert listed == sorted(listed)


@pytest.mark.backend
def test_train_learning_curve_and_test(trained, capsys):
    dnn, data = trained
    figure = SequenceDNN_learning_curve(dnn)
    axis = figure.axes[0]
    lines = {line.get_label(): line for line in axis.get_lines()}
    assert set(lines) == {"Training", "Validation", "Early Stop"}
    np.testing.assert_allclose(lines["Validation"].get_ydata(), dnn.valid_losses)
    assert list(lines["Early Stop"].get_xdata()) == [dnn.best_epoch] * 2
    assert lines["Early Stop"].get_linestyle() == "--"
    assert dnn.best_epoch == int(np.argmin(dnn.valid_losses))  # "the lowest validation loss"
    # the tutorial's section 2: binary cross-entropy minimised with Adam
    assert type(dnn.model.optimizer).__name__ == "Adam"
    assert dnn.model.loss == "binary_crossentropy"
    # the tutorial's caption: training in blue, validation in red
    assert to_hex(lines["Training"].get_color()) == "#0000ff"
    assert to_hex(lines["Validation"].get_color()) == "#ff0000"
    assert tuple(figure.get_size_inches()) == (10, 4)

    result = test_SequenceDNN(dnn, data)
    out = capsys.readouterr().out
    assert out.startswith("Test performance:\n" + str(result))
    assert result["auROC"][0] > 0.8


def test_helpers_reject_bad_input():
    with pytest.raises(TypeError, match="parameters must be a dict"):
        get_SequenceDNN([500])
    dnn = get_SequenceDNN(PARAMETERS)
    with pytest.raises(ValueError, match="only be obtained after training"):
        SequenceDNN_learning_curve(dnn)
    with pytest.raises(TypeError, match="simulation_data must be the Data tuple"):
        train_SequenceDNN(dnn, {"X_train": None})


def test_a_model_left_at_chance_is_told_so_in_words(capsys):
    # labels that no sequence feature predicts: the model cannot leave chance
    data = tiny_data(n=600, seed=4)
    rng = np.random.default_rng(5)
    shuffled = {
        name: rng.permutation(getattr(data, name)) for name in ("y_train", "y_valid", "y_test")
    }
    data = data._replace(**shuffled)
    dnn = get_SequenceDNN(PARAMETERS)
    train_SequenceDNN(dnn, data, num_epochs=4, plateau_epochs=2, batch_size=32)
    out = capsys.readouterr().out
    assert dnn.at_chance
    assert "The model is still at chance after" in out and "What to try:" in out
    assert "pool_width='global'" in out and "restarts=2" in out
    test_SequenceDNN(dnn, data)
    out = capsys.readouterr().out
    assert out.startswith("Test performance: AT CHANCE.")


def test_a_model_that_learnt_is_not_at_chance(trained):
    dnn, _ = trained
    assert not dnn.at_chance and dnn.chance_loss == pytest.approx(np.log(2), abs=0.01)


def test_the_test_set_plays_no_part_in_training():
    """The tutorial: "The test set played no part in training or early stopping". Two trainings
    with the same seed on data that differ only in the test set end with the same losses and
    weights; the control, the same training with another validation set, does not."""
    data = tiny_data(n=500, seed=1)
    other_test = data._replace(X_test=data.X_test[::-1, ::-1], y_test=~data.y_test[::-1])
    other_valid = data._replace(X_valid=data.X_test, y_valid=data.y_test)
    runs = []
    for variant in (data, other_test, other_valid):
        dnn = get_SequenceDNN(PARAMETERS)
        train_SequenceDNN(dnn, variant, num_epochs=3, batch_size=32, learning_rate=1e-2)
        runs.append((list(dnn.valid_losses), dnn.get_sequence_filters()))
    assert runs[1][0] == runs[0][0]
    np.testing.assert_array_equal(runs[1][1], runs[0][1])
    assert runs[2][0] != runs[0][0]
