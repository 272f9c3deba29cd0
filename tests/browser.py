"""Headless Chromium for the browser tier: Debian's ``/usr/bin/chromium`` driven by Playwright.

Playwright never downloads a browser here (``executable_path``); the flags keep Chromium from
talking to anything but the pages the test opens. Helpers speak JupyterHub's login form and
JupyterLab's file browser and notebook the way a person would (clicks and keys).
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
# the notebook in the active tab
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def chromium_or_skip() -> str:
    """Path of the Chromium binary; skips the test when it (or Playwright) is missing."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} is missing (tests/system_deps.sh installs Debian's chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright (PyPI) is not installed")
    return CHROMIUM


def _playwright_timeout():
    from playwright.sync_api import TimeoutError

    return TimeoutError


def launch(playwright):
    """A headless Chromium browser from Debian's package."""
    return playwright.chromium.launch(
        executable_path=chromium_or_skip(), headless=True, args=CHROMIUM_ARGS
    )


def new_page(browser):
    """A fresh context (own cookies) and page with generous timeouts for a busy 2-core host."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def login(page, base_url: str, username: str, password: str) -> None:
    """Fill in the hub's login form and submit it."""
    page.goto(base_url.rstrip("/") + "/hub/login")
    page.fill("#username_input", username)
    page.fill("#password_input", password)
    page.click("#login_submit")


def wait_for_lab(page, timeout_ms: int = 300_000) -> None:
    """Wait until JupyterLab's file browser lists files (spawn included)."""
    page.wait_for_selector(".jp-DirListing-content .jp-DirListing-item", timeout=timeout_ms)


def listed_files(page) -> list[str]:
    """Names shown in JupyterLab's file browser."""
    return page.locator(".jp-DirListing-item .jp-DirListing-itemText").all_inner_texts()


def open_from_file_browser(page, name: str) -> None:
    """Double-click ``name`` in the file browser; wait for its cells and an idle kernel.

    JupyterLab first shows a placeholder cell, then the notebook's own cells: this waits until
    the first cells on screen are the file's (their types read through the contents API).
    """
    page.locator(".jp-DirListing-item", has_text=name).first.dblclick()
    model = fetch_json(page, f"{page.url.split('/lab')[0]}/api/contents/{name}")["body"]
    types = [c["cell_type"] for c in model["content"]["cells"][:3]]
    page.wait_for_function(
        """([sel, types]) => {
            const cells = Array.from(document.querySelectorAll(sel)).slice(0, types.length);
            return cells.length === types.length && cells.every((c, i) =>
                c.classList.contains(types[i] === 'code' ? 'jp-CodeCell' :
                    types[i] === 'markdown' ? 'jp-MarkdownCell' : 'jp-RawCell'));
        }""",
        arg=[f"{NOTEBOOK} .jp-Cell", types],
        timeout=TIMEOUT_MS,
    )
    wait_kernel_idle(page)


def wait_kernel_idle(page, timeout_ms: int = 180_000) -> None:
    """Wait for the notebook toolbar's kernel status to read idle."""
    page.wait_for_function(
        """() => {
            // the notebook in view: a hidden tab's indicator (a kernel shut down to make room)
            // comes first in the page and must not be read
            const panel = '.jp-NotebookPanel:not(.lm-mod-hidden) ';
            const el = document.querySelector(panel + '.jp-Toolbar-kernelStatus, '
                + panel + '.jp-Notebook-ExecutionIndicator');
            if (!el) { return false; }
            const state = (el.getAttribute('data-status') || el.getAttribute('title') || '')
                .toLowerCase();
            return state.includes('idle');
        }""",
        timeout=timeout_ms,
    )


_PROMPT_JS = """([sel, i, pattern]) => {
    const cell = document.querySelectorAll(sel)[i];
    const prompt = cell && cell.querySelector('.jp-InputPrompt');
    return !!prompt && new RegExp(pattern).test(prompt.textContent);
}"""


def run_first_code_cells(page, n: int, timeout_ms: int = 300_000) -> list[str]:
    """Run the notebook's first ``n`` code cells with Shift+Enter; return each one's output text.

    Markdown cells before them are skipped. Each code cell is selected by a click on its prompt
    and run with Shift+Enter; a press that a just-started kernel drops (the prompt does not turn
    to ``[*]`` or ``[N]``) is repeated, as a person would.
    """
    selector = f"{NOTEBOOK} .jp-Cell"
    cells = page.locator(selector)
    outputs: list[str] = []
    index = 0
    while len(outputs) < n:
        cell = cells.nth(index)
        if "jp-CodeCell" not in (cell.get_attribute("class") or ""):
            index += 1
            continue
        for attempt in range(3):
            cell.locator(".jp-InputPrompt").click()
            page.keyboard.press("Shift+Enter")
            try:
                # queued or running ([*]) or done ([N]); JupyterLab may re-create the node
                page.wait_for_function(
                    _PROMPT_JS, arg=[selector, index, "\\[(\\*|\\d+)\\]"], timeout=15_000
                )
                break
            except _playwright_timeout():
                if attempt == 2:
                    raise
        page.wait_for_function(_PROMPT_JS, arg=[selector, index, "\\[\\d+\\]"], timeout=timeout_ms)
        outputs.append("\n".join(cell.locator(".jp-OutputArea-output").all_inner_texts()))
        index += 1
    return outputs


def fetch_json(page, path: str, method: str = "GET", body=None):
    """Call a same-origin JSON API from the page (the user's cookies and XSRF token)."""
    return page.evaluate(
        """async ([path, method, body]) => {
            const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
            const r = await fetch(path, {
                method, credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-XSRFToken': decodeURIComponent(xsrf)},
                body: body === null ? undefined : JSON.stringify(body),
            });
            const text = await r.text();
            return {status: r.status, body: text ? JSON.parse(text) : null};
        }""",
        [path, method, body],
    )
