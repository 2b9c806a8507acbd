"""The stack's own credentials: made once per data directory, kept in one file of its owner's,
read by every client through Settings, given to the servers as hashes or through their
environment, and shown nowhere else (URLs for display, supervisord's config, child
processes' variables, server files)."""

from __future__ import annotations

import base64
import configparser
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.settings import PROJECT_ROOT, Settings, mask_url
from ingest.stack import server_files
from ingest.stack.securing import UPGRADE_MARKER, secure_data_dir
from ingest.stack.services import plan
from ingest.stack.supervisor import SupervisorPaths, render_config
from ingest.stack_credentials import (
    StackCredentials, create_stack_credentials, load_stack_credentials, stack_credentials_path,
)


def _settings(data_dir: Path, **env: str) -> Settings:
    return Settings.from_env({"INGEST_DATA_DIR": str(data_dir), "INGEST_PORT_BASE": "21000", **env},
                             dotenv=Path("/nonexistent"))


@pytest.fixture()
def secured(tmp_path) -> tuple[Settings, StackCredentials]:
    settings = _settings(tmp_path / "data")
    return settings, secure_data_dir(settings, redis=True, rabbitmq=True, docstore=True).credentials


def test_generated_passwords_are_random_and_url_safe():
    first, second = StackCredentials.generate(), StackCredentials.generate()
    assert len(set(first.passwords()) | set(second.passwords())) == 8
    for password in first.passwords():
        assert len(password) >= 32 and password.replace("-", "").replace("_", "").isalnum()


def test_the_file_is_made_once_mode_0600(tmp_path):
    made = create_stack_credentials(tmp_path)
    path = stack_credentials_path(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_stack_credentials(tmp_path) == made
    with pytest.raises(FileExistsError):
        create_stack_credentials(tmp_path)
    assert load_stack_credentials(tmp_path) == made, "a second `ingest up` keeps the first passwords"


def test_a_looser_file_is_refused_with_the_chmod_fix(tmp_path):
    create_stack_credentials(tmp_path)
    path = stack_credentials_path(tmp_path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=rf"mode 0644, readable by others.*`chmod 600 {path}`"):
        _settings(tmp_path).redis_url


def test_a_damaged_file_says_what_it_holds_and_never_prints_it(tmp_path):
    path = stack_credentials_path(tmp_path)
    path.write_text(json.dumps({"redis_password": "hunter2-secret"}))
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="damaged .* restore it") as raised:
        load_stack_credentials(tmp_path)
    assert "hunter2-secret" not in str(raised.value)


def test_local_urls_carry_the_credentials_and_display_masked(secured):
    settings, credentials = secured
    assert settings.broker_url == f"amqp://ingest:{credentials.amqp_password}@127.0.0.1:21000/ingest"
    assert settings.redis_url == f"redis://:{credentials.redis_password}@127.0.0.1:21001/0"
    assert settings.mongo_url == f"mongodb://ingest:{credentials.mongo_password}@127.0.0.1:21002/?authSource=admin"
    for url in (settings.broker_url, settings.redis_url, settings.mongo_url):
        assert not any(password in mask_url(url) for password in credentials.passwords())


def test_a_settings_object_made_before_up_sees_the_credentials_after(tmp_path):
    settings = _settings(tmp_path)
    assert settings.redis_url == "redis://127.0.0.1:21001/0"
    credentials = create_stack_credentials(tmp_path)
    assert credentials.redis_password in settings.redis_url


def test_external_servers_keep_their_own_urls(secured):
    settings, _ = secured
    external = _settings(settings.data_dir, INGEST_REDIS_URL="redis://cache.example:6379/2")
    assert external.redis_url == "redis://cache.example:6379/2"
    assert external.as_env()["INGEST_REDIS_URL"] == "redis://cache.example:6379/2"


def test_child_processes_are_given_no_password(secured):
    settings, credentials = secured
    variables = json.dumps(settings.as_env())
    assert not any(password in variables for password in credentials.passwords())
    assert "INGEST_BROKER_URL" not in settings.as_env()


def test_supervisord_config_and_server_files_hold_no_password(secured):
    settings, credentials = secured
    config = render_config(plan(settings, sandbox=True, flower=True), SupervisorPaths.of(settings))
    configparser.RawConfigParser().read_string(config)
    written = {path: path.read_text() for path in settings.data_dir.rglob("*") if path.is_file()}
    holding = sorted(str(path.relative_to(settings.data_dir)) for path, text in written.items()
                     if any(password in text for password in credentials.passwords()))
    assert holding == ["stack-credentials.json"]
    assert not any(password in config for password in credentials.passwords())


