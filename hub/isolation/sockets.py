"""Who owns which TCP socket on this machine: ``/proc/net/tcp`` and ``/proc/net/tcp6``.

Used to tell the hub's own proxy from a learner's process that talks to the hub port directly
(``hub.client_address``), and a learner's server from a process of someone else listening on
the port that server was given (``hub.spawners.local``). Linux only; elsewhere nothing is found.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

LISTEN = "0A"  # the kernel's state code


def hex_address(host: str, port: int) -> str:
    """``/proc/net/tcp{,6}`` spelling of an address: native-endian 32-bit words in hex."""
    packed = socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    words = [packed[i : i + 4] for i in range(0, len(packed), 4)]
    return "".join(w[::-1].hex().upper() for w in words) + f":{port:04X}"


def sockets() -> Iterator[tuple[str, str, str, int]]:
    """``(local, remote, state, uid)`` of every TCP socket of this network namespace."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                next(fh, None)
                for line in fh:
                    fields = line.split()
                    if len(fields) > 7:
                        yield fields[1], fields[2], fields[3], int(fields[7])
        except OSError:
            continue


def owner_uid(local: tuple, remote: tuple) -> int | None:
    """Uid owning the TCP socket with local address ``local`` and remote ``remote`` (host, port)
    here, or None if there is no such socket in this namespace (another machine, a container)."""
    a, b = local[0], remote[0]
    pairs = [(a, b)]
    if ":" not in a and ":" not in b:  # an IPv4 peer of an IPv6 socket: ::ffff:a.b.c.d
        pairs.append((f"::ffff:{a}", f"::ffff:{b}"))
    if a.startswith("::ffff:") and b.startswith("::ffff:"):
        pairs.append((a[7:], b[7:]))
    wanted = set()
    for x, y in pairs:
        try:
            wanted.add((hex_address(x, local[1]), hex_address(y, remote[1])))
        except OSError:
            continue
    for loc, rem, _, uid in sockets():
        if (loc, rem) in wanted:
            return uid
    return None


def listener_uids(port: int) -> set[int]:
    """Uids of the sockets listening on TCP ``port`` (any address)."""
    suffix = f":{port:04X}"
    return {uid for loc, _, state, uid in sockets() if state == LISTEN and loc.endswith(suffix)}
