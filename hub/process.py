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
from dataclasses import dataclass
from pathlib import Path

from hub.client import HubClient
from hub.credentials import load_or_create
from hub.invocation import workshop_command
from hub.paths import REPO_ROOT
from hub.settings import ENV_PREFIX, WorkshopSettings

PID_FILENAME = "workshop.pid"
CONFIG_FILE = Path(__file__).resolve().parent / "jupyterhub_config.py"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    return free_ports(1)[0]


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports free on 127.0.0.1 right now (held together while chosen, so
    two of them are never the same)."""
    held = [socket.socket() for _ in range(n)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def _alive(pid, started) -> bool:
    """Whether process ``pid`` runs and is the one started at ``started`` (psutil create time;
    a recycled pid is not)."""
    import psutil

    if not pid:
        return False
    try:
        proc = psutil.Process(int(pid))
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(proc.create_time() - float(started)) < 1.0
    except (psutil.Error, ValueError, TypeError):
        return False


def _started(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def running_hub(data_dir: str | os.PathLike) -> dict | None:
    """What ``workshop up`` runs for ``data_dir``, if anything still runs: the pid file's
    ``{"pid", "hub_pid", "caddy_pid", "local_url", "public_url", ...}`` plus ``"orphaned"``:
    True when ``workshop up`` itself is gone (killed) but the hub it started still runs."""
    path = Path(data_dir) / PID_FILENAME
    try:
        info = json.loads(path.read_text())
        int(info["pid"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    supervisor = _alive(info["pid"], info.get("pid_started"))
    hub = _alive(info.get("hub_pid"), info.get("hub_started"))
    if not supervisor and not hub:
        return None
    return {**info, "orphaned": not supervisor}


def running_pid(data_dir: str | os.PathLike) -> int | None:
    """PID of the ``workshop up`` that owns ``data_dir`` (or of its hub, when ``workshop up``
    was killed and the hub runs on), if it is still alive."""
    info = running_hub(data_dir)
    if info is None:
        return None
    return int(info["hub_pid"] if info["orphaned"] else info["pid"])


def settings_env(settings: WorkshopSettings, names) -> dict:
    """``WORKSHOP_*`` variables carrying the settings ``names`` to a child process."""
    env = {ENV_PREFIX + "DATA_DIR": settings.data_dir}
    for name in names:
        value = getattr(settings, name)
        env[ENV_PREFIX + name.upper()] = ",".join(value) if isinstance(value, list) else str(value)
    return env


def _write_pid_file(data: Path, info: dict) -> None:
    tmp = data / (PID_FILENAME + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(info) + "\n")
    os.replace(tmp, data / PID_FILENAME)


LAST_UP_FILENAME = "last_up.json"
#: settings that say where learners' accounts and files are (`roster remove` needs them even
#: when they were given on the command line of `workshop up`, not saved)
STORAGE_SETTINGS = ("spawner", "system_user_prefix", "volume_prefix", "image")


def record_last_up(settings: WorkshopSettings) -> None:
    """Keep the :data:`STORAGE_SETTINGS` this `workshop up` runs with in the data dir."""
    from hub.credentials import _write_private

    values = {name: getattr(settings, name) for name in STORAGE_SETTINGS}
    _write_private(Path(settings.data_dir) / LAST_UP_FILENAME, json.dumps(values) + "\n")


def with_last_up(settings: WorkshopSettings) -> WorkshopSettings:
    """``settings`` with the :data:`STORAGE_SETTINGS` of the last `workshop up` (if any)."""
    try:
        values = json.loads((Path(settings.data_dir) / LAST_UP_FILENAME).read_text())
    except (OSError, ValueError):
        return settings
    for name in STORAGE_SETTINGS:
        if name in values:
            setattr(settings, name, values[name])
    return settings


def stop_stale_proxy(data: Path) -> int | None:
    """Stop a configurable-http-proxy a killed hub left behind (JupyterHub's pid file in the
    data dir); returns its pid, or None if none was running."""
    import psutil

    try:
        pid = int((data / "jupyterhub-proxy.pid").read_text().strip())
        proc = psutil.Process(pid)
        if "configurable-http-proxy" not in " ".join(proc.cmdline()):
            return None
    except (OSError, ValueError, psutil.Error):
        return None
    proc.terminate()
    try:
        proc.wait(10)
    except psutil.TimeoutExpired:
        proc.kill()
    (data / "jupyterhub-proxy.pid").unlink(missing_ok=True)
    return pid


def network_notice(settings: WorkshopSettings) -> str:
    """What to tell the instructor about who can reach the hub ('' when nothing needs saying):
    a hub run by an ordinary user cannot keep learners apart (every server runs as that user)."""
    if settings.spawner != "local" or os.geteuid() == 0:
        return ""
    import getpass

    user = getpass.getuser()
    if settings.listens_beyond_loopback:
        return (
            f"WARNING: this hub runs as {user!r}, so every learner's server runs as {user!r} "
            "too: learners can read and change each other's files (and yours), see the hub's "
            "secrets and use each other's servers. It listens on the network because you asked "
            f"(ip={settings.ip}{', https' if settings.https else ''}). For a room of people you do "
            "not all trust, use `workshop up --spawner docker`, or run `workshop up` as root "
            "(each learner then gets an account of their own)."
        )
    return (
        f"Listening on {settings.ip} only (this machine): the hub runs as {user!r}, so every "
        "learner's server would run as that same account and could read the others' files. "
        "To let a room in, use `workshop up --spawner docker` (or run as root); `--ip 0.0.0.0` "
        "opens it anyway, without that isolation."
    )


def isolation_notice(settings: WorkshopSettings, limits: list[str]) -> str:
    """How learners are kept apart and limited (``limits``: :func:`limit_lines`), in a few lines
    for ``workshop up`` with the local spawner ('' for Docker, whose engine says it).

    Raises ``RuntimeError`` when the local spawner runs as root but the system refuses the
    namespaces learners are isolated in (then learners would run as root)."""
    if settings.spawner != "local":
        return ""
    if os.geteuid() == 0:
        from hub.isolation.sandbox import isolation_unavailable

        why = isolation_unavailable()
        if why:
            raise RuntimeError(
                "as root, the local spawner runs each learner as an account of their own in "
                f"private namespaces, which this system refuses ({why}; an unprivileged "
                "container?): run `workshop up` as an ordinary user (it then listens on "
                "127.0.0.1 only) or use `--spawner docker`"
            )
    return "\n".join(limits)


def _echo(message: str) -> None:
    print(message, flush=True)  # seen at once in a log file or a service journal too


def run_foreground(settings: WorkshopSettings, override_names, echo=_echo) -> int:
    """Start JupyterHub (and Caddy for HTTPS) and wait; SIGINT/SIGTERM stop everything.

    A hub that dies of a signal (a crash, the OOM killer, ``kill -9``) is started again: the
    proxy it left is stopped (JupyterHub does it from its pid file), its idle culler died with it,
    and running servers are taken back. Returns the hub's exit code. ``override_names``:
    settings given on the command line, passed to the hub process through the environment.
    """
    from hub.credentials import password_fingerprint
    from hub.hub_config import proxy_command

    data = Path(settings.data_dir)
    creds = load_or_create(data)  # generate secrets before the hub reads them
    info = running_hub(data)
    if info is not None:
        which = (
            f"hub pid {info.get('hub_pid')}, left by a `workshop up` that was killed"
            if info["orphaned"]
            else f"pid {info['pid']}"
        )
        raise RuntimeError(
            f"a hub is already running for {data} ({which}): "
            f"`{workshop_command('status', data_dir=data)}` shows it, "
            f"`{workshop_command('down', data_dir=data)}` stops it"
        )
    proxy = proxy_command()[0]
    if not Path(proxy).exists() and shutil.which(proxy) is None:
        raise FileNotFoundError(
            "configurable-http-proxy not found: run hub/bootstrap.sh (npm install into "
            "./node_modules)"
        )
    limits = limit_lines(settings)  # said here and kept in the pid file for `status`
    for notice in (isolation_notice(settings, limits), network_notice(settings)):
        if notice:
            echo(notice)
    env = dict(os.environ)
    env.update(settings_env(settings, override_names))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    children: list[subprocess.Popen] = []
    pid_info = {
        **hub_record(settings, limits),
        "pid_started": _started(os.getpid()),
        "password_fingerprint": password_fingerprint(creds),
        "admin_password_fingerprint": password_fingerprint(creds, "admin"),
    }
    _write_pid_file(data, pid_info)
    record_last_up(settings)
    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def start_hub() -> subprocess.Popen:
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)], cwd=data, env=env
        )
        pid_info.update(hub_pid=hub.pid, hub_started=_started(hub.pid))
        _write_pid_file(data, pid_info)
        return hub

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    restarts: list[float] = []
    try:
        hub = start_hub()
        children.append(hub)
        if settings.https:
            from hub.caddy import caddy_command, write_caddyfile

            caddy_env = dict(
                env, XDG_DATA_HOME=str(data / "caddy"), XDG_CONFIG_HOME=str(data / "caddy")
            )
            caddy = subprocess.Popen(
                caddy_command(write_caddyfile(settings, creds)), cwd=data, env=caddy_env
            )
            children.append(caddy)
            pid_info.update(caddy_pid=caddy.pid, caddy_started=_started(caddy.pid))
            _write_pid_file(data, pid_info)
        client = HubClient(settings.local_url, creds.api_token)
        while True:
            try:
                client.wait_until_up(timeout=120, process=hub)
            except Exception as err:  # still fall through to cleanup and the hub's exit code
                if not stopping:
                    echo(f"hub did not come up: {err}")
            else:
                echo(_ready_message(settings) if not restarts else "hub is up again")
            while hub.poll() is None:
                if any(c.poll() is not None for c in children[1:]) and not stopping:
                    echo("Caddy exited; stopping the hub")
                    stop(signal.SIGTERM, None)
                time.sleep(0.5)
            now = time.monotonic()
            restarts = [t for t in restarts if now - t < 600]
            if stopping or hub.returncode >= 0 or len(restarts) >= 5:
                if hub.returncode < 0 and not stopping:
                    echo(f"the hub died of signal {-hub.returncode} 5 times in 10 minutes")
                return hub.returncode
            restarts.append(now)
            echo(
                f"the hub (pid {hub.pid}) died of signal {-hub.returncode}; starting it again "
                "(running servers are kept)"
            )
            stop_stale_proxy(data)
            children[0] = hub = start_hub()
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


def hub_record(settings: WorkshopSettings, limits: list[str]) -> dict:
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
        "limits": limits,
    }


def limit_lines(settings: WorkshopSettings) -> list[str]:
    """What this machine enforces for each learner, one fact a line (``hub.isolation.enforced``)."""
    from hub.isolation.enforced import enforcement

    enforced = enforcement(settings)
    return enforced.lines + enforced.gaps


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
        *(
            [f"  class board (instructors only): {settings.public_url}services/board/"]
            if settings.board
            else []
        ),
        f"  {roster_line}",
        f"  stop with Ctrl-C or `{workshop_command('down', data_dir=data)}`",
        "",
    ]
    return "\n".join(lines)


def stop_hub(data_dir: str | os.PathLike, timeout: float = 60.0) -> bool:
    """Stop the hub ``workshop up`` runs for ``data_dir`` (or the hub and Caddy a killed
    ``workshop up`` left running); False if none was running."""
    info = running_hub(data_dir)
    if info is None:
        return False
    targets = [("pid", "pid_started")] if not info["orphaned"] else []
    targets += [("hub_pid", "hub_started"), ("caddy_pid", "caddy_started")]
    alive = [(info[p], info.get(t)) for p, t in targets if _alive(info.get(p), info.get(t))]
    for pid, _ in alive[:1] if not info["orphaned"] else alive:
        os.kill(int(pid), signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(pid, started) for pid, started in alive):
            Path(data_dir, PID_FILENAME).unlink(missing_ok=True)
            return True
        time.sleep(0.3)
    raise TimeoutError(f"hub (pid {alive[0][0]}) still running after {timeout:.0f} s")


@dataclass
class Released:
    """What :func:`release_system_state` undid: learner accounts removed, home file systems
    unmounted, whether the cgroups were removed."""

    accounts: list[str]
    unmounted: list[str]
    cgroups: bool
    network: bool = False

    def describe(self, data_dir) -> str:
        homes = Path(data_dir) / "homes"
        return (
            f"removed {len(self.accounts)} learner accounts, unmounted {len(self.unmounted)} "
            f"home file systems{', removed the learners cgroups' if self.cgroups else ''}"
            f"{', removed the learners network (bridge, namespaces, rules)' if self.network else ''}; "
            f"kept the learners' files ({homes}, and their home file systems in "
            f"{Path(data_dir) / 'disks'}): the next up mounts them again"
        )


def release_system_state(data_dir, prefix: str) -> Released:
    """Undo on the system what a stopped hub's local spawner made for ``data_dir``: the learners'
    accounts (``prefix`` + each username with a home; their processes first), the mounts of
    their home file systems, their cgroups and their network (``hub.isolation.netns``). The learners' files stay. A no-op unless root.

    Raises ``ValueError`` for an account of that name that the workshop did not create."""
    if os.geteuid() != 0:
        return Released([], [], False)
    from hub.isolation.accounts import account_name, remove_account
    from hub.isolation.cgroups import CgroupTree, tree_name
    from hub.isolation.home_disks import release_all

    data_dir = Path(data_dir).resolve()
    homes = data_dir / "homes"
    users = sorted(p.name for p in homes.iterdir() if p.is_dir()) if homes.is_dir() else []
    accounts = [a for a in (account_name(prefix, u) for u in users) if remove_account(a)]
    unmounted = [str(p) for p in release_all(data_dir)]
    tree, _ = CgroupTree.detect(tree_name(str(data_dir)))
    if tree is not None:
        tree.remove_all()
    from hub.isolation.netns import release_all as release_network

    network = release_network(data_dir)
    return Released(accounts, unmounted, tree is not None, network)


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
        import uuid

        self.data_dir = Path(data_dir)
        port, hub_port, proxy_api_port, board_port = free_ports(4)
        self.overrides = {
            "ip": "127.0.0.1",
            "port": port,
            "hub_port": hub_port,
            "proxy_api_port": proxy_api_port,
            "board_port": board_port,
            # accounts of this hub's learners (as root) are its own, and removed by stop()
            "system_user_prefix": f"t{uuid.uuid4().hex[:6]}-",
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
            "hub.cli.main",
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
        """Stop the hub (and its servers); as root, also remove what it made on the system:
        its learners' accounts, home mounts and cgroups (the homes themselves stay)."""
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
        self.release_system_state()

    def release_system_state(self) -> None:
        """:func:`release_system_state` for this hub."""
        release_system_state(self.data_dir, str(self.overrides["system_user_prefix"]))

    def __enter__(self) -> HubProcess:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
