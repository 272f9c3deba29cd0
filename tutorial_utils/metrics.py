"""Classification metrics of the 2016 DragoNN tutorial, per task.

``ClassificationResult(labels, predictions)`` computes, for every task (column):

* **Balanced accuracy** (percent): mean of the positive accuracy (share of positives with a
  prediction strictly above 0.5) and the negative accuracy (share of negatives strictly below 0.5).
  A prediction of exactly 0.5 counts as wrong for both classes, as in 2016.
* **auROC**: area under the ROC curve (Mann-Whitney statistic; tied scores count one half).
* **auPRC**: average precision, the step-wise area under the precision-recall curve
  (``sum_k (R_k - R_{k-1}) P_k`` over distinct thresholds; safe with ties). The 2016 value, the
  trapezoid (linear interpolation) area, is available as ``"auPRC (trapezoid)"``.
* **auPRG**: area under the precision-recall-gain curve (Flach & Kull, NIPS 2015).
* **Recall at 5%, 10%, 20% FDR** (percent): the highest recall over all thresholds whose false
  discovery rate is at most the level (0 if none qualifies). The 2016 code binary-searched a
  non-monotone precision array; this is the exhaustive search it approximated.
* **Num Positives**, **Num Negatives**.

A task whose labels hold only one class has no ROC, PR or PRG curve and no balanced accuracy: its
metrics (except the counts) are NaN and a ``RuntimeWarning`` names the task.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

FDR_LEVELS = (5, 10, 20)  # percent

METRIC_NAMES = (
    "Balanced accuracy",
    "auROC",
    "auPRC",
    "auPRC (trapezoid)",
    "auPRG",
    *(f"Recall at {level}% FDR" for level in FDR_LEVELS),
    "Num Positives",
    "Num Negatives",
)


def _as_label_matrix(labels) -> np.ndarray:
    """Labels (N,) or (N, T) of bool or 0/1 -> bool (N, T)."""
    labels = np.asarray(labels)
    if labels.ndim == 1:
        labels = labels[:, None]
    if labels.ndim != 2:
        raise ValueError(f"labels must have shape (N,) or (N, tasks), got shape {labels.shape}")
    if labels.dtype != bool:
        if labels.dtype.kind not in "iuf" or not np.all((labels == 0) | (labels == 1)):
            raise ValueError("labels must be binary: bool, or numbers that are all 0 or 1")
        labels = labels.astype(bool)
    return labels


def _as_prediction_matrix(predictions, shape: tuple[int, int]) -> np.ndarray:
    predictions = np.asarray(predictions)
    if predictions.ndim == 1:
        predictions = predictions[:, None]
    if predictions.shape != shape:
        raise ValueError(
            f"predictions must have the labels' shape {shape} (N, tasks), got {predictions.shape}"
        )
    if predictions.dtype.kind not in "iuf":
        raise TypeError(f"predictions must be numbers, got dtype {predictions.dtype}")
    predictions = predictions.astype(np.float64)
    if not np.all(np.isfinite(predictions)):
        raise ValueError("predictions must be finite numbers (no NaN or inf)")
    return predictions


def _threshold_counts(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (TP, FP) when predicting positive for scores >= each distinct score.

    Returns two int arrays of length (number of distinct scores), highest threshold first; tied
    scores form one threshold, so the curves are tie-safe.
    """
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    sorted_labels = labels[order]
    # last index of every run of equal scores
    ends = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    tp = np.cumsum(sorted_labels)[ends]
    fp = (ends + 1) - tp
    return tp, fp


def balanced_accuracy(labels: np.ndarray, scores: np.ndarray) -> float:
    """Percent; strict thresholds at 0.5 (labels bool (N,), scores float (N,))."""
    positive_accuracy = np.mean(scores[labels] > 0.5)
    negative_accuracy = np.mean(scores[~labels] < 0.5)
    return 100.0 * (positive_accuracy + negative_accuracy) / 2


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve via the rank-sum (Mann-Whitney U) statistic, ties counted 1/2."""
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    ranks = rankdata(scores)  # average ranks for ties
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Step-wise area under the PR curve: sum over thresholds of (recall gain) x precision."""
    tp, fp = _threshold_counts(labels, scores)
    precision = tp / (tp + fp)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def auprc_trapezoid(labels: np.ndarray, scores: np.ndarray) -> float:
    """The 2016 auPRC: trapezoid area under the PR curve, starting from (recall 0, precision 1)."""
    tp, fp = _threshold_counts(labels, scores)
    precision = np.r_[1.0, tp / (tp + fp)]
    recall = np.r_[0.0, tp / tp[-1]]
    return float(np.trapezoid(precision, recall))


