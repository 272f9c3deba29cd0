"""De novo motif discovery from a model: TF-MoDISco (``modisco-lite``) on DeepLIFT scores.

``discover_motifs`` computes hypothetical DeepLIFT contributions (dinucleotide-shuffled
references), hands them with the one-hot sequences to ``modiscolite.tfmodisco.TFMoDISco``
(channels-last (N, L, 4), as Keras uses; run in a fresh process, see ``_modisco_process``), and
tabulates the patterns it finds, each with its best match among the simulation's motifs and
among the ENCODE motif library.
"""

from __future__ import annotations

import difflib
import json

import numpy as np
import pandas as pd

from tutorial_utils._modisco_process import run_modisco, tfmodisco_options
from tutorial_utils._validation import (
    check_choice,
    check_float,
    check_int,
    check_seed,
    warn_caller,
)
from tutorial_utils.attribution import deeplift
from tutorial_utils.ism import check_sequences
from tutorial_utils.motif_scan import check_motifs, match_filters_to_motifs


def discover_motifs(
    dnn,
    X: np.ndarray,
    task: int = 0,
    num_refs: int = 10,
    seed=0,
    motif_names=None,
    library: str | None = "encode",
    max_seqlets: int = 2000,
    sliding_window_size: int = 21,
    flank_size: int = 10,
    trim_threshold: float = 0.3,
    min_similarity: float = 0.6,
    **modisco_options,
) -> pd.DataFrame:
    """Find the sequence patterns a model relies on, and name them.

    Parameters
    ----------
    dnn : SequenceDNN or keras.Model.
    X : float array (N, L, 4), one-hot sequences to explain (e.g. the test positives), with
        L >= sliding_window_size + 2 * flank_size.
    task : logit index explained (default 0).
    num_refs : dinucleotide shuffles per sequence for DeepLIFT (default 10).
    seed : seed of the shuffles (default 0).
    motif_names : known motifs to match first (e.g. ``data.motif_names``: names, ``Motif``
        objects or (m, 4) arrays), or None.
    library : motif collection also searched ("encode", default; "hocomoco"; "jaspar"; a dict or
        list of motifs; None to skip).
    max_seqlets : most seqlets per metacluster (default 2000).
    sliding_window_size, flank_size : TF-MoDISco seqlet window (>= 1) and flank (>= 0) in bp
        (defaults 21, 10).
    trim_threshold : before matching, a pattern's contribution-weight matrix (CWM) is trimmed to
        the span of columns whose total |contribution| is at least this fraction of the largest
        (default 0.3).
    min_similarity : a simulation motif counts as contained in a pattern when its best Pearson
        similarity anywhere in the (untrimmed) CWM reaches this (default 0.6).
    **modisco_options : other ``modiscolite.tfmodisco.TFMoDISco`` options (JSON values), e.g.
        ``min_metacluster_size=50``.

    Every argument is checked before any work (DeepLIFT, TF-MoDISco) starts.

    Returns
    -------
    DataFrame, one row per pattern (positive patterns first, by seqlet count), columns:
    ``pattern`` ("pos_0", ...), ``sign`` (+1 / -1), ``n_seqlets``, ``ppm`` (w, 4 base
    frequencies), ``cwm`` (w, 4 mean contributions), ``hypothetical_cwm`` (w, 4), ``trimmed_cwm``,
    and per motif source ``match``/``similarity`` (simulation) and ``library_match`` /
    ``library_similarity`` (Pearson of CWM and log-odds, see ``match_filters_to_motifs``).
    With ``motif_names``, also ``matches``: every simulation motif found in the pattern (best
    first). A grammar pattern (e.g. a motif pair at a fixed spacing) holds several motifs, and
    ``match`` names only the strongest.
    If TF-MoDISco finds no pattern: an empty table with the same columns, whose
    ``attrs["reason"]`` says why (e.g. "too few seqlets: 37 positive and 2 negative, and
    TF-MoDISco needs more than min_metacluster_size=100 of one sign; ..."), also issued as a
    ``UserWarning``. Tables with patterns have ``attrs["reason"] = None``.

    Raises
    ------
    TypeError / ValueError naming the parameter (unknown motif names, an unknown library or
    TF-MoDISco option, sequences shorter than the seqlet window...), before any work.
    RuntimeError if TF-MoDISco fails for another reason.
    """
    from tutorial_utils.ism import check_task, model_steps, num_tasks
    from tutorial_utils.motifs import COLLECTIONS

    steps = model_steps(dnn, "dnn")
    X = check_sequences(dnn, X, model_name="dnn")
    task = check_task(task, num_tasks(steps))
    num_refs = check_int("num_refs", num_refs, min_value=1)
    rng = check_seed(seed)
    max_seqlets = check_int("max_seqlets", max_seqlets, min_value=1)
    sliding_window_size = check_int("sliding_window_size", sliding_window_size, min_value=1)
    flank_size = check_int("flank_size", flank_size, min_value=0)
    trim_threshold = check_float("trim_threshold", trim_threshold, min_value=0.0, max_value=1.0)
    min_similarity = check_float("min_similarity", min_similarity, min_value=-1.0, max_value=1.0)
    _check_modisco_options(modisco_options)
    known = None if motif_names is None else _named_matrices_checked(motif_names, "motif_names")
    if isinstance(library, str):
        check_choice("library", library, COLLECTIONS)
    elif library is not None:
        _named_matrices_checked(library, "library")
    needed = sliding_window_size + 2 * flank_size
    if X.shape[1] < needed:
        raise ValueError(
            f"sequences of {X.shape[1]} bp are shorter than one TF-MoDISco seqlet: "
            f"sliding_window_size + 2 * flank_size = {sliding_window_size} + 2 * {flank_size} = "
            f"{needed} bp; lower sliding_window_size or flank_size"
        )

    hypothetical = deeplift(dnn, X, num_refs=num_refs, seed=rng, task=task, hypothetical=True)
    patterns, reason = run_modisco(
        X,
        hypothetical,
        max_seqlets_per_metacluster=max_seqlets,
        sliding_window_size=sliding_window_size,
        flank_size=flank_size,
        **modisco_options,
    )
    rows = []
    for sign in (1, -1):
        prefix = "pos" if sign > 0 else "neg"
        for i, pattern in enumerate(p for p in patterns if p["sign"] == sign):
            cwm = pattern["contrib_scores"]
            rows.append(
                {
                    "pattern": f"{prefix}_{i}",
                    "sign": sign,
                    "n_seqlets": pattern["n_seqlets"],
                    "ppm": pattern["sequence"],
                    "cwm": cwm,
                    "hypothetical_cwm": pattern["hypothetical_contribs"],
                    "trimmed_cwm": _trim(cwm, trim_threshold),
                }
            )
    table = pd.DataFrame(
        rows,
        columns=["pattern", "sign", "n_seqlets", "ppm", "cwm", "hypothetical_cwm", "trimmed_cwm"],
    )
    for column, motifs in (("match", known), ("library_match", library)):
        if motifs is None:
            continue
        if isinstance(motifs, str):
            from tutorial_utils.motifs import load_motifs

            motifs = load_motifs(motifs)
        table[column] = pd.Series(dtype=object)
        table[column.replace("match", "similarity")] = pd.Series(dtype=float)
        for row, cwm in enumerate(table.trimmed_cwm):
            # the CWM of a negative pattern points down: flip it so the motif correlates
            best = match_filters_to_motifs(
                cwm * np.sign(table.sign[row]), motifs, min_overlap=min(8, len(cwm))
            ).iloc[0]
            table.loc[row, column] = best.motif
            table.loc[row, column.replace("match", "similarity")] = best.similarity
    if known is not None:
        table["matches"] = [
            _contained_motifs(cwm * sign, known, min_similarity)
            for cwm, sign in zip(table.cwm, table.sign, strict=True)
        ]
    table.attrs["reason"] = reason if table.empty else None
    if table.empty:
        warn_caller(f"discover_motifs found no pattern; {reason}")
    return table


