"""Notices for one learner (announcements, "the instructor is looking", pushed notebooks), kept
in a file in the learner's home so that a restarted server still has them.

The file is ``~/.workshop/notices.json``: ``{"next_id": int, "notices": [notice, ...]}``, each
notice ``{"id": int, "time": ISO-8601 UTC, "kind": str, "text": str}``; ids only grow, and the
newest :data:`KEEP` notices are kept.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .times import iso_utc

KINDS = ("announcement", "access", "push", "clear")
MAX_TEXT = 2000  # characters
KEEP = 200


class NoticeError(ValueError):
    """A notice that cannot be posted; the message names the parameter and what is allowed."""


def check_notice(body: object) -> tuple[str, str]:
    """``(kind, text)`` of a posted notice body, or :class:`NoticeError`."""
    if not isinstance(body, dict):
        raise NoticeError('the body must be a JSON object {"kind": ..., "text": ...}')
    kind, text = body.get("kind"), body.get("text", "")
    if kind not in KINDS:
        raise NoticeError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if not isinstance(text, str) or len(text) > MAX_TEXT or (kind != "clear" and not text.strip()):
        raise NoticeError(
            f"text must be a string of 1 to {MAX_TEXT} characters (may be empty for 'clear')"
        )
    return kind, text


class NoticeBoard:
    """The notices file of one home (``folder`` is ``~/.workshop``)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / "notices.json"

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("notices"), list):
                return data
        except (OSError, ValueError):
            pass
        return {"next_id": 1, "notices": []}

    def after(self, after_id: int = 0) -> list[dict]:
        """Notices whose id is greater than ``after_id``, oldest first."""
        return [n for n in self._load()["notices"] if n.get("id", 0) > after_id]

    def post(self, kind: str, text: str) -> int:
        """Add a notice (checked with :func:`check_notice`); returns its id."""
        kind, text = check_notice({"kind": kind, "text": text})
        data = self._load()
        notice_id = int(data.get("next_id", 1))
        data["notices"] = [*data["notices"], {"id": notice_id, "time": iso_utc(), "kind": kind,
                                              "text": text}][-KEEP:]  # fmt: skip
        data["next_id"] = notice_id + 1
        write_json(self.path, data)
        return notice_id


def write_json(path: Path, data: object) -> None:
    """Write ``data`` to ``path`` atomically (a reader sees the old file or the new one),
    creating its folder (mode 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
