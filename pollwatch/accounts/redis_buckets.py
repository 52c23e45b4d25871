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
import hashlib
import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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


TAKE_SHA = hashlib.sha1(TAKE.encode()).hexdigest()


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


_held = threading.local()


def _connection(url: str):
    """This thread's own connection to ``url`` (a new one after a fork): every observer post
    charges its buckets here, and redis-py's pool and retry layers cost as much CPU as the
    round trip itself. redis-py's connection still does the socket, the parsing and its errors."""
    held: tuple[int, dict[str, Any]] | None = getattr(_held, "connections", None)
    if held is None or held[0] != os.getpid():
        held = _held.connections = (os.getpid(), {})
    connections = held[1]
    if url not in connections:
        pool = _client(url).connection_pool
        connections[url] = pool.connection_class(**pool.connection_kwargs)
    return connections[url]


def _resp(*parts: object) -> bytes:
    """One command in Redis's protocol (RESP): an array of bulk strings. Numbers are written as
    redis-py writes them (``repr``), which the script reads back with ``tonumber``."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _take(url: str, keys: list[str], args: list[float]) -> int:
    """Run the TAKE script: by its digest, loading it first where Redis does not have it (a new or
    restarted server); a dropped connection is opened again once."""
    from redis.exceptions import ConnectionError, NoScriptError, TimeoutError

    command = _resp("EVALSHA", TAKE_SHA, len(keys), *keys, *args)
    connection = _connection(url)
    reconnected = loaded = False
    while True:
        try:
            connection.send_packed_command([command])
            return int(connection.read_response())
        except NoScriptError:
            if loaded:
                raise
            connection.send_packed_command([_resp("SCRIPT", "LOAD", TAKE)])
            connection.read_response()
            loaded = True
        except (ConnectionError, TimeoutError):
            connection.disconnect()
            if reconnected:
                raise
            reconnected = True


def take_each(url: str, charges: Mapping[str, Charge], hashed) -> str | None:
    """Charge every bucket its share, all or none: None, or the raw key of the first full one."""
    raw_keys = sorted(charges, key=hashed)
    args: list[float] = [time.time()]
    for raw in raw_keys:
        args += [charges[raw].share, charges[raw].window]
    refused = _take(url, [PREFIX + hashed(raw) for raw in raw_keys], args)
    return raw_keys[refused - 1] if refused else None


def give_back(url: str, capacities: Mapping[str, int], window: int, hashed) -> None:
    """Undo one attempt in each bucket (a negative charge never refuses)."""
    raw_keys = sorted(capacities, key=hashed)
    args: list[float] = [time.time()]
    for raw in raw_keys:
        args += [-1 / capacities[raw], window]
    _take(url, [PREFIX + hashed(raw) for raw in raw_keys], args)


def forget(url: str) -> None:
    """Empty every bucket (tests)."""
    client = _client(url)
    for key in client.scan_iter(PREFIX + "*"):
        client.delete(key)
