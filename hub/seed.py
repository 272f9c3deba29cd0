"""Copying the tutorial notebooks into a learner's home without overwriting their work.

Only files the learner does not have yet are copied, so edits survive restarts (the image's
``workshop-start`` does the same for Docker). The home belongs to the learner, who may have put
symlinks in it: a name that exists in any form (a dangling symlink included) is left alone, and
nothing is written through a symlinked directory. With the hub as root this runs as the learner
anyway (``hub.isolation.sandbox``), where a symlink leads nowhere the learner could not write to already.

Each notebook copied is stamped with the kernel metadata this Python's kernel reports
(:func:`stamp_notebook`): JupyterLab writes that metadata into a notebook when its kernel starts,
and a notebook whose metadata differs is marked "modified" the moment it opens. The image stamps
its copies when it is built (``python seed.py --stamp DIR``, image/Dockerfile).

Standard library only: the sandbox imports it before the server starts.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
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
            if dest.suffix == ".ipynb":
                stamp_notebook(dest)
            copied.append(dest)
    return copied


def kernel_metadata(prefix: str = sys.prefix) -> dict:
    """The notebook metadata the ``python3`` kernel of this environment reports when it starts:
    ``kernelspec`` (from its kernel.json under ``prefix``) and ipykernel's ``language_info``."""
    display_name = "Python 3 (ipykernel)"  # ipykernel's own kernel.json
    spec = Path(prefix, "share", "jupyter", "kernels", "python3", "kernel.json")
    try:
        display_name = json.loads(spec.read_text(encoding="utf-8"))["display_name"]
    except (OSError, ValueError, KeyError):
        pass
    major = sys.version_info[0]
    return {
        "kernelspec": {"display_name": display_name, "language": "python", "name": "python3"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": major},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": f"ipython{major}",
            "version": sys.version.split()[0],
        },
    }


def stamp_notebook(path: Path) -> None:
    """Write :func:`kernel_metadata` into the notebook at ``path`` (nbformat's layout: JSON
    with one-space indents); a file that is not a notebook is left as it is."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        notebook["metadata"].update(kernel_metadata())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return
    text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    Path(path).write_text(text, encoding="utf-8")


if __name__ == "__main__":  # python seed.py --stamp DIR: stamp every notebook below DIR
    if sys.argv[1:2] != ["--stamp"] or len(sys.argv) != 3:
        sys.exit("usage: python seed.py --stamp DIR")
    for notebook in sorted(Path(sys.argv[2]).rglob("*.ipynb")):
        stamp_notebook(notebook)
