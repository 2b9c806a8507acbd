"""A worker's releaser thread, and the nodes sent again when Redis lost the waiting rooms."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from functools import partial

from ingest import connectors
from ingest.jobtree.states import JobState
from ingest.runtime import Runtime
from ingest.waiting_room import Releaser

log = logging.getLogger(__name__)


def send_live_nodes_again(runtime: Runtime) -> int:
    """Send every live node of every running job to its queue again; answers how many. After
    Redis lost its data, parked nodes are known only to the job trees in the document store; a
    node whose message is still queued runs once all the same (see `Tree.claim`)."""
    sent = 0
    for job in runtime.jobs.in_state(JobState.RUNNING.value, ["source"]):
        queue = connectors.get(job["source"]).queue
        for node_id in runtime.tree.live_node_ids(job["_id"]):
            runtime.publisher.publish(job["_id"], node_id, queue)
            sent += 1
    return sent


def start_releaser(runtime: Runtime) -> threading.Event:
    """Start this process's releaser in a thread; set the answered event to stop it."""
    stop = threading.Event()
    releaser = Releaser(runtime.room, runtime.limiter, send=runtime.publisher.publish,
                        recover=partial(send_live_nodes_again, runtime),
                        holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    threading.Thread(target=releaser.run, args=(stop,), name="ingest-releaser", daemon=True).start()
    return stop
