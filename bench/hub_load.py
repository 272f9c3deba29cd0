"""A room logging in at once: N attendees log in and start their servers concurrently.

Starts a real hub (``workshop up``: JupyterHub + configurable-http-proxy) on free loopback ports
in a temporary data dir, with a roster of N attendees. Each simulated attendee, in its own
thread, does what a browser does: log in through the form, ask for its server (retrying after a
429 spawn throttle), follow its progress stream until it is ready (as the spawn page does), open it
(the OAuth hand-off) and call its API. Time-to-ready runs from the login request to that first
successful API answer.

    .venv/bin/python bench/hub_load.py                      # 50 users, local spawner
    .venv/bin/python bench/hub_load.py --spawner docker     # 20 users, one container each
    .venv/bin/python bench/hub_load.py --board both         # the class board off, then on
    .venv/bin/python bench/hub_load.py --spawner docker --compare image=dragonn-workshop:before

With the class board on (the default, as in ``workshop up``), an instructor has it open for the
whole room: logged in, fetching its ``api/room`` every 3 s as the page does, so the board reads
every running server while the room logs in. ``--board both`` runs the room twice, board off
then on, and prints the two side by side (time-to-ready, login time, the board's own CPU and
how long one reading of the room took).

Before the room, one probe attendee starts a server alone, and its CPU time from spawn to ready
is measured (the server's processes, or its container). The floor this machine allows for the
room is that CPU time x attendees / cores: no schedule can have every server ready sooner. The
summary prints median / p95 / max time-to-ready, the floor and p95 / floor, the failures with
their reasons, and the load average before and after; JSON goes to bench/results/.

With the Docker spawner the engine (dockerd, containerd, the shims, runc) works for each start
outside the container: its CPU for the probe's start gives a second floor, with the engine's
work. Where the time went is printed per phase (median and p95 over the room): log in; the
container created (the home disk and the engine's queue), started, its server listening (the
time stamp of its "is running at" log line); the hub seeing it ready; the server opened.
``--compare NAME=VALUE`` runs the room as set and again with one setting changed (an older
image, say), side by side.

Measured 2026-12-06 on 2 cores (board off; the load averages are mostly the room's own), before
-> after the servers stopped importing rfc3987-syntax (pyproject.toml's removed-packages; Docker:
``--compare image=<the image with it>``, one run; local: back to back):

    spawner  learners  server start-up CPU  median ready   p95 ready    p95/floor (with the engine)
    docker   20        2.03 -> 1.06 s       27.3 -> 17.1   29.0 -> 19.7  1.43 -> 1.85 (1.23 -> 1.45)
    docker   50        2.27 -> 0.97 s       70.3 -> 41.2   72.8 -> 44.5  1.28 -> 1.84 (1.12 -> 1.44)
    local    20        2.06 -> 1.17 s       32.7 -> 20.6   34.7 -> 22.8  1.69 -> 1.95 (at our share 1.26 -> 1.23)
    local    50        2.20 -> 1.58 s       85.1 -> 54.4   89.1 -> 58.8  1.62 -> 1.49 (at our share 1.25 -> 1.00)

The ratio to the container-only floor rises because the floor halved: what is left per learner
is the engine (0.3 CPU-s a start; the container created and started in 1.3-4.4 s and 2.3-3.1 s
under a room), the hub seeing the server (1-1.5 s) and logging in (0.4-1.2 s).
``--compare docker_api_threads=1`` (20 learners): created 2.63 -> 1.34 s and seen ready 1.83 ->
0.96 s with 8 threads, p95 unchanged (20.9 vs 21.9 s: on 2 cores the room is CPU-bound).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from hub.client import api_with_cookies, browser_login, open_user_server  # noqa: E402
from hub.process import HubProcess  # noqa: E402
from hub.roster import Roster  # noqa: E402
from tutorial_utils._validation import check_choice, check_int  # noqa: E402

PASSWORD = "bench-room-password"
#: the bench's Docker network and volume prefix (never a real workshop's)
DOCKER_NAMES = "hub-load-bench"
ADMIN_PASSWORD = "bench-admin-" + "k9" * 16


def attendee(url: str, name: str, deadline: float, stats: dict, lock) -> dict:
    """One attendee's login -> spawn -> ready; returns its timings or its failure."""
    t0 = time.monotonic()
    result = {"user": name, "ok": False, "throttled": 0, "t0_wall": time.time()}
    try:
        session, r = browser_login(url, name, PASSWORD, timeout=120)
        if r.status_code != 302:
            raise RuntimeError(f"login answered {r.status_code}")
        result["login_s"] = time.monotonic() - t0
        spawn_url = f"{url}hub/api/users/{name}/server"
        for _attempt in range(50):  # bounded: the deadline below ends it sooner
            r = api_with_cookies(session, "POST", spawn_url, timeout=120)
            if r.status_code in (201, 202):
                break
            if r.status_code == 429:  # spawn throttle: wait as told, like the spawn page
                result["throttled"] += 1
                time.sleep(min(float(r.headers.get("Retry-After", 5)), 30))
            else:
                raise RuntimeError(f"spawn answered {r.status_code}: {r.text[:200]}")
            if time.monotonic() > deadline:
                raise TimeoutError("spawn never accepted")
        else:
            raise RuntimeError("spawn still throttled after 50 tries")
        wait_ready_like_the_spawn_page(session, url, name, deadline)
        result["spawned_s"] = time.monotonic() - t0
        opened = open_user_server(session, url, name, timeout=120)
        if opened.status_code != 200:
            hops = " -> ".join(f"{h.status_code} {h.url}" for h in opened.history)
            raise RuntimeError(
                f"server ready but its page answered {opened.status_code} at {opened.url} "
                f"(after {hops or 'no redirect'}): {opened.text[:160]!r}"
            )
        status = session.get(f"{url}user/{name}/api/status", timeout=60)
        if status.status_code != 200:
            raise RuntimeError(f"server API answered {status.status_code}")
        result["ready_s"] = time.monotonic() - t0
        result["ok"] = True
    except Exception as err:  # every failure is counted and reported, never hidden
        result["error"] = f"{type(err).__name__}: {err}"
        result["failed_after_s"] = time.monotonic() - t0
    with lock:
        stats["done"] += 1
        print(
            f"  [{stats['done']:>3}] {name}: "
            + (f"ready in {result['ready_s']:.1f} s" if result["ok"] else result["error"]),
            flush=True,
        )
    return result


