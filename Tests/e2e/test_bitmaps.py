"""Bitmaps and LCS through redis-py and redis-cli: a daily-active-users bitmap, BITFIELD counters, BITOP over
days, LCS; keyspace events; and the answers where Valkey 8 (the spec) and redis-server 7.0 differ, taken from a
Valkey 8.0.1 server built by hand (test_differential_bitmap.py leaves exactly these out):
- `BITCOUNT key start` without an end counts to the end of the string (redis-server 7.0: syntax error);
- BITCOUNT / BITPOS check their arguments before looking the key up, so a missing key with bad arguments is an
  error (redis-server 7.0 answers 0 or -1), and BITCOUNT checks the unit before comparing negative indexes.
"""

from __future__ import annotations

import subprocess

import pytest
import redis

from resp_client import Reply
from support import skip_if_redis_older


def test_daily_active_users(r):
    # One bit per user id and per day; BITCOUNT for the day's actives, BITOP AND / OR for "every day" / "any day".
    for uid in (1, 5, 9, 1000):
        assert r.setbit("dau:mon", uid, 1) == 0
    for uid in (5, 9, 77):
        r.setbit("dau:tue", uid, 1)
    assert r.setbit("dau:mon", 5, 1) == 1  # the old bit
    assert r.getbit("dau:mon", 1000) == 1 and r.getbit("dau:mon", 1001) == 0 and r.getbit("nobody", 3) == 0
    assert r.bitcount("dau:mon") == 4
    assert r.bitcount("dau:mon", 0, 0) == 2  # bits 1 and 5 are in the first byte
    assert r.bitcount("dau:mon", 0, 7, "BIT") == 2
    assert r.bitop("AND", "dau:both", "dau:mon", "dau:tue") == r.strlen("dau:mon")
    assert r.bitcount("dau:both") == 2
    assert r.bitop("OR", "dau:any", "dau:mon", "dau:tue") == r.strlen("dau:mon")
    assert r.bitcount("dau:any") == 5
    assert r.bitop("NOT", "dau:not", "dau:tue") == r.strlen("dau:tue")
    assert r.bitop("XOR", "dau:x", "dau:mon", "dau:tue") == r.strlen("dau:mon")
    assert r.bitcount("dau:x") == 3
    assert r.bitpos("dau:mon", 1) == 1
    assert r.bitpos("dau:mon", 0) == 0
    assert r.bitpos("dau:mon", 1, 1) == 9  # from the second byte on
    assert r.type("dau:mon") == b"string"
    assert r.object("encoding", "dau:mon") == b"raw"
    # BITOP over missing keys only deletes the destination.
    assert r.bitop("AND", "dau:both", "none1", "none2") == 0
    assert r.exists("dau:both") == 0


