"""System accounts of learners (local spawner, hub running as root).

Each learner's server runs as an unprivileged account of their own, created on their first
spawn like The Littlest JupyterHub does: ``<prefix><username>`` (``dw-doe_jane``), no password,
no login shell, its own group, and a home the spawner manages. Accounts this module creates
carry :data:`ACCOUNT_COMMENT` in their GECOS field, and only such accounts are ever removed.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import time

#: the GECOS field of every account created here (the mark :func:`remove_accounts` checks)
ACCOUNT_COMMENT = "DragoNN Workshop learner"
#: longest account name useradd and most tools accept
ACCOUNT_NAME_MAX = 32


def account_name(prefix: str, username: str) -> str:
    """``prefix + username``, or, beyond 32 characters, its start and a hash of the username
    (``dw-vanderbergschmid-3f9a2c1``): distinct usernames always give distinct accounts."""
    name = prefix + username
    if len(name) <= ACCOUNT_NAME_MAX:
        return name
    digest = hashlib.sha256(username.encode()).hexdigest()[:7]
    keep = ACCOUNT_NAME_MAX - len(prefix) - len(digest) - 1
    return f"{prefix}{username[:keep]}-{digest}"


def _useradd() -> str:
    exe = shutil.which("useradd") or "/usr/sbin/useradd"
    if not os.path.exists(exe):
        raise RuntimeError("useradd not found: learner accounts need the 'passwd' package")
    return exe


def ensure_account(name: str, home: str) -> pwd.struct_passwd:
    """The account ``name``, created if missing (no password, shell nologin, its own group).

    Raises ``RuntimeError`` with useradd's message when it cannot be created.
    """
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    nologin = shutil.which("nologin") or "/usr/sbin/nologin"
    out = subprocess.run(
        [
            _useradd(), "--no-create-home", "--home-dir", home, "--shell", nologin,
            "--comment", ACCOUNT_COMMENT, "--user-group", "--key", "UMASK=077", name,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    try:  # another spawn may have created it at the same moment (useradd exit 9)
        return pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(f"could not create the account {name!r}: {out.stderr.strip()}") from None


def is_workshop_account(entry: pwd.struct_passwd) -> bool:
    return entry.pw_gecos.split(",")[0] == ACCOUNT_COMMENT


def _kill_processes_of(uid: int, timeout: float = 10.0) -> None:
    import psutil

    def procs():
        found = []
        for p in psutil.process_iter(["uids"]):
            try:
                if p.info["uids"] and p.info["uids"].real == uid:
                    found.append(p)
            except (psutil.Error, TypeError):
                continue
        return found

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in procs():
            try:
                p.send_signal(sig)
            except psutil.Error:
                pass
        deadline = time.monotonic() + timeout
        while procs() and time.monotonic() < deadline:
            time.sleep(0.2)


def remove_account(name: str) -> bool:
    """Delete the workshop account ``name`` (its processes are stopped first; its files are
    not touched). Returns False if there is no such workshop account."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return False
    if not is_workshop_account(entry):
        raise ValueError(f"account {name!r} was not created by the workshop; not removing it")
    _kill_processes_of(entry.pw_uid)
    exe = shutil.which("userdel") or "/usr/sbin/userdel"
    out = subprocess.run([exe, name], capture_output=True, text=True, timeout=60)
    if out.returncode not in (0, 6):  # 6: no such user (removed meanwhile)
        raise RuntimeError(f"could not remove the account {name!r}: {out.stderr.strip()}")
    return True


def remove_accounts(prefix: str) -> list[str]:
    """Delete every workshop account whose name starts with ``prefix``; returns their names."""
    if not prefix:
        raise ValueError("prefix must not be empty")
    names = [
        e.pw_name for e in pwd.getpwall() if e.pw_name.startswith(prefix) and is_workshop_account(e)
    ]
    return [n for n in names if remove_account(n)]
