"""The model of a motif: a named position probability matrix (PPM) over the DNA alphabet.

A motif is an (m, 4) matrix of base probabilities, rows = motif positions, columns = A, C, G, T.
Every matrix is smoothed the way the 2016 simulations smoothed the ENCODE motifs,
``p * (1 - eps) + eps / 4`` with ``eps = 0.001`` (:func:`smooth`), so no base has probability
zero and log-odds (a PWM, :meth:`Motif.log_odds`) are finite everywhere. The collections
(:mod:`tutorial_utils.motifs`) and the motif-file readers (:mod:`tutorial_utils.motif_files`)
build on this module; it imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_background, check_float

BASES = "ACGT"
PSEUDOCOUNT_PROB = 0.001
DEFAULT_BACKGROUND = (0.3, 0.2, 0.2, 0.3)


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
