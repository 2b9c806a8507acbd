"""Browser tests against the running stack (see tests/running_stack.py)."""

from tests.running_stack import settings  # noqa: F401  (fixture)