def recall_at_fdr(labels: np.ndarray, scores: np.ndarray, fdr_percent: float) -> float:
    """Highest recall (percent) over thresholds whose FDR = FP / (TP + FP) is <= fdr_percent %."""
    tp, fp = _threshold_counts(labels, scores)
    # compare in integers (FP * 100 <= level * predicted positives) so that an FDR of exactly
    # the level qualifies without floating-point doubt
    qualifies = fp * 100 <= fdr_percent * (tp + fp)
    if not qualifies.any():
        return 0.0
    return 100.0 * float(tp[qualifies].max()) / tp[-1]


def _gains(tp, fp, n_pos: int, n_neg: int) -> tuple[np.ndarray, np.ndarray]:
    """(recall gain, precision gain) of contingency points; the all-positive point is (1, 0)."""
    tp = np.asarray(tp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    fn = n_pos - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        recall_gain = 1.0 - (n_pos / n_neg) * (fn / tp)
        precision_gain = 1.0 - (n_pos / n_neg) * (fp / tp)
    # predicting everything positive (TN + FN = 0): the gains are defined by convention
    everything = (n_neg - fp) + fn == 0
    recall_gain = np.where(everything, 1.0, recall_gain)
    precision_gain = np.where(everything, 0.0, precision_gain)
    return recall_gain, precision_gain


def auprg(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the precision-recall-gain curve (Flach & Kull 2015).

    Gains use the class ratio n_pos / n_neg: precision gain = 1 - ratio * FP / TP, recall gain =
    1 - ratio * FN / TP. The curve runs over the contingency points of all distinct thresholds
    (plus the empty point TP = FP = 0). Two kinds of crossing point are inserted before
    integrating: where the curve enters recall gain 0 (TP = n_pos^2 / n, interpolated linearly in
    contingency space), and where it crosses precision gain 0 at non-negative recall gain
    (interpolated linearly in gain space). The area is the trapezoid sum over segments that start
    at recall gain >= 0; precision gain is not clipped, so the area can be negative.
    """
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    tp, fp = _threshold_counts(labels, scores)
    tp = np.r_[0, tp].astype(np.float64)
    fp = np.r_[0, fp].astype(np.float64)
    recall_gain, precision_gain = _gains(tp, fp, n_pos, n_neg)
    rg, pg = list(recall_gain), list(precision_gain)

    # 1. crossing of recall gain 0, between the last point below it and the first at or above it
    j = int(np.argmax(recall_gain >= 0))  # exists: the last point has recall gain 1
    if recall_gain[j] > 0 and j > 0:
        tp_cross = n_pos * n_pos / (n_pos + n_neg)
        alpha = (tp_cross - tp[j - 1]) / (tp[j] - tp[j - 1])
        fp_cross = fp[j - 1] + alpha * (fp[j] - fp[j - 1])
        _, pg_cross = _gains(tp_cross, fp_cross, n_pos, n_neg)
        rg.insert(j, 0.0)
        pg.insert(j, float(pg_cross))

    # 2. crossings of precision gain 0 on segments that start at recall gain >= 0
    points = [(rg[0], pg[0])]
    for i in range(1, len(rg)):
        x0, y0 = points[-1]
        x1, y1 = rg[i], pg[i]
        if x0 >= 0 and y0 * y1 < 0:
            points.append((x0 + (-y0) / (y1 - y0) * (x1 - x0), 0.0))
        points.append((x1, y1))

    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    counted = x[:-1] >= 0  # the TP = 0 point (recall gain -inf or NaN) starts no segment
    with np.errstate(invalid="ignore"):
        area = np.diff(x) * (y[1:] + y[:-1]) / 2
    return float(np.sum(area[counted]))


def _task_metrics(labels: np.ndarray, scores: np.ndarray, task: str) -> dict[str, float]:
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    metrics = dict.fromkeys(METRIC_NAMES, np.nan)
    metrics["Num Positives"] = n_pos
    metrics["Num Negatives"] = n_neg
    if n_pos == 0 or n_neg == 0:
        warnings.warn(
            f"task {task} has only {'negative' if n_pos == 0 else 'positive'} labels "
            f"({len(labels)} examples): its balanced accuracy, auROC, auPRC, auPRG and "
            "recall-at-FDR are undefined and reported as NaN",
            RuntimeWarning,
            stacklevel=3,
        )
        return metrics
    metrics["Balanced accuracy"] = balanced_accuracy(labels, scores)
    metrics["auROC"] = auroc(labels, scores)
    metrics["auPRC"] = average_precision(labels, scores)
    metrics["auPRC (trapezoid)"] = auprc_trapezoid(labels, scores)
    metrics["auPRG"] = auprg(labels, scores)
    for level in FDR_LEVELS:
        metrics[f"Recall at {level}% FDR"] = recall_at_fdr(labels, scores, level)
    return metrics


class ClassificationResult:
    """Per-task classification metrics of predicted probabilities against binary labels.

    Parameters
    ----------
    labels : array (N,) or (N, T) of bool or 0/1.
    predictions : array of the same shape, scores (e.g. probabilities in [0, 1]; balanced
        accuracy thresholds them at 0.5, every other metric uses only their order).
    task_names : optional sequence of T names used in the printed form (default: 0..T-1).

    Indexing
    --------
    ``result["auROC"]`` -> float array (T,) over tasks (names in ``METRIC_NAMES``);
    ``result[t]`` -> dict of task ``t``'s metrics. ``str(result)`` is the 2016 tutorial's text.
    """

    def __init__(self, labels, predictions, task_names: Sequence[str] | None = None):
        labels = _as_label_matrix(labels)
        predictions = _as_prediction_matrix(predictions, labels.shape)
        num_tasks = labels.shape[1]
        if len(labels) == 0:
            raise ValueError("labels must contain at least one example, got 0")
        if task_names is None:
            task_names = [str(t) for t in range(num_tasks)]
        else:
            if isinstance(task_names, str) or not isinstance(task_names, Sequence):
                raise TypeError(
                    f"task_names must be a sequence of {num_tasks} names, got {task_names!r:.60}"
                )
            task_names = [str(name) for name in task_names]
            if len(task_names) != num_tasks:
                raise ValueError(
                    f"task_names must have one name per task ({num_tasks}), got {len(task_names)}"
                )
        self.task_names = task_names
        self.results = [
            _task_metrics(labels[:, t], predictions[:, t], task_names[t]) for t in range(num_tasks)
        ]

    @property
    def num_tasks(self) -> int:
        return len(self.results)

    def keys(self) -> tuple[str, ...]:
        return METRIC_NAMES

    def __len__(self) -> int:
        return self.num_tasks

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in METRIC_NAMES:
                raise KeyError(f"unknown metric {key!r}; available: {list(METRIC_NAMES)}")
            return np.array([task[key] for task in self.results])
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return dict(self.results[key])
        raise TypeError(f"index with a metric name or a task number, got {key!r}")

    def __str__(self) -> str:
        blocks = [_format_task(task) for task in self.results]
        if self.num_tasks > 1:
            blocks = [
                f"Task {name}: {block}" for name, block in zip(self.task_names, blocks, strict=True)
            ]
        return "\n".join(blocks)

    def __repr__(self) -> str:
        return f"ClassificationResult({self.num_tasks} task(s))\n{self}"


def _format_task(m: dict[str, float]) -> str:
    recalls = "|".join(f"{m[f'Recall at {level}% FDR']:.1f}%" for level in FDR_LEVELS)
    levels = "|".join(f"{level}%" for level in FDR_LEVELS)
    return (
        f"Balanced Accuracy: {m['Balanced accuracy']:.2f}%\t auROC: {m['auROC']:.3f}\t "
        f"auPRC: {m['auPRC']:.3f}\t auPRG: {m['auPRG']:.3f}\n"
        f"Recall at {levels} FDR: {recalls}\t Num Positives: {m['Num Positives']}\t "
        f"Num Negatives: {m['Num Negatives']}"
    )
