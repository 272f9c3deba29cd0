"""Benchmark: peak memory of the simulations against the estimate that refuses impossible sizes.

``tutorial_utils._validation.check_simulation_size`` refuses a simulation before it starts when
its estimated memory exceeds what the machine (or the learner's container) has left. This
prints, side by side in one run, each case's estimate and its measured peak (resident-set
growth sampled every 2 ms, in a fresh subprocess per case): the tutorial's heterodimer data
(10,000 sequences per class, 500 bp) through ``simulate_heterodimer_grammar`` and
``get_simulation_data``, and the largest runs (400,000 sequences of 500 bp; ``--quick``:
100,000 sequences). Then the largest ``num_pos`` (= ``num_neg``) each path accepts in a
4 GiB container.

Usage: ``python bench/simulation_memory.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from peak_memory import PeakRss, mib  # noqa: E402

PARAMETERS = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=500,
    min_spacing=2,
    max_spacing=5,
    GC_fraction=0.4,
)


def measure(path: str, per_class: int) -> dict:
    """One case in this process: the estimate, and the peak growth of the resident set."""
    import tutorial_utils as tu
    from tutorial_utils import _validation

    tu.get_motif("SPI1_known4")  # the motif collection, loaded before the measurement
    per_base = (
        _validation.DATA_BYTES_PER_BASE if path == "data" else _validation.SIMULATION_BYTES_PER_BASE
    )
    estimate = _validation.simulation_bytes(500, 2 * per_class, 2, per_base)
    sampler = PeakRss()
    started = time.perf_counter()
    if path == "data":
        result = tu.get_simulation_data(
            "simulate_heterodimer_grammar",
            dict(PARAMETERS, num_pos=per_class, num_neg=per_class),
            test_set_size=min(4000, per_class // 2),
            validation_set_size=min(3200, per_class // 2),
        )
    else:
        result = tu.simulate_heterodimer_grammar(
            **PARAMETERS, num_pos=per_class, num_neg=per_class, seed=0
        )
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    del result
    return {"estimate": estimate, "peak": peak, "seconds": seconds}


def largest_accepted(path: str, budget: int) -> int:
    """The largest num_pos (= num_neg) whose estimate fits in ``budget`` bytes."""
    from tutorial_utils import _validation

    per_base = (
        _validation.DATA_BYTES_PER_BASE if path == "data" else _validation.SIMULATION_BYTES_PER_BASE
    )
    per_sequence = _validation.simulation_bytes(500, 1, 2, per_base)
    return budget // per_sequence // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return
    largest = 50_000 if args.quick else 200_000
    print(f"load average before: {os.getloadavg()}")
    print(
        f"{'path':28} {'sequences':>10} {'estimate':>14} {'measured peak':>14} "
        f"{'peak/estimate':>14} {'seconds':>8}"
    )
    for path, per_class in [
        ("strings", 10_000),
        ("data", 10_000),
        ("strings", largest),
        ("data", largest),
    ]:
        label = {"strings": "simulate_heterodimer_grammar", "data": "get_simulation_data"}[path]
        done = subprocess.run(
            [sys.executable, __file__, "--child", path, str(per_class)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{label:28} {2 * per_class:>10,} {mib(row['estimate']):>14} {mib(row['peak']):>14} "
            f"{row['peak'] / row['estimate']:>14.2f} {row['seconds']:>8.1f}"
        )
    for path in ("strings", "data"):
        print(
            f"largest num_pos = num_neg accepted in a 4 GiB container ({path}): "
            f"{largest_accepted(path, 4 * 2**30):,}"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
