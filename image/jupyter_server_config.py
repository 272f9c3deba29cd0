"""Jupyter server settings of every learner's server: /etc/jupyter in the image, and found through
``JUPYTER_CONFIG_PATH`` by the local spawner's servers (hub/spawners/local.py), so both spawners
behave alike.

Idle kernels are shut down so that a forgotten notebook tab frees its memory (and, on GPU hosts,
the GPU memory TensorFlow holds). The hub's idle culler stops whole servers; this culls kernels
inside a running server. Timeouts are in seconds and can be changed per deployment through the
environment (the spawners pass ``WORKSHOP_KERNEL_CULL_*``).

A kernel that dies (most often for lack of memory) is explained in words under the cell that was
running, and a new kernel that would not fit beside the idle ones makes room by shutting them
down (``workshop_kernels.py``, beside this file). The workshop API (``workshop_classroom/``) reports
the learner's progress, "I'm stuck" and notices to the instructor's board and the lab extension.
"""

import os
import sys

c = get_config()  # noqa: F821 - injected by Jupyter's config loader

# A kernel idle for this long is shut down; 0 disables culling.
c.MappingKernelManager.cull_idle_timeout = int(os.environ.get("WORKSHOP_KERNEL_CULL_IDLE", "3600"))
c.MappingKernelManager.cull_interval = int(os.environ.get("WORKSHOP_KERNEL_CULL_INTERVAL", "300"))
# Cull idle kernels even when a browser tab is still attached (tabs are often left open), but never
# a busy kernel: long training runs must survive.
c.MappingKernelManager.cull_connected = True
c.MappingKernelManager.cull_busy = False
# Terminals left open are closed after the same idle time.
c.TerminalManager.cull_inactive_timeout = c.MappingKernelManager.cull_idle_timeout
c.TerminalManager.cull_interval = c.MappingKernelManager.cull_interval

# "The kernel died" becomes a sentence under the running cell saying why and what to do.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# ... and the same connection tells the workshop API (workshop_classroom/, beside this file) which
# cell runs, what it printed and raised, and that the kernel died: the instructor's board reads
# it from api/workshop/state, with "I'm stuck" and the notices the lab extension shows.
c.ServerApp.kernel_websocket_connection_class = (
    "workshop_classroom.connection.ClassroomKernelConnection"
)
c.ServerApp.jpserver_extensions.update({"workshop_classroom": True})
# A learner's memory is sized for one notebook at its peak: opening the next notebook shuts down
# the idle kernels of the others until the new one fits (and its first cell says so).
c.ServerApp.kernel_manager_class = "workshop_kernels.WorkshopKernelManager"
