"""The tally's Lua and `ingest.jobtree.states` agree on which node states are live, checked
against a real redis-server for every state."""

from __future__ import annotations

import pytest

from ingest.jobtree.states import LIVE_STATES, NodeState
from ingest.jobtree.tally import TallyNode

EVERY_STATE = pytest.mark.parametrize("state", list(NodeState), ids=lambda state: state.value)


@EVERY_STATE
def test_a_node_moved_into_a_state_is_live_to_the_scripts_exactly_when_python_says_so(tally, client, state):
    tally.add("j", [TallyNode("n", NodeState.QUEUED.value, 0, "page", document="fields")])
    move = tally.move("j", "n", state.value)
    assert move.moved
    assert move.live == (1 if state.live else 0)
    assert bool(client.hexists(tally.documents_key("j"), "n")) is state.live, "an ended node gives up its document"
    assert (state.value in LIVE_STATES) is state.live
    assert tally.counts("j").live == move.live


@EVERY_STATE
def test_a_node_added_in_a_state_is_live_to_the_scripts_exactly_when_python_says_so(tally, client, state):
    tally.add("j", [TallyNode("n", state.value, 0, "page", document="fields")])
    assert bool(client.hexists(tally.documents_key("j"), "n")) is state.live
    assert tally.move("j", "n", state.value, [state.value]).live == (1 if state.live else 0)
