"""Benchmark: peak memory of KmerBaseline.features, the old dense counts vs the sparse counts.

The old implementation (kept below as ``dense_features``, as it was before the sparse change)
counted every one of the 4^k words per sequence with ``np.bincount`` into an int64 (N, 4^k)
buffer, added the reverse-complement columns and kept the canonical ones: about 1.5 MB per
sequence at k = 8. The current ``KmerBaseline.features`` builds a scipy.sparse CSR matrix whose
size grows with the k-mers present (at most L - k + 1 per sequence and gap position).

Each variant runs in a fresh subprocess on the same random one-hot data (100 bp, seed 0); the
peaks are tracemalloc's peak during the call (numpy allocations included) and the growth of
the resident set over its size before the call (``/proc/self/statm``, sampled every 2 ms).
Both variants' features are first checked to be equal on 300 sequences.

Usage: ``python bench/kmer_memory.py [--quick]`` (``--quick``: 500 sequences for the dense
run instead of 2,000; the sparse run always goes on to 20,000 and 100,000 sequences).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from peak_memory import PeakRss, mib  # noqa: E402


def dense_features(baseline, X: np.ndarray) -> np.ndarray:
    """The dense k-mer counts as KmerBaseline computed them before they became sparse."""
    counts = np.concatenate(
        [_dense_forward(baseline, X[i : i + 2000]) for i in range(0, len(X), 2000)]
    )
    both = counts + counts[:, baseline._words]
    return both[:, baseline._columns].astype(np.float32)


def _dense_forward(baseline, X: np.ndarray) -> np.ndarray:
    n, length, _ = X.shape
    base = np.argmax(X, axis=2).astype(np.int64)
    known = X.sum(axis=2) > 0
    k = baseline.k
    windows = length - k + 1
    codes, valid = [], []
    gap_positions = range(1, k - 1) if baseline.gapped else [None]
    informative = k - 1 if baseline.gapped else k
    for block, gap in enumerate(gap_positions):
        code = np.zeros((n, windows), dtype=np.int64)
        ok = np.ones((n, windows), dtype=bool)
        for j in range(k):
            if j == gap:
                continue
            code = code * 4 + base[:, j : j + windows]
            ok &= known[:, j : j + windows]
        codes.append(code + block * 4**informative)
        valid.append(ok)
    num_words = len(gap_positions) * 4**informative
    code = np.concatenate(codes, axis=1)
    ok = np.concatenate(valid, axis=1)
    rows = np.broadcast_to(np.arange(n)[:, None], code.shape)
    flat = (rows * num_words + code)[ok]
    return np.bincount(flat, minlength=n * num_words).reshape(n, num_words)


def one_hot(n: int, length: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, length))]


def measure(variant: str, n: int, k: int, gapped: bool, length: int) -> dict:
    """One variant in this process: peak RSS growth and tracemalloc peak of features(X)."""
    from tutorial_utils.baselines import KmerBaseline

    baseline = KmerBaseline(k=k, gapped=gapped)
    X = one_hot(n, length)
    sampler = PeakRss()
    tracemalloc.start()
    started = time.perf_counter()
    if variant == "dense":
        features = dense_features(baseline, X)
        stored = features.nbytes
    else:
        features = baseline.features(X)
        stored = features.data.nbytes + features.indices.nbytes + features.indptr.nbytes
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "variant": variant,
        "n": n,
        "rss_growth": sampler.stop(),
        "traced_peak": traced,
        "result_bytes": stored,
        "seconds": seconds,
    }


def run_child(variant: str, n: int, k: int, gapped: bool, length: int) -> dict:
    args = [
        sys.executable,
        __file__,
        "--child",
        variant,
        str(n),
        str(k),
        str(int(gapped)),
        str(length),
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_equal(k: int, gapped: bool, length: int) -> None:
    from tutorial_utils.baselines import KmerBaseline

    baseline = KmerBaseline(k=k, gapped=gapped)
    X = one_hot(300, length)
    X[0, 10] = 0  # an N
    assert np.array_equal(baseline.features(X).toarray(), dense_features(baseline, X))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        variant, n, k, gapped, length = args.child
        print(json.dumps(measure(variant, int(n), int(k), gapped == "1", int(length))))
        return
    length = 100
    dense_n = 500 if args.quick else 2000
    print(f"load average before: {os.getloadavg()}")
    for k, gapped in ((8, False), (6, True)):
        check_equal(k, gapped, length)
        print(
            f"\nk={k}{' gapped' if gapped else ''}, {length} bp: sparse == dense on 300 sequences"
        )
        print(
            f"{'variant':8} {'sequences':>10} {'peak RSS growth':>16} {'traced peak':>14} "
            f"{'result':>14} {'per sequence':>14} {'seconds':>8}"
        )
        rows = [run_child("dense", dense_n, k, gapped, length)]
        rows += [run_child("sparse", n, k, gapped, length) for n in (dense_n, 20_000, 100_000)]
        for row in rows:
            per = max(row["rss_growth"], row["traced_peak"]) / row["n"]
            print(
                f"{row['variant']:8} {row['n']:>10,} {mib(row['rss_growth']):>16} "
                f"{mib(row['traced_peak']):>14} {mib(row['result_bytes']):>14} "
                f"{per / 1024:10.1f} KiB {row['seconds']:8.2f}"
            )
        dense, sparse = rows[0], rows[1]
        print(
            f"at {dense_n:,} sequences: dense / sparse peak = "
            f"{dense['traced_peak'] / sparse['traced_peak']:.1f}x (traced), "
            f"{dense['rss_growth'] / max(sparse['rss_growth'], 2**20):.1f}x (RSS, sparse at least 1 MiB)"
        )
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