def test_bitfield_counters(r):
    bf = r.bitfield("counters")
    bf.incrby("u8", "#0", 200).incrby("u8", "#0", 100).overflow("SAT").incrby("u8", "#1", 300)
    bf.overflow("FAIL").incrby("i8", "#2", 200).set("i16", 32, -5).get("i16", 32)
    assert bf.execute() == [200, 44, 255, None, 0, -5]
    assert r.bitfield_ro("counters", "u8", 0, items=[("u8", 8)]) == [44, 255]
    with pytest.raises(redis.ResponseError, match="BITFIELD_RO only supports the GET subcommand"):
        r.execute_command("BITFIELD_RO", "counters", "SET", "u8", "0", "1")
    with pytest.raises(redis.ResponseError, match="Invalid bitfield type"):
        r.execute_command("BITFIELD", "counters", "GET", "u64", "0")
    with pytest.raises(redis.ResponseError, match="bit offset is not an integer or out of range"):
        r.execute_command("BITFIELD", "counters", "SET", "u8", "4294967296", "1")
    r.rpush("alist", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.bitfield("alist").get("u8", 0).execute()
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.setbit("alist", 0, 1)
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.bitop("OR", "dest", "alist")


def test_lcs(r):
    r.mset({"k1": "ohmytext", "k2": "mynewtext"})
    assert r.lcs("k1", "k2") == b"mytext"
    assert r.lcs("k1", "k2", len=True) == 6
    assert r.execute_command("LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert r.execute_command("LCS", "k1", "nokey") == b""
    with pytest.raises(redis.ResponseError, match="If you want both the length and indexes, please just use IDX."):
        r.execute_command("LCS", "k1", "k2", "LEN", "IDX")
    r.rpush("alist", "x")
    with pytest.raises(redis.ResponseError, match="The specified keys must contain string values"):
        r.lcs("k1", "alist")
    assert r.execute_command("SUBSTR", "k1", "2", "3") == b"my"


def test_lcs_refuses_a_table_beyond_proto_max_bulk_len(podium):
    with podium.client() as c:
        c.flushall()
        old = c.config_get("proto-max-bulk-len")["proto-max-bulk-len"]
        try:
            c.config_set("proto-max-bulk-len", 1024 * 1024)
            c.set("a", "x" * 400)
            c.set("b", "y" * 400)
            assert c.lcs("a", "b", len=True) == 0  # 401 x 401 cells of 4 bytes fit in 1 MB
            c.set("a", "x" * 600)
            c.set("b", "y" * 600)  # 601 x 601 x 4 bytes do not
            with pytest.raises(redis.ResponseError, match="Insufficient memory, transient memory for LCS"):
                c.lcs("a", "b")
        finally:
            c.config_set("proto-max-bulk-len", old)


def test_bit_events(podium):
    with podium.client() as c:
        c.flushall()
        c.config_set("notify-keyspace-events", "KEA")
        try:
            with podium.client() as sub:
                ps = sub.pubsub()
                ps.psubscribe("__keyevent@0__:*")
                assert ps.get_message(timeout=5)["type"] == "psubscribe"
                c.setbit("b", 3, 1)
                c.setbit("b", 3, 1)  # unchanged: no event
                c.bitfield("b").set("u8", 0, 0).execute()
                c.bitop("NOT", "d", "b")
                c.bitop("AND", "d", "none")
                events = []
                while len(events) < 4:
                    m = ps.get_message(timeout=5)
                    assert m is not None, events
                    if m["type"] == "pmessage":
                        events.append((m["channel"].split(b":", 1)[1], m["data"]))
                assert events == [(b"setbit", b"b"), (b"setbit", b"b"), (b"set", b"d"), (b"del", b"d")]
                ps.close()
        finally:
            c.config_set("notify-keyspace-events", "")


def test_valkey_argument_checks(podium, raw):
    """Where Valkey 8 differs from redis-server 7.0 (see the module doc)."""
    skip_if_redis_older(podium, (7, 2), "Valkey 8's BITCOUNT/BITPOS argument checks")
    raw.call("SET", "mykey", "foobar")
    assert raw.call("BITCOUNT", "mykey", "1") == Reply(":", 22)
    assert raw.call("BITCOUNT", "mykey", "-2") == Reply(":", 7)
    assert raw.call("BITCOUNT", "nokey", "0") == Reply(":", 0)
    assert raw.call("BITCOUNT", "nokey", "0", "1", "bad") == Reply("-", "ERR syntax error")
    assert raw.call("BITCOUNT", "nokey", "x", "y") == Reply("-", "ERR value is not an integer or out of range")
    assert raw.call("BITCOUNT", "mykey", "-1", "-5", "bad") == Reply("-", "ERR syntax error")
    assert raw.call("BITCOUNT", "mykey", "10", "1.5", "bad") == Reply("-", "ERR syntax error")
    assert raw.call("BITPOS", "nokey", "1", "0", "1", "bad") == Reply("-", "ERR syntax error")
    assert raw.call("BITPOS", "nokey", "0", "x") == Reply("-", "ERR value is not an integer or out of range")


def test_redis_cli_bits(podium):
    def cli(*args):
        out = subprocess.run(["redis-cli", "-h", podium.host, "-p", str(podium.port), *args],
                             capture_output=True, text=True, timeout=20, check=True)
        return out.stdout.strip()

    cli("DEL", "cb")
    assert cli("SETBIT", "cb", "100", "1") == "0"
    assert cli("BITCOUNT", "cb") == "1"
    assert cli("BITPOS", "cb", "1") == "100"
    assert cli("BITFIELD", "cb", "INCRBY", "u4", "0", "3") == "3"
    assert cli("GETBIT", "cb", "2") == "1"


def test_changes_counted_as_valkey(r):
    """INFO rdb_changes_since_last_save moves as Valkey's server.dirty: one per SETBIT that creates, grows or
    flips; one per BITFIELD write that changes something (or any, when the string was created or grew)."""
    def dirty():
        return r.info("persistence")["rdb_changes_since_last_save"]

    before = dirty()
    r.setbit("d1", 0, 0)  # created
    r.bitfield("d2").set("i5", 0, 0).set("u3", 8, 1).execute()  # created, two writes
    assert dirty() == before + 3
    r.setbit("d1", 0, 0)
    r.bitfield("d2").set("i5", 0, 0).execute()
    assert dirty() == before + 3  # nothing changed
    r.setbit("d1", 0, 1)
    r.bitfield("d2").set("i5", 0, 1).set("i5", 0, 1).execute()
    assert dirty() == before + 5
