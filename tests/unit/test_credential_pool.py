"""Which credential of a pool a request goes out with: always the same one for the same
request, and evenly spread over the pool."""

from collections import Counter

from ingest.connectors.base import Request
from ingest.pipeline.credential_pool import credential_for, deal


def request(n: int) -> Request:
    return Request("comments", f"https://api.example/comments/{n}", {"limit": 100}, page=1 + n % 3)


def test_a_request_keeps_its_credential_however_often_it_is_asked():
    names = ["a", "b", "c"]
    assert [credential_for(request(n), names) for n in range(50)] == \
        [credential_for(Request.from_dict(request(n).to_dict()), names) for n in range(50)]
    assert credential_for(request(1), []) is None


def test_requests_spread_evenly_over_the_pool():
    for names in (["a", "b"], ["a", "b", "c", "d"]):
        counts = Counter(credential_for(request(n), names) for n in range(4000))
        share = 4000 / len(names)
        assert set(counts) == set(names)
        assert all(abs(count - share) < 0.1 * share for count in counts.values()), counts


def test_a_page_deals_its_requests_over_the_pool_in_turn_and_each_keeps_the_one_it_was_dealt():
    names = ["a", "b", "c", "d"]
    dealt = deal([request(n) for n in range(41)], names, request(1000))
    counts = Counter(credential_for(Request.from_dict(r.to_dict()), names) for r in dealt)
    assert sorted(counts.values()) == [10, 10, 10, 11]
    assert credential_for(dealt[0], ["x", "y"]) in ("x", "y"), "a credential that left the pool is not used"
    assert deal([request(1)], ["only"], request(2)) == [request(1)]
