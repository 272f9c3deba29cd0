"""The address attendees type: which host the handout URL names, why, and who can reach it.

Without ``public_host`` set, the handout names, in order of preference: the HTTPS domain; the
address the hub is bound to when that is one address; this machine's DNS name when it resolves
to one of its own non-loopback addresses; else the IPv4 address of the interface that carries
the default route (what other machines on the room's network reach). Each choice comes with a
sentence saying which it is, so the ready message and ``doctor`` can tell the instructor.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

WILDCARDS = ("0.0.0.0", "::", "")
PROC_ROUTE = Path("/proc/net/route")


@dataclass(frozen=True)
class PublicHost:
    """``host`` for the handout URL and ``source``, a phrase saying where it comes from."""

    host: str
    source: str


def default_route_interface(route_table: Path = PROC_ROUTE) -> str | None:
    """Name of the interface of the IPv4 default route with the lowest metric (None if none).

    Reads the kernel's table (``/proc/net/route``: Iface, Destination, Gateway, Flags, RefCnt,
    Use, Metric, Mask, ... with hexadecimal addresses; the default route has destination and
    mask 0).
    """
    try:
        lines = route_table.read_text().splitlines()[1:]
    except OSError:
        return None
    best = None
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        up = int(fields[3], 16) & 0x1
        metric = int(fields[6])
        if up and (best is None or metric < best[0]):
            best = (metric, fields[0])
    return None if best is None else best[1]


def interface_addresses() -> dict[str, list[str]]:
    """Interface name -> its IPv4 and IPv6 addresses (psutil)."""
    import psutil

    out: dict[str, list[str]] = {}
    for name, addrs in psutil.net_if_addrs().items():
        for a in addrs:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                out.setdefault(name, []).append(a.address.split("%")[0])
    return out


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def resolve(host: str) -> list[str]:
    """Addresses ``host`` resolves to on this machine ([] when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({info[4][0] for info in infos})


def choose_public_host(ip: str, https: str = "") -> PublicHost:
    """The host attendees should type, for a hub bound to ``ip`` (setting ``ip``) with ``https``.

    ``https``: '' (off), 'internal' or a domain. Never raises: without a usable network address
    it falls back to the host name and says so.
    """
    if https and https != "internal":
        return PublicHost(https, "the HTTPS domain (setting https)")
    if https == "internal" or is_loopback(ip) or ip == "localhost":
        return PublicHost("localhost", "this machine only: the hub listens on loopback")
    if ip not in WILDCARDS:
        return PublicHost(ip, "the address the hub listens on (setting ip)")
    own = {a for addrs in interface_addresses().values() for a in addrs if not is_loopback(a)}
    fqdn = socket.getfqdn()
    if "." in fqdn:
        addresses = resolve(fqdn)
        if addresses and set(addresses) <= own:
            return PublicHost(fqdn, "this machine's DNS name")
    iface = default_route_interface()
    if iface:
        v4 = [a for a in interface_addresses().get(iface, []) if ":" not in a]
        if v4:
            return PublicHost(v4[0], f"the address of {iface}, the interface of the default route")
    return PublicHost(socket.gethostname(), "this machine's host name (no default route found)")


def reachability(host: str, ip: str) -> tuple[str, str]:
    """Whether machines other than this one can open a URL naming ``host`` (hub bound to ``ip``).

    Returns ``(status, sentence)``, status ``"ok"`` or ``"warn"``. Judged from this machine's
    own view (resolution and interface addresses); it sends no packet anywhere.
    """
    if is_loopback(ip) or ip == "localhost":
        return "warn", (
            f"the hub listens on {ip} only: no other machine can reach it "
            "(`--ip 0.0.0.0` or the setting ip to open it to the room)"
        )
    addresses = resolve(host)
    if not addresses:
        return (
            "warn",
            f"{host} does not resolve on this machine; attendees' machines may not either",
        )
    loop = [a for a in addresses if is_loopback(a)]
    if loop:
        return "warn", (
            f"{host} resolves to {', '.join(loop)} (loopback): each attendee would reach their own "
            "laptop; set public_host to this machine's address or DNS name"
        )
    own = {a for addrs in interface_addresses().values() for a in addrs}
    if not set(addresses) & own:
        return "warn", (
            f"{host} resolves to {', '.join(addresses)}, not an address of this machine: fine "
            "behind a NAT or load balancer that forwards the port, otherwise set public_host"
        )
    if ip not in WILDCARDS and ip not in addresses:
        return "warn", f"the hub listens on {ip}, but {host} resolves to {', '.join(addresses)}"
    return "ok", (
        f"{host} is an address of this machine ({', '.join(addresses)}): machines on that "
        "network can open it unless a firewall blocks the port"
    )
