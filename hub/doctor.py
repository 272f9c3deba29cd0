"""``workshop doctor``: pre-flight checks, each reported as it finishes (✓ ok, ✗ fail, – skip).

1. Python packages (JupyterHub 5.5.x, JupyterLab, the idle culler, the tutorial package);
2. configurable-http-proxy; 3. the data dir is writable; 4. secrets are private;
5. settings and roster; 6. Docker steps (``hub.doctor_docker``) when the spawner is docker;
7. a test spawn: a temporary hub on free loopback ports, a throwaway user whose server starts
   with the local spawner, and the tutorial's first code cells run in that server's kernel.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hub.settings import REPO_ROOT, WorkshopSettings

TUTORIAL = "workshop_tutorial.ipynb"
_MARK = {"ok": "✓", "fail": "✗", "skip": "–"}


@dataclass
class Step:
    """Outcome of one check: ``status`` is ``"ok"``, ``"fail"`` or ``"skip"``."""

    name: str
    status: str
    detail: str

    def __str__(self) -> str:
        return f"{_MARK[self.status]} {self.name}: {self.detail}"


def check_packages() -> Step:
    missing, versions = [], {}
    for module in (
        "jupyterhub",
        "jupyterlab",
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


def check_settings(settings: WorkshopSettings) -> Step:
    from hub.roster import Roster

    n = len(Roster.load(settings.data_dir).entries)
    detail = (
        f"spawner {settings.spawner}, class of {settings.class_size}, "
        f"{settings.mem_limit} / {settings.cpu_limit} CPU per user, {n} on the roster"
    )
    return Step("settings", "ok", detail)


def tutorial_cells(home: Path, n: int) -> tuple[str, list[str]]:
    """First ``n`` code cells of the tutorial in ``home`` (or of the first notebook there)."""
    candidates = [home / TUTORIAL] + sorted(home.glob("*.ipynb"))
    for path in candidates:
        if path.exists():
            nb = json.loads(path.read_text(encoding="utf-8"))
            code = [
                "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in nb["cells"]
                if c["cell_type"] == "code"
            ]
            return path.name, code[:n]
    return "", []


def check_test_spawn(cells: int = 2, timeout: float = 300.0) -> list[Step]:
    """Temporary hub + local-spawner server + the tutorial's first cells in its kernel."""
    from hub.client import run_code_in_kernel
    from hub.process import HubProcess
    from hub.roster import Roster

    steps: list[Step] = []
    tmp = Path(tempfile.mkdtemp(prefix="workshop-doctor-"))
    user = "doctor_check"
    try:
        roster = Roster()
        roster.add_people([("Check", "Doctor")])
        roster.save(tmp)
        t0 = time.monotonic()
        hub = HubProcess(tmp, settings={"spawner": "local", "idle_timeout": 0})
        try:
            hub.start(timeout=120)
        except Exception as err:
            steps.append(Step("test hub", "fail", f"did not start: {err}"))
            return steps
        with hub:
            steps.append(
                Step("test hub", "ok", f"up at {hub.url} in {time.monotonic() - t0:.1f} s")
            )
            t0 = time.monotonic()
            try:
                hub.client.start_server(user)
                hub.client.wait_ready(user, timeout=timeout)
            except Exception as err:
                steps.append(Step("test spawn", "fail", f"{err}\n{hub.log_tail(15)}"))
                return steps
            steps.append(
                Step("test spawn", "ok", f"{user}'s server ready in {time.monotonic() - t0:.1f} s")
            )
            name, code = tutorial_cells(tmp / "homes" / user, cells)
            if not code:
                code, name = ["import tutorial_utils; print(tutorial_utils.__version__)"], ""
            t0 = time.monotonic()
            try:
                results = run_code_in_kernel(
                    f"{hub.url}user/{user}/", hub.credentials.api_token, code, timeout=timeout
                )
            except Exception as err:
                steps.append(Step("tutorial cells", "fail", f"kernel: {err}"))
                return steps
            failed = [r for r in results if r["status"] != "ok"]
            what = f"{len(results)} code cells of {name}" if name else "import tutorial_utils"
            if failed:
                steps.append(Step("tutorial cells", "fail", f"{what}: {failed[0]['error']}"))
            else:
                steps.append(
                    Step(
                        "tutorial cells",
                        "ok",
                        f"{what} ran in the user's kernel in {time.monotonic() - t0:.1f} s",
                    )
                )
            if not name:
                steps.append(
                    Step(
                        "tutorial notebook",
                        "skip",
                        f"no notebooks in {REPO_ROOT / 'notebooks'} to seed",
                    )
                )
            hub.client.stop_server(user)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return steps


def run_doctor(
    settings: WorkshopSettings, spawn_test: bool = True, cells: int = 2, echo=print
) -> bool:
    """Run every check, printing each as it finishes; True if none failed."""
    steps: list[Step] = []

    def report(step: Step) -> None:
        steps.append(step)
        echo(str(step))

    for check in (check_packages, check_proxy):
        report(check())
    for check in (check_data_dir, check_secrets, check_settings):
        report(check(settings))
    if settings.spawner == "docker":
        try:
            from hub import doctor_docker

            for c in doctor_docker.run_checks(settings, cells=cells):
                report(Step(f"docker {c.name}", c.status, c.detail))
        except ImportError as err:
            report(Step("docker", "fail", f"Docker support not installed: {err}"))
    if spawn_test:
        if any(s.status == "fail" for s in steps[:2]):
            report(Step("test spawn", "skip", "packages or proxy missing"))
        else:
            for step in check_test_spawn(cells=cells):
                report(step)
    ok = not any(s.status == "fail" for s in steps)
    echo("\nall checks passed" if ok else "\nsome checks failed (✗ above)")
    return ok
