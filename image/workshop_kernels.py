"""A learner's kernels within their memory, and in words when they are not.

Two classes, set in ``jupyter_server_config.py`` beside this file:

``WorkshopKernelManager`` (``ServerApp.kernel_manager_class``): a learner's memory limit is sized
for one notebook at its peak, and JupyterLab keeps the kernel of every notebook opened. Before a
new kernel starts, idle kernels of other notebooks are shut down, least recently used first,
until the new one fits; its first cell then says which and how much they held.

``MemoryAwareKernelConnection`` (``ServerApp.kernel_websocket_connection_class``): when a kernel
process dies, Jupyter restarts it and the notebook shows only "the kernel appears to have died".
This connection follows which ``execute_request`` the kernel is busy with (its iopub ``status``
messages; Run All sends every cell at once) and, before the "restarting" status, sends a
``stream`` message on that request, so the sentence appears under the cell that was running:

- killed by the kernel's OOM killer inside the server's own memory cgroup (``memory.events`` or
  v1's ``memory.oom_control``: ``oom_kill`` grew): "ran out of memory", with the limit and what
  to do; the cgroup is the one ``/proc/self/cgroup`` names (a container's root, or a local
  learner's cgroup below the hub's);
- killed by another signal (SIGKILL without cgroup evidence: the machine's OOM killer, or a
  process outside): the signal, and that memory is the usual reason;
- any other exit: its code.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from jupyter_client.jsonutil import json_default
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer, default

CGROUP = Path("/sys/fs/cgroup")
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
ADVICE = (
    "Your variables are gone; your saved files are not. To go on: shut down the kernels of "
    "notebooks you are not using (the Running Terminals and Kernels panel on the left), use "
    "smaller sizes in the notebook's parameters cell (NUM_SEQS, SEQ_LENGTH), then run the cells "
    "again from the top."
)


def memory_cgroup(proc: Path = Path("/proc/self"), root: Path = CGROUP) -> Path:
    """The folder of this process's own memory cgroup (cgroup v2, or v1's ``memory``
    hierarchy), from ``/proc/self/cgroup``; ``root`` itself when that cannot be read.

    A Docker container sees its own cgroup as the root (where the path that file names is not
    there, the root is the answer); a local learner's server sits in a cgroup below the hub's
    (``hub/isolation/cgroups.py``), whose files hold its limit."""
    try:
        lines = (proc / "cgroup").read_text().splitlines()
    except OSError:
        return root
    # a container without its own cgroup namespace (Docker on cgroup v1) reads the host's path
    # in /proc/self/cgroup, but has its own cgroup mounted at the root: that path is not there
    v1 = root / "memory"
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(",") and v1.is_dir():
            own = v1 / path.lstrip("/")
            return own if own.is_dir() else v1
    for line in lines:
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0" and not controllers and (root / "cgroup.controllers").exists():
            own = root / path.lstrip("/")
            return own if own.is_dir() else root
    return root


def oom_kills(cgroup: Path | None = None) -> int | None:
    """Processes the kernel OOM-killed in this server's memory cgroup so far (None: unknown)."""
    cgroup = cgroup or memory_cgroup()
    for path in (cgroup / "memory.events", cgroup / "memory.oom_control"):
        try:
            for line in path.read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            continue
    return None


