"""String commands through redis-py (behaviour) and raw RESP (exact error texts)."""

from __future__ import annotations

import time

import pytest
import redis

from resp_client import Reply

OK = Reply("+", "OK")
NULL = Reply("$", None)


def bulk(b: bytes | str) -> Reply:
    return Reply("$", b.encode() if isinstance(b, str) else b)


def err(text: str) -> Reply:
    return Reply("-", text)


NOT_INT = err("ERR value is not an integer or out of range")
NOT_FLOAT = err("ERR value is not a valid float")
SYNTAX = err("ERR syntax error")


# --------------------------------------------------------------------------------------------------
# SET and its options
# --------------------------------------------------------------------------------------------------


def test_set_get_basic(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "w") is True
    assert r.get("k") == b"w"


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("k", "3", xx=True) is True
    assert r.set("other", "x", xx=True) is None
    assert r.exists("other") == 0
    assert r.get("k") == b"3"


def test_set_get_option(r):
    assert r.set("k", "v1", get=True) is None
    assert r.set("k", "v2", get=True) == b"v1"
    # GET combined with NX returns the old value and does not overwrite (Redis 7).
    assert r.set("k", "v3", nx=True, get=True) == b"v2"
    assert r.get("k") == b"v2"
    assert r.set("k", "v4", xx=True, get=True) == b"v2"
    assert r.get("k") == b"v4"


def test_set_expiry_options(r):
    r.set("ex", "v", ex=100)
    assert 0 < r.ttl("ex") <= 100
    r.set("px", "v", px=100_000)
    assert 0 < r.pttl("px") <= 100_000
    future = int(time.time()) + 1000
    r.set("exat", "v", exat=future)
    assert r.expiretime("exat") == future
    r.set("pxat", "v", pxat=future * 1000 + 123)
    assert r.pexpiretime("pxat") == future * 1000 + 123


def test_set_clears_ttl_unless_keepttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "v2", keepttl=True)
    assert r.ttl("k") > 0
    r.set("k", "v3")
    assert r.ttl("k") == -1


def test_set_with_past_absolute_time_deletes(r):
    r.set("k", "v")
    assert r.set("k", "v2", exat=1) is True
    assert r.exists("k") == 0


@pytest.mark.parametrize(
    "args,reply",
    [
        (["EX", "0"], err("ERR invalid expire time in 'set' command")),
        (["EX", "-1"], err("ERR invalid expire time in 'set' command")),
        (["PX", "0"], err("ERR invalid expire time in 'set' command")),
        (["EX", "9999999999999999"], err("ERR invalid expire time in 'set' command")),
        (["EX", "abc"], NOT_INT),
        (["PX", "1.5"], NOT_INT),
        (["EX"], SYNTAX),
        (["NX", "XX"], SYNTAX),
        (["EX", "10", "PX", "100"], SYNTAX),
        (["KEEPTTL", "EX", "10"], SYNTAX),
        (["EXAT", "10", "PXAT", "10000"], SYNTAX),
        (["BOGUS"], SYNTAX),
    ],
)
def test_set_invalid_options(raw, args, reply):
    assert raw.call("SET", "k", "v", *args) == reply
    assert raw.call("EXISTS", "k") == Reply(":", 0)


def test_setnx_setex_psetex_getset(raw):
    assert raw.call("SETNX", "k", "1") == Reply(":", 1)
    assert raw.call("SETNX", "k", "2") == Reply(":", 0)
    assert raw.call("GETSET", "k", "3") == bulk("1")
    assert raw.call("GETSET", "new", "x") == NULL
    assert raw.call("SETEX", "k", "100", "v") == OK
    assert raw.call("TTL", "k") in (Reply(":", 100), Reply(":", 99))
    assert raw.call("PSETEX", "k", "100000", "v") == OK
    assert raw.call("SETEX", "k", "0", "v") == err("ERR invalid expire time in 'setex' command")
    assert raw.call("PSETEX", "k", "-5", "v") == err("ERR invalid expire time in 'psetex' command")
    assert raw.call("SETEX", "k", "abc", "v") == NOT_INT


# --------------------------------------------------------------------------------------------------
# GET variants
# --------------------------------------------------------------------------------------------------


