"""Request-rate limiting: one token bucket per directory (RFC 6585 §4 "429 Too Many Requests").

Owns: the rate a directory may send at (:class:`RateLimit`, ``"N/S"`` = N requests per S seconds, with
bursts of up to N), and the per-directory buckets that decide whether one more request may run now and, if
not, how long the client should wait (the ``Retry-After`` of RFC 9110 §10.2.3, which Microsoft Entra ID
honours).

Does not: sleep, read the wall clock (the monotonic clock is injected), know HTTP or SCIM, or share state
between processes — each server process limits the requests it serves itself.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_BUCKETS = 10_000
"""Above this many buckets, buckets that have refilled completely are forgotten (they hold no state)."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``requests`` per ``seconds``, with bursts of up to ``requests`` after a quiet period."""

    requests: int
    seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.requests < 1 or not self.seconds > 0 or math.isinf(self.seconds):
            raise ValueError("a rate limit needs at least 1 request per a positive, finite number of seconds")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"100/60"`` → 100 requests per 60 seconds; ``"10"`` → 10 per second."""
        count, _, seconds = text.strip().partition("/")
        try:
            return cls(int(count), float(seconds) if seconds else 1.0)
        except ValueError:
            raise ValueError(f"{text!r} is not a rate: use N/S, N requests per S seconds (e.g. 100/60)") from None

    @property
    def per_second(self) -> float:
        """The refill rate in requests per second."""
        return self.requests / self.seconds


class RateLimiter:
    """Token buckets keyed by directory id; safe to share between the threads of one process."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one request from ``key``'s bucket: ``0.0`` when admitted, else the seconds until one is."""
        capacity, rate = float(self.limit.requests), self.limit.per_second
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + max(now - at, 0.0) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_BUCKETS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate

    @staticmethod
    def retry_after(wait: float) -> int:
        """Whole seconds for a ``Retry-After`` header: never less than 1, never short of ``wait``."""
        return max(1, math.ceil(wait))

    def _forget_full(self, now: float) -> None:
        capacity, rate = float(self.limit.requests), self.limit.per_second
        full = [k for k, (tokens, at) in self._buckets.items() if tokens + (now - at) * rate >= capacity]
        for key in full:
            del self._buckets[key]
