"""What a bored learner in the room tries, against the real hub (``workshop up``: JupyterHub,
configurable-http-proxy, the local spawner as root) and real kernels, one test per attack.

Learner A (``atk<tag>_ada``) attacks; learner B (``vic<tag>_bob``) is the victim. Each attack
is made the way a learner would make it: code in A's kernel (started through the REST API, run
over the kernel protocol), or HTTP requests to the login form through the proxy. Other machines
are stood for by other loopback source addresses (127.0.0.x). Every attack must fail, and B must
keep working.

The Docker spawner's limits (fork bomb, disk filler in a container) are in
test_docker_hardening.py; a killed hub and a killed ``workshop up`` in test_crash_survival.py.
"""

# ruff: noqa: S108 (paths in /tmp are the learners' own view inside their namespaces)

from __future__ import annotations

import json
import os
import random
import signal
import string
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests
from attack_code import WRITE_A_MEGABYTE, disk_filler
from hub_fixtures import ADMIN_PASSWORD, REPO_ROOT, start_hub

from hub.client import api_with_cookies, browser_login, run_code_in_kernel
from hub.isolation.cgroups import CgroupTree, tree_name

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(os.geteuid() != 0, reason="learner isolation is the hub-as-root path"),
]

TAG = "".join(random.choices(string.ascii_lowercase, k=4))
A, B = f"atk{TAG}_ada", f"vic{TAG}_bob"
LONG = ("Maximiliana", "Vanderbergschmidtwolffen")  # the longest username allowed: 36 characters
PASSWORD = "room-password-7"  # given through WORKSHOP_PASSWORD; the stored one differs
LIMITS = {
    "mem_limit": "512M",
    "cpu_limit": 1.0,
    "pids_limit": 256,
    "disk_limit": "64M",
    "shm_size": "32M",
    "login_failures_per_user": 3,
    "login_failures_per_ip": 6,
    "login_lockout_seconds": 30,
}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """The hub, with A and B logged in and their servers running."""
    people = [("Ada", f"Atk{TAG}"), ("Bob", f"Vic{TAG}"), LONG]
    hub = start_hub(
        tmp_path_factory.mktemp("attacks") / "data",
        people=people,
        settings=LIMITS,
        env={"WORKSHOP_PASSWORD": PASSWORD},
    )
    try:
        for name in (A, B):
            hub.client.start_server(name)
        for name in (A, B):
            hub.client.wait_ready(name, timeout=300)
        yield hub
    finally:
        hub.stop()


def run_as(hub, user: str, *cells: str, timeout: float = 180) -> list[dict]:
    """Run ``cells`` in a new kernel of ``user``'s server; every cell must succeed."""
    results = run_code_in_kernel(
        f"{hub.url}user/{user}/", hub.credentials.api_token, list(cells), timeout=timeout
    )
    for r in results:
        assert r["status"] == "ok", r
    return results


def out(hub, user: str, code: str, timeout: float = 180):
    """The JSON a single cell prints as its last line."""
    return json.loads(run_as(hub, user, code, timeout=timeout)[0]["stdout"].splitlines()[-1])


def secrets_of(hub) -> list[str]:
    stored = json.loads((hub.data_dir / "secrets.json").read_text())
    return [PASSWORD, ADMIN_PASSWORD, *stored.values()]


def server_process(hub, user: str) -> psutil.Process:
    """The jupyter server of ``user`` (below the sandbox's root-owned waiter)."""
    waiter = psutil.Process(hub.client.user(user)["servers"][""]["state"]["pid"])
    return next(p for p in waiter.children() if "jupyterhub.singleuser" in " ".join(p.cmdline()))


# --- 1. learners cannot reach each other or the hub's secrets ---------------------------------
def test_each_learner_runs_as_an_account_of_their_own(room):
    a = out(room, A, "import os, json; print(json.dumps([os.getuid(), os.getgid(), os.getcwd()]))")
    b = out(room, B, "import os, json; print(json.dumps([os.getuid(), os.getgid(), os.getcwd()]))")
    assert a[0] != 0 and b[0] != 0 and a[0] != b[0] and a[1] != b[1]
    prefix = room.overrides["system_user_prefix"]
    for user, (uid, _, cwd) in ((A, a), (B, b)):
        assert server_process(room, user).uids().real == uid
        assert psutil.Process(server_process(room, user).pid).username() == prefix + user
        home = room.data_dir / "homes" / user
        assert cwd == str(home) and home.stat().st_uid == uid
        assert oct(home.stat().st_mode & 0o777) == "0o700"


