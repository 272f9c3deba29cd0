"""Training benchmark: SequenceDNN's default recipe against a plain Keras 3 run, same process.

Data: the tutorial's heterodimer simulation (SPI1_known4 then IRF_known20, 2-5 bp apart, 500 bp,
10,000 + 10,000 sequences, 40 % GC) split 12,800 / 3,200 / 4,000. With ``--seeds N`` every seed
gets its own data set (its own simulation seed) and its own weights; odd seeds' data sets are
made by simdna 0.4.3.2's own generators (``bench/simdna_heterodimer.py``, as
``bench/simulate.py`` drives them), even seeds' by ``get_simulation_data``, so the recipe is
judged on data that our simulator did not make too.
Models: the shallow CNN (15 filters of width 25, pool 35) and the deep CNN (3 x 15 filters of
width 15, pool 35). For each, two runs on the same data, same architecture:

* ``project``: ``SequenceDNN.train`` with its defaults;
* ``reference``: the same Keras model compiled with Adam(1e-3) and binary cross-entropy, fitted
  with batch 128 and ``EarlyStopping(patience=3, restore_best_weights=True)`` on val_loss.

Reported per run: wall and CPU time to the early-stopped model (the fit call), epochs, best
epoch, median seconds per epoch and its coefficient of variation (how noisy the machine was),
test metrics; then per model the worst test auROC, the largest shortfall against the reference
on the same data, and the median project/reference time ratios (wall and CPU), with the
targets. Wall time on a shared machine misleads: the CPU-time ratio is printed beside it.
Usage::

    python bench/train.py            # both models, full data, seed 0
    python bench/train.py --seeds 5  # five data sets and weight seeds (0-4), both models
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simdna_heterodimer import PARAMS  # noqa: E402

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
MAX_TIME_RATIO = 0.5  # median project wall time / median reference wall time
MAX_SHORTFALL = 0.003  # project test auROC at most this far below the reference's, same data


class EpochClock(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch (training plus whatever else runs at its end)."""

    def __init__(self):
        super().__init__()
        self.durations = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.durations.append(time.perf_counter() - self._start)


def _timed(function):
    """(result, wall seconds, CPU seconds of this process, all threads) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_project(architecture, data, seed):
    dnn = SequenceDNN(data.X_train.shape[1], **architecture, verbose=0, seed=seed)
    _, seconds, cpu = _timed(
        lambda: dnn.train(data.X_train, data.y_train, (data.X_valid, data.y_valid))
    )
    return dict(
        seconds=seconds,
        cpu_seconds=cpu,
        epochs=len(dnn.valid_losses),
        best_epoch=dnn.best_epoch,
        epoch_seconds=dnn.epoch_seconds,
        valid_losses=dnn.valid_losses,
        result=dnn.test(data.X_test, data.y_test),
    )


def run_reference(architecture, data, seed):
    keras.utils.set_random_seed(seed)
    model = SequenceDNN(data.X_train.shape[1], **architecture, verbose=0).model
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    stopper = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    clock = EpochClock()
    history, seconds, cpu = _timed(
        lambda: model.fit(
            data.X_train,
            data.y_train.astype(np.float32),
            batch_size=128,
            epochs=100,
            validation_data=(data.X_valid, data.y_valid.astype(np.float32)),
            callbacks=[stopper, clock],
            verbose=0,
        )
    )
    losses = history.history["val_loss"]
    return dict(
        seconds=seconds,
        cpu_seconds=cpu,
        epochs=len(losses),
        best_epoch=int(np.argmin(losses)),
        epoch_seconds=clock.durations,
        valid_losses=losses,
        result=ClassificationResult(data.y_test, model.predict(data.X_test, verbose=0)),
    )


def epoch_ab(architecture, data, reps):
    """Seconds per training epoch with XLA (the project's compile) and without (Keras' default
    on CPU), wall and CPU, the two models' epochs interleaved so that machine noise hits both
    alike."""
    models = {}
    for jit in (True, False):
        model = SequenceDNN(data.X_train.shape[1], **architecture, verbose=0, seed=0).model
        model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", jit_compile=jit)
        model.fit(data.X_train[:1280], data.y_train[:1280].astype(np.float32), verbose=0)
        models[jit] = model
    wall = {True: [], False: []}
    cpu = {True: [], False: []}
    for _ in range(reps):
        for jit, model in models.items():
            _, seconds, cpu_seconds = _timed(
                lambda m=model: m.fit(
                    data.X_train, data.y_train.astype(np.float32), batch_size=128, verbose=0
                )
            )
            wall[jit].append(round(seconds, 2))
            cpu[jit].append(round(cpu_seconds, 2))
    return dict(
        xla_seconds=wall[True],
        default_seconds=wall[False],
        xla_cpu_seconds=cpu[True],
        default_cpu_seconds=cpu[False],
        median_ratio=round(float(np.median(wall[True]) / np.median(wall[False])), 2),
        median_cpu_ratio=round(float(np.median(cpu[True]) / np.median(cpu[False])), 2),
    )


def summary(name, run):
    epoch_seconds = np.asarray(run["epoch_seconds"])
    result = run["result"]
    return dict(
        run=name,
        seconds=round(run["seconds"], 2),
        cpu_seconds=round(run["cpu_seconds"], 2),
        epochs=run["epochs"],
        best_epoch=run["best_epoch"],
        best_valid_loss=round(float(min(run["valid_losses"])), 4),
        median_epoch_seconds=round(float(np.median(epoch_seconds)), 3),
        epoch_seconds_cv=round(float(np.std(epoch_seconds) / np.mean(epoch_seconds)), 3),
        auROC=round(float(result["auROC"][0]), 4),
        auPRC=round(float(result["auPRC"][0]), 4),
        balanced_accuracy=round(float(result["Balanced accuracy"][0]), 2),
    )


def heterodimer_data(seed, quick, orientation):
    """(source, Data) of a seed: made by simdna's generators for odd seeds, ours for even ones."""
    size = 2000 if quick else 10000
    sizes = dict(test_set_size=800 if quick else 4000, validation_set_size=640 if quick else 3200)
    if seed % 2 == 1:
        from simdna_heterodimer import simdna_split

        return "simdna 0.4.3.2", simdna_split(
            seed, pair_orientation=orientation, num_per_class=size, **sizes
        )
    parameters = dict(PARAMS, num_pos=size, num_neg=size, pair_orientation=orientation)
    data = get_simulation_data("simulate_heterodimer_grammar", parameters, seed=seed, **sizes)
    return "tutorial_utils", data


