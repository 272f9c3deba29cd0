"""One-hot coding of DNA and FASTA reading.

Layout: ``X`` is float32 of shape (N, L, 4), bases in A, C, G, T order along the last axis, so
``X[n, i]`` is the one-hot vector of base ``i`` of sequence ``n``. Lowercase letters (soft-masked
repeats) encode like uppercase. ``N`` (an unknown base) encodes as the all-zero vector
``[0, 0, 0, 0]``: it contributes nothing to a convolution, and decodes back to ``N``. Any other
character is rejected, naming the sequence and the position.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable

import numpy as np

BASES = "ACGT"

# byte value -> column index (0..3), 4 for N (all-zero), -1 for invalid
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
    sequences : str or iterable of str, N strings of length L over ACGTN (any case).
    dtype : output dtype, default float32.

    Returns
    -------
    X : ndarray (N, L, 4); a single string gives (1, L, 4). ``N`` becomes all zeros.
    """
    if isinstance(sequences, str):
        sequences = [sequences]
    sequences = np.asarray(list(sequences) if not isinstance(sequences, np.ndarray) else sequences)
    if sequences.ndim != 1:
        raise ValueError(
            f"sequences must be a 1-D collection of strings, got shape {sequences.shape}"
        )
    if len(sequences) == 0:
        raise ValueError("sequences must contain at least one sequence, got 0")
    if sequences.dtype.kind not in "US":
        raise TypeError(f"sequences must be strings, got dtype {sequences.dtype}")
    lengths = np.char.str_len(sequences)
    if np.any(lengths != lengths[0]):
        bad = int(np.argmax(lengths != lengths[0]))
        raise ValueError(
            f"sequences must all have the same length; sequence 0 has length {lengths[0]} "
            f"but sequence {bad} has length {lengths[bad]}"
        )
    length = int(lengths[0])
    # a fixed-width byte view: one uint8 per base
    as_bytes = np.char.encode(sequences, "ascii") if sequences.dtype.kind == "U" else sequences
    codes = np.frombuffer(as_bytes.astype(f"S{length}").tobytes(), dtype=np.uint8)
    index = _LOOKUP[codes].reshape(len(sequences), length)
    if np.any(index < 0):
        n, pos = map(int, np.argwhere(index < 0)[0])
        raise ValueError(
            f"sequence {n} has invalid character {sequences[n][pos]!r} at position {pos}; "
            "allowed: A, C, G, T, N (any case)"
        )
    return _IDENTITY.astype(dtype, copy=False).take(index, axis=0)


def one_hot_decode(X: np.ndarray) -> np.ndarray:
    """Inverse of :func:`one_hot_encode`: (N, L, 4) -> 1-D array of N uppercase strings.

    Positions with no base set (all zeros) decode to ``N``; otherwise the largest entry wins.
    """
    X = np.asarray(X)
    if X.ndim == 2:
        X = X[None]
    if X.ndim != 3 or X.shape[-1] != 4:
        raise ValueError(f"X must have shape (N, L, 4), got {X.shape}")
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    index = np.where(X.max(axis=-1) > 0, X.argmax(axis=-1), 4)
    raw = letters[index]
    return np.array([row.tobytes().decode("ascii") for row in raw])


get_sequence_strings = one_hot_decode  # the 2016 name


def reverse_complement(X: np.ndarray | str) -> np.ndarray | str:
    """Reverse complement of a DNA string, or of one-hot arrays (..., L, 4).

    With A, C, G, T ordering, reversing the base axis complements, so the one-hot reverse
    complement reverses both the position and the base axes.
    """
    if isinstance(X, str):
        return X.translate(_COMPLEMENT)[::-1]
    X = np.asarray(X)
    return X[..., ::-1, ::-1]


_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def read_fasta(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read a FASTA file (plain or ``.gz``; multi-line records allowed).

    Returns
    -------
    names : list of record names (header text after ``>`` up to the first whitespace).
    sequences : list of uppercase sequence strings.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    names: list[str] = []
    chunks: list[list[str]] = []
    with opener(path, "rt") as handle:
        for line_number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                names.append(line[1:].split()[0] if line[1:].strip() else f"sequence_{len(names)}")
                chunks.append([])
            elif not chunks:
                raise ValueError(
                    f"{path}: line {line_number} has sequence data before any '>' header"
                )
            else:
                chunks[-1].append(line.upper())
    if not names:
        raise ValueError(f"{path}: no FASTA records found")
    return names, ["".join(c) for c in chunks]


def encode_fasta_sequences(path: str | os.PathLike) -> np.ndarray:
    """One-hot encode every record of a FASTA file (records must be equal length): (N, L, 4)."""
    _, sequences = read_fasta(path)
    return one_hot_encode(sequences)
