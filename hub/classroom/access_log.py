"""Every time an instructor looks at or shares a learner's work, one line in the hub's data dir
(``board-access.log``, JSON lines, mode 0600) and one in the board's own log (the hub's log)."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

ACCESS_LOG_FILENAME = "board-access.log"

log = logging.getLogger("workshop.board")


class AccessLog:
    """Append-only record of looks and shares at ``path``."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def record(self, instructor: str, learner: str, action: str, notebook: str | None) -> dict:
        """Write one entry: ``action`` is ``"look"`` (read-only), ``"share-asked"``,
        ``"share-accepted"``, ``"share-declined"`` or ``"share-ended"``. Returns the entry."""
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "instructor": instructor,
            "learner": learner,
            "action": action,
            "notebook": notebook,
        }
        line = json.dumps(entry, sort_keys=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        log.info("access: %s", line)
        return entry

    def entries(self) -> list[dict]:
        """Every entry so far, oldest first ([] before the first)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
