"""Size-limited learner homes: each home is an ext4 file system of its own, kept in a sparse file
under ``<data-dir>/disks`` and loop-mounted where the home must appear.

Neither of the usual quota mechanisms is there on an ordinary host (Docker's ``--storage-opt
size`` needs overlay2 on XFS with project quotas; plain volumes and directories have no size), so
a learner filling their home would fill the host's disk and stop everyone. With a file system per
home, writing past ``disk_limit`` fails with "No space left on device" inside that home only.
The files use only the space written (sparse); the limit is the most they can grow to.

Used by both spawners when the hub runs as root (mounting needs it): the local spawner mounts the
file system on the learner's home directory, the Docker spawner on ``<data-dir>/disks/<volume>``,
which the learner's named volume binds. Mounts do not survive a reboot: every spawn mounts the
home again if needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

DISKS_DIRNAME = "disks"


def disks_unavailable() -> str:
    """Why size-limited homes cannot be made here ('' when they can)."""
    if os.geteuid() != 0:
        return "the hub does not run as root (mounting a home's file system needs root)"
    for tool in ("mkfs.ext4", "mount", "umount"):
        if shutil.which(tool) is None and not Path("/sbin", tool).exists():
            return f"{tool} is not installed (Debian package e2fsprogs / mount)"
    if not Path("/dev/loop-control").exists():
        return "this kernel has no loop devices (/dev/loop-control is missing)"
    return ""


def _run(args: list[str], what: str) -> None:
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed: {(out.stderr or out.stdout).strip()}")


def image_path(data_dir: str | os.PathLike, name: str) -> Path:
    return Path(data_dir) / DISKS_DIRNAME / f"{name}.ext4"


def is_mounted(path: str | os.PathLike) -> bool:
    return os.path.ismount(path)


def ensure_home_disk(image: Path, mountpoint: Path, size_bytes: int, uid: int, gid: int) -> bool:
    """Mount ``image`` (created if missing: a sparse file of ``size_bytes`` with an ext4 file
    system whose root belongs to ``uid:gid``) on ``mountpoint``. Files already in an unmounted
    ``mountpoint`` (a home from before limits) are moved into the new file system.

    Returns True if it mounted something (False: it was mounted already). Raises
    ``RuntimeError`` with the tool's message on failure.
    """
    if is_mounted(mountpoint):
        return False
    image.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(image.parent, 0o700)
    if not image.exists():
        fd = os.open(image, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, size_bytes)
        finally:
            os.close(fd)
        _run(
            ["mkfs.ext4", "-q", "-F", "-m", "0", "-E", f"root_owner={uid}:{gid}", str(image)],
            f"creating the file system {image}",
        )
    mountpoint.mkdir(parents=True, exist_ok=True)
    leftovers = [p for p in mountpoint.iterdir()] if mountpoint.is_dir() else []
    staging = None
    if leftovers:  # a home written before limits applied: carry it over
        staging = Path(tempfile.mkdtemp(prefix=".premount-", dir=mountpoint.parent))
        for p in leftovers:
            os.rename(p, staging / p.name)
    options = "loop,nosuid,nodev,noatime"
    _run(["mount", "-o", options, str(image), str(mountpoint)], f"mounting {image}")
    os.chown(mountpoint, uid, gid)
    os.chmod(mountpoint, 0o700 if uid else 0o755)
    lost = mountpoint / "lost+found"
    if lost.is_dir() and not any(lost.iterdir()):
        lost.rmdir()
    if staging is not None:
        for p in staging.iterdir():
            shutil.move(str(p), mountpoint / p.name)
        staging.rmdir()
    return True


def release_home_disk(image: Path, mountpoint: Path, delete: bool = False) -> None:
    """Unmount ``mountpoint`` (if mounted); with ``delete``, remove ``image`` too."""
    if is_mounted(mountpoint):
        _run(["umount", str(mountpoint)], f"unmounting {mountpoint}")
    if delete:
        image.unlink(missing_ok=True)


def release_all(data_dir: str | os.PathLike) -> list[Path]:
    """Unmount every home file system of a data dir (tests, ``workshop down --unmount``)."""
    disks = Path(data_dir) / DISKS_DIRNAME
    images = {str(p.resolve()) for p in disks.glob("*.ext4")} if disks.is_dir() else set()
    released = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    loops = {}
    for line in lines:  # loop device -> mount points
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(rest) >= 2 and rest[1].startswith("/dev/loop"):
            loops.setdefault(rest[1], []).append(fields[4])
    for device, points in loops.items():
        backing = Path("/sys/block", Path(device).name, "loop", "backing_file")
        try:
            source = backing.read_text().strip()
        except OSError:
            continue
        if source in images:
            for point in points:
                point = point.replace("\\040", " ")
                _run(["umount", point], f"unmounting {point}")
                released.append(Path(point))
    return released
