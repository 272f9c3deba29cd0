"""Learners for classroom tests without a browser each: cells of a notebook run the way
JupyterLab runs them (a kernel session on the notebook's path, each execute request carrying the
cell's id in its metadata), so the learner's server attributes outputs and errors to cells and
sections exactly as for a person clicking Run.
"""

from __future__ import annotations

import subprocess
import sys

import requests

from hub.client import execute_cells


def open_notebook_session(server_url: str, token: str, notebook: str) -> str:
    """Start a kernel session for ``notebook`` (as opening it in JupyterLab does); its kernel id."""
    r = requests.post(
        f"{server_url}api/sessions",
        headers={"Authorization": f"token {token}"},
        json={
            "path": notebook,
            "name": notebook,
            "type": "notebook",
            "kernel": {"name": "python3"},
        },
        timeout=120,
    )
    r.raise_for_status()
    return r.json()["kernel"]["id"]


def run_cells(
    server_url: str, token: str, kernel_id: str, cells: list[tuple[str, str]], timeout=600.0
) -> list[dict]:
    """Run ``cells`` (``(cell_id, source)``) in order on ``kernel_id`` as JupyterLab does
    (``hub.client.execute_cells``); stops at the first error. ``status`` is ``"died"`` for a
    cell whose kernel died under it."""
    return execute_cells(server_url, token, kernel_id, cells, timeout)


def code_cells(notebook: dict, first: int, last: int) -> list[tuple[int, str, str]]:
    """``(index, id, source)`` of the code cells ``first``..``last`` (1-based, inclusive)."""
    return [
        (i, c["id"], "".join(c["source"]))
        for i, c in enumerate(notebook["cells"], start=1)
        if first <= i <= last and c["cell_type"] == "code"
    ]


def workshop_cli(hub, *args) -> subprocess.CompletedProcess:
    """``workshop ARGS --data-dir <hub's>`` run as the instructor runs it; output echoed."""
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args, "--data-dir", str(hub.data_dir)],
        capture_output=True, text=True, timeout=300, env=hub.env,
    )  # fmt: skip
    print(done.stdout, done.stderr)
    return done
