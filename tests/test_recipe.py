"""The training recipe: the stopping rule on recorded curves, fresh simulated data each epoch
(SimulationStream), and training on it."""

from __future__ import annotations

import numpy as np
import pytest

from tutorial_utils import SequenceDNN, get_simulation_data, recipe
from tutorial_utils.recipe import SimulationStream, StoppingRule

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


def _next_epoch(stream):
    """What Keras' fit does in one epoch: begin, serve every batch, end."""
    stream.on_epoch_begin()
    for i in range(len(stream)):
        stream[i]
    stream.on_epoch_end()


def test_stream_serves_fresh_shuffled_batches_each_epoch():
    stream = SimulationStream("simulate_single_motif_detection", SINGLE, batch_size=64, seed=3)
    stream.on_epoch_end()  # as Keras does before the first epoch: epoch 0 is not skipped
    assert stream.epoch == 0
    assert len(stream) == stream.num_batches == 6
    X, y, weights = stream[0]
    assert X.shape == (64, 60, 4) and X.dtype == np.float32 and y.shape == (64, 1)
    assert np.all(weights == 1)  # balanced classes: N / (2 N_class) = 1
    assert np.all(X.sum(axis=2) == 1)
    assert 0 < y.mean() < 1  # shuffled: both classes in a batch
    first = np.concatenate([stream[i][0] for i in range(len(stream))])
    labels = np.concatenate([stream[i][1] for i in range(len(stream))])
    assert labels.sum() == 192 and stream.base_rate.tolist() == [0.5]
    _next_epoch(stream)
    assert stream.epoch == 1
    second = np.concatenate([stream[i][0] for i in range(len(stream))])
    assert not np.array_equal(first, second)
    # the same seed gives the same stream, epoch after epoch
    again = SimulationStream("simulate_single_motif_detection", SINGLE, batch_size=64, seed=3)
    np.testing.assert_array_equal(again[5][0], first[320:384])
    _next_epoch(again)
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
    # a restarted model gets the curriculum again, from the next epoch simulated
    for _ in range(4):
        _next_epoch(stream)
    stream.restart_curriculum()  # at epoch 4: its data is simulated again, as the curriculum's
    assert [stream.parameters_at(e)["max_spacing"] for e in range(4, 8)] == [5, 5, 3, 5]
    assert stream.parameters_at(4).get("pair_orientation") == "forward"


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
    per_epoch = dict(SINGLE, num_pos=320, num_neg=320)
    stream = SimulationStream(
        "simulate_single_motif_detection", per_epoch, batch_size=32, seed=seed
    )
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


# ---------------------------------------------------------------------------------------------
# the stopping rule on recorded validation-loss curves

# The hard heterodimer grammar (pair_orientation="independent"), deep CNN trained on fresh data
# each epoch after 5 forward-orientation epochs, Adam 1e-3 (issue 15): the loss drops to 0.36
# (auROC 0.88), creeps down for 16 epochs, and leaves that plateau at epoch 37 (auROC 0.95). The
# rule before issue 15 cut the learning rate at every epoch that missed min_delta from epoch 22
# on: nine cuts (x0.3 each) before epoch 37, the model frozen on the plateau.
CREEPING_PLATEAU = [
    0.6972, 0.6976, 0.7011, 0.7199, 0.6722, 0.6521, 0.6348, 0.6263, 0.6224, 0.6106, 0.5754,
    0.5236, 0.4768, 0.4408, 0.4185, 0.3999, 0.385, 0.378, 0.3693, 0.364, 0.3607, 0.3544, 0.3575,
    0.3536, 0.349, 0.3475, 0.3489, 0.3456, 0.3464, 0.3448, 0.3434, 0.3427, 0.3432, 0.3401, 0.3402,
    0.3422, 0.3433, 0.3058, 0.2912, 0.2861, 0.2657, 0.2622, 0.2584, 0.2562, 0.2537,
]  # fmt: skip
# The shallow CNN on the tutorial's heterodimer data made by simdna 0.4.3.2 (seed 1), plain Keras
# reference (Adam 1e-3, constant rate, patience 3), epochs 50-88: a slow descent that levels off
# at 0.0898.
LEVELLING_OFF = [
    0.123, 0.1196, 0.1165, 0.1137, 0.1112, 0.1088, 0.1068, 0.1048, 0.1031, 0.1015, 0.1001,
    0.0987, 0.0974, 0.0962, 0.0953, 0.0945, 0.0937, 0.0931, 0.0925, 0.092, 0.0916, 0.0913, 0.091,
    0.0908, 0.0906, 0.0905, 0.0903, 0.0903, 0.0902, 0.0901, 0.09, 0.09, 0.0899, 0.0898, 0.0898,
    0.0898, 0.0898, 0.0899, 0.0901,
]  # fmt: skip


