"""The learners' image (``hub/image.py``) and ``workshop image``: tags pinned to the version, and a real push to a registry on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import tomllib

import pytest
import requests
from docker_support import docker_client, standin_base  # noqa: F401 - fixtures

from hub import image as image_cli
from hub.cli import main as cli
from hub.paths import REPO_ROOT


def test_tag_is_the_project_version_and_variant():
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert image_cli.project_version() == version
    assert image_cli.image_tag("gpu") == f"{version}-gpu"
    assert image_cli.image_tag("cpu", "1.2.0+dev3") == "1.2.0-dev3-cpu"
    assert image_cli.image_ref("cpu", "127.0.0.1:5000/ws", "2.0.0") == "127.0.0.1:5000/ws:2.0.0-cpu"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: image_cli.image_tag("cuda"), "variant"),
        (lambda: image_cli.image_ref("cpu", "GHCR.io/Owner/Name"), "repository"),
        (lambda: image_cli.image_ref("cpu", "no-owner"), "repository"),
        (lambda: image_cli.image_tag("cpu", "1.0 beta"), "valid image tag"),
    ],
)
def test_bad_input_names_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_cli_prints_the_name(capsys):
    assert cli.main(["image", "name", "--variant", "gpu", "--repository", "ghcr.io/a/b"]) == 0
    assert capsys.readouterr().out.strip() == f"ghcr.io/a/b:{image_cli.image_tag('gpu')}"
    assert cli.main(["image", "name", "--repository", "Bad"]) == 2
    assert "repository must look like" in capsys.readouterr().err


# --- docker tier: push to Debian's docker-registry on 127.0.0.1 ----------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def loopback_registry(tmp_path):
    """A Docker registry (Debian's docker-registry, the distribution project) on 127.0.0.1;
    engines treat loopback registries as insecure-allowed, so no TLS is needed."""
    exe = shutil.which("docker-registry")
    if not exe:
        pytest.skip("docker-registry is not installed (tests/system_deps.sh installs it)")
    port = _free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "storage:\n  filesystem:\n    rootdirectory: " + str(tmp_path / "data") + "\n"
        "http:\n  addr: 127.0.0.1:" + str(port) + "\n"
        "log:\n  level: warn\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([exe, "serve", str(config)], stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v2/"
    for _ in range(100):
        try:
            if requests.get(url, timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"docker-registry did not answer on {url}: {proc.stderr.read()[-2000:]}")
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.docker
def test_push_reaches_the_registry_under_the_pinned_tag(request, loopback_registry, capsys):
    client = request.getfixturevalue("docker_client")
    base = request.getfixturevalue("standin_base")
    repository = f"{loopback_registry}/dragonn-workshop"
    ref = image_cli.image_ref("cpu", repository)
    # the stand-in base under the release's name: pushing the multi-GB image adds nothing here
    client.images.get(base).tag(ref)
    try:
        assert cli.main(["image", "push", "--repository", repository]) == 0
        digest = capsys.readouterr().out.strip().rsplit("@", 1)[1]
        tags = requests.get(f"http://{loopback_registry}/v2/dragonn-workshop/tags/list", timeout=5)
        assert tags.json()["tags"] == [image_cli.image_tag("cpu")]
        manifest = requests.head(
            f"http://{loopback_registry}/v2/dragonn-workshop/manifests/{image_cli.image_tag('cpu')}",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
            timeout=5,
        )
        assert manifest.headers["Docker-Content-Digest"] == digest
        # the gpu variant was never built: a clear error, not a traceback
        assert cli.main(["image", "push", "--variant", "gpu", "--repository", repository]) == 2
        assert "build it first" in capsys.readouterr().err
    finally:
        client.images.remove(ref)
