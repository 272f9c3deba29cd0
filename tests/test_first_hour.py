"""The first hour of a class in Chromium, as the instructor and a learner see it (local spawner).

The hub runs in a network namespace of its own, linked to this one by a veth pair and with its
default route over that link, like a machine on the room's network; this namespace plays the
learner's laptop. In order:

1. ``workshop up`` listens on every interface; the handout (``workshop roster list``) names the
   hub's address on its default route, not loopback, and that URL opens the login page from the
   laptop; the login help is shown once, inside the form's box;
2. the learner logs in; JupyterLab opens on the tutorial notebook with no pop-up, the file
   browser shows the full file names; the tutorial's parameters and import cells run without a
   single stderr box;
3. ``explore.ipynb`` on its default path, as a learner clicks: run the panel cells, Simulate,
   Build, Train, Explain; the model beats chance, the attribution plot is drawn, no image is
   broken, no button label is cut, no red error appears on the way.

Screenshots go to ``test-artifacts/<test>/`` (path printed; ignored by git).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid

import pytest
from browser import (
    NOTEBOOK,
    launch,
    listed_files,
    login,
    new_page,
    open_from_file_browser,
    run_first_code_cells,
)
from hub_fixtures import ADMIN_PASSWORD, HUB_SETTINGS, REPO_ROOT, WORKSHOP_PASSWORD, require_proxy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]

TUTORIAL = "workshop_tutorial.ipynb"
EXPLORE = "explore.ipynb"
USER = "doe_jane"
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture
def hub_namespace():
    """``(namespace, hub address)``: a network namespace whose default route leads here."""
    import os

    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 to make a network namespace")
    tag = uuid.uuid4().hex[:6]
    ns, here, there = f"wshub-{tag}", f"wsl{tag}", f"wsh{tag}"
    # 198.18.0.0/15 is reserved for network tests (RFC 2544): no real host is there
    octet = int(tag[:2], 16)
    hub_ip, laptop_ip = f"198.18.{octet}.1", f"198.18.{octet}.2"
    _ip("netns", "add", ns)
    try:
        _ip("link", "add", here, "type", "veth", "peer", "name", there)
        _ip("link", "set", there, "netns", ns)
        _ip("addr", "add", f"{laptop_ip}/24", "dev", here)
        _ip("link", "set", here, "up")
        for cmd in (
            ["addr", "add", f"{hub_ip}/24", "dev", there],
            ["link", "set", there, "up"],
            ["link", "set", "lo", "up"],
            ["route", "add", "default", "via", laptop_ip],
        ):
            _ip("netns", "exec", ns, "ip", *cmd)
        yield ns, hub_ip
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)


@pytest.fixture
def room_hub(tmp_path, hub_namespace):
    """``workshop up`` on every interface inside the namespace, roster imported with the CLI."""
    from hub.process import HubProcess, free_port

    require_proxy()
    ns, hub_ip = hub_namespace
    data = tmp_path / "hub"
    data.mkdir()
    (tmp_path / "registrations.csv").write_text("First Name,Last Name\nJane,Doe\n", "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "roster", "import", str(tmp_path / "registrations.csv"),
         "--data-dir", str(data)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    port = free_port()
    settings = {**HUB_SETTINGS, "ip": "0.0.0.0", "port": port}
    hub = HubProcess(
        data,
        settings=settings,
        env={"WORKSHOP_PASSWORD": WORKSHOP_PASSWORD, "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD},
        wrapper=["ip", "netns", "exec", ns],
        url=f"http://{hub_ip}:{port}/",
    )
    hub.hub_ip = hub_ip
    try:
        yield hub.start(timeout=180)
    finally:
        hub.stop()


def _visible_stderr(page) -> list[str]:
    return page.locator(f"{NOTEBOOK} .jp-OutputArea-output{STDERR}").all_inner_texts()


def _broken_images(page) -> int:
    """Images on the page that are shown but have nothing to show (the broken-image icon)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('img')).filter(img => {
            const shown = img.offsetParent !== null && img.getBoundingClientRect().width > 0;
            return shown && (!img.complete || img.naturalWidth === 0);
        }).length"""
    )


def _cut_labels(page, selector: str) -> list[str]:
    """Texts of the elements matching ``selector`` that do not fit their box."""
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel))
            .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)""",
        selector,
    )


def _click(page, label: str) -> None:
    page.locator(f"{NOTEBOOK} button.widget-button", has_text=label).first.click()


def _panel_text(page) -> str:
    return page.locator(NOTEBOOK).text_content() or ""


