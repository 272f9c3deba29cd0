"""The class board does not keep learners' servers alive: while an instructor watches the board,
a learner's server that nobody uses keeps the ``last_activity`` its learner left, so the idle
culler (which reads it from the hub) can still stop it. And the board still reads that server
(its row shows the server's own state: the control that the board polls it at all).

Both ways a board read could count as the learner's activity are shortened to seconds here:
the proxy's per-route activity, which the hub copies every ``JupyterHub.last_activity_interval``
(300 s by default, the chart's 60 s), and the server's own API activity, which
jupyterhub-singleuser reports every ``JUPYTERHUB_ACTIVITY_INTERVAL`` (300 s). ``workshop up``
has no setting for either, so this hub is JupyterHub run on the workshop's own configuration
(``hub/jupyterhub_config.py``) plus those two lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from hub_fixtures import (
    ADMIN_PASSWORD,
    HUB_SETTINGS,
    ROSTER_PEOPLE,
    WORKSHOP_PASSWORD,
    require_proxy,
)

from hub.client import HubClient, browser_login
from hub.credentials import load_or_create
from hub.paths import REPO_ROOT
from hub.process import CONFIG_FILE, HubProcess, settings_env
from hub.roster import Roster
from hub.settings import WorkshopSettings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LEARNER = "doe_jane"
BOARD = "services/board/"
#: seconds between the hub's copies of the proxy's activity, and the server's own reports
INTERVAL = 2


def start_activity_hub(data_dir) -> HubProcess:
    """A ``HubProcess`` (stop it when done) whose JupyterHub runs the workshop's configuration
    with both activity intervals at ``INTERVAL`` seconds."""
    require_proxy()
    data_dir.mkdir(parents=True, exist_ok=True)
    roster = Roster.load(data_dir)
    roster.add_people(list(ROSTER_PEOPLE))
    roster.save(data_dir)
    hub = HubProcess(
        data_dir,
        settings={**HUB_SETTINGS, "board_poll_seconds": 1},
        env={"WORKSHOP_PASSWORD": WORKSHOP_PASSWORD, "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    # what HubProcess.start and `workshop up` do, but JupyterHub with two more lines of config
    hub.settings = WorkshopSettings.load(data_dir, overrides=hub.overrides, environ=hub.env)
    hub.credentials = load_or_create(data_dir, environ=hub.env)
    config = data_dir / "activity_config.py"
    config.write_text(
        f"exec(open({str(CONFIG_FILE)!r}).read())\n"
        f"c.JupyterHub.last_activity_interval = {INTERVAL}\n"
        "c.WorkshopLocalSpawner.environment = dict(c.WorkshopLocalSpawner.environment, "
        f"JUPYTERHUB_ACTIVITY_INTERVAL={str(INTERVAL)!r})\n"
    )
    env = {
        **hub.env,
        **settings_env(hub.settings, hub.overrides),
        "PYTHONPATH": str(REPO_ROOT),
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{hub.env.get('PATH', '')}",
    }
    hub._log = hub.log_path.open("ab")
    hub.process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)],
        cwd=data_dir, env=env, stdout=hub._log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    hub.url = hub.settings.local_url
    hub.client = HubClient(hub.url, hub.credentials.api_token)
    try:
        hub.client.wait_until_up(timeout=120, process=hub.process)
    except Exception:
        hub.stop()
        raise
    return hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = start_activity_hub(tmp_path_factory.mktemp("board-idle") / "data")
    try:
        yield hub
    finally:
        print(hub.log_tail(40))
        hub.stop()


def last_activity(hub) -> str:
    """The learner's server's ``last_activity`` as the hub (and so the idle culler) reads it."""
    return hub.client.user(LEARNER)["servers"][""]["last_activity"]


def settled(hub, timeout: float = 90.0) -> str:
    """``last_activity`` once it has stopped moving for three rounds of both intervals."""
    deadline = time.monotonic() + timeout
    seen, since = last_activity(hub), time.monotonic()
    while time.monotonic() - since < 3 * INTERVAL + 2:
        assert time.monotonic() < deadline, f"last_activity never settled (last {seen})"
        time.sleep(0.5)
        now = last_activity(hub)
        if now != seen:
            seen, since = now, time.monotonic()
    return seen


def test_watching_the_board_is_not_the_learners_activity(hub):
    hub.client.start_server(LEARNER)
    hub.client.wait_ready(LEARNER, timeout=300)
    before = settled(hub)  # the learner left it: nobody uses the server from here on

    instructor, r = browser_login(hub.url, "instructor", ADMIN_PASSWORD)
    assert r.status_code == 302, r.text[:300]
    page = instructor.get(hub.url + BOARD, timeout=60)
    assert page.status_code == 200 and "Class board" in page.text, page.text[:300]
    watched, polls = time.monotonic(), set()
    while time.monotonic() - watched < 12:  # the board reads the room every second
        data = instructor.get(hub.url + BOARD + "api/room", timeout=30).json()
        [row] = [r for r in data["rows"] if r["username"] == LEARNER]
        polls.add(data["time"])
        time.sleep(1)
    # the control: the board did read the learner's server, and shows its state
    assert row["phase"] == "ready" and row["unreachable"] is None, row
    assert row["memory"], row  # from the server's api/workshop/state
    assert len(polls) >= 5, polls
    time.sleep(3 * INTERVAL + 2)  # every read is reported and copied by now
    after = last_activity(hub)
    print(f"{LEARNER}'s server last_activity: before the board {before}, after {after}")
    assert after == before, f"the board's reads moved last_activity from {before} to {after}"
