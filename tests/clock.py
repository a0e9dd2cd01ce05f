"""The tests' clock: every test runs at one pinned moment, so none depends on the day or hour it runs.

The demo office is built for "this week" (caseload.localtime.this_week_start) and the booking desk
refuses windows in the past, so a test that books Monday passed on Sunday and failed on Tuesday. Every
test therefore runs with the clock (datetime.now, time.time, ...; time-machine patches them all in
this process, threads included) travelled to PINNED: a Sunday morning, when the demo week (Mon
DEMO_WEEK to Fri) lies wholly ahead. The pinned clock ticks, and goes on from test to test (a test
never sees an earlier time than the one before it), so timeouts, heartbeats and rate-limit windows
behave as in real time.

Separate processes (job consumers, region workers, gunicorn) do not see time-machine: a test that
starts one reads the real clock instead and is marked `real_clock` (its demo office is built for the
real week). time.monotonic is not pinned anywhere (scheduler.runner hands the solver child its
deadline on that clock, which every process shares).

A test of what happens later in the week travels there on purpose with `at(...)`.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import time_machine

PINNED = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)  # Sunday 10:00 in London (GMT)
DEMO_WEEK = date(2026, 11, 30)  # this_week_start at PINNED: the Monday after
_SESSION_START = time.monotonic()


def pinned_now() -> datetime:
    """PINNED plus the real time this test session has run (so the pinned clock never goes back)."""
    return PINNED + timedelta(seconds=time.monotonic() - _SESSION_START)


@contextmanager
def pinned():
    """Run the block at the pinned moment (ticking)."""
    with time_machine.travel(pinned_now(), tick=True):
        yield


@contextmanager
def at(moment: datetime):
    """Run the block at `moment` (aware; ticking), e.g. inside the demo week to test what is past."""
    assert moment.tzinfo is not None, "give an aware moment"
    with time_machine.travel(moment, tick=True):
        yield
