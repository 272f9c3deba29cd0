"""Tell the learner in words why their kernel died, in the cell that was running.

When a kernel process dies, Jupyter restarts it and the notebook shows only "the kernel appears
to have died". On a workshop server the usual cause is memory: the container's limit (Docker)
or the machine (local processes), and the cell that was running gets no hint of it. This
websocket connection class (``ServerApp.kernel_websocket_connection_class``, set in
``jupyter_server_config.py`` beside this file) remembers the last ``execute_request`` of each
notebook tab; when the kernel dies it sends, before the "restarting" status, a ``stream``
message on that request, so the sentence appears under the cell:

- killed by the kernel's OOM killer inside the server's memory cgroup (``memory.events``
  ``oom_kill`` grew): "ran out of memory", with the limit and what to do;
- killed by another signal (SIGKILL without cgroup evidence: the machine's OOM killer, or a
  process outside): the signal, and that memory is the usual reason;
- any other exit: its code.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

try:
    from jupyter_client.jsonutil import json_default
except ImportError:  # older jupyter_client
    from jupyter_client.jsonutil import date_default as json_default

CGROUP = Path("/sys/fs/cgroup")
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
ADVICE = (
    "Your variables are gone; your saved files are not. To go on: shut down the kernels of "
    "notebooks you are not using (the Running Terminals and Kernels panel on the left), use "
    "smaller sizes in the notebook's parameters cell (NUM_SEQS, SEQ_LENGTH), then run the cells "
    "again from the top."
)


def oom_kills(root: Path = CGROUP) -> int | None:
    """Processes the kernel OOM-killed in this server's memory cgroup so far (None: unknown)."""
    for path, key in ((root / "memory.events", "oom_kill"), (root / "memory" / "memory.oom_control", "oom_kill")):  # fmt: skip
        try:
            for line in path.read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
        except (OSError, ValueError):
            continue
    return None


def memory_limit(root: Path = CGROUP) -> int | None:
    """This server's memory limit in bytes: its cgroup's, else the spawner's ``MEM_LIMIT``."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
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
    """The default kernel websocket connection, plus the sentence above when a kernel dies."""

    _last_execute: dict | None = None
    _oom_baseline: int | None = None

    def connect(self):
        self._oom_baseline = oom_kills()
        return super().connect()

    def handle_incoming_message(self, incoming_msg) -> None:
        try:
            header = self._header_of(incoming_msg)
            if header and header.get("msg_type") == "execute_request":
                self._last_execute = header
        except Exception:  # never let bookkeeping break the connection
            self.log.debug("could not read an incoming message header", exc_info=True)
        super().handle_incoming_message(incoming_msg)

    def _header_of(self, ws_msg) -> dict | None:
        if self.subprotocol == V1_PROTOCOL:
            channel, msg_list = deserialize_msg_from_ws_v1(ws_msg)
            return self.session.unpack(msg_list[0]) if channel == "shell" else None
        if isinstance(ws_msg, bytes):
            return None
        msg = json.loads(ws_msg)
        return msg.get("header") if msg.get("channel", "shell") == "shell" else None

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
        if self._last_execute is None:
            return
        msg = self.session.msg(
            "stream", {"name": "stderr", "text": text + "\n"}, parent=self._last_execute
        )
        if self.subprotocol == V1_PROTOCOL:
            self.write_message(serialize_msg_to_ws_v1(msg, "iopub", self.session.pack), binary=True)
        else:
            msg["channel"] = "iopub"
            self.write_message(json.dumps(msg, default=json_default))
        self._last_execute = None
