from pathlib import Path

import pytest

from ingest.errors import ConfigError
from ingest.settings import Settings, mask_url, read_dotenv


def test_ports_are_laid_out_from_one_base(tmp_path):
    settings = Settings.from_env({"INGEST_PORT_BASE": "20000", "INGEST_DATA_DIR": str(tmp_path)},
                                 dotenv=Path("/nonexistent"))
    assert settings.port("amqp") == 20000
    assert settings.port("redis") == 20001
    assert settings.port("mongo") == 20002
    assert settings.port("epmd") == 20006
    assert settings.stack_credentials is None, "no credentials before `ingest up` makes them"
    assert settings.broker_url == "amqp://guest:guest@127.0.0.1:20000//"
    assert settings.redis_url == "redis://127.0.0.1:20001/0"
    assert settings.mongo_url == "mongodb://127.0.0.1:20002/"


def test_external_urls_replace_local_servers():
    settings = Settings.from_env(
        {"INGEST_MONGO_URL": "mongodb://user:pw@db.example:27017/"}, dotenv=Path("/nonexistent")
    )
    assert settings.mongo_url == "mongodb://user:pw@db.example:27017/"
    assert settings.external_broker_url is None


def test_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nexport INGEST_MONGO_DB=from_file\nINGEST_WORKER_POOL='solo'\n")
    settings = Settings.from_env({"INGEST_MONGO_DB": "from_env"}, dotenv=dotenv)
    assert settings.mongo_db == "from_env"
    assert settings.worker_pool == "solo"


def test_a_bad_dotenv_line_names_the_file_and_line(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("INGEST_MONGO_DB=x\nnot a setting\n")
    with pytest.raises(ConfigError, match=r"\.env:2 is not KEY=VALUE"):
        read_dotenv(dotenv)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("INGEST_PORT_BASE", "abc", "INGEST_PORT_BASE='abc' is not a whole number"),
        ("INGEST_PORT_BASE", "80", "INGEST_PORT_BASE=80 is out of range"),
        ("INGEST_WORKER_POOL", "eventlet2", "INGEST_WORKER_POOL='eventlet2' is not a Celery pool"),
        ("INGEST_UP_TIMEOUT", "-3", "must be a positive number of seconds"),
    ],
)
def test_bad_values_name_the_variable_and_the_fix(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value}, dotenv=Path("/nonexistent"))


def test_binary_overrides_are_read_per_program():
    settings = Settings.from_env({"INGEST_REDIS_BIN": "/opt/redis/bin/redis-server"}, dotenv=Path("/nonexistent"))
    assert settings.binaries == {"redis": "/opt/redis/bin/redis-server"}


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("amqp://guest:secret@127.0.0.1:5672//", "amqp://guest:***@127.0.0.1:5672//"),
        ("mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/"),
        ("redis://:pw@localhost/0", "redis://:***@localhost/0"),
        (None, None),
    ],
)
def test_mask_url_hides_passwords(url, masked):
    assert mask_url(url) == masked
