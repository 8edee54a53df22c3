"""Sorted sets through redis-py in RESP2 and RESP3: the leaderboard flows, score formatting, Valkey 8 options."""

from __future__ import annotations

import pytest

from resp_client import Reply


@pytest.mark.parametrize("protocol", [2, 3])
def test_leaderboard_flow(podium, protocol):
    with podium.client(protocol=protocol) as c:
        c.flushall()
        with c.pipeline() as p:  # create users and their scores (MULTI/EXEC)
            for i in range(50):
                p.hset(f"user:{i}", mapping={"name": f"player{i}", "country": "uk"})
                p.zadd("leaderboard:global", {f"user:{i}": i * 10})
            p.execute()
        assert c.zincrby("leaderboard:global", 1000, "user:7") == 1070.0
        assert c.zadd("leaderboard:global", {"user:8": 5}, gt=True) == 0  # GT: a lower score is ignored
        assert c.zscore("leaderboard:global", "user:8") == 80.0
        # Top 10 with scores, plus each user's profile, in one pipeline.
        top = c.zrevrange("leaderboard:global", 0, 9, withscores=True)
        assert list(top[0]) == [b"user:7", 1070.0]
        assert [m for m, _ in top[1:4]] == [b"user:49", b"user:48", b"user:47"]
        with c.pipeline(transaction=False) as p:
            for member, _ in top:
                p.hgetall(member.decode())
            profiles = p.execute()
        assert profiles[0][b"name"] == b"player7"
        # Rank of a user and the board size.
        assert c.zrevrank("leaderboard:global", "user:49") == 1
        assert c.zcard("leaderboard:global") == 50
        # Players around me: a window of 5 centred on my rank.
        rank = c.zrevrank("leaderboard:global", "user:20")
        window = c.zrevrange("leaderboard:global", max(rank - 2, 0), rank + 2, withscores=True)
        assert [m for m, _ in window] == [b"user:22", b"user:21", b"user:20", b"user:19", b"user:18"]
        assert c.zrangebyscore("leaderboard:global", "(480", "+inf") == [b"user:49", b"user:7"]
        assert c.zcount("leaderboard:global", "-inf", "(100") == 9  # users 0..9 except user:7, moved up
        # Weekly board: this week's points count double next to the all-time board.
        c.zadd("leaderboard:week", {"user:1": 100, "user:2": 50})
        assert c.zunionstore("leaderboard:weekly", {"leaderboard:global": 1, "leaderboard:week": 2}) == 50
        assert c.zscore("leaderboard:weekly", "user:1") == 10 + 200
        assert c.zinterstore("leaderboard:both", ["leaderboard:global", "leaderboard:week"], aggregate="MAX") == 2
        assert c.zrange("leaderboard:both", 0, -1, withscores=True)[0][1] == 50.0


def test_score_formatting(podium, raw):
    """Valkey 8 prints the shortest text that round-trips (Redis 7.0 printed %.17g: 1.1000000000000001)."""
    if podium.is_redis:
        pytest.skip("score formatting follows Valkey 8; the redis-server 7.0 oracle uses %.17g")
    raw.call("ZADD", "f", "1.1", "a", "1732372000000", "ts", "inf", "top", "-0", "z", "0.1", "b")
    assert raw.call("ZSCORE", "f", "a") == Reply("$", b"1.1")
    assert raw.call("ZSCORE", "f", "ts") == Reply("$", b"1732372000000")
    assert raw.call("ZSCORE", "f", "top") == Reply("$", b"inf")
    assert raw.call("ZINCRBY", "f", "0.2", "b") == Reply("$", b"0.30000000000000004")
    assert raw.call("ZADD", "f", "nan", "x") == Reply("-", "ERR value is not a valid float")
    assert raw.call("ZADD", "f", "INCR", "-inf", "top") == Reply("-", "ERR resulting score is not a number (NaN)")


def test_resp3_shapes(podium):
    with podium.raw() as c:
        c.call("HELLO", "3")
        c.call("ZADD", "r3", "1", "a", "2.5", "b")
        assert c.call("ZSCORE", "r3", "b") == Reply(",", "2.5")
        withscores = c.call("ZRANGE", "r3", "0", "-1", "WITHSCORES")
        assert withscores == Reply("*", [Reply("*", [Reply("$", b"a"), Reply(",", "1")]),
                                          Reply("*", [Reply("$", b"b"), Reply(",", "2.5")])])
        if not podium.is_redis:  # WITHSCORE: Redis 7.2 / Valkey 8
            assert c.call("ZREVRANK", "r3", "a", "WITHSCORE") == Reply("*", [Reply(":", 1), Reply(",", "1")])
        c.call("FLUSHALL")


