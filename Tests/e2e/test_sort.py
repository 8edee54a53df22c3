"""SORT / SORT_RO and MOVE through redis-py and redis-cli: sorting user ids by a field of their profile hash,
GET patterns, STORE, nosort, LIMIT; MOVE between databases with its TTL; the keyspace events of both.
(test_differential_sort.py compares random sequences with redis-server 7.)"""

from __future__ import annotations

import subprocess

import pytest
import redis


def test_sort_players_by_profile_field(r):
    for uid, (name, level) in {"1": ("ann", "30"), "2": ("bob", "5"), "3": ("cid", "12"), "4": ("dee", "12")}.items():
        r.hset(f"user:{uid}", mapping={"name": name, "level": level})
    r.sadd("online", "1", "2", "3", "4")
    assert r.sort("online") == [b"1", b"2", b"3", b"4"]
    assert r.sort("online", by="user:*->level") == [b"2", b"3", b"4", b"1"]  # ties by element
    assert r.sort("online", by="user:*->level", desc=True, get=["#", "user:*->name"]) == [
        b"1", b"ann", b"4", b"dee", b"3", b"cid", b"2", b"bob"]
    assert r.sort("online", by="user:*->level", start=1, num=2, get="user:*->name") == [b"cid", b"dee"]
    assert r.sort("online", by="user:*->name", alpha=True, desc=True) == [b"4", b"3", b"2", b"1"]
    assert r.sort("online", get="nokey:*") == [None, None, None, None]
    assert r.sort("online", by="user:*->level", get="user:*->name", store="by-level") == 4
    assert r.lrange("by-level", 0, -1) == [b"bob", b"cid", b"dee", b"ann"]
    assert r.type("by-level") == b"list"
    # A set sorted with "BY nosort" and STORE is sorted alphabetically, so a replay gives the same list.
    assert r.sort("online", by="nosort", store="copy") == 4
    assert r.lrange("copy", 0, -1) == [b"1", b"2", b"3", b"4"]
    assert r.sort("empty", store="by-level") == 0
    assert r.exists("by-level") == 0


