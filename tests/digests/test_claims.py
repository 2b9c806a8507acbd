"""Claims on records about to be written: who writes a record, who only notes a sighting."""

from __future__ import annotations

import pytest

from ingest.storage.digests import Claim, RecordDigests


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def digests(client, clock):
    return RecordDigests(client, prefix="test:digests", claim_lifetime=60.0, clock=clock)


def test_the_first_page_claims_a_new_record_and_another_page_with_the_same_payload_waits_on_it(digests):
    assert digests.claim("db", "posts", {"a": "d1", "b": "d2"}, owner="node-1") == \
        {"a": Claim.CLAIMED, "b": Claim.CLAIMED}
    assert digests.claim("db", "posts", {"a": "d1", "b": "other"}, owner="node-2") == \
        {"a": Claim.PENDING, "b": Claim.CONTESTED}


def test_a_remembered_digest_makes_the_same_payload_unchanged_and_another_one_claimable(digests):
    digests.claim("db", "posts", {"a": "d1"}, owner="node-1")
    digests.remember("db", "posts", {"a": "d1"})
    assert digests.claim("db", "posts", {"a": "d1"}, owner="node-2") == {"a": Claim.UNCHANGED}
    assert digests.claim("db", "posts", {"a": "d9"}, owner="node-2") == {"a": Claim.CLAIMED}
    assert digests.claim("db", "posts", {"a": "d9"}, owner="node-3") == {"a": Claim.PENDING}


def test_an_owner_run_again_takes_its_own_claim_back(digests):
    digests.claim("db", "posts", {"a": "d1"}, owner="node-1")
    assert digests.claim("db", "posts", {"a": "d1"}, owner="node-1") == {"a": Claim.CLAIMED}


def test_a_claim_whose_owner_never_came_back_expires(digests, clock):
    digests.claim("db", "posts", {"a": "d1"}, owner="node-1")
    clock.now += 59.9
    assert digests.claim("db", "posts", {"a": "d1"}, owner="node-2") == {"a": Claim.PENDING}
    clock.now += 0.2
    assert digests.claim("db", "posts", {"a": "d1"}, owner="node-2") == {"a": Claim.CLAIMED}
    assert digests.claim("db", "posts", {"a": "d1"}, owner="node-1") == {"a": Claim.PENDING}


def test_a_released_claim_is_the_next_pages_to_write(digests):
    digests.claim("db", "posts", {"a": "d1"}, owner="node-1")
    digests.release("db", "posts", ["a"])
    assert digests.claim("db", "posts", {"a": "d1"}, owner="node-2") == {"a": Claim.CLAIMED}


def test_claims_are_per_database_and_collection(digests):
    digests.claim("db", "posts", {"a": "d1"}, owner="node-1")
    assert digests.claim("db", "comments", {"a": "d1"}, owner="node-2") == {"a": Claim.CLAIMED}
    assert digests.claim("db2", "posts", {"a": "d1"}, owner="node-2") == {"a": Claim.CLAIMED}


def test_nothing_to_claim_sends_nothing(digests, client):
    before = client.info("stats")["total_commands_processed"]
    assert digests.claim("db", "posts", {}, owner="node-1") == {}
    assert client.info("stats")["total_commands_processed"] == before + 1  # the INFO itself
