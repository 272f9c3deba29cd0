"""Tools the cloud tests build for themselves on a fresh machine, cached by version.

Some checkers cannot share the project's environment (checkov pins old ``networkx`` and
``packaging``; the ``tf`` provider framework needs ``protobuf<6`` while TensorFlow needs 7), so each
gets its own virtual environment, made once per requirement list and reused by later runs.

Everything lives under :func:`cache_root` (``$WORKSHOP_TOOL_CACHE``, default
``/tmp/dragonn-workshop-tools``): nothing generated is committed. Entries are keyed by a hash of
what they are built from, built under a lock and moved into place atomically, so parallel sessions
(other worktrees, pytest-xdist) share one copy safely.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

CACHE_ENV = "WORKSHOP_TOOL_CACHE"


def cache_root() -> Path:
    """Directory holding every cached tool (created when missing)."""
    root = Path(os.environ.get(CACHE_ENV) or "/tmp/dragonn-workshop-tools")
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_key(*parts) -> str:
    """A short stable hash of ``parts`` (JSON-serializable values)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cached_dir(name: str, build: Callable[[Path], None]) -> Path:
    """``cache_root()/name``, made by ``build(tmp_dir)`` the first time (then reused).

    ``build`` fills a temporary directory that is renamed into place only when it returns, so
    an interrupted build leaves nothing half-made behind.
    """
    final = cache_root() / name
    if final.is_dir():
        return final
    with _locked(cache_root() / f".{name}.lock"):
        if final.is_dir():
            return final
        tmp = cache_root() / f".{name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            build(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        os.replace(tmp, final)
    return final


BUILD_SECONDS: dict[str, float] = {}


def _installer_env() -> dict[str, str]:
    env = dict(os.environ)
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    if os.path.exists(bundle):  # uv: trust the system CAs (a TLS-intercepting proxy's too)
        env.setdefault("SSL_CERT_FILE", bundle)
    return env


def tool_venv(name: str, requirements: list[str], timeout: int = 900) -> Path:
    """A virtual environment with ``requirements`` installed from the package index.

    Made with uv when the project's environment has it (the dev extra: checkov installs in ~10 s
    instead of ~2 min), else with venv and pip. Returns the environment's directory; its
    programs are in ``bin/``. Raises RuntimeError with the installer's output when it fails.
    """
    key = cache_key(name, sorted(requirements), sys.version_info[:2])
    final = cache_root() / f"venv-{name}-{key}"
    uv = Path(sys.executable).parent / "uv"

    def build(tmp: Path) -> None:
        start = time.monotonic()
        # the venv is made at its final path: its scripts' shebangs must point where it lives
        shutil.rmtree(final, ignore_errors=True)
        env = _installer_env()
        if uv.exists():
            steps = [
                [str(uv), "venv", "-q", "--python", sys.executable, str(final)],
                [str(uv), "pip", "install", "-q", "--python", str(final / "bin" / "python"),
                 *requirements],
            ]  # fmt: skip
        else:
            steps = [
                [sys.executable, "-m", "venv", str(final)],
                [str(final / "bin" / "python"), "-m", "pip", "install", "-q",
                 "--disable-pip-version-check", *requirements],
            ]  # fmt: skip
        for cmd in steps:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
            if out.returncode != 0:
                shutil.rmtree(final, ignore_errors=True)
                raise RuntimeError(f"{' '.join(cmd[:3])} failed:\n{out.stderr[-3000:]}")
        (tmp / "venv").write_text(str(final) + "\n")
        BUILD_SECONDS[f"venv-{name}"] = time.monotonic() - start

    marker = cached_dir(f"venv-{name}-{key}.ready", build)
    return Path((marker / "venv").read_text().strip())


def pip_download(requirement: str, timeout: int = 600) -> Path:
    """The wheel of one pinned ``requirement`` (``name==version``), downloaded once, no deps."""
    key = cache_key("wheel", requirement)

    def build(tmp: Path) -> None:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
             "--disable-pip-version-check", "-d", str(tmp), requirement],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"pip download {requirement} failed:\n{out.stderr[-3000:]}")

    folder = cached_dir(f"wheel-{key}", build)
    (wheel,) = folder.glob("*.whl")
    return wheel


def debian_package(name: str, timeout: int = 300) -> Path:
    """Files of the Debian package ``name`` (this machine's candidate version), unpacked without
    installing it: ``apt-get download`` and ``dpkg-deb -x``, once per version."""
    policy = subprocess.run(
        ["apt-cache", "policy", name], capture_output=True, text=True, timeout=60
    ).stdout
    version = next(
        (ln.split(":", 1)[1].strip() for ln in policy.splitlines() if "Candidate:" in ln), ""
    )
    if not version or version == "(none)":
        raise RuntimeError(f"apt knows no candidate for {name} (run apt-get update)")

    def build(tmp: Path) -> None:
        out = subprocess.run(
            ["apt-get", "download", f"{name}={version}"],
            cwd=tmp, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        debs = list(tmp.glob("*.deb"))
        if out.returncode != 0 or not debs:
            raise RuntimeError(f"apt-get download {name} failed:\n{out.stderr[-2000:]}")
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(tmp / "root")], check=True)
        debs[0].unlink()

    return cached_dir(f"deb-{name}-{cache_key(version)}", build) / "root"
