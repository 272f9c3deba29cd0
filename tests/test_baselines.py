"""KmerBaseline: both-strand (gapped) k-mer counts and the scikit-learn classifiers on them."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from tutorial_utils.baselines import KmerBaseline
from tutorial_utils.encoding import one_hot_encode, reverse_complement


def planted_motif_data(n, seq_length=60, seed=0, motif="GGGACTTTCC"):
    """Random one-hot DNA (N, L, 4); the first half (label True) get ``motif`` somewhere."""
    rng = np.random.default_rng(seed)
    sequences = rng.choice(list("ACGT"), size=(n, seq_length))
    for i in range(n // 2):
        start = rng.integers(0, seq_length - len(motif) + 1)
        sequences[i, start : start + len(motif)] = list(motif)
    labels = np.arange(n) < n // 2
    order = rng.permutation(n)
    return one_hot_encode(["".join(s) for s in sequences[order]]), labels[order]


def brute_force_count(sequence: str, pattern: str) -> int:
    """Occurrences of ``pattern`` ('.' = any base, N never matches a base) on one strand."""
    regex = re.compile(pattern.replace(".", "[ACGTN]"))
    return sum(
        1
        for i in range(len(sequence) - len(pattern) + 1)
        if regex.fullmatch(sequence[i : i + len(pattern)])
    )


def words(k: int, gapped: bool) -> list[str]:
    informative = k - 1 if gapped else k
    gaps = range(1, k - 1) if gapped else [None]
    return [
        "".join(w) if g is None else "".join(w[:g]) + "." + "".join(w[g:])
        for g in gaps
        for w in itertools.product("ACGT", repeat=informative)
    ]


@pytest.mark.parametrize(("k", "gapped"), [(1, False), (3, False), (4, True), (5, True)])
def test_features_count_both_strands(k, gapped):
    rng = np.random.default_rng(k)
    sequences = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(3)]
    sequences.append("ACGTNACGTACGGGAN" + "ACGT" * 6)  # N breaks windows
    baseline = KmerBaseline(k=k, gapped=gapped)
    features = baseline.features(one_hot_encode(sequences))
    all_words = words(k, gapped)
    columns = baseline._columns  # one word per reverse-complement pair
    assert features.shape == (4, len(columns)) == (4, baseline.num_features)
    for row, sequence in enumerate(sequences):
        other_strand = reverse_complement(sequence)
        expected = [
            brute_force_count(sequence, all_words[c])
            + brute_force_count(other_strand, all_words[c])
            for c in columns
        ]
        np.testing.assert_array_equal(features[row].toarray()[0], expected)


def test_reverse_complement_has_the_same_features():
    baseline = KmerBaseline(k=4, gapped=True)
    X = one_hot_encode(["ACGGTTTACCAGGATTACA", reverse_complement("ACGGTTTACCAGGATTACA")])
    features = baseline.features(X)
    np.testing.assert_array_equal(features[0].toarray(), features[1].toarray())


@pytest.mark.parametrize("model", ["logistic", "random_forest"])
def test_baseline_detects_a_planted_motif(model):
    X, y = planted_motif_data(900, seq_length=60, seed=5)
    baseline = KmerBaseline(k=5, model=model).fit(X[:600], y[:600])
    result = baseline.test(X[600:], y[600:])
    assert baseline.predict(X[600:]).shape == (300, 1)
    assert result["auROC"][0] > 0.9, str(result)


def test_multitask_labels_fit_one_classifier_per_task():
    X, y = planted_motif_data(400, seq_length=60, seed=6)
    labels = np.stack([y, ~y], axis=1)
    baseline = KmerBaseline(k=4).fit(X, labels)
    assert baseline.predict(X).shape == (400, 2)


def test_errors():
    X, y = planted_motif_data(20, seq_length=30)
    with pytest.raises(ValueError, match=r"k must be in \[1, 8\]"):
        KmerBaseline(k=9)
    with pytest.raises(ValueError, match=r"k must be in \[3, 8\]"):
        KmerBaseline(k=2, gapped=True)
    with pytest.raises(ValueError, match="model must be one of"):
        KmerBaseline(model="svm")
    with pytest.raises(RuntimeError, match="not fitted"):
        KmerBaseline().predict(X)
    with pytest.raises(ValueError, match="one-hot"):
        KmerBaseline(k=3).fit(X * 0.5, y)
    with pytest.raises(ValueError, match="both classes"):
        KmerBaseline(k=3).fit(X, np.zeros(20, bool))
    with pytest.raises(ValueError, match="length 5, shorter than k=6"):
        KmerBaseline(k=6).features(X[:, :5])
