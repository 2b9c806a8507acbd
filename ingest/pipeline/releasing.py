"""A worker's releaser thread, and the nodes sent again when Redis lost the waiting rooms."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from functools import partial

from ingest import connectors
from ingest.errors import UnknownSourceError
from ingest.jobtree.states import JobState
from ingest.runtime import Runtime
from ingest.waiting_room import Releaser

log = logging.getLogger(__name__)


def send_live_nodes_again(runtime: Runtime) -> int:
    """Send every live node of every running job to its queue again; answers how many. After
    Redis lost its data, parked nodes are known only to the job trees in the document store; a
    node whose message is still queued runs once all the same (see `Tree.claim`)."""
    sent = 0
    for job in runtime.jobs.in_state(JobState.RUNNING.value, ["source", "queue"]):
        queue = job.get("queue") or _registered_queue(job["source"])
        if queue is None:
            log.warning("job %s of an unknown source %r (written before jobs kept their queue): its live "
                        "nodes are not sent again", job["_id"], job["source"])
            continue
        for node_id in runtime.tree.live_node_ids(job["_id"]):
            runtime.publisher.release(job["_id"], node_id, queue)
            sent += 1
    return sent


def _registered_queue(source: str) -> str | None:
    try:
        return connectors.get(source).queue
    except UnknownSourceError:
        return None


def start_releaser(runtime: Runtime) -> threading.Event:
    """Start this process's releaser in a thread; set the answered event to stop it."""
    stop = threading.Event()
    releaser = Releaser(runtime.room, runtime.limiter, send=runtime.publisher.release,
                        recover=partial(send_live_nodes_again, runtime),
                        holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    threading.Thread(target=releaser.run, args=(stop,), name="ingest-releaser", daemon=True).start()
    return stop
