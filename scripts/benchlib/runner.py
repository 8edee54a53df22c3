"""Running the workloads: one redis-benchmark run (or the bench's own clients) against one server (Bench.run),
the untimed setups (run_setups) and the alternating rounds (run_rounds): every (row, -P) job against every server
per round, the order reversed every other round, a run that other processes disturbed repeated."""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import time

from .common import log, machine_busy_seconds
from .fanout import PUBSUB_BUSY, run_pubsub
from .leaderboard import run_window
from .persistence import ensure_persistence
from .rows import BOARD, Row
from .servers import Server, own_cpu_seconds


def parse_csv(stdout: str) -> dict | None:
    """The first data row of redis-benchmark --csv output (7.0 prints the header line first)."""
    header = None
    for rec in csv.reader(line for line in stdout.splitlines() if line.strip()):
        if header is None:
            if rec and rec[0] == "test":
                header = rec
            continue
        if len(rec) != len(header):
            continue
        row = dict(zip(header, rec))
        try:
            out = {"test": row["test"], "rps": float(row["rps"])}
            for key in ("p50_latency_ms", "p99_latency_ms", "avg_latency_ms", "max_latency_ms"):
                if key in row:
                    out[key] = float(row[key])
        except (KeyError, ValueError):
            continue
        return out
    return None


