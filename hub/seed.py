"""Copying the tutorial notebooks into a learner's home without overwriting their work.

Only files the learner does not have yet are copied, so edits survive restarts (the image's
``workshop-start`` does the same for Docker). The home belongs to the learner, who may have put
symlinks in it: a name that exists in any form (a dangling symlink included) is left alone, and
nothing is written through a symlinked directory. With the hub as root this runs as the learner
anyway (``hub.isolation.sandbox``), where a symlink leads nowhere the learner could not write to already.

Standard library only: the sandbox imports it before the server starts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def seed_notebooks(source: Path, home: Path) -> list[Path]:
    """Copy files from ``source`` into ``home`` that are not there yet.

    Returns the paths copied. Existing files (edited or not, symlinks included) are never
    overwritten or followed; hidden files and checkpoints are skipped.
    """
    source, home = Path(source), Path(home)
    copied: list[Path] = []
    home.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return copied
    for src in sorted(source.rglob("*")):
        rel = src.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        dest = home / rel
        if any((home / Path(*rel.parts[:i])).is_symlink() for i in range(1, len(rel.parts))):
            continue  # a directory of the learner's that points elsewhere: not ours to fill
        if src.is_dir():
            if not os.path.lexists(dest):
                dest.mkdir()
        elif not os.path.lexists(dest):
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest, follow_symlinks=False)
            copied.append(dest)
    return copied
