"""The class board in Chromium, on a real hub with a roster of three (the issue's "done means",
board side): learner A runs the tutorial to its first test auROC at small sizes, learner B runs
the training cell out of order (NameError) and asks for help, learner C never logs in. The
instructor's board shows A at its section with the auROC, B's error at the right cell and in the
help queue (taken, then B's kernel killed shows "kernel died"), C not logged in; the read-only
look follows B's next save and leaves the file as B saved it; editing A's notebook together
exists only after A accepts on the board's consent page, and ends; B gets 403 on the board.
Screenshots under test-artifacts/test_board_in_chromium/.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from browser import launch, login, new_page, wait_for_lab
from classroom_support import code_cells, open_notebook_session, run_cells, workshop_cli
from hub_fixtures import ADMIN_PASSWORD, WORKSHOP_PASSWORD, start_hub

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]
A, B, C = "doe_jane", "roe_richard", "obrien_zoe"
NOTEBOOK = "workshop_tutorial.ipynb"
SMALL = "NUM_SEQS = 300\nSEQ_LENGTH = 500\nMAX_EPOCHS = 5\nBATCH_SIZE = None\n"
SMALL += "LEARNING_RATE = 0.01\nNUM_INTERPRET = 50\nSEED = 0\n"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    people = [("Jane", "Doe"), ("Richard", "Roe"), ("Zoë", "O'Brien")]
    hub = start_hub(
        tmp_path_factory.mktemp("board") / "data", people=people, settings={"board_poll_seconds": 2}
    )
    try:
        yield hub
    finally:
        hub.stop()


def tutorial(hub, name: str) -> dict:
    return json.loads((Path(hub.data_dir) / "homes" / name / NOTEBOOK).read_text())


def cell_index(notebook: dict, text: str) -> int:
    return next(
        i for i, c in enumerate(notebook["cells"], 1) if "".join(c["source"]).startswith(text)
    )


def kill_kernel(kernel_id: str) -> None:
    """SIGKILL the kernel process of ``kernel_id`` (as the out-of-memory killer would)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"kernel-{kernel_id}.json".encode() in cmdline:
            os.kill(int(pid), signal.SIGKILL)
            return
    raise AssertionError(f"no process for kernel {kernel_id}")


