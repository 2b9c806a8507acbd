"""Reading records into pandas: `ingest.api.frames.frame` against the naive
`pd.DataFrame(list(collection.find()))`, on the same stored records, in the same run.

Starts its own FerretDB (SQLite handler, data in a temporary folder, free loopback port) and
stores N Mastodon statuses through `ingest.storage.record_writes.upsert_records`, the workers' own write path.
The statuses are the real ones recorded in ../shared/fixtures/mastodon/*.json (never copied
here), repeated with new ids, URLs, times and counts. Each read then runs once, in a fresh
interpreter of its own, so that its peak memory is its own:

  all columns   baseline  pd.DataFrame(list(collection.find()))
                frame     frame(db, "mastodon_statuses"): flattened, typed, read in batches
  5 columns     baseline  the same naive read, then the 5 columns selected
                frame     frame(db, "mastodon_statuses", columns=[...5...]): projected by the store
                reference pd.DataFrame(list(collection.find({}, projection))): pymongo's own best

For each it prints rows per second (wall time, the server's work included), the reading
process's CPU seconds (the client's work alone) and its peak resident memory during the read
above what it held before (Linux: /proc/self/clear_refs resets the high-water mark), each
beside the baseline's as a ratio: rows/s above 1 is faster, CPU and memory below 1 are less.
FerretDB serves a few thousand documents a second, so wall time is mostly the server's.

    .venv/bin/python bench/frames_throughput.py [records]      (default 20000, about 2 minutes)
"""

from __future__ import annotations

import copy
import gc
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import pandas as pd  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from ingest.storage import record_writes  # noqa: E402
from ingest.connectors.base import Record  # noqa: E402
from ingest.connectors.times import iso_z, parse_time  # noqa: E402
from ingest.api.frames import frame  # noqa: E402
from tests.private_mongo import ferretdb_binary, start_ferretdb  # noqa: E402
from tests.recordings import fixtures_dir  # noqa: E402

COLLECTION = "mastodon_statuses"
FIVE_COLUMNS = ["_id", "created_at", "language", "replies_count", "content"]
HOST = "mastodon.example"
FIRST_ID = 117_100_000_000_000_000
INSERT_CHUNK = 1000
READS = {
    "all columns": ("baseline_all", "frame_all"),
    "5 columns": ("baseline_five", "frame_five", "projected_five"),
}
LABELS = {
    "baseline_all": "pymongo -> DataFrame (baseline)",
    "frame_all": "frame()",
    "baseline_five": "pymongo -> DataFrame -> 5 columns (baseline)",
    "frame_five": "frame(columns=5)",
    "projected_five": "pymongo projection -> DataFrame (reference)",
}


def recorded_statuses() -> list[dict]:
    statuses = []
    for path in sorted((fixtures_dir() / "mastodon").glob("*.json")):
        for exchange in json.loads(path.read_text(encoding="utf-8")):
            body = json.loads(exchange["body"]) if exchange["status"] == 200 else None
            if isinstance(body, list):
                statuses.extend(item for item in body if isinstance(item, dict) and "created_at" in item)
    return statuses


def varied_statuses(templates: list[dict], count: int) -> list[Record]:
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    records = []
    for number in range(count):
        status = copy.deepcopy(templates[number % len(templates)])
        old_id, new_id = str(status["id"]), str(FIRST_ID + number)
        status["id"] = new_id
        for field in ("uri", "url"):
            if isinstance(status.get(field), str):
                status[field] = status[field].replace(old_id, new_id)
        status["created_at"] = iso_z(start + timedelta(seconds=7 * number))
        status["replies_count"], status["favourites_count"] = number % 5, number % 17
        records.append(Record(COLLECTION, f"{HOST}:{new_id}", status, parse_time(status["created_at"])))
    return records


def store_statuses(url: str, database: str, records: list[Record]) -> None:
    db = MongoClient(url, tz_aware=True)[database]
    fetched = datetime.now(timezone.utc)
    for offset in range(0, len(records), INSERT_CHUNK):
        record_writes.upsert_records(db, records[offset:offset + INSERT_CHUNK], source="mastodon", host=HOST,
                             endpoint="/api/v1/timelines/public", job_id="mastodon-bench", fetched=fetched)
    db.client.close()


def read(mode: str, url: str, database: str) -> pd.DataFrame:
    collection = MongoClient(url, tz_aware=True)[database][COLLECTION]
    if mode == "baseline_all":
        return pd.DataFrame(list(collection.find()))
    if mode == "frame_all":
        return frame(collection.database, COLLECTION)
    if mode == "baseline_five":
        return pd.DataFrame(list(collection.find()))[FIVE_COLUMNS]
    if mode == "frame_five":
        return frame(collection.database, COLLECTION, columns=FIVE_COLUMNS)
    projection = dict.fromkeys(FIVE_COLUMNS, 1)
    return pd.DataFrame(list(collection.find({}, projection)))[FIVE_COLUMNS]


def resident_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"/proc/self/status has no {field}")


def measure(mode: str, url: str, database: str) -> None:
    """One read in this interpreter; prints its figures as JSON. Peak memory is the resident
    high-water mark during the read (reset by /proc/self/clear_refs) above the resident size
    before it."""
    gc.collect()
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")
    resident_before = resident_kib("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    result = read(mode, url, database)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resident_kib("VmHWM") - resident_before
    print(json.dumps({"rows": len(result), "columns": result.shape[1], "seconds": wall, "cpu": cpu,
                      "peak_mb": peak / 1024}))


def measured(mode: str, url: str, database: str) -> dict:
    answer = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", mode, url, database],
                            capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def print_table(records: int, templates: int, figures: dict[str, dict]) -> None:
    print(f"{records:,} Mastodon statuses ({templates} recorded ones with new ids and times), "
          f"private FerretDB with SQLite, pandas {pd.__version__}")
    print(f"{'read':56} {'cols':>5} {'rows/s':>8} {'x base':>7} {'CPU s':>6} {'x base':>7} "
          f"{'peak MB':>8} {'x base':>7}")
    for group, modes in READS.items():
        base = figures[modes[0]]
        for mode in modes:
            figure = figures[mode]
            rate, base_rate = figure["rows"] / figure["seconds"], base["rows"] / base["seconds"]
            print(f"{group + ': ' + LABELS[mode]:56} {figure['columns']:5d} {rate:8.0f} {rate / base_rate:7.2f} "
                  f"{figure['cpu']:6.2f} {figure['cpu'] / base['cpu']:7.2f} "
                  f"{figure['peak_mb']:8.1f} {figure['peak_mb'] / max(base['peak_mb'], 0.1):7.2f}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        measure(*sys.argv[2:])
        return
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    templates = recorded_statuses()
    if not templates:
        raise SystemExit(f"no recorded Mastodon statuses under {fixtures_dir() / 'mastodon'}")
    binary = ferretdb_binary()
    if binary is None:
        raise SystemExit("ferretdb is not installed (expected beside the interpreter or on PATH)")
    with tempfile.TemporaryDirectory() as directory:
        server = start_ferretdb(binary, Path(directory))
        try:
            store_statuses(server.url, "bench_frames", varied_statuses(templates, records))
            figures = {mode: measured(mode, server.url, "bench_frames")
                       for modes in READS.values() for mode in modes}
        finally:
            server.stop()
    wrong = [mode for mode, figure in figures.items() if figure["rows"] != records]
    if wrong:
        raise SystemExit(f"{', '.join(wrong)} did not read all {records} records")
    print_table(records, len(templates), figures)


if __name__ == "__main__":
    main()