class Bench:
    """Runs one measurement against one server: redis-benchmark with the common arguments, or the row's own
    clients; every result also gets its wall time and the other processes' CPU use during it."""

    def __init__(self, benchmark: str, clients: int, keyspace: int, timeout: int, board: int,
                 pubsub_receivers: int, pubsub_inflight: int, ca_file: str):
        self.benchmark, self.clients, self.keyspace, self.timeout = benchmark, clients, keyspace, timeout
        self.ca_file = ca_file   # the CA of the servers' TLS certificates (TLS rows)
        self.board = board
        self.pubsub_receivers = pubsub_receivers
        self.pubsub_inflight = pubsub_inflight
        self.notes: dict[str, int] = {}   # distinct stderr lines from redis-benchmark -> count

    def row_keyspace(self, row: Row | None) -> int:
        if row is None or row.keyspace is None:
            return self.keyspace
        return self.board if row.keyspace == BOARD else row.keyspace

    def argv(self, port: int, n: int, pipeline: int, args: list[str], keyspace: int | None = None) -> list[str]:
        return [self.benchmark, "-h", "127.0.0.1", "-p", str(port), "-c", str(self.clients),
                "-n", str(n), "-r", str(keyspace or self.keyspace), "-P", str(pipeline), "--csv", *args]

    def run(self, server: Server, n: int, pipeline: int, args: list[str], row: Row | None = None) -> dict:
        busy0, own0 = machine_busy_seconds(), own_cpu_seconds()
        started = time.monotonic()
        if row is not None and row.client in ("window", "pubsub", "pingpong"):
            if row.client == "pingpong":
                parsed = self.run_pingpong(server, n, pipeline, row)
            elif row.client == "window":
                parsed = run_window(server.port, n, self.clients, pipeline, self.board, self.timeout)
            else:
                try:
                    parsed = run_pubsub(server, row.subscribers, row.pattern, n, self.pubsub_receivers,
                                        self.pubsub_inflight, self.timeout)
                except (OSError, RuntimeError, ValueError, EOFError) as e:
                    parsed = {"error": f"pub/sub: {e}"}
            elapsed = time.monotonic() - started
            if "error" in parsed:
                return parsed
            other = ((machine_busy_seconds() - busy0) - (own_cpu_seconds() - own0)) / max(elapsed, 1e-3)
            parsed["seconds"] = round(elapsed, 2)
            parsed["other_cpu"] = round(max(other, 0.0), 2)
            return parsed
        if row is not None and row.tls:
            argv = self.argv(server.tls_port, n, pipeline, args, self.row_keyspace(row))
            argv[1:1] = ["--tls", "--cacert", self.ca_file]
        else:
            argv = self.argv(server.port, n, pipeline, args, self.row_keyspace(row))
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout,
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return {"error": f"redis-benchmark timed out after {self.timeout} s"}
        elapsed = time.monotonic() - started
        # CPU used by anything else on the machine during the run, in cores (a compiler running next
        # to the benchmark shows up here; ~0 on a quiet machine).
        other = ((machine_busy_seconds() - busy0) - (own_cpu_seconds() - own0)) / max(elapsed, 1e-3)
        for line in out.stderr.splitlines():
            line = line.strip()
            if line:
                key = f"{server.name}: " + re.sub(r"\d{4,}", "N", line)   # __rand_int__ values vary
                self.notes[key] = self.notes.get(key, 0) + 1
        parsed = parse_csv(out.stdout)
        if out.returncode != 0 or parsed is None:
            detail = (out.stderr.strip() or out.stdout.strip()).splitlines()[-1:] or ["no output"]
            return {"error": f"redis-benchmark exit {out.returncode}: {detail[0]}"}
        parsed["seconds"] = round(elapsed, 2)
        parsed["other_cpu"] = round(max(other, 0.0), 2)
        return parsed

    def run_pingpong(self, server: Server, n: int, pipeline: int, row: Row) -> dict:
        """Consumers (row.args, e.g. BLPOP q 0) and producers (LPUSH q x) on one queue, half the clients each,
        started together; -n each, so every element pushed is popped. The consumers' CSV line is the result."""
        key = row.args[1]
        subprocess.run([os.environ.get("REDIS_CLI", "redis-cli"), "-p", str(server.port), "DEL", key],
                       capture_output=True, timeout=30)
        half = max(1, self.clients // 2)

        def argv(args: list[str]) -> list[str]:
            return [self.benchmark, "-h", "127.0.0.1", "-p", str(server.port), "-c", str(half), "-n", str(n),
                    "-P", str(pipeline), "--csv", *args]

        consumers = subprocess.Popen(argv(row.args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)
        producers = subprocess.Popen(argv(["LPUSH", key, "job"]), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        try:
            out, err = consumers.communicate(timeout=self.timeout)
            producers.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            for p in (consumers, producers):
                p.kill()
                p.wait()
            return {"error": f"ping-pong timed out after {self.timeout} s"}
        parsed = parse_csv(out)
        if consumers.returncode != 0 or producers.returncode != 0 or parsed is None:
            detail = (err.strip() or out.strip()).splitlines()[-1:] or ["no output"]
            return {"error": f"ping-pong: redis-benchmark exit {consumers.returncode}/{producers.returncode}: "
                             f"{detail[0]}"}
        return parsed


def run_setups(bench: Bench, rows: list[Row], servers: list[Server], n: int) -> None:
    """Every row's setup, once per server (identical setups of several rows once), untimed, at -P 32."""
    done_setups: set[tuple[str, ...]] = set()
    for row in rows:
        for setup_args in row.setup:
            if tuple(setup_args) in done_setups:
                continue
            done_setups.add(tuple(setup_args))
            for server in servers:
                log(f"setup for {row.label} on {server.name}: {shlex.join(setup_args)}")
                res = bench.run(server, n, 32, setup_args)
                if "error" in res:
                    log(f"  setup failed: {res['error']}")


def run_rounds(bench: Bench, jobs: list, servers: list[Server], rounds: int, row_n, retries: int,
               max_other: float) -> tuple[dict, list[str], int]:
    """`rounds` rounds of every (row index, row, pipeline) job against every server, in the order of `servers`
    and reversed every other round. Returns results[(row index, pipeline)][server name] = [per-round result
    dicts], the runs kept although disturbed, and the number of failed runs."""
    results: dict[tuple[int, int], dict[str, list[dict]]] = {
        (i, p): {s.name: [] for s in servers} for i, _r, p in jobs}
    failures = 0
    total = rounds * len(jobs) * len(servers)
    disturbed: list[str] = []
    done = 0
    bench_started = time.monotonic()
    for rnd in range(rounds):
        order = servers if rnd % 2 == 0 else servers[::-1]
        for i, row, pipeline in jobs:
            n = row_n(row, pipeline)
            for server in order:
                done += 1
                problem = ensure_persistence(server, row.aof) if server.alive() else None
                if not server.alive():
                    res = {"error": f"{server.name} is not running"}
                elif problem:
                    res = {"error": problem}
                else:
                    res = bench.run(server, n, pipeline, row.args, row)
                    for _ in range(retries):
                        if "error" in res or res["other_cpu"] <= max_other:
                            break
                        log(f"  {row.label} -P {pipeline} on {server.name}: other processes used "
                            f"{res['other_cpu']:.2f} cores during the run; waiting 10 s and repeating it")
                        time.sleep(10)
                        res = bench.run(server, n, pipeline, row.args, row)
                    if "error" not in res and res["other_cpu"] > max_other:
                        disturbed.append(f"{row.label} -P {pipeline} {server.name} round {rnd + 1} "
                                         f"({res['other_cpu']:.2f} cores)")
                    if not server.alive():
                        res = {"error": f"{server.name} died (exit {server.proc.returncode if server.proc else '?'})"}
                        log(f"{server.name} DIED during {row.label} -P {pipeline}\n{server.log_tail()}")
                results[(i, pipeline)][server.name].append(res)
                if "error" in res:
                    failures += 1
                    log(f"[{done}/{total}] round {rnd + 1} {row.label} -P {pipeline} "
                        f"{server.name}: ERROR {res['error']}")
                elif row.client == "pubsub":
                    log(f"[{done}/{total}] round {rnd + 1} {row.label} {server.name}: "
                        f"{res['rps']:,.0f} msg/s delivered ({n:,} published), latency p50 "
                        f"{res['p50_latency_ms']} ms, p99 {res['p99_latency_ms']} ms; CPU (cores): server "
                        f"{res['server_cpu']}, publisher {res['publisher_cpu']}, latency subscriber "
                        f"{res['designated_cpu']}, receivers {res['receiver_cpu']} ({res['seconds']} s, "
                        f"other load {res['other_cpu']:.2f} cores)")
                    busy = [c for c in [res["publisher_cpu"], res["designated_cpu"], *res["receiver_cpu"]]
                            if c >= PUBSUB_BUSY]
                    if busy:
                        log(f"  WARNING: a client process used {max(busy)} cores: the clients, not "
                            f"{server.name}, may be the bottleneck of this run")
                else:
                    log(f"[{done}/{total}] round {rnd + 1} {row.label} -P {pipeline} "
                        f"{server.name}: {res['rps']:,.0f} req/s, p50 {res.get('p50_latency_ms', '?')} ms, "
                        f"p99 {res.get('p99_latency_ms', '?')} ms ({res['seconds']} s, other load "
                        f"{res['other_cpu']:.2f} cores)")
    log(f"benchmark runs took {time.monotonic() - bench_started:.0f} s")
    return results, disturbed, failures
