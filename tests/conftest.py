"""Shared test set-up: headless plotting, quiet TensorFlow, a repo-root fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def artifacts(request) -> Path:
    """A folder for the test's screenshots: ``test-artifacts/<test>/`` (or under
    ``WORKSHOP_TEST_ARTIFACTS``), ignored by git, kept after the run; its path is printed."""
    root = Path(os.environ.get("WORKSHOP_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
    path = root / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path
