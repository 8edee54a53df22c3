"""Leaderboard rows: the preloaded big board (leaderboard:big, loaded with redis-cli --pipe and checked on every
server) and the "players around me" client (run_window), which sends ZREVRANGE leaderboard:big <r-10> <r+10>
WITHSCORES, a command redis-benchmark cannot express."""

from __future__ import annotations

import math
import os
import random
import select
import socket
import subprocess
import time

from .common import log
from .resp import encode_command, pipe_load, resp_command
from .rows import BIG_KEY

SCORE_BASE = 10 ** 12   # "1" + a 12-digit __rand_int__ is SCORE_BASE + that number


def _multiplier(size: int) -> int:
    """A multiplier coprime with size, so that i -> (i * m + 12345) % size is a permutation."""
    m = 387420489   # 3^18
    while math.gcd(m, size) != 1:
        m += 2
    return m


def big_board_perm(i: int, size: int) -> int:
    return (i * _multiplier(size) + 12345) % size


def big_board_score(i: int, size: int) -> int:
    """Score of member:<i> on the big board: 10^12 + a pseudo-random permutation of 0..size-1. All
    scores are distinct 13-digit integers, so member i's reverse rank is size-1 - (score - 10^12)."""
    return SCORE_BASE + big_board_perm(i, size)


def big_board_member(i: int) -> str:
    return f"member:{i:012d}"   # redis-benchmark's spelling of member:__rand_int__


def big_board_at_rank(rank: int, size: int) -> tuple[str, int]:
    """(member, score) at reverse rank `rank` (0 = highest score)."""
    p = size - 1 - rank
    i = ((p - 12345) * pow(_multiplier(size), -1, size)) % size
    return big_board_member(i), SCORE_BASE + p


def write_zadd_resp(path: str, key: str, size: int, score, member, batch: int = 1000) -> None:
    """A redis-cli --pipe input: ZADD key <score(i)> <member(i)> for i in 0..size-1, batch pairs each."""
    with open(path, "wb", buffering=1 << 20) as f:
        for lo in range(0, size, batch):
            pairs = [x for i in range(lo, min(size, lo + batch)) for x in (str(score(i)), member(i))]
            f.write(encode_command("ZADD", key, *pairs))


def write_big_board(path: str, board: int) -> None:
    """The RESP file of leaderboard:big with `board` members."""
    write_zadd_resp(path, BIG_KEY, board, lambda i: big_board_score(i, board), big_board_member)


def window_command(rank: int) -> bytes:
    return encode_command("ZREVRANGE", BIG_KEY, str(rank - 10), str(rank + 10), "WITHSCORES")


def window_reply(rank: int, size: int) -> bytes:
    """The exact RESP2 reply both servers must give to window_command(rank): an array of bulk strings, which
    encode_command writes in the same form as a command."""
    items = []
    for k in range(rank - 10, rank + 11):
        member, score = big_board_at_rank(k, size)
        items += [member, str(score)]
    return encode_command(*items)


def check_big_board(port: int, size: int) -> str | None:
    """None when the server holds exactly the big board we loaded; else what is wrong."""
    card = resp_command(port, "ZCARD", BIG_KEY, timeout=10)
    if str(card) != str(size):
        return f"ZCARD {BIG_KEY} = {card}, expected {size}"
    rng = random.Random(7)
    for i in [0, size - 1] + [rng.randrange(size) for _ in range(20)]:
        member = big_board_member(i)
        want_rank = size - 1 - big_board_perm(i, size)
        got_score = resp_command(port, "ZSCORE", BIG_KEY, member, timeout=10)
        got_rank = resp_command(port, "ZREVRANK", BIG_KEY, member, timeout=10)
        if got_score != str(big_board_score(i, size)) or got_rank != str(want_rank):
            return (f"{member}: ZSCORE {got_score} / ZREVRANK {got_rank}, expected "
                    f"{big_board_score(i, size)} / {want_rank}")
    for rank in [10, size - 11] + [rng.randrange(10, size - 10) for _ in range(20)]:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            want = window_reply(rank, size)
            s.sendall(window_command(rank))
            got = b""
            while len(got) < len(want):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            if got != want:
                return f"ZREVRANGE {BIG_KEY} {rank - 10} {rank + 10} WITHSCORES: got {got[:80]!r}..."
    return None


