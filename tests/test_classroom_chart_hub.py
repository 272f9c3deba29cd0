"""Announce, push, "my work" and collect on a hub configured by the Zero to JupyterHub chart.

The chart is rendered from the settings (``tests/z2jh_render.py``); what the hub pod would
load is what a real JupyterHub here loads: the ``hub.extraFiles`` written out as the pod
mounts them (the only copy of the repository's code the hub and its services see), the
services with the tokens the chart generated, the roles, ``hub.config`` and every
``hub.extraConfig`` snippet, run as the chart's ``jupyterhub_config.py`` runs them. Only what
is the cluster's is replaced: pod paths and Service addresses by this machine's, KubeSpawner by
JupyterHub's local-process spawner (servers with the image's Jupyter config, so the workshop's
notices API answers).

- the mounted code imports nothing the chart's hub image lacks (fast);
- an announcement made with ``--hub-url`` is a banner on the hub's home page, a push made
  before a learner ever started reaches that learner's first server with its notice, the state
  lives in the hub's data dir (the pod's volume), learners cannot write it;
- ``my-work`` gives a learner their notebooks (the pushed one among them) and says what to do
  when their server is stopped; ``collect --hub-url`` names what it cannot read and why.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import requests
from hub_fixtures import ADMIN_PASSWORD, WORKSHOP_PASSWORD, require_proxy
from z2jh_render import hub_values, relocated, render, service_tokens

from hub.classroom import download
from hub.classroom.learner_servers import LearnerServer
from hub.cli.classroom import REMOTE_LIMITS, STOPPED_ELSEWHERE
from hub.client import HubClient, api_with_cookies, browser_login, wait_for
from hub.cloud import z2jh
from hub.settings import WorkshopSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
A, B, TEACHER = "doe_jane", "roe_richard", "teacher"
LESSON = "lesson.ipynb"
#: what the chart's hub image holds besides the standard library (quay.io/jupyterhub/k8s-hub)
HUB_IMAGE_PACKAGES = (
    "import jupyterhub.app, jupyterhub.services.auth, tornado.web, traitlets, requests"
)


def chart(tmp_path: Path, board: bool = False) -> tuple[dict, list[dict]]:
    settings = WorkshopSettings.load(
        tmp_path / "settings",
        overrides={"admin_users": [TEACHER], "idle_timeout": 0, "board": board},
    )
    values = z2jh.chart_values(settings, roster=[A, B])
    return values, render(values)


def mount_files(objects: list[dict], code_dir: Path) -> None:
    """Write ``hub.extraFiles`` where the hub pod mounts them, under ``code_dir``."""
    for item in hub_values(objects)["hub"]["extraFiles"].values():
        path = code_dir / Path(item["mountPath"]).relative_to(z2jh.HUB_CODE_DIR)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(item["stringData"], encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare_env(**extra) -> dict:
    """This environment without the repository on the path (the hub pod has only its mounts)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


# --- fast: the mounted code needs nothing the hub image lacks -----------------------------------
def test_mounted_code_imports_only_what_the_hub_image_has(tmp_path):
    """In an isolated interpreter whose only code is the mounted files, the hub's side (the
    extraConfig's ``configure``) and the ``my-work`` service as the chart runs it load no
    module beyond the standard library and what JupyterHub, tornado, traitlets and requests
    load themselves."""
    _, objects = chart(tmp_path)
    code = tmp_path / "code"
    mount_files(objects, code)
    probe = f"""
import json, os, sys
sys.path.insert(0, {str(code)!r})
os.environ[{download.HOMES_ELSEWHERE_ENV!r}] = "1"
{HUB_IMAGE_PACKAGES}
before = set(sys.modules)
from traitlets.config import Config
c = Config()
c.JupyterHub.services = [{{"name": "my-work", "api_token": "x"}}]
from hub.classroom.chart_hub import configure
configure(c, data_dir={str(tmp_path)!r}, code_dir={str(code)!r}, wait=60)
from hub.classroom import download
download.make_app(download.stopped_homes(), {str(tmp_path)!r}, "http://p/", "t", "/services/my-work/")
import hub.classroom.board, hub.die_with_parent
top = {{m.split(".")[0] for m in set(sys.modules) - before}}
print(json.dumps(sorted(top - set(sys.stdlib_module_names) - {{"hub"}} - {{m.split(".")[0] for m in before}})))
print(json.dumps(sorted(m for m in sys.modules if m.startswith("hub"))))
print(json.dumps(sys.modules["hub"].__file__))
"""
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    extra, ours, where = (json.loads(line) for line in done.stdout.splitlines()[-3:])
    assert extra == [], f"the mounted code needs {extra}, which the hub image lacks"
    assert Path(where).is_relative_to(code)  # the mounted copy, not the checkout
    assert "hub.settings" not in ours and "hub.cloud" not in ours
    assert "hub.classroom.delivery" in ours and "hub.classroom.download" in ours


