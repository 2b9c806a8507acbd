from pathlib import Path

import pytest

from ingest import credentials
from ingest.errors import ConfigError
from ingest.settings import Settings


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings.from_env({"INGEST_DATA_DIR": str(tmp_path)}, dotenv=Path("/nonexistent"))


def test_a_credential_comes_from_the_environment_first(settings):
    credentials.save("reddit-main", "from-file", settings)
    env = {"INGEST_CREDENTIAL_REDDIT_MAIN": "from-env"}
    assert credentials.load("reddit-main", settings, env=env).token == "from-env"
    assert credentials.load("reddit-main", settings, env={}).token == "from-file"


def test_the_credentials_file_is_written_mode_0600(settings):
    path = credentials.save("a", "secret-a", settings)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_looser_credentials_file_is_refused_with_the_fix(settings):
    path = credentials.save("a", "secret-a", settings)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"mode 0644, readable by others; .*chmod 600"):
        credentials.load("a", settings, env={})


def test_an_unknown_credential_names_both_places_and_never_a_secret(settings):
    credentials.save("other", "s3cr3t-value", settings)
    with pytest.raises(ConfigError) as raised:
        credentials.load("missing", settings, env={})
    message = str(raised.value)
    assert "INGEST_CREDENTIAL_MISSING" in message and "credentials.json" in message
    assert "s3cr3t-value" not in message


def test_a_broken_credentials_file_says_what_it_should_hold(settings):
    path = credentials.credentials_path(settings)
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="is not valid JSON"):
        credentials.load("a", settings, env={})
