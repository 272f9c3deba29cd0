"""The learner side of the class board in Chromium, on a real hub (local spawner, loopback):
what a learner does reaches their server's ``api/workshop/state``, and the instructor's word
reaches the learner's JupyterLab (image/workshop_classroom/, image/labextension/).

1. learner B runs the training cell before the cells that define the model: the NameError is in
   ``api/workshop/state`` (read with the hub's CLI token, as the board reads it) at the right cell
   index and section, and a line under the traceback offers "I'm stuck";
2. B presses "I'm stuck" in the notebook toolbar: a confirmation appears and ``stuck`` names the
   cell and section; its "I'm not stuck any more" clears it, and the button under the traceback
   sets it again for that cell;
3. a notice POSTed with the CLI token (``access:servers``) appears in B's JupyterLab as a
   notification, once (not again after a reload), and an announcement in Notebook 7, whose
   notebook toolbar also has "I'm stuck";
4. learner A's browser session and A's server token (which A's kernels inherit, so A's code
   holds it) get 403/404 on B's ``api/workshop/state`` (the token is live: the hub answers it as A);
5. B's kernel is killed: the state shows the kernel died, with the sentence B reads under the cell.

Screenshots go to ``test-artifacts/<test>/``.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import psutil
import pytest
import requests
from browser import NOTEBOOK, launch, login, new_page, wait_kernel_idle
from hub_fixtures import REPO_ROOT, WORKSHOP_PASSWORD, start_hub

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1500)]

TUTORIAL = "workshop_tutorial.ipynb"
PEOPLE = [("Jane", "Doe"), ("Richard", "Roe")]
A, B = "doe_jane", "roe_richard"
LABEXT = "dragonn-workshop-classroom"
ACCESS_TEXT = "The instructor is looking at your notebook (read-only)"
ANNOUNCEMENT = "Break until 10:45; the next part starts with section 3."


def _require_installed_extension() -> None:
    """The lab extension and overrides the servers load are this checkout's (bootstrap.sh)."""
    share = Path(os.path.realpath(REPO_ROOT / ".venv")) / "share" / "jupyter"
    pairs = [
        (REPO_ROOT / "image" / "labextension" / "static" / "remoteEntry.js",
         share / "labextensions" / LABEXT / "static" / "remoteEntry.js"),
        (REPO_ROOT / "image" / "labextension" / "package.json",
         share / "labextensions" / LABEXT / "package.json"),
        (REPO_ROOT / "image" / "overrides.json", share / "lab" / "settings" / "overrides.json"),
    ]  # fmt: skip
    stale = [str(i) for s, i in pairs if not i.exists() or i.read_bytes() != s.read_bytes()]
    if stale:
        pytest.fail(f"installed files differ from the checkout: {stale}; run hub/bootstrap.sh")


def _training_cell_index() -> int:
    import json

    cells = json.loads((REPO_ROOT / "notebooks" / TUTORIAL).read_text("utf-8"))["cells"]
    for i, cell in enumerate(cells, 1):
        if "".join(cell["source"]).startswith("train_SequenceDNN(shallow_cnn"):
            return i
    raise AssertionError("no training cell in the tutorial")


def _cli_get(hub, user: str, path: str, token: str | None = None) -> requests.Response:
    token = token or hub.credentials.api_token
    return requests.get(
        f"{hub.url}user/{user}/{path}", headers={"Authorization": f"token {token}"}, timeout=60
    )


def _state(hub, user: str) -> dict:
    r = _cli_get(hub, user, "api/workshop/state")
    r.raise_for_status()
    return r.json()


