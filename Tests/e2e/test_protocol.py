"""Wire-level tests over raw sockets: inline commands, pipelining, binary safety, RESP3 framing,
and the exact protocol errors real Redis sends before closing the connection."""

from __future__ import annotations

import socket
import threading

import pytest

from resp_client import Reply, encode_command

OK = Reply("+", "OK")
PONG = Reply("+", "PONG")


def raw_exchange(server, data: bytes, timeout: float = 5.0) -> tuple[bytes, bool]:
    """Open a connection, send `data` in one write, return (everything received, closed_by_server)."""
    with server.raw() as conn:
        conn.send_raw(data)
        return conn.read_raw_until_closed(timeout=timeout)


def assert_server_still_serves(server) -> None:
    with server.raw() as conn:
        assert conn.call("PING") == PONG


# --------------------------------------------------------------------------------------------------
# Inline commands
# --------------------------------------------------------------------------------------------------


def test_inline_ping(raw):
    raw.send_raw(b"PING\r\n")
    assert raw.read_reply() == PONG


def test_inline_set_get(raw):
    raw.send_raw(b"SET a b\r\nGET a\r\n")
    assert raw.read_reply() == OK
    assert raw.read_reply() == Reply("$", b"b")


def test_inline_lf_only_and_extra_spaces(raw):
    raw.send_raw(b"SET  k   v\nGET k\n")
    assert raw.read_reply() == OK
    assert raw.read_reply() == Reply("$", b"v")


def test_inline_quoted_arguments(raw):
    raw.send_raw(b'SET "key with space" "a\\x41\\n\\"q\\""\r\n')
    assert raw.read_reply() == OK
    assert raw.call("GET", "key with space") == Reply("$", b'aA\n"q"')
    raw.send_raw(b"SET k 'single quoted'\r\n")
    assert raw.read_reply() == OK
    assert raw.call("GET", "k") == Reply("$", b"single quoted")


def test_empty_inline_lines_and_empty_multibulk_are_ignored(raw):
    # Redis silently skips blank inline lines and *0 / *-1 multibulk headers.
    raw.send_raw(b"\r\n\r\n*0\r\n*-1\r\nPING\r\n")
    assert raw.read_reply() == PONG


def test_inline_and_multibulk_mixed_in_one_write(raw):
    raw.send_raw(b"SET x 1\r\n" + encode_command("INCR", "x") + b"GET x\r\n")
    assert raw.read_reply() == OK
    assert raw.read_reply() == Reply(":", 2)
    assert raw.read_reply() == Reply("$", b"2")


def test_multibulk_split_across_writes(raw):
    """The decoder must keep its progress between reads, even one byte at a time."""
    data = encode_command("SET", "split", "v" * 100) + encode_command("GET", "split")
    raw.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(len(data)):
        raw.send_raw(data[i : i + 1])
    assert raw.read_reply() == OK
    assert raw.read_reply() == Reply("$", b"v" * 100)


# --------------------------------------------------------------------------------------------------
# Pipelining and binary safety
# --------------------------------------------------------------------------------------------------


