"""The stack's plan and supervisord config, derived from settings (no processes started)."""

import configparser
import os
from pathlib import Path

import pytest

from ingest.errors import MissingBinaryError
from ingest.settings import Settings
from ingest.stack import server_files
from ingest.stack.binaries import find_binary, require_binary
from ingest.stack.services import plan
from ingest.stack.supervisor import SupervisorPaths, render_config


FAMILIES = ("mastodon", "reddit", "hackernews", "bluesky", "rest", "hn_search")


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"INGEST_DATA_DIR": str(tmp_path), **env}, dotenv=Path("/nonexistent"))


def _config(settings: Settings, **kwargs) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(render_config(plan(settings, **kwargs), SupervisorPaths.of(settings)))
    return parser


def test_every_local_part_is_a_supervised_program(tmp_path):
    config = _config(_settings(tmp_path), sandbox=True)
    programs = {section.removeprefix("program:") for section in config.sections() if section.startswith("program:")}
    assert programs == {"epmd", "rabbitmq", "redis", "docstore", "sandbox", *(f"ingest-worker-{family}-1" for family in FAMILIES)}


def test_servers_bind_to_loopback_only(tmp_path):
    settings = _settings(tmp_path, INGEST_PORT_BASE="21000")
    config = _config(settings)
    redis_config = server_files.redis_config(settings, server_files.ServerFiles.of(settings)).splitlines()
    assert config.get("program:redis", "command").endswith(str(tmp_path / "config" / "redis.conf"))
    assert "bind 127.0.0.1" in redis_config and "port 21001" in redis_config
    assert "listeners.tcp.default = 127.0.0.1:21000" in server_files.rabbitmq_config(
        settings, server_files.ServerFiles.of(settings)).splitlines()
    assert "--listen-addr=127.0.0.1:21002" in config.get("program:docstore", "command") or \
        "--bind_ip 127.0.0.1" in config.get("program:docstore", "command")
    rabbit_env = config.get("program:rabbitmq", "environment")
    assert 'RABBITMQ_NODE_IP_ADDRESS="127.0.0.1"' in rabbit_env
    assert "inet_dist_use_interface {127,0,0,1}" in rabbit_env
    assert "-address 127.0.0.1" in config.get("program:epmd", "command")


def test_external_servers_are_not_started(tmp_path):
    settings = _settings(tmp_path, INGEST_MONGO_URL="mongodb://db:27017/", INGEST_REDIS_URL="redis://r:6379/0")
    config = _config(settings)
    assert not config.has_section("program:docstore")
    assert not config.has_section("program:redis")
    assert config.has_section("program:rabbitmq")
    worker_env = config.get("program:ingest-worker-reddit-1", "environment")
    assert 'INGEST_MONGO_URL="mongodb://db:27017/"' in worker_env


def test_percent_signs_are_escaped_for_supervisord(tmp_path):
    config = _config(_settings(tmp_path))
    assert "--hostname=ingest-worker-reddit-1@%%h" in config.get("program:ingest-worker-reddit-1", "command")


def test_worker_processes_setting_gives_every_source_family_that_many_workers(tmp_path):
    config = _config(_settings(tmp_path, INGEST_WORKER_PROCESSES="3"))
    assert {s for s in config.sections() if "worker" in s} == {
        f"program:ingest-worker-{family}-{number}" for family in FAMILIES for number in (1, 2, 3)
    }


def test_each_pool_serves_its_own_source_queue_and_the_probes(tmp_path):
    config = _config(_settings(tmp_path))
    for family in FAMILIES:
        command = config.get(f"program:ingest-worker-{family}-1", "command")
        assert f'"--queues=ingest.{family},ingest.default"' in command


def test_find_binary_looks_on_the_given_path(tmp_path):
    program = tmp_path / "redis-server"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert find_binary("redis-server", search_path=str(tmp_path)) == program
    assert find_binary("no-such-server-anywhere", search_path=str(tmp_path)) is None


def test_missing_binary_says_what_to_install():
    with pytest.raises(MissingBinaryError, match="no-such-server is not installed"):
        require_binary("no-such-server")
    with pytest.raises(MissingBinaryError, match=r"redis-server not found at /nope/redis-server \(INGEST_REDIS_BIN\)"):
        require_binary("redis-server", "/nope/redis-server", "INGEST_REDIS_BIN")


def test_a_missing_server_is_recorded_not_raised_so_status_still_works(tmp_path):
    services = plan(_settings(tmp_path, INGEST_REDIS_BIN="/nope/redis-server"))
    redis = next(service for service in services if service.name == "redis")
    assert "INGEST_REDIS_BIN" in redis.missing


def test_long_data_paths_still_get_a_short_socket(tmp_path):
    deep = tmp_path / ("x" * 120)
    paths = SupervisorPaths.of(_settings(deep))
    assert len(str(paths.socket)) <= 100
    assert os.path.dirname(paths.config) == str(deep / "supervisor")
