"""The capacity check: class_size x what one learner needs against the machine's usable memory."""

from __future__ import annotations

import pytest

from hub.capacity import FULL_SIZE, MEASURED_NEED_MIB, SMALL_SIZE, USABLE_FRACTION, check_capacity
from hub.settings import WorkshopSettings

GIB = 2**30


def test_a_class_that_fits_is_reported_with_its_headroom():
    cap = check_capacity(5, 3 * GIB, 24 * GIB)
    assert cap.fits
    assert cap.usable_bytes == int(0.85 * 24 * GIB)
    assert cap.largest_class == 6  # 20.4 GiB usable / 3 GiB
    assert "fits (room for 6 learners)" in cap.message


def test_the_issue_case_fails_and_names_the_largest_class_and_the_options():
    # a class of 30 on a 24 GB host with the measured need (the old default promised 682M each)
    need = MEASURED_NEED_MIB[FULL_SIZE] * 2**20
    cap = check_capacity(30, need, 24 * GIB)
    assert not cap.fits
    assert cap.largest_class == 5  # 20.4 GiB usable / 3.75 GiB
    msg = cap.message
    assert "class of 30 x 3.75 GiB per learner = 112.5 GiB" in msg
    assert "this machine can hold 5 learners" in msg
    assert "settings set class_size 5" in msg
    assert f"NUM_SEQS = {SMALL_SIZE:,} needs 3.5 GiB per learner, so 5 fit" in msg
    assert "--spawner docker" in msg and "mem_limit" in msg  # Docker limits
    assert "133 GiB of RAM or more for 30 learners" in msg  # a bigger host: 112.5 / 0.85


def test_exactly_full_fits_and_one_more_does_not():
    learner = 2 * GIB
    total = int(10 * learner / USABLE_FRACTION) + 1
    assert check_capacity(10, learner, total).fits
    assert not check_capacity(11, learner, total).fits


def test_a_machine_too_small_for_one_learner_says_zero():
    cap = check_capacity(1, 3 * GIB, 2 * GIB)
    assert not cap.fits and cap.largest_class == 0
    assert "can hold 0 learners" in cap.message


@pytest.mark.parametrize("args", [(0, GIB, GIB), (1, 0, GIB), (1, GIB, 0)])
def test_nonsense_inputs_are_refused_in_words(args):
    with pytest.raises(ValueError, match="at least 1|must be positive"):
        check_capacity(*args)


def test_settings_use_the_measured_need_and_the_limit_follows_it(tmp_path):
    s = WorkshopSettings.load(tmp_path, environ={})
    assert s.learner_memory_bytes == max(MEASURED_NEED_MIB.values()) * 2**20
    assert s.mem_limit_bytes == s.learner_memory_bytes  # the default never kills the tutorial
    s = WorkshopSettings.load(
        tmp_path, overrides={"learner_memory": "2G", "class_size": 4}, environ={}
    )
    assert s.mem_limit == "2G"
    assert s.capacity(total_bytes=16 * GIB).fits
    assert not s.capacity(total_bytes=8 * GIB).fits  # 4 x 2 GiB > 6.8 GiB usable
    with pytest.raises(ValueError, match="learner_memory must be at least 256M"):
        WorkshopSettings.load(tmp_path, overrides={"learner_memory": "100M"}, environ={})
