"""What one learner really needs in memory: the tutorial's peak RSS, cell by cell.

Runs ``notebooks/workshop_tutorial.ipynb`` top to bottom in a fresh kernel (full size by default;
``-p NUM_SEQS=2000`` for a smaller class size) while a thread samples the resident memory of the
kernel and every process it starts (TF-MoDISco runs in a child), every 0.2 s. It also starts one
Jupyter server the way a learner's server runs (JupyterLab and the notebook extensions loaded, no
kernel) and measures its RSS. Then it prints:

- the peak of each cell that raised the running maximum, and the overall sampled peak;
- the kernel's own ``ru_maxrss`` (exact, not sampled) and its children's;
- the server's RSS, and the learner's need: server + kernel peak, plus a 20 % margin, rounded
  up to 256 MiB. ``hub/capacity.py`` keeps these figures (``MEASURED``) as the memory defaults.

    .venv/bin/python bench/learner_memory.py                       # full size (10,000 per class)
    .venv/bin/python bench/learner_memory.py -p NUM_SEQS=2000      # a smaller class

Writes JSON to ``bench/results/learner_memory-<NUM_SEQS>.json``.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = REPO_ROOT / "notebooks" / "workshop_tutorial.ipynb"
sys.path.insert(0, str(REPO_ROOT / "image"))
# the measure a learner's server uses to make room for a kernel (image/workshop_kernels.py)
from workshop_kernels import tree_rss  # noqa: E402

MIB = 2**20
PROBE = (
    "import resource as _r\n"
    "print('maxrss-kib', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss,"
    " _r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss)"
)


def _inject_parameters():
    spec = importlib.util.spec_from_file_location(
        "notebook_runall", REPO_ROOT / "bench" / "notebook_runall.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.inject_parameters


class Sampler(threading.Thread):
    """Samples ``tree_rss(pid)`` every ``interval`` s; ``peaks[cell]`` is each cell's maximum."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval = interval
        self.pid: int | None = None
        self.cell = -1
        self.peaks: dict[int, int] = {}
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            if self.pid:
                rss = tree_rss(self.pid)
                self.peak = max(self.peak, rss)
                self.peaks[self.cell] = max(self.peaks.get(self.cell, 0), rss)
            time.sleep(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_tutorial(parameters: dict, timeout: int) -> dict:
    nb = _inject_parameters()(nbformat.read(TUTORIAL, as_version=4), parameters)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    sampler = Sampler()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(TUTORIAL.parent)}},
    )

    def on_start(cell, cell_index):
        if sampler.pid is None:
            sampler.pid = client.km.provisioner.process.pid
        sampler.cell = cell_index

    client.on_cell_execute = on_start
    sampler.start()
    began = time.perf_counter()
    try:
        client.execute()
    finally:
        sampler.stop()
    wall = time.perf_counter() - began
    kib_self, kib_children = (int(v) for v in nb.cells[-1].outputs[0].text.split()[1:3])
    rising, running = [], 0
    for index in sorted(sampler.peaks):
        if index >= 0 and sampler.peaks[index] > running:
            running = sampler.peaks[index]
            first = (nb.cells[index].source.strip().splitlines() or [""])[0][:60]
            rising.append({"cell": index, "peak_mib": round(running / MIB), "source": first})
    return {
        "wall_s": round(wall, 1),
        "sampled_peak_mib": round(sampler.peak / MIB),
        "kernel_maxrss_mib": round(kib_self / 1024),
        "children_maxrss_mib": round(kib_children / 1024),
        "rising_cells": rising,
    }


def server_rss(settle_s: float = 3.0) -> int:
    """RSS of a Jupyter server with the learners' extensions, idle, no kernel (bytes)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = tempfile.mkdtemp(prefix="learner-memory-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=bench", f"--ServerApp.root_dir={root}", "--no-browser",
         "--ServerApp.allow_root=True"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import requests

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/lab?token=bench", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        time.sleep(settle_s)
        return tree_rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def need_bytes(server: int, kernel_peak: int, margin: float = 0.2) -> int:
    """Server + kernel peak with ``margin``, rounded up to a multiple of 256 MiB."""
    step = 256 * MIB
    raw = (server + kernel_peak) * (1 + margin)
    return int(-(-raw // step) * step)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    parameters = {}
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--parameter must look like NAME=VALUE, got {item!r}")
        parameters[name.strip()] = ast.literal_eval(value)
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    server = server_rss()
    print(f"idle Jupyter server: {server / MIB:.0f} MiB", flush=True)
    run = run_tutorial(parameters, args.timeout)
    kernel_peak = max(run["sampled_peak_mib"], run["kernel_maxrss_mib"]) * MIB
    need = need_bytes(server, kernel_peak)
    summary = {
        "parameters": parameters or "full size",
        "server_mib": round(server / MIB),
        **run,
        "learner_need_mib": need // MIB,
        "host": {"cpus": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                 "python": platform.python_version()},
        "load_before": [round(v, 2) for v in load],
        "load_after": [round(v, 2) for v in os.getloadavg()],
    }  # fmt: skip
    for row in run["rising_cells"]:
        print(f"  cell {row['cell']:3d}  running peak {row['peak_mib']:6d} MiB  {row['source']}")
    print(json.dumps(summary, indent=2))
    print(
        f"\nlearner need: {need / 2**30:.2f} GiB = (server {server / MIB:.0f} MiB + kernel peak "
        f"{kernel_peak / MIB:.0f} MiB) x 1.2, rounded up to 256 MiB; tutorial {run['wall_s']} s"
    )
    size = parameters.get("NUM_SEQS", "full")
    out = args.output or REPO_ROOT / "bench" / "results" / f"learner_memory-{size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