def test_a_learner_cannot_read_another_learners_home(room):
    victim_home = room.data_dir / "homes" / B
    run_as(room, B, "open('diary.txt', 'w').write('private')")
    assert (victim_home / "diary.txt").read_text() == "private"
    probes = [str(victim_home / "diary.txt"), f"{room.data_dir}/homes/../homes/{B}/diary.txt"]
    probes += [f"/proc/{p.pid}/root{victim_home}/diary.txt" for p in [server_process(room, B)]]
    probes += [f"/proc/{p.pid}/cwd/diary.txt" for p in [server_process(room, B)]]
    found = out(
        room,
        A,
        "import json, os\n"
        f"probes = {probes!r}\n"
        "result = {}\n"
        "for p in probes:\n"
        "    try:\n"
        "        result[p] = open(p).read()\n"
        "    except OSError as e:\n"
        "        result[p] = type(e).__name__\n"
        f"result['listing'] = sorted(os.listdir('{room.data_dir}/homes'))\n"
        "print(json.dumps(result))",
    )
    assert found.pop("listing") == [A]  # B's home does not even exist for A
    assert "private" not in found.values(), found


def test_a_learner_cannot_read_the_hubs_secrets_or_state(room):
    data = room.data_dir
    targets = ["secrets.json", "jupyterhub.sqlite", "hub.log", "roster.csv", "settings.json"]
    found = out(
        room,
        A,
        "import json, os\n"
        "result = {}\n"
        f"for name in {targets!r}:\n"
        "    try:\n"
        f"        result[name] = open(os.path.join('{data}', name), 'rb').read()[:50].hex()\n"
        "    except OSError as e:\n"
        "        result[name] = type(e).__name__\n"
        f"result['data dir'] = sorted(os.listdir('{data}'))\n"
        "print(json.dumps(result))",
    )
    assert found.pop("data dir") == ["homes"]
    assert set(found.values()) == {"FileNotFoundError"}, found


def test_no_process_a_learner_can_see_holds_a_secret(room):
    secrets = secrets_of(room)
    seen = out(
        room,
        A,
        "import json, os\n"
        "procs = {}\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    entry = {}\n"
        "    for part in ('environ', 'cmdline'):\n"
        "        try:\n"
        "            entry[part] = open(f'/proc/{pid}/{part}', 'rb').read().decode(errors='replace')\n"
        "        except OSError as e:\n"
        "            entry[part] = type(e).__name__\n"
        "    entry['uid'] = os.stat(f'/proc/{pid}').st_uid\n"
        "    procs[pid] = entry\n"
        "print(json.dumps({'procs': procs, 'me': os.getuid(), 'env': dict(os.environ)}))",
    )
    uids = {entry["uid"] for entry in seen["procs"].values()}
    assert uids == {seen["me"]}, "A sees processes of other accounts"
    assert len(seen["procs"]) <= 4  # the server, the kernel, and what the kernel runs
    everything = json.dumps(seen)
    for secret in secrets:
        assert secret not in everything
    secret_names = ("WORKSHOP_PASSWORD", "WORKSHOP_ADMIN_PASSWORD", "CONFIGPROXY_AUTH_TOKEN")
    assert not [k for k in seen["env"] if k in secret_names or "SECRET" in k]
    # the hub, the proxy and B's server exist, but not for A
    hub_pid = psutil.Process(room.process.pid).children()[0].pid
    assert str(hub_pid) not in seen["procs"] or seen["procs"][str(hub_pid)]["uid"] == seen["me"]


def test_a_learner_cannot_use_another_learners_server(room):
    """With its own network namespace B's server is not even reachable from A's kernel;
    reachable or not, neither A's token nor none opens it."""
    from urllib.parse import urlsplit

    # where its spawner told B's server to listen (psutil sees only this network namespace)
    url = urlsplit(server_process(room, B).environ()["JUPYTERHUB_SERVICE_URL"])
    ip, port = url.hostname, url.port
    codes = out(
        room,
        A,
        "import json, os, requests\n"
        "token = os.environ['JUPYTERHUB_API_TOKEN']\n"
        "auth = {'Authorization': f'token {token}'}\n"
        "hub = os.environ['JUPYTERHUB_API_URL'].rstrip('/') + '/users/" + B + "'\n"
        f"direct = 'http://{ip}:{port}/user/{B}/api/contents'\n"
        f"proxy = '{room.url}user/{B}/api/contents'\n"
        "def code(url, headers=None):\n"
        "    try:\n"
        "        return requests.get(url, headers=headers, allow_redirects=False, timeout=5).status_code\n"
        "    except requests.RequestException as e:\n"
        "        return 'unreachable'\n"
        "print(json.dumps({\n"
        "    'direct, no token': code(direct),\n"
        "    'direct, own token': code(direct, auth),\n"
        "    'proxy, own token': code(proxy, auth),\n"
        "    'hub API, own token': code(hub, auth),\n"
        "}))",
    )
    assert codes["direct, own token"] in (403, "unreachable"), codes
    assert codes["proxy, own token"] in (403, "unreachable"), codes
    assert codes["direct, no token"] in (302, 403, "unreachable"), codes
    assert codes["hub API, own token"] in (403, 404), codes


