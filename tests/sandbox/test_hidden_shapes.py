"""Each shape of hidden limit refuses exactly the requests it should, over HTTP, on a clock the
test moves (the concurrency cap excepted: there, real overlapping requests are the point)."""

from __future__ import annotations

import math
import threading
import time

import pytest
import requests

MAXITEM = "/hn/v0/maxitem.json"
ITEM = "/hn/v0/item/1.json"


def _hidden(sandbox, *rules: dict, **api_settings) -> None:
    sandbox.scenario({"apis": {"hn": {"hidden_limits": list(rules), **api_settings}}})


def _statuses(sandbox, count: int, path: str = MAXITEM) -> list[int]:
    return [sandbox.get(path).status_code for _ in range(count)]


def _into_window(sandbox, window: float, offset: float) -> None:
    """Move the clock to `offset` seconds into the next aligned window of `window` seconds."""
    now = sandbox.clock.monotonic()
    sandbox.clock.advance(math.floor(now / window) * window + window + offset - now)


def _rule_tally(sandbox, index: int = 0) -> dict:
    return sandbox.counters()["hidden_rules"]["hn"][index]


def test_fixed_window_counts_refused_requests_and_starts_afresh_at_its_edge(sandbox):
    _hidden(sandbox, {"shape": "fixed_window", "limit": 3, "window": 10})
    _into_window(sandbox, 10, 9.0)
    assert _statuses(sandbox, 5) == [200, 200, 200, 429, 429]
    sandbox.clock.advance(1.5)
    assert _statuses(sandbox, 4) == [200, 200, 200, 429], "a new window, whatever came just before"


def test_sliding_window_holds_across_the_edge_and_counts_accepted_requests_only(sandbox):
    _hidden(sandbox, {"shape": "sliding_window", "limit": 3, "window": 10, "status": 503})
    _into_window(sandbox, 10, 0.5)
    assert _statuses(sandbox, 2) == [200, 200]
    sandbox.clock.advance(8.5)
    assert _statuses(sandbox, 4) == [200, 503, 503, 503]
    sandbox.clock.advance(1.0)
    assert _statuses(sandbox, 1) == [503], "where a fixed window would start afresh, 3 of the last 10 s stand"
    sandbox.clock.advance(0.6)
    assert _statuses(sandbox, 3) == [200, 200, 503], "the two from 10 s ago left; the refused never counted"
    sandbox.clock.advance(9.0)
    assert _statuses(sandbox, 2) == [200, 503]
    assert _rule_tally(sandbox) == {"shape": "sliding_window", "accepted": 6, "refused": 6,
                                    "in_flight": 0, "peak_in_flight": 1}


def test_token_bucket_starts_full_and_refills_at_its_rate(sandbox):
    _hidden(sandbox, {"shape": "token_bucket", "rate": 2, "burst": 3})
    assert _statuses(sandbox, 4) == [200, 200, 200, 429]
    sandbox.clock.advance(0.5)
    assert _statuses(sandbox, 2) == [200, 429]
    sandbox.clock.advance(0.25)
    assert _statuses(sandbox, 1) == [429], "half a token"
    sandbox.clock.advance(0.25)
    assert _statuses(sandbox, 1) == [200]
    sandbox.clock.advance(60)
    assert _statuses(sandbox, 4) == [200, 200, 200, 429], "the bucket holds no more than its burst"


def test_routes_limit_only_their_group_of_endpoints(sandbox):
    _hidden(sandbox, {"limit": 1, "window": 10, "routes": ["/v0/item/"]})
    _into_window(sandbox, 10, 1.0)
    assert _statuses(sandbox, 3, ITEM) == [200, 429, 429]
    assert _statuses(sandbox, 3, MAXITEM) == [200, 200, 200]
    assert _rule_tally(sandbox)["accepted"] + _rule_tally(sandbox)["refused"] == 3


def test_time_and_limit_scale_apply_to_every_shape(sandbox):
    sandbox.scenario({"time_scale": 10, "limit_scale": 0.5, "apis": {"hn": {"hidden_limits": [
        {"shape": "sliding_window", "limit": 4, "window": 10, "routes": ["/v0/item/"]},
        {"shape": "token_bucket", "rate": 1, "burst": 4, "routes": ["/v0/maxitem"]},
    ]}}})
    assert _statuses(sandbox, 3, ITEM) == [200, 200, 429], "limit 2 per 1 s"
    sandbox.clock.advance(1.1)
    assert _statuses(sandbox, 3, ITEM) == [200, 200, 429]
    assert _statuses(sandbox, 3, MAXITEM) == [200, 200, 429], "burst 2"
    sandbox.clock.advance(0.2)
    assert _statuses(sandbox, 2, MAXITEM) == [200, 429], "5 tokens per second"


