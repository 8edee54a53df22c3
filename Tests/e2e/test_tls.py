"""TLS: the clients users run in production (redis-py ssl=True, redis-cli --tls, node-redis socket.tls) against a TLS
port, client certificates, plain-text / TLS mix-ups, the handshake timeout, certificate reload by CONFIG SET, and a
load test (10,000 TLS connections opened and closed, 1,000 concurrent TLS clients).

Certificates come from scripts/gen-test-certs (session fixtures tls_certs / other_tls_certs). Every test but the
Podium-only ones (the handshake timeout, the mix-up log lines) also passes against redis-server 7 with TLS
(PODIUM_SERVER=redis-server), which is how the tests themselves were checked.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import TLSSetup, is_redis_binary, podium_executable
from support import wait_until

NODE_PATH = "/usr/share/nodejs"  # where Debian's node-redis lives


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@pytest.fixture
def tls_server(server_factory, tls_certs):
    """A server with a plain port and a TLS port, tls-auth-clients no."""
    return server_factory(tls=TLSSetup(tls_certs))


# ------------------------------------------------------------------------------------------------
# Clients
# ------------------------------------------------------------------------------------------------


def test_redis_py_over_tls(tls_server):
    with tls_server.tls_client() as c:
        assert c.ping()
        assert c.set("player:1", "ana")
        assert c.zadd("leaderboard:global", {"ana": 10, "bo": 20}) == 2
        pipe = c.pipeline(transaction=True)
        pipe.zincrby("leaderboard:global", 15, "ana").zrevrange("leaderboard:global", 0, -1, withscores=True)
        assert pipe.execute() == [25.0, [(b"ana", 25.0), (b"bo", 20.0)]]
        big = b"x" * 1_000_000  # many TLS records each way
        assert c.set("big", big)
        assert c.get("big") == big
    # The plain port serves the same keyspace.
    with tls_server.client() as plain:
        assert plain.get("player:1") == b"ana"


def test_redis_py_resp3_over_tls(tls_server):
    with tls_server.tls_client(protocol=3) as c:
        assert c.hset("user:1", mapping={"name": "ana", "level": "3"}) == 2
        assert c.hgetall("user:1") == {b"name": b"ana", b"level": b"3"}


def test_tls_only_when_port_is_zero(server_factory, tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs, plain=False))
    with server.tls_client() as c:
        assert c.ping()
        # Redis reports the TLS port as tcp_port when there is no plain port.
        assert int(c.info("server")["tcp_port"]) == server.tls_port


def test_client_certificate_required_with_auth_clients_yes(server_factory, tls_certs, other_tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs, auth_clients="yes"))
    with server.tls_client(certificate=True) as c:
        assert c.ping()
    with pytest.raises(redis.exceptions.ConnectionError):
        with server.tls_client(certificate=False) as c:
            c.ping()
    # A client certificate from another CA is refused as well.
    with pytest.raises(redis.exceptions.ConnectionError):
        with server.tls_client(certificate=False, ssl_certfile=str(other_tls_certs / "client.crt"),
                               ssl_keyfile=str(other_tls_certs / "client.key")) as c:
            c.ping()


def test_auth_clients_optional(server_factory, tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs, auth_clients="optional"))
    for certificate in (False, True):
        with server.tls_client(certificate=certificate) as c:
            assert c.ping()


def test_server_is_verified_by_the_client(tls_server, other_tls_certs):
    """A client trusting another CA refuses the server: the certificate really is the configured one."""
    with pytest.raises(redis.exceptions.ConnectionError):
        with redis.Redis(host="localhost", port=tls_server.tls_port, ssl=True,
                         ssl_ca_certs=str(other_tls_certs / "ca.crt"), socket_timeout=10) as c:
            c.ping()


def redis_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["redis-cli", *args], capture_output=True, text=True, timeout=30)


def test_redis_cli_tls(server_factory, tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs))
    base = ["--tls", "--cacert", str(tls_certs / "ca.crt"), "-h", "localhost", "-p", str(server.tls_port)]
    assert redis_cli(*base, "SET", "greeting", "hello").stdout.strip() == "OK"
    assert redis_cli(*base, "GET", "greeting").stdout.strip() == "hello"
    # RESP3 over TLS, and mass insertion through --pipe.
    assert "hello" in redis_cli(*base, "-3", "GET", "greeting").stdout
    payload = "".join(f"*3\r\n$3\r\nSET\r\n$5\r\nk{i:04d}\r\n$1\r\n{i % 10}\r\n" for i in range(1000))
    piped = subprocess.run(["redis-cli", *base, "--pipe"], input=payload, capture_output=True, text=True, timeout=60)
    assert "errors: 0, replies: 1000" in piped.stdout, piped.stdout + piped.stderr
    with server.tls_client() as c:
        assert c.dbsize() == 1001


def test_redis_cli_tls_with_client_certificate(server_factory, tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs, auth_clients="yes"))
    base = ["--tls", "--cacert", str(tls_certs / "ca.crt"), "-h", "localhost", "-p", str(server.tls_port)]
    with_cert = base + ["--cert", str(tls_certs / "client.crt"), "--key", str(tls_certs / "client.key")]
    assert redis_cli(*with_cert, "PING").stdout.strip() == "PONG"
    refused = redis_cli(*base, "PING")
    assert "PONG" not in refused.stdout


NODE_REDIS_SCRIPT = r"""
const fs = require('fs');
const { createClient } = require('redis');
(async () => {
  const [port, ca, cert, key] = process.argv.slice(1);
  const socket = { host: 'localhost', port: Number(port), tls: true, ca: fs.readFileSync(ca) };
  if (cert) { socket.cert = fs.readFileSync(cert); socket.key = fs.readFileSync(key); }
  const options = { socket };
  if (process.env.NODE_REDIS_USER) {
    options.username = process.env.NODE_REDIS_USER;
    options.password = process.env.NODE_REDIS_PASS;
  }
  const client = createClient(options);
  // Any client error ends the script (node-redis would otherwise reconnect forever, e.g. after WRONGPASS).
  client.on('error', (e) => { console.error('client error', e.message); process.exit(2); });
  await client.connect();
  const out = {};
  out.set = await client.set('session:1', JSON.stringify({ user: 1 }), { EX: 3600 });
  out.get = await client.get('session:1');
  await client.zAdd('leaderboard:global', [{ score: 10, value: 'ana' }, { score: 20, value: 'bo' }]);
  out.top = await client.zRangeWithScores('leaderboard:global', 0, -1, { REV: true });
  out.ttl = await client.ttl('session:1');
  out.whoami = await client.sendCommand(['ACL', 'WHOAMI']);
  await client.quit();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e.message); process.exit(1); });
