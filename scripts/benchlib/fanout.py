"""Pub/Sub fan-out (issue 4): one publisher, 1 / 100 / 1,000 subscribers, 100-byte messages (run_pubsub).

The publisher and the receivers are forked processes; the receivers count bytes (every frame has the same size),
one designated subscriber also measures publish-to-receive latency. scripts/bench's docstring describes the
method."""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection as mpc
import select
import signal
import socket
import time

from .common import cpu_self, log, process_cpu_seconds
from .resp import encode_command, resp_command
from .servers import Server

PUBSUB_CHANNEL = b"scores.global"
PUBSUB_PATTERN = b"scores.*"        # matches PUBSUB_CHANNEL
PUBSUB_PAYLOAD = 100                # bytes per message: 19 timestamp digits + "|" + 80 x "p"
PUBSUB_TS = 19                      # time.perf_counter_ns() (CLOCK_MONOTONIC), zero-padded
PUBSUB_BATCH = 50                   # PUBLISH commands per write (the -P column of the report)
PUBSUB_DEPTH = 20                   # at most this many batches without their replies, and at most
PUBSUB_INFLIGHT = 100_000           # deliveries (messages x subscribers) without their PUBLISH reply (the
                                    # default of PODIUM_BENCH_PUBSUB_INFLIGHT)
PUBSUB_MAX_LAG_BYTES = 256 << 20    # the publisher stays at most this many frame bytes (summed over all
                                    # subscribers, at most 20,000 messages) ahead of the average subscriber
PUBSUB_SAMPLES = 100_000            # at most this many latency samples per run
PUBSUB_BUSY = 0.9                   # a client process busier than this (cores) may be the bottleneck


def _before_payload(*args: bytes) -> bytes:
    """encode_command(*args, payload) of a PUBSUB_PAYLOAD-byte payload, cut where the payload's bytes start: the
    fixed head of every PUBLISH the publisher writes and of every frame a subscriber receives."""
    return encode_command(*args, bytes(PUBSUB_PAYLOAD))[:-(PUBSUB_PAYLOAD + 2)]


def _subscribed(kind: bytes, target: bytes) -> bytes:
    """The reply to a (P)SUBSCRIBE of one target, [kind, target, 1]: encode_command's array of the two bulk
    strings with a third element, the integer 1."""
    return b"*3" + encode_command(kind, target)[2:] + b":1\r\n"


def pubsub_tail() -> bytes:
    return b"|" + b"p" * (PUBSUB_PAYLOAD - PUBSUB_TS - 1) + b"\r\n"


def pubsub_frame_head(pattern: bool) -> bytes:
    """What precedes the timestamp digits in every RESP2 frame a subscriber receives; the frame is
    head + 19 digits + pubsub_tail(), so every frame of a run has the same size."""
    if pattern:
        return _before_payload(b"pmessage", PUBSUB_PATTERN, PUBSUB_CHANNEL)
    return _before_payload(b"message", PUBSUB_CHANNEL)


def pubsub_frame_size(pattern: bool) -> int:
    return len(pubsub_frame_head(pattern)) + PUBSUB_TS + len(pubsub_tail())


def _pubsub_child_signals() -> None:
    # The parent handles Ctrl-C (it sets the abort flag and terminates the children); SIGTERM kills.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _pubsub_subscribe(port: int, count: int, pattern: bool, timeout: float) -> list[socket.socket]:
    """count connections, each SUBSCRIBEd to PUBSUB_CHANNEL (or PSUBSCRIBEd to PUBSUB_PATTERN); the
    confirmation is checked byte for byte; the sockets are returned non-blocking."""
    if pattern:
        cmd = encode_command(b"PSUBSCRIBE", PUBSUB_PATTERN)
        want = _subscribed(b"psubscribe", PUBSUB_PATTERN)
    else:
        cmd = encode_command(b"SUBSCRIBE", PUBSUB_CHANNEL)
        want = _subscribed(b"subscribe", PUBSUB_CHANNEL)
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            socks.append(s)
            s.sendall(cmd)
        for s in socks:
            got = b""
            while len(got) < len(want):
                chunk = s.recv(len(want) - len(got))
                if not chunk:
                    raise RuntimeError("server closed a subscriber connection while subscribing")
                got += chunk
            if got != want:
                raise RuntimeError(f"unexpected subscribe reply {got!r}")
            s.setblocking(False)
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


