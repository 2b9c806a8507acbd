"""The one loop that waits for a job to end, on an injected clock."""

from ingest.jobtree.waiting import poll_until


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_reads_until_the_reading_has_ended():
    clock, readings = Clock(), iter(["running", "running", "completed"])
    assert poll_until(lambda: next(readings), lambda state: state != "running", 10.0, 0.5,
                      sleep=clock.sleep, clock=clock) == ("completed", True)
    assert clock.slept == [0.5, 0.5]


def test_gives_the_last_reading_back_when_the_time_is_up():
    clock = Clock()
    assert poll_until(lambda: "running", lambda state: state != "running", 1.2, 0.5,
                      sleep=clock.sleep, clock=clock) == ("running", False)
    assert clock.slept == [0.5, 0.5, 0.5]


def test_without_a_timeout_it_waits_as_long_as_it_takes():
    clock, readings = Clock(), iter(["running"] * 1000 + ["failed"])
    assert poll_until(lambda: next(readings), lambda state: state != "running", None, 60.0,
                      sleep=clock.sleep, clock=clock) == ("failed", True)
    assert len(clock.slept) == 1000
