"""Benchmark: the hard heterodimer grammar (pair_orientation="independent"), learnt.

With independent strands the two classes differ only in the spacing of SPI1 and IRF. The
tutorial's deep CNN (3 x 15 filters of 15 bp, max pooling in 35-bp windows, a dense layer with
its own weights per window) memorises a fixed training set and stays near chance on some seeds
(issue 15; 2 of seeds 0-3 with the tutorial's recipe, ``bench/tutorial_models.py``); on fresh
data it left chance for 2 of 3 seeds. The recipe measured here (the code of the exercise in
``notebooks/extras.ipynb``), per seed:

* fixed validation (3,200) and test (4,000) sets of the independent grammar;
* training data (``--training``): ``fresh``, a :class:`tutorial_utils.recipe.SimulationStream`
  with a new simulated set of 12,800 sequences (500 bp, the tutorial's size) every epoch, or
  ``fixed``, one simulated set of 12,800;
* the tutorial's deep CNN with global max pooling (``pool_width="global"``: one window over the
  whole conv output, each filter's best match anywhere, the question the label asks);
  ``SequenceDNN.train`` with its stopping rule and Adam 1e-3 (the 2016 rate);
* a wall-clock budget of ``--budget`` seconds (default 900, the target's 15 minutes): a callback
  stops training when it is spent, and the best weights are kept.

Measured (2-core machine, load average 1-2.6, 2026-11-30; no run needed a restart):

* ``python bench/hard_grammar.py --seeds 5`` (fresh): validation auROC 0.95 at epoch 1-3
  (10-21 s); test auROC 0.9960 / 0.9948 / 0.9959 / 0.9925 / 0.9968 after 80-126 s (17-27 epochs,
  118-198 CPU s). Target (>= 0.95 within 15 min, 3 seeds) met on 5 of 5.
* ``python bench/hard_grammar.py --seeds 5 --training fixed``: validation auROC 0.95 at epoch
  1-2 (10-15 s); test auROC 0.9951 / 0.9922 / 0.9961 / 0.9921 / 0.9967 after 51-68 s (13-16
  epochs). With global pooling a fixed set is enough.
* Before (``--pool 35 --restarts 1 --plateau-epochs 25``, fresh): seeds 0 and 1 reached test
  auROC 0.9951 after 281 / 226 s; seed 2 decayed to a constant output, restarted at epoch 24 and
  stopped at 0.8318 (three of the four strand patterns; 434 s).

* The causal spacing test of each run's model (pairs planted 0-60 bp apart into 100 fresh
  backgrounds; ``spacing_summary``), 2026-12-06, load average 5-14: ``--training fixed --seeds
  3``: + strand peak at 5 / 2 / 2 bp, 19.0 / 17.7 / 16.4 logits above the pair 20+ bp apart,
  either motif flipped in place -0.6 / -0.4 / +1.0 logits (the strand-free grammar: the flips
  are positives too), the whole composite reverse-complemented (motif2 first, an order no
  positive has) -18.1 / -17.7 / -17.3; test auROC 0.9953 / 0.9928 / 0.9961. Fresh data
  (``--seeds 3``): peak 5 / 3 / 2 bp, +15.7 / +18.4 / +15.3, flips +0.5 / -0.8 / +0.6, reversed
  -15.8 / -18.4 / -15.0; validation auROC at epoch 5 0.9948 / 0.9964 / 0.9944 and at epoch
  14, the last of the extras' cap (``GRAMMAR_MAX_EPOCHS = 15``: epochs 0-14), 0.9976 / 0.9958
  / 0.9971 (an earlier version of this record quoted epoch 15, one past the cap: 0.9979 /
  0.9961 / 0.9967, the same runs' next line); test auROC, after the stopping rule ended
  training at 25 / 26 / 18 epochs, 0.995 / 0.9945 / 0.9957.

* The 35-bp network's other helps, on fresh data (2026-12-06, load average 3.3-5, restarts 0,
  plateau 25 epochs; the extras' exercise 2 quotes these):

  * ``--pool 35 --background-epochs 2 --seeds 2`` and ``--seed 2 --seeds 1`` (a curriculum: two
    epochs whose negatives are background only): validation auROC first above 0.75 at epoch 8 /
    6 / 7 (counted from 0) and 0.95 at epoch 9 / 8 / 8; test auROC 0.9955 / 0.9943 / 0.9969 after
    315 / 180 / 279 s (39 / 23 / 38 epochs); spacing peak 3 / 3 / 3 bp, +18.0 / +15.8 / +17.7
    logits, flips in place +0.5 / -0.5 / -0.4. Three seeds of three learnt the strand-free
    grammar, sooner than fresh data alone (seeds 0 and 1 above, after ~20 epochs); an earlier
    version's note, "stopped at auROC 0.74 half the time", was not repeated.
  * ``--pool 35 --reverse-complement network --seeds 1`` (seed 0, 2026-12-06, load 3.3-5) and
    ``--seed 1 --seeds 1``, ``--seed 2 --seeds 1`` (each ``--budget 600``; 2026-12-06 22:52-23:14,
    load average 1.4-4.2): seeds 0 and 1 stayed at chance and the stopping rule ended them after
    28 epochs (validation auROC at most 0.522 / 0.520, loss at least 0.6928 / 0.6926; test auROC
    0.4939 / 0.4981, 320 / 455 s), a constant output (spacing gain, strand and flip gaps all 0.0
    logits). Seed 2 left chance late (validation auROC 0.66 at epoch 23), crept to 0.827 and was
    stopped after 54 epochs (546 s) at test auROC 0.811, a partial solution (spacing peak 2 bp,
    gain +1.0 logits, flip gap +1.3). Two seeds of three at chance, none learnt the grammar.
  * ``--pool 35 --reverse-complement filters`` on the same seeds and dates (load 1.4-4.2): seeds 0
    and 1 stayed at chance (validation loss 0.6931-0.6932 from epoch 10, auROC at most 0.510 /
    0.521; stopped after 28 epochs, test auROC 0.5058 / 0.5102, 236 / 236 s), a constant output
    (all gaps 0.0). Seed 2 left chance at epoch 16-17 (validation auROC 0.58, then 0.86), reached
    0.95 at epoch 19 (97 s) and test auROC 0.9812 after 46 epochs (232 s), the strand-free grammar
    (spacing peak 3 bp, +7.9 logits, - strand pair -8.2, flips in place +0.5). Two seeds of three
    at chance, one learnt it.

Options for experiments: ``--pool`` (bp, or "global"), ``--background-epochs N`` (a curriculum:
N epochs whose negatives are background only, so the motifs are the cue), ``--curriculum N`` (N
epochs of the forward grammar; curricula apply to fresh data only), ``--reverse-complement
filters|network`` (weights shared between the strands), ``--filters``, ``--per-epoch``,
``--restarts`` (new random weights after ``--plateau-epochs`` epochs at chance), ``--stop-at``
(end a run once validation auROC reaches it).

Epochs are numbered from 0 throughout (the per-epoch lines, ``best_epoch``, the ``epoch`` of
``validation_auROC_reached_target`` and every "at epoch N" above), as ``train_SequenceDNN``
prints them ("Epoch 0: ...") and the learning curves draw them; ``epochs`` is how many ran.

Printed per seed: wall and CPU seconds, epochs, restarts, the epoch (and seconds) at which
validation auROC first reached 0.95, and the test auROC; then whether every seed reached test
auROC >= 0.95 within the budget. CPU seconds are printed because wall time on a shared machine
misleads. Usage::

    python bench/hard_grammar.py --seeds 3
    python bench/hard_grammar.py --seeds 3 --training fixed
    python bench/hard_grammar.py --seeds 1 --pool 35 --restarts 1   # the tutorial's pooling
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
from tutorial_utils import SequenceDNN, get_simulation_data  # noqa: E402
from tutorial_utils.metrics import ClassificationResult  # noqa: E402
from tutorial_utils.recipe import SimulationStream  # noqa: E402
from tutorial_utils.spacing import IN_PLACE_FLIPS, spacing_curve, spacing_summary  # noqa: E402

TARGET_AUROC = 0.95
LEARNING_RATE = 1e-3
SEQUENCES_PER_EPOCH = 12_800
ARCHITECTURE = dict(
    use_deep_CNN=True,
    num_filters=15,
    conv_width=15,
    num_filters_2=15,
    conv_width_2=15,
    num_filters_3=15,
    conv_width_3=15,
    pool_width="global",
)  # fmt: skip


def grammar(seq_length, num_per_class, orientation="independent"):
    return dict(
        motif1="SPI1_known4",
        motif2="IRF_known20",
        seq_length=seq_length,
        min_spacing=2,
        max_spacing=5,
        num_pos=num_per_class,
        num_neg=num_per_class,
        GC_fraction=0.4,
        pair_orientation=orientation,
    )


class Budget(keras.callbacks.Callback):
    """Validation auROC per epoch (from the model's own record) and a wall-clock budget."""

    def __init__(self, dnn, X_valid, y_valid, seconds):
        super().__init__()
        self.dnn, self.X_valid, self.y_valid, self.seconds = dnn, X_valid, y_valid, seconds
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        self.auroc = []
        self.reached = None

    def on_epoch_end(self, epoch, logs=None):
        probabilities = self.dnn.model.predict(self.X_valid, batch_size=1000, verbose=0)
        self.auroc.append(float(ClassificationResult(self.y_valid, probabilities)["auROC"][0]))
        elapsed = time.perf_counter() - self.start
        if self.reached is None and self.auroc[-1] >= TARGET_AUROC:
            self.reached = dict(epoch=epoch, seconds=round(elapsed, 1),
                                cpu_seconds=round(time.process_time() - self.cpu_start, 1))  # fmt: skip
        print(
            f"  epoch {epoch:3d}  {elapsed:7.1f} s  validation loss "
            f"{self.dnn.valid_losses[-1]:.4f}  auROC {self.auroc[-1]:.4f}",
            flush=True,
        )
        if elapsed >= self.seconds or (self.stop_at and self.auroc[-1] >= self.stop_at):
            self.model.stop_training = True


def _curriculum(args):
    stages = []
    if args.background_epochs:
        stages.append((args.background_epochs, {"negatives": "background"}))
    if args.curriculum:
        stages.append((args.curriculum, {"pair_orientation": "forward"}))
    return stages or None


def run(seed, args):
    fixed = get_simulation_data(
        "simulate_heterodimer_grammar",
        grammar(args.seq_length, 3_700),  # 7,400: 4,000 test, 3,200 validation, 200 unused
        test_set_size=4_000,
        validation_set_size=3_200,
        seed=10_000 + seed,
    )
    if args.training == "fresh":
        training = dict(
            X=SimulationStream(
                "simulate_heterodimer_grammar",
                grammar(args.seq_length, args.per_epoch // 2),
                curriculum=_curriculum(args),
                seed=seed,
            )
        )
    else:  # one fixed training set of the same size, all of it used
        simulated = get_simulation_data(
            "simulate_heterodimer_grammar",
            grammar(args.seq_length, args.per_epoch // 2),
            test_set_size=0,
            validation_set_size=0,
            seed=seed,
        )
        training = dict(X=simulated.X_train, y=simulated.y_train)
    dnn = SequenceDNN(
        args.seq_length, **dict(ARCHITECTURE, num_filters=args.filters, pool_width=args.pool), reverse_complement=False if args.reverse_complement == "no" else args.reverse_complement, verbose=0,
        seed=seed,
    )  # fmt: skip
    budget = Budget(dnn, fixed.X_valid, fixed.y_valid, args.budget)
    budget.stop_at = args.stop_at
    wall, cpu = time.perf_counter(), time.process_time()
    dnn.train(
        **training,
        validation_data=(fixed.X_valid, fixed.y_valid),
        num_epochs=args.max_epochs,
        learning_rate=LEARNING_RATE,
        plateau_epochs=args.plateau_epochs,
        restarts=args.restarts,
        callbacks=[budget],
    )
    restarts = dnn.restarts
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    test = dnn.test(fixed.X_test, fixed.y_test)
    # the causal spacing test (the extras' cell after this recipe): pairs planted 0-60 bp apart
    # on either strand into fresh backgrounds
    spacing = spacing_summary(
        spacing_curve(dnn, "SPI1_known4", "IRF_known20", spacings=range(0, min(60, args.seq_length - 28) + 1), orientations=("+", "-", *IN_PLACE_FLIPS), num_backgrounds=100, seed=seed)
    )  # fmt: skip
    return dict(
        seed=seed,
        seconds=round(wall, 1),
        cpu_seconds=round(cpu, 1),
        epochs=len(dnn.valid_losses),
        best_epoch=dnn.best_epoch,
        restarts=restarts,
        validation_auROC_reached_target=budget.reached,
        test_auROC=round(float(test["auROC"][0]), 4),
        test_balanced_accuracy=round(float(test["Balanced accuracy"][0]), 2),
        spacing_peak_bp=spacing["peak"],
        spacing_gain_logits=round(spacing["gain"], 1),
        strand_gap_logits=round(spacing["strand_gap"], 1),
        flip_gap_logits=round(spacing["flip_gap"], 1),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--budget", type=float, default=900, help="wall seconds per seed")
    parser.add_argument("--max-epochs", type=int, default=200, help="upper limit on epochs")
    parser.add_argument("--seq-length", type=int, default=500, help="bp (default 500)")
    parser.add_argument(
        "--curriculum", type=int, default=0, help="forward-grammar epochs first (default 0)"
    )
    parser.add_argument(
        "--background-epochs", type=int, default=0,
        help="epochs with background-only negatives first (default 0)",
    )  # fmt: skip
    parser.add_argument(
        "--training", choices=["fresh", "fixed"], default="fresh",
        help="a fresh simulated training set every epoch (default) or one fixed set",
    )  # fmt: skip
    parser.add_argument(
        "--per-epoch", type=int, default=SEQUENCES_PER_EPOCH,
        help="training sequences per epoch (fresh) or in all (fixed); default 12,800",
    )  # fmt: skip
    parser.add_argument(
        "--pool", type=_pool_width, default="global",
        help='pool width in bp, or "global" (default: one window over the whole conv output)',
    )  # fmt: skip
    parser.add_argument("--filters", type=int, default=15, help="first-layer filters")
    parser.add_argument(
        "--reverse-complement", choices=["no", "filters", "network"], default="no",
        help="weights shared between the strands (default: no)",
    )  # fmt: skip
    parser.add_argument("--restarts", type=int, default=0, help="restarts at chance (default 0)")
    parser.add_argument(
        "--plateau-epochs", type=int, default=25, help="epochs at chance before a restart"
    )
    parser.add_argument("--stop-at", type=float, default=None, help="stop at this validation auROC")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    print(
        f"Keras {keras.__version__} ({keras.backend.backend()}), {os.cpu_count()} CPUs, load "
        f"average {_load()} at start; {args.per_epoch:,} {args.training} training sequences of "
        f"{args.seq_length} bp, curriculum {_curriculum(args)}, reverse complement "
        f"{args.reverse_complement}, {args.filters} first-layer filters, pool {args.pool}, "
        f"restarts {args.restarts} after {args.plateau_epochs} epochs at chance, budget "
        f"{args.budget:.0f} s",
        flush=True,
    )
    runs = []
    for seed in range(args.seed, args.seed + args.seeds):
        print(f"seed {seed}", flush=True)
        runs.append(run(seed, args))
        print(f"seed {seed}: {json.dumps(runs[-1])}; load average {_load()}", flush=True)
    met = all(r["test_auROC"] >= TARGET_AUROC for r in runs)
    print(
        f"test auROC per seed {[r['test_auROC'] for r in runs]} (target >= {TARGET_AUROC} "
        f"within {args.budget:.0f} s each): {'met' if met else 'NOT met'}; wall s "
        f"{[r['seconds'] for r in runs]}, CPU s {[r['cpu_seconds'] for r in runs]}; load "
        f"average {_load()} at the end",
        flush=True,
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(runs, handle, indent=2)
    return runs


def _pool_width(text):
    return text if text == "global" else int(text)


def _load():
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
