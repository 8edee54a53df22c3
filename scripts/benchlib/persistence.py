"""The persistence group: each row's appendonly / appendfsync (ensure_persistence, by CONFIG SET), and the
measurements after the rounds (run_extras): the load time of each server's own AOF and of one RDB file, and GET
latency during BGREWRITEAOF and during BGSAVE."""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time

from .common import env_int, log
from .leaderboard import write_big_board
from .resp import encode_command, pipe_load, resp_command
from .servers import Server


def info_field(port: int, section: str, name: str) -> str | None:
    info = resp_command(port, "INFO", section, timeout=10) or ""
    for line in str(info).splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def wait_no_rewrite(server: Server, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    time.sleep(0.05)
    while info_field(server.port, "persistence", "aof_rewrite_in_progress") not in ("0", None):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name}: AOF rewrite still running after {timeout} s")
        time.sleep(0.1)


def ensure_persistence(server: Server, aof: str | None) -> str | None:
    """Puts the server into the row's persistence mode with CONFIG SET (appendonly yes turns on with a rewrite
    of the current data, which is waited for). Returns an error text, or None."""
    if server.aof == aof:
        return None
    try:
        if aof is None:
            resp_command(server.port, "CONFIG", "SET", "appendonly", "no", timeout=60)
        else:
            resp_command(server.port, "CONFIG", "SET", "appendfsync", aof, timeout=10)
            if server.aof is None:
                resp_command(server.port, "CONFIG", "SET", "appendonly", "yes", timeout=60)
            wait_no_rewrite(server)
    except (OSError, RuntimeError, ValueError) as e:
        return f"could not set appendonly/appendfsync on {server.name}: {e}"
    log(f"{server.name}: appendonly {'no' if aof is None else 'yes, appendfsync ' + aof}")
    server.aof = aof
    return None


def write_set_resp(path: str, keys: int) -> None:
    """A redis-cli --pipe input: SET key:<i> <16-byte value> for i in 0..keys-1."""
    with open(path, "wb", buffering=1 << 20) as f:
        for lo in range(0, keys, 10_000):
            f.write(b"".join(encode_command("SET", f"key:{i:07d}", f"value-{i:010d}")
                             for i in range(lo, min(keys, lo + 10_000))))


AOF_LOADED = "append only file"   # "DB loaded from append only file: 0.821 seconds"
RDB_LOADED = "disk"               # "DB loaded from disk: 0.821 seconds" (an RDB file)


