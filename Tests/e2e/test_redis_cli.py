"""The real redis-cli against the server: one-shot commands, stdin scripts, RESP3, and --pipe mass insertion.

redis-cli prints in "raw" mode when stdout is not a terminal (as here), unless --no-raw is given.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from resp_client import encode_command

REDIS_CLI = shutil.which("redis-cli")
pytestmark = pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli not installed (scripts/test installs it)")


def cli(server, *args: str, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [REDIS_CLI, "-h", server.host, "-p", str(server.port), *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=timeout,
    )


def out(server, *args: str) -> bytes:
    res = cli(server, *args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_ping(podium, r):
    assert out(podium, "PING") == b"PONG\n"


def test_set_get(podium, r):
    assert out(podium, "SET", "cli-key", "hello world") == b"OK\n"
    assert out(podium, "GET", "cli-key") == b"hello world\n"
    assert out(podium, "--no-raw", "GET", "cli-key") == b'"hello world"\n'
    assert out(podium, "GET", "missing") == b"\n"
    assert out(podium, "INCR", "n") == b"1\n"
    assert out(podium, "--no-raw", "INCR", "n") == b"(integer) 2\n"
    assert out(podium, "MGET", "cli-key", "missing", "n") == b"hello world\n\n2\n"
    assert r.get("cli-key") == b"hello world"


def test_select_db_flag(podium, r):
    assert out(podium, "-n", "2", "SET", "in2", "v") == b"OK\n"
    assert out(podium, "-n", "2", "DBSIZE") == b"1\n"
    assert r.exists("in2") == 0


def test_error_output(podium, r):
    res = cli(podium, "FOO", "a")
    assert res.stdout.rstrip(b"\n") == b"ERR unknown command 'FOO', with args beginning with: 'a' "


def test_resp3_mode(podium, r):
    assert out(podium, "-3", "CONFIG", "GET", "port") == f"port {podium.port}\n".encode()
    assert out(podium, "-3", "GET", "missing") == b"\n"


def test_commands_from_stdin(podium, r):
    res = cli(podium, stdin=b"SET a 1\nINCRBY a 41\nGET a\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout == b"OK\n42\n42\n"


def test_pipe_mass_insertion(podium, r):
    n = 100_000
    payload = b"".join(encode_command("SET", f"mass:{i}", f"value:{i}") for i in range(n))
    res = cli(podium, "--pipe", stdin=payload, timeout=120)
    assert res.returncode == 0, (res.stdout, res.stderr)
    # redis-cli --pipe ends with a line like "errors: 0, replies: 100000".
    assert b"errors: 0, replies: 100000" in res.stdout, res.stdout
    assert r.dbsize() == n
    assert r.get("mass:0") == b"value:0"
    assert r.get(f"mass:{n - 1}") == f"value:{n - 1}".encode()


def test_pipe_reports_errors(podium, r):
    payload = encode_command("SET", "a", "1") + encode_command("INCR", "a") + encode_command("GET") + \
        encode_command("SET", "b", "2")
    res = cli(podium, "--pipe", stdin=payload)
    assert b"errors: 1, replies: 4" in res.stdout, res.stdout
    assert r.mget("a", "b") == [b"2", b"2"]
