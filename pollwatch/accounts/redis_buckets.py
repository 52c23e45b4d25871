"""The token buckets of :class:`pollwatch.accounts.models.TokenBucket` kept in Redis.

With ``REDIS_URL`` set, every rate limit and quota (logins, SMS, the observer API) is charged
here: one round trip, no database write, shared by every web worker and host. The rule is the
database's, step for step: a bucket's ``used`` share drains linearly to 0 over its window; a
charge adds cost/capacity; several buckets are charged all or none (a Lua script, so Redis runs
it atomically). Keys are the same sha256 hashes the table keeps; each expires a window after
its last charge, when it would be empty anyway.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pollwatch.accounts.models import Charge

PREFIX = "pollwatch:bucket:"

# KEYS: bucket keys. ARGV: now, then per key: share of this charge, window seconds.
# Returns 0 when all were charged, else the 1-based index of the first full bucket.
TAKE = """
local now = tonumber(ARGV[1])
local used = {}
for i, key in ipairs(KEYS) do
  local share = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'used', 'updated')
  local before = tonumber(state[1]) or 0
  local updated = tonumber(state[2]) or now
  local drained = math.max(0, before - (now - updated) / window)
  if share > 0 and drained + share > 1 + 1e-9 then return i end
  used[i] = math.max(0, drained + share)
end
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('HSET', key, 'used', tostring(used[i]), 'updated', tostring(now))
  redis.call('EXPIRE', key, math.ceil(window) + 1)
end
return 0
"""


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@functools.cache
def _script(url: str):
    return _client(url).register_script(TAKE)


def take_each(url: str, charges: Mapping[str, Charge], hashed) -> str | None:
    """Charge every bucket its share, all or none: None, or the raw key of the first full one."""
    raw_keys = sorted(charges, key=hashed)
    args: list[float] = [time.time()]
    for raw in raw_keys:
        args += [charges[raw].share, charges[raw].window]
    refused = int(_script(url)(keys=[PREFIX + hashed(raw) for raw in raw_keys], args=args))
    return raw_keys[refused - 1] if refused else None


def give_back(url: str, capacities: Mapping[str, int], window: int, hashed) -> None:
    """Undo one attempt in each bucket (a negative charge never refuses)."""
    raw_keys = sorted(capacities, key=hashed)
    args: list[float] = [time.time()]
    for raw in raw_keys:
        args += [-1 / capacities[raw], window]
    _script(url)(keys=[PREFIX + hashed(raw) for raw in raw_keys], args=args)


def forget(url: str) -> None:
    """Empty every bucket (tests)."""
    client = _client(url)
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
