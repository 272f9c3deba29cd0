"""The warm start: learners' servers started before the class, so a learner who logs in reaches
a ready server (the tutorial) in seconds instead of waiting for a spawn with the whole room.

``workshop warm [--at HH:MM] [--wave N]`` starts the server of every attendee on the roster
whose server is not running yet, in waves: a wave starts only when every server of the one
before is ready (or has failed or timed out), so at most ``wave`` servers are starting at any
time and servers already running, instructors' and learners' alike, keep the rest of the
machine; they are never stopped or restarted. ``workshop status`` counts the attendees whose
server is ready.

Warm servers are idle until their learner comes: with the idle culler on (``idle_timeout``),
warm no earlier than that before the class starts.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def default_wave() -> int:
    """Servers started at once: half the cores (a server's start is a few CPU-seconds of
    imports), so the other half stays with the hub, the proxy and the running servers."""
    return max(1, (os.cpu_count() or 2) // 2)


def next_time(at: str, now: dt.datetime | None = None) -> dt.datetime:
    """The next local ``HH:MM`` (today if still ahead, else tomorrow). Raises ``ValueError``
    naming ``--at`` for anything else."""
    try:
        hour, minute = (int(part) for part in at.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60) or len(at.split(":")[1]) != 2:
            raise ValueError
    except ValueError:
        raise ValueError(f"--at must be a time of day as HH:MM (like 08:45), got {at!r}") from None
    now = now or dt.datetime.now()
    when = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return when if when > now else when + dt.timedelta(days=1)


@dataclass
class WarmResult:
    """Who was ready already, who got ready, who failed (with why)."""

    already: list[str] = field(default_factory=list)
    ready: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def warm(
    client,
    usernames: list[str],
    wave: int,
    wave_timeout: float = 300.0,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> WarmResult:
    """Start the servers of ``usernames`` that do not run, ``wave`` at a time (see the module
    docstring). ``client``: a :class:`hub.client.HubClient` with ``admin:servers``."""
    result = WarmResult()
    pending = []
    for name in usernames:
        servers = client.user(name)["servers"] if _exists(client, name) else {}
        if "" in servers:
            result.already.append(name)  # running or starting: never touched
        else:
            pending.append(name)
    total = len(usernames)
    for first in range(0, len(pending), max(1, wave)):
        batch = pending[first : first + max(1, wave)]
        for name in batch:
            try:
                client.start_server(name)
            except Exception as err:  # noqa: BLE001 - one learner's failure stops nobody else
                result.failed[name] = str(err)
        waiting = [n for n in batch if n not in result.failed]
        deadline = time.monotonic() + wave_timeout
        while waiting:
            for name in list(waiting):
                server = client.user(name)["servers"].get("")
                if server is None:
                    result.failed[name] = "the server stopped while starting (see the hub's log)"
                elif server.get("ready"):
                    result.ready.append(name)
                else:
                    continue
                waiting.remove(name)
            if waiting and time.monotonic() > deadline:
                for name in waiting:
                    result.failed[name] = f"not ready after {wave_timeout:.0f} s (still starting)"
                break
            if waiting:
                sleep(1.0)
        done = len(result.already) + len(result.ready)
        echo(f"{done} of {total} servers ready ({len(result.failed)} failed)")
    return result


def _exists(client, name: str) -> bool:
    return client.api("GET", f"users/{name}").status_code == 200
