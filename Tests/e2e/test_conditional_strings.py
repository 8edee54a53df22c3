"""SET ... IFEQ (Valkey 8.1) and DELIFEQ (Valkey 9.0): compare-and-set and compare-and-delete, the lock-release
pattern without a script. redis-server 7 has neither, so it cannot be the oracle here: the expected replies
follow Valkey's documentation (valkey.io/commands/set, valkey.io/commands/delifeq), and these tests skip
themselves when the server under test is a redis-server."""

from __future__ import annotations

import pytest
import redis

from resp_client import Reply


@pytest.fixture
def valkey_only(podium):
    if podium.is_redis:
        pytest.skip("SET IFEQ / DELIFEQ are Valkey 8.1 / 9.0 commands")


def test_set_ifeq(valkey_only, raw):
    raw.call("SET", "lock", "owner-1")
    assert raw.call("SET", "lock", "owner-2", "IFEQ", "someone-else") == Reply("$", None)
    assert raw.call("GET", "lock") == Reply("$", b"owner-1")
    assert raw.call("SET", "lock", "owner-2", "IFEQ", "owner-1") == Reply("+", "OK")
    assert raw.call("GET", "lock") == Reply("$", b"owner-2")
    # GET: the old value, whether or not the condition held.
    assert raw.call("SET", "lock", "owner-3", "IFEQ", "nope", "GET") == Reply("$", b"owner-2")
    assert raw.call("SET", "lock", "owner-3", "IFEQ", "owner-2", "GET") == Reply("$", b"owner-2")
    assert raw.call("GET", "lock") == Reply("$", b"owner-3")
    # A missing key is never equal.
    assert raw.call("SET", "missing", "v", "IFEQ", "") == Reply("$", None)
    assert raw.call("EXISTS", "missing") == Reply(":", 0)
    # Integers compare as their text.
    raw.call("SET", "n", "42")
    assert raw.call("SET", "n", "43", "IFEQ", "42") == Reply("+", "OK")
    # With an expiry.
    assert raw.call("SET", "n", "44", "IFEQ", "43", "PX", "100000") == Reply("+", "OK")
    assert 0 < raw.call("PTTL", "n").value <= 100000
    assert raw.call("SET", "n", "45", "IFEQ", "44", "KEEPTTL") == Reply("+", "OK")
    assert raw.call("PTTL", "n").value > 0
    # Another type, conflicting options, a missing value.
    raw.call("RPUSH", "list", "a")
    assert raw.call("SET", "list", "x", "IFEQ", "a") == Reply(
        "-", "WRONGTYPE Operation against a key holding the wrong kind of value")
    for bad in (["NX", "IFEQ", "x"], ["IFEQ", "x", "XX"], ["IFEQ"], ["XX", "IFEQ", "x"]):
        assert raw.call("SET", "lock", "v", *bad) == Reply("-", "ERR syntax error"), bad


def test_delifeq_releases_a_lock(valkey_only, r):
    assert r.set("lock:job", "token-a", nx=True, ex=30) is True
    assert r.execute_command("DELIFEQ", "lock:job", "token-b") == 0  # someone else's token
    assert r.get("lock:job") == b"token-a"
    assert r.execute_command("DELIFEQ", "lock:job", "token-a") == 1
    assert r.exists("lock:job") == 0
    assert r.execute_command("DELIFEQ", "lock:job", "token-a") == 0  # gone
    r.sadd("aset", "token-a")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.execute_command("DELIFEQ", "aset", "token-a")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("DELIFEQ", "lock:job")


def test_delifeq_event_and_watch(valkey_only, podium):
    with podium.client() as c, podium.client() as other:
        c.flushall()
        c.set("k", "v")
        with c.pipeline() as tx:
            tx.watch("k")
            other.execute_command("DELIFEQ", "k", "v")
            tx.multi()
            tx.set("k", "w")
            with pytest.raises(redis.WatchError):
                tx.execute()
        c.config_set("notify-keyspace-events", "Eg")
        try:
            ps = other.pubsub()
            ps.subscribe("__keyevent@0__:del")
            assert ps.get_message(timeout=5)["type"] == "subscribe"
            c.set("k", "v")
            c.execute_command("DELIFEQ", "k", "v")
            m = ps.get_message(timeout=5)
            assert m is not None and m["data"] == b"k"
            ps.close()
        finally:
            c.config_set("notify-keyspace-events", "")