def test_redis_is_given_the_sha256_of_its_password(secured):
    settings, credentials = secured
    acl = server_files.ServerFiles.of(settings).redis_acl.read_text()
    digest = hashlib.sha256(credentials.redis_password.encode()).hexdigest()
    assert acl == f"user default on #{digest} ~* &* +@all\n"
    assert f'aclfile "{settings.data_dir / "config" / "redis-users.acl"}"' in \
        server_files.ServerFiles.of(settings).redis_config.read_text()


def test_rabbitmq_password_hash_is_salted_sha256():
    salt = bytes([0x90, 0x8D, 0xC6, 0x0A])
    encoded = server_files.rabbitmq_password_hash("test12", salt)
    assert base64.b64decode(encoded) == salt + hashlib.sha256(salt + b"test12").digest()
    assert server_files.rabbitmq_password_hash("test12") != server_files.rabbitmq_password_hash("test12")


def test_rabbitmq_gets_one_user_with_rights_on_its_own_vhost_only(secured):
    settings, credentials = secured
    definitions = json.loads(server_files.ServerFiles.of(settings).rabbitmq_definitions.read_text())
    assert [user["name"] for user in definitions["users"]] == ["ingest"]
    assert definitions["vhosts"] == [{"name": "ingest"}]
    assert definitions["permissions"] == [
        {"user": "ingest", "vhost": "ingest", "configure": ".*", "write": ".*", "read": ".*"}]
    decoded = base64.b64decode(definitions["users"][0]["password_hash"])
    assert decoded[4:] == hashlib.sha256(decoded[:4] + credentials.amqp_password.encode()).digest()
    config = server_files.ServerFiles.of(settings).rabbitmq_config.read_text()
    assert f"load_definitions = {settings.data_dir / 'config' / 'rabbitmq-definitions.json'}" in config


def test_the_data_directory_and_the_servers_directories_are_private(secured):
    settings, _ = secured
    for directory in (settings.data_dir, settings.data_dir / "config", settings.data_dir / "logs",
                      settings.data_dir / "supervisor"):
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o077 == 0, path


def test_a_fresh_directory_needs_no_upgrade_and_one_with_servers_data_does(tmp_path):
    fresh = _settings(tmp_path / "fresh")
    assert not secure_data_dir(fresh, redis=True, rabbitmq=True, docstore=True).upgrade_pending
    old = _settings(tmp_path / "old")
    (old.data_dir / "redis" / "appendonlydir").mkdir(parents=True)
    (old.data_dir / "redis" / "appendonlydir" / "appendonly.aof.1.base.rdb").write_text("kept")
    assert secure_data_dir(old, redis=True, rabbitmq=True, docstore=True).upgrade_pending
    assert (old.data_dir / UPGRADE_MARKER).exists()
    assert (old.data_dir / "redis" / "appendonlydir" / "appendonly.aof.1.base.rdb").read_text() == "kept"


def test_a_secured_store_whose_credentials_are_gone_is_named_with_the_fix(tmp_path):
    settings = _settings(tmp_path)
    (tmp_path / "ferretdb").mkdir()
    (tmp_path / "ferretdb" / "admin.sqlite").write_bytes(b"users")
    with pytest.raises(ConfigError, match=r"stack-credentials.json is missing. Restore that file"):
        secure_data_dir(settings, redis=True, rabbitmq=True, docstore=True)
    assert not stack_credentials_path(tmp_path).exists(), "no new passwords that could not open the store"


def test_the_launcher_gives_the_password_through_the_environment_only(secured):
    settings, credentials = secured
    env = {**os.environ, "INGEST_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(PROJECT_ROOT)}
    shown = subprocess.run([sys.executable, "-m", "ingest.stack.launch", "ferretdb", "/usr/bin/env"],
                           capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    assert f"FERRETDB_SETUP_PASSWORD={credentials.mongo_password}" in shown.splitlines()
    shown = subprocess.run([sys.executable, "-m", "ingest.stack.launch", "flower", "/usr/bin/env"],
                           capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    assert f"FLOWER_BASIC_AUTH=ingest:{credentials.flower_password}" in shown.splitlines()


def test_the_launcher_without_credentials_says_to_run_up(tmp_path):
    env = {**os.environ, "INGEST_DATA_DIR": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    completed = subprocess.run([sys.executable, "-m", "ingest.stack.launch", "flower", "/usr/bin/true"],
                               capture_output=True, text=True, env=env, timeout=60)
    assert completed.returncode == 2
    assert f"no stack credentials in {tmp_path}; start the stack with `ingest up`" in completed.stderr
