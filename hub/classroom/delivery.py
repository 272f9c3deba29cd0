"""What a server that starts later is owed: the current announcement and every pushed notebook.

The hub runs this for every start, in every mode: local, Docker and the cloud host
(``hub/hub_config.py``, with the CLI's token), and the chart (``hub.classroom.chart_hub``, from
its extraConfig, with the ``my-work`` service's token): :func:`pre_spawn_hook` (``Spawner.pre_spawn_hook``) leaves a task
that waits until the server is ready, then delivers through the server's REST API, exactly as ``workshop announce`` and ``workshop push`` do for running servers.
Delivery is idempotent: a notice already there is not posted twice, a file already there is
left alone (``hub.classroom.push.deliver``).
"""

from __future__ import annotations

import asyncio
import time

from hub.classroom import announce, push
from hub.classroom.learner_servers import LearnerServer


def deliver_owed(server: LearnerServer, data_dir: str) -> list[str]:
    """Deliver the current announcement and every push to ``server``; returns what was
    delivered, in words (blocking: run it off the hub's event loop)."""
    done = []
    entry = announce.current(data_dir)
    if entry is not None:
        text = announce.notice_text(entry)
        if not server.has_notice("announcement", text):
            server.post_notice("announcement", text)
            done.append("the announcement")
    for record in push.pushes(data_dir):
        if push.deliver(server, record, push.stored_notebook(data_dir, record)):
            done.append(record.target)
    return done


async def _when_ready(spawner, data_dir: str, token: str, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while not spawner.ready:
        if time.monotonic() > deadline or not spawner.active:
            return  # it failed or stopped: the next start gets its own task
        await asyncio.sleep(1)
    server = LearnerServer(spawner.user.name, spawner.server.url, token)
    try:
        done = await asyncio.to_thread(deliver_owed, server, data_dir)
    except (OSError, RuntimeError) as err:
        log.warning("Could not deliver announcements and pushes to %s: %s", server.name, err)
        return
    if done:
        log.info("Delivered to %s at start: %s", server.name, ", ".join(done))


def pre_spawn_hook(data_dir: str, token: str, timeout: float, then=None):
    """A ``Spawner.pre_spawn_hook`` that schedules the delivery (``timeout``: seconds to wait
    for the server to be ready), after running ``then`` (another hook already configured)."""
    tasks: set[asyncio.Task] = set()  # held until done: the loop keeps only weak references

    async def hook(spawner) -> None:
        if then is not None:
            result = then(spawner)
            if asyncio.iscoroutine(result):
                await result
        # always: what is owed is read once the server is ready (a push made while it starts
        # is in it; the CLI counted that server among those not running)
        task = asyncio.ensure_future(_when_ready(spawner, data_dir, token, timeout, spawner.log))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return hook
