"""Peak-memory measurement shared by the memory benchmarks (not a benchmark itself).

``PeakRss`` samples the resident set of this process (``/proc/self/statm``) every 2 ms on a
thread and reports its peak growth over the size at start: real memory, numpy, Python objects
and native libraries alike, which tracemalloc alone would miss.
"""

from __future__ import annotations

import os
import threading
import time


class PeakRss:
    """Peak growth of the resident set over its size at start, sampled every 2 ms."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.start = self.peak = self._rss()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _rss(self) -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * self.page

    def _loop(self) -> None:
        while self.running:
            self.peak = max(self.peak, self._rss())
            time.sleep(0.002)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self._rss())
        return self.peak - self.start


def mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"
