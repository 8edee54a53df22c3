"""Generic keyspace commands: DEL/EXISTS/TYPE/RENAME/COPY/KEYS/SCAN/RANDOMKEY/TOUCH/DBSIZE."""

from __future__ import annotations

import random

import pytest

from resp_client import Reply


def err(text: str) -> Reply:
    return Reply("-", text)


def test_del_unlink_exists(r):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.exists("a", "a", "b", "nope") == 3
    assert r.delete("a", "nope") == 1
    assert r.unlink("b", "c", "c") == 2
    assert r.exists("a", "b", "c") == 0
    assert r.delete("nope") == 0


def test_type(r):
    r.set("s", "v")
    assert r.type("s") == b"string"
    assert r.type("nope") == b"none"


def test_touch(r):
    r.set("a", 1)
    assert r.touch("a", "a", "nope") == 2


def test_dbsize(r):
    assert r.dbsize() == 0
    r.mset({f"k{i}": i for i in range(25)})
    assert r.dbsize() == 25


def test_rename(r, raw):
    r.set("a", "1", ex=1000)
    assert r.rename("a", "b") is True
    assert r.get("b") == b"1"
    assert r.exists("a") == 0
    assert r.ttl("b") > 0, "RENAME keeps the TTL"
    r.set("c", "3")
    assert r.rename("b", "c") is True  # overwrites, and takes b's TTL
    assert r.get("c") == b"1" and r.ttl("c") > 0
    assert r.rename("c", "c") is True
    assert raw.call("RENAME", "nope", "x") == err("ERR no such key")
    assert raw.call("RENAMENX", "nope", "x") == err("ERR no such key")


def test_renamenx(r):
    r.mset({"a": 1, "b": 2})
    assert r.renamenx("a", "b") is False
    assert r.renamenx("a", "a") is False
    assert r.renamenx("a", "c") is True
    assert r.mget("a", "b", "c") == [None, b"2", b"1"]


def test_copy(r, raw):
    r.set("src", "v", ex=1000)
    assert r.copy("src", "dst") is True
    assert r.get("dst") == b"v" and r.ttl("dst") > 0
    r.set("other", "x")
    assert r.copy("src", "other") is False
    assert r.copy("src", "other", replace=True) is True
    assert r.get("other") == b"v"
    assert r.copy("src", "dst", destination_db=1) is True
    assert r.copy("nope", "x") is False
    assert raw.call("COPY", "src", "src") == err("ERR source and destination objects are the same")
    assert raw.call("COPY", "src", "x", "DB", "99") == err("ERR DB index is out of range")
    assert raw.call("COPY", "src", "x", "DB", "abc") == err("ERR value is not an integer or out of range")
    assert raw.call("COPY", "src", "x", "FOO") == err("ERR syntax error")
    assert raw.call("SELECT", "1") == Reply("+", "OK")
    assert raw.call("GET", "dst") == Reply("$", b"v")
    assert raw.call("COPY", "dst", "dst", "DB", "0") == Reply(":", 0)  # dst exists in db 0
    assert raw.call("COPY", "dst", "dst", "DB", "0", "REPLACE") == Reply(":", 1)


# --------------------------------------------------------------------------------------------------
# KEYS globs
# --------------------------------------------------------------------------------------------------

GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h?llo", "foo", "Hello", "h[e]llo", "x\\y", ""]


@pytest.mark.parametrize(
    "pattern,expected",
    [
        ("*", GLOB_KEYS),
        ("h?llo", ["hello", "hallo", "hxllo", "h*llo", "h?llo"]),
        ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h?llo", "h[e]llo"]),
        ("h[ae]llo", ["hello", "hallo"]),
        ("h[^e]llo", ["hallo", "hxllo", "h*llo", "h?llo"]),
        ("h[a-b]llo", ["hallo"]),
        ("h[b-a]llo", ["hallo"]),  # reversed ranges are accepted
        ("h\\*llo", ["h*llo"]),
        ("h\\?llo", ["h?llo"]),
        ("h[[]e]llo", ["h[e]llo"]),  # '[' inside a class is literal
        ("h[\\[]e]llo", ["h[e]llo"]),
        ("h[]llo", []),
        ("h\\[e]llo", ["h[e]llo"]),
        ("[Hh]ello", ["hello", "Hello"]),
        ("x\\\\y", ["x\\y"]),
        ("nomatch*", []),
        ("foo", ["foo"]),
    ],
)
def test_keys_globs(r, pattern, expected):
    r.mset({k: "1" for k in GLOB_KEYS})
    assert sorted(r.keys(pattern)) == sorted(k.encode() for k in expected)


def test_keys_per_db(podium, r):
    r.set("a", 1)
    c1 = podium.client(db=1)
    try:
        c1.set("b", 2)
        assert r.keys("*") == [b"a"]
        assert c1.keys("*") == [b"b"]
    finally:
        c1.close()


# --------------------------------------------------------------------------------------------------
# SCAN
# --------------------------------------------------------------------------------------------------


def full_scan(conn, *extra) -> list[bytes]:
    keys: list[bytes] = []
    cursor = b"0"
    for _ in range(100_000):
        reply = conn.call("SCAN", cursor, *extra)
        assert reply.kind == "*" and len(reply.value) == 2
        cur, batch = reply.value
        assert cur.kind == "$", "SCAN cursor is a bulk string"
        assert batch.kind == "*"
        keys += [b.value for b in batch.value]
        cursor = cur.value
        if cursor == b"0":
            return keys
    pytest.fail("SCAN did not terminate")