def test_sort_lists_and_sorted_sets(r):
    r.rpush("recent", "3", "10", "2", "1.5", "-1")
    assert r.sort("recent") == [b"-1", b"1.5", b"2", b"3", b"10"]
    assert r.sort("recent", alpha=True) == [b"-1", b"1.5", b"10", b"2", b"3"]
    assert r.sort("recent", by="nosort", start=1, num=2) == [b"10", b"2"]  # the list's own order
    assert r.sort("recent", by="nosort", desc=True, start=0, num=2) == [b"-1", b"1.5"]
    assert r.sort_ro("recent", start=0, num=1, desc=True) == [b"10"]
    r.zadd("board", {"c": 1, "a": 3, "b": 2})
    assert r.object("encoding", "board") == b"listpack"
    assert r.sort("board", alpha=True) == [b"a", b"b", b"c"]
    assert r.sort("board", by="nosort") == [b"c", b"b", b"a"]  # score order
    assert r.object("encoding", "board") == b"skiplist"  # SORT converts, as Valkey does
    r.rpush("words", "b", "a")
    with pytest.raises(redis.ResponseError, match="One or more scores can't be converted into double"):
        r.sort("words")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SORT_RO", "recent", "STORE", "dst")
    r.set("str", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.sort("str")


def test_move_between_databases(podium):
    with podium.client(db=0) as c0, podium.client(db=1) as c1:
        c0.flushall()
        c0.set("session:1", "data", ex=100)
        c0.rpush("queue", "a", "b")
        assert c0.move("session:1", 1) is True
        assert c0.exists("session:1") == 0
        assert c1.get("session:1") == b"data"
        assert 0 < c1.ttl("session:1") <= 100
        c1.rpush("queue", "x")
        assert c0.move("queue", 1) is False  # the target has the key: nothing moves
        assert c0.lrange("queue", 0, -1) == [b"a", b"b"]
        assert c0.move("nokey", 1) is False
        with pytest.raises(redis.ResponseError, match="source and destination objects are the same"):
            c0.move("queue", 0)
        with pytest.raises(redis.ResponseError, match="DB index is out of range"):
            c0.move("queue", 16)
        with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
            c0.move("queue", "x")


def test_sort_and_move_events(podium):
    with podium.client() as c:
        c.flushall()
        c.config_set("notify-keyspace-events", "KEA")
        try:
            with podium.client() as sub:
                ps = sub.pubsub()
                ps.psubscribe("__keyevent@*__:*")
                assert ps.get_message(timeout=5)["type"] == "psubscribe"
                c.rpush("l", "2", "1")
                c.sort("l", store="sorted")
                c.move("sorted", 3)
                events = []
                while len(events) < 4:
                    m = ps.get_message(timeout=5)
                    assert m is not None, events
                    if m["type"] == "pmessage":
                        events.append((m["channel"], m["data"]))
                assert events == [(b"__keyevent@0__:rpush", b"l"), (b"__keyevent@0__:sortstore", b"sorted"),
                                  (b"__keyevent@0__:move_from", b"sorted"), (b"__keyevent@3__:move_to", b"sorted")]
                ps.close()
        finally:
            c.config_set("notify-keyspace-events", "")


def test_redis_cli_sort(podium):
    def cli(*args):
        out = subprocess.run(["redis-cli", "-h", podium.host, "-p", str(podium.port), *args],
                             capture_output=True, text=True, timeout=20, check=True)
        return out.stdout.strip().splitlines()

    cli("DEL", "nums")
    cli("RPUSH", "nums", "3", "1", "2")
    assert cli("SORT", "nums", "DESC") == ["3", "2", "1"]
    assert cli("SORT", "nums", "LIMIT", "0", "1") == ["1"]


@pytest.mark.parametrize("command", [
    ["SORT", "abc", "STORE", "def"],
    ["SORT", "abc", "STORE", "invalid", "STORE", "stillbad", "STORE", "def"],
    ["SORT", "abc", "BY", "store", "GET", "store", "LIMIT", "store", "1", "STORE"],
    ["SORT_RO", "abc", "BY", "x"],
    ["ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2"],
    ["ZINTER", "2", "a", "b"],
    ["ZINTERCARD", "3", "a", "b", "c", "LIMIT", "1"],
    ["SINTERCARD", "1", "a"],
    ["LMPOP", "2", "a", "b", "LEFT"],
    ["BLMPOP", "0", "1", "a", "LEFT"],
    ["ZMPOP", "1", "a", "MIN"],
    ["BZMPOP", "0", "2", "a", "b", "MAX"],
    ["ZUNION", "5", "a", "b"],  # more keys announced than given
    ["ZUNION", "x", "a"],
])
def test_command_getkeys_of_movable_keys(podium, oracle, command):
    with podium.raw() as pc, oracle.raw() as oc:
        assert pc.call("COMMAND", "GETKEYS", *command) == oc.call("COMMAND", "GETKEYS", *command)


def test_movablekeys_flag_matches_redis(podium, oracle):
    """COMMAND INFO's flags name `movablekeys` where keys follow a count or a keyword, as redis-server 7 does."""
    names = ["sort", "sort_ro", "zunionstore", "zinterstore", "zdiffstore", "zunion", "zinter", "zdiff", "zintercard",
             "sintercard", "lmpop", "blmpop", "zmpop", "bzmpop", "get", "mset", "blpop", "rename"]
    with podium.raw() as p, oracle.raw() as o:
        for name in names:
            mine, theirs = p.call("COMMAND", "INFO", name).value[0], o.call("COMMAND", "INFO", name).value[0]
            has = lambda info: any(f.value == "movablekeys" for f in info.value[2].value)
            assert has(mine) == has(theirs), (name, mine.value[2], theirs.value[2])


def _key_spec_locations(info) -> list:
    """(begin_search, find_keys) of each key spec of a COMMAND INFO entry (RESP2: flat [name, value, ...] lists)."""
    def as_dict(reply):
        items = reply.value
        return {items[i].value: items[i + 1] for i in range(0, len(items), 2)}

    def shape(reply):
        if reply.kind == "*" and len(reply.value) % 2 == 0 and all(v.kind == "$" for v in reply.value[::2]):
            return {k.decode() if isinstance(k, bytes) else k: shape(v) for k, v in as_dict(reply).items()}
        return reply.value

    out = []
    for spec in info.value[8].value:
        d = as_dict(spec)
        out.append((shape(d[b"begin_search"]), shape(d[b"find_keys"])))
    return out


def test_command_info_key_specs_locate_keys_as_redis(podium, oracle):
    """COMMAND INFO's key specs come from the same table as ACL key checks and COMMAND GETKEYS, and say where the
    keys are as redis-server 7 does: cluster clients (redis-py's RedisCluster) route by them, so ZUNIONSTORE's
    source keys after numkeys must be there (they were missing when the section was built from (first, last,
    step)). The flags differ on purpose: Podium knows read and write access, not insert / delete / update."""
    # Commands whose keys Redis 7.0 places differently for reasons of its own version, named:
    own = {
        "sort_ro": "Redis 7.0 gives SORT_RO no spec for its BY/GET patterns; Valkey 8 adds an unknown one",
        "set": "Redis 7.0's SET has one spec; so does Podium's, with GET as a read flag only",
    }
    with podium.raw() as p, oracle.raw() as o:
        mismatches = []
        for entry in p.call("COMMAND").value:
            name = entry.value[0].value.decode()
            theirs = o.call("COMMAND", "INFO", name).value[0]
            if theirs.kind != "*" or name in own:
                continue
            mine, expected = _key_spec_locations(entry), _key_spec_locations(theirs)
            if mine != expected:
                mismatches.append(f"{name}: {mine} != {expected}")
        assert not mismatches, "\n".join(mismatches)
        # The case that motivated it.
        zu = _key_spec_locations(p.call("COMMAND", "INFO", "zunionstore").value[0])
        assert zu[1] == ({"type": b"index", "spec": {"index": 2}},
                         {"type": b"keynum", "spec": {"keynumidx": 0, "firstkey": 1, "keystep": 1}})
