"""Each learner's server in a network namespace of its own (local spawner, hub run as root).

Without this, learners share the host's network: a kernel could listen on any port of every
interface (and serve a look-alike login page to the room), hold ports other servers need, reach
the cloud's instance metadata service (169.254.169.254) and services listening on the host's
loopback for the hub alone. With it, as Docker does for containers:

* the hub owns a bridge (``dwb<tag>``; ``<tag>`` is derived from the data dir, so hubs beside
  each other never share one) with the first address of a /24 taken from :data:`POOL`;
* each learner's server runs in a network namespace (``ip netns``, ``dw<tag>-<username>``)
  with one end of a veth pair (``eth0``, the next free address of that /24) and its own
  loopback; the other end is a port of the bridge, *isolated* (learners' namespaces cannot
  reach each other through the bridge);
* an nftables table (``inet dw<tag>``) lets a namespace reach the host only at the hub's API
  (the bridge address and ``hub_port``: JupyterHub's ``hub_ip``), drops whatever a namespace
  sends through the host to the link-local range (the metadata service) or to another
  namespace, and forwards the rest outwards (masqueraded) only when ``learner_outbound`` is on
  (``pip install``); the proxy and the hub reach the learners' servers, whose answers come back.

Ports are per namespace: a learner can listen only on their own namespace's address, which
only the host (the proxy, the hub) reaches. Everything is undone when a server stops
(:meth:`HubNetwork.remove_learner`) and by ``workshop down`` (:func:`release_all`).

Linux, root, iproute2 and nftables (``hub/bootstrap.sh`` installs them).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

#: where the hubs' /24 networks are taken from: 198.18.0.0/15 is reserved for network tests
#: (RFC 2544) and never routed on the Internet, so it collides with no real network
POOL = ipaddress.ip_network("198.19.0.0/16")
#: the cloud's instance metadata service and the rest of the link-local range
METADATA = "169.254.0.0/16"
NETNS_DIR = Path("/run/netns")
#: one lock for every HubNetwork of this process: spawns at once must not take one address twice
_LOCK = threading.Lock()


def tag_of(data_dir) -> str:
    """Six hex digits naming this hub's bridge, table and namespaces."""
    return hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:6]


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def _nft(script: str) -> None:
    subprocess.run(["nft", "-f", "-"], input=script, capture_output=True, text=True, check=True,
                   timeout=30)  # fmt: skip


