"""The walker itself, on a query whose paging is already known to be right."""

from tests.connector_walk import walk


def test_a_tag_timeline_walks_to_exactly_the_sandbox_truth(sandbox):
    result = walk("mastodon", base_url=sandbox.url + "/mastodon", tag="python", limit=90)
    truth = sandbox.truth("/mastodon/api/v1/timelines/tag/python")[:90]
    host = sandbox.url.split("//")[1]
    assert result.keys("mastodon_statuses") == [f"{host}:{item}" for item in truth]
    assert result.calls == 3