def test_scan_returns_every_key(r, raw):
    r.mset({f"key:{i}": i for i in range(500)})
    keys = full_scan(raw, "COUNT", "7")
    assert set(keys) == {f"key:{i}".encode() for i in range(500)}


def test_scan_empty_db(raw):
    assert raw.call("SCAN", "0") == Reply("*", [Reply("$", b"0"), Reply("*", [])])


def test_scan_guarantee_under_concurrent_modification(r, raw):
    """Keys present for the whole iteration must be returned, even while other keys are added and
    deleted between SCAN calls (which may make the server grow or shrink its table)."""
    rng = random.Random(1234)
    stable = {f"stable:{i}".encode() for i in range(1000)}
    r.mset({k: b"1" for k in stable})
    churn_live: list[str] = []
    churn_next = 0
    seen: set[bytes] = set()
    cursor = b"0"
    iterations = 0
    while True:
        reply = raw.call("SCAN", cursor, "COUNT", str(rng.choice([1, 5, 10, 50])))
        cursor = reply.value[0].value
        seen.update(b.value for b in reply.value[1].value)
        iterations += 1
        # Churn: add a burst of keys (forcing rehash/grow), delete some older ones (shrink).
        pipe = r.pipeline(transaction=False)
        for _ in range(rng.choice([0, 5, 50, 200])):
            name = f"churn:{churn_next}"
            churn_next += 1
            churn_live.append(name)
            pipe.set(name, "x")
        for _ in range(min(len(churn_live), rng.choice([0, 10, 100, 300]))):
            pipe.delete(churn_live.pop(rng.randrange(len(churn_live))))
        pipe.execute()
        if cursor == b"0":
            break
        assert iterations < 100_000
    missing = stable - seen
    assert not missing, f"{len(missing)} stable keys never returned, e.g. {sorted(missing)[:5]}"


def test_scan_match_count_type(r, raw):
    r.mset({f"user:{i}": i for i in range(50)})
    r.mset({f"item:{i}": i for i in range(30)})
    users = full_scan(raw, "MATCH", "user:*", "COUNT", "10")
    assert sorted(users) == sorted(f"user:{i}".encode() for i in range(50))
    assert len(users) == 50, "no duplicates when nothing changes"
    assert len(full_scan(raw, "MATCH", "item:1?")) == 10
    assert len(full_scan(raw, "TYPE", "string")) == 80
    assert full_scan(raw, "TYPE", "zset") == []
    assert full_scan(raw, "TYPE", "hash", "MATCH", "user:*") == []
    assert len(full_scan(raw, "COUNT", "1000", "MATCH", "*:1*", "TYPE", "string")) == 11 + 11


def test_scan_via_redis_py_scan_iter(r):
    r.mset({f"a{i}": i for i in range(120)})
    assert sorted(r.scan_iter(match="a1*", count=13)) == sorted(
        f"a{i}".encode() for i in range(120) if str(i).startswith("1"))


@pytest.mark.parametrize(
    "args,reply",
    [
        (["abc"], err("ERR invalid cursor")),
        (["0", "COUNT", "0"], err("ERR syntax error")),
        (["0", "COUNT", "-1"], err("ERR syntax error")),
        (["0", "COUNT", "x"], err("ERR value is not an integer or out of range")),
        (["0", "MATCH"], err("ERR syntax error")),
        (["0", "FOO", "bar"], err("ERR syntax error")),
    ],
)
def test_scan_errors(raw, args, reply):
    assert raw.call("SCAN", *args) == reply


# --------------------------------------------------------------------------------------------------
# RANDOMKEY, SELECT-scoped operations
# --------------------------------------------------------------------------------------------------


def test_randomkey(r):
    assert r.randomkey() is None
    r.set("only", 1)
    assert r.randomkey() == b"only"
    r.mset({f"k{i}": i for i in range(20)})
    names = {f"k{i}".encode() for i in range(20)} | {b"only"}
    for _ in range(20):
        assert r.randomkey() in names


def test_swapdb(podium, r):
    r.set("in0", "a")
    c1 = podium.client(db=1)
    try:
        c1.set("in1", "b")
        assert r.swapdb(0, 1) is True
        assert r.keys() == [b"in1"]
        assert c1.keys() == [b"in0"]
    finally:
        c1.close()


def test_select_errors(raw):
    assert raw.call("SELECT", "16") == err("ERR DB index is out of range")
    assert raw.call("SELECT", "-1") == err("ERR DB index is out of range")
    assert raw.call("SELECT", "abc") == err("ERR value is not an integer or out of range")
    assert raw.call("SWAPDB", "0", "16") == err("ERR DB index is out of range")
    assert raw.call("SWAPDB", "abc", "0") == err("ERR invalid first DB index")
    assert raw.call("SWAPDB", "0", "abc") == err("ERR invalid second DB index")


def test_object_subcommand_errors(raw):
    assert raw.call("OBJECT", "ENCODING") == err("ERR wrong number of arguments for 'object|encoding' command")
    assert raw.call("OBJECT", "FOO", "a") == err("ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