def test_board_in_chromium(hub, artifacts, tmp_path):
    token, url = hub.credentials.api_token, hub.url
    for name in (A, B):
        hub.client.start_server(name)
    for name in (A, B):
        hub.client.wait_ready(name, timeout=300)

    # A: the tutorial from its settings to the first test auROC, at small sizes
    nb = tutorial(hub, A)
    last = cell_index(nb, "test_SequenceDNN(")
    cells = [(cid, SMALL if i == 3 else src) for i, cid, src in code_cells(nb, 3, last)]
    kernel_a = open_notebook_session(f"{url}user/{A}/", token, NOTEBOOK)
    results = run_cells(f"{url}user/{A}/", token, kernel_a, cells)
    assert all(r["status"] == "ok" for r in results) and len(results) == len(cells), results[-1]

    # B: the training cell first (NameError), then "I'm stuck" at that cell
    train = cell_index(nb, "train_SequenceDNN(")
    [(_, train_id, train_src)] = code_cells(tutorial(hub, B), train, train)
    kernel_b = open_notebook_session(f"{url}user/{B}/", token, NOTEBOOK)
    [result] = run_cells(f"{url}user/{B}/", token, kernel_b, [(train_id, train_src)])
    assert result["error"].startswith("NameError"), result
    r = requests.post(
        f"{url}user/{B}/api/workshop/stuck",
        headers={"Authorization": f"token {token}"},
        json={"notebook": NOTEBOOK, "cell_id": train_id, "cell_index": train},
        timeout=30,
    )
    assert r.status_code == 200, r.text

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = new_page(browser)
        login(page, url, "instructor", ADMIN_PASSWORD)
        page.wait_for_url("**/hub/**")
        page.goto(url + "services/board/")
        try:
            page.wait_for_selector(f"#queue li[data-username='{B}']")
        except Exception:
            page.screenshot(path=str(artifacts / "failed-board.png"), full_page=True)
            raise
        row = {n: page.locator(f"#room tr[data-username='{n}']") for n in (A, B, C)}
        page.wait_for_function(
            f"() => document.querySelector(\"tr[data-username='{A}'] .progress\").textContent"
            ".includes('auROC')"
        )
        assert "2. A convolutional neural network: test auROC" in row[A].inner_text()
        b_text = row[B].inner_text()
        assert f"cell {train}: NameError: name 'train_SequenceDNN' is not defined" in b_text
        assert f"stuck at cell {train}" in b_text
        assert "not logged in" in row[C].inner_text()
        summary = page.inner_text("#summary")
        assert summary.startswith("3 learners · not logged in 1, ready 2") and "1 stuck" in summary
        page.screenshot(path=str(artifacts / "1-board.png"), full_page=True)

        page.click(f"#queue li[data-username='{B}'] button:text('Take')")
        page.wait_for_selector(f"#queue li[data-username='{B}']:has-text('taken by instructor')")
        # B's kernel killed while a cell runs (JupyterLab connected, as when memory runs out)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(
                run_cells,
                f"{url}user/{B}/",
                token,
                kernel_b,
                [(train_id, "import time; time.sleep(120)")],
            )
            time.sleep(5)
            kill_kernel(kernel_b)
            assert running.result(timeout=60)[-1]["status"] == "died"
        page.wait_for_function(
            f"() => document.querySelector(\"tr[data-username='{B}'] .died\").textContent"
            ".includes('kernel died')",
            timeout=120_000,
        )
        page.screenshot(path=str(artifacts / "2-taken-kernel-died.png"), full_page=True)

        # the read-only look at B's notebook, following B's next save
        with page.context.expect_page() as opened:
            row[B].locator("a:text('Look')").click()
        look = opened.value
        look.wait_for_selector("#cell-1")
        look.screenshot(path=str(artifacts / "3-look.png"))
        edited = tutorial(hub, B)
        edited["cells"][2]["source"] = SMALL + "# B's next edit\n"
        saved = requests.put(
            f"{url}user/{B}/api/contents/{NOTEBOOK}",
            headers={"Authorization": f"token {token}"},
            json={"type": "notebook", "format": "json", "content": edited},
            timeout=30,
        )
        assert saved.status_code == 200, saved.text
        before = (Path(hub.data_dir) / "homes" / B / NOTEBOOK).read_bytes()
        look.wait_for_selector('#cell-3:has-text("B\'s next edit")', timeout=30_000)
        time.sleep(3)  # a few more refreshes: the look must not write
        assert (Path(hub.data_dir) / "homes" / B / NOTEBOOK).read_bytes() == before
        look.locator("#cell-3").scroll_into_view_if_needed()
        look.screenshot(path=str(artifacts / "4-look-follows-edit.png"))

        # editing together: asked from the board, reaching A in JupyterLab as a notification whose
        # button opens the board's consent page, where A accepts
        learner_a = new_page(browser)
        login(learner_a, url, A, WORKSHOP_PASSWORD)
        learner_a.wait_for_url("**/user/**")
        learner_a.goto(f"{url}user/{A}/lab")
        wait_for_lab(learner_a)
        page.bring_to_front()
        row[A].locator("button:text('Ask to edit together')").click()
        row[A].locator("text=asked to edit together").wait_for()
        told = requests.get(
            f"{url}user/{A}/api/workshop/notices?after=0",
            headers={"Authorization": f"token {token}"},
            timeout=30,
        ).json()["notices"][-1]
        link = re.search(r"http\S+/services/board/consent/[\w-]+", told["text"]).group(0)
        assert link.startswith(url)
        learner_a.bring_to_front()
        learner_a.get_by_text("asks to edit").first.wait_for(timeout=60_000)
        with learner_a.context.expect_page() as opened:
            learner_a.get_by_role("button", name="Open the link").first.click()
        consent = opened.value
        consent.wait_for_load_state()
        assert consent.url == link
        consent.screenshot(path=str(artifacts / "5-consent-asked.png"))
        consent.click("button:text('Accept')")
        consent.wait_for_selector("#status:text('accepted')")
        together = row[A].locator("a:text('Edit together')")
        together.wait_for()
        assert together.get_attribute("href") == f"/user/{A}/lab/tree/{NOTEBOOK}"
        page.screenshot(path=str(artifacts / "6-edit-together.png"), full_page=True)
        row[A].locator("button:text('End')").click()
        row[A].locator("button:text('Ask to edit together')").wait_for()
        log = (Path(hub.data_dir) / "board-access.log").read_text().splitlines()
        actions = [json.loads(line)["action"] for line in log]
        assert actions[-3:] == ["share-asked", "share-accepted", "share-ended"]

        learner = new_page(browser)
        login(learner, url, B, WORKSHOP_PASSWORD)
        learner.wait_for_url("**/user/**")
        answer = learner.goto(url + "services/board/")
        assert answer.status == 403
        learner.screenshot(path=str(artifacts / "7-learner-403.png"))

        # a word and a fix for everyone: the announcement shows inside A's JupyterLab, and the
        # pushed notebook arrives beside A's copy, which keeps its bytes
        learner_a.goto(f"{url}user/{A}/lab/tree/{NOTEBOOK}")
        wait_for_lab(learner_a)
        said = workshop_cli(hub, "announce", "Section 3 starts at 11:00")
        assert said.returncode == 0, said.stderr
        learner_a.get_by_text("Section 3 starts at 11:00").wait_for(timeout=60_000)
        mine = (Path(hub.data_dir) / "homes" / A / NOTEBOOK).read_bytes()
        fixed = tmp_path / NOTEBOOK
        fixed.write_bytes(mine)
        pushed = workshop_cli(hub, "push", str(fixed))
        assert pushed.returncode == 0, pushed.stderr
        learner_a.get_by_text("An updated notebook has arrived").wait_for(timeout=60_000)
        target = pushed.stdout.split(" as '", 1)[1].split("'", 1)[0]
        assert (Path(hub.data_dir) / "homes" / A / target).is_file()
        assert (Path(hub.data_dir) / "homes" / A / NOTEBOOK).read_bytes() == mine
        learner_a.screenshot(path=str(artifacts / "8-announce-and-push.png"))
        browser.close()
