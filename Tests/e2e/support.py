"""Small helpers shared by the e2e test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import time

import pytest


def server_version(server) -> tuple[int, ...]:
    """The redis_version the server reports in INFO server, as a tuple (0,) if absent."""
    with server.client() as client:
        info = client.info("server")
    text = str(info.get("redis_version", "0"))
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return (0,)


def skip_if_redis_older(server, version: tuple[int, ...], feature: str) -> None:
    """Skip only when the server under test *is* redis-server and too old for `feature`.

    Podium implements the Redis 7.2 connection features; the installed redis-server may be 7.0.
    """
    if server.is_redis and server_version(server) < version:
        pytest.skip(f"{feature} needs Redis >= {'.'.join(map(str, version))}")


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.01, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout` seconds.

    This is a deadline, not a duration assertion: fast servers pass immediately.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def vm_rss_kb(pid: int) -> int:
    """A process's resident set size in KB (/proc/<pid>/status VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def serve_all_slots(raw, timeout: float = 20.0) -> None:
    """Gives a one-node redis-server cluster every slot it does not own yet (a node that loaded keys has taken
    their slots already) and waits for cluster_state:ok. `raw`: a resp_client connection to it."""
    owned = set()
    for entry in raw.call("CLUSTER", "SLOTS").value:
        owned.update(range(entry.value[0].value, entry.value[1].value + 1))
    missing = [str(slot) for slot in range(16384) if slot not in owned]
    if missing:
        reply = raw.call("CLUSTER", "ADDSLOTS", *missing)
        assert reply.kind == "+", reply
    deadline = time.monotonic() + timeout
    while b"cluster_state:ok" not in raw.call("CLUSTER", "INFO").value:
        assert time.monotonic() < deadline, "redis-server never reached cluster_state:ok"
        time.sleep(0.1)
