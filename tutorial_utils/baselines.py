"""Non-deep baselines: scikit-learn classifiers on k-mer counts.

A k-mer feature counts a word on both strands: the count of the word plus the count of its
reverse complement, so a word and its reverse complement are one feature (a palindrome counts
twice per occurrence). Gapped k-mers (``gapped=True``) are words of length k with one wildcard at
an interior position (k - 1 informative bases; the gkm-SVM idea of "l-mers with gaps"), which
tolerate a variable base inside a motif. Windows touching an ``N`` (all-zero) position are
skipped.
"""

from __future__ import annotations

import numpy as np

from tutorial_utils._validation import check_choice, check_int
from tutorial_utils.metrics import ClassificationResult

MODELS = ("logistic", "random_forest")
_CHUNK = 2000  # sequences per counting block: bounds the bincount buffer to ~CHUNK * 4^k


class KmerBaseline:
    """Logistic regression or random forest on (gapped) k-mer counts of both strands.

    Parameters
    ----------
    k : int in [1, 8] ([3, 8] when gapped), default 6. Word length.
    gapped : bool, default False. Count words of length k with one interior wildcard
        ((k - 2) * 4^(k - 1) words before merging reverse complements) instead of plain k-mers
        (4^k words).
    model : "logistic" (default; standardised counts, L2-regularised logistic regression) or
        "random_forest" (100 trees).
    seed : int >= 0, default 0. Random state of the classifier.

    One classifier is fitted per task. ``predict`` returns probabilities (N, tasks).
    """

    def __init__(self, k=6, gapped=False, model="logistic", seed=0):
        if not isinstance(gapped, (bool, np.bool_)):
            raise TypeError(f"gapped must be True or False, got {gapped!r}")
        self.gapped = bool(gapped)
        self.k = check_int("k", k, min_value=3 if self.gapped else 1, max_value=8)
        self.model = check_choice("model", model, MODELS)
        self.seed = check_int("seed", seed, min_value=0)
        self._words, self._columns = _feature_map(self.k, self.gapped)
        self.classifiers_ = None

    @property
    def num_features(self) -> int:
        """Number of strand-merged (gapped) k-mer features."""
        return len(self._columns)

    def features(self, X) -> np.ndarray:
        """Both-strand (gapped) k-mer counts, float32 array (N, num_features), of one-hot X."""
        X = _check_one_hot(X, self.k)
        counts = np.concatenate(
            [self._forward_counts(X[i : i + _CHUNK]) for i in range(0, len(X), _CHUNK)]
        )
        # both strands: a word's count on the reverse strand is its reverse complement's count
        # on the forward strand
        both = counts + counts[:, self._words]
        return both[:, self._columns].astype(np.float32)

    def _forward_counts(self, X: np.ndarray) -> np.ndarray:
        n, length, _ = X.shape
        base = np.argmax(X, axis=2).astype(np.int64)
        known = X.sum(axis=2) > 0
        k = self.k
        windows = length - k + 1
        codes, valid = [], []
        gap_positions = range(1, k - 1) if self.gapped else [None]
        informative = k - 1 if self.gapped else k
        for block, gap in enumerate(gap_positions):
            code = np.zeros((n, windows), dtype=np.int64)
            ok = np.ones((n, windows), dtype=bool)
            for j in range(k):
                if j == gap:
                    continue  # the wildcard: any base (even N) is allowed
                code = code * 4 + base[:, j : j + windows]
                ok &= known[:, j : j + windows]
            codes.append(code + block * 4**informative)
            valid.append(ok)
        num_words = len(gap_positions) * 4**informative
        code = np.concatenate(codes, axis=1)
        ok = np.concatenate(valid, axis=1)
        rows = np.broadcast_to(np.arange(n)[:, None], code.shape)
        flat = (rows * num_words + code)[ok]
        return np.bincount(flat, minlength=n * num_words).reshape(n, num_words)

    def fit(self, X, y) -> KmerBaseline:
        """Fit on one-hot X (N, L, 4) and binary labels y (N, tasks) or (N,)."""
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        features = self.features(X)
        y = _check_labels(y, len(features))
        for task in range(y.shape[1]):
            if y[:, task].all() or not y[:, task].any():
                raise ValueError(f"y must hold both classes in every task; task {task} has one")
        self.classifiers_ = []
        for task in range(y.shape[1]):
            if self.model == "logistic":
                classifier = make_pipeline(
                    StandardScaler(), LogisticRegression(max_iter=2000, random_state=self.seed)
                )
            else:
                classifier = RandomForestClassifier(
                    n_estimators=100, n_jobs=-1, random_state=self.seed
                )
            self.classifiers_.append(classifier.fit(features, y[:, task]))
        return self

    def predict(self, X) -> np.ndarray:
        """Probabilities of the positive class, float array (N, tasks)."""
        if self.classifiers_ is None:
            raise RuntimeError("KmerBaseline is not fitted yet: call fit(X, y) first")
        features = self.features(X)
        return np.stack([c.predict_proba(features)[:, 1] for c in self.classifiers_], axis=1)

    def test(self, X, y) -> ClassificationResult:
        """Metrics of the predictions on X against labels y (N, tasks)."""
        predictions = self.predict(X)
        return ClassificationResult(_check_labels(y, len(predictions)), predictions)


def _feature_map(k: int, gapped: bool) -> tuple[np.ndarray, np.ndarray]:
    """(reverse-complement index of every word, the canonical words kept as columns)."""
    informative = k - 1 if gapped else k
    gap_positions = list(range(1, k - 1)) if gapped else [None]
    digits = np.array(np.unravel_index(np.arange(4**informative), (4,) * informative)).T
    # reverse complement of the informative bases (A<->T, C<->G are 3 - code in ACGT order);
    # a gap at position g of the word moves to position k - 1 - g
    rc_codes = np.ravel_multi_index(tuple((3 - digits[:, ::-1]).T), (4,) * informative)
    words = []
    for gap in gap_positions:
        partner = gap_positions.index(k - 1 - gap) if gapped else 0
        words.append(partner * 4**informative + rc_codes)
    rc_index = np.concatenate(words)
    columns = np.flatnonzero(np.arange(len(rc_index)) <= rc_index)
    return rc_index, columns


def _check_one_hot(X, k: int) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[2] != 4 or X.shape[0] == 0:
        raise ValueError(f"X must be one-hot sequences of shape (N, L, 4), got shape {X.shape}")
    if X.shape[1] < k:
        raise ValueError(f"sequences of length {X.shape[1]} are shorter than k={k}")
    if not np.all((X == 0) | (X == 1)) or np.any(X.sum(axis=2) > 1):
        raise ValueError("X must be one-hot: entries 0 or 1, at most one 1 per position")
    return X


def _check_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or len(y) != n:
        raise ValueError(f"y must have shape ({n}, tasks) or ({n},), got {y.shape}")
    if y.dtype != bool:
        if y.dtype.kind not in "biuf" or not np.all((y == 0) | (y == 1)):
            raise ValueError("y must be binary labels: bool, or numbers all 0 or 1")
        y = y.astype(bool)
    return y
