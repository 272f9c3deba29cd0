"""The training recipe behind :meth:`SequenceDNN.train`: the loop, the stopping rule, the
learning-rate schedule, and fresh simulated data each epoch.

* :func:`fit` compiles the network (Adam, binary cross-entropy, class weights), runs Keras'
  ``fit`` with a :class:`ValidationMonitor`, and restores the best weights.
* :class:`StoppingRule` decides, from one validation loss per epoch, when to cut the learning
  rate and when to stop.
* :class:`SimulationStream` is a ``keras.utils.PyDataset`` that simulates a new training set
  every epoch (optionally following a curriculum), for tasks that a fixed data set cannot teach.

The network itself is defined in :mod:`tutorial_utils.models`; the 2016 helpers
(``train_SequenceDNN`` and friends) in :mod:`tutorial_utils.training` call into this module.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import ops

from tutorial_utils._validation import check_float, check_int, check_seed
from tutorial_utils.metrics import ClassificationResult

# Default recipe, chosen for wall time to an early-stopped model on 2-core CPUs (bench/train.py
# measures it against plain Adam 1e-3 / batch 128 / patience 3 over several seeds and data
# sets): 3x the 2016 learning rate and half its batch, i.e. more and larger steps per epoch. The
# deep CNN reached validation loss 0.03 in 4 epochs at batch 64 and ended lower than at batch
# 128 (0.022-0.025 against 0.042; the reference 0.034-0.038), for 10-15 % more time per epoch;
# batches of 256-1024 were not faster per epoch. The learning rate is cut only on a confirmed
# stall (StoppingRule). The train step is compiled as Keras chooses ("auto":
# XLA on GPUs, not on CPUs): on 2 shared CPU cores XLA made an epoch 1.6-3.8x slower and used
# 1.7-2.1x the CPU time (bench/train.py --epoch-ab, interleaved, load average 4-8); an earlier
# session measured it 0.3-0.7x on a quieter machine, which a shared one rarely is.
DEFAULT_BATCH_SIZE = 64
DEFAULT_LEARNING_RATE = 3e-3
DEFAULT_PATIENCE = 3
DEFAULT_NUM_EPOCHS = 100
DEFAULT_REDUCE_LR_PATIENCE = 1
DEFAULT_REDUCE_LR_FACTOR = 0.3
DEFAULT_PLATEAU_EPOCHS = 30
DEFAULT_MIN_DELTA = 0.001  # nats per sequence; chance is 0.693
# Progress on a fixed training set must also be a fall of this many standard errors of the
# paired per-sequence differences (StoppingRule); none on fresh data each epoch. The rule tests
# once per epoch, ~10-20 times a run: at z = 2 (one-sided p = 0.023 per test) about one run in
# five is kept going by at least one chance dip, at z = 3 (p = 0.0013) about one in fifty.
# Measured (5 seeds each, bench/train.py data): z 2 -> 3 took the deep CNN from 12 / 9 / 21 / 9 /
# 14 to 9 / 8 / 21 / 9 / 14 epochs at the same test auROC; the shallow CNN's decisions were
# unchanged except one run ending 3 epochs sooner (same best epoch, auROC 0.9922 -> 0.9921).
DEFAULT_SIGNIFICANCE = 3.0
# A model that stops with its best validation loss above this fraction of the chance loss is far
# from separating the classes; with ``retries`` it is trained again from new random weights. The
# 2016 deep CNN on the June 2016 heterodimer data stopped on the strand plateau (validation loss
# 0.34-0.36, 49-53 % of chance, test auROC 0.86-0.87) on 2 of 10 seeds; converged runs end at
# 0.03-0.06 (4-9 %) and the shallow CNN near 0.1 (bench/workshop_2016.py).
RETRY_ABOVE = 0.4
LEARNING_MARGIN = 0.98  # "beats chance" = validation loss below 98 % of the chance loss
PREDICT_BATCH_SIZE = 1000


# ----------------------------------------------------------------------------------------------
# the stopping rule


class StoppingRule:
    """Early stopping and learning-rate cuts, decided from one validation loss per epoch.

    * **Progress** is a validation loss more than ``min_delta`` below the last progress epoch's
      (Keras' ``EarlyStopping``); a loss that creeps down by more than that within ``patience``
      epochs is a model on its way out of a plateau (e.g. the heterodimer's strand cue learnt,
      its spacing not yet: auROC ~0.88), and keeps its full learning rate.
    * With ``significance`` z > 0 and per-sequence losses given to :meth:`update`, the fall
      must also exceed z standard errors of the mean of the paired per-sequence differences
      (this epoch's losses minus the last progress epoch's, same validation sequences): a
      fall the validation set cannot tell from chance is not progress. A nearly separable
      model's loss sits on a few sequences and swings with its logits' offset from epoch to
      epoch (the deep CNN's validation loss 0.026-0.052 at a constant test auROC 0.999): its
      standard error (0.001-0.002 nats on 3,200 sequences) exceeds ``min_delta``, and lucky
      dips no longer keep training going; a model still learning falls by many standard errors
      (the shallow CNN's 0.0004-0.001), so its decisions are unchanged.
    * A **stall** is ``patience`` epochs without progress. It is answered with one **cut**: the
      model returns to its best weights and the learning rate is multiplied by
      ``reduce_lr_factor``, which settles a model that was bouncing around a minimum, or lets it
      creep on where the full rate could not.
    * If the ``reduce_lr_patience`` epochs after a cut bring no progress, training **stops**;
      otherwise it goes on at the lower rate, and the next stall is answered the same way. With
      ``reduce_lr_patience=None`` there are no cuts: the first stall stops training.

    The rule before issue 15 cut the learning rate at every single epoch that missed
    ``min_delta``, from the first epoch the model beat chance: on a slowly creeping loss,
    progress and missed epochs alternate, so the rate shrank geometrically (x0.3 every other
    epoch) and the model froze on the plateau (test auROC ~0.88 where the plain Keras reference
    reached 0.994). Now a cut answers a confirmed stall only, and costs one epoch to judge.

    Until the loss falls below ``LEARNING_MARGIN`` x ``chance_loss`` (the loss of always
    predicting the training base rate) the model is on the initial plateau, where the loss drifts
    without meaning: nothing counts until then, or until ``plateau_epochs`` epochs have passed
    (a model that never learns then stops). The lowest loss is tracked throughout (its weights
    are the ones kept).

    With ``retries`` > 0, a model that left chance but would stop while its best validation loss
    (since its last initialization) is still above ``retry_above`` x ``chance_loss`` is **retried**
    instead (action "retry": new initial weights, fresh optimizer state, the plateau window and
    stall counters reset), up to ``retries`` times. Such a model found a partial solution and
    stalled on it (the June 2016 heterodimer's strand cue without the spacing: auROC ~0.87); a
    new initialization usually finds the whole one. The lowest loss over all initializations is
    what training keeps.

    With ``restarts`` > 0, a model still on the plateau after ``plateau_epochs`` epochs is
    **restarted** instead (action "restart": new initial weights, fresh optimizer state), up to
    ``restarts`` times, each restart with a new ``plateau_epochs`` window. Whether and when a
    random initialization leaves the plateau of a task whose classes differ only in an
    interaction (the independent heterodimer grammar) is partly luck; a restart draws again.
    """

    def __init__(
        self,
        patience,
        reduce_lr_patience,
        plateau_epochs,
        min_delta,
        chance_loss,
        significance=0.0,
        restarts=0,
        retries=0,
        retry_above=RETRY_ABOVE,
    ):
        self.patience = patience
        self.reduce_lr_patience = reduce_lr_patience
        self.plateau_epochs = plateau_epochs
        self.min_delta = min_delta
        self.chance_loss = chance_loss
        self.significance = significance
        self.restarts_left = restarts
        self.restarts = 0
        self.retries_left = retries
        self.retries = 0
        self.retry_above = retry_above
        self.init_best_loss = np.inf  # lowest loss since the last (re)initialization
        self.first_epoch = 0  # of the current initialization
        self.learning = False
        self.cuts = 0
        self.best_loss = np.inf
        self.best_epoch = 0
        self._best_losses = None  # per-sequence losses of the best and the last progress epoch
        self.progress_loss = np.inf
        self._progress_losses = None
        self.wait = 0  # epochs since the last progress (or cut)
        self.after_cut = None  # epochs since an unanswered cut, None when none is pending

    def update(
        self, epoch: int, loss: float, sequence_losses: np.ndarray | None = None
    ) -> tuple[bool, str | None]:
        """Record the epoch's mean validation loss (and, for the significance test, its
        per-sequence losses, float array (N,), the same sequences every epoch). Returns
        (whether it is the lowest so far, action), action being None, "cut" (return to the
        best weights and cut the learning rate), "restart" or "stop"."""
        is_best = loss < self.best_loss
        if is_best:
            self.best_loss, self.best_epoch, self._best_losses = loss, epoch, sequence_losses
        self.init_best_loss = min(self.init_best_loss, loss)
        if loss < LEARNING_MARGIN * self.chance_loss:
            self.learning = True
        elif not self.learning and epoch + 1 - self.first_epoch >= self.plateau_epochs:
            if self.restarts_left > 0:
                self.restarts_left -= 1
                self.restarts += 1
                self._reinitialized(epoch)
                return is_best, "restart"
            self.learning = True
        if loss < self.progress_loss - self.threshold(sequence_losses):
            self.progress_loss, self.wait, self.after_cut = loss, 0, None
            self._progress_losses = sequence_losses
            return is_best, None
        if not self.learning:
            return is_best, None
        if self.after_cut is not None:
            self.after_cut += 1
            if self.after_cut < self.reduce_lr_patience:
                return is_best, None
            return is_best, self._stop_or_retry(epoch)
        self.wait += 1
        if self.wait < self.patience:
            return is_best, None
        if self.reduce_lr_patience is None:
            return is_best, self._stop_or_retry(epoch)
        # the cut restores the best weights: progress is measured from their loss
        self.cuts += 1
        self.progress_loss, self.wait, self.after_cut = self.best_loss, 0, 0
        self._progress_losses = self._best_losses
        return is_best, "cut"

    def _stop_or_retry(self, epoch: int) -> str:
        # left chance (a model at chance is what ``restarts`` is for) but stalled far from 0
        partial = (
            self.retry_above * self.chance_loss
            < self.init_best_loss
            < LEARNING_MARGIN * self.chance_loss
        )
        if not (partial and self.retries_left > 0):
            return "stop"
        self.retries_left -= 1
        self.retries += 1
        self._reinitialized(epoch)
        self.learning = False
        return "retry"

    def _reinitialized(self, epoch: int) -> None:
        """New initial weights from the next epoch on: a new plateau window, counters reset."""
        self.first_epoch = epoch + 1
        self.progress_loss, self.wait, self.after_cut = np.inf, 0, None
        self._progress_losses = None
        self.init_best_loss = np.inf

    def threshold(self, sequence_losses: np.ndarray | None = None) -> float:
        """The fall (nats per sequence) below the last progress loss that counts as progress:
        ``min_delta``, or ``significance`` standard errors of the paired per-sequence
        differences from the last progress epoch if that is larger."""
        reference = self._progress_losses
        if not self.significance or sequence_losses is None or reference is None:
            return self.min_delta
        differences = np.asarray(sequence_losses, dtype=np.float64) - reference
        if len(differences) < 2:
            return self.min_delta
        standard_error = float(np.std(differences, ddof=1) / np.sqrt(len(differences)))
        return max(self.min_delta, self.significance * standard_error)


# ----------------------------------------------------------------------------------------------
# the per-epoch validation monitor


class ValidationMonitor(keras.callbacks.Callback):
    """Per epoch: validation loss and metrics from one prediction pass, the
    :class:`StoppingRule`'s decision (the best weights kept in memory), and the tutorial's
    printout (``Epoch 3: validation loss: 0.123`` and the metrics)."""

    def __init__(
        self, dnn, X_valid, y_valid, rule: StoppingRule, reduce_lr_factor, verbose, data=None
    ):
        super().__init__()
        self.data = data  # the training data set, whose curriculum a restart repeats
        self.rule = rule
        self.reduce_lr_factor = reduce_lr_factor
        self.dnn = dnn
        self.X_valid = X_valid
        self.y_valid = y_valid
        self.targets = y_valid.astype(np.float64)
        self.verbose = verbose
        self.train_losses: list[float] = []
        self.valid_losses: list[float] = []
        self.best_weights = None
        self.init_best_weights = None  # of the current initialization: what a cut returns to
        self.init_best_loss = np.inf
        self.start = time.perf_counter()
        self.elapsed = 0.0
        self.epoch_seconds: list[float] = []
        self.restart_seed = 0 if dnn.seed is None else dnn.seed + 1  # then + restart number
        if dnn.seed is None:
            self.restart_seed = int(np.random.default_rng().integers(2**30))

    @property
    def best_epoch(self) -> int:
        return self.rule.best_epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logits = self.dnn.logit_model.predict(
            self.X_valid, batch_size=PREDICT_BATCH_SIZE, verbose=0
        ).astype(np.float64)
        # binary cross-entropy from logits: softplus(z) - y z, stable for large |z|
        sequence_losses = np.mean(np.logaddexp(0.0, logits) - self.targets * logits, axis=1)
        loss = float(np.mean(sequence_losses))
        self.valid_losses.append(loss)
        self.train_losses.append(float((logs or {}).get("loss", np.nan)))
        if self.verbose >= 1:
            result = ClassificationResult(self.y_valid, 1.0 / (1.0 + np.exp(-logits)))
            print(f"Epoch {epoch}: validation loss: {loss:.3f}\n{result}\n", flush=True)
        is_best, action = self.rule.update(epoch, loss, sequence_losses)
        if is_best:
            self.best_weights = self.model.get_weights()
        if loss < self.init_best_loss:
            self.init_best_loss = loss
            self.init_best_weights = self.best_weights if is_best else self.model.get_weights()
        if action == "stop":
            self.model.stop_training = True
        elif action in ("restart", "retry"):
            if action == "restart" and self.verbose >= 1:
                print(f"Epoch {epoch}: still at chance; restarting from new initial weights.")
            if action == "retry":  # said whatever the verbosity: training takes longer
                print(
                    f"Epoch {epoch}: stalled with validation loss {self.init_best_loss:.3f}, "
                    f"far from separating the classes (chance: {self.rule.chance_loss:.3f}); "
                    "training again from new initial weights (the best model is kept)."
                )
            tries = self.rule.restarts + self.rule.retries
            reinitialize(self.model, seed=self.restart_seed + tries)
            self.init_best_weights, self.init_best_loss = None, np.inf
            if hasattr(self.data, "restart_curriculum"):
                self.data.restart_curriculum()
        elif action == "cut":
            if self.init_best_weights is not None:
                self.model.set_weights(self.init_best_weights)
            optimizer = self.model.optimizer
            current = float(ops.convert_to_numpy(optimizer.learning_rate))
            optimizer.learning_rate = current * self.reduce_lr_factor
        now = time.perf_counter()
        self.epoch_seconds.append(now - self.epoch_start)
        self.elapsed = now - self.start

    def restore_best(self) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def reinitialize(model, seed: int) -> None:
    """Draw new initial weights for every layer of ``model`` (each kernel and bias from its own
    initializer, seeded by ``seed``) and zero its optimizer's state, keeping the learning rate
    it started with. Keras initializers built without a seed repeat their first draw, hence the
    explicit seed."""
    for index, layer in enumerate(model.layers):
        for name in ("kernel", "bias"):
            variable = getattr(layer, name, None)
            initializer = getattr(layer, f"{name}_initializer", None)
            if variable is None or initializer is None:
                continue
            config = initializer.get_config()
            if "seed" in config:
                config["seed"] = seed * 1000 + index
            fresh = type(initializer).from_config(config)
            variable.assign(fresh(variable.shape, dtype=variable.dtype))
    optimizer = model.optimizer
    if optimizer is not None and optimizer.built:
        rate = optimizer.initial_rate
        for variable in optimizer.variables:
            variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))
        optimizer.learning_rate = rate


# ----------------------------------------------------------------------------------------------
# fresh simulated data each epoch


class SimulationStream(keras.utils.PyDataset):
    """A new simulated training set every epoch, as a ``keras.utils.PyDataset``.

    Give it to :meth:`SequenceDNN.train` in place of ``X`` (with ``y=None``), next to a fixed
    validation set; test on a fixed test set. A model trained this way never sees a sequence
    twice, so it cannot memorise its training data: the data is as large as the training is
    long. The simulator makes 100,000+ sequences per second, a small cost next to the training
    step (the next epoch is simulated while Keras finishes the current one).

    Parameters
    ----------
    simulation_name : str, one of ``get_available_simulations()``.
    simulation_parameters : dict, that simulation's keyword arguments, as for
        ``get_simulation_data``; its sizes (``num_pos`` + ``num_neg``, or ``num_seqs``) are the
        sequences of one epoch. A ``seed`` entry is not allowed (see ``seed``).
    batch_size : int >= 1, default 128. Sequences per gradient step; a last partial batch is
        dropped, so every epoch has ``sequences // batch_size`` steps.
    curriculum : list of (epochs, overrides) or None (default). Stages run first, in order:
        stage i lasts ``epochs`` epochs and simulates with ``simulation_parameters`` updated by
        the dict ``overrides``; afterwards, ``simulation_parameters`` as given. E.g.
        ``[(3, {"pair_orientation": "forward"})]`` teaches the heterodimer's motifs on the
        easier forward-strand grammar for 3 epochs before the real one.
    seed : int >= 0 or None (default). Seeds the simulations (the same seed, the same stream).

    Attributes
    ----------
    epoch : int, the epoch whose data the stream serves now (0-based).
    curriculum_epochs : int, the epochs spent in curriculum stages.
    base_rate : float array (tasks,), the fraction of positives per task in the first epoch.
    """

    def __init__(
        self,
        simulation_name,
        simulation_parameters,
        *,
        batch_size=DEFAULT_BATCH_SIZE,
        curriculum=None,
        seed=None,
    ):
        super().__init__(workers=1, use_multiprocessing=False)
        from tutorial_utils.datasets import bind_simulation, check_data_size

        if isinstance(simulation_parameters, Mapping) and "seed" in simulation_parameters:
            raise ValueError(
                "simulation_parameters must not hold 'seed': give SimulationStream(seed=...), "
                "which seeds every epoch's simulation"
            )
        self.simulate, self.parameters = bind_simulation(simulation_name, simulation_parameters)
        self.simulation_name = simulation_name
        self.batch_size = check_int("batch_size", batch_size, min_value=1)
        check_data_size(simulation_name, self.parameters)
        self.stages = _check_curriculum(simulation_name, self.parameters, curriculum)
        self.curriculum_epochs = sum(epochs for epochs, _ in self.stages)
        self._rng = check_seed(seed)
        self.epoch = 0
        self.curriculum_start = 0  # the epoch the curriculum (re)starts at; see restart_curriculum
        self._served = 0  # batches served since the epoch began
        self._load(0)
        if self.num_batches == 0:
            raise ValueError(
                f"batch_size ({self.batch_size}) exceeds the {len(self.X)} sequences of one "
                "epoch: lower batch_size or simulate more sequences per epoch"
            )
        self.base_rate = self.y.mean(axis=0)

    def parameters_at(self, epoch: int) -> dict:
        """The simulation parameters used for ``epoch`` (curriculum applied)."""
        first = self.curriculum_start
        for epochs, overrides in self.stages:
            if epoch < first + epochs:
                return {**self.parameters, **overrides}
            first += epochs
        return dict(self.parameters)

    def _load(self, epoch: int) -> None:
        simulated = self.simulate(**self.parameters_at(epoch), seed=self._rng)
        order = self._rng.permutation(len(simulated))
        self.X = simulated.one_hot(order)
        self.y = simulated.y[order].astype(np.float32)
        self.sample_weight = class_weights(self.y.astype(bool))

    @property
    def num_batches(self) -> int:
        return len(self.X) // self.batch_size

    def __len__(self) -> int:
        return self.num_batches

    def __getitem__(self, index):
        if not 0 <= index < self.num_batches:
            raise IndexError(f"batch {index} out of range [0, {self.num_batches})")
        self._served += 1
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.sample_weight is None:
            return self.X[batch], self.y[batch]
        return self.X[batch], self.y[batch], self.sample_weight[batch]

    def on_epoch_begin(self):
        self._served = 0

    def on_epoch_end(self):
        # Keras also calls this before the first epoch (TensorFlow: resetting its iterator; JAX
        # and PyTorch: after one batch that builds the model): only an epoch whose batches were
        # all served moves the stream on, so epoch 0's data is not skipped
        if self._served < self.num_batches:
            return
        self._served = 0
        self.epoch += 1
        self._load(self.epoch)

    def restart_curriculum(self) -> None:
        """Run the curriculum again from the next epoch served, whose data is simulated anew
        (for a model that restarts from new initial weights: ``SequenceDNN.train(restarts=...)``).
        """
        self.curriculum_start = self.epoch
        self._load(self.epoch)

    def __repr__(self) -> str:
        return (
            f"SimulationStream({self.simulation_name!r}, {len(self.X)} sequences x "
            f"{self.X.shape[1]} bp per epoch, batch_size={self.batch_size}, "
            f"curriculum epochs={self.curriculum_epochs}, now at epoch {self.epoch})"
        )


def _check_curriculum(name, parameters, curriculum) -> list[tuple[int, dict]]:
    if curriculum is None:
        return []
    if isinstance(curriculum, (str, Mapping)) or not isinstance(curriculum, Sequence):
        raise TypeError(
            f"curriculum must be a list of (epochs, overrides) stages, got {curriculum!r}"
        )
    from tutorial_utils.datasets import bind_simulation, check_data_size

    stages = []
    for i, stage in enumerate(curriculum):
        if not isinstance(stage, (tuple, list)) or len(stage) != 2:
            raise TypeError(f"curriculum[{i}] must be an (epochs, overrides) pair, got {stage!r}")
        epochs = check_int(f"curriculum[{i}] epochs", stage[0], min_value=1)
        if not isinstance(stage[1], Mapping):
            raise TypeError(
                f"curriculum[{i}] overrides must be a dict of simulation parameters, got "
                f"{type(stage[1]).__name__}"
            )
        overrides = dict(stage[1])
        try:
            check_data_size(name, bind_simulation(name, {**parameters, **overrides})[1])
        except (TypeError, ValueError) as error:  # unknown names, sizes that cannot fit
            raise type(error)(f"curriculum[{i}] overrides: {error}") from None
        stages.append((epochs, overrides))
    return stages


# ----------------------------------------------------------------------------------------------
# the loop


def class_weights(y: np.ndarray) -> np.ndarray | None:
    """Per-example loss weights for one task: N / (2 N_class), float32 (N,); None for several
    tasks (multi-task training is unweighted, as in 2016). y : bool (N, tasks)."""
    if y.shape[1] != 1:
        return None
    labels = y[:, 0]
    n, n_pos = len(labels), int(labels.sum())
    if n_pos in (0, n):
        return None
    return np.where(labels, n / (2.0 * n_pos), n / (2.0 * (n - n_pos))).astype(np.float32)


def fit(
    dnn,
    X,
    y,
    validation_data,
    *,
    num_epochs=DEFAULT_NUM_EPOCHS,
    patience=DEFAULT_PATIENCE,
    batch_size=None,
    learning_rate=DEFAULT_LEARNING_RATE,
    reduce_lr_patience=DEFAULT_REDUCE_LR_PATIENCE,
    reduce_lr_factor=DEFAULT_REDUCE_LR_FACTOR,
    plateau_epochs=DEFAULT_PLATEAU_EPOCHS,
    min_delta=DEFAULT_MIN_DELTA,
    significance=None,
    callbacks=None,
    verbose=None,
    restarts=0,
    retries=0,
):
    """Train ``dnn`` (a SequenceDNN) with the recipe; see :meth:`SequenceDNN.train`."""
    verbose = (
        dnn.verbose if verbose is None else check_int("verbose", verbose, min_value=0, max_value=2)
    )
    num_epochs = check_int("num_epochs", num_epochs, min_value=1)
    patience = check_int("patience", patience, min_value=0)
    learning_rate = check_float("learning_rate", learning_rate, min_value=0)
    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if reduce_lr_patience is not None:
        reduce_lr_patience = check_int("reduce_lr_patience", reduce_lr_patience, min_value=1)
    reduce_lr_factor = check_float("reduce_lr_factor", reduce_lr_factor, min_value=0, max_value=1)
    plateau_epochs = check_int("plateau_epochs", plateau_epochs, min_value=0)
    min_delta = check_float("min_delta", min_delta, min_value=0)
    if significance is not None:
        significance = check_float("significance", significance, min_value=0)
    restarts = check_int("restarts", restarts, min_value=0)
    retries = check_int("retries", retries, min_value=0)
    callbacks = list(callbacks or [])
    for i, callback in enumerate(callbacks):
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks[{i}] must be a keras.callbacks.Callback, got {type(callback).__name__}"
            )
    stream = isinstance(X, keras.utils.PyDataset)
    if stream:
        if y is not None:
            raise ValueError(
                f"y must be None when X is a data set ({type(X).__name__}) that yields the labels"
            )
        if batch_size is not None:
            raise ValueError(
                f"batch_size is set by the data set ({type(X).__name__}), not by train(); "
                "leave it out"
            )
        base_rate, curriculum_epochs = _check_stream(dnn, X)
        # fresh data: the validation loss of a creeping model falls steadily in expectation,
        # and each small fall counts (the hard grammar's plateau, see StoppingRule)
        significance = 0.0 if significance is None else significance
    else:
        batch_size = check_int(
            "batch_size", DEFAULT_BATCH_SIZE if batch_size is None else batch_size, min_value=1
        )
        X = dnn._check_sequences(X, "X", strict=True)
        y = dnn._check_labels(y, len(X), "y")
        _check_both_classes(y, "y")
        significance = DEFAULT_SIGNIFICANCE if significance is None else significance
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError("validation_data must be a tuple (X_valid, y_valid)")
    X_valid = dnn._check_sequences(validation_data[0], "validation_data[0]", strict=True)
    y_valid = dnn._check_labels(validation_data[1], len(X_valid), "validation_data[1]")

    if dnn.seed is not None:
        keras.utils.set_random_seed(dnn.seed)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.initial_rate = learning_rate  # what a restart returns to
    dnn.model.compile(optimizer=optimizer, loss="binary_crossentropy")
    # chance level: binary cross-entropy of predicting each task's training base rate
    if not stream:
        base_rate, curriculum_epochs = y.mean(axis=0), 0
    base_rate = np.clip(base_rate, 1e-6, 1 - 1e-6)
    chance_loss = float(np.mean(-(y_valid * np.log(base_rate) + ~y_valid * np.log(1 - base_rate))))
    # a curriculum's stages count as part of the initial plateau
    plateau_epochs = (
        max(plateau_epochs, curriculum_epochs + 1) if curriculum_epochs else plateau_epochs
    )
    rule = StoppingRule(
        patience,
        reduce_lr_patience,
        plateau_epochs,
        min_delta,
        chance_loss,
        significance,
        restarts,
        retries,
    )
    monitor = ValidationMonitor(
        dnn, X_valid, y_valid, rule, reduce_lr_factor, verbose, data=X if stream else None
    )
    # the monitor's lists, live during training
    dnn.train_losses = monitor.train_losses
    dnn.valid_losses = monitor.valid_losses
    if verbose >= 1:
        print("Training model...")
    if stream:
        inputs = dict(x=X, shuffle=False)  # each epoch's data comes shuffled
    else:
        inputs = dict(
            x=X,
            y=y.astype(np.float32),
            sample_weight=class_weights(y),
            batch_size=batch_size,
            shuffle=True,
        )
    dnn.model.fit(
        **inputs,
        epochs=num_epochs,
        callbacks=[monitor, *callbacks],
        verbose=1 if verbose >= 2 else 0,
    )
    monitor.restore_best()
    dnn.epoch_seconds = monitor.epoch_seconds
    dnn.best_epoch = monitor.best_epoch
    dnn.restarts = rule.restarts
    dnn.retries = rule.retries
    dnn.trained = True
    dnn.chance_loss = chance_loss
    dnn.at_chance = bool(rule.best_loss >= LEARNING_MARGIN * chance_loss)
    if verbose >= 1:
        print(
            f"Finished training after {len(dnn.valid_losses)} epochs "
            f"({monitor.elapsed:.1f} s); restored the weights of epoch {dnn.best_epoch} "
            f"(validation loss {dnn.valid_losses[dnn.best_epoch]:.3f})."
        )
    if dnn.at_chance:  # said whatever the verbosity: this is the result, not a detail
        print(at_chance_message(rule.best_loss, chance_loss, len(dnn.valid_losses)))
    return dnn


def at_chance_message(best_loss: float, chance_loss: float, epochs: int) -> str:
    """What a model that never beat chance has learnt (nothing), and what to try."""
    return (
        f"The model is still at chance after {epochs} epochs: its best validation loss "
        f"({best_loss:.3f}) is no better than always predicting the share of positives "
        f"({chance_loss:.3f}), so it has not learnt to tell the classes apart and its test "
        "metrics (auROC near 0.5) measure a guess, not a model.\n"
        "What to try:\n"
        "  * start again from new random weights: another seed, or train(..., restarts=2);\n"
        "  * pooling that fits the label: pool_width='global' when the label asks whether a "
        "pattern occurs anywhere in the sequence;\n"
        "  * more training data, or a fresh simulated training set every epoch "
        "(SimulationStream), so that the network cannot memorise its training set first;\n"
        "  * a smaller learning rate (learning_rate=1e-3) or larger batches (batch_size=128);\n"
        "  * an easier version of the task first (e.g. the heterodimer with "
        "pair_orientation='forward')."
    )


def _check_both_classes(y: np.ndarray, name: str) -> None:
    n_pos = y.sum(axis=0)
    for task in range(y.shape[1]):
        if n_pos[task] in (0, len(y)):
            raise ValueError(
                f"{name} must hold both classes in every task; task {task} has only "
                f"{'negatives' if n_pos[task] == 0 else 'positives'} ({len(y)} examples)"
            )


def _check_stream(dnn, stream) -> tuple[np.ndarray, int]:
    """Check a data set's first batch against the model ((batch, L, 4) sequences, (batch, tasks)
    labels); return (base rate per task, curriculum epochs) of the stream."""
    batch = stream[0]
    if not isinstance(batch, tuple) or len(batch) not in (2, 3):
        raise TypeError(
            f"X ({type(stream).__name__}) must yield (sequences, labels[, weights]) batches"
        )
    X_batch = dnn._check_sequences(batch[0], "a batch of X", strict=True)
    labels = dnn._check_labels(batch[1], len(X_batch), "a batch's labels")
    base_rate = getattr(stream, "base_rate", None)
    if base_rate is None:
        base_rate = labels.mean(axis=0)
    return np.asarray(base_rate, dtype=np.float64), int(getattr(stream, "curriculum_epochs", 0))
