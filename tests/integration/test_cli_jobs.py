"""The job commands of `ingest`, run as a user runs them, against the running stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pandas as pd

import ingest
from tests.sandbox_admin import SandboxAdmin

INGEST = [sys.executable, "-m", "ingest"]
FAST = "{'requests': 1000, 'window': 10.0}"


def run(*arguments: str, timeout: float = 180.0) -> subprocess.CompletedProcess:
    return subprocess.run([*INGEST, *arguments], capture_output=True, text=True, timeout=timeout, env=os.environ.copy())


def test_pull_follows_the_job_to_its_end_and_export_writes_its_records(settings, tmp_path):
    pulled = run("pull", "hackernews", "--base_url", settings.sandbox_url + "/hn", "--list", "top",
                 "--limit", "12", "--limits", FAST, "--timeout", "150")
    assert pulled.returncode == 0, pulled.stderr
    job_id = pulled.stderr.splitlines()[0].removeprefix("job ")
    listed = run("jobs", "--source", "hackernews")
    assert job_id in listed.stdout
    shown = json.loads(run("show", job_id, "--json").stdout)
    assert shown["state"] == "completed" and shown["totals"]["records"] == 12
    target = tmp_path / "items.csv"
    exported = run("export", job_id, "--format", "csv", "--output", str(target))
    assert exported.returncode == 0, exported.stderr
    assert sorted(pd.read_csv(target, dtype={"_id": str})["_id"]) == sorted(ingest.job(job_id, settings).record_ids("hn_items"))


def test_a_named_job_is_a_row_of_the_jobs_table_and_exports_every_collection_without_overwrite(settings, tmp_path):
    name = f"users-{uuid.uuid4().hex[:6]}"
    pulled = run("pull", "hackernews", f"--base_url={settings.sandbox_url}/hn", "--list", "top", "--limit", "4",
                 "--with_users", "yes", "--since", "2000-01-01T00:00", f"--name={name}", "--limits", FAST,
                 "--timeout", "150")
    assert pulled.returncode == 0, pulled.stderr
    assert "note: hackernews: since='2000-01-01T00:00' has no time zone; read as UTC, 2000-01-01T00:00:00Z." in pulled.stderr
    job_id = next(line for line in pulled.stderr.splitlines() if line.startswith("job ")).removeprefix("job ")
    table = ingest.jobs(name=name, settings=settings)
    assert table["id"].tolist() == [job_id]
    row = table.iloc[0]
    assert (row["name"], row["source"], row["state"]) == (name, "hackernews", "completed")
    assert row["calls"] >= 5 and row["errors"] == 0 and "limit=4" in row["spec"] and "with_users=True" in row["spec"]
    assert ingest.job(name, settings).id == job_id == ingest.job(job_id, settings).id
    assert name in run("jobs", "--name", name).stdout.splitlines()[1].split()

    folder = tmp_path / "exports"
    exported = run("export", name, "--format", "csv", "--output", f"{folder}/")
    assert exported.returncode == 0, exported.stderr
    files = {path.name: pd.read_csv(path, dtype={"_id": str}) for path in folder.iterdir()}
    assert sorted(files) == [f"{job_id}.hn_items.csv", f"{job_id}.hn_users.csv"]
    assert sorted(files[f"{job_id}.hn_items.csv"]["_id"]) == sorted(ingest.job(job_id, settings).record_ids("hn_items"))
    assert len(files[f"{job_id}.hn_users.csv"]) >= 1
    assert "rows of hn_users" in exported.stdout
    again = run("export", name, "--format", "csv", "--output", f"{folder}/")
    assert again.returncode == 1 and "exists; nothing written. Pass --force" in again.stderr
    assert run("export", name, "--format", "csv", "--output", f"{folder}/", "--force").returncode == 0
    unknown = run("show", "no-such-name")
    assert "no job with id 'no-such-name' nor named 'no-such-name'" in unknown.stderr


def test_bad_input_on_the_command_line_is_a_clear_message(settings):
    unknown = run("pull", "mastadon", "--tag", "python")
    assert unknown.returncode == 1 and "Did you mean 'mastodon'?" in unknown.stderr
    missing = run("show", "mastodon-000000000000")
    assert missing.returncode == 1 and "no job with id 'mastodon-000000000000'" in missing.stderr


def test_status_shows_the_shared_limits_after_a_pull(settings):
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="top", limit=3, settings=settings,
                      limits={"requests": 1000, "window": 10.0})
    job.wait(timeout=120)
    answer = json.loads(run("status", "--json").stdout)
    assert "hackernews" in answer["limits"]
    entry = next(iter(answer["limits"]["hackernews"].values()))
    assert entry["granted"] >= 3 and entry["mode"] == "known"


def test_cancel_stops_the_calls_within_seconds(settings):
    """The sandbox's own counters: no call for the job a few seconds after cancel() (nothing
    else calls Hacker News meanwhile)."""
    job = ingest.pull("hackernews", base_url=settings.sandbox_url + "/hn", list="new", limit=400, settings=settings,
                      limits={"requests": 5, "window": 1.0})
    deadline = time.monotonic() + 60
    while job.status()["counts"]["calls"] < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    job.cancel()
    time.sleep(3.0)
    settled = SandboxAdmin(settings.sandbox_url).calls("hackernews")
    time.sleep(5.0)
    assert SandboxAdmin(settings.sandbox_url).calls("hackernews") == settled, "calls went on after cancel"
    status = job.status()
    assert status["state"] == "cancelled" and status["counts"]["calls"] < 100
