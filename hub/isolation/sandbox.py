"""Start a learner's server as their own account, in private mount and PID namespaces.

Used by the local spawner when the hub runs as root::

    python -m hub.isolation.sandbox SPEC_JSON -- COMMAND [ARGS...]

``SPEC_JSON``: ``{"uid", "gid", "home", "hide": [dirs], "expose": [dirs], "tmp_size": bytes,
"seed": notebooks dir, "label": name for the log, "netns": path of a network namespace,
"view": [system dirs], "links": [paths]}`` (the last three optional). Start it with
``python -P`` and a working directory the learner cannot write (``/``): it runs as root, and
Python must not import modules from the learner's home. What the learner's processes then see:

* ``/proc`` of a PID namespace of their own: the hub, the proxy and other learners' processes
  (their command lines, environments, open files) do not exist for them (what ``hidepid``
  would give, without changing the host's ``/proc``);
* with ``view`` (the local spawner's case: :func:`system_view`), a root file system of their
  own, as in a container: a read-only tmpfs into which only the ``view`` directories (the
  system's programs, libraries, configuration, ``/dev`` and ``/sys``), the ``expose``
  directories (the Python installation, the workshop's files) read-only and their home are
  bound, with each ``hide`` directory inside those (the data dir, the checkout's ``.git``)
  covered; ``links`` (the interpreter's path) resolve as on the host. The rest of this
  machine's file system (other checkouts, ``/home``, ``/srv``, what is world-readable in the
  instructor's home) does not exist for them;
* without ``view``, each ``hide`` directory (the hub's data dir; directories others may not
  enter on the way to the Python installation, such as ``/root``) covered by an empty
  read-only tmpfs, into which only their own home and the ``expose`` directories are bound
  back; everything else of the file system as the host's permissions allow;
* private ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (tmpfs of ``tmp_size`` bytes, counted in their
  memory limit), so files others leave there cannot be read, and System V IPC of their own (an
  IPC namespace: shared memory segments cannot be read by others, nor outlive the server);
* with ``netns`` (``hub.isolation.netns``), the network of that namespace only: their own
  loopback and one address that only the hub's proxy and API share with them;
* their account's uid and gid, no supplementary groups, umask 077, and ``no_new_privs``: setuid
  and setgid programs (su, crontab, mount...) give them nothing; the mounts cannot be undone
  (that needs CAP_SYS_ADMIN, which the account does not have).

The tutorial notebooks are seeded into the home as the learner, after the switch
(``hub.seed``), so nothing of theirs (a symlink, say) is ever followed with root's rights. The
server's output reaches the hub's log through the first process, each line prefixed with
``label``, at most :data:`LOG_LIMIT` bytes per start (a kernel printing forever cannot fill the
host's disk through the hub's log).

The first process stays outside the namespaces, as root: it forwards SIGINT, SIGTERM and SIGHUP
to the server as SIGTERM and exits with the server's status, so the spawner's pid, poll and stop
work unchanged. When the server (PID 1 of the namespace) exits, the kernel kills every process
left in it: no kernel outlives its server.

Linux only; keeps to the standard library (it runs before anything else of the hub is needed).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
#: pivot_root(2) by architecture (glibc has no wrapper)
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
#: where a learner's root file system is put together (a tmpfs of their mount namespace only)
VIEW_ROOT = "/run/dragonn-sandbox-root"
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
#: most bytes of a server's output passed on to the hub's log per start
LOG_LIMIT = 32 * 2**20

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else str(s).encode()  # noqa: E731
    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


def plan(hide: list[str], expose: list[str], private: list[str]) -> list[tuple[str, str]]:
    """Mount operations in the order they must run: ``(kind, path)`` with kind ``cover``
    (read-only tmpfs), ``private`` (writable tmpfs) or ``bind`` (the real directory, bound back).
    Parents come before what they contain, so a bind inside a cover lands on the cover."""
    ops = {(p, "cover") for p in hide} | {(p, "private") for p in private}
    ops |= {(p, "bind") for p in expose}
    # a bind needs doing only if a cover or private tmpfs above it hides the real directory
    ops = {
        (p, kind)
        for p, kind in ops
        if kind != "bind"
        or any(_inside(p, q) and k != "bind" for q, k in ops if q != p or k != "bind")
    }
    order = {"private": 0, "cover": 1, "bind": 2}
    return [
        (kind, p)
        for p, kind in sorted(ops, key=lambda o: (len(Path(o[0]).parts), order[o[1]], o[0]))
    ]


def _inside(path: str, parent: str) -> bool:
    return path != parent and Path(path).is_relative_to(parent)


def detach_hidden_mounts(hide: list[str], keep: list[str]) -> None:
    """Unmount, in this namespace only, what is mounted below a hidden directory (other
    learners' home file systems): they are neither listed in /proc/self/mountinfo nor kept busy
    by this namespace. Mounts on the way to, at or inside a ``keep`` directory stay."""
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        points = [line.split()[4].replace("\\040", " ") for line in fh]
    doomed = [
        p
        for p in points
        if any(_inside(p, h) for h in hide)
        and not any(p == k or _inside(p, k) or _inside(k, p) for k in keep)
    ]
    for point in sorted(set(doomed), key=lambda p: -len(Path(p).parts)):
        _libc.umount2(point.encode(), MNT_DETACH)  # gone already with a parent: fine


def system_view() -> list[str]:
    """What of the system a learner's server needs besides the Python installation and the
    workshop's files: programs and libraries, configuration, devices and ``/sys``, and the
    directory of the resolver configuration when ``/etc/resolv.conf`` points elsewhere."""
    paths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/dev"]
    paths += ["/sys"]
    resolv = os.path.realpath("/etc/resolv.conf")
    if not resolv.startswith("/etc/") and os.path.exists(resolv):
        paths.append(os.path.dirname(resolv))
    return [p for p in paths if os.path.lexists(p)]


def _link_into(root: str, path: str, depth: int = 0) -> None:
    """Make ``path`` resolve under ``root`` as it does here: each symbolic link on the way (a
    virtual environment's ``.venv`` -> elsewhere) is created again under ``root``."""
    parts = Path(path).parts[1:]
    current = "/"
    for i, part in enumerate(parts):
        current = os.path.join(current, part)
        if os.path.islink(current) and depth < 40:
            dest = root + current
            if not os.path.lexists(dest):
                os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
                os.symlink(os.readlink(current), dest)
            target = os.path.join(os.path.dirname(current), os.readlink(current))
            _link_into(root, os.path.normpath(os.path.join(target, *parts[i + 1 :])), depth + 1)
            return


def _enter_view(spec: dict, home: str, private: list[str], size: int) -> None:
    """The learner's root file system: a read-only tmpfs holding only ``view`` (the system),
    ``expose`` (read-only) and their home (writable) bound in, ``hide`` covered inside those,
    private ``/tmp``s and a ``/proc`` of their PID namespace; then ``pivot_root`` into it, so
    nothing else of this machine's file system is reachable."""
    root = VIEW_ROOT
    os.makedirs(root, mode=0o700, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    system = spec.get("view", [])
    links = [p for p in system if os.path.islink(p)]
    binds = [p for p in [*system, *spec.get("expose", [])] if p not in links and os.path.isdir(p)]
    ops = [(p, "bind") for p in binds] + [(home, "home")]
    ops += [(p, "cover") for p in spec.get("hide", []) if any(_inside(p, b) for b in binds)]
    ops += [(p, "private") for p in private]
    order = {"bind": 0, "home": 0, "cover": 1, "private": 1}
    read_only = []
    for path, kind in sorted(set(ops), key=lambda o: (len(Path(o[0]).parts), order[o[1]], o[0])):
        target = root + path
        if any(_inside(path, b) for b in binds if b != path) and kind == "bind":
            continue  # visible already, inside a directory bound in
        os.makedirs(target, mode=0o755, exist_ok=True)
        if kind in ("bind", "home"):
            _mount(path, target, None, MS_BIND | MS_REC)
            if kind == "bind" and path != "/dev":
                read_only.append(target)
        elif kind == "cover":
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
            read_only.append(target)
        else:
            opts = "mode=1777" + (f",size={size}" if size else "")
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts)
    for path in links:
        os.symlink(os.readlink(path), root + path)
    for path in spec.get("links", []):
        _link_into(root, path)
    os.makedirs(root + "/proc", mode=0o555, exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for target in read_only:
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    import platform

    os.chdir(root)
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown on {platform.machine()}")
    _check(_libc.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount the old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def enter(spec: dict) -> None:
    """In the new namespaces: make the mounts, then become the learner (the calling process
    is PID 1 of its PID namespace)."""
    home = spec["home"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    expose = list(dict.fromkeys([*spec.get("expose", []), home]))
    detach_hidden_mounts(spec.get("hide", []), expose)
    if spec.get("view"):
        private = [p for p in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(p)]
        _enter_view(spec, home, private, int(spec.get("tmp_size") or 0))
        _become(spec, home)
        return
    private = [p for p in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(p)]
    # handles on what gets bound back, taken before anything covers it
    handles = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in expose if os.path.isdir(p)}
    size = int(spec.get("tmp_size") or 0)
    covered = []
    for kind, path in plan(spec.get("hide", []), list(handles), private):
        os.makedirs(path, mode=0o755, exist_ok=True)  # only ever inside a fresh tmpfs
        if kind == "cover":
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
            covered.append(path)
        elif kind == "private":
            opts = "mode=1777" + (f",size={size}" if size else "")
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts)
        else:
            _mount(f"/proc/self/fd/{handles[path]}", path, None, MS_BIND | MS_REC)
    for fd in handles.values():
        os.close(fd)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in covered:
        _mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _become(spec, home)


def _become(spec: dict, home: str) -> None:
    """Switch to the learner's account for good, then seed their notebooks as them."""
    os.chdir(home)
    os.setgroups([])
    os.setgid(int(spec["gid"]))
    os.setuid(int(spec["uid"]))
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("still root after setuid")
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
    os.umask(0o077)
    if spec.get("seed"):
        from hub.seed import seed_notebooks

        seed_notebooks(Path(spec["seed"]), Path(home))


def pass_output(fd: int, prefix: bytes, limit: int) -> None:
    """Copy lines from ``fd`` to this process's stdout, each with ``prefix``, until EOF (every
    process of the namespace gone); past ``limit`` bytes, say so once and drop the rest."""
    written, dropped, pending = 0, False, b""

    def emit(line: bytes) -> None:
        nonlocal written, dropped
        data = prefix + line
        if written + len(data) > limit:
            if not dropped:
                dropped = True
                data = (
                    prefix
                    + f"[more than {limit >> 20} MiB of output; the rest is dropped]\n".encode()
                )
            else:
                return
        written += len(data)
        try:
            while data:
                data = data[os.write(1, data) :]
        except OSError:
            pass

    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            emit(line + b"\n")
        if len(pending) > 65536:  # a very long line: pass it on in pieces
            emit(pending + b"\n")
            pending = b""
    if pending:
        emit(pending + b"\n")
    os.close(fd)


def isolation_unavailable() -> str:
    """Why learners cannot be put in namespaces here ('' when they can): a child process tries
    ``unshare`` (refused without CAP_SYS_ADMIN, e.g. in an unprivileged container)."""
    child = os.fork()
    if child == 0:
        ok = _libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC) == 0
        os._exit(0 if ok else (ctypes.get_errno() or 1))
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    return "" if code == 0 else f"unshare: {os.strerror(code)}"


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print(
            "usage: python -m hub.isolation.sandbox SPEC_JSON -- COMMAND [ARGS...]", file=sys.stderr
        )
        return 2
    spec, command = json.loads(argv[1]), argv[3:]
    if spec.get("netns"):  # joined first, as root: the learner can never leave it
        fd = os.open(spec["netns"], os.O_RDONLY | os.O_CLOEXEC)
        _check(_libc.setns(fd, CLONE_NEWNET), f"setns {spec['netns']}")
        os.close(fd)
    _check(
        _libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC),
        "unshare (mount, PID and IPC namespaces)",
    )
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_end)
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.close(write_end)
        try:
            enter(spec)
            os.execvp(command[0], command)
        except BaseException as err:  # noqa: BLE001 - report anything, then never return
            print(
                f"hub.isolation.sandbox: cannot start the server: {err}",
                file=sys.stderr,
                flush=True,
            )
        os._exit(127)
    os.close(write_end)

    def forward(signum, _frame):
        try:
            os.kill(child, signal.SIGTERM)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    pass_output(read_end, f"[{spec.get('label', spec['uid'])}] ".encode(), LOG_LIMIT)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            return 0
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
