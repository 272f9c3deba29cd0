"""SequenceDNN: the DragoNN convolutional network for DNA sequence classification, on Keras 3.

The network (a functional ``keras.Model``; layer names are part of the contract that the
interpretation modules rely on)::

    sequence (N, L, 4) -> conv_1 -> relu_1 -> dropout_1 [-> conv_2 -> relu_2 -> dropout_2 ...]
        -> pool -> flatten -> logits (N, tasks) -> probability (sigmoid)

Convolutions are linear, ``he_normal``, stride 1, "valid"; ``pool`` is a max-pooling with
stride = width ("valid", so a remainder shorter than ``pool_width`` is dropped). ``L1`` adds an
L1 penalty ``L1 * sum(|kernel|)`` on the kernel of every convolution (not biases, not the dense
layer): the 2016 workshop code put it on convolutions 2-3 only, later versions also on biases.

Training (see :meth:`SequenceDNN.train`) is class-weighted binary cross-entropy with early
stopping on the validation loss that restores the best epoch's weights (the 2016 code kept the
last epoch's weights); the recipe (loop, stopping rule, learning-rate schedule, fresh simulated
data per epoch) lives in :mod:`tutorial_utils.recipe`.
"""

from __future__ import annotations

import json
import os
import warnings
import zipfile
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from tutorial_utils import recipe
from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_float, check_int, check_sequence_dnn_size
from tutorial_utils.metrics import ClassificationResult
from tutorial_utils.recipe import (  # noqa: F401  (the recipe's defaults, re-exported)
    DEFAULT_BATCH_SIZE,
    DEFAULT_LEARNING_RATE,
    DEFAULT_MIN_DELTA,
    DEFAULT_NUM_EPOCHS,
    DEFAULT_PATIENCE,
    DEFAULT_PLATEAU_EPOCHS,
    DEFAULT_REDUCE_LR_FACTOR,
    DEFAULT_REDUCE_LR_PATIENCE,
    PREDICT_BATCH_SIZE,
)

PARAMS_ENTRY = "sequence_dnn.json"  # constructor parameters, stored inside the .keras zip


