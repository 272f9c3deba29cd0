"""One board row per roster entry, from the hub's record of the learner and their server's
``api/workshop/state`` (the contract in docs: section, result, last error, kernels, memory,
stuck), and the room's summary line. Pure functions of dicts: no I/O.

A row (``learner_row``) is a JSON-ready dict::

    {"username", "name",                     # roster username, "First Last"
     "phase": "not logged in" | "starting" | "ready" | "stopped",
     "server_url": "/user/<name>/" | None,   # the server's base URL (its proxy route)
     "section", "section_index", "progress", # "2. Training", 2, "2. Training: test auROC 0.93"
     "notebook",                             # the notebook the state is about
     "error": {"cell", "text", "key"} | None, # "cell 7", "NameError: name 'x' ...", summary key
     "kernel_died": "killed for memory (...)" | None,
     "idle_seconds": float | None, "memory": "1.2 GiB of 4.0 GiB" | None, "gpu": str | None,
     "stuck": {"since", "notebook", "cell", "section"} | None,
     "unreachable": "why the server's state could not be read" | None}
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

PHASES = ("not logged in", "starting", "ready", "stopped")
#: the summary names the most common error only when at least this many learners share it
COMMON_ERROR_MIN = 2


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time (``Z`` or an offset; naive means UTC) as an aware datetime, or None."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def phase(user: dict | None) -> str:
    """Where a learner's server is, from the hub's user model (``None``: not in the hub yet).

    A user the hub created from the roster but who never logged in has no activity and no
    server; a stopped server leaves the activity behind."""
    if user is None:
        return "not logged in"
    server = (user.get("servers") or {}).get("")
    if server is None:
        return "stopped" if user.get("last_activity") else "not logged in"
    if server.get("pending") == "spawn" or not server.get("ready"):
        return "starting"
    if server.get("pending") == "stop":
        return "stopped"
    return "ready"


def format_bytes(n: int | float) -> str:
    """``1288490188`` -> ``"1.2 GiB"`` (binary units, one decimal from MiB up)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit in ("B", "KiB") else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("not reached")


def _cell(cell_index, cell_id) -> str | None:
    if cell_index is not None:
        return f"cell {cell_index}"
    return f"cell {cell_id}" if cell_id else None


def error_of(state: dict) -> dict | None:
    """The learner's last error as ``{"cell", "section", "text", "key"}``; ``key`` (exception
    name and the message's first line) groups learners who hit the same error."""
    err = state.get("last_error")
    if not err:
        return None
    first_line = (str(err.get("evalue") or "").strip().splitlines() or [""])[0]
    key = f"{err.get('ename') or 'Error'}: {first_line}".rstrip(": ")
    return {
        "cell": _cell(err.get("cell_index"), err.get("cell_id")),
        "section": err.get("section"),
        "notebook": err.get("notebook"),
        "text": key,
        "key": key,
    }


def kernel_died(state: dict) -> str | None:
    """Why the learner's most recent dead kernel died: ``"kernel died: out of memory"`` (the
    server's ``cause``, else the first sentence of its ``why``; ``"kernel died"`` when nobody
    knows)."""
    dead = [k for k in state.get("kernels") or [] if k.get("died")]
    if not dead:
        return None
    dead.sort(key=lambda k: parse_time(k["died"].get("time")) or datetime.min.replace(tzinfo=UTC))
    died = dead[-1]["died"]
    # the server's few words ("out of memory"), else the first sentence of what the learner
    # reads under their cell
    why = str(died.get("cause") or died.get("why") or "").strip()
    first = why.split(". ", 1)[0].rstrip(".")
    return f"kernel died: {first}" if first else "kernel died"


def memory_text(state: dict) -> str | None:
    """``"1.2 GiB of 4.0 GiB"`` (or without the limit when unknown)."""
    used = state.get("memory_bytes")
    if used is None:
        return None
    limit = state.get("memory_limit_bytes")
    return f"{format_bytes(used)} of {format_bytes(limit)}" if limit else format_bytes(used)


def gpu_text(state: dict) -> str | None:
    """The learner's GPU use where their server reports one (``state["gpu"]``: ``{"name",
    "memory_bytes"}``); None where there is no GPU or the server does not say."""
    gpu = state.get("gpu")
    if not gpu:
        return None
    name = gpu.get("name") or "GPU"
    used = gpu.get("memory_bytes")
    return f"{name}: {format_bytes(used)}" if used is not None else name


