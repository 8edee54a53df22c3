"""Pub/Sub through real clients: exact frames against redis-server (RESP2 and RESP3), redis-py's PubSub,
redis-cli SUBSCRIBE in a background process, and a subscriber that never reads (client-output-buffer-limit).

Every blocking read has a socket timeout, and every wait is a deadline (support.wait_until)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis

from resp_client import Reply, encode_command
from support import vm_rss_kb, wait_until


def bulks(*items) -> list[Reply]:
    return [Reply("$", i if isinstance(i, (bytes, type(None))) else str(i).encode()) for i in items]


def frame(kind: str, *items) -> Reply:
    """A pub/sub frame: words and names as bulks, ints as integers (None: the null channel)."""
    out = []
    for i in items:
        if isinstance(i, int):
            out.append(Reply(":", i))
        else:
            out.extend(bulks(i))
    return Reply(kind, out)


# --------------------------------------------------------------------------------------------------
# Differential: the same script on podium and on redis-server 7, compared frame by frame
# --------------------------------------------------------------------------------------------------


def resp2_script(server) -> list:
    """Subscriber `a`, publisher `b`; returns every reply, in order. Only single-name operations where the
    reply order is defined (an UNSUBSCRIBE of everything is sorted, as Redis' order is its dict's)."""
    out = []
    with server.raw() as a, server.raw() as b:
        def call(conn, *args):
            out.append((args, conn.call(*args)))

        def calls(conn, n, *args):
            conn.send(*args)
            out.append((args, [conn.read_reply() for _ in range(n)]))

        call(a, "UNSUBSCRIBE")
        call(a, "PUNSUBSCRIBE")
        call(a, "SUNSUBSCRIBE")
        call(a, "SUBSCRIBE")
        call(a, "PSUBSCRIBE")
        call(a, "SSUBSCRIBE")
        calls(a, 3, "SUBSCRIBE", "c1", "c2", "c1")
        call(a, "PSUBSCRIBE", "c*")
        call(a, "SSUBSCRIBE", "s1")
        call(a, "GET", "x")
        call(a, "CONFIG", "GET", "maxclients")
        call(a, "GET")
        call(a, "PING")
        call(a, "PING", "hi")
        call(a, "PING", "a", "b")
        call(b, "PUBLISH", "c1", "hello")
        out.append(("a receives", [a.read_reply(), a.read_reply()]))
        call(b, "PUBLISH", "cx", b"bin\x00\r\nary")
        out.append(("a receives", a.read_reply()))
        call(b, "PUBLISH", "nobody", "x")
        call(b, "SPUBLISH", "s1", "shard")
        out.append(("a receives", a.read_reply()))
        call(b, "SPUBLISH", "c1", "not a shard subscriber")
        call(b, "PUBSUB", "NUMSUB", "c1", "c2", "zz")
        call(b, "PUBSUB", "NUMSUB")
        call(b, "PUBSUB", "NUMPAT")
        call(b, "PUBSUB", "SHARDCHANNELS")
        call(b, "PUBSUB", "SHARDNUMSUB", "s1", "c1")
        call(b, "PUBSUB", "CHANNELS", "c[1]")
        call(b, "PUBSUB", "CHANNELS", "a", "b")
        call(b, "PUBSUB", "SHARDCHANNELS", "a", "b")
        call(b, "PUBSUB")
        call(b, "PUBSUB", "NOPE")
        call(b, "PUBSUB", "NUMPAT", "x")
        call(b, "PUBLISH", "c1")
        call(a, "UNSUBSCRIBE", "zz")
        a.send("UNSUBSCRIBE")
        # Each reply carries the count left after it, so the counts follow the (unspecified) channel order:
        # compare the channel names and the counts as two sorted lists.
        replies = [a.read_reply() for _ in range(2)]
        out.append(("UNSUBSCRIBE all", (sorted(repr(r.value[1]) for r in replies),
                                         sorted(repr(r.value[2]) for r in replies),
                                         [repr(r.value[0]) for r in replies])))
        call(a, "PUNSUBSCRIBE")
        call(a, "GET", "x")  # still a shard subscriber: still subscribed mode
        call(a, "SUNSUBSCRIBE")
        call(a, "GET", "x")
        call(a, "SUBSCRIBE", "c1")
        call(a, "RESET")
        call(a, "GET", "x")
        call(b, "PUBLISH", "c1", "after reset")
        call(b, "MULTI")
        call(b, "SUBSCRIBE", "m")
        call(b, "SSUBSCRIBE", "m2")
        call(b, "EXEC")
        call(b, "GET", "x")
        call(b, "QUIT")
    return out


def test_resp2_frames_match_redis(podium, oracle):
    theirs = resp2_script(oracle)
    ours = resp2_script(podium)
    for (args, expected), (_, got) in zip(theirs, ours):
        assert got == expected, f"{args!r}"
    assert len(ours) == len(theirs)


def test_resp2_frames_by_hand(raw, podium):
    """The shapes themselves, so a wrong oracle cannot make both sides agree on nonsense."""
    assert raw.call("SUBSCRIBE", "ch") == frame("*", "subscribe", "ch", 1)
    assert raw.call("PSUBSCRIBE", "c?") == frame("*", "psubscribe", "c?", 2)
    with podium.raw() as pub:
        assert pub.call("PUBLISH", "ch", "payload") == Reply(":", 2)
    assert raw.read_reply() == frame("*", "message", "ch", "payload")
    assert raw.read_reply() == frame("*", "pmessage", "c?", "ch", "payload")
    assert raw.call("UNSUBSCRIBE", "ch") == frame("*", "unsubscribe", "ch", 1)
    assert raw.call("PUNSUBSCRIBE") == frame("*", "punsubscribe", "c?", 0)
    assert raw.call("UNSUBSCRIBE") == frame("*", "unsubscribe", None, 0)


def resp3_script(server) -> list:
    out = []
    with server.raw() as c, server.raw() as b:
        c.call("HELLO", "3")  # differs (version, id); not compared

        def call(conn, *args):
            out.append((args, conn.call(*args)))

        call(c, "SUBSCRIBE", "c1")
        call(c, "PSUBSCRIBE", "c*")
        call(c, "SET", "k", "v")
        call(c, "GET", "k")
        call(c, "PING")
        # A subscriber publishing to itself gets PUBLISH's reply, then its pushes (Valkey 8; Redis 7.0 writes the
        # pushes first, so the frames are compared as reply + pushes).
        c.send("PUBLISH", "c1", "self")
        frames = [c.read_reply() for _ in range(3)]
        out.append(("self publish", ([f for f in frames if f.kind != ">"], [f for f in frames if f.kind == ">"])))
        if not server.is_redis:
            assert [f.kind for f in frames] == [":", ">", ">"]
        call(b, "PUBLISH", "c1", "other")
        out.append(("pushes", [c.read_reply(), c.read_reply()]))
        call(c, "PUBSUB", "NUMSUB", "c1")
        call(c, "UNSUBSCRIBE")
        call(c, "UNSUBSCRIBE")
        call(c, "SSUBSCRIBE", "s")
        call(b, "SPUBLISH", "s", "x")
        out.append(("spush", c.read_reply()))
        call(c, "SUNSUBSCRIBE", "s", "t")
        call(c, "PUNSUBSCRIBE", "c*")
        call(c, "PUNSUBSCRIBE")
        call(c, "DEL", "k")
    return out


def test_resp3_push_frames_match_redis(podium, oracle):
    theirs = resp3_script(oracle)
    ours = resp3_script(podium)
    assert len(ours) == len(theirs)
    for (args, expected), (_, got) in zip(theirs, ours):
        assert got == expected, f"{args!r}"


def test_resp3_push_shapes(podium):
    with podium.raw() as c, podium.raw() as p:
        c.call("HELLO", "3")
        assert c.call("SUBSCRIBE", "ch") == frame(">", "subscribe", "ch", 1)
        assert c.call("GET", "nothing") == Reply("_", None)
        assert p.call("PUBLISH", "ch", "m") == Reply(":", 1)
        assert c.read_reply() == frame(">", "message", "ch", "m")
        assert c.call("UNSUBSCRIBE") == frame(">", "unsubscribe", "ch", 0)
        assert c.call("UNSUBSCRIBE") == Reply(">", [Reply("$", b"unsubscribe"), Reply("_", None), Reply(":", 0)])


# --------------------------------------------------------------------------------------------------
# Ordering, fan-out, bookkeeping
# --------------------------------------------------------------------------------------------------


def test_messages_arrive_in_publish_order_to_every_subscriber(podium):
    n = 2000
    subs = [podium.raw() for _ in range(5)]
    try:
        for s in subs:
            assert s.call("SUBSCRIBE", "order")[1][2] == Reply(":", 1)
        assert subs[0].call("PSUBSCRIBE", "ord*")[1][2] == Reply(":", 2)
        with podium.raw() as pub:
            pub.send_raw(b"".join(encode_command("PUBLISH", "order", str(i)) for i in range(n)))
            replies = [pub.read_reply() for _ in range(n)]
        assert all(r == Reply(":", 6) for r in replies)
        for idx, s in enumerate(subs):
            got = []
            while len(got) < n * (2 if idx == 0 else 1):
                got.append(s.read_reply())
            messages = [r.value[-1].value for r in got if r.value[0].value == b"message"]
            assert messages == [str(i).encode() for i in range(n)]
            if idx == 0:
                pmessages = [r.value[-1].value for r in got if r.value[0].value == b"pmessage"]
                assert pmessages == [str(i).encode() for i in range(n)]
                # Channel and pattern delivery alternate per publish, as in Redis.
                assert [r.value[0].value for r in got[:4]] == [b"message", b"pmessage"] * 2
    finally:
        for s in subs:
            s.close()


def test_bookkeeping_in_pubsub_info_and_client_list(podium, r):
    with podium.raw() as a, podium.raw() as b:
        a.call("CLIENT", "SETNAME", "subscriber-a")
        a.send("SUBSCRIBE", "k1", "k2")
        a.read_reply(); a.read_reply()
        a.call("PSUBSCRIBE", "k*")
        a.call("SSUBSCRIBE", "sk")
        b.call("PSUBSCRIBE", "k*")
        assert r.pubsub_numsub("k1", "k2", "k3") == [(b"k1", 1), (b"k2", 1), (b"k3", 0)]
        assert r.pubsub_numpat() == 1
        assert sorted(r.pubsub_channels("k*")) == [b"k1", b"k2"]
        assert r.execute_command("PUBSUB", "SHARDCHANNELS") == [b"sk"]
        stats = r.info("stats")
        assert stats["pubsub_channels"] == 2
        assert stats["pubsub_patterns"] == 1
        assert stats["pubsubshard_channels"] == 1
        clients = {c["name"]: c for c in r.client_list()}
        me = clients["subscriber-a"]
        assert (me["sub"], me["psub"], me["ssub"], me["flags"]) == ("2", "1", "1", "P")
        pubsub_type = [c.get("name") for c in r.client_list(_type="pubsub")]
        assert "subscriber-a" in pubsub_type and len(pubsub_type) == 2
        assert "subscriber-a" not in [c.get("name") for c in r.client_list(_type="normal")]
    # Disconnected subscribers are gone from every index.
    wait_until(lambda: r.pubsub_numsub("k1") == [(b"k1", 0)] and r.pubsub_numpat() == 0, message="cleanup")
    assert r.info("stats")["pubsubshard_channels"] == 0


# --------------------------------------------------------------------------------------------------
# redis-py
# --------------------------------------------------------------------------------------------------


def test_redis_py_pubsub_get_message_and_patterns(podium, r):
    p = r.pubsub()
    try:
        p.subscribe("news")
        p.psubscribe("n*")
        assert p.get_message(timeout=5) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
        assert p.get_message(timeout=5) == {"type": "psubscribe", "pattern": None, "channel": b"n*", "data": 2}
        assert r.publish("news", "hello") == 2
        assert p.get_message(timeout=5) == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
        assert p.get_message(timeout=5) == {"type": "pmessage", "pattern": b"n*", "channel": b"news", "data": b"hello"}
        assert p.get_message(timeout=0.05) is None
        p.ping()
        assert p.get_message(timeout=5)["type"] == "pong"
        p.unsubscribe()
        p.punsubscribe()
        types = {p.get_message(timeout=5)["type"] for _ in range(2)}
        assert types == {"unsubscribe", "punsubscribe"}
    finally:
        p.close()


def test_redis_py_listen_in_a_thread(podium, r):
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe("feed")
    received: list[bytes] = []

    def reader():
        for message in p.listen():
            if message["data"] == b"stop":
                return
            received.append(message["data"])

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    wait_until(lambda: r.pubsub_numsub("feed") == [(b"feed", 1)], message="subscribed")
    for i in range(100):
        assert r.publish("feed", f"m{i}") == 1
    r.publish("feed", "stop")
    thread.join(timeout=10)
    assert not thread.is_alive()
    p.close()
    assert received == [f"m{i}".encode() for i in range(100)]


def test_redis_py_resp3_push_and_commands_on_one_connection(podium):
    client = podium.client(protocol=3)
    publisher = podium.client()
    p = client.pubsub()
    try:
        p.subscribe("r3")
        assert p.get_message(timeout=5)["type"] == "subscribe"
        assert publisher.publish("r3", "pushed") == 1
        assert p.get_message(timeout=5) == {"type": "message", "pattern": None, "channel": b"r3", "data": b"pushed"}
        # In RESP3 ordinary commands work on a subscribed connection.
        p.execute_command("SET", "r3key", "v")
        p.execute_command("GET", "r3key")
        replies = []
        while len(replies) < 2:
            m = p.get_message(timeout=5)
            assert m is not None
            replies.append(m)
        assert publisher.get("r3key") == b"v"
    finally:
        p.close()
        client.close()
        publisher.close()


def test_resp2_subscriber_cannot_run_commands_via_redis_py(podium, r):
    p = r.pubsub()
    try:
        p.subscribe("x")
        p.get_message(timeout=5)
        p.execute_command("GET", "k")
        with pytest.raises(redis.ResponseError, match=r"Can't execute 'get': only \(P\|S\)SUBSCRIBE"):
            p.get_message(timeout=5)
    finally:
        p.close()


# --------------------------------------------------------------------------------------------------
# redis-cli
# --------------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli not installed")
def test_redis_cli_subscribe_in_background(podium, r):
    proc = subprocess.Popen(["redis-cli", "-h", podium.host, "-p", str(podium.port), "SUBSCRIBE", "cli-chan"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: r.pubsub_numsub("cli-chan") == [(b"cli-chan", 1)], message="redis-cli subscribed")
        assert r.publish("cli-chan", "one") == 1
        assert r.publish("cli-chan", "two") == 1
        wait_until(lambda: r.pubsub_numsub("cli-chan") == [(b"cli-chan", 1)])
        time.sleep(0.2)  # let redis-cli print; the output is checked after it is stopped
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate(timeout=10)
    lines = output.decode().split("\n")
    assert lines[:9] == ["subscribe", "cli-chan", "1", "message", "cli-chan", "one", "message", "cli-chan", "two"]
    wait_until(lambda: r.pubsub_numsub("cli-chan") == [(b"cli-chan", 0)], message="redis-cli gone")


# --------------------------------------------------------------------------------------------------
# A subscriber that never reads
# --------------------------------------------------------------------------------------------------


def test_slow_subscriber_is_disconnected_and_memory_stays_bounded(server_factory):
    server = server_factory()  # default limits: client-output-buffer-limit pubsub 32mb 8mb 60
    control = server.client()
    payload = b"x" * 65536
    count = 1600  # ~100 MB
    # The slow subscriber: a small receive buffer, and it never reads after subscribing.
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    slow.settimeout(10)
    slow.connect((server.host, server.port))
    slow.sendall(encode_command("CLIENT", "SETNAME", "slow") + encode_command("SUBSCRIBE", "firehose"))
    fast = server.raw(timeout=30)
    fast.call("CLIENT", "SETNAME", "fast")
    assert fast.call("SUBSCRIBE", "firehose") == frame("*", "subscribe", "firehose", 1)
    wait_until(lambda: control.pubsub_numsub("firehose") == [(b"firehose", 2)], message="both subscribed")
    baseline_kb = vm_rss_kb(server.pid)

    received = []
    errors = []

    def read_fast():
        try:
            for _ in range(count):
                reply = fast.read_reply()
                received.append(len(reply.value[2].value))
        except Exception as e:  # reported by the main thread
            errors.append(e)

    reader = threading.Thread(target=read_fast, daemon=True)
    reader.start()
    peak_kb = baseline_kb
    receivers = []
    with server.raw(timeout=30) as pub:
        batch = 16
        for start in range(0, count, batch):
            pub.send_raw(b"".join(encode_command(b"PUBLISH", b"firehose", payload) for _ in range(batch)))
            receivers.extend(pub.read_reply().value for _ in range(batch))
            peak_kb = max(peak_kb, vm_rss_kb(server.pid))
    reader.join(timeout=60)
    assert not reader.is_alive() and not errors, errors
    # The fast subscriber got every message, whole.
    assert received == [len(payload)] * count
    # The slow one was cut off once its queue reached the hard limit: receivers dropped from 2 to 1 and stayed.
    assert receivers[0] == 2 and receivers[-1] == 1
    first_one = receivers.index(1)
    assert all(n == 1 for n in receivers[first_one:])
    assert 32 * 1024 * 1024 // len(payload) <= first_one + 200  # not before ~32 MB were queued (+ socket buffers)
    stats = control.info("stats")
    assert stats["client_output_buffer_limit_disconnections"] == 1
    assert "slow" not in [c.get("name") for c in control.client_list()]
    # Memory: the server held at most about one hard limit for the slow client, not the 100 MB sent.
    assert peak_kb - baseline_kb < 80 * 1024, (baseline_kb, peak_kb)
    assert "output buffer limits" in server.log_tail(200)
    slow.close()
    fast.close()
    control.close()


def test_output_buffer_limit_is_configurable_at_runtime(server_factory):
    server = server_factory(["--client-output-buffer-limit", "pubsub 0 0 0"])
    control = server.client()
    assert control.config_get("client-output-buffer-limit")["client-output-buffer-limit"].endswith("pubsub 0 0 0")
    assert control.config_set("client-output-buffer-limit", "pubsub 1mb 0 0")
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    slow.settimeout(10)
    slow.connect((server.host, server.port))
    slow.sendall(encode_command("SUBSCRIBE", "c"))
    wait_until(lambda: control.pubsub_numsub("c") == [(b"c", 1)], message="subscribed")
    payload = b"y" * 65536
    deadline = time.monotonic() + 30
    while control.pubsub_numsub("c") == [(b"c", 1)]:
        assert time.monotonic() < deadline, "the slow subscriber was never disconnected"
        control.publish("c", payload)
    assert control.info("stats")["client_output_buffer_limit_disconnections"] == 1
    slow.close()
    control.close()


@pytest.mark.parametrize("protocol", ["2", "3"])
def test_client_reply_off_keeps_pubsub_pushes(podium, oracle, protocol):
    """CLIENT REPLY OFF / SKIP drop replies, not Pub/Sub confirmations or messages (Valkey writes those as
    pushes); Redis' own pubsub test "PubSub messages with CLIENT REPLY OFF" waits for them. The same script runs
    against redis-server 7 and every frame must match."""
    transcripts = []
    for server in (podium, oracle):
        seen = []
        with server.raw() as sub, server.raw() as pub:
            sub.settimeout(5)
            sub.call("HELLO", protocol)
            sub.send("CLIENT", "REPLY", "OFF")
            sub.send("SUBSCRIBE", "channel")
            seen.append(sub.read_reply())
            sub.send("PSUBSCRIBE", "ch*")
            seen.append(sub.read_reply())
            assert pub.call("PUBLISH", "channel", "hello") == Reply(":", 2)
            seen += [sub.read_reply(), sub.read_reply()]
            sub.send("UNSUBSCRIBE", "channel")
            sub.send("PUNSUBSCRIBE", "ch*")
            seen += [sub.read_reply(), sub.read_reply()]
            sub.send("CLIENT", "REPLY", "ON")
            seen.append(sub.read_reply())
            sub.send("CLIENT", "REPLY", "SKIP")
            sub.send("SUBSCRIBE", "other")  # the skipped command: its confirmation still comes
            seen.append(sub.read_reply())
            sub.send("UNSUBSCRIBE")
            seen.append(sub.read_reply())
            seen.append(sub.call("PING"))
        transcripts.append(seen)
    assert transcripts[0] == transcripts[1]
