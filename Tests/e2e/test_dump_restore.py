"""DUMP and RESTORE against redis-server 7: payloads of every type, in the small and the large encoding, move both
ways (redis-server 7.0 writes and reads RDB version 10, so Podium runs with `rdb-version 10` for that direction);
RESTORE's options and errors give redis-server's replies; damaged payloads are refused without harm; a RESTORE with
a relative TTL is logged with an absolute one.
"""

from __future__ import annotations

import random
import struct
import time

import pytest
import redis

from conftest import is_redis_binary, podium_executable

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()), reason="moves payloads between podium and redis")


def fill(c) -> None:
    """Keys of every type: small values (listpack / intset / embstr encodings) and large ones."""
    c.set("s:int", 12345)
    c.set("s:neg", -7)
    c.set("s:big", 2**40)
    c.set("s:str", "hello")
    c.set("s:long", "x" * 1000)
    c.set("s:lzf", "abc" * 200)
    c.set("s:bin", bytes(range(256)))
    c.rpush("l:small", "a", "b", 1, 2, -3, 10**12)
    c.rpush("l:big", *[f"element-{i}" for i in range(3000)])
    c.rpush("l:huge", "y" * 10000, "z")
    c.sadd("set:int", 1, 2, 3, -5, 2**40)
    c.sadd("set:str", "a", "b", "c")
    c.sadd("set:bigint", *range(1000))
    c.sadd("set:bigstr", *[f"m{i}" for i in range(300)])
    c.zadd("z:small", {"a": 1, "b": 2.5, "c": -3})
    c.zadd("z:big", {f"m{i}": i / 3 for i in range(500)})
    c.zadd("z:inf", {"x": float("inf"), "y": float("-inf"), "z": 0})
    c.hset("h:small", mapping={"f1": "v1", "f2": 2})
    c.hset("h:big", mapping={f"f{i}": i for i in range(1000)})
    c.hset("h:long", mapping={"f": "v" * 100})


KEYS = ["s:int", "s:neg", "s:big", "s:str", "s:long", "s:lzf", "s:bin", "l:small", "l:big", "l:huge", "set:int",
        "set:str", "set:bigint", "set:bigstr", "z:small", "z:big", "z:inf", "h:small", "h:big", "h:long"]


def content(c, key):
    kind = c.type(key).decode()
    read = {"string": lambda: c.get(key), "list": lambda: c.lrange(key, 0, -1),
            "set": lambda: sorted(c.smembers(key)), "zset": lambda: c.zrange(key, 0, -1, withscores=True),
            "hash": lambda: c.hgetall(key)}[kind]
    return kind, read()


@pytest.fixture
def pair(server_factory, oracle_r):
    podium = server_factory(["--rdb-version", "10"]).client()
    podium.flushall()
    fill(podium)
    fill(oracle_r)
    return podium, oracle_r


@pytest.mark.parametrize("key", KEYS)
def test_redis_payloads_restore_in_podium(pair, key):
    podium, redis_ = pair
    assert podium.restore("from-redis", 0, redis_.dump(key)) in (True, b"OK")
    assert content(podium, "from-redis") == content(redis_, key)


@pytest.mark.parametrize("key", KEYS)
def test_podium_payloads_restore_in_redis(pair, key):
    podium, redis_ = pair
    payload = podium.dump(key)
    assert struct.unpack("<H", payload[-10:-8])[0] == 10
    assert redis_.restore("from-podium", 0, payload) in (True, b"OK")
    assert content(redis_, "from-podium") == content(podium, key)
    # And back: Podium reads its own payload too.
    assert podium.restore("again", 0, payload) in (True, b"OK")
    assert content(podium, "again") == content(podium, key)


def test_the_rdb_version_written_follows_rdb_version(r, oracle_r):
    r.set("k", "v")
    payload = r.dump("k")
    assert struct.unpack("<H", payload[-10:-8])[0] == 11  # Valkey 8's version, by default
    with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
        oracle_r.restore("k", 0, payload)  # redis-server 7.0 reads up to version 10
    assert r.config_set("rdb-version", 10)
    try:
        assert oracle_r.restore("k", 0, r.dump("k")) in (True, b"OK") and oracle_r.get("k") == b"v"
    finally:
        r.config_set("rdb-version", 11)


def call(c, *args):
    try:
        return c.execute_command(*args)
    except redis.ResponseError as e:
        return f"error: {e}"


