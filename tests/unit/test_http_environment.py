"""A worker's HTTP session does not have requests read the environment on every call: a CA bundle
the environment names is read once; proxies and .netrc, which requests matches per URL, are
still left to it."""

from __future__ import annotations

import os
import threading

import pytest
import requests

from ingest.pipeline import http

PLAIN = {"PATH": "/usr/bin", "LANG": "C"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def session_reading(environ: dict) -> requests.Session:
    session = requests.Session()
    http._read_environment_once(session, environ)
    return session


def test_an_environment_naming_nothing_requests_reads_is_not_read_on_each_call(home):
    session = session_reading(PLAIN)
    assert (session.trust_env, session.verify) == (False, True)


@pytest.mark.parametrize("name", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_the_environment_names_is_read_once(home, name):
    session = session_reading({**PLAIN, name: "/etc/ssl/bundle.pem"})
    assert (session.trust_env, session.verify) == (False, "/etc/ssl/bundle.pem")


def test_the_ca_bundle_requests_would_read_first_is_the_one_read(home):
    session = session_reading({**PLAIN, "CURL_CA_BUNDLE": "/curl.pem", "REQUESTS_CA_BUNDLE": "/requests.pem"})
    assert session.verify == "/requests.pem"


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "http_proxy", "ALL_PROXY", "no_proxy", "NETRC"])
def test_a_proxy_or_a_netrc_in_the_environment_is_left_to_requests(home, name):
    session = session_reading({**PLAIN, name: "value", "REQUESTS_CA_BUNDLE": "/etc/ssl/bundle.pem"})
    assert (session.trust_env, session.verify) == (True, True)


def test_a_netrc_file_in_the_home_directory_is_left_to_requests(home):
    (home / ".netrc").write_text("machine api.example.test login someone password secret\n")
    assert session_reading(PLAIN).trust_env is True


def test_each_threads_session_reads_the_environment_as_it_stands(home, monkeypatch):
    def session_of_a_new_thread():
        sessions = []
        thread = threading.Thread(target=lambda: sessions.append(http._session()))
        thread.start()
        thread.join()
        return sessions[0]

    for name in [name for name in os.environ if name.lower().endswith("_proxy") or name == "NETRC"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    session = session_of_a_new_thread()
    assert (session.trust_env, session.verify) == (False, "/etc/ssl/bundle.pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert session_of_a_new_thread().trust_env is True
