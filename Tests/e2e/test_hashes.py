"""Hashes through redis-py (RESP2 and RESP3): user profiles and counters as a leaderboard backend keeps them."""

from __future__ import annotations

import pytest

from resp_client import Reply


@pytest.mark.parametrize("protocol", [2, 3])
def test_user_profile_flow(podium, protocol):
    with podium.client(protocol=protocol) as c:
        c.flushall()
        assert c.hset("user:1", mapping={"name": "ada", "country": "uk", "level": "3"}) == 3
        assert c.hgetall("user:1") == {b"name": b"ada", b"country": b"uk", b"level": b"3"}
        assert c.hget("user:1", "name") == b"ada"
        assert c.hmget("user:1", ["name", "missing"]) == [b"ada", None]
        assert c.hincrby("stats:game", "totalGames", 1) == 1
        assert c.hincrby("stats:game", "totalGames", 5) == 6
        assert c.hincrbyfloat("stats:game", "avg", 0.1) == pytest.approx(0.1)
        assert c.hincrbyfloat("stats:game", "avg", 0.2) == pytest.approx(0.3)
        assert c.hget("stats:game", "avg") == b"0.3"  # long double arithmetic, as Valkey
        assert c.hlen("user:1") == 3
        assert c.hexists("user:1", "country") is True or c.hexists("user:1", "country") == 1
        assert sorted(c.hkeys("user:1")) == [b"country", b"level", b"name"]
        assert c.hstrlen("user:1", "name") == 3
        assert c.hdel("user:1", "name", "country", "level") == 3
        assert c.exists("user:1") == 0  # an emptied hash disappears
        assert c.type("stats:game") == b"hash"


def test_pipeline_top10_with_profiles(podium):
    with podium.client() as c:
        c.flushall()
        with c.pipeline() as p:
            for i in range(10):
                p.hset(f"user:{i}", mapping={"name": f"player{i}", "score": str(i * 10)})
            p.execute()
        with c.pipeline() as p:
            for i in range(10):
                p.hgetall(f"user:{i}")
            profiles = p.execute()
        assert [pr[b"name"] for pr in profiles] == [f"player{i}".encode() for i in range(10)]


def test_wrongtype_and_errors(raw):
    raw.call("SET", "s", "1")
    wrongtype = Reply("-", "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert raw.call("HSET", "s", "f", "v") == wrongtype
    assert raw.call("HGET", "s", "f") == wrongtype
    raw.call("HSET", "h", "f", "abc")
    assert raw.call("GET", "h") == wrongtype
    assert raw.call("INCR", "h") == wrongtype
    assert raw.call("HINCRBY", "h", "f", "1") == Reply("-", "ERR hash value is not an integer")
    assert raw.call("HINCRBYFLOAT", "h", "f", "1") == Reply("-", "ERR hash value is not a float")
    assert raw.call("HSET", "h", "f") == Reply("-", "ERR wrong number of arguments for 'hset' command")


def test_encoding_follows_listpack_limits(raw):
    assert raw.call("CONFIG", "SET", "hash-max-listpack-entries", "4") == Reply("+", "OK")
    try:
        for i in range(4):
            raw.call("HSET", "enc", f"f{i}", "v")
        assert raw.call("OBJECT", "ENCODING", "enc") == Reply("$", b"listpack")
        raw.call("HSET", "enc", "f4", "v")
        assert raw.call("OBJECT", "ENCODING", "enc") == Reply("$", b"hashtable")
        raw.call("HSET", "long", "f", "x" * 65)
        assert raw.call("OBJECT", "ENCODING", "long") == Reply("$", b"hashtable")
        assert raw.call("CONFIG", "GET", "hash-max-ziplist-entries") == Reply(
            "*", [Reply("$", b"hash-max-ziplist-entries"), Reply("$", b"4")])
    finally:
        raw.call("CONFIG", "SET", "hash-max-listpack-entries", "128")


def test_hscan_novalues_and_scan_type(podium, raw):
    raw.call("HSET", "hs", "a", "1", "b", "2", "c", "3")
    raw.call("SET", "str", "x")
    reply = raw.call("HSCAN", "hs", "0", "MATCH", "[ab]")
    assert reply.value[0] == Reply("$", b"0")
    assert sorted(e.value for e in reply.value[1].value) == [b"1", b"2", b"a", b"b"]
    if not podium.is_redis:  # NOVALUES is Valkey 8 / Redis 7.4; the redis-server 7.0 oracle lacks it
        reply = raw.call("HSCAN", "hs", "0", "NOVALUES")
        assert sorted(e.value for e in reply.value[1].value) == [b"a", b"b", b"c"]
    reply = raw.call("SCAN", "0", "TYPE", "hash", "COUNT", "100")
    assert [e.value for e in reply.value[1].value] == [b"hs"]


def test_hrandfield_properties(raw):
    raw.call("HSET", "r", "a", "1", "b", "2", "c", "3")
    assert raw.call("HRANDFIELD", "r").value in (b"a", b"b", b"c")
    distinct = raw.call("HRANDFIELD", "r", "5").value
    assert sorted(e.value for e in distinct) == [b"a", b"b", b"c"]
    repeated = raw.call("HRANDFIELD", "r", "-7", "WITHVALUES").value
    assert len(repeated) == 14
    assert raw.call("HRANDFIELD", "missing") == Reply("$", None)