def test_files_a_learner_leaves_in_tmp_are_private(room):
    run_as(
        room,
        B,
        "open('/tmp/b-notes.txt', 'w').write('mine'); import os; os.chmod('/tmp/b-notes.txt', 0o644)",
    )
    seen = out(
        room, A, "import os, json; print(json.dumps(os.listdir('/tmp') + os.listdir('/dev/shm')))"
    )
    assert "b-notes.txt" not in seen


def test_a_learner_cannot_write_outside_their_home(room):
    targets = [str(REPO_ROOT / "hub" / "x.py"), str(room.data_dir / "x"), "/etc/x", "/root/x"]
    found = out(
        room,
        A,
        "import json\n"
        "result = {}\n"
        f"for path in {targets!r}:\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        result[path] = 'written'\n"
        "    except OSError as e:\n"
        "        result[path] = type(e).__name__\n"
        "print(json.dumps(result))",
    )
    assert "written" not in found.values(), found


def test_a_learner_sees_only_the_files_their_server_needs(room):
    """As in a container: the system's programs, libraries and configuration, the Python
    installation, the workshop's files and their own home; not the checkout's history, the
    other folders under /, nor anything else of the instructor's."""
    git = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    elsewhere = [
        p for p in ("/home", "/srv", "/opt", "/mnt", "/media", "/boot") if os.path.isdir(p)
    ]
    probes = [f"{git}/HEAD", f"{git}/config"] if git else []
    found = out(
        room,
        A,
        "import json, os\n"
        f"probes, elsewhere = {probes!r}, {elsewhere!r}\n"
        "result = {}\n"
        "for p in probes:\n"
        "    try:\n"
        "        result[p] = open(p).read()[:40]\n"
        "    except OSError as e:\n"
        "        result[p] = type(e).__name__\n"
        "result['elsewhere'] = [p for p in elsewhere if os.path.exists(p)]\n"
        "result['root'] = sorted(os.listdir('/'))\n"
        "result['own home'] = os.getcwd()\n"
        "print(json.dumps(result))",
    )
    assert found.pop("own home") == str(room.data_dir / "homes" / A)
    assert found.pop("elsewhere") == [], found
    root = set(found.pop("root"))
    system = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "sys"}
    ours = {Path(p).parts[1] for p in [str(REPO_ROOT), sys.prefix, str(room.data_dir)]}
    ours |= {Path(os.path.realpath(p)).parts[1] for p in [sys.prefix, sys.base_prefix]}
    assert root <= system | ours | {"proc", "tmp", "var", "run"}, root
    assert set(found.values()) <= {"FileNotFoundError"}, found


def test_what_a_learner_leaves_in_their_home_never_runs_or_writes_as_root(room):
    """Modules named like the standard library (neither the root-run sandbox nor the server may
    import them) and a dangling symlink where a tutorial notebook was (seeding must not write
    through it)."""
    pwned = room.data_dir.parent / f"pwned-{TAG}"
    target = room.data_dir / "settings.json"  # the hub would not start again with a notebook here
    assert not target.exists()
    trap = f"import pathlib; pathlib.Path({str(pwned)!r}).write_text('root ran my code')\n"
    run_as(
        room,
        A,
        "import os\n"
        f"for name in ('json.py', 'ctypes.py', 'signal.py', 'pathlib.py'):\n"
        f"    open(name, 'w').write({trap!r})\n"
        "os.makedirs('hub/isolation', exist_ok=True)\n"
        "for name in ('hub/__init__.py', 'hub/isolation/__init__.py', 'hub/isolation/sandbox.py',\n"
        "             'hub/seed.py'):\n"
        f"    open(name, 'w').write({trap!r})\n"
        "os.remove('extras.ipynb')\n"
        f"os.symlink({str(target)!r}, 'extras.ipynb')\n",
    )
    room.client.stop_server(A, timeout=120)
    room.client.start_server(A)
    room.client.wait_ready(A, timeout=300)
    assert not pwned.exists() and not target.exists()
    assert (room.data_dir / "homes" / A / "extras.ipynb").is_symlink()
    cleanup = "import os, shutil\nfor n in ('json.py', 'ctypes.py', 'signal.py', 'pathlib.py', 'extras.ipynb'):\n    os.remove(n)\nshutil.rmtree('hub')"
    run_as(room, A, cleanup)


