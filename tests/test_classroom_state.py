"""The learner server's workshop API (image/workshop_classroom/): progress in the tutorial's own
terms, "I'm stuck" and notices.

- sections come from the real tutorial notebook's headings, numbered as the notebook numbers them;
- a training result line is read from what ``test_SequenceDNN`` prints (real metrics objects);
- the progress is kept in the home, so a restarted server still reports it;
- on a real Jupyter server with a real kernel, driven over the kernel websocket as JupyterLab
  does (``cellId`` in the request's metadata): a cell run out of order shows as the last error
  with its cell index and section, the section reached follows the running cell, a printed test
  result becomes ``result``, "I'm stuck" is set and cleared, notices survive a restart of the
  server, bad input gets 400 naming the parameter, no token gets 403, and a killed kernel shows
  as died with the sentence the learner reads under the cell.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "image"))
from workshop_classroom.notices import NoticeBoard, NoticeError, check_notice  # noqa: E402
from workshop_classroom.sections import outline, training_result  # noqa: E402
from workshop_classroom.state import ClassroomState  # noqa: E402

from hub.paths import REPO_ROOT  # noqa: E402

TUTORIAL = REPO_ROOT / "notebooks" / "workshop_tutorial.ipynb"
TOKEN = "classroom-state-test"


def tutorial_cells() -> list[dict]:
    return json.loads(TUTORIAL.read_text(encoding="utf-8"))["cells"]


def cell_index(cells: list[dict], startswith: str) -> int:
    """1-based index of the first code cell whose source starts with ``startswith``."""
    for i, cell in enumerate(cells, 1):
        if cell["cell_type"] == "code" and "".join(cell["source"]).startswith(startswith):
            return i
    raise AssertionError(f"no code cell starts with {startswith!r}")


# --- sections of the real tutorial -----------------------------------------------------------
def test_sections_follow_the_tutorials_own_numbering():
    cells = tutorial_cells()
    found = outline(cells)
    training = cell_index(cells, "train_SequenceDNN(shallow_cnn")
    assert found.index_of(cells[training - 1]["id"]) == training
    section = found.section_at(training)
    # under "### Training, ..." (unnumbered), the numbered section it belongs to
    assert section.index == 2 and section.title.startswith("2. ")
    settings = found.section_at(cell_index(cells, "NUM_SEQS"))
    assert settings.title == "Settings" and settings.index is None  # before section 1
    filters = found.section_at(cell_index(cells, "interpret_SequenceDNN_filter_centric"))
    assert filters.index == 3 and filters.title.startswith("3a.")
    assert found.index_of("not-a-cell") is None and found.section_at(len(cells) + 1) is None


def test_a_heading_inside_fenced_code_is_not_a_section():
    cells = [
        {"cell_type": "markdown", "source": "## 1. Start", "id": "a"},
        {"cell_type": "markdown", "source": "```\n# 9. a comment\n```", "id": "b"},
        {"cell_type": "code", "source": "x = 1", "id": "c"},
    ]
    assert outline(cells).section_at(3).title == "1. Start"


# --- training results, as the tutorial prints them -------------------------------------------
def _printed_test_result(labels, scores) -> str:
    """What ``test_SequenceDNN`` prints for these labels and scores (the real metrics object)."""
    from tutorial_utils.metrics import ClassificationResult

    result = ClassificationResult(labels, scores)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print("Test performance:")
        print(result)
    return out.getvalue()


def test_the_test_auroc_is_read_from_printed_metrics():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400).astype(bool)
    scores = np.where(labels, 0.7, 0.3) + rng.normal(0, 0.2, 400)
    text = _printed_test_result(labels, scores)
    from tutorial_utils.metrics import ClassificationResult

    expected = f"{ClassificationResult(labels, scores)['auROC'][0]:.3f}"
    assert training_result(text) == f"test auROC {expected}"
    epoch = "Epoch 3: validation loss: 0.412\n" + text.split("\n", 1)[1]
    assert training_result(epoch) == f"epoch 3 validation auROC {expected}"
    assert training_result("print('hello')") is None


# --- state and notices objects ----------------------------------------------------------------
def test_an_error_in_a_cell_run_out_of_order_is_placed_in_its_section(tmp_path):
    (tmp_path / "home").mkdir()
    nb = tmp_path / "home" / "workshop_tutorial.ipynb"
    nb.write_bytes(TUTORIAL.read_bytes())
    cells = tutorial_cells()
    training = cell_index(cells, "train_SequenceDNN(shallow_cnn")
    state = ClassroomState(tmp_path / "home" / ".workshop", tmp_path / "home")
    state.execute_requested("k1", str(nb), "m1", cells[training - 1]["id"])
    state.kernel_message("k1", "status", "m1", {"execution_state": "busy"})
    state.kernel_message(
        "k1", "error", "m1", {"ename": "NameError", "evalue": "name 'shallow_cnn' is not defined"}
    )
    state.kernel_message("k1", "status", "unknown-request", {"execution_state": "busy"})
    # code run in a kernel of no notebook (workshop status, a console) is not progress
    state.execute_requested("k2", None, "m9", None)
    state.kernel_message("k2", "status", "m9", {"execution_state": "busy"})
    state.kernel_message("k2", "error", "m9", {"ename": "KeyError", "evalue": "x"})
    snap = state.snapshot([{"id": "k1", "notebook": str(nb), "execution_state": "idle"}])
    assert snap["section_index"] == 2 and snap["notebook"] == "workshop_tutorial.ipynb"
    error = snap["last_error"]
    assert (error["cell_index"], error["ename"]) == (training, "NameError")
    assert (
        error["evalue"] == "name 'shallow_cnn' is not defined"
        and error["section"] == snap["section"]
    )
    assert snap["kernels"] == [
        {"id": "k1", "notebook": "workshop_tutorial.ipynb", "execution_state": "idle", "died": None}
    ]
    # a restarted server (a new state on the same home) still knows the progress
    again = ClassroomState(tmp_path / "home" / ".workshop", tmp_path / "home").snapshot([])
    assert {k: again[k] for k in ("section", "section_index", "notebook", "last_error")} == {
        k: snap[k] for k in ("section", "section_index", "notebook", "last_error")
    }
    state.kernel_died("k1", "The kernel was killed (SIGKILL) while running this cell.")
    died = state.snapshot([{"id": "k1", "notebook": str(nb)}])["kernels"][0]["died"]
    assert died["why"].startswith("The kernel was killed")
    state.execute_requested("k1", str(nb), "m2", cells[0]["id"])  # running again: alive
    assert state.snapshot([{"id": "k1"}])["kernels"][0]["died"] is None


def test_notices_are_kept_in_the_home_and_checked(tmp_path):
    board = NoticeBoard(tmp_path / ".workshop")
    first = board.post("announcement", "Break until 10:45")
    second = board.post("access", "The instructor is looking at your notebook (read-only)")
    assert second == first + 1
    again = NoticeBoard(tmp_path / ".workshop")  # a restarted server
    assert [n["text"] for n in again.after(first)] == [
        "The instructor is looking at your notebook (read-only)"
    ]
    with pytest.raises(NoticeError, match="kind must be one of"):
        check_notice({"kind": "shout", "text": "x"})
    with pytest.raises(NoticeError, match="text must be a string of 1 to 2000"):
        check_notice({"kind": "announcement", "text": "x" * 2001})
    assert (tmp_path / ".workshop").stat().st_mode & 0o777 == 0o700


# --- a real server and a real kernel ----------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _auth() -> dict:
    return {"Authorization": f"token {TOKEN}"}


def _start_server(home: Path, config: Path = REPO_ROOT / "image") -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_PATH": str(config),
        "WORKSHOP_KERNEL_CULL_IDLE": "0",
        "JUPYTER_RUNTIME_DIR": str(home / ".runtime"),
    }
    log = open(home / "server.log", "ab")  # noqa: SIM115 - the process holds it
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", "--no-browser",
         "--allow-root", f"--ServerApp.root_dir={home}"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}api/status", headers=_auth(), timeout=5).ok:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("server did not start:\n" + (home / "server.log").read_text()[-3000:])


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def server(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "workshop_tutorial.ipynb").write_bytes(TUTORIAL.read_bytes())
    proc, url = _start_server(home)
    yield url, home
    _stop(proc)


def _run(url: str, kernel_id: str, cells: list[tuple[str, str]], timeout=120) -> list[str]:
    """Run ``(cell id, code)`` pairs as JupyterLab does (``cellId`` in the metadata,
    ``hub.client.execute_cells``); each cell's printed text, up to the first error or a kernel
    that died under it."""
    from hub.client import execute_cells

    return [r["stdout"] for r in execute_cells(url, TOKEN, kernel_id, cells, timeout)]


def _state(url: str) -> dict:
    r = requests.get(f"{url}api/workshop/state", headers=_auth(), timeout=30)
    r.raise_for_status()
    return r.json()


def test_a_real_kernel_reports_progress_errors_stuck_and_death(server):
    url, home = server
    cells = tutorial_cells()
    training = cell_index(cells, "train_SequenceDNN(shallow_cnn")
    testing = cell_index(cells, "test_SequenceDNN(shallow_cnn")
    r = requests.post(f"{url}api/sessions", headers=_auth(), timeout=120,
                      json={"path": "workshop_tutorial.ipynb", "name": "workshop_tutorial.ipynb",
                            "type": "notebook", "kernel": {"name": "python3"}})  # fmt: skip
    r.raise_for_status()
    kernel = r.json()["kernel"]["id"]
    # the training cell run before the cells that define the model: NameError
    code = "".join(cells[training - 1]["source"])
    _run(url, kernel, [(cells[training - 1]["id"], code)])
    state = _state(url)
    assert state["last_error"]["ename"] == "NameError", state
    assert state["last_error"]["cell_index"] == training
    assert state["last_error"]["evalue"].startswith("name '") and state["section_index"] == 2
    assert state["section"] == state["last_error"]["section"] and state["section"].startswith("2.")
    # a test result printed in the "Test performance" cell
    printer = (
        "import numpy as np\nfrom tutorial_utils.metrics import ClassificationResult\n"
        "y = np.arange(200) % 2 == 0\nprint('Test performance:')\n"
        "print(ClassificationResult(y, np.where(y, 0.8, 0.2)))"
    )
    _run(url, kernel, [(cells[testing - 1]["id"], printer)])
    state = _state(url)
    assert state["result"] == "test auROC 1.000", state
    assert state["kernels"][0]["notebook"] == "workshop_tutorial.ipynb"
    assert state["memory_bytes"] > 0 and state["last_activity"]

    # I'm stuck, then done
    body = {"notebook": "workshop_tutorial.ipynb", "cell_id": cells[training - 1]["id"]}
    r = requests.post(f"{url}api/workshop/stuck", headers=_auth(), json=body, timeout=30)
    assert r.status_code == 200 and r.json()["cell_index"] == training
    assert _state(url)["stuck"]["section"].startswith("2.")
    bad = requests.post(f"{url}api/workshop/stuck", headers=_auth(), timeout=30,
                        json={"notebook": "workshop_tutorial.ipynb", "cell_index": 0})  # fmt: skip
    assert bad.status_code == 400 and "cell_index must be an integer >= 1" in bad.json()["message"]
    requests.delete(f"{url}api/workshop/stuck", headers=_auth(), timeout=30).raise_for_status()
    assert _state(url)["stuck"] is None

    # nobody else gets in
    assert requests.get(f"{url}api/workshop/state", timeout=30).status_code == 403
    other = {"Authorization": "token someone-else"}
    assert requests.get(f"{url}api/workshop/state", headers=other, timeout=30).status_code == 403

    # the kernel killed: died, with the sentence under the cell
    said = _run(url, kernel, [(cells[2]["id"], "import os\nos.kill(os.getpid(), 9)")])
    assert "killed (SIGKILL)" in said[0]
    deadline = time.monotonic() + 60
    while not (died := _state(url)["kernels"][0]["died"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert died and "killed (SIGKILL)" in died["why"], _state(url)
    assert died["cause"] == "killed (SIGKILL)"


def test_notices_over_http_survive_a_server_restart(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc, url = _start_server(home)
    try:
        r = requests.post(f"{url}api/workshop/notices", headers=_auth(), timeout=30,
                          json={"kind": "announcement", "text": "Lunch at 12:30"})  # fmt: skip
        first = r.json()["id"]
        bad = requests.get(f"{url}api/workshop/notices?after=x", headers=_auth(), timeout=30)
        assert bad.status_code == 400 and "after must be" in bad.json()["message"]
    finally:
        _stop(proc)
    proc, url = _start_server(home)
    try:
        r = requests.get(
            f"{url}api/workshop/notices?after={first - 1}", headers=_auth(), timeout=30
        )
        assert [(n["id"], n["kind"], n["text"]) for n in r.json()["notices"]] == [
            (first, "announcement", "Lunch at 12:30")
        ]
        assert requests.get(f"{url}api/workshop/notices?after={first}", headers=_auth(),
                            timeout=30).json() == {"notices": []}  # fmt: skip
    finally:
        _stop(proc)


def test_only_the_learners_own_requests_are_activity(tmp_path):
    """Jupyter Server's last activity (what jupyterhub-singleuser reports to the hub, and the
    idle culler reads there) moves with "I'm stuck" and "I'm not stuck any more", never with
    what the board does: reading the state, posting a notice, and (with
    ``no_track_activity=1``, as the board sends everything) clearing a stuck or reading a
    notebook."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "workshop_tutorial.ipynb").write_bytes(TUTORIAL.read_bytes())
    proc, url = _start_server(home)

    def activity() -> str:
        return requests.get(f"{url}api/status", headers=_auth(), timeout=30).json()["last_activity"]

    def request(method: str, path: str, **kwargs) -> None:
        time.sleep(0.01)  # a later request would have a later time
        requests.request(
            method, url + path, headers=_auth(), timeout=30, **kwargs
        ).raise_for_status()

    try:
        before = activity()
        request("GET", "api/workshop/state")
        request("POST", "api/workshop/notices", json={"kind": "access", "text": "looking"})
        request("DELETE", "api/workshop/stuck?no_track_activity=1")
        request("GET", "api/contents/workshop_tutorial.ipynb?content=1&no_track_activity=1")
        assert activity() == before, "a board request counted as the learner's activity"
        request("POST", "api/workshop/stuck", json={"notebook": "workshop_tutorial.ipynb"})
        stuck = activity()
        assert stuck > before, "pressing I'm stuck is the learner's activity"
        request("DELETE", "api/workshop/stuck")
        assert activity() > stuck, "leaving the queue is the learner's activity"
    finally:
        _stop(proc)


