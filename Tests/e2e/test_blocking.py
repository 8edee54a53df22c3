"""Blocking pops through redis-py, redis-cli and raw connections: woken by another client, by EXEC, by CLIENT
UNBLOCK; timeouts; MULTI; disconnects; fairness; many blocked clients. Nothing here asserts on time: a test
waits (with a deadline) for the server to report a client blocked, then acts.

Valkey 8 behaviour that redis-server 7.0 does not share (checked against a Valkey 8.0.1 server): a served client
re-runs its command, so a key named before the ready one that now holds another type answers WRONGTYPE; a
timeout past 2^63 ms is "timeout is out of range".
"""

from __future__ import annotations

import subprocess
import threading

import pytest
import redis

from resp_client import Reply
from support import skip_if_redis_older, wait_until


def normalise(v):
    """Lists for tuples, floats for scores (redis-py parses some replies' scores, not others)."""
    if isinstance(v, (list, tuple)):
        return [normalise(x) for x in v]
    if isinstance(v, bytes):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def blocked_clients(server) -> int:
    with server.client() as c:
        return c.info("clients")["blocked_clients"]


def wait_blocked(server, n: int):
    wait_until(lambda: blocked_clients(server) == n, message=f"{n} blocked clients")


class Background:
    """Runs `fn` in a thread and keeps its result or exception."""

    def __init__(self, fn):
        self.result = None
        self.error = None

        def run():
            try:
                self.result = fn()
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self):
        self.thread.join(timeout=20)
        assert not self.thread.is_alive(), "blocked call did not return"
        if self.error:
            raise self.error
        return self.result


@pytest.mark.parametrize("protocol", [2, 3])
def test_worker_queue_woken_by_another_client(podium, protocol):
    with podium.client(protocol=protocol) as producer, podium.client(protocol=protocol) as worker:
        producer.flushall()
        job = Background(lambda: worker.blpop(["jobs:high", "jobs:low"], timeout=0))
        wait_blocked(podium, 1)
        with producer.client() if False else podium.client(protocol=protocol) as c:
            assert c.client_list()[0] is not None
            assert any("b" in entry["flags"] for entry in c.client_list())
        assert producer.rpush("jobs:low", "job-1") == 1
        assert job.join() in ([b"jobs:low", b"job-1"], (b"jobs:low", b"job-1"))
        assert blocked_clients(podium) == 0
        assert producer.exists("jobs:low") == 0  # the served pop emptied it


def test_every_blocking_command_through_redis_py(podium):
    with podium.client() as p, podium.client() as w:
        p.flushall()
        cases = [
            (lambda: w.brpop("l", timeout=0), lambda: p.rpush("l", "a", "b"), [b"l", b"b"]),
            (lambda: w.blmpop(0, 2, "x", "l2", direction="LEFT", count=5), lambda: p.rpush("l2", "a", "b"),
             [b"l2", [b"a", b"b"]]),
            (lambda: w.blmove("src", "dst", 0, "RIGHT", "LEFT"), lambda: p.rpush("src", "m"), b"m"),
            (lambda: w.brpoplpush("src2", "dst", 0), lambda: p.rpush("src2", "n"), b"n"),
            (lambda: w.bzpopmin(["z1", "z2"], timeout=0), lambda: p.zadd("z2", {"a": 1, "b": 2}), [b"z2", b"a", 1.0]),
            (lambda: w.bzpopmax("z3", timeout=0), lambda: p.zadd("z3", {"a": 1, "b": 2}), [b"z3", b"b", 2.0]),
            (lambda: w.bzmpop(0, 1, ["z4"], min=True, count=2), lambda: p.zadd("z4", {"a": 1, "b": 2, "c": 3}),
             [b"z4", [[b"a", 1.0], [b"b", 2.0]]]),
        ]
        for call, wake, expected in cases:
            job = Background(call)
            wait_blocked(podium, 1)
            wake()
            got = job.join()
            assert normalise(got) == expected
        assert p.lrange("dst", 0, -1) == [b"n", b"m"]
        assert normalise(p.zmpop(1, ["z4"], max=True)) == [b"z4", [[b"c", 3.0]]]
        assert p.zmpop(1, ["nothing"], min=True) is None


