"""Sequence logos of motifs, filters and contribution scores (drawn with logomaker)."""

from __future__ import annotations

import numpy as np

from ._validation import check_choice
from .motifs import BASES, Motif, get_motif

KINDS = ("information", "probability", "weights")
_COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
_Y_LABELS = {"information": "bits", "probability": "probability", "weights": "weight"}


def _letter_heights(matrix: np.ndarray, kind: str) -> np.ndarray:
    if kind == "weights":
        return matrix
    if np.any(matrix < 0) or np.any(np.abs(matrix.sum(axis=1) - 1) > 1e-3):
        raise ValueError(
            f"kind={kind!r} needs rows of probabilities (non-negative, summing to 1); "
            "use kind='weights' for arbitrary scores"
        )
    if kind == "probability":
        return matrix
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(matrix > 0, matrix * np.log2(matrix), 0.0).sum(axis=1)
    return matrix * (2.0 - entropy)[:, None]


def plot_logo(matrix, ax=None, kind: str = "information", title: str | None = None):
    """Draw a sequence logo.

    Parameters
    ----------
    matrix : array-like (L, 4) or Motif
        Columns A, C, G, T. Probabilities for kind "information" / "probability"; any real
        values for "weights" (negative letters are drawn below the axis).
    ax : matplotlib Axes or None
        Where to draw; None makes a new 10 x 2.5 in figure.
    kind : {"information", "probability", "weights"}, default "information"
        "information": letter height = probability x information content (bits, 0 to 2);
        "probability": letter height = probability; "weights": the values themselves.
    title : str or None
        Axes title.

    Returns
    -------
    The matplotlib Axes.
    """
    import logomaker
    import matplotlib.pyplot as plt
    import pandas as pd

    kind = check_choice("kind", kind, KINDS)
    _check_axes(ax)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {title!r}")
    if isinstance(matrix, Motif):
        matrix = matrix.probabilities
    try:
        matrix = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"matrix must be an array (length, 4) of numbers or a Motif, got {matrix!r:.40}"
        ) from None
    if matrix.ndim != 2 or matrix.shape[1] != 4 or matrix.shape[0] == 0:
        raise ValueError(
            f"matrix must have shape (length, 4) with columns A, C, G, T, got {matrix.shape}"
        )
    if not np.all(np.isfinite(matrix)):
        raise ValueError("matrix must contain only finite values")
    heights = pd.DataFrame(_letter_heights(matrix, kind), columns=list(BASES))
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.5))
    logomaker.Logo(heights, ax=ax, color_scheme=_COLORS, show_spines=False)
    ax.set_ylabel(_Y_LABELS[kind])
    ax.set_xlabel("position")
    if kind == "information":
        ax.set_ylim(0, 2)
    elif kind == "probability":
        ax.set_ylim(0, 1)
    if title is not None:
        ax.set_title(title)
    return ax


def _check_axes(ax) -> None:
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")


def plot_motif(motif, ax=None):
    """Information-content logo of a motif.

    Parameters
    ----------
    motif : str or Motif
        An ENCODE motif name (e.g. "SPI1_known4") or a Motif.
    ax : matplotlib Axes or None
        Where to draw; None makes a new figure.

    Returns
    -------
    The matplotlib Axes, titled with the motif name.
    """
    _check_axes(ax)
    try:
        motif = get_motif(motif)
    except (TypeError, ValueError) as error:
        raise type(error)(f"motif: {error}") from None
    return plot_logo(motif.probabilities, ax=ax, kind="information", title=motif.name)


def plot_motifs(data_or_names):
    """Information-content logos, one row per motif (the 2016 ``plot_motifs(data)``).

    Parameters
    ----------
    data_or_names : Data, str, Motif, or list of str / Motif
        A ``Data`` tuple (its ``motif_names`` are drawn), one motif, or several.

    Returns
    -------
    The matplotlib Figure (10 in wide, 2.2 in per motif).
    """
    import matplotlib.pyplot as plt

    from .motif_scan import check_motifs

    names = getattr(data_or_names, "motif_names", data_or_names)
    if isinstance(names, str | Motif):
        names = [names]
    motifs = [Motif(n, m) for n, m in check_motifs(names, "data_or_names").items()]
    figure, axes = plt.subplots(len(motifs), 1, figsize=(10, 2.2 * len(motifs)), squeeze=False)
    for motif, ax in zip(motifs, axes[:, 0], strict=True):
        plot_logo(motif.probabilities, ax=ax, kind="information")
        ax.set_ylabel(f"{motif.name}\nbits")
    figure.tight_layout()
    return figure