def progress_text(state: dict) -> str | None:
    """``"2. Training: test auROC 0.93"``; the section alone, or the result alone."""
    section, result = state.get("section"), state.get("result")
    if section and result:
        return f"{section}: {result}"
    return section or result or None


def stuck_of(state: dict) -> dict | None:
    stuck = state.get("stuck")
    if not stuck:
        return None
    return {
        "since": stuck.get("since"),
        "notebook": stuck.get("notebook"),
        "cell": _cell(stuck.get("cell_index"), stuck.get("cell_id")),
        "section": stuck.get("section"),
    }


def idle_seconds(state: dict, user: dict | None, now: datetime) -> float | None:
    """Seconds since the learner last did something. From a server that answered: its own
    record (what the learner last ran), else since it started; the hub's activity would count
    the board's own reads. From no state (stopped, not answering): the hub's record."""
    server = ((user or {}).get("servers") or {}).get("") or {}
    if state:
        last = parse_time(state.get("last_activity")) or parse_time(server.get("started"))
    else:
        last = parse_time(server.get("last_activity") or (user or {}).get("last_activity"))
    return None if last is None else max(0.0, (now - last).total_seconds())


def learner_row(
    username: str,
    name: str,
    user: dict | None,
    state: dict | None,
    now: datetime,
    unreachable: str | None = None,
) -> dict:
    """The board row of one roster entry (see the module doc). ``user``: the hub's user model
    (``None`` when the hub has no such user); ``state``: the server's ``api/workshop/state``
    (``None`` when not running or not read); ``unreachable``: why it could not be read."""
    state = state or {}
    server = ((user or {}).get("servers") or {}).get("")
    return {
        "username": username,
        "name": name,
        "phase": phase(user),
        "server_url": (server or {}).get("url"),
        "section": state.get("section"),
        "section_index": state.get("section_index"),
        "progress": progress_text(state),
        "notebook": state.get("notebook"),
        "error": error_of(state),
        "kernel_died": kernel_died(state),
        "idle_seconds": idle_seconds(state, user, now),
        "memory": memory_text(state),
        "gpu": gpu_text(state),
        "stuck": stuck_of(state),
        "unreachable": unreachable,
    }


def summary(rows: list[dict]) -> dict:
    """The room at a glance::

    {"learners": 3, "phases": {"ready": 2, "not logged in": 1, ...},
     "sections": [["2. Training", 2], ["1. Simulating data", 1]],   # in tutorial order
     "stuck": 1,
     "common_error": {"text": "NameError: ...", "learners": 6} | None,
     "line": "3 learners · ready 2, not logged in 1 · ... · 6 learners: NameError: ..."}
    """
    phases = Counter(row["phase"] for row in rows)
    index = {row["section"]: row.get("section_index") for row in rows if row.get("section")}
    sections = Counter(row["section"] for row in rows if row.get("section"))
    ordered = sorted(
        sections.items(), key=lambda kv: (index.get(kv[0]) is None, index.get(kv[0]) or 0, kv[0])
    )
    stuck = sum(1 for row in rows if row.get("stuck"))
    errors = Counter(row["error"]["key"] for row in rows if row.get("error"))
    common = None
    if errors:
        text, count = min(errors.items(), key=lambda kv: (-kv[1], kv[0]))
        if count >= COMMON_ERROR_MIN:
            common = {"text": text, "learners": count}
    parts = [f"{len(rows)} learner{'s' if len(rows) != 1 else ''}"]
    parts.append(", ".join(f"{p} {phases[p]}" for p in PHASES if phases[p]))
    if ordered:
        parts.append("; ".join(f"{s}: {n}" for s, n in ordered))
    parts.append(f"{stuck} stuck")
    if common:
        parts.append(f"{common['learners']} learners: {common['text']}")
    return {
        "learners": len(rows),
        "phases": {p: phases[p] for p in PHASES},
        "sections": [list(kv) for kv in ordered],
        "stuck": stuck,
        "common_error": common,
        "line": " · ".join(p for p in parts if p),
    }
