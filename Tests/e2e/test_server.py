"""Server process lifecycle on fresh processes: SHUTDOWN, SIGTERM, config file and command-line directives."""

from __future__ import annotations

import os
import signal

from resp_client import ConnectionClosed, Reply


def test_shutdown_nosave_stops_the_process(fresh_podium):
    with fresh_podium.raw() as conn:
        conn.send("SHUTDOWN", "NOSAVE")
        data, closed = conn.read_raw_until_closed(timeout=10)
        assert closed, "SHUTDOWN closes the connection"
        assert data == b"", f"SHUTDOWN succeeded, so there is no reply, got {data!r}"
    assert fresh_podium.wait_exit(timeout=10) == 0


def test_sigterm_exits_cleanly(fresh_podium):
    with fresh_podium.client() as c:
        c.set("k", "v")
    pid = fresh_podium.pid
    os.kill(pid, signal.SIGTERM)
    assert fresh_podium.wait_exit(timeout=10) == 0


def test_sigterm_with_connected_clients(fresh_podium):
    conns = [fresh_podium.raw() for _ in range(5)]
    try:
        for c in conns:
            assert c.call("PING") == Reply("+", "PONG")
        os.kill(fresh_podium.pid, signal.SIGTERM)
        assert fresh_podium.wait_exit(timeout=10) == 0
        for c in conns:
            try:
                c.call("PING")
            except (ConnectionClosed, OSError):
                pass  # expected: the server is gone
    finally:
        for c in conns:
            c.close()


def test_config_file_sets_port_and_databases(server_factory):
    server = server_factory(config_text="# test config\nport {port}\ndatabases 4\n", pass_port=False)
    with server.raw() as conn:
        assert conn.call("CONFIG", "GET", "databases") == Reply("*", [Reply("$", b"databases"), Reply("$", b"4")])
        assert conn.call("SELECT", "3") == Reply("+", "OK")
        assert conn.call("SELECT", "4") == Reply("-", "ERR DB index is out of range")
        assert conn.call("CONFIG", "GET", "port") == Reply("*", [Reply("$", b"port"),
                                                                 Reply("$", str(server.port).encode())])


def test_command_line_directive_overrides_config_file(server_factory):
    server = server_factory(config_text="databases 4\n", extra_args=["--databases", "8"])
    with server.raw() as conn:
        assert conn.call("CONFIG", "GET", "databases") == Reply("*", [Reply("$", b"databases"), Reply("$", b"8")])
        assert conn.call("SELECT", "7") == Reply("+", "OK")


def test_timeout_closes_idle_clients(server_factory):
    """`timeout 1`: an idle client is disconnected by the server; an active one is not judged by this test."""
    server = server_factory(extra_args=["--timeout", "1"])
    with server.raw() as conn:
        assert conn.call("PING") == Reply("+", "PONG")
        data, closed = conn.read_raw_until_closed(timeout=15)
        assert closed and data == b""
    with server.raw() as conn:  # the server itself carries on
        assert conn.call("PING") == Reply("+", "PONG")


def test_starts_with_debian_redis_conf(server_factory):
    """A team's existing redis.conf starts Podium (unknown-to-Podium directives only warn)."""
    path = "/etc/redis/redis.conf"
    if not os.path.exists(path):
        import pytest
        pytest.skip("no /etc/redis/redis.conf on this machine")
    text = open(path).read()
    # Keep the file's directives but run on the test's port, in the foreground, without its log/pid/dir paths.
    lines = [line for line in text.splitlines()
             if not line.split(" ", 1)[0] in ("port", "daemonize", "logfile", "pidfile", "dir", "bind", "supervised")]
    lines += ["port {port}", "daemonize no", "bind 127.0.0.1"]
    server = server_factory(config_text="\n".join(lines) + "\n", pass_port=False)
    with server.raw() as conn:
        assert conn.call("PING") == Reply("+", "PONG")
