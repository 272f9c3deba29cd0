"""Motif scanning: PWM log-odds tracks along sequences, and matching matrices to known motifs.

``get_motif_scores`` is the 2016 DragoNN scan (spec section 1.2) with its bugs fixed: every motif is
scored with its own matrix, each strand is summed over bases before the max over strands, and the
output is (N, num_motifs, L) as the 2016 code really returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_background, check_float, check_int, check_memory


def get_motif_scores(
    X: np.ndarray,
    motif_names,
    GC_fraction: float = 0.4,
    max_scores: int | None = None,
    return_positions: bool = False,
) -> np.ndarray:
    """Log-odds score of each motif at each position, best of both strands.

    The score at index ``i`` is that of the motif window starting at ``i - (m - 1) // 2``
    (m = motif length), i.e. a motif instance starting at ``s`` peaks at ``s + (m - 1) // 2``.
    Windows hanging over either end sum only their in-bound positions (zero padding); ``N``
    bases score 0. Log-odds are natural-log ``ln(p / background)`` with background
    A = T = (1 - GC) / 2, C = G = GC / 2; the reverse strand uses the reverse-complemented matrix
    over the same window.

    Parameters
    ----------
    X : float array (N, L, 4), one-hot A, C, G, T (or base probabilities).
    motif_names : sequence of ENCODE motif names (or ``Motif`` objects, or (m, 4) probability
        arrays, smoothed like ``Motif`` when they hold zeros), K motifs.
    GC_fraction : background GC fraction in (0, 1), default 0.4.
    max_scores : if given, keep each motif's k highest scores (descending) per sequence.
    return_positions : with ``max_scores``, also return the positions of those scores.

    Returns
    -------
    (N, K, L) scores; with ``max_scores=k`` (N, K * k); with ``return_positions`` as well
    (N, 2 * K * k): the K * k scores followed by their K * k positions.

    Raises
    ------
    TypeError / ValueError naming the parameter (X as in :func:`~tutorial_utils._onehot.
    check_one_hot`); ResourceLimitError if the (N, K, L) scores would not fit in memory.
    """
    X = check_one_hot(X, "X", probabilities=True)
    gc = check_float("GC_fraction", GC_fraction, min_value=0.0, max_value=1.0)
    if gc in (0.0, 1.0):
        raise ValueError(f"GC_fraction must be strictly between 0 and 1, got {gc}")
    if not isinstance(return_positions, (bool, np.bool_)):
        raise TypeError(f"return_positions must be True or False, got {return_positions!r}")
    if max_scores is not None:
        max_scores = check_int("max_scores", max_scores, min_value=1, max_value=X.shape[1])
    elif return_positions:
        raise ValueError("return_positions=True needs max_scores (the number of top scores)")
    probabilities = _as_probability_matrices(motif_names, "motif_names")
    background = np.array([1 - gc, gc, gc, 1 - gc]) / 2
    n, length = X.shape[:2]
    widest = max(len(p) for p in probabilities)
    check_memory(
        "motif_names",
        f"<{len(probabilities)} motifs>",
        4 * n * length * len(probabilities) * (3 if max_scores else 1)
        + 16 * n * (length + widest)
        + 8 * n * length,
        f"the ({n}, {len(probabilities)}, {length}) float32 scores of X and one padded copy of X",
        " or scan fewer sequences at a time",
    )
    scores = np.empty((n, len(probabilities), length), dtype=np.float32)
    for j, probs in enumerate(probabilities):
        log_odds = np.log(probs) - np.log(background)
        # both strands at once: column 0 forward, column 1 reverse complement
        kernel = np.stack([log_odds, log_odds[::-1, ::-1]], axis=-1).astype(np.float32)  # (m, 4, 2)
        m = len(log_odds)
        left = (m - 1) // 2
        padded = np.pad(X, ((0, 0), (left, m - 1 - left), (0, 0)))
        strands = np.zeros((n, length, 2), dtype=np.float32)
        for k in range(m):
            strands += padded[:, k : k + length] @ kernel[k]
        scores[:, j] = strands.max(axis=-1)
    if max_scores is None:
        return scores
    order = np.argsort(-scores, axis=-1, kind="stable")[..., :max_scores]  # (N, K, k)
    top = np.take_along_axis(scores, order, axis=-1).reshape(n, -1)
    if not return_positions:
        return top
    return np.concatenate([top, order.reshape(n, -1).astype(np.float32)], axis=1)


def _as_probability_matrices(motifs, param: str, labels=None) -> list[np.ndarray]:
    """(m, 4) probabilities of each motif: a name, a ``Motif`` or an array (made a ``Motif``, so
    it is validated and smoothed the same way)."""
    from tutorial_utils.motifs import Motif, UnknownMotifError, get_motif

    if isinstance(motifs, np.ndarray) and motifs.ndim == 2:
        motifs = [motifs]  # one (m, 4) matrix
    if isinstance(motifs, (str, Motif)) or not isinstance(motifs, Sequence | np.ndarray):
        raise TypeError(
            f"{param} must be a non-empty list of motif names (or Motifs, or (m, 4) arrays), got "
            f"{motifs!r:.80}"
        )
    if len(motifs) == 0:
        raise ValueError(f"{param} must name at least one motif, got an empty list")
    matrices = []
    for i, motif in enumerate(motifs):
        where = f"{param}[{labels[i] if labels is not None else i}]"
        if isinstance(motif, str):
            try:
                matrices.append(get_motif(motif).probabilities)
            except UnknownMotifError as error:
                raise UnknownMotifError(f"{where}: {error}") from None
        elif isinstance(motif, Motif):
            matrices.append(motif.probabilities)
        else:
            try:
                matrices.append(Motif(where, motif).probabilities)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"{where} must be a motif name, a Motif or an (m, 4) array of probabilities: "
                    f"{error}"
                ) from None
    return matrices


def match_filters_to_motifs(
    filters: np.ndarray, motifs, min_overlap: int = 6, background=(0.3, 0.2, 0.2, 0.3)
) -> pd.DataFrame:
    """Best-matching known motif of each matrix (convolution filter, CWM or PWM).

    Similarity is the Pearson correlation between the column-mean-centred matrix and the
    column-mean-centred motif log-odds over their overlapping columns, maximised over both
    strands of the motif and every offset that overlaps at least ``min(min_overlap, w, m)``
    columns.

    Parameters
    ----------
    filters : array (F, w, 4) (or one (w, 4) matrix) of finite numbers: e.g. first-layer Conv1D
        weights ``kernel.transpose(2, 0, 1)``.
    motifs : dict name -> ``Motif`` or (m, 4) probabilities (smoothed like ``Motif`` when they
        hold zeros), or a list of names / ``Motif``.
    min_overlap : int >= 1, smallest number of overlapping columns scored (default 6).
    background : A, C, G, T background of the log-odds: 4 positive probabilities summing to 1,
        or "uniform" (default 0.3, 0.2, 0.2, 0.3).

    Returns
    -------
    DataFrame with one row per filter: ``filter`` (index), ``motif``, ``similarity`` (in
    [-1, 1]), ``strand`` ("+" / "-") and ``offset`` (filter column where the motif's first
    column falls; negative if the motif starts before the filter).
    """
    try:
        filters = np.asarray(filters, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"filters must be an array (F, w, 4) of numbers, got {type(filters).__name__}"
        ) from None
    if filters.ndim == 2:
        filters = filters[None]
    if filters.ndim != 3 or filters.shape[-1] != 4 or 0 in filters.shape:
        raise ValueError(f"filters must have shape (F, w, 4) with F, w >= 1, got {filters.shape}")
    if not np.all(np.isfinite(filters)):
        raise ValueError("filters must be finite numbers (no NaN or inf)")
    min_overlap = check_int("min_overlap", min_overlap, min_value=1)
    bg = check_background("background", background)
    named = check_motifs(motifs, "motifs")
    names = list(named)
    centred = filters - filters.mean(axis=2, keepdims=True)
    n_filters, width = filters.shape[:2]
    # per filter and motif: best similarity, and the (strand, offset) that reached it first
    best = np.full((n_filters, len(names)), -np.inf)
    best_strand = np.zeros((n_filters, len(names)), dtype=np.int64)
    best_offset = np.zeros((n_filters, len(names)), dtype=np.int64)
    by_length: dict[int, list[int]] = {}
    for j, name in enumerate(names):
        by_length.setdefault(len(named[name]), []).append(j)
    for m, members in by_length.items():
        log_odds = np.log(np.stack([named[names[j]] for j in members])) - np.log(bg)
        # (motifs, strands, m, 4): + strand, then the reverse complement
        stranded = np.stack([log_odds, log_odds[:, ::-1, ::-1]], axis=1)
        stranded = stranded - stranded.mean(axis=3, keepdims=True)
        need = min(min_overlap, width, m)
        offsets = range(need - m, width - need + 1)
        scores = np.empty((n_filters, len(members), 2, len(offsets)))
        for k, offset in enumerate(offsets):
            f_lo, f_hi = max(offset, 0), min(offset + m, width)
            a = centred[:, f_lo:f_hi].reshape(n_filters, -1)
            b = stranded[:, :, f_lo - offset : f_hi - offset].reshape(len(members) * 2, -1)
            scores[:, :, :, k] = _pearson(a, b).reshape(n_filters, len(members), 2)
        flat = scores.reshape(n_filters, len(members), -1)
        first = flat.argmax(axis=2)  # strand-major, offsets ascending: the first maximum wins
        best[:, members] = np.take_along_axis(flat, first[..., None], axis=2)[..., 0]
        best_strand[:, members] = first // len(offsets)
        best_offset[:, members] = np.asarray(offsets)[first % len(offsets)]
    winner = best.argmax(axis=1)  # motifs in the given order: the first maximum wins
    rows = np.arange(n_filters)
    return pd.DataFrame(
        {
            "filter": rows,
            "motif": [names[j] for j in winner],
            "similarity": best[rows, winner],
            "strand": np.where(best_strand[rows, winner] == 0, "+", "-"),
            "offset": best_offset[rows, winner],
        }
    ).set_index("filter")


def check_motifs(motifs, param: str = "motifs") -> dict[str, np.ndarray]:
    """Motifs as name -> (m, 4) probabilities, each looked up and validated now; errors name
    ``param``. Accepts a dict name -> Motif / array, or a list of names / Motifs / arrays."""
    if isinstance(motifs, Mapping):
        items = list(motifs.items())
    elif isinstance(motifs, Sequence) and not isinstance(motifs, str):
        items = [
            (m if isinstance(m, str) else getattr(m, "name", f"motif_{i}"), m)
            for i, m in enumerate(motifs)
        ]
    else:
        raise TypeError(
            f"{param} must be a dict or a list of motifs, got {motifs!r:.60} "
            f"({type(motifs).__name__})"
        )
    if not items:
        raise ValueError(f"{param} must name at least one motif, got an empty collection")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        duplicate = next(name for name in names if names.count(name) > 1)
        raise ValueError(f"{param} must have distinct names, {duplicate!r} appears twice")
    labels = [repr(name) for name in names] if isinstance(motifs, Mapping) else None
    matrices = _as_probability_matrices([m for _, m in items], param, labels)
    return dict(zip(names, matrices, strict=True))


def _pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every row of ``a`` (F, n) with every row of ``b`` (G, n) -> (F, G);
    0 where a row is constant."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denom = np.sqrt(np.outer((a * a).sum(axis=1), (b * b).sum(axis=1)))
    return np.where(denom > 0, (a @ b.T) / np.where(denom > 0, denom, 1.0), 0.0)
