"""Learners kept apart at the network layer (local spawner, hub run as root): each learner's
server in a network namespace of its own behind the hub's bridge (``hub/isolation/netns.py``).

First the rules alone, on real namespaces without a hub (fast); then the attacks of issue 25,
each made from a real learner kernel of a real hub (``workshop up``), as in test_attacks.py:
listening on the host's ports, holding ports, the cloud's metadata service, services on the
host for the hub alone, another learner's server; while the learners' own servers, notebooks
and a ``pip download`` from a stand-in registry keep working.

Stand-ins, all in network namespaces these tests create with RFC 2544 addresses (198.18.0.0/15,
never routed): a package registry, and the cloud's instance metadata service, whose namespace
also holds 169.254.169.254 (the host routes that one address to it while the test runs).
"""

# ruff: noqa: S108

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from hub.isolation.netns import NETNS_DIR, HubNetwork, netns_unavailable

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(
        os.geteuid() == 0 and bool(netns_unavailable()), reason="no network namespaces here"
    ),
]

TAG = "".join(random.choices(string.ascii_lowercase, k=4))
METADATA_IP = "169.254.169.254"
OCTET = random.randrange(64, 250)


def sh(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=timeout)


@contextlib.contextmanager
def standin_namespace(name: str, third: int, extra_addresses=(), routes=()):
    """A network namespace ``name`` joined to the host by a veth pair: host 198.18.<third>.1,
    namespace 198.18.<third>.2 (/30), plus ``extra_addresses`` on its loopback, each routed
    from the host to it (``routes``: more host routes to it). Yields its address."""
    host_end, inside = f"dwt{TAG}{third}", f"198.18.{third}.2"
    sh("ip", "netns", "add", name)
    added = []
    try:
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", name)
        sh("ip", "addr", "add", f"198.18.{third}.1/30", "dev", host_end)
        sh("ip", "link", "set", host_end, "up")
        sh("ip", "-n", name, "addr", "add", f"{inside}/30", "dev", "eth0")
        sh("ip", "-n", name, "link", "set", "eth0", "up")
        sh("ip", "-n", name, "link", "set", "lo", "up")
        sh("ip", "-n", name, "route", "add", "default", "via", f"198.18.{third}.1")
        for address in extra_addresses:
            sh("ip", "-n", name, "addr", "add", f"{address}/32", "dev", "lo")
        for dst in [*extra_addresses, *routes]:
            sh("ip", "route", "add", f"{dst}/32", "via", inside)
            added.append(dst)
        yield inside
    finally:
        for dst in added:
            sh("ip", "route", "del", f"{dst}/32", check=False)
        sh("ip", "netns", "del", name, check=False)
        sh("ip", "link", "del", host_end, check=False)


@contextlib.contextmanager
def http_server_in(namespace: str | None, address: str, port: int, directory: Path):
    """``python -m http.server`` serving ``directory`` on ``address:port``, in ``namespace``
    (None: on the host); waits until it answers."""
    prefix = ["ip", "netns", "exec", namespace] if namespace else []
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "http.server", "-b", address, "-d", str(directory),
         str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            probe = sh(*prefix, "curl", "-s", "-o", "/dev/null", "-m", "2",
                       f"http://{address}:{port}/", check=False)  # fmt: skip
            if probe.returncode == 0:
                break
            assert proc.poll() is None and time.monotonic() < deadline, "stand-in did not start"
            time.sleep(0.5)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def curl_from(namespace: str, url: str) -> str:
    """HTTP status of ``url`` fetched from ``namespace``, or 'refused' / 'timeout'."""
    r = sh("ip", "netns", "exec", namespace, "curl", "-s", "-o", "/dev/null", "-m", "3",
           "-w", "%{http_code}", url, check=False)  # fmt: skip
    return {0: r.stdout, 7: "refused", 28: "timeout"}.get(r.returncode, f"curl {r.returncode}")


def host_links(prefix: str) -> list[str]:
    return [n for n in psutil.net_if_addrs() if n.startswith(prefix)]


def host_address() -> str:
    """An address of this machine other than loopback and the learners' bridges."""
    for name, addrs in psutil.net_if_addrs().items():
        if name == "lo" or name.startswith("dw"):
            continue
        for a in addrs:
            if a.family == socket.AF_INET:
                return a.address
    pytest.skip("this machine has no address besides loopback")


