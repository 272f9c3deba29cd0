"""The class board's rows, summary, help queue and read-only rendering, on state dicts shaped
like a learner server's ``api/workshop/state`` (the classroom contract) and hub user models as
JupyterHub 5 returns them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.classroom.access_log import AccessLog
from hub.classroom.help_queue import HelpQueue
from hub.classroom.notebook_html import notebook_html
from hub.classroom.rows import learner_row, phase, summary

NOW = datetime(2026, 12, 6, 10, 42, tzinfo=UTC)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).isoformat()


A_MINUTE_AGO = ago(minutes=1)


def user(ready=True, pending=None, last_activity=A_MINUTE_AGO, server=True) -> dict:
    servers = {}
    if server:
        servers[""] = {
            "name": "",
            "ready": ready,
            "pending": pending,
            "url": "/user/x/",
            "last_activity": last_activity,
        }
    return {"name": "x", "admin": False, "last_activity": last_activity, "servers": servers}


def state(**over) -> dict:
    base = {
        "section": None,
        "section_index": None,
        "result": None,
        "notebook": "workshop_tutorial.ipynb",
        "last_error": None,
        "kernels": [
            {
                "id": "k1",
                "notebook": "workshop_tutorial.ipynb",
                "execution_state": "idle",
                "died": None,
            }
        ],
        "memory_bytes": None,
        "memory_limit_bytes": None,
        "stuck": None,
        "last_activity": None,
        "version": 1,
    }
    return {**base, **over}


TRAINED = state(
    section="2. Training",
    section_index=2,
    result="test auROC 0.93",
    memory_bytes=int(1.2 * 2**30),
    memory_limit_bytes=4 * 2**30,
    last_activity=ago(seconds=30),
)


def name_error(cell: int = 7) -> dict:
    return {
        "notebook": "workshop_tutorial.ipynb",
        "cell_id": f"c{cell}",
        "cell_index": cell,
        "section": "2. Training",
        "ename": "NameError",
        "evalue": "name 'model' is not defined",
        "time": ago(minutes=2),
    }


def test_phase_follows_the_hub_model():
    assert phase(None) == "not logged in"
    assert phase(user(server=False, last_activity=None)) == "not logged in"
    assert phase(user(server=False)) == "stopped"
    assert phase(user(ready=False, pending="spawn")) == "starting"
    assert phase(user()) == "ready"


def test_row_of_a_learner_who_trained():
    row = learner_row("doe_jane", "Jane Doe", user(), TRAINED, NOW)
    assert row["phase"] == "ready"
    assert row["progress"] == "2. Training: test auROC 0.93"
    assert row["memory"] == "1.2 GiB of 4.0 GiB"
    assert row["idle_seconds"] == 30
    assert row["error"] is None and row["kernel_died"] is None and row["stuck"] is None


def test_row_of_a_learner_with_an_error_a_dead_kernel_and_stuck():
    died = {
        "why": "The kernel was killed (SIGKILL) while running this cell. Use smaller sizes.",
        "time": ago(minutes=1),
    }
    older = {"why": "restarted", "time": ago(minutes=9)}
    st = state(
        section="1. Simulating data",
        section_index=1,
        last_error={**name_error(), "evalue": "name 'model' is not defined\nmore detail"},
        kernels=[
            {"id": "a", "notebook": "n", "execution_state": "dead", "died": older},
            {"id": "b", "notebook": "n", "execution_state": "dead", "died": died},
        ],
        stuck={
            "since": ago(minutes=1),
            "notebook": "workshop_tutorial.ipynb",
            "cell_id": "c7",
            "cell_index": 7,
            "section": "2. Training",
        },
    )
    row = learner_row("roe_richard", "Richard Roe", user(), st, NOW)
    assert row["error"]["cell"] == "cell 7"
    assert row["error"]["text"] == "NameError: name 'model' is not defined"  # first line only
    # the latest death, its first sentence, or its few words where the server gives them
    assert (
        row["kernel_died"] == "kernel died: The kernel was killed (SIGKILL) while running this cell"
    )
    st["kernels"][1]["died"] = {**died, "cause": "out of memory"}
    assert learner_row("r", "R", user(), st, NOW)["kernel_died"] == "kernel died: out of memory"
    assert row["stuck"]["cell"] == "cell 7"
    # a server that answered but ran nothing yet: idle since it started (the hub's activity
    # would count the board's own reads)
    fresh = user(last_activity=ago(seconds=1))
    fresh["servers"][""]["started"] = ago(minutes=5)
    assert learner_row("roe_richard", "R", fresh, state(), NOW)["idle_seconds"] == 300
    # no state of its own: idle time from the hub's record
    hub_only = learner_row("roe_richard", "R", user(last_activity=ago(minutes=10)), None, NOW)
    assert hub_only["idle_seconds"] == 600 and hub_only["progress"] is None


def test_never_logged_in_roster_entry_is_a_row():
    row = learner_row("obrien_zoe", "Zoë O'Brien", None, None, NOW)
    assert row["phase"] == "not logged in"
    assert row["server_url"] is None and row["idle_seconds"] is None


def test_summary_counts_sections_stuck_and_the_common_error():
    rows = [learner_row(f"u{i}", f"U {i}", user(), TRAINED, NOW) for i in range(2)]
    for i in range(6):
        st = state(section="1. Simulating data", section_index=1, last_error=name_error(7 + i % 2))
        if i == 0:
            st["stuck"] = {"since": ago(minutes=3), "notebook": "n", "cell_index": 7}
        rows.append(learner_row(f"e{i}", f"E {i}", user(), st, NOW))
    rows.append(
        learner_row(
            "odd",
            "Odd",
            user(),
            state(last_error={**name_error(), "ename": "ValueError", "evalue": "bad"}),
            NOW,
        )
    )
    rows.append(learner_row("gone", "Gone", None, None, NOW))
    s = summary(rows)
    assert s["learners"] == 10
    assert s["phases"] == {"not logged in": 1, "starting": 0, "ready": 9, "stopped": 0}
    assert s["sections"] == [["1. Simulating data", 6], ["2. Training", 2]]  # tutorial order
    assert s["stuck"] == 1
    assert s["common_error"] == {"text": "NameError: name 'model' is not defined", "learners": 6}
    assert "6 learners: NameError: name 'model' is not defined" in s["line"]
    assert s["line"].startswith("10 learners · not logged in 1, ready 9 · 1. Simulating data: 6;")


def test_summary_names_no_common_error_for_one_learner():
    rows = [learner_row("a", "A", user(), state(last_error=name_error()), NOW)]
    assert summary(rows)["common_error"] is None
    assert summary([])["line"] == "0 learners · 0 stuck"


def test_help_queue_oldest_first_taken_and_done():
    def stuck_row(name, minutes):
        st = state(stuck={"since": ago(minutes=minutes), "notebook": "n", "cell_index": 3})
        return learner_row(name, name.upper(), user(), st, NOW)

    queue = HelpQueue()
    rows = [
        stuck_row("late", 1),
        stuck_row("early", 5),
        learner_row("fine", "F", user(), TRAINED, NOW),
    ]
    assert [e["username"] for e in queue.entries(rows)] == ["early", "late"]
    queue.take("early", rows[1]["stuck"]["since"], "instructor")
    early = queue.entries(rows)[0]
    assert (early["status"], early["taken_by"]) == ("taken", "instructor")
    # pressing "I'm stuck" again later is a new request: waiting again
    rows[1] = stuck_row("early", 0)
    assert queue.entries(rows)[1]["status"] == "waiting"
    queue.take("late", rows[0]["stuck"]["since"], "ta")
    rows[0] = learner_row("late", "LATE", user(), state(), NOW)  # done: the server cleared it
    assert [e["username"] for e in queue.entries(rows)] == ["early"]
    assert "late" not in queue.taken


def test_notebook_html_escapes_everything_the_learner_wrote():
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Hi <script>alert(1)</script>"]},
            {
                "cell_type": "code",
                "execution_count": 3,
                "source": "print('<b>x</b>')",
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": ["<img src=x onerror=y>\n"],
                    },
                    {
                        "output_type": "display_data",
                        "data": {
                            "text/html": "<script>steal()</script>",
                            "text/plain": "<HTML obj>",
                        },
                    },
                    {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=\n"}},
                    {"output_type": "display_data", "data": {"image/png": '"><script>'}},
                    {
                        "output_type": "error",
                        "ename": "NameError",
                        "evalue": "name 'm'",
                        "traceback": ["\x1b[31mNameError\x1b[0m: name 'm' is not defined"],
                    },
                ],
            },
        ]
    }
    html = notebook_html(nb)
    assert "<script>" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "steal()" not in html and "&lt;HTML obj&gt;" in html
    assert html.count('src="data:image/png;base64,iVBORw0KGgo="') == 1  # the bad one dropped
    assert "NameError: name &#x27;m&#x27; is not defined" in html and "\x1b" not in html
    assert 'id="cell-2"' in html and "2 [3]" in html
    with pytest.raises(ValueError, match="cells"):
        notebook_html({"nbformat": 4})


def test_access_log_appends_private_lines(tmp_path):
    log = AccessLog(tmp_path / "board-access.log")
    log.record("instructor", "doe_jane", "look", "workshop_tutorial.ipynb")
    log.record("instructor", "doe_jane", "share-asked", None)
    assert [e["action"] for e in log.entries()] == ["look", "share-asked"]
    assert (tmp_path / "board-access.log").stat().st_mode & 0o777 == 0o600
