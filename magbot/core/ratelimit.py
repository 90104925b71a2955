"""A small rate limiter on the injected clock: tells how long to wait, never sleeps itself."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from magbot.core.delivery import RatePolicy

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


class RateLimiter:
    def __init__(self, policy: RatePolicy) -> None:
        self._policy = policy
        self._last_per_chat: dict[str, datetime] = {}
        self._group_window: dict[str, deque[datetime]] = {}
        self._overall: deque[datetime] = deque()

    def wait_needed(self, chat_id: str, is_group: bool, now: datetime) -> float:
        """Seconds until a message to this chat may go; 0 when it may go now."""
        policy, waits = self._policy, [0.0]
        last = self._last_per_chat.get(chat_id)
        if policy.per_chat_interval and last is not None:
            waits.append(policy.per_chat_interval - (now - last).total_seconds())
        if is_group and policy.per_group_per_minute:
            window = self._trim(self._group_window.setdefault(chat_id, deque()), now - MINUTE)
            if len(window) >= policy.per_group_per_minute:
                waits.append((window[0] + MINUTE - now).total_seconds())
        if policy.overall_per_second:
            overall = self._trim(self._overall, now - SECOND)
            if len(overall) >= policy.overall_per_second:
                waits.append((overall[0] + SECOND - now).total_seconds())
        return max(waits)

    def room(self, now: datetime) -> int | None:
        """How many messages may go now within the overall limit (None: no overall limit)."""
        if not self._policy.overall_per_second:
            return None
        return max(0, int(self._policy.overall_per_second) - len(self._trim(self._overall, now - SECOND)))

    def record(self, chat_id: str, is_group: bool, now: datetime) -> None:
        self._last_per_chat[chat_id] = now
        if is_group and self._policy.per_group_per_minute:
            self._group_window.setdefault(chat_id, deque()).append(now)
        if self._policy.overall_per_second:
            self._overall.append(now)

    def answered(self, chat_id: str, now: datetime) -> None:
        """A send to this chat was answered: the next one waits a full interval from here. The platform counts
        when a request arrives, and a slow request (a loaded machine, a slow network) arrives well after the
        slot was taken; counted from the answer, the next one cannot arrive less than an interval after it."""
        last = self._last_per_chat.get(chat_id)
        if last is None or now > last:
            self._last_per_chat[chat_id] = now

    @staticmethod
    def _trim(window: deque[datetime], cutoff: datetime) -> deque[datetime]:
        while window and window[0] <= cutoff:
            window.popleft()
        return window
