"""Node states defined once: the sets derive from the enum, and the tally's Lua names no state
but through the definitions put before it."""

from __future__ import annotations

import re
from pathlib import Path

import ingest.jobtree.tally
from ingest.jobtree.states import LIVE_STATES, PENDING_STATES, TERMINAL_STATES, NodeState
from ingest.jobtree.tally.redis_tally import STATES_LUA


def test_every_state_is_live_or_terminal_and_pending_is_live_but_not_running():
    assert LIVE_STATES == ("queued", "waiting", "running", "retrying")
    assert {state.value for state in TERMINAL_STATES} == {"done", "skipped", "failed", "cancelled"}
    assert all(state.live is not state.terminal for state in NodeState)
    assert PENDING_STATES == (NodeState.QUEUED, NodeState.WAITING, NodeState.RETRYING)


def test_the_lua_is_given_the_live_states_and_running_from_python():
    live = re.search(r"^local LIVE = \{(.*)\}$", STATES_LUA, re.MULTILINE)
    assert live is not None
    assert re.findall(r'\["(\w+)"\] = true', live.group(1)) == list(LIVE_STATES)
    assert 'local RUNNING = "running"' in STATES_LUA


def test_no_tally_script_names_a_state_itself():
    scripts = sorted(Path(ingest.jobtree.tally.__file__).parent.glob("*.lua"))
    assert scripts
    for script in scripts:
        text = script.read_text("utf-8")
        named = [state.value for state in NodeState if re.search(rf"['\"]{state.value}['\"]|\b{state.value} =", text)]
        assert named == [], f"{script.name} names {named}; use LIVE or RUNNING from STATES_LUA"
