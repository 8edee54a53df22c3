"""Lists through redis-py (RESP2 and RESP3) and redis-cli: "recent games" feeds, job queues, rotations; plus what
the differential test cannot compare with redis-server 7.0 (Valkey 8 is the spec):
- OBJECT ENCODING `listpack` / `quicklist` with Valkey 8's thresholds (expected values below were read from a
  Valkey 8.0.1 server running the same commands);
- `LPOS ... RANK -9223372036854775808` and `LREM key -9223372036854775808 x`, which Valkey 8 refuses.
"""

from __future__ import annotations

import subprocess

import pytest

from resp_client import Reply
from support import skip_if_redis_older

WRONGTYPE = Reply("-", "WRONGTYPE Operation against a key holding the wrong kind of value")
OK = Reply("+", "OK")


@pytest.mark.parametrize("protocol", [2, 3])
def test_recent_games_feed(podium, protocol):
    """LPUSH + LTRIM keeps the last N games of a player; LRANGE reads them newest first."""
    with podium.client(protocol=protocol) as c:
        c.flushall()
        for game in range(1, 26):
            with c.pipeline(transaction=True) as p:
                p.lpush("recent:games:7", f"game:{game}")
                p.ltrim("recent:games:7", 0, 9)
                p.execute()
        assert c.llen("recent:games:7") == 10
        assert c.lrange("recent:games:7", 0, 2) == [b"game:25", b"game:24", b"game:23"]
        assert c.lindex("recent:games:7", -1) == b"game:16"
        assert c.type("recent:games:7") == b"list"
        assert c.lpos("recent:games:7", "game:20") == 5
        assert c.lpos("recent:games:7", "game:99") is None


@pytest.mark.parametrize("protocol", [2, 3])
def test_job_queue_and_rotation(podium, protocol):
    with podium.client(protocol=protocol) as c:
        c.flushall()
        assert c.rpush("jobs", *[f"job{i}" for i in range(5)]) == 5
        # A reliable queue: move the job to a processing list while working on it.
        assert c.lmove("jobs", "processing", "LEFT", "RIGHT") == b"job0"
        assert c.rpoplpush("jobs", "processing") == b"job4"
        assert c.lrange("processing", 0, -1) == [b"job4", b"job0"]
        assert c.lrem("processing", 1, "job0") == 1
        # Rotation: the same list as source and destination.
        assert c.lmove("jobs", "jobs", "LEFT", "RIGHT") == b"job1"
        assert c.lrange("jobs", 0, -1) == [b"job2", b"job3", b"job1"]
        assert c.lmpop(2, "empty", "jobs", direction="RIGHT", count=2) == [b"jobs", [b"job1", b"job3"]]
        assert c.lpop("jobs", 5) == [b"job2"]
        assert c.exists("jobs") == 0  # an emptied list disappears
        assert c.lpop("jobs") is None
        assert c.lpop("jobs", 2) is None
        assert c.lmpop(1, "jobs", direction="LEFT") is None
        assert c.linsert("processing", "BEFORE", "job4", "job3") == 2
        assert c.lset("processing", 0, "JOB3") is True
        assert c.lrange("processing", 0, -1) == [b"JOB3", b"job4"]


def test_null_replies_resp2_and_resp3(podium):
    """LPOP with a count on a missing key is a null array (RESP2 `*-1`), without a count a null bulk."""
    with podium.raw() as raw:
        raw.call("FLUSHALL")
        assert raw.call("LPOP", "nokey") == Reply("$", None)
        assert raw.call("LPOP", "nokey", "2") == Reply("*", None)
        assert raw.call("LMPOP", "1", "nokey", "LEFT") == Reply("*", None)
        assert raw.call("HELLO", "3").kind == "%"
        assert raw.call("LPOP", "nokey", "2").kind == "_"
        assert raw.call("LINDEX", "nokey", "0").kind == "_"


