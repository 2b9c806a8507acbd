"""The source registry: what a connector declares in its own module is what the queues, the
indexes, the frames and the stack's worker pools use."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pandas as pd
import pytest

from ingest import connectors
from ingest.api.frames import record_collections, resolve_collection
from ingest.api.record_table import documents_frame
from ingest.connectors import registry
from ingest.connectors.base import Collection
from ingest.connectors.hackernews import HackerNewsConnector
from ingest.errors import ConfigError
from ingest.messaging.config import celery_config, source_queues
from ingest.settings import PROJECT_ROOT, Settings
from ingest.stack.services import plan
from ingest.storage import mongo
from tests.sources import SANDBOX_STORIES, registered

BUILT_IN_QUEUES = ("ingest.mastodon", "ingest.reddit", "ingest.hackernews", "ingest.bluesky", "ingest.rest",
                   "ingest.hn_search")
BUILT_IN_COLLECTIONS = ("mastodon_statuses", "mastodon_accounts", "mastodon_tags", "reddit_posts", "reddit_comments",
                        "hn_items", "hn_users", "bsky_posts", "bsky_actors", "bsky_likes", "bsky_follows",
                        "bsky_thread_nodes", "rest_github_issues",
                        "rest_github_issue_comments", "rest_github_comments_on_issue", "rest_github_pulls",
                        "rest_github_stargazers", "rest_github_commits", "hn_search_hits")


class RecordingDatabase:
    """Stands for a pymongo Database: records the indexes asked for."""

    name = "unit"

    def __init__(self) -> None:
        self.client = object()
        self.indexes: list[tuple[str, list]] = []

    def __getitem__(self, collection: str) -> RecordingCollection:
        return RecordingCollection(self, collection)


class RecordingCollection:
    def __init__(self, db: RecordingDatabase, name: str) -> None:
        self.db, self.name = db, name

    def create_index(self, keys: list) -> None:
        self.db.indexes.append((self.name, keys))


@pytest.fixture()
def stories():
    with registered(SANDBOX_STORIES) as module:
        yield module


def test_the_built_in_sources_declare_their_queues_and_collections_in_one_order():
    assert source_queues() == BUILT_IN_QUEUES
    assert record_collections() == BUILT_IN_COLLECTIONS
    assert registry.epoch_fields("hn_items") == {"time"}
    assert registry.epoch_fields("reddit_comments") == {"created_utc", "approved_at_utc", "banned_at_utc"}
    assert registry.epoch_fields("mastodon_statuses") == frozenset()


def test_every_record_collection_gets_the_jobs_index_a_rest_definition_once_per_process():
    db = RecordingDatabase()
    mongo.ensure_indexes(db)
    jobs_index = [("_ingest.jobs", 1)]
    assert [name for name, keys in db.indexes if keys == jobs_index] == list(BUILT_IN_COLLECTIONS)
    written = connectors.get("rest").collections_for({"definition": {"name": "my_issues"}})
    for _ in range(2):
        mongo.ensure_record_indexes(db, written)
    assert db.indexes.count(("rest_my_issues", jobs_index)) == 1
    made = len(db.indexes)
    mongo.ensure_indexes(db)
    assert len(db.indexes) == made, "the indexes are made once per process and database"


def test_a_registered_source_reaches_queues_pools_indexes_and_frames(stories, tmp_path):
    assert "sandbox_stories" in connectors.names()
    assert source_queues() == (*BUILT_IN_QUEUES, "ingest.sandbox_stories")
    settings = Settings.from_env({"INGEST_DATA_DIR": str(tmp_path)}, dotenv=Path("/nonexistent"))
    assert "ingest.sandbox_stories" in [queue.name for queue in celery_config(settings)["task_queues"]]
    assert "ingest-worker-sandbox_stories-1" in [service.name for service in plan(settings)]
    db = RecordingDatabase()
    mongo.ensure_indexes(db)
    assert ("sandbox_stories", [("_ingest.jobs", 1)]) in db.indexes
    assert ("sandbox_stories", [("by", 1)]) in db.indexes
    assert resolve_collection("sandbox_stories") == "sandbox_stories"
    frame = documents_frame([{"_id": "1", "time": 1_700_000_000, "score": 5}], "sandbox_stories")
    assert frame["time"][0] == pd.Timestamp(1_700_000_000, unit="s", tz="UTC")
    assert frame["score"][0] == 5


def test_a_source_registered_for_a_test_is_forgotten_after_it():
    with registered(SANDBOX_STORIES):
        assert "sandbox_stories" in connectors.names()
    assert "sandbox_stories" not in connectors.names()
    assert source_queues() == BUILT_IN_QUEUES


class Misdeclared(HackerNewsConnector):
    name = "misdeclared"
    queue = "ingest.misdeclared"
    collections = (Collection("misdeclared_items"),)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"name": "Bad-Name"}, "name='Bad-Name' must be lower-case"),
    ({"queue": "ingest.default"}, "queue='ingest.default' must be 'ingest.<family>'"),
    ({"queue": "misdeclared"}, "e.g. 'ingest.misdeclared'"),
    ({"collections": ("misdeclared_items",)}, "collections must be a non-empty tuple of"),
    ({"collections": ()}, "collections must be a non-empty tuple of"),
    ({"collections": (Collection("items", indexes=("by",)),)}, "indexes must be tuples of field names"),
    ({"collections": (Collection("items", epoch_fields="time"),)}, "epoch_fields must be a frozenset"),
    ({"name": "hackernews"}, "source 'hackernews' is registered twice"),
    ({"collections": (Collection("hn_items"),)}, "declares the collection 'hn_items' of source 'hackernews'"),
])
def test_a_wrong_declaration_is_refused_with_the_fix(changes, problem):
    connector = type("Changed", (Misdeclared,), changes)()
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        registry.register(connector)
    assert "misdeclared" not in connectors.names()
    assert connectors.get("hackernews").collections[0].name == "hn_items"


def test_ingest_sources_are_read_as_module_paths():
    env = {"INGEST_SOURCES": " tests.sources.sandbox_stories , other_package.source,"}
    settings = Settings.from_env(env, dotenv=Path("/nonexistent"))
    assert settings.sources == ("tests.sources.sandbox_stories", "other_package.source")
    assert settings.as_env()["INGEST_SOURCES"] == "tests.sources.sandbox_stories,other_package.source"
    with pytest.raises(ConfigError, match="'my-source' is not a dotted module path"):
        Settings.from_env({"INGEST_SOURCES": "my-source"}, dotenv=Path("/nonexistent"))


def _in_a_new_process(code: str, sources: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INGEST_SOURCES": sources, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60)


def test_a_process_registers_the_sources_ingest_sources_names_on_first_use():
    done = _in_a_new_process("from ingest.messaging.config import source_queues; print(source_queues()[-1])",
                             SANDBOX_STORIES)
    assert done.stdout.strip() == "ingest.sandbox_stories", done.stderr


def test_a_module_that_cannot_be_imported_is_a_config_error_naming_it():
    done = _in_a_new_process("from ingest import connectors; connectors.names()", "tests.sources.no_such_module")
    assert done.returncode != 0
    assert ("ConfigError: INGEST_SOURCES names the module 'tests.sources.no_such_module', which cannot be "
            "imported") in done.stderr


def test_an_entry_point_of_the_group_ingest_sources_registers_its_module(monkeypatch):
    point = EntryPoint(name="stories", value=SANDBOX_STORIES, group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [point] if group == point.group else [])
    monkeypatch.setattr(registry, "_loaded", False)
    try:
        assert "sandbox_stories" in connectors.names()
    finally:
        registry.unregister("sandbox_stories")
        sys.modules.pop(SANDBOX_STORIES, None)
