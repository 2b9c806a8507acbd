import pytest

from ingest.pipeline.retry import ExponentialJitterBackoff, StopAfterAttempt


@pytest.mark.parametrize(
    ("attempt", "random", "seconds"),
    [(1, 0.0, 0.5), (1, 1.0, 1.0), (2, 0.5, 1.5), (3, 0.0, 2.0), (4, 0.25, 5.0), (10, 0.0, 30.0), (10, 1.0, 60.0)],
)
def test_backoff_is_half_the_ceiling_plus_a_random_share_of_the_other_half(attempt, random, seconds):
    backoff = ExponentialJitterBackoff(initial=1.0, multiplier=2.0, maximum=60.0)
    assert backoff(attempt, lambda: random) == pytest.approx(seconds)


def test_backoff_ceiling_grows_exponentially_up_to_the_maximum():
    backoff = ExponentialJitterBackoff(initial=0.5, multiplier=3.0, maximum=10.0)
    assert [backoff.ceiling(n) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]


def test_stop_after_attempt():
    stop = StopAfterAttempt(3)
    assert [stop(n) for n in range(1, 5)] == [False, False, True, True]
