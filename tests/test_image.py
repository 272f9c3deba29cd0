"""The per-user image, built from ``image/`` on the local stand-in base, run as containers.

Checks what DockerSpawner and the attendees rely on: the non-root user, the hub-matching
JupyterHub, TensorFlow and ``tutorial_utils`` importable, the notebook seeding that never
overwrites edits, and the kernel culling settings actually applied by a running server.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from docker_support import (
    BUILD_STATS,
    TUTORIAL,
    docker_client,  # noqa: F401 - fixture
    standin_base,  # noqa: F401 - fixture
    unique,
    workshop_image,  # noqa: F401 - fixture
)

pytestmark = pytest.mark.docker


def _run(client, image, command, **kw) -> str:
    out = client.containers.run(image, command, remove=True, stderr=True, **kw)
    return out.decode(errors="replace")


def test_image_contents(docker_client, workshop_image):  # noqa: F811 - fixtures
    import jupyterhub

    script = (
        "import json, os, jupyterhub, keras, tensorflow as tf, tutorial_utils; "
        "print(json.dumps({'uid': os.getuid(), 'home': os.environ['HOME'], "
        "'hub': jupyterhub.__version__, 'keras_backend': keras.backend.backend(), "
        "'tf': tf.__version__, 'growth': os.environ.get('TF_FORCE_GPU_ALLOW_GROWTH'), "
        "'exports': len(tutorial_utils.__all__)}))"
    )
    info = json.loads(
        _run(docker_client, workshop_image, ["python", "-c", script]).splitlines()[-1]
    )
    assert info["uid"] == 1000 and info["home"] == "/home/jovyan"
    # the image's JupyterHub must match the hub's (a mismatch breaks the OAuth hand-off)
    assert info["hub"] == jupyterhub.__version__
    assert info["keras_backend"] == "tensorflow" and info["tf"].startswith("2.")
    assert info["growth"] == "true"
    assert info["exports"] > 10
    image = docker_client.images.get(workshop_image)
    assert image.attrs["Config"]["Cmd"] == ["jupyterhub-singleuser"]
    assert image.attrs["Config"]["User"] == "jovyan"
    print(f"\nimage build stats: {BUILD_STATS}")


def test_notebooks_seeded_once_and_edits_kept(docker_client, workshop_image):  # noqa: F811
    volume = unique("wstest-seed")
    mount = {volume: {"bind": "/home/jovyan", "mode": "rw"}}
    try:
        listing = _run(docker_client, workshop_image, ["ls", "-l", "/home/jovyan"], volumes=mount)
        assert TUTORIAL in listing and "jovyan" in listing  # copied in, owned by the user
        _run(
            docker_client,
            workshop_image,
            ["sh", "-c", f"echo '# my edit' >> {TUTORIAL} && touch mine.py"],
            volumes=mount,
        )
        after = _run(
            docker_client, workshop_image, ["sh", "-c", f"tail -1 {TUTORIAL}; ls"], volumes=mount
        )
        assert after.splitlines()[0] == "# my edit"  # not overwritten on the next start
        assert "mine.py" in after
        # deleting the notebook and starting again brings back a fresh copy
        fresh = _run(
            docker_client,
            workshop_image,
            ["sh", "-c", f"rm {TUTORIAL}; exec workshop-start tail -c 200 {TUTORIAL}"],
            volumes=mount,
        )
        assert "# my edit" not in fresh and fresh.strip().endswith("}")
    finally:
        docker_client.volumes.get(volume).remove(force=True)


def test_server_culls_idle_kernels(docker_client, workshop_image):  # noqa: F811
    """A plain jupyter server in the image shuts an idle kernel down after the env's timeout."""
    network = docker_client.networks.create(unique("wstest-cull"), driver="bridge")
    token = unique("tok")
    container = docker_client.containers.run(
        workshop_image,
        ["jupyter", "server", "--ip=0.0.0.0", "--port=8888", f"--IdentityProvider.token={token}"],
        detach=True,
        network=network.name,
        environment={"WORKSHOP_KERNEL_CULL_IDLE": "5", "WORKSHOP_KERNEL_CULL_INTERVAL": "2"},
    )
    try:
        container.reload()
        ip = container.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]
        api = f"http://{ip}:8888/api"
        headers = {"Authorization": f"token {token}"}
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(api + "/status", headers=headers, timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, container.logs()[-2000:].decode()
            time.sleep(1)
        kernel = requests.post(api + "/kernels", headers=headers, json={}, timeout=60).json()
        # wait until the kernel has started and gone idle, then for the culler
        deadline = time.monotonic() + 120
        while any(
            k["id"] == kernel["id"]
            for k in requests.get(api + "/kernels", headers=headers, timeout=10).json()
        ):
            assert time.monotonic() < deadline, "idle kernel was not culled within 120 s"
            time.sleep(2)
        assert b"seconds of inactivity" in container.logs()  # the culler, not a crash
    finally:
        container.remove(force=True)
        network.remove()


def test_doctor_steps(docker_client, workshop_image):  # noqa: F811
    from hub.cli.doctor_docker import run_checks
    from hub.settings import WorkshopSettings
    from hub.spawners.docker import nvidia_gpu_ids

    settings = WorkshopSettings()
    settings.image = workshop_image
    results = {c.name: c for c in run_checks(settings)}
    print("\n" + "\n".join(str(c) for c in results.values()))
    assert [results[n].status for n in ("engine", "image")] == ["ok"] * 2
    expected_gpu = "ok" if nvidia_gpu_ids() else "skip"
    assert results["gpu"].status == expected_gpu, results["gpu"]
    # a missing image is reported, with the command that builds it
    settings.image = "dragonn-workshop:does-not-exist"
    missing = {c.name: c for c in run_checks(settings)}
    assert missing["image"].status == "fail" and "docker build" in missing["image"].detail
    assert missing["gpu"].status == "skip"


def test_doctor_spawns_a_test_learner_through_dockerspawner(docker_client, workshop_image):  # noqa: F811
    """doctor's last step with the docker spawner: a throwaway learner's container, with the
    default limits, runs the tutorial through its first training; nothing is left behind."""
    from hub.cli.doctor import check_test_spawn
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings(image=workshop_image, spawner="docker", gpu="none")
    before = {v.name for v in docker_client.volumes.list()}
    steps = {s.name: s for s in check_test_spawn(settings, "docker")}
    print("\n" + "\n".join(str(s) for s in steps.values()))
    assert [steps[n].status for n in ("test hub", "test learner", "tutorial")] == ["ok"] * 3
    assert "through the docker spawner" in steps["test learner"].detail
    tutorial = steps["tutorial"].detail
    assert "through its first training" in tutorial
    peak = float(tutorial.split("peak memory ")[1].split()[0])
    assert 200 < peak < settings.mem_limit_bytes / 2**20, tutorial  # measured, within the limit
    assert {v.name for v in docker_client.volumes.list()} <= before
    assert not docker_client.networks.list(names=["workshop-doctor-"])
