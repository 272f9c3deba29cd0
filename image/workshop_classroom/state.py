"""What a learner's server knows about the learner's progress, from the kernel messages it
relays (``connection.py``) and the saved notebooks: the section reached, the last training
result, the last error, kernels that died, and "I'm stuck".

One :class:`ClassroomState` per server; its :meth:`ClassroomState.snapshot` is the body of
``GET api/workshop/state`` (the shape is in the module docstring of ``handlers.py``). "I'm
stuck" is kept in ``~/.workshop/stuck.json`` and the progress (section, result, last error) in
``~/.workshop/progress.json``, so that a restarted server still shows them.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from .notices import write_json
from .sections import OutlineCache, Section, training_result
from .times import iso_utc

VERSION = 1
MAX_REQUESTS = 1000  # execute requests remembered (Run All of a long notebook fits)
MAX_OUTPUT = 64 * 1024  # characters of one cell's printed text read for its result
MAX_NAME = 1024  # characters of a notebook path or cell id in "I'm stuck"


class StuckError(ValueError):
    """An "I'm stuck" body that cannot be used; the message names the parameter."""


@dataclass(frozen=True)
class CellRef:
    """A cell sent to a kernel: its notebook (path relative to the server's root), id, 1-based
    index in the saved notebook (None: not saved yet) and section."""

    kernel_id: str | None
    notebook: str | None
    cell_id: str | None
    cell_index: int | None
    section: Section | None

    def as_dict(self) -> dict:
        return {
            "notebook": self.notebook,
            "cell_id": self.cell_id,
            "cell_index": self.cell_index,
            "section": self.section.title if self.section else None,
        }


class ClassroomState:
    """A learner's progress. ``folder`` is ``~/.workshop``; ``root_dir`` the server's root
    (notebook paths are relative to it)."""

    def __init__(self, folder: Path, root_dir: Path):
        self.folder = Path(folder)
        self.root_dir = Path(root_dir).resolve()
        self._outlines = OutlineCache()
        self._requests: OrderedDict[str, CellRef] = OrderedDict()
        self._printed: dict[str, str] = {}  # msg_id -> text printed so far by that cell
        self.current: CellRef | None = None  # the cell last seen running
        self.result: str | None = None
        self.last_error: dict | None = None
        self.died: dict[str, dict] = {}  # kernel id -> {"why", "cause", "time"}
        self.last_activity: str | None = None
        self._load_progress()

    # --- progress kept across restarts ---------------------------------------------------------
    @property
    def _progress_path(self) -> Path:
        return self.folder / "progress.json"

    def _load_progress(self) -> None:
        try:
            data = json.loads(self._progress_path.read_text(encoding="utf-8"))
            cell = data.get("cell")
            if cell:
                section = cell.get("section")
                self.current = CellRef(
                    None, cell.get("notebook"), cell.get("cell_id"), cell.get("cell_index"),
                    Section(section["title"], section.get("index")) if section else None,
                )  # fmt: skip
            # the file is in the learner's home: only values of the right types are taken
            result, error, activity = (
                data.get(k) for k in ("result", "last_error", "last_activity")
            )
            self.result = result if isinstance(result, str) else None
            self.last_error = error if isinstance(error, dict) else None
            self.last_activity = activity if isinstance(activity, str) else None
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return

    def _save_progress(self) -> None:
        ref = self.current
        cell = None
        if ref is not None:
            section = ref.section and {"title": ref.section.title, "index": ref.section.index}
            cell = {"notebook": ref.notebook, "cell_id": ref.cell_id,
                    "cell_index": ref.cell_index, "section": section}  # fmt: skip
        data = {"cell": cell, "result": self.result, "last_error": self.last_error,
                "last_activity": self.last_activity}  # fmt: skip
        try:
            write_json(self._progress_path, data)
        except OSError:
            pass  # a full home must not break the kernel connection; the state is in memory

    # --- paths and cells ----------------------------------------------------------------------
    def relative(self, path: str | None) -> str | None:
        """``path`` (absolute, or relative to the root) relative to the root; None outside it."""
        if not path:
            return None
        full = (self.root_dir / path).resolve()
        if not full.is_relative_to(self.root_dir):
            return None
        return full.relative_to(self.root_dir).as_posix()

    def cell(self, notebook: str | None, cell_id=None, cell_index=None, kernel_id=None) -> CellRef:
        """A :class:`CellRef`; the index is looked up by id in the saved notebook when not
        given, and the section read at that index."""
        notebook = self.relative(notebook)
        outline = self._outlines.get(self.root_dir / notebook) if notebook else None
        if outline is not None and cell_index is None:
            cell_index = outline.index_of(cell_id)
        section = outline.section_at(cell_index) if outline is not None else None
        return CellRef(kernel_id, notebook, cell_id, cell_index, section)

    # --- kernel messages ----------------------------------------------------------------------
    def execute_requested(self, kernel_id: str, notebook: str | None, msg_id: str, cell_id):
        """A cell was sent to ``kernel_id`` (``notebook``: the kernel's notebook path). Code
        sent to a kernel of no notebook (a console, the instructor's ``workshop status``) is
        not the learner's progress and is not recorded."""
        ref = self.cell(notebook, cell_id, kernel_id=kernel_id)
        if ref.notebook is None:
            return
        self._requests[msg_id] = ref
        while len(self._requests) > MAX_REQUESTS:
            self._requests.popitem(last=False)
        self.died.pop(kernel_id, None)  # running cells again: the kernel is back
        self.last_activity = iso_utc()

    def kernel_message(self, kernel_id: str, msg_type: str, parent_id: str | None, content: dict):
        """An iopub message (``status``, ``error``, ``stream``, ``execute_result``) answering
        the request ``parent_id``; messages answering requests not seen here are ignored."""
        ref = self._requests.get(parent_id or "")
        if ref is None:
            return
        self.last_activity = iso_utc()
        if msg_type == "status":
            if content.get("execution_state") == "busy":
                self.current = ref
                self._save_progress()
            elif content.get("execution_state") == "idle":
                self._printed.pop(parent_id, None)
        elif msg_type == "error":
            evalue = str(content.get("evalue", ""))
            self.last_error = {
                **ref.as_dict(),
                "ename": str(content.get("ename", "")),
                "evalue": evalue.splitlines()[0] if evalue else "",
                "time": iso_utc(),
            }
            self._save_progress()
        elif msg_type in ("stream", "execute_result"):
            text = content.get("text") or (content.get("data") or {}).get("text/plain") or ""
            printed = (self._printed.get(parent_id, "") + str(text))[-MAX_OUTPUT:]
            self._printed[parent_id] = printed
            result = training_result(printed)
            if result and result != self.result:
                self.result = result
                self._save_progress()

    def kernel_died(self, kernel_id: str, why: str, cause: str | None = None) -> None:
        """``kernel_id`` died; ``why`` is the sentence shown under its cell, ``cause`` its few
        words ("out of memory", "killed (SIGKILL)", ...)."""
        self.died[kernel_id] = {"why": why, "cause": cause, "time": iso_utc()}
        self.last_activity = iso_utc()

    # --- I'm stuck ----------------------------------------------------------------------------
    @property
    def _stuck_path(self) -> Path:
        return self.folder / "stuck.json"

    def stuck(self) -> dict | None:
        """The learner's "I'm stuck" (None: not stuck)."""
        try:
            data = json.loads(self._stuck_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def set_stuck(self, body: object) -> dict:
        """Record "I'm stuck" from a posted ``body`` (``{"notebook", "cell_id"?,
        "cell_index"?}``); returns the stored record. Raises :class:`StuckError`."""
        if not isinstance(body, dict):
            raise StuckError('the body must be a JSON object {"notebook": ..., "cell_id": ...}')
        notebook, cell_id, index = body.get("notebook"), body.get("cell_id"), body.get("cell_index")
        if not isinstance(notebook, str) or not 0 < len(notebook) <= MAX_NAME:
            raise StuckError(f"notebook must be a path of 1 to {MAX_NAME} characters")
        if self.relative(notebook) is None:
            raise StuckError("notebook must be a path inside the server's folder")
        if cell_id is not None and (not isinstance(cell_id, str) or len(cell_id) > MAX_NAME):
            raise StuckError(f"cell_id must be a string of at most {MAX_NAME} characters or null")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)
                                  or index < 1):  # fmt: skip
            raise StuckError("cell_index must be an integer >= 1 (cells count from 1) or null")
        ref = self.cell(notebook, cell_id, index)
        record = {"since": iso_utc(), **ref.as_dict()}
        write_json(self._stuck_path, record)
        self.last_activity = iso_utc()
        return record

    def clear_stuck(self) -> None:
        """Clear "I'm stuck" (the learner's, or the instructor's "done")."""
        self._stuck_path.unlink(missing_ok=True)

    # --- the whole state ----------------------------------------------------------------------
    def snapshot(self, kernels: list[dict], memory_bytes=None, memory_limit_bytes=None) -> dict:
        """The ``api/workshop/state`` body; ``kernels`` are ``{"id", "notebook",
        "execution_state", "last_activity"}`` of the running kernels (``notebook`` relative or
        absolute; ``last_activity`` an ISO-8601 UTC string or None)."""
        current = self.current
        listed = []
        for kernel in kernels:
            listed.append({
                "id": kernel["id"],
                "notebook": self.relative(kernel.get("notebook")),
                "execution_state": kernel.get("execution_state"),
                "died": self.died.get(kernel["id"]),
            })  # fmt: skip
        activity = [
            t for t in [self.last_activity, *(k.get("last_activity") for k in kernels)] if t
        ]
        return {
            "section": current.section.title if current and current.section else None,
            "section_index": current.section.index if current and current.section else None,
            "result": self.result,
            "notebook": current.notebook if current else None,
            "last_error": self.last_error,
            "kernels": listed,
            "memory_bytes": memory_bytes,
            "memory_limit_bytes": memory_limit_bytes,
            "stuck": self.stuck(),
            "last_activity": max(activity) if activity else None,
            "version": VERSION,
        }


def own_home_folder() -> Path:
    """``~/.workshop`` of the user the server runs as (its ``HOME``)."""
    return Path(os.path.expanduser("~")) / ".workshop"
