"""One-hot coding of DNA, reverse complements and FASTA reading.

Layout: ``X`` is float32 of shape (N, L, 4), bases in A, C, G, T order along the last axis, so
``X[n, i]`` is the one-hot vector of base ``i`` of sequence ``n``. Lowercase letters (soft-masked
repeats) encode like uppercase. ``N`` (an unknown base) encodes as the all-zero vector
``[0, 0, 0, 0]``: it contributes nothing to a convolution, and decodes back to ``N``. Any other
character (IUPAC ambiguity codes such as ``R`` included) is rejected, naming the sequence, the
position and the character.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import numpy as np

from tutorial_utils._files import read_lines
from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_memory

BASES = "ACGT"
IUPAC_CODES = "RYSWKMBDHV"  # ambiguity codes other than N (IUPAC-IUB 1970)

# code point -> column index (0..3), 4 for N (all-zero), -1 for invalid; code points >= 256
# are invalid too
_LOOKUP = np.full(256, -1, dtype=np.int8)
for _i, _b in enumerate(BASES):
    _LOOKUP[ord(_b)] = _i
    _LOOKUP[ord(_b.lower())] = _i
_LOOKUP[ord("N")] = 4
_LOOKUP[ord("n")] = 4
_IDENTITY = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])


def one_hot_encode(sequences: Iterable[str] | str, dtype=np.float32) -> np.ndarray:
    """One-hot encode equal-length DNA strings.

    Parameters
    ----------
    sequences : str or iterable of str, N >= 1 non-empty strings of one length L over ACGTN
        (any case).
    dtype : numeric output dtype, default float32.

    Returns
    -------
    X : ndarray (N, L, 4); a single string gives (1, L, 4). ``N`` becomes all zeros.

    Raises
    ------
    TypeError : ``sequences`` is not a string or an iterable of strings (e.g. None, a number),
        or ``dtype`` is not a numeric dtype.
    ValueError : no sequences, an empty sequence, unequal lengths, or a character other than
        A, C, G, T, N (message: "sequences[i] has invalid character 'X' at position j").
    ResourceLimitError : the (N, L, 4) output would not fit in memory.
    """
    sequences = _as_string_array(sequences, "sequences")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numeric numpy dtype, got {dtype!r}") from None
    if dtype.kind not in "biuf":
        raise TypeError(f"dtype must be a numeric numpy dtype, got {dtype}")
    lengths = np.char.str_len(sequences)
    if np.any(lengths == 0):
        raise ValueError(
            f"sequences must not be empty; sequences[{int(np.argmax(lengths == 0))}] has length 0"
        )
    if np.any(lengths != lengths[0]):
        bad = int(np.argmax(lengths != lengths[0]))
        raise ValueError(
            f"sequences must all have the same length; sequences[0] has length {lengths[0]} "
            f"but sequences[{bad}] has length {lengths[bad]}"
        )
    n, length = len(sequences), int(lengths[0])
    check_memory(
        "sequences",
        f"<{n} x {length} bp>",
        n * length * (4 * dtype.itemsize + 8),
        f"the ({n}, {length}, 4) {dtype} one-hot array and the base codes",
        " (encode them in chunks)",
    )
    # one code point per base: str arrays are UTF-32, bytes arrays one byte per base
    kind = sequences.dtype.kind
    fixed = np.ascontiguousarray(sequences.astype(f"{kind}{length}", copy=False))
    codes = fixed.view(np.uint32 if kind == "U" else np.uint8).reshape(n, length)
    index = np.where(codes < 256, _LOOKUP[np.minimum(codes, 255)], -1)
    if np.any(index < 0):
        row, pos = map(int, np.argwhere(index < 0)[0])
        raise ValueError(
            f"sequences[{row}] has invalid character {_char(sequences[row], pos)!r} at position "
            f"{pos}; allowed: A, C, G, T, N (any case){_iupac_hint(sequences[row], pos)}"
        )
    return _IDENTITY.astype(dtype, copy=False).take(index, axis=0)


def _as_string_array(sequences, param: str) -> np.ndarray:
    """A 1-D numpy str (or bytes) array of the sequences, or a TypeError/ValueError naming param."""
    if isinstance(sequences, str):
        return np.array([sequences])
    if isinstance(sequences, np.ndarray) and sequences.dtype.kind != "O":
        if sequences.dtype.kind not in "US":
            raise TypeError(f"{param} must be strings, got an array of dtype {sequences.dtype}")
        if sequences.ndim != 1:
            raise ValueError(
                f"{param} must be a 1-D collection of strings, got shape {sequences.shape}"
            )
        array = sequences
    else:
        if (
            sequences is None
            or isinstance(sequences, (bytes, dict))
            or not isinstance(sequences, Iterable)
        ):
            raise TypeError(
                f"{param} must be a DNA string or a list of DNA strings, got {sequences!r:.60} "
                f"({type(sequences).__name__})"
            )
        if isinstance(sequences, np.ndarray) and sequences.ndim != 1:
            raise ValueError(
                f"{param} must be a 1-D collection of strings, got shape {sequences.shape}"
            )
        items = list(sequences)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise TypeError(
                    f"{param}[{i}] must be a DNA string, got {item!r:.60} ({type(item).__name__})"
                )
            if "\x00" in item:  # numpy would drop it silently at the end of a string
                raise ValueError(
                    f"{param}[{i}] has invalid character '\\x00' at position "
                    f"{item.index(chr(0))}; allowed: A, C, G, T, N (any case)"
                )
        array = np.array(items, dtype=str) if items else np.array([], dtype=str)
    if len(array) == 0:
        raise ValueError(f"{param} must contain at least one sequence, got 0")
    return array


def _char(sequence, pos: int) -> str:
    return sequence[pos] if isinstance(sequence, str) else chr(sequence[pos])


def _iupac_hint(sequence, pos: int) -> str:
    if _char(sequence, pos).upper() in IUPAC_CODES:
        return " (IUPAC ambiguity codes are not one-hot bases: replace them with N)"
    return ""


def one_hot_decode(X: np.ndarray) -> np.ndarray:
    """Inverse of :func:`one_hot_encode`: (N, L, 4) (or one (L, 4)) -> 1-D array of N strings.

    Positions with no base set (all zeros) decode to ``N``; otherwise the largest entry wins, so
    base probabilities decode to their most likely base. Raises like the model entry points
    (:func:`tutorial_utils._onehot.check_one_hot`) for non-arrays, wrong shapes and NaN.
    """
    single = isinstance(X, np.ndarray) and X.ndim == 2
    X = check_one_hot(X, "X", probabilities=True, single=single)
    if single:
        X = X[None]
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    index = np.where(X.max(axis=-1) > 0, X.argmax(axis=-1), 4)
    raw = letters[index]
    return np.array([row.tobytes().decode("ascii") for row in raw])


get_sequence_strings = one_hot_decode  # the 2016 name

# IUPAC-IUB nucleotide codes and their complements (R = A/G <-> Y = C/T, K = G/T <-> M = A/C,
# B = not A <-> V = not T, D = not C <-> H = not G; S, W and N are their own complements)
_COMPLEMENT_PAIRS = ("ACGTRYKMBVDHSWN", "TGCAYRMKVBHDSWN")
_COMPLEMENT = str.maketrans(
    _COMPLEMENT_PAIRS[0] + _COMPLEMENT_PAIRS[0].lower(),
    _COMPLEMENT_PAIRS[1] + _COMPLEMENT_PAIRS[1].lower(),
)
_COMPLEMENTABLE = frozenset(_COMPLEMENT_PAIRS[0] + _COMPLEMENT_PAIRS[0].lower())


def reverse_complement(X: np.ndarray | str) -> np.ndarray | str:
    """Reverse complement of a DNA string, or of one-hot arrays (..., L, 4).

    Strings may hold A, C, G, T, N and the IUPAC ambiguity codes R, Y, S, W, K, M, B, D, H, V
    (any case, case kept); each is complemented (R <-> Y, K <-> M, B <-> V, D <-> H; S, W, N
    unchanged). With A, C, G, T ordering, reversing the base axis complements, so the one-hot
    reverse complement reverses both the position and the base axes (any numeric array whose
    last axis has 4 columns: one-hot, probabilities or contribution scores).

    Raises
    ------
    TypeError : X is neither a string nor a numeric array.
    ValueError : a character that is not a nucleotide code (message: position and character),
        or an array whose last axis is not 4 bases.
    """
    if isinstance(X, str):
        bad = next((i for i, c in enumerate(X) if c not in _COMPLEMENTABLE), None)
        if bad is not None:
            raise ValueError(
                f"X has invalid character {X[bad]!r} at position {bad}; allowed: A, C, G, T, N "
                "and the IUPAC codes R, Y, S, W, K, M, B, D, H, V (any case)"
            )
        return X.translate(_COMPLEMENT)[::-1]
    if X is None or isinstance(X, (bytes, dict, set)) or not hasattr(X, "__len__"):
        raise TypeError(
            f"X must be a DNA string or a one-hot array (..., L, 4), got {type(X).__name__}"
        )
    try:
        array = np.asarray(X)
    except (TypeError, ValueError):
        raise TypeError(f"X must be a DNA string or a one-hot array, got {X!r:.60}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"X must be a DNA string or a numeric one-hot array (..., L, 4), got dtype "
            f"{array.dtype}"
            + ("; for several strings use a list comprehension" if array.dtype.kind in "UO" else "")
        )
    if array.ndim < 2 or array.shape[-1] != 4:
        raise ValueError(f"X must have shape (..., L, 4), got shape {array.shape}")
    return array[..., ::-1, ::-1]


def read_fasta(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read a FASTA file as editors and tools write them.

    Compression is recognised from the first bytes, not the name (gzip/BGZF, bzip2, xz, a zip
    holding one file); a UTF-8 or UTF-16 byte-order mark is skipped; Windows (CRLF) and old Mac
    (CR) line ends, blank lines, ``;`` comment lines and spaces inside sequence lines are
    ignored; records may span many lines. Sequence letters are uppercased; characters other
    than letters (and ``-``, ``*``, ``.``) are refused, naming the file, the record and the line.

    Returns
    -------
    names : list of record names (header text after ``>`` up to the first whitespace;
        ``sequence_<i>`` for an empty header).
    sequences : list of uppercase sequence strings (a header without sequence lines gives "").

    Raises
    ------
    TypeError : path is not a str or PathLike. FileNotFoundError : no such file.
    ValueError : no records, sequence data before the first header, a line that is not text in
        the file's encoding, or an invalid character (each naming the file and line).
    """
    names: list[str] = []
    chunks: list[list[str]] = []
    for line_number, raw in read_lines(path):
        line = raw.strip()
        if line_number == 1:
            line = line.lstrip("\ufeff")  # a BOM written twice, or after a compressed header
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            header = line[1:].strip()
            names.append(header.split()[0] if header else f"sequence_{len(names)}")
            chunks.append([])
            continue
        if not chunks:
            raise ValueError(
                f"{os.fspath(path)}: line {line_number} has sequence data before any '>' header: "
                f"{line[:40]!r}"
            )
        sequence = "".join(line.split()).upper()
        if not sequence.isalpha() or not sequence.isascii():
            bad = next(c for c in sequence if not (c.isascii() and c.isalpha()))
            if bad not in "-*.":
                raise ValueError(
                    f"{os.fspath(path)}: line {line_number} (record {names[-1]!r}) has invalid "
                    f"character {bad!r} at column {raw.index(bad) + 1 if bad in raw else '?'}"
                )
        chunks[-1].append(sequence)
    if not names:
        raise ValueError(f"{os.fspath(path)}: no FASTA records found (no line starts with '>')")
    return names, ["".join(c) for c in chunks]


def encode_fasta_sequences(path: str | os.PathLike) -> np.ndarray:
    """One-hot encode every record of a FASTA file (records must be equal length): (N, L, 4).

    Errors name the file and the record (e.g. "x.fa: record 3 ('chr1:100-200') has invalid
    character 'R' at position 7 ...").
    """
    names, sequences = read_fasta(path)
    try:
        return one_hot_encode(sequences)
    except ValueError as error:
        message = re.sub(
            r"\bsequences\[(\d+)\]",
            lambda match: f"record {match[1]} ({names[int(match[1])]!r})",
            str(error),
        )
        raise ValueError(f"{os.fspath(path)}: {message}") from None
