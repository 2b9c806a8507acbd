"""Status latency of a job's tree at 1,000, 10,000 and 100,000 nodes.

A job's status (nodes by state and by kind and depth, its counters) is read from the tally in
Redis (`Tree.counts`). Baseline, measured in the same run: the same answer tallied from the
node documents in the document store (one projected find over the job's nodes, the way a
status was computed before the tally), on a private FerretDB; at 100,000 nodes the baseline
is measured once, the tally 50 times.

Run: `.venv/bin/python bench/status_latency.py [--sizes 1000 10000 100000]`; a few minutes,
most of it writing 111,000 node documents into FerretDB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymongo import MongoClient  # noqa: E402

from ingest.connectors.base import Request  # noqa: E402
from ingest.storage.mongo import NODES  # noqa: E402
from ingest.jobtree.tally import RedisTally  # noqa: E402
from ingest.jobtree.nodes import new_node  # noqa: E402
from ingest.jobtree.states import COUNTED_FIELDS, NodeState  # noqa: E402
from ingest.jobtree.tree import Tree  # noqa: E402
from tests.private_mongo import ferretdb_binary, start_ferretdb  # noqa: E402
from tests.private_redis import start_redis  # noqa: E402

STATES = [NodeState.DONE] * 7 + [NodeState.QUEUED, NodeState.RUNNING, NodeState.FAILED]
KINDS = ("page", "context", "comments")


def build(tree: Tree, job_id: str, size: int) -> None:
    """A job of `size` nodes across kinds, depths and states, in the store and the tally."""
    batch = []
    for index in range(size):
        request = Request(kind=KINDS[index % 3], url=f"http://127.0.0.1/x/{index}", params={}, depth=index % 4)
        node = new_node(job_id, request, parent=None)
        node.update(state=STATES[index % len(STATES)].value, calls=1, records=index % 100)
        batch.append(node)
        if len(batch) == 5000 or index == size - 1:
            tree.db[NODES].insert_many(batch, ordered=False)
            batch = []
    tree.load_tally(job_id)


def counts_from_store(tree: Tree, job_id: str) -> dict:
    by_state: dict[str, int] = {}
    totals = dict.fromkeys(COUNTED_FIELDS, 0)
    projection = {"_id": 0, "state": 1, "kind": 1, "depth": 1, **dict.fromkeys(COUNTED_FIELDS, 1)}
    for node in tree.db[NODES].find({"job": job_id}, projection):
        by_state[node["state"]] = by_state.get(node["state"], 0) + 1
        for name in COUNTED_FIELDS:
            totals[name] += node.get(name) or 0
    return {"by_state": by_state, "totals": totals}


def timed(call, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    args = parser.parse_args()
    if ferretdb_binary() is None:
        raise SystemExit("no ferretdb binary: run `make setup`")
    with tempfile.TemporaryDirectory() as directory:
        redis_process, client = start_redis(directory)
        store = start_ferretdb(ferretdb_binary(), Path(directory) / "ferretdb")
        try:
            tree = Tree(MongoClient(store.url)["status_bench"], RedisTally(client))
            print(f"{'nodes':>8} {'tally p50 ms':>13} {'tally p99 ms':>13} {'store ms':>10} {'store/tally':>12}")
            for size in args.sizes:
                job_id = f"bench-{size}"
                build(tree, job_id, size)
                expected = counts_from_store(tree, job_id)["by_state"]
                answer = tree.counts(job_id).by_state
                if {k: v for k, v in answer.items() if v} != expected:
                    raise SystemExit(f"tally and store disagree at {size}: {answer} != {expected}")
                tally = sorted(timed(lambda: tree.counts(job_id), 50))
                store_samples = timed(lambda: counts_from_store(tree, job_id), 1 if size >= 100_000 else 5)
                p50, p99 = statistics.median(tally), tally[min(len(tally) - 1, int(0.99 * len(tally)))]
                baseline = statistics.median(store_samples)
                print(f"{size:>8,} {p50 * 1000:>13.2f} {p99 * 1000:>13.2f} {baseline * 1000:>10.0f} {baseline / p50:>11.0f}x")
            print("target: under 100 ms at 100,000 nodes (tally p99)")
        finally:
            store.stop()
            redis_process.terminate()
            redis_process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
