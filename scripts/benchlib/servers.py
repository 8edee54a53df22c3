"""The servers the bench and scripts/memory start: each in a directory of its own, always stopped by PID
(stop_all, also from atexit and on SIGTERM / SIGHUP through on_signal), and the release build of podium-server."""

from __future__ import annotations

import os
import resource
import shlex
import signal
import subprocess
import sys
import time

from .common import REPO, log, process_cpu_seconds
from .resp import resp_command


class Server:
    def __init__(self, name: str, argv: list[str], port: int, logdir: str, tls_port: int = 0):
        self.name, self.port, self.tls_port = name, port, tls_port
        # Each server works in a directory of its own (its --dir): their AOF directories must not meet.
        self.logdir = os.path.join(logdir, name)
        os.makedirs(self.logdir, exist_ok=True)
        self.argv = argv + ["--dir", self.logdir]
        self.log_path = os.path.join(logdir, f"{name}.log")
        self.proc: subprocess.Popen | None = None
        self.aof: str | None = None   # what persistence.ensure_persistence last set

    def start(self, extra: list[str] | None = None) -> None:
        argv = self.argv + list(extra or [])
        log(f"starting {self.name}: {shlex.join(argv)}")
        with open(self.log_path, "ab") as out:
            # Own session: a Ctrl-C in the terminal reaches only this script, which then stops the
            # servers itself (in order, by PID) instead of racing them.
            # cwd = the temporary directory: whatever a server writes there (a dump.rdb from a
            # redis-server given as PODIUM_SERVER, say) is removed with it instead of landing in the repo.
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.logdir,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.proc.returncode} at startup\n"
                                   + self.log_tail())
            try:
                if resp_command(self.port, "PING", timeout=0.5) == "PONG":
                    log(f"{self.name} is up on 127.0.0.1:{self.port} (pid {self.proc.pid})")
                    return
            except (OSError, RuntimeError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer PING within 300 s\n" + self.log_tail())
            time.sleep(0.1)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{self.name} (pid {proc.pid}) ignored SIGTERM for 15 s; sending SIGKILL")
                proc.kill()
                proc.wait(timeout=5)
        except (OSError, subprocess.SubprocessError) as e:
            log(f"could not stop {self.name} (pid {proc.pid}): {e}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return ""
        return f"--- last lines of {self.log_path} ---\n" + "\n".join(tail)


# Every server started so far: stop_all stops them, own_cpu_seconds counts them. Callers extend or replace
# its contents (SERVERS[:] = ...), never the name.
SERVERS: list[Server] = []


def own_cpu_seconds() -> float:
    """CPU time of this script, its finished children (redis-benchmark) and the servers."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return total + sum(process_cpu_seconds(s.proc.pid) for s in SERVERS if s.proc is not None)


def stop_all() -> None:
    for server in SERVERS:
        server.stop()


def on_signal(signum, _frame):
    # Turn SIGTERM/SIGHUP into a normal exit so `finally`/atexit stop the servers.
    raise SystemExit(128 + signum)


def build(podium_bin: str) -> None:
    subprocess.run([os.path.join(REPO, "scripts", "install-build-deps")], check=True)
    lock = os.environ.get("PODIUM_BUILD_LOCK", "/tmp/podium-build.lock")
    cmd = ["swift", "build", "-c", "release", "--scratch-path", ".build-release",
           "--product", "podium-server"]
    if lock:
        cmd = ["flock", lock, *cmd]
    log(f"building: {shlex.join(cmd)}")
    started = time.monotonic()
    rc = subprocess.run(cmd, cwd=REPO, stdout=sys.stderr, stderr=sys.stderr).returncode
    if rc != 0:
        log(f"release build failed (exit {rc})")
        sys.exit(2)
    log(f"build done in {time.monotonic() - started:.0f} s")
    if not os.access(podium_bin, os.X_OK):
        log(f"{podium_bin} is not there after the build")
        sys.exit(2)
