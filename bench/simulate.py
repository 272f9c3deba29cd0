"""Benchmark: the tutorial's heterodimer simulation, this project vs simdna 0.4.3.2, and memory.

Parameters (the 2016 workshop notebook): SPI1_known4 + IRF_known20, 500 bp, spacing 2-5,
10,000 positives + 10,000 negatives, GC 0.4. Three of our paths are timed, side by side with
simdna's own generators (``simdna.synthetic``) in the same run:

* ``simulate_heterodimer_grammar``: the public function (strings + Embedding lists);
* the array fast path behind it (uint8 codes + an embedding table), what ``get_simulation_data``
  uses;
* ``get_simulation_data``: simulate + shuffle + split + one-hot float32.

simdna 0.4.3.2 imports ``pkg_resources`` (gone from modern setuptools) only to locate its data
files; the bench installs a minimal stand-in module before importing it. simdna itself is
unchanged. Its heterodimer set is built exactly as simdna 0.2's ``simulate_heterodimer_grammar``
built it: a pair embeddable (motif1, motif2, uniform spacing) in the positives, a random subset of
both motif embedders (size 2) in the negatives, every instance reverse-complemented with p = 0.5.

Then 1,000,000 sequences of 500 bp are simulated in a fresh subprocess per path and the peak
resident memory (``resource.getrusage``) is reported against the 8 GiB budget.

Usage: ``python bench/simulate.py [--quick]`` (``--quick``: 2,000 sequences for simdna and
100,000 for the memory run).
"""

from __future__ import annotations

import argparse
import functools
import importlib.resources
import json
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARAMS = dict(
    motif1="SPI1_known4",
    motif2="IRF_known20",
    seq_length=500,
    min_spacing=2,
    max_spacing=5,
    num_pos=10_000,
    num_neg=10_000,
    GC_fraction=0.4,
)
MEMORY_BUDGET_GIB = 8.0


def _install_pkg_resources_shim() -> None:
    """simdna 0.4.3.2 calls ``pkg_resources.resource_filename``; answer it from importlib."""
    if "pkg_resources" in sys.modules:
        return
    try:
        import pkg_resources  # noqa: F401

        return
    except ImportError:
        pass
    shim = types.ModuleType("pkg_resources")

    def resource_filename(package: str, resource: str) -> str:
        return str(importlib.resources.files(package) / resource)

    shim.resource_filename = resource_filename
    sys.modules["pkg_resources"] = shim


@functools.cache
def _simdna_generators():
    """simdna's positive and negative sequence generators (motif file parsed once, untimed)."""
    _install_pkg_resources_shim()
    import simdna
    from simdna import synthetic
    from simdna.util import DiscreteDistribution

    gc = PARAMS["GC_fraction"]
    distribution = DiscreteDistribution(
        {"A": (1 - gc) / 2, "C": gc / 2, "G": gc / 2, "T": (1 - gc) / 2}
    )
    background = synthetic.ZeroOrderBackgroundGenerator(PARAMS["seq_length"], distribution)
    loaded = synthetic.LoadedEncodeMotifs(simdna.ENCODE_MOTIFS_PATH, pseudocountProb=0.001)

    def sampler(name):
        return synthetic.ReverseComplementWrapper(
            synthetic.PwmSamplerFromLoadedMotifs(loaded, name)
        )

    pair = synthetic.PairEmbeddableGenerator(
        sampler(PARAMS["motif1"]),
        sampler(PARAMS["motif2"]),
        synthetic.UniformIntegerGenerator(PARAMS["min_spacing"], PARAMS["max_spacing"]),
    )
    positives = synthetic.EmbedInABackground(background, [synthetic.EmbeddableEmbedder(pair)])
    negatives = synthetic.EmbedInABackground(
        background,
        [
            synthetic.RandomSubsetOfEmbedders(
                synthetic.FixedQuantityGenerator(2),
                [
                    synthetic.SubstringEmbedder(sampler(PARAMS["motif1"])),
                    synthetic.SubstringEmbedder(sampler(PARAMS["motif2"])),
                ],
            )
        ],
    )
    return synthetic, positives, negatives


def simdna_heterodimer(num_pos: int, num_neg: int):
    """The heterodimer set with simdna's generators: (sequences, labels, embeddings)."""
    synthetic, positives, negatives = _simdna_generators()
    generated = list(synthetic.GenerateSequenceNTimes(positives, num_pos).generateSequences())
    generated += list(synthetic.GenerateSequenceNTimes(negatives, num_neg).generateSequences())
    sequences = [g.seq for g in generated]
    labels = [1] * num_pos + [0] * num_neg
    return sequences, labels, [g.embeddings for g in generated]


def _timed(function, repeats: int) -> float:
    """Median wall time of ``repeats`` calls (each call's result is dropped before the next)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of our paths")
    parser.add_argument("--memory-child", choices=["codes", "strings"], help=argparse.SUPPRESS)
    parser.add_argument("--memory-seqs", type=int, default=1_000_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child, args.memory_seqs)
        return

    from tutorial_utils import datasets, simulations

    total = PARAMS["num_pos"] + PARAMS["num_neg"]
    simdna_total = 2_000 if args.quick else total
    memory_seqs = 100_000 if args.quick else 1_000_000

    # warm-up: motif files parsed, code paths loaded (neither side is timed doing that)
    simulations.simulate_heterodimer_grammar(**dict(PARAMS, num_pos=10, num_neg=10), seed=0)
    simdna_heterodimer(5, 5)

    print(f"heterodimer simulation: {PARAMS}")
    rows = []
    fast = simulations.CODE_SIMULATIONS["simulate_heterodimer_grammar"]
    ours = [
        ("tutorial_utils fast path (uint8 codes)", lambda: fast(**PARAMS, seed=1)),
        (
            "tutorial_utils simulate_heterodimer_grammar (strings)",
            lambda: simulations.simulate_heterodimer_grammar(**PARAMS, seed=1),
        ),
        (
            "tutorial_utils get_simulation_data (one-hot split)",
            lambda: datasets.get_simulation_data("simulate_heterodimer_grammar", PARAMS, seed=1),
        ),
    ]
    # interleave: ours, simdna, ours again, so background load affects both sides alike
    first = {name: _timed(fn, args.repeats) for name, fn in ours}
    half = simdna_total // 2
    simdna_seconds = _timed(lambda: simdna_heterodimer(half, simdna_total - half), 1)
    second = {name: _timed(fn, args.repeats) for name, fn in ours}
    simdna_rate = simdna_total / simdna_seconds
    for name, _ in ours:
        seconds = min(first[name], second[name])
        rows.append((name, total, seconds, total / seconds, total / seconds / simdna_rate))
    rows.append(
        ("simdna 0.4.3.2 synthetic (strings)", simdna_total, simdna_seconds, simdna_rate, 1.0)
    )

    print(f"\n{'generator':56s} {'sequences':>10s} {'seconds':>9s} {'seq/s':>11s} {'x simdna':>9s}")
    for name, count, seconds, rate, ratio in rows:
        print(f"{name:56s} {count:>10,d} {seconds:>9.3f} {rate:>11,.0f} {ratio:>9.1f}")

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