def test_woken_after_exec_and_not_by_a_push_undone_in_it(podium):
    with podium.client() as p, podium.client() as w:
        p.flushall()
        job = Background(lambda: w.blpop("q", timeout=0))
        wait_blocked(podium, 1)
        # LPUSH + DEL, then LPUSH + DEL + SET, inside transactions: nobody wakes.
        with p.pipeline(transaction=True) as tx:
            tx.lpush("q", "a")
            tx.delete("q")
            tx.execute()
        with p.pipeline(transaction=True) as tx:
            tx.lpush("q", "a")
            tx.delete("q")
            tx.set("q", "string")
            tx.execute()
        assert blocked_clients(podium) == 1
        p.delete("q")
        # A transaction that leaves the list there wakes the client after EXEC, with the whole transaction done:
        # it pops the head as it is then.
        with p.pipeline(transaction=True) as tx:
            tx.rpush("q", "first")
            tx.lpush("q", "second")
            tx.execute()
        assert job.join() in ([b"q", b"second"], (b"q", b"second"))
        assert p.lrange("q", 0, -1) == [b"first"]


def test_fifo_order_and_pipelined_requests_wait(podium):
    conns = [podium.raw() for _ in range(3)]
    try:
        conns[0].call("FLUSHALL")
        for i, c in enumerate(conns):
            c.send("BLPOP", "fair", "0")
            # A request pipelined behind the blocking one runs only once the client is served.
            c.send("ECHO", f"after-{i}")
            wait_blocked(podium, i + 1)
        with podium.raw() as p:
            assert p.call("RPUSH", "fair", "a", "b", "c") == Reply(":", 3)
        for i, c in enumerate(conns):
            assert c.read_reply() == Reply("*", [Reply("$", b"fair"), Reply("$", b"abc"[i:i + 1])])
            assert c.read_reply() == Reply("$", f"after-{i}".encode())
    finally:
        for c in conns:
            c.close()


def test_timeouts_and_multi(podium):
    with podium.client() as c:
        c.flushall()
        assert c.blpop("none", timeout=0.05) is None  # fractional timeout, null reply
        assert c.bzpopmin("none", timeout=0.01) is None
        assert c.blmove("none", "d", 0.01, "LEFT", "LEFT") is None
        with c.pipeline(transaction=True) as tx:
            tx.blpop("none", timeout=0)  # inside MULTI a blocking command does not block
            tx.bzpopmax("none", timeout=0)
            tx.brpoplpush("none", "d", 0)
            assert tx.execute() == [None, None, None]
    with podium.raw() as raw:
        raw.call("FLUSHALL")
        assert raw.call("BLPOP", "none", "0.01") == Reply("*", None)
        assert raw.call("BLMOVE", "none", "d", "LEFT", "LEFT", "0.01") == Reply("*", None)
        assert raw.call("BLPOP", "k", "-1") == Reply("-", "ERR timeout is negative")
        assert raw.call("BLPOP", "k", "abc") == Reply("-", "ERR timeout is not a float or out of range")
        assert raw.call("BLMPOP", "0", "0", "k", "LEFT") == Reply("-", "ERR numkeys should be greater than 0")
        assert raw.call("BZMPOP", "0", "1", "k", "MID") == Reply("-", "ERR syntax error")
        raw.call("SET", "s", "v")
        assert raw.call("BLPOP", "missing", "s", "0") == Reply(
            "-", "WRONGTYPE Operation against a key holding the wrong kind of value")


def test_client_unblock(podium):
    with podium.client() as admin, podium.client() as w:
        admin.flushall()
        wid = w.client_id()
        job = Background(lambda: w.blpop("q", timeout=0))
        wait_blocked(podium, 1)
        assert admin.client_unblock(wid) in (1, True)
        assert job.join() is None  # the reply of a timeout
        job = Background(lambda: w.bzpopmin("z", timeout=0))
        wait_blocked(podium, 1)
        assert admin.client_unblock(wid, error=True) in (1, True)
        with pytest.raises(redis.exceptions.ResponseError, match="UNBLOCKED client unblocked via CLIENT UNBLOCK"):
            job.join()
        assert admin.client_unblock(wid) in (0, False)  # not blocked any more
        assert admin.client_unblock(999999) in (0, False)
        with pytest.raises(redis.exceptions.ResponseError, match="reason should be TIMEOUT or ERROR"):
            admin.execute_command("CLIENT", "UNBLOCK", wid, "LATER")
        # The connection works normally afterwards.
        assert w.ping() is True


