"""Node states defined once: the sets derive from the enum."""

from __future__ import annotations

from ingest.jobtree.states import LIVE_STATES, PENDING_STATES, TERMINAL_STATES, NodeState


def test_every_state_is_live_or_terminal_and_pending_is_live_but_not_running():
    assert LIVE_STATES == ("queued", "waiting", "running", "retrying")
    assert {state.value for state in TERMINAL_STATES} == {"done", "skipped", "failed", "cancelled"}
    assert all(state.live is not state.terminal for state in NodeState)
    assert PENDING_STATES == (NodeState.QUEUED, NodeState.WAITING, NodeState.RETRYING)