"""


def run_node_redis(port: int, ca: str, cert: str = "", key: str = "", user: str = "",
                   password: str = "") -> subprocess.CompletedProcess:
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "node is not installed (scripts/test installs nodejs and node-redis with apt)"
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    if user:
        env.update(NODE_REDIS_USER=user, NODE_REDIS_PASS=password)
    args = [node, "-e", NODE_REDIS_SCRIPT, str(port), ca] + ([cert, key] if cert else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)


def test_node_redis_socket_tls(server_factory, tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs))
    result = run_node_redis(server.tls_port, str(tls_certs / "ca.crt"))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["set"] == "OK"
    assert json.loads(out["get"]) == {"user": 1}
    assert out["top"] == [{"value": "bo", "score": 20}, {"value": "ana", "score": 10}]
    assert 3590 <= out["ttl"] <= 3600


def test_node_redis_logs_in_as_an_acl_user_over_tls(server_factory, tls_certs):
    """The production configuration: TLS and an RBAC user (createClient({ socket: { tls: true }, username,
    password })), with the user limited to the app's keys; a wrong password is refused with WRONGPASS."""
    server = server_factory(tls=TLSSetup(tls_certs))
    with server.tls_client() as c:
        assert c.execute_command("ACL", "SETUSER", "leaderboard-app", "on", ">app-secret", "~leaderboard:*",
                                 "~session:*", "+@all", "-@dangerous")
    result = run_node_redis(server.tls_port, str(tls_certs / "ca.crt"), user="leaderboard-app", password="app-secret")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["whoami"] == "leaderboard-app"
    assert out["top"] == [{"value": "bo", "score": 20}, {"value": "ana", "score": 10}]
    refused = run_node_redis(server.tls_port, str(tls_certs / "ca.crt"), user="leaderboard-app", password="wrong")
    assert refused.returncode != 0
    assert "WRONGPASS" in refused.stderr, refused.stderr


def test_node_redis_with_client_certificate(server_factory, tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs, auth_clients="yes"))
    result = run_node_redis(server.tls_port, str(tls_certs / "ca.crt"), str(tls_certs / "client.crt"),
                            str(tls_certs / "client.key"))
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------------------------------------
# Mix-ups, stalls, reload
# ------------------------------------------------------------------------------------------------


def read_until_closed(sock: socket.socket, limit: float = 20.0) -> bytes:
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_plain_text_on_the_tls_port_is_closed(tls_server):
    with socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=10) as s:
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert read_until_closed(s) == b""
    with tls_server.tls_client() as c:
        assert c.ping()
    if not tls_server.is_redis:
        wait_until(lambda: "plain text received on the tls port" in tls_server.log_tail(),
                   message="the log line for plain text on the tls port")


