"""Where the checkout is: the repository root that the hub reads its parts from (``image/``,
``notebooks/``, ``terraform/``, ``hub/workshop``)."""

from pathlib import Path

#: the checkout (or the cloud host's bundle) that holds ``hub/``
REPO_ROOT = Path(__file__).resolve().parents[1]