def test_zrank_withscore_resp2(podium, raw):
    if podium.is_redis:
        pytest.skip("ZRANK ... WITHSCORE is Redis 7.2 / Valkey 8; the redis-server 7.0 oracle lacks it")
    raw.call("ZADD", "w", "10", "a", "20", "b")
    assert raw.call("ZRANK", "w", "b", "WITHSCORE") == Reply("*", [Reply(":", 1), Reply("$", b"20")])
    assert raw.call("ZRANK", "w", "nope", "WITHSCORE") == Reply("*", None)


def test_options_on_a_large_set(raw):
    """Every ZADD option behaves the same on a 100,000-member set as on a small one."""
    members = []
    for i in range(100_000):
        members += [str(i), f"m{i}"]
    for start in range(0, len(members), 20_000):
        raw.call("ZADD", "big", *members[start:start + 20_000])
    assert raw.call("OBJECT", "ENCODING", "big") == Reply("$", b"skiplist")
    assert raw.call("ZADD", "big", "NX", "5", "m1") == Reply(":", 0)
    assert raw.call("ZADD", "big", "XX", "CH", "5", "m1", "7", "new") == Reply(":", 1)
    assert raw.call("ZADD", "big", "GT", "CH", "4", "m1") == Reply(":", 0)
    assert raw.call("ZADD", "big", "LT", "CH", "4", "m1") == Reply(":", 1)
    assert raw.call("ZADD", "big", "INCR", "1", "m1") == Reply("$", b"5")
    assert raw.call("ZREVRANK", "big", "m99999") == Reply(":", 0)
    assert raw.call("ZRANK", "big", "m50000") == Reply(":", 50000)
    assert raw.call("ZCARD", "big") == Reply(":", 100000)
    assert raw.call("ZRANGE", "big", "49999", "50000") == Reply("*", [Reply("$", b"m49999"), Reply("$", b"m50000")])


def test_memory_usage(raw):
    raw.call("ZADD", "mu", *[x for i in range(1000) for x in (str(i), f"member:{i}")])
    usage = raw.call("MEMORY", "USAGE", "mu")
    assert usage.kind == ":" and 50_000 < usage.value < 1_000_000  # ~200 bytes a member, within reason
    assert raw.call("MEMORY", "USAGE", "missing") == Reply("$", None)
    raw.call("SET", "small", "v")
    assert raw.call("MEMORY", "USAGE", "small").value < 200


def test_deleting_a_huge_sorted_set_does_not_crash(raw):
    """Dropping a long skiplist must not recurse once per member (stack overflow)."""
    for start in range(0, 400_000, 50_000):
        raw.call("ZADD", "huge", *[x for i in range(start, start + 50_000) for x in (str(i), f"m{i}")])
    assert raw.call("ZCARD", "huge") == Reply(":", 400_000)
    assert raw.call("DEL", "huge") == Reply(":", 1)
    assert raw.call("PING") == Reply("+", "PONG")


def test_score_range_errors_as_redis(raw):
    """strtod range errors: overflow and underflow to zero are invalid, a denormal result is valid."""
    invalid = Reply("-", "ERR value is not a valid float")
    assert raw.call("ZADD", "u", "1e-400", "a") == invalid
    assert raw.call("ZADD", "u", "1e400", "a") == invalid
    assert raw.call("ZADD", "u", "1e-310", "b") == Reply(":", 1)


def test_zscan_noscores_as_valkey_8(podium, raw):
    """ZSCAN ... NOSCORES (Valkey 8; redis-server 7.0 lacks it), and Valkey 8's errors for NOVALUES / NOSCORES
    given to the wrong SCAN command (checked against a Valkey 8.0.1 server)."""
    if podium.is_redis:
        pytest.skip("ZSCAN NOSCORES is Valkey 8")
    raw.call("ZADD", "zs", "1", "a", "2", "b", "3", "c")
    raw.call("HSET", "hs", "f", "v")
    raw.call("SADD", "ss", "m")
    reply = raw.call("ZSCAN", "zs", "0", "NOSCORES")
    assert reply.value[0] == Reply("$", b"0")
    assert sorted(e.value for e in reply.value[1].value) == [b"a", b"b", b"c"]
    reply = raw.call("ZSCAN", "zs", "0", "MATCH", "[ab]", "NOSCORES", "COUNT", "5")
    assert sorted(e.value for e in reply.value[1].value) == [b"a", b"b"]
    assert raw.call("ZSCAN", "zs", "0", "NOVALUES") == Reply("-", "ERR NOVALUES option can only be used in HSCAN")
    assert raw.call("HSCAN", "hs", "0", "NOSCORES") == Reply("-", "ERR NOSCORES option can only be used in ZSCAN")
    assert raw.call("SSCAN", "ss", "0", "NOVALUES") == Reply("-", "ERR NOVALUES option can only be used in HSCAN")
    assert raw.call("SCAN", "0", "NOSCORES") == Reply("-", "ERR NOSCORES option can only be used in ZSCAN")
