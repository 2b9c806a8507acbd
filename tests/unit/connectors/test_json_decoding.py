"""A body decodes to exactly what `json.loads` makes of it, whichever decoder reads it."""

from __future__ import annotations

import json
import math

import pytest

from ingest.connectors.base import Response
from ingest.connectors.json_decoding import decode_json
from ingest.errors import MalformedResponseError
from tests.recordings import fixtures_dir, recording

SAME_AS_THE_STANDARD_LIBRARY = [
    b'{"a": 1, "a": 2}',
    b'{"f": -0.0, "g": 1.0, "h": 2.5e-3, "i": 1e20}',
    b'  {"a" : [1, true, false, null, "x"]}  ',
    b'{"k": "\\u0000\\u00e9\\ud83d\\ude00"}',
    b'{"max": 18446744073709551615, "min": -9223372036854775808}',
    b'{"text": "caf\xc3\xa9"}',
]


@pytest.mark.parametrize("body", SAME_AS_THE_STANDARD_LIBRARY)
def test_a_body_decodes_as_the_standard_library_decodes_it(body):
    decoded = decode_json(body)
    assert decoded == json.loads(body.decode("utf-8"))
    assert repr(decoded) == repr(json.loads(body.decode("utf-8")))


@pytest.mark.parametrize("number", [
    "123456789012345678901234567890", "-9223372036854775809", "18446744073709551616", "-99999999999999999999"])
def test_a_whole_number_past_64_bits_keeps_every_digit(number):
    decoded = decode_json(f'{{"id": {number}, "next": [{number}]}}'.encode())
    assert decoded == {"id": int(number), "next": [int(number)]}
    assert type(decoded["id"]) is int


def test_what_only_the_standard_library_reads_is_read_as_it_reads_it():
    decoded = decode_json(b'{"nan": NaN, "big": 1e400, "lone": "\\ud800"}')
    assert math.isnan(decoded["nan"])
    assert decoded["big"] == math.inf
    assert decoded["lone"] == "\ud800"


def test_bytes_that_are_not_utf8_become_replacement_characters():
    assert decode_json(b'{"name": "caf\xe9"}') == {"name": "caf\ufffd"}


def test_a_response_that_is_not_json_or_nested_too_deeply_is_malformed():
    for body, words in ((b"<html>busy</html>", "not JSON"), (b"[" * 100_000 + b"]" * 100_000, "nested too deeply")):
        response = Response(status=200, headers={}, body=body, url="https://api.example.test/x?token=secret")
        with pytest.raises(MalformedResponseError, match=words) as raised:
            response.json()
        assert "secret" not in str(raised.value)


def test_every_recorded_body_decodes_as_the_standard_library_decodes_it():
    paths = sorted(fixtures_dir().glob("*/*.json"))
    if not paths:
        pytest.skip(f"no recordings under {fixtures_dir()} (set INGEST_FIXTURES_DIR to the shared fixtures folder)")
    exchanges = [exchange for path in paths for exchange in recording(str(path.relative_to(fixtures_dir())))
                 if exchange.body.strip()[:1] in ("{", "[")]
    assert len(exchanges) > 40
    for exchange in exchanges:
        body = exchange.body.encode("utf-8")
        assert decode_json(body) == json.loads(exchange.body), exchange.url
