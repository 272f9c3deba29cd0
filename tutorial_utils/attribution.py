"""DeepLIFT (Rescale rule) and gradient x input for SequenceDNN-style Keras 3 models.

DeepLIFT is written in ``keras.ops`` with one backend-specific call (:func:`_gradients.gradient`):
the network is re-run on the input with every non-linearity replaced by a straight line through
the reference's activation,

    y = f(h_ref) + m * (h - h_ref),   m = stop_gradient((f(h) - f(h_ref)) / (h - h_ref)),

which leaves the forward value unchanged and makes the input gradient equal to the DeepLIFT
multipliers. Max-pooling gets a rule of the same form (below) so that **completeness** holds:
summed over positions and bases, contributions equal ``logit(x) - logit(reference)``.
"""

from __future__ import annotations

import warnings

import numpy as np
from keras import ops
from tqdm.auto import tqdm

from tutorial_utils._gradients import gradient
from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_float, check_int, check_memory, check_seed
from tutorial_utils.ism import (
    ACTIVATIONS,
    _pool_cells,
    activation_bytes,
    apply_step,
    check_flag,
    check_sequences,
    check_task,
    forward,
    model_steps,
    num_tasks,
)
from tutorial_utils.simulations import dinucleotide_shuffle

REFERENCES = ("shuffle", "zeros", "gc")
_EPS = 1e-6  # below this a difference-from-reference is treated as zero


def deeplift(
    model,
    X: np.ndarray,
    reference="shuffle",
    num_refs: int = 10,
    seed=0,
    task: int = 0,
    hypothetical: bool = False,
    batch_size: int = 64,
    gc_fraction: float = 0.4,
    progress: bool = True,
) -> np.ndarray:
    """DeepLIFT contributions of each base to one task's logit (Rescale rule).

    Parameters
    ----------
    model : SequenceDNN or keras.Model (a layer chain; see :mod:`tutorial_utils.ism`).
    X : float array (N, L, 4), one-hot A, C, G, T (all zeros for N); anything else (base
        probabilities, scaled values, NaN) is refused, as by every model entry point.
    reference : "shuffle" (default: ``num_refs`` dinucleotide shuffles of each sequence),
        "zeros" (all-zero input), "gc" (the background base frequencies at ``gc_fraction``:
        0.3, 0.2, 0.2, 0.3 at 0.4) or an array (L, 4), (N, L, 4) or (N, R, L, 4) of one-hot
        or base-probability rows. Results are averaged over the references of each sequence.
    num_refs : int >= 1, shuffles per sequence for ``reference="shuffle"`` (default 10).
    seed : int >= 0, None or numpy Generator for the shuffles (default 0).
    task : logit index (default 0).
    hypothetical : if True return hypothetical contributions: for every base ``b`` at ``i``,
        the contribution base ``b`` would have if it were there (the input for TF-MoDISco).
    batch_size : sequences per gradient evaluation (default 64; times the references each).
        The shuffled references are drawn batch by batch, so memory stays that of one batch.
    gc_fraction : float in [0, 1], GC fraction of the "gc" reference (default 0.4).
    progress : show a tqdm progress bar when there is more than one batch (default True).

    Returns
    -------
    contributions : float32 (N, L, 4). Not hypothetical: non-zero only at the observed base,
        and ``contributions[n].sum() == logit(X[n]) - mean_r logit(ref_{n,r})`` (completeness;
        for sequences without ``N`` bases). Hypothetical: all four bases filled in, and
        ``(hypothetical * X)`` gives the contributions.

    Raises
    ------
    TypeError / ValueError naming the parameter, before any work; ResourceLimitError (a
    ValueError) when one batch (``batch_size`` x ``num_refs`` sequence-reference pairs through
    the model) would not fit in memory.
    """
    steps = model_steps(model)
    X = check_sequences(model, X)
    task = check_task(task, num_tasks(steps))
    batch_size = check_int("batch_size", batch_size, min_value=1)
    hypothetical = check_flag("hypothetical", hypothetical)
    progress = check_flag("progress", progress)
    references = _References(X, reference, num_refs, seed, gc_fraction)
    n, length = X.shape[:2]
    pairs = min(batch_size, n) * references.per_sequence
    by_refs = references.kind == "shuffle" and references.per_sequence >= min(batch_size, n)
    check_memory(
        "num_refs" if by_refs else "batch_size",
        num_refs if by_refs else batch_size,
        pairs * (48 * length + 4 * activation_bytes(steps, length)),
        f"{pairs} sequence-reference pairs of {length} bp per batch ({min(batch_size, n)} "
        f"sequences x {references.per_sequence} references) through the model and its gradient",
        " or batch_size" if by_refs else "",
    )
    hyp = np.empty(X.shape, dtype=np.float32)
    worst = 0.0
    starts = range(0, n, batch_size)
    for start in tqdm(
        starts, desc="DeepLIFT", disable=not progress or len(starts) < 2, leave=False
    ):
        x = X[start : start + batch_size]
        batch_refs = references.batch(start, start + len(x))  # (n, R, L, 4)
        refs = batch_refs.shape[1]
        ref = batch_refs.reshape(-1, *X.shape[1:])
        x_rep = np.repeat(x, refs, axis=0)
        multipliers, error = _multipliers(steps, x_rep, ref, task)
        worst = max(worst, error)
        # hypothetical contribution of base b at i for one reference:
        # sum_c m[i, c] * (onehot_b[c] - ref[i, c]) = m[i, b] - sum_c m[i, c] * ref[i, c]
        per_ref = multipliers - np.sum(multipliers * ref, axis=-1, keepdims=True)
        hyp[start : start + len(x)] = per_ref.reshape(len(x), refs, *X.shape[1:]).mean(axis=1)
    if worst > 1e-3:
        warnings.warn(
            f"DeepLIFT completeness error up to {worst:.2g} (relative to the logit difference); "
            "contributions may be inaccurate",
            stacklevel=2,
        )
    return hyp if hypothetical else hyp * X


