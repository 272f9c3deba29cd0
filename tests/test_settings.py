"""Settings (validation, sources, renderings), secrets on disk, login rate limits, notebook
seeding, the Caddyfile and the CLI's offline commands."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jsonschema
import pytest
from traitlets.config import Config
from z2jh_render import CHART, SHARED, merge

from hub.auth import FailureWindow
from hub.caddy import render_caddyfile
from hub.capacity import default_learner_memory
from hub.cli import main as cli
from hub.cloud.terraform import settings_variables
from hub.cloud.z2jh import chart_values
from hub.credentials import is_private, load_or_create, store_passwords
from hub.hub_config import configure
from hub.settings import WorkshopSettings, host_memory_bytes, parse_memory
from hub.spawners.local import seed_notebooks

REPO_ROOT = Path(__file__).resolve().parents[1]
Z2JH_SCHEMA = SHARED / "z2jh" / "values.schema.json"


def with_chart_defaults(values: dict) -> dict:
    """``values`` over the chart's own defaults: what helm validates against the schema."""
    import yaml

    return merge(yaml.safe_load((CHART / "values.yaml").read_text()), values)


def load(tmp_path, overrides=None, environ=None):
    return WorkshopSettings.load(tmp_path, overrides=overrides, environ=environ or {})


def test_defaults_are_sized_from_the_host_and_class(tmp_path):
    s = load(tmp_path, {"class_size": 10})
    assert s.port == 8000 and s.spawner == "local" and s.gpu == "auto"
    assert s.data_dir == str(tmp_path.resolve())
    # a learner's memory is what the tutorial needs, measured, not RAM / class_size
    assert s.mem_limit == s.learner_memory == default_learner_memory()
    assert s.cpu_limit >= 1.0
    assert s.concurrent_spawn_limit == 10  # the whole class may start at once
    assert s.start_timeout >= 120  # a room starting at once shares the CPUs
    # a bigger class gets smaller shares
    big = load(tmp_path, {"class_size": 200})
    assert big.mem_limit_bytes == s.mem_limit_bytes
    assert not big.capacity(total_bytes=host_memory_bytes()).fits
    assert big.concurrent_spawn_limit == 100
    assert load(tmp_path, {"class_size": 3}).concurrent_spawn_limit == 3


def test_sources_in_order_json_then_env_then_command_line(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"port": 9000, "class_size": 12}))
    s = load(tmp_path)
    assert (s.port, s.class_size) == (9000, 12)
    s = load(tmp_path, environ={"WORKSHOP_PORT": "9100", "WORKSHOP_ADMIN_USERS": "Ada, Bob"})
    assert s.port == 9100 and s.admin_users == ["ada", "bob"]
    s = load(tmp_path, {"port": 9200}, environ={"WORKSHOP_PORT": "9100"})
    assert s.port == 9200 and s.class_size == 12


def test_set_and_save_keeps_only_explicit_values(tmp_path):
    s = load(tmp_path)
    s.set_and_save("class_size", "40")
    stored = json.loads((tmp_path / "settings.json").read_text())
    assert stored == {"class_size": 40}  # computed defaults (mem_limit...) are not frozen
    assert load(tmp_path).class_size == 40


@pytest.mark.parametrize(
    ("name", "value", "error", "match"),
    [
        ("port", 0, ValueError, r"port must be in \[1, 65535\]"),
        ("port", 70000, ValueError, "port must be in"),
        ("class_size", 0, ValueError, r"class_size must be in \[1, 2000\]"),
        ("cpu_limit", 0.0, ValueError, "cpu_limit must be in"),
        ("mem_limit", "lots", ValueError, "mem_limit must look like"),
        ("mem_limit", "100M", ValueError, "at least 256M"),
        ("idle_timeout", 30, ValueError, "idle_timeout must be 0"),
        ("https", "not a domain", ValueError, "https must be"),
        ("ip", "999.1.1.1", ValueError, "ip must be an IPv4"),
        ("spawner", "kubernetes", TypeError, "spawner"),
        ("gpu", "maybe", TypeError, "gpu"),
        ("port", "eighty", TypeError, "port"),
        ("admin_users", ["bad name!"], ValueError, "admin_users"),
        ("docker_network", "Bad Net", ValueError, "docker_network"),
        ("default_url", "lab", ValueError, "default_url must start"),
        ("board_poll_seconds", 0, ValueError, r"board_poll_seconds must be in \[1, 300\]"),
        ("board_concurrency", 500, ValueError, r"board_concurrency must be in \[1, 200\]"),
        ("board_port", 0, ValueError, r"board_port must be in \[1, 65535\]"),
        ("board", "maybe", TypeError, "board"),
        ("no_such_setting", 1, ValueError, "setting must be one of"),
    ],
)
def test_bad_values_name_the_setting(tmp_path, name, value, error, match):
    with pytest.raises(error, match=match):
        load(tmp_path, {name: value})


