"""Whole-data-set helpers for the persistence tests: fill a server with every type, read everything back.

`dump(client)` reads every key of every database as (type, value, ttl) so that two servers, or one server
before and after a restart, can be compared with `assert_same_dataset`, TTLs within a tolerance.
"""

from __future__ import annotations

import random

import redis

DATABASES = 16


def dump(client: redis.Redis, databases: int = DATABASES) -> dict[tuple[int, bytes], tuple[str, object, int]]:
    """{(db, key): (type, value, expire time)} for every key: the absolute expiry in ms (PEXPIRETIME), -1 for keys
    without a TTL, so dumps taken at different times compare."""
    out: dict[tuple[int, bytes], tuple[str, object, int]] = {}
    for db in range(databases):
        client.execute_command("SELECT", db)
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if kind == "string":
                value: object = client.get(key)
            elif kind == "hash":
                value = dict(client.hgetall(key))
            elif kind == "zset":
                value = [(m, float(s)) for m, s in client.zrange(key, 0, -1, withscores=True)]
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "set":
                value = sorted(client.smembers(key))
            else:
                value = None
            out[(db, key)] = (kind, value, client.execute_command("PEXPIRETIME", key))
    client.execute_command("SELECT", 0)
    return out


def assert_same_dataset(expected: dict, actual: dict, ttl_tolerance_ms: int = 1000) -> None:
    """Same keys, types and values; expiry times equal within the tolerance (both -1, or both set and close)."""
    missing = sorted(set(expected) - set(actual))[:10]
    extra = sorted(set(actual) - set(expected))[:10]
    assert not missing and not extra, f"missing {missing}, unexpected {extra}"
    for key, (kind, value, ttl) in expected.items():
        other_kind, other_value, other_ttl = actual[key]
        assert other_kind == kind, f"{key}: type {other_kind} != {kind}"
        assert other_value == value, f"{key}: value {other_value!r} != {value!r}"
        if ttl < 0:
            assert other_ttl == ttl, f"{key}: ttl {other_ttl} != {ttl}"
        else:
            assert other_ttl > 0 and abs(other_ttl - ttl) <= ttl_tolerance_ms, f"{key}: ttl {other_ttl} vs {ttl}"


def fill(client: redis.Redis, seed: int = 1, keys: int = 200, large: bool = True) -> None:
    """Writes strings (ints, raw, binary, empty, long), hashes and sorted sets (small and, with `large`, past the
    listpack limits), TTLs (relative and absolute), several databases, MULTI/EXEC blocks, INCRBYFLOAT,
    HINCRBYFLOAT, deletions and overwrites."""
    rng = random.Random(seed)
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        pipe.set(f"str:{i}", rng.choice([str(i), f"value-{i}", "x" * rng.randint(0, 100)]))
    pipe.set("bin", bytes(range(256)))
    pipe.set("empty", "")
    pipe.set("long", "L" * 100_000)
    pipe.set("ttl:ex", "a", ex=1000)
    pipe.set("ttl:px", "b", px=500_000)
    pipe.execute_command("SETEX", "ttl:setex", 800, "c")
    pipe.set("ttl:exat", "d", exat=2_000_000_000)
    pipe.incrbyfloat("float", 1.1)
    pipe.incrbyfloat("float", 2.2)
    for i in range(20):
        pipe.hset(f"user:{i}", mapping={"name": f"player-{i}", "score": i * 10, "country": rng.choice("ABC")})
        pipe.hincrby(f"user:{i}", "games", rng.randint(1, 5))
    pipe.hincrbyfloat("user:0", "ratio", 0.5)
    pipe.expire("user:1", 5000)
    for i in range(30):
        pipe.zadd("leaderboard:global", {f"player:{i}": rng.randint(0, 1000) + rng.random()})
    pipe.zincrby("leaderboard:global", 3.5, "player:3")
    pipe.zadd("zset:inf", {"low": float("-inf"), "high": float("inf"), "zero": 0})
    if large:
        pipe.zadd("leaderboard:big", {f"m{i}": rng.randint(0, 10**6) for i in range(500)})
        pipe.hset("hash:big", mapping={f"f{i}": f"v{i}" * 3 for i in range(700)})
        pipe.hset("hash:longvalue", "f", "v" * 200)
    pipe.delete("str:1", "str:2", "nothing")
    pipe.set("str:3", "overwritten")
    pipe.execute()
    with client.pipeline(transaction=True) as tx:
        tx.incr("counter")
        tx.incr("counter")
        tx.hset("user:5", "last", "tx")
        tx.execute()
    for db in (1, 7, 15):
        client.execute_command("SELECT", db)
        client.set(f"db{db}", db)
        client.zadd(f"z{db}", {"a": 1, "b": 2})
    client.execute_command("SELECT", 0)
    client.swapdb(7, 8)
