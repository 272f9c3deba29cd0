"""Login rules without a hub: which address a login is counted against (real TCP sockets on
loopback, looked up in /proc/net/tcp), rate-limit buckets, password comparison as typed, and the
start-up check that a password can be typed at all. The same rules against the real hub and proxy
are in test_attacks.py."""

from __future__ import annotations

import os
import socket
import unicodedata
from types import SimpleNamespace

import pytest
from tornado.httputil import HTTPHeaders

from hub.auth import passwords_match
from hub.client_address import FRONT_HEADER, client_address, rate_key
from hub.credentials import check_typeable, load_or_create
from hub.isolation.sockets import listener_uids, owner_uid


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server
    server.close()


def connect_as(listener, uid=None):
    """A connection to ``listener`` from a socket owned by ``uid`` (default: this process);
    returns ``(client socket or child pid, accepted socket)``."""
    if uid is None:
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        return client, accepted
    ready_r, ready_w = os.pipe()  # child -> parent: connected
    done_r, done_w = os.pipe()  # parent -> child: let go
    pid = os.fork()
    if pid == 0:  # a process of another account holds the client end
        try:
            os.setuid(uid)
            sock = socket.create_connection(listener.getsockname())
            os.write(ready_w, b"x")
            os.read(done_r, 1)
            sock.close()
        finally:
            os._exit(0)
    accepted, _ = listener.accept()
    assert os.read(ready_r, 1) == b"x"
    return (pid, done_w), accepted


def request_from(accepted, headers: dict):
    """What Tornado hands the authenticator: peer address, socket, headers."""
    h = HTTPHeaders()
    for name, value in headers.items():
        for v in value if isinstance(value, list) else [value]:
            h.add(name, v)
    context = SimpleNamespace(address=accepted.getpeername())
    connection = SimpleNamespace(context=context, stream=SimpleNamespace(socket=accepted))
    return SimpleNamespace(connection=connection, headers=h)


def test_socket_owner_is_found_for_a_loopback_connection(listener):
    client, accepted = connect_as(listener)
    try:
        assert owner_uid(client.getsockname(), listener.getsockname()) == os.geteuid()
        assert owner_uid(("127.0.0.1", 1), listener.getsockname()) is None
        assert listener_uids(listener.getsockname()[1]) == {os.geteuid()}
    finally:
        client.close()
        accepted.close()


def test_only_the_proxys_own_entry_counts(listener):
    """CHP appends the address it saw; whatever the client put before it, and X-Real-IP, are
    the client's own words."""
    client, accepted = connect_as(listener)
    try:
        spoofed = {"X-Forwarded-For": "203.0.113.9, 10.0.0.5", "X-Real-IP": "198.51.100.1"}
        assert client_address(request_from(accepted, spoofed)) == "10.0.0.5"
        two_headers = {"X-Forwarded-For": ["203.0.113.9", "10.0.0.6"]}
        assert client_address(request_from(accepted, two_headers)) == "10.0.0.6"
        assert client_address(request_from(accepted, {"X-Real-IP": "198.51.100.1"})) == (
            "127.0.0.1"
        )
        garbage = {"X-Forwarded-For": "not-an-address"}
        assert client_address(request_from(accepted, garbage)) == "unknown"
    finally:
        client.close()
        accepted.close()


def test_caddys_entry_counts_only_with_its_secret(listener):
    client, accepted = connect_as(listener)
    try:
        chain = {"X-Forwarded-For": "203.0.113.9, 10.0.0.7, 127.0.0.1"}
        with_secret = request_from(accepted, {**chain, FRONT_HEADER: "s3cret"})
        assert client_address(with_secret, front_secret="s3cret") == "10.0.0.7"
        forged = request_from(accepted, {**chain, FRONT_HEADER: "guess"})
        assert client_address(forged, front_secret="s3cret") == "127.0.0.1"
        assert client_address(request_from(accepted, chain), front_secret="s3cret") == "127.0.0.1"
    finally:
        client.close()
        accepted.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another account")