def gradient_times_input(model, X: np.ndarray, task: int = 0, batch_size: int = 256) -> np.ndarray:
    """Gradient of one task's logit with respect to the input, times the input.

    Parameters
    ----------
    model : SequenceDNN or keras.Model.
    X : float array (N, L, 4), one-hot (refused otherwise, as by every model entry point).
    task : logit index (default 0).
    batch_size : sequences per gradient evaluation (default 256).

    Returns
    -------
    float32 (N, L, 4), non-zero only at the observed bases.
    """
    steps = model_steps(model)
    X = check_sequences(model, X)
    task = check_task(task, num_tasks(steps))
    batch_size = check_int("batch_size", batch_size, min_value=1)
    n, length = X.shape[:2]
    check_memory(
        "batch_size",
        batch_size,
        min(batch_size, n) * (32 * length + 3 * activation_bytes(steps, length)),
        f"{min(batch_size, n)} sequences of {length} bp per batch through the model and its "
        "gradient",
    )
    grads = np.concatenate(
        [
            gradient(lambda t: forward(steps, t)[:, task], X[start : start + batch_size])
            for start in range(0, len(X), batch_size)
        ]
    )
    return grads * X


# ----------------------------------------------------------------------------------------------
# the DeepLIFT pass


def _multipliers(steps, x: np.ndarray, ref: np.ndarray, task: int) -> tuple[np.ndarray, float]:
    """DeepLIFT multipliers d logit / d x for paired rows of x and ref, and the completeness error."""
    ref_acts = [ops.convert_to_tensor(ref)]
    for step in steps:  # the reference stream: plain forward, constants for the gradient
        ref_acts.append(apply_step(step, ref_acts[-1]))
    multipliers = gradient(lambda t, acts: _rescaled_forward(steps, t, acts)[:, task], x, ref_acts)
    # completeness per (sequence, reference) pair, before averaging
    logit_x = ops.convert_to_numpy(forward(steps, x))[:, task]
    logit_ref = ops.convert_to_numpy(ref_acts[-1])[:, task]
    total = np.sum(multipliers * (x - ref), axis=(1, 2))
    scale = np.maximum(np.abs(logit_x - logit_ref), 1.0)
    error = float(np.max(np.abs(total - (logit_x - logit_ref)) / scale))
    return multipliers, error


def _rescaled_forward(steps, x, ref_acts):
    """Forward pass whose input gradient is the DeepLIFT multipliers (see module docstring)."""
    h = x
    for k, step in enumerate(steps):
        kind = step[0]
        if kind == "act" and step[1] != "linear":
            h = _rescale(ACTIVATIONS[step[1]], h, ref_acts[k], ref_acts[k + 1])
        elif kind == "pool":
            h = _max_pool_rule(h, ref_acts[k], ref_acts[k + 1], step[1])
        else:  # linear steps are exact as they are
            h = apply_step(step, h)
    return h


def _rescale(fn, h, h_ref, out_ref):
    delta = h - h_ref
    big = ops.abs(delta) > _EPS
    slope = (fn(h) - out_ref) / ops.where(big, delta, 1.0)
    # tiny differences: the local slope at the reference (their contribution is tiny anyway)
    if fn is ops.relu:  # the common case, without two extra evaluations of fn
        local = ops.cast(h_ref > 0, h.dtype)
    else:
        local = (fn(h_ref + 1e-3) - fn(h_ref - 1e-3)) / 2e-3
    multiplier = ops.stop_gradient(ops.where(big, slope, local))
    return out_ref + multiplier * delta


