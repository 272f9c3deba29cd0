"""Collecting every learner's notebooks into one archive.

A running server is read through Jupyter Server's contents API (the saved file: what is on the
learner's disk, in every mode: local, Docker, the cloud host, the chart). A stopped server's home
is read where this machine holds it: the home directory (local spawner) or the home volume
(Docker, through a container that is created and never started, as ``roster remove`` does). On
the chart, homes of stopped servers are volumes in the cluster, which JupyterHub's API cannot
read: they are listed as not collected, and ``workshop collect --hub-url`` says why and what to
do instead (``hub.cli.classroom.REMOTE_LIMITS``).

The archive is a zip: one folder per learner (``<username>/<path in the home>``) and
``collect-report.txt`` saying who was collected, from where, and who was not and why.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REPORT_NAME = "collect-report.txt"


class NotCollected(LookupError):
    """A learner's notebooks cannot be read; the message says why, in words."""


@dataclass
class CollectResult:
    """``collected``: username -> ``{path in the home: bytes}``; ``sources``: username ->
    where it was read (``"running server"`` or ``"home of a stopped server"``);
    ``missing``: username -> why nothing was collected."""

    collected: dict[str, dict[str, bytes]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def report(self) -> str:
        """Who was collected (how many notebooks, from where) and who was not and why."""
        lines = [f"collected {len(self.collected)} learners, not collected {len(self.missing)}"]
        for name, files in sorted(self.collected.items()):
            lines.append(f"  {name}: {len(files)} notebooks ({self.sources[name]})")
        if self.missing:
            lines.append("not collected:")
            lines += [f"  {name}: {why}" for name, why in sorted(self.missing.items())]
        return "\n".join(lines)


def check_notebook(notebook: str | None) -> str | None:
    """``NOTEBOOK`` as a relative POSIX path ending in ``.ipynb`` (None: every notebook)."""
    if notebook is None:
        return None
    path = PurePosixPath(notebook.strip())
    if path.is_absolute() or ".." in path.parts or path.suffix != ".ipynb":
        raise ValueError(
            f"NOTEBOOK must be a notebook's path in the learners' homes (e.g. "
            f"workshop_tutorial.ipynb), got {notebook!r}"
        )
    return str(path)


def _is_hidden(rel: PurePosixPath) -> bool:
    return any(p.startswith(".") for p in rel.parts)


def from_server(server, notebook: str | None) -> dict[str, bytes]:
    """The saved notebook ``notebook`` (or every notebook) of a ``LearnerServer``."""
    paths = [notebook] if notebook else server.walk_notebooks()
    try:
        return {path: server.read_bytes(path) for path in paths}
    except FileNotFoundError:
        raise NotCollected(f"no {notebook} in their home") from None


def from_directory(home: Path, notebook: str | None) -> dict[str, bytes]:
    """The notebook ``notebook`` (or every notebook) under the directory ``home``; symlinks
    are not followed (the home is the learner's: a link could point at anything)."""
    home = Path(home)
    if not home.is_dir():
        raise NotCollected("no home yet (never started a server)")
    if not os.access(home, os.R_OK | os.X_OK):
        raise NotCollected(f"this account cannot read {home} (run as the hub's user or root)")
    if notebook:
        path = home / notebook
        parts = PurePosixPath(notebook).parts
        linked = any(home.joinpath(*parts[:i]).is_symlink() for i in range(1, len(parts) + 1))
        if linked or not path.is_file():  # a link could lead out of their home
            raise NotCollected(f"no {notebook} in their home")
        return {notebook: path.read_bytes()}
    found = {}
    for root, dirs, files in os.walk(home):  # os.walk does not follow symlinked folders
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root, name)
            rel = PurePosixPath(path.relative_to(home).as_posix())
            if name.endswith(".ipynb") and not _is_hidden(rel) and not path.is_symlink():
                found[str(rel)] = path.read_bytes()
    return found


