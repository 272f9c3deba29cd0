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
last epoch's weights), and a speed-tuned default recipe.
"""

from __future__ import annotations

import json
import os
import time
import warnings
import zipfile
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_float, check_int, check_sequence_dnn_size
from tutorial_utils.metrics import ClassificationResult

PARAMS_ENTRY = "sequence_dnn.json"  # constructor parameters, stored inside the .keras zip

# Default training recipe, chosen for wall time to an early-stopped model on 2-core CPUs
# (bench/train.py measures it against plain Adam 1e-3 / batch 128 / patience 3). Per epoch, the
# train step is compiled with XLA on TensorFlow too (Keras turns XLA off on CPU-only machines):
# side by side on 2 CPU cores a deep-CNN epoch took 0.3-0.7x the time without it, a shallow one
# the same (bench/train.py --epoch-ab). Batches of 256-1024 were not faster per epoch, so the
# recipe saves epochs instead (higher initial learning rate, cuts on stalls, no stop on the
# plateau, and no waiting on improvements under 0.001: the shallow CNN crawled from 0.109 to 0.097
# over its last 18 epochs).
DEFAULT_BATCH_SIZE = 128
DEFAULT_LEARNING_RATE = 3e-3
DEFAULT_PATIENCE = 3
DEFAULT_NUM_EPOCHS = 100
DEFAULT_REDUCE_LR_PATIENCE = 1
DEFAULT_REDUCE_LR_FACTOR = 0.3
DEFAULT_PLATEAU_EPOCHS = 30
DEFAULT_MIN_DELTA = 0.001  # nats per sequence; chance is 0.693
LEARNING_MARGIN = 0.98  # "beats chance" = validation loss below 98 % of the chance loss
PREDICT_BATCH_SIZE = 1000


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
    pool_width : int, default 35. Max-pooling width and stride (bp of the last conv output).
    L1 : float >= 0, default 0. L1 penalty weight on every convolution kernel.
    dropout : float in [0, 1), default 0.0. Dropout rate after every convolution's ReLU.
    verbose : int, default 1. 0 silent; 1 prints the validation loss and metrics each epoch;
        2 also shows Keras' progress bar.
    seed : int >= 0 or None (default). Seeds Keras (weights, dropout, shuffling) at
        construction and again at the start of :meth:`train`, so runs are repeatable.

    Attributes
    ----------
    model : keras.Model, sequence (N, L, 4) -> probabilities (N, tasks).
    logit_model : keras.Model, sequence -> logits (N, tasks) (the input of the sigmoid).
    train_losses, valid_losses : list of float, per epoch of the last :meth:`train`.
    epoch_seconds : list of float, wall time of each epoch (training and validation).
    best_epoch : int or None, 0-based epoch whose weights the model holds after training.
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
        self.pool_width = check_int("pool_width", pool_width, min_value=1)
        self.L1 = check_float("L1", L1, min_value=0)
        self.dropout = check_float("dropout", dropout, min_value=0)
        if self.dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.verbose = check_int("verbose", verbose, min_value=0, max_value=2)
        self.seed = None if seed is None else check_int("seed", seed, min_value=0)
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
            "pool_width": self.pool_width,
            "L1": self.L1,
            "dropout": self.dropout,
            "verbose": self.verbose,
            "seed": self.seed,
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
        self.trained = False

    # ------------------------------------------------------------------------------------------
    # architecture

    def _build(self) -> keras.Model:
        regularizer = keras.regularizers.L1(self.L1) if self.L1 > 0 else None
        inputs = keras.Input((self.seq_length, 4), name="sequence")
        x = inputs
        for i, (filters, width) in enumerate(zip(self.filters, self.widths, strict=True), start=1):
            x = keras.layers.Conv1D(
                filters,
                width,
                padding="valid",
                activation="linear",
                kernel_initializer="he_normal",
                kernel_regularizer=regularizer,
                name=f"conv_{i}",
            )(x)
            x = keras.layers.Activation("relu", name=f"relu_{i}")(x)
            x = keras.layers.Dropout(self.dropout, name=f"dropout_{i}")(x)
        x = keras.layers.MaxPooling1D(
            self.pool_width, strides=self.pool_width, padding="valid", name="pool"
        )(x)
        x = keras.layers.Flatten(name="flatten")(x)
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
        y,
        validation_data,
        *,
        num_epochs=DEFAULT_NUM_EPOCHS,
        patience=DEFAULT_PATIENCE,
        batch_size=DEFAULT_BATCH_SIZE,
        learning_rate=DEFAULT_LEARNING_RATE,
        reduce_lr_patience=DEFAULT_REDUCE_LR_PATIENCE,
        reduce_lr_factor=DEFAULT_REDUCE_LR_FACTOR,
        plateau_epochs=DEFAULT_PLATEAU_EPOCHS,
        min_delta=DEFAULT_MIN_DELTA,
        callbacks=None,
        verbose=None,
    ):
        """Fit the model, stopping early on the validation loss and keeping the best epoch.

        Parameters
        ----------
        X : float array (N, L, 4), one-hot training sequences.
        y : bool or 0/1 array (N, tasks) (or (N,) for one task), training labels; every task
            needs both classes.
        validation_data : tuple (X_valid, y_valid) of the same kinds.
        num_epochs : int, default 100. Upper limit on epochs.
        patience : int, default 3. Stop after this many consecutive epochs without a lower
            validation loss; the weights of the best epoch are then restored.
        batch_size : int, default 128.
        learning_rate : float, default 3e-3. Initial Adam learning rate.
        reduce_lr_patience : int or None, default 1. Multiply the learning rate by
            ``reduce_lr_factor`` (default 0.3) after this many epochs without improvement
            (None: constant rate).
        plateau_epochs : int, default 30. Heterodimer-style tasks start with a plateau at the
            chance level (the loss of always predicting the training base rate) that can last
            ~20 epochs before the model finds the motif pair; patience and learning-rate cuts
            count only once the validation loss is below 98 % of the chance loss, or after
            ``plateau_epochs`` epochs (then a model that never learns stops).
        min_delta : float, default 0.001. An epoch counts as progress (it resets patience and
            the learning-rate cut) only if it lowers the validation loss of the last progress
            epoch by more than this (as Keras' EarlyStopping ``min_delta``); the weights of the
            lowest loss are kept either way. 0: any decrease counts.
        callbacks : list of ``keras.callbacks.Callback`` or None. Run after the validation
            monitor at each epoch's end, so they can read the live ``train_losses`` and
            ``valid_losses`` (e.g. to draw a learning curve) or set ``model.stop_training``.
        verbose : int or None (default: the constructor's).

        The defaults aim at a short wall time on CPUs: a train step compiled with XLA (on
        TensorFlow and JAX), a 3x higher initial learning rate than the 2016 Adam(1e-3), cut by
        0.3 whenever the validation loss stalls, and a stop once it no longer falls by more than
        ``min_delta``; validation costs one forward pass per epoch (its loss and metrics come from
        the same predictions).

        Loss: binary cross-entropy. With one task each example is weighted by
        N / (2 N_class) (positives N / (2 N_pos), negatives N / (2 N_neg)): the 2016 weights
        {1: N/N_pos, 0: N/N_neg} halved, so that a balanced data set has weights 1 and the
        training loss stays on the scale of the (unweighted) validation loss. Multi-task
        training is unweighted, as in 2016. The validation loss is the unweighted mean binary
        cross-entropy of the model without dropout.

        Returns
        -------
        self. Per-epoch ``train_losses`` (running mean over the epoch's batches, with dropout,
        weights and L1 penalty) and ``valid_losses``, and ``best_epoch``, are set.
        """
        verbose = (
            self.verbose
            if verbose is None
            else check_int("verbose", verbose, min_value=0, max_value=2)
        )
        num_epochs = check_int("num_epochs", num_epochs, min_value=1)
        patience = check_int("patience", patience, min_value=0)
        batch_size = check_int("batch_size", batch_size, min_value=1)
        learning_rate = check_float("learning_rate", learning_rate, min_value=0)
        if learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
        if reduce_lr_patience is not None:
            reduce_lr_patience = check_int("reduce_lr_patience", reduce_lr_patience, min_value=1)
        reduce_lr_factor = check_float(
            "reduce_lr_factor", reduce_lr_factor, min_value=0, max_value=1
        )
        plateau_epochs = check_int("plateau_epochs", plateau_epochs, min_value=0)
        min_delta = check_float("min_delta", min_delta, min_value=0)
        callbacks = list(callbacks or [])
        for i, callback in enumerate(callbacks):
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks[{i}] must be a keras.callbacks.Callback, got "
                    f"{type(callback).__name__}"
                )
        X = self._check_sequences(X, "X", strict=True)
        y = self._check_labels(y, len(X), "y")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a tuple (X_valid, y_valid)")
        X_valid = self._check_sequences(validation_data[0], "validation_data[0]", strict=True)
        y_valid = self._check_labels(validation_data[1], len(X_valid), "validation_data[1]")
        n_pos = y.sum(axis=0)
        for task in range(self.num_tasks):
            if n_pos[task] in (0, len(y)):
                raise ValueError(
                    f"y must hold both classes in every task; task {task} has only "
                    f"{'negatives' if n_pos[task] == 0 else 'positives'} ({len(y)} examples)"
                )

        if self.seed is not None:
            keras.utils.set_random_seed(self.seed)
        sample_weight = None
        if self.num_tasks == 1:
            labels = y[:, 0]
            n = len(labels)
            sample_weight = np.where(
                labels, n / (2.0 * n_pos[0]), n / (2.0 * (n - n_pos[0]))
            ).astype(np.float32)
        self.model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
            loss="binary_crossentropy",
            # XLA on TensorFlow and JAX (torch's counterpart, torch.compile, needs a C compiler)
            jit_compile=keras.backend.backend() in ("tensorflow", "jax"),
        )
        # chance level: binary cross-entropy of predicting each task's training base rate
        base_rate = n_pos / len(y)
        chance_loss = float(
            np.mean(-(y_valid * np.log(base_rate) + ~y_valid * np.log(1 - base_rate)))
        )
        monitor = _ValidationMonitor(
            self,
            X_valid,
            y_valid,
            patience,
            verbose,
            reduce_lr_patience,
            reduce_lr_factor,
            plateau_epochs,
            min_delta,
            chance_loss,
        )
        # the monitor's lists, live during training
        self.train_losses = monitor.train_losses
        self.valid_losses = monitor.valid_losses
        if verbose >= 1:
            print("Training model...")
        self.model.fit(
            X,
            y.astype(np.float32),
            sample_weight=sample_weight,
            batch_size=batch_size,
            epochs=num_epochs,
            shuffle=True,
            callbacks=[monitor, *callbacks],
            verbose=1 if verbose >= 2 else 0,
        )
        monitor.restore_best()
        _predict_without_xla_on_tensorflow(self.model)
        self.epoch_seconds = monitor.epoch_seconds
        self.best_epoch = monitor.best_epoch
        self.trained = True
        if verbose >= 1:
            print(
                f"Finished training after {len(self.valid_losses)} epochs "
                f"({monitor.elapsed:.1f} s); restored the weights of epoch {self.best_epoch} "
                f"(validation loss {self.valid_losses[self.best_epoch]:.3f})."
            )
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


class _StoppingRule:
    """Early stopping and learning-rate cuts, decided from one validation loss per epoch.

    Until the loss falls below ``LEARNING_MARGIN`` x ``chance_loss`` (the loss of always
    predicting the training base rate) the model is on the initial plateau, where the loss drifts
    without meaning: patience and cuts count only after that, or after ``plateau_epochs``
    epochs. An epoch is progress when it lowers the loss of the last progress epoch by more than
    ``min_delta``; ``patience`` epochs without progress stop training, and
    ``reduce_lr_patience`` of them (if not None) cut the learning rate. The lowest loss is
    tracked separately (its weights are the ones kept).
    """

    def __init__(self, patience, reduce_lr_patience, plateau_epochs, min_delta, chance_loss):
        self.patience = patience
        self.reduce_lr_patience = reduce_lr_patience
        self.plateau_epochs = plateau_epochs
        self.min_delta = min_delta
        self.chance_loss = chance_loss
        self.learning = False
        self.best_loss = np.inf
        self.best_epoch = 0
        self.progress_loss = np.inf
        self.wait = 0
        self.lr_wait = 0

    def update(self, epoch: int, loss: float) -> tuple[bool, str | None]:
        """Record the epoch's loss. Returns (whether it is the lowest so far, action), action
        being "stop", "cut" (the learning rate) or None."""
        if loss < LEARNING_MARGIN * self.chance_loss or epoch + 1 >= self.plateau_epochs:
            self.learning = True
        is_best = loss < self.best_loss
        if is_best:
            self.best_loss, self.best_epoch = loss, epoch
        if loss < self.progress_loss - self.min_delta:
            self.progress_loss, self.wait, self.lr_wait = loss, 0, 0
            return is_best, None
        if not self.learning:
            return is_best, None
        self.wait += 1
        self.lr_wait += 1
        if self.wait >= self.patience:
            return is_best, "stop"
        if self.reduce_lr_patience is not None and self.lr_wait >= self.reduce_lr_patience:
            self.lr_wait = 0
            return is_best, "cut"
        return is_best, None


class _ValidationMonitor(keras.callbacks.Callback):
    """Per epoch: validation loss and metrics from one prediction pass, the ``_StoppingRule``'s
    decision (best weights kept in memory), and the tutorial's printout."""

    def __init__(
        self,
        dnn,
        X_valid,
        y_valid,
        patience,
        verbose,
        reduce_lr_patience,
        reduce_lr_factor,
        plateau_epochs,
        min_delta,
        chance_loss,
    ):
        super().__init__()
        self.rule = _StoppingRule(
            patience, reduce_lr_patience, plateau_epochs, min_delta, chance_loss
        )
        self.reduce_lr_factor = reduce_lr_factor
        self.dnn = dnn
        self.X_valid = X_valid
        self.y_valid = y_valid
        self.targets = y_valid.astype(np.float64)
        self.verbose = verbose
        self.train_losses: list[float] = []
        self.valid_losses: list[float] = []
        self.best_weights = None
        self.start = time.perf_counter()
        self.elapsed = 0.0
        self.epoch_seconds: list[float] = []

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
        loss = float(np.mean(np.logaddexp(0.0, logits) - self.targets * logits))
        self.valid_losses.append(loss)
        self.train_losses.append(float((logs or {}).get("loss", np.nan)))
        if self.verbose >= 1:
            result = ClassificationResult(self.y_valid, 1.0 / (1.0 + np.exp(-logits)))
            print(f"Epoch {epoch}: validation loss: {loss:.3f}\n{result}\n", flush=True)
        is_best, action = self.rule.update(epoch, loss)
        if is_best:
            self.best_weights = self.model.get_weights()
        if action == "stop":
            self.model.stop_training = True
        elif action == "cut":
            optimizer = self.model.optimizer
            current = float(ops.convert_to_numpy(optimizer.learning_rate))
            optimizer.learning_rate = current * self.reduce_lr_factor
        now = time.perf_counter()
        self.epoch_seconds.append(now - self.epoch_start)
        self.elapsed = now - self.start

    def restore_best(self) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


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


def _pooled_length(seq_length: int, widths: list[int], pool_width: int) -> int:
    """Positions left after the valid convolutions and the pooling; raises if none."""
    length = seq_length
    for i, width in enumerate(widths, start=1):
        if width > length:
            raise ValueError(
                f"conv_width of layer {i} ({width}) exceeds the length of its input ({length} "
                f"positions from seq_length={seq_length} and conv widths {widths}); "
                "each convolution shortens the sequence by width - 1"
            )
        length -= width - 1
    if pool_width > length:
        raise ValueError(
            f"pool_width ({pool_width}) exceeds the {length} positions left after the "
            f"convolutions (seq_length={seq_length}, conv widths {widths}); it must be in "
            f"[1, {length}]"
        )
    return length // pool_width


def _jsonable(value):
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value