def test_setuid_programs_give_a_learner_nothing(room):
    found = out(
        room,
        A,
        "import json, re, subprocess\n"
        "status = open('/proc/self/status').read()\n"
        "su = subprocess.run(['su', '-c', 'id -u', 'root'], input='', capture_output=True, text=True)\n"
        "print(json.dumps([re.search(r'NoNewPrivs:\\s+(\\d)', status).group(1), su.returncode, su.stdout]))",
    )
    assert found[0] == "1" and found[1] != 0 and found[2].strip() != "0"


def test_a_learner_printing_forever_cannot_fill_the_hubs_log(room):
    log = room.log_path
    before = log.stat().st_size
    run_as(
        room,
        A,
        "import os\n"
        "line = b'FAKE [I JupyterHub] all is well ' + b'x' * 990 + b'\\n'\n"
        "for _ in range(48 * 1024):  # 48 MiB straight to the process's stdout\n"
        "    os.write(1, line)",
        timeout=600,
    )
    time.sleep(2)
    grown = log.stat().st_size - before
    assert grown < 34 * 2**20, grown  # 32 MiB per server start, then dropped
    tail = log.read_bytes()[before:]
    assert b"the rest is dropped" in tail
    fake = [ln for ln in tail.splitlines() if b"FAKE" in ln]
    assert fake and all(ln.startswith(f"[{A}] ".encode()) for ln in fake)  # never the hub's own


# --- 1b. one learner's runaway code cannot take the machine ------------------------------------
def test_limits_are_the_settings_read_back_from_the_kernel(room):
    tree, why = CgroupTree.detect(tree_name(str(room.data_dir.resolve())))
    assert tree is not None, why
    for user in (A, B):
        assert tree.read(user) == {"memory_bytes": 512 * 2**20, "cpus": 1.0, "pids": 256}
    membership = run_as(room, A, "print(open('/proc/self/cgroup').read())")[0]["stdout"]
    assert f"/{tree.name}/{A}" in membership


def _while_a_runs(room, code, b_cells, timeout=180):
    """Run ``code`` in A's kernel in the background; meanwhile B runs ``b_cells``."""
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(a=run_as(room, A, code, timeout=timeout)[0]["stdout"])
    )
    thread.start()
    time.sleep(3)
    started = time.monotonic()
    b = run_as(room, B, *b_cells)
    result["b_seconds"] = time.monotonic() - started
    thread.join(timeout)
    return json.loads(result["a"].splitlines()[-1]), b


def test_a_fork_bomb_stops_at_the_process_limit_while_others_work(room):
    """Every fork past A's 256 processes and threads fails (EAGAIN); B keeps working. A's own
    server is damaged by it (it cannot start a thread either): A restarts it, like from the
    hub's home page."""
    bomb = (
        "import json, os, time\n"
        "children, error = [], None\n"
        "try:\n"
        "    for _ in range(5000):\n"
        "        pid = os.fork()\n"
        "        if pid == 0:  # a small process each (exec), so memory is not what stops it\n"
        "            os.execv('/bin/sleep', ['sleep', '30'])\n"
        "        children.append(pid)\n"
        "except OSError as e:\n"
        "    error = e.errno\n"
        "open('bomb.json', 'w').write(json.dumps([len(children), error]))\n"
        "time.sleep(10)  # hold every process while the victim works\n"
        "for pid in children:\n"
        "    os.kill(pid, 9)\n"
    )
    report = room.data_dir / "homes" / A / "bomb.json"
    # its own session: the kernel's shutdown after this cell must not take the bomb with it
    launch = (
        "import subprocess, sys; "
        f"subprocess.Popen([sys.executable, '-c', {bomb!r}], start_new_session=True)"
    )
    run_as(room, A, launch)
    deadline = time.monotonic() + 120
    while not report.exists():
        assert time.monotonic() < deadline, "the fork bomb never reported"
        time.sleep(0.5)
    forks, errno = json.loads(report.read_text())
    assert errno == 11 and 100 < forks < LIMITS["pids_limit"]  # EAGAIN at pids.max
    b = run_as(room, B, "print(sum(range(10**6)))")  # while every fork of A's is held
    assert b[0]["stdout"].strip() == str(sum(range(10**6)))
    assert psutil.Process(os.getpid()).children() is not None  # the machine forks as usual
    time.sleep(12)
    # the learner restarts their own server, which could not start threads during the bomb
    room.client.stop_server(A, timeout=120)
    room.client.start_server(A)
    room.client.wait_ready(A, timeout=300)
    assert run_as(room, A, "print('back')")[0]["stdout"].strip() == "back"


