"""The training recipe: fresh simulated data each epoch (SimulationStream) and training on it."""

from __future__ import annotations

import numpy as np
import pytest

from tutorial_utils import SequenceDNN, get_simulation_data
from tutorial_utils.recipe import SimulationStream

SINGLE = dict(motif_name="TAL1_known4", seq_length=60, num_pos=192, num_neg=192, GC_fraction=0.4)
HETERODIMER = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=80,
    min_spacing=2,
    max_spacing=5,
    num_pos=100,
    num_neg=100,
    GC_fraction=0.4,
)


def test_stream_serves_fresh_shuffled_batches_each_epoch():
    stream = SimulationStream("simulate_single_motif_detection", SINGLE, batch_size=64, seed=3)
    assert len(stream) == stream.num_batches == 6
    X, y, weights = stream[0]
    assert X.shape == (64, 60, 4) and X.dtype == np.float32 and y.shape == (64, 1)
    assert np.all(weights == 1)  # balanced classes: N / (2 N_class) = 1
    assert np.all(X.sum(axis=2) == 1)
    assert 0 < y.mean() < 1  # shuffled: both classes in a batch
    first = np.concatenate([stream[i][0] for i in range(len(stream))])
    labels = np.concatenate([stream[i][1] for i in range(len(stream))])
    assert labels.sum() == 192 and stream.base_rate.tolist() == [0.5]
    stream.on_epoch_end()
    assert stream.epoch == 1
    second = np.concatenate([stream[i][0] for i in range(len(stream))])
    assert not np.array_equal(first, second)
    # the same seed gives the same stream, epoch after epoch
    again = SimulationStream("simulate_single_motif_detection", SINGLE, batch_size=64, seed=3)
    np.testing.assert_array_equal(again[5][0], first[320:384])
    again.on_epoch_end()
    np.testing.assert_array_equal(again[0][0], second[:64])
    with pytest.raises(IndexError):
        stream[6]


def test_stream_weights_unbalanced_classes_like_fixed_training():
    stream = SimulationStream(
        "simulate_single_motif_detection", dict(SINGLE, num_pos=96, num_neg=288), seed=0
    )
    X, y, weights = stream[0]
    # N / (2 N_class): positives 384 / 192 = 2, negatives 384 / 576 = 2/3
    np.testing.assert_allclose(np.unique(weights), [2 / 3, 2.0], rtol=1e-6)
    np.testing.assert_allclose(weights[y[:, 0] == 1], 2.0)


def test_curriculum_stages_come_first():
    stream = SimulationStream(
        "simulate_heterodimer_grammar",
        HETERODIMER,
        curriculum=[(2, {"pair_orientation": "forward"}), (1, {"max_spacing": 3})],
        seed=0,
    )
    assert stream.curriculum_epochs == 3
    assert [stream.parameters_at(e).get("pair_orientation") for e in range(4)] == [
        "forward", "forward", None, None
    ]  # fmt: skip
    assert [stream.parameters_at(e)["max_spacing"] for e in range(4)] == [5, 5, 3, 5]
    assert "curriculum epochs=3" in repr(stream)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(simulation_name="simulate_nothing"), ValueError, "is not available"),
        (
            dict(simulation_parameters=dict(SINGLE, motif="TAL1_known4")),
            TypeError,
            "do not match simulate_single_motif_detection",
        ),
        (dict(simulation_parameters=dict(SINGLE, seed=1)), ValueError, "must not hold 'seed'"),
        (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
        (dict(batch_size=1000), ValueError, r"batch_size \(1000\) exceeds the 384 sequences"),
        (dict(curriculum={"pair": 1}), TypeError, "curriculum must be a list"),
        (dict(curriculum=[(0, {})]), ValueError, r"curriculum\[0\] epochs must be >= 1"),
        (dict(curriculum=[(1, "forward")]), TypeError, r"curriculum\[0\] overrides must be"),
        (dict(curriculum=[(1, {"GC": 0.5})]), TypeError, "do not match"),
    ],
)
def test_stream_rejects_bad_arguments(kwargs, error, match):
    arguments = dict(
        simulation_name="simulate_single_motif_detection", simulation_parameters=SINGLE
    )
    arguments.update(kwargs)
    name = arguments.pop("simulation_name")
    parameters = arguments.pop("simulation_parameters")
    with pytest.raises(error, match=match):
        SimulationStream(name, parameters, **arguments)


def _validation(seq_length=60, n=200, seed=99):
    data = get_simulation_data(
        "simulate_single_motif_detection",
        dict(SINGLE, seq_length=seq_length, num_pos=n, num_neg=n),
        test_set_size=n,
        validation_set_size=n // 2,
        seed=seed,
    )
    return (data.X_valid, data.y_valid), (data.X_test, data.y_test)


def _stream_trained(seed):
    validation, test = _validation()
    stream = SimulationStream("simulate_single_motif_detection", SINGLE, batch_size=32, seed=seed)
    dnn = SequenceDNN(60, num_filters=8, conv_width=10, pool_width=51, verbose=0, seed=seed)
    dnn.train(stream, validation_data=validation, num_epochs=6, learning_rate=1e-2)
    return dnn, test


@pytest.mark.backend
def test_training_on_fresh_data_learns_and_repeats_with_a_seed():
    dnn, (X_test, y_test) = _stream_trained(seed=4)
    result = dnn.test(X_test, y_test)
    assert result["auROC"][0] > 0.8, str(result)
    assert len(dnn.valid_losses) == len(dnn.train_losses) >= 2
    assert dnn.best_epoch == int(np.argmin(dnn.valid_losses))
    again, _ = _stream_trained(seed=4)
    assert again.valid_losses == dnn.valid_losses
    np.testing.assert_array_equal(again.get_sequence_filters(), dnn.get_sequence_filters())


def test_train_with_a_data_set_rejects_labels_and_batch_size():
    validation, _ = _validation()
    stream = SimulationStream("simulate_single_motif_detection", SINGLE, seed=0)
    dnn = SequenceDNN(60, num_filters=4, conv_width=10, pool_width=51, verbose=0)
    with pytest.raises(ValueError, match="y must be None when X is a data set"):
        dnn.train(stream, np.zeros((384, 1), bool), validation)
    with pytest.raises(ValueError, match="batch_size is set by the data set"):
        dnn.train(stream, validation_data=validation, batch_size=32)
    with pytest.raises(TypeError, match="validation_data must be a tuple"):
        dnn.train(stream)
    wrong_length = SimulationStream(
        "simulate_single_motif_detection", dict(SINGLE, seq_length=50), seed=0
    )
    with pytest.raises(ValueError, match="sequence length 50 but the model was built for"):
        dnn.train(wrong_length, validation_data=validation)
