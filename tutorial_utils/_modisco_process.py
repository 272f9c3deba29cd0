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

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

PATTERN_FIELDS = ("sequence", "contrib_scores", "hypothetical_contribs")


@functools.cache
def tfmodisco_options() -> dict[str, object]:
    """TF-MoDISco's keyword options and their defaults, read from modiscolite's source (without
    importing it, which takes seconds): what ``discover_motifs(**modisco_options)`` accepts."""
    import ast
    import importlib.util

    # the package's location without importing it (a submodule's spec would import it)
    spec = importlib.util.find_spec("modiscolite")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("motif discovery needs modisco-lite: pip install modisco-lite")
    source = Path(list(spec.submodule_search_locations)[0]) / "tfmodisco.py"
    tree = ast.parse(source.read_text())
    function = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "TFMoDISco"
    )
    arguments = function.args.args
    defaults = [None] * (len(arguments) - len(function.args.defaults)) + function.args.defaults
    return {
        arg.arg: ast.literal_eval(default) if default is not None else None
        for arg, default in zip(arguments, defaults, strict=True)
        if default is not None
    }


def run_modisco(
    one_hot: np.ndarray, hypothetical: np.ndarray, **options
) -> tuple[list[dict], str | None]:
    """``TFMoDISco(one_hot=..., hypothetical_contribs=..., **options)`` in a child process.

    Returns ``(patterns, reason)``: one dict per pattern, positive patterns first (as TF-MoDISco
    orders them), with ``sign`` (+1 / -1), ``n_seqlets``, and ``sequence``, ``contrib_scores``
    and ``hypothetical_contribs``, each (w, 4) float64; and, when there is no pattern, a sentence
    saying why (e.g. too few seqlets: TF-MoDISco needs more than ``min_metacluster_size`` of one
    sign, and its seqlet caller fails outright on scores that are almost all zero), else None.
    Raises ``RuntimeError`` with the end of the child's error output if it fails otherwise.
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
        reason_file = folder / "reason.txt"
        reason = reason_file.read_text() if reason_file.exists() else None
        with np.load(folder / "patterns.npz") as saved:
            signs, counts = saved["signs"], saved["n_seqlets"]
            patterns = [
                {
                    "sign": int(signs[i]),
                    "n_seqlets": int(counts[i]),
                    **{field: saved[f"{i}_{field}"].astype(np.float64) for field in PATTERN_FIELDS},
                }
                for i in range(len(signs))
            ]
        return patterns, reason


def _seqlet_counts(contributions: np.ndarray, options: dict) -> tuple[int, int] | str:
    """(positive, negative) seqlets as TF-MoDISco's own seqlet caller finds them, or the error
    it fails with (as on scores that are zero almost everywhere)."""
    from modiscolite import extract_seqlets

    defaults = tfmodisco_options()
    value = {**defaults, **options}.get
    window, flank = value("sliding_window_size"), value("flank_size")
    per_position = contributions.sum(axis=2)
    try:
        coords, threshold = extract_seqlets.extract_seqlets(
            attribution_scores=per_position,
            window_size=window,
            flank=flank,
            suppress=int(0.5 * window) + flank,
            target_fdr=value("target_seqlet_fdr"),
            min_passing_windows_frac=value("min_passing_windows_frac"),
            max_passing_windows_frac=value("max_passing_windows_frac"),
            weak_threshold_for_counting_sign=value("weak_threshold_for_counting_sign"),
        )
    except (ArithmeticError, ValueError, IndexError) as error:
        return f"{type(error).__name__}: {error}"
    positive = negative = 0
    for seqlet in coords:  # TF-MoDISco's sign rule: the core window's total against the threshold
        core = int(0.5 * (seqlet.end - seqlet.start - window))
        total = per_position[seqlet.example_idx, seqlet.start + core : seqlet.end - core].sum()
        positive += bool(total > threshold)
        negative += bool(total < -threshold)
    return positive, negative


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
    unknown = sorted(set(options) - set(tfmodisco_options()))
    if unknown:
        raise TypeError(f"TFMoDISco() got unexpected keyword arguments {unknown}")
    contributions = one_hot * hypothetical
    zero = float(np.mean(contributions.sum(axis=2) == 0))
    scores = (
        f"the contributions are exactly zero at {zero:.0%} of the {one_hot.shape[0]} x "
        f"{one_hot.shape[1]} positions"
    )
    needed = options.get("min_metacluster_size", tfmodisco_options()["min_metacluster_size"])
    counts = _seqlet_counts(contributions, options)
    pos_patterns = neg_patterns = None
    if isinstance(counts, str):
        reason = (
            f"no seqlets: TF-MoDISco's seqlet caller found no windows that stand out from its "
            f"null distribution ({counts}); {scores}"
        )
    elif max(counts) <= needed:
        reason = (
            f"too few seqlets: {counts[0]} positive and {counts[1]} negative, and TF-MoDISco needs "
            f"more than min_metacluster_size={needed} of one sign; {scores}. Explain more "
            "sequences (e.g. all test positives), or lower min_metacluster_size"
        )
    else:
        pos_patterns, neg_patterns = TFMoDISco(
            one_hot=one_hot, hypothetical_contribs=hypothetical, **options
        )
        reason = None
        if not pos_patterns and not neg_patterns:
            reason = (
                f"no pattern: TF-MoDISco clustered {counts[0]} positive and {counts[1]} negative "
                "seqlets, but no cluster passed its filters (e.g. final_min_cluster_size)"
            )
    if reason is not None:
        (folder / "reason.txt").write_text(reason)
    arrays, signs, n_seqlets = {}, [], []
    for sign, patterns in ((1, pos_patterns), (-1, neg_patterns)):
        for pattern in patterns or []:
            i = len(signs)
            signs.append(sign)
            n_seqlets.append(len(pattern.seqlets))
            for field in PATTERN_FIELDS:
                arrays[f"{i}_{field}"] = np.asarray(getattr(pattern, field), np.float64)
    np.savez(
        folder / "patterns.npz", signs=np.array(signs), n_seqlets=np.array(n_seqlets), **arrays
    )


if __name__ == "__main__":
    _main(sys.argv[1])
