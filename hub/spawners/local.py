"""Local-process spawner: each user's server is a process on this machine, home in the data dir.

When the hub runs as root, learners are isolated from each other and from the hub: each server
runs as the learner's own system account (``hub.isolation.accounts``, created on first spawn), with a home
of mode 0700 owned by that account (a size-limited file system of its own, ``hub.isolation.home_disks``),
a minimal environment without any hub secret, and in private mount and PID namespaces
(``hub.isolation.sandbox``): the data dir with the secrets and the other homes, and every other process
on the machine, are out of its sight. Where the hub made the learners' bridge
(``hub.isolation.netns``), each server also has a network namespace of its own: it listens on
that namespace's address, which only the proxy and the hub reach, and reaches only the hub's API. Memory, CPU and process limits apply through cgroups
(``hub.isolation.cgroups``) where the system has them.

When the hub runs as an ordinary user, every server runs as that user (a laptop, a trusted room,
tests): then ``workshop up`` listens on 127.0.0.1 unless told otherwise, and warns when told.

Local servers read the image's Jupyter server config (``JUPYTER_CONFIG_PATH``, set by
``hub/hub_config.py``), so they cull idle kernels and explain dead ones like containers do.
The tutorial notebooks are copied into each home on every start, but only files the user does
not have yet, so edits survive restarts (the image's first-start copy does the same).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Bool, Int, List, Unicode, default

from hub.isolation import accounts, cgroups, home_disks, netns
from hub.isolation.sandbox import system_view
from hub.paths import REPO_ROOT
from hub.seed import seed_notebooks


def runtime_dirs() -> list[str]:
    """Directories a learner's server must read to run: the Python installation (resolved
    through the venv's symlinks), the repository, ``PYTHONPATH`` and the tutorial package."""
    paths = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    paths += [str(REPO_ROOT)]
    paths += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    for package in ("tutorial_utils", "jupyterhub", "jupyter_server"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin:
            paths.append(str(Path(spec.origin).resolve().parents[1]))
    out = []
    for p in paths:
        real = os.path.realpath(p)
        if os.path.isdir(real) and real not in out:
            out.append(real)
    return out


def first_closed_dir(path: str) -> str | None:
    """The outermost directory on the way to ``path`` (itself included) that others may not
    enter (no ``o+x``), or None."""
    current = Path("/")
    for part in Path(path).parts[1:]:
        current = current / part
        try:
            if not current.stat().st_mode & 0o001:
                return str(current)
        except OSError:
            return None
    return None


class WorkshopLocalSpawner(SimpleLocalProcessSpawner):
    """``SimpleLocalProcessSpawner`` with homes under the data dir and the notebooks seeded;
    as root, learners isolated in accounts and namespaces of their own (module docstring)."""

    notebooks_dir = Unicode(help="Directory whose files are copied into new homes.").tag(
        config=True
    )
    niceness = Int(
        10,
        help="Nice value of user servers and their kernels: a room starting at once, or one "
        "heavy training run, must not starve the hub and proxy that everyone goes through.",
    ).tag(config=True)
    isolate = Bool(
        help="Run each server as the learner's own account in private namespaces (default: "
        "when the hub runs as root)."
    ).tag(config=True)
    system_user_prefix = Unicode(
        "dw-", help="Prefix of learners' system account names (isolate only)."
    ).tag(config=True)
    hidden_dirs = List(
        Unicode(), help="Directories learners must not see (the hub's data dir)."
    ).tag(config=True)
    shared_dirs = List(
        Unicode(),
        help="Directories every learner reads when they exist (the data sets of `workshop data "
        "fetch`, read-only files): exposed like the Python installation, even below a hidden "
        "directory.",
    ).tag(config=True)
    data_dir = Unicode(help="The hub's data dir (home file systems live in its disks/).").tag(
        config=True
    )
    disk_limit = Int(0, help="Size limit of each home in bytes (0: none; isolate only).").tag(
        config=True
    )
    pids_limit = Int(0, help="Processes and threads per learner (0: none).").tag(config=True)
    tmp_size = Int(0, help="Size of the private /tmp and /dev/shm in bytes (isolate only).").tag(
        config=True
    )
    cgroup_tree = Unicode(help="Name of this hub's cgroup subtree ('' for no limits).").tag(
        config=True
    )
    learner_netns = Bool(
        False,
        help="Run each isolated server in a network namespace of its own behind the hub's "
        "bridge (set by hub_config when the hub made that bridge).",
    ).tag(config=True)
    learner_outbound = Bool(
        False, help="Whether learners' namespaces reach beyond this machine (informational)."
    ).tag(config=True)

    @default("isolate")
    def _default_isolate(self):
        return os.geteuid() == 0

    @default("cmd")
    def _default_cmd(self):
        # the hub's own interpreter: the user's server and kernels use the same .venv; -P: a
        # json.py or random.py of the learner's (the server starts in their home) must not
        # shadow the standard library and stop their server from starting
        return [sys.executable, "-P", "-m", "jupyterhub.singleuser"]

    @property
    def account(self) -> str:
        """The learner's system account name (isolate only)."""
        return accounts.account_name(self.system_user_prefix, self.user.name)

    def make_preexec_fn(self, name):
        # isolated: the sandbox starts as root, never in a directory the learner can write
        workdir = "/" if self.isolate else self.home_dir
        niceness = self.niceness
        procs = list(getattr(self, "_cgroup_procs", []))

        def preexec():
            os.chdir(workdir)
            if procs:
                cgroups.join(procs)
            if niceness:
                os.nice(niceness)

        return preexec

    def get_args(self):
        args = super().get_args()
        if os.geteuid() == 0 and not self.isolate:
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

    def _cgroups(self) -> cgroups.CgroupTree | None:
        if not self.cgroup_tree:
            return None
        tree, why = cgroups.CgroupTree.detect(self.cgroup_tree)
        if tree is None:
            self.log.warning("No memory/CPU limits for %s: %s", self.user.name, why)
        return tree

    def _prepare_home(self) -> tuple[int, int] | None:
        """Create the home (and, isolated, the account and its file system); returns the
        account's (uid, gid) when isolated."""
        home = Path(self.home_dir)
        home.parent.mkdir(parents=True, exist_ok=True)
        if not self.isolate:
            home.mkdir(mode=0o700, exist_ok=True)
            return None
        os.chmod(home.parent, 0o711)
        entry = accounts.ensure_account(self.account, str(home))
        uid, gid = entry.pw_uid, entry.pw_gid
        if self.disk_limit and not home_disks.disks_unavailable():
            image = home_disks.image_path(self.data_dir, f"home-{self.user.name}")
            home_disks.ensure_home_disk(image, home, self.disk_limit, uid, gid)
        home.mkdir(mode=0o700, exist_ok=True)
        stat = home.stat()
        # the home file system's root is handed to the account when mounted: its entries tell
        # whether the files are still another uid's (lost+found stays root's)
        entries = [home / n for n in os.listdir(home) if n != "lost+found"]
        stale = any((e.lstat().st_uid, e.lstat().st_gid) != (uid, gid) for e in entries)
        if (stat.st_uid, stat.st_gid) != (uid, gid) or stale:
            # a re-created account (new uid) or a home from before accounts: hand it over
            for root, dirs, files in os.walk(home):
                for name in dirs + files:
                    os.lchown(os.path.join(root, name), uid, gid)
            os.chown(home, uid, gid)
        os.chmod(home, 0o700)
        return uid, gid

    async def start(self):
        owner = await asyncio.to_thread(self._prepare_home)
        if owner is None:  # isolated servers seed their home themselves, as the learner
            copied = seed_notebooks(Path(self.notebooks_dir), Path(self.home_dir))
            if copied:
                self.log.info("Seeded %d tutorial files for %s", len(copied), self.user.name)
        if not self.port or self.port == getattr(self, "_assigned_port", None):
            # a fresh port per start (unless configured): the last one may be anyone's now
            self.port = self._assigned_port = self._unique_port()
        tree = self._cgroups()
        self._cgroup_procs = []
        if tree is not None:
            limits = cgroups.Limits(
                memory_bytes=int(self.mem_limit or 0),
                cpus=float(self.cpu_limit or 0),
                pids=self.pids_limit,
            )
            try:
                self._cgroup_procs = tree.apply(self.user.name, limits)
            except OSError as err:
                self.log.warning("No limits for %s: %s", self.user.name, err)
        namespace = None
        if owner is not None and self.learner_netns:
            namespace, self.ip = await asyncio.to_thread(
                netns.HubNetwork(self.data_dir).add_learner, self.user.name
            )
        if owner is not None:
            spec = json.dumps({**self._sandbox_spec(owner), "netns": namespace or ""})
            # -P: no module of the working directory shadows the standard library (root!)
            self.cmd = [sys.executable, "-P", "-m", "hub.isolation.sandbox", spec, "--"]
            self.cmd += [sys.executable, "-P", "-m", "jupyterhub.singleuser"]
        try:
            url = await super().start()
            if owner is not None and namespace is None:  # a namespace's ports are its own
                await self._check_listener(owner[0])
        except BaseException:
            self._ports_taken.discard(self.port)
            if namespace is not None:
                await asyncio.to_thread(self._remove_namespace)
            raise
        return url

    async def _check_listener(self, uid: int) -> None:
        """Wait until the server listens on its port, and make sure it is the learner's own
        account that does: learners share this machine's network, and another one holding that
        port must never receive this learner's requests (and their cookies) in its place."""
        from hub.isolation.sockets import listener_uids

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        while loop.time() < deadline and self.proc is not None and self.proc.poll() is None:
            owners = listener_uids(self.port)
            if owners - {uid}:
                await self.stop(now=True)
                raise RuntimeError(
                    f"port {self.port} of {self.user.name}'s server is held by another account "
                    f"(uid {sorted(owners - {uid})}); start again to get another port"
                )
            if uid in owners:
                return
            await asyncio.sleep(0.2)

    def _sandbox_spec(self, owner: tuple[int, int]) -> dict:
        hide = list(self.hidden_dirs)
        expose = runtime_dirs()
        expose += [
            real
            for real in (os.path.realpath(p) for p in self.shared_dirs)
            if os.path.isdir(real) and real not in expose
        ]
        for path in expose:
            closed = first_closed_dir(path)
            if closed == path:
                self.log.warning("Learners cannot read %s (mode excludes others)", path)
            elif closed and closed not in hide:
                hide.append(closed)
        git = REPO_ROOT / ".git"
        if git.is_dir():  # the checkout's history and remotes are no learner's business
            hide.append(str(git))
        return {
            "uid": owner[0],
            "gid": owner[1],
            "home": str(Path(self.home_dir).resolve()),
            "hide": [str(Path(p).resolve()) for p in hide],
            "expose": expose,
            # their root file system: only the system's programs, libraries and configuration,
            # the Python installation, the workshop's files and their home
            "view": system_view(),
            "links": [sys.executable],
            "tmp_size": self.tmp_size,
            "seed": str(Path(self.notebooks_dir).resolve()) if self.notebooks_dir else "",
            "label": self.user.name,
        }

    async def stop(self, now=False):
        try:
            return await super().stop(now=now)
        finally:
            self._ports_taken.discard(self.port)
            tree = self._cgroups()
            if tree is not None:
                tree.remove(self.user.name)
            if self.learner_netns and self.isolate:
                await asyncio.to_thread(self._remove_namespace)

    def _remove_namespace(self) -> None:
        try:
            netns.HubNetwork(self.data_dir).remove_learner(self.user.name)
        except (OSError, RuntimeError) as err:
            self.log.warning("Could not remove %s's network namespace: %s", self.user.name, err)

    def user_env(self, env):
        env = super().user_env(env)
        if self.isolate:
            env["USER"] = env["LOGNAME"] = self.account
        # LocalProcessSpawner only passes a few variables through; the tutorial needs these
        env.setdefault("KERAS_BACKEND", "tensorflow")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        return env