def _check_modisco_options(options: dict) -> None:
    """Unknown TF-MoDISco options and values that cannot travel as JSON, before any work."""
    known = set(tfmodisco_options()) - {"max_seqlets_per_metacluster", "verbose"}
    for name, value in options.items():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise TypeError(
                f"discover_motifs got an unknown TF-MoDISco option {name!r}{hint} "
                f"(known: {', '.join(sorted(known))})"
            )
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"TF-MoDISco option {name} must be a number, string, bool or a list of them, "
                f"got {value!r:.60}"
            ) from None


def _named_matrices_checked(motifs, param: str) -> dict:
    """The motifs as name -> Motif, every name looked up now (not after the work)."""
    from tutorial_utils.motifs import Motif

    return {name: Motif(name, matrix) for name, matrix in check_motifs(motifs, param).items()}


def _contained_motifs(cwm: np.ndarray, motifs, min_similarity: float) -> list[str]:
    """Names of the motifs (names, Motifs or a dict of them) whose best match anywhere in
    ``cwm`` reaches ``min_similarity``."""
    if isinstance(motifs, dict):
        motifs = list(motifs.values())
    scored = []
    for motif in motifs:
        best = match_filters_to_motifs(cwm, [motif], min_overlap=min(8, len(cwm))).iloc[0]
        if best.similarity >= min_similarity:
            scored.append((best.similarity, best.motif))
    return [name for _, name in sorted(scored, reverse=True)]


