"""Benchmark: the tutorial's shallow and deep CNNs, trained as ``workshop_tutorial.ipynb`` trains
them, compared epoch by epoch.

Per seed ``s``: the tutorial's data (``get_simulation_data("simulate_heterodimer_grammar", ...,
seed=s)``: SPI1_known4 then IRF_known20 2-5 bp apart, 500 bp, 10,000 + 10,000 sequences, 40 %
GC, split 12,800 / 3,200 / 4,000; ``--orientation`` sets ``pair_orientation``, ``forward`` as in
the tutorial), then each model of ``--models`` built with the tutorial's parameters (``"seed": s``)
and trained with ``train_SequenceDNN`` and the tutorial's defaults (the package's recipe,
``retries=2``). A callback prints each epoch's validation loss and auROC.

Printed per model and seed: epochs trained, the best epoch and its validation loss, retries, the
test auROC; then, for the forward data and both models, whether the deep CNN reached a lower best
validation loss than the shallow one, and in fewer epochs (to its best epoch, and in all), on
each seed: the tutorial's "the deep network usually reaches a lower validation loss in fewer
epochs". With ``--orientation independent`` the deep CNN's per-epoch curve is the "try it first"
of the extras' exercise 2 (the validation loss turns up, the auROC stays near chance).

Measured (2-core machine shared with other jobs, load average 2.6-5, 2026-12-06):

* ``python bench/tutorial_models.py --seeds 3`` (forward, the tutorial's data and models, seeds
  0-2; no retries needed): best validation loss shallow 0.0695 / 0.1172 / 0.0933, deep 0.0221 /
  0.0183 / 0.0161; best epoch (counted from 0) shallow 20 / 26 / 23, deep 12 / 8 / 12; epochs
  trained shallow 24 / 28 / 25, deep 13 / 9 / 13; test auROC shallow 0.996 / 0.9897 / 0.9927,
  deep 0.9987 / 0.998 / 0.9985; 41-52 s per shallow and 50-96 s per deep training. The deep CNN
  reached the lower validation loss, in fewer epochs, on 3 seeds of 3; it was below the shallow
  CNN's best validation loss from epoch 3 / 1 / 1 on.
* ``python bench/tutorial_models.py --seeds 2 --models deep --orientation independent`` and
  ``--seed 2 --seeds 2`` (the extras' "try it first": the tutorial's deep CNN and recipe on a
  fixed set of 12,800 independent-strand sequences; load average 4-5.5, two runs at once for
  part of it): on every seed the validation loss rose above its start while the training loss
  fell, from epoch 3 / 2 / 1 / 5 (seeds 0-3) on, with the validation auROC at 0.47-0.52. Then
  the seeds parted: seeds 0 and 2 found the pair anyway (validation auROC 0.83 at epoch 8, 0.81
  at epoch 9) and ended at test auROC 0.9885 and 0.9921 (18 and 17 epochs, 130 and 122 s);
  seeds 1 and 3 memorised on (validation loss 1.22 and 1.15 at epoch 30, auROC 0.4975 and
  0.5111 there) and stopped at chance after 33 epochs (test auROC 0.4993 and 0.4973, 235 and
  234 s). So on a fixed set that network learns the strand-free grammar on about half the
  seeds, not never, and no seed reached auROC 0.70 after 30 epochs at chance.

The 2016 figures the tutorial quotes beside these are the June 2016 workshop's slides (test
performance on its 4,000 test sequences): shallow CNN auROC 0.987 (balanced accuracy 95.88 %),
deep CNN auROC 0.999 (99.17 %).

Usage::

    python bench/tutorial_models.py --seeds 3
    python bench/tutorial_models.py --seeds 2 --models deep --orientation independent
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tutorial_utils import get_SequenceDNN, get_simulation_data, train_SequenceDNN  # noqa: E402
from tutorial_utils.metrics import ClassificationResult  # noqa: E402

NUM_SEQS = 10_000
SEQ_LENGTH = 500
# the tutorial's model parameters (workshop_tutorial.ipynb, sections 2 and 4)
MODELS = {
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
    ),
}


class EpochPrinter(keras.callbacks.Callback):
    """Each epoch's validation loss (the model's own record) and validation auROC."""

    def __init__(self, dnn, X_valid, y_valid):
        super().__init__()
        self.dnn, self.X_valid, self.y_valid = dnn, X_valid, y_valid
        self.start = time.perf_counter()
        self.auroc = []

    def on_epoch_end(self, epoch, logs=None):
        probabilities = self.dnn.model.predict(self.X_valid, batch_size=1000, verbose=0)
        self.auroc.append(float(ClassificationResult(self.y_valid, probabilities)["auROC"][0]))
        print(
            f"    epoch {len(self.dnn.valid_losses) - 1:3d}  {time.perf_counter() - self.start:6.1f}"
            f" s  training loss {self.dnn.train_losses[-1]:.4f}  validation loss "
            f"{self.dnn.valid_losses[-1]:.4f}  auROC {self.auroc[-1]:.4f}",
            flush=True,
        )


def run(name, data, seed):
    dnn = get_SequenceDNN(dict(seq_length=SEQ_LENGTH, **MODELS[name], verbose=0, seed=seed))
    printer = EpochPrinter(dnn, data.X_valid, data.y_valid)
    wall, cpu = time.perf_counter(), time.process_time()
    train_SequenceDNN(dnn, data, callbacks=[printer])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    test = dnn.test(data.X_test, data.y_test)
    return dict(
        model=name,
        seed=seed,
        epochs=len(dnn.valid_losses),
        best_epoch=dnn.best_epoch,
        best_valid_loss=round(float(min(dnn.valid_losses)), 4),
        retries=dnn.retries,
        at_chance=dnn.at_chance,
        test_auROC=round(float(test["auROC"][0]), 4),
        seconds=round(wall, 1),
        cpu_seconds=round(cpu, 1),
        valid_losses=[round(float(v), 4) for v in dnn.valid_losses],
        valid_auROC=[round(v, 4) for v in printer.auroc],
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--models", default="shallow,deep", help="comma list: shallow, deep")
    parser.add_argument("--orientation", choices=["forward", "independent"], default="forward")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    models = args.models.split(",")
    for name in models:
        if name not in MODELS:
            parser.error(f"--models: unknown model {name!r}; choose from {list(MODELS)}")
    print(
        f"Keras {keras.__version__}, {os.cpu_count()} CPUs, load average {_load()}; "
        f"{args.orientation} heterodimer data, models {models}",
        flush=True,
    )
    runs = []
    for seed in range(args.seed, args.seed + args.seeds):
        data = get_simulation_data(
            "simulate_heterodimer_grammar",
            dict(
                motif1="SPI1_known4",
                motif2="IRF_known20",
                seq_length=SEQ_LENGTH,
                min_spacing=2,
                max_spacing=5,
                num_pos=NUM_SEQS,
                num_neg=NUM_SEQS,
                GC_fraction=0.4,
                pair_orientation=args.orientation,
            ),
            test_set_size=int(0.2 * 2 * NUM_SEQS),
            validation_set_size=int(0.16 * 2 * NUM_SEQS),
            seed=seed,
        )
        for name in models:
            print(f"seed {seed}, {name} CNN", flush=True)
            found = run(name, data, seed)
            runs.append(found)
            brief = {k: v for k, v in found.items() if k not in ("valid_losses", "valid_auROC")}
            print(f"  {json.dumps(brief)}; load average {_load()}", flush=True)
    if set(models) == {"shallow", "deep"}:
        print()
        for seed in range(args.seed, args.seed + args.seeds):
            shallow, deep = (
                next(r for r in runs if r["seed"] == seed and r["model"] == name)
                for name in ("shallow", "deep")
            )
            print(
                f"seed {seed}: best validation loss shallow {shallow['best_valid_loss']:.4f}, "
                f"deep {deep['best_valid_loss']:.4f} (deep lower: "
                f"{deep['best_valid_loss'] < shallow['best_valid_loss']}); best epoch shallow "
                f"{shallow['best_epoch']}, deep {deep['best_epoch']} (deep fewer: "
                f"{deep['best_epoch'] < shallow['best_epoch']}); epochs trained shallow "
                f"{shallow['epochs']}, deep {deep['epochs']} (deep fewer: "
                f"{deep['epochs'] < shallow['epochs']}); test auROC shallow "
                f"{shallow['test_auROC']}, deep {deep['test_auROC']}",
                flush=True,
            )
    print(f"load average {_load()} at the end")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(runs, handle, indent=2)
    return runs


def _load():
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
