"""Small helpers of the bench: the repository path, logging to stderr, integer environment variables, free
ports, CPU time from /proc, and the facts of the machine and the checkout that the report prints."""

from __future__ import annotations

import os
import platform
import resource
import socket
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"bench: {name} must be an integer, got {raw!r}")
    if value < 1:
        sys.exit(f"bench: {name} must be >= 1, got {raw!r}")
    return value


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine_busy_seconds() -> float:
    """user + nice + system CPU time of the whole machine, from /proc/stat (0 where unavailable)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return (int(fields[1]) + int(fields[2]) + int(fields[3])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def process_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / CLK_TCK   # utime, stime (fields 14 and 15)
    except (OSError, ValueError, IndexError):
        return 0.0


def cpu_self() -> float:
    """CPU time of this process (user + system), in seconds."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def machine_info() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except (OSError, ValueError):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    return {"nproc": cores, "cpu": cpu, "memory": mem, "kernel": platform.release()}


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no", "--",
                                "Sources", "Package.swift", "Package.resolved"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (rev or "?") + (" (with uncommitted changes in Sources/)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"
