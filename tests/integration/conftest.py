"""Tests against the running stack (see tests/running_stack.py)."""

import pytest

from tests.running_stack import celery_app, settings, supervisor  # noqa: F401  (fixtures)
from tests.sandbox_admin import SandboxAdmin


@pytest.fixture()
def sandbox(settings):
    """The stack's sandbox, its scenario and counters reset before and after the test."""
    client = SandboxAdmin(settings.sandbox_url)
    client.reset()
    yield client
    client.reset()