# --- the image carries what the server config loads -------------------------------------------
def _dockerfile_copies() -> list[tuple[list[str], str]]:
    """``(sources, destination)`` of each COPY from the build context in image/Dockerfile."""
    copies = []
    for line in (REPO_ROOT / "image" / "Dockerfile").read_text("utf-8").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            copies.append((words[1:-1], words[-1]))
    return copies


def test_the_images_etc_jupyter_serves_the_workshop_api(tmp_path):
    """/etc/jupyter as the Dockerfile fills it (and nothing else) loads the workshop API."""
    etc = tmp_path / "etc-jupyter"
    etc.mkdir()
    for sources, dest in _dockerfile_copies():
        if not dest.startswith("/etc/jupyter/"):
            continue
        target = etc / dest.removeprefix("/etc/jupyter/")
        for source in sources:
            src = REPO_ROOT / source
            if src.is_dir():
                shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, target / src.name if dest.endswith("/") else target)
    home = tmp_path / "home"
    home.mkdir()
    proc, url = _start_server(home, config=etc)
    try:
        r = requests.get(f"{url}api/workshop/state", headers=_auth(), timeout=30)
        assert r.status_code == 200 and r.json()["version"] == 1, r.text
    finally:
        _stop(proc)


def test_the_image_installs_the_lab_extension_under_its_package_name():
    name = json.loads((REPO_ROOT / "image" / "labextension" / "package.json").read_text())["name"]
    dests = [dest for sources, dest in _dockerfile_copies() if sources == ["image/labextension/"]]
    assert dests == [f"/opt/venv/share/jupyter/labextensions/{name}/"], dests
    bootstrap = (REPO_ROOT / "hub" / "bootstrap.sh").read_text("utf-8")
    assert f"LABEXT=.venv/share/jupyter/labextensions/{name}\n" in bootstrap


