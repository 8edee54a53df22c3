"""Expiry: TTL bookkeeping, EXPIRE options, lazy and active expiration.

No test asserts how long anything took. Keys are given PEXPIRE 1 (or PX 1) and then polled with a
generous deadline until they are gone; a fast server passes immediately.
"""

from __future__ import annotations

import time

import pytest

from support import wait_until
from resp_client import Reply

DEADLINE = 10.0  # seconds; a deadline, not a measurement


def err(text: str) -> Reply:
    return Reply("-", text)


def test_ttl_of_missing_and_persistent_keys(r):
    assert r.ttl("nope") == -2
    assert r.pttl("nope") == -2
    assert r.expiretime("nope") == -2
    assert r.pexpiretime("nope") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.expiretime("k") == -1
    assert r.pexpiretime("k") == -1


def test_expire_sets_ttl(r):
    r.set("k", "v")
    assert r.expire("k", 100) is True
    assert 0 < r.ttl("k") <= 100
    assert 0 < r.pttl("k") <= 100_000
    assert r.pexpire("k", 200_000) is True
    assert 100_000 < r.pttl("k") <= 200_000
    assert r.expire("nope", 100) is False


def test_expireat_and_expiretime(r):
    r.set("k", "v")
    at = int(time.time()) + 10_000
    assert r.expireat("k", at) is True
    assert r.expiretime("k") == at
    assert r.pexpiretime("k") == at * 1000
    assert r.pexpireat("k", at * 1000 + 5) is True
    assert r.pexpiretime("k") == at * 1000 + 5
    assert r.expiretime("k") == at  # rounded


@pytest.mark.parametrize("cmd", [["EXPIRE", "k", "0"], ["EXPIRE", "k", "-5"], ["PEXPIRE", "k", "0"],
                                 ["EXPIREAT", "k", "1"], ["PEXPIREAT", "k", "1000"]])
def test_expire_in_the_past_deletes(raw, cmd):
    raw.call("SET", "k", "v")
    assert raw.call(*cmd) == Reply(":", 1)
    assert raw.call("EXISTS", "k") == Reply(":", 0)


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("nope") is False


def test_expire_nx_xx_gt_lt(r):
    r.set("k", "v")
    assert r.expire("k", 100, xx=True) is False, "XX: no TTL yet"
    assert r.expire("k", 100, gt=True) is False, "GT: no TTL counts as infinite"
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 500, gt=True) is True
    assert r.expire("k", 1000, lt=True) is False
    assert r.expire("k", 300, lt=True) is True
    assert r.expire("k", 400, xx=True) is True
    assert 300 < r.ttl("k") <= 400
    r.persist("k")
    assert r.expire("k", 100, lt=True) is True, "LT: no TTL counts as infinite"


@pytest.mark.parametrize(
    "opts,reply",
    [
        (["NX", "XX"], err("ERR NX and XX, GT or LT options at the same time are not compatible")),
        (["NX", "GT"], err("ERR NX and XX, GT or LT options at the same time are not compatible")),
        (["GT", "LT"], err("ERR GT and LT options at the same time are not compatible")),
        (["FOO"], err("ERR Unsupported option FOO")),
    ],
)
def test_expire_option_errors(raw, opts, reply):
    raw.call("SET", "k", "v")
    assert raw.call("EXPIRE", "k", "100", *opts) == reply
    assert raw.call("TTL", "k") == Reply(":", -1)


@pytest.mark.parametrize(
    "cmd,reply",
    [
        (["EXPIRE", "k", "abc"], err("ERR value is not an integer or out of range")),
        (["EXPIRE", "k", "9223372036854775807"], err("ERR invalid expire time in 'expire' command")),
        (["EXPIRE", "k", "9223372036854776"], err("ERR invalid expire time in 'expire' command")),
        (["PEXPIRE", "k", "9223372036854775807"], err("ERR invalid expire time in 'pexpire' command")),
        (["EXPIREAT", "k", "9223372036854775807"], err("ERR invalid expire time in 'expireat' command")),
    ],
)
def test_expire_invalid_times(raw, cmd, reply):
    raw.call("SET", "k", "v")
    assert raw.call(*cmd) == reply


def test_key_expires_lazily(r):
    r.set("k", "v")
    assert r.pexpire("k", 1) is True
    wait_until(lambda: r.get("k") is None, DEADLINE, message="k to expire")
    assert r.exists("k") == 0
    assert r.ttl("k") == -2


def test_set_px_expires(r):
    r.set("k", "v", px=1)
    wait_until(lambda: r.exists("k") == 0, DEADLINE, message="k to expire")


def test_expired_keys_invisible_to_keys_and_scan(r):
    r.set("stay", "v")
    r.set("go", "v", px=1)
    wait_until(lambda: r.keys("*") == [b"stay"], DEADLINE, message="KEYS to stop showing the expired key")
    assert list(r.scan_iter()) == [b"stay"]
    assert r.mget("go", "stay") == [None, b"v"]


def test_active_expiry_removes_untouched_keys(r):
    """Keys nobody reads must still be reclaimed (DBSIZE does not trigger lazy expiry)."""
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"tmp:{i}", "v", px=1)
    pipe.set("keep", "v")
    pipe.execute()
    wait_until(lambda: r.dbsize() == 1, DEADLINE, interval=0.05, message="active expiry to remove 100 keys")


def test_info_keyspace_counts_expires(r):
    r.set("a", 1, ex=1000)
    r.set("b", 2)
    ks = r.info("keyspace")
    assert ks["db0"]["keys"] == 2
    assert ks["db0"]["expires"] == 1


def test_keepttl_and_overwrite(r):
    r.set("k", "v", ex=1000)
    r.set("k", "w", keepttl=True)
    assert r.ttl("k") > 0
    r.getset("k", "x")
    assert r.ttl("k") == -1
    r.set("k", "v", ex=1000)
    r.append("k", "more")
    assert r.ttl("k") > 0, "APPEND keeps the TTL"
    r.incr("n")
    r.expire("n", 1000)
    r.incr("n")
    assert r.ttl("n") > 0, "INCR keeps the TTL"


def test_rename_moves_ttl_and_copy_copies_it(r):
    r.set("a", "v", ex=1000)
    r.rename("a", "b")
    assert r.ttl("b") > 0
    r.copy("b", "c")
    assert r.ttl("c") > 0
    r.set("p", "v")
    r.rename("p", "b")
    assert r.ttl("b") == -1, "RENAME of a persistent key over one with a TTL leaves no TTL"


def test_expired_key_not_copied_or_renamed(r, raw):
    r.set("k", "v", px=1)
    wait_until(lambda: r.exists("k") == 0, DEADLINE, message="k to expire")
    assert raw.call("RENAME", "k", "x") == err("ERR no such key")
    assert raw.call("COPY", "k", "x") == Reply(":", 0)


def test_getex_and_set_with_get_on_expiring_key(r):
    r.set("k", "v", px=1)
    wait_until(lambda: r.getex("k") is None, DEADLINE, message="GETEX to see expiry")
    assert r.set("k", "new", get=True) is None
