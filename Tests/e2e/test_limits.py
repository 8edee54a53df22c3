"""Limits on live servers: output back-pressure for a client that never reads, client-output-buffer-limit normal
(and MONITOR), CONFIG SET of proto-max-bulk-len / client-query-buffer-limit / client-output-buffer-limit /
maxclients / timeout reaching connections already open, and CLIENT LIST's qbuf / omem / oll figures.

Where Redis 7 behaves the same (disconnections at a limit, maxclients, the decoder's errors) the test runs against a
fresh redis-server too (`servers` fixture). Back-pressure is Podium's own: redis-server with its defaults lets such a
client grow without bound, so that test only runs against Podium.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from resp_client import Reply, encode_command
from support import vm_rss_kb, wait_until

FIELDS = 2000


def make_hash(server) -> dict[bytes, bytes]:
    with server.client() as c:
        mapping = {f"field:{i}".encode(): f"value:{i}".encode() for i in range(FIELDS)}
        for start in range(0, FIELDS, 500):
            c.hset("h", mapping=dict(list(mapping.items())[start:start + 500]))
    return mapping


def never_reading_socket(server) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.connect((server.host, server.port))
    return s


def pipeline_without_reading(s: socket.socket, seconds: float, pid: int | None = None) -> tuple[int, int, bool]:
    """Sends HGETALL h as fast as the server takes it, reading nothing, for `seconds`. Returns (whole commands
    sent, peak RSS in KB of `pid`, whether the server closed the connection)."""
    command = encode_command("HGETALL", "h")
    chunk = command * 256
    s.settimeout(0.05)
    sent = 0
    peak = 0
    deadline = time.monotonic() + seconds
    closed = False
    pending = b""
    while time.monotonic() < deadline:
        data = pending or chunk
        try:
            n = s.send(data)
            sent += n
            pending = data[n:]
        except socket.timeout:
            pass
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if pid is not None:
            peak = max(peak, vm_rss_kb(pid))
    if not closed and pending:
        # Finish the last command so every request sent is whole (the server reads again once we read).
        s.settimeout(30)
        threading.Thread(target=s.sendall, args=(pending,), daemon=True).start()
        sent += len(pending)
    return sent // len(command), peak, closed


def one_reply_bytes(server, *command: str) -> bytes:
    """The exact bytes of one reply, read from a fresh connection until it goes quiet."""
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(encode_command(*command))
        data = s.recv(1 << 20)
        s.settimeout(0.5)
        try:
            while chunk := s.recv(1 << 20):
                data += chunk
        except socket.timeout:
            pass
    return data


def test_a_client_that_never_reads_is_paused_not_buffered(server_factory):
    """Podium stops reading a client whose replies wait unread: memory stays bounded, it stays connected, and once it
    reads it gets every reply, whole and in order."""
    server = server_factory()
    if server.is_redis:
        pytest.skip("redis-server buffers without bound with its default limits (docs/security.md)")
    make_hash(server)
    reply = one_reply_bytes(server, "HGETALL", "h")
    assert reply.startswith(b"*%d\r\n" % (2 * FIELDS))
    commands = 1000  # ~60 MB of replies
    baseline = vm_rss_kb(server.pid)
    s = never_reading_socket(server)
    sender = threading.Thread(target=s.sendall, args=(encode_command("HGETALL", "h") * commands,), daemon=True)
    sender.start()
    peak = baseline
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        peak = max(peak, vm_rss_kb(server.pid))
        time.sleep(0.02)
    # Buffered, the replies would be 90 MB; paused, about one batch (1 MB) plus NIO's write buffer.
    assert peak - baseline < 32 * 1024, (baseline, peak)
    with server.client() as c:
        mine = [client for client in c.client_list() if client["cmd"] == "hgetall"]
        assert len(mine) == 1
        assert int(mine[0]["omem"]) > 0 and int(mine[0]["oll"]) >= 1
        assert c.info("stats")["client_output_buffer_limit_disconnections"] == 0
    # Now read: every reply arrives, whole and in order.
    s.settimeout(30)
    data = b""
    replies = 0
    while replies < commands:
        chunk = s.recv(1 << 20)
        assert chunk, f"closed after {replies} of {commands} replies"
        data += chunk
        whole = len(data) // len(reply)
        assert data[:whole * len(reply)] == reply * whole, f"a reply after the first {replies} differs"
        data = data[whole * len(reply):]
        replies += whole
    assert data == b"" and replies == commands
    sender.join(10)
    s.sendall(encode_command("PING"))
    assert s.recv(100) == b"+PONG\r\n"
    s.close()


@pytest.mark.parametrize("how", ["startup", "config-set"])
def test_normal_output_limit_disconnects(server_factory, oracle_factory, how):
    """client-output-buffer-limit normal 256kb 0 0 (at start-up, or CONFIG SET while the client is connected):
    a client that does not read its replies is disconnected, as by redis-server 7."""
    for factory in (server_factory, oracle_factory):
        args = ["--client-output-buffer-limit", "normal 256kb 0 0"] if how == "startup" else []
        server = factory(extra_args=args)
        make_hash(server)
        s = never_reading_socket(server)
        s.sendall(encode_command("PING"))
        with server.client() as c:
            if how == "config-set":
                wait_until(lambda: len(c.client_list()) == 2, message="client connected")
                assert c.config_set("client-output-buffer-limit", "normal 256kb 0 0")
            _, _, closed = pipeline_without_reading(s, 10.0)
            if not closed:
                # The close may come while we are not sending: it shows as EOF or a reset once we read.
                s.settimeout(10)
                try:
                    while s.recv(1 << 20):
                        pass
                except ConnectionResetError:
                    pass
            wait_until(lambda: len(c.client_list()) == 1, message=f"{server.name}: client closed")
            # Redis 7.2 / Valkey 8 count them; 7.0 has no such field.
            assert c.info("stats").get("client_output_buffer_limit_disconnections", 1) == 1, server.name
        s.close()


def test_monitor_output_is_bounded(server_factory, oracle_factory):
    """A MONITOR client that never reads is cut off at its output limit (normal, when set), as in redis-server."""
    for factory in (server_factory, oracle_factory):
        server = factory(extra_args=["--client-output-buffer-limit", "normal 256kb 0 0"])
        monitor = never_reading_socket(server)
        monitor.sendall(encode_command("MONITOR"))
        with server.client() as c:
            wait_until(lambda: any("O" in client["flags"] for client in c.client_list()), message="monitoring")
            value = "v" * 4096
            for _ in range(50):
                pipe = c.pipeline(transaction=False)
                for i in range(100):
                    pipe.set(f"k{i}", value)
                pipe.execute()
                if not any("O" in client["flags"] for client in c.client_list()):
                    break
            wait_until(lambda: not any("O" in client["flags"] for client in c.client_list()),
                       message=f"{server.name}: monitor closed")
            assert c.info("stats").get("client_output_buffer_limit_disconnections", 1) == 1
        monitor.close()


def test_config_set_decoder_limits_reach_open_connections(server_factory, oracle_factory):
    """proto-max-bulk-len and client-query-buffer-limit set with CONFIG SET apply to connections opened before."""
    results = []
    for factory in (server_factory, oracle_factory):
        server = factory()
        old_bulk, old_query = server.raw(), server.raw()
        old_bulk.call("PING")
        old_query.call("PING")
        with server.client() as c:
            assert c.config_set("proto-max-bulk-len", "1mb")
            # A bulk over the new maximum, announced on a connection opened before the change.
            old_bulk.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n")
            results.append(old_bulk.read_raw_until_closed(10))
            assert c.config_set("proto-max-bulk-len", "16mb")
            assert c.config_set("client-query-buffer-limit", "1mb")
            # 3 MB of an 8 MB argument: more unparsed input than the new query buffer limit allows.
            old_query.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8000000\r\n")
            try:
                old_query.send_raw(b"x" * (3 << 20))
            except (BrokenPipeError, ConnectionResetError):
                pass
            closed = old_query.read_raw_until_closed(10)
            results.append((closed[0], closed[1]))
            assert c.ping()
    assert results[:2] == results[2:]
    assert results[0] == (b"-ERR Protocol error: invalid bulk length\r\n", True)
    assert results[1] == (b"", True)


def test_maxclients_and_timeout_by_config_set(server_factory, oracle_factory):
    """CONFIG SET maxclients refuses the next connection over it; CONFIG SET timeout closes idle connections that
    were open before the change."""
    for factory in (server_factory, oracle_factory):
        server = factory()
        admin = server.raw()
        idle = server.raw()
        idle.call("PING")
        assert admin.call("CONFIG", "SET", "maxclients", "2") == Reply("+", "OK")
        with socket.create_connection((server.host, server.port), timeout=10) as s:
            data = b""
            try:
                while chunk := s.recv(4096):
                    data += chunk
            except ConnectionResetError:
                pass
            assert data == b"-ERR max number of clients reached\r\n", server.name
        assert admin.call("CONFIG", "SET", "maxclients", "100") == Reply("+", "OK")
        assert admin.call("CONFIG", "SET", "timeout", "1") == Reply("+", "OK")
        started = time.monotonic()
        assert idle.read_raw_until_closed(15) == (b"", True), server.name
        assert time.monotonic() - started < 12
        admin.close()


def test_client_list_shows_the_query_buffer(server_factory):
    server = server_factory()
    partial = server.raw()
    client_id = str(partial.call("CLIENT", "ID").value)
    partial.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n" + b"x" * 50)

    def qbuf(c) -> int:
        return int(next(client for client in c.client_list() if client["id"] == client_id)["qbuf"])

    with server.client() as c:
        # Redis counts the 50 bytes after the header it consumed; Podium the whole unparsed request (72).
        wait_until(lambda: qbuf(c) >= 50, message="qbuf reported")
        partial.send_raw(b"x" * 50 + b"\r\n")
        assert partial.read_reply() == Reply("+", "OK")
        wait_until(lambda: qbuf(c) == 0, message="qbuf drained")
    partial.close()
