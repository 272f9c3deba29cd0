"""The local spawner never hands one port to two starting servers (hub_load's lost learner)."""

from __future__ import annotations

import hub.spawners.local as local_spawner
from hub.spawners.local import WorkshopLocalSpawner


def test_a_port_drawn_twice_is_not_given_to_a_second_server(monkeypatch):
    # the kernel's free-port answer repeats while the first server has not bound it yet
    draws = iter([41000, 41000, 41000, 41001])
    monkeypatch.setattr(local_spawner, "random_port", lambda: next(draws))
    monkeypatch.setattr(WorkshopLocalSpawner, "_ports_taken", set())
    first = WorkshopLocalSpawner._unique_port(WorkshopLocalSpawner.__new__(WorkshopLocalSpawner))
    second = WorkshopLocalSpawner._unique_port(WorkshopLocalSpawner.__new__(WorkshopLocalSpawner))
    assert (first, second) == (41000, 41001)
    WorkshopLocalSpawner._ports_taken.discard(first)  # a stopped server gives its port back
    assert 41000 not in WorkshopLocalSpawner._ports_taken