def test_a_tls_handshake_on_the_plain_port_is_closed(tls_server):
    raw = socket.create_connection(("127.0.0.1", tls_server.port), timeout=10)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        with tls_server.tls.context().wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            assert s.recv(64) == b"+PONG\r\n"  # not reached: the handshake fails
    raw.close()
    with tls_server.client() as c:
        assert c.ping()
    if not tls_server.is_redis:
        wait_until(lambda: "tls handshake received on the plain port" in tls_server.log_tail(),
                   message="the log line for a tls handshake on the plain port")


def test_a_stalled_handshake_is_closed_and_stalls_nobody(server_factory, tls_certs):
    if is_redis_binary(podium_executable()):
        pytest.skip("tls-handshake-timeout is Podium's own directive")
    server = server_factory(extra_args=["--tls-handshake-timeout", "300"], tls=TLSSetup(tls_certs))
    stalled = [socket.create_connection(("127.0.0.1", server.tls_port), timeout=10) for _ in range(20)]
    # Half a handshake record: the server waits for the rest, until the timeout.
    stalled[0].sendall(b"\x16\x03\x01\x02\x00\x01")
    try:
        with server.tls_client() as c:
            assert c.ping()  # others are served meanwhile
        for s in stalled:
            assert read_until_closed(s) == b""
    finally:
        for s in stalled:
            s.close()
    wait_until(lambda: "tls handshake timed out" in server.log_tail(), message="the handshake timeout log line")


def test_config_set_reloads_certificates_without_restart(server_factory, tls_certs, other_tls_certs):
    server = server_factory(tls=TLSSetup(tls_certs))
    existing = server.tls_client()
    assert existing.ping()
    with server.client() as admin:
        # Certificate and key must match, so they change in one CONFIG SET (one alone fails, as in Redis).
        with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS configuration"):
            admin.config_set("tls-cert-file", str(other_tls_certs / "server.crt"))
        assert admin.execute_command("CONFIG", "SET", "tls-cert-file", str(other_tls_certs / "server.crt"),
                                     "tls-key-file", str(other_tls_certs / "server.key"))
        # New connections get the new certificate, signed by the other CA...
        with redis.Redis(host="localhost", port=server.tls_port, ssl=True,
                         ssl_ca_certs=str(other_tls_certs / "ca.crt"), socket_timeout=10) as fresh:
            assert fresh.ping()
        with pytest.raises(redis.exceptions.ConnectionError):
            with server.tls_client() as old_ca:
                old_ca.ping()
        # ... while the connection opened before carries on.
        assert existing.set("still", "here")
        assert existing.get("still") == b"here"
        # A certificate that cannot be loaded is refused and changes nothing.
        with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS configuration"):
            admin.config_set("tls-cert-file", "/nonexistent/server.crt")
        assert admin.config_get("tls-cert-file")["tls-cert-file"] == str(other_tls_certs / "server.crt")
        # The CA file reloads too: with tls-auth-clients yes, only the other CA's client certificate passes.
        admin.config_set("tls-ca-cert-file", str(other_tls_certs / "ca.crt"))
        admin.config_set("tls-auth-clients", "yes")
        with redis.Redis(host="localhost", port=server.tls_port, ssl=True,
                         ssl_ca_certs=str(other_tls_certs / "ca.crt"),
                         ssl_certfile=str(other_tls_certs / "client.crt"),
                         ssl_keyfile=str(other_tls_certs / "client.key"), socket_timeout=10) as mutual:
            assert mutual.ping()
    existing.close()


def test_tls_config_get_and_set(tls_server):
    with tls_server.client() as c:
        got = c.config_get("tls-*")
        assert got["tls-port"] == str(tls_server.tls_port)
        assert got["tls-auth-clients"] == "no"
        assert got["tls-session-caching"] == "yes"
        with pytest.raises(redis.exceptions.ResponseError, match="must be one of the following: no, yes, optional"):
            c.config_set("tls-auth-clients", "maybe")
        with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS configuration"):
            c.config_set("tls-protocols", "TLSv1.4")
        with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS configuration"):
            c.config_set("tls-ciphers", "BOGUS")
        assert c.config_get("tls-ciphers")["tls-ciphers"] == ""
        assert c.config_set("tls-protocols", "TLSv1.3")
    context = tls_server.tls.context()
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=10) as raw:
        with pytest.raises(ssl.SSLError):
            context.wrap_socket(raw, server_hostname="localhost")
    with tls_server.tls_client() as c:
        assert c.ping()