def wait_ready_like_the_spawn_page(session, url: str, name: str, deadline: float) -> None:
    """Follow the server's progress stream (server-sent events), as JupyterHub's spawn page
    does, until it reports ready; raises on a failed spawn or at the deadline."""
    progress = f"{url}hub/api/users/{name}/server/progress"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("server not ready before the deadline")
        with api_with_cookies(
            session, "GET", progress, stream=True, timeout=(30, min(remaining, 300))
        ) as r:
            if r.status_code != 200:
                raise RuntimeError(f"progress stream answered {r.status_code}")
            for line in r.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("ready"):
                    return
                if event.get("failed"):
                    raise RuntimeError(f"spawn failed: {event.get('message', '')[:200]}")
        # the stream ended without a verdict (e.g. a proxy timeout): look once, then reopen
        server = api_with_cookies(session, "GET", f"{url}hub/api/users/{name}").json()
        server = server.get("servers", {}).get("")
        if server is None:
            raise RuntimeError("server stopped while starting (spawn failed)")
        if server.get("ready"):
            return
        time.sleep(1.0 + random.random())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100])."""
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))  # ceil without floats drifting
    return ordered[rank - 1]


def startup_cpu_seconds(hub: HubProcess, name: str, timeout: float) -> tuple[float, float]:
    """Start ``name``'s server alone and return the CPU seconds it used until ready (user +
    system of the server's processes, or of its container) and those the Docker engine used
    meanwhile (0 for local servers), then stop it."""
    engine0 = engine_cpu_seconds()
    hub.client.start_server(name)
    server = hub.client.wait_ready(name, timeout=timeout)
    state = server.get("state") or {}
    if state.get("pid"):
        import psutil

        root = psutil.Process(int(state["pid"]))
        cpu = sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])
    else:
        from hub.spawners.docker import docker_client

        stats = docker_client().containers.get(state["object_id"]).stats(stream=False)
        cpu = stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9
    engine = engine_cpu_seconds() - engine0 if not state.get("pid") else 0.0
    hub.client.stop_server(name, timeout=120)
    return cpu, engine


def cpu_by_role(root_pid: int) -> dict[str, float]:
    """CPU seconds so far of the hub's own processes (hub, proxy), its class board and the
    local servers below it (user + system of each process itself)."""
    import psutil

    out = {"hub": 0.0, "servers": 0.0, "board": 0.0}
    try:
        root = psutil.Process(root_pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return out
    for proc in procs:
        try:
            cmdline = " ".join(proc.cmdline())
            role = "servers" if "jupyterhub.singleuser" in cmdline else "hub"
            role = "board" if "hub.classroom.board" in cmdline else role
            out[role] += sum(proc.cpu_times()[:2])
        except psutil.Error:
            pass
    return out


def remove_docker_leftovers(volume_prefix: str, network: str) -> int:
    """Delete the bench's per-user home volumes and its network; returns volumes removed."""
    from hub.spawners.docker import docker_client

    client = docker_client()
    removed = 0
    for volume in client.volumes.list(filters={"name": f"{volume_prefix}-"}):
        if volume.name.startswith(f"{volume_prefix}-"):
            volume.remove(force=True)
            removed += 1
    for net in client.networks.list(names=[network]):
        net.remove()
    return removed


