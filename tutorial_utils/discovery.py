"""De novo motif discovery from a model: TF-MoDISco (``modisco-lite``) on DeepLIFT scores.

``discover_motifs`` computes hypothetical DeepLIFT contributions (dinucleotide-shuffled
references), hands them with the one-hot sequences to ``modiscolite.tfmodisco.TFMoDISco``
(channels-last (N, L, 4), as Keras uses; run in a fresh process, see ``_modisco_process``), and
tabulates the patterns it finds: near-identical ones merged, each with its best match among the
simulation's motifs (a composite when it holds several) and its TOMTOM name and q-value among
the JASPAR and ENCODE collections (:mod:`tutorial_utils.motif_match`).
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
from tutorial_utils.motif_match import DEFAULT_COLLECTIONS, match_motifs, trim_span
from tutorial_utils.motif_scan import check_motifs, match_filters_to_motifs


def discover_motifs(
    dnn,
    X: np.ndarray,
    task: int = 0,
    num_refs: int = 10,
    seed=0,
    motif_names=None,
    library=DEFAULT_COLLECTIONS,
    max_seqlets: int = 2000,
    sliding_window_size: int = 21,
    flank_size: int = 10,
    trim_threshold: float = 0.3,
    min_similarity: float = 0.6,
    merge_similarity: float = 0.9,
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
    library : collections every pattern is named against by TOMTOM with q-values
        (:func:`tutorial_utils.motif_match.match_motifs`): default ("jaspar", "encode"); a name
        ("encode", "hocomoco", "jaspar"), a list of names, a dict of motifs of your own; None to
        skip.
    max_seqlets : most seqlets per metacluster (default 2000).
    sliding_window_size, flank_size : TF-MoDISco seqlet window (>= 1) and flank (>= 0) in bp
        (defaults 21, 10).
    trim_threshold : before matching, a pattern's contribution-weight matrix (CWM) is trimmed to
        the span of columns whose total |contribution| is at least this fraction of the largest
        (default 0.3).
    min_similarity : a simulation motif counts as contained in a pattern when its best Pearson
        similarity anywhere in the (untrimmed) CWM reaches this (default 0.6).
    merge_similarity : patterns of one sign whose CWMs correlate at least this much (Pearson, at
        their best offset on either strand, over at least 80 % of their width) are one pattern:
        merged into the one with the most seqlets (default 0.9; 1.01 keeps every pattern).
    **modisco_options : other ``modiscolite.tfmodisco.TFMoDISco`` options (JSON values), e.g.
        ``min_metacluster_size=50``.

    Every argument is checked before any work (DeepLIFT, TF-MoDISco) starts.

    Returns
    -------
    DataFrame, one row per pattern (positive patterns first, by seqlet count), columns:
    ``pattern`` ("pos_0", ...), ``sign`` (+1 / -1), ``n_seqlets``, ``ppm`` (w, 4 base
    frequencies), ``cwm`` (w, 4 mean contributions), ``hypothetical_cwm`` (w, 4), ``trimmed_cwm``,
    ``merged`` (the other TF-MoDISco patterns merged into this one, their seqlets counted in
    ``n_seqlets``), ``match``/``similarity`` (the best simulation motif: Pearson of CWM and
    log-odds, see ``match_filters_to_motifs``), ``library_match`` / ``library_collection`` /
    ``library_q_value`` (the best TOMTOM match and its Benjamini-Hochberg q-value), and ``label``:
    "composite: A, 3 bp, B" (the simulation motifs in their order along the pattern and the gap
    between them) when the pattern holds several, else its match. With
    ``motif_names``, also ``matches``: every simulation motif found in the pattern (best
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
    merge_similarity = check_float(
        "merge_similarity", merge_similarity, min_value=-1.0, max_value=1.01
    )
    _check_modisco_options(modisco_options)
    known = None if motif_names is None else _named_matrices_checked(motif_names, "motif_names")
    if isinstance(library, str):
        check_choice("library", library, COLLECTIONS)
    elif isinstance(library, dict):
        _named_matrices_checked(library, "library")
    elif library is not None:
        if not isinstance(library, list | tuple) or not library:
            raise TypeError(
                f"library must be a collection name {list(COLLECTIONS)}, a non-empty list of "
                f"them, a dict of motifs or None, got {library!r:.60} ({type(library).__name__})"
            )
        for name in library:
            check_choice("library", name, COLLECTIONS)
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
    rows = _merge_alike(rows, merge_similarity)
    table = pd.DataFrame(
        rows,
        columns=["pattern", "sign", "n_seqlets", "merged", "ppm", "cwm", "hypothetical_cwm",
                 "trimmed_cwm"],
    )  # fmt: skip
    if known is not None:
        table["match"] = pd.Series(dtype=object)
        table["similarity"] = pd.Series(dtype=float)
        for row, cwm in enumerate(table.trimmed_cwm):
            # the CWM of a negative pattern points down: flip it so the motif correlates
            best = match_filters_to_motifs(
                cwm * np.sign(table.sign[row]), known, min_overlap=min(8, len(cwm))
            ).iloc[0]
            table.loc[row, "match"] = best.motif
            table.loc[row, "similarity"] = best.similarity
        table["matches"] = [
            _contained_motifs(cwm * sign, known, min_similarity)
            for cwm, sign in zip(table.cwm, table.sign, strict=True)
        ]
    if library is not None:
        for column in ("library_match", "library_collection", "library_q_value"):
            table[column] = pd.Series(dtype=float if column.endswith("value") else object)
        if not table.empty:
            named = match_motifs(table, collections=library, max_matches=1,
                                 trim_threshold=trim_threshold)  # fmt: skip
            for row, pattern in enumerate(table.pattern):
                if len(named[pattern]):
                    best = named[pattern].iloc[0]
                    table.loc[row, "library_match"] = best.target
                    table.loc[row, "library_collection"] = best.collection
                    table.loc[row, "library_q_value"] = best.q_value
    table["label"] = [
        (_composite_label(cwm * sign, known, min_similarity) if known is not None else None)
        or _label(row)
        for cwm, sign, (_, row) in zip(table.cwm, table.sign, table.iterrows(), strict=True)
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
    ``cwm`` reaches ``min_similarity``, best first."""
    return [
        name for _, name, _, _ in sorted(_placements(cwm, motifs, min_similarity), reverse=True)
    ]