def test_a_halved_then_doubled_limit_takes_effect_at_once_and_keeps_the_rules_state(sandbox):
    _hidden(sandbox, {"shape": "token_bucket", "rate": 4, "burst": 4})
    assert _statuses(sandbox, 3) == [200, 200, 200]
    _hidden(sandbox, {"shape": "token_bucket", "rate": 2, "burst": 2})
    assert _statuses(sandbox, 2) == [200, 429], "the one token left carries over"
    sandbox.clock.advance(1.0)
    _hidden(sandbox, {"shape": "token_bucket", "rate": 4, "burst": 4})
    assert _statuses(sandbox, 3) == [200, 200, 429], "2 earned at the old rate; no free refill"
    sandbox.clock.advance(0.5)
    assert _statuses(sandbox, 3) == [200, 200, 429]
    assert _rule_tally(sandbox)["accepted"] == 8, "the rule's tallies carry over too"
    _hidden(sandbox, {"shape": "sliding_window", "limit": 2, "window": 10})
    assert _statuses(sandbox, 3) == [200, 200, 429], "another shape starts afresh"


def test_slowdown_delays_answers_as_the_rule_nears_its_limit(sandbox):
    _hidden(sandbox, {"shape": "fixed_window", "limit": 4, "window": 10, "slowdown": 0.4})
    _into_window(sandbox, 10, 1.0)
    answers = [sandbox.get(MAXITEM) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    elapsed = [a.elapsed.total_seconds() for a in answers]
    assert elapsed[0] < 0.15 and elapsed[1] < 0.15, "at a quarter and a half of the limit: no delay"
    assert 0.2 <= elapsed[2] < 0.35, "three quarters: half the slowdown"
    assert 0.4 <= elapsed[3] < 0.55, "the last one the window allows: all of it"
    assert elapsed[4] < 0.15, "a refusal comes at once"


def _in_background(sandbox, path: str, results: list) -> threading.Thread:
    def run() -> None:
        results.append(requests.get(sandbox.url + path, timeout=10).status_code)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_in_flight(sandbox, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while _rule_tally(sandbox)["in_flight"] != count:
        if time.monotonic() > deadline:
            raise AssertionError(f"in flight {_rule_tally(sandbox)['in_flight']}, expected {count}")
        time.sleep(0.01)


def test_concurrency_refuses_one_more_at_once_and_accepts_again_when_one_ends(sandbox):
    _hidden(sandbox, {"shape": "concurrency", "limit": 2}, latency={"fixed": 0.6})
    results: list[int] = []
    first = _in_background(sandbox, MAXITEM, results)
    _wait_in_flight(sandbox, 1)
    time.sleep(0.3)
    second = _in_background(sandbox, MAXITEM, results)
    _wait_in_flight(sandbox, 2)
    third = sandbox.get(MAXITEM)
    assert third.status_code == 429 and third.elapsed.total_seconds() < 0.3
    first.join()
    _wait_in_flight(sandbox, 1)
    fourth = sandbox.get(MAXITEM)
    second.join()
    assert results == [200, 200] and fourth.status_code == 200
    assert _rule_tally(sandbox) == {"shape": "concurrency", "accepted": 3, "refused": 1,
                                    "in_flight": 0, "peak_in_flight": 2}
    assert sandbox.counters()["hidden_refusals"]["hn"] == 1


@pytest.mark.parametrize("fault", [{"drop": 1.0}, {"hang": {"rate": 1.0, "seconds": 0.1}},
                                   {"errors": {"502": 1.0}}])
def test_concurrency_gives_the_slot_back_on_a_fault(sandbox, fault):
    _hidden(sandbox, {"shape": "concurrency", "limit": 1}, **fault)
    for _ in range(2):
        try:
            sandbox.get(MAXITEM, timeout=5)
        except requests.ConnectionError:
            pass
        _wait_in_flight(sandbox, 0)
    assert _rule_tally(sandbox)["accepted"] == 2


def test_concurrency_gives_the_slot_back_when_the_client_leaves(sandbox):
    _hidden(sandbox, {"shape": "concurrency", "limit": 1}, latency={"fixed": 0.3})
    with pytest.raises(requests.ReadTimeout):
        sandbox.get(MAXITEM, timeout=0.05)
    _wait_in_flight(sandbox, 0)
    assert sandbox.get(MAXITEM).status_code == 200


def test_counters_report_every_rule_beside_the_existing_keys(sandbox):
    _hidden(sandbox, {"limit": 1, "window": 10, "status": 503}, {"shape": "concurrency", "limit": 5})
    _into_window(sandbox, 10, 1.0)
    assert _statuses(sandbox, 3) == [200, 503, 503]
    counters = sandbox.counters()
    assert counters["hidden_refusals"] == {"hn": 2}
    assert counters["hidden_rules"]["hn"] == [
        {"shape": "fixed_window", "accepted": 1, "refused": 2, "in_flight": 0, "peak_in_flight": 1},
        {"shape": "concurrency", "accepted": 3, "refused": 0, "in_flight": 0, "peak_in_flight": 1},
    ]
    assert set(counters["hidden_rules"]) == {"hn"}, "only APIs with hidden rules"
