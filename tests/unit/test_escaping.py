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


def test_a_key_escapes_by_its_level_however_often_it_was_met_at_the_other():
    for _ in range(3):
        stored = escape({"_id": 1, "inner": {"_id": 2, "$t": 3}, "$t": {"_ingest": 4}})
        assert stored == {"%5Fid": 1, "inner": {"_id": 2, "%24t": 3}, "%24t": {"_ingest": 4}}


def test_keys_that_are_not_text_become_their_own_text_in_any_order():
    assert list(escape({1: "one"})) == ["1"]
    assert list(escape({True: "yes"})) == ["True"]
    assert list(escape({"n": {1: "one"}})["n"]) == ["1"]
    assert list(escape({"n": {True: "yes"}})["n"]) == ["True"]


def test_the_escaped_copy_shares_no_dict_or_list_with_the_payload():
    payload = {"a": {"b": [1, {"c": 2}]}, "d": [3]}
    stored = escape(payload)
    stored["a"]["b"][1]["c"] = 9
    stored["d"].append(4)
    assert payload == {"a": {"b": [1, {"c": 2}]}, "d": [3]}