def test_wrongtype_everywhere(raw):
    raw.call("RPUSH", "l", "a", "b")
    raw.call("SET", "s", "1")
    raw.call("HSET", "h", "f", "v")
    raw.call("ZADD", "z", "1", "m")
    for other in ("s", "h", "z"):
        for cmd in (("LPUSH", other, "x"), ("RPUSHX", other, "x"), ("LPOP", other), ("RPOP", other, "1"),
                    ("LLEN", other), ("LRANGE", other, "0", "-1"), ("LINDEX", other, "0"), ("LSET", other, "0", "x"),
                    ("LINSERT", other, "BEFORE", "a", "b"), ("LREM", other, "0", "a"), ("LTRIM", other, "0", "1"),
                    ("LPOS", other, "a"), ("LMOVE", other, "l", "LEFT", "LEFT"), ("LMOVE", "l", other, "LEFT", "LEFT"),
                    ("RPOPLPUSH", "l", other), ("LMPOP", "1", other, "LEFT")):
            assert raw.call(*cmd) == WRONGTYPE, cmd
    assert raw.call("LRANGE", "l", "0", "-1") == Reply("*", [Reply("$", b"a"), Reply("$", b"b")])  # untouched
    # The string, hash and sorted-set commands refuse a list; MGET answers nil for it.
    for cmd in (("GET", "l"), ("INCR", "l"), ("APPEND", "l", "x"), ("STRLEN", "l"), ("SET", "l", "v", "GET"),
                ("GETRANGE", "l", "0", "1"), ("HGET", "l", "f"), ("HSET", "l", "f", "v"), ("ZADD", "l", "1", "m"),
                ("ZCARD", "l"), ("GETDEL", "l"), ("INCRBYFLOAT", "l", "1")):
        assert raw.call(*cmd) == WRONGTYPE, cmd
    assert raw.call("MGET", "s", "l") == Reply("*", [Reply("$", b"1"), Reply("$", None)])
    assert raw.call("SET", "l", "v") == OK  # SET overwrites any type
    assert raw.call("TYPE", "l") == Reply("+", "string")


def test_keys_commands_on_lists(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    raw.call("SET", "s", "v")
    assert raw.call("TYPE", "l") == Reply("+", "list")
    assert raw.call("SCAN", "0", "TYPE", "list") == Reply("*", [Reply("$", b"0"), Reply("*", [Reply("$", b"l")])])
    assert raw.call("COPY", "l", "l2") == Reply(":", 1)
    raw.call("RPUSH", "l2", "d")  # the copy is independent
    assert raw.call("LLEN", "l") == Reply(":", 3)
    assert raw.call("LLEN", "l2") == Reply(":", 4)
    assert raw.call("RENAME", "l2", "l3") == OK
    assert raw.call("LINDEX", "l3", "-1") == Reply("$", b"d")
    assert raw.call("OBJECT", "ENCODING", "l").value in (b"listpack", b"quicklist")  # quicklist: Redis 7.0
    assert raw.call("MEMORY", "USAGE", "l").kind == ":"
    assert raw.call("DEL", "l", "l3") == Reply(":", 2)


def test_encodings_follow_valkey(podium, raw):
    """Expected encodings as Valkey 8.0.1 reports them for the same commands."""
    skip_if_redis_older(podium, (7, 2), "the listpack encoding of lists")
    try:
        assert raw.call("CONFIG", "SET", "list-max-listpack-size", "4") == OK
        raw.call("RPUSH", "l", "1", "2", "3", "4")
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"listpack")
        raw.call("RPUSH", "l", "5")
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"quicklist")
        raw.call("RPOP", "l", "2")  # 3 left: more than half of 4, stays a quicklist
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"quicklist")
        raw.call("RPOP", "l")  # 2: back to a listpack
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"listpack")
        # A large element with a count fill: over the 8 KB safety limit, a quicklist; shrinking ignores bytes.
        raw.call("RPUSH", "big", "x" * 9000)
        assert raw.call("OBJECT", "ENCODING", "big") == Reply("$", b"quicklist")
        raw.call("RPUSH", "big2", "a", "b")
        raw.call("LSET", "big2", "-1", "y" * 5000)
        raw.call("LSET", "big2", "0", "y" * 5000)
        assert raw.call("OBJECT", "ENCODING", "big2") == Reply("$", b"listpack")
        assert raw.call("CONFIG", "SET", "list-max-listpack-size", "-2") == OK
        # Byte limits: -2 is 8 KB of listpack.
        raw.call("DEL", "l")
        raw.call("RPUSH", "l", *(["v" * 100] * 79))  # 79 entries of 103 bytes: 8144 listpack bytes
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"listpack")
        raw.call("RPUSH", "l", "v" * 100)
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"quicklist")
        raw.call("LTRIM", "l", "0", "39")  # 40 entries, 4127 bytes: over half of 8 KB
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"quicklist")
        raw.call("LTRIM", "l", "0", "38")
        assert raw.call("OBJECT", "ENCODING", "l") == Reply("$", b"listpack")
    finally:
        raw.call("CONFIG", "SET", "list-max-listpack-size", "-2")
    assert raw.call("CONFIG", "GET", "list-max-ziplist-size") == Reply("*", [Reply("$", b"list-max-ziplist-size"),
                                                                          Reply("$", b"-2")])


