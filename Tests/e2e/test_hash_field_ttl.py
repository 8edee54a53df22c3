"""Hash-field expiry (Valkey 9.0): HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HPERSIST, HTTL, HPTTL, HEXPIRETIME,
HPEXPIRETIME, HGETEX, HSETEX, and HGETDEL (Valkey 9.1), through redis-py and redis-cli.

redis-server 7 (the differential oracle of the other suites) has none of these commands, and the Valkey 8.0.1
built here has none either, so these tests check the replies, error texts, keyspace events and AOF records of
Valkey's documentation and of its t_hash.c instead of a differential run. What they pin down:
- per-field codes: -2 (no such field or key), 0 (NX/XX/GT/LT not met), 1 (set), 2 (time already past: deleted);
  HPERSIST -1 for a field without a TTL; HTTL rounds to the nearest second;
- a field whose time has passed is gone for every command (lazily) and is reclaimed without any access (actively),
  with an `hexpired` event, a `del` when the hash goes with it, INFO `expired_fields`, and an HDEL in the AOF;
- HSET overwrites a field's TTL away, HINCRBY / HINCRBYFLOAT keep it; RENAME and COPY carry the TTLs along;
- the AOF records absolute times (HPEXPIREAT, HSETEX … PXAT), a rewrite keeps every TTL, and a restart too.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

from conftest import ServerProcess, is_redis_binary, podium_executable

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()),
                                reason="hash-field TTLs are Valkey 9 commands; redis-server 7 has none")

NUMFIELDS = "numfields should be greater than 0 and match the provided number of fields"


def now_ms() -> int:
    return int(time.time() * 1000)


def wait_until(predicate, timeout: float = 5.0, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def x(r, *args):
    return r.execute_command(*args)


# --------------------------------------------------------------------------------------------------
# HEXPIRE family and the TTL readers
# --------------------------------------------------------------------------------------------------


def test_hexpire_sets_field_ttls_and_the_readers_report_them(r):
    r.hset("h", mapping={"f1": "v1", "f2": "v2", "f3": "v3"})
    assert r.object("encoding", "h") == b"listpack"
    assert x(r, "HEXPIRE", "h", 100, "FIELDS", 2, "f2", "f3") == [1, 1]
    # A field with a TTL turns the hash into a hashtable, as in Valkey.
    assert r.object("encoding", "h") == b"hashtable"
    assert x(r, "HTTL", "h", "FIELDS", 4, "f1", "f2", "f3", "nope") == [-1, 100, 100, -2]
    pttl = x(r, "HPTTL", "h", "FIELDS", 1, "f2")[0]
    assert 99_000 < pttl <= 100_000
    at = x(r, "HPEXPIRETIME", "h", "FIELDS", 2, "f1", "f2")
    assert at[0] == -1 and abs(at[1] - (now_ms() + 100_000)) < 2000
    # HEXPIRETIME rounds to the nearest second (Valkey's httlGenericCommand).
    assert x(r, "HEXPIRETIME", "h", "FIELDS", 1, "f2") == [(at[1] + 500) // 1000]
    # A missing key: -2 for every field.
    assert x(r, "HTTL", "nokey", "FIELDS", 2, "a", "b") == [-2, -2]
    assert x(r, "HEXPIRE", "nokey", 10, "FIELDS", 1, "a") == [-2]
    # The absolute forms.
    assert x(r, "HPEXPIREAT", "h", now_ms() + 50_000, "FIELDS", 1, "f1") == [1]
    assert 45 <= x(r, "HTTL", "h", "FIELDS", 1, "f1")[0] <= 50
    assert x(r, "HEXPIREAT", "h", int(time.time()) + 30, "FIELDS", 1, "f1") == [1]
    assert 28 <= x(r, "HTTL", "h", "FIELDS", 1, "f1")[0] <= 31


def test_hexpire_conditions(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    # No TTL yet: NX sets, XX and GT do not, LT does (no TTL counts as infinite).
    assert x(r, "HEXPIRE", "h", 100, "XX", "FIELDS", 1, "a") == [0]
    assert x(r, "HEXPIRE", "h", 100, "GT", "FIELDS", 1, "a") == [0]
    assert x(r, "HEXPIRE", "h", 100, "NX", "FIELDS", 1, "a") == [1]
    assert x(r, "HEXPIRE", "h", 100, "LT", "FIELDS", 1, "b") == [1]
    assert x(r, "HEXPIRE", "h", 50, "NX", "FIELDS", 1, "a") == [0]
    assert x(r, "HEXPIRE", "h", 200, "XX", "FIELDS", 1, "a") == [1]
    assert x(r, "HEXPIRE", "h", 100, "GT", "FIELDS", 1, "a") == [0]
    assert x(r, "HEXPIRE", "h", 300, "GT", "FIELDS", 1, "a") == [1]
    assert x(r, "HEXPIRE", "h", 400, "LT", "FIELDS", 1, "a") == [0]
    assert x(r, "HEXPIRE", "h", 10, "LT", "FIELDS", 2, "a", "zz") == [1, -2]
    assert x(r, "HTTL", "h", "FIELDS", 2, "a", "b") == [10, 100]
    # Options are case-insensitive and may repeat.
    assert x(r, "HEXPIRE", "h", 20, "gt", "GT", "FIELDS", 1, "a") == [1]


def test_hexpire_with_a_time_already_past_deletes_the_fields(r):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert x(r, "HEXPIRE", "h", 0, "FIELDS", 3, "a", "a", "zz") == [2, -2, -2]
    assert r.hgetall("h") == {b"b": b"2", b"c": b"3"}
    assert x(r, "HPEXPIREAT", "h", 1, "FIELDS", 1, "b") == [2]
    assert x(r, "HEXPIREAT", "h", 1, "FIELDS", 1, "c") == [2]
    # The last field went, and the key with it.
    assert r.exists("h") == 0
    # A condition is checked before the deletion.
    r.hset("h", "a", "1")
    assert x(r, "HEXPIRE", "h", 0, "XX", "FIELDS", 1, "a") == [0]
    assert r.hget("h", "a") == b"1"


def test_hexpire_errors(r):
    r.hset("h", "a", "1")
    r.set("s", "x")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HEXPIRE", "h", 10, "FIELDS", 2, "a")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HEXPIRE", "h", 10, "FIELDS", 0, "a")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HEXPIRE", "h", 10, "NOFIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        x(r, "HEXPIRE", "h", 10, "FIELDS", "one", "a")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        x(r, "HEXPIRE", "h", "soon", "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="Unsupported option bogus"):
        x(r, "HEXPIRE", "h", 10, "bogus", "FIELDS", 1, "a")
    # Options are parsed before the count.
    with pytest.raises(redis.ResponseError, match="Unsupported option bogus"):
        x(r, "HEXPIRE", "h", 10, "bogus", "FIELDS", 0, "a")
    # Valkey 9 refuses a negative time (EXPIRE accepts one).
    for command in ("HEXPIRE", "HPEXPIRE", "HEXPIREAT", "HPEXPIREAT"):
        with pytest.raises(redis.ResponseError, match=f"invalid expire time in '{command.lower()}' command"):
            x(r, command, "h", -5, "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="NX and XX, GT or LT options at the same time are not compatible"):
        x(r, "HEXPIRE", "h", 10, "NX", "LT", "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="GT and LT options at the same time are not compatible"):
        x(r, "HEXPIRE", "h", 10, "GT", "LT", "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'hexpire' command"):
        x(r, "HEXPIRE", "h", 2**62, "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'hpexpire' command"):
        x(r, "HPEXPIRE", "h", 2**63 - 1, "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        x(r, "HEXPIRE", "s", 10, "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'hexpire'"):
        x(r, "HEXPIRE", "h", 10, "FIELDS", 1)
    # The readers answer a count mismatch with a plain syntax error (Valkey's httlGenericCommand).
    with pytest.raises(redis.ResponseError, match="^syntax error"):
        x(r, "HTTL", "h", "FIELDS", 3, "a")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        x(r, "HPTTL", "s", "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HPERSIST", "h", "FIELDS", 2, "a")
    assert r.hget("h", "a") == b"1"


def test_the_largest_time_is_accepted_and_read_back(r):
    """HPEXPIREAT at 2^63-1: HEXPIRETIME rounds it without overflowing (it once trapped the server)."""
    r.hset("h", "a", "1")
    assert x(r, "HPEXPIREAT", "h", 2**63 - 1, "FIELDS", 1, "a") == [1]
    assert x(r, "HPEXPIRETIME", "h", "FIELDS", 1, "a") == [2**63 - 1]
    assert x(r, "HEXPIRETIME", "h", "FIELDS", 1, "a") == [(2**63 - 1) // 1000 + 1]
    assert x(r, "HTTL", "h", "FIELDS", 1, "a")[0] > 10**15
    assert r.ping()


def test_hpersist(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert x(r, "HPERSIST", "h", "FIELDS", 3, "a", "b", "zz") == [-1, -1, -2]
    x(r, "HEXPIRE", "h", 100, "FIELDS", 1, "a")
    assert x(r, "HPERSIST", "h", "FIELDS", 2, "a", "b") == [1, -1]
    assert x(r, "HTTL", "h", "FIELDS", 1, "a") == [-1]
    assert x(r, "HPERSIST", "nokey", "FIELDS", 1, "a") == [-2]


# --------------------------------------------------------------------------------------------------
# Expiry itself: lazy, active, and what other commands do to a TTL
# --------------------------------------------------------------------------------------------------


def test_an_expired_field_is_gone_for_every_command(r):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    before = int(r.info("stats")["expired_fields"])
    assert x(r, "HPEXPIRE", "h", 80, "FIELDS", 2, "a", "b") == [1, 1]
    assert r.hlen("h") == 3
    time.sleep(0.15)
    assert r.hget("h", "a") is None
    assert r.hlen("h") == 1
    assert r.hgetall("h") == {b"c": b"3"}
    assert r.hexists("h", "b") is False
    assert x(r, "HTTL", "h", "FIELDS", 2, "a", "c") == [-2, -1]
    assert int(r.info("stats")["expired_fields"]) - before == 2
    # When every field expires, so does the key.
    x(r, "HPEXPIRE", "h", 50, "FIELDS", 1, "c")
    time.sleep(0.1)
    assert r.exists("h") == 0
    assert r.type("h") == b"none"


def test_active_expiry_reclaims_fields_nobody_reads(fresh_podium):
    r = fresh_podium.client()
    r.config_set("notify-keyspace-events", "Khg")
    sub = fresh_podium.client().pubsub()
    sub.psubscribe("__keyspace@0__:*")
    assert sub.get_message(timeout=2)["type"] == "psubscribe"
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.hset("keep", mapping={"a": "1", "b": "2"})
    x(r, "HPEXPIRE", "h", 100, "FIELDS", 2, "a", "b")
    x(r, "HPEXPIRE", "keep", 100, "FIELDS", 1, "a")
    events = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(events) < 3:
        m = sub.get_message(timeout=0.2)
        if m and m["type"] == "pmessage":
            if m["data"] in (b"hexpired", b"del"):
                events.append((m["channel"].decode(), m["data"].decode()))
    sub.close()
    # Neither key was touched: the cron removed the fields, and the hash whose fields all went.
    assert sorted(events) == sorted([("__keyspace@0__:h", "hexpired"), ("__keyspace@0__:h", "del"),
                                     ("__keyspace@0__:keep", "hexpired")])
    assert r.dbsize() == 1
    assert r.hgetall("keep") == {b"b": b"2"}
    assert int(r.info("stats")["expired_fields"]) == 3


def test_writes_and_the_ttl_of_a_field(r):
    r.hset("h", mapping={"n": "1", "f": "1.5", "s": "x"})
    x(r, "HEXPIRE", "h", 100, "FIELDS", 3, "n", "f", "s")
    # HINCRBY and HINCRBYFLOAT keep the field's TTL; HSET overwrites it away; HSETNX leaves it.
    assert r.hincrby("h", "n", 2) == 3
    assert r.hincrbyfloat("h", "f", 1) == 2.5
    assert r.hsetnx("h", "s", "y") == 0
    assert x(r, "HTTL", "h", "FIELDS", 3, "n", "f", "s") == [100, 100, 100]
    r.hset("h", "s", "y")
    assert x(r, "HTTL", "h", "FIELDS", 1, "s") == [-1]
    # HDEL takes the TTL with the field: a new field of the same name has none.
    r.hdel("h", "n")
    r.hset("h", "n", "7")
    assert x(r, "HTTL", "h", "FIELDS", 1, "n") == [-1]


def test_rename_and_copy_keep_field_ttls_and_they_still_expire(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    x(r, "HPEXPIRE", "h", 150, "FIELDS", 1, "a")
    assert r.copy("h", "copy") == 1
    r.rename("h", "moved")
    assert 0 < x(r, "HPTTL", "moved", "FIELDS", 1, "a")[0] <= 150
    assert 0 < x(r, "HPTTL", "copy", "FIELDS", 1, "a")[0] <= 150
    # Changing the copy leaves the original alone (values are copy-on-write).
    x(r, "HPERSIST", "copy", "FIELDS", 1, "a")
    assert x(r, "HTTL", "moved", "FIELDS", 1, "a") != [-1]
    time.sleep(0.25)
    assert r.hgetall("moved") == {b"b": b"2"}
    assert r.hgetall("copy") == {b"a": b"1", b"b": b"2"}


def test_field_ttls_inside_multi_exec(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    pipe = r.pipeline(transaction=True)
    pipe.execute_command("HEXPIRE", "h", 100, "FIELDS", 1, "a")
    pipe.execute_command("HSETEX", "h", "PX", 5000, "FIELDS", 1, "c", "3")
    pipe.execute_command("HGETEX", "h", "PERSIST", "FIELDS", 1, "a")
    pipe.execute_command("HPTTL", "h", "FIELDS", 3, "a", "b", "c")
    replies = pipe.execute()
    assert replies[:3] == [[1], 1, [b"1"]]
    assert replies[3][:2] == [-1, -1] and 0 < replies[3][2] <= 5000


# --------------------------------------------------------------------------------------------------
# HGETEX, HSETEX, HGETDEL
# --------------------------------------------------------------------------------------------------


def test_hgetex(r):
    r.hset("h", mapping={"f1": "v1", "f2": "v2", "f3": "v3"})
    assert x(r, "HGETEX", "h", "FIELDS", 2, "f1", "zz") == [b"v1", None]
    assert x(r, "HGETEX", "h", "EX", 10, "FIELDS", 2, "f2", "f3") == [b"v2", b"v3"]
    assert x(r, "HTTL", "h", "FIELDS", 3, "f1", "f2", "f3") == [-1, 10, 10]
    assert x(r, "HGETEX", "h", "PX", 20_000, "FIELDS", 1, "f1") == [b"v1"]
    assert 19_000 < x(r, "HPTTL", "h", "FIELDS", 1, "f1")[0] <= 20_000
    assert x(r, "HGETEX", "h", "EXAT", int(time.time()) + 30, "FIELDS", 1, "f1") == [b"v1"]
    assert x(r, "HGETEX", "h", "PXAT", now_ms() + 40_000, "FIELDS", 1, "f1") == [b"v1"]
    assert 38 <= x(r, "HTTL", "h", "FIELDS", 1, "f1")[0] <= 40
    assert x(r, "HGETEX", "h", "PERSIST", "FIELDS", 2, "f1", "f2") == [b"v1", b"v2"]
    assert x(r, "HTTL", "h", "FIELDS", 3, "f1", "f2", "f3") == [-1, -1, 10]
    # A time already past returns the values, then deletes the fields (and the emptied key).
    assert x(r, "HGETEX", "h", "EX", 0, "FIELDS", 3, "f1", "f2", "f3") == [b"v1", b"v2", b"v3"]
    assert x(r, "HGETEX", "h", "FIELDS", 3, "f1", "f2", "f3") == [None, None, None]
    assert r.exists("h") == 0
    assert x(r, "HGETEX", "nokey", "EX", 10, "FIELDS", 1, "a") == [None]
    assert r.exists("nokey") == 0


def test_hgetex_errors(r):
    r.hset("h", "a", "1")
    r.set("s", "x")
    for bad in (["EX", 10, "PX", 10], ["EX", 10, "PERSIST"], ["PERSIST", "EX", 10], ["KEEPTTL"], ["NX"],
                ["FNX"], ["EX"], ["bogus"]):
        with pytest.raises(redis.ResponseError, match="^syntax error"):
            x(r, "HGETEX", "h", *bad, "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HGETEX", "h", "FIELDS", 2, "a")
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        x(r, "HGETEX", "h", "EX", "ten", "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'hgetex' command"):
        x(r, "HGETEX", "h", "EX", 2**62, "FIELDS", 1, "a")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'hgetex' command"):
        x(r, "HGETEX", "h", "PX", -1, "FIELDS", 1, "a")
    # Options before the count.
    with pytest.raises(redis.ResponseError, match="^syntax error"):
        x(r, "HGETEX", "h", "BAD", "FIELDS", "x", "a")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        x(r, "HGETEX", "s", "FIELDS", 1, "a")
    assert x(r, "HTTL", "h", "FIELDS", 1, "a") == [-1]


def test_hsetex(r):
    # Without options it is HSET with a 1/0 reply.
    assert x(r, "HSETEX", "h", "FIELDS", 3, "f1", "v1", "f2", "v2", "f3", "v3") == 1
    # FNX: none of the fields may exist; FXX: all must.
    assert x(r, "HSETEX", "h", "FNX", "EX", 10, "FIELDS", 2, "f2", "x", "new", "y") == 0
    assert x(r, "HSETEX", "h", "FXX", "EX", 10, "FIELDS", 2, "f2", "w2", "f3", "w3") == 1
    assert x(r, "HTTL", "h", "FIELDS", 3, "f1", "f2", "f3") == [-1, 10, 10]
    assert r.hmget("h", "f2", "f3") == [b"w2", b"w3"]
    # KEEPTTL keeps the TTL of existing fields; no option drops it (as HSET).
    assert x(r, "HSETEX", "h", "KEEPTTL", "FIELDS", 1, "f2", "k2") == 1
    assert x(r, "HTTL", "h", "FIELDS", 1, "f2") == [10]
    assert x(r, "HSETEX", "h", "FIELDS", 1, "f2", "p2") == 1
    assert x(r, "HTTL", "h", "FIELDS", 1, "f2") == [-1]
    # NX / XX are about the key.
    assert x(r, "HSETEX", "h", "NX", "FIELDS", 1, "a", "1") == 0
    assert x(r, "HSETEX", "other", "XX", "FIELDS", 1, "a", "1") == 0
    assert r.exists("other") == 0
    assert x(r, "HSETEX", "other", "NX", "PX", 5000, "FIELDS", 1, "a", "1") == 1
    assert 0 < x(r, "HPTTL", "other", "FIELDS", 1, "a")[0] <= 5000
    assert x(r, "HSETEX", "none", "FXX", "FIELDS", 1, "a", "1") == 0
    assert x(r, "HSETEX", "none", "FNX", "EXAT", int(time.time()) + 60, "FIELDS", 1, "a", "1") == 1
    assert 58 <= x(r, "HTTL", "none", "FIELDS", 1, "a")[0] <= 60
    # A time already past deletes the fields; the reply is 1 only when every field was there.
    assert x(r, "HSETEX", "h", "EX", 0, "FIELDS", 2, "f1", "v", "f3", "v") == 1
    assert r.hgetall("h") == {b"f2": b"p2"}
    assert x(r, "HSETEX", "h", "PXAT", 1, "FIELDS", 2, "f2", "v", "zz", "v") == 0
    assert r.exists("h") == 0
    assert x(r, "HSETEX", "fresh", "EX", 0, "FIELDS", 1, "a", "1") == 0
    assert r.exists("fresh") == 0


def test_hsetex_errors(r):
    r.set("s", "x")
    for bad in (["EX", 10, "PX", 10], ["EX", 10, "KEEPTTL"], ["KEEPTTL", "PXAT", 10], ["NX", "XX"], ["FNX", "FXX"],
                ["PERSIST"], ["PX"], ["bogus"]):
        with pytest.raises(redis.ResponseError, match="^syntax error"):
            x(r, "HSETEX", "h", *bad, "FIELDS", 1, "a", "1")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HSETEX", "h", "FIELDS", 2, "a", "1")
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HSETEX", "h", "FIELDS", 1, "a", "1", "b")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        x(r, "HSETEX", "s", "FIELDS", 1, "a", "1")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'hsetex' command"):
        x(r, "HSETEX", "h", "EX", 2**62, "FIELDS", 1, "a", "1")
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'hsetex' command"):
        x(r, "HSETEX", "h", "EXAT", -1, "FIELDS", 1, "a", "1")
    assert r.exists("h") == 0


def test_hgetdel(r):
    r.hset("h", mapping={"f1": "v1", "f2": "v2", "f3": "v3"})
    assert x(r, "HGETDEL", "h", "FIELDS", 1, "f2") == [b"v2"]
    assert x(r, "HGETDEL", "h", "FIELDS", 1, "f2") == [None]
    assert x(r, "HGETDEL", "h", "FIELDS", 2, "f2", "f3") == [None, b"v3"]
    assert r.hgetall("h") == {b"f1": b"v1"}
    with pytest.raises(redis.ResponseError, match=NUMFIELDS):
        x(r, "HGETDEL", "h", "FIELDS", 3, "f1", "nope")
    # A field named twice is returned once, then missing.
    assert x(r, "HGETDEL", "h", "FIELDS", 3, "f1", "f1", "nope") == [b"v1", None, None]
    assert r.exists("h") == 0
    assert x(r, "HGETDEL", "nokey", "FIELDS", 1, "a") == [None]
    r.set("s", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        x(r, "HGETDEL", "s", "FIELDS", 1, "a")


def test_keyspace_events_of_field_expiry_commands(podium):
    with podium.raw() as cmd, podium.raw() as sub:
        cmd.call("FLUSHALL")
        cmd.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        try:
            sub.call("PSUBSCRIBE", "__keyspace@0__:*")
            script = [
                ("HSET", "h", "a", "1", "b", "2"),
                ("HEXPIRE", "h", "100", "FIELDS", "1", "a"),
                ("HPERSIST", "h", "FIELDS", "1", "a"),
                ("HGETEX", "h", "PX", "10000", "FIELDS", "1", "b"),
                ("HSETEX", "h", "EX", "100", "FIELDS", "1", "c", "3"),
                ("HEXPIRE", "h", "0", "FIELDS", "1", "c"),
                ("HGETDEL", "h", "FIELDS", "1", "b"),
                ("HSETEX", "h", "EX", "0", "FIELDS", "1", "a", "x"),
                ("PUBLISH", "__keyspace@0__:end", "end"),
            ]
            for args in script:
                cmd.call(*args)
            events = []
            while True:
                reply = sub.read_reply()
                values = [v.value.decode() if isinstance(v.value, bytes) else v.value for v in reply.value]
                if values[2] == "__keyspace@0__:end":
                    break
                events.append(values[3])
            assert events == ["hset", "hexpire", "hpersist", "hexpire", "hset", "hexpire", "hexpired", "hdel",
                              "hexpired", "del"]
        finally:
            cmd.call("CONFIG", "SET", "notify-keyspace-events", "")


# --------------------------------------------------------------------------------------------------
# Persistence
# --------------------------------------------------------------------------------------------------


def aof_commands(server: ServerProcess) -> list[list[bytes]]:
    from test_persistence import commands_in, incr_file
    return commands_in(incr_file(server))


def test_the_aof_records_absolute_times_and_expired_fields_as_hdel(fresh_podium):
    r = fresh_podium.client()
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3", "d": "4.5"})
    x(r, "HEXPIRE", "h", 1000, "FIELDS", 1, "a")
    x(r, "HSETEX", "h", "FXX", "PX", 60, "FIELDS", 1, "b", "22")
    x(r, "HGETEX", "h", "EX", 2000, "FIELDS", 1, "d")
    r.hincrbyfloat("h", "d", 1)
    x(r, "HGETDEL", "h", "FIELDS", 1, "c")
    time.sleep(0.1)
    assert r.hget("h", "b") is None
    commands = [c for c in aof_commands(fresh_podium) if c[0].upper() != b"SELECT"]
    names = [c[0].upper() for c in commands]
    assert names == [b"HSET", b"HPEXPIREAT", b"HSETEX", b"HPEXPIREAT", b"HSETEX", b"HDEL", b"HDEL"], commands
    hexpire = commands[1]
    assert abs(int(hexpire[2]) - (now_ms() + 1000 * 1000)) < 5000 and hexpire[3:] == [b"FIELDS", b"1", b"a"]
    # FXX is dropped and PX becomes PXAT, as Valkey propagates HSETEX.
    assert commands[2][2] == b"PXAT" and commands[2][4:] == [b"FIELDS", b"1", b"b", b"22"]
    # HINCRBYFLOAT on a field with a TTL: an HSETEX that keeps it.
    assert commands[4][2] == b"PXAT" and commands[4][4:] == [b"FIELDS", b"1", b"d", b"5.5"]
    assert commands[5] == [b"HDEL", b"h", b"c"]
    # The field that expired, as Valkey propagates field expiry.
    assert commands[6] == [b"HDEL", b"h", b"b"]


def test_field_ttls_survive_a_restart_and_a_rewrite(fresh_podium):
    r = fresh_podium.client()
    r.hset("h", mapping={f"f{i}": str(i) for i in range(200)})
    x(r, "HEXPIRE", "h", 1000, "FIELDS", 100, *[f"f{i}" for i in range(100)])
    x(r, "HPEXPIRE", "h", 300, "FIELDS", 1, "f150")
    before = x(r, "HPEXPIRETIME", "h", "FIELDS", 3, "f0", "f99", "f100")
    fresh_podium.stop()
    fresh_podium.start()
    r = fresh_podium.client()
    assert x(r, "HPEXPIRETIME", "h", "FIELDS", 3, "f0", "f99", "f100") == before
    assert r.bgrewriteaof()
    assert wait_until(lambda: int(r.info("persistence")["aof_rewrite_in_progress"]) == 0)
    time.sleep(0.4)
    fresh_podium.stop()
    fresh_podium.start()
    r = fresh_podium.client()
    assert x(r, "HPEXPIRETIME", "h", "FIELDS", 3, "f0", "f99", "f100") == before
    assert r.hlen("h") == 199
    assert r.hget("h", "f150") is None


# --------------------------------------------------------------------------------------------------
# redis-cli
# --------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli not installed")
def test_redis_cli_field_ttls(podium):
    def cli(*args):
        out = subprocess.run(["redis-cli", "-h", podium.host, "-p", str(podium.port), *args],
                             capture_output=True, timeout=30, check=True)
        return out.stdout.decode().split()
    cli("DEL", "cli:h")
    assert cli("HSETEX", "cli:h", "EX", "100", "FIELDS", "2", "a", "1", "b", "2") == ["1"]
    assert cli("HTTL", "cli:h", "FIELDS", "3", "a", "b", "c") == ["100", "100", "-2"]
    assert cli("HPERSIST", "cli:h", "FIELDS", "1", "a") == ["1"]
    assert cli("HEXPIRE", "cli:h", "0", "FIELDS", "1", "b") == ["2"]
    assert cli("HGETALL", "cli:h") == ["a", "1"]
