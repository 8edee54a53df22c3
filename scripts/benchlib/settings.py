"""scripts/bench's configuration: the PODIUM_BENCH_* variables (documented in its docstring), the binaries it
runs, the -n of every row and the (row, -P) jobs in run order."""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import sys
from dataclasses import dataclass

from .common import REPO, env_int, log
from .fanout import PUBSUB_BATCH, PUBSUB_INFLIGHT, pubsub_messages
from .rows import Row, select_rows


@dataclass
class Settings:
    quick: bool
    rounds: int
    n_p1: int                 # -n at -P 1
    n_pipe: int               # -n at -P > 1
    clients: int
    keyspace: int
    timeout: int
    retries: int
    max_other: float
    pipelines: list[int]
    podium_extra: list[str]   # PODIUM_BENCH_ARGS
    rows: list[Row]
    board: int
    ps_delivered: int
    ps_max_published: int
    ps_receivers: int
    ps_inflight: int
    podium_bin: str
    redis_bin: str
    benchmark_bin: str
    valkey_bin: str           # "" = no valkey column
    cli_bin: str

    def row_n(self, row: Row, pipeline: int) -> int:
        if row.client == "pubsub":
            return pubsub_messages(row.subscribers, self.ps_delivered, self.ps_max_published)
        return max(1, int((self.n_p1 if pipeline == 1 else self.n_pipe) * row.n_scale))

    def jobs(self) -> list[tuple[int, Row, int]]:
        """(row index, row, pipeline) in run order: every row at every depth; a Pub/Sub row once, at its
        PUBLISH batch size."""
        jobs = [(i, r, p) for p in self.pipelines for i, r in enumerate(self.rows)
                if r.client != "pubsub" and not (r.p1_only and p != 1)]
        jobs += [(i, r, PUBSUB_BATCH) for i, r in enumerate(self.rows) if r.client == "pubsub"]
        return jobs


def _raise_open_files(rows: list[Row]) -> None:
    """Every subscriber is a socket of ours and of the server's (which inherits this limit)."""
    need = max(r.subscribers for r in rows if r.client == "pubsub") + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard == resource.RLIM_INFINITY or hard >= need:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
            log(f"raised the open-files limit from {soft} to {need} for the Pub/Sub rows")
        else:
            sys.exit(f"bench: the Pub/Sub rows need {need} open files; ulimit -n is {soft} (hard {hard})")


def from_environment() -> Settings:
    """Reads the environment (exits with a message on a bad value) and raises the open-files limit for the
    Pub/Sub rows."""
    quick = os.environ.get("PODIUM_BENCH_QUICK", "") not in ("", "0")
    rounds = env_int("PODIUM_BENCH_ROUNDS", 1 if quick else 3)
    n_p1 = env_int("PODIUM_BENCH_N", 10_000 if quick else 200_000)
    n_pipe = env_int("PODIUM_BENCH_N_PIPELINED", 50_000 if quick else 2_000_000)
    clients = env_int("PODIUM_BENCH_CLIENTS", 50)
    keyspace = env_int("PODIUM_BENCH_KEYSPACE", 100_000)
    timeout = env_int("PODIUM_BENCH_TIMEOUT", 300)
    retries = int(os.environ.get("PODIUM_BENCH_RETRIES", "2") or 0)
    try:
        max_other = float(os.environ.get("PODIUM_BENCH_MAX_OTHER_CPU", "0.25"))
    except ValueError:
        sys.exit("bench: PODIUM_BENCH_MAX_OTHER_CPU must be a number of cores, e.g. 0.25")
    try:
        pipelines = [int(x) for x in os.environ.get("PODIUM_BENCH_PIPELINES", "1 32").replace(",", " ").split()]
    except ValueError:
        sys.exit("bench: PODIUM_BENCH_PIPELINES must be numbers, e.g. \"1 32\"")
    if not pipelines or min(pipelines) < 1:
        sys.exit("bench: PODIUM_BENCH_PIPELINES must list depths >= 1")
    podium_extra = shlex.split(os.environ.get("PODIUM_BENCH_ARGS", ""))
    rows = select_rows(os.environ.get("PODIUM_BENCH_ONLY", "").strip())
    board = env_int("PODIUM_BENCH_BOARD", 100_000 if quick else 1_000_000)
    if board < 21:
        sys.exit("bench: PODIUM_BENCH_BOARD must be at least 21")
    ps_delivered = env_int("PODIUM_BENCH_PUBSUB_DELIVERED", 400_000 if quick else 8_000_000)
    ps_max_published = env_int("PODIUM_BENCH_PUBSUB_MAX_PUBLISHED", 100_000 if quick else 2_000_000)
    ps_receivers = env_int("PODIUM_BENCH_PUBSUB_RECEIVERS", 2)
    ps_inflight = env_int("PODIUM_BENCH_PUBSUB_INFLIGHT", PUBSUB_INFLIGHT)
    if any(r.client == "pubsub" for r in rows):
        _raise_open_files(rows)

    podium_bin = os.path.abspath(os.environ.get("PODIUM_SERVER")
                                 or os.path.join(REPO, ".build-release/release/podium-server"))
    redis_bin = os.environ.get("REDIS_SERVER", "redis-server")
    if os.path.sep in redis_bin:
        redis_bin = os.path.abspath(redis_bin)
    benchmark_bin = os.environ.get("REDIS_BENCHMARK", "redis-benchmark")
    valkey_bin = os.environ.get("VALKEY_SERVER", "").strip()
    if valkey_bin:
        valkey_bin = os.path.abspath(valkey_bin) if os.path.sep in valkey_bin else (shutil.which(valkey_bin) or "")
        if not (valkey_bin and os.access(valkey_bin, os.X_OK)):
            log(f"WARNING: VALKEY_SERVER={os.environ['VALKEY_SERVER']!r} is not an executable: no valkey column")
            valkey_bin = ""
    cli_bin = os.environ.get("REDIS_CLI", "redis-cli")
    return Settings(quick=quick, rounds=rounds, n_p1=n_p1, n_pipe=n_pipe, clients=clients, keyspace=keyspace,
                    timeout=timeout, retries=retries, max_other=max_other, pipelines=pipelines,
                    podium_extra=podium_extra, rows=rows, board=board, ps_delivered=ps_delivered,
                    ps_max_published=ps_max_published, ps_receivers=ps_receivers, ps_inflight=ps_inflight,
                    podium_bin=podium_bin, redis_bin=redis_bin, benchmark_bin=benchmark_bin,
                    valkey_bin=valkey_bin, cli_bin=cli_bin)
