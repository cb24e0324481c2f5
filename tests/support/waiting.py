"""Waiting in tests: on a condition, never for a fixed time, with a timeout that only catches a hang.

The CI machine has two cores shared with other work, so anything may take ten times longer than on a
quiet laptop. A test therefore never sleeps "long enough" and never asserts how long something took:
it waits until what it expects has happened (``wait_until``), and the timeout is there only so a
hang fails the test instead of stalling the run. ``HANG_TIMEOUT`` is that timeout: what a test waits
for takes milliseconds to a few seconds on a quiet machine, and about six times longer under a load
average of 10 on two cores (the whole CLI daemon test, start-up included, has taken 36 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: Seconds before a wait is declared hung. Generous on purpose: it is not a performance bound.
HANG_TIMEOUT = 120.0


def wait_until(predicate: Callable[[], Any], timeout: float = HANG_TIMEOUT, interval: float = 0.02) -> Any:
    """Call ``predicate`` until it returns something truthy and return that.

    Raises AssertionError (a test failure, naming the predicate) when ``timeout`` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:.0f}s (a hang?): {predicate!r}")
        time.sleep(interval)


def in_background(function: Callable[..., T], *args: Any) -> Future[T]:
    """Run ``function(*args)`` in a thread of its own; ``.result(HANG_TIMEOUT)`` waits for its answer.

    For a call that blocks until something else happens (``wait_for_mail`` until a delivery): the
    test starts it here, waits until it is in the expected state, makes the thing happen, then takes
    the result. The thread is not a daemon, so a hung call must be woken (e.g. ``interrupt()``) by
    the test's clean-up.
    """
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-background")
    try:
        return executor.submit(function, *args)
    finally:
        executor.shutdown(wait=False)