def _decisions(losses, **kwargs):
    """The rule's actions on a recorded curve, with the recipe's defaults unless overridden."""
    settings = dict(
        patience=recipe.DEFAULT_PATIENCE,
        reduce_lr_patience=recipe.DEFAULT_REDUCE_LR_PATIENCE,
        plateau_epochs=recipe.DEFAULT_PLATEAU_EPOCHS,
        min_delta=recipe.DEFAULT_MIN_DELTA,
        chance_loss=0.693,
    )
    rule = StoppingRule(**{**settings, **kwargs})
    actions = []
    for epoch, loss in enumerate(losses):
        actions.append(rule.update(epoch, loss)[1])
        if actions[-1] == "stop":
            break
    return actions, rule


def test_stopping_rule_keeps_the_learning_rate_through_a_creeping_plateau():
    actions, rule = _decisions(CREEPING_PLATEAU)
    # the loss falls by more than 0.001 within every three epochs until 33; 34-36 do not: one
    # cut (back to the weights of 33), and the plateau ends at 37
    assert actions == [None] * 36 + ["cut"] + [None] * 8
    assert rule.cuts == 1 and rule.best_epoch == 44


def test_stopping_rule_cuts_once_then_stops_where_the_loss_levels_off():
    actions, rule = _decisions(LEVELLING_OFF)
    # at 22 the loss has fallen only from 0.092 (19) to 0.091 in three epochs: back to the best
    # weights, learning rate cut; the next epoch brings no progress either, so training stops at
    # 23 (0.0908), where the reference went on to epoch 88 for 0.0898
    assert actions == [None] * 22 + ["cut", "stop"]
    assert rule.best_epoch == 23


def test_stopping_rule_goes_on_after_a_cut_that_helps():
    losses = [0.3, 0.1, 0.11, 0.12, 0.13, 0.098, 0.0975, 0.0972, 0.0971, 0.0969]
    actions, rule = _decisions(losses)
    # stall (0.11-0.13) -> cut; 0.098 is progress from the restored 0.1, so training goes on;
    # 0.0975-0.0971 stall again -> second cut; 0.0969 is no progress -> stop
    assert actions == [None] * 4 + ["cut", None, None, None, "cut", "stop"]
    assert rule.cuts == 2 and rule.best_epoch == 9


def test_stopping_rule_waits_out_the_chance_plateau():
    # at chance (0.693) nothing counts, however long the wiggle, until plateau_epochs
    actions, rule = _decisions([0.70, 0.69, 0.695, 0.691, 0.69, 0.692, 0.694, 0.693])
    assert actions == [None] * 8 and not rule.learning
    # a model that never learns stops soon after plateau_epochs
    wiggle = [0.70, 0.69, 0.695, 0.691, 0.692, 0.694, 0.696, 0.695, 0.697, 0.699]
    actions, rule = _decisions(wiggle, plateau_epochs=4)
    assert rule.learning and actions == [None] * 5 + ["cut", "stop"]
    assert rule.best_epoch == 1


def test_stopping_rule_counts_drops_larger_than_min_delta():
    # 0.1 -> 0.0995 -> 0.0994 -> 0.0993: each a new minimum, none 0.001 below 0.1
    actions, rule = _decisions([0.3, 0.1, 0.0995, 0.0994, 0.0993])
    assert actions == [None, None, None, None, "cut"] and rule.best_epoch == 4
    # min_delta=0: every new minimum is progress
    actions, _ = _decisions([0.3, 0.1, 0.0995, 0.0994, 0.0993], min_delta=0)
    assert actions == [None] * 5


