"""core.engine_host's outbox: the engine's loop never waits to send, large answers go just after a
poll (their pickling holds the engine process's GIL), a slow front end never backs it up."""

from __future__ import annotations

import multiprocessing

from core.engine_host import EVENTS_MAX, NO_POLL_S, SEND_WINDOW_S, Outbox


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _outbox() -> tuple[Outbox, Clock]:
    here, _there = multiprocessing.Pipe()
    clock = Clock()
    return Outbox(here, clock=clock), clock


def test_a_large_answer_waits_for_the_window_after_a_poll() -> None:
    outbox, clock = _outbox()
    outbox.polled("snapshot 1")
    clock.now += SEND_WINDOW_S * 2  # mid-slot: the next poll is near
    outbox.bulky("reply", 1, True, "a production view")
    outbox.event("reply", 2, True, None)  # a sync command's answer goes at once
    views, events, _ = outbox.take()
    assert views == {"latest": "snapshot 1"} and events == [("reply", 2, True, None)]
    assert not outbox._ready()
    outbox.polled("snapshot 2")  # the next poll: its idle time follows
    assert outbox._ready()
    views, events, _ = outbox.take()
    assert views == {"latest": "snapshot 2"} and events == [("reply", 1, True, "a production view")]


def test_without_polls_a_large_answer_goes_anyway() -> None:
    outbox, clock = _outbox()
    outbox.polled("snapshot")
    outbox.take()
    clock.now += NO_POLL_S * 2  # the link is down or the engine stopped polling
    outbox.bulky("reply", 1, True, "rows")
    assert outbox._ready()
    assert outbox.take()[1] == [("reply", 1, True, "rows")]


def test_views_coalesce_and_events_a_slow_front_end_may_lose_are_bounded() -> None:
    outbox, _ = _outbox()
    for n in range(EVENTS_MAX + 10):
        outbox.view("status", n)
        outbox.bounded("alarm", n)
    outbox.progress(7, 1, 10)
    outbox.progress(7, 5, 10)
    views, events, _ = outbox.take()
    assert views == {"status": EVENTS_MAX + 9}  # latest wins
    assert events[0] == ("progress", 7, 5, 10)  # progress coalesces too
    assert len(events) == 1 + EVENTS_MAX and events[1] == ("alarm", 10) and outbox.dropped == 10
