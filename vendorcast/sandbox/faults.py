"""Deterministic fault injection: each fault kind draws from its own RNG seeded from the sandbox seed, so a
given sequence of calls meets the same faults on every run. Thread-safe."""

from __future__ import annotations

import threading
from enum import IntEnum

import numpy as np

from vendorcast.sandbox.settings import FaultSettings


class Fault(IntEnum):
    THROTTLE = 1
    SERVER_ERROR = 2
    FATAL_NOT_AVAILABLE = 3
    DUPLICATE_NOTIFICATION = 4
    LOST_NOTIFICATION = 5
    DELAYED_NOTIFICATION = 6
    SERVER_ERROR_KIND = 7


# Streams of the sandbox's own randomness, apart from the simulator's.
_FAULT_STREAM = 1000
# The faults of catalog notifications draw apart from the report notifications', so that one kind of traffic does
# not change which faults the other meets.
CATALOG_EVENT_FAULT_STREAM = 1001


class FaultInjector:
    """Decides, call by call, whether a fault strikes."""

    def __init__(self, settings: FaultSettings, seed: int, stream: int = _FAULT_STREAM) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._rngs = {kind: np.random.default_rng([seed, stream, int(kind)]) for kind in Fault}
        self._truncations_left = settings.truncated_documents
        self._rates = {
            Fault.THROTTLE: settings.throttle_rate,
            Fault.SERVER_ERROR: settings.server_error_rate,
            Fault.FATAL_NOT_AVAILABLE: settings.fatal_not_available_rate,
            Fault.DUPLICATE_NOTIFICATION: settings.duplicate_notification_rate,
            Fault.LOST_NOTIFICATION: settings.lost_notification_rate,
            Fault.DELAYED_NOTIFICATION: settings.delayed_notification_rate,
        }

    def hits(self, kind: Fault) -> bool:
        """Whether this occurrence meets the fault (a zero rate never draws, keeping other streams intact)."""
        rate = self._rates[kind]
        if rate <= 0:
            return False
        with self._lock:
            return bool(self._rngs[kind].random() < rate)

    def server_error_status(self) -> int:
        """Which 5xx an injected server error is: mostly 500, sometimes 503."""
        with self._lock:
            return 503 if self._rngs[Fault.SERVER_ERROR_KIND].random() < 0.3 else 500

    def take_truncation(self) -> bool:
        """Whether the next first download of a document is served truncated."""
        with self._lock:
            if self._truncations_left <= 0:
                return False
            self._truncations_left -= 1
            return True