# --- slow: a real hub with the chart's configuration --------------------------------------------
@pytest.fixture(scope="module")
def chart_hub(tmp_path_factory):
    require_proxy()
    tmp = tmp_path_factory.mktemp("chart-hub")
    values, objects = chart(tmp)
    code, data, homes = tmp / "code", tmp / "hub-data", tmp / "homes"
    mount_files(objects, code)
    data.mkdir()
    port, api_port, hub_port, my_work = (free_port() for _ in range(4))
    url = f"http://127.0.0.1:{port}/"
    service_url = values["hub"]["services"][download.SERVICE_NAME]["url"]
    local = relocated(
        hub_values(objects),
        {
            z2jh.HUB_CODE_DIR: str(code),
            z2jh.HUB_DATA_DIR: str(data),
            service_url: f"http://127.0.0.1:{my_work}",
            "http://proxy-public:80": url.rstrip("/"),
            '"python3"': json.dumps(sys.executable),
        },
    )
    (tmp / "values.json").write_text(json.dumps(local))
    (tmp / "tokens.json").write_text(json.dumps(service_tokens(objects)))
    proxy = REPO_ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    (tmp / "jupyterhub_config.py").write_text(
        f"""
import json, sys
sys.path.insert(0, {str(TESTS)!r})  # z2jh_render only: it imports nothing of the repository
from z2jh_render import apply_chart_config
apply_chart_config(c, json.load(open({str(tmp / "values.json")!r})),
                   json.load(open({str(tmp / "tokens.json")!r})))
# what is the cluster's, on this machine
c.JupyterHub.bind_url = {url!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{str(proxy)!r}] if {proxy.exists()!r} else ["configurable-http-proxy"]
c.ConfigurableHTTPProxy.auth_token = "proxy-token-for-the-test"
c.JupyterHub.db_url = "sqlite:///{data}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{data}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{data}/jupyterhub.pid"
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.cmd = [{sys.executable!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--ServerApp.allow_root=True"]
c.Spawner.environment = {{"JUPYTER_CONFIG_PATH": {str(REPO_ROOT / "image")!r}}}
c.Spawner.start_timeout = 240
c.Spawner.http_timeout = 180
"""
    )
    env = bare_env(WORKSHOP_PASSWORD=WORKSHOP_PASSWORD, WORKSHOP_ADMIN_PASSWORD=ADMIN_PASSWORD)
    log = open(tmp / "hub.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(tmp / "jupyterhub_config.py")],
        cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_up(url, process)
        session, r = browser_login(url, TEACHER, ADMIN_PASSWORD)
        assert r.status_code == 302, r.text[:300]
        made = api_with_cookies(session, "POST", f"{url}hub/api/users/{TEACHER}/tokens", json={})
        assert made.status_code == 201, made.text
        yield {"url": url, "token": made.json()["token"], "data": data, "tmp": tmp}
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        print((tmp / "hub.log").read_text(errors="replace")[-6000:])


def _wait_up(url: str, process) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the hub exited: see hub.log above"
        try:
            if requests.get(f"{url}hub/api", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError("the hub did not answer in 120 s")


def cli(hub, *args) -> subprocess.CompletedProcess:
    """``workshop ARGS --hub-url URL`` with the instructor's token, from a data dir that is not
    the hub's (the instructor's laptop)."""
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args, "--hub-url", hub["url"],
         "--data-dir", str(hub["tmp"] / "laptop")],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "WORKSHOP_HUB_TOKEN": hub["token"]},
    )  # fmt: skip
    print(done.stdout, done.stderr)
    return done


