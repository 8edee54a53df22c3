"""scripts/bench's main(): start redis (and valkey) and podium side by side, load the big board, run the setups
and the rounds, the persistence extras, and print the report (stdout) and the JSON (PODIUM_BENCH_JSON). The
servers are always stopped by PID: at the end, on failure, on Ctrl-C, SIGTERM and SIGHUP."""

from __future__ import annotations

import atexit
import datetime as _dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import persistence, report, runner, settings
from .common import REPO, first_line, free_port, git_revision, log, machine_busy_seconds, machine_info
from .leaderboard import load_big_board
from .resp import resp_command
from .servers import SERVERS, Server, build, on_signal, own_cpu_seconds, stop_all


def _make_servers(s: settings.Settings, logdir: str) -> tuple[Server, Server, Server | None, str]:
    """redis, podium and valkey (None without VALKEY_SERVER) on free ports, each with a TLS port too when a TLS
    row is selected; and the CA file of their certificates ("" without TLS)."""
    ports: set[int] = set()

    def new_port() -> int:
        port = free_port()
        while port in ports:
            port = free_port()
        ports.add(port)
        return port

    redis_port = new_port()
    podium_port = new_port()
    tls_args: dict[str, list[str]] = {"redis": [], "podium": [], "valkey": []}
    tls_ports = {"redis": 0, "podium": 0, "valkey": 0}
    ca_file = ""
    if any(r.tls for r in s.rows):
        # One CA and server certificate for every server (tls-auth-clients no: redis-benchmark presents none).
        certs = os.path.join(logdir, "tls")
        subprocess.run([os.path.join(REPO, "scripts", "gen-test-certs"), certs], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ca_file = os.path.join(certs, "ca.crt")
        for name in tls_args:
            tls_ports[name] = new_port()
            tls_args[name] = ["--tls-port", str(tls_ports[name]), "--tls-cert-file", os.path.join(certs, "server.crt"),
                              "--tls-key-file", os.path.join(certs, "server.key"), "--tls-ca-cert-file", ca_file,
                              "--tls-auth-clients", "no"]
    redis = Server("redis", [s.redis_bin, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no", *tls_args["redis"]], redis_port, logdir,
                   tls_ports["redis"])
    # Podium's default is appendonly yes; redis (and valkey) run with no: rows compare like with like unless they
    # say otherwise (Row.aof, set with CONFIG SET on every server).
    podium = Server("podium", [s.podium_bin, "--port", str(podium_port), "--bind", "127.0.0.1", "--appendonly", "no",
                               *tls_args["podium"], *s.podium_extra], podium_port, logdir, tls_ports["podium"])
    valkey = None
    if s.valkey_bin:
        valkey_port = new_port()
        valkey = Server("valkey", [s.valkey_bin, "--port", str(valkey_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--daemonize", "no", *tls_args["valkey"]], valkey_port,
                        logdir, tls_ports["valkey"])
    return redis, podium, valkey, ca_file


def _server_version(server: Server, fallback: str, field: str, prefix: str) -> str:
    """`prefix` + the version INFO server gives in `field`; `fallback` when INFO does not answer."""
    try:
        info = resp_command(server.port, "INFO", "server") or ""
        for line in info.splitlines():
            if line.startswith(field + ":"):
                return f"{prefix}{line.split(':', 1)[1].strip()}"
    except (OSError, RuntimeError, ValueError):
        pass
    return fallback


def _check_maxclients(servers: list[Server], rows: list) -> None:
    need = max(r.subscribers for r in rows if r.client == "pubsub") + 10
    for server in servers:
        try:
            reply = resp_command(server.port, "CONFIG", "GET", "maxclients")
            if isinstance(reply, list) and len(reply) == 2 and int(reply[1]) < need:
                log(f"WARNING: {server.name} has maxclients {reply[1]}; the Pub/Sub rows need {need}")
        except (OSError, RuntimeError, ValueError) as e:
            log(f"CONFIG GET maxclients on {server.name} failed: {e}")


def main(doc: str) -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(doc)
        return 0
    if len(sys.argv) > 1:
        sys.exit("bench: takes no arguments (see --help; configure with PODIUM_BENCH_* variables)")

    s = settings.from_environment()
    rows = s.rows
    jobs = s.jobs()
    for tool in (s.redis_bin, s.benchmark_bin) + ((s.cli_bin,) if any(r.big_board for r in rows) else ()):
        if not (os.path.sep in tool and os.access(tool, os.X_OK)) and not shutil.which(tool):
            log(f"{tool} not found (apt-get install redis-server redis-tools)")
            return 2

    if os.environ.get("PODIUM_BENCH_SKIP_BUILD", "") in ("", "0") and not os.environ.get("PODIUM_SERVER"):
        build(s.podium_bin)
    elif os.environ.get("PODIUM_BENCH_SKIP_BUILD", "") in ("", "0"):
        log("PODIUM_SERVER is set: not building")
    if not os.access(s.podium_bin, os.X_OK):
        log(f"podium-server binary {s.podium_bin} not found or not executable")
        return 2

    # Explicit, so that `kill -INT` also works when the caller started us with SIGINT ignored
    # (background jobs of a non-interactive shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    atexit.register(stop_all)

    logdir = tempfile.mkdtemp(prefix="podium-bench-")
    redis, podium, valkey, ca_file = _make_servers(s, logdir)
    # Run order within a round (reversed every other round): redis, valkey, podium.
    servers = [redis] + ([valkey] if valkey else []) + [podium]
    SERVERS.extend(servers)

    failures = 0
    keep_logs = False
    try:
        try:
            for server in servers:
                server.start()
        except RuntimeError as e:
            log(str(e))
            keep_logs = True
            log(f"server logs kept in {logdir}")
            return 2

        io_threads = "?"
        try:
            reply = resp_command(podium.port, "CONFIG", "GET", "io-threads")
            if isinstance(reply, list) and len(reply) == 2:
                io_threads = reply[1]
        except (OSError, RuntimeError, ValueError) as e:
            log(f"CONFIG GET io-threads on podium failed: {e}")
        redis_version = _server_version(
            redis, "redis-server " + first_line([s.redis_bin, "--version"]).replace("Redis server ", ""),
            "redis_version", "redis-server ")
        valkey_version = None
        if valkey:
            valkey_version = _server_version(valkey, "valkey-server " + first_line([s.valkey_bin, "--version"]),
                                             "valkey_version", "valkey-server ")

        load_start = os.getloadavg()
        busy0, own0 = machine_busy_seconds(), own_cpu_seconds()
        time.sleep(2)
        idle_other = ((machine_busy_seconds() - busy0) - (own_cpu_seconds() - own0)) / 2
        if idle_other > s.max_other:
            log(f"WARNING: other processes are using {idle_other:.2f} cores before the benchmark; "
                "runs they disturb are repeated (PODIUM_BENCH_MAX_OTHER_CPU), but a quiet machine is better")
        bench = runner.Bench(s.benchmark_bin, s.clients, s.keyspace, s.timeout, s.board, s.ps_receivers,
                             s.ps_inflight, ca_file)
        if any(r.client == "pubsub" for r in rows):
            _check_maxclients(servers, rows)

        board_notes: list[str] = []
        if any(r.big_board for r in rows):
            board_notes, board_failures = load_big_board(servers, s.cli_bin, s.board, s.timeout, logdir)
            failures += board_failures

        runner.run_setups(bench, rows, servers, s.n_p1)
        results, disturbed, run_failures = runner.run_rounds(bench, jobs, servers, s.rounds, s.row_n, s.retries,
                                                             s.max_other)
        failures += run_failures
        extras: dict = {}
        if any(r.group == "persistence" for r in rows):
            extras, extra_failures = persistence.run_extras(servers, redis, podium, s.cli_bin, s.rounds, s.board,
                                                            s.timeout, logdir)
            failures += extra_failures

        table = report.build_table(jobs, results, servers, bench, s.row_n)
        podium_extra = s.podium_extra
        meta = {
            "title": f"podium vs redis{' and valkey' if valkey else ''} — {_dt.date.today().isoformat()}"
                     + (f", `{' '.join(podium_extra)}`" if podium_extra else "")
                     + (" (quick smoke run)" if s.quick else ""),
            "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "machine": machine_info(),
            "redis_version": redis_version,
            "valkey_version": valkey_version,
            "podium_version": first_line([s.podium_bin, "--version"]),
            "podium_binary": f"{s.podium_bin} (built "
                             + _dt.datetime.fromtimestamp(os.path.getmtime(s.podium_bin)).astimezone()
                             .strftime("%Y-%m-%d %H:%M %Z") + ")",
            "benchmark_version": first_line([s.benchmark_bin, "--version"]),
            "git": git_revision() + (" (repository; the binary came from PODIUM_SERVER)"
                                     if os.environ.get("PODIUM_SERVER") else ""),
            "podium_args": " ".join(podium_extra),
            "io_threads": io_threads,
            "clients": s.clients, "keyspace": s.keyspace, "n": s.n_p1, "n_pipelined": s.n_pipe,
            "rounds": s.rounds, "pipelines": s.pipelines,
            "load": f"{load_start[0]:.2f} before, {os.getloadavg()[0]:.2f} after (1-minute load average)",
            "disturbed": disturbed, "max_other": s.max_other,
            "board": s.board if any(r.big_board for r in rows) else None, "board_notes": board_notes,
            "pubsub_receivers": s.ps_receivers,
            "persistence": extras,
        }
        print(report.render(meta, table, s.ps_inflight), flush=True)
        if bench.notes:
            log("redis-benchmark wrote to stderr:")
            for line, count in bench.notes.items():
                log(f"  {count}x {line}")
        json_path = os.environ.get("PODIUM_BENCH_JSON")
        if json_path:
            with open(json_path, "w") as f:
                json.dump({"meta": meta, "rows": table, "stderr": bench.notes}, f, indent=2)
            log(f"raw results written to {json_path}")
        if failures:
            keep_logs = True
            log(f"{failures} run(s) failed; server logs kept in {logdir}")
            return 1
        return 0
    finally:
        stop_all()
        if not keep_logs:
            shutil.rmtree(logdir, ignore_errors=True)


def run(doc: str) -> int:
    """main(), with Ctrl-C stopping the servers and giving exit status 130."""
    try:
        return main(doc)
    except KeyboardInterrupt:
        log("interrupted; stopping the servers")
        stop_all()
        return 130