def test_a_memory_hog_is_killed_inside_its_limit_while_others_work(room):
    hog = (
        "import json, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-c', \"x = b'x' * (1024**3)\"], capture_output=True)\n"
        "print(json.dumps(r.returncode))"
    )
    code, b = _while_a_runs(room, hog, ["x = b'y' * (100 * 2**20); print(len(x))"])
    assert code == -9  # the kernel's OOM killer, inside A's cgroup only
    assert b[0]["stdout"].strip() == str(100 * 2**20)
    assert run_as(room, A, "print('still here')")[0]["stdout"].strip() == "still here"


def test_a_disk_filler_stops_at_the_home_limit_while_others_write(room):
    free_before = psutil.disk_usage(str(room.data_dir)).free
    found, b = _while_a_runs(
        room, disk_filler(["filler.bin", "/tmp/filler.bin"]), [WRITE_A_MEGABYTE]
    )
    home, tmp = found["filler.bin"], found["/tmp/filler.bin"]
    assert home[1] == 28 and 40 <= home[0] <= 64  # ENOSPC at the 64M home
    assert tmp[1] == 28 and tmp[0] <= 32  # /tmp: 32M, in memory
    assert b[0]["stdout"].strip() == str(10**6)
    assert psutil.disk_usage(str(room.data_dir)).free > free_before - 200 * 2**20


# --- 2. login rate limits cannot be bypassed or turned against the room ------------------------
def login(room, user, password, source, headers=None):
    """A login through the proxy from ``source`` (a loopback address standing for a machine)."""
    return browser_login(room.url, user, password, headers=headers, source_address=source)[1]


def test_rotating_forwarding_headers_buys_no_extra_guesses(room):
    source = "127.0.0.21"
    for i in range(LIMITS["login_failures_per_ip"]):  # a new name each time: the per-address limit
        spoof = {"X-Real-IP": f"10.0.{i}.1", "X-Forwarded-For": f"10.1.{i}.1, 10.2.{i}.1"}
        r = login(room, f"guess{TAG}_n{i}", "guess-xx-1", source, headers=spoof)
        assert r.status_code == 403
    spoof = {"X-Real-IP": "10.9.9.9", "X-Forwarded-For": "10.9.9.9"}
    r = login(room, A, "guess-last-x", source, headers=spoof)
    assert r.status_code == 429 and "Too many failed logins" in r.text
    assert int(r.headers["Retry-After"]) > 0


def test_spoofed_headers_cannot_get_another_address_blocked(room):
    attacker, victim = "127.0.0.31", "127.0.0.32"
    claim = {"X-Real-IP": victim, "X-Forwarded-For": victim}
    for i in range(LIMITS["login_failures_per_ip"] + 2):
        login(room, B, f"wrong-{i}-xxx", attacker, headers=claim)
    assert login(room, B, PASSWORD, victim).status_code == 302
    assert login(room, B, PASSWORD, attacker).status_code == 429  # the attacker's own address


def test_a_storm_of_wrong_passwords_does_not_lock_learners_out(room):
    """5 learners, 3 wrong tries each from 5 different addresses (15 failures): each logs in
    with the right password from their own machine; only the failing pair stays locked."""
    names = [A, B, "instructor", f"nobody{TAG}_x", f"nobody{TAG}_y"]
    for i, name in enumerate(names):
        for k in range(LIMITS["login_failures_per_user"]):
            assert login(room, name, f"nope-{k}-xxx", f"127.0.1.{i + 1}").status_code == 403
    assert login(room, A, PASSWORD, "127.0.2.1").status_code == 302
    assert login(room, B, PASSWORD, "127.0.2.2").status_code == 302
    assert login(room, "instructor", ADMIN_PASSWORD, "127.0.2.3").status_code == 302
    assert login(room, A, PASSWORD, "127.0.1.1").status_code == 429  # (A, that address)
    assert login(room, B, PASSWORD, "127.0.1.1").status_code == 302  # others from there: fine


