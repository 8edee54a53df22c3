"""Crash tests: real clients write while the server is killed with SIGKILL at random moments, some of them during
an AOF rewrite; after each restart on the same directory every write a client saw acknowledged is there, nothing
appears that was never sent, and a MULTI block is all there or not at all.

Bounded: a fixed number of rounds, each a fraction of a second of load (seeded, so a failure replays).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest
import redis
import redis.backoff
import redis.retry

from conftest import ServerProcess, is_redis_binary

pytestmark = pytest.mark.skipif(
    is_redis_binary(os.environ.get("PODIUM_SERVER", "")), reason="podium's own crash behaviour")

WORKERS = 4


class Worker(threading.Thread):
    """Writes until its connection breaks. Records what it sent and what was acknowledged (and when)."""

    def __init__(self, server: ServerProcess, wid: int, round_: int, seed: int):
        super().__init__(daemon=True)
        self.client = server.client(socket_timeout=30, single_connection_client=True,
                                    retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0))
        self.wid, self.round, self.rng = wid, round_, random.Random(seed)
        self.sent: set[str] = set()
        self.acked: dict[str, tuple[str, float]] = {}   # key -> (value, time acknowledged)
        self.counter_sent = 0
        self.counter_acked: list[float] = []           # acknowledgement times of INCRs
        self.tx_sent: set[int] = set()
        self.tx_acked: dict[int, float] = {}
        self.stop = False

    def run(self) -> None:
        seq = 0
        try:
            while not self.stop:
                seq += 1
                choice = self.rng.random()
                if choice < 0.6:
                    key, value = f"w{self.wid}:r{self.round}:{seq}", f"{self.round}:{seq}"
                    self.sent.add(key)
                    self.client.set(key, value)
                    self.acked[key] = (value, time.monotonic())
                elif choice < 0.85:
                    self.counter_sent += 1
                    self.client.incr(f"counter:{self.wid}")
                    self.counter_acked.append(time.monotonic())
                else:
                    tid = self.round * 1_000_000 + seq
                    self.tx_sent.add(tid)
                    with self.client.pipeline(transaction=True) as tx:
                        tx.set(f"tx:{self.wid}:{tid}:a", "1")
                        tx.zadd(f"txboard:{self.wid}", {str(tid): tid})
                        tx.set(f"tx:{self.wid}:{tid}:b", "1")
                        tx.execute()
                    self.tx_acked[tid] = time.monotonic()
        except (redis.ConnectionError, redis.TimeoutError, ConnectionError, OSError):
            pass


class Ledger:
    """Everything sent and acknowledged over all rounds, per worker."""

    def __init__(self):
        self.sent: set[str] = set()
        self.acked: dict[str, tuple[str, float]] = {}
        self.counter_sent = [0] * WORKERS
        self.counter_acked: list[list[float]] = [[] for _ in range(WORKERS)]
        self.tx_sent: list[set[int]] = [set() for _ in range(WORKERS)]
        self.tx_acked: list[dict[int, float]] = [{} for _ in range(WORKERS)]

    def add(self, w: Worker) -> None:
        self.sent |= w.sent
        self.acked.update(w.acked)
        self.counter_sent[w.wid] += w.counter_sent
        self.counter_acked[w.wid] += w.counter_acked
        self.tx_sent[w.wid] |= w.tx_sent
        self.tx_acked[w.wid].update(w.tx_acked)

    def check(self, c: redis.Redis, killed_at: float, window: float) -> int:
        """Asserts the restarted data set against the ledger; returns how many acknowledged writes are missing
        (all of them acknowledged less than `window` seconds before the kill, else the assertion fails)."""
        missing = 0
        keys = sorted(self.acked)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            for key, got in zip(chunk, c.mget(chunk)):
                value, when = self.acked[key]
                if got is None:
                    assert killed_at - when < window, f"{key} acknowledged {killed_at - when:.3f}s before the kill, lost"
                    missing += 1
                else:
                    assert got.decode() == value, key
        for key in c.scan_iter(match="w*", count=1000):
            assert key.decode() in self.sent, f"{key!r} was never sent"
        for wid in range(WORKERS):
            value = int(c.get(f"counter:{wid}") or 0)
            acked = self.counter_acked[wid]
            lost = len(acked) - value
            if lost > 0:
                assert all(killed_at - t < window for t in acked[-lost:]), f"counter:{wid} lost {lost} old INCRs"
                missing += lost
            assert value <= self.counter_sent[wid], f"counter:{wid} is {value}, only {self.counter_sent[wid]} sent"
            members = {int(m) for m in c.zrange(f"txboard:{wid}", 0, -1)}
            assert members <= self.tx_sent[wid], "a transaction that was never sent"
            for tid in members:
                assert c.exists(f"tx:{wid}:{tid}:a", f"tx:{wid}:{tid}:b") == 2, f"transaction {tid} is half there"
            for tid, when in self.tx_acked[wid].items():
                if tid not in members:
                    assert killed_at - when < window, f"transaction {tid} acknowledged and lost"
                    missing += 1
        return missing


def crash_rounds(server: ServerProcess, rounds: int, seed: int, window: float) -> tuple[int, int]:
    """Runs the rounds; returns (kills during a rewrite, acknowledged writes missing in total)."""
    rng = random.Random(seed)
    ledger = Ledger()
    during_rewrite = 0
    missing_total = 0
    for round_ in range(rounds):
        workers = [Worker(server, wid, round_, rng.randrange(1 << 30)) for wid in range(WORKERS)]
        for w in workers:
            w.start()
        admin = server.client(single_connection_client=True)
        if round_ % 3 == 1:
            time.sleep(rng.uniform(0.02, 0.1))
            try:
                admin.bgrewriteaof()  # slowed down by rdb-key-save-delay: the kill below lands inside it
            except redis.ResponseError as exc:
                assert "already in progress" in str(exc)  # an automatic one is running: as good
        time.sleep(rng.uniform(0.1, 0.4))
        if admin.info("persistence")["aof_rewrite_in_progress"]:
            during_rewrite += 1
        killed_at = time.monotonic()
        os.kill(server.pid, signal.SIGKILL)
        for w in workers:
            w.join(timeout=30)
            assert not w.is_alive()
            ledger.add(w)
        server.proc.wait(timeout=10)
        server.stop()
        server.start()
        missing_total += ledger.check(server.client(single_connection_client=True), killed_at, window)
    return during_rewrite, missing_total


def test_kill9_with_appendfsync_always_loses_no_acknowledged_write(server_factory):
    server = server_factory(["--appendfsync", "always", "--rdb-key-save-delay", "100",
                             "--auto-aof-rewrite-percentage", "200", "--auto-aof-rewrite-min-size", "256kb"])
    during_rewrite, missing = crash_rounds(server, rounds=21, seed=20261201, window=0.0)
    assert missing == 0
    assert during_rewrite >= 3, f"only {during_rewrite} kills landed inside a rewrite"


def test_kill9_with_appendfsync_everysec_loses_at_most_about_a_second(server_factory):
    server = server_factory(["--appendfsync", "everysec", "--rdb-key-save-delay", "100"])
    _, missing = crash_rounds(server, rounds=6, seed=7, window=1.5)
    # On a crash of the process (not of the machine) the writer thread has handed nearly everything to the OS.
    assert missing <= 50
