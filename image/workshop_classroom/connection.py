"""The kernel websocket connection of every learner's server (``ServerApp.
kernel_websocket_connection_class``): the image's :class:`MemoryAwareKernelConnection`
(why a kernel died, under its cell) that also tells the server's :class:`ClassroomState` what
it relays: which cell was sent (JupyterLab's ``cellId``), which one runs, what it printed,
which error it raised, and that the kernel died (with the same sentence the learner reads).
"""

from __future__ import annotations

from workshop_kernels import MemoryAwareKernelConnection

SETTINGS_KEY = "workshop_classroom"  # the ClassroomState in the web app's settings


class ClassroomKernelConnection(MemoryAwareKernelConnection):
    """Kernel connection that records a learner's progress (see module docstring)."""

    iopub_types = frozenset({"status", "error", "stream", "execute_result"})

    @property
    def classroom(self):
        """The server's ClassroomState (None when the extension is not loaded)."""
        return self.websocket_handler.settings.get(SETTINGS_KEY)

    def execute_requested(self, header: dict, metadata: dict) -> None:
        state = self.classroom
        if state is None:
            return
        notebook_of = getattr(self.multi_kernel_manager, "notebook_of", None)
        notebook = notebook_of(self.kernel_id) if notebook_of else None
        state.execute_requested(self.kernel_id, notebook, header.get("msg_id"),
                                metadata.get("cellId"))  # fmt: skip

    def iopub_message(self, msg_type: str, parent: dict, content: dict) -> None:
        super().iopub_message(msg_type, parent, content)
        state = self.classroom
        if state is not None:
            state.kernel_message(self.kernel_id, msg_type, parent.get("msg_id"), content)

    def kernel_died(self, why: str, cause: str, cell: dict | None) -> None:
        state = self.classroom
        if state is not None:
            state.kernel_died(self.kernel_id, why, cause)