def test_a_learner_bypassing_the_proxy_is_counted_as_themselves(room):
    """From A's kernel, straight to the hub's port, claiming to be another machine."""
    victim = "127.0.0.41"
    codes = out(
        room,
        A,
        "import json, os, requests\n"
        "hub = os.environ['JUPYTERHUB_API_URL'].rstrip('/').removesuffix('/api') + '/login'\n"
        "codes = []\n"
        f"claim = {{'X-Forwarded-For': '{victim}', 'X-Real-IP': '{victim}'}}\n"
        f"for i in range({LIMITS['login_failures_per_ip'] + 2}):\n"
        "    s = requests.Session()\n"
        "    s.get(hub, headers=claim)\n"
        f"    data = {{'username': '{B}', 'password': f'x-{{i}}-wrong', '_xsrf': s.cookies.get('_xsrf', '')}}\n"
        "    codes.append(s.post(hub, data=data, headers=claim, allow_redirects=False).status_code)\n"
        "print(json.dumps(codes))",
    )
    assert codes[0] == 403 and codes[-1] == 429, codes  # A's own bucket fills
    assert login(room, B, PASSWORD, victim).status_code == 302


LOGIN_FORM_INPUTS = [
    ("no password", {"username": A}),
    ("no username", {"password": PASSWORD}),
    ("nothing", {}),
    ("empty", {"username": "", "password": ""}),
    ("NUL in username", {"username": "a\x00b_c", "password": "x"}),
    ("huge username", {"username": "a" * 100_000, "password": "x"}),
    ("huge password", {"username": A, "password": "x" * 100_000}),
    ("non-ASCII password", {"username": A, "password": "pässwörd-€-字"}),
    ("emoji username", {"username": "😀_😀", "password": "x"}),
    ("CR/LF in username", {"username": f"{A}\r\nSet-Cookie: x=y", "password": "x"}),
    ("CR/LF in next", {"username": A, "password": PASSWORD, "next": "/hub/\r\nX-Evil: 1"}),
    ("external next", {"username": A, "password": PASSWORD, "next": "//evil.example/"}),
    ("javascript next", {"username": A, "password": PASSWORD, "next": "javascript:alert(1)"}),
    ("repeated fields", {"username": [A, B], "password": ["x", PASSWORD]}),
]


@pytest.mark.parametrize(("what", "form"), LOGIN_FORM_INPUTS, ids=[w for w, _ in LOGIN_FORM_INPUTS])
def test_any_login_form_input_gets_an_answer_not_a_server_error(room, what, form):
    source = f"127.0.3.{LOGIN_FORM_INPUTS.index((what, form)) + 1}"
    session, _ = browser_login(room.url, "warmup_x", "x", source_address=source)
    r = session.post(
        f"{room.url}hub/login",
        data={**form, "_xsrf": session.cookies.get("_xsrf", path="/hub/") or ""},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code < 500, (what, r.status_code)
    if r.status_code == 302:  # only the right password gets in, and only to this hub
        assert r.headers["Location"].startswith("/"), r.headers["Location"]
        assert "\n" not in r.headers["Location"] and "evil" not in r.headers["Location"]
    else:
        assert r.status_code in (400, 403, 429) and len(r.text) > 100  # a page with a message


def test_a_logged_in_learner_following_a_crlf_next_link_gets_no_server_error(room):
    session, r = browser_login(room.url, B, PASSWORD, source_address="127.0.3.200")
    assert r.status_code == 302
    for query in ("next=%2Fhub%2F%0D%0ASet-Cookie%3A%20x%3Dy", "next=%0a"):
        got = session.get(f"{room.url}hub/login?{query}", allow_redirects=False, timeout=30)
        assert got.status_code == 302 and "\n" not in got.headers["Location"]


def test_the_password_is_checked_as_learners_type_it(tmp_path):
    """A password with accents matches however the keyboard composes them; one that cannot be
    typed into a one-line field is refused before the hub starts."""
    import unicodedata

    composed = "Crème-brûlée-42"
    hub = start_hub(
        tmp_path / "ok", people=[("Ana", f"Typ{TAG}")], env={"WORKSHOP_PASSWORD": composed}
    )
    try:
        user = f"typ{TAG}_ana"
        typed = unicodedata.normalize("NFD", composed)  # as macOS keyboards send it
        assert browser_login(hub.url, user, typed)[1].status_code == 302
        assert browser_login(hub.url, user, composed)[1].status_code == 302
    finally:
        hub.stop()
    for bad in ("two\nlines-password", "trailing-space-pw ", "tab\there-password"):
        r = subprocess.run(
            [sys.executable, "-m", "hub.cli.main", "up", "--data-dir", str(tmp_path / "bad")],
            env={**os.environ, "WORKSHOP_PASSWORD": bad},
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=120,
        )
        assert r.returncode == 2, r.stdout + r.stderr
        assert "WORKSHOP_PASSWORD" in r.stderr and "Traceback" not in r.stderr


# --- 3. the roster and the handout tell the truth ----------------------------------------------
def cli(room, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args, "--data-dir", str(room.data_dir)],
        env=env if env is not None else os.environ,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )


