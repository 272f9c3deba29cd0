"""Run TF-MoDISco (``modisco-lite``) in a fresh Python process and return its patterns.

modisco-lite speeds itself up by forking: children precompile its numba kernels into numba's
on-disk cache, and Leiden clustering runs in forked workers. It forks only from a process whose
sole thread is the main one, which a Jupyter kernel (heartbeat, IOPub and control threads) never
is; there the same call ran 2-2.5x slower on 2 cores (44-59 s against 23-26 s on the tutorial's
200 sequences). A child interpreter started with ``python -m`` has one thread, does not import
Keras, and does not re-run the caller's ``__main__`` (as ``multiprocessing``'s spawn would).

Inputs and outputs travel through a temporary directory: ``inputs.npz`` (one-hot and hypothetical
contributions, (N, L, 4) float32), ``options.json``, and ``patterns.npz`` back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

PATTERN_FIELDS = ("sequence", "contrib_scores", "hypothetical_contribs")


def run_modisco(one_hot: np.ndarray, hypothetical: np.ndarray, **options) -> list[dict]:
    """``TFMoDISco(one_hot=..., hypothetical_contribs=..., **options)`` in a child process.

    Returns one dict per pattern, positive patterns first (as TF-MoDISco orders them):
    ``sign`` (+1 / -1), ``n_seqlets``, and ``sequence``, ``contrib_scores`` and
    ``hypothetical_contribs``, each (w, 4) float64. Raises ``RuntimeError`` with the end of the
    child's error output if it fails.
    """
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="modisco-") as folder:
        folder = Path(folder)
        np.savez(
            folder / "inputs.npz",
            one_hot=np.asarray(one_hot, np.float32),
            hypothetical=np.asarray(hypothetical, np.float32),
        )
        (folder / "options.json").write_text(json.dumps(options))
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(folder)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"TF-MoDISco failed (exit code {done.returncode}):\n{tail}")
        with np.load(folder / "patterns.npz") as saved:
            signs, counts = saved["signs"], saved["n_seqlets"]
            return [
                {
                    "sign": int(signs[i]),
                    "n_seqlets": int(counts[i]),
                    **{field: saved[f"{i}_{field}"].astype(np.float64) for field in PATTERN_FIELDS},
                }
                for i in range(len(signs))
            ]


def cache_all_kernels() -> int:
    """Turn on numba's on-disk cache for every modisco-lite kernel; returns how many.

    modisco-lite caches only the kernels its ``precompile`` step lists, so a warm cache (the
    image bakes one at build time, ``image/warm_numba.py``) still left the rest to compile on a
    learner's first run. Kernels that cannot be cached (closures) are left as they are.
    ``NUMBA_CACHE_DIR`` says where the cache lives (numba's default: beside the package, or
    ``~/.cache`` when that is read-only).
    """
    import importlib

    from numba.core.dispatcher import Dispatcher

    count = 0
    for name in ("affinitymat", "aggregator", "cluster", "core", "gapped_kmer", "util"):
        try:
            module = importlib.import_module(f"modiscolite.{name}")
        except ImportError:
            continue
        for obj in vars(module).values():
            if isinstance(obj, Dispatcher) and obj.__module__ == module.__name__:
                try:
                    obj.enable_caching()
                except Exception:  # noqa: BLE001 - numba raises plain errors for uncachable kernels
                    continue
                count += 1
    return count


def _main(folder: str) -> None:
    from modiscolite.tfmodisco import TFMoDISco

    cache_all_kernels()
    folder = Path(folder)
    with np.load(folder / "inputs.npz") as inputs:
        one_hot, hypothetical = inputs["one_hot"], inputs["hypothetical"]
    options = json.loads((folder / "options.json").read_text())
    pos_patterns, neg_patterns = TFMoDISco(
        one_hot=one_hot, hypothetical_contribs=hypothetical, **options
    )
    arrays, signs, counts = {}, [], []
    for sign, patterns in ((1, pos_patterns), (-1, neg_patterns)):
        for pattern in patterns or []:
            i = len(signs)
            signs.append(sign)
            counts.append(len(pattern.seqlets))
            for field in PATTERN_FIELDS:
                arrays[f"{i}_{field}"] = np.asarray(getattr(pattern, field), np.float64)
    np.savez(folder / "patterns.npz", signs=np.array(signs), n_seqlets=np.array(counts), **arrays)


if __name__ == "__main__":
    _main(sys.argv[1])