def _wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _kernel_processes(user: str) -> list[psutil.Process]:
    """The ipykernel processes of ``user``'s server (the test runs as root and reads them)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if "ipykernel" in cmdline and proc.environ().get("JUPYTERHUB_USER") == user:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _server_token(hub, user: str) -> str:
    """The hub API token of ``user``'s server process of ``hub`` (its kernels inherit its
    environment). Told apart by its home: another hub on this machine (another test, CI) may
    have a learner of the same name."""
    home = (Path(hub.data_dir) / "homes" / user).resolve()
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            env = proc.environ()
        except psutil.Error:
            continue
        if env.get("JUPYTERHUB_USER") != user or "ipykernel" in cmdline:
            continue
        if Path(env.get("HOME", "/nonexistent")).resolve() == home:
            if env.get("JUPYTERHUB_API_TOKEN"):
                return env["JUPYTERHUB_API_TOKEN"]
    raise AssertionError(f"no server process of {user} found")


def _open_learner(browser, hub, user: str):
    page = new_page(browser)
    login(page, hub.url, user, WORKSHOP_PASSWORD)
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=300_000)
    page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=300_000)
    wait_kernel_idle(page)
    return page


def _status_from(page, url: str) -> int:
    """The status a fetch of ``url`` from the page ends with (redirects followed), sent as
    JupyterLab sends its API calls (cookies and the XSRF header)."""
    return page.evaluate(
        """async (url) => {
            const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
            const headers = {'X-XSRFToken': decodeURIComponent(xsrf)};
            return (await fetch(url, {credentials: 'same-origin', headers})).status;
        }""",
        url,
    )


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _require_installed_extension()
    hub = start_hub(tmp_path_factory.mktemp("classroom") / "data", people=PEOPLE)
    try:
        yield hub
    finally:
        hub.stop()


def test_a_learner_is_seen_stuck_told_and_kept_apart(hub, artifacts):
    from playwright.sync_api import sync_playwright

    training = _training_cell_index()
    with sync_playwright() as pw:
        browser = launch(pw)
        page = _open_learner(browser, hub, B)

        # --- 1. the training cell run out of order -----------------------------------------
        cell = page.locator(f"{NOTEBOOK} .jp-Cell").nth(training - 1)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()
        page.keyboard.press("Control+Enter")  # run in place: the cell stays the active one
        line = cell.locator(".workshop-stuck-line")
        line.wait_for(timeout=120_000)
        assert "NameError" in cell.locator(".jp-OutputArea").inner_text()
        state = _wait_for(lambda: (s := _state(hub, B))["last_error"] and s, what="last_error")
        error = state["last_error"]
        assert (error["ename"], error["cell_index"]) == ("NameError", training), state
        assert error["notebook"] == TUTORIAL and error["evalue"].startswith("name '")
        assert state["section_index"] == 2 and state["section"].startswith("2. "), state
        assert error["section"] == state["section"]
        cell.screenshot(path=str(artifacts / "1-error-with-stuck-line.png"))

        # --- 2. "I'm stuck" from the notebook toolbar ----------------------------------------
        button = page.locator(
            '.jp-NotebookPanel:not(.lm-mod-hidden) [data-jp-item-name="workshop-stuck"]'
        )
        assert "I'm stuck" in button.inner_text()
        button.locator("button, jp-button").first.click()
        toast = page.locator(".Toastify__toast", has_text="Help is on its way")
        toast.wait_for(timeout=30_000)
        assert f"cell {training}" in toast.inner_text()
        stuck = _state(hub, B)["stuck"]
        assert stuck and stuck["cell_index"] == training and stuck["notebook"] == TUTORIAL, stuck
        assert stuck["section"] == state["section"]
        page.screenshot(path=str(artifacts / "2-stuck-confirmed.png"))
        # out of the queue from the confirmation, back in from the line under the error
        toast.get_by_text("I'm not stuck any more").click()
        _wait_for(lambda: _state(hub, B)["stuck"] is None, what="stuck cleared")
        line.locator("button").click()
        again = _wait_for(lambda: _state(hub, B)["stuck"], what="stuck from under the error")
        assert again["cell_index"] == training and again["cell_id"] == stuck["cell_id"], again

        # --- 3. a notice from the instructor -------------------------------------------------
        r = requests.post(
            f"{hub.url}user/{B}/api/workshop/notices",
            headers={"Authorization": f"token {hub.credentials.api_token}"},
            json={"kind": "access", "text": ACCESS_TEXT},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        page.locator(".Toastify__toast", has_text=ACCESS_TEXT).wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "3-notice-shown.png"))
        page.reload()  # shown once: a reload does not show it again
        page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=120_000)
        page.wait_for_timeout(8000)  # more than one poll
        assert page.locator(".Toastify__toast", has_text=ACCESS_TEXT).count() == 0

        # ... and in Notebook 7: the toolbar button and an announcement
        nb7 = page.context.new_page()
        nb7.goto(f"{hub.url}user/{B}/notebooks/{TUTORIAL}")
        nb7.locator('[data-jp-item-name="workshop-stuck"]').wait_for(timeout=120_000)
        r = requests.post(
            f"{hub.url}user/{B}/api/workshop/notices",
            headers={"Authorization": f"token {hub.credentials.api_token}"},
            json={"kind": "announcement", "text": ANNOUNCEMENT},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        nb7.locator(".Toastify__toast", has_text=ANNOUNCEMENT).wait_for(timeout=30_000)
        nb7.screenshot(path=str(artifacts / "3b-notebook7-announcement.png"))
        nb7.close()

        # --- 4. learner A cannot read B's state --------------------------------------------
        page_a = _open_learner(browser, hub, A)
        assert _status_from(page_a, f"/user/{A}/api/workshop/state") == 200
        assert _status_from(page_a, f"/user/{B}/api/workshop/state") in (403, 404)
        a_token = _server_token(hub, A)  # what A's kernels inherit, so what A's code can read
        # a live token (the hub knows it as A's server), refused on B's server
        me = requests.get(
            f"{hub.url}hub/api/user", headers={"Authorization": f"token {a_token}"}, timeout=60
        )
        assert me.status_code == 200 and me.json()["name"] == A, me.text
        assert _cli_get(hub, B, "api/workshop/state", a_token).status_code in (403, 404)
        page_a.context.close()

        # --- 5. B's kernel killed ------------------------------------------------------------
        kernels = _kernel_processes(B)
        assert kernels, "B's kernel process was not found"
        for proc in kernels:
            proc.send_signal(signal.SIGKILL)
        state = _wait_for(
            lambda: (s := _state(hub, B))["kernels"] and s["kernels"][0]["died"] and s,
            timeout=120,
            what="the kernel to be reported dead",
        )
        died = state["kernels"][0]["died"]
        assert "killed (SIGKILL)" in died["why"] and died["cause"] == "killed (SIGKILL)", died
        # B's tab was reloaded since the last cell ran: no cell to explain it under, so what B
        # sees is JupyterLab's own word that the kernel died
        page.locator(".jp-Dialog", has_text="died").wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "4-kernel-died.png"))
        browser.close()