def _placements(cwm: np.ndarray, motifs, min_similarity: float) -> list[tuple]:
    """``(similarity, name, first column, width)`` of each motif whose best match in ``cwm``
    reaches ``min_similarity``."""
    if isinstance(motifs, dict):
        motifs = list(motifs.values())
    found = []
    for motif in motifs:
        best = match_filters_to_motifs(cwm, [motif], min_overlap=min(8, len(cwm))).iloc[0]
        if best.similarity >= min_similarity:
            width = len(getattr(motif, "probabilities", motif))
            found.append((float(best.similarity), best.motif, int(best.offset), width))
    return found


def _composite_label(cwm: np.ndarray, motifs, min_similarity: float) -> str | None:
    """ "composite: SPI1_known4, 3 bp, IRF_known20" (motifs in their order along the pattern,
    with the gap between them), or None when the pattern holds fewer than two of ``motifs``."""
    placed = sorted(_placements(cwm, motifs, min_similarity), key=lambda p: p[2])
    if len(placed) < 2:
        return None
    parts = [placed[0][1]]
    for (_, _, start, width), (_, name, nxt, _) in zip(placed, placed[1:], strict=False):
        parts += [f"{nxt - (start + width)} bp", name]
    return "composite: " + ", ".join(parts)


def cwm_similarity(a: np.ndarray, b: np.ndarray, min_fraction: float = 0.8) -> float:
    """Pearson correlation of two CWMs (w, 4) at their best offset, ``b`` on either strand,
    over an overlap of at least ``min_fraction`` of the longer one (-1 when none is possible):
    a pattern that holds another (a composite and one of its motifs) is not the same pattern."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    overlap = int(np.ceil(min_fraction * max(len(a), len(b))))
    best = -1.0
    if overlap > min(len(a), len(b)):
        return best
    for other in (b, b[::-1, ::-1]):
        for shift in range(-(len(other) - overlap), len(a) - overlap + 1):
            lo, hi = max(0, shift), min(len(a), shift + len(other))
            x, y = a[lo:hi].ravel(), other[lo - shift : hi - shift].ravel()
            if x.std() > 0 and y.std() > 0:
                best = max(best, float(np.corrcoef(x, y)[0, 1]))
    return best


def _merge_alike(rows: list[dict], threshold: float) -> list[dict]:
    """Rows of one sign whose CWMs are alike (:func:`cwm_similarity` >= ``threshold``) become
    one: the row with the most seqlets keeps its matrices, counts the others' seqlets and names
    them in ``merged``. Rows come in TF-MoDISco's order (most seqlets first within a sign)."""
    kept: list[dict] = []
    for row in rows:
        into = next(
            (k for k in kept if k["sign"] == row["sign"]
             and cwm_similarity(k["cwm"], row["cwm"]) >= threshold),
            None,
        )  # fmt: skip
        if into is None:
            kept.append({**row, "merged": []})
        else:
            into["n_seqlets"] += row["n_seqlets"]
            into["merged"].append(row["pattern"])
    return kept


def _label(row) -> str:
    """What a pattern is, in words, when it is not a composite: its best match, or its name."""
    for key in ("match", "library_match"):
        if isinstance(row.get(key), str):
            return row[key]
    return row["pattern"]


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
    figure, axes = plt.subplots(len(table), 1, figsize=(10, 2.6 * len(table)), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], table.iterrows(), strict=True):
        title = f"{row.pattern}: {row.get('label', row.pattern)} ({row.n_seqlets} seqlets"
        merged = row.get("merged")
        title += (
            f", {len(merged) + 1} patterns merged)" if isinstance(merged, list) and merged else ")"
        )
        if isinstance(row.get("library_match"), str):
            title += (
                f"\nTOMTOM: {row.library_match} ({row.library_collection}), "
                f"q = {row.library_q_value:.2g}"
            )
        kind = "information" if column == "ppm" else "weights"
        plot_logo(row[column], ax=ax, kind=kind, title=title)
    figure.tight_layout()
    return figure
