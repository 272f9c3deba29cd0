"""The real hub end to end: ``workshop up`` (JupyterHub + configurable-http-proxy, local
spawner) on loopback, driven over HTTP like a browser and through the REST API."""

# ruff: noqa: F401, F811  (fixtures imported from hub_fixtures are used as arguments)

from __future__ import annotations

import json
import subprocess
import sys
import time

import psutil
import pytest
import requests
from hub_fixtures import (
    ADMIN_PASSWORD,
    HUB_SETTINGS,
    REPO_ROOT,
    WORKSHOP_PASSWORD,
    local_hub,
    start_hub,
)

from hub.client import api_with_cookies, browser_login, open_user_server, run_code_in_kernel
from hub.credentials import is_private

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LOCKOUT = HUB_SETTINGS["login_lockout_seconds"]


def logged_in(hub, username, password=WORKSHOP_PASSWORD):
    session, r = browser_login(hub.url, username, password)
    assert r.status_code == 302, (r.status_code, r.text[:500])
    return session


def test_roster_user_logs_in_with_workshop_password(local_hub):
    session = logged_in(local_hub, "doe_jane")
    home = session.get(f"{local_hub.url}hub/home", allow_redirects=False)
    assert home.status_code == 200
    assert "doe_jane" in home.text


def test_login_forgives_case_accents_and_spaces(local_hub):
    session, r = browser_login(local_hub.url, "  O'Brien_Zoë ", WORKSHOP_PASSWORD)
    assert r.status_code == 302
    me = api_with_cookies(session, "GET", f"{local_hub.url}hub/api/user")
    assert me.json()["name"] == "obrien_zoe"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("doe_jane", "wrong-password", "Invalid username or password"),  # wrong password
        ("smith_john", WORKSHOP_PASSWORD, "Invalid username or password"),  # not on roster
        ("jane", WORKSHOP_PASSWORD, "lastname_firstname"),  # bad format
        ("doe_jane_x", WORKSHOP_PASSWORD, "lastname_firstname"),
        ("instructor", WORKSHOP_PASSWORD, "Invalid username or password"),  # admin needs admin pw
    ],
)
def test_bad_logins_are_refused(local_hub, username, password, message):
    session, r = browser_login(local_hub.url, username, password)
    assert r.status_code == 403
    assert message in r.text
    assert "jupyterhub-session-id" not in session.cookies or not session.cookies.get(
        "jupyterhub-hub-login"
    )


def test_login_page_explains_username_format(local_hub):
    page = requests.get(f"{local_hub.url}hub/login", timeout=30).text
    assert "lastname_firstname" in page
    assert "vanderberg_jeanluc" in page
    assert WORKSHOP_PASSWORD not in page


def test_admin_pages_need_admin_password(local_hub):
    attendee = logged_in(local_hub, "doe_jane")
    assert attendee.get(f"{local_hub.url}hub/admin", allow_redirects=False).status_code == 403
    admin = logged_in(local_hub, "instructor", ADMIN_PASSWORD)
    page = admin.get(f"{local_hub.url}hub/admin", allow_redirects=False)
    assert page.status_code == 200
    # the admin sees every user (the admin page's API)
    users = api_with_cookies(admin, "GET", f"{local_hub.url}hub/api/users")
    assert users.status_code == 200
    assert {"doe_jane", "instructor"} <= {u["name"] for u in users.json()}
    # an attendee may not list users
    assert api_with_cookies(attendee, "GET", f"{local_hub.url}hub/api/users").status_code == 403


def test_secrets_are_private_and_not_logged(local_hub):
    data = local_hub.data_dir
    assert is_private(data), oct(data.stat().st_mode)
    assert is_private(data / "secrets.json"), oct((data / "secrets.json").stat().st_mode)
    stored = json.loads((data / "secrets.json").read_text())
    assert len(stored["admin_password"]) >= 32 and len(stored["api_token"]) >= 32
    log = local_hub.log_path.read_text(errors="replace")
    for secret in (
        WORKSHOP_PASSWORD,
        ADMIN_PASSWORD,
        stored["api_token"],
        stored["proxy_token"],
        stored["workshop_password"],
    ):
        assert secret not in log


