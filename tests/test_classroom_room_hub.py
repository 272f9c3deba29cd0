"""Announce, push and collect against a real hub (local spawner, loopback) with learners'
servers running, and a learner's one-click download of their own notebooks:

- an announcement reaches both running servers' notices and the hub page's banner; a clear
  takes the banner down and tells the servers;
- a push lands beside each learner's copy, whose bytes keep their sha256; a learner whose
  server starts later gets it, with the current announcement;
- collect reads a running server's saved notebook and a stopped one's home, and names who was
  not collected and why;
- ``my-work`` gives a learner a zip of their own notebooks, and nothing of anyone else's.
"""

# ruff: noqa: F811  (fixtures imported from hub_fixtures are used as arguments)

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile

import nbformat
import pytest
from classroom_support import workshop_cli as cli
from hub_fixtures import WORKSHOP_PASSWORD, start_hub

from hub.classroom.learner_servers import LearnerServer
from hub.client import browser_login, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
PEOPLE = [("Jane", "Doe"), ("Richard", "Roe"), ("Max", "Mustermann"), ("Erika", "Muster")]
A, B, LATER, NEVER = "doe_jane", "roe_richard", "mustermann_max", "muster_erika"
TUTORIAL = "workshop_tutorial.ipynb"


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    hub = start_hub(tmp_path_factory.mktemp("room") / "data", people=PEOPLE)
    try:
        for name in (A, B):
            hub.client.start_server(name)
        for name in (A, B):
            hub.client.wait_ready(name, timeout=240)
        yield hub
    finally:
        hub.stop()


def server(hub, name) -> LearnerServer:
    return LearnerServer(name, f"{hub.url}user/{name}/", hub.credentials.api_token)


def banner(hub, session) -> str | None:
    page = session.get(f"{hub.url}hub/home").text
    found = re.search(r'class="container text-center announcement[^"]*">(.*?)</div>', page, re.S)
    return found.group(1).strip() if found else None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_an_announcement_reaches_every_running_server_and_the_hub_pages(room):
    session, r = browser_login(room.url, A, WORKSHOP_PASSWORD)
    assert r.status_code == 302
    assert banner(room, session) is None
    done = cli(room, "announce", "Break until 11:00 <back soon>")
    assert done.returncode == 0
    assert f"notified 2 running servers: {A}, {B}" in done.stdout
    for name in (A, B):
        last = server(room, name).notices()[-1]
        assert (last["kind"], last["text"]) == ("announcement", "Break until 11:00 <back soon>")
    assert banner(room, session) == "Break until 11:00 &lt;back soon&gt;"  # no restart
    assert banner(room, browser_login(room.url, B, WORKSHOP_PASSWORD)[0]) is not None

    done = cli(room, "announce", "--clear")
    assert done.returncode == 0 and "cleared the announcement" in done.stdout
    assert banner(room, session) is None
    assert server(room, B).notices()[-1]["kind"] == "clear"
    listed = cli(room, "announce", "--list").stdout
    assert "announcement  Break until 11:00 <back soon>" in listed and "clear" in listed


def test_a_push_lands_beside_the_copy_and_later_starts_get_it(room, tmp_path):
    originals = {name: server(room, name).read_bytes(TUTORIAL) for name in (A, B)}
    source = tmp_path / TUTORIAL
    nb = nbformat.reads(originals[A].decode(), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("**Fixed:** cell 12 now sets `seed`."))
    source.write_text(nbformat.writes(nb), encoding="utf-8")

    done = cli(room, "push", str(source))
    assert done.returncode == 0, done.stderr
    target = re.search(r"as '(workshop_tutorial \(updated \d\d:\d\d\)\.ipynb)'", done.stdout)[1]
    assert f"received now (2): {A}, {B}" in done.stdout
    assert f"get it at their next start (2): {NEVER}, {LATER}" in done.stdout
    for name in (A, B):
        learner = server(room, name)
        assert sha256(learner.read_bytes(TUTORIAL)) == sha256(originals[name])
        pushed = nbformat.reads(learner.read_bytes(target).decode(), as_version=4)
        assert pushed.cells[0].source == "**Fixed:** cell 12 now sets `seed`."
        assert learner.notices()[-1]["kind"] == "push"
        assert target in learner.notices()[-1]["text"]

    # pushed again: nobody's file of that name is written over (a second name is chosen)
    again = cli(room, "push", str(source))
    assert again.returncode == 0 and "received now (2)" in again.stdout

    # a server started after the push gets it, and the current announcement, once ready
    assert cli(room, "announce", "Section 3 starts now").returncode == 0
    room.client.start_server(LATER)
    room.client.wait_ready(LATER, timeout=240)
    later = server(room, LATER)

    def delivered():  # the announcement first, then each push (file, then its notice)
        kinds = [n["kind"] for n in later.notices()]
        return kinds if kinds.count("push") == 2 else None

    kinds = wait_for(delivered, 60, f"the announcement and two pushes on {LATER}'s server")
    assert kinds == ["announcement", "push", "push"]
    assert later.notices()[0]["text"] == "Section 3 starts now"
    assert later.exists(target)
    assert sha256(later.read_bytes(TUTORIAL)) == sha256(originals[A])  # the seeded copy