def test_stopping_rule_without_learning_rate_cuts_is_plain_early_stopping():
    actions, rule = _decisions([0.3, 0.2, 0.25, 0.21, 0.22], reduce_lr_patience=None)
    assert actions == [None, None, None, None, "stop"] and rule.best_epoch == 1


def _swinging_epochs():
    """Per-sequence validation losses (3,200 sequences) of a nearly separable model: 3,168 at
    0.005 nats and 32 hard ones at 2.0 (mean 0.025), then three epochs in which half the hard
    ones fall by 1.0 and the other half rise by 0.7, alternately: the mean falls by 0.0015
    (more than min_delta) every time, with a paired standard error of 0.0015."""
    base = np.full(3200, 0.005)
    base[:32] = 2.0
    swing_a, swing_b = base.copy(), base.copy()
    swing_a[:16] -= 1.0
    swing_a[16:32] += 0.7
    swing_b[:16] += 0.7
    swing_b[16:32] -= 1.0
    return [np.full(3200, 0.693), base, swing_a, swing_b, swing_a]


def test_stopping_rule_ignores_falls_within_the_validation_noise():
    epochs = _swinging_epochs()

    def actions(significance):
        rule = StoppingRule(3, 1, 30, 0.001, 0.693, significance)
        return [rule.update(e, float(v.mean()), v)[1] for e, v in enumerate(epochs)], rule

    decided, rule = actions(0)
    assert decided == [None] * 5 and rule.threshold(epochs[3]) == 0.001
    # two standard errors (0.003) exceed the 0.0015 falls: a stall, answered with a cut
    decided, rule = actions(2)
    assert decided == [None, None, None, None, "cut"]
    rule = StoppingRule(3, 1, 30, 0.001, 0.693, 2)
    rule.update(0, float(epochs[0].mean()), epochs[0])
    rule.update(1, float(epochs[1].mean()), epochs[1])
    standard_error = np.std(epochs[2] - epochs[1], ddof=1) / np.sqrt(3200)
    assert rule.threshold(epochs[2]) == pytest.approx(2 * standard_error)
    assert 0.0014 < standard_error < 0.0016
    # every sequence a little better (0.0015 +- 0.0005): many standard errors, progress
    learning = [epochs[0], epochs[1]] + [
        epochs[1] - 0.0015 * k + 0.0005 * (-1) ** np.arange(3200) for k in (1, 2, 3)
    ]
    rule = StoppingRule(3, 1, 30, 0.001, 0.693, 2)
    assert [rule.update(e, float(v.mean()), v)[1] for e, v in enumerate(learning)] == [None] * 5
    assert rule.best_epoch == 4 and rule.wait == 0
    # without per-sequence losses (a recorded curve of means) min_delta alone decides
    rule = StoppingRule(3, 1, 30, 0.001, 0.693, 2)
    assert [rule.update(e, float(v.mean()))[1] for e, v in enumerate(epochs)] == [None] * 5


def test_stopping_rule_restarts_a_model_still_at_chance():
    wiggle = [0.70, 0.69, 0.695, 0.691, 0.692, 0.694, 0.696, 0.695, 0.697, 0.699, 0.698, 0.70]
    wiggle += [0.701, 0.702, 0.703]
    # the first plateau_epochs (4) at chance end in a restart, and so does the next 4
    actions, rule = _decisions(wiggle, plateau_epochs=4, restarts=2)
    assert actions[:8] == [None, None, None, "restart", None, None, None, "restart"]
    # no restarts left: the third initialization is judged as without restarts (its first loss
    # is its progress mark; 3 epochs without progress once plateau_epochs have passed: a cut)
    assert actions[8:] == [None] * 5 + ["cut", "stop"]
    assert rule.restarts == 2 and rule.learning and rule.best_epoch == 1
    # a restarted model that leaves chance learns as usual; the best loss is kept throughout
    learns = [0.70, 0.69, 0.695, 0.691, 0.69, 0.5, 0.3, 0.2, 0.15]
    actions, rule = _decisions(learns, plateau_epochs=4, restarts=3)
    assert actions == [None, None, None, "restart"] + [None] * 5
    assert rule.restarts == 1 and rule.learning and rule.best_epoch == 8


