import pytest

from ingest.scheduling import DELAY_BUCKETS, bucket_for, delay_queue


@pytest.mark.parametrize(
    ("delay", "bucket"), [(0.0, None), (0.5, None), (1.0, 1.0), (4.9, 1.0), (5.0, 5.0), (70.0, 60.0), (99999.0, 1800.0)]
)
def test_a_wait_goes_to_the_longest_bucket_not_longer_than_it(delay, bucket):
    assert bucket_for(delay) == bucket


def test_delay_queues_dead_letter_back_to_their_source_queue():
    queue = delay_queue("ingest.reddit", DELAY_BUCKETS[1])
    assert queue.name == "ingest.reddit.delay.5s"
    assert queue.queue_arguments == {
        "x-message-ttl": 5000, "x-dead-letter-exchange": "ingest", "x-dead-letter-routing-key": "ingest.reddit",
    }
    assert queue.durable
