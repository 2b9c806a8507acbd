"""`ingest export`: one file per collection under names that include it, never over an
existing file without --force, and no half file when writing fails."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ingest.api import cli_export
from ingest.api.cli_export import export_job
from ingest.errors import ParameterError


class FakeJob:
    id = "reddit-0123456789ab"

    def __init__(self, **frames):
        self._frames = frames or {"reddit_posts": pd.DataFrame({"_id": ["p1", "p2"]}),
                                  "reddit_comments": pd.DataFrame({"_id": ["c1", "c2", "c3"]})}

    def frames(self):
        return dict(self._frames)

    def frame(self, collection):
        return self._frames[collection]


def test_every_collection_is_written_under_a_name_that_includes_it(tmp_path):
    lines = export_job(FakeJob(), "csv", None, None, False, tmp_path)
    posts, comments = tmp_path / "reddit-0123456789ab.reddit_posts.csv", tmp_path / "reddit-0123456789ab.reddit_comments.csv"
    assert pd.read_csv(posts)["_id"].tolist() == ["p1", "p2"]
    assert pd.read_csv(comments)["_id"].tolist() == ["c1", "c2", "c3"]
    assert [line.split() for line in lines] == [["2", "rows", "of", "reddit_posts", str(posts)],
                                                ["3", "rows", "of", "reddit_comments", str(comments)]]


def test_exporting_one_collection_after_the_other_keeps_both(tmp_path):
    export_job(FakeJob(), "parquet", "reddit_posts", None, False, tmp_path)
    export_job(FakeJob(), "parquet", "reddit_comments", None, False, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "reddit-0123456789ab.reddit_comments.parquet", "reddit-0123456789ab.reddit_posts.parquet"]


def test_an_existing_file_is_never_written_over_without_force(tmp_path):
    export_job(FakeJob(), "jsonl", None, None, False, tmp_path)
    changed = FakeJob(reddit_posts=pd.DataFrame({"_id": ["p9"]}), reddit_comments=pd.DataFrame({"_id": ["c9"]}))
    posts = tmp_path / "reddit-0123456789ab.reddit_posts.jsonl"
    with pytest.raises(ParameterError, match=rf"^{re.escape(str(posts))} exists; nothing written\. Pass --force to write over it and "
                                             r"1 other file\(s\), or --output another name$"):
        export_job(changed, "jsonl", None, None, False, tmp_path)
    assert pd.read_json(posts, lines=True)["_id"].tolist() == ["p1", "p2"]
    export_job(changed, "jsonl", None, None, True, tmp_path)
    assert pd.read_json(posts, lines=True)["_id"].tolist() == ["p9"]


def test_output_is_the_file_of_one_collection_or_a_folder(tmp_path):
    target = tmp_path / "posts.csv"
    export_job(FakeJob(), "csv", "reddit_posts", str(target), False, tmp_path / "unused")
    assert pd.read_csv(target)["_id"].tolist() == ["p1", "p2"]
    with pytest.raises(ParameterError, match=r"has records in 2 collections \(reddit_posts, reddit_comments\); "
                                             r"--output .*all\.csv names one file: pass --collection NAME"):
        export_job(FakeJob(), "csv", None, str(tmp_path / "all.csv"), False, tmp_path)
    export_job(FakeJob(), "csv", None, str(tmp_path / "out") + "/", False, tmp_path)
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_a_collection_without_records_of_the_job_gets_no_file_and_is_named(tmp_path):
    job = FakeJob(hn_items=pd.DataFrame({"_id": ["1"]}), hn_users=pd.DataFrame(columns=["_id"]))
    lines = export_job(job, "csv", None, None, False, tmp_path)
    assert lines[-1] == "no records of reddit-0123456789ab in hn_users: no file"
    assert [path.name for path in tmp_path.iterdir()] == ["reddit-0123456789ab.hn_items.csv"]


def test_a_write_that_fails_leaves_no_half_file(tmp_path, monkeypatch):
    def broken(table, path):
        path.write_text("half")
        raise OSError("disk full")

    monkeypatch.setitem(cli_export.WRITERS, "csv", broken)
    with pytest.raises(OSError):
        export_job(FakeJob(), "csv", "reddit_posts", None, False, tmp_path)
    assert list(tmp_path.iterdir()) == []