def test_a_blocked_client_that_disconnects_is_forgotten(podium):
    raw = podium.raw()
    raw.call("FLUSHALL")
    raw.send("BLPOP", "q", "0")
    wait_blocked(podium, 1)
    raw.close()
    wait_blocked(podium, 0)
    with podium.raw() as p:
        assert p.call("RPUSH", "q", "x") == Reply(":", 1)
        assert p.call("LLEN", "q") == Reply(":", 1)  # nobody took it


def test_blmove_chain_serves_the_next_client_in_the_same_round(podium):
    a, b = podium.raw(), podium.raw()
    try:
        a.call("FLUSHALL")
        a.send("BLMOVE", "stage1", "stage2", "LEFT", "RIGHT", "0")
        wait_blocked(podium, 1)
        b.send("BLPOP", "stage2", "0")
        wait_blocked(podium, 2)
        with podium.raw() as p:
            assert p.call("RPUSH", "stage1", "item") == Reply(":", 1)
        assert a.read_reply() == Reply("$", b"item")
        assert b.read_reply() == Reply("*", [Reply("$", b"stage2"), Reply("$", b"item")])
    finally:
        a.close()
        b.close()


def test_many_blocked_clients(podium):
    """500 clients blocked on 500 keys: unrelated writes run as usual, and each push wakes exactly its client."""
    conns = [podium.raw() for _ in range(500)]
    try:
        conns[0].call("FLUSHALL")
        for i, c in enumerate(conns):
            c.send("BRPOP", f"mailbox:{i}", "0")
        wait_blocked(podium, 500)
        with podium.raw() as p:
            for i in range(200):
                assert p.call("SET", f"other:{i}", "v") == Reply("+", "OK")
            assert p.call("INFO", "clients").value.decode().count("blocked_clients:500") == 1
            for i in range(0, 500, 2):
                p.call("LPUSH", f"mailbox:{i}", f"msg{i}")
        for i in range(0, 500, 2):
            assert conns[i].read_reply() == Reply("*", [Reply("$", f"mailbox:{i}".encode()),
                                                        Reply("$", f"msg{i}".encode())])
        wait_blocked(podium, 250)
    finally:
        for c in conns:
            c.close()
    wait_blocked(podium, 0)


