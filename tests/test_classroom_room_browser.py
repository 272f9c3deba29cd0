"""What a learner sees of ``workshop announce`` and ``workshop push``, in a real browser
(Playwright + Debian's Chromium, a real hub on loopback): the announcement as a notification
inside JupyterLab and inside Notebook 7, and as the banner of the hub's home page, whose
"Download my notebooks" link is there too; a pushed notebook's notification and its file beside
the learner's copy in JupyterLab's file browser. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import pytest
from browser import launch, login, new_page, wait_for_lab
from classroom_support import workshop_cli
from hub_fixtures import WORKSHOP_PASSWORD, start_hub

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]
LEARNER = "doe_jane"
TUTORIAL = "workshop_tutorial.ipynb"


def cli(hub, *args) -> str:
    done = workshop_cli(hub, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_learner_sees_the_announcement_and_the_pushed_notebook(tmp_path, artifacts):
    from playwright.sync_api import sync_playwright

    hub = start_hub(tmp_path / "data", people=[("Jane", "Doe")])
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = new_page(browser)
            login(page, hub.url, LEARNER, WORKSHOP_PASSWORD)
            page.goto(f"{hub.url}user/{LEARNER}/lab")
            wait_for_lab(page)

            cli(hub, "announce", "Break until 11:00, then section 3")
            toast = page.get_by_text("Break until 11:00, then section 3")
            toast.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(artifacts / "1-lab-announcement.png"))

            cli(hub, "announce", "--clear")
            toast.wait_for(state="detached", timeout=60_000)

            source = tmp_path / TUTORIAL
            source.write_bytes(hub.client.session.get(
                f"{hub.url}user/{LEARNER}/files/{TUTORIAL}").content)  # fmt: skip
            out = cli(hub, "push", str(source))
            target = out.split(" as '", 1)[1].split("'", 1)[0]
            page.get_by_text("An updated notebook has arrived").wait_for(timeout=60_000)
            listing = page.locator(".jp-DirListing-item .jp-DirListing-itemText")
            listing.get_by_text(target, exact=True).wait_for(timeout=60_000)
            assert listing.get_by_text(TUTORIAL, exact=True).count() == 1
            page.screenshot(path=str(artifacts / "2-lab-push.png"))

            notebook7 = new_page(browser)
            login(notebook7, hub.url, LEARNER, WORKSHOP_PASSWORD)
            notebook7.goto(f"{hub.url}user/{LEARNER}/tree")
            notebook7.locator(".jp-DirListing-item").first.wait_for(timeout=120_000)
            cli(hub, "announce", "Notebook 7 sees this too")
            notebook7.get_by_text("Notebook 7 sees this too").wait_for(timeout=60_000)
            notebook7.wait_for_timeout(1500)  # the toast slides in from the right
            notebook7.screenshot(path=str(artifacts / "3-notebook7-announcement.png"))

            notebook7.goto(f"{hub.url}hub/home")
            banner = notebook7.locator(".announcement")
            assert banner.inner_text().strip() == "Notebook 7 sees this too"
            assert notebook7.locator("#workshop-download-work").is_visible()
            notebook7.screenshot(path=str(artifacts / "4-hub-home-banner.png"))
            browser.close()
    finally:
        hub.stop()
