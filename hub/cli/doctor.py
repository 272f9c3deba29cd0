"""``workshop doctor``: pre-flight checks, each reported as it finishes (✓ ok, ⚠ warn, ✗ fail,
– skip).

1. Python packages (JupyterHub 5.5.x, JupyterLab, Notebook 7, the idle culler, the tutorial
   package); 2. configurable-http-proxy; 3. the data dir is writable; 4. secrets are private;
5. settings and roster, with the spawner the hub runs with (the running hub's, else the
   settings'); 6. capacity: ``class_size x learner_memory`` against 85 % of RAM (fails, naming
   the largest class that fits and the options); 7. the handout URL: warns when other machines
   cannot open it; 8. Docker steps (``hub.cli.doctor_docker``) when that spawner is docker;
9. a test learner: a temporary hub on free loopback ports spawns a throwaway learner through
   that same spawner, with the learners' image and limits, and the tutorial runs in that
   learner's kernel through its first training cell at a small size, its memory measured
   against the limit.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from hub.cli.checks import Step
from hub.paths import REPO_ROOT
from hub.settings import WorkshopSettings

TUTORIAL = "workshop_tutorial.ipynb"
#: the tutorial's sizes for the test learner: enough to exercise every step, done in a minute
SMALL_RUN = {"NUM_SEQS": 200, "SEQ_LENGTH": 200, "MAX_EPOCHS": 1}
FIRST_TRAINING = "train_SequenceDNN("


def check_packages() -> Step:
    missing, versions = [], {}
    for module in (
        "jupyterhub",
        "jupyterlab",
        "notebook",
        "jupyterhub_idle_culler",
        "psutil",
        "tutorial_utils",
    ):
        try:
            versions[module] = getattr(importlib.import_module(module), "__version__", "?")
        except ImportError as err:
            missing.append(f"{module} ({err})")
    if missing:
        return Step(
            "python packages", "fail", "missing: " + ", ".join(missing) + "; run hub/bootstrap.sh"
        )
    if not versions["jupyterhub"].startswith("5.5."):
        return Step(
            "python packages",
            "fail",
            f"jupyterhub {versions['jupyterhub']}; the hub and image need 5.5.x",
        )
    return Step("python packages", "ok", ", ".join(f"{k} {v}" for k, v in versions.items()))


def check_proxy() -> Step:
    from hub.hub_config import proxy_command

    cmd = proxy_command()
    exe = cmd[0] if Path(cmd[0]).exists() else shutil.which(cmd[0])
    if not exe:
        return Step("proxy", "fail", "configurable-http-proxy not found; run hub/bootstrap.sh")
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return Step("proxy", "fail", f"{exe} does not run: {err}")
    if out.returncode != 0:
        return Step("proxy", "fail", f"{exe} --version failed: {out.stderr.strip()[:200]}")
    return Step("proxy", "ok", f"configurable-http-proxy {out.stdout.strip()} ({exe})")


def check_data_dir(settings: WorkshopSettings) -> Step:
    data = settings.data_path
    try:
        data.mkdir(parents=True, exist_ok=True)
        probe = data / ".doctor-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        return Step("data dir", "fail", f"{data} is not writable: {err}")
    free = shutil.disk_usage(data).free / 2**30
    status = "ok" if free > 2 else "fail"
    return Step("data dir", status, f"{data} writable, {free:.1f} GiB free")


def check_secrets(settings: WorkshopSettings) -> Step:
    from hub.credentials import is_private, secrets_path

    path = secrets_path(settings.data_dir)
    if not path.exists():
        return Step("secrets", "skip", "not generated yet (first `workshop up` creates them)")
    loose = [str(p) for p in (settings.data_path, path) if not is_private(p)]
    if loose:
        return Step("secrets", "fail", "readable by group/others: " + ", ".join(loose))
    return Step("secrets", "ok", f"{path} mode 0600, data dir private")


def hub_spawner(settings: WorkshopSettings) -> tuple[str, str]:
    """``(spawner, where from)``: the running hub's for this data dir, else the settings'."""
    from hub.process import running_hub

    info = running_hub(settings.data_dir)
    if info and info.get("spawner"):
        return info["spawner"], f"the running hub (pid {info['pid']})"
    return settings.spawner, "the settings"


def check_settings(settings: WorkshopSettings, spawner: str, source: str) -> Step:
    from hub.roster import Roster

    n = len(Roster.load(settings.data_dir).entries)
    limit = (
        f"{settings.mem_limit} / {settings.cpu_limit} CPU per learner (enforced by Docker)"
        if spawner == "docker"
        else f"{settings.learner_memory} per learner expected (local processes: not enforced)"
    )
    detail = (
        f"spawner {spawner} (from {source}), class of {settings.class_size}, {limit}, "
        f"{settings.interface} interface, {n} on the roster"
    )
    return Step("settings", "ok", detail)


def check_capacity(settings: WorkshopSettings) -> Step:
    cap = settings.capacity()
    return Step("capacity", "ok" if cap.fits else "fail", cap.message)


def check_memory_limit(settings: WorkshopSettings, spawner: str) -> Step:
    if spawner != "docker":
        return Step("memory limit", "skip", "local processes have no per-learner limit")
    if settings.mem_limit_bytes < settings.learner_memory_bytes:
        return Step(
            "memory limit",
            "fail",
            f"mem_limit {settings.mem_limit} is below what a learner needs "
            f"({settings.learner_memory}, hub/capacity.py): the tutorial's kernel would be "
            "killed for memory; raise mem_limit or leave it at its default",
        )
    return Step(
        "memory limit", "ok", f"mem_limit {settings.mem_limit} >= need {settings.learner_memory}"
    )


def check_handout(settings: WorkshopSettings) -> Step:
    from hub.address import reachability
    from hub.process import running_hub

    info = running_hub(settings.data_dir)
    url = info["public_url"] if info else settings.public_url
    source = info.get("public_host_source", "") if info else settings.public_host_source
    ip = info.get("ip", settings.ip) if info else settings.ip
    host = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    status, sentence = reachability(host, ip)
    return Step("handout URL", status, f"{url} ({source}): {sentence}")


def tutorial_code_through_training(path: Path, sizes: dict) -> list[str]:
    """The tutorial's code cells up to and including its first training cell, with ``sizes``
    assigned right after the cell tagged ``parameters`` (names must be set there).

    Raises ``ValueError`` when the notebook has no parameters cell, a name is not one of its
    variables, or no cell trains a model.
    """
    import ast

    nb = json.loads(path.read_text(encoding="utf-8"))
    code: list[str] = []
    found_parameters = False
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        code.append(source)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            found_parameters = True
            names = {
                t.id
                for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Assign)
                for t in node.targets
                if isinstance(t, ast.Name)
            }
            unknown = sorted(set(sizes) - names)
            if unknown:
                raise ValueError(
                    f"{path.name} has no parameters {unknown}; it sets {sorted(names)}"
                )
            code.append("".join(f"{k} = {v!r}\n" for k, v in sizes.items()))
        if FIRST_TRAINING in source:
            if not found_parameters:
                raise ValueError(f"{path.name} has no cell tagged 'parameters' before training")
            return code
    raise ValueError(f"{path.name} has no cell calling {FIRST_TRAINING}...)")


class _PeakMemory:
    """Samples a learner server's memory (hub.cli.usage) about once a second in a thread."""

    def __init__(self, state: dict):
        import threading

        self.state, self.peak_mib = state, 0.0
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from hub.cli.usage import servers_usage

        while not self._halt.is_set():
            usage = servers_usage({"learner": self.state}).get("learner")
            if usage:
                self.peak_mib = max(self.peak_mib, usage[1])
            self._halt.wait(1.0)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._halt.set()
        self._thread.join(timeout=30)