def test_valkey_range_checks(podium, raw):
    """Valkey 8 refuses the minimum 64-bit integer where it negates a count; redis-server 7.0 accepts it."""
    skip_if_redis_older(podium, (7, 2), "Valkey's LPOS/LREM range checks")
    raw.call("RPUSH", "l", "a", "b", "a")
    err = Reply("-", "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    assert raw.call("LPOS", "l", "a", "RANK", "-9223372036854775808") == err
    assert raw.call("LREM", "l", "-9223372036854775808", "a") == err
    assert raw.call("LPOS", "l", "a", "RANK", "-1") == Reply(":", 2)
    assert raw.call("LPOS", "l", "a", "RANK", "-9223372036854775807") == Reply("$", None)
    assert raw.call("LREM", "l", "-9223372036854775807", "a") == Reply(":", 2)


def test_binary_and_integer_elements_round_trip(raw):
    """Canonical integers are stored as integers; everything else byte for byte."""
    values = ["0", "-1", "127", "128", "-4096", "4095", "4096", "32767", "-32769", "8388607", "2147483648",
              "9223372036854775807", "-9223372036854775808", "01", "-0", "+1", " 1", "1 ", "", "x" * 63, "y" * 64,
              "z" * 4095, "w" * 4096, b"\x00\xff\r\n"]
    assert raw.call("RPUSH", "l", *values) == Reply(":", len(values))
    got = raw.call("LRANGE", "l", "0", "-1").value
    assert [g.value for g in got] == [v if isinstance(v, bytes) else v.encode() for v in values]
    assert raw.call("LPOS", "l", "4096") == Reply(":", 6)
    assert raw.call("LPOS", "l", "01") == Reply(":", 13)
    assert raw.call("LPOS", "l", "1") == Reply("$", None)


def test_long_list_both_ends(raw):
    """A list of many nodes: pushes and pops at both ends, ranges across nodes, an index in the middle."""
    with_raw = raw
    for start in range(0, 20000, 1000):
        with_raw.call("RPUSH", "big", *[str(i) for i in range(start, start + 1000)])
    assert raw.call("LLEN", "big") == Reply(":", 20000)
    assert raw.call("OBJECT", "ENCODING", "big") == Reply("$", b"quicklist")
    assert raw.call("LINDEX", "big", "12345") == Reply("$", b"12345")
    assert raw.call("LINDEX", "big", "-12345") == Reply("$", b"7655")
    got = raw.call("LRANGE", "big", "9990", "10009").value
    assert [int(g.value) for g in got] == list(range(9990, 10010))
    assert raw.call("LPOP", "big", "3").value == [Reply("$", b"0"), Reply("$", b"1"), Reply("$", b"2")]
    assert raw.call("RPOP", "big") == Reply("$", b"19999")
    assert raw.call("LPUSH", "big", "head") == Reply(":", 19997)
    assert raw.call("LSET", "big", "10000", "mid") == OK
    assert raw.call("LINSERT", "big", "AFTER", "mid", "after-mid") == Reply(":", 19998)
    assert raw.call("LINDEX", "big", "10001") == Reply("$", b"after-mid")
    assert raw.call("LREM", "big", "0", "mid") == Reply(":", 1)
    assert raw.call("LTRIM", "big", "100", "-100") == OK
    assert raw.call("LLEN", "big") == Reply(":", 19997 - 199)


def test_redis_cli_lists(podium):
    def cli(*args):
        out = subprocess.run(["redis-cli", "-h", podium.host, "-p", str(podium.port), *args],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip()
    cli("DEL", "cl")
    assert cli("RPUSH", "cl", "a", "b", "c") == "3"
    assert cli("LRANGE", "cl", "0", "-1") == "a\nb\nc"
    assert cli("LPOP", "cl", "2") == "a\nb"
    assert cli("LMPOP", "1", "cl", "LEFT") == "cl\nc"
    assert cli("LLEN", "cl") == "0"
    assert cli("-3", "LRANGE", "cl", "0", "-1") == ""  # an empty array, printed empty outside a terminal
    assert cli("-3", "RPUSH", "cl", "x", "y") == "2"
    assert cli("-3", "LPOP", "cl", "2") == "x\ny"