def banner(url: str, session) -> str | None:
    page = session.get(f"{url}hub/home").text
    found = re.search(r'class="container text-center announcement[^"]*">(.*?)</div>', page, re.S)
    return found.group(1).strip() if found else None


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_announce_and_push_before_a_first_start_reach_it_and_my_work_gives_it(chart_hub, tmp_path):
    hub, url = chart_hub, chart_hub["url"]
    learner, r = browser_login(url, A, WORKSHOP_PASSWORD)
    assert r.status_code == 302
    assert banner(url, learner) is None
    home = learner.get(f"{url}hub/home").text
    link = re.search(r'id="workshop-download-work"[^>]*href="([^"]+)"', home, re.S)
    assert link and link[1] == "/services/my-work/", home[-2000:]

    done = cli(hub, "announce", "Break until 11:00 <back soon>")
    assert done.returncode == 0, done.stderr
    assert "(banner on the hub's pages now)" in done.stdout
    assert "notified 0 running servers" in done.stdout
    assert banner(url, learner) == "Break until 11:00 &lt;back soon&gt;"  # no restart

    source = tmp_path / LESSON
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("**Fixed:** cell 12.")])
    source.write_text(nbformat.writes(nb), encoding="utf-8")
    done = cli(hub, "push", str(source))
    assert done.returncode == 0, done.stderr
    target = re.search(r"as '(lesson \(updated \d\d:\d\d\)\.ipynb)'", done.stdout)[1]
    assert "received now (0): none" in done.stdout
    assert f"get it at their next start (2): {A}, {B}" in done.stdout
    # kept where the hub keeps its state: the pod's volume
    stored = json.loads((hub["data"] / "classroom" / "pushes.json").read_text())
    assert [p["target"] for p in stored] == [target]

    # A's first server ever: the announcement, then the push with its notice
    admin = HubClient(url, hub["token"])
    admin.start_server(A)
    admin.wait_ready(A, timeout=240)
    server = LearnerServer(A, f"{url}user/{A}/", hub["token"])

    def delivered():
        kinds = [n["kind"] for n in server.notices()]
        return kinds if "push" in kinds else None

    assert wait_for(delivered, 60, f"the announcement and the push on {A}'s server") == [
        "announcement",
        "push",
    ]
    assert server.notices()[0]["text"] == "Break until 11:00 <back soon>"
    assert target in server.notices()[1]["text"]
    pushed = nbformat.reads(server.read_bytes(target).decode(), as_version=4)
    assert pushed.cells[0].source == "**Fixed:** cell 12."

    # my work: A's zip holds what A's server has, the pushed notebook among it
    got = learner.get(url.rstrip("/") + link[1], timeout=120)
    assert got.status_code == 200, got.text[:500]
    assert got.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        assert archive.read(target) == server.read_bytes(target)

    # a learner cannot write the room's records, even with a token of their own
    own = api_with_cookies(learner, "POST", f"{url}hub/api/users/{A}/tokens", json={})
    refused = requests.post(
        f"{url}services/my-work/api/announcements",
        json={"kind": "announcement", "text": "no class today"},
        headers={"Authorization": f"token {own.json()['token']}"},
        timeout=30,
    )
    assert refused.status_code == 403, refused.text
    assert banner(url, learner) == "Break until 11:00 &lt;back soon&gt;"

    done = cli(hub, "announce", "--clear")
    assert done.returncode == 0 and "cleared the announcement" in done.stdout
    assert banner(url, learner) is None
    assert server.notices()[-1]["kind"] == "clear"
    listed = cli(hub, "announce", "--list").stdout
    assert "announcement  Break until 11:00 <back soon>" in listed and "(2 records)" in listed

    # stopped: my work and collect say what they cannot read, and why
    admin.stop_server(A)
    stopped = learner.get(url.rstrip("/") + link[1], timeout=120)
    assert stopped.status_code == 404 and download.STOPPED_ELSEWHERE in stopped.text
    out = tmp_path / "room.zip"
    done = cli(hub, "collect", "--out", str(out))
    assert done.returncode == 1  # nobody's server runs: nothing collected
    assert f"(--hub-url: {REMOTE_LIMITS})" in done.stdout
    assert f"{A}: not collected: {STOPPED_ELSEWHERE}" in done.stdout


def test_the_docs_quote_what_the_chart_cannot_do():
    """docs/eks.md and the runbook quote the CLI's own sentence (REMOTE_LIMITS), word for word."""
    for doc in ("docs/eks.md", "docs/instructor-runbook.md"):
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        quoted = " ".join(
            line.strip().removeprefix(">").strip()
            for line in text.splitlines()
            if line.strip().startswith(">")
        )
        assert REMOTE_LIMITS in quoted, f"{doc} does not quote REMOTE_LIMITS"