def _test_hub_settings(settings: WorkshopSettings, spawner: str, tag: str) -> dict:
    """Settings of the temporary hub: the learners' spawner, image, limits and interface, on
    a network and volume prefix of its own (Docker)."""
    chosen = {
        name: getattr(settings, name)
        for name in ("mem_limit", "cpu_limit", "learner_memory", "default_url", "interface",
                     "start_timeout", "http_timeout")
    }  # fmt: skip
    chosen.update(spawner=spawner, idle_timeout=0, class_size=1)
    if spawner == "docker":
        chosen.update(
            image=settings.image,
            gpu=settings.gpu,
            shm_size=settings.shm_size,
            docker_network=f"workshop-doctor-{tag}",
            volume_prefix=f"workshop-doctor-{tag}",
        )
    return chosen


def _remove_docker_leftovers(prefix: str, network: str) -> None:
    try:
        from hub.spawners.docker import docker_client

        client = docker_client()
        for volume in client.volumes.list(filters={"name": prefix}):
            if volume.name.startswith(prefix):
                volume.remove(force=True)
        for net in client.networks.list(names=[network]):
            net.remove()
    except Exception:  # nothing to clean, or no engine: the spawn step already said so
        pass


def check_test_spawn(
    settings: WorkshopSettings,
    spawner: str,
    sizes: dict | None = None,
    timeout: float = 600.0,
) -> list[Step]:
    """A throwaway learner spawned through ``spawner`` by a temporary hub, and the tutorial run
    in their kernel through its first training cell at ``sizes`` (default ``SMALL_RUN``)."""
    import uuid

    from hub.process import HubProcess
    from hub.roster import Roster

    steps: list[Step] = []
    tag = uuid.uuid4().hex[:6]
    tmp = Path(tempfile.mkdtemp(prefix="workshop-doctor-"))
    chosen = _test_hub_settings(settings, spawner, tag)
    try:
        roster = Roster()
        (entry,) = roster.add_people([("Check", f"Doctor{tag}")])
        roster.save(tmp)
        user = entry.username
        t0 = time.monotonic()
        hub = HubProcess(tmp, settings=chosen)
        try:
            hub.start(timeout=120)
        except Exception as err:
            steps.append(Step("test hub", "fail", f"did not start: {err}"))
            return steps
        with hub:
            steps.append(
                Step("test hub", "ok", f"{spawner} spawner, up in {time.monotonic() - t0:.1f} s")
            )
            t0 = time.monotonic()
            try:
                hub.client.start_server(user)
                server = hub.client.wait_ready(user, timeout=timeout)
            except Exception as err:
                steps.append(Step("test learner", "fail", f"{err}\n{hub.log_tail(15)}"))
                return steps
            steps.append(
                Step(
                    "test learner",
                    "ok",
                    f"{user}'s server ready through the {spawner} spawner in "
                    f"{time.monotonic() - t0:.1f} s",
                )
            )
            steps.append(_run_tutorial(hub, user, server, spawner, settings, sizes, timeout))
            hub.client.stop_server(user, timeout=120)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if spawner == "docker":
            _remove_docker_leftovers(chosen["volume_prefix"], chosen["docker_network"])
    return steps


