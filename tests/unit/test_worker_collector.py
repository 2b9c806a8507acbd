"""A worker paces the garbage collector for records: many short-lived containers, no cycles."""

from __future__ import annotations

import gc

from celery.signals import worker_process_init, worker_ready

from workers import tasks


def test_a_ready_worker_or_pool_process_freezes_its_start_and_collects_every_20000_new_containers():
    assert all(tasks._pace_the_collector in signal._live_receivers(None)
               for signal in (worker_ready, worker_process_init))
    before = gc.get_threshold()
    gc.unfreeze()
    try:
        tasks._pace_the_collector()
        assert gc.get_threshold() == tasks.COLLECTOR_THRESHOLDS == (20_000, 10, 10)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
