"""Fill numba's on-disk cache with modisco-lite's compiled kernels at image build time.

A learner's first ``discover_motifs`` otherwise spends about 20 s compiling modisco-lite's
numba kernels (``bench/first_discovery.py`` measures it in the image, cold cache against this
one). This runs TF-MoDISco once, in this fresh single-threaded process exactly as
``tutorial_utils._modisco_process`` runs it for a learner, on synthetic contributions: 200
random 200-bp sequences, each with one planted 10-bp motif carrying the contribution, which
exercises seqlet calling, both clusterings and pattern merging (the kernels a real run calls,
with the same argument types: float32 (N, L, 4) inputs).

Usage: ``python3 warm_numba.py`` with ``NUMBA_CACHE_DIR`` set (the image sets
``/opt/numba-cache``) and ``NUMBA_CPU_NAME=generic`` (so the cache is valid on any x86-64 host,
not only the build machine's CPU). ``_modisco_process.py`` sits beside this file (or ``tutorial_utils`` is importable).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    import _modisco_process  # the Dockerfile copies it beside this file
except ImportError:  # run from a checkout
    from tutorial_utils import _modisco_process


def synthetic_inputs(n: int = 200, length: int = 200, width: int = 10, seed: int = 0):
    """One-hot (n, length, 4) float32 with a planted motif, and its contributions (same shape)."""
    rng = np.random.default_rng(seed)
    one_hot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n, length))]
    motif = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=width)]
    contributions = rng.normal(0.0, 0.02, size=(n, length, 4)).astype(np.float32)
    for i, start in enumerate(rng.integers(20, length - 20 - width, size=n)):
        one_hot[i, start : start + width] = motif
        contributions[i, start : start + width] += motif
    return one_hot, contributions


def warm_tomtom() -> None:
    """Compile memelite's TOMTOM (``tutorial_utils.motif_match``, the in vivo notebook) the way
    ``match_motifs`` calls it: float64 (4, w) C-ordered motifs, one thread (cold: ~30 s to minutes
    of compiling on a learner's share of a core)."""
    try:
        from memelite import tomtom
    except ImportError:  # the image installs it with the invivo extra; a checkout may not
        print("warm_numba.py: memelite not installed, TOMTOM left cold", file=sys.stderr)
        return
    rng = np.random.default_rng(0)
    motifs = [np.ascontiguousarray(rng.dirichlet(np.ones(4), size=w).T) for w in range(6, 31)]
    tomtom(motifs[:3], motifs * 2, n_jobs=1)


def main() -> int:
    cache = os.environ.get("NUMBA_CACHE_DIR")
    if not cache:
        print("warm_numba.py: set NUMBA_CACHE_DIR to the cache to fill", file=sys.stderr)
        return 2
    one_hot, contributions = synthetic_inputs()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="warm-numba-") as folder:
        np.savez(Path(folder) / "inputs.npz", one_hot=one_hot, hypothetical=contributions)
        options = {"max_seqlets_per_metacluster": 2000, "sliding_window_size": 21, "flank_size": 10}
        (Path(folder) / "options.json").write_text(json.dumps(options))
        _modisco_process._main(folder)
    warm_tomtom()
    files = [p for p in Path(cache).rglob("*") if p.is_file()]
    if not any(p.suffix == ".nbc" for p in files):
        print(f"warm_numba.py: no compiled kernel landed in {cache}", file=sys.stderr)
        return 1
    print(
        f"numba cache {cache}: {len(files)} files, TF-MoDISco ran in "
        f"{time.monotonic() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
