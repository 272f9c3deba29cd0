"""The ``workshop`` commands that messages print, spelled so they work when pasted as printed.

``hub/workshop`` (the README's command) exports ``WORKSHOP_CLI`` as it was invoked
(``hub/workshop``, ``./hub/workshop``, an absolute path); a ``workshop`` found on the caller's
``PATH`` is used as is; otherwise the path of ``hub/workshop`` relative to the current directory.
``--data-dir`` is added when the hub's data directory is not the one a bare command would find.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from hub.paths import REPO_ROOT

WRAPPER = REPO_ROOT / "hub" / "workshop"


def program() -> str:
    """How to invoke the CLI from the current directory."""
    invoked = os.environ.get("WORKSHOP_CLI")
    if invoked:
        return invoked
    on_path = shutil.which("workshop")
    if on_path and Path(on_path).resolve() == (Path(sys.prefix) / "bin" / "workshop").resolve():
        return "workshop"
    try:
        return str(WRAPPER.relative_to(Path.cwd()))
    except ValueError:
        return str(WRAPPER)


def default_data_dir() -> Path:
    """The data directory a command without ``--data-dir`` uses here."""
    return Path(os.environ.get("WORKSHOP_DATA_DIR") or ".workshop").expanduser().resolve()


def workshop_command(*args: str, data_dir: str | os.PathLike | None = None) -> str:
    """``workshop ARGS`` as the instructor should type it, e.g. ``hub/workshop roster list``."""
    words = [program(), *args]
    if data_dir is not None and Path(data_dir).expanduser().resolve() != default_data_dir():
        words += ["--data-dir", str(data_dir)]
    return " ".join(shlex.quote(w) if i else w for i, w in enumerate(words))