def _run_tutorial(hub, user, server, spawner, settings, sizes, timeout) -> Step:
    from hub.client import run_code_in_kernel

    sizes = dict(SMALL_RUN if sizes is None else sizes)
    path = REPO_ROOT / "notebooks" / TUTORIAL
    try:
        code = tutorial_code_through_training(path, sizes)
    except (OSError, ValueError) as err:
        return Step("tutorial", "fail", str(err))
    what = ", ".join(f"{k}={v}" for k, v in sizes.items())
    t0 = time.monotonic()
    with _PeakMemory(server.get("state") or {}) as memory:
        try:
            results = run_code_in_kernel(
                f"{hub.url}user/{user}/", hub.credentials.api_token, code, timeout=timeout
            )
        except Exception as err:
            return Step("tutorial", "fail", f"kernel: {err}")
    failed = [r for r in results if r["status"] != "ok"]
    if failed or len(results) < len(code):
        error = failed[0]["error"] if failed else "stopped early"
        return Step("tutorial", "fail", f"cell {len(results)} of {TUTORIAL} ({what}): {error}")
    limit = settings.mem_limit if spawner == "docker" else f"{settings.learner_memory} expected"
    peak = f"peak memory {memory.peak_mib:.0f} MiB (limit {limit})" if memory.peak_mib else ""
    return Step(
        "tutorial",
        "ok",
        f"{len(code)} cells of {TUTORIAL} through its first training ({what}) ran in the "
        f"learner's kernel in {time.monotonic() - t0:.1f} s; {peak}".rstrip("; "),
    )


def run_doctor(settings: WorkshopSettings, spawn_test: bool = True, echo=print) -> bool:
    """Run every check, printing each as it finishes; True if none failed (warnings pass)."""
    steps: list[Step] = []

    def report(step: Step) -> None:
        steps.append(step)
        echo(str(step))

    for check in (check_packages, check_proxy):
        report(check())
    for check in (check_data_dir, check_secrets):
        report(check(settings))
    spawner, source = hub_spawner(settings)
    report(check_settings(settings, spawner, source))
    report(check_capacity(settings))
    report(check_memory_limit(settings, spawner))
    report(check_handout(settings))
    docker_ok = True
    if spawner == "docker":
        try:
            from hub.cli import doctor_docker

            for c in doctor_docker.run_checks(settings):
                report(Step(f"docker {c.name}", c.status, c.detail))
                docker_ok = docker_ok and c.status != "fail"
        except ImportError as err:
            report(Step("docker", "fail", f"Docker support not installed: {err}"))
            docker_ok = False
    if spawn_test:
        if any(s.status == "fail" for s in steps[:2]):
            report(Step("test learner", "skip", "packages or proxy missing"))
        elif not docker_ok:
            report(Step("test learner", "skip", "the Docker steps above failed"))
        else:
            for step in check_test_spawn(settings, spawner):
                report(step)
    ok = not any(s.status == "fail" for s in steps)
    warned = any(s.status == "warn" for s in steps)
    echo(
        ("\nall checks passed" + (" (see the warnings ⚠ above)" if warned else ""))
        if ok
        else "\nsome checks failed (✗ above)"
    )
    return ok