def trim_span(cwm: np.ndarray, threshold: float) -> tuple[int, int]:
    """(start, stop) of the span of columns of a CWM (w, 4) whose total |contribution| reaches
    ``threshold`` x the largest (the whole CWM if none does); ``cwm[start:stop]`` is the
    trimmed CWM of :func:`discover_motifs`, and the same slice of the pattern's PPM is what
    :func:`tutorial_utils.motif_match.match_motifs` compares."""
    weight = np.abs(cwm).sum(axis=1)
    keep = np.flatnonzero(weight >= threshold * weight.max())
    return (int(keep[0]), int(keep[-1]) + 1) if len(keep) else (0, len(cwm))


def _trim(cwm: np.ndarray, threshold: float) -> np.ndarray:
    """The span of columns whose total |contribution| reaches ``threshold`` x the largest."""
    start, stop = trim_span(cwm, threshold)
    return cwm[start:stop]


def plot_discovered_motifs(table: pd.DataFrame, column: str = "cwm"):
    """Logos of the patterns of :func:`discover_motifs`, one row each, titled with their matches.

    Parameters
    ----------
    table : the DataFrame returned by :func:`discover_motifs` (at least one row).
    column : matrix to draw: "cwm" (default), "trimmed_cwm", "hypothetical_cwm" (drawn as
        weights) or "ppm" (drawn as an information-content logo).

    Returns
    -------
    Figure with one logo per pattern.
    """
    import matplotlib.pyplot as plt

    from tutorial_utils.logos import plot_logo

    check_choice("column", column, ["cwm", "trimmed_cwm", "hypothetical_cwm", "ppm"])
    if len(table) == 0:
        raise ValueError("table has no patterns to plot")
    figure, axes = plt.subplots(len(table), 1, figsize=(10, 2.2 * len(table)), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], table.iterrows(), strict=True):
        title = f"{row.pattern}: {row.n_seqlets} seqlets"
        for key, label in (("match", "simulation"), ("library_match", "library")):
            if key in row and isinstance(row[key], str):
                similarity = row[key.replace("match", "similarity")]
                title += f" | {label}: {row[key]} (r={similarity:.2f})"
        kind = "information" if column == "ppm" else "weights"
        plot_logo(row[column], ax=ax, kind=kind, title=title)
    figure.tight_layout()
    return figure
