"""Login throttling, pure (time is an argument): password guessing gets slower with every miss.

Two limits, both in force at once. Per client address: after `free_failures` misses within
`window_s`, each further miss locks that address out for `base_lockout_s`, doubling up to
`max_lockout_s`. Across every address: more than `global_failures` misses within `window_s`
lock every login out for `base_lockout_s`, so guesses spread over many addresses are bounded
too (a person who knows the password waits that lockout out as well). A success clears
its address; an address's lockouts keep doubling until it succeeds.
Memory is bounded: at most `max_clients` addresses are remembered, the stalest forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Client:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    lockouts: int = 0


@dataclass
class LoginThrottle:
    free_failures: int = 5
    window_s: float = 900.0
    base_lockout_s: float = 30.0
    max_lockout_s: float = 3600.0
    global_failures: int = 100
    max_clients: int = 10_000
    _clients: OrderedDict[str, _Client] = field(default_factory=OrderedDict, repr=False)
    _recent: deque[float] = field(default_factory=deque, repr=False)
    _all_locked_until: float = 0.0

    def retry_after(self, client: str, now: float) -> float:
        """Seconds until `client` may try again; 0 if it may now."""
        state = self._clients.get(client)
        mine = state.locked_until - now if state else 0.0
        return max(mine, self._all_locked_until - now, 0.0)

    def failed(self, client: str, now: float) -> None:
        state = self._clients.pop(client, None) or _Client()
        self._clients[client] = state  # most recent last
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)
        _trim(state.failures, now - self.window_s)
        state.failures.append(now)
        if len(state.failures) > self.free_failures:
            lockout = min(self.base_lockout_s * 2**state.lockouts, self.max_lockout_s)
            state.locked_until = now + lockout
            state.lockouts += 1
        _trim(self._recent, now - self.window_s)
        self._recent.append(now)
        if len(self._recent) > self.global_failures:
            self._all_locked_until = now + self.base_lockout_s

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


def _trim(times: deque[float], before: float) -> None:
    while times and times[0] < before:
        times.popleft()
