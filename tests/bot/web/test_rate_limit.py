from __future__ import annotations

from bot.web.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_key_gets_its_own_allowance_within_the_window() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60.0, clock)
    assert [limiter.allow("nok") for _ in range(3)] == [True, True, False]
    assert limiter.allow("dao")


def test_the_allowance_comes_back_as_the_window_slides() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60.0, clock)
    limiter.allow("nok")
    clock.now = 30.0
    limiter.allow("nok")
    clock.now = 59.0
    assert not limiter.allow("nok")
    clock.now = 60.0  # the first action has left the window
    assert limiter.allow("nok")
    assert not limiter.allow("nok")
