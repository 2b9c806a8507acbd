"""Everything one sandbox process holds: data sets, scenario, limiter, faults, counters."""

from __future__ import annotations

from typing import Any

from sandbox.auth import TokenTable
from sandbox.clock import SystemClock
from sandbox.counters import Counters
from sandbox.data.algolia import HackerNewsSearch
from sandbox.data.bluesky import BlueskyData
from sandbox.data.github import GithubData
from sandbox.data.hn import HackerNewsData
from sandbox.data.mastodon import MastodonData
from sandbox.data.reddit import RedditData
from sandbox.faults import FaultDecider
from sandbox.limits import Limiter
from sandbox.scenario import Scenario, parse_scenario

DEFAULT_SEED = 1
DEFAULT_SIZE = 20_000


def build_datasets(seed: int, size: int) -> dict[str, Any]:
    hn = HackerNewsData(seed, size)
    return {
        "mastodon": MastodonData(seed, size),
        "reddit": RedditData(seed, size),
        "hn": hn,
        "bsky": BlueskyData(seed, size),
        "github": GithubData(seed, size),
        "algolia": HackerNewsSearch(hn),
    }


class SandboxState:
    def __init__(self, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE,
                 scenario: Scenario | None = None, clock=None) -> None:
        self.seed = seed
        self.size = size
        self.clock = clock or SystemClock()
        self.datasets = build_datasets(seed, size)
        self.initial_scenario = scenario or parse_scenario({})
        self.limiter = Limiter()
        self.faults = FaultDecider(self.initial_scenario.fault_seed)
        self.counters = Counters(self.clock.monotonic(), self.clock.wall())
        self.tokens = TokenTable(self.clock, self.counters)
        self.set_scenario(self.initial_scenario)

    def set_scenario(self, scenario: Scenario) -> None:
        """Apply a scenario now: published limit windows start afresh, hidden limits keep what
        carries over (sandbox.hidden_limits), and outage times count from now."""
        self.scenario = scenario
        self.scenario_set_at = self.clock.monotonic()
        self.limiter.apply(scenario, self.scenario_set_at)
        self.faults.reseed(scenario.fault_seed)

    def reset(self) -> None:
        """Back to how the process started: first scenario, no counts, no added items, no
        issued tokens."""
        self.set_scenario(self.initial_scenario)
        self.limiter.reset()
        self.tokens.reset()
        self.counters.reset(self.clock.monotonic(), self.clock.wall())
        for dataset in self.datasets.values():
            dataset.drop_added()
