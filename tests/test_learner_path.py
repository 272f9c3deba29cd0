"""A learner follows the notebooks in their order in one browser, closing nothing: the tutorial
(Run All), then the extras (Run All), then explore (its panels: Simulate, Build, Train), at full
size under the default limits (local spawner, as root: the learner's memory cgroup is
``learner_memory``). JupyterLab keeps every opened notebook's kernel; the learner must never
meet a dead kernel, and the notebook that needed room says which idle kernel made way for it.

Screenshots go to ``test-artifacts/<test>/`` (path printed; ignored by git).
"""

from __future__ import annotations

import os
import re
import time

import pytest
from browser import NOTEBOOK, launch, login, new_page, open_from_file_browser, run_first_code_cells
from hub_fixtures import WORKSHOP_PASSWORD, start_hub

pytestmark = [pytest.mark.browser, pytest.mark.timeout(3600)]

USER = "doe_jane"
DEATH = ("ran out of memory", "The kernel was killed", "The kernel crashed", "The kernel exited")


def _run_all(page, timeout_s: float) -> float:
    """Run > Run All Cells from the menu, as a learner does; seconds until every code cell of the
    notebook has its execution number (a cell that raised stops Run All: that fails here)."""
    from browser import wait_kernel_idle
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wait_kernel_idle(page, timeout_ms=300_000)
    prompts = f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt"
    for attempt in range(3):
        page.locator(f"{NOTEBOOK} .jp-Cell").first.click()  # the notebook has the focus
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        try:  # a press the page dropped (still loading) is repeated, as a person would
            page.wait_for_function(
                "(sel) => Array.from(document.querySelectorAll(sel))"
                ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))",
                arg=prompts,
                timeout=30_000,
            )
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    start = time.monotonic()
    page.wait_for_function(
        """(sel) => {
            const prompts = Array.from(document.querySelectorAll(sel));
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        arg=prompts,
        timeout=int(timeout_s * 1000),
        polling=2000,
    )
    return time.monotonic() - start


def _said(page, name: str) -> str:
    """Every output of notebook ``name`` as saved (JupyterLab renders only the cells in view, so
    the page alone cannot show a cell far above): save it as a learner does, then read it back."""
    from browser import fetch_json

    page.locator(f"{NOTEBOOK} .jp-Cell").first.click()
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => document.querySelectorAll('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty').length === 0",
        timeout=60_000,
    )
    model = fetch_json(page, f"/user/{USER}/api/contents/{name}")["body"]["content"]
    texts = []
    for cell in model["cells"]:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") if isinstance(out.get("text"), str)
                         else "".join(out.get("text", [])))  # fmt: skip
            texts.append(str(out.get("data", {}).get("text/plain", "")))
            texts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
    return "\n".join(texts)


@pytest.fixture
def room(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the learner's memory limit is a cgroup only when the hub runs as root")
    hub = start_hub(tmp_path / "data", people=[("Jane", "Doe")], settings={"class_size": 1})
    try:
        yield hub
    finally:
        hub.stop()


def test_tutorial_then_extras_then_explore_without_a_dead_kernel(room, artifacts):
    from playwright.sync_api import sync_playwright

    timings = {}
    with sync_playwright() as pw:
        browser = launch(pw)
        page = new_page(browser)
        login(page, room.url, USER, WORKSHOP_PASSWORD)
        page.wait_for_url(re.compile(rf"/user/{USER}/lab/tree/workshop_tutorial.ipynb"),
                          timeout=300_000)  # fmt: skip
        page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=300_000)
        page.wait_for_selector(".jp-DirListing-item", timeout=120_000)
        from browser import wait_kernel_idle

        wait_kernel_idle(page, timeout_ms=300_000)
        # opened, not modified: once its kernel has said what it is, the tab shows no dirty dot
        page.wait_for_function(
            "() => document.querySelectorAll('.lm-TabBar-tab.jp-mod-dirty').length === 0",
            timeout=15_000,
        )

        timings["tutorial"] = _run_all(page, 1500)
        tutorial = _said(page, "workshop_tutorial.ipynb")
        assert not any(d in tutorial for d in DEATH), tutorial[-3000:]
        page.screenshot(path=str(artifacts / "1-tutorial-done.png"))

        open_from_file_browser(page, "extras.ipynb")  # the tutorial's tab stays open
        timings["extras"] = _run_all(page, 1800)
        extras = _said(page, "extras.ipynb")
        assert not any(d in extras for d in DEATH), extras[-3000:]
        assert "the idle kernel of workshop_tutorial.ipynb" in extras, extras[:3000]
        page.screenshot(path=str(artifacts / "2-extras-done.png"))

        open_from_file_browser(page, "explore.ipynb")
        run_first_code_cells(page, 5)  # parameters, then the four panels
        for label, done in (("Simulate", "Training sequence"), ("Build", "total parameters"),
                            ("Train", "Finished after")):  # fmt: skip
            page.locator(f"{NOTEBOOK} button.widget-button", has_text=label).first.click()
            page.locator(NOTEBOOK, has_text=done).wait_for(timeout=1_200_000)
        explore = _said(page, "explore.ipynb")
        assert not any(d in explore for d in DEATH), explore[-3000:]
        assert re.search(r"Test auROC ([0-9.]+)", page.locator(NOTEBOOK).text_content() or "")
        page.screenshot(path=str(artifacts / "3-explore-trained.png"))
        tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab").all_inner_texts()
        assert sum(name in " ".join(tabs) for name in
                   ("workshop_tutorial", "extras", "explore")) == 3  # fmt: skip
        browser.close()
    print(f"\nRun All at full size under the default limits: {timings}")