def memory_limit(cgroup: Path | None = None) -> int | None:
    """This server's memory limit in bytes: its cgroup's, else the spawner's ``MEM_LIMIT``."""
    cgroup = cgroup or memory_cgroup()
    for path in (cgroup / "memory.max", cgroup / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    value = os.environ.get("MEM_LIMIT", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _gib(nbytes: int) -> str:
    return f"{nbytes / 2**30:.1f} GiB"


def death_cause(returncode: int | None, oom_killed: bool) -> str:
    """A few words for a kernel that exited with ``returncode``: "out of memory", "killed
    (SIGKILL)", "crashed (SIGSEGV)" or "exited (code 1)" (the instructor's board shows them)."""
    if oom_killed:
        return "out of memory"
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed ({name})" if -returncode == signal.SIGKILL else f"crashed ({name})"
    return f"exited (code {'unknown' if returncode is None else returncode})"


def death_message(returncode: int | None, oom_killed: bool, limit: int | None) -> str:
    """The sentence shown under the cell for a kernel that exited with ``returncode``."""
    if oom_killed:
        where = f"its limit of {_gib(limit)}" if limit else "its memory limit"
        return (
            f"The kernel was stopped because this server ran out of memory: the cell needed "
            f"more than {where}. {ADVICE}"
        )
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if -returncode == signal.SIGKILL:
            return (
                f"The kernel was killed ({name}) while running this cell. On a workshop server "
                f"this almost always means the machine ran out of memory. {ADVICE}"
            )
        return f"The kernel crashed ({name}) while running this cell. {ADVICE}"
    code = "unknown" if returncode is None else returncode
    return f"The kernel exited (code {code}) while running this cell. {ADVICE}"


class MemoryAwareKernelConnection(ZMQChannelsWebsocketConnection):
    """The default kernel websocket connection, plus two sentences under cells: why a kernel
    died (under the cell that was running), and which idle kernels were shut down to make room
    for this one (:class:`WorkshopKernelManager`, under the first cell run)."""

    _last_execute: dict | None = None  # the last cell sent (Run All sends them all at once)
    _running: dict | None = None  # the cell the kernel is executing (its "busy" status)
    _oom_baseline: int | None = None

    def connect(self):
        self._oom_baseline = oom_kills()
        return super().connect()

    def handle_incoming_message(self, incoming_msg) -> None:
        try:
            header, metadata = self._request_of(incoming_msg)
            if header and header.get("msg_type") == "execute_request":
                self._last_execute = header
                self.execute_requested(header, metadata)
                notice = getattr(self.multi_kernel_manager, "take_notice", None)
                text = notice(self.kernel_id) if notice else None
                if text:  # news, not an error: plain output, not a red box
                    self._write_stream("stdout", text, header)
        except Exception:  # never let bookkeeping break the connection
            self.log.debug("could not read an incoming message header", exc_info=True)
        super().handle_incoming_message(incoming_msg)

    def _write_stream(self, name: str, text: str, parent: dict) -> None:
        """A ``stream`` message (``name``: stdout or stderr) shown under the cell of ``parent``."""
        if name == "stderr":
            self.write_stderr(text, parent)
            return
        msg = self.session.msg("stream", {"name": name, "text": text + "\n"}, parent=parent)
        if self.subprotocol == V1_PROTOCOL:
            self.write_message(serialize_msg_to_ws_v1(msg, "iopub", self.session.pack), binary=True)
        else:
            msg["channel"] = "iopub"
            self.write_message(json.dumps(msg, default=json_default))

    def handle_outgoing_message(self, stream, outgoing_msg) -> None:
        try:
            if getattr(stream, "channel", stream) == "iopub":
                self._read_iopub(outgoing_msg)
        except Exception:
            self.log.debug("could not read an outgoing message", exc_info=True)
        super().handle_outgoing_message(stream, outgoing_msg)

    #: iopub message types :meth:`iopub_message` is given (the others are not unpacked)
    iopub_types: frozenset[str] = frozenset({"status"})

    def _read_iopub(self, msg_list) -> None:
        _, parts = self.session.feed_identities(msg_list)
        msg_type = self.session.unpack(parts[1]).get("msg_type")
        if msg_type in self.iopub_types:
            self.iopub_message(
                msg_type, self.session.unpack(parts[2]), self.session.unpack(parts[4])
            )

    def execute_requested(self, header: dict, metadata: dict) -> None:
        """Hook: a cell was sent to run (``header`` of the ``execute_request``; ``metadata``
        carries JupyterLab's ``cellId``). Subclasses record it; this one does nothing."""

    def iopub_message(self, msg_type: str, parent: dict, content: dict) -> None:
        """An iopub message of a type in :attr:`iopub_types` (``parent``: the header of the
        request it answers). This class follows ``status`` to know which cell is running."""
        if msg_type == "status":
            self._follow_status(parent, content.get("execution_state"))

    def kernel_died(self, why: str, cause: str, cell: dict | None) -> None:
        """Hook: the kernel died; ``why`` is the sentence shown under ``cell`` (the header of
        the ``execute_request`` that was running, or None), ``cause`` its few words
        (:func:`death_cause`). Subclasses record it."""

    def _follow_status(self, parent: dict, state: str | None) -> None:
        """Remember which execute request the kernel is busy with (its iopub ``status``)."""
        if parent.get("msg_type") != "execute_request":
            return
        if state == "busy":
            self._running = parent
        elif (
            state == "idle"
            and self._running
            and self._running.get("msg_id") == parent.get("msg_id")
        ):
            self._running = None

    def _request_of(self, ws_msg) -> tuple[dict | None, dict]:
        """The header and metadata of a shell message from the browser (None, {}: another
        channel)."""
        if self.subprotocol == V1_PROTOCOL:
            channel, msg_list = deserialize_msg_from_ws_v1(ws_msg)
            if channel != "shell":
                return None, {}
            header = self.session.unpack(msg_list[0])
            if header.get("msg_type") != "execute_request":
                return header, {}
            return header, self.session.unpack(msg_list[2])
        if isinstance(ws_msg, bytes):
            return None, {}
        msg = json.loads(ws_msg)
        if msg.get("channel", "shell") != "shell":
            return None, {}
        return msg.get("header"), msg.get("metadata") or {}

    def on_kernel_restarted(self) -> None:
        try:
            self._tell_why()
        except Exception:
            self.log.warning("could not explain the kernel's death", exc_info=True)
        super().on_kernel_restarted()

    def _tell_why(self) -> None:
        process = getattr(getattr(self.kernel_manager, "provisioner", None), "process", None)
        returncode = process.poll() if process is not None else None
        kills = oom_kills()
        oom = kills is not None and kills > (self._oom_baseline or 0)
        self._oom_baseline = kills
        text = death_message(returncode, oom, memory_limit())
        self.log.warning("kernel %s died (exit %s, OOM %s)", self.kernel_id, returncode, oom)
        cell = self._running or self._last_execute
        self._running = self._last_execute = None
        self.kernel_died(text, death_cause(returncode, oom), cell)
        if cell is not None:
            self.write_stderr(text, cell)


def tree_rss(pid: int) -> int:
    """Resident bytes of process ``pid`` and all its descendants (0 when it is gone)."""
    import psutil  # ipykernel's dependency, in every kernel environment

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


class WorkshopKernelManager(AsyncMappingKernelManager):
    """Kernels that fit the learner's memory: before a new kernel starts, idle kernels of other
    notebooks are shut down, least recently used first, while the memory this server holds
    plus ``kernel_need`` would exceed the server's limit (:func:`memory_limit`).

    A learner's limit is sized for one notebook at its peak (``hub/capacity.py``); JupyterLab
    keeps every opened notebook's kernel, so a learner who goes from the tutorial to the extras
    would otherwise run two at once and be killed mid-cell. Busy kernels are never shut down.
    The new notebook's first cell says which kernels were shut down and how much they held;
    their notebooks and outputs are saved files and stay as they were.
    """

    kernel_need = Integer(
        help="Bytes one notebook's kernel may need at its peak (the spawner sets "
        "WORKSHOP_KERNEL_NEED from the hub's measured figure); 0 turns the policy off."
    ).tag(config=True)

    @default("kernel_need")
    def _default_kernel_need(self):
        value = os.environ.get("WORKSHOP_KERNEL_NEED", "")
        return int(value) if value.isdigit() else 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._notebooks: dict[str, str] = {}
        self._notices: dict[str, str] = {}

    async def start_kernel(self, *, kernel_id=None, path=None, **kwargs):
        freed = []
        if kernel_id is None or kernel_id not in self:
            freed = await self.make_room()
        kernel_id = await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        session_name = (kwargs.get("env") or {}).get("JPY_SESSION_NAME")
        if session_name:
            self._notebooks[kernel_id] = session_name
        if freed:
            self._notices[kernel_id] = room_message(freed, self.kernel_need, memory_limit())
        return kernel_id

    def remove_kernel(self, kernel_id):
        self._notebooks.pop(kernel_id, None)
        self._notices.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    def notebook_of(self, kernel_id: str) -> str | None:
        """The file path of the notebook this kernel was started for (None: not known)."""
        return self._notebooks.get(kernel_id)

    def take_notice(self, kernel_id: str) -> str | None:
        """The sentence for this kernel's first cell, once."""
        return self._notices.pop(kernel_id, None)

    async def make_room(self) -> list[tuple[str, int]]:
        """Shut down idle kernels until a new one fits; returns ``[(notebook, bytes held)]``."""
        limit = memory_limit()
        if not self.kernel_need or not limit:
            return []
        held = tree_rss(os.getpid())
        if held + self.kernel_need <= limit:
            return []
        idle = []
        for kernel_id in self.list_kernel_ids():
            kernel = self.get_kernel(kernel_id)
            if getattr(kernel, "execution_state", "") == "busy":
                continue
            process = getattr(getattr(kernel, "provisioner", None), "process", None)
            rss = tree_rss(process.pid) if process is not None else 0
            idle.append((getattr(kernel, "last_activity", None), kernel_id, rss))
        idle.sort(key=lambda item: (item[0] is not None, item[0]))
        freed = []
        for _, kernel_id, rss in idle:
            if held + self.kernel_need <= limit:
                break
            path = self._notebooks.get(kernel_id)
            name = os.path.basename(path) if path else f"kernel {kernel_id[:8]}"
            self.log.warning("shutting down the idle kernel of %s (%s) to make room", name, rss)
            await self.shutdown_kernel(kernel_id)
            held -= rss
            freed.append((name, rss))
        return freed


def room_message(freed: list[tuple[str, int]], need: int, limit: int | None) -> str:
    """The sentence under a new notebook's first cell when kernels were shut down for it."""
    names = ", ".join(f"{name} ({_gib(rss)})" for name, rss in freed)
    where = f"your {_gib(limit)}" if limit else "your memory"
    return (
        f"To make room for this notebook (up to {_gib(need)} at its peak within {where}), "
        f"the idle kernel of {names} was shut down. That notebook and its outputs are saved: "
        "to go on there later, open it and run its cells again from the top."
    )
