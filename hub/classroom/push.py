"""Pushing an updated notebook to the room without touching anyone's own copy.

``workshop push FILE`` keeps the notebook in the hub's data dir and saves it on every running
server *beside* the learner's copy, under a name that says when it came
(:func:`updated_name`: ``workshop_tutorial (updated 10:42).ipynb``), with a notice; a learner's
file of that name is never overwritten. Servers that start later get every push from the hub
(``hub.classroom.delivery``), the same way.

The file: ``<data-dir>/classroom/pushes.json``, ``[{"time", "source", "target", "sha256",
"stored"}, ...]`` oldest first; ``stored`` is the kept copy, relative to ``classroom/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from hub.classroom.announce import classroom_dir

STORE_FILENAME = "pushes.json"
PUSHED_DIRNAME = "pushed"


@dataclass(frozen=True)
class Push:
    """One pushed notebook: ``target`` is where it lands in each home (a POSIX path)."""

    time: str
    source: str
    target: str
    sha256: str
    stored: str


@dataclass
class PushResult:
    """Who got a push: ``received`` and ``kept`` (had a file of that name, left as it was)
    are usernames; ``failed`` maps a username to why; ``later`` are those without a running
    server, who get it when their server next starts."""

    received: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    later: list[str] = field(default_factory=list)


def read_notebook(path: str | os.PathLike) -> dict:
    """The notebook at ``path`` as a dict, validated by nbformat.

    Raises ``FileNotFoundError`` or ``ValueError``, both naming ``FILE``."""
    import nbformat

    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"FILE {path} {what}: push expects a notebook (.ipynb)")
    if path.suffix != ".ipynb":
        raise ValueError(f"FILE {path} is not a notebook: its name must end in .ipynb")
    try:
        notebook = nbformat.read(str(path), as_version=4)
        nbformat.validate(notebook)
    except Exception as err:  # JSON, encoding and schema errors alike
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"FILE {path} is not a valid notebook: {first}") from None
    return json.loads(nbformat.writes(notebook))


def updated_name(copy: str, when: dt.datetime, taken: set[str] = frozenset()) -> str:
    """The path beside ``copy`` (the learner's own copy, a POSIX path in the home) that a
    push made at ``when`` (local time) lands on: ``dir/stem (updated HH:MM).ipynb``, with the
    seconds added when that name is in ``taken`` (an earlier push in the same minute)."""
    copy_path = PurePosixPath(copy)
    stem, suffix = copy_path.stem, copy_path.suffix or ".ipynb"
    for stamp in (f"{when:%H:%M}", f"{when:%H:%M:%S}"):
        name = str(copy_path.with_name(f"{stem} (updated {stamp}){suffix}"))
        if name not in taken:
            return name
    raise ValueError(f"{copy} was already pushed at {when:%H:%M:%S}: push again in a second")


def check_copy_path(copy: str) -> str:
    """``copy`` (``--as``) as a relative POSIX path inside the home; ``ValueError`` otherwise."""
    path = PurePosixPath(copy.strip())
    if not copy.strip() or path.is_absolute() or ".." in path.parts:
        raise ValueError(f"--as must be a path inside the learner's home, got {copy!r}")
    if path.suffix != ".ipynb":
        raise ValueError(f"--as must name a notebook (.ipynb), got {copy!r}")
    if any(part.startswith(".") for part in path.parts):
        raise ValueError(f"--as must not be hidden (a part starting with '.'), got {copy!r}")
    return str(path)


def pushes(data_dir: str | os.PathLike) -> list[Push]:
    """Every push so far, oldest first."""
    try:
        raw = json.loads((classroom_dir(data_dir) / STORE_FILENAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [Push(**r) for r in raw]


def stored_notebook(data_dir: str | os.PathLike, push: Push) -> dict:
    """The notebook ``push`` keeps in the data dir."""
    return json.loads((classroom_dir(data_dir) / push.stored).read_text(encoding="utf-8"))


def check_notebook_json(notebook) -> dict:
    """``notebook`` (a notebook's JSON as a dict) when it looks like an nbformat 4 notebook;
    ``ValueError`` otherwise. The hub's side of a push (no nbformat there: the CLI validated
    the file with :func:`read_notebook`)."""
    if (
        not isinstance(notebook, dict)
        or notebook.get("nbformat") != 4
        or not isinstance(notebook.get("cells"), list)
    ):
        raise ValueError("the pushed notebook is not an nbformat 4 notebook")
    return notebook


def make_push(
    notebook: dict, source_name: str, copy: str | None = None, when: dt.datetime | None = None,
    taken: set[str] = frozenset(),
) -> Push:  # fmt: skip
    """The push of ``notebook`` (from a file named ``source_name``), kept nowhere (``stored``
    is ``""``); ``taken``: targets of earlier pushes. See :func:`record_notebook`."""
    copy = check_copy_path(copy if copy is not None else source_name)
    when = when or dt.datetime.now()
    return Push(
        time=when.astimezone(dt.UTC).isoformat(timespec="seconds"),
        source=source_name,
        target=updated_name(copy, when, taken),
        sha256=hashlib.sha256(_text(notebook).encode()).hexdigest(),
        stored="",
    )


def _text(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def record_push(
    data_dir: str | os.PathLike, source: str | os.PathLike, copy: str | None = None,
    when: dt.datetime | None = None,
) -> tuple[Push, dict]:  # fmt: skip
    """Validate the notebook ``source``, keep it in the data dir and record the push; returns
    the record and the notebook. ``copy``: the learner's copy it goes beside (default: the
    file's own name in the home); ``when``: the push's local time (default now)."""
    notebook = read_notebook(source)
    return record_notebook(data_dir, notebook, Path(source).name, copy, when), notebook


def record_notebook(
    data_dir: str | os.PathLike, notebook: dict, source_name: str, copy: str | None = None,
    when: dt.datetime | None = None,
) -> Push:  # fmt: skip
    """Keep ``notebook`` (already validated) in the data dir and record its push; the hub's
    side of ``workshop push --hub-url`` (``hub.classroom.download``) and :func:`record_push`."""
    earlier = pushes(data_dir)
    entry = make_push(notebook, source_name, copy, when, {p.target for p in earlier})
    folder = classroom_dir(data_dir)
    (folder / PUSHED_DIRNAME).mkdir(mode=0o700, parents=True, exist_ok=True)
    stored = f"{PUSHED_DIRNAME}/{len(earlier) + 1:03d}-{entry.sha256[:12]}.ipynb"
    (folder / stored).write_text(_text(notebook), encoding="utf-8")
    entry = dataclasses.replace(entry, stored=stored)
    store = folder / STORE_FILENAME
    tmp = store.with_suffix(".tmp")
    records = [asdict(p) for p in earlier] + [asdict(entry)]
    tmp.write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, store)
    return entry


def notice_text(push: Push) -> str:
    """What the learner's notification says about ``push``."""
    return (
        f"An updated notebook has arrived beside your own copy: {push.target}. "
        "Your own copy is unchanged."
    )


def deliver(server, push: Push, notebook: dict) -> bool:
    """Save ``push`` on ``server`` (a ``LearnerServer``) and tell the learner. Returns False
    when the learner already has a file at the target (left as it is, no notice)."""
    if not server.put_new_notebook(push.target, notebook):
        return False
    server.post_notice("push", notice_text(push))
    return True


def push_to_servers(servers: dict, push: Push, notebook: dict, everyone: list[str]) -> PushResult:
    """Deliver to every running server in ``servers`` (username -> ``LearnerServer``);
    ``everyone`` (the roster) minus those running are listed as ``later``."""
    result = PushResult()
    for name, server in sorted(servers.items()):
        try:
            (result.received if deliver(server, push, notebook) else result.kept).append(name)
        except (OSError, RuntimeError) as err:  # requests' errors are OSErrors
            result.failed[name] = str(err)
    result.later = sorted(set(everyone) - set(servers))
    return result
