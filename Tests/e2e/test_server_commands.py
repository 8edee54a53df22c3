"""Server and connection commands that tools and operators use: MONITOR, CLIENT KILL/REPLY, AUTH with
requirepass, RESET, DEBUG SLEEP, CONFIG RESETSTAT, INFO commandstats, and the query buffer limit."""

from __future__ import annotations

import time

import pytest
import redis

from resp_client import Reply
from support import wait_until


def test_monitor_sees_other_clients_commands(podium):
    with podium.raw() as monitor, podium.raw() as other:
        assert monitor.call("MONITOR") == Reply("+", "OK")
        assert other.call("SET", "mon:key", "a b") == Reply("+", "OK")
        line = monitor.read_reply()
        assert line.kind == "+"
        assert '"SET" "mon:key" "a b"' in line.value
        assert line.value.split(" ")[1].startswith("[0")


def test_client_kill_by_id_closes_that_connection(podium):
    with podium.raw() as victim, podium.raw() as killer:
        victim_id = victim.call("CLIENT", "ID").value
        assert killer.call("CLIENT", "KILL", "ID", str(victim_id)) == Reply(":", 1)
        data, closed = victim.read_raw_until_closed(timeout=10)
        assert closed
        assert killer.call("PING") == Reply("+", "PONG")
        assert killer.call("CLIENT", "KILL", "ID", str(victim_id)) == Reply(":", 0)


def test_client_reply_off_and_skip(raw):
    raw.send("CLIENT", "REPLY", "OFF")
    raw.send("SET", "r:k", "1")
    raw.send("CLIENT", "REPLY", "ON")
    assert raw.read_reply() == Reply("+", "OK")  # only the ON reply arrives
    raw.send("CLIENT", "REPLY", "SKIP")
    raw.send("GET", "r:k")  # skipped
    assert raw.call("GET", "r:k") == Reply("$", b"1")


def test_reset_restores_connection_defaults(raw):
    assert raw.call("SELECT", "3") == Reply("+", "OK")
    assert raw.call("MULTI") == Reply("+", "OK")
    assert raw.call("RESET") == Reply("+", "RESET")
    assert raw.call("SET", "reset:k", "v") == Reply("+", "OK")  # not queued: MULTI was discarded
    assert raw.call("SELECT", "0") == Reply("+", "OK")
    assert raw.call("EXISTS", "reset:k") == Reply(":", 1)  # RESET went back to db 0


def test_auth_without_password_configured(raw):
    assert raw.call("AUTH", "x") == Reply(
        "-", "ERR AUTH <password> called without any password configured for the default user. "
             "Are you sure your configuration is correct?")
    assert raw.call("AUTH", "someone", "x") == Reply(
        "-", "WRONGPASS invalid username-password pair or user is disabled.")


def test_requirepass(server_factory):
    server = server_factory(extra_args=["--requirepass", "s3cret"])
    with server.raw() as conn:
        assert conn.call("GET", "k") == Reply("-", "NOAUTH Authentication required.")
        assert conn.call("AUTH", "wrong") == Reply("-", "WRONGPASS invalid username-password pair or user is disabled.")
        assert conn.call("AUTH", "s3cret") == Reply("+", "OK")
        assert conn.call("SET", "k", "v") == Reply("+", "OK")
    with server.client(password="s3cret") as client:  # redis-py sends AUTH on connect
        assert client.get("k") == b"v"


def test_debug_sleep_and_info_commandstats(podium, raw):
    assert raw.call("CONFIG", "RESETSTAT") == Reply("+", "OK")
    assert raw.call("DEBUG", "SLEEP", "0") == Reply("+", "OK")  # the shared server allows DEBUG
    assert raw.call("SET", "cs:k", "v") == Reply("+", "OK")
    assert raw.call("GET", "cs:k") == Reply("$", b"v")
    assert raw.call("GET", "cs:k", "extra").kind == "-"
    info = raw.call("INFO", "commandstats").value.decode()
    assert "cmdstat_set:calls=1," in info
    assert "cmdstat_get:calls=1," in info and "rejected_calls=1" in info
    assert raw.call("LASTSAVE").kind == ":"


def test_query_buffer_limit_disconnects(server_factory):
    """A request larger than client-query-buffer-limit is never buffered in full: the client is dropped."""
    server = server_factory(extra_args=["--client-query-buffer-limit", "1mb", "--proto-max-bulk-len", "8mb"])
    with server.raw() as conn:
        conn.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n")
        closed = False
        try:
            for _ in range(40):
                conn.send_raw(b"x" * 65536)
        except OSError:
            closed = True
        if not closed:
            _, closed = conn.read_raw_until_closed(timeout=10)
        assert closed
    with server.raw() as conn:
        assert conn.call("PING") == Reply("+", "PONG")


