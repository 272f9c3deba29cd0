"""Running the hub: the foreground ``workshop up`` loop, ``workshop down``, and ``HubProcess``
(a hub on free loopback ports in a child process, for ``workshop doctor``, tests and the bench).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from hub.client import HubClient
from hub.credentials import load_or_create
from hub.invocation import workshop_command
from hub.settings import ENV_PREFIX, REPO_ROOT, WorkshopSettings

PID_FILENAME = "workshop.pid"
CONFIG_FILE = Path(__file__).resolve().parent / "jupyterhub_config.py"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def running_hub(data_dir: str | os.PathLike) -> dict | None:
    """``{"pid", "local_url", "public_url"}`` of the ``workshop up`` that owns ``data_dir``,
    if it is still alive (the pid file records the URLs it was started with)."""
    path = Path(data_dir) / PID_FILENAME
    try:
        info = json.loads(path.read_text())
        os.kill(int(info["pid"]), 0)
    except (FileNotFoundError, ValueError, KeyError, TypeError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # alive, owned by someone else
    return info


def running_pid(data_dir: str | os.PathLike) -> int | None:
    """PID of the ``workshop up`` that owns ``data_dir``, if it is still alive."""
    info = running_hub(data_dir)
    return None if info is None else int(info["pid"])


def settings_env(settings: WorkshopSettings, names) -> dict:
    """``WORKSHOP_*`` variables carrying the settings ``names`` to a child process."""
    env = {ENV_PREFIX + "DATA_DIR": settings.data_dir}
    for name in names:
        value = getattr(settings, name)
        env[ENV_PREFIX + name.upper()] = ",".join(value) if isinstance(value, list) else str(value)
    return env


def run_foreground(settings: WorkshopSettings, override_names, echo=print) -> int:
    """Start JupyterHub (and Caddy for HTTPS) and wait; SIGINT/SIGTERM stop everything.

    Returns the hub's exit code. ``override_names``: settings given on the command line, passed
    to the hub process through the environment.
    """
    from hub.hub_config import proxy_command

    data = Path(settings.data_dir)
    creds = load_or_create(data)  # generate secrets before the hub reads them
    pid = running_pid(data)
    if pid is not None:
        raise RuntimeError(
            f"a hub is already running for {data} (pid {pid}); stop it with "
            f"`{workshop_command('down', data_dir=data)}`"
        )
    proxy = proxy_command()[0]
    if not Path(proxy).exists() and shutil.which(proxy) is None:
        raise FileNotFoundError(
            "configurable-http-proxy not found: run hub/bootstrap.sh (npm install into "
            "./node_modules)"
        )
    env = dict(os.environ)
    env.update(settings_env(settings, override_names))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    children: list[subprocess.Popen] = []
    (data / PID_FILENAME).write_text(json.dumps(hub_record(settings)) + "\n")
    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)], cwd=data, env=env
        )
        children.append(hub)
        if settings.https:
            from hub.caddy import caddy_command, write_caddyfile

            caddy_env = dict(
                env, XDG_DATA_HOME=str(data / "caddy"), XDG_CONFIG_HOME=str(data / "caddy")
            )
            children.append(
                subprocess.Popen(caddy_command(write_caddyfile(settings)), cwd=data, env=caddy_env)
            )
        client = HubClient(settings.local_url, creds.api_token)
        try:
            client.wait_until_up(timeout=120, process=hub)
        except Exception as err:  # still fall through to cleanup and the hub's exit code
            if not stopping:
                echo(f"hub did not come up: {err}")
        else:
            echo(_ready_message(settings))
        while hub.poll() is None:
            if any(c.poll() is not None for c in children[1:]) and not stopping:
                echo("Caddy exited; stopping the hub")
                stop(signal.SIGTERM, None)
            time.sleep(0.5)
        return hub.returncode
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
        (data / PID_FILENAME).unlink(missing_ok=True)


def hub_record(settings: WorkshopSettings) -> dict:
    """What ``workshop up`` writes to its pid file: how the running hub can be found and what it
    really runs with (``status``, the handout and ``doctor`` read it instead of settings.json)."""
    return {
        "pid": os.getpid(),
        "local_url": settings.local_url,
        "public_url": settings.public_url,
        "public_host_source": settings.public_host_source,
        "ip": settings.ip,
        "port": settings.port,
        "spawner": settings.spawner,
        "admin_users": list(settings.admin_users),
    }


def _ready_message(settings: WorkshopSettings) -> str:
    from hub.address import reachability
    from hub.roster import Roster

    data = settings.data_dir
    n = len(Roster.load(data).entries)
    roster_line = (
        f"{n} attendees on the roster; print the handout with "
        f"`{workshop_command('roster', 'list', data_dir=data)}`"
        if n
        else "roster is empty: add attendees with "
        f"`{workshop_command('roster', 'import', 'registrations.csv', data_dir=data)}`"
    )
    lines = [
        "",
        f"DragoNN Workshop hub is up: {settings.public_url}",
        f"  that address is {settings.public_host_source}; to hand out another, "
        f"`{workshop_command('settings', 'set', 'public_host', 'NAME', data_dir=data)}` "
        "and restart",
    ]
    status, sentence = reachability(settings.public_host, settings.ip)
    if status != "ok":
        lines.append(f"  warning: {sentence}")
    capacity = settings.capacity()
    if not capacity.fits:
        lines.append(
            f"  warning: a class of {settings.class_size} needs more memory than this machine "
            f"has; it can hold {capacity.largest_class} learners "
            f"(`{workshop_command('doctor', '--no-spawn', data_dir=data)}` lists the options)"
        )
    lines += [
        f"  on this machine: {settings.local_url}",
        "  attendees log in as lastname_firstname with the workshop password "
        f"(`{workshop_command('roster', 'list', '--show-password', data_dir=data)}`)",
        f"  instructors ({', '.join(settings.admin_users)}) use the admin password",
        f"  {roster_line}",
        f"  stop with Ctrl-C or `{workshop_command('down', data_dir=data)}`",
        "",
    ]
    return "\n".join(lines)


def stop_hub(data_dir: str | os.PathLike, timeout: float = 60.0) -> bool:
    """Stop the hub ``workshop up`` runs for ``data_dir``; False if none was running."""
    pid = running_pid(data_dir)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(data_dir) is None:
            return True
        time.sleep(0.3)
    raise TimeoutError(f"hub (pid {pid}) still running after {timeout:.0f} s")


class HubProcess:
    """``workshop up`` in a child process on free loopback ports; a context manager.

    ``data_dir``: the hub's state; ``settings``: extra settings (name -> value); ``env``:
    extra environment (e.g. ``WORKSHOP_PASSWORD``); ``wrapper``: a command prefix for the hub
    (e.g. ``["ip", "netns", "exec", NAME]`` to run it in a network namespace) and ``url`` where
    this process reaches it then (default: its loopback URL). After ``start()``: ``url``,
    ``client`` (API with the CLI token), ``credentials``, ``settings``.
    """

    def __init__(
        self,
        data_dir,
        settings: dict | None = None,
        env: dict | None = None,
        log_path=None,
        wrapper: list[str] | None = None,
        url: str | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.overrides = {
            "ip": "127.0.0.1",
            "port": free_port(),
            "hub_port": free_port(),
            "proxy_api_port": free_port(),
            **(settings or {}),
        }
        self.env = dict(os.environ, **(env or {}))
        self.log_path = Path(log_path) if log_path else self.data_dir / "hub.log"
        self.process: subprocess.Popen | None = None
        self.wrapper = list(wrapper or [])
        self._url = url

    def start(self, timeout: float = 120.0) -> HubProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        probe = WorkshopSettings()  # strings (e.g. from a command line) parse like env values
        overrides = {
            k: probe._from_string(k, v) if isinstance(v, str) else v
            for k, v in self.overrides.items()
        }
        self.settings = WorkshopSettings.load(self.data_dir, overrides=overrides, environ=self.env)
        self.credentials = load_or_create(self.data_dir, environ=self.env)
        args = [
            *self.wrapper,
            sys.executable,
            "-m",
            "hub.cli",
            "up",
            "--data-dir",
            str(self.data_dir),
        ]
        for name, value in self.overrides.items():
            value = ",".join(value) if isinstance(value, list) else value
            args += ["--set", f"{name}={value}"]
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a test's Ctrl-C must not hit the hub twice
        )
        self.url = self._url or self.settings.local_url
        self.client = HubClient(self.url, self.credentials.api_token)
        try:
            self.client.wait_until_up(timeout=timeout, process=self.process)
        except Exception:
            self.stop()
            raise
        return self

    def log_tail(self, n: int = 60) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def stop(self, timeout: float = 60.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its tree
                self.process.wait()
        self._log.close()
        self.process = None

    def __enter__(self) -> HubProcess:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
