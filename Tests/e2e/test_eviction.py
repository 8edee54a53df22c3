"""maxmemory and eviction through a real socket: the OOM error texts (compared with redis-server 7), each policy's
choice of victims, the `evicted` keyspace event, INFO `evicted_keys`, and that reads and deletes still run when
nothing can be evicted.

Memory is the allocator's count (INFO used_memory), so each test sets `maxmemory` relative to what the server
uses right now and then writes well past it."""

from __future__ import annotations

import time

from resp_client import Reply, encode_command

OOM = "OOM command not allowed when used memory > 'maxmemory'."


def info_field(conn, section: str, name: str) -> int:
    text = conn.call("INFO", section).value.decode()
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError(f"{name} not in INFO {section}")


def limit_above_current(conn, extra: int) -> int:
    """Sets maxmemory to the current used_memory plus `extra` bytes; returns the limit."""
    used = info_field(conn, "memory", "used_memory")
    assert used > 0
    limit = used + extra
    assert conn.call("CONFIG", "SET", "maxmemory", str(limit)) == Reply("+", "OK")
    return limit


def pipeline(conn, cmds: list[tuple]) -> list[Reply]:
    conn.send_raw(b"".join(encode_command(*cmd) for cmd in cmds))
    return [conn.read_reply() for _ in cmds]


def fill(conn, prefix: str, n: int, size: int = 1000, ttl: bool = False) -> None:
    value = "v" * size
    for i in range(0, n, 100):
        cmds = []
        for j in range(i, min(n, i + 100)):
            cmds.append(("SET", f"{prefix}:{j}", value) + (("EX", "3600") if ttl else ()))
        for reply in pipeline(conn, cmds):
            assert reply == Reply("+", "OK"), reply


def test_noeviction_refuses_writes_like_redis(fresh_podium, oracle):
    """With noeviction and a limit below current use, denyoom commands get Redis' error; reads, deletes and
    non-growing commands run; inside MULTI the queued write is refused and EXEC aborts."""
    def script(server):
        out = []
        with server.raw() as c:
            c.call("FLUSHALL")
            c.call("SET", "kept", "1")
            assert c.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == Reply("+", "OK")
            assert c.call("CONFIG", "SET", "maxmemory", "1") == Reply("+", "OK")
            try:
                for cmd in (("SET", "k", "v"), ("HSET", "h", "f", "v"), ("ZADD", "z", "1", "m"),
                            ("INCR", "kept"), ("GET", "kept"), ("EXISTS", "kept"), ("PING",),
                            ("MULTI",), ("SET", "k2", "v"), ("GET", "kept"), ("EXEC",),
                            ("MULTI",), ("GET", "kept"), ("EXEC",),
                            ("DEL", "kept"), ("GET", "kept")):
                    out.append((cmd, c.call(*cmd)))
            finally:
                c.call("CONFIG", "SET", "maxmemory", "0")
        return out

    ours, theirs = script(fresh_podium), script(oracle)
    assert ours == theirs
    assert dict(ours)[("SET", "k", "v")] == Reply("-", OOM)


def test_exec_of_a_transaction_with_a_write_is_refused_when_over(fresh_podium, oracle):
    """A write queued while under the limit, EXEC'd when over: EXEC itself is refused and the transaction goes."""
    def script(server):
        with server.raw() as c, server.raw() as admin:
            c.call("FLUSHALL")
            assert c.call("MULTI") == Reply("+", "OK")
            assert c.call("SET", "k", "v") == Reply("+", "QUEUED")
            admin.call("CONFIG", "SET", "maxmemory", "1")
            try:
                return [c.call("EXEC"), c.call("EXISTS", "k"), c.call("EXEC")]
            finally:
                admin.call("CONFIG", "SET", "maxmemory", "0")

    ours, theirs = script(fresh_podium), script(oracle)
    assert ours == theirs
    assert ours[0] == Reply("-", "EXECABORT Transaction discarded because of: " + OOM)


def test_allkeys_random_keeps_memory_bounded_and_publishes_evicted(fresh_podium):
    with fresh_podium.raw() as c, fresh_podium.raw() as sub:
        assert c.call("CONFIG", "SET", "notify-keyspace-events", "Ee") == Reply("+", "OK")
        assert sub.call("SUBSCRIBE", "__keyevent@0__:evicted").value[2] == Reply(":", 1)
        assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random") == Reply("+", "OK")
        limit = limit_above_current(c, 2_000_000)
        fill(c, "k", 10_000)  # about 10 MB of values against 2 MB of room
        used = info_field(c, "memory", "used_memory")
        evicted = info_field(c, "stats", "evicted_keys")
        keys = c.call("DBSIZE").value
        assert evicted > 5000 and keys + evicted == 10_000, (evicted, keys)
        assert used <= limit + 100_000, (used, limit)
        # Every eviction was published, with the key as the message.
        seen = set()
        for _ in range(evicted):
            frame = sub.read_reply()
            assert frame.value[0].value == b"message" and frame.value[1].value == b"__keyevent@0__:evicted"
            seen.add(frame.value[2].value)
        assert len(seen) == evicted and all(k.startswith(b"k:") for k in seen)
        assert not any(c.call("EXISTS", k.decode()).value for k in list(seen)[:50])


