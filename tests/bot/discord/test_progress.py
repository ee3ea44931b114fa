"""The edit throttle and the progress bar."""

from __future__ import annotations

from bot.discord.progress import EditThrottle, progress_bar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_optional_edit_waits_for_the_interval_since_the_last_edit_of_that_message():
    clock = Clock()
    throttle = EditThrottle(3.0, clock)
    assert throttle.due("job-a")  # nothing edited yet
    throttle.edited("job-a")
    clock.now += 2.9
    assert not throttle.due("job-a")
    assert throttle.due("job-b")  # each message keeps its own pace
    clock.now += 0.1
    assert throttle.due("job-a")


def test_a_forgotten_message_starts_afresh():
    clock = Clock()
    throttle = EditThrottle(3.0, clock)
    throttle.edited("job-a")
    throttle.forget("job-a")
    assert throttle.due("job-a")


def test_the_bar_fills_with_the_steps_done():
    assert progress_bar(0, 10, width=10) == "▱" * 10
    assert progress_bar(5, 10, width=10) == "▰" * 5 + "▱" * 5
    assert progress_bar(10, 10, width=10) == "▰" * 10
    assert progress_bar(3, 0, width=4) == "▱" * 4  # no steps to count yet
