"""A learner's first ``discover_motifs`` in the per-user image: baked numba cache against none.

Usage (needs a Docker engine and the image built from ``image/``)::

    .venv/bin/python bench/first_discovery.py --image dragonn-workshop:test [--repeats 3]

One container trains the tutorial's deep CNN on a heterodimer simulation and saves it with 200
test positives. Then every trial starts a fresh container (a learner's first call: a new process,
nothing compiled yet) that loads them and times ``discover_motifs`` as the tutorial calls it:
``warm`` with the image's own numba cache (``/opt/numba-cache``, filled at build time by
``image/warm_numba.py``), ``cold`` with ``NUMBA_CACHE_DIR`` pointed at an empty folder, which is
what a learner got before the image baked a cache. The two arms alternate, so a busy machine
slows both alike. Prints each trial, the medians and their ratio, and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TRAIN = """
import numpy as np
from tutorial_utils import get_simulation_data, get_SequenceDNN, train_SequenceDNN
data = get_simulation_data("simulate_heterodimer_grammar", dict(
    motif1="SPI1_known4", motif2="IRF_known20", seq_length={length}, min_spacing=2,
    max_spacing=5, num_pos={num}, num_neg={num}, GC_fraction=0.4, pair_orientation="forward"),
    test_set_size={test}, validation_set_size={valid}, seed=0)
dnn = get_SequenceDNN(dict(seq_length={length}, use_deep_CNN=True, num_filters=15, conv_width=15,
    num_filters_2=15, conv_width_2=15, num_filters_3=15, conv_width_3=15, pool_width=35,
    verbose=0, seed=0))
train_SequenceDNN(dnn, data, num_epochs={epochs})
dnn.save("/bench/model.keras")
np.save("/bench/positives.npy", data.X_test[data.y_test[:, 0]][:200])
print("motifs", data.motif_names)
"""

DISCOVER = """
import resource, time
t0 = time.monotonic()
import numpy as np
from tutorial_utils import SequenceDNN, discover_motifs
dnn = SequenceDNN.load("/bench/model.keras")
X = np.load("/bench/positives.npy")
def cpu(who):
    u = resource.getrusage(who)
    return u.ru_utime + u.ru_stime
start, self0, kids0 = time.monotonic(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
table = discover_motifs(dnn, X, motif_names=["SPI1_known4", "IRF_known20"])
wall = time.monotonic() - start
used = cpu(resource.RUSAGE_SELF) - self0 + cpu(resource.RUSAGE_CHILDREN) - kids0
print(f"RESULT {wall:.2f} {len(table)} {start - t0:.2f} {used:.2f}")
"""


def run(client, image: str, code: str, folder: Path, env: dict | None = None) -> str:
    container = client.containers.run(
        image,
        ["python3", "-c", code],
        entrypoint=[],
        volumes={str(folder): {"bind": "/bench", "mode": "rw"}},
        environment=env or {},
        detach=True,
        network_disabled=True,
    )
    try:
        status = container.wait(timeout=3600)
        logs = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    if status["StatusCode"] != 0:
        raise RuntimeError(f"container failed ({status}):\n{logs[-3000:]}")
    return logs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--image", default=os.environ.get("WORKSHOP_TEST_IMAGE", "dragonn-workshop:test")
    )
    parser.add_argument("--repeats", type=int, default=3, help="trials per arm (default 3)")
    parser.add_argument("--num-seqs", type=int, default=3000, help="sequences per class")
    parser.add_argument("--seq-length", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args(argv)
    import docker

    client = docker.from_env(timeout=3600)
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="first-discovery-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o777)  # the container runs as jovyan
        start = time.monotonic()
        test = valid = int(0.2 * 2 * args.num_seqs)
        run(
            client,
            args.image,
            TRAIN.format(
                length=args.seq_length,
                num=args.num_seqs,
                test=test,
                valid=valid,
                epochs=args.epochs,
            ),
            folder,
        )
        print(f"trained the deep CNN in {time.monotonic() - start:.0f} s")
        times = {"cold": [], "warm": []}
        cpu = {"cold": [], "warm": []}  # CPU seconds: what a busy machine does not distort
        for trial in range(args.repeats):
            for arm in ("cold", "warm") if trial % 2 == 0 else ("warm", "cold"):
                env = {"NUMBA_CACHE_DIR": "/tmp/numba-cold"} if arm == "cold" else {}
                out = run(client, args.image, DISCOVER, folder, env)
                line = next(x for x in out.splitlines() if x.startswith("RESULT"))
                seconds, patterns, imports, cpu_seconds = line.split()[1:]
                times[arm].append(float(seconds))
                cpu[arm].append(float(cpu_seconds))
                print(
                    f"trial {trial} {arm:>4}: discover_motifs {float(seconds):6.1f} s wall, "
                    f"{float(cpu_seconds):6.1f} CPU-s, {patterns} patterns "
                    f"(imports {float(imports):.1f} s)",
                    flush=True,
                )
    cold_cpu, warm_cpu = statistics.median(cpu["cold"]), statistics.median(cpu["warm"])
    print(
        f"median CPU seconds: cold cache {cold_cpu:.1f}, baked cache {warm_cpu:.1f}, "
        f"saved {cold_cpu - warm_cpu:.1f} ({cold_cpu / warm_cpu:.2f}x)"
    )
    cold, warm = statistics.median(times["cold"]), statistics.median(times["warm"])
    print(
        f"median first discover_motifs: cold cache {cold:.1f} s, baked cache {warm:.1f} s, "
        f"saved {cold - warm:.1f} s ({cold / warm:.2f}x)"
    )
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
