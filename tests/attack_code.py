"""Code a learner could run in their kernel to attack the room, shared by the local
(``test_attacks.py``) and Docker (``test_docker_hardening.py``) attack tests."""

from __future__ import annotations

# another learner's cell while the attack runs: writes 1 MB to their home, prints the size
WRITE_A_MEGABYTE = (
    "import os; open('w.txt', 'w').write('z' * 10**6); print(os.path.getsize('w.txt'))"
)


def disk_filler(paths: list[str]) -> str:
    """Kernel code that writes 1 MiB chunks to each of ``paths`` until an error or 1 GiB,
    removes what it wrote, and prints JSON {path: [MiB written, errno or null]}."""
    return (
        "import json, os\n"
        "def fill(path):\n"
        "    written, chunk = 0, b'x' * 2**20\n"
        "    try:\n"
        "        with open(path, 'wb') as f:\n"
        "            while written < 2**30:\n"
        "                f.write(chunk); f.flush(); written += len(chunk)\n"
        "    except OSError as e:\n"
        "        return [written // 2**20, e.errno]\n"
        "    return [written // 2**20, None]\n"
        f"result = {{p: fill(p) for p in {list(paths)!r}}}\n"
        "for p in result:\n"
        "    if os.path.exists(p):\n"
        "        os.remove(p)\n"
        "print(json.dumps(result))"
    )
