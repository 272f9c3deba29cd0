"""Where a cell sits in a tutorial notebook, in the notebook's own terms, and the training result
a cell printed.

A notebook's sections are its markdown headings. The section of a cell is the nearest numbered
heading above it ("## 2. A convolutional neural network", "### 3a. Filter-centred
interpretation"), whose leading number is the section's index; above the first numbered heading
it is the nearest heading of any kind ("## Settings", index None).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_NUMBERED = re.compile(r"^(\d+)[a-z]?[.)]\s")
_AUROC = re.compile(r"auROC:?\s+(\d+(?:\.\d+)?)")
_EPOCH = re.compile(r"Epoch (\d+):")


@dataclass(frozen=True)
class Section:
    """A heading: its text without the ``#`` marks, and its number (None: unnumbered)."""

    title: str
    index: int | None


@dataclass(frozen=True)
class Outline:
    """A notebook's cell ids (``ids[i]`` is the id of cell ``i + 1``; None where a cell has none)
    and, per cell, the section it is in (None above the first heading)."""

    ids: tuple[str | None, ...]
    sections: tuple[Section | None, ...]

    def index_of(self, cell_id: str | None) -> int | None:
        """The 1-based index of the cell with ``cell_id`` (None: not in the saved notebook)."""
        if cell_id is None:
            return None
        try:
            return self.ids.index(cell_id) + 1
        except ValueError:
            return None

    def section_at(self, cell_index: int | None) -> Section | None:
        """The section of the cell at 1-based ``cell_index`` (None: out of range or no heading)."""
        if cell_index is None or not 1 <= cell_index <= len(self.sections):
            return None
        return self.sections[cell_index - 1]


def headings(source: str) -> list[Section]:
    """The headings of one markdown cell's ``source``, in order (fenced code is skipped)."""
    found, fenced = [], False
    for line in source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            title = match.group(1)
            number = _NUMBERED.match(title)
            found.append(Section(title, int(number.group(1)) if number else None))
    return found


def outline(cells: list[dict]) -> Outline:
    """The :class:`Outline` of a notebook's ``cells`` (nbformat 4 dicts)."""
    ids, sections = [], []
    numbered: Section | None = None
    nearest: Section | None = None
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            for heading in headings(source if isinstance(source, str) else "".join(source)):
                nearest = heading
                if heading.index is not None:
                    numbered = heading
        ids.append(cell.get("id"))
        sections.append(numbered or nearest)
    return Outline(tuple(ids), tuple(sections))


class OutlineCache:
    """Outlines of saved notebooks, read again only when a file's modification time changes."""

    def __init__(self):
        self._cache: dict[Path, tuple[int, Outline]] = {}

    def get(self, path: Path) -> Outline | None:
        """The outline of the notebook file at ``path`` (None: missing or not a notebook)."""
        try:
            mtime = path.stat().st_mtime_ns
            cached = self._cache.get(path)
            if cached and cached[0] == mtime:
                return cached[1]
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            return None
        found = outline(cells if isinstance(cells, list) else [])
        self._cache[path] = (mtime, found)
        return found


def training_result(text: str) -> str | None:
    """The training result line in a cell's printed ``text`` (None: none there).

    ``test_SequenceDNN``'s "Test performance: ... auROC: 0.987" becomes ``"test auROC 0.987"``
    (``"test auROC 0.500 (at chance)"`` when it says so); a training epoch's "Epoch 3: validation
    loss ... auROC: 0.912" becomes ``"epoch 3 validation auROC 0.912"``; the last one wins.
    """
    values = _AUROC.findall(text)
    if "Test performance" in text:
        at_chance = " (at chance)" if "AT CHANCE" in text else ""
        after = _AUROC.findall(text[text.rindex("Test performance") :])
        if after:
            return f"test auROC {after[0]}{at_chance}"
    epochs = _EPOCH.findall(text)
    if epochs and values:
        return f"epoch {epochs[-1]} validation auROC {values[-1]}"
    return None