@keras.saving.register_keras_serializable(package="tutorial_utils")
class Flip(keras.layers.Layer):
    """Reverses the given axes. ``axis=(1, 2)`` of one-hot DNA (N, L, 4) over A, C, G, T is its
    reverse complement (positions reversed, A<->T and C<->G); ``axis=1`` reverses positions."""

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (tuple, list)) else axis

    def call(self, inputs):
        return ops.flip(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class SequenceDNN:
    """Convolutional neural network for (multi-task) binary classification of DNA sequences.

    Parameters
    ----------
    seq_length : int, length L of the input sequences (one-hot, shape (N, L, 4)).
    use_deep_CNN : bool, default False. Three convolutions (``num_filters``/``conv_width``,
        ``num_filters_2``/``conv_width_2``, ``num_filters_3``/``conv_width_3``) instead of one.
    num_tasks : int, default 1. Number of binary outputs.
    num_filters, conv_width : int (default 15 each), or equal-length sequences giving one
        convolution per entry, e.g. ``num_filters=(15, 15, 15), conv_width=(25, 25, 25)``
        (an int is repeated to the other's length). Sequences exclude ``use_deep_CNN``.
    num_filters_2, conv_width_2, num_filters_3, conv_width_3 : int, default 15; used only with
        ``use_deep_CNN=True``.
    pool_width : int, default 35, or "global". Max-pooling width and stride (bp of the last
        conv output). "global" pools the whole output in one window (global max pooling: each
        filter's best score anywhere in the sequence), the right bias for a label that asks
        whether a pattern occurs anywhere, e.g. the independent heterodimer grammar; the width
        is then ``seq_length`` minus the convolutions' ``conv_width - 1`` each.
    L1 : float >= 0, default 0. L1 penalty weight on every convolution kernel.
    dropout : float in [0, 1), default 0.0. Dropout rate after every convolution's ReLU.
    verbose : int, default 1. 0 silent; 1 prints the validation loss and metrics each epoch;
        2 also shows Keras' progress bar.
    seed : int >= 0 or None (default). Seeds Keras (weights, dropout, shuffling) at
        construction and again at the start of :meth:`train`, so runs are repeatable.
    reverse_complement : False (default), "filters" or "network". Weights shared between the
        two strands. "filters": every first-layer filter scans both strands and keeps the larger
        score at each position (as DeepBind scans both strands; Alipanahi et al. 2015), so
        ``conv_1`` detects a motif on either strand alike and the deeper layers see where
        motifs are, not on which strand (right for a label that ignores strand, wrong for one
        that depends on it); it doubles the first layer's cost only. "network": the whole
        network scores the sequence and its reverse complement and the two logits are averaged
        (the "conjoined" network of Zhou et al. 2021, Bioinformatics 37:2238), at twice the
        cost. Either way the network is no longer a single chain of layers, which ISM's fast
        path, DeepLIFT and the layer views need.

    Attributes
    ----------
    model : keras.Model, sequence (N, L, 4) -> probabilities (N, tasks).
    logit_model : keras.Model, sequence -> logits (N, tasks) (the input of the sigmoid).
    train_losses, valid_losses : list of float, per epoch of the last :meth:`train`.
    epoch_seconds : list of float, wall time of each epoch (training and validation).
    best_epoch : int or None, 0-based epoch whose weights the model holds after training.
    at_chance : bool, True when the last :meth:`train` never brought the validation loss below
        98 % of the chance loss (``chance_loss``: always predicting the share of positives);
        training then says so in words, with what to try, and ``test_SequenceDNN`` labels the
        test metrics as chance level.
    """

    def __init__(
        self,
        seq_length,
        use_deep_CNN=False,
        num_tasks=1,
        num_filters=15,
        conv_width=15,
        num_filters_2=15,
        conv_width_2=15,
        num_filters_3=15,
        conv_width_3=15,
        pool_width=35,
        L1=0,
        dropout=0.0,
        verbose=1,
        seed=None,
        reverse_complement=False,
    ):
        self.seq_length = check_int("seq_length", seq_length, min_value=1)
        if not isinstance(use_deep_CNN, (bool, np.bool_)):
            raise TypeError(f"use_deep_CNN must be True or False, got {use_deep_CNN!r}")
        self.num_tasks = check_int("num_tasks", num_tasks, min_value=1)
        self.filters, self.widths = _layer_plan(
            bool(use_deep_CNN),
            num_filters,
            conv_width,
            (num_filters_2, conv_width_2),
            (num_filters_3, conv_width_3),
        )
        if isinstance(pool_width, str):
            if pool_width != "global":
                raise ValueError(
                    f"pool_width must be an integer >= 1 or 'global', got {pool_width!r}"
                )
            self.pool_width = _conv_output_length(self.seq_length, self.widths)
        else:
            self.pool_width = check_int("pool_width", pool_width, min_value=1)
        self.L1 = check_float("L1", L1, min_value=0)
        self.dropout = check_float("dropout", dropout, min_value=0)
        if self.dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.verbose = check_int("verbose", verbose, min_value=0, max_value=2)
        self.seed = None if seed is None else check_int("seed", seed, min_value=0)
        is_false = isinstance(reverse_complement, (bool, np.bool_)) and not reverse_complement
        if not (is_false or reverse_complement in ("filters", "network")):
            raise ValueError(
                "reverse_complement must be False, 'filters' or 'network', got "
                f"{reverse_complement!r}"
            )
        self.reverse_complement = False if is_false else reverse_complement
        self.pooled_length = _pooled_length(self.seq_length, self.widths, self.pool_width)
        check_sequence_dnn_size(
            self.seq_length,
            self.filters,
            self.widths,
            self.pool_width,
            self.num_tasks,
            deep=bool(use_deep_CNN),
            per_layer=isinstance(num_filters, Sequence) or isinstance(conv_width, Sequence),
        )
        self._params = {
            "seq_length": self.seq_length,
            "use_deep_CNN": bool(use_deep_CNN),
            "num_tasks": self.num_tasks,
            "num_filters": _jsonable(num_filters),
            "conv_width": _jsonable(conv_width),
            "num_filters_2": num_filters_2,
            "conv_width_2": conv_width_2,
            "num_filters_3": num_filters_3,
            "conv_width_3": conv_width_3,
            "pool_width": "global" if pool_width == "global" else self.pool_width,
            "L1": self.L1,
            "dropout": self.dropout,
            "verbose": self.verbose,
            "seed": self.seed,
            "reverse_complement": self.reverse_complement,
        }
        if self.seed is not None:
            keras.utils.set_random_seed(self.seed)
        self.model = self._build()
        _predict_without_xla_on_tensorflow(self.model)
        self.logit_model = keras.Model(
            self.model.inputs, self.model.get_layer("logits").output, name="sequence_dnn_logits"
        )
        self.train_losses: list[float] = []
        self.valid_losses: list[float] = []
        self.epoch_seconds: list[float] = []
        self.best_epoch: int | None = None
        self.restarts = 0  # initializations discarded by the last train (see train)
        self.retries = 0
        self.at_chance = False
        self.chance_loss: float | None = None
        self.trained = False

    # ------------------------------------------------------------------------------------------
    # architecture

    def _build(self) -> keras.Model:
        regularizer = keras.regularizers.L1(self.L1) if self.L1 > 0 else None
        inputs = keras.Input((self.seq_length, 4), name="sequence")
        layers = []
        for i, (filters, width) in enumerate(zip(self.filters, self.widths, strict=True), start=1):
            layers += [
                keras.layers.Conv1D(
                    filters,
                    width,
                    padding="valid",
                    activation="linear",
                    kernel_initializer="he_normal",
                    kernel_regularizer=regularizer,
                    name=f"conv_{i}",
                ),
                keras.layers.Activation("relu", name=f"relu_{i}"),
                keras.layers.Dropout(self.dropout, name=f"dropout_{i}"),
            ]
        layers += [
            keras.layers.MaxPooling1D(
                self.pool_width, strides=self.pool_width, padding="valid", name="pool"
            ),
            keras.layers.Flatten(name="flatten"),
        ]
        if self.reverse_complement == "filters":  # conv_1 on both strands, the larger score
            reverse = Flip(axis=(1, 2), name="reverse_complement")(inputs)
            on_minus = Flip(axis=1, name="align")(layers[0](reverse))  # back to + positions
            x = keras.layers.Maximum(name="strand_max")([layers[0](inputs), on_minus])
            for layer in layers[1:]:
                x = layer(x)
            logits = keras.layers.Dense(self.num_tasks, activation="linear", name="logits")(x)
        elif self.reverse_complement == "network":  # both strands, logits averaged
            layers.append(keras.layers.Dense(self.num_tasks, name="strand_logits"))
            strands = [inputs, Flip(axis=(1, 2), name="reverse_complement")(inputs)]
            for layer in layers:
                strands = [layer(x) for x in strands]
            logits = keras.layers.Average(name="logits")(strands)
        else:
            x = inputs
            for layer in layers:
                x = layer(x)
            logits = keras.layers.Dense(self.num_tasks, activation="linear", name="logits")(x)
        probability = keras.layers.Activation("sigmoid", name="probability")(logits)
        return keras.Model(inputs, probability, name="sequence_dnn")

    def get_params(self) -> dict:
        """The constructor parameters (what :meth:`save` stores)."""
        return dict(self._params)

    def get_sequence_filters(self) -> np.ndarray:
        """First-layer convolution kernels, array (F, width, 4) over A, C, G, T."""
        kernel = ops.convert_to_numpy(self.model.get_layer("conv_1").kernel)  # (width, 4, F)
        return np.transpose(kernel, (2, 0, 1))

    # ------------------------------------------------------------------------------------------
    # training

    def train(
        self,
        X,
        y=None,
        validation_data=None,
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
        """Fit the model, stopping early on the validation loss and keeping the best epoch.

        Parameters
        ----------
        X : float array (N, L, 4) of one-hot training sequences, or a ``keras.utils.PyDataset``
            yielding (sequences, labels[, weights]) batches, such as
            :class:`tutorial_utils.recipe.SimulationStream` (fresh simulated data each epoch).
        y : bool or 0/1 array (N, tasks) (or (N,) for one task), training labels; every task
            needs both classes. None (the default) when X is a data set.
        validation_data : tuple (X_valid, y_valid) of arrays (required), fixed across epochs.
        num_epochs : int, default 100. Upper limit on epochs.
        patience : int, default 3. A stall is this many epochs in which the validation loss did
            not fall by more than ``min_delta`` below its last such low (Keras' EarlyStopping).
            A stall returns the model to its best weights and cuts the learning rate by
            ``reduce_lr_factor`` (default 0.3); the weights of the lowest validation loss are
            kept in the end.
        batch_size : int, default 64 (arrays only: a data set sets its own).
        learning_rate : float, default 3e-3. Initial Adam learning rate.
        reduce_lr_patience : int or None, default 1. Epochs a cut has to bring progress; without
            it training stops, with it training goes on at the lower rate. None: no cuts, the
            first stall stops training (Keras' EarlyStopping with restored best weights).
        plateau_epochs : int, default 30. Heterodimer-style tasks start with a plateau at the
            chance level (the loss of always predicting the training base rate) that can last
            ~20 epochs before the model finds the motif pair; nothing counts until the
            validation loss is below 98 % of the chance loss, or until ``plateau_epochs``
            epochs have passed (then a model that never learns stops). A data set's curriculum
            epochs count as plateau too.
        min_delta : float, default 0.001. The smallest fall of the validation loss (nats per
            sequence) that counts as progress, as Keras' EarlyStopping ``min_delta``: a loss that
            creeps down by more than this within ``patience`` epochs keeps training at the full
            rate. 0: any new minimum counts.
        significance : float >= 0 or None (default: 3 when X is an array, 0 for a data set).
            Progress must also be a fall of this many standard errors of the paired
            per-sequence differences in validation loss (from the last progress epoch): on a
            fixed training set a nearly separable model's loss swings by more than
            ``min_delta`` from epoch to epoch without getting better, and dips within that
            noise would keep training going. Fresh data each epoch does not overfit, and its
            slow falls are real. 0: ``min_delta`` alone.
        callbacks : list of ``keras.callbacks.Callback`` or None. Run after the validation
            monitor at each epoch's end, so they can read the live ``train_losses`` and
            ``valid_losses`` (e.g. to draw a learning curve) or set ``model.stop_training``.
        verbose : int or None (default: the constructor's).
        restarts : int >= 0, default 0. Times a model still at chance after ``plateau_epochs``
            epochs starts again from new random weights (fresh optimizer state; a data set's
            curriculum runs again); the number used is left in ``restarts``.
        retries : int >= 0, default 0. Times a model that would stop with its best validation
            loss still above 40 % of the chance loss (far from separating the classes, e.g. the
            June 2016 heterodimer's strand plateau at auROC ~0.87) is trained again from new
            random weights; the lowest validation loss over all tries is kept, and the number
            used is left in ``retries``. ``train_SequenceDNN`` uses 2.

        The defaults aim at a short wall time on CPUs: 3x the learning rate and half the batch of
        the 2016 Adam(1e-3) with batch 128, i.e. more and larger steps per epoch; validation
        costs one forward pass per epoch (its loss and metrics come from the same predictions).
        :mod:`tutorial_utils.recipe` implements it (the stopping rule:
        :class:`tutorial_utils.recipe.StoppingRule`).

        Loss: binary cross-entropy. With one task each example is weighted by
        N / (2 N_class) (positives N / (2 N_pos), negatives N / (2 N_neg)): the 2016 weights
        {1: N/N_pos, 0: N/N_neg} halved, so that a balanced data set has weights 1 and the
        training loss stays on the scale of the (unweighted) validation loss. Multi-task
        training is unweighted, as in 2016. The validation loss is the unweighted mean binary
        cross-entropy of the model without dropout.

        Raises
        ------
        TypeError / ValueError naming the argument, before any training, for bad arguments.

        Returns
        -------
        self. Per-epoch ``train_losses`` (running mean over the epoch's batches, with dropout,
        weights and L1 penalty) and ``valid_losses``, ``epoch_seconds`` and ``best_epoch`` are set.
        """
        recipe.fit(
            self,
            X,
            y,
            validation_data,
            num_epochs=num_epochs,
            patience=patience,
            batch_size=batch_size,
            learning_rate=learning_rate,
            reduce_lr_patience=reduce_lr_patience,
            reduce_lr_factor=reduce_lr_factor,
            plateau_epochs=plateau_epochs,
            min_delta=min_delta,
            significance=significance,
            callbacks=callbacks,
            verbose=verbose,
            restarts=restarts,
            retries=retries,
        )
        _predict_without_xla_on_tensorflow(self.model)
        return self

    # ------------------------------------------------------------------------------------------
    # prediction and evaluation

    def predict_logits(self, X) -> np.ndarray:
        """Logits (pre-sigmoid outputs), float32 array (N, tasks), of sequences X (N, L, 4)."""
        X = self._check_sequences(X, "X", strict=False)
        self._warn_if_untrained()
        return self.logit_model.predict(X, batch_size=PREDICT_BATCH_SIZE, verbose=0)

    def predict(self, X) -> np.ndarray:
        """Probabilities, float32 array (N, tasks), of sequences X (N, L, 4).

        X must be one-hot or hold per-position base probabilities (values in [0, 1], at most 1
        per position), e.g. a GC-background reference. Predicting with a model that was never
        trained (nor loaded) warns: its outputs come from random weights.
        """
        X = self._check_sequences(X, "X", strict=False)
        self._warn_if_untrained()
        return self.model.predict(X, batch_size=PREDICT_BATCH_SIZE, verbose=0)

    def test(self, X, y) -> ClassificationResult:
        """Metrics of the predictions on one-hot X (N, L, 4) against labels y (N, tasks)."""
        X = self._check_sequences(X, "X", strict=True)
        y = self._check_labels(y, len(X), "y")
        return ClassificationResult(y, self.predict(X))

    def score(self, X, y, metric: str) -> np.ndarray:
        """One metric (a ClassificationResult key, e.g. "auROC") per task, array (tasks,)."""
        return self.test(X, y)[metric]

    # ------------------------------------------------------------------------------------------
    # interpretation (implemented in tutorial_utils.ism and tutorial_utils.attribution)

    def in_silico_mutagenesis(self, X, **kwargs):
        """In-silico mutagenesis scores; see :func:`tutorial_utils.ism.in_silico_mutagenesis`."""
        from tutorial_utils.ism import in_silico_mutagenesis

        return in_silico_mutagenesis(self, X, **kwargs)

    def deeplift(self, X, **kwargs):
        """DeepLIFT contribution scores; see :func:`tutorial_utils.attribution.deeplift`."""
        from tutorial_utils.attribution import deeplift

        return deeplift(self, X, **kwargs)

    # ------------------------------------------------------------------------------------------
    # persistence

    def save(self, path) -> None:
        """Save architecture, weights and constructor parameters to one ``.keras`` file."""
        path = os.fspath(path)
        if not path.endswith(".keras"):
            raise ValueError(f"path must end in '.keras', got {path!r}")
        self.model.save(path, include_optimizer=False)
        state = {
            "params": self._params,
            "train_losses": self.train_losses,
            "valid_losses": self.valid_losses,
            "best_epoch": self.best_epoch,
            "trained": self.trained,
            "at_chance": self.at_chance,
        }
        # the .keras format is a zip; Keras ignores entries it does not know
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(PARAMS_ENTRY, json.dumps(state))

    @classmethod
    def load(cls, path) -> SequenceDNN:
        """Rebuild a SequenceDNN saved by :meth:`save` (same parameters and weights)."""
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no such model file: {path!r}")
        try:
            with zipfile.ZipFile(path) as archive:
                state = json.loads(archive.read(PARAMS_ENTRY))
        except (zipfile.BadZipFile, KeyError) as error:
            raise ValueError(
                f"{path!r} is not a SequenceDNN file written by SequenceDNN.save ({error})"
            ) from None
        params = dict(state["params"])
        seed = params.pop("seed")
        dnn = cls(**params)  # unseeded build: the weights are overwritten next
        dnn.seed = dnn._params["seed"] = seed
        dnn.model.load_weights(path)
        dnn.train_losses = list(state["train_losses"])
        dnn.valid_losses = list(state["valid_losses"])
        dnn.best_epoch = state["best_epoch"]
        dnn.trained = bool(state["trained"])
        dnn.at_chance = bool(state.get("at_chance", False))
        return dnn

    # ------------------------------------------------------------------------------------------
    # input checks

    def _check_sequences(self, X, name: str, *, strict: bool) -> np.ndarray:
        # the check every model entry point shares (ISM, DeepLIFT, discovery, baselines...)
        return check_one_hot(
            X,
            name,
            length=self.seq_length,
            length_text=f"the model was built for seq_length={self.seq_length}",
            probabilities=not strict,
        )

    def _check_labels(self, y, n: int, name: str) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 1 and self.num_tasks == 1:
            y = y[:, None]
        if y.shape != (n, self.num_tasks):
            raise ValueError(
                f"{name} must have shape ({n}, {self.num_tasks}) = (sequences, num_tasks), "
                f"got {y.shape}"
            )
        if y.dtype != bool:
            if y.dtype.kind not in "biuf" or not np.all((y == 0) | (y == 1)):
                raise ValueError(f"{name} must be binary labels: bool, or numbers all 0 or 1")
            y = y.astype(bool)
        return y

    def _warn_if_untrained(self) -> None:
        if not self.trained:
            warnings.warn(
                "this SequenceDNN has not been trained (or loaded): its predictions come from "
                "random initial weights",
                UserWarning,
                stacklevel=3,
            )


# ----------------------------------------------------------------------------------------------
# construction helpers


def _predict_without_xla_on_tensorflow(model: keras.Model) -> None:
    """On TensorFlow, predict without XLA (Keras' CPU default) even after training with it, so
    that a trained model and its saved-and-loaded copy give bit-identical predictions."""
    if keras.backend.backend() == "tensorflow":
        model.jit_compile = False


def _layer_plan(use_deep_CNN, num_filters, conv_width, second, third):
    """(filters per conv, widths per conv) from the 2016 scalar or the per-layer tuple form."""
    if isinstance(num_filters, Sequence) or isinstance(conv_width, Sequence):
        if use_deep_CNN:
            raise ValueError(
                "use_deep_CNN=True takes integer num_filters/conv_width (plus num_filters_2/3, "
                "conv_width_2/3); give per-layer sequences without use_deep_CNN"
            )
        depth = len(num_filters) if isinstance(num_filters, Sequence) else len(conv_width)
        filters = _per_layer("num_filters", num_filters, depth)
        widths = _per_layer("conv_width", conv_width, depth)
    else:
        filters = [check_int("num_filters", num_filters, min_value=1)]
        widths = [check_int("conv_width", conv_width, min_value=1)]
        if use_deep_CNN:
            for suffix, (f, w) in (("_2", second), ("_3", third)):
                filters.append(check_int(f"num_filters{suffix}", f, min_value=1))
                widths.append(check_int(f"conv_width{suffix}", w, min_value=1))
    return filters, widths


def _per_layer(name, value, depth) -> list[int]:
    if isinstance(value, str):
        raise TypeError(f"{name} must be an integer or a sequence of integers, got {value!r}")
    if not isinstance(value, Sequence):
        return [check_int(name, value, min_value=1)] * depth
    if len(value) == 0:
        raise ValueError(f"{name} must list at least one layer, got an empty sequence")
    if len(value) != depth:
        raise ValueError(
            f"num_filters and conv_width must list the same number of layers, got {depth} and "
            f"{len(value)} ({name}={list(value)!r})"
        )
    return [check_int(f"{name}[{i}]", v, min_value=1) for i, v in enumerate(value)]


def _conv_output_length(seq_length: int, widths: list[int]) -> int:
    """Positions left after the valid convolutions; raises if none."""
    length = seq_length
    for i, width in enumerate(widths, start=1):
        if width > length:
            raise ValueError(
                f"conv_width of layer {i} ({width}) exceeds the length of its input ({length} "
                f"positions from seq_length={seq_length} and conv widths {widths}); "
                "each convolution shortens the sequence by width - 1"
            )
        length -= width - 1
    return length


def _pooled_length(seq_length: int, widths: list[int], pool_width: int) -> int:
    """Positions left after the valid convolutions and the pooling; raises if none."""
    length = _conv_output_length(seq_length, widths)
    if pool_width > length:
        raise ValueError(
            f"pool_width ({pool_width}) exceeds the {length} positions left after the "
            f"convolutions (seq_length={seq_length}, conv widths {widths}); it must be in "
            f"[1, {length}]"
        )
    return length // pool_width


def _jsonable(value):
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value
