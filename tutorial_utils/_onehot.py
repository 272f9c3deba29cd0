"""The one check of one-hot DNA input that every model entry point shares.

``predict``, ``test``, ``train``, in-silico mutagenesis, DeepLIFT, gradient x input, motif
discovery, the k-mer baseline, the motif scan and the dinucleotide shuffle all call
:func:`check_one_hot`, so a bad ``X`` gets the same message wherever it goes: not an array, not
numeric, the wrong shape or length, NaN or infinite values, or values that are not one-hot
(e.g. ``X * 5``, or 0.25 everywhere).
"""

from __future__ import annotations

import numpy as np

ONE_HOT_RULE = "entries 0 or 1, at most one 1 per position (all zeros for N)"
PROBABILITY_RULE = (
    "one-hot or base probabilities: entries in [0, 1] summing to at most 1 per position"
)


def check_one_hot(
    X,
    name: str = "X",
    *,
    length: int | None = None,
    length_text: str | None = None,
    probabilities: bool = False,
    single: bool = False,
) -> np.ndarray:
    """Validate one-hot DNA and return it as float32.

    Parameters
    ----------
    X : array-like (N, L, 4) over A, C, G, T (or (L, 4) with ``single=True``).
    name : the parameter name used in error messages.
    length : the sequence length L the caller needs (e.g. a model's input length), or None.
    length_text : how a wrong length is explained, default "the model expects <length>".
    probabilities : also accept per-position base probabilities (entries in [0, 1] summing to at
        most 1 per position, e.g. a GC-background reference); default False: strictly one-hot.
    single : X is one sequence (L, 4) instead of a batch (N, L, 4).

    Returns
    -------
    float32 ndarray of X's shape (a view when X is float32 already).

    Raises
    ------
    TypeError : X is not a numeric array (e.g. None, strings: encode them with one_hot_encode).
    ValueError : wrong shape, N = 0 or L = 0, a length other than ``length``, NaN or inf, or
        values that are not one-hot (or probabilities); the message names the first offending
        sequence and position.
    """
    shape_text = "(L, 4)" if single else f"(N, {'L' if length is None else length}, 4)"
    if X is None or isinstance(X, (str, bytes, dict, set)):
        raise TypeError(
            f"{name} must be one-hot DNA, an array of shape {shape_text}; got {_kind(X)}"
            + ("; encode strings with one_hot_encode" if isinstance(X, str) else "")
        )
    if not isinstance(X, np.ndarray):
        if isinstance(X, (list, tuple)) and X and all(isinstance(x, str) for x in X):
            raise TypeError(
                f"{name} must be one-hot DNA of shape {shape_text}, got a list of strings; "
                "encode them with one_hot_encode"
            )
        try:
            X = np.asarray(X)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{name} must be one-hot DNA, an array of shape {shape_text}; got {_kind(X)} "
                f"({error})"
            ) from None
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric one-hot array, got dtype {X.dtype}")
    want_ndim = 2 if single else 3
    if X.ndim != want_ndim or X.shape[-1] != 4:
        raise ValueError(f"{name} must have shape {shape_text}, got shape {X.shape}")
    if X.size == 0:
        raise ValueError(f"{name} must hold at least one base of one sequence, got shape {X.shape}")
    if length is not None and X.shape[-2] != length:
        expected = length_text or f"the model expects {length}"
        raise ValueError(f"{name} has sequence length {X.shape[-2]} but {expected}")
    X = X.astype(np.float32, copy=False)
    batch = X if not single else X[None]
    # in blocks of sequences, so the temporary masks stay small next to X
    step = max(1, _BLOCK_VALUES // max(1, batch.shape[1] * 4))
    for start in range(0, len(batch), step):
        _check_block(batch[start : start + step], start, name, probabilities, single)
    return X


_BLOCK_VALUES = 1 << 22  # values per checked block (4 M: 4 MB per boolean mask)


def _check_block(block: np.ndarray, offset: int, name: str, probabilities: bool, single: bool):
    finite = np.isfinite(block)
    if not finite.all():
        n, i, _ = np.argwhere(~finite)[0]
        raise ValueError(
            f"{name} must be finite one-hot values; {_where(offset + n, i, single)} holds "
            f"{block[n, i].tolist()}"
        )
    if probabilities:
        ok = (block >= 0).all(axis=2) & (block <= 1).all(axis=2) & (block.sum(axis=2) <= 1 + 1e-5)
        rule = PROBABILITY_RULE
    else:
        binary = (block == 0) | (block == 1)
        ok = binary.all(axis=2) & (block.sum(axis=2) <= 1)
        rule = ONE_HOT_RULE
    if not ok.all():
        n, i = np.argwhere(~ok)[0]
        values = block[n, i]
        hint = ""
        if not probabilities and np.all((values >= 0) & (values <= 1)):
            hint = " (base probabilities are not one-hot)"
        elif values.max() > 1:
            hint = " (scaled input? one-hot values are at most 1)"
        raise ValueError(
            f"{name} must be {'' if probabilities else 'one-hot: '}{rule}; "
            f"{_where(offset + n, i, single)} holds {values.tolist()}{hint}"
        )


def _where(n, i, single: bool) -> str:
    return f"position {int(i)}" if single else f"sequence {int(n)}, position {int(i)}"


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"a string {value[:20]!r}"
    return type(value).__name__
