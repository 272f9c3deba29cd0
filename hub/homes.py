"""What happens to a learner's files, account and hub record when they leave the roster.

``roster remove`` archives the home (or, asked to, deletes it), so that someone added later with
the same username starts with an empty home; the learner's hub record (and with it every API
token they made) and their system account go too, so nothing of the old learner works for, or
is visible to, the new one. Archives are kept in ``<data-dir>/archive`` (private, like the rest
of the data dir): a directory for the local spawner, a tar file of the home volume for Docker.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from hub.isolation import home_disks

ARCHIVE_DIRNAME = "archive"


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())


def _archive_dir(settings) -> Path:
    from hub.credentials import ensure_private_dir

    return ensure_private_dir(settings.data_path / ARCHIVE_DIRNAME)


def _retire_local_home(settings, username: str, delete: bool) -> str:
    home = settings.data_path / "homes" / username
    image = home_disks.image_path(settings.data_dir, f"home-{username}")
    if not home.exists() and not image.exists():
        return "no files"
    if image.exists():  # a size-limited home: its file system image holds the files
        home_disks.release_home_disk(image, home)
        if home.is_dir() and not any(home.iterdir()):
            home.rmdir()
        if delete:
            image.unlink()
            return "home deleted"
        target = _archive_dir(settings) / f"{username}-{_stamp()}.ext4"
        os.rename(image, target)
        return f"home archived to {target} (an ext4 image: mount -o loop,ro to read it)"
    if delete:
        shutil.rmtree(home)
        return "home deleted"
    target = _archive_dir(settings) / f"{username}-{_stamp()}"
    os.rename(home, target)
    if os.geteuid() == 0:  # the account's uid may be given to someone else later
        for root, dirs, files in os.walk(target):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), 0, 0)
        os.chown(target, 0, 0)
    return f"home archived to {target}"


def _retire_docker_home(settings, username: str, delete: bool) -> str:
    import docker.errors

    from hub.spawners.docker import docker_client, volume_name

    name = volume_name(settings.volume_prefix, username)
    client = docker_client()
    try:
        volume = client.volumes.get(name)
    except docker.errors.NotFound:
        return "no files"
    # the spawner removes a stopped container shortly after the stop: wait until it has
    deadline = time.monotonic() + 120
    while client.containers.list(all=True, filters={"volume": name}):
        if time.monotonic() > deadline:
            raise RuntimeError(f"a container still uses {name}; try again when it is gone")
        time.sleep(1)
    message = "home deleted"
    if not delete:
        target = _archive_dir(settings) / f"{username}-{_stamp()}.tar"
        # a container that is created, never started: Docker reads the volume for us
        holder = client.containers.create(
            settings.image, command=["true"], volumes={name: {"bind": "/home/jovyan"}}
        )
        try:
            stream, _ = holder.get_archive("/home/jovyan")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                for chunk in stream:
                    fh.write(chunk)
        finally:
            holder.remove(force=True)
        message = f"home archived to {target}"
    device = (volume.attrs.get("Options") or {}).get("device")
    volume.remove(force=True)
    if device:  # a size-limited home: unmount and drop its file system
        image = home_disks.image_path(settings.data_dir, name)
        home_disks.release_home_disk(image, Path(device), delete=True)
        if Path(device).is_dir():
            Path(device).rmdir()
    return message


def retire_home(settings, username: str, delete: bool = False) -> str:
    """Archive (or with ``delete``, delete) ``username``'s home; remove their system account.

    Returns what was done, in words (``"no files"`` when they never had a home).
    """
    account = ""
    if os.geteuid() == 0 and settings.spawner == "local":
        from hub.isolation.accounts import account_name, remove_account

        # first: its processes (if any were left) end with it, and no longer hold the home
        if remove_account(account_name(settings.system_user_prefix, username)):
            account = "; system account removed"
    if settings.spawner == "docker":
        done = _retire_docker_home(settings, username, delete)
    else:
        done = _retire_local_home(settings, username, delete)
    return done + account


def forget_hub_user(settings, username: str) -> bool:
    """Delete ``username`` from the hub's database while the hub is not running (their API
    tokens and server records go with it). Returns False if the hub never knew them."""
    from jupyterhub import orm

    db = settings.data_path / "jupyterhub.sqlite"
    if not db.exists():
        return False
    session = orm.new_session_factory(f"sqlite:///{db}")()
    try:
        user = session.query(orm.User).filter_by(name=username).first()
        if user is None:
            return False
        session.delete(user)
        session.commit()
        return True
    finally:
        session.close()
