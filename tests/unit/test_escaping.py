import pytest

from ingest.storage.escaping import escape, escape_key, unescape


@pytest.mark.parametrize(
    ("key", "top_level", "escaped"),
    [
        ("$type", False, "%24type"),
        ("a.b.c", False, "a%2Eb%2Ec"),
        ("100%", False, "100%25"),
        ("_id", True, "%5Fid"),
        ("_ingest", True, "%5Fingest"),
        ("_id", False, "_id"),
        ("plain", True, "plain"),
        ("%24literal", False, "%2524literal"),
    ],
)
def test_keys_mongodb_refuses_are_escaped(key, top_level, escaped):
    assert escape_key(key, top_level) == escaped


def test_escaping_round_trips_nested_documents():
    payload = {
        "_id": 7, "$set": {"a.b": [{"$x": 1, "ok": {"%": "v"}}]}, "text": "$ and . in values stay",
        "list": [[{"k.k": None}]],
    }
    stored = escape(payload)
    assert "_id" not in stored and "$set" not in stored
    assert stored["%24set"]["a%2Eb"][0]["%24x"] == 1
    assert stored["text"] == "$ and . in values stay"
    assert unescape(stored) == payload