def test_collect_reads_running_and_stopped_servers_and_names_who_is_missing(room, tmp_path):
    saved = nbformat.reads(server(room, A).read_bytes(TUTORIAL).decode(), as_version=4)
    saved.cells.append(nbformat.v4.new_code_cell("print('my own answer')"))
    model = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(saved))}
    r = server(room, A)._request("PUT", f"api/contents/{TUTORIAL}", data=json.dumps(model))
    assert r.status_code == 200, r.text
    room.client.stop_server(B)

    out = tmp_path / "class.zip"
    done = cli(room, "collect", TUTORIAL, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"[4/4] {B}: 1 notebooks (home of a stopped server)" in done.stdout
    assert f"{NEVER}: no home yet (never started a server)" in done.stdout
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        assert names == ["collect-report.txt"] + [f"{n}/{TUTORIAL}" for n in sorted((A, B, LATER))]
        assert archive.read(f"{A}/{TUTORIAL}") == server(room, A).read_bytes(TUTORIAL)
        assert b"my own answer" in archive.read(f"{A}/{TUTORIAL}")
        homes = room.data_dir / "homes"
        assert archive.read(f"{B}/{TUTORIAL}") == (homes / B / TUTORIAL).read_bytes()

    # a hub whose homes are elsewhere (the chart): running servers only, the others named
    remote = dict(room.env, WORKSHOP_HUB_TOKEN=room.credentials.api_token)
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "collect", TUTORIAL, "--hub-url", room.url,
         "--out", str(tmp_path / "remote.zip"), "--data-dir", str(tmp_path / "elsewhere")],
        capture_output=True, text=True, timeout=300, env=remote,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{B}: server stopped; its home is not on this machine" in done.stdout
    with zipfile.ZipFile(tmp_path / "remote.zip") as archive:
        assert f"{A}/{TUTORIAL}" in archive.namelist()
    room.client.start_server(B)
    room.client.wait_ready(B, timeout=240)


def test_a_learner_downloads_their_own_notebooks_in_one_click(room):
    session, r = browser_login(room.url, A, WORKSHOP_PASSWORD)
    home = session.get(f"{room.url}hub/home").text
    link = re.search(r'id="workshop-download-work"[^>]*href="([^"]+)"', home, re.S)
    assert link, home[-2000:]
    got = session.get(room.url.rstrip("/") + link[1], timeout=120)
    assert got.status_code == 200, got.text[:500]
    assert got.headers["Content-Type"] == "application/zip"
    assert f'filename="{A}-notebooks-' in got.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        assert TUTORIAL in archive.namelist()
        assert archive.read(TUTORIAL) == server(room, A).read_bytes(TUTORIAL)
        assert b"my own answer" in archive.read(TUTORIAL)  # A's own, saved above
    # B's download is B's: the service takes no name, only who the hub says is logged in
    other, _ = browser_login(room.url, B, WORKSHOP_PASSWORD)
    theirs = other.get(room.url.rstrip("/") + link[1], timeout=120)
    with zipfile.ZipFile(io.BytesIO(theirs.content)) as archive:
        assert b"my own answer" not in archive.read(TUTORIAL)
    # someone who never started a server is told so, in words
    never, _ = browser_login(room.url, NEVER, WORKSHOP_PASSWORD)
    nothing = never.get(room.url.rstrip("/") + link[1], timeout=120)
    assert nothing.status_code == 404
    assert "no home yet (never started a server)" in nothing.text