def test_the_handout_prints_the_password_the_running_hub_checks(room):
    env = {k: v for k, v in os.environ.items() if k != "WORKSHOP_PASSWORD"}
    stored = json.loads((room.data_dir / "secrets.json").read_text())["workshop_password"]
    assert stored != PASSWORD
    r = cli(room, "roster", "list", "--show-password", env=env)
    assert r.returncode == 2 and "different workshop password" in r.stderr
    assert stored not in r.stdout
    r = cli(room, "roster", "list", "--show-password", env={**env, "WORKSHOP_PASSWORD": PASSWORD})
    assert r.returncode == 0 and f"Password: {PASSWORD}" in r.stdout
    assert login(room, B, PASSWORD, "127.0.4.1").status_code == 302


def test_any_name_that_imports_can_log_in_and_spawn(room):
    user = "vanderbergschmidtwolffen_maximiliana"
    assert len(user) == 36
    assert login(room, user, PASSWORD, "127.0.4.2").status_code == 302
    room.client.start_server(user)
    room.client.wait_ready(user, timeout=300)
    assert out(room, user, "import os, json; print(json.dumps(os.getcwd()))").endswith(user)
    room.client.stop_server(user)


def test_removal_archives_the_home_so_a_reused_username_starts_clean(room):
    first, last = "Reu", f"Sed{TAG}"
    user = f"sed{TAG}_reu"
    assert cli(room, "roster", "add", first, last).stdout.strip() == user
    session, r = browser_login(room.url, user, PASSWORD, source_address="127.0.4.3")
    assert r.status_code == 302
    token = api_with_cookies(
        session, "POST", f"{room.url}hub/api/users/{user}/tokens", json={"note": "mine"}
    ).json()["token"]
    room.client.start_server(user)
    room.client.wait_ready(user, timeout=300)
    run_as(room, user, "open('thesis.txt', 'w').write('old work')")

    removed = cli(room, "roster", "remove", user)
    assert removed.returncode == 0, removed.stderr
    assert "server stopped, signed out of the running hub; home archived to" in removed.stdout
    archived = list((room.data_dir / "archive").glob(f"{user}-*"))
    assert len(archived) == 1
    assert requests.get(
        f"{room.url}hub/api/user", headers={"Authorization": f"token {token}"}, timeout=30
    ).status_code in (401, 403)

    assert cli(room, "roster", "add", first, last).stdout.strip() == user  # someone new
    assert login(room, user, PASSWORD, "127.0.4.4").status_code == 302
    room.client.start_server(user)
    room.client.wait_ready(user, timeout=300)
    listing = out(room, user, "import os, json; print(json.dumps(os.listdir('.')))")
    assert "thesis.txt" not in listing
    room.client.stop_server(user)

    never = cli(room, "roster", "add", "Nev", f"Er{TAG}").stdout.strip()
    removed = cli(room, "roster", "remove", never)
    assert removed.returncode == 0 and "had never logged in; no files" in removed.stdout
    assert "stopped" not in removed.stdout


def test_a_roster_file_that_is_not_text_gets_a_clear_error(room, tmp_path):
    path = tmp_path / "registrations.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(500))
    r = cli(room, "roster", "import", str(path))
    assert r.returncode == 2 and str(path) in r.stderr and "Traceback" not in r.stderr


