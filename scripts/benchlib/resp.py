"""RESP for the bench: the one encoder and reader are those of Tests/e2e/resp_client.py (standard library only),
shared with the e2e tests. Every command the bench writes, every RESP file it feeds to redis-cli --pipe and every
reply it expects byte for byte is built with encode_command; resp_command is the one-shot client for PING,
CONFIG, INFO and the checks."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from .common import REPO

_E2E = os.path.join(REPO, "Tests", "e2e")
if _E2E not in sys.path:
    sys.path.append(_E2E)

from resp_client import ConnectionClosed, ProtocolViolation, Reply, RespConnection, encode_command  # noqa: E402

__all__ = ["encode_command", "resp_command", "pipe_load"]


def _plain(reply: Reply):
    """A RESP2 reply as the bench uses it: simple strings, integers and bulks as str (None for the nulls),
    arrays as lists; an error reply raises RuntimeError."""
    kind, value = reply
    if kind == "-":
        raise RuntimeError(value)
    if kind in "+:":
        return str(value)
    if kind == "$":
        return None if value is None else value.decode(errors="replace")
    if kind == "*":
        return None if value is None else [_plain(r) for r in value]
    raise RuntimeError(f"unexpected reply {reply!r}")


def resp_command(port: int, *args: str, timeout: float = 2.0):
    """Send one command on a new connection and return the decoded RESP2 reply (enough for PING / CONFIG GET /
    INFO). Raises OSError (ConnectionError when the server closes the connection), RuntimeError (an error
    reply, bytes that are not RESP) or ValueError."""
    try:
        with RespConnection("127.0.0.1", port, timeout=timeout) as conn:
            reply = conn.call(*args)
    except ConnectionClosed as e:
        raise ConnectionError(str(e)) from None
    except ProtocolViolation as e:
        raise RuntimeError(str(e)) from None
    return _plain(reply)


def pipe_load(cli: str, port: int, path: str, timeout: float = 600) -> tuple[float, str]:
    """Feed a RESP file to redis-cli --pipe; returns (seconds, last line of its output)."""
    started = time.monotonic()
    with open(path, "rb") as f:
        out = subprocess.run([cli, "-h", "127.0.0.1", "-p", str(port), "--pipe"], stdin=f,
                             capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    last = (out.stdout.strip().splitlines() or ["no output"])[-1]
    if out.returncode != 0 or "errors: 0," not in last:
        raise RuntimeError(f"redis-cli --pipe exit {out.returncode}: {last} {out.stderr.strip()}")
    return seconds, last
