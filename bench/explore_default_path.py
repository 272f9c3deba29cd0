"""Benchmark: ``notebooks/explore.ipynb``'s default path, clicked through its panels, its figures.

What a learner gets who runs the panel cells and clicks *Simulate*, *Build*, *Train* and
*Explain* without changing a control: the :class:`~tutorial_utils.widgets.SimulationPicker`'s
starting simulation and values (``WORKSHOP_DEFAULTS``; the heterodimer grammar with the pair on
the + strand, 2,000 sequences per class of 200 bp), the :class:`ModelBuilder`'s starting model
(shallow CNN, 15 filters of 25 bp, 35-bp pooling), the :class:`Trainer`'s starting recipe
(``SequenceDNN.train``'s defaults, at most 100 epochs) and DeepLIFT in the
:class:`InterpretationExplorer`, all driven through the panels' own methods, seed 0.
``-p NAME=VALUE`` changes a simulation control first (``-p pair_orientation=independent``,
``-p seq_length=500``), as a learner would.

Printed, with the control each claim of the explore notebook needs:

* wall and CPU seconds of *Simulate* and of *Build* + *Train* (the notebook's "a minute or two");
* epochs, validation and test auROC (the notebook's "test auROC about 0.97");
* for the heterodimer grammar, the strand-only control (a score that reads only the strands of
  the planted motifs, ``strand_only_scores``: 0.875 in expectation on forward data, 0.5 on
  independent data), so that a test auROC above it shows the spacing was learnt, and the causal
  spacing test of the trained model (``spacing_summary``, as in the tutorial);
* DeepLIFT, as the explorer computes it, on the first ``--explain`` test positives: the share of
  the track's |score| on the true motif sites against the share of the bases those sites cover
  (the control: a track blind to the sites would put about that share on them);
* the seconds of one *Explain* per method on one sequence (best of 3 after a warm-up call), and
  of the scores alone (``attribution_track``, without the drawing): the notebook's "gradient ×
  input is the cheapest of the three".

Measured (2-core machine shared with one other job, 2026-12-06, seed 0; training is repeatable:
two runs of the default path gave the same epochs and auROC):

* ``python bench/explore_default_path.py`` (load average 1.2-2.6): *Simulate* under 0.05 s;
  *Build* + *Train* 14.6 s wall (15.7 s CPU; 16.7 s in a first run at load 2.2-2.9), 45 epochs,
  best epoch 43; validation auROC 0.994, test auROC 0.977 against 0.876 for the strands alone;
  spacing: the + strand pair peaks at 4 bp, +7.6 logits at 2-5 bp against 20+ bp apart, - strand
  pair -15.6, either motif flipped in place -14.5 (the forward-strand grammar, as the tutorial's
  models). DeepLIFT on 20 test positives: a median 0.53 (min 0.48) of the |score| on the true
  sites, which cover a median 0.14 of the bases. One *Explain*, best of 3: ISM 0.140 s, DeepLIFT
  0.157 s, gradient × input 0.137 s (the drawing takes most of it); the scores alone: ISM 0.009
  s, DeepLIFT 0.018 s, gradient × input 0.005 s.
* ``-p pair_orientation=independent`` (load 1.5-2.9): at chance; the stopping rule ended
  training after 33 epochs (10.9 s, best epoch 2): validation auROC 0.524, test auROC 0.553
  (strands alone 0.490); spacing -0.1 logits at 2-5 bp, - strand pair +0.2, flips +0.1; DeepLIFT's
  share on the sites (median 0.15) about the share of the bases they cover (0.14).
* ``-p seq_length=500`` (load 1.6-2.7): 16 epochs (6.8 s), test auROC 0.735, below the strands
  alone (0.863); spacing +0.3 logits at 2-5 bp: 2,000 sequences per class of 500 bp did not teach
  this model the grammar.
* The other simulations' starting values and the lengths ``WORKSHOP_DEFAULTS``' comments compare
  (``--simulation NAME`` and ``-p seq_length=N``; 2026-12-06 23:29-23:34, load average 1.3-2.1):
  test auROC of the shallow CNN, seed 0 - ``simulate_single_motif_detection`` 100 bp 0.873, 200
  bp 0.558, 1000 bp 0.506; ``simulate_motif_counting`` 300 bp 0.919, 1000 bp 0.498;
  ``simulate_multi_motif_embedding`` 200 bp 0.960 / 0.960 / 0.682 (CTCF, ZNF143, SIX5), 500 bp
  0.544 / 0.517 / 0.516; ``simulate_differential_accessibility`` 200 bp 0.857, 500 bp 0.495.
  Build + Train 7.5-32.4 s; *Simulate* 0.3 s at most.

Usage::

    python bench/explore_default_path.py
    python bench/explore_default_path.py -p pair_orientation=independent
    python bench/explore_default_path.py -p seq_length=500
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tutorial_utils.metrics import ClassificationResult  # noqa: E402
from tutorial_utils.spacing import (  # noqa: E402
    IN_PLACE_FLIPS,
    spacing_curve,
    spacing_summary,
    strand_only_scores,
)
from tutorial_utils.widgets import (  # noqa: E402
    METHODS,
    InterpretationExplorer,
    ModelBuilder,
    SimulationPicker,
    Trainer,
    attribution_track,
)


def _value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _clock():
    return time.perf_counter(), time.process_time()


def _since(start):
    wall, cpu = start
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--simulation", default=None, help="default: the picker's first choice")
    parser.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--explain", type=int, default=20, help="test positives for DeepLIFT")
    args = parser.parse_args(argv)
    overrides = {k: _value(v) for k, v in (item.split("=", 1) for item in args.p)}

    picker = (
        SimulationPicker(args.simulation, seed=args.seed)
        if args.simulation
        else SimulationPicker(seed=args.seed)
    )
    picker.set_parameters(**overrides)
    print(
        f"{picker.simulation.value} {picker.parameters()}, seed {args.seed}; load average "
        f"{_load()}",
        flush=True,
    )
    start = _clock()
    picker.simulate()
    assert not picker.error.value, picker.error.value
    simulate_s = _since(start)
    builder = ModelBuilder(picker, seed=args.seed)
    trainer = Trainer(builder, picker)
    explorer = InterpretationExplorer(trainer, picker)
    start = _clock()
    builder.build()
    trainer.train(blocking=True)
    assert not (builder.error.value or trainer.error.value), (
        builder.error.value + trainer.error.value
    )
    train_s = _since(start)
    data, dnn = picker.data, trainer.dnn
    test_auroc = float(trainer.results["test"]["auROC"][0])
    per_task = " / ".join(f"{v:.3f}" for v in trainer.results["test"]["auROC"])
    print(
        f"Simulate {simulate_s[0]:.1f} s wall ({simulate_s[1]:.1f} s CPU); Build + Train "
        f"{train_s[0]:.1f} s wall ({train_s[1]:.1f} s CPU), {len(dnn.valid_losses)} epochs, "
        f"best epoch {dnn.best_epoch} (counted from 0); validation auROC "
        f"{float(trainer.results['validation']['auROC'][0]):.3f}, test auROC {per_task}",
        flush=True,
    )
    if picker.simulation.value == "simulate_heterodimer_grammar":
        strand = strand_only_scores(data.test_embeddings, data.motif_names)
        control = float(ClassificationResult(data.y_test, strand[:, None])["auROC"][0])
        params = picker.parameters()
        length = params["seq_length"]
        found = spacing_summary(
            spacing_curve(
                dnn, params["motif1"], params["motif2"], spacings=range(0, min(60, length - 28) + 1),
                orientations=("+", "-", *IN_PLACE_FLIPS), num_backgrounds=100, seed=args.seed,
            )
        )  # fmt: skip
        print(
            f"strand only (the control): test auROC {control:.3f}; the model {test_auroc:.3f}. "
            f"Spacing: + strand pair peaks at {found['peak']} bp; at 2-5 bp {found['gain']:+.1f} "
            f"logits against 20+ bp apart; - strand pair {found['strand_gap']:+.1f}; either "
            f"motif flipped in place {found['flip_gap']:+.1f}",
            flush=True,
        )
    positives = np.flatnonzero(data.y_test[:, 0])[: args.explain]
    explorer.method.value = "DeepLIFT"
    on_site, covered = [], []
    for index in positives:
        explorer.index.value = int(index)
        track = np.abs(explorer.explain())
        assert not explorer.error.value, explorer.error.value
        mask = np.zeros(len(track), dtype=bool)
        for site in data.test_embeddings[index]:
            mask[site.start : site.start + len(site.sequence)] = True
        on_site.append(track[mask].sum() / max(track.sum(), 1e-12))
        covered.append(mask.mean())
    print(
        f"DeepLIFT on {len(positives)} test positives: median share of |score| on the true "
        f"sites {np.median(on_site):.2f} (min {np.min(on_site):.2f}); the sites cover a median "
        f"{np.median(covered):.2f} of the bases (the control)",
        flush=True,
    )
    explorer.index.value = int(positives[0])
    x = data.X_test[positives[:1]]
    for label, action in [
        ("one Explain (score and drawing)", lambda method: explorer.explain()),
        ("the scores alone (attribution_track)", lambda method: attribution_track(dnn, x, method)),
    ]:
        seconds = {}
        for method in METHODS:
            explorer.method.value = method
            action(method)  # warm-up
            times = []
            for _ in range(3):
                wall = time.perf_counter()
                action(method)
                times.append(time.perf_counter() - wall)
            seconds[method] = min(times)
        print(
            f"{label}, best of 3: "
            + ", ".join(f"{method} {value:.3f} s" for method, value in seconds.items()),
            flush=True,
        )
    print(f"load average {_load()} at the end", flush=True)


def _load():
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