def test_user_server_is_private_and_work_survives_restart(local_hub):
    jane, richard = logged_in(local_hub, "doe_jane"), logged_in(local_hub, "roe_richard")
    for name in ("doe_jane", "roe_richard"):
        local_hub.client.start_server(name)
    for name in ("doe_jane", "roe_richard"):
        local_hub.client.wait_ready(name, timeout=240)
    jane_api = f"{local_hub.url}user/doe_jane/api/"
    # the first visit does the OAuth hand-off that sets the per-user cookie
    assert open_user_server(jane, local_hub.url, "doe_jane").status_code == 200
    assert jane.get(f"{jane_api}status", timeout=60).status_code == 200
    # Jane cannot reach Richard's server, and Richard cannot reach Jane's
    assert open_user_server(jane, local_hub.url, "roe_richard").status_code == 403
    assert jane.get(f"{local_hub.url}user/roe_richard/api/contents", timeout=60).status_code == 403
    assert open_user_server(richard, local_hub.url, "doe_jane").status_code == 403
    assert richard.get(f"{jane_api}contents", timeout=60).status_code == 403

    notebook = {
        "type": "notebook",
        "content": {
            "cells": [
                {
                    "cell_type": "code",
                    "source": "x = 42",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
    }
    put = api_with_cookies(jane, "PUT", f"{jane_api}contents/my_work.ipynb", json=notebook)
    assert put.status_code in (200, 201), put.text[:300]
    home = local_hub.data_dir / "homes" / "doe_jane"
    assert (home / "my_work.ipynb").exists()

    local_hub.client.stop_server("doe_jane")
    assert jane.get(f"{jane_api}contents/my_work.ipynb", timeout=60).status_code != 200
    local_hub.client.start_server("doe_jane")
    local_hub.client.wait_ready("doe_jane", timeout=240)
    open_user_server(jane, local_hub.url, "doe_jane")
    got = jane.get(f"{jane_api}contents/my_work.ipynb", timeout=60)
    assert got.status_code == 200
    assert got.json()["content"]["cells"][0]["source"] == "x = 42"


def test_status_reports_running_servers(local_hub):
    local_hub.client.start_server("mustermann_max")
    local_hub.client.wait_ready("mustermann_max", timeout=240)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "hub.cli.main",
            "status",
            "--json",
            "--data-dir",
            str(local_hub.data_dir),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    servers = {s["user"]: s for s in status["servers"]}
    assert servers["mustermann_max"]["ready"] is True
    assert servers["mustermann_max"]["memory_mb"] > 10  # a real process was measured
    # the port the hub really runs on (a free one here), not the settings' default 8000
    assert status["url"].endswith(f":{local_hub.settings.port}/")
    assert status["spawner"] == "local"
    assert status["learners_running"] == sum(not s["admin"] for s in status["servers"]) >= 1
    handout = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "roster", "list", "--data-dir", str(local_hub.data_dir)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    ).stdout  # fmt: skip
    assert status["url"] in handout


def test_failed_logins_per_username_are_rate_limited_then_unlock(local_hub):
    time.sleep(LOCKOUT + 0.5)  # start with empty windows
    limit = HUB_SETTINGS["login_failures_per_user"]
    for _ in range(limit):
        assert browser_login(local_hub.url, "roe_richard", "nope-nope-nope")[1].status_code == 403
    _, r = browser_login(local_hub.url, "roe_richard", WORKSHOP_PASSWORD)
    assert r.status_code == 429  # locked, even with the right password
    assert "Too many failed logins" in r.text
    assert 1 <= int(r.headers["Retry-After"]) <= LOCKOUT
    # other users are not affected by Richard's lockout
    assert browser_login(local_hub.url, "doe_jane", WORKSHOP_PASSWORD)[1].status_code == 302
    time.sleep(LOCKOUT + 0.5)
    assert browser_login(local_hub.url, "roe_richard", WORKSHOP_PASSWORD)[1].status_code == 302


def test_failed_logins_per_address_are_rate_limited(local_hub):
    time.sleep(LOCKOUT + 0.5)
    limit = HUB_SETTINGS["login_failures_per_ip"]
    # distinct unknown names: each stays under the per-username limit
    for i in range(limit):
        assert browser_login(local_hub.url, f"nobody_n{i}", WORKSHOP_PASSWORD)[1].status_code == 403
    _, r = browser_login(local_hub.url, "doe_jane", WORKSHOP_PASSWORD)
    assert r.status_code == 429
    time.sleep(LOCKOUT + 0.5)
    assert browser_login(local_hub.url, "doe_jane", WORKSHOP_PASSWORD)[1].status_code == 302


def test_workshop_down_stops_hub_and_servers(tmp_path):
    hub = start_hub(tmp_path / "data", people=[("Ada", "Lovelace")])
    try:
        hub.client.start_server("lovelace_ada")
        hub.client.wait_ready("lovelace_ada", timeout=240)
        server_pid = hub.client.user("lovelace_ada")["servers"][""]["state"]["pid"]
        assert psutil.pid_exists(server_pid)
        out = subprocess.run(
            [sys.executable, "-m", "hub.cli.main", "down", "--data-dir", str(hub.data_dir)],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=120,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert hub.process.wait(timeout=60) == 0
        # the hub stopped the user's server on its way out
        assert not psutil.pid_exists(server_pid) or psutil.Process(server_pid).status() == "zombie"
        with pytest.raises(requests.ConnectionError):
            requests.get(hub.url, timeout=5)
        assert not (hub.data_dir / "workshop.pid").exists()
    finally:
        hub.stop()


def test_code_runs_in_a_users_kernel_and_errors_are_reported(local_hub):
    """What `workshop doctor` does with the tutorial's first cells."""
    local_hub.client.start_server("mustermann_max")
    local_hub.client.wait_ready("mustermann_max", timeout=240)
    results = run_code_in_kernel(
        f"{local_hub.url}user/mustermann_max/",
        local_hub.credentials.api_token,
        ["import os; print(6 * 7, os.getcwd())", "1 / 0", "print('not reached')"],
        timeout=120,
    )
    assert results[0]["status"] == "ok"
    assert results[0]["stdout"].split()[0] == "42"
    assert results[0]["stdout"].split()[1].endswith("homes/mustermann_max")
    assert results[1]["status"] == "error" and "ZeroDivisionError" in results[1]["error"]
    assert len(results) == 2  # stops at the first error


def test_both_interfaces_are_served_and_the_server_opens_on_the_tutorial(local_hub):
    """JupyterLab (the default) and Notebook 7's /tree both answer; / leads to the tutorial."""
    session = logged_in(local_hub, "mustermann_max")
    local_hub.client.start_server("mustermann_max")
    local_hub.client.wait_ready("mustermann_max", timeout=240)
    opened = open_user_server(session, local_hub.url, "mustermann_max")
    assert opened.status_code == 200
    assert opened.url.endswith("/user/mustermann_max/lab/tree/workshop_tutorial.ipynb")
    tree = session.get(f"{local_hub.url}user/mustermann_max/tree", timeout=60)
    assert tree.status_code == 200 and "notebook" in tree.text.lower()
    notification = session.get(
        f"{local_hub.url}user/mustermann_max/lab/api/settings/"
        "@jupyterlab/apputils-extension:notification",
        timeout=60,
    ).json()
    # image/overrides.json (installed for local servers by bootstrap): no news question
    assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"


def test_a_dying_kernel_is_explained_under_its_cell(local_hub):
    """The server says why a kernel died (here killed with SIGKILL, as the OOM killer does)."""
    from hub.client import HubError

    local_hub.client.start_server("mustermann_max")
    local_hub.client.wait_ready("mustermann_max", timeout=240)
    with pytest.raises(HubError) as died:
        run_code_in_kernel(
            f"{local_hub.url}user/mustermann_max/",
            local_hub.credentials.api_token,
            ["import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
            timeout=120,
        )
    message = str(died.value)
    assert "the kernel died" in message
    assert "killed (SIGKILL)" in message and "ran out of memory" in message
    assert "parameters cell" in message  # what to do next


def test_roster_remove_signs_the_attendee_out_of_the_running_hub(local_hub):
    session = logged_in(local_hub, "obrien_zoe")
    assert api_with_cookies(session, "GET", f"{local_hub.url}hub/api/user").status_code == 200
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "hub.cli.main",
            "roster",
            "remove",
            "OBrien_Zoe",
            "--data-dir",
            str(local_hub.data_dir),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "signed out" in out.stdout
    assert api_with_cookies(session, "GET", f"{local_hub.url}hub/api/user").status_code == 403
    _, r = browser_login(local_hub.url, "obrien_zoe", WORKSHOP_PASSWORD)
    assert r.status_code == 403  # no longer on the roster
