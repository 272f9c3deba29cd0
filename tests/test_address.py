"""Which address the handout names, and when doctor warns that the room cannot reach it."""

from __future__ import annotations

from hub.address import choose_public_host, default_route_interface, reachability

ROUTES = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
wlan0\t00000000\t0100A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
"""


def test_the_default_route_with_the_lowest_metric_wins(tmp_path):
    table = tmp_path / "route"
    table.write_text(ROUTES)
    assert default_route_interface(table) == "eth0"
    table.write_text(ROUTES.splitlines()[0] + "\n")
    assert default_route_interface(table) is None
    assert default_route_interface(tmp_path / "missing") is None


def test_the_handout_host_says_where_it_comes_from():
    assert choose_public_host("0.0.0.0", "ws.example.org").host == "ws.example.org"
    local = choose_public_host("127.0.0.1")
    assert local.host == "localhost" and "this machine only" in local.source
    assert choose_public_host("10.1.2.3").source == "the address the hub listens on (setting ip)"
    room = choose_public_host("0.0.0.0")  # this machine's own network, whatever it is
    assert room.host not in ("localhost", "127.0.0.1") and room.source


def test_doctor_warns_when_the_room_cannot_reach_the_url(monkeypatch):
    status, sentence = reachability("localhost", "0.0.0.0")
    assert status == "warn" and "loopback" in sentence and "public_host" in sentence
    status, sentence = reachability("192.0.2.77", "127.0.0.1")
    assert status == "warn" and "no other machine can reach it" in sentence
    # a name that does not resolve (no DNS query from a test: resolution stands in)
    monkeypatch.setattr("hub.address.resolve", lambda host: [])
    status, sentence = reachability("workshop.example.org", "0.0.0.0")
    assert status == "warn" and "does not resolve" in sentence
    monkeypatch.undo()
    room = choose_public_host("0.0.0.0")
    if room.source.startswith("the address of"):  # a machine with a default route
        assert reachability(room.host, "0.0.0.0")[0] == "ok"