def notebooks_in_tar(stream: io.BufferedIOBase, notebook: str | None, top: str) -> dict:
    """Notebooks (or ``notebook``) of a tar stream whose members sit under ``top/``."""
    found = {}
    with tarfile.open(fileobj=stream, mode="r|*") as tar:
        for member in tar:
            rel = PurePosixPath(member.name)
            if rel.parts[:1] != (top,) or not member.isfile():
                continue
            rel = PurePosixPath(*rel.parts[1:])
            wanted = str(rel) == notebook if notebook else rel.suffix == ".ipynb"
            if wanted and not _is_hidden(rel):
                found[str(rel)] = tar.extractfile(member).read()
    if notebook and not found:
        raise NotCollected(f"no {notebook} in their home")
    return found


def from_docker_volume(settings, username: str, notebook: str | None) -> dict[str, bytes]:
    """The notebooks of ``username``'s home volume (Docker spawner, server stopped)."""
    import docker.errors

    from hub.spawners.docker import HOME, docker_client, volume_name

    name = volume_name(settings.volume_prefix, username)
    client = docker_client()
    try:
        client.volumes.get(name)
    except docker.errors.NotFound:
        raise NotCollected("no home volume yet (never started a server)") from None
    holder = client.containers.create(
        settings.image, command=["true"], volumes={name: {"bind": HOME, "mode": "ro"}}
    )
    try:
        chunks, _ = holder.get_archive(HOME)
        data = io.BytesIO(b"".join(chunks))
    finally:
        holder.remove(force=True)
    return notebooks_in_tar(data, notebook, PurePosixPath(HOME).name)


def stopped_reader(settings) -> Callable[[str, str | None], dict[str, bytes]]:
    """How this machine reads a stopped learner's home for the hub of ``settings``."""
    if settings.spawner == "docker":
        return lambda name, notebook: from_docker_volume(settings, name, notebook)
    homes = settings.data_path / "homes"
    return lambda name, notebook: from_directory(homes / name, notebook)


def unreachable(why: str) -> Callable[[str, str | None], dict[str, bytes]]:
    """A reader for homes this machine does not hold (the chart, a remote hub)."""

    def reader(name: str, notebook: str | None) -> dict[str, bytes]:
        raise NotCollected(why)

    return reader


def collect(
    names: list[str],
    running: dict,
    read_stopped: Callable[[str, str | None], dict[str, bytes]],
    notebook: str | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> CollectResult:
    """Collect ``notebook`` (or every notebook) of each learner in ``names``: from their
    server in ``running`` (username -> ``LearnerServer``), else with ``read_stopped``.
    ``progress`` gets one line per learner."""
    result = CollectResult()
    for i, name in enumerate(sorted(names), 1):
        server = running.get(name)
        source = "running server" if server else "home of a stopped server"
        try:
            files = from_server(server, notebook) if server else read_stopped(name, notebook)
            if not files:
                raise NotCollected("no notebooks in their home")
        except NotCollected as err:
            result.missing[name] = str(err)
        except (OSError, RuntimeError) as err:  # a server that fails mid-way, a Docker error
            result.missing[name] = f"{source}: {err}"
        else:
            result.collected[name] = files
            result.sources[name] = source
        done = (
            f"{len(result.collected[name])} notebooks ({source})"
            if name in result.collected
            else f"not collected: {result.missing[name]}"
        )
        progress(f"[{i}/{len(names)}] {name}: {done}")
    return result


def write_archive(result: CollectResult, out: str | os.PathLike) -> Path:
    """Write ``result`` as a zip at ``out`` (refusing to replace an existing file)."""
    out = Path(out)
    if out.exists():
        raise ValueError(f"--out {out} exists already: choose another name")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "x", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, files in sorted(result.collected.items()):
            for path, data in sorted(files.items()):
                archive.writestr(f"{name}/{path}", data)
        archive.writestr(REPORT_NAME, result.report() + "\n")
    return out