@pytest.mark.backend
def test_restart_draws_new_weights_repeatably_and_clears_the_optimizer():
    import keras

    def fresh():
        dnn = SequenceDNN(60, num_filters=4, conv_width=10, pool_width=51, verbose=0, seed=5)
        dnn.model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        X, y = np.eye(4, dtype=np.float32)[np.zeros((8, 60), int)], np.ones((8, 1), np.float32)
        dnn.model.fit(X, y, epochs=1, verbose=0)
        dnn.model.optimizer.initial_rate = 1e-3
        dnn.model.optimizer.learning_rate = 1e-4  # as after a cut
        return dnn

    dnn, twin = fresh(), fresh()
    before = dnn.get_sequence_filters()
    recipe.reinitialize(dnn.model, seed=7)
    recipe.reinitialize(twin.model, seed=7)
    after = dnn.get_sequence_filters()
    assert not np.allclose(after, before)
    np.testing.assert_array_equal(after, twin.get_sequence_filters())
    recipe.reinitialize(twin.model, seed=8)
    assert not np.allclose(twin.get_sequence_filters(), after)
    optimizer = dnn.model.optimizer
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(1e-3)
    assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == 0


def _restarted(seed):
    (X_valid, y_valid), _ = _validation()
    # labels unrelated to the sequences: the validation loss never leaves chance
    y_valid = np.random.default_rng(0).permutation(y_valid)
    per_epoch = dict(SINGLE, num_pos=320, num_neg=320)
    stream = SimulationStream(
        "simulate_single_motif_detection", per_epoch, batch_size=32,
        curriculum=[(1, {"motif_name": "GATA_known6"})], seed=seed,
    )  # fmt: skip
    dnn = SequenceDNN(60, num_filters=8, conv_width=10, pool_width=51,
                      reverse_complement="filters", verbose=0, seed=seed)  # fmt: skip
    # plateau_epochs=1 (2 with the curriculum epoch): a restart every 2 epochs, 3 at most
    dnn.train(stream, validation_data=(X_valid, y_valid), num_epochs=8, learning_rate=1e-2,
              plateau_epochs=1, restarts=3)  # fmt: skip
    return dnn, stream


@pytest.mark.backend
def test_restarts_redraw_the_weights_and_repeat_the_curriculum_repeatably():
    dnn, stream = _restarted(seed=4)
    assert dnn.restarts == 3
    assert stream.curriculum_start == 6  # the last restart, after epoch 5 (0-based)
    assert stream.epoch == 8  # 8 epochs served from epoch 0 on, the next one simulated
    again, _ = _restarted(seed=4)
    assert again.valid_losses == dnn.valid_losses
    np.testing.assert_array_equal(again.get_sequence_filters(), dnn.get_sequence_filters())


def test_stopping_rule_retries_a_model_stalled_far_from_separating_the_classes():
    # the June 2016 heterodimer's strand plateau (bench/workshop_2016.py, seed 18): validation
    # loss 0.336 = 48 % of chance, then flat; a second initialization learns the spacing
    strand_plateau = [0.689, 0.356, 0.342, 0.339, 0.335, 0.336, 0.336, 0.336, 0.336]
    second_try = [0.69, 0.40, 0.08, 0.057, 0.047, 0.039, 0.0405, 0.045, 0.053, 0.046]
    actions, rule = _decisions(strand_plateau + second_try, retries=1)
    assert actions[:8] == [None] * 7 + ["cut"] and actions[8] == "retry"
    assert actions[-2:] == ["cut", "stop"] and rule.retries == 1
    assert rule.best_epoch == len(strand_plateau) + 5  # 0.039, the second try's
    # without retries it stops on the plateau; a converged model is never retried
    actions, rule = _decisions(strand_plateau, retries=0)
    assert actions[-1] == "stop" and rule.retries == 0
    actions, rule = _decisions(second_try, retries=2)
    assert actions[-1] == "stop" and rule.retries == 0


def test_stopping_rule_does_not_retry_a_model_at_chance():
    # a model that never left chance is what restarts are for: retrying it would cost another
    # plateau_epochs each time
    wiggle = [0.70, 0.69, 0.695, 0.691, 0.692, 0.694, 0.696, 0.695, 0.697, 0.699]
    actions, rule = _decisions(wiggle, plateau_epochs=4, retries=2)
    assert actions[-1] == "stop" and rule.retries == 0