# --- 0. a hub run by an ordinary user (a laptop) stays on this machine unless told -------------
def test_a_hub_run_by_an_ordinary_user_listens_on_this_machine_only_unless_told(tmp_path):
    """Every learner's server would run as that user: the hub binds 127.0.0.1 and says why;
    ``--ip 0.0.0.0`` opens it, with a warning that recommends the Docker spawner."""
    from hub.isolation.accounts import ensure_account, remove_account
    from hub.process import free_ports
    from hub.spawners.local import first_closed_dir, runtime_dirs

    name = f"wslap{TAG}"
    home = tmp_path / "laptop"
    home.mkdir()
    entry = ensure_account(name, str(home))
    os.chown(home, entry.pw_uid, entry.pw_gid)
    expose = runtime_dirs()
    hide = sorted({c for c in map(first_closed_dir, expose) if c})  # e.g. /root, for Python
    spec = {"uid": entry.pw_uid, "gid": entry.pw_gid, "home": str(home), "hide": hide}
    spec["expose"] = expose
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "HOME": str(home),
        "WORKSHOP_PASSWORD": PASSWORD,
    }
    try:
        for extra, expect_ip, expect_text in (
            ([], "127.0.0.1", "Listening on 127.0.0.1 only"),
            (["--ip", "0.0.0.0"], "0.0.0.0", "WARNING: this hub runs as"),
        ):
            port, hub_port, api_port = free_ports(3)
            ports = [f"--set=hub_port={hub_port}", f"--set=proxy_api_port={api_port}"]
            up = [sys.executable, "-m", "hub.cli.main", "up", "--data-dir", str(home / "data")]
            up += ["--port", str(port), *ports, *extra]
            log = home / f"up-{expect_ip}.log"
            with open(log, "wb") as fh:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "hub.isolation.sandbox", json.dumps(spec), "--", *up],
                    env=env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    cwd=REPO_ROOT,
                )
            try:
                deadline = time.monotonic() + 180
                while "is up" not in log.read_text(errors="replace"):
                    assert proc.poll() is None, log.read_text(errors="replace")
                    assert time.monotonic() < deadline, log.read_text(errors="replace")
                    time.sleep(0.5)
                listening = {
                    c.laddr.ip
                    for c in psutil.net_connections(kind="tcp")
                    if c.status == psutil.CONN_LISTEN and c.laddr.port == port
                }
                assert listening == {expect_ip}
                text = log.read_text(errors="replace")
                assert expect_text in text
                if extra:
                    assert (
                        "--spawner docker" in text and "read and change each other's files" in text
                    )
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=120)
    finally:
        remove_account(name)


def test_behind_caddy_only_caddys_view_of_the_client_counts(tmp_path):
    """With HTTPS, Caddy faces the room: the client address it puts in X-Forwarded-For counts
    (it proves itself with a secret header only it sends); headers the client adds do not."""
    import shutil

    from hub.caddy import caddy_root_ca
    from hub.process import free_ports

    if shutil.which("caddy") is None:
        pytest.skip("caddy not installed (tests/system_deps.sh installs it)")
    https_port, http_port = free_ports(2)
    user = f"cad{TAG}_dy"
    limits = {"login_failures_per_ip": 4, "login_failures_per_user": 3}
    settings = {"https": "internal", "https_port": https_port, "http_port": http_port, **limits}
    env = {"WORKSHOP_PASSWORD": PASSWORD}
    hub = start_hub(tmp_path / "data", people=[("Dy", f"Cad{TAG}")], settings=settings, env=env)
    try:
        root_ca = str(caddy_root_ca(hub.settings))
        url = f"https://127.0.0.1:{https_port}/"
        deadline = time.monotonic() + 90
        while True:  # Caddy issues its certificate shortly after start
            try:
                if requests.get(url + "hub/login", verify=root_ca, timeout=10).ok:
                    break
            except (requests.exceptions.SSLError, requests.ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, hub.log_tail()
            time.sleep(0.5)
        attacker, victim = "127.0.0.61", "127.0.0.62"
        claim = {"X-Forwarded-For": victim, "X-Real-IP": victim, "X-Workshop-Front": "guess"}
        for i in range(limits["login_failures_per_ip"]):
            _, r = browser_login(
                url, f"nobody{TAG}_c{i}", "wrong-pw-1", root_ca, headers=claim,
                source_address=attacker,
            )  # fmt: skip
            assert r.status_code == 403
        _, r = browser_login(url, user, PASSWORD, root_ca, headers=claim, source_address=attacker)
        assert r.status_code == 429
        _, r = browser_login(url, user, PASSWORD, root_ca, source_address=victim)
        assert r.status_code == 302
    finally:
        hub.stop()
