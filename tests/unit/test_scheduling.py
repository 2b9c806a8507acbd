import time

import pytest

from ingest.messaging.config import task_queue
from ingest.messaging.publisher import DELAY_BUCKETS, FETCH_TASK, Publisher, bucket_for, delay_queue
from ingest.jobtree.nodes import child_id


@pytest.mark.parametrize(
    ("delay", "bucket"), [(0.0, None), (0.5, None), (4.9, None), (5.0, 5.0), (14.9, 5.0), (70.0, 60.0), (99999.0, 1800.0)]
)
def test_a_wait_goes_to_the_longest_bucket_not_longer_than_it(delay, bucket):
    assert bucket_for(delay) == bucket


def test_delay_queues_dead_letter_back_to_their_source_queue():
    queue = delay_queue("ingest.reddit", DELAY_BUCKETS[1])
    assert queue.name == "ingest.reddit.delay.15s"
    assert queue.queue_arguments == {
        "x-message-ttl": 15000, "x-dead-letter-exchange": "ingest", "x-dead-letter-routing-key": "ingest.reddit",
    }
    assert queue.durable


class RecordingApp:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send_task(self, name, **options) -> None:
        self.sent.append({"name": name, **options})


def test_an_exact_wait_longer_than_its_bucket_carries_its_due_time():
    app = RecordingApp()
    before = time.time()
    Publisher(app).publish("job", "node", "ingest.hackernews", delay=7.5, exact=True)
    (sent,) = app.sent
    assert sent["routing_key"] == "ingest.hackernews.delay.5s"
    assert [queue.name for queue in sent["declare"]] == ["ingest.hackernews.delay.5s"]
    assert before + 7.5 <= sent["kwargs"]["due"] <= time.time() + 7.5


def test_a_limiter_wait_and_a_wait_that_fits_its_bucket_carry_no_due_time():
    app = RecordingApp()
    Publisher(app).publish("job", "node", "ingest.reddit", delay=7.5)
    Publisher(app).publish("job", "node", "ingest.reddit", delay=15.0, exact=True)
    assert [sent["kwargs"] for sent in app.sent] == [{}, {}]


def test_a_wait_below_the_smallest_bucket_is_a_countdown():
    app = RecordingApp()
    Publisher(app).publish("job", "node", "ingest.reddit", delay=4.9, exact=True)
    assert app.sent == [{"name": FETCH_TASK, "args": ["job", "node"], "queue": task_queue("ingest.reddit"),
                         "kwargs": None, "countdown": 4.9, "task_id": "node",
                         "ignore_result": True}]


def test_a_node_released_with_a_permit_carries_the_moment_it_was_granted():
    app = RecordingApp()
    Publisher(app).publish("job", "node", "ingest.reddit", granted_at=1700000000.25)
    assert app.sent[0]["kwargs"] == {"granted_at": 1700000000.25} and app.sent[0]["countdown"] is None


def test_children_of_a_node_have_the_same_ids_each_time_it_runs():
    assert child_id("parent", 0) == child_id("parent", 0)
    assert len({child_id("parent", 0), child_id("parent", 1), child_id("other", 0)}) == 3


def test_a_released_node_goes_to_the_queue_its_parker_named_even_one_of_a_source_unknown_here():
    app = RecordingApp()
    Publisher(app).release("job", "node", "ingest.defined_elsewhere", granted_at=5.0)
    assert app.sent[0]["queue"].name == "ingest.defined_elsewhere" and app.sent[0]["kwargs"] == {"granted_at": 5.0}
    with pytest.raises(ValueError, match="not a task queue"):
        Publisher(app).release("job", "node", "celery")
