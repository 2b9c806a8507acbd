"""Hidden limits across every API: which rules judge a request, what it holds until its answer
is sent, and what carries over when the scenario changes.

Concurrency rules judge a request on arrival; the other shapes judge it after the scenario's
latency, the credential check and any outage, where the sandbox has always counted. Within one
stage the first rule to refuse answers (with its statuses in turn), and the rules judging with
it take nothing; fixed windows still count the request. The whole app runs on one event loop
and no step here awaits, so a request is judged and taken with no other request in between.
"""

from __future__ import annotations

from sandbox.hidden_meters import METERS, Meter, slowdown_delay
from sandbox.hidden_rules import Figures, HiddenRule, scope_key
from sandbox.scenario import Scenario


class Passage:
    """One request's way through the hidden rules: the status that refuses it, if one does,
    the slowdown its answer waits, and the places it holds until that answer is sent."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.delay = 0.0
        self._held: list[tuple[Meter, tuple]] = []

    def hold(self, meter: Meter, key: tuple) -> None:
        self._held.append((meter, key))

    def release(self) -> None:
        """Give back every place held; safe to call more than once."""
        held, self._held = self._held, []
        for meter, key in held:
            meter.leave(key)


class HiddenLimits:
    def __init__(self) -> None:
        self._meters: dict[tuple, Meter] = {}
        self._turn = 0

    def apply(self, scenario: Scenario, now: float) -> None:
        """Use a new scenario's rules. A rule at the same place of the same API with the same
        shape, scope and routes keeps its state under its new figures; any other starts afresh."""
        meters = {}
        for api, settings in scenario.apis.items():
            for index, rule in enumerate(settings.hidden_limits):
                place = (api, index) + rule.identity
                figures = Figures.of(rule, scenario.time_scale, scenario.limit_scale)
                meter = self._meters.get(place)
                if meter is None:
                    meter = METERS[rule.shape](figures)
                else:
                    meter.retune(figures, now)
                meters[place] = meter
        self._meters = meters

    def forget(self) -> None:
        """Every rule back to unused (requests in flight stay counted)."""
        for meter in self._meters.values():
            meter.forget()
        self._turn = 0

    def arrive(self, api: str, scenario: Scenario, route_path: str, credential: str | None,
               client: str, now: float) -> Passage:
        """Judge a request by the concurrency rules as it arrives."""
        passage = Passage()
        self._judge(passage, api, scenario, route_path, credential, client, now, concurrency=True)
        return passage

    def judge(self, passage: Passage, api: str, scenario: Scenario, route_path: str,
              credential: str | None, client: str, now: float) -> None:
        """Judge a request by every other hidden rule."""
        self._judge(passage, api, scenario, route_path, credential, client, now, concurrency=False)

    def _judge(self, passage: Passage, api: str, scenario: Scenario, route_path: str,
               credential: str | None, client: str, now: float, concurrency: bool) -> None:
        judged: list[tuple[HiddenRule, Meter, tuple]] = []
        refusing: tuple[HiddenRule, Meter] | None = None
        for index, rule in enumerate(scenario.api(api).hidden_limits):
            if (rule.shape == "concurrency") != concurrency or not rule.applies_to(route_path):
                continue
            meter = self._meters[(api, index) + rule.identity]
            key, _ = scope_key(rule.scope, credential, client)
            if not meter.judge(key, now) and refusing is None:
                refusing = rule, meter
            judged.append((rule, meter, key))
        if refusing is not None:
            rule, meter = refusing
            meter.refused += 1
            passage.status = rule.statuses[self._turn % len(rule.statuses)]
            self._turn += 1
            return
        for rule, meter, key in judged:
            use = meter.take(key, now)
            passage.hold(meter, key)
            passage.delay = max(passage.delay, slowdown_delay(rule.slowdown, use))

    def tallies(self, scenario: Scenario) -> dict[str, list[dict]]:
        """Per API with hidden rules, per rule in order: its shape and what it let in, refused
        and holds in flight, and the most it held at once, since the last reset."""
        return {api: [self._meters[(api, index) + rule.identity].tally()
                      for index, rule in enumerate(settings.hidden_limits)]
                for api, settings in scenario.apis.items() if settings.hidden_limits}
