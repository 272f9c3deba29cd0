"""``python -m hub.die_with_parent COMMAND [ARGS...]``: run COMMAND so that it gets SIGTERM when
the process that started it dies, even by ``kill -9`` (Linux ``PR_SET_PDEATHSIG``, kept across
``exec``). The hub starts its idle culler this way: a hub that crashed and was started again must
not find the old culler still running beside the new one.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m hub.die_with_parent COMMAND [ARGS...]", file=sys.stderr)
        return 2
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        print("hub.die_with_parent: prctl failed; running without it", file=sys.stderr)
    if os.getppid() != parent:  # the parent died before prctl took effect
        return 0
    os.execvp(argv[1], argv[1:])
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv))
