"""In-silico mutagenesis (ISM): the model's response to every single-base substitution.

Two implementations give the same numbers (within float32 rounding):

* naive: run the whole network on each mutated sequence;
* fast (the fastISM idea, Nair et al. 2022): a substitution at position ``i`` changes the output
  of a stack of valid convolutions only over a window of ``receptive_field`` positions, so only
  that window is recomputed (from a short slice of the input), the max-pooling cells it touches
  are re-maxed with the untouched part of each cell read from prefix/suffix maxima of the
  wild-type activations, and the layers after pooling run on the patched pooled features.

The model walk here (:func:`model_steps`, :func:`forward`) is shared with
:mod:`tutorial_utils.attribution`: it turns a SequenceDNN-style chain of Keras layers into a
list of steps computed with ``keras.ops``, so ISM and DeepLIFT work on every Keras backend.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
from keras import ops
from tqdm.auto import tqdm

from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_choice, check_int, check_memory

# element-wise activations the walk understands (Keras serialised names)
ACTIVATIONS = {
    "linear": lambda h: h,
    "relu": ops.relu,
    "sigmoid": ops.sigmoid,
    "tanh": ops.tanh,
    "elu": ops.elu,
    "softplus": ops.softplus,
    "exponential": ops.exp,
    "gelu": ops.gelu,
    "silu": ops.silu,
}
SUPPORTED_LAYERS = (
    "InputLayer, Conv1D (stride 1, valid padding), Activation, ReLU, Dropout, "
    "MaxPooling1D (strides = pool_size, valid padding), Flatten, Dense"
)


# ----------------------------------------------------------------------------------------------
# model walk


def keras_model_of(model, name: str = "model") -> keras.Model:
    """The ``keras.Model`` behind a SequenceDNN (anything with ``.model``) or the model itself;
    a TypeError naming the parameter ``name`` for anything else."""
    keras_model = getattr(model, "model", model)
    if not isinstance(keras_model, keras.Model):
        raise TypeError(
            f"{name} must be a SequenceDNN (an object with a .model attribute) or a keras.Model, "
            f"got {type(model).__name__}"
        )
    return keras_model


def model_steps(model, name: str = "model") -> list[tuple]:
    """Turn a chain of supported Keras layers into steps that compute the **logit**.

    Parameters
    ----------
    model : SequenceDNN or keras.Model whose layers form one chain from a (L, 4) input.

    Returns
    -------
    steps : list of tuples, each one of ``("conv", kernel, bias)``, ``("dense", kernel, bias)``,
        ``("act", name)``, ``("pool", pool_size)``, ``("flatten",)``. Dropout is left out
        (inference) and a final sigmoid is dropped, so the steps end at the logit.
    """
    keras_model = keras_model_of(model, name)
    if len(keras_model.inputs) != 1 or len(keras_model.outputs) != 1:
        raise ValueError(
            "model must have one input and one output, got "
            f"{len(keras_model.inputs)} inputs and {len(keras_model.outputs)} outputs"
        )
    input_shape = tuple(keras_model.inputs[0].shape)
    if len(input_shape) != 3 or input_shape[-1] != 4:
        raise ValueError(f"model input must be (batch, L, 4) one-hot DNA, got {input_shape}")
    steps: list[tuple] = []
    previous = keras_model.inputs[0]
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        # a chain: each layer reads exactly the previous layer's output (no branches or merges)
        if layer.input is not previous:
            raise ValueError(
                f"layer {layer.name!r} does not read the previous layer's output; interpretation "
                "needs a single chain of layers (no branches, merges or shared layers)"
            )
        previous = layer.output
        steps.extend(_layer_steps(layer))
    if previous is not keras_model.outputs[0]:
        raise ValueError("model output is not the last layer of its chain of layers")
    if steps and steps[-1] == ("act", "sigmoid"):
        steps = steps[:-1]  # logit = the input of the final sigmoid
    if not any(step[0] == "dense" for step in steps):
        raise ValueError("model must end in a Dense layer (the logits)")
    return steps


def _layer_steps(layer) -> list[tuple]:
    name = type(layer).__name__
    if isinstance(layer, keras.layers.Dropout):
        return []
    if isinstance(layer, keras.layers.Conv1D) and name == "Conv1D":
        if tuple(layer.strides) != (1,) or tuple(layer.dilation_rate) != (1,):
            raise ValueError(
                f"Conv1D layer {layer.name!r} must have strides 1 and dilation 1, got "
                f"strides {layer.strides} and dilation {layer.dilation_rate}"
            )
        if layer.padding != "valid" or getattr(layer, "groups", 1) != 1:
            raise ValueError(
                f"Conv1D layer {layer.name!r} must use padding='valid' and groups=1, got "
                f"padding={layer.padding!r}"
            )
        return [("conv", layer.kernel, layer.bias), *_activation_steps(layer, layer.activation)]
    if isinstance(layer, keras.layers.Dense) and name == "Dense":
        return [("dense", layer.kernel, layer.bias), *_activation_steps(layer, layer.activation)]
    if isinstance(layer, keras.layers.Activation):
        return _activation_steps(layer, layer.activation)
    if isinstance(layer, keras.layers.ReLU):
        if layer.max_value is not None or layer.negative_slope != 0 or layer.threshold != 0:
            raise ValueError(
                f"ReLU layer {layer.name!r} must be a plain ReLU (no max_value, negative_slope "
                "or threshold)"
            )
        return [("act", "relu")]
    if isinstance(layer, keras.layers.MaxPooling1D):
        pool = int(layer.pool_size[0])
        if int(layer.strides[0]) != pool or layer.padding != "valid":
            raise ValueError(
                f"MaxPooling1D layer {layer.name!r} must have strides == pool_size and "
                f"padding='valid', got pool_size {pool}, strides {layer.strides[0]}, "
                f"padding {layer.padding!r}"
            )
        return [("pool", pool)]
    if isinstance(layer, keras.layers.Flatten):
        return [("flatten",)]
    raise TypeError(
        f"unsupported layer {layer.name!r} of type {name}; supported layers: {SUPPORTED_LAYERS}"
    )


def _activation_steps(layer, activation) -> list[tuple]:
    act_name = keras.activations.serialize(activation)
    if isinstance(act_name, dict):  # Keras serialises some callables as a config dict
        act_name = act_name.get("config", act_name.get("class_name"))
    if act_name not in ACTIVATIONS:
        raise TypeError(
            f"unsupported activation {act_name!r} in layer {layer.name!r}; supported: "
            f"{sorted(ACTIVATIONS)}"
        )
    return [] if act_name == "linear" else [("act", act_name)]


def apply_step(step: tuple, h):
    """Apply one step (see :func:`model_steps`) to a backend tensor ``h``."""
    kind = step[0]
    if kind == "conv":
        out = ops.conv(h, step[1], strides=1, padding="valid")
        return out if step[2] is None else out + step[2]
    if kind == "dense":
        out = ops.matmul(h, step[1])
        return out if step[2] is None else out + step[2]
    if kind == "act":
        return ACTIVATIONS[step[1]](h)
    if kind == "pool":
        return ops.max(_pool_cells(h, step[1]), axis=2)
    if kind == "flatten":
        return ops.reshape(h, (ops.shape(h)[0], -1))
    raise ValueError(f"unknown step {kind!r}")


def _pool_cells(h, pool: int):
    """(B, L, F) -> (B, L // pool, pool, F): the non-overlapping cells of a valid max-pool."""
    cells = ops.shape(h)[1] // pool
    if cells == 0:
        raise ValueError(f"pooling of size {pool} needs at least {pool} positions")
    return ops.reshape(h[:, : cells * pool], (ops.shape(h)[0], cells, pool, ops.shape(h)[2]))


def forward(steps: list[tuple], x):
    """Run ``steps`` on ``x`` (ndarray or tensor): the logits (B, tasks) for a full model."""
    h = ops.convert_to_tensor(np.asarray(x, dtype=np.float32) if isinstance(x, np.ndarray) else x)
    for step in steps:
        h = apply_step(step, h)
    return h


def num_tasks(steps: list[tuple]) -> int:
    """Number of logits: units of the last Dense step."""
    last_dense = [step for step in steps if step[0] == "dense"][-1]
    return int(last_dense[1].shape[-1])


def check_sequences(model, X, name: str = "X", model_name: str = "model") -> np.ndarray:
    """One-hot input for ``model``: the check every model entry point shares
    (:func:`tutorial_utils._onehot.check_one_hot`) at the model's input length; float32 (N, L, 4).
    """
    length = keras_model_of(model, model_name).inputs[0].shape[1]
    return check_one_hot(X, name, length=length)


def check_task(task, tasks: int) -> int:
    return check_int("task", task, min_value=0, max_value=tasks - 1)


def check_flag(name: str, value) -> bool:
    """``value`` if it is True or False (numpy bools too), else a TypeError naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def activation_bytes(steps: list[tuple], length: int) -> int:
    """float32 bytes of every step's output for one sequence of ``length`` bp (the input too)."""
    size, width, total = length, 4, length * 4
    for step in steps:
        kind = step[0]
        if kind == "conv":
            size, width = size - int(step[1].shape[0]) + 1, int(step[1].shape[-1])
        elif kind == "pool":
            size //= step[1]
        elif kind == "flatten":
            size, width = 1, size * width
        elif kind == "dense":
            size, width = 1, int(step[1].shape[-1])
        total += max(size, 0) * width
    return 4 * total


# ----------------------------------------------------------------------------------------------
# in-silico mutagenesis


def in_silico_mutagenesis(
    model,
    X: np.ndarray,
    output: str = "logit",
    task: int | None = None,
    fast: bool = True,
    batch_size: int = 4096,
    progress: bool = True,
) -> np.ndarray:
    """Change of the model output for every single-base substitution.

    Sign convention: ``score[t, n, i, b] = output_t(X[n] with base b at i) - output_t(X[n])``,
    i.e. mutant minus wild type: negative where the wild-type base supports the prediction.
    The wild-type base scores exactly 0; at an ``N`` (all-zero) position all four bases are
    substitutions.

    Parameters
    ----------
    model : SequenceDNN or keras.Model (layer chain of :data:`SUPPORTED_LAYERS`).
    X : float array (N, L, 4), one-hot A, C, G, T (all zeros for N); anything else (base
        probabilities, scaled values, NaN) is refused, as by every model entry point.
    output : "logit" (default; the input of the final sigmoid) or "probability".
    task : index of one task, or None (default) for all tasks.
    fast : recompute only the window a substitution can reach (default True); False runs the
        whole network on each mutant. Both give the same result within float32 rounding.
    batch_size : mutated sequences per forward pass (default 4096).
    progress : show a tqdm progress bar (default True).

    Returns
    -------
    scores : float32 (tasks, N, L, 4); ``tasks`` is 1 when ``task`` is given.

    Raises
    ------
    TypeError / ValueError naming the parameter; ResourceLimitError (a ValueError) when a batch
    of ``batch_size`` mutants or the scores would not fit in memory.
    """
    steps = model_steps(model)
    X = check_sequences(model, X)
    check_choice("output", output, ["logit", "probability"])
    tasks = num_tasks(steps)
    task_index = np.arange(tasks) if task is None else np.array([check_task(task, tasks)])
    fast = check_flag("fast", fast)
    progress = check_flag("progress", progress)
    batch_size = check_int("batch_size", batch_size, min_value=1)
    n, length = X.shape[:2]
    per_mutant = 3 * activation_bytes(steps, length)  # the mutant, its outputs, the wild type's
    mutants = min(batch_size, 4 * length * n)
    check_memory(
        "batch_size",
        batch_size,
        mutants * per_mutant + 16 * len(task_index) * n * length,
        f"{mutants} mutated sequences of {length} bp at once through the model, and the "
        f"({len(task_index)}, {n}, {length}, 4) scores",
    )
    plan = _FastPlan.build(steps, X.shape[1]) if fast else None
    if fast and plan is None:
        warnings.warn(
            "fast ISM needs convolutions before a single max-pooling layer and Flatten; "
            "falling back to naive ISM",
            stacklevel=2,
        )

    scores = np.zeros((len(task_index), n, length, 4), dtype=np.float32)
    # enough sequences per block that a block holds about one batch of mutants
    seqs_per_block = max(1, batch_size // (3 * length))
    bar = tqdm(total=n, desc="ISM", unit="seq", disable=not progress, leave=False)
    for start in range(0, n, seqs_per_block):
        block = X[start : start + seqs_per_block]
        wild_logits = ops.convert_to_numpy(forward(steps, block))
        cache = plan.cache(block) if plan is not None else None
        seq, pos, base = np.nonzero(block == 0)  # every substitution (skip the wild-type base)
        for lo in range(0, len(seq), batch_size):
            m_seq, m_pos, m_base = (
                seq[lo : lo + batch_size],
                pos[lo : lo + batch_size],
                base[lo : lo + batch_size],
            )
            if plan is None:
                mutants = block[m_seq].copy()
                mutants[np.arange(len(m_seq)), m_pos] = np.eye(4, dtype=np.float32)[m_base]
                logits = ops.convert_to_numpy(forward(steps, mutants))
            else:
                logits = plan.mutant_logits(cache, block, m_seq, m_pos, m_base)
            wild = wild_logits[m_seq]
            if output == "probability":
                logits, wild = _sigmoid(logits), _sigmoid(wild)
            delta = (logits - wild)[:, task_index]
            scores[:, start + m_seq, m_pos, m_base] = delta.T
        bar.update(len(block))
    bar.close()
    return scores


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z.astype(np.float64)))