def test_volatile_ttl_evicts_only_keys_with_a_ttl_soonest_first(fresh_podium):
    with fresh_podium.raw() as c:
        assert c.call("CONFIG", "SET", "maxmemory-policy", "volatile-ttl") == Reply("+", "OK")
        assert c.call("CONFIG", "SET", "maxmemory-samples", "10") == Reply("+", "OK")
        fill(c, "persistent", 500)
        for i in range(0, 3000, 100):
            pipeline(c, [("SET", f"t:{j}", "v" * 1000, "EX", str(100 + j)) for j in range(i, i + 100)])
        limit_above_current(c, -1_500_000)  # below current use: about 1,500 of the 1 KB keys must go
        c.call("SET", "trigger", "x")
        assert c.call("DBSIZE").value < 3500 + 1
        # No key without a TTL went, and the survivors with a TTL are mostly the long-lived ones.
        assert all(r.value == 1 for r in pipeline(c, [("EXISTS", f"persistent:{j}") for j in range(500)]))
        alive = [j for j, r in enumerate(pipeline(c, [("EXISTS", f"t:{j}") for j in range(3000)])) if r.value == 1]
        assert alive, "some keys with a TTL must remain"
        assert sum(alive) / len(alive) > 1500, "the keys expiring soonest should be the ones evicted"


def test_volatile_policy_with_no_ttl_keys_refuses_writes(fresh_podium):
    with fresh_podium.raw() as c:
        assert c.call("CONFIG", "SET", "maxmemory-policy", "volatile-lru") == Reply("+", "OK")
        fill(c, "p", 200)
        assert c.call("CONFIG", "SET", "maxmemory", "1") == Reply("+", "OK")
        assert c.call("SET", "x", "y") == Reply("-", OOM)
        assert c.call("DBSIZE").value == 200
        assert info_field(c, "stats", "evicted_keys") == 0


def test_allkeys_lru_prefers_keys_idle_longest(fresh_podium):
    with fresh_podium.raw() as c:
        assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == Reply("+", "OK")
        assert c.call("CONFIG", "SET", "maxmemory-samples", "10") == Reply("+", "OK")
        fill(c, "cold", 2000)
        time.sleep(2.1)  # idle time has one-second resolution, as in Valkey
        fill(c, "hot", 500)
        limit_above_current(c, -1_200_000)
        c.call("SET", "trigger", "x")
        hot_alive = sum(r.value for r in pipeline(c, [("EXISTS", f"hot:{j}") for j in range(500)]))
        cold_alive = sum(r.value for r in pipeline(c, [("EXISTS", f"cold:{j}") for j in range(2000)]))
        assert info_field(c, "stats", "evicted_keys") > 1000
        assert hot_alive >= 490, hot_alive  # recently written keys survive
        assert cold_alive < 1000, cold_alive


def test_config_get_and_info_report_the_limit(fresh_podium):
    with fresh_podium.raw() as c:
        assert c.call("CONFIG", "SET", "maxmemory", "100mb") == Reply("+", "OK")
        assert c.call("CONFIG", "GET", "maxmemory").value[1] == Reply("$", b"104857600")
        assert info_field(c, "memory", "maxmemory") == 104857600
        text = c.call("INFO", "memory").value.decode()
        assert "maxmemory_policy:noeviction" in text
        assert c.call("SET", "k", "v") == Reply("+", "OK")  # far under the limit


def test_a_transaction_runs_whole_once_exec_is_admitted(fresh_podium, oracle):
    """Memory is checked for EXEC, not again before each queued command: a transaction whose first command takes
    the server over the limit still runs to the end, and evicts nothing in the middle (as Valkey)."""
    def script(server, policy):
        with server.raw() as c:
            c.call("FLUSHALL")
            assert c.call("CONFIG", "SET", "maxmemory-policy", policy) == Reply("+", "OK")
            # A limit just above current use, so every later command would be checked (and find the server over).
            limit_above_current(c, 100_000)
            try:
                assert c.call("MULTI") == Reply("+", "OK")
                for cmd in (("SETRANGE", "big", "3000000", "x"), ("STRLEN", "big"), ("SET", "after", "1"),
                            ("EXISTS", "big")):
                    assert c.call(*cmd) == Reply("+", "QUEUED")
                return c.call("EXEC")
            finally:
                c.call("CONFIG", "SET", "maxmemory", "0")

    for policy in ("noeviction", "allkeys-random"):
        ours, theirs = script(fresh_podium, policy), script(oracle, policy)
        assert ours == theirs, policy
        assert ours == Reply("*", [Reply(":", 3000001), Reply(":", 3000001), Reply("+", "OK"), Reply(":", 1)])


def test_lowering_maxmemory_evicts_at_once(fresh_podium):
    """CONFIG SET maxmemory below what is used evicts right away, before any other command (Redis' pubsub test
    "Keyspace notifications: evicted events" waits for the event after only the CONFIG SET)."""
    with fresh_podium.raw() as c, fresh_podium.raw() as sub:
        assert c.call("CONFIG", "SET", "notify-keyspace-events", "Ee") == Reply("+", "OK")
        assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == Reply("+", "OK")
        assert sub.call("PSUBSCRIBE", "*").value[2] == Reply(":", 1)
        assert c.call("SET", "foo", "bar") == Reply("+", "OK")
        assert c.call("CONFIG", "SET", "maxmemory", "1") == Reply("+", "OK")
        sub.settimeout(5)
        assert sub.read_reply() == Reply("*", [Reply("$", b"pmessage"), Reply("$", b"*"),
                                               Reply("$", b"__keyevent@0__:evicted"), Reply("$", b"foo")])
        assert c.call("CONFIG", "SET", "maxmemory", "0") == Reply("+", "OK")
        assert c.call("DBSIZE") == Reply(":", 0)
