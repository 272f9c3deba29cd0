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
ADMIN_PASSWORD = "bench-admin-" + "k9" * 16


def attendee(url: str, name: str, deadline: float, stats: dict, lock) -> dict:
    """One attendee's login -> spawn -> ready; returns its timings or its failure."""
    t0 = time.monotonic()
    result = {"user": name, "ok": False, "throttled": 0}
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


def startup_cpu_seconds(hub: HubProcess, name: str, timeout: float) -> float:
    """Start ``name``'s server alone and return the CPU seconds it used until ready (user +
    system of the server's processes, or of its container), then stop it."""
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
    hub.client.stop_server(name, timeout=120)
    return cpu


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
        settings.update(docker_network="hub-load-bench", volume_prefix="hub-load-bench")
    settings.update(extra or {})
    env = {"WORKSHOP_PASSWORD": PASSWORD, "WORKSHOP_ADMIN_PASSWORD": ADMIN_PASSWORD}
    hub = HubProcess(tmp, settings=settings, env=env)
    print(f"starting hub ({spawner} spawner) in {tmp} ...", flush=True)
    hub.start(timeout=180)
    cores = len(os.sched_getaffinity(0))
    try:
        cpu_s = startup_cpu_seconds(hub, probe.username, timeout)
    except Exception:
        hub.stop(timeout=300)
        raise
    floor = cpu_s * users / cores
    print(
        f"hub up at {hub.url}; concurrent_spawn_limit={hub.settings.concurrent_spawn_limit}; "
        f"one server's start-up: {cpu_s:.2f} CPU-s, so the floor for {users} on {cores} cores "
        f"is {floor:.1f} s; {users} attendees log in now",
        flush=True,
    )
    stats, lock = {"done": 0}, threading.Lock()
    cpu_before = cpu_by_role(hub.process.pid)
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
    args = parser.parse_args(argv)
    board = check_choice("--board", args.board, ["on", "off", "both"])
    spawner = check_choice("--spawner", args.spawner, ["local", "docker"])
    users = check_int(
        "--users", args.users or (50 if spawner == "local" else 20), min_value=1, max_value=500
    )
    check_int("--timeout", int(args.timeout), min_value=30, max_value=3600)
    extra = {}
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set expects NAME=VALUE, got {pair!r}")
        extra[name] = value
    summaries = []
    for board_on in {"on": [True], "off": [False], "both": [False, True]}[board]:
        load_before = [round(v, 2) for v in os.getloadavg()]
        print(
            f"board {'on' if board_on else 'off'}; load average before: {load_before}", flush=True
        )
        summary = run(users, spawner, args.timeout, keep=args.keep, extra=extra, board=board_on)
        summary["load_before"] = load_before
        summary["load_after"] = [round(v, 2) for v in os.getloadavg()]
        summaries.append(summary)
    suffix = "" if board == "on" else f"-board-{board}"
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
    "hub_cpu_s", "board_cpu_s", "servers_cpu_s", "our_share_of_cores",
    "board_fetch_p95_s", "board_reading_median_s", "board_reading_max_s", "load_before",
    "load_after",
]  # fmt: skip


def print_side_by_side(summaries: list[dict]) -> None:
    print(f"\n{'':<24}{'board off':>22}{'board on':>22}")
    for key in SIDE_BY_SIDE:
        cells = [str(s.get(key)) for s in summaries]
        print(f"{key:<24}" + "".join(f"{c:>22}" for c in cells))


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


if __name__ == "__main__":
    sys.exit(main())