def test_the_first_hour_in_chromium(room_hub, artifacts):
    from playwright.sync_api import sync_playwright

    # --- 1. the handout names the hub's address on its default route, not loopback -----------
    handout = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "roster", "list", "--data-dir", str(room_hub.data_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    urls = re.findall(r"https?://[^\s/]+/", handout)
    assert urls, handout
    url = urls[0]
    assert url == f"http://{room_hub.hub_ip}:{room_hub.settings.port}/", handout
    assert "localhost" not in url and "127.0.0.1" not in url
    # the whole log: the line is said once at start, and requests may have followed it since
    log = room_hub.log_path.read_text(errors="replace")
    assert f"DragoNN Workshop hub is up: {url}" in log
    assert "the interface of the default route" in log and "settings set public_host" in log

    with sync_playwright() as pw:
        browser = launch(pw)
        page = new_page(browser)
        page.goto(url + "hub/login")
        help_box = page.locator("#workshop-login-help")
        assert help_box.count() == 1 and help_box.is_visible()
        body = page.locator("body").inner_text()
        assert body.count("lastname_firstname") == 1  # once, not a banner and a footer
        form = page.locator("form").bounding_box()
        box = help_box.bounding_box()
        assert box["y"] < form["y"] + form["height"] + 5  # inside the form's box, not far below
        page.screenshot(path=str(artifacts / "1-login.png"))

        # --- 2. Lab opens on the tutorial, without pop-ups; the import cell is quiet ---------
        login(page, url, USER, WORKSHOP_PASSWORD)
        page.wait_for_url(re.compile(rf"/user/{USER}/lab/tree/{TUTORIAL}"), timeout=300_000)
        page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=300_000)
        page.wait_for_selector(".jp-DirListing-item", timeout=120_000)
        page.wait_for_timeout(5000)  # the news question used to appear a moment after start-up
        assert page.locator(".Toastify__toast").count() == 0
        assert page.locator(".jp-Dialog").count() == 0
        assert "Jupyter news" not in page.locator("body").inner_text()
        assert TUTORIAL in listed_files(page)
        assert not _cut_labels(page, ".jp-DirListing-itemText"), "file names are cut off"
        page.screenshot(path=str(artifacts / "2-tutorial-opened.png"))

        outputs = run_first_code_cells(page, 2)  # parameters, then the imports
        assert not _visible_stderr(page), _visible_stderr(page)
        assert all("Error" not in o for o in outputs), outputs
        import_cell = page.locator(f"{NOTEBOOK} .jp-CodeCell").nth(1)
        assert "[2]" in import_cell.locator(".jp-InputPrompt").inner_text()
        import_cell.screenshot(path=str(artifacts / "3-tutorial-import-cell.png"))

        # --- 3. explore.ipynb, default path, as a learner clicks -----------------------------
        open_from_file_browser(page, EXPLORE)
        run_first_code_cells(page, 5)  # parameters, then the four panels
        assert not _visible_stderr(page), _visible_stderr(page)  # the Trainer cell included
        assert "Could not" not in _panel_text(page)  # no red error before the learner acts
        assert _broken_images(page) == 0
        _click(page, "Simulate")
        page.locator(NOTEBOOK, has_text="Training sequence").wait_for(timeout=300_000)
        _click(page, "Build")
        page.locator(NOTEBOOK, has_text="total parameters").wait_for(timeout=300_000)
        assert not _cut_labels(page, f"{NOTEBOOK} .widget-toggle-button"), "labels cut off"
        _click(page, "Train")
        page.locator(NOTEBOOK, has_text="Finished after").wait_for(timeout=1_200_000)
        verdict = re.search(r"Test auROC ([0-9.]+)", _panel_text(page))
        assert verdict, _panel_text(page)[-2000:]
        _click(page, "Explain")
        page.locator(NOTEBOOK, has_text="predicted probability").wait_for(timeout=600_000)
        assert "Could not" not in _panel_text(page), _panel_text(page)[-2000:]
        assert _broken_images(page) == 0
        attribution = page.locator(f"{NOTEBOOK} .widget-image").last
        assert attribution.is_visible()
        size = attribution.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert size[0] > 300 and size[1] > 100, size  # a drawn plot, not an empty image
        page.set_viewport_size({"width": 1400, "height": 1800})  # whole panels in the shots
        outputs = page.locator(f"{NOTEBOOK} .jp-Cell.jp-CodeCell .jp-OutputArea")
        for i, name in enumerate(["picker", "builder", "trainer", "explorer"], start=1):
            outputs.nth(i).screenshot(path=str(artifacts / f"4-explore-{i}-{name}.png"))
        page.screenshot(path=str(artifacts / "5-explore-after-explain.png"))
        browser.close()
    auroc = float(verdict.group(1))
    print(f"\nexplore default path: test auROC {auroc:.3f}")
    assert auroc > 0.6, f"the default path should learn (test auROC {auroc:.3f}, chance 0.5)"