def test_session_resumption(server_factory, tls_certs):
    """tls-session-caching yes lets a client resume (an abbreviated handshake); no makes every handshake full.

    redis-server 7.0 (OpenSSL) with `no` only turns off its session-id cache and still resumes through session
    tickets; Podium resumes nothing then, which is what the directive promises (docs/tls.md)."""
    for caching, expected in (("yes", True), ("no", False)):
        server = server_factory(extra_args=["--tls-session-caching", caching], tls=TLSSetup(tls_certs))
        if server.is_redis and caching == "no":
            expected = True
        context = server.tls.context()
        context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.2: the session is known after the handshake
        with context.wrap_socket(socket.create_connection(("127.0.0.1", server.tls_port)),
                                 server_hostname="localhost") as first:
            first.sendall(b"*1\r\n$4\r\nPING\r\n")
            assert first.recv(64) == b"+PONG\r\n"
            session = first.session
        with context.wrap_socket(socket.create_connection(("127.0.0.1", server.tls_port)),
                                 server_hostname="localhost", session=session) as second:
            second.sendall(b"*1\r\n$4\r\nPING\r\n")
            assert second.recv(64) == b"+PONG\r\n"
            assert second.session_reused is expected, f"tls-session-caching {caching}"


# ------------------------------------------------------------------------------------------------
# Load: many handshakes, many concurrent TLS clients (bounded in count; nothing is timed)
# ------------------------------------------------------------------------------------------------


def redis_benchmark_tls(server, *args: str) -> subprocess.CompletedProcess:
    certs = server.tls
    argv = ["redis-benchmark", "--tls", "--cacert", certs.path("ca.crt"), "-h", "localhost",
            "-p", str(server.tls_port), "-q", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600)


def test_load_10000_tls_connections_and_1000_concurrent_clients(server_factory, ec_tls_certs):
    """redis-benchmark (hiredis + OpenSSL) as the load: `-k 0` reconnects, with a full handshake, for every request.
    No error means every INCR landed: the counter must be exact. The server has a P-256 certificate: the suite runs
    the debug build, whose unoptimised BoringSSL needs about 11 ms of CPU for an RSA 2048 handshake."""
    tls_server = server_factory(tls=TLSSetup(ec_tls_certs))
    pid = tls_server.pid
    with tls_server.client() as c:
        before = int(c.info("stats")["total_connections_received"])
    warm = redis_benchmark_tls(tls_server, "-k", "0", "-c", "50", "-n", "1000", "-t", "incr")
    assert warm.returncode == 0, warm.stdout + warm.stderr
    rss_warm = rss_bytes(pid)
    started = time.monotonic()
    churn = redis_benchmark_tls(tls_server, "-k", "0", "-c", "50", "-n", "9000", "-t", "incr")
    churn_seconds = time.monotonic() - started
    assert churn.returncode == 0, churn.stdout + churn.stderr
    rss_after_churn = rss_bytes(pid)
    started = time.monotonic()
    concurrent = redis_benchmark_tls(tls_server, "-c", "1000", "-n", "100000", "-t", "incr")
    concurrent_seconds = time.monotonic() - started
    assert concurrent.returncode == 0, concurrent.stdout + concurrent.stderr
    rss_after_concurrent = rss_bytes(pid)
    with tls_server.client() as c:
        assert int(c.get("counter:__rand_int__")) == 10_000 + 100_000
        stats = c.info("stats")
        connections = int(stats["total_connections_received"]) - before
        wait_until(lambda: c.info("clients")["connected_clients"] == 1, message="every load client gone")
    assert connections >= 10_000 + 1_000
    print(f"\n10,000 TLS connections opened and closed ({churn_seconds:.1f} s for the last 9,000: "
          f"{9_000 / churn_seconds:.0f}/s); 1,000 concurrent TLS clients, 100,000 INCR in {concurrent_seconds:.1f} s; "
          f"RSS {rss_warm >> 20} MB warm, {rss_after_churn >> 20} MB after the churn, "
          f"{rss_after_concurrent >> 20} MB after the concurrent clients; {connections} connections received")
    # Bounded memory: closed connections leave nothing behind (beyond allocator slack), and 1,000 live TLS
    # connections cost well under half a megabyte each.
    assert rss_after_churn - rss_warm < 64 << 20
    assert rss_after_concurrent - rss_warm < 512 << 20


def test_config_set_tls_handshake_timeout_applies_to_new_connections(server_factory, tls_certs):
    if is_redis_binary(podium_executable()):
        pytest.skip("tls-handshake-timeout is Podium's own directive")
    server = server_factory(extra_args=["--tls-handshake-timeout", "600000"], tls=TLSSetup(tls_certs))
    with server.tls_client() as c:
        assert c.config_set("tls-handshake-timeout", "300")
        assert c.config_get("tls-handshake-timeout") == {"tls-handshake-timeout": "300"}
    # Closed well before the 10-minute timeout it was started with.
    with socket.create_connection(("127.0.0.1", server.tls_port), timeout=10) as stalled:
        stalled.sendall(b"\x16\x03\x01\x02\x00\x01")
        assert read_until_closed(stalled, limit=20.0) == b""