def verdict(name, runs):
    """Targets over the seeds of one model: worst auROC, shortfall against the reference on the
    same data, median time ratios."""
    min_auroc, _ = TARGETS[name]
    project = [r["project"] for r in runs]
    reference = [r["reference"] for r in runs]
    worst = min(p["auROC"] for p in project)
    shortfall = max(q["auROC"] - p["auROC"] for p, q in zip(project, reference, strict=True))
    wall_ratio = np.median([p["seconds"] for p in project]) / np.median(
        [q["seconds"] for q in reference]
    )
    cpu_ratio = np.median([p["cpu_seconds"] for p in project]) / np.median(
        [q["cpu_seconds"] for q in reference]
    )
    return dict(
        seeds=len(runs),
        worst_auROC=worst,
        worst_reference_auROC=min(q["auROC"] for q in reference),
        largest_shortfall=round(float(shortfall), 4),
        median_wall_ratio=round(float(wall_ratio), 3),
        median_cpu_ratio=round(float(cpu_ratio), 3),
        targets_met=dict(
            worst_auROC=bool(worst >= min_auroc),
            shortfall=bool(shortfall <= MAX_SHORTFALL),
            median_wall_ratio=bool(wall_ratio <= MAX_TIME_RATIO),
        ),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, shallow only: smoke run")
    parser.add_argument("--models", default=None, help="comma list of: shallow, deep")
    parser.add_argument("--order", default="project,reference", help="run order in each model")
    parser.add_argument("--seed", type=int, default=0, help="first data and model seed (default 0)")
    parser.add_argument(
        "--seeds", type=int, default=1, help="number of seeds, each its own data set (default 1)"
    )
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
    print(
        f"Keras {keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs, "
        f"load average {_load()} at start",
        flush=True,
    )
    report = {"runs": {name: [] for name in models}}
    runners = {"project": run_project, "reference": run_reference}
    for seed in range(args.seed, args.seed + args.seeds):
        source, data = heterodimer_data(seed, args.quick, args.orientation)
        print(
            f"seed {seed}: data by {source}, {len(data.X_train)} / {len(data.X_valid)} / "
            f"{len(data.X_test)}",
            flush=True,
        )
        if args.epoch_ab:
            for name in models:
                report[name] = epoch_ab(ARCHITECTURES[name], data, args.epoch_ab)
                print(f"{name:8s} epoch seconds {json.dumps(report[name])}", flush=True)
            return report
        for name in models:
            rows = {"seed": seed, "data": source}
            for which in order:
                run = runners[which](ARCHITECTURES[name], data, seed)
                rows[which] = summary(which, run)
                print(f"{name:8s} seed {seed} {json.dumps(rows[which])}", flush=True)
            project, reference = rows["project"], rows["reference"]
            print(
                f"{name:8s} seed {seed} project/reference: wall "
                f"{project['seconds'] / reference['seconds']:.2f}, CPU "
                f"{project['cpu_seconds'] / reference['cpu_seconds']:.2f}, auROC "
                f"{project['auROC'] - reference['auROC']:+.4f}; load average {_load()}",
                flush=True,
            )
            report["runs"][name].append(rows)
    print()
    for name in models:
        report[name] = verdict(name, report["runs"][name])
        min_auroc, _ = TARGETS[name]
        print(
            f"{name:8s} over {args.seeds} seed(s): worst test auROC "
            f"{report[name]['worst_auROC']:.4f} (target >= {min_auroc}; reference worst "
            f"{report[name]['worst_reference_auROC']:.4f}), largest shortfall against the "
            f"reference {report[name]['largest_shortfall']:+.4f} (target <= {MAX_SHORTFALL}), "
            f"median time ratio wall {report[name]['median_wall_ratio']:.2f} (target <= "
            f"{MAX_TIME_RATIO}), CPU {report[name]['median_cpu_ratio']:.2f}; targets met: "
            f"{report[name]['targets_met']}",
            flush=True,
        )
    print(f"load average {_load()} at the end")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return report


def _load():
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
