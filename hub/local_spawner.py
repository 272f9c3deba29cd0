"""Local-process spawner: each user's server is a process on this machine, home in the data dir.

No system accounts and no isolation between users: for a trusted room, a laptop, and tests.
Servers read the image's Jupyter server config (``JUPYTER_CONFIG_PATH``, set by
``hub/hub_config.py``), so they cull idle kernels and explain dead ones like containers do.
The tutorial notebooks are copied into each home on every start, but only files the user does
not have yet, so edits survive restarts (the image's first-start copy does the same).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Int, Unicode, default


def seed_notebooks(source: Path, home: Path) -> list[Path]:
    """Copy files from ``source`` into ``home`` that are not there yet.

    Returns the paths copied. Existing files, edited or not, are never overwritten; hidden
    files and checkpoints are skipped.
    """
    copied: list[Path] = []
    home.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return copied
    for src in sorted(source.rglob("*")):
        rel = src.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        dest = home / rel
        if src.is_dir():
            dest.mkdir(exist_ok=True)
        elif not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            copied.append(dest)
    return copied


class WorkshopLocalSpawner(SimpleLocalProcessSpawner):
    """``SimpleLocalProcessSpawner`` with homes under the data dir and the notebooks seeded."""

    notebooks_dir = Unicode(help="Directory whose files are copied into new homes.").tag(
        config=True
    )

    niceness = Int(
        10,
        help="Nice value of user servers and their kernels: a room starting at once, or one "
        "heavy training run, must not starve the hub and proxy that everyone goes through.",
    ).tag(config=True)

    def make_preexec_fn(self, name):
        parent = super().make_preexec_fn(name)
        niceness = self.niceness

        def preexec():
            parent()
            if niceness:
                os.nice(niceness)

        return preexec

    @default("cmd")
    def _default_cmd(self):
        # the hub's own interpreter: the user's server and kernels use the same .venv
        return [sys.executable, "-m", "jupyterhub.singleuser"]

    def get_args(self):
        args = super().get_args()
        if os.geteuid() == 0:
            # containers and CI often run everything as root; Jupyter refuses that by default
            args.append("--ServerApp.allow_root=True")
        return args

    #: ports handed to servers of this hub that are starting or running
    _ports_taken: set[int] = set()

    def _unique_port(self) -> int:
        """A free port no other server of this hub was given. JupyterHub's random_port() only
        asks the kernel for a free port; a room starting at once drew the same one twice (~4 %
        for 50 servers), the second server failed to bind, and the hub, which accepts any
        answer on the port (even the first server's 404), reported it ready."""
        for _ in range(1000):
            port = random_port()
            if port not in self._ports_taken:
                self._ports_taken.add(port)
                return port
        raise RuntimeError("no free port found for the user's server")

    async def start(self):
        copied = seed_notebooks(Path(self.notebooks_dir), Path(self.home_dir))
        if copied:
            self.log.info("Seeded %d tutorial files for %s", len(copied), self.user.name)
        if not self.port or self.port == getattr(self, "_assigned_port", None):
            # a fresh port per start (unless configured): the last one may be anyone's now
            self.port = self._assigned_port = self._unique_port()
        try:
            return await super().start()
        except BaseException:
            self._ports_taken.discard(self.port)
            raise

    async def stop(self, now=False):
        try:
            return await super().stop(now=now)
        finally:
            self._ports_taken.discard(self.port)

    def user_env(self, env):
        env = super().user_env(env)
        # LocalProcessSpawner only passes a few variables through; the tutorial needs these
        env.setdefault("KERAS_BACKEND", "tensorflow")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        return env