def test_a_local_account_bypassing_the_proxy_is_keyed_by_its_uid(listener):
    (pid, done), accepted = connect_as(listener, uid=65534)
    try:
        forged = {"X-Forwarded-For": "10.0.0.5", "X-Real-IP": "10.0.0.5"}
        assert client_address(request_from(accepted, forged)) == "uid:65534"
    finally:
        os.write(done, b"x")
        os.waitpid(pid, 0)
        accepted.close()


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # same /64: same bucket
        ("uid:1003", "uid:1003"),
    ],
)
def test_rate_buckets(address, key):
    assert rate_key(address) == key


def test_passwords_match_as_typed():
    composed = "Café-crème-9"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert passwords_match(decomposed, composed) and passwords_match(composed, decomposed)
    assert not passwords_match("café-crème-8", composed)
    assert not passwords_match("€" * 30, "x" * 30)  # non-ASCII input is no TypeError
    assert not passwords_match("anything", "")


@pytest.mark.parametrize(
    ("password", "match"),
    [
        ("two\nlines-pass", "U\\+000A"),
        ("tab\tinside-pass", "U\\+0009"),
        ("zero\u200bwidth-pass", "U\\+200B"),
        ("rtl\u202eoverride", "U\\+202E"),
        (" leading-space", "starts or ends with a space"),
        ("trailing-space ", "starts or ends with a space"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_passwords_learners_cannot_type_are_refused(password, match):
    with pytest.raises(ValueError, match=match):
        check_typeable("the workshop password", password)


def test_a_refused_password_names_its_source(tmp_path):
    env = {"WORKSHOP_PASSWORD": "bad\npassword"}
    with pytest.raises(ValueError, match="workshop password \\(WORKSHOP_PASSWORD\\)"):
        load_or_create(tmp_path / "data", environ=env)
    check_typeable("accented", "Grüße-aus-Köln")  # accents are fine


def test_cgroup_v2_files_hold_the_limits(tmp_path):
    """The cgroup v2 layout on a stand-in tree (this machine has cgroup v1, which the attack tests
    exercise for real): controllers enabled down the tree, limits in the kernel's own spelling."""
    from hub.isolation.cgroups import CgroupTree, Limits

    tree = CgroupTree("dragonn-workshop-test", 2, {"": tmp_path})
    procs = tree.apply("doe_jane", Limits(memory_bytes=512 * 2**20, cpus=1.5, pids=300))
    group = tmp_path / "dragonn-workshop-test" / "doe_jane"
    assert procs == [str(group / "cgroup.procs")]
    for parent in (tmp_path, tmp_path / "dragonn-workshop-test"):
        assert (parent / "cgroup.subtree_control").read_text() == "+memory +cpu +pids"
    assert (group / "memory.max").read_text() == str(512 * 2**20)
    assert (group / "cpu.max").read_text() == "150000 100000"
    assert (group / "pids.max").read_text() == "300"
    assert tree.read("doe_jane") == {"memory_bytes": 512 * 2**20, "cpus": 1.5, "pids": 300}
    tree.apply("roe_richard", Limits())
    assert tree.read("roe_richard") == {"memory_bytes": None, "cpus": None, "pids": None}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to listen as another account")
def test_a_server_port_held_by_another_account_fails_the_spawn(listener):
    """Learners share this machine's network: if another account listens on the port a server
    was given, the spawn stops instead of routing the learner to it (the local spawner's check,
    on a stand-in spawner)."""
    import asyncio
    import subprocess

    from hub.spawners.local import WorkshopLocalSpawner

    port = listener.getsockname()[1]
    stopped = []

    async def stop(now=False):
        stopped.append(now)

    server = subprocess.Popen(["sleep", "30"])
    stand_in = SimpleNamespace(
        port=port, proc=server, start_timeout=5, user=SimpleNamespace(name="vic_bob"), stop=stop
    )
    try:
        with pytest.raises(RuntimeError, match=f"port {port} .* held by another account"):
            asyncio.run(WorkshopLocalSpawner._check_listener(stand_in, uid=65534))
        assert stopped == [True]
        asyncio.run(WorkshopLocalSpawner._check_listener(stand_in, uid=os.geteuid()))  # its own
    finally:
        server.kill()
        server.wait()
