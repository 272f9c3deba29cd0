"""The class board on a real hub (``workshop up``, local spawner, a roster of four): the
instructor sees the page and its JSON, one row per roster entry (those who never logged in
too), a learner's error and "I'm stuck" read from their own server, takes and finishes the
help request; the read-only look logs itself, tells the learner, and leaves the file
byte-identical; editing together exists only after the learner accepts, and ends. Learners get
403 on the board and can share their server with nobody.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests
from classroom_support import code_cells, open_notebook_session, run_cells
from hub_fixtures import ADMIN_PASSWORD, WORKSHOP_PASSWORD, start_hub

from hub.client import api_with_cookies, browser_login, open_user_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
LEARNER, OTHER, NEVER = "doe_jane", "roe_richard", "mustermann_max"
BOARD = "services/board/"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = start_hub(tmp_path_factory.mktemp("board") / "data", settings={"board_poll_seconds": 2})
    try:
        yield hub
    finally:
        hub.stop()


def login(hub, name: str, password: str) -> requests.Session:
    session, r = browser_login(hub.url, name, password)
    assert r.status_code == 302, r.text[:300]
    return session


def room(session, hub, until=None, timeout=60.0) -> dict:
    """The board's JSON (waiting until ``until(room)`` holds, when given)."""
    deadline = time.monotonic() + timeout
    while True:
        r = session.get(hub.url + BOARD + "api/room", timeout=30)
        assert r.status_code == 200, r.text[:300]
        data = r.json()
        if until is None or until(data):
            return data
        assert time.monotonic() < deadline, json.dumps(data, indent=1)[:3000]
        time.sleep(1)


def row(data: dict, name: str) -> dict:
    return next(r for r in data["rows"] if r["username"] == name)


@pytest.fixture(scope="module")
def instructor(hub):
    session = login(hub, "instructor", ADMIN_PASSWORD)
    r = session.get(hub.url + BOARD, timeout=60)  # the OAuth hand-off, then the page
    assert r.status_code == 200 and "Class board" in r.text, r.text[:500]
    return session


@pytest.fixture(scope="module")
def learner(hub):
    session = login(hub, LEARNER, WORKSHOP_PASSWORD)
    hub.client.start_server(LEARNER)
    hub.client.wait_ready(LEARNER, timeout=300)
    assert open_user_server(session, hub.url, LEARNER).status_code == 200
    return session


def test_every_roster_entry_is_a_row(hub, instructor):
    data = room(instructor, hub)
    assert {r["username"] for r in data["rows"]} == {LEARNER, OTHER, NEVER, "obrien_zoe"}
    assert row(data, NEVER)["phase"] == "not logged in"
    assert data["summary"]["line"].startswith("4 learners · not logged in 4")


def test_learners_get_403_on_the_board_and_cannot_share(hub, learner):
    assert learner.get(hub.url + BOARD, timeout=60).status_code == 403
    assert learner.get(hub.url + BOARD + "api/room", timeout=60).status_code == 403
    assert learner.get(hub.url + BOARD + f"look/{OTHER}", timeout=60).status_code == 403
    for owner in (LEARNER, OTHER):  # neither their own server nor another's
        r = api_with_cookies(
            learner, "POST", f"{hub.url}hub/api/shares/{owner}/", json={"user": OTHER}
        )
        assert r.status_code == 403, (owner, r.status_code, r.text[:200])


def test_error_stuck_and_the_help_queue(hub, instructor, learner):
    server = f"{hub.url}user/{LEARNER}/"
    kernel = open_notebook_session(server, hub.credentials.api_token, "workshop_tutorial.ipynb")
    # a cell of the tutorial's notebook, as JupyterLab sends it (its id in the metadata)
    nb = json.loads(
        (Path(hub.data_dir) / "homes" / LEARNER / "workshop_tutorial.ipynb").read_text()
    )
    [(index, cell_id, _)] = [c for c in code_cells(nb, 1, len(nb["cells"])) if c[0] == 6]
    results = run_cells(server, hub.credentials.api_token, kernel, [(cell_id, "model.fit()")])
    assert results[0]["status"] == "error"
    r = api_with_cookies(learner, "POST", server + "api/workshop/stuck",
                         json={"notebook": "workshop_tutorial.ipynb", "cell_index": 7})  # fmt: skip
    assert r.status_code == 200, r.text
    data = room(
        instructor, hub, until=lambda d: row(d, LEARNER)["stuck"] and row(d, LEARNER)["error"]
    )
    mine = row(data, LEARNER)
    assert mine["phase"] == "ready"
    assert mine["error"]["text"] == "NameError: name 'model' is not defined"
    assert mine["error"]["cell"] == f"cell {index}"
    assert mine["stuck"]["cell"] == "cell 7"
    assert [(e["username"], e["status"]) for e in data["queue"]] == [(LEARNER, "waiting")]
    assert data["summary"]["stuck"] == 1

    take = api_with_cookies(instructor, "POST", f"{hub.url}{BOARD}api/queue/{LEARNER}/take")
    assert take.status_code == 200, take.text
    queue = room(instructor, hub)["queue"]
    assert (queue[0]["status"], queue[0]["taken_by"]) == ("taken", "instructor")
    done = api_with_cookies(instructor, "POST", f"{hub.url}{BOARD}api/queue/{LEARNER}/done")
    assert done.status_code == 200, done.text
    state = api_with_cookies(learner, "GET", server + "api/workshop/state").json()
    assert state["stuck"] is None  # cleared on the learner's own server
    room(instructor, hub, until=lambda d: not d["queue"])


