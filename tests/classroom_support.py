"""Learners for classroom tests without a browser each: cells of a notebook run the way
JupyterLab runs them (a kernel session on the notebook's path, each execute request carrying the
cell's id in its metadata), so the learner's server attributes outputs and errors to cells and
sections exactly as for a person clicking Run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect


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
    """Run ``cells`` (``(cell_id, source)``) in order on ``kernel_id``; stops at the first
    error. One ``{"status", "stdout", "error"}`` per cell run; ``status`` is ``"died"`` for
    a cell whose kernel died under it (the last one then)."""
    return asyncio.run(_run(server_url, token, kernel_id, cells, timeout))


async def _run(server_url, token, kernel_id, cells, timeout):
    headers = {"Authorization": f"token {token}"}
    ws_url = server_url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
    conn = await websocket_connect(HTTPRequest(ws_url, headers=headers, request_timeout=60))
    session, results = uuid.uuid4().hex, []
    try:
        for cell_id, code in cells:
            msg_id = uuid.uuid4().hex
            await conn.write_message(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "msg_type": "execute_request",
                            "session": session,
                            "username": "",
                            "version": "5.3",
                            "date": "",
                        },
                        "parent_header": {},
                        "metadata": {"cellId": cell_id},
                        "channel": "shell",
                        "buffers": [],
                        "content": {
                            "code": code,
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                    }  # fmt: skip
                )
            )
            result, idle = {"status": None, "stdout": "", "error": ""}, False
            deadline = time.monotonic() + timeout
            while result["status"] is None or not idle:
                raw = await asyncio.wait_for(conn.read_message(), deadline - time.monotonic())
                if raw is None:
                    raise RuntimeError("kernel connection closed")
                msg = json.loads(raw)
                kind, content = msg["msg_type"], msg["content"]
                if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                    result["status"] = "died"  # killed mid-cell: the server says why, if it can
                    results.append(result)
                    return results
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if kind == "stream":
                    result["stdout"] += content.get("text", "")
                elif kind == "error":
                    result["error"] = f"{content.get('ename')}: {content.get('evalue')}"
                elif kind == "execute_reply":
                    result["status"] = content["status"]
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
            results.append(result)
            if result["status"] != "ok":
                break
    finally:
        conn.close()
    return results


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