def test_getdel(r):
    r.set("k", "v")
    assert r.getdel("k") == b"v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getex(raw):
    assert raw.call("GETEX", "missing") == NULL
    raw.call("SET", "k", "v")
    assert raw.call("GETEX", "k", "EX", "100") == bulk("v")
    assert raw.call("TTL", "k").value in (99, 100)
    assert raw.call("GETEX", "k", "PERSIST") == bulk("v")
    assert raw.call("TTL", "k") == Reply(":", -1)
    assert raw.call("GETEX", "k", "PX", "100000") == bulk("v")
    assert raw.call("GETEX", "k") == bulk("v")
    assert raw.call("PTTL", "k").value > 0
    assert raw.call("GETEX", "k", "EX", "0") == err("ERR invalid expire time in 'getex' command")
    assert raw.call("GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert raw.call("GETEX", "k", "PX", "100", "EX", "1") == SYNTAX
    assert raw.call("GETEX", "k", "EXAT", "1") == bulk("v")  # in the past: key is deleted
    assert raw.call("EXISTS", "k") == Reply(":", 0)


def test_mset_mget_msetnx(r):
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
    assert r.msetnx({"c": "3", "a": "x"}) is False
    assert r.exists("c") == 0
    assert r.msetnx({"c": "3", "d": "4"}) is True
    assert r.mget("c", "d") == [b"3", b"4"]


def test_mset_wrong_arity(raw):
    assert raw.call("MSET", "a") == err("ERR wrong number of arguments for 'mset' command")
    assert raw.call("MSET", "a", "1", "b") == err("ERR wrong number of arguments for 'mset' command")
    assert raw.call("MSETNX", "a", "1", "b") == err("ERR wrong number of arguments for 'msetnx' command")


# --------------------------------------------------------------------------------------------------
# Counters
# --------------------------------------------------------------------------------------------------


def test_incr_decr_family(r):
    assert r.incr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decr("n") == 10
    assert r.decrby("n", 15) == -5
    assert r.get("n") == b"-5"
    r.set("m", "  5")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("m")


@pytest.mark.parametrize(
    "setup,cmd,reply",
    [
        ("9223372036854775807", ["INCR", "n"], err("ERR increment or decrement would overflow")),
        ("-9223372036854775808", ["DECR", "n"], err("ERR increment or decrement would overflow")),
        ("1", ["INCRBY", "n", "9223372036854775807"], err("ERR increment or decrement would overflow")),
        ("1", ["DECRBY", "n", "-9223372036854775808"], err("ERR decrement would overflow")),
        ("1", ["INCRBY", "n", "9223372036854775808"], NOT_INT),
        ("1", ["INCRBY", "n", "abc"], NOT_INT),
        ("1", ["INCRBY", "n", "1.0"], NOT_INT),
        ("abc", ["INCR", "n"], NOT_INT),
        ("1.5", ["INCR", "n"], NOT_INT),
        ("01", ["INCR", "n"], NOT_INT),
        ("", ["INCR", "n"], NOT_INT),
        ("9223372036854775808", ["INCR", "n"], NOT_INT),
    ],
)
def test_incr_errors(raw, setup, cmd, reply):
    raw.call("SET", "n", setup)
    assert raw.call(*cmd) == reply
    assert raw.call("GET", "n") == bulk(setup)


def test_incr_edges(raw):
    raw.call("SET", "n", "9223372036854775806")
    assert raw.call("INCR", "n") == Reply(":", 9223372036854775807)
    raw.call("SET", "n", "-9223372036854775807")
    assert raw.call("DECR", "n") == Reply(":", -9223372036854775808)
    raw.call("SET", "n", "-0")
    assert raw.call("INCR", "n") == NOT_INT


def test_incrbyfloat(raw):
    assert raw.call("INCRBYFLOAT", "f", "1.5") == bulk("1.5")
    assert raw.call("INCRBYFLOAT", "f", "2.5") == bulk("4")  # trailing zeros and the dot are trimmed
    assert raw.call("INCRBYFLOAT", "f", "-10") == bulk("-6")
    assert raw.call("INCRBYFLOAT", "f", "5e3") == bulk("4994")
    assert raw.call("INCRBYFLOAT", "f", "0.25") == bulk("4994.25")
    assert raw.call("GET", "f") == bulk("4994.25")
    raw.call("SET", "i", "10")
    assert raw.call("INCRBYFLOAT", "i", "0.5") == bulk("10.5")
    assert raw.call("INCRBYFLOAT", "i", "abc") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "i", "inf") == err("ERR increment would produce NaN or Infinity")
    raw.call("SET", "s", "abc")
    assert raw.call("INCRBYFLOAT", "s", "1") == NOT_FLOAT
    raw.call("SET", "s", " 1")
    assert raw.call("INCRBYFLOAT", "s", "1") == NOT_FLOAT


