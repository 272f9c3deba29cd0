"""End to end: `workshop up --spawner docker` on loopback, an attendee in headless Chromium.

One scenario, in order, on real components (Docker engine, the image built from ``image/`` on the
stand-in base, JupyterHub + CHP, DockerSpawner, jupyterhub-idle-culler, Debian's Chromium):

1. the roster (one attendee, Jane Doe<random>) is imported with ``workshop roster import``; the hub starts with the docker spawner;
2. the attendee ``doe<random>_jane`` logs in; JupyterLab opens on ``workshop_tutorial.ipynb``
   without pop-ups; they run its first cells (no stderr boxes) and read their output;
   ``workshop status`` measures their container; then they edit the tutorial and write a note
   (contents API, with the browser's session);
3. the server is stopped and the hub restarted, the server started again (hub API): the container
   is a new one, the edited tutorial (not re-seeded over) and the note are still there;
4. a cell that needs more than the 3G limit: the kernel is OOM-killed and the cell says so;
5. the real idle culler (short timeout) stops the idle server; its home volume remains.

Screenshots go to ``test-artifacts/<test>/`` (path printed; ignored by git).
"""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
import time

import pytest
from browser import (
    NOTEBOOK,
    fetch_json,
    launch,
    listed_files,
    login,
    new_page,
    open_from_file_browser,
    run_first_code_cells,
    wait_for_lab,
)
from docker_support import (
    REPO_ROOT,
    TUTORIAL,
    docker_client,  # noqa: F401 - fixture
    remove_room_objects,
    standin_base,  # noqa: F401 - fixture
    unique,
    workshop_image,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.docker, pytest.mark.browser]

PASSWORD = "correct-horse-battery"
ADMIN_PASSWORD = "an-admin-password-of-at-least-32-characters"
# Container names are global to the engine: a last name of its own keeps this user's container
# apart from any other hub's on the same engine.
LAST_NAME = "Doe" + "".join(random.choices(string.ascii_lowercase, k=5))
USER = f"{LAST_NAME.lower()}_jane"
EDIT_MARK = f"my own notes {LAST_NAME}"


