"""SequenceDNN on Keras 3: the layer contract, training, persistence and input errors."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from tutorial_utils.encoding import one_hot_encode
from tutorial_utils.models import SequenceDNN

MOTIF = "GGGACTTTCC"  # an NF-kB-like site planted into the positives


def planted_motif_data(n, seq_length=60, seed=0, motif=MOTIF):
    """Random one-hot DNA (N, L, 4); the first half get ``motif`` at a random position."""
    rng = np.random.default_rng(seed)
    sequences = rng.choice(list("ACGT"), size=(n, seq_length))
    labels = np.zeros((n, 1), bool)
    labels[: n // 2] = True
    for i in range(n // 2):
        start = rng.integers(0, seq_length - len(motif) + 1)
        sequences[i, start : start + len(motif)] = list(motif)
    order = rng.permutation(n)
    return one_hot_encode(["".join(s) for s in sequences[order]]), labels[order]


@pytest.fixture(scope="module")
def small_data():
    X, y = planted_motif_data(1000, seed=1)
    return X[:600], y[:600], X[600:800], y[600:800], X[800:], y[800:]


@pytest.fixture(scope="module")
def trained(small_data):
    X, y, X_valid, y_valid, _, _ = small_data
    dnn = SequenceDNN(60, num_filters=8, conv_width=10, pool_width=10, verbose=0, seed=3)
    return dnn.train(X, y, (X_valid, y_valid), num_epochs=8, batch_size=32, learning_rate=1e-2)


@pytest.mark.backend
def test_layer_contract_shallow_and_deep():
    dnn = SequenceDNN(500, num_filters=15, conv_width=25, pool_width=35, verbose=0)
    names = [layer.name for layer in dnn.model.layers]
    assert names == [
        "sequence", "conv_1", "relu_1", "dropout_1", "pool", "flatten", "logits", "probability"
    ]  # fmt: skip
    conv = dnn.model.get_layer("conv_1")
    assert type(conv).__name__ == "Conv1D"
    assert conv.padding == "valid" and conv.kernel_size == (25,) and conv.filters == 15
    assert conv.get_config()["activation"] == "linear"
    assert conv.get_config()["kernel_initializer"]["class_name"] == "HeNormal"
    pool = dnn.model.get_layer("pool")
    assert pool.pool_size == (35,) and pool.strides == (35,)
    assert dnn.model.get_layer("probability").get_config()["activation"] == "sigmoid"
    assert tuple(dnn.model.get_layer("flatten").output.shape) == (None, (500 - 24) // 35 * 15)
    assert dnn.get_sequence_filters().shape == (15, 25, 4)
    # the tutorial's "check yourself": 15 x (25 x 4) + 15 = 1,515 and 13 x 15 + 1 = 196 weights;
    # the dropout layer is a no-op at the default rate 0
    assert dnn.model.get_layer("conv_1").count_params() == 1515
    assert dnn.model.get_layer("logits").count_params() == 196
    assert dnn.dropout == 0 and dnn.model.get_layer("dropout_1").rate == 0

    deep = SequenceDNN(500, use_deep_CNN=True, num_tasks=3, verbose=0)
    names = [layer.name for layer in deep.model.layers]
    assert names[1:10] == [f"{kind}_{i}" for i in (1, 2, 3) for kind in ("conv", "relu", "dropout")]
    # 500 -> 486 -> 472 -> 458 positions, pooled to 13 x 15 features (the 2016 numbers)
    assert tuple(deep.model.get_layer("flatten").output.shape) == (None, 195)
    assert tuple(deep.model.output.shape) == (None, 3)
    assert tuple(deep.logit_model.output.shape) == (None, 3)

    tuples = SequenceDNN(200, num_filters=(4, 5, 6), conv_width=(9, 7, 5), pool_width=10, verbose=0)
    assert [tuples.model.get_layer(f"conv_{i}").filters for i in (1, 2, 3)] == [4, 5, 6]
    assert [tuples.model.get_layer(f"conv_{i}").kernel_size[0] for i in (1, 2, 3)] == [9, 7, 5]


@pytest.mark.backend
def test_training_learns_a_planted_motif(trained, small_data):
    *_, X_test, y_test = small_data
    result = trained.test(X_test, y_test)
    assert result["auROC"][0] > 0.9, str(result)
    assert result["Balanced accuracy"][0] > 80, str(result)
    assert len(trained.train_losses) == len(trained.valid_losses) >= 1
    assert trained.best_epoch == int(np.argmin(trained.valid_losses))
    # the restored weights are the best epoch's: their validation loss is the minimum
    _, _, X_valid, y_valid, _, _ = small_data
    p = np.clip(trained.predict(X_valid).astype(np.float64), 1e-12, 1 - 1e-12)
    loss = -np.mean(y_valid * np.log(p) + (~y_valid) * np.log(1 - p))
    assert loss == pytest.approx(min(trained.valid_losses), abs=1e-4)


@pytest.mark.backend
def test_predictions_logits_and_save_load_round_trip(trained, small_data, tmp_path):
    *_, X_test, _ = small_data
    probabilities = trained.predict(X_test)
    logits = trained.predict_logits(X_test)
    assert probabilities.shape == logits.shape == (len(X_test), 1)
    np.testing.assert_allclose(probabilities, 1 / (1 + np.exp(-logits)), rtol=1e-5, atol=1e-6)

    path = tmp_path / "model.keras"
    trained.save(path)
    loaded = SequenceDNN.load(path)
    np.testing.assert_array_equal(loaded.predict(X_test), probabilities)
    assert loaded.get_params() == trained.get_params()
    assert loaded.valid_losses == trained.valid_losses
    assert loaded.best_epoch == trained.best_epoch


@pytest.mark.filterwarnings("ignore:.*not been trained")
def test_global_pooling_is_one_window_over_the_conv_output(tmp_path):
    dnn = SequenceDNN(80, num_filters=(3, 4), conv_width=(11, 5), pool_width="global",
                      verbose=0, seed=1)  # fmt: skip
    assert dnn.pool_width == 80 - 10 - 4 and dnn.pooled_length == 1
    assert dnn.model.get_layer("pool").pool_size == (66,)
    assert dnn.get_params()["pool_width"] == "global"
    X, _ = planted_motif_data(4, seq_length=80)
    # the same weights with pool_width=66 give the same scores
    explicit = SequenceDNN(80, num_filters=(3, 4), conv_width=(11, 5), pool_width=66, verbose=0)
    explicit.model.set_weights(dnn.model.get_weights())
    np.testing.assert_array_equal(explicit.predict(X), dnn.predict(X))
    dnn.save(tmp_path / "global.keras")
    loaded = SequenceDNN.load(tmp_path / "global.keras")
    assert loaded.get_params()["pool_width"] == "global" and loaded.pool_width == 66
    np.testing.assert_array_equal(loaded.predict(X), dnn.predict(X))
    with pytest.raises(ValueError, match="pool_width must be an integer >= 1 or 'global'"):
        SequenceDNN(80, pool_width="whole")


def test_tuple_parameters_survive_save_load(tmp_path):
    dnn = SequenceDNN(80, num_filters=(3, 4), conv_width=(5, 6), pool_width=7, dropout=0.1,
                      L1=1e-4, verbose=0, seed=1)  # fmt: skip
    dnn.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="not been trained"):
        loaded = SequenceDNN.load(tmp_path / "m.keras")
        X, _ = planted_motif_data(4, seq_length=80)
        np.testing.assert_array_equal(loaded.predict(X), dnn.predict(X))
    assert loaded.get_params()["num_filters"] == [3, 4]
    assert loaded.model.get_layer("dropout_2").rate == pytest.approx(0.1)


DEEP_SMALL = dict(use_deep_CNN=True, num_filters=3, conv_width=5, num_filters_2=3,
                  conv_width_2=5, num_filters_3=3, conv_width_3=5, pool_width=7)  # fmt: skip


@pytest.mark.backend
@pytest.mark.parametrize("mode", ["filters", "network"])
def test_reverse_complement_models_score_both_strands_alike(mode, tmp_path):
    dnn = SequenceDNN(80, **DEEP_SMALL, reverse_complement=mode, verbose=0, seed=2)
    X, _ = planted_motif_data(8, seq_length=80)
    reverse_complement = X[:, ::-1, ::-1]  # A, C, G, T reversed: the complement
    if mode == "network":  # the same logit for a sequence and its reverse complement
        logits = dnn.logit_model.predict(X, verbose=0)
        np.testing.assert_allclose(dnn.logit_model.predict(reverse_complement, verbose=0), logits,
                                   rtol=1e-5, atol=1e-6)  # fmt: skip
    plain = SequenceDNN(80, **DEEP_SMALL, verbose=0, seed=2)
    assert dnn.model.count_params() == plain.model.count_params()  # the strands share weights
    assert not np.allclose(plain.logit_model.predict(reverse_complement, verbose=0),
                           plain.logit_model.predict(X, verbose=0))  # fmt: skip
    assert dnn.get_sequence_filters().shape == (3, 5, 4)
    if mode == "filters":  # conv_1 sees a site alike on either strand, at the same position
        import keras

        scan = keras.Model(dnn.model.inputs, dnn.model.get_layer("strand_max").output)
        np.testing.assert_allclose(scan.predict(reverse_complement, verbose=0)[:, ::-1],
                                   scan.predict(X, verbose=0), rtol=1e-5, atol=1e-6)  # fmt: skip
        flipped_site = X.copy()
        flipped_site[:, 30:35] = X[:, 30:35][:, ::-1, ::-1]  # a 5 bp site on the other strand
        np.testing.assert_allclose(scan.predict(flipped_site, verbose=0)[:, 30],
                                   scan.predict(X, verbose=0)[:, 30], rtol=1e-5, atol=1e-6)  # fmt: skip
    dnn.save(tmp_path / "rc.keras")
    with pytest.warns(UserWarning, match="not been trained"):
        loaded = SequenceDNN.load(tmp_path / "rc.keras")
        np.testing.assert_array_equal(loaded.predict(X), dnn.predict(X))
    assert loaded.get_params()["reverse_complement"] == mode


def test_l1_penalises_every_conv_kernel():
    dnn = SequenceDNN(100, num_filters=(4, 4, 4), conv_width=(5, 5, 5), pool_width=5, L1=0.01,
                      verbose=0)  # fmt: skip
    kernels = [dnn.model.get_layer(f"conv_{i}").kernel for i in (1, 2, 3)]
    # convert_to_numpy: torch variables that require grad refuse np.asarray
    expected = 0.01 * sum(float(np.abs(keras.ops.convert_to_numpy(k)).sum()) for k in kernels)
    penalty = sum(float(keras.ops.convert_to_numpy(loss)) for loss in dnn.model.losses)
    assert penalty == pytest.approx(expected, rel=1e-5)
    assert not SequenceDNN(100, pool_width=5, verbose=0).model.losses


def test_same_seed_same_training(small_data):
    X, y, X_valid, y_valid, *_ = small_data
    runs = []
    for _ in range(2):
        dnn = SequenceDNN(60, num_filters=4, conv_width=8, pool_width=10, verbose=0, seed=11)
        dnn.train(X[:128], y[:128], (X_valid, y_valid), num_epochs=2, batch_size=64)
        runs.append((dnn.valid_losses, dnn.get_sequence_filters()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_verbose_prints_the_tutorial_epoch_lines(small_data, capsys):
    X, y, X_valid, y_valid, *_ = small_data
    dnn = SequenceDNN(60, num_filters=4, conv_width=8, pool_width=10, verbose=1, seed=0)
    dnn.train(X[:200], y[:200], (X_valid, y_valid), num_epochs=2)
    lines = capsys.readouterr().out.split("\n")
    assert lines[0] == "Training model..."
    assert re.fullmatch(r"Epoch 0: validation loss: \d\.\d{3}", lines[1])
    assert lines[1] == f"Epoch 0: validation loss: {dnn.valid_losses[0]:.3f}"
    assert lines[2].startswith("Balanced Accuracy: ") and "\t auROC: " in lines[2]
    assert lines[3].startswith("Recall at 5%|10%|20% FDR: ")
    assert lines[4] == ""
    assert lines[5].startswith("Epoch 1: validation loss: ")


def test_shape_and_label_errors(small_data):
    X, y, X_valid, y_valid, *_ = small_data
    dnn = SequenceDNN(60, num_filters=4, conv_width=8, pool_width=10, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(N, 60, 4\)"):
        dnn.train(X[:, :, :3], y, (X_valid, y_valid))
    with pytest.raises(
        ValueError, match="sequence length 50 but the model was built for seq_length=60"
    ):
        dnn.predict(X[:, :50])
    with pytest.raises(ValueError, match="must be one-hot"):
        dnn.train(X * 2, y, (X_valid, y_valid))
    with pytest.raises(ValueError, match="one-hot or base probabilities"):
        dnn.predict(X + 0.5)
    with pytest.raises(ValueError, match=r"y must have shape \(600, 1\)"):
        dnn.train(X, np.zeros((600, 2), bool), (X_valid, y_valid))
    with pytest.raises(ValueError, match="task 0 has only negatives"):
        dnn.train(X, np.zeros((600, 1), bool), (X_valid, y_valid))
    with pytest.raises(ValueError, match="binary labels"):
        dnn.train(X, y * 3, (X_valid, y_valid))
    with pytest.raises(TypeError, match="validation_data must be a tuple"):
        dnn.train(X, y, X_valid)
    with pytest.raises(ValueError, match="patience must be >= 0"):
        dnn.train(X, y, (X_valid, y_valid), patience=-1)


def test_untrained_prediction_warns():
    X, _ = planted_motif_data(4)
    dnn = SequenceDNN(60, num_filters=4, conv_width=8, pool_width=10, verbose=0)
    with pytest.warns(UserWarning, match="has not been trained"):
        assert dnn.predict(X).shape == (4, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            dict(seq_length=100, conv_width=101),
            ValueError,
            r"conv_width of layer 1 \(101\) exceeds",
        ),
        (
            dict(seq_length=100, conv_width=50, pool_width=60),
            ValueError,
            r"pool_width \(60\) exceeds the 51 positions",
        ),
        (
            dict(seq_length=40, use_deep_CNN=True, pool_width=1),
            ValueError,
            r"conv_width of layer 3 \(15\) exceeds",
        ),
        (
            dict(seq_length=100, num_filters=(4, 4), conv_width=(5, 5, 5)),
            ValueError,
            "same number of layers",
        ),
        (
            dict(seq_length=100, num_filters=(4, 4), use_deep_CNN=True),
            ValueError,
            "use_deep_CNN=True",
        ),
        (dict(seq_length=100, num_filters=0), ValueError, "num_filters must be >= 1"),
        (dict(seq_length=100, dropout=1.0), ValueError, r"dropout must be in \[0, 1\)"),
        (dict(seq_length=100, L1=-1), ValueError, "L1 must be >= 0"),
        (dict(seq_length=100, num_tasks=0), ValueError, "num_tasks must be >= 1"),
        (dict(seq_length=100.0), TypeError, "seq_length must be an integer"),
        (dict(seq_length=100, verbose=3), ValueError, r"verbose must be in \[0, 2\]"),
    ],
)
def test_bad_parameters_fail_up_front(kwargs, error, match):
    with pytest.raises(error, match=match):
        SequenceDNN(**kwargs)


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "not_a_model.keras"
    path.write_bytes(b"plain text")
    with pytest.raises(ValueError, match="not a SequenceDNN file"):
        SequenceDNN.load(path)
    with pytest.raises(FileNotFoundError):
        SequenceDNN.load(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="must end in '.keras'"):
        SequenceDNN(60, pool_width=10, verbose=0).save(tmp_path / "model.h5")


def test_callbacks_see_the_live_losses_and_can_stop(small_data):
    import keras

    X, y, X_valid, y_valid, _, _ = small_data
    dnn = SequenceDNN(60, num_filters=4, conv_width=10, pool_width=10, verbose=0, seed=0)
    seen = []

    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((len(dnn.train_losses), len(dnn.valid_losses)))
            if epoch == 1:
                self.model.stop_training = True

    dnn.train(X, y, (X_valid, y_valid), num_epochs=10, callbacks=[StopAfterTwo()])
    assert seen == [(1, 1), (2, 2)] and len(dnn.valid_losses) == 2
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a keras.callbacks.Callback"):
        dnn.train(X, y, (X_valid, y_valid), callbacks=[print])