def notices(session, hub) -> list[dict]:
    url = f"{hub.url}user/{LEARNER}/api/workshop/notices?after=0"
    return api_with_cookies(session, "GET", url).json()["notices"]


def test_read_only_look_is_logged_told_and_writes_nothing(hub, instructor, learner):
    notebook = Path(hub.data_dir) / "homes" / LEARNER / "workshop_tutorial.ipynb"
    before = notebook.read_bytes()
    page = instructor.get(
        f"{hub.url}{BOARD}look/{LEARNER}?notebook=workshop_tutorial.ipynb", timeout=60
    )
    assert page.status_code == 200 and "Read-only" in page.text
    look = instructor.get(
        f"{hub.url}{BOARD}api/look/{LEARNER}?notebook=workshop_tutorial.ipynb", timeout=60
    ).json()
    first_source = json.loads(before)["cells"][0]["source"]
    first_line = "".join(first_source).splitlines()[0]
    assert 'id="cell-1"' in look["html"] and first_line.split()[-1] in look["html"]
    assert notebook.read_bytes() == before
    log = [
        json.loads(x) for x in (Path(hub.data_dir) / "board-access.log").read_text().splitlines()
    ]
    assert log[-1] | {"time": None} == {
        "time": None, "instructor": "instructor", "learner": LEARNER, "action": "look",
        "notebook": "workshop_tutorial.ipynb",
    }  # fmt: skip
    told = [n for n in notices(learner, hub) if n["kind"] == "access"]
    assert "looking at your notebook workshop_tutorial.ipynb (read-only)" in told[-1]["text"]


def shares_of(hub, name: str) -> list[dict]:
    """The shares of ``name``'s server, as the hub's admin reads them."""
    admin = login(hub, "instructor", ADMIN_PASSWORD)
    r = api_with_cookies(admin, "GET", f"{hub.url}hub/api/shares/{name}/")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_edit_together_only_after_the_learner_accepts(hub, instructor, learner):
    ask = api_with_cookies(instructor, "POST", f"{hub.url}{BOARD}api/edit/{LEARNER}")
    assert ask.status_code == 200, ask.text
    request = ask.json()
    assert request["status"] == "asked" and shares_of(hub, LEARNER) == []
    # the learner is told, with the link to the consent page
    told = notices(learner, hub)[-1]
    assert f"/services/board/consent/{request['id']}" in told["text"]
    consent = f"{hub.url}{BOARD}consent/{request['id']}"
    # another learner cannot answer it
    other = login(hub, OTHER, WORKSHOP_PASSWORD)
    assert other.get(consent, timeout=60).status_code == 404
    assert learner.get(consent, timeout=60).status_code == 200
    r = api_with_cookies(learner, "POST", consent, data={"answer": "accept"}, allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    [share] = shares_of(hub, LEARNER)
    assert share["user"]["name"] == "instructor"
    assert share["scopes"] == [f"access:servers!server={LEARNER}/"]
    edits = room(instructor, hub)["edits"]
    assert [(e["learner"], e["status"]) for e in edits] == [(LEARNER, "accepted")]
    end = api_with_cookies(instructor, "POST", f"{hub.url}{BOARD}api/edit-end/{request['id']}")
    assert end.status_code == 200 and end.json()["status"] == "ended"
    assert shares_of(hub, LEARNER) == []
    actions = [
        json.loads(x)["action"]
        for x in (Path(hub.data_dir) / "board-access.log").read_text().splitlines()
    ]
    assert actions[-3:] == ["share-asked", "share-accepted", "share-ended"]