#: the Docker engine's processes: the work a container start costs outside the container
ENGINE_PROCESSES = ("dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2", "runc")


def engine_cpu_seconds() -> float:
    """CPU seconds so far (user + system, children reaped included) of the Docker engine's
    processes: dockerd, containerd, the shims and runc."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] in ENGINE_PROCESSES:
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


def _docker_time(stamp: str) -> float:
    """Epoch seconds of the engine's RFC 3339 time stamp (nanoseconds cut to microseconds)."""
    from datetime import datetime

    head, _, frac = stamp.rstrip("Z").partition(".")
    frac = (frac + "000000")[:6]
    return datetime.fromisoformat(f"{head}.{frac}+00:00").timestamp()


#: the single-user server's line once it listens (jupyter_server's ServerApp)
LISTENING = "is running at"


def container_phases(results: list[dict]) -> None:
    """Add to each attendee's ``results`` entry, in seconds from its login request, when its
    container was created, started, and its server listening (the engine's ``Created`` and
    ``State.StartedAt``, and the time stamp of the server's "is running at" log line)."""
    from hub.spawners.docker import USER_LABEL, docker_client

    client = docker_client(timeout=120)
    for result in results:
        if not result["ok"]:
            continue
        found = client.containers.list(filters={"label": f"{USER_LABEL}={result['user']}"})
        if not found:
            continue
        attrs = found[0].attrs
        t0 = result["t0_wall"]
        result["created_s"] = _docker_time(attrs["Created"]) - t0
        result["started_s"] = _docker_time(attrs["State"]["StartedAt"]) - t0
        for line in found[0].logs(timestamps=True).decode(errors="replace").splitlines():
            if LISTENING in line:
                result["listening_s"] = _docker_time(line.split(" ", 1)[0]) - t0
                break


#: where a learner's time-to-ready goes: (phase, from, to) over each attendee's time stamps
PHASES = [
    ("log in", None, "login_s"),
    ("container created (home disk, engine queue)", "login_s", "created_s"),
    ("container started (engine)", "created_s", "started_s"),
    ("server listening (its start-up)", "started_s", "listening_s"),
    ("hub sees it ready", "listening_s", "spawned_s"),
    ("opened and answering", "spawned_s", "ready_s"),
    ("(logged in -> hub sees it ready)", "login_s", "spawned_s"),
]


def phase_table(results: list[dict]) -> dict[str, dict]:
    """Median and p95 seconds of each of ``PHASES`` over the attendees that have both ends."""
    table = {}
    for phase, start, end in PHASES:
        gaps = [
            r[end] - (r[start] if start else 0.0)
            for r in results
            if end in r and (start is None or start in r)
        ]
        if gaps:
            table[phase] = {
                "n": len(gaps),
                "median_s": round(statistics.median(gaps), 2),
                "p95_s": round(percentile(gaps, 95), 2),
            }
    return table


#: seconds between two fetches of the board's api/room (the page's refresh)
BOARD_REFRESH_S = 3.0


