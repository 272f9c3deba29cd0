"""Memory, CPU and process-count limits per learner in local mode, through the kernel's cgroup
filesystem (what systemd scopes and Docker use underneath).

Layout: ``<controller>/<hub's own cgroup>/<tree>/<user>`` for cgroup v1 (each controller its
own hierarchy; nesting under the hub's cgroup keeps any accounting the host applies to the hub),
``/sys/fs/cgroup/<tree>/<user>`` for cgroup v2 (under the root: v2 forbids controllers below a
cgroup that holds processes, such as the hub's). ``tree`` names one hub (``dragonn-workshop-`` and
a hash of its data dir). Writing there needs root; where that or the controllers are missing,
:meth:`CgroupTree.detect` says why and the hub runs without limits (and says so).

Limits (the kernel's own files): memory ``memory.limit_in_bytes`` / ``memory.max`` (an
allocation beyond it makes the kernel kill the largest process of the learner, usually their
notebook kernel); CPU ``cpu.cfs_quota_us`` / ``cpu.max`` (cores x 100 ms per 100 ms); processes
and threads ``pids.max`` (a fork bomb stops there: fork fails with EAGAIN).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "cpu", "pids")
_PERIOD_US = 100_000


@dataclass(frozen=True)
class Limits:
    """Per-learner limits: ``memory_bytes`` (0: none), ``cpus`` (cores, 0: none), ``pids``
    (processes plus threads, 0: none)."""

    memory_bytes: int = 0
    cpus: float = 0.0
    pids: int = 0


def tree_name(data_dir: str) -> str:
    """The cgroup subtree of the hub whose state is ``data_dir``."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:10]
    return f"dragonn-workshop-{digest}"


def _mounts() -> list[tuple[str, str, set[str]]]:
    """``(mount point, fs type, super options)`` of every cgroup mount."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
                found.append((fields[4], rest[0], set(rest[2].split(","))))
    return found


def _own_paths() -> dict[str, str]:
    """Controller (or '' for v2) -> this process's cgroup path."""
    paths = {}
    with open("/proc/self/cgroup", encoding="utf-8") as fh:
        for line in fh:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                paths[c] = path
    return paths


class CgroupTree:
    """One hub's learners' cgroups. ``bases``: controller -> directory that holds ``tree``
    (v1), or ``{"": cgroup2 root}`` (v2)."""

    def __init__(self, name: str, version: int, bases: dict[str, Path]):
        self.name, self.version, self.bases = name, version, bases

    @classmethod
    def detect(cls, name: str) -> tuple[CgroupTree | None, str]:
        """``(tree, '')`` when limits can be applied here, else ``(None, why not)``."""
        if os.geteuid() != 0:
            return None, "the hub does not run as root, and only root may create cgroups"
        try:
            mounts, own = _mounts(), _own_paths()
        except OSError as err:
            return None, f"cannot read the cgroup mounts ({err})"
        v1 = {}
        for point, fstype, opts in mounts:
            for c in CONTROLLERS:
                if fstype == "cgroup" and c in opts and c in own:
                    v1[c] = Path(point) / own[c].lstrip("/")
        if len(v1) == len(CONTROLLERS):
            return cls(name, 1, v1), ""
        for point, fstype, _ in mounts:
            controllers_file = Path(point) / "cgroup.controllers"
            if fstype == "cgroup2" and controllers_file.exists():
                available = set(controllers_file.read_text().split())
                if set(CONTROLLERS) <= available:
                    return cls(name, 2, {"": Path(point)}), ""
        return None, "the memory, cpu and pids cgroup controllers are not all available"

    def path(self, user: str, controller: str = "") -> Path:
        base = self.bases[controller if self.version == 1 else ""]
        return base / self.name / user

    def apply(self, user: str, limits: Limits) -> list[str]:
        """Create ``user``'s cgroup(s) with ``limits``; returns the ``cgroup.procs`` files a
        process writes its pid into to enter them. Raises ``OSError`` when the kernel refuses."""
        if self.version == 2:
            root = self.bases[""]
            enable = " ".join(f"+{c}" for c in CONTROLLERS)
            for parent in (root, root / self.name):
                parent.mkdir(exist_ok=True)
                (parent / "cgroup.subtree_control").write_text(enable)
            group = root / self.name / user
            group.mkdir(exist_ok=True)
            files = {
                "memory.max": str(limits.memory_bytes) if limits.memory_bytes else "max",
                "memory.swap.max": "0" if limits.memory_bytes else "max",
                "cpu.max": (
                    f"{int(limits.cpus * _PERIOD_US)} {_PERIOD_US}" if limits.cpus else "max"
                ),
                "pids.max": str(limits.pids) if limits.pids else "max",
            }
            for fname, value in files.items():
                target = group / fname
                if fname != "memory.swap.max" or target.exists():  # no swap accounting: absent
                    target.write_text(value)
            return [str(group / "cgroup.procs")]
        procs = []
        for c in CONTROLLERS:
            group = self.path(user, c)
            group.mkdir(parents=True, exist_ok=True)
            if c == "memory":
                value = limits.memory_bytes or -1
                (group / "memory.limit_in_bytes").write_text(str(value))
            elif c == "cpu":
                (group / "cpu.cfs_period_us").write_text(str(_PERIOD_US))
                quota = int(limits.cpus * _PERIOD_US) if limits.cpus else -1
                (group / "cpu.cfs_quota_us").write_text(str(quota))
            else:
                (group / "pids.max").write_text(str(limits.pids) if limits.pids else "max")
            procs.append(str(group / "cgroup.procs"))
        return procs

    def read(self, user: str) -> dict:
        """The limits the kernel holds for ``user``: ``{"memory_bytes", "cpus", "pids"}``
        (None where unlimited)."""

        def value(controller, v1_file, v2_file):
            text = self.path(user, controller) / (v2_file if self.version == 2 else v1_file)
            return text.read_text().split()

        mem = value("memory", "memory.limit_in_bytes", "memory.max")[0]
        cpu = value("cpu", "cpu.cfs_quota_us", "cpu.max")
        pids = value("pids", "pids.max", "pids.max")[0]
        memory_bytes = None if mem == "max" or int(mem) >= 2**62 else int(mem)
        quota = cpu[0]
        cpus = None if quota in ("max", "-1") else int(quota) / _PERIOD_US
        return {
            "memory_bytes": memory_bytes,
            "cpus": cpus,
            "pids": None if pids == "max" else int(pids),
        }

    def remove(self, user: str) -> None:
        """Remove ``user``'s cgroup(s) once their processes are gone (best effort)."""
        for c in CONTROLLERS if self.version == 1 else ("",):
            try:
                self.path(user, c).rmdir()
            except OSError:
                pass

    def remove_all(self) -> None:
        """Remove every (empty) learner cgroup of this hub, and the tree itself."""
        for c in CONTROLLERS if self.version == 1 else ("",):
            base = self.bases[c] / self.name
            if not base.is_dir():
                continue
            for child in base.iterdir():
                if child.is_dir():
                    try:
                        child.rmdir()
                    except OSError:
                        pass
            try:
                base.rmdir()
            except OSError:
                pass


def join(procs_files: list[str], pid: int | None = None) -> None:
    """Move ``pid`` (default: this process) into the cgroups (call from a preexec_fn)."""
    for path in procs_files:
        with open(path, "w") as fh:
            fh.write(str(pid or os.getpid()))
