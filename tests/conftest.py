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


def _hypothesis_profiles() -> None:
    """Property tests draw the same examples every run, so a red CI means a real change;
    HYPOTHESIS_PROFILE=explore draws new ones (and keeps failures in .hypothesis/)."""
    try:
        from hypothesis import settings
    except ImportError:  # the dev extra installs it; without it, only the property tests fail
        return
    settings.register_profile("repeatable", derandomize=True, deadline=None, database=None)
    settings.register_profile("explore", deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


_hypothesis_profiles()


@pytest.fixture
def artifacts(request) -> Path:
    """A folder for the test's screenshots: ``test-artifacts/<test>/`` (or under
    ``WORKSHOP_TEST_ARTIFACTS``), ignored by git, kept after the run; its path is printed."""
    root = Path(os.environ.get("WORKSHOP_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
    path = root / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path


@pytest.fixture
def stopping_rules(monkeypatch) -> list:
    """Every ``recipe.StoppingRule`` built while the test runs, in order: the rule a training
    really used, so a test can hold text (a tooltip, a notebook) to it."""
    from tutorial_utils import recipe

    rules = []

    class Recorded(recipe.StoppingRule):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            rules.append(self)

    monkeypatch.setattr(recipe, "StoppingRule", Recorded)
    return rules
