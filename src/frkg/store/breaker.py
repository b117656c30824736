"""A circuit breaker for a store that can fail: stop asking a backend that is down.

A remote SPARQL endpoint counts its failed requests here; an on-disk store whose folder is gone
counts its looks at it (:class:`frkg.store.ondisk.DiskStore`, with a threshold of one).

After ``threshold`` failures in a row (the endpoint cannot be reached, or says it is not
available) the breaker **opens**: every request fails at once, without a connection attempt,
for ``cooldown`` seconds. Then it is **half-open**: one request is let through as a probe; if it
succeeds the breaker closes, if it fails it opens again for another cooldown. So a page asked
for while the backend is down gets its 503 at once instead of waiting on a dead address, and a
backend that comes back is found within ``cooldown`` seconds without a restart. Nothing here
imports Flask or does I/O.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitBreaker:
    """Counts consecutive failures of one backend and says whether to try it now."""

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self.last_error = ""
        #: Listeners told of every change between up (True) and down (False).
        self.listeners: list[Callable[[bool], None]] = []

    def after_fork(self) -> None:
        """In a forked child: a new lock (one another thread held at the fork stays held)."""
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """``closed`` (requests go through), ``open`` (they fail at once) or ``half-open``."""
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at >= self.cooldown:
            return HALF_OPEN
        return OPEN

    def allow(self) -> bool:
        """True when a request may be sent now (in half-open state: only the one probe)."""
        with self._lock:
            state = self._state()
            if state == CLOSED:
                return True
            if state == HALF_OPEN and not self._probing:
                self._probing = True
                return True
            return False

    def retry_in(self) -> float:
        """Seconds until the next probe may be sent (0 when requests go through)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.cooldown - (self._clock() - self._opened_at))

    def success(self) -> None:
        """A request was answered: the backend is up."""
        with self._lock:
            was_down = self._opened_at is not None
            self._failures, self._opened_at, self._probing = 0, None, False
        if was_down:
            self._tell(True)

    def inconclusive(self) -> None:
        """A request ended without saying whether the backend is up (a query that ran too long):
        nothing is counted, and a probe it was may be sent again."""
        with self._lock:
            self._probing = False

    def failure(self, error: str = "") -> None:
        """A request found the backend down."""
        with self._lock:
            self._failures += 1
            self.last_error = error or self.last_error
            was_down = self._opened_at is not None
            if was_down or self._failures >= self.threshold:
                self._opened_at = self._clock()  # (re)open: a failed probe waits a cooldown
            self._probing = False
            now_down = self._opened_at is not None
        if now_down and not was_down:
            self._tell(False)

    def snapshot(self) -> dict:
        """What ``/health`` shows: state, failures in a row, the last error, seconds to retry."""
        with self._lock:
            state = self._state()
            failures = self._failures
        return {
            "up": state == CLOSED,
            "breaker": state,
            "failures": failures,
            "last_error": self.last_error or None,
            "retry_in": round(self.retry_in(), 1),
        }

    def _tell(self, up: bool) -> None:
        for listener in list(self.listeners):
            listener(up)