SMALL_SIZES = (
    "NUM_SEQS = 300\nSEQ_LENGTH = 200\nMAX_EPOCHS = 3\nBATCH_SIZE = None\n"
    "LEARNING_RATE = None\nNUM_INTERPRET = 20\nSEED = 0"
)


@pytest.mark.slow
def test_the_tutorials_first_training_reports_its_test_auroc(server):
    """The tutorial's own cells, at small sizes, up to "Test performance": the state says the
    learner is in section 2 with the test auROC the notebook printed."""
    url, _ = server
    cells = tutorial_cells()
    r = requests.post(f"{url}api/sessions", headers=_auth(), timeout=120,
                      json={"path": "workshop_tutorial.ipynb", "name": "workshop_tutorial.ipynb",
                            "type": "notebook", "kernel": {"name": "python3"}})  # fmt: skip
    r.raise_for_status()
    kernel = r.json()["kernel"]["id"]
    wanted = ["NUM_SEQS", "%matplotlib", "heterodimer_grammar_simulation_parameters",
              "shallow_cnn_parameters", "train_SequenceDNN(shallow_cnn", "test_SequenceDNN("]  # fmt: skip
    run = []
    for start in wanted:
        index = cell_index(cells, start)
        source = SMALL_SIZES if start == "NUM_SEQS" else "".join(cells[index - 1]["source"])
        run.append((cells[index - 1]["id"], source))
    said = _run(url, kernel, run, timeout=900)
    state = _state(url)
    assert state["last_error"] is None, state["last_error"]
    printed = re.search(r"auROC: ([0-9.]+)", said[-1].split("Test performance", 1)[1])
    assert printed, said[-1]
    at_chance = " (at chance)" if "AT CHANCE" in said[-1] else ""
    assert state["result"] == f"test auROC {printed.group(1)}{at_chance}", (state, said[-1])
    assert state["section_index"] == 2 and state["notebook"] == "workshop_tutorial.ipynb"
    print(f"\n{state['result']!r} from: {said[-1][-300:]}")
