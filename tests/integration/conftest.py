"""Tests against the running stack (see tests/running_stack.py)."""

from tests.running_stack import celery_app, settings, supervisor  # noqa: F401  (fixtures)