def loaded_seconds(server: Server, since: int, source: str) -> float | None:
    """The load time the server logged after byte `since` of its log ("DB loaded from <source>: 0.821 seconds":
    both servers write that line; source AOF_LOADED or RDB_LOADED)."""
    with open(server.log_path, "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    m = re.findall(rf"DB loaded from {re.escape(source)}: ([0-9.]+) seconds", text)
    return float(m[-1]) if m else None


def probe_latency(port: int, keys: int, stop, out: list[float]) -> None:
    """GET of random keys on one connection until stop() is true; appends the latency of each (ms) to `out` as
    it goes, so the caller can cut the list where an event started."""
    rng = random.Random(1)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while not stop():
            cmd = encode_command("GET", f"key:{rng.randrange(keys):07d}")
            t0 = time.perf_counter()
            s.sendall(cmd)
            got = b""
            while not got.endswith(b"\r\n") or (got.startswith(b"$") and not got.startswith(b"$-1")
                                                  and got.count(b"\r\n") < 2):
                chunk = s.recv(4096)
                if not chunk:
                    raise RuntimeError("connection closed during the latency probe")
                got += chunk
            out.append((time.perf_counter() - t0) * 1000)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def run_persistence_extras(redis: Server, podium: Server, cli: str, rounds: int, board: int, timeout: int,
                           logdir: str) -> dict:
    """(1) The time each server takes to load its own AOF of the same 1,000,000-key data set (SET key:<i>, after
    a BGREWRITEAOF, so both read a base file), restarting it `rounds` times; (2) GET latency (p50/p99/max) on one
    connection while each server runs BGREWRITEAOF of that data set plus a BOARD-member sorted set."""
    keys = env_int("PODIUM_BENCH_AOF_KEYS", 1_000_000)
    out: dict = {"keys": keys, "board": board, "load": {}, "rewrite": {}, "errors": []}
    sets = os.path.join(logdir, "sets.resp")
    zadds = os.path.join(logdir, "board.resp")
    write_set_resp(sets, keys)
    write_big_board(zadds, board)
    for server in (redis, podium):
        try:
            resp_command(server.port, "FLUSHALL", timeout=120)
            pipe_load(cli, server.port, sets, timeout=timeout)
            resp_command(server.port, "CONFIG", "SET", "appendfsync", "everysec", timeout=10)
            resp_command(server.port, "CONFIG", "SET", "appendonly", "yes", timeout=60)
            wait_no_rewrite(server)
            server.aof = "everysec"
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
            out["errors"].append(f"{server.name}: preparing the data set failed: {e}")
            return out
    # (1) load time, alternating. Both servers' base files have an RDB preamble by default
    # (aof-use-rdb-preamble yes); redis is also measured after a rewrite with aof-use-rdb-preamble no (an AOF
    # base, Podium's format with that setting).
    def load_rounds(label: str, server: Server, extra: list[str]) -> bool:
        for rnd in range(rounds):
            server.stop()
            since = os.path.getsize(server.log_path)
            try:
                server.start(["--appendonly", "yes", *extra])
                seconds = loaded_seconds(server, since, AOF_LOADED)
                dbsize = resp_command(server.port, "DBSIZE", timeout=10)
                if seconds is None or str(dbsize) != str(keys):
                    raise RuntimeError(f"loaded {dbsize} keys, log said {seconds}")
                out["load"].setdefault(label, []).append(seconds)
                log(f"load round {rnd + 1}: {label} loaded {keys:,} keys in {seconds:.3f} s")
            except (OSError, RuntimeError, ValueError) as e:
                out["errors"].append(f"{label}: load round {rnd + 1}: {e}")
                return False
        return True
    if not (load_rounds("redis", redis, []) and load_rounds("podium", podium, [])):
        return out
    try:
        resp_command(redis.port, "CONFIG", "SET", "aof-use-rdb-preamble", "no", timeout=10)
        resp_command(redis.port, "BGREWRITEAOF", timeout=30)
        wait_no_rewrite(redis)
    except (OSError, RuntimeError, ValueError) as e:
        out["errors"].append(f"redis: rewrite without RDB preamble: {e}")
        return out
    if not load_rounds("redis (AOF base)", redis, ["--aof-use-rdb-preamble", "no"]):
        return out
    # (2) latency during a rewrite of the keys plus the big board
    for server in (redis, podium):
        try:
            pipe_load(cli, server.port, zadds, timeout=timeout)
            wait_no_rewrite(server)
            for rnd in range(rounds):
                done = False
                latencies: list[float] = []
                errors: list[str] = []

                def probe():
                    try:
                        probe_latency(server.port, keys, lambda: done, latencies)
                    except (OSError, RuntimeError) as e:
                        errors.append(str(e))
                thread = threading.Thread(target=probe)
                thread.start()
                time.sleep(0.5)  # a baseline before the rewrite starts
                before = len(latencies)
                started = time.monotonic()
                resp_command(server.port, "BGREWRITEAOF", timeout=30)
                wait_no_rewrite(server)
                seconds = time.monotonic() - started
                during = latencies[before:len(latencies)]
                done = True
                thread.join(timeout=60)
                if errors:
                    raise RuntimeError(errors[0])
                result = {"seconds": round(seconds, 2), "gets": len(during), "p50": percentile(during, 0.5),
                          "p99": percentile(during, 0.99), "max": max(during) if during else None}
                out["rewrite"].setdefault(server.name, []).append(result)
                if not during:
                    raise RuntimeError("no GET completed during the rewrite")
                log(f"rewrite round {rnd + 1}: {server.name} BGREWRITEAOF of {keys:,} keys + {board:,}-member "
                    f"sorted set in {seconds:.2f} s; {len(during):,} GETs meanwhile, p50 {result['p50']:.3f} ms, "
                    f"p99 {result['p99']:.3f} ms, max {result['max']:.3f} ms")
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
            out["errors"].append(f"{server.name}: rewrite latency: {e}")
    os.remove(sets)
    os.remove(zadds)
    return out


def write_mixed_resp(path: str, keys: int) -> dict:
    """A redis-cli --pipe input of `keys` keys of every type, in the shapes of a game backend: 60% strings
    (key:<i>, 16 bytes), 20% hashes (user:<i>, 8 fields), 10% lists (recent:<i>, 5 elements), 5% sets
    (friends:<i>, 5 members), 5% sorted sets (board:<i>, 5 members). Returns the counts per type."""
    counts = {"string": keys * 6 // 10, "hash": keys * 2 // 10, "list": keys // 10, "set": keys // 20}
    counts["zset"] = keys - sum(counts.values())
    with open(path, "wb", buffering=1 << 20) as f:
        for i in range(counts["string"]):
            f.write(encode_command("SET", f"key:{i:07d}", f"value-{i:010d}"))
        for i in range(counts["hash"]):
            f.write(encode_command("HSET", f"user:{i}", "name", f"player{i}", "level", str(i % 90), "xp", str(i * 7),
                                   "guild", f"g{i % 500}", "country", "de", "avatar", f"a{i % 40}.png", "wins",
                                   str(i % 1000), "losses", str(i % 777)))
        for i in range(counts["list"]):
            f.write(encode_command("RPUSH", f"recent:{i}", *[f"game:{i * 5 + j}" for j in range(5)]))
        for i in range(counts["set"]):
            f.write(encode_command("SADD", f"friends:{i}", *[str((i * 31 + j * 7) % 100000) for j in range(5)]))
        for i in range(counts["zset"]):
            f.write(encode_command("ZADD", f"board:{i}",
                                   *[x for j in range(5) for x in (str(j * 10 + i % 7), f"p{j}")]))
    return counts


def run_rdb_extras(redis: Server, podium: Server, cli: str, rounds: int, timeout: int, logdir: str) -> dict:
    """(1) The time each server takes to load the same RDB file of PODIUM_BENCH_RDB_KEYS keys of every type
    (written by redis-server's SAVE), restarting each `rounds` times with `appendonly no`; (2) GET latency on one
    connection while each runs BGSAVE of that data set."""
    keys = env_int("PODIUM_BENCH_RDB_KEYS", 1_000_000)
    out: dict = {"keys": keys, "load": {}, "bgsave": {}, "errors": []}
    mixed = os.path.join(logdir, "mixed.resp")
    try:
        out["types"] = write_mixed_resp(mixed, keys)
        resp_command(redis.port, "FLUSHALL", timeout=120)
        pipe_load(cli, redis.port, mixed, timeout=timeout)
        # dbfilename is a protected config (CONFIG SET refuses it by default): SAVE writes dump.rdb, copied below.
        resp_command(redis.port, "SAVE", timeout=300)
        source = os.path.join(redis.logdir, "dump.rdb")
        out["file_bytes"] = os.path.getsize(source)
        shutil.copy(source, os.path.join(podium.logdir, "mixed.rdb"))
        shutil.copy(source, os.path.join(redis.logdir, "mixed.rdb"))
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
        out["errors"].append(f"preparing the RDB file failed: {e}")
        return out
    finally:
        if os.path.exists(mixed):
            os.remove(mixed)
    for rnd in range(rounds):
        for server in ((redis, podium) if rnd % 2 == 0 else (podium, redis)):
            server.stop()
            since = os.path.getsize(server.log_path)
            try:
                server.start(["--appendonly", "no", "--dbfilename", "mixed.rdb", "--save", ""])
                seconds = loaded_seconds(server, since, RDB_LOADED)
                dbsize = resp_command(server.port, "DBSIZE", timeout=10)
                if seconds is None or str(dbsize) != str(keys):
                    raise RuntimeError(f"loaded {dbsize} keys, log said {seconds}")
                out["load"].setdefault(server.name, []).append(seconds)
                log(f"RDB load round {rnd + 1}: {server.name} loaded {keys:,} keys in {seconds:.3f} s")
            except (OSError, RuntimeError, ValueError) as e:
                out["errors"].append(f"{server.name}: RDB load round {rnd + 1}: {e}")
                return out
    strings = out["types"]["string"]
    for server in (redis, podium):
        try:
            for rnd in range(rounds):
                done = False
                latencies: list[float] = []
                errors: list[str] = []

                def probe():
                    try:
                        probe_latency(server.port, strings, lambda: done, latencies)
                    except (OSError, RuntimeError) as e:
                        errors.append(str(e))
                thread = threading.Thread(target=probe)
                thread.start()
                time.sleep(0.5)
                before = len(latencies)
                started = time.monotonic()
                resp_command(server.port, "BGSAVE", timeout=30)
                time.sleep(0.05)
                deadline = time.monotonic() + 600
                while info_field(server.port, "persistence", "rdb_bgsave_in_progress") not in ("0", None):
                    if time.monotonic() > deadline:
                        raise RuntimeError("BGSAVE still running after 600 s")
                    time.sleep(0.05)
                seconds = time.monotonic() - started
                during = latencies[before:]
                done = True
                thread.join(timeout=60)
                if errors:
                    raise RuntimeError(errors[0])
                if info_field(server.port, "persistence", "rdb_last_bgsave_status") != "ok":
                    raise RuntimeError("BGSAVE failed")
                if not during:
                    raise RuntimeError("no GET completed during the BGSAVE")
                result = {"seconds": round(seconds, 2), "gets": len(during), "p50": percentile(during, 0.5),
                          "p99": percentile(during, 0.99), "max": max(during)}
                out["bgsave"].setdefault(server.name, []).append(result)
                log(f"BGSAVE round {rnd + 1}: {server.name} saved {keys:,} keys in {seconds:.2f} s; {len(during):,} "
                    f"GETs meanwhile, p50 {result['p50']:.3f} ms, p99 {result['p99']:.3f} ms, max {result['max']:.3f} ms")
        except (OSError, RuntimeError, ValueError) as e:
            out["errors"].append(f"{server.name}: BGSAVE latency: {e}")
    return out


def run_extras(servers: list[Server], redis: Server, podium: Server, cli: str, rounds: int, board: int,
               timeout: int, logdir: str) -> tuple[dict, int]:
    """After the rounds of the persistence rows: every server back to appendonly no, then the AOF measurements
    and (unless PODIUM_BENCH_RDB=0) the RDB ones. Returns the report's extras and the number of errors."""
    for server in servers:
        ensure_persistence(server, None)
    extras = run_persistence_extras(redis, podium, cli, rounds, board, timeout, logdir)
    failures = len(extras.get("errors", []))
    if os.environ.get("PODIUM_BENCH_RDB", "1") != "0":
        extras["rdb"] = run_rdb_extras(redis, podium, cli, rounds, timeout, logdir)
        failures += len(extras["rdb"].get("errors", []))
    return extras, failures
