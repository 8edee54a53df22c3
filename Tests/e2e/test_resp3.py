"""redis-py with protocol=3: the server must speak RESP3 after HELLO 3 (maps, nulls, doubles where Redis uses them)."""

from __future__ import annotations

import pytest
import redis


def test_connection_is_resp3(r3):
    hello = r3.execute_command("HELLO", 3)
    assert hello[b"proto"] == 3


def test_get_set(r3):
    assert r3.set("k", "v") is True
    assert r3.get("k") == b"v"
    assert r3.get("missing") is None
    assert r3.set("k", "w", nx=True) is None
    assert r3.set("k", "x", get=True) == b"v"
    assert r3.mget("k", "missing") == [b"x", None]


def test_counters(r3):
    assert r3.incr("n") == 1
    assert r3.incrby("n", 9) == 10
    assert r3.decr("n") == 9
    # INCRBYFLOAT replies with a bulk string even in RESP3; redis-py turns it into a float.
    assert r3.incrbyfloat("f", 1.5) == 1.5
    assert r3.incrbyfloat("f", 2.25) == 3.75
    assert r3.get("f") == b"3.75"


def test_ttl(r3):
    r3.set("k", "v", ex=100)
    assert 0 < r3.ttl("k") <= 100
    assert 0 < r3.pttl("k") <= 100_000
    assert r3.ttl("missing") == -2
    r3.set("p", "v")
    assert r3.ttl("p") == -1
    assert r3.persist("k") is True
    assert r3.expire("k", 50) is True


def test_config_get_returns_dict(podium, r3):
    values = r3.config_get("port")
    assert values == {"port": str(podium.port)}
    many = r3.config_get("max*")
    assert isinstance(many, dict) and "maxmemory" in many


def test_errors_are_exceptions(r3):
    r3.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r3.incr("s")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get' command"):
        r3.execute_command("GET")


def test_pipeline_transaction(r3):
    pipe = r3.pipeline()
    pipe.set("a", 1).incr("a").get("a").ttl("a").exists("a", "nope")
    assert pipe.execute() == [True, 2, b"2", -1, 1]


def test_pipeline_without_transaction(r3):
    pipe = r3.pipeline(transaction=False)
    for i in range(500):
        pipe.set(f"k{i}", i)
    for i in range(500):
        pipe.get(f"k{i}")
    results = pipe.execute()
    assert results[:500] == [True] * 500
    assert results[500:] == [str(i).encode() for i in range(500)]


def test_keys_and_scan(r3):
    r3.mset({"a1": 1, "a2": 2, "b1": 3})
    assert sorted(r3.keys("a*")) == [b"a1", b"a2"]
    assert sorted(r3.scan_iter(match="*1")) == [b"a1", b"b1"]
    cursor, keys = r3.scan(0, count=100)
    assert cursor == 0 and sorted(keys) == [b"a1", b"a2", b"b1"]


def test_info_and_dbsize(r3):
    r3.set("a", 1)
    assert r3.dbsize() == 1
    info = r3.info()
    assert info["role"] == "master"
    assert info["db0"]["keys"] == 1


def test_client_commands(r3):
    r3.client_setname("resp3-client")
    assert r3.client_getname() in ("resp3-client", b"resp3-client")
    assert isinstance(r3.client_id(), int)
