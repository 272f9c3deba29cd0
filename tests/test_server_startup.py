"""A learner's server starts without what ``[tool.dragonn-workshop] removed-packages`` lists.

``rfc3987-syntax`` (with jsonschema's non-GPL format checkers) builds about 35 Lark parsers when
imported, half of a server's start-up CPU; ``hub/bootstrap.sh`` and ``image/Dockerfile``
uninstall it. Checked in this environment (where local learners' servers run) and in the image
(containers and the chart): the server's modules import without it, and jsonschema still checks
the formats Jupyter's schemas use (a bad ``uri`` is refused: the control that formats are
checked at all).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from docker_support import (
    docker_client,  # noqa: F401 - fixture
    standin_base,  # noqa: F401 - fixture
    workshop_image,  # noqa: F401 - fixture
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def removed_packages() -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "pyproject_deps", REPO_ROOT / "image" / "pyproject_deps.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.removed_packages(str(REPO_ROOT / "pyproject.toml"))


def check_script(removed: list[str]) -> str:
    """Python that imports what a single-user server imports and prints, as JSON, which of
    ``removed`` are installed or were imported, and what jsonschema's format checker checks."""
    return f"""
import importlib.metadata as md, json, sys
import jupyterhub.singleuser.app, jupyter_server.serverapp, jupyter_events.validators
from jsonschema import Draft7Validator
removed = {removed!r}
installed = []
for name in removed:
    try:
        md.distribution(name)
        installed.append(name)
    except md.PackageNotFoundError:
        pass
checker = Draft7Validator.FORMAT_CHECKER
print(json.dumps({{
    "installed": installed,
    "imported": [n for n in removed if n.replace("-", "_") in sys.modules],
    "bad_uri_refused": not checker.conforms("not a uri", "uri"),
    "good_uri_accepted": checker.conforms("https://example.org/a", "uri"),
}}))
"""


def assert_started_without(report: dict, removed: list[str]) -> None:
    assert removed, "pyproject.toml lists no removed-packages"
    assert report["installed"] == [] and report["imported"] == [], report
    assert report["bad_uri_refused"] and report["good_uri_accepted"], report


def test_removed_packages_are_named_with_their_reason():
    text = (REPO_ROOT / "pyproject.toml").read_text()
    assert "removed-packages" in text and "jupyter_server#1559" in text
    assert removed_packages() == ["rfc3987-syntax"]


def test_local_servers_start_without_them():
    removed = removed_packages()
    out = subprocess.run(
        [sys.executable, "-c", check_script(removed)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert_started_without(json.loads(out.stdout.splitlines()[-1]), removed)


@pytest.mark.docker
def test_the_image_starts_servers_without_them(docker_client, workshop_image):  # noqa: F811
    removed = removed_packages()
    out = docker_client.containers.run(
        workshop_image, ["python", "-c", check_script(removed)], remove=True, stderr=True
    )
    assert_started_without(json.loads(out.decode().splitlines()[-1]), removed)
