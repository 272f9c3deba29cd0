"""Benchmark: the tutorial's heterodimer simulation, this project vs simdna 0.4.3.2, and memory.

Parameters (the 2016 workshop notebook): SPI1_known4 + IRF_known20, 500 bp, spacing 2-5,
10,000 positives + 10,000 negatives, GC 0.4. Three of our paths are timed against simdna's own
generators (``simdna.synthetic``, driven by ``bench/simdna_heterodimer.py``) in the same run,
**interleaved**: each round times every path once (ours, then simdna), and the figures are the
median over the rounds, so that load from other processes hits both sides alike. simdna runs in
a worker process of its own (started once, timed inside the worker): in one shared process,
simdna's ~16 s of Python objects per round left a heap on which our next calls ran up to 2x
slower (get_simulation_data 0.26-0.31 s right after simdna, 0.11-0.12 s otherwise). Each timed
call includes collecting its own cyclic garbage (``gc.collect()``).

* ``simulate_heterodimer_grammar``: the public function (strings + the lazy EmbeddingTable);
* the array fast path behind it (uint8 codes + the instance columns), what
  ``get_simulation_data`` uses;
* ``get_simulation_data``: simulate + shuffle + split + one-hot float32.

Each round also records the CPU time of every path (``time.process_time``): on a shared machine
the CPU-time ratio is the steadier figure.

Then 1,000,000 sequences of 500 bp are simulated in a fresh subprocess per path and the peak
resident memory (``resource.getrusage``) is reported against the 8 GiB budget.

Measured (``python bench/simulate.py --quick``, 2026-12-06, 2-core machine shared with another
job, load average 1.2): 20,000 sequences of 500 bp, median of 3 rounds - the fast path 0.067 s
(298,393 sequences a second), ``simulate_heterodimer_grammar`` 0.089 s (225,555 a second, 225x
simdna's 1,000 a second), ``get_simulation_data`` with the one-hot split 0.442 s (45,235 a
second): the extras' "more than 100,000 sequences a second" is the simulator's, and 12,800
one-hot sequences take about 0.28 s.
The older 0.11-0.12 s above and this 0.442 s are both right: four calls of
``get_simulation_data`` at full size in one process took 0.60, 0.41, 0.08 and 0.06 s (2026-12-06,
load average 1.5): the first calls pay for fresh memory, later ones reuse it.

Usage: ``python bench/simulate.py [--rounds 5] [--quick]`` (``--quick``: 2,000 sequences for
simdna, 3 rounds, 100,000 for the memory run).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from simdna_heterodimer import PARAMS, simdna_heterodimer  # noqa: E402

MEMORY_BUDGET_GIB = 8.0
TARGET_RATIO = 100  # the public functions at least 100x simdna


def _clock(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call and of collecting its cyclic garbage, so that
    no path is charged for another's (simdna itself runs in its own process, see above)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    gc.collect()
    return time.perf_counter() - wall, time.process_time() - cpu


def _simdna_clock(num_pos: int, num_neg: int, seed: int) -> tuple[float, float]:
    """In the simdna worker process: (wall, CPU seconds) of one simdna simulation."""
    return _clock(lambda: simdna_heterodimer(num_pos, num_neg, seed=seed))


def _memory_child(path: str, num_seqs: int) -> None:
    """Run in a subprocess: simulate ``num_seqs`` sequences, print peak RSS as JSON."""
    import resource

    from tutorial_utils import simulations

    params = dict(PARAMS, num_pos=num_seqs // 2, num_neg=num_seqs - num_seqs // 2, seed=0)
    simulations.get_motif(PARAMS["motif1"])  # parse the motif file before the clock starts
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if path == "codes":
        result = simulations.CODE_SIMULATIONS["simulate_heterodimer_grammar"](**params)
        count = len(result)
    else:
        sequences, _, embeddings = simulations.simulate_heterodimer_grammar(**params)
        count = len(sequences)
        assert len(embeddings) == count
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {"count": count, "seconds": elapsed, "peak_kib": peak_kib, "import_kib": baseline}
        )
    )


def _memory_run(path: str, num_seqs: int) -> dict:
    command = [sys.executable, __file__, "--memory-child", path, "--memory-seqs", str(num_seqs)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller simdna and memory runs")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 5)")
    parser.add_argument("--memory-child", choices=["codes", "strings"], help=argparse.SUPPRESS)
    parser.add_argument("--memory-seqs", type=int, default=1_000_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child, args.memory_seqs)
        return

    from tutorial_utils import datasets, simulations

    total = PARAMS["num_pos"] + PARAMS["num_neg"]
    simdna_total = 2_000 if args.quick else total
    rounds = args.rounds or (3 if args.quick else 5)
    memory_seqs = 100_000 if args.quick else 1_000_000

    # warm-up: motif files parsed, code paths loaded (neither side is timed doing that)
    simulations.simulate_heterodimer_grammar(**dict(PARAMS, num_pos=10, num_neg=10), seed=0)
    simdna = multiprocessing.get_context("spawn").Pool(1)
    simdna.apply(_simdna_clock, (5, 5, 0))

    print(f"heterodimer simulation: {PARAMS}")
    print(f"{rounds} interleaved rounds; load average {os.getloadavg()[0]:.2f} at start")
    fast = simulations.CODE_SIMULATIONS["simulate_heterodimer_grammar"]
    half = simdna_total // 2
    paths = [
        ("tutorial_utils fast path (uint8 codes)", total, lambda r: fast(**PARAMS, seed=r)),
        (
            "tutorial_utils simulate_heterodimer_grammar (public)",
            total,
            lambda r: simulations.simulate_heterodimer_grammar(**PARAMS, seed=r),
        ),
        (
            "tutorial_utils get_simulation_data (one-hot split)",
            total,
            lambda r: datasets.get_simulation_data("simulate_heterodimer_grammar", PARAMS, seed=r),
        ),
        (
            "simdna 0.4.3.2 synthetic (strings, own process)",
            simdna_total,
            None,
        ),
    ]
    walls = {name: [] for name, _, _ in paths}
    cpus = {name: [] for name, _, _ in paths}
    for r in range(rounds):
        for name, _, function in paths:
            if function is None:  # simdna, timed in its worker
                wall, cpu = simdna.apply(_simdna_clock, (half, simdna_total - half, r + 1))
            else:
                wall, cpu = _clock(lambda f=function, seed=r + 1: f(seed))
            walls[name].append(wall)
            cpus[name].append(cpu)
        print(f"round {r + 1}: " + ", ".join(f"{walls[n][-1]:.3f}" for n, _, _ in paths) + " s")
    simdna.close()
    simdna.join()
    simdna_name = paths[-1][0]
    simdna_rate = simdna_total / statistics.median(walls[simdna_name])
    simdna_cpu_rate = simdna_total / statistics.median(cpus[simdna_name])

    header = f"{'generator':54s} {'sequences':>9s} {'median s':>9s} {'seq/s':>10s}"
    print(f"\n{header} {'x simdna':>9s} {'CPU s':>7s} {'x simdna (CPU)':>15s}")
    for name, count, _ in paths:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        ratio, cpu_ratio = count / wall / simdna_rate, count / cpu / simdna_cpu_rate
        print(
            f"{name:54s} {count:>9,d} {wall:>9.3f} {count / wall:>10,.0f} {ratio:>9.1f} "
            f"{cpu:>7.3f} {cpu_ratio:>15.1f}"
        )
    public = paths[1][0]
    ratio = total / statistics.median(walls[public]) / simdna_rate
    print(
        f"public function / simdna = {ratio:.0f}x (target >= {TARGET_RATIO}x): "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}; load average "
        f"{os.getloadavg()[0]:.2f} at the end"
    )

    print(f"\nmemory: {memory_seqs:,} sequences of 500 bp, fresh subprocess per path")
    print(f"{'path':40s} {'seconds':>9s} {'peak RSS GiB':>13s} {'budget GiB':>11s} {'ok':>4s}")
    for path in ("codes", "strings"):
        result = _memory_run(path, memory_seqs)
        peak = result["peak_kib"] / 2**20
        ok = "yes" if peak <= MEMORY_BUDGET_GIB else "NO"
        print(
            f"{path:40s} {result['seconds']:>9.2f} {peak:>13.2f} {MEMORY_BUDGET_GIB:>11.1f} {ok:>4s}"
        )


if __name__ == "__main__":
    main()
