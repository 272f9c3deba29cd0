"""Non-deep baselines: scikit-learn classifiers on k-mer counts.

A k-mer feature counts a word on both strands: the count of the word plus the count of its
reverse complement, so a word and its reverse complement are one feature (a palindrome counts
twice per occurrence). Gapped k-mers (``gapped=True``) are words of length k with one wildcard at
an interior position (k - 1 informative bases; the gkm-SVM idea of "l-mers with gaps"), which
tolerate a variable base inside a motif. Windows touching an ``N`` (all-zero) position are
skipped.

Counts are sparse (``scipy.sparse`` CSR), so memory grows with the k-mers a sequence holds
(at most L - k + 1 per gap position), not with the 4^k possible words: at k = 8 a dense row took
~1.5 MB per 100-bp sequence (``bench/kmer_memory.py`` measures both side by side).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from tutorial_utils._onehot import check_one_hot
from tutorial_utils._validation import check_choice, check_int
from tutorial_utils.metrics import ClassificationResult

MODELS = ("logistic", "random_forest")
_CHUNK = 2000  # sequences per counting block: bounds the window-code buffers


class KmerBaseline:
    """Logistic regression or random forest on (gapped) k-mer counts of both strands.

    Parameters
    ----------
    k : int in [1, 8] ([3, 8] when gapped), default 6. Word length.
    gapped : bool, default False. Count words of length k with one interior wildcard
        ((k - 2) * 4^(k - 1) words before merging reverse complements) instead of plain k-mers
        (4^k words).
    model : "logistic" (default; counts scaled to unit variance, L2-regularised logistic
        regression) or
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
        # every word -> the column of its canonical (word, reverse complement) pair, and its
        # weight: 2 for a palindrome (both strands read it), else 1
        word = np.arange(len(self._words))
        self._column_of = np.searchsorted(self._columns, np.minimum(word, self._words))
        self._column_of = self._column_of.astype(np.int32)
        self._weight_of = np.where(self._words == word, 2, 1).astype(np.float32)
        self.classifiers_ = None

    @property
    def num_features(self) -> int:
        """Number of strand-merged (gapped) k-mer features."""
        return len(self._columns)

    def features(self, X) -> scipy.sparse.csr_matrix:
        """Both-strand (gapped) k-mer counts of one-hot X (N, L, 4): a float32 CSR sparse
        matrix (N, num_features) (``.toarray()`` for a dense copy)."""
        X = check_one_hot(X, "X")
        if X.shape[1] < self.k:
            raise ValueError(f"X holds sequences of length {X.shape[1]}, shorter than k={self.k}")
        blocks = [self._counts(X[i : i + _CHUNK]) for i in range(0, len(X), _CHUNK)]
        return scipy.sparse.vstack(blocks, format="csr", dtype=np.float32)

    def _counts(self, X: np.ndarray) -> scipy.sparse.csr_matrix:
        """Sparse both-strand counts of one block: every window adds its canonical word's
        column (twice for a palindrome: it reads the same on both strands)."""
        n, length, _ = X.shape
        base = np.argmax(X, axis=2).astype(np.int64)
        known = X.sum(axis=2) > 0
        k = self.k
        windows = length - k + 1
        gap_positions = range(1, k - 1) if self.gapped else [None]
        informative = k - 1 if self.gapped else k
        rows, columns, weights = [], [], []
        for block, gap in enumerate(gap_positions):
            code = np.zeros((n, windows), dtype=np.int64)
            ok = np.ones((n, windows), dtype=bool)
            for j in range(k):
                if j == gap:
                    continue  # the wildcard: any base (even N) is allowed
                code = code * 4 + base[:, j : j + windows]
                ok &= known[:, j : j + windows]
            words = code[ok] + block * 4**informative
            rows.append(np.nonzero(ok)[0].astype(np.int32))
            columns.append(self._column_of[words])
            weights.append(self._weight_of[words])
        counts = scipy.sparse.coo_matrix(
            (np.concatenate(weights), (np.concatenate(rows), np.concatenate(columns))),
            shape=(n, self.num_features),
            dtype=np.float32,
        )
        return counts.tocsr()  # duplicates summed

    def fit(self, X, y) -> KmerBaseline:
        """Fit on one-hot X (N, L, 4) and binary labels y (N, tasks) or (N,)."""
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        X = check_one_hot(X, "X")
        y = _check_labels(y, len(X))  # before the counting work
        features = self.features(X)
        for task in range(y.shape[1]):
            if y[:, task].all() or not y[:, task].any():
                raise ValueError(f"y must hold both classes in every task; task {task} has one")
        self.classifiers_ = []
        for task in range(y.shape[1]):
            if self.model == "logistic":
                classifier = make_pipeline(  # sparse counts: scaled, not centred
                    StandardScaler(with_mean=False),
                    LogisticRegression(max_iter=2000, random_state=self.seed),
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
