"""The class board with the Docker spawner (docker tier): a learner's container is read through
the proxy like a local server. One roster of two: the one who logs in is ready with their
server's state (memory, their NameError at its cell), the other is listed as not logged in; the
read-only look renders the notebook from the container's contents API.
"""

from __future__ import annotations

import random
import string
import time

import pytest
from classroom_support import open_notebook_session, run_cells
from docker_support import (
    docker_client,  # noqa: F401 - fixture
    remove_room_objects,
    standin_base,  # noqa: F401 - fixture
    unique,
    workshop_image,  # noqa: F401 - fixture
)
from hub_fixtures import ADMIN_PASSWORD, WORKSHOP_PASSWORD, start_hub

from hub.client import browser_login

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1800)]
# container names are global to the engine: a last name of its own
LAST = "Doe" + "".join(random.choices(string.ascii_lowercase, k=5))
USER, NEVER = f"{LAST.lower()}_jane", f"{LAST.lower()}_john"


@pytest.fixture
def docker_hub(tmp_path, docker_client, workshop_image):  # noqa: F811 - fixtures
    network, prefix = unique("wstest-net"), unique("wstest-home")
    settings = {
        "spawner": "docker",
        "image": workshop_image,
        "docker_network": network,
        "volume_prefix": prefix,
        "mem_limit": "3G",
        "gpu": "none",
        "start_timeout": 600,
        "http_timeout": 600,
        "board_poll_seconds": 2,
    }
    hub = start_hub(tmp_path / "hub", people=[("Jane", LAST), ("John", LAST)], settings=settings)
    try:
        yield hub
    finally:
        hub.stop()
        remove_room_objects(docker_client, network, prefix)


def test_board_reads_a_learners_container(docker_hub):
    hub = docker_hub
    learner, r = browser_login(hub.url, USER, WORKSHOP_PASSWORD)
    assert r.status_code == 302
    hub.client.start_server(USER)
    hub.client.wait_ready(USER, timeout=600)
    server = f"{hub.url}user/{USER}/"
    kernel = open_notebook_session(server, hub.credentials.api_token, "workshop_tutorial.ipynb")
    results = run_cells(server, hub.credentials.api_token, kernel, [("", "x + 1")])
    assert results[0]["error"].startswith("NameError")

    instructor, r = browser_login(hub.url, "instructor", ADMIN_PASSWORD)
    assert instructor.get(f"{hub.url}services/board/", timeout=60).status_code == 200
    assert learner.get(f"{hub.url}services/board/", timeout=60).status_code == 403
    deadline = time.monotonic() + 120
    while True:
        room = instructor.get(f"{hub.url}services/board/api/room", timeout=60).json()
        rows = {row["username"]: row for row in room["rows"]}
        if rows[USER]["error"] or time.monotonic() > deadline:
            break
        time.sleep(2)
    mine = rows[USER]
    assert mine["phase"] == "ready" and mine["unreachable"] is None, mine
    assert mine["error"]["text"] == "NameError: name 'x' is not defined"
    assert mine["memory"] and mine["memory"].endswith("of 3.0 GiB"), mine["memory"]
    assert rows[NEVER]["phase"] == "not logged in"
    look = instructor.get(
        f"{hub.url}services/board/api/look/{USER}?notebook=workshop_tutorial.ipynb", timeout=60
    )
    assert look.status_code == 200 and 'id="cell-1"' in look.json()["html"]