def test_pipeline_10000_commands_in_one_write(raw):
    n = 10_000
    payload = b"".join(
        encode_command("SET", f"p:{i}", f"v{i}") if i % 2 == 0 else encode_command("INCR", "counter")
        for i in range(n)
    )
    # Write everything with a single sendall from another thread while this one reads, as a correct
    # client must (the server may apply back-pressure instead of buffering all replies).
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            raw.send_raw(payload)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    counter = 0
    for i in range(n):
        reply = raw.read_reply()
        if i % 2 == 0:
            assert reply == OK, f"reply {i}"
        else:
            counter += 1
            assert reply == Reply(":", counter), f"reply {i}"
    t.join(timeout=30)
    assert not errors
    assert raw.call("GET", "p:9998") == Reply("$", b"v9998")
    assert raw.call("DBSIZE") == Reply(":", n // 2 + 1)


def test_binary_safe_keys_and_values(raw):
    key = b"bin\x00key\r\nwith\r\n*3\r\n"
    value = bytes(range(256)) * 4 + b"\r\n$-1\r\n\x00"
    assert raw.call("SET", key, value) == OK
    assert raw.call("GET", key) == Reply("$", value)
    assert raw.call("STRLEN", key) == Reply(":", len(value))
    assert raw.call("EXISTS", b"bin\x00key") == Reply(":", 0)
    assert raw.call("APPEND", key, b"\x00") == Reply(":", len(value) + 1)
    assert raw.call("KEYS", b"bin\x00*") == Reply("*", [Reply("$", key)])


def test_binary_safe_via_redis_py(r):
    key = b"\x00\xff\r\n"
    r.set(key, b"\r\n\x00\xfe")
    assert r.get(key) == b"\r\n\x00\xfe"
    assert r.mget([key, b"missing"]) == [b"\r\n\x00\xfe", None]


def test_empty_bulk_argument(raw):
    assert raw.call("SET", "", "") == OK
    assert raw.call("GET", "") == Reply("$", b"")
    assert raw.call("ECHO", "") == Reply("$", b"")


def test_large_value_roundtrip(raw):
    value = b"x" * (4 * 1024 * 1024 + 7)
    assert raw.call("SET", "big", value) == OK
    assert raw.call("STRLEN", "big") == Reply(":", len(value))
    assert raw.call("GET", "big") == Reply("$", value)


# --------------------------------------------------------------------------------------------------
# RESP3 framing
# --------------------------------------------------------------------------------------------------


def test_hello3_raw_frame(podium):
    with podium.raw() as conn:
        conn.send_raw(b"HELLO 3\r\n")
        # The header of the map must be exactly %7 (server, version, proto, id, mode, role, modules).
        header = conn.read_line()
        assert header == b"%7"
        pairs = {}
        for _ in range(7):
            k = conn.read_reply()
            v = conn.read_reply()
            assert k.kind == "$"
            pairs[k.value] = v
        assert list(pairs) == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
        assert pairs[b"proto"] == Reply(":", 3)
        assert pairs[b"id"].kind == ":"
        assert pairs[b"mode"] == Reply("$", b"standalone")
        assert pairs[b"role"] == Reply("$", b"master")
        assert pairs[b"modules"] == Reply("*", [])
        assert pairs[b"server"].kind == "$" and pairs[b"version"].kind == "$"

        # RESP3 types after the switch.
        assert conn.call("GET", "nope") == Reply("_", None)
        assert conn.call("MGET", "nope", "nope") == Reply("*", [Reply("_", None), Reply("_", None)])
        assert conn.call("CONFIG", "GET", "port") == Reply("%", [(Reply("$", b"port"), Reply("$", str(podium.port).encode()))])
        assert conn.call("INCRBYFLOAT", "f", "1.5") == Reply("$", b"1.5")
        assert conn.call("TTL", "nope") == Reply(":", -2)
        assert conn.call("PING") == PONG
        assert conn.call("DEL", "f") == Reply(":", 1)

        # ... and back to RESP2.
        conn.send_raw(b"HELLO 2\r\n")
        assert conn.read_line() == b"*14"
        for _ in range(14):
            conn.read_reply()
        assert conn.call("GET", "nope") == Reply("$", None)
        assert conn.call("CONFIG", "GET", "port") == Reply("*", [Reply("$", b"port"), Reply("$", str(podium.port).encode())])


def test_hello_unsupported_protocol(raw):
    assert raw.call("HELLO", "4") == Reply("-", "NOPROTO unsupported protocol version")
    assert raw.call("PING") == PONG


# --------------------------------------------------------------------------------------------------
# Protocol errors: exact text, then the server closes the connection
# --------------------------------------------------------------------------------------------------

PROTOCOL_ERRORS = [
    # (id, bytes sent, error text after "-ERR Protocol error: ")
    ("type-byte-plus", b"*1\r\n+foo\r\n", "expected '$', got '+'"),
    ("type-byte-colon", b"*1\r\n:5\r\n", "expected '$', got ':'"),
    ("dollar-less-bulk", b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
    ("nested-array", b"*1\r\n*1\r\n", "expected '$', got '*'"),
    ("empty-bulk-line", b"*1\r\n\r\n", "expected '$', got ' '"),
    ("multibulk-abc", b"*abc\r\n", "invalid multibulk length"),
    ("multibulk-trailing-junk", b"*12a\r\n", "invalid multibulk length"),
    ("multibulk-empty", b"*\r\n", "invalid multibulk length"),
    ("multibulk-plus-sign", b"*+1\r\n", "invalid multibulk length"),
    ("multibulk-leading-zero", b"*01\r\n$4\r\nPING\r\n", "invalid multibulk length"),
    ("multibulk-minus-zero", b"*-0\r\n", "invalid multibulk length"),
    ("multibulk-over-int-max", b"*2147483648\r\n", "invalid multibulk length"),
    ("multibulk-overflow", b"*" + b"1" * 30 + b"\r\n", "invalid multibulk length"),
    ("bulk-negative", b"*1\r\n$-5\r\n", "invalid bulk length"),
    ("bulk-minus-one", b"*1\r\n$-1\r\n", "invalid bulk length"),
    ("bulk-abc", b"*1\r\n$abc\r\n", "invalid bulk length"),
    ("bulk-empty", b"*1\r\n$\r\n", "invalid bulk length"),
    ("bulk-trailing-junk", b"*1\r\n$4a\r\n", "invalid bulk length"),
    ("bulk-leading-zero", b"*1\r\n$04\r\nPING\r\n", "invalid bulk length"),
    ("bulk-over-proto-max-bulk-len", b"*1\r\n$536870913\r\n", "invalid bulk length"),
    ("bulk-overflow", b"*1\r\n$" + b"1" * 30 + b"\r\n", "invalid bulk length"),
    ("inline-unbalanced-double", b'SET "a b\r\n', "unbalanced quotes in request"),
    ("inline-unbalanced-single", b"SET 'a b\r\n", "unbalanced quotes in request"),
    ("inline-quote-then-char", b'SET "a"b c\r\n', "unbalanced quotes in request"),
    ("inline-too-big", b"X" * (70 * 1024), "too big inline request"),
    ("mbulk-count-string-too-big", b"*" + b"1" * (70 * 1024), "too big mbulk count string"),
    ("bulk-count-string-too-big", b"*1\r\n$" + b"1" * (70 * 1024), "too big bulk count string"),
]


@pytest.mark.parametrize("data,message", [p[1:] for p in PROTOCOL_ERRORS], ids=[p[0] for p in PROTOCOL_ERRORS])
def test_protocol_error_replies_and_closes(podium, data, message):
    received, closed = raw_exchange(podium, data)
    assert received == f"-ERR Protocol error: {message}\r\n".encode()
    assert closed, "server must close the connection after a protocol error"
    assert_server_still_serves(podium)


@pytest.mark.parametrize(
    "bad",
    [b"*abc\r\n", b"*1\r\n+foo\r\n", b"*1\r\n$-5\r\n", b'ECHO "unbalanced\r\n'],
    ids=["multibulk-length", "type-byte", "bulk-length", "unbalanced-quotes"],
)
def test_commands_before_protocol_error_in_same_write_are_answered(podium, bad):
    key = "before-error"
    with podium.client() as c:
        c.delete(key)
    data = b"PING\r\n" + encode_command("SET", key, "1") + b"INCR " + key.encode() + b"\r\n" + bad
    received, closed = raw_exchange(podium, data)
    expected_error = {
        b"*abc\r\n": b"invalid multibulk length",
        b"*1\r\n+foo\r\n": b"expected '$', got '+'",
        b"*1\r\n$-5\r\n": b"invalid bulk length",
        b'ECHO "unbalanced\r\n': b"unbalanced quotes in request",
    }[bad]
    assert received == b"+PONG\r\n+OK\r\n:2\r\n-ERR Protocol error: " + expected_error + b"\r\n"
    assert closed
    with podium.client() as c:
        assert c.get(key) == b"2"


def test_protocol_error_does_not_affect_other_clients(podium):
    with podium.raw() as bystander:
        assert bystander.call("SET", "bystander", "ok") == OK
        received, closed = raw_exchange(podium, b"*1\r\n$abc\r\n")
        assert received == b"-ERR Protocol error: invalid bulk length\r\n" and closed
        assert bystander.call("GET", "bystander") == Reply("$", b"ok")


@pytest.mark.parametrize(
    "header",
    [b"*1073741825\r\n$4\r\nPING\r\n", b"*2147483647\r\n", b"*1\r\n$536870912\r\nabc"],
    ids=["multibulk-over-1G", "multibulk-int-max", "bulk-at-proto-max-bulk-len"],
)
def test_large_announced_lengths_are_accepted_without_reply(podium, header):
    """Redis 7.0 accepts a multibulk count up to INT_MAX and a bulk up to proto-max-bulk-len (512 MB):
    it waits for more data instead of failing. (Podium should not pre-allocate the announced size either.)"""
    with podium.raw() as conn:
        conn.send_raw(header)
        received, closed = conn.read_raw_until_closed(timeout=0.5)
        assert received == b"" and not closed
    assert_server_still_serves(podium)


def test_unknown_command_does_not_close(raw):
    raw.send_raw(b"$4\r\nPING\r\n")  # not a multibulk: parsed as inline "$4", then "PING"
    assert raw.read_reply() == Reply("-", "ERR unknown command '$4', with args beginning with: ")
    assert raw.read_reply() == PONG