def test_restore_options_and_errors_match_redis(r, oracle_r):
    for c in (r, oracle_r):
        c.set("s:str", "hello")
        c.zadd("z", {"a": 1})
    payload = oracle_r.dump("s:str")
    cases = [
        ("DUMP", "nosuch"), ("RESTORE", "s:str", "0", payload), ("RESTORE", "n1", "-1", payload),
        ("RESTORE", "n2", "x", payload), ("RESTORE", "n3", "0", b"garbage"),
        ("RESTORE", "n4", "0", payload[:-1] + bytes([payload[-1] ^ 1])), ("RESTORE", "n5", "0", payload, "FOO"),
        ("RESTORE", "n6", "0", payload, "IDLETIME", "-1"), ("RESTORE", "n7", "0", payload, "FREQ", "256"),
        ("RESTORE", "n8", "0", payload, "IDLETIME", "10", "FREQ", "5"), ("RESTORE", "n9", "0", payload, "IDLETIME"),
        ("RESTORE", "n10", "100000", payload), ("EXISTS", "n10"), ("RESTORE", "n11", "1", payload, "ABSTTL"),
        ("EXISTS", "n11"), ("RESTORE", "s:str", "1", payload, "ABSTTL", "REPLACE"), ("EXISTS", "s:str"),
        ("RESTORE", "n12", "0", payload, "IDLETIME", "100"), ("OBJECT", "IDLETIME", "n12"),
        ("RESTORE", "n13", "0", b"\x0f" + payload[1:]), ("RESTORE", "z", "0", payload, "REPLACE", "REPLACE"),
        ("TYPE", "z"), ("RESTORE", "n15", "0", payload, "FREQ", "3"), ("RESTORE", "n16", "0", ""), ("DUMP",),
        ("RESTORE", "a", "0"),
        # A relative TTL whose deadline passes Int64.max: redis-server's wraps, and the key counts as expired.
        ("RESTORE", "n17", "9223372036854775807", payload), ("EXISTS", "n17"),
        ("RESTORE", "n18", "9223372036854775807", payload, "ABSTTL"), ("EXISTS", "n18"),
    ]
    for args in cases:
        assert call(r, *args) == call(oracle_r, *args), args
    # A relative TTL: the key expires about when redis-server's does.
    assert abs(r.pttl("n10") - oracle_r.pttl("n10")) < 1000


def crc64(data: bytes) -> int:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x95AC9329AC4BC9B5 if c & 1 else c >> 1
        table.append(c)
    crc = 0
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def test_damaged_payloads_are_refused_and_the_server_survives(server_factory, oracle_r):
    """Random damage to real payloads, with the checksum made right again so the value decoder sees it: every
    RESTORE either succeeds with a value Podium can read back, or answers Bad data format."""
    podium = server_factory().client()
    fill(oracle_r)
    payloads = [oracle_r.dump(k) for k in KEYS if not k.startswith("l:big")]
    rng = random.Random(11)
    refused = 0
    for _ in range(1500):
        body = bytearray(rng.choice(payloads)[:-10])
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            if op < 0.5:
                body[rng.randrange(len(body))] = rng.randrange(256)
            elif op < 0.7 and len(body) > 2:
                del body[rng.randrange(1, len(body)):]
            elif op < 0.85:
                body.insert(rng.randrange(len(body) + 1), rng.randrange(256))
            else:
                body[0] = rng.choice([0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 250])
        body = bytes(body) + struct.pack("<H", 10)
        payload = body + struct.pack("<Q", crc64(body))
        try:
            podium.restore("fuzz", 0, payload, replace=True)
            podium.type("fuzz")
            podium.dump("fuzz")
        except redis.ResponseError as e:
            assert str(e) == "Bad data format"
            refused += 1
    assert refused > 500
    assert podium.ping()


def test_restore_is_logged_with_an_absolute_ttl(server_factory):
    server = server_factory(["--appendonly", "yes", "--notify-keyspace-events", "Kg"])
    c = server.client()
    c.set("src", "v")
    payload = c.dump("src")
    events = server.client().pubsub()
    events.psubscribe("__keyspace@0__:restored")
    events.get_message(timeout=2)
    assert c.restore("restored", 60000, payload)
    deadline = time.monotonic() + 5
    message = None
    while message is None and time.monotonic() < deadline:
        message = events.get_message(timeout=0.5)
    assert message and message["data"] == b"restore"
    events.close()
    before = c.pexpiretime("restored")
    server.stop()
    server.start()
    c = server.client()
    assert c.get("restored") == b"v"
    assert c.pexpiretime("restored") == before