class _FastPlan:
    """The split of a model into local convolutions, one max-pool, and the head after it."""

    def __init__(self, local, pool, head, receptive_field, length):
        self.local, self.pool, self.head = local, pool, head
        self.field = receptive_field  # input positions one local output reads
        self.local_length = length - receptive_field + 1
        self.cells = self.local_length // pool

    @classmethod
    def build(cls, steps, length):
        kinds = [step[0] for step in steps]
        if "conv" not in kinds or "flatten" not in kinds:
            return None
        cut = kinds.index("pool") if "pool" in kinds else kinds.index("flatten")
        local, rest = steps[:cut], steps[cut:]
        if any(kind not in ("conv", "act") for kind in kinds[:cut]):
            return None
        if "pool" in kinds[cut + 1 :] or "conv" in kinds[cut:]:
            return None
        pool = rest[0][1] if rest[0][0] == "pool" else 1
        head = rest[1:] if rest[0][0] == "pool" else rest
        field = 1 + sum(int(step[1].shape[0]) - 1 for step in local if step[0] == "conv")
        if length - field + 1 < pool:
            return None
        return cls(local, pool, head, field, length)

    def cache(self, block: np.ndarray) -> dict:
        """Wild-type local activations (cut to whole cells), their cell-wise prefix/suffix maxima."""
        local = ops.convert_to_numpy(forward(self.local, block))
        cells = local[:, : self.cells * self.pool].reshape(len(block), self.cells, self.pool, -1)
        prefix = np.maximum.accumulate(cells, axis=2).reshape(
            len(block), self.cells * self.pool, -1
        )
        suffix = np.maximum.accumulate(cells[:, :, ::-1], axis=2)[:, :, ::-1]
        suffix = suffix.reshape(len(block), self.cells * self.pool, -1)
        pad = np.zeros((len(block), self.field - 1, 4), dtype=np.float32)
        return {
            "pooled": cells.max(axis=2),
            "prefix": prefix,
            "suffix": suffix,
            "padded": np.concatenate([pad, block, pad], axis=1),
        }

    def mutant_logits(self, cache, block, seq, pos, base) -> np.ndarray:
        field, pool = self.field, self.pool
        m = len(seq)
        # input slice [pos - field + 1, pos + field - 1] (zero-padded at the ends), mutated in the
        # middle; its local outputs are exactly the positions j in [pos - field + 1, pos]
        offsets = np.arange(2 * field - 1)
        windows = cache["padded"][seq[:, None], pos[:, None] + offsets]
        windows[:, field - 1] = np.eye(4, dtype=np.float32)[base]
        recomputed = ops.convert_to_numpy(forward(self.local, windows))  # (m, field, F)

        first_j = pos - field + 1  # local position of recomputed[:, 0]
        j_lo = np.maximum(first_j, 0)
        j_hi = np.minimum(pos, self.local_length - 1)
        max_cells = (field - 1) // pool + 2
        cell = j_lo[:, None] // pool + np.arange(max_cells)  # (m, k) candidate cells
        valid = (cell <= (j_hi // pool)[:, None]) & (cell < self.cells)
        cell_start = cell * pool
        a = np.maximum(j_lo[:, None], cell_start)  # changed positions [a, b] inside the cell
        b = np.minimum(j_hi[:, None], cell_start + pool - 1)

        # max over the changed positions of each cell
        t = np.arange(field)
        j = first_j[:, None, None] + t  # (m, 1, field)
        inside = (j >= a[:, :, None]) & (j <= b[:, :, None])  # (m, k, field)
        changed = np.where(inside[..., None], recomputed[:, None], -np.inf).max(axis=2)
        # untouched head and tail of each cell, from the wild-type prefix / suffix maxima
        cell_c = np.minimum(cell, self.cells - 1)
        last = self.cells * pool - 1
        head_idx = np.clip(a - 1, 0, last)
        tail_idx = np.clip(b + 1, 0, last)
        before = np.where(
            (a > cell_start)[..., None], cache["prefix"][seq[:, None], head_idx], -np.inf
        )
        after = np.where(
            (b < cell_start + pool - 1)[..., None], cache["suffix"][seq[:, None], tail_idx], -np.inf
        )
        new_cells = np.maximum(changed, np.maximum(before, after))

        pooled = cache["pooled"][seq].copy()  # (m, cells, F)
        rows = np.broadcast_to(np.arange(m)[:, None], cell.shape)
        pooled[rows[valid], cell_c[valid]] = new_cells[valid]
        return ops.convert_to_numpy(forward(self.head, pooled))