def test_bad_settings_file_is_reported(tmp_path):
    (tmp_path / "settings.json").write_text("{not json")
    with pytest.raises(ValueError, match="settings.json is not valid JSON"):
        load(tmp_path)
    (tmp_path / "settings.json").write_text(json.dumps({"port": -1}))
    with pytest.raises(ValueError, match=r"setting 'port' from .*settings.json"):
        load(tmp_path)


def test_memory_parsing():
    assert parse_memory("m", "512M") == 512 * 2**20
    assert parse_memory("m", "1.5G") == int(1.5 * 2**30)
    assert parse_memory("m", "2GiB") == 2 * 2**30
    s = WorkshopSettings(mem_limit="4gib")
    assert s.mem_limit == "4G"


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"https": "workshop.example.org", "acme_email": "a@example.org", "gpu": "none"},
        {"https": "internal", "idle_timeout": 0, "class_size": 120, "image": "reg.io/ws:1.0"},
    ],
)
def test_z2jh_values_validate_against_the_chart_schema(tmp_path, overrides):
    if not Z2JH_SCHEMA.exists():
        pytest.skip(f"z2jh schema not available at {Z2JH_SCHEMA}")
    schema = json.loads(Z2JH_SCHEMA.read_text())
    values = chart_values(load(tmp_path, overrides), roster=["doe_jane"])
    jsonschema.validate(with_chart_defaults(values), schema)
    assert values["singleuser"]["startTimeout"] == load(tmp_path, overrides).start_timeout


