"""modisco-lite's numba kernels come from an on-disk cache: every kernel is cached (not only the
ones modisco-lite's precompile lists), and the per-user image ships a warm cache that a learner's
process (uid 1000, a fresh container) loads instead of compiling. ``bench/first_discovery.py``
measures what that saves on a real ``discover_motifs``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from docker_support import docker_client, standin_base, workshop_image  # noqa: F401 - fixtures

# one cached kernel, called the way TF-MoDISco calls it; prints numba's hit/miss counters
PROBE = """
import json, time, numpy as np
from tutorial_utils._modisco_process import cache_all_kernels
n = cache_all_kernels()
from modiscolite import aggregator
start = time.monotonic()
aggregator._roc_corners(np.random.rand(50), np.random.rand(50))
stats = aggregator._roc_corners.stats
print(json.dumps({"kernels": n, "seconds": time.monotonic() - start,
                  "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values()),
                  "path": stats.cache_path}))
"""


def probe(env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_kernel_is_cached_and_a_second_process_loads_it(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba"), "NUMBA_CPU_NAME": "generic"}
    first = probe(env)
    assert first["kernels"] >= 25 and first["misses"] == 1 and first["hits"] == 0
    second = probe(env)
    assert second["hits"] == 1 and second["misses"] == 0
    assert second["seconds"] < first["seconds"] / 5


@pytest.mark.docker
def test_the_image_ships_a_warm_cache_a_learner_loads(request):
    client = request.getfixturevalue("docker_client")
    image = request.getfixturevalue("workshop_image")
    out = client.containers.run(
        image, ["python3", "-c", PROBE], entrypoint=[], remove=True, network_disabled=True
    )
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert result["path"].startswith("/opt/numba-cache/")
    assert result["hits"] == 1 and result["misses"] == 0, result
    env = client.containers.run(
        image, ["sh", "-c", "id -u; echo $NUMBA_CPU_NAME; ls /opt/numba-cache/*/ | grep -c nbi"],
        entrypoint=[], remove=True,
    ).decode().split()  # fmt: skip
    assert env[0] == "1000" and env[1] == "generic"
    assert int(env[2]) >= 20  # index files of the kernels the build's warm-up compiled