def test_introspection_and_help_commands(podium, raw):
    """Commands not covered elsewhere, through a real socket: OBJECT, COMMAND GETKEYS, HELP forms, QUIT."""
    raw.call("SET", "intro", "5")
    assert raw.call("OBJECT", "FREQ", "intro") == Reply(
        "-", "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
             "switching between policies at runtime LRU and LFU data will take some time to adjust.")
    assert raw.call("OBJECT", "IDLETIME", "intro").kind == ":"
    assert raw.call("OBJECT", "REFCOUNT", "intro") == Reply(":", 2147483647)  # a shared small integer
    assert raw.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == Reply("*", [Reply("$", b"a"),
                                                                                   Reply("$", b"b")])
    for help_cmd in (("OBJECT", "HELP"), ("CONFIG", "HELP"), ("MEMORY", "HELP")):
        reply = raw.call(*help_cmd)
        assert reply.kind == "*" and len(reply.value) > 2, help_cmd
    # Started without a config file, CONFIG REWRITE cannot write one.
    assert raw.call("CONFIG", "REWRITE") == Reply("-", "ERR The server is running without a config file")
    with podium.raw() as conn:
        assert conn.call("QUIT") == Reply("+", "OK")
        _, closed = conn.read_raw_until_closed(timeout=10)
        assert closed


def test_debug_set_active_expire(podium, raw):
    assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == Reply("+", "OK")
    try:
        raw.call("SET", "dbg", "v", "PX", "1")
        time.sleep(0.5)  # several expiry periods (hz 10); nothing here asserts a duration
        # With the cycle off, the expired key is still stored (DBSIZE counts it) until something touches it.
        assert raw.call("DBSIZE") == Reply(":", 1)
    finally:
        assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == Reply("+", "OK")
    wait_until(lambda: raw.call("DBSIZE") == Reply(":", 0), message="active expiry removed the key")


@pytest.mark.parametrize("mode", ["no", "local", "yes", None])
def test_enable_debug_command_decides_who_runs_debug(server_factory, oracle_r, mode):
    """DEBUG refused by default (and with `no`), before authentication, inside MULTI too, as redis-server 7
    refuses it; `local` and `yes` allow it from loopback."""
    server = server_factory(["--requirepass", "pw"] + (["--enable-debug-command", mode] if mode else []))
    with server.raw() as conn:
        reply = conn.call("DEBUG", "SLEEP", "0")
        if mode in ("local", "yes"):
            assert reply == Reply("-", "NOAUTH Authentication required.")
            assert conn.call("AUTH", "pw") == Reply("+", "OK")
            assert conn.call("DEBUG", "SLEEP", "0") == Reply("+", "OK")
            return
        try:
            oracle_r.execute_command("DEBUG", "SLEEP", "0")
            raise AssertionError("the oracle allowed DEBUG")
        except redis.ResponseError as e:
            assert reply == Reply("-", "ERR " + str(e))  # redis-py drops the ERR
        assert conn.call("AUTH", "pw") == Reply("+", "OK")
        assert conn.call("MULTI") == Reply("+", "OK")
        assert conn.call("DEBUG", "SLEEP", "0").kind == "-"
        assert "EXECABORT" in str(conn.call("EXEC").value)


GETKEYS_CASES = [
    ["ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2"], ["ZINTERSTORE", "dst", "3", "a", "b", "c"],
    ["ZUNION", "2", "a", "b"], ["ZDIFFSTORE", "d", "2", "a", "b"], ["ZINTERCARD", "2", "a", "b", "LIMIT", "1"],
    ["SINTERCARD", "2", "a", "b"], ["LMPOP", "2", "a", "b", "LEFT"], ["BZMPOP", "0", "2", "a", "b", "MIN"],
    ["ZUNIONSTORE", "dst", "0", "a"], ["ZUNION", "5", "a"], ["LMPOP", "x", "a", "LEFT"],
    ["EVAL", "return 1", "2", "a", "b", "c"], ["EVALSHA", "abc", "1", "a", "b"], ["EVAL", "x", "0"],
    ["FCALL", "f", "2", "a", "b", "x"], ["FCALL_RO", "f", "1", "a"], ["FCALL", "f", "0"],
    ["SORT", "k", "BY", "w*", "GET", "h*", "STORE", "d"], ["SORT_RO", "k"], ["MSET", "a", "1", "b", "2"],
    ["MGET", "a", "b"], ["BLPOP", "a", "b", "0"], ["LMOVE", "a", "b", "LEFT", "RIGHT"], ["COPY", "a", "b"],
    ["BITOP", "AND", "d", "a", "b"], ["OBJECT", "ENCODING", "k"], ["OBJECT", "FREQ", "k"],
    ["MEMORY", "USAGE", "k", "SAMPLES", "5"], ["OBJECT", "NOSUCH", "k"], ["CONFIG", "GET", "x"],
    ["NOSUCH", "a"], ["GET", "a", "b"], ["WATCH", "a", "b"], ["SUNIONSTORE", "d", "a", "b"], ["LCS", "a", "b"],
]


@pytest.mark.parametrize("command", GETKEYS_CASES, ids=lambda c: " ".join(c))
def test_command_getkeys_matches_redis(podium, oracle, command):
    """COMMAND GETKEYS finds the keys from the table's key specs, subcommands included, as cluster clients need."""
    with podium.raw() as p, oracle.raw() as o:
        assert p.call("COMMAND", "GETKEYS", *command) == o.call("COMMAND", "GETKEYS", *command)