def _max_pool_rule(h, h_ref, out_ref, pool: int):
    """Max-pool rule that keeps completeness (the rule of shap's DeepExplainer).

    Per cell, the output change ``max(h) - max(h_ref)`` is routed through one position: where
    the input's max rose above the reference's, through the input's argmax ``a``; otherwise
    through the reference's argmax ``b``. Its multiplier is the output change over the input
    change at that position, which lies in [0, 1] because ``h[a] - h_ref[a] >= max(h) -
    max(h_ref)`` when positive (and symmetrically at ``b`` when negative).
    """
    cells, cells_ref = _pool_cells(h, pool), _pool_cells(h_ref, pool)  # (B, C, p, F)
    delta = cells - cells_ref
    change = ops.max(cells, axis=2) - out_ref  # (B, C, F)
    at_x = _argmax_mask(cells, pool)
    at_ref = _argmax_mask(cells_ref, pool)
    route = ops.where(ops.expand_dims(change >= 0, 2), at_x, at_ref)
    routed_delta = ops.sum(route * delta, axis=2)
    big = ops.abs(routed_delta) > _EPS
    weight = ops.where(big, change / ops.where(big, routed_delta, 1.0), 0.0)
    multiplier = ops.stop_gradient(route * ops.expand_dims(weight, 2))
    return out_ref + ops.sum(multiplier * delta, axis=2)


def _argmax_mask(cells, pool: int):
    """One-hot (B, C, p, F) of the first maximum of each cell along the pool axis."""
    index = ops.argmax(cells, axis=2)  # (B, C, F)
    return ops.transpose(ops.one_hot(index, pool, dtype="float32"), (0, 1, 3, 2))


# ----------------------------------------------------------------------------------------------
# references


class _References:
    """The references of each sequence, validated up front and produced batch by batch."""

    def __init__(self, X, reference, num_refs, seed, gc_fraction):
        self.X = X
        n, length = X.shape[:2]
        self.num_refs = check_int("num_refs", num_refs, min_value=1)
        self.rng = check_seed(seed)
        gc = check_float("gc_fraction", gc_fraction, min_value=0.0, max_value=1.0)
        self.fixed = None  # (N or 1, R, L, 4) when the references are not drawn
        if isinstance(reference, str):
            if reference not in REFERENCES:
                raise ValueError(
                    f"reference must be one of {list(REFERENCES)} or an array, got {reference!r}"
                )
            self.kind = reference
            if reference == "zeros":
                self.fixed = np.zeros((1, 1, length, 4), dtype=np.float32)
            elif reference == "gc":
                freqs = np.array([1 - gc, gc, gc, 1 - gc], dtype=np.float32) / 2
                self.fixed = np.broadcast_to(freqs, (1, 1, length, 4))
            self.per_sequence = self.num_refs if reference == "shuffle" else 1
            return
        self.kind = "array"
        if reference is None or isinstance(reference, (bytes, dict)):
            raise TypeError(
                f"reference must be one of {list(REFERENCES)} or an array, got "
                f"{type(reference).__name__}"
            )
        ref = np.asarray(reference)
        if ref.shape == (length, 4):
            ref = ref[None, None]
        elif ref.shape == (n, length, 4):
            ref = ref[:, None]
        elif not (ref.ndim == 4 and ref.shape[0] == n and ref.shape[2:] == (length, 4)):
            raise ValueError(
                f"reference array must have shape (L, 4), (N, L, 4) or (N, R, L, 4) with N={n}, "
                f"L={length}; got {ref.shape}"
            )
        if ref.shape[1] == 0:
            raise ValueError(f"reference array must hold at least one reference, got {ref.shape}")
        rows = ref.reshape(-1, length, 4)
        check_one_hot(rows, "reference", probabilities=True)
        self.fixed = ref.astype(np.float32, copy=False)
        self.per_sequence = ref.shape[1]

    def batch(self, start: int, stop: int) -> np.ndarray:
        """(stop - start, R, L, 4) float32 references of sequences start..stop-1."""
        if self.kind == "shuffle":
            return _shuffled_references(self.X[start:stop], self.num_refs, self.rng)
        if self.fixed.shape[0] == 1:
            return np.broadcast_to(self.fixed, (stop - start, *self.fixed.shape[1:])).copy()
        return np.ascontiguousarray(self.fixed[start:stop])


def _shuffled_references(X, num_refs: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((len(X), num_refs, *X.shape[1:]), dtype=np.float32)
    for i, x in enumerate(X):
        out[i] = dinucleotide_shuffle(x, num_shuffles=num_refs, seed=rng)
    return out
