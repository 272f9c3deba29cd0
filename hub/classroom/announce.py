"""Announcements: a word to the whole room, kept with its history in the hub's data dir.

``workshop announce "text"`` records an announcement, ``--clear`` records a ``clear``; the latest
record decides what is shown. The hub shows the current text as the banner of its pages (the
``announcement`` variable of JupyterHub's templates, read from the file on every page, so it
changes without a restart: :func:`banner`), and every running server gets it as a notice
(``api/workshop/notices``), which the learner's JupyterLab shows as a notification. Servers
that start later get the current one from the hub (``hub.classroom.delivery``). On the chart
the file is in the hub's data dir on its volume, written by its ``my-work`` service
(``workshop announce --hub-url``), read by the hub as here (``hub.classroom.chart_hub``).

The file: ``<data-dir>/classroom/announcements.json``, ``[{"time", "kind", "text"}, ...]``,
oldest first; ``time`` is ISO-8601 UTC.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CLASSROOM_DIRNAME = "classroom"
STORE_FILENAME = "announcements.json"
#: longest announcement, in characters: a banner line and a notification, not a document
MAX_CHARS = 500
KINDS = ("announcement", "clear")


@dataclass(frozen=True)
class Announcement:
    """One record: ``kind`` is ``"announcement"`` or ``"clear"`` (``text`` then empty)."""

    time: str
    kind: str
    text: str


def classroom_dir(data_dir: str | os.PathLike) -> Path:
    """``<data-dir>/classroom``: where announcements and pushed notebooks are kept."""
    return Path(data_dir) / CLASSROOM_DIRNAME


def store_path(data_dir: str | os.PathLike) -> Path:
    return classroom_dir(data_dir) / STORE_FILENAME


def history(data_dir: str | os.PathLike) -> list[Announcement]:
    """Every record, oldest first (``[]`` when none was made)."""
    try:
        raw = json.loads(store_path(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [Announcement(r["time"], r["kind"], r["text"]) for r in raw]


def current(data_dir: str | os.PathLike) -> Announcement | None:
    """The announcement shown now: the latest record unless it is a ``clear``."""
    records = history(data_dir)
    if records and records[-1].kind == "announcement":
        return records[-1]
    return None


def check_text(text: str) -> str:
    """``text`` stripped; ``ValueError`` when empty or longer than ``MAX_CHARS`` characters."""
    text = (text or "").strip()
    if not text:
        raise ValueError('the announcement text is empty: workshop announce "TEXT" (or --clear)')
    if len(text) > MAX_CHARS:
        raise ValueError(
            f"the announcement text must be at most {MAX_CHARS} characters, got {len(text)}"
        )
    return text


def make(kind: str, text: str = "") -> Announcement:
    """An ``announcement`` (``text`` checked by :func:`check_text`) or a ``clear``, now,
    recorded nowhere (:func:`record` keeps it)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    text = check_text(text) if kind == "announcement" else ""
    return Announcement(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), kind, text)


def record(data_dir: str | os.PathLike, kind: str, text: str = "") -> Announcement:
    """Append an ``announcement`` (``text`` checked by :func:`check_text`) or a ``clear`` to
    the history and return it. The file is replaced atomically (the hub reads it per page)."""
    entry = make(kind, text)
    records = [asdict(r) for r in history(data_dir)] + [asdict(entry)]
    path = store_path(data_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return entry


def notice_text(entry: Announcement) -> str:
    """What a learner's notification says for ``entry``."""
    return entry.text if entry.kind == "announcement" else "The announcement was withdrawn."


def banner(data_dir: str | os.PathLike):
    """A ``JupyterHub.template_vars`` value: called with the page's user on every page, it
    returns the current announcement as HTML-escaped text (``""`` when there is none). The
    file is parsed again only when it changed."""
    path = store_path(data_dir)
    cache: dict = {"stamp": None, "html": ""}

    def announcement(user=None) -> str:
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return ""
        if stamp != cache["stamp"]:
            entry = current(data_dir)
            cache["html"] = html.escape(entry.text) if entry else ""
            cache["stamp"] = stamp
        return cache["html"]

    return announcement
