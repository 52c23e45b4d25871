"""The token-bucket rule, the same in the database and in Redis (``REDIS_URL``)."""

from __future__ import annotations

import os
import time

import pytest

from pollwatch.accounts import redis_buckets
from pollwatch.accounts.models import Charge, TokenBucket

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["database", "redis"])
def store(request, db, settings):
    """Each test runs against both stores; Redis must be running (CI starts it)."""
    settings.REDIS_URL = REDIS if request.param == "redis" else ""
    if request.param == "redis":
        redis_buckets.forget(REDIS)
        yield "redis"
        redis_buckets.forget(REDIS)
    else:
        yield "database"


def test_a_bucket_takes_its_capacity_then_refuses(store):
    assert [TokenBucket.authorize("login-name:alice", 3, 300) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert TokenBucket.authorize("login-name:bob", 3, 300)  # another key, another bucket


def test_several_buckets_are_charged_all_or_none(store):
    small = {"a": Charge(1, 300), "b": Charge(5, 300)}
    assert TokenBucket.take_each(small) is None
    assert TokenBucket.take_each(small) == "a"
    # "b" was not charged by the refused attempt: four more fit.
    assert [TokenBucket.take_each({"b": Charge(5, 300)}) for _ in range(5)] == [
        None,
        None,
        None,
        None,
        "b",
    ]


def test_a_cost_counts_against_the_capacity(store):
    assert TokenBucket.take_each({"bytes": Charge(1000, 300, cost=600)}) is None
    assert TokenBucket.take_each({"bytes": Charge(1000, 300, cost=600)}) == "bytes"
    assert TokenBucket.take_each({"bytes": Charge(1000, 300, cost=400)}) is None


def test_a_full_bucket_drains_over_its_window(store):
    assert TokenBucket.authorize("sms:+1", 2, 2) and TokenBucket.authorize("sms:+1", 2, 2)
    assert not TokenBucket.authorize("sms:+1", 2, 2)
    time.sleep(1.1)  # half the window: one attempt's worth drained
    assert TokenBucket.authorize("sms:+1", 2, 2)
    assert not TokenBucket.authorize("sms:+1", 2, 2)


def test_give_back_undoes_one_attempt(store):
    assert TokenBucket.authorize("login-ip:1", 1, 300)
    TokenBucket.give_back({"login-ip:1": 1}, 300)
    assert TokenBucket.authorize("login-ip:1", 1, 300)
    assert not TokenBucket.authorize("login-ip:1", 1, 300)


def test_redis_keeps_only_hashes_of_the_keys(db, settings):
    settings.REDIS_URL = REDIS
    redis_buckets.forget(REDIS)
    TokenBucket.authorize("login-name:alice@example.org", 3, 300)
    keys = [k.decode() for k in redis_buckets._client(REDIS).scan_iter("pollwatch:bucket:*")]
    assert len(keys) == 1 and "alice" not in keys[0]


def test_the_observer_api_quota_holds_with_redis(client, forms, observer_token, settings):
    from pollwatch.submissions.tests.test_web_intake import payload, post

    settings.REDIS_URL = REDIS
    redis_buckets.forget(REDIS)
    settings.OBSERVER_API_RATE_LIMIT, settings.OBSERVER_API_RATE_WINDOW = 2, 300
    answers = [post(client, observer_token, payload()).status_code for _ in range(3)]
    assert answers == [202, 202, 429]
    assert not TokenBucket.objects.exists()  # nothing written to the database's buckets
    redis_buckets.forget(REDIS)


def test_redis_that_lost_the_script_or_the_connection_still_charges(db, settings):
    """A restarted Redis has neither the script nor this thread's connection: both come back."""
    import redis

    settings.REDIS_URL = REDIS
    redis_buckets.forget(REDIS)
    assert TokenBucket.take_each({"x": Charge(3, 300)}) is None
    admin = redis.Redis.from_url(REDIS)
    admin.script_flush()
    assert TokenBucket.take_each({"x": Charge(3, 300)}) is None
    admin.client_kill_filter(_type="normal", skipme=True)
    assert TokenBucket.take_each({"x": Charge(3, 300)}) is None
    assert TokenBucket.take_each({"x": Charge(3, 300)}) == "x"  # the same bucket, charged 3 times
    redis_buckets.forget(REDIS)


def test_a_command_is_written_as_redis_py_writes_it():
    from redis.connection import Connection

    parts = ("EVALSHA", "ab", 1, "k", 1733480000.25, 0.008333333333333333, 300)
    assert redis_buckets._resp(*parts) == b"".join(Connection().pack_command(*parts))