def watch_board(url: str, stop: threading.Event, out: dict) -> None:
    """An instructor with the class board open until ``stop``: logs in, opens the board (the
    OAuth hand-off), fetches ``api/room`` every ``BOARD_REFRESH_S``. Fills ``out`` with the
    answers' times (s), the board's own reading times of the room (s) and the errors."""
    out.update(fetch_s=[], reading_s=[], errors=[])
    session, r = browser_login(url, "instructor", ADMIN_PASSWORD, timeout=120)
    page = session.get(f"{url}services/board/", timeout=120)
    if r.status_code != 302 or page.status_code != 200:
        out["errors"].append(f"board not opened: login {r.status_code}, page {page.status_code}")
        return
    while not stop.wait(BOARD_REFRESH_S):
        t0 = time.monotonic()
        try:
            answer = api_with_cookies(session, "GET", f"{url}services/board/api/room", timeout=60)
        except Exception as err:  # the bench reports it; the room goes on
            out["errors"].append(str(err)[:200])
            continue
        out["fetch_s"].append(time.monotonic() - t0)
        if answer.status_code == 200:
            out["reading_s"].append(answer.json()["poll_seconds"])
        else:
            out["errors"].append(f"api/room answered {answer.status_code}")


def run(
    users: int,
    spawner: str,
    timeout: float,
    keep: bool = False,
    extra: dict | None = None,
    board: bool = True,
) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="hub-load-"))
    roster = Roster()
    roster.add_people([(f"User{i:03d}", "Bench") for i in range(users)])
    (probe,) = roster.add_people([("Probe", "Floor")])
    roster.save(tmp)
    names = sorted(set(roster.usernames) - {probe.username})
    settings = {
        "spawner": spawner,
        "class_size": users,
        "idle_timeout": 0,
        "start_timeout": int(timeout),
        "http_timeout": int(min(timeout, 3600)),
        "board": board,
    }
    if spawner == "docker":  # names of its own: never touch a real workshop's volumes
        settings.update(docker_network=DOCKER_NAMES, volume_prefix=DOCKER_NAMES)
        # an earlier run's volumes bind homes of a data dir that is gone: start clean
        remove_docker_leftovers(DOCKER_NAMES, DOCKER_NAMES)
    settings.update(extra or {})
    env = {"WORKSHOP_PASSWORD": PASSWORD, "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    hub = HubProcess(tmp, settings=settings, env=env)
    print(f"starting hub ({spawner} spawner) in {tmp} ...", flush=True)
    hub.start(timeout=180)
    cores = len(os.sched_getaffinity(0))
    try:
        cpu_s, engine_s = startup_cpu_seconds(hub, probe.username, timeout)
    except Exception:
        hub.stop(timeout=300)
        raise
    floor = cpu_s * users / cores
    # the engine's share of one start is work the machine must do too (not in the container)
    floor_engine = (cpu_s + engine_s) * users / cores
    print(
        f"hub up at {hub.url}; concurrent_spawn_limit={hub.settings.concurrent_spawn_limit}; "
        f"one server's start-up: {cpu_s:.2f} CPU-s, so the floor for {users} on {cores} cores "
        f"is {floor:.1f} s; {users} attendees log in now",
        flush=True,
    )
    stats, lock = {"done": 0}, threading.Lock()
    cpu_before = cpu_by_role(hub.process.pid)
    engine_before = engine_cpu_seconds()
    t_start = time.monotonic()
    deadline = t_start + timeout
    watching, board_seen = threading.Event(), {}
    watcher = threading.Thread(target=watch_board, args=(hub.url, watching, board_seen))
    if board:
        watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=users) as pool:
            results = list(pool.map(lambda n: attendee(hub.url, n, deadline, stats, lock), names))
        wall = time.monotonic() - t_start
        cpu_after = cpu_by_role(hub.process.pid)
        engine_room = engine_cpu_seconds() - engine_before
        if spawner == "docker":
            container_phases(results)
    finally:
        watching.set()
        if board:
            watcher.join(timeout=120)
        t_stop = time.monotonic()
        hub.stop(timeout=300)
        stop_s = time.monotonic() - t_stop
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
            if spawner == "docker":
                remove_docker_leftovers(hub.settings.volume_prefix, hub.settings.docker_network)
    ready = [r["ready_s"] for r in results if r["ok"]]
    failures = [r for r in results if not r["ok"]]
    fetches, readings = board_seen.get("fetch_s", []), board_seen.get("reading_s", [])
    summary = {
        "board": board,
        "spawner": spawner,
        "users": users,
        "ok": len(ready),
        "failures": len(failures),
        "failure_reasons": sorted({r["error"] for r in failures}),
        "ready_median_s": round(statistics.median(ready), 2) if ready else None,
        "ready_p95_s": round(percentile(ready, 95), 2) if ready else None,
        "ready_max_s": round(max(ready), 2) if ready else None,
        "login_median_s": round(
            statistics.median([r["login_s"] for r in results if "login_s" in r]), 3
        )
        if ready
        else None,
        "throttled_requests": sum(r["throttled"] for r in results),
        "wall_s": round(wall, 1),
        "hub_stop_s": round(stop_s, 1),
        "concurrent_spawn_limit": hub.settings.concurrent_spawn_limit,
        "server_startup_cpu_s": round(cpu_s, 2),
        "cores": cores,
        "floor_s": round(floor, 1),
        "p95_over_floor": round(percentile(ready, 95) / floor, 2) if ready and floor else None,
        "engine_cpu_per_start_s": round(engine_s, 2),
        "floor_with_engine_s": round(floor_engine, 1),
        "p95_over_floor_with_engine": round(percentile(ready, 95) / floor_engine, 2)
        if ready and floor_engine
        else None,
        "engine_cpu_room_s": round(engine_room, 1),
        "phases": phase_table(results),
        # what our own processes got of the machine while the room started (the rest went to
        # whatever else runs here): local servers only; containers are not below the hub
        "hub_cpu_s": round(cpu_after["hub"] - cpu_before["hub"], 1),
        "board_cpu_s": round(cpu_after["board"] - cpu_before["board"], 1),
        "board_fetches": len(fetches),
        "board_fetch_p95_s": round(percentile(fetches, 95), 3) if fetches else None,
        "board_reading_median_s": round(statistics.median(readings), 3) if readings else None,
        "board_reading_max_s": round(max(readings), 3) if readings else None,
        "board_errors": board_seen.get("errors", [])[:5],
        "servers_cpu_s": round(cpu_after["servers"] - cpu_before["servers"], 1),
        "our_share_of_cores": round(
            (sum(cpu_after.values()) - sum(cpu_before.values())) / (wall * cores), 2
        ),
    }
    # On a shared machine our processes get only part of the cores: the floor at that share is
    # what the room could do with the CPU it actually got (a low share can also mean our own
    # processes idled, so read it with the load average)
    if spawner == "docker":  # containers run under the engine, not below the hub: unknown
        summary["servers_cpu_s"] = summary["our_share_of_cores"] = None
    share = summary["our_share_of_cores"]
    summary["p95_over_floor_at_our_share"] = (
        round(summary["ready_p95_s"] * share / floor, 2) if ready and share else None
    )
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spawner", default="local", help="local (default) or docker")
    parser.add_argument(
        "--users", type=int, default=None, help="attendees (default 50 local, 20 docker)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds the whole room may take to be ready"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--output", default=None, help="JSON result path")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="hub setting, e.g. --set image=dragonn-workshop:test",
    )
    parser.add_argument(
        "--board",
        default="on",
        help="the class board during the room: on (default, an instructor has it open), off, "
        "or both (off, then on, side by side)",
    )
    parser.add_argument(
        "--compare",
        default=None,
        metavar="NAME=VALUE",
        help="run the room twice, as set and then with this setting, and print them side by "
        "side (e.g. --compare image=dragonn-workshop:before)",
    )
    args = parser.parse_args(argv)
    board = check_choice("--board", args.board, ["on", "off", "both"])
    if args.compare and board == "both":
        raise ValueError("--compare and --board both each run the room twice: give one of them")
    spawner = check_choice("--spawner", args.spawner, ["local", "docker"])
    users = check_int(
        "--users", args.users or (50 if spawner == "local" else 20), min_value=1, max_value=500
    )
    check_int("--timeout", int(args.timeout), min_value=30, max_value=3600)
    extra = dict(setting_pair("--set", pair) for pair in args.set)
    # (label, board on, settings) of each run of the room
    if args.compare:
        name, value = setting_pair("--compare", args.compare)
        runs = [
            ("as set", board == "on", extra),
            (args.compare, board == "on", {**extra, name: value}),
        ]
    else:
        boards = {"on": [True], "off": [False], "both": [False, True]}[board]
        runs = [(f"board {'on' if on else 'off'}", on, extra) for on in boards]
    summaries = []
    for label, board_on, settings in runs:
        load_before = [round(v, 2) for v in os.getloadavg()]
        print(f"{label}; load average before: {load_before}", flush=True)
        summary = run(users, spawner, args.timeout, keep=args.keep, extra=settings, board=board_on)
        summary["run"] = label
        summary["load_before"] = load_before
        summary["load_after"] = [round(v, 2) for v in os.getloadavg()]
        summaries.append(summary)
    suffix = "" if board == "on" else f"-board-{board}"
    suffix += "-compare" if args.compare else ""
    out = (
        Path(args.output)
        if args.output
        else (REPO_ROOT / "bench" / "results" / f"hub_load-{spawner}-{users}{suffix}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summaries if len(summaries) > 1 else summaries[0], indent=2) + "\n")
    for summary in summaries:
        print(json.dumps(summary, indent=2))
        print_summary(summary, users, out)
    if len(summaries) > 1:
        print_side_by_side(summaries)
    return 0 if all(s["failures"] == 0 for s in summaries) else 1


#: the figures ``--board both`` prints side by side
SIDE_BY_SIDE = [
    "ok", "failures", "login_median_s", "ready_median_s", "ready_p95_s", "ready_max_s",
    "server_startup_cpu_s", "floor_s", "p95_over_floor", "engine_cpu_per_start_s",
    "p95_over_floor_with_engine",
    "hub_cpu_s", "board_cpu_s", "servers_cpu_s", "our_share_of_cores",
    "board_fetch_p95_s", "board_reading_median_s", "board_reading_max_s", "load_before",
    "load_after",
]  # fmt: skip


def print_side_by_side(summaries: list[dict]) -> None:
    print(f"\n{'':<24}" + "".join(f"{s['run'][-21:]:>22}" for s in summaries))
    for key in SIDE_BY_SIDE:
        cells = [str(s.get(key)) for s in summaries]
        print(f"{key:<24}" + "".join(f"{c:>22}" for c in cells))
    for phase, _start, _end in PHASES:  # medians of where the time went
        cells = [str(s["phases"].get(phase, {}).get("median_s")) for s in summaries]
        print(f"  {phase[:22]:<22}" + "".join(f"{c:>22}" for c in cells))


def setting_pair(option: str, pair: str) -> tuple[str, str]:
    """``NAME=VALUE`` -> ``(NAME, VALUE)``; raises ``ValueError`` naming ``option``."""
    name, sep, value = pair.partition("=")
    if not sep or not name:
        raise ValueError(f"{option} expects NAME=VALUE, got {pair!r}")
    return name, value


def print_summary(summary: dict, users: int, out: Path) -> None:
    print(
        f"\n{summary['ok']}/{users} ready; time-to-ready median {summary['ready_median_s']} s, "
        f"p95 {summary['ready_p95_s']} s; floor {summary['floor_s']} s "
        f"({summary['server_startup_cpu_s']} CPU-s x {users} / {summary['cores']} cores), "
        f"p95/floor {summary['p95_over_floor']}; hub {summary['hub_cpu_s']} CPU-s, servers "
        f"{summary['servers_cpu_s']} CPU-s, share of the cores {summary['our_share_of_cores']} "
        f"(p95/floor at that share {summary['p95_over_floor_at_our_share']}); "
        f"{summary['failures']} failures; load "
        f"{summary['load_before'][0]} -> {summary['load_after'][0]}; board "
        f"{'on' if summary['board'] else 'off'} ({summary['board_cpu_s']} CPU-s)  ({out})"
    )
    if summary["spawner"] == "docker":
        print(
            f"the engine: {summary['engine_cpu_per_start_s']} CPU-s for one start, "
            f"{summary['engine_cpu_room_s']} CPU-s for the room; floor with the engine's work "
            f"{summary['floor_with_engine_s']} s, p95/that floor "
            f"{summary['p95_over_floor_with_engine']}"
        )
    print(f"{'where the time went (s)':<46}{'median':>8}{'p95':>8}{'n':>5}")
    for phase, row in summary["phases"].items():
        print(f"  {phase:<44}{row['median_s']:>8}{row['p95_s']:>8}{row['n']:>5}")


if __name__ == "__main__":
    sys.exit(main())