def _pubsub_receiver(slot: int, port: int, count: int, pattern: bool, n_msgs: int, designated: bool,
                     stride: int, progress, abort, go, timeout: float, conn) -> None:
    """A receiver process: `count` subscriber connections served by one epoll loop.

    Every connection's bytes are counted, not parsed: each frame has the same size F, the first frame of
    every connection is checked byte for byte, and the connection is complete when it has received
    exactly n_msgs * F bytes (more, a close or a reset fail the run). The designated subscriber
    (designated=True, then count == 1) also checks every frame's fixed parts (bytes.count of the frame's
    head and tail over the whole frames received) and reads the send timestamp of every stride-th
    frame: latency = perf_counter_ns() after the recv that completed the frame - that timestamp.
    progress[slot] = bytes received so far (the publisher paces itself on it)."""
    _pubsub_child_signals()
    socks: list[socket.socket] = []
    try:
        socks = _pubsub_subscribe(port, count, pattern, timeout)
        head, tail = pubsub_frame_head(pattern), pubsub_tail()
        hl = len(head)
        F = hl + PUBSUB_TS + len(tail)
        total = n_msgs * F
        conn.send(("ready", None))
        if not go.wait(timeout):
            raise RuntimeError("never told to start")
        cpu0, t0 = cpu_self(), time.perf_counter_ns()
        ep = select.epoll()
        by_fd = {s.fileno(): (k, s) for k, s in enumerate(socks)}
        got = {fd: 0 for fd in by_fd}
        first = {fd: b"" for fd in by_fd}
        for fd in by_fd:
            ep.register(fd, select.EPOLLIN)
        buf = bytearray(1 << 20)
        mv = memoryview(buf)
        remaining = len(socks)
        received = 0
        last_ns = 0
        lat: list[int] = []
        leftover = b""
        frames = 0          # designated: whole frames seen
        recvs = 0
        perf = time.perf_counter_ns
        deadline = time.monotonic() + timeout

        def fail(fd: int, what: str) -> None:
            k = by_fd[fd][0]
            raise RuntimeError(f"subscriber {slot}.{k} {what} after {got[fd] // F:,} of {n_msgs:,} messages "
                               f"({got[fd]:,} bytes)")

        while remaining:
            if abort.value:
                incomplete = [got[fd] // F for fd in by_fd if got[fd] < total]
                raise RuntimeError(f"aborted: {len(incomplete)} of {count} subscribers incomplete"
                                   + (f" (fewest messages: {min(incomplete):,} of {n_msgs:,})" if incomplete else ""))
            events = ep.poll(0.5)
            if not events:
                if time.monotonic() > deadline:
                    incomplete = [got[fd] // F for fd in by_fd if got[fd] < total]
                    raise RuntimeError(f"timed out after {timeout:.0f} s: {len(incomplete)} of {count} "
                                       f"subscribers incomplete (fewest messages: {min(incomplete):,} of {n_msgs:,})")
                continue
            for fd, _ev in events:
                try:
                    n = by_fd[fd][1].recv_into(buf)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as e:
                    fail(fd, f"connection error ({e})")
                if n == 0:
                    fail(fd, "was DISCONNECTED by the server")
                recvs += 1
                c = got[fd]
                if c < F:
                    first[fd] += bytes(mv[:min(n, F - c)])
                    if len(first[fd]) == F:
                        fr = first[fd]
                        if not (fr.startswith(head) and fr.endswith(tail) and fr[hl:hl + PUBSUB_TS].isdigit()):
                            fail(fd, f"got an unexpected first frame {fr[:80]!r}")
                c += n
                got[fd] = c
                received += n
                if designated:
                    now = perf()
                    data = leftover + bytes(mv[:n]) if leftover else bytes(mv[:n])
                    whole = len(data) // F
                    end = whole * F
                    if whole:
                        if data.count(head, 0, end) != whole or data.count(tail, 0, end) != whole:
                            fail(fd, f"got a malformed frame in {data[:80]!r}...")
                        j = (-frames) % stride
                        while j < whole:
                            o = j * F + hl
                            lat.append(now - int(data[o:o + PUBSUB_TS]))
                            j += stride
                        frames += whole
                    leftover = data[end:]
                if c >= total:
                    if c > total:
                        fail(fd, f"received {c - total} bytes too many")
                    ep.unregister(fd)
                    remaining -= 1
                    last_ns = perf()
            progress[slot] = received
        cpu1, t1 = cpu_self(), time.perf_counter_ns()
        ep.close()
        conn.send(("done", {"last_ns": last_ns, "lat": lat, "cpu": cpu1 - cpu0,
                            "wall": (t1 - t0) / 1e9, "recvs": recvs, "subs": count}))
    except Exception as e:   # noqa: BLE001 - reported to the parent, which fails the row
        abort.value = 1
        try:
            conn.send(("error", f"receiver {slot}: {e}"))
        except OSError:
            pass
    finally:
        for s in socks:
            s.close()


def _pubsub_publisher(port: int, n_msgs: int, subs: int, frame: int, inflight: int, progress, abort, go,
                      timeout: float, conn) -> None:
    """The publisher process: PUBLISH PUBSUB_CHANNEL <ts><filler> in batches of PUBSUB_BATCH; every message
    of a batch carries the perf_counter_ns() taken just before the batch is written. Every reply must be
    :<subs> (each message reached every subscriber). Paced: at most PUBSUB_DEPTH batches without their
    replies, and at most `lag` messages ahead of the average subscriber (progress), so that neither
    server needs large output buffers."""
    _pubsub_child_signals()
    s = None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # keeps its timeout: sendall may wait
        cmd_head = _before_payload(b"PUBLISH", PUBSUB_CHANNEL)
        tail = pubsub_tail()
        reply = b":%d\r\n" % subs
        rl = len(reply)
        lag = max(2 * PUBSUB_BATCH, min(20_000, PUBSUB_MAX_LAG_BYTES // (frame * subs)))
        per_sub = frame * subs
        max_unacked = pubsub_max_unacked(subs, inflight)
        poller = select.poll()
        poller.register(s.fileno(), select.POLLIN)
        perf = time.perf_counter_ns
        sent = acked = 0
        leftover = b""
        stalls = 0
        conn.send(("ready", None))
        if not go.wait(timeout):
            raise RuntimeError("never told to start")
        deadline = time.monotonic() + timeout
        cpu0 = cpu_self()
        t_first = perf()

        def read_replies(wait_ms: int) -> None:
            nonlocal acked, leftover
            if not poller.poll(wait_ms):
                return
            data = s.recv(1 << 16)   # readable: does not wait
            if not data:
                raise RuntimeError(f"server closed the publisher connection after {acked:,} replies")
            data = leftover + data if leftover else data
            k = len(data) // rl
            if data[:k * rl] != reply * k:
                raise RuntimeError(f"unexpected PUBLISH reply (expected {reply!r}): {data[:60]!r}")
            acked += k
            leftover = data[k * rl:]

        while acked < n_msgs:
            if abort.value:
                raise RuntimeError(f"aborted after {sent:,} messages published, {acked:,} replies")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout:.0f} s: {sent:,} published, {acked:,} replies")
            if sent < n_msgs and sent - acked < max_unacked:
                if sent - sum(progress) // per_sub < lag:
                    k = min(PUBSUB_BATCH, n_msgs - sent)
                    if sent == 0:
                        msg = cmd_head + b"%019d" % t_first + tail
                    else:
                        msg = cmd_head + b"%019d" % perf() + tail
                    s.sendall(msg * k)   # non-blocking socket: sendall waits with the socket timeout
                    sent += k
                    read_replies(0)
                else:
                    stalls += 1
                    read_replies(1)      # the subscribers are behind: wait (1 ms at most)
            else:
                read_replies(500)
        t_acked = perf()
        cpu1 = cpu_self()
        conn.send(("done", {"t_first": t_first, "t_acked": t_acked, "cpu": cpu1 - cpu0, "stalls": stalls,
                            "lag": lag}))
    except Exception as e:   # noqa: BLE001 - reported to the parent, which fails the row
        abort.value = 1
        try:
            conn.send(("error", f"publisher: {e}"))
        except OSError:
            pass
    finally:
        if s is not None:
            s.close()


def pubsub_max_unacked(subs: int, inflight: int) -> int:
    """Messages the publisher may have without their reply: PUBSUB_DEPTH batches, fewer with many
    subscribers (`inflight` deliveries, PODIUM_BENCH_PUBSUB_INFLIGHT), at least one batch. Under saturation the
    latency is about this much work queued ahead of a message (Little's law), so it is bounded in deliveries."""
    batches = max(1, min(PUBSUB_DEPTH, inflight // (subs * PUBSUB_BATCH)))
    return batches * PUBSUB_BATCH


def pubsub_messages(subs: int, delivered: int, max_published: int) -> int:
    """Messages published in a run: `delivered` deliveries in all, at most max_published, at least 1,000."""
    return max(1000, min(max_published, delivered // subs))


def run_pubsub(server: Server, subs: int, pattern: bool, n_msgs: int, receivers: int, inflight: int,
               timeout: float) -> dict:
    """One fan-out run against one server: subs subscribers (one designated latency subscriber in its own
    process, the others spread over `receivers` byte-counting processes), one publisher process, n_msgs
    messages. Throughput = n_msgs * subs / (last byte at the last subscriber - first PUBLISH written)."""
    ctx = mp.get_context("fork")
    frame = pubsub_frame_size(pattern)
    others = subs - 1
    nrecv = min(receivers, others)
    shares = [others // nrecv + (1 if k < others % nrecv else 0) for k in range(nrecv)] if nrecv else []
    stride = max(1, -(-n_msgs // PUBSUB_SAMPLES))
    progress = ctx.RawArray("q", 1 + nrecv)
    abort = ctx.RawValue("i", 0)
    go = ctx.Event()
    procs: list = []
    pipes: dict = {}     # parent end -> name

    def spawn(name: str, target, *args) -> None:
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(target=target, args=(*args, child), name=f"bench-{name}", daemon=True)
        p.start()
        child.close()
        procs.append(p)
        pipes[parent] = name

    def collect(names: set, wait_s: float, what: str) -> dict:
        """Messages from the named processes until each has sent one; an error fails the run."""
        out: dict = {}
        end = time.monotonic() + wait_s
        while len(out) < len(names):
            left = end - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{what}: no answer within {wait_s:.0f} s from "
                                   + ", ".join(sorted(names - set(out))))
            for c in mpc.wait([c for c, n in pipes.items() if n in names and n not in out], timeout=min(left, 1.0)):
                name = pipes[c]
                try:
                    kind, value = c.recv()
                except EOFError:
                    raise RuntimeError(f"{name} exited without a result") from None
                if kind == "error":
                    raise RuntimeError(value)
                out[name] = value
        return out

    try:
        spawn("designated", _pubsub_receiver, 0, server.port, 1, pattern, n_msgs, True, stride,
              progress, abort, go, timeout)
        for k, share in enumerate(shares):
            spawn(f"receiver{k + 1}", _pubsub_receiver, k + 1, server.port, share, pattern, n_msgs, False, 1,
                  progress, abort, go, timeout)
        spawn("publisher", _pubsub_publisher, server.port, n_msgs, subs, frame, inflight, progress, abort, go,
              timeout)
        names = set(pipes.values())
        collect(names, 60, "subscribing")
        if pattern:
            numpat = resp_command(server.port, "PUBSUB", "NUMPAT")
            if str(numpat) != "1":
                raise RuntimeError(f"PUBSUB NUMPAT = {numpat}, expected 1")
        else:
            numsub = resp_command(server.port, "PUBSUB", "NUMSUB", PUBSUB_CHANNEL.decode())
            if not isinstance(numsub, list) or str(numsub[-1]) != str(subs):
                raise RuntimeError(f"PUBSUB NUMSUB = {numsub}, expected {subs}")
        srv0 = process_cpu_seconds(server.proc.pid)
        go.set()
        res = collect(names, timeout + 10, "fan-out run")
        srv1 = process_cpu_seconds(server.proc.pid)
    except BaseException:
        abort.value = 1
        raise
    finally:
        go.set()
        for p in procs:
            p.join(timeout=10)
        for p in procs:
            if p.is_alive():
                log(f"  {p.name} (pid {p.pid}) did not exit; terminating it")
                p.terminate()
                p.join(timeout=5)
        for c in pipes:
            c.close()

    pub = res["publisher"]
    recv = [res[n] for n in sorted(res) if n != "publisher"]
    t_last = max(r["last_ns"] for r in recv)
    seconds = (t_last - pub["t_first"]) / 1e9
    lat = sorted(res["designated"]["lat"])
    if not lat:
        raise RuntimeError("no latency samples")

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, int(q * len(lat)))] / 1e6

    counters = [res[n] for n in sorted(res) if n.startswith("receiver")]
    return {
        "test": "pubsub", "rps": n_msgs * subs / seconds, "published": n_msgs, "subscribers": subs,
        "frame_bytes": frame, "fanout_seconds": round(seconds, 3),
        "drain_ms": round((t_last - pub["t_acked"]) / 1e6, 1),
        "p50_latency_ms": round(pct(0.50), 3), "p99_latency_ms": round(pct(0.99), 3),
        "max_latency_ms": round(lat[-1] / 1e6, 3), "latency_samples": len(lat),
        # CPU in cores over the run: the server, and each client process over its own active time
        "server_cpu": round((srv1 - srv0) / max(seconds, 1e-3), 2),
        "publisher_cpu": round(pub["cpu"] / max(seconds, 1e-3), 2),
        "designated_cpu": round(res["designated"]["cpu"] / max(res["designated"]["wall"], 1e-3), 2),
        "receiver_cpu": [round(r["cpu"] / max(r["wall"], 1e-3), 2) for r in counters],
        "receiver_recvs": sum(r["recvs"] for r in recv),
        "publisher_stalls": pub["stalls"], "publisher_lag": pub["lag"],
    }