# --- the rules alone ---------------------------------------------------------------------------
@pytest.fixture
def site(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("hello")
    return tmp_path / "www"


@pytest.mark.parametrize("outbound", [False, True], ids=["outbound off", "outbound on"])
def test_a_learners_namespace_reaches_the_hub_api_and_nothing_else_of_the_host(
    tmp_path, site, outbound
):
    port = 45000 + OCTET
    network = HubNetwork(tmp_path / f"data-{outbound}", hub_port=port, outbound=outbound)
    gateway = network.setup()
    try:
        _, ada = network.add_learner("ada")
        _, bob = network.add_learner("bob")
        assert ada != bob and ipaddress_in(ada, gateway) and ipaddress_in(bob, gateway)
        a, b = network.namespace("ada"), network.namespace("bob")
        third = OCTET + (1 if outbound else 0)
        with (
            standin_namespace(f"dwt{TAG}-reg{third}", third) as registry,
            http_server_in(None, "0.0.0.0", port, site),  # the hub API's port, on every address
            http_server_in(None, "127.0.0.1", port + 1, site),  # a service for the hub alone
            http_server_in(b, bob, 8888, site),  # bob's server
            http_server_in(f"dwt{TAG}-reg{third}", registry, 8080, site),
        ):
            seen = {
                "hub api": curl_from(a, f"http://{gateway.ip}:{port}/"),
                "hub port on another host address": curl_from(a, f"http://{host_address()}:{port}/"),
                "bob's server": curl_from(a, f"http://{bob}:8888/"),
                "host loopback service via the bridge": curl_from(a, f"http://{gateway.ip}:{port + 1}/"),
                "registry": curl_from(a, f"http://{registry}:8080/"),
                "metadata": curl_from(a, f"http://{METADATA_IP}/latest/"),
                "bob himself": curl_from(b, f"http://{bob}:8888/"),
            }  # fmt: skip
            from_host = sh("curl", "-s", "-o", "/dev/null", "-m", "3", "-w", "%{http_code}",
                           f"http://{bob}:8888/", check=False).stdout  # fmt: skip
        assert seen.pop("hub api") == "200" and seen.pop("bob himself") == "200"
        assert from_host == "200"  # the proxy and the hub reach a learner's server
        assert (seen.pop("registry") == "200") is outbound, seen
        assert set(seen.values()) <= {"refused", "timeout"}, seen
    finally:
        network.teardown()
    assert not [n for n in os.listdir(NETNS_DIR) if n.startswith(f"dw{network.tag}-")]
    assert not host_links(f"dw{network.tag}") and not host_links(network.bridge)
    assert network.table not in sh("nft", "list", "tables").stdout


def ipaddress_in(address: str, network) -> bool:
    import ipaddress

    return ipaddress.ip_address(address) in network.network


def test_a_replaced_namespace_keeps_its_neighbours_apart_and_addresses_are_reused(tmp_path):
    network = HubNetwork(tmp_path / "data", hub_port=1)
    network.setup()
    try:
        first = network.add_learner("ada")[1]
        again = network.add_learner("ada")[1]  # a restart: the old namespace is replaced
        bob = network.add_learner("bob")[1]
        assert first == again and bob != first
        assert network.namespaces() == [network.namespace("ada"), network.namespace("bob")]
        network.remove_learner("ada")
        assert network.namespaces() == [network.namespace("bob")]
        isolated = sh("ip", "-d", "-j", "link", "show", "master", network.bridge).stdout
        ports = json.loads(isolated)
        assert ports and all(p["linkinfo"]["info_slave_data"]["isolated"] for p in ports)
    finally:
        network.teardown()


def test_up_doctor_and_status_say_what_the_network_enforces(tmp_path, monkeypatch):
    """One voice (hub/isolation/enforced.py): the network line, the setting it names, and the
    gap said where the machine cannot do it."""
    import hub.isolation.netns as netns_module
    from hub.isolation.enforced import enforcement
    from hub.settings import WorkshopSettings

    settings = WorkshopSettings.load(tmp_path, overrides={"learner_outbound": False})
    said = enforcement(settings, "local")
    (line,) = [x for x in said.lines if "network of its own" in x]
    assert "nothing else (learner_outbound is off)" in line and "metadata" in line
    settings = WorkshopSettings.load(tmp_path, overrides={"learner_outbound": True})
    assert any("the Internet (learner_outbound)" in x for x in enforcement(settings).lines)
    monkeypatch.setattr(netns_module, "netns_unavailable", lambda: "nft not installed")
    said = enforcement(settings, "local")
    assert not [x for x in said.lines if "network of its own" in x]
    (gap,) = [g for g in said.gaps if "network" in g]
    assert "share this machine's network: nft not installed" in gap and "metadata" in gap


def test_a_resolver_on_the_hosts_loopback_is_named_as_a_gap(tmp_path):
    from hub.isolation.netns import loopback_resolvers

    conf = tmp_path / "resolv.conf"
    conf.write_text("# stub\nnameserver 127.0.0.53\nnameserver 192.0.2.53\noptions edns0\n")
    assert loopback_resolvers(str(conf)) == ["127.0.0.53"]
    conf.write_text("nameserver 192.0.2.53\n")
    assert loopback_resolvers(str(conf)) == []
    assert loopback_resolvers(str(tmp_path / "missing")) == []


# --- the attacks, from real learner kernels ---------------------------------------------------
A, B = f"net{TAG}_ada", f"nob{TAG}_bob"
PACKAGE = f"standin_pkg_{TAG}"


def make_wheel(directory: Path) -> Path:
    """A minimal wheel of :data:`PACKAGE` 1.0 in a PEP 503 ``simple/`` tree under ``directory``."""
    dist = f"{PACKAGE}-1.0"
    files = {
        f"{PACKAGE}/__init__.py": b"",
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 1.0\n".encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }  # fmt: skip
    record = "".join(
        f"{n},sha256={hashlib.sha256(d).hexdigest()},{len(d)}\n" for n, d in files.items()
    )
    files[f"{dist}.dist-info/RECORD"] = (record + f"{dist}.dist-info/RECORD,,\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    project = directory / "simple" / PACKAGE.replace("_", "-")
    project.mkdir(parents=True)
    wheel = f"{dist}-py3-none-any.whl"
    (project / wheel).write_bytes(buf.getvalue())
    (project / "index.html").write_text(f'<a href="{wheel}">{wheel}</a>\n')
    return project / wheel


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """A hub with learners' outbound traffic allowed (pip install), A and B running, and the
    stand-ins: a registry and the metadata service in namespaces of this test."""
    from hub_fixtures import start_hub

    base = tmp_path_factory.mktemp("netroom")
    (base / "registry").mkdir()
    make_wheel(base / "registry")
    (base / "meta").mkdir()
    (base / "meta" / "latest").mkdir()
    (base / "meta" / "latest" / "role-credentials").write_text("AKIA-STANDIN-SECRET")
    reg_ns, meta_ns = f"dwt{TAG}-registry", f"dwt{TAG}-metadata"
    with contextlib.ExitStack() as stack:
        registry = stack.enter_context(standin_namespace(reg_ns, OCTET))
        stack.enter_context(standin_namespace(meta_ns, OCTET + 2, extra_addresses=[METADATA_IP]))
        stack.enter_context(http_server_in(reg_ns, registry, 8080, base / "registry"))
        stack.enter_context(http_server_in(meta_ns, METADATA_IP, 80, base / "meta"))
        hub = start_hub(
            base / "data",
            people=[("Ada", f"Net{TAG}"), ("Bob", f"Nob{TAG}")],
            settings={"learner_outbound": True, "mem_limit": "1G", "pids_limit": 512},
        )
        stack.callback(hub.stop)
        for name in (A, B):
            hub.client.start_server(name)
        for name in (A, B):
            hub.client.wait_ready(name, timeout=300)
        hub.registry = f"http://{registry}:8080/simple/"
        yield hub


def run_as(hub, user, *cells, timeout=180):
    from hub.client import run_code_in_kernel

    results = run_code_in_kernel(
        f"{hub.url}user/{user}/", hub.credentials.api_token, list(cells), timeout=timeout
    )
    for r in results:
        assert r["status"] == "ok", r
    return results


def out(hub, user, code, timeout=180):
    return json.loads(run_as(hub, user, code, timeout=timeout)[0]["stdout"].splitlines()[-1])


#: kernel code: probe(url) -> HTTP status, or the name of the error that stopped it;
#: connect(host, port) -> 'connected', or the name of the error
PROBE = (
    "import json, socket, urllib.request, urllib.error\n"
    "def probe(url):\n"
    "    try:\n"
    "        return urllib.request.urlopen(url, timeout=4).status\n"
    "    except urllib.error.HTTPError as e:\n"
    "        return e.code\n"
    "    except (urllib.error.URLError, OSError) as e:\n"
    "        return type(getattr(e, 'reason', e)).__name__\n"
    "def connect(host, port):\n"
    "    s = socket.socket(); s.settimeout(4)\n"
    "    try:\n"
    "        s.connect((host, port)); return 'connected'\n"
    "    except OSError as e:\n"
    "        return type(e).__name__\n"
    "    finally:\n"
    "        s.close()\n"
)


def server_of(hub, user) -> psutil.Process:
    waiter = psutil.Process(hub.client.user(user)["servers"][""]["state"]["pid"])
    return next(p for p in waiter.children() if "jupyterhub.singleuser" in " ".join(p.cmdline()))


def listening(proc: psutil.Process) -> tuple[str, int]:
    """Where a learner's server listens, as its spawner told it (``JUPYTERHUB_SERVICE_URL``;
    psutil lists only the sockets of this test's own network namespace)."""
    from urllib.parse import urlsplit

    url = urlsplit(proc.environ()["JUPYTERHUB_SERVICE_URL"])
    return url.hostname, url.port


def hold(room, user: str, code: str, name: str, timeout: float = 120) -> dict:
    """Run ``code`` in a process of its own started from ``user``'s kernel, which outlives the
    kernel (its own session, as a learner's background job would); ``code`` writes JSON to
    the file ``name`` in the home once it holds what it holds. Returns that JSON."""
    report = room.data_dir / "homes" / user / name
    launch = (
        "import subprocess, sys; "
        f"subprocess.Popen([sys.executable, '-c', {code!r}], start_new_session=True)"
    )
    run_as(room, user, launch)
    deadline = time.monotonic() + timeout
    while not report.exists() or not report.read_text().endswith("\n"):
        assert time.monotonic() < deadline, f"{name} was never written"
        time.sleep(0.5)
    return json.loads(report.read_text())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_learner_cannot_serve_a_page_on_the_hosts_ports(room):
    """A listens on every interface it has and serves a look-alike login page: nobody on this
    machine (and so nobody in the room) reaches it, and A cannot bind the host's addresses."""
    port = 40000 + OCTET
    found = hold(
        room,
        A,
        "import json, socket, time\n"
        "binds = {}\n"
        f"for address in ('127.0.0.1', {host_address()!r}):\n"
        "    t = socket.socket()\n"
        "    try:\n"
        f"        t.bind((address, {port + 1})); binds[address] = 'bound'\n"
        "    except OSError as e:\n"
        "        binds[address] = e.errno\n"
        "    t.close()\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('0.0.0.0', {port})); s.listen(16); s.settimeout(1)\n"
        "open('page.json', 'w').write(json.dumps(binds) + '\\n')\n"
        "end = time.monotonic() + 60\n"
        "while time.monotonic() < end:\n"
        "    try:\n"
        "        c, _ = s.accept()\n"
        "    except OSError:\n"
        "        continue\n"
        "    c.recv(1000); c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\n<form>Workshop login</form>'); c.close()\n",
        "page.json",
    )
    for address in ("127.0.0.1", host_address()):  # while A's page is up
        with socket.socket() as s:
            s.settimeout(3)
            assert s.connect_ex((address, port)) != 0, f"A's page answers on {address}:{port}"
    # 127.0.0.1 is the namespace's own loopback; the host's address is not A's to bind (99)
    assert found[host_address()] == 99, found


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_holding_ports_starves_nobody(room):
    """A holds 300 listening ports, B's server's port among them: while A holds them they stay
    free on the host, and B's server restarts and works."""
    _, b_port = listening(server_of(room, B))
    from hub.process import free_ports

    # free on the host right now; B's port is free here too (it is B's namespace's), so the
    # host may hand it out again: drawn twice, A's second bind of it would fail on A's first
    ports = [b_port, *[p for p in free_ports(300) if p != b_port][:299]]
    found = hold(
        room,
        A,
        "import json, socket, time\n"
        "held, failed = [], []\n"
        f"for port in {ports!r}:\n"
        "    s = socket.socket()\n"
        "    try:\n"
        "        s.bind(('0.0.0.0', port)); s.listen(1); held.append(s)\n"
        "    except OSError as e:\n"
        "        failed.append([port, e.errno])\n"
        "open('ports.json', 'w').write(json.dumps([len(held), failed]) + '\\n')\n"
        "time.sleep(90)\n",
        "ports.json",
    )
    # a port of A's own kernel may be among them; B's server's port is A's to take, in A's
    # namespace only
    assert found[0] >= 290 and b_port not in [p for p, _ in found[1]], found
    for port in ports[1:]:  # still free here: a learner's ports are their namespace's
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
    room.client.stop_server(B, timeout=120)
    room.client.start_server(B)
    room.client.wait_ready(B, timeout=300)
    assert run_as(room, B, "print('fine')")[0]["stdout"].strip() == "fine"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_learner_cannot_reach_the_metadata_service(room):
    """The stand-in answers this machine (as the cloud's answers the host), never a kernel."""
    host = sh("curl", "-s", "-m", "5", f"http://{METADATA_IP}/latest/role-credentials", check=False)
    assert host.stdout == "AKIA-STANDIN-SECRET"  # the stand-in is there
    found = out(
        room, A, PROBE + f"print(json.dumps(probe('http://{METADATA_IP}/latest/role-credentials')))"
    )
    assert found in ("timeout", "TimeoutError", "ConnectionRefusedError", "OSError"), found


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_learner_reaches_the_hub_api_but_no_other_service_of_the_host(room):
    """Services for the hub alone (the proxy's API, anything on loopback or on the host's
    addresses): refused or silent from a kernel. The hub's API answers, as the server needs."""
    port = 43000 + OCTET
    with (
        socket.create_server(("127.0.0.1", port)) as only_here,
        socket.create_server(("0.0.0.0", port + 1)) as everywhere,
    ):
        found = out(
            room,
            A,
            PROBE + "import os\n"
            "api = os.environ['JUPYTERHUB_API_URL'].rstrip('/')\n"
            "gateway = api.split('//')[1].split(':')[0]\n"
            "print(json.dumps({\n"
            "    'hub api': probe(api + '/'),\n"
            f"    'proxy api': probe(f'http://{{gateway}}:{room.settings.proxy_api_port}/api/routes'),\n"
            f"    'public port via bridge': probe(f'http://{{gateway}}:{room.settings.port}/'),\n"
            f"    'loopback service': connect('127.0.0.1', {port}),\n"
            f"    'service on the bridge address': connect(gateway, {port + 1}),\n"
            f"    'service on the host address': connect({host_address()!r}, {port + 1}),\n"
            "}))",
        )
        del only_here, everywhere
    assert found.pop("hub api") == 200, found
    assert not [v for v in found.values() if isinstance(v, int) or v == "connected"], found


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_learner_cannot_reach_another_learners_server(room):
    b_ip, b_port = listening(server_of(room, B))
    found = out(room, A, PROBE + f"print(json.dumps(probe('http://{b_ip}:{b_port}/user/{B}/api')))")
    assert not isinstance(found, int), found
    assert b_ip != "127.0.0.1" and not b_ip.startswith("0.")  # B listens on its own address only


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_learners_servers_notebooks_and_pip_keep_working(room):
    """The tutorial's imports in a kernel, and ``pip download`` from the stand-in registry
    (learner_outbound is on in this room)."""
    r = run_as(
        room,
        A,
        "import subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '-q',\n"
        f"    '--index-url', {room.registry!r}, '--trusted-host', {room.registry.split('/')[2].split(':')[0]!r},\n"
        f"    '-d', 'wheels', {PACKAGE!r}],\n"
        "    capture_output=True, text=True, timeout=120)\n"
        "print(r.returncode, r.stderr[-500:])\n"
        "import os; print(os.listdir('wheels'))",
        timeout=300,
    )[0]["stdout"]
    assert r.startswith("0 ") and f"{PACKAGE}-1.0-py3-none-any.whl" in r, r
    assert run_as(room, B, "import tutorial_utils; print('ok')")[0]["stdout"].strip() == "ok"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_down_removes_the_learners_network(tmp_path):
    """A stopped server leaves no namespace; ``release_system_state`` (workshop down) removes
    the bridge and the rules."""
    from hub_fixtures import start_hub

    user = f"dwn{TAG}_eve"
    hub = start_hub(tmp_path / "data", people=[("Eve", f"Dwn{TAG}")])
    network = HubNetwork(hub.data_dir)
    try:
        hub.client.start_server(user)
        hub.client.wait_ready(user, timeout=300)
        assert network.namespaces() == [network.namespace(user)]
        hub.client.stop_server(user, timeout=120)
        assert network.namespaces() == []
    finally:
        hub.stop()
    assert network.gateway() is None and not host_links(network.bridge)
    assert network.table not in sh("nft", "list", "tables").stdout
    assert shutil.which("ip")
