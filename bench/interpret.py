"""Timing of the interpretation methods on the deep tutorial CNN (3 x 15 filters of width 15,
pool 35) at 500 bp. Untrained weights: run time does not depend on what the model learnt.

    .venv/bin/python bench/interpret.py [--sequences 8] [--deeplift-sequences 64] [--repeats 2]
    KERAS_BACKEND=jax .venv/bin/python bench/interpret.py

Prints, measured side by side in the same process (the machine may be shared, so compare the
ratios rather than the absolute times):
* fast vs naive ISM (seconds, speed-up, max |difference|);
* DeepLIFT with 10 dinucleotide-shuffled references vs one plain gradient evaluation per
  (sequence, reference) pair (sequences per second, ratio).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tutorial_utils.attribution import deeplift, gradient_times_input  # noqa: E402
from tutorial_utils.ism import in_silico_mutagenesis  # noqa: E402
from tutorial_utils.models import SequenceDNN  # noqa: E402


def best_time(fn, repeats: int) -> tuple[float, object]:
    """Smallest wall time of ``repeats`` calls (after one warm-up call) and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequences", type=int, default=8, help="sequences for ISM (default 8)")
    parser.add_argument("--deeplift-sequences", type=int, default=64)
    parser.add_argument("--num-refs", type=int, default=10)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=4096, help="ISM mutants per pass")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    dnn = SequenceDNN(args.length, use_deep_CNN=True, pool_width=35, verbose=0, seed=0)
    rng = np.random.default_rng(0)
    X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (args.sequences, args.length))]
    print(
        f"backend {keras.backend.backend()}, deep CNN 3x15 filters width 15, pool 35, "
        f"L={args.length}"
    )

    def ism(fast):
        return lambda: in_silico_mutagenesis(
            dnn, X, fast=fast, batch_size=args.batch_size, progress=False
        )

    naive_s, naive = best_time(ism(False), args.repeats)
    fast_s, fast = best_time(ism(True), args.repeats)
    mutants = args.sequences * args.length * 3
    print(f"ISM, {args.sequences} sequences ({mutants} substitutions):")
    print(f"  naive {naive_s:.2f} s ({mutants / naive_s:.0f} mutants/s)")
    print(f"  fast  {fast_s:.2f} s ({mutants / fast_s:.0f} mutants/s)")
    print(
        f"  speed-up fast/naive: {naive_s / fast_s:.2f}x, "
        f"max |fast - naive| = {np.abs(fast - naive).max():.2e} "
        f"(max |score| {np.abs(naive).max():.2e})"
    )

    n, refs = args.deeplift_sequences, args.num_refs
    Xd = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, args.length))]
    Xrep = np.repeat(Xd, refs, axis=0)
    lift_s, _ = best_time(lambda: deeplift(dnn, Xd, num_refs=refs, batch_size=64), args.repeats)
    grad_s, _ = best_time(
        lambda: gradient_times_input(dnn, Xrep, batch_size=64 * refs), args.repeats
    )
    print(f"DeepLIFT, {n} sequences x {refs} shuffled references:")
    print(f"  deeplift           {n / lift_s:.1f} sequences/s ({lift_s:.2f} s)")
    print(f"  plain gradients    {n / grad_s:.1f} sequences/s ({grad_s:.2f} s, one per reference)")
    print(f"  DeepLIFT / gradient time ratio: {lift_s / grad_s:.2f}x")


if __name__ == "__main__":
    main()
