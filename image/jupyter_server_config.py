"""Jupyter server settings baked into the workshop image (/etc/jupyter).

Idle kernels are shut down so that a forgotten notebook tab frees its memory (and, on GPU hosts,
the GPU memory TensorFlow holds). The hub's idle culler stops whole servers; this culls kernels
inside a running server. Timeouts are in seconds and can be changed per deployment through the
environment (DockerSpawner passes ``WORKSHOP_KERNEL_CULL_*``).
"""

import os

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
