"""The Firebase lists and user profiles: every list in the shape of the recorded topstories
(ids, no rate-limit headers), at most 500 ids (ask, show, job: 200), and users with the fields
the API documents, `submitted` newest first."""

from __future__ import annotations

import pytest

from tests.recordings import recording
from tests.sandbox.shapes import header_names, shape_problems

LARGEST = {"topstories": 500, "newstories": 500, "beststories": 500,
           "askstories": 200, "showstories": 200, "jobstories": 200}


@pytest.mark.parametrize("name", sorted(LARGEST))
def test_every_list_has_the_recorded_shape(sandbox, name):
    recorded = recording("hackernews/topstories.json")[0]
    produced = sandbox.get(f"/hn/v0/{name}.json")
    ids = produced.json()
    assert shape_problems([recorded.json()], [ids]) == []
    assert 0 < len(ids) <= LARGEST[name] and len(set(ids)) == len(ids)
    assert produced.headers["content-type"].split(";")[0] == recorded.header("content-type").split(";")[0]
    assert not header_names(produced.headers, ("x-ratelimit-", "ratelimit-"))
    kinds = {sandbox.get(f"/hn/v0/item/{i}.json").json()["type"] for i in ids[:20]}
    assert kinds == ({"job"} if name == "jobstories" else {"story"})


def test_new_stories_are_newest_first(sandbox):
    ids = sandbox.get("/hn/v0/newstories.json").json()
    assert len(ids) == 500 and ids == sorted(ids, reverse=True)


def test_a_user_has_the_documented_fields_and_submissions_newest_first(sandbox):
    story = sandbox.get(f"/hn/v0/item/{sandbox.get('/hn/v0/newstories.json').json()[0]}.json").json()
    user = sandbox.get(f"/hn/v0/user/{story['by']}.json").json()
    assert {"id", "created", "karma", "submitted"} <= set(user) <= {"id", "created", "karma", "about", "submitted"}
    assert user["id"] == story["by"] and story["id"] in user["submitted"]
    assert user["submitted"] == sorted(user["submitted"], reverse=True)
    assert sandbox.truth(f"/hn/v0/user/{story['by']}.json") == [str(i) for i in user["submitted"]]
    assert sandbox.get("/hn/v0/user/no_such_user_here.json").content == b"null"
