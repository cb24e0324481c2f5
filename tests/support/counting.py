"""Measuring work by counting it, not timing it: how a test checks that a cost grows linearly.

A timing ratio breaks on a busy machine (one run is slowed, the other is not); the number of Python
lines a call executes is the same on every machine and under any load. ``python_lines`` counts them
with ``sys.settrace``, and ``growth`` turns three counts at sizes n, 2n and 4n into one figure that
is 2 for a linear cost and 4 for a quadratic one, whatever the fixed overhead.

Work done inside C (a regular expression's backtracking, ``sorted``) is not counted: a test guarding
against a catastrophic regex feeds a huge input instead and relies on its hang timeout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def python_lines(function: Callable[[], Any]) -> int:
    """How many Python lines ``function()`` executes in this thread (its callees' lines included)."""
    count = 0

    def line_counter(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal count
        if event == "line":
            count += 1
        return line_counter

    def on_call(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        return line_counter

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        function()
    finally:
        sys.settrace(previous)
    return count


def growth(work: list[int]) -> float:
    """For the work at sizes n, 2n and 4n: (w(4n) - w(2n)) / (w(2n) - w(n)).

    A fixed overhead cancels out; a cost a + b*n gives exactly 2, a + c*n**2 gives 4, and a mixture
    lies in between, so a bound such as 2.2 says "no quadratic part worth mentioning".
    """
    small, middle, large = work
    return (large - middle) / (middle - small)