@pytest.fixture
def docker_hub(tmp_path, docker_client, workshop_image):  # noqa: F811 - fixtures
    """A hub with the docker spawner on free loopback ports, its own network and volume prefix."""
    from hub.process import HubProcess
    from hub.spawners.docker import volume_name

    data = tmp_path / "hub"
    data.mkdir()
    registrations = tmp_path / "registrations.csv"
    registrations.write_text(f"First Name,Last Name\nJane,{LAST_NAME}\n", encoding="utf-8")
    env = {"WORKSHOP_PASSWORD": PASSWORD, "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "roster", "import", str(registrations),
         "--data-dir", str(data)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert USER in out.stdout

    network, prefix = unique("wstest-net"), unique("wstest-home")
    settings = {
        "spawner": "docker",
        "image": workshop_image,
        "docker_network": network,
        "volume_prefix": prefix,
        "mem_limit": "3G",
        "cpu_limit": 2.0,
        "gpu": "none",
        "start_timeout": 600,
        # generous: other test tiers may load this 2-core machine while the server starts
        "http_timeout": 600,
    }
    hub = HubProcess(data, settings=settings, env=env)
    hub.volume = volume_name(prefix, USER)
    hub.network = network
    try:
        yield hub.start(timeout=120)
    finally:
        hub.stop()
        remove_room_objects(docker_client, network, prefix)


def _container_of(docker_client, network):  # noqa: F811
    running = docker_client.containers.list(filters={"network": network})
    return running[0] if running else None


def test_attendee_session_in_chromium(docker_hub, docker_client, artifacts):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from hub.client import HubError, run_code_in_kernel, wait_for

    shots = artifacts
    timings = {}
    with sync_playwright() as pw:
        browser = launch(pw)
        page = new_page(browser)

        # --- log in, the server spawns, Lab opens on the tutorial, no pop-up -------------------
        start = time.monotonic()
        login(page, docker_hub.url, USER, PASSWORD)
        wait_for_lab(page, timeout_ms=600_000)
        timings["login_to_lab_s"] = time.monotonic() - start
        assert f"/user/{USER}/lab/tree/{TUTORIAL}" in page.url
        assert TUTORIAL in listed_files(page)
        page.wait_for_timeout(5000)  # the news question used to appear a moment after start-up
        assert page.locator(".Toastify__toast").count() == 0, "a pop-up in the learner's Lab"
        page.screenshot(path=str(shots / "1-file-browser.png"))

        container = _container_of(docker_client, docker_hub.network)
        assert container is not None, "no user container on the hub's network"
        first_id = container.id
        container.reload()
        host = container.attrs["HostConfig"]
        assert host["Memory"] == 3 * 2**30
        assert host["NanoCpus"] in (0, None) and host["CpuQuota"] == 200_000
        mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
        assert mounts["/home/jovyan"]["Name"] == docker_hub.volume

        # --- open the tutorial, run its first cells, read the output ------------------------
        start = time.monotonic()
        try:
            open_from_file_browser(page, TUTORIAL)
            outputs = run_first_code_cells(page, 3)
        finally:
            page.screenshot(path=str(shots / "2-tutorial-cells.png"))
            print(f"\nscreenshots: {shots}")
        timings["first_cells_s"] = time.monotonic() - start
        assert all("Traceback" not in o and "Error" not in o for o in outputs), outputs
        stderr = page.locator(
            f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        assert stderr.count() == 0, stderr.all_inner_texts()  # no TensorFlow start-up boxes
        assert outputs[-1].strip(), f"the third code cell printed nothing: {outputs}"

        # the instructor's view: the learner's container measured, the admin not counted
        status = subprocess.run(
            [sys.executable, "-m", "hub.cli.main", "status", "--json", "--data-dir",
             str(docker_hub.data_dir)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert status.returncode == 0, status.stderr
        status = json.loads(status.stdout)
        (row,) = [r for r in status["servers"] if r["user"] == USER]
        assert row["memory_mb"] > 50 and row["cpu_percent"] is not None, row
        assert status["spawner"] == "docker" and status["learners_running"] == 1

        # edit files as the user (the server's contents API with the browser's session): the
        # tutorial itself gets a cell of the user's, and a new file is written
        model = fetch_json(page, f"/user/{USER}/api/contents/{TUTORIAL}")["body"]
        model["content"]["cells"].append(
            {"cell_type": "markdown", "metadata": {}, "source": EDIT_MARK, "id": "my-edit"}
        )
        put = fetch_json(
            page,
            f"/user/{USER}/api/contents/{TUTORIAL}",
            "PUT",
            {"type": "notebook", "format": "json", "content": model["content"]},
        )
        assert put["status"] == 200, put
        note = fetch_json(
            page,
            f"/user/{USER}/api/contents/note.txt",
            "PUT",
            {"type": "file", "format": "text", "content": "my notes"},
        )
        assert note["status"] in (200, 201), note
        page.context.close()

        # --- stop the server, restart the hub, start the server again: the edits are there --
        docker_hub.client.stop_server(USER, timeout=120)
        wait_for(
            lambda: _container_of(docker_client, docker_hub.network) is None,
            60,
            "the container to be removed",
        )
        docker_hub.stop()
        docker_hub.start(timeout=120)
        start = time.monotonic()
        docker_hub.client.start_server(USER)
        docker_hub.client.wait_ready(USER, timeout=600)
        timings["restart_s"] = time.monotonic() - start
        container = _container_of(docker_client, docker_hub.network)
        assert container is not None and container.id != first_id

        page = new_page(browser)
        login(page, docker_hub.url, USER, PASSWORD)
        wait_for_lab(page)
        assert {"note.txt", TUTORIAL} <= set(listed_files(page))
        text = fetch_json(page, f"/user/{USER}/api/contents/note.txt")["body"]["content"]
        assert text == "my notes"
        again = fetch_json(page, f"/user/{USER}/api/contents/{TUTORIAL}")["body"]
        sources = ["".join(c["source"]) for c in again["content"]["cells"]]
        assert EDIT_MARK in sources, "the user's edit of the tutorial was overwritten"
        page.screenshot(path=str(shots / "3-after-restart.png"))
        page.context.close()
        browser.close()

    # --- a cell that needs more than the 3G limit: the kernel is killed, the cell says why -----
    with pytest.raises(HubError) as died:
        run_code_in_kernel(
            f"{docker_hub.url}user/{USER}/",
            docker_hub.credentials.api_token,
            ["import numpy as np\nblocks = [np.ones(2**27) for _ in range(6)]  # 6 GiB"],
            timeout=300,
        )
    assert "ran out of memory" in str(died.value) and "3.0 GiB" in str(died.value), died.value

    # --- the idle culler stops the idle server; the home volume stays -----------------------------
    culler = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=20", "--cull-every=5",
         f"--url={docker_hub.url}hub/api"],
        env={"JUPYTERHUB_API_TOKEN": docker_hub.credentials.api_token, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    start = time.monotonic()
    try:
        wait_for(lambda: not docker_hub.client.user(USER)["servers"], 180, "the idle culler")
        timings["culled_after_s"] = time.monotonic() - start
    finally:
        culler.terminate()
        log = culler.communicate(timeout=30)[0]
    assert f"Culling server {USER}" in log or "Culling server" in log, log[-2000:]
    wait_for(
        lambda: _container_of(docker_client, docker_hub.network) is None, 60, "container removal"
    )
    assert docker_client.volumes.get(docker_hub.volume).name == docker_hub.volume
    print(f"\nscreenshots: {shots}\ntimings: {timings}\noutputs: {outputs}")