def test_incrbyfloat_huge_value_parses_back(raw):
    reply = raw.call("INCRBYFLOAT", "h", "1e300")
    assert reply.kind == "$"
    assert float(reply.value) == 1e300
    assert b"e" not in reply.value.lower()  # Redis never uses exponent notation here


# --------------------------------------------------------------------------------------------------
# APPEND / STRLEN / GETRANGE / SETRANGE
# --------------------------------------------------------------------------------------------------


def test_append_strlen(r):
    assert r.append("k", "abc") == 3
    assert r.append("k", "de") == 5
    assert r.get("k") == b"abcde"
    assert r.strlen("k") == 5
    assert r.strlen("missing") == 0
    r.set("n", 12)
    assert r.append("n", 3) == 3
    assert r.get("n") == b"123"


@pytest.mark.parametrize(
    "start,end,expected",
    [(0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"), (10, 5, b""), (5, 1000, b"is a string"),
     (-100, 3, b"This"), (100, 200, b""), (-1, -5, b"")],
)
def test_getrange(r, start, end, expected):
    r.set("s", "This is a string")
    assert r.getrange("s", start, end) == expected


def test_getrange_missing_and_errors(raw):
    assert raw.call("GETRANGE", "missing", "0", "-1") == bulk(b"")
    raw.call("SET", "s", "abc")
    assert raw.call("GETRANGE", "s", "a", "b") == NOT_INT


def test_setrange(raw):
    raw.call("SET", "s", "Hello World")
    assert raw.call("SETRANGE", "s", "6", "Redis") == Reply(":", 11)
    assert raw.call("GET", "s") == bulk("Hello Redis")
    assert raw.call("SETRANGE", "pad", "5", "x") == Reply(":", 6)
    assert raw.call("GET", "pad") == bulk(b"\x00" * 5 + b"x")
    assert raw.call("SETRANGE", "empty", "10", "") == Reply(":", 0)
    assert raw.call("EXISTS", "empty") == Reply(":", 0)
    assert raw.call("SETRANGE", "s", "-1", "x") == err("ERR offset is out of range")
    assert raw.call("SETRANGE", "s", "536870912", "x") == err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    assert raw.call("SETRANGE", "s", "abc", "x") == NOT_INT


# --------------------------------------------------------------------------------------------------
# Arity and object encoding
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cmd",
    [["GET"], ["GET", "a", "b"], ["SET", "a"], ["APPEND", "a"], ["SETNX", "a"], ["GETDEL"], ["INCR"],
     ["INCRBY", "a"], ["STRLEN"], ["GETRANGE", "a", "0"], ["SETRANGE", "a", "0"], ["MGET"], ["GETEX"]],
)
def test_wrong_arity(raw, cmd):
    assert raw.call(*cmd) == err(f"ERR wrong number of arguments for '{cmd[0].lower()}' command")


def test_arity_error_uses_lowercase_name(raw):
    assert raw.call("gEt") == err("ERR wrong number of arguments for 'get' command")


@pytest.mark.parametrize(
    "value,encoding",
    [("12345", b"int"), ("-7", b"int"), ("abc", b"embstr"), ("x" * 44, b"embstr"), ("x" * 45, b"raw"),
     ("012", b"embstr"), ("9223372036854775808", b"embstr")],
)
def test_object_encoding(raw, value, encoding):
    raw.call("SET", "k", value)
    assert raw.call("OBJECT", "ENCODING", "k") == bulk(encoding)


def test_object_encoding_after_append_is_raw(raw):
    raw.call("SET", "k", "12")
    raw.call("APPEND", "k", "3")
    assert raw.call("OBJECT", "ENCODING", "k") == bulk("raw")
    assert raw.call("OBJECT", "ENCODING", "missing") == NULL
