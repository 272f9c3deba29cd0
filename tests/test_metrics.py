"""ClassificationResult: hand-computed cases, agreement with scikit-learn, ties, one-class input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score

from tutorial_utils.metrics import METRIC_NAMES, ClassificationResult, auprg, recall_at_fdr


def random_cases(count=60, seed=0):
    """Labelled score vectors with many ties (scores rounded to one decimal)."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n = int(rng.integers(6, 80))
        labels = rng.random(n) < rng.uniform(0.1, 0.9)
        if labels.all() or not labels.any():
            continue
        scores = np.clip(np.round(rng.random(n) * 0.7 + labels * rng.uniform(-0.3, 0.5), 1), 0, 1)
        cases.append((labels, scores))
    return cases


def test_ranking_metrics_match_scikit_learn_with_ties():
    for labels, scores in random_cases():
        result = ClassificationResult(labels, scores)
        assert result["auROC"][0] == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
        assert result["auPRC"][0] == pytest.approx(
            average_precision_score(labels, scores), abs=1e-12
        )
        precision, recall, _ = precision_recall_curve(labels, scores)
        assert result["auPRC (trapezoid)"][0] == pytest.approx(auc(recall, precision), abs=1e-12)


def test_balanced_accuracy_uses_strict_half_threshold():
    labels = np.array([1, 1, 1, 1, 0, 0], bool)
    scores = np.array([0.9, 0.6, 0.5, 0.2, 0.5, 0.1])
    # positives right: 0.9, 0.6 (0.5 is not > 0.5) -> 50 %; negatives right: 0.1 only -> 50 %
    assert ClassificationResult(labels, scores)["Balanced accuracy"][0] == pytest.approx(50.0)
    # 3/4 positives and 2/2 negatives -> 87.5 %
    scores = np.array([0.9, 0.6, 0.51, 0.2, 0.49, 0.1])
    assert ClassificationResult(labels, scores)["Balanced accuracy"][0] == pytest.approx(87.5)


def test_recall_at_fdr_takes_the_highest_qualifying_recall():
    # ranked labels 1 1 0 1 1 1 1 1 1 1 0: precision dips at rank 3 and recovers (non-monotone)
    labels = np.array([1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0], bool)
    scores = np.linspace(1, 0, len(labels))
    # FDR <= 10 %: top 10 has 1 FP in 10 -> recall 9/9; top 11 has 2/11 = 18 % FDR
    assert recall_at_fdr(labels, scores, 10) == pytest.approx(100.0)
    # FDR <= 5 %: only the top 2 qualify (1/3 = 33 %, ..., 1/10 = 10 %) -> recall 2/9
    assert recall_at_fdr(labels, scores, 5) == pytest.approx(100 * 2 / 9)
    # an FDR exactly at the level qualifies: top 5 = 1 FP of 5 = 20 %
    labels = np.array([1, 0, 1, 1, 1, 0, 0], bool)
    scores = np.linspace(1, 0, len(labels))
    assert recall_at_fdr(labels, scores, 20) == pytest.approx(100.0)
    # nothing qualifies when the top-scored example is a negative and the rest are worse
    labels = np.array([0, 1, 0, 0], bool)
    assert recall_at_fdr(labels, np.array([0.9, 0.5, 0.4, 0.3]), 5) == 0.0


def test_recall_at_fdr_treats_tied_scores_as_one_threshold():
    labels = np.array([1, 0, 1, 1], bool)
    scores = np.array([0.8, 0.8, 0.4, 0.4])  # at 0.8: 1 TP + 1 FP; at 0.4: 3 TP + 1 FP
    assert recall_at_fdr(labels, scores, 20) == 0.0
    assert recall_at_fdr(labels, scores, 25) == pytest.approx(100.0)


def test_auprg_hand_computed():
    # labels by rank 1 0 1 0: points (RG, PG) = (0, 1), (0, 0), (1, 0.5), (1, 0)
    # area = 1 * (0 + 0.5) / 2
    labels = np.array([1, 0, 1, 0], bool)
    assert auprg(labels, np.array([0.9, 0.8, 0.7, 0.6])) == pytest.approx(0.25)
    # tie between the first positive and negative: points (0, 0), (1, 0.5), (1, 0) -> 0.25
    assert auprg(labels, np.array([0.9, 0.9, 0.5, 0.1])) == pytest.approx(0.25)
    # 3 positives, 1 negative, ranks 1 0 1 1: recall gain reaches 0 only between TP = 2 and 3;
    # the crossing point at TP = 9/4, FP = 1 has PG = 1 - 3 * 1 / 2.25 = -1/3, then (1, 0):
    # area = 1 * (-1/3 + 0) / 2 (negative: precision gains are not clipped)
    labels = np.array([1, 0, 1, 1], bool)
    assert auprg(labels, np.array([0.9, 0.8, 0.7, 0.6])) == pytest.approx(-1 / 6)