def netns_unavailable() -> str:
    """Why learners cannot get network namespaces here ('' when they can)."""
    if os.geteuid() != 0:
        return "the hub does not run as root"
    missing = [tool for tool in ("ip", "nft") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (hub/bootstrap.sh installs them)"
    try:
        subprocess.run(["nft", "list", "tables"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        return f"nftables does not work here ({err})"
    child = os.fork()
    if child == 0:  # the kernel must let us make a network namespace (not in every container)
        import ctypes

        ok = ctypes.CDLL(None, use_errno=True).unshare(0x40000000) == 0
        os._exit(0 if ok else (ctypes.get_errno() or 1))
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    return "" if code == 0 else f"unshare (network namespace): {os.strerror(code)}"


def loopback_resolvers(path: str = "/etc/resolv.conf") -> list[str]:
    """The name servers of ``path`` on this machine's loopback (systemd-resolved's 127.0.0.53,
    say): a learner's namespace has a loopback of its own, so it cannot ask them."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    servers = [ln.split()[1] for ln in lines if ln.startswith("nameserver") and len(ln.split()) > 1]
    return [s for s in servers if s.startswith("127.") or s == "::1"]


class HubNetwork:
    """The bridge, rules and learner namespaces of the hub whose data dir is ``data_dir``."""

    def __init__(self, data_dir, hub_port: int = 0, outbound: bool = False):
        self.tag = tag_of(data_dir)
        self.bridge = f"dwb{self.tag}"
        self.table = f"dw{self.tag}"
        self.hub_port = hub_port
        self.outbound = outbound
        self._lock = _LOCK

    # --- the hub's side ---------------------------------------------------------------------
    def gateway(self) -> ipaddress.IPv4Interface | None:
        """The bridge's address (with its /24), or None when there is no bridge."""
        r = _ip("-j", "-4", "addr", "show", "dev", self.bridge, check=False)
        if r.returncode != 0:
            return None
        for link in json.loads(r.stdout or "[]"):
            for a in link.get("addr_info", []):
                return ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}")
        return None

    def _free_subnet(self) -> ipaddress.IPv4Network:
        used = []
        for route in json.loads(_ip("-j", "-4", "route", "show", "table", "all").stdout or "[]"):
            dst = route.get("dst", "")
            if dst and dst != "default" and not dst.startswith(("broadcast", "local")):
                try:
                    used.append(ipaddress.ip_network(dst, strict=False))
                except ValueError:
                    continue
        subnets = list(POOL.subnets(new_prefix=24))
        start = int(self.tag, 16) % len(subnets)
        for net in subnets[start:] + subnets[:start]:
            if not any(net.overlaps(u) for u in used):
                return net
        raise RuntimeError(f"no free /24 left in {POOL} for the learners' network")

    def setup(self) -> ipaddress.IPv4Interface:
        """Create (or keep) the bridge and (re)write the rules; returns the bridge address, the
        one the hub's API must listen on."""
        with self._lock:
            gw = self.gateway()
            if gw is None:
                net = self._free_subnet()
                gw = ipaddress.ip_interface(f"{net[1]}/{net.prefixlen}")
                _ip("link", "add", self.bridge, "type", "bridge")
                _ip("addr", "add", str(gw), "dev", self.bridge)
            # no IPv6 on the learners' network: nothing of it to filter
            Path(f"/proc/sys/net/ipv6/conf/{self.bridge}/disable_ipv6").write_text("1")
            _ip("link", "set", self.bridge, "up")
            self._write_rules(gw)
            return gw

    def _write_rules(self, gw: ipaddress.IPv4Interface) -> None:
        br, net = self.bridge, gw.network
        hub = f'iifname "{br}" ip daddr {gw.ip} tcp dport {self.hub_port} accept'
        out = f'iifname "{br}" meta nfproto ipv4 ip saddr {net} accept' if self.outbound else ""
        nat = (
            "chain postrouting { type nat hook postrouting priority 100; policy accept;\n"
            f'  ip saddr {net} oifname != "{br}" masquerade\n}}'
            if self.outbound
            else ""
        )
        script = f"""
table inet {self.table}
delete table inet {self.table}
table inet {self.table} {{
  chain input {{ type filter hook input priority -10; policy accept;
    {hub if self.hub_port else ""}
    iifname "{br}" ct state established,related accept
    iifname "{br}" drop
  }}
  chain forward {{ type filter hook forward priority -10; policy accept;
    iifname "{br}" oifname "{br}" drop
    iifname "{br}" ip daddr {METADATA} drop
    iifname "{br}" ip daddr 127.0.0.0/8 drop
    {out}
    iifname "{br}" drop
    oifname "{br}" ct state established,related accept
    oifname "{br}" drop
  }}
  {nat}
}}
"""
        _nft(script)
        if self.outbound:
            # forwarding on, as Docker turns it on for its bridge: else nothing goes out
            Path("/proc/sys/net/ipv4/ip_forward").write_text("1")
            _docker_user_rules(br, add=True)

    def teardown(self) -> None:
        """Remove every learner namespace of this hub, the bridge and the rules."""
        for name in self.namespaces():
            _ip("netns", "del", name, check=False)
        # host ends whose namespace a process still held when it was deleted
        for link in json.loads(_ip("-j", "link", "show", check=False).stdout or "[]"):
            if link.get("ifname", "").startswith(f"dw{self.tag}h"):
                _ip("link", "del", link["ifname"], check=False)
        _ip("link", "del", self.bridge, check=False)
        if shutil.which("nft") is not None:  # without nft no rules were ever made here
            subprocess.run(["nft", "delete", "table", "inet", self.table], capture_output=True,
                           check=False, timeout=30)  # fmt: skip
        _docker_user_rules(self.bridge, add=False)

    # --- the learners' side -----------------------------------------------------------------
    def namespace(self, username: str) -> str:
        return f"dw{self.tag}-{username}"

    def namespaces(self) -> list[str]:
        prefix = f"dw{self.tag}-"
        names = os.listdir(NETNS_DIR) if NETNS_DIR.is_dir() else []
        return sorted(n for n in names if n.startswith(prefix))

    def add_learner(self, username: str) -> tuple[str, str]:
        """A fresh namespace for ``username`` (a left-over one is replaced), wired to the
        bridge; returns (path of the namespace, its address)."""
        with self._lock:
            gw = self.gateway()
            if gw is None:
                raise RuntimeError(f"the learners' bridge {self.bridge} is gone")
            name = self.namespace(username)
            self._remove(name)
            taken = {gw.ip}
            for other in self.namespaces():
                r = _ip("-n", other, "-j", "-4", "addr", "show", "dev", "eth0", check=False)
                for link in json.loads(r.stdout or "[]") if r.returncode == 0 else []:
                    taken |= {ipaddress.ip_address(a["local"]) for a in link.get("addr_info", [])}
            address = next((h for h in gw.network.hosts() if h not in taken), None)
            if address is None:
                raise RuntimeError(f"no address left for learners in {gw.network}")
            host_end = f"dw{self.tag}h{int(address) & 0xFF}"
            _ip("link", "del", host_end, check=False)
            _ip("netns", "add", name)
            try:
                _ip("link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", name)
                _ip("link", "set", host_end, "master", self.bridge)
                _ip("link", "set", "dev", host_end, "type", "bridge_slave", "isolated", "on")
                _ip("link", "set", host_end, "up")
                _ip("-n", name, "addr", "add", f"{address}/{gw.network.prefixlen}", "dev", "eth0")
                _ip("-n", name, "link", "set", "lo", "up")
                _ip("-n", name, "link", "set", "eth0", "up")
                _ip("-n", name, "route", "add", "default", "via", str(gw.ip))
            except BaseException:
                self._remove(name)
                raise
            return str(NETNS_DIR / name), str(address)

    def _remove(self, name: str) -> None:
        if (NETNS_DIR / name).exists():
            _ip("netns", "del", name, check=False)  # deletes eth0, and with it the host's end

    def remove_learner(self, username: str) -> None:
        with self._lock:
            self._remove(self.namespace(username))


def _docker_user_rules(bridge: str, add: bool) -> None:
    """Docker's iptables FORWARD policy drops what it does not know: let the learners' traffic
    out (and its answers back) through its DOCKER-USER chain, where Docker is installed."""
    if shutil.which("iptables") is None:
        return
    if subprocess.run(["iptables", "-L", "DOCKER-USER", "-n"], capture_output=True,
                      timeout=30).returncode != 0:  # fmt: skip
        return
    rules = [
        ["-i", bridge, "-j", "ACCEPT"],
        ["-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
    ]
    for rule in rules:
        while subprocess.run(["iptables", "-D", "DOCKER-USER", *rule], capture_output=True,
                             timeout=30).returncode == 0:  # fmt: skip
            pass
        if add:
            subprocess.run(["iptables", "-I", "DOCKER-USER", *rule], capture_output=True,
                           timeout=30)  # fmt: skip


def release_all(data_dir) -> bool:
    """``workshop down``: remove the learners' namespaces, bridge and rules of the hub of
    ``data_dir``; True if there was a bridge."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    net = HubNetwork(data_dir)
    had = net.gateway() is not None
    net.teardown()
    return had