def load_big_board(servers: list, cli: str, board: int, timeout: int, logdir: str) -> tuple[list[str], int]:
    """Loads leaderboard:big into every server and checks it there. Returns the report's notes (load time, or
    the failed check, per server) and the number of servers where it failed."""
    notes: list[str] = []
    failures = 0
    path = os.path.join(logdir, "big-board.resp")
    started = time.monotonic()
    write_big_board(path, board)
    log(f"generated {path} ({os.path.getsize(path) / 1e6:.0f} MB, {board:,} members) in "
        f"{time.monotonic() - started:.1f} s")
    for server in servers:
        try:
            seconds, last = pipe_load(cli, server.port, path, timeout=timeout)
            problem = check_big_board(server.port, board)
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
            seconds, problem = None, str(e)
        if problem:
            failures += 1
            log(f"big board on {server.name} is WRONG: {problem}")
            notes.append(f"{server.name}: big board check FAILED: {problem}")
        else:
            log(f"big board loaded on {server.name} in {seconds:.1f} s and checked ({last})")
            notes.append(f"{server.name} {seconds:.1f} s")
    os.remove(path)
    return notes, failures


def run_window(port: int, n: int, clients: int, pipeline: int, size: int, timeout: float) -> dict:
    """The "players around me" load: `clients` connections send ZREVRANGE leaderboard:big <r-10> <r+10>
    WITHSCORES, r uniform in [10, size-11], `pipeline` requests at a time, n requests in all. Measured
    like redis-benchmark 7.0: throughput = n / wall time, and every request of a pipelined batch gets
    the latency from writing the batch to the first bytes of its reply.

    Python is too slow to parse 43-element replies at these rates, so replies are counted by length:
    every window reply has exactly the same size (12-digit member numbers, 13-digit scores), check_big_board
    has compared whole replies with the expected ones, and here every batch's reply must start with
    *42 and have exactly pipeline times that size (an error reply or a different window does not)."""
    rng = random.Random(12345)
    reply_len = len(window_reply(10, size))
    cmds = [window_command(rng.randint(10, size - 11)) for _ in range(min(n, 1 << 16))]
    if pipeline == 1:
        batches = cmds
    else:
        batches = [b"".join(rng.choice(cmds) for _ in range(pipeline))
                   for _ in range(max(1, min(2048, n // pipeline)))]
    socks = []
    try:
        for _ in range(clients):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks.append(s)
        ep = select.epoll()
        by_fd = {s.fileno(): s for s in socks}
        maxfd = max(by_fd) + 1
        expect = [0] * maxfd
        got = [0] * maxfd
        start = [0] * maxfd
        first = [0] * maxfd
        count = [0] * maxfd
        lat_ns: list[int] = []      # one entry per batch
        lat_n: list[int] = []       # requests in that batch
        issued = 0
        done = 0
        bi = 0
        perf = time.perf_counter_ns
        header = b"*42\r\n"

        def issue(fd: int) -> None:
            nonlocal issued, bi
            k = min(pipeline, n - issued)
            if k == pipeline:
                batch = batches[bi]
                bi = bi + 1 if bi + 1 < len(batches) else 0
            else:
                batch = b"".join(cmds[:k])
            issued += k
            expect[fd], got[fd], count[fd], first[fd] = k * reply_len, 0, k, 0
            start[fd] = perf()
            by_fd[fd].sendall(batch)

        for fd in by_fd:
            ep.register(fd, select.EPOLLIN)
        t0 = perf()
        deadline = time.monotonic() + timeout
        for fd in by_fd:
            if issued < n:
                issue(fd)
        while done < n:
            events = ep.poll(1.0)
            if not events and time.monotonic() > deadline:
                return {"error": f"window client timed out after {timeout} s ({done}/{n} replies)"}
            for fd, _ev in events:
                data = by_fd[fd].recv(1 << 20)
                if not data:
                    return {"error": "server closed the connection"}
                if got[fd] == 0:
                    first[fd] = perf() - start[fd]
                    if not data.startswith(header[:len(data)]):
                        return {"error": f"unexpected reply {data[:80]!r}"}
                got[fd] += len(data)
                if got[fd] >= expect[fd]:
                    if got[fd] > expect[fd] or not data.endswith(b"\r\n"):
                        return {"error": f"reply of unexpected length ({got[fd]} bytes for {count[fd]} "
                                         f"replies of {reply_len})"}
                    lat_ns.append(first[fd])
                    lat_n.append(count[fd])
                    done += count[fd]
                    if issued < n:
                        issue(fd)
        elapsed = (perf() - t0) / 1e9
        ep.close()
    except OSError as e:
        return {"error": f"window client: {e}"}
    finally:
        for s in socks:
            s.close()

    pairs = sorted(zip(lat_ns, lat_n))
    total = sum(lat_n)

    def pct(q: float) -> float:
        target, acc = q * total, 0
        for v, c in pairs:
            acc += c
            if acc >= target:
                return v / 1e6
        return pairs[-1][0] / 1e6

    return {"test": "window", "rps": n / elapsed, "p50_latency_ms": round(pct(0.50), 3),
            "p99_latency_ms": round(pct(0.99), 3), "max_latency_ms": round(pairs[-1][0] / 1e6, 3),
            "avg_latency_ms": round(sum(v * c for v, c in pairs) / total / 1e6, 3)}