def test_z2jh_values_reject_what_the_chart_rejects(tmp_path):
    """The schema check is not vacuous: a misspelt key fails it."""
    if not Z2JH_SCHEMA.exists():
        pytest.skip(f"z2jh schema not available at {Z2JH_SCHEMA}")
    values = chart_values(load(tmp_path))
    values["singleuser"]["memroy"] = {"limit": "1G"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(with_chart_defaults(values), json.loads(Z2JH_SCHEMA.read_text()))


def test_z2jh_values_carry_the_same_login_rules(tmp_path):
    values = chart_values(load(tmp_path, {"admin_users": ["teacher"]}))
    auth = values["hub"]["config"]["WorkshopAuthenticator"]
    assert auth["admin_users"] == ["teacher"]
    assert "user_password" not in auth  # no secrets unless asked
    import re

    pattern = re.compile(auth["username_pattern"])
    assert pattern.match("doe_jane") and pattern.match("teacher")
    assert not pattern.match("jane")


def test_terraform_vars_are_flat(tmp_path):
    tf = settings_variables(load(tmp_path, {"https": "ws.example.org", "mem_limit": "2G"}))
    for name, value in tf.items():
        ok = isinstance(value, str | int | float | bool) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        assert ok, (name, value)
    assert tf["https_domain"] == "ws.example.org"
    assert tf["mem_limit_mb"] == 2048


def test_secrets_are_generated_private_and_stable(tmp_path):
    data = tmp_path / "data"
    first = load_or_create(data, environ={})
    assert is_private(data) and is_private(data / "secrets.json")
    mode = stat.S_IMODE((data / "secrets.json").stat().st_mode)
    assert mode == 0o600
    assert len(first.workshop_password) >= 8 and len(first.admin_password) >= 32
    assert load_or_create(data, environ={}) == first  # stored, not regenerated
    (data / "secrets.json").chmod(0o644)  # a loose copy is tightened on load
    load_or_create(data, environ={})
    assert stat.S_IMODE((data / "secrets.json").stat().st_mode) == 0o600


def test_passwords_from_environment_override_and_are_checked(tmp_path):
    env = {"WORKSHOP_PASSWORD": "room-password-1", "WORKSHOP_ADMIN_PASSWORD": "A" * 40}
    creds = load_or_create(tmp_path, environ=env)
    assert creds.workshop_password == "room-password-1"
    assert "room-password-1" not in (tmp_path / "secrets.json").read_text()
    with pytest.raises(ValueError, match="at least 8 characters"):
        load_or_create(tmp_path, environ={"WORKSHOP_PASSWORD": "short"})
    with pytest.raises(ValueError, match="at least 32 characters"):
        load_or_create(tmp_path, environ={"WORKSHOP_ADMIN_PASSWORD": "too-short-for-admin"})
    with pytest.raises(ValueError, match="must differ"):
        store_passwords(tmp_path, workshop_password="B" * 40, admin_password="B" * 40)


def test_failure_window_locks_then_unlocks():
    now = [0.0]
    window = FailureWindow(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert window.retry_after("u") == 0
        window.record("u")
        now[0] += 1
    assert window.retry_after("u") == pytest.approx(57)  # oldest failure at t=0
    assert window.retry_after("other") == 0
    now[0] = 60.5
    assert window.retry_after("u") == 0  # first failure left the window
    window.record("u")
    window.reset("u")
    assert window.retry_after("u") == 0


def test_seed_notebooks_copies_missing_files_only(tmp_path):
    src, home = tmp_path / "notebooks", tmp_path / "home"
    (src / "data").mkdir(parents=True)
    (src / "tutorial.ipynb").write_text("original")
    (src / "data" / "x.txt").write_text("x")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "t.ipynb").write_text("skip")
    copied = seed_notebooks(src, home)
    assert sorted(p.relative_to(home).as_posix() for p in copied) == [
        "data/x.txt",
        "tutorial.ipynb",
    ]
    (home / "tutorial.ipynb").write_text("my edits")
    (src / "new.ipynb").write_text("added later")
    assert [p.name for p in seed_notebooks(src, home)] == ["new.ipynb"]
    assert (home / "tutorial.ipynb").read_text() == "my edits"
    assert not (home / ".ipynb_checkpoints").exists()


def test_configure_applies_settings_to_jupyterhub_config(tmp_path):
    s = load(
        tmp_path,
        {"port": 8123, "class_size": 5, "idle_timeout": 1800, "login_failures_per_user": 7},
    )
    creds = load_or_create(tmp_path, environ={})
    c = Config()
    configure(c, s, creds)
    assert c.JupyterHub.port == 8123
    assert c.JupyterHub.authenticator_class == "hub.auth.WorkshopAuthenticator"
    assert c.WorkshopAuthenticator.user_password == creds.workshop_password
    assert c.WorkshopAuthenticator.allow_existing_users is False
    assert c.WorkshopAuthenticator.login_failures_per_user == 7
    assert c.JupyterHub.spawner_class == "hub.spawners.local.WorkshopLocalSpawner"
    assert c.WorkshopLocalSpawner.home_dir_template.startswith(str(tmp_path.resolve()))
    assert c.JupyterHub.concurrent_spawn_limit == s.concurrent_spawn_limit
    culler = [sv for sv in c.JupyterHub.services if sv["name"] == "idle-culler"][0]
    assert "--timeout=1800" in culler["command"]
    assert c.JupyterHub.db_url.startswith("sqlite:///")
    # the class board: on by default, dies with the hub, its rights and none to learners
    board = [sv for sv in c.JupyterHub.services if sv["name"] == "board"][0]
    assert board["command"][1:3] == ["-m", "hub.die_with_parent"]
    assert board["url"] == f"http://127.0.0.1:{s.board_port}"
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert "access:servers" in roles["class-board"]["scopes"]
    assert not any("shares" in scope for scope in roles["user"]["scopes"])
    off = Config()
    configure(off, load(tmp_path, {"board": False}), creds)
    assert "board" not in {sv["name"] for sv in off.JupyterHub.services}
    (user,) = [r for r in off.JupyterHub.load_roles if r["name"] == "user"]  # my-work's grant
    assert not any("service=board" in scope for scope in user["scopes"])
    assert "class-board" not in {r["name"] for r in off.JupyterHub.load_roles}


def test_caddyfile_for_domain_and_internal(tmp_path):
    domain = load(tmp_path, {"https": "ws.example.org", "acme_email": "me@example.org"})
    text = render_caddyfile(domain)
    assert "ws.example.org:443 {" in text and "email me@example.org" in text
    assert "tls internal" not in text
    assert f"reverse_proxy 127.0.0.1:{domain.port}" in text and "header_up X-Scheme https" in text
    internal = load(tmp_path, {"https": "internal", "https_port": 8443, "http_port": 8080})
    text = render_caddyfile(internal)
    assert "tls internal" in text and "skip_install_trust" in text
    assert "https_port 8443" in text and "localhost:8443" in text
    with pytest.raises(ValueError, match="https is off"):
        render_caddyfile(load(tmp_path))


def test_cli_roster_and_settings_commands(tmp_path, capsys):
    data = str(tmp_path / "data")
    reg = tmp_path / "reg.csv"
    reg.write_text("First Name;Last Name\nJane;Doe\nZoë;O'Brien\n", encoding="utf-8")
    assert cli.main(["roster", "import", str(reg), "--data-dir", data]) == 0
    out = capsys.readouterr().out
    assert "2 new attendees" in out and "obrien_zoe" in out
    password = load_or_create(data, environ={}).workshop_password
    assert password not in out
    assert cli.main(["roster", "list", "--show-password", "--data-dir", data]) == 0
    assert password in capsys.readouterr().out
    assert cli.main(["roster", "add", "Jane", "Doe", "--data-dir", data]) == 1  # already there
    assert cli.main(["roster", "add", "Ada", "Lovelace", "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip().endswith("lovelace_ada")
    assert cli.main(["roster", "remove", "Doe_Jane", "--data-dir", data]) == 0
    assert cli.main(["roster", "remove", "doe_jane", "--data-dir", data]) == 2
    assert "not on the roster" in capsys.readouterr().err
    assert cli.main(["settings", "set", "class_size", "0", "--data-dir", data]) == 2
    assert "class_size must be in" in capsys.readouterr().err
    assert cli.main(["settings", "terraform", "--data-dir", data]) == 0
    # with a roster, the class is the roster (zoe and ada): what Terraform sizes for
    assert json.loads(capsys.readouterr().out)["class_size"] == 2
    assert cli.main(["roster", "import", str(tmp_path / "missing.csv"), "--data-dir", data]) == 2


def test_doctor_without_spawn_reports_each_step(tmp_path):
    from hub.cli.doctor import run_doctor

    lines = []
    settings = load(tmp_path, {"class_size": 2})
    load_or_create(tmp_path, environ={})
    assert run_doctor(settings, spawn_test=False, echo=lines.append)
    names = [line.split(":")[0] for line in lines if line[:1] in "✓✗–⚠"]
    from hub.isolation.enforced import enforcement

    enforced = enforcement(settings, "local")  # what this machine enforces, said by doctor
    assert names[:7] == [
        "✓ python packages", "✓ proxy", "✓ data dir", "✓ secrets",
        "⚠ settings" if enforced.gaps else "✓ settings", "✓ capacity",
        "✓ memory limit" if "memory" in enforced.limits else "– memory limit",
    ]  # fmt: skip
    assert names[7] in ("✓ handout URL", "⚠ handout URL")  # depends on this machine's network
    assert "spawner local (from the settings)" in lines[4]
    # a class that does not fit fails, naming the largest one that does
    lines.clear()
    big = load(tmp_path, {"class_size": 1000})
    assert not run_doctor(big, spawn_test=False, echo=lines.append)
    (capacity,) = [line for line in lines if line.startswith("✗ capacity")]
    assert f"can hold {big.capacity().largest_class} learners" in capacity
    (tmp_path / "secrets.json").chmod(0o644)
    lines.clear()
    assert not run_doctor(settings, spawn_test=False, echo=lines.append)
    assert any(line.startswith("✗ secrets") for line in lines)


def test_with_a_roster_the_class_is_the_roster(tmp_path):
    from hub.roster import Roster

    assert load(tmp_path).class_size == 30  # no roster: the default class
    roster = Roster()
    roster.add_people([("Jane", "Doe"), ("Richard", "Roe"), ("Max", "Mustermann")])
    roster.save(tmp_path)
    s = load(tmp_path)
    assert s.class_size == 3 and s.concurrent_spawn_limit == 3
    assert s.capacity(total_bytes=16 * 2**30).fits  # a laptop holds a class of three
    assert load(tmp_path, {"class_size": 12}).class_size == 12  # said otherwise: that wins


def test_password_command_prints_each_password(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("WORKSHOP_PASSWORD", raising=False)
    monkeypatch.delenv("WORKSHOP_ADMIN_PASSWORD", raising=False)
    creds = load_or_create(tmp_path)
    assert cli.main(["password", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == creds.workshop_password and "workshop password" in out.err
    assert cli.main(["password", "--admin", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == creds.admin_password and "instructor" in out.err


def test_settings_show_keeps_whole_help_texts(tmp_path, capsys):
    assert cli.main(["settings", "show", "--data-dir", str(tmp_path)]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    help_text = " ".join(WorkshopSettings.class_traits()["public_host"].help.split())
    assert help_text in shown  # "a domain name (e.g. ...)" is not cut at "e.g."


def test_seeded_notebooks_carry_the_metadata_their_kernel_reports(tmp_path):
    """JupyterLab writes the kernel's ``kernelspec`` and ``language_info`` into a notebook when
    its kernel starts; a seeded notebook that already holds them opens unmodified."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import start_new_kernel

    copied = seed_notebooks(REPO_ROOT / "notebooks", tmp_path / "home")
    notebooks = [p for p in copied if p.suffix == ".ipynb"]
    assert notebooks
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reported = client.kernel_info(reply=True, timeout=60)["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    spec = KernelSpecManager().get_kernel_spec("python3")
    for path in notebooks:
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert metadata["language_info"] == reported, path.name
        assert metadata["kernelspec"]["display_name"] == spec.display_name
        assert metadata["kernelspec"]["name"] == "python3"