def test_auprg_recall_gain_crossing_and_mixed_tie_group():
    # ranks 1 1 0 0 0 1 with 3 pos / 3 neg: points (TP, FP) -> (RG, PG):
    # (1,0) -> (-1, 1); (2,0) -> (0.5, 1); (2,1) -> (0.5, 0.5); (2,2) -> (0.5, 0);
    # (2,3) -> (0.5, -0.5); (3,3) -> (1, 0) (everything positive).
    # RG crosses 0 between TP 1 and 2, at TP = 9/6, FP = 0 -> PG 1.
    # Area: 0 -> 0.5 at PG 1 = 0.5; vertical steps add 0; (0.5, -0.5) -> (1, 0) = -0.125.
    labels = np.array([1, 1, 0, 0, 0, 1], bool)
    assert auprg(labels, np.linspace(1, 0, 6)) == pytest.approx(0.375)
    # 4 pos / 4 neg: 1, 1, then one tied group {1 pos, 4 neg}, then 1: points
    # (2,0) -> (0, 1); (3,4) -> (2/3, -1/3); (4,4) -> (1, 0). PG crosses 0 on the middle
    # segment at RG 0.5 (a point on the segment, so the area is the plain trapezoid sum):
    # 2/3 * (1 - 1/3) / 2 + 1/3 * (-1/3) / 2 = 2/9 - 1/18 = 1/6
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 1], bool)
    scores = np.array([0.9, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1])
    assert auprg(labels, scores) == pytest.approx(1 / 6)


def test_auprg_of_a_perfect_ranking_is_one():
    labels = np.array([1] * 5 + [0] * 7, bool)
    assert auprg(labels, np.linspace(1, 0, 12)) == pytest.approx(1.0)


def test_printed_form_matches_the_tutorial():
    labels = np.array([1, 1, 1, 0, 0], bool)
    scores = np.array([0.9, 0.8, 0.3, 0.4, 0.1])
    text = str(ClassificationResult(labels, scores))
    ba = (2 / 3 + 1) / 2 * 100
    assert text == (
        f"Balanced Accuracy: {ba:.2f}%\t auROC: {5 / 6:.3f}\t auPRC: "
        f"{average_precision_score(labels, scores):.3f}\t auPRG: {auprg(labels, scores):.3f}\n"
        "Recall at 5%|10%|20% FDR: 66.7%|66.7%|66.7%\t Num Positives: 3\t Num Negatives: 2"
    )


def test_multitask_results_index_by_metric_and_task():
    rng = np.random.default_rng(3)
    labels = rng.random((200, 3)) < 0.4
    scores = np.clip(labels * 0.3 + rng.random((200, 3)) * 0.7, 0, 1)
    result = ClassificationResult(labels, scores, task_names=["a", "b", "c"])
    assert result["auROC"].shape == (3,)
    for t in range(3):
        assert result["auROC"][t] == pytest.approx(roc_auc_score(labels[:, t], scores[:, t]))
        assert result[t]["Num Positives"] == labels[:, t].sum()
    lines = str(result).split("\n")
    assert len(lines) == 6
    assert lines[0].startswith("Task a: Balanced Accuracy: ")
    assert lines[2].startswith("Task b: Balanced Accuracy: ")
    assert lines[5].startswith("Recall at 5%|10%|20% FDR: ")
    assert list(result.keys()) == list(METRIC_NAMES)


def test_one_class_task_is_nan_with_a_warning():
    labels = np.array([[1, 1], [1, 0], [1, 1], [1, 0]], bool)
    scores = np.array([[0.9, 0.8], [0.7, 0.2], [0.6, 0.9], [0.2, 0.4]])
    with pytest.warns(RuntimeWarning, match="task 0 has only positive labels"):
        result = ClassificationResult(labels, scores)
    for name in ("Balanced accuracy", "auROC", "auPRC", "auPRG", "Recall at 10% FDR"):
        assert np.isnan(result[name][0])
        assert not np.isnan(result[name][1])
    assert result["Num Positives"][0] == 4 and result["Num Negatives"][0] == 0
    assert "nan" in str(result).split("\n")[0]


def test_integer_labels_and_one_dimensional_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ClassificationResult(np.array([1, 0, 1, 0]), np.array([0.8, 0.3, 0.6, 0.1]))
    assert result["auROC"][0] == 1.0
    assert len(result) == 1


@pytest.mark.parametrize(
    ("labels", "predictions", "match"),
    [
        (np.array([1, 0, 2]), np.array([0.1, 0.2, 0.3]), "labels must be binary"),
        (np.array([1, 0, 1]), np.array([0.1, 0.2]), r"predictions must have the labels' shape"),
        (np.array([1, 0, 1]), np.array([0.1, np.nan, 0.3]), "finite"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), r"labels must have shape \(N,\)"),
    ],
)
def test_bad_input_is_rejected(labels, predictions, match):
    with pytest.raises(ValueError, match=match):
        ClassificationResult(labels, predictions)


def test_wrong_task_names_and_unknown_metric():
    result = ClassificationResult(np.array([1, 0]), np.array([0.7, 0.2]))
    with pytest.raises(KeyError, match="unknown metric 'AUC'"):
        result["AUC"]
    with pytest.raises(ValueError, match="task_names must have one name per task"):
        ClassificationResult(np.array([1, 0]), np.array([0.7, 0.2]), task_names=["a", "b"])


def test_auprg_of_a_random_classifier_is_about_zero_and_can_be_negative():
    """What the tutorial says: random scores give auPRG from -0.044 to 0.029 over 20 draws on
    4,000 balanced sequences (auROC's random level is 0.5), and a ranking that puts every
    negative first gives -0.5."""
    rng = np.random.default_rng(0)
    labels = np.arange(4000) % 2 == 0
    values = [auprg(labels, rng.random(4000)) for _ in range(20)]
    assert -0.045 < min(values) < 0 < max(values) < 0.03
    assert abs(np.mean(values)) < 0.01
    inverted = -labels.astype(float) + 0.1 * rng.random(4000)
    assert auprg(labels, inverted) == pytest.approx(-0.5, abs=1e-3)