def test_redis_cli_blocking_pop(podium):
    proc = subprocess.Popen(["redis-cli", "-h", podium.host, "-p", str(podium.port), "BLPOP", "cli:q", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        wait_blocked(podium, 1)
        with podium.client() as c:
            c.rpush("cli:q", "hello")
        out, _ = proc.communicate(timeout=20)
        assert out.split() == ["cli:q", "hello"]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_valkey_reruns_the_served_command(podium):
    """Valkey 8 re-runs a served command: an earlier key of another type answers WRONGTYPE (redis 7.0 pops)."""
    skip_if_redis_older(podium, (7, 2), "Valkey's re-processing of served blocked commands")
    w = podium.raw()
    try:
        w.call("FLUSHALL")
        w.send("BZMPOP", "0", "2", "z1", "z0", "MIN")
        wait_blocked(podium, 1)
        with podium.raw() as p:
            p.call("RPUSH", "tmp", "x")
            p.call("RENAME", "tmp", "z1")  # z1 appears, but as a list: not ready for a sorted-set pop
            assert p.call("INFO", "clients").value.decode().count("blocked_clients:1") == 1
            p.call("ZADD", "z0", "0", "m")
        assert w.read_reply() == Reply("-", "WRONGTYPE Operation against a key holding the wrong kind of value")
        assert w.call("BLPOP", "k", "1e400") == Reply("-", "ERR timeout is out of range")
    finally:
        w.close()


def test_swapdb_wakes_a_client_whose_key_arrives(podium):
    w = podium.raw()
    try:
        w.call("FLUSHALL")
        w.send("BLPOP", "swapped", "0")
        wait_blocked(podium, 1)
        with podium.raw() as p:
            p.call("SELECT", "9")
            p.call("RPUSH", "swapped", "from-db9")
            assert p.call("SWAPDB", "0", "9") == Reply("+", "OK")
        assert w.read_reply() == Reply("*", [Reply("$", b"swapped"), Reply("$", b"from-db9")])
    finally:
        w.close()


def test_wait_without_replicas(podium):
    """WAIT: no replica ever acknowledges, so `WAIT 0 t` answers 0 at once and `WAIT n t` (n > 0) blocks until
    its timeout or CLIENT UNBLOCK, then answers 0 (as redis-server and Valkey do with no replica connected)."""
    with podium.raw() as raw, podium.client() as admin:
        raw.call("FLUSHALL")
        assert raw.call("WAIT", "0", "0") == Reply(":", 0)
        assert raw.call("WAIT", "1", "1") == Reply(":", 0)  # 1 ms timeout
        assert raw.call("WAIT", "x", "0") == Reply("-", "ERR value is not an integer or out of range")
        assert raw.call("WAIT", "1", "0.5") == Reply("-", "ERR timeout is not an integer or out of range")
        assert raw.call("WAIT", "1", "-1") == Reply("-", "ERR timeout is negative")
        assert raw.call("MULTI") == Reply("+", "OK")
        assert raw.call("WAIT", "1", "0") == Reply("+", "QUEUED")
        assert raw.call("EXEC") == Reply("*", [Reply(":", 0)])  # inside MULTI it does not block
        wid = raw.call("CLIENT", "ID").value
        raw.send("WAIT", "2", "0")  # blocks forever
        wait_blocked(podium, 1)
        assert admin.client_unblock(wid) in (1, True)
        assert raw.read_reply() == Reply(":", 0)
        raw.send("WAIT", "1", "0")
        wait_blocked(podium, 1)
        assert admin.client_unblock(wid, error=True) in (1, True)
        assert raw.read_reply() == Reply("-", "UNBLOCKED client unblocked via CLIENT UNBLOCK")
        assert raw.call("PING") == Reply("+", "PONG")


def test_idle_timeout_spares_blocked_clients(server_factory):
    """`timeout` closes idle clients but not blocked ones (Valkey's clientsCronHandleTimeout): a worker waiting in
    BLPOP k 0 stays connected past the idle timeout and is served; one with a block timeout gets its nil."""
    server = server_factory(extra_args=["--timeout", "1"])
    with server.client() as admin:
        forever, bounded, idle = server.raw(), server.raw(), server.raw()
        forever.send("BLPOP", "idle:q", "0")
        bounded.send("BLPOP", "idle:other", "3")
        wait_blocked(server, 2)
        idle.call("PING")
        # The idle connection goes within a few cron runs; the blocked ones (and admin, which keeps asking) stay.
        wait_until(lambda: len(admin.client_list()) == 3, message="the idle client closed")
        assert bounded.read_reply() == Reply("*", None)
        admin.rpush("idle:q", "job")
        assert forever.read_reply() == Reply("*", [Reply("$", b"idle:q"), Reply("$", b"job")])
        for conn in (forever, bounded, idle):
            conn.close()


def test_client_reply_skip_applies_to_the_blocking_reply(podium, oracle):
    """CLIENT REPLY SKIP before a blocking command skips that command's reply, whether it times out or is served
    later (not the reply of the command after it), as redis-server 7 does."""
    for server in (podium, oracle):
        conn = server.raw()
        conn.send("CLIENT", "REPLY", "SKIP")
        conn.send("BLPOP", "skip:k", "0.2")
        conn.send("PING")
        assert conn.read_reply() == Reply("+", "PONG"), server
        conn.send("CLIENT", "REPLY", "SKIP")
        conn.send("BLPOP", "skip:k", "0")
        conn.send("PING")
        wait_blocked(server, 1)
        with server.client() as other:
            other.rpush("skip:k", "a")
        assert conn.read_reply() == Reply("+", "PONG"), server
        conn.close()
