"""Print the tutorial package's runtime requirements, one per line, for ``pip install -r``.

Usage: ``python3 pyproject_deps.py pyproject.toml > requirements.txt``.

TensorFlow is left out on purpose: the image installs the variant it is built for
(``tensorflow-cpu`` or ``tensorflow[and-cuda]``) in its own cached layer, and pip would otherwise
add the full ``tensorflow`` distribution beside ``tensorflow-cpu`` (a different name to pip).
"""

from __future__ import annotations

import re
import sys
import tomllib

TENSORFLOW_NAMES = {"tensorflow", "tensorflow-cpu"}


def requirements(pyproject: str) -> list[str]:
    """Return ``[project].dependencies`` of ``pyproject`` without the TensorFlow entries."""
    with open(pyproject, "rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    kept = []
    for dep in deps:
        name = re.match(r"[A-Za-z0-9._-]+", dep).group(0).lower().replace("_", "-")
        if name not in TENSORFLOW_NAMES:
            kept.append(dep)
    return kept


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pyproject_deps.py PYPROJECT_TOML")
    print("\n".join(requirements(sys.argv[1])))
