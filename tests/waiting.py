"""Waiting in tests for a condition another thread or process brings about, without a fixed sleep."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 15.0, interval: float = 0.005,
               what: str = "the condition") -> T:
    """The first truthy value of `condition()`, asked every `interval` seconds; fails the test (naming `what`)
    when `timeout` seconds pass first. The timeout only bounds a hang: a test never depends on how long it took."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"{what} was not reached within {timeout:g} s"
        time.sleep(interval)
    return found
