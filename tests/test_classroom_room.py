"""Announcements, pushes and collecting, where the logic needs no hub: the announcement file
and its banner, the name a pushed notebook lands on, what a bad FILE or NOTEBOOK is told, and
the archive's layout (hub/classroom/announce.py, push.py, collect.py; the CLI's errors)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import zipfile

import nbformat
import pytest

from hub.classroom import announce, collect, push
from hub.cli.main import main

TUTORIAL = "workshop_tutorial.ipynb"


def notebook_file(path, source="print('fixed')"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


# --- announcements -------------------------------------------------------------------------------
def test_the_latest_record_decides_what_is_shown_and_the_history_keeps_all(tmp_path):
    assert announce.current(tmp_path) is None and announce.history(tmp_path) == []
    announce.record(tmp_path, "announcement", "  Break until 11:00  ")
    assert announce.current(tmp_path).text == "Break until 11:00"
    announce.record(tmp_path, "clear")
    assert announce.current(tmp_path) is None
    announce.record(tmp_path, "announcement", "Back to section 3")
    kinds = [(r.kind, r.text) for r in announce.history(tmp_path)]
    assert kinds == [
        ("announcement", "Break until 11:00"),
        ("clear", ""),
        ("announcement", "Back to section 3"),
    ]
    assert dt.datetime.fromisoformat(announce.history(tmp_path)[0].time).tzinfo is not None


def test_the_banner_follows_the_file_and_escapes_html(tmp_path):
    banner = announce.banner(tmp_path)
    assert banner(None) == ""
    announce.record(tmp_path, "announcement", "Use <b>Shift+Enter</b> & wait")
    assert banner(None) == "Use &lt;b&gt;Shift+Enter&lt;/b&gt; &amp; wait"
    announce.record(tmp_path, "clear")
    assert banner(None) == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   ", "empty"), ("x" * (announce.MAX_CHARS + 1), "at most 500")],
)
def test_bad_announcements_say_what_is_allowed(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        announce.record(tmp_path, "announcement", text)
    with pytest.raises(ValueError, match="kind must be one of announcement, clear"):
        announce.record(tmp_path, "banner", "hello")
    assert announce.history(tmp_path) == []


# --- push ------------------------------------------------------------------------------------------
def test_a_pushed_notebook_lands_beside_the_copy_under_a_new_name():
    at = dt.datetime(2026, 3, 4, 10, 42, 7)
    assert push.updated_name(TUTORIAL, at) == "workshop_tutorial (updated 10:42).ipynb"
    assert push.updated_name("day2/extras.ipynb", at) == "day2/extras (updated 10:42).ipynb"
    taken = {"workshop_tutorial (updated 10:42).ipynb"}
    assert push.updated_name(TUTORIAL, at, taken) == "workshop_tutorial (updated 10:42:07).ipynb"
    with pytest.raises(ValueError, match="push again in a second"):
        push.updated_name(TUTORIAL, at, taken | {"workshop_tutorial (updated 10:42:07).ipynb"})


def test_a_push_is_kept_with_its_hash_and_two_in_a_minute_get_two_names(tmp_path):
    source = notebook_file(tmp_path / TUTORIAL)
    at = dt.datetime(2026, 3, 4, 10, 42, 7).astimezone()
    first, nb = push.record_push(tmp_path / "data", source, when=at)
    second, _ = push.record_push(tmp_path / "data", source, when=at)
    assert (first.target, second.target) == (
        "workshop_tutorial (updated 10:42).ipynb",
        "workshop_tutorial (updated 10:42:07).ipynb",
    )
    assert push.pushes(tmp_path / "data") == [first, second]
    kept = push.stored_notebook(tmp_path / "data", first)
    assert kept == nb and "".join(kept["cells"][0]["source"]) == "print('fixed')"
    stored = (tmp_path / "data" / "classroom" / first.stored).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == first.sha256


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.ipynb", None, "FILE .*missing.ipynb does not exist"),
        ("notes.txt", "hello", "FILE .*notes.txt is not a notebook: its name must end in .ipynb"),
        ("broken.ipynb", "{not json", "FILE .*broken.ipynb is not a valid notebook"),
        ("empty.ipynb", '{"a": 1}', "FILE .*empty.ipynb is not a valid notebook"),
    ],
)
def test_a_bad_file_is_refused_naming_it(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        push.record_push(tmp_path / "data", path)
    assert push.pushes(tmp_path / "data") == []


@pytest.mark.parametrize("copy", ["/etc/x.ipynb", "../other/x.ipynb", "x.txt", ".hidden.ipynb", ""])
def test_the_copy_it_goes_beside_must_be_a_notebook_in_the_home(copy):
    with pytest.raises(ValueError, match="--as must"):
        push.check_copy_path(copy)


def test_the_cli_names_a_bad_file_before_looking_for_a_hub(tmp_path, capsys):
    (tmp_path / "x.ipynb").write_text("[]")
    assert main(["push", str(tmp_path / "x.ipynb"), "--data-dir", str(tmp_path / "d")]) == 2
    assert f"FILE {tmp_path / 'x.ipynb'} is not a valid notebook" in capsys.readouterr().err
    good = notebook_file(tmp_path / "good.ipynb")
    assert main(["push", str(good), "--data-dir", str(tmp_path / "d")]) == 2
    assert "no hub running for" in capsys.readouterr().err
    assert main(["announce", "--data-dir", str(tmp_path / "d")]) == 2
    assert "announce takes TEXT or --clear" in capsys.readouterr().err


# --- collect ---------------------------------------------------------------------------------------
def test_a_home_gives_its_notebooks_without_hidden_files_or_symlinks(tmp_path):
    home = tmp_path / "home"
    (home / "day2" / ".ipynb_checkpoints").mkdir(parents=True)
    (home / TUTORIAL).write_bytes(b'{"mine": 1}')
    (home / "day2" / "extras.ipynb").write_bytes(b'{"extras": 1}')
    (home / "day2" / ".ipynb_checkpoints" / "extras-checkpoint.ipynb").write_bytes(b"{}")
    (home / "notes.txt").write_text("not a notebook")
    secret = tmp_path / "someone_else.ipynb"
    secret.write_bytes(b'{"not": "yours"}')
    os.symlink(secret, home / "link.ipynb")
    files = collect.from_directory(home, None)
    assert files == {TUTORIAL: b'{"mine": 1}', "day2/extras.ipynb": b'{"extras": 1}'}
    assert collect.from_directory(home, TUTORIAL) == {TUTORIAL: b'{"mine": 1}'}
    with pytest.raises(collect.NotCollected, match="no link.ipynb in their home"):
        collect.from_directory(home, "link.ipynb")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.ipynb").write_bytes(b'{"not": "theirs"}')
    os.symlink(elsewhere, home / "linked_dir")
    with pytest.raises(collect.NotCollected, match="no linked_dir/x.ipynb in their home"):
        collect.from_directory(home, "linked_dir/x.ipynb")
    assert "linked_dir/x.ipynb" not in collect.from_directory(home, None)
    with pytest.raises(collect.NotCollected, match="never started a server"):
        collect.from_directory(tmp_path / "nobody", None)


def test_a_home_volume_archive_gives_its_notebooks(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in [("jovyan/a.ipynb", b"A"), ("jovyan/.x/b.ipynb", b"B"),
                           ("jovyan/c.py", b"C"), ("jovyan/d/e.ipynb", b"E")]:  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    assert collect.notebooks_in_tar(buffer, None, "jovyan") == {"a.ipynb": b"A", "d/e.ipynb": b"E"}
    buffer.seek(0)
    with pytest.raises(collect.NotCollected, match="no z.ipynb"):
        collect.notebooks_in_tar(buffer, "z.ipynb", "jovyan")


def test_the_archive_has_a_folder_per_learner_and_says_who_is_missing(tmp_path):
    homes = tmp_path / "homes"
    for name in ("doe_jane", "roe_richard"):
        (homes / name).mkdir(parents=True)
        (homes / name / TUTORIAL).write_text(json.dumps({"by": name}))
    (homes / "empty_one").mkdir()
    lines = []
    result = collect.collect(
        ["roe_richard", "doe_jane", "never_came", "empty_one"],
        running={},
        read_stopped=lambda name, nb: collect.from_directory(homes / name, nb),
        progress=lines.append,
    )
    assert lines[0] == "[1/4] doe_jane: 1 notebooks (home of a stopped server)"
    assert len(lines) == 4
    assert result.missing == {
        "empty_one": "no notebooks in their home",
        "never_came": "no home yet (never started a server)",
    }
    out = collect.write_archive(result, tmp_path / "class.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            collect.REPORT_NAME, f"doe_jane/{TUTORIAL}", f"roe_richard/{TUTORIAL}"
        ]  # fmt: skip
        assert json.loads(archive.read(f"roe_richard/{TUTORIAL}")) == {"by": "roe_richard"}
        report = archive.read(collect.REPORT_NAME).decode()
    assert "collected 2 learners, not collected 2" in report
    assert "never_came: no home yet" in report
    with pytest.raises(ValueError, match="--out .*class.zip exists already"):
        collect.write_archive(result, out)


@pytest.mark.parametrize("notebook", ["../x.ipynb", "/home/x.ipynb", "x.py"])
def test_a_bad_notebook_argument_is_refused(notebook):
    with pytest.raises(ValueError, match="NOTEBOOK must be a notebook's path"):
        collect.check_notebook(notebook)


def test_the_users_role_is_defined_once_whoever_adds_to_it():
    from hub.hub_config import _grant_users

    roles = [
        {"name": "board", "scopes": ["read:users"]},
        {"name": "user", "description": "learners", "scopes": ["self", "access:services!service=board"]},
    ]  # fmt: skip
    _grant_users(roles, "access:services!service=my-work")
    users = [r for r in roles if r["name"] == "user"]
    assert users == [{"name": "user", "description": "learners", "scopes": [
        "self", "access:services!service=board", "access:services!service=my-work"]}]  # fmt: skip
    assert roles[0] == {"name": "board", "scopes": ["read:users"]}


def test_the_hub_config_keeps_the_docker_spawners_own_hook_and_shows_the_banner(tmp_path):
    """The Docker spawner's pre-spawn hook (home disks, GPUs) still runs before the delivery
    is scheduled; the banner and my-work are configured in every mode."""
    import asyncio
    import logging

    from traitlets.config import Config

    from hub.credentials import load_or_create
    from hub.hub_config import _classroom
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(tmp_path, overrides={"spawner": "docker"}, environ={})
    c, ran = Config(), []

    async def own_hook(spawner):
        ran.append(spawner.user.name)

    c.DockerSpawner.pre_spawn_hook = own_hook
    services, roles = [], []
    _classroom(c, settings, load_or_create(tmp_path, environ={}), services, roles)
    assert [s["name"] for s in services] == ["my-work"]
    announce.record(tmp_path, "announcement", "Lunch")
    assert c.JupyterHub.template_vars["announcement"](None) == "Lunch"

    class Stopped:  # a spawner whose start failed at once: the delivery gives up
        user = type("User", (), {"name": "doe_jane"})()
        ready, active, log = False, False, logging.getLogger("test")

    async def start():
        await c.DockerSpawner.pre_spawn_hook(Stopped())
        await asyncio.sleep(1.5)  # the scheduled delivery sees the server gone and returns

    asyncio.run(start())
    assert ran == ["doe_jane"]
