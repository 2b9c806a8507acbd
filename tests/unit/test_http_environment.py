"""A worker's HTTP session reads proxies, CA bundles and .netrc from the environment only when
the environment names one: otherwise requests would look for them again on every call."""

from __future__ import annotations

import os
import threading

import pytest

from ingest.pipeline import http


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_an_environment_naming_nothing_requests_reads_is_not_read_on_each_call(home):
    assert not http._environment_configures_requests({"PATH": "/usr/bin", "HOME": str(home), "LANG": "C"})


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE",
                                  "CURL_CA_BUNDLE", "NETRC"])
def test_a_proxy_a_ca_bundle_or_a_netrc_in_the_environment_is_honoured(home, name):
    assert http._environment_configures_requests({"PATH": "/usr/bin", name: "value"})


def test_a_netrc_file_in_the_home_directory_is_honoured(home):
    (home / ".netrc").write_text("machine api.example.test login someone password secret\n")
    assert http._environment_configures_requests({"PATH": "/usr/bin"})


def test_each_threads_session_trusts_the_environment_as_it_stands(home, monkeypatch):
    def session_of_a_new_thread():
        sessions = []
        thread = threading.Thread(target=lambda: sessions.append(http._session()))
        thread.start()
        thread.join()
        return sessions[0]

    for name in [name for name in os.environ if name.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.delenv("NETRC", raising=False)
    assert session_of_a_new_thread().trust_env is False
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert session_of_a_new_thread().trust_env is True
