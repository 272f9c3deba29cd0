"""The outcome of one ``workshop doctor`` check, as every doctor step reports it."""

from __future__ import annotations

from dataclasses import dataclass

#: how each status is shown
MARKS = {"ok": "✓", "warn": "⚠", "fail": "✗", "skip": "–"}


@dataclass
class Step:
    """Outcome of one check: ``status`` is ``"ok"``, ``"warn"``, ``"fail"`` or ``"skip"``;
    ``detail`` says what was found and, for a failure, what to do."""

    name: str
    status: str
    detail: str

    def __str__(self) -> str:
        return f"{MARKS[self.status]} {self.name}: {self.detail}"
