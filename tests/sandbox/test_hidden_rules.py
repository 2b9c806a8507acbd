"""Hidden-limit rules without a server: their validation, the slowdown each shape states, and
what a change of scenario or a reset keeps."""

from __future__ import annotations

import pytest

from sandbox.hidden_limits import HiddenLimits
from sandbox.scenario import ScenarioError, parse_scenario

START = 1_000.0


def _scenario(*rules: dict, **scales):
    return parse_scenario({**scales, "apis": {"hn": {"hidden_limits": list(rules)}}})


def _limits(scenario) -> HiddenLimits:
    limits = HiddenLimits()
    limits.apply(scenario, START)
    return limits


def _pass(limits: HiddenLimits, scenario, now: float = START, route: str = "/v0/maxitem.json"):
    passage = limits.arrive("hn", scenario, route, None, "127.0.0.1", now)
    if passage.status is None:
        limits.judge(passage, "hn", scenario, route, None, "127.0.0.1", now)
    return passage


@pytest.mark.parametrize("rule", [
    {"shape": "fixed_window", "limit": 4, "window": 10, "slowdown": 2.0},
    {"shape": "sliding_window", "limit": 4, "window": 10, "slowdown": 2.0},
    {"shape": "token_bucket", "rate": 0.001, "burst": 4, "slowdown": 2.0},
    {"shape": "concurrency", "limit": 4, "slowdown": 2.0},
])
def test_slowdown_grows_from_half_the_limit_to_the_full_slowdown(rule):
    scenario = _scenario(rule)
    limits = _limits(scenario)
    passages = [_pass(limits, scenario) for _ in range(5)]
    assert [p.status for p in passages] == [None, None, None, None, 429]
    assert [p.delay for p in passages[:4]] == pytest.approx([0.0, 0.0, 1.0, 2.0])
    assert passages[4].delay == 0.0


def test_the_largest_slowdown_of_the_rules_a_request_passes_applies():
    scenario = _scenario({"limit": 2, "window": 10, "slowdown": 1.0},
                         {"shape": "concurrency", "limit": 10, "slowdown": 5.0})
    limits = _limits(scenario)
    assert [_pass(limits, scenario).delay for _ in range(2)] == pytest.approx([0.0, 1.0])


def test_a_concurrency_cap_halved_at_runtime_counts_the_requests_already_in_flight():
    scenario = _scenario({"shape": "concurrency", "limit": 2})
    limits = _limits(scenario)
    first, second = _pass(limits, scenario), _pass(limits, scenario)
    halved = _scenario({"shape": "concurrency", "limit": 1})
    limits.apply(halved, START + 1)
    assert _pass(limits, halved).status == 429
    first.release()
    first.release()
    assert _pass(limits, halved).status == 429, "one still in flight fills the halved cap"
    second.release()
    assert _pass(limits, halved).status is None


def test_a_reset_forgets_counts_but_not_requests_in_flight():
    scenario = _scenario({"shape": "concurrency", "limit": 1}, {"limit": 1, "window": 10})
    limits = _limits(scenario)
    held = _pass(limits, scenario)
    assert _pass(limits, scenario).status == 429
    limits.forget()
    assert [tally["in_flight"] for tally in limits.tallies(scenario)["hn"]] == [1, 1]
    assert limits.tallies(scenario)["hn"][0]["refused"] == 0
    assert _pass(limits, scenario).status == 429, "the open request still holds the only slot"
    held.release()
    assert _pass(limits, scenario).status is None, "the window's count was forgotten"


@pytest.mark.parametrize("rule, message", [
    ({"shape": "leaky", "limit": 1}, "hidden_limits[0].shape must be one of ['fixed_window', 'sliding_window', "
                                     "'token_bucket', 'concurrency'], not 'leaky'"),
    ({"shape": "token_bucket", "rate": 5}, "hidden_limits[0] is a token_bucket and needs burst, "
                                           "e.g. {shape: token_bucket, rate: 60, burst: 120}"),
    ({"shape": "concurrency", "limit": 4, "window": 1}, "hidden_limits[0]: a concurrency takes limit, not window"),
    ({"limit": 5}, "hidden_limits[0] is a fixed_window and needs window"),
    ({"shape": "sliding_window", "limit": 5, "window": 1, "rate": 3}, "a sliding_window takes limit, window, not rate"),
    ({"shape": "token_bucket", "rate": 0, "burst": 3}, "hidden_limits[0].rate must be at least"),
    ({"shape": "token_bucket", "rate": 1, "burst": 2.5}, "hidden_limits[0].burst must be an integer"),
    ({"limit": 5, "window": 1, "routes": "/v0/item/"}, "hidden_limits[0].routes must be a list of path prefixes"),
    ({"limit": 5, "window": 1, "slowdown": -1}, "hidden_limits[0].slowdown must be at least 0.0"),
    ({"limit": 5, "window": 1, "status": 500}, "hidden_limits[0].status must be 429, 503 or a list of them"),
    ({"limit": 5, "window": 1, "burst": 3}, "a fixed_window takes limit, window, not burst"),
])
def test_a_wrong_rule_names_the_field_and_the_fix(rule, message):
    with pytest.raises(ScenarioError) as error:
        _scenario(rule)
    assert message in str(error.value)
    assert str(error.value).startswith("apis.hn.hidden_limits[0]")


def test_an_entry_without_a_shape_is_the_fixed_window_it_always_was():
    rule = parse_scenario({}).api("hn").hidden_limits[0]
    assert (rule.shape, rule.limit, rule.window, rule.scope, rule.statuses) == ("fixed_window", 600, 10.0, "global", (503,))
    assert (rule.routes, rule.slowdown) == ((), 0.0)
