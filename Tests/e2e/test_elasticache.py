"""ElastiCache Serverless mode (`elasticache-serverless yes`), rule by rule (docs/elasticache.md).

Each test starts Podium as a serverless endpoint (TLS only, an RBAC user, the read endpoint on a second port) and
checks one rule through redis-py over TLS: the fixed configuration, the restricted commands and their reply, the
argument limit, keyless scripts, scripts and FLUSHALL in MULTI, Pub/Sub served as sharded Pub/Sub, the read
endpoint with READONLY and MOVED, the start-up conflicts; then redis-py's RedisCluster with read_from_replicas.
"""

from __future__ import annotations

import socket
import time

import pytest
import redis
from redis.cluster import RedisCluster

from conftest import ServerStartError, TLSSetup, free_port, is_redis_binary, podium_executable

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()), reason="podium's elasticache-serverless mode")

USER = ["--user", "app", "on", ">app-secret", "~*", "&*", "+@all"]


class Serverless:
    """A Podium in serverless mode: `.primary()` and `.reader()` are redis-py clients of the two endpoints."""

    def __init__(self, server, read_port: int):
        self.server = server
        self.read_port = read_port

    def primary(self, **kwargs) -> redis.Redis:
        kwargs.setdefault("username", "app")
        kwargs.setdefault("password", "app-secret")
        return self.server.tls_client(**kwargs)

    def reader(self, **kwargs) -> redis.Redis:
        kwargs.setdefault("username", "app")
        kwargs.setdefault("password", "app-secret")
        return redis.Redis(host="localhost", port=self.read_port, ssl=True,
                           ssl_ca_certs=self.server.tls.path("ca.crt"), socket_timeout=10, **kwargs)


def start_serverless(server_factory, tls_certs, extra: list[str] | None = None) -> Serverless:
    # The read port is chosen here, outside the factory's own retries: try again should it collide.
    for attempt in range(3):
        read_port = free_port()
        try:
            server = server_factory(["--elasticache-serverless", "yes", "--elasticache-read-port", str(read_port),
                                     *USER, *(extra or [])], tls=TLSSetup(tls_certs, plain=False))
            return Serverless(server, read_port)
        except ServerStartError:
            if attempt == 2:
                raise


@pytest.fixture
def serverless(server_factory, tls_certs):
    return start_serverless(server_factory, tls_certs)


def encode(*args) -> bytes:
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def raw_lines(s: Serverless, *commands: list, port: int | None = None) -> list[str]:
    """The first reply line of each command (simple replies, errors and bulk headers), exactly as sent, on one TLS
    connection (to the
    primary endpoint, or `port`) that authenticates first."""
    address = ("127.0.0.1", port or s.server.tls_port)
    sock = s.server.tls.context().wrap_socket(socket.create_connection(address, timeout=10),
                                              server_hostname="localhost")
    with sock, sock.makefile("rb") as f:
        sock.sendall(encode("AUTH", "app", "app-secret"))
        assert f.readline() == b"+OK\r\n"
        lines = []
        for command in commands:
            sock.sendall(encode(*command))
            line = f.readline().decode().rstrip("\r\n")
            if line.startswith("$") and int(line[1:]) >= 0:
                f.read(int(line[1:]) + 2)  # the bulk's payload
            lines.append(line)
        return lines


def error_of(call) -> str:
    with pytest.raises(redis.exceptions.ResponseError) as info:
        call()
    return str(info.value)


def test_fixed_configuration_and_cluster_mode(server_factory, tls_certs):
    # Explicit values ElastiCache does not allow are replaced, each with a warning.
    s = start_serverless(server_factory, tls_certs, ["--maxmemory-policy", "allkeys-lru", "--maxclients", "10",
                                                     "--notify-keyspace-events", "KEA"])
    log = s.server.log_tail(200)
    assert "'maxmemory-policy allkeys-lru' replaced by 'volatile-lru'" in log
    assert "'maxclients 10' replaced by '65000'" in log
    assert "'notify-keyspace-events AKE' replaced by ''" in log
    c = s.primary()
    info = c.info()
    assert info["maxmemory_policy"] == "volatile-lru"
    assert info["maxclients"] == 65000
    assert info["cluster_enabled"] == 1
    assert b"cluster_state:ok" in c.execute_command("CLUSTER", "INFO")
    # The read endpoint is the second known node (the replica); the cluster still has one shard.
    assert b"cluster_known_nodes:2" in c.execute_command("CLUSTER", "INFO")
    # SELECT only of database 0, as in any cluster.
    assert c.execute_command("SELECT", 0) is True
    assert "not allowed in cluster mode" in error_of(lambda: c.execute_command("SELECT", 1))
    # Keys of one request must share a slot.
    assert "don't hash to the same slot" in error_of(lambda: c.mset({"a": 1, "b": 2}))
    assert c.mset({"{u}a": 1, "{u}b": 2})


def test_tls_only_the_plain_port_is_off(server_factory, tls_certs):
    plain = free_port()
    s = start_serverless(server_factory, tls_certs, ["--port", str(plain)])
    log = s.server.log_tail(200)
    assert f"'port {plain}' replaced by '0'" in log
    assert "ready to accept connections tcp" not in log and "ready to accept connections tls" in log
    assert s.primary().info("server")["tcp_port"] == s.server.tls_port


@pytest.mark.parametrize("command, reply", [
    (["CONFIG", "GET", "maxmemory"], "ERR unknown command 'config', with args beginning with: GET"),
    (["KEYS", "user:*"], "ERR unknown command 'keys', with args beginning with: user:*"),
    (["MEMORY", "USAGE", "k"], "ERR unknown command 'memory', with args beginning with: USAGE"),
    (["CLIENT", "LIST"], "ERR unknown command 'client', with args beginning with: LIST"),
    (["CLIENT", "KILL", "ID", "1"], "ERR unknown command 'client', with args beginning with: KILL"),
    (["CLIENT", "NO-EVICT", "on"], "ERR unknown command 'client', with args beginning with: NO-EVICT"),
    (["OBJECT", "ENCODING", "k"], "ERR unknown command 'object', with args beginning with: ENCODING"),
    (["FUNCTION", "LIST"], "ERR unknown command 'function', with args beginning with: LIST"),
    (["FCALL", "f", "1", "k"], "ERR unknown command 'fcall', with args beginning with: f"),
    (["SCRIPT", "KILL"], "ERR unknown command 'script', with args beginning with: KILL"),
    (["ACL", "SETUSER", "x"], "ERR unknown command 'acl', with args beginning with: SETUSER"),
    (["ACL", "LOG"], "ERR unknown command 'acl', with args beginning with: LOG"),
    (["BGSAVE"], "ERR unknown command 'bgsave', with args beginning with: "),
    (["BGREWRITEAOF"], "ERR unknown command 'bgrewriteaof', with args beginning with: "),
    (["SAVE"], "ERR unknown command 'save', with args beginning with: "),
    (["SHUTDOWN", "NOSAVE"], "ERR unknown command 'shutdown', with args beginning with: NOSAVE"),
    (["DEBUG", "SLEEP", "0"], "ERR unknown command 'debug', with args beginning with: SLEEP"),
    (["LASTSAVE"], "ERR unknown command 'lastsave', with args beginning with: "),
    (["WAIT", "0", "0"], "ERR unknown command 'wait', with args beginning with: 0"),
    (["SWAPDB", "0", "1"], "ERR unknown command 'swapdb', with args beginning with: 0"),
    (["MOVE", "k", "1"], "ERR unknown command 'move', with args beginning with: k"),
    (["SLOWLOG", "GET"], "ERR unknown command 'slowlog', with args beginning with: GET"),
    (["LATENCY", "LATEST"], "ERR unknown command 'latency', with args beginning with: LATEST"),
    (["PUBSUB", "NUMPAT"], "ERR unknown command 'pubsub', with args beginning with: NUMPAT"),
    (["CLUSTER", "LINKS"], "ERR unknown command 'cluster', with args beginning with: LINKS"),
    (["REPLICAOF", "NO", "ONE"], "ERR unknown command 'replicaof', with args beginning with: NO"),
])
def test_restricted_commands_answer_as_elasticache(serverless, command, reply):
    assert raw_lines(serverless, command, ["SET", "{k}alive", "1"], ["GET", "{k}alive"]) == ["-" + reply, "+OK", "$1"]


def test_restricted_containers_and_long_names(serverless):
    # A restricted container answers before its subcommands are looked at; echoed names are clipped to 128 bytes.
    long = "x" * 1000
    assert raw_lines(serverless, ["CONFIG", "NOSUCH"], ["FUNCTION", "NOSUCH"], [long, long], ["KEYS", long]) == [
        "-ERR unknown command 'config', with args beginning with: NOSUCH",
        "-ERR unknown command 'function', with args beginning with: NOSUCH",
        f"-ERR unknown command '{long[:128]}', with args beginning with: {long[:128]}",
        f"-ERR unknown command 'keys', with args beginning with: {long[:128]}"]


def test_an_aof_written_without_the_mode_loads_with_it(server_factory, tls_certs):
    """The restrictions are for clients: commands replayed from the AOF run whatever they are (a 5,000-key MSET,
    written before the mode was switched on)."""
    plain = server_factory(["--appendonly", "yes"])
    c = plain.client()
    pairs = {f"{{t}}k{i}": i for i in range(5000)}
    assert c.mset(pairs)
    assert c.flushall() and c.mset(pairs)
    plain.stop()
    workdir = plain.workdir
    s = None
    for attempt in range(3):
        try:
            s = start_serverless(server_factory, tls_certs, ["--appendonly", "yes", "--dir", str(workdir)])
            break
        except ServerStartError:
            if attempt == 2:
                raise
    assert s.primary().dbsize() == 5000


def test_supported_commands_around_the_restricted_ones(serverless):
    c = serverless.primary()
    assert c.client_setname("api") and c.client_getname() in ("api", b"api")
    assert c.execute_command("ACL", "WHOAMI") == b"app"
    assert c.execute_command("CLUSTER", "MYID")
    assert isinstance(c.execute_command("CLUSTER", "SHARDS"), list)
    c.set("user:1", "x")
    assert c.scan(0, match="user:*", count=100)[1] == [b"user:1"]
    assert c.execute_command("SCRIPT", "LOAD", "return 1")
    assert c.flushall()
    # Monitor and PSUBSCRIBE are refused too (redis-py's pubsub sends the command).
    p = c.pubsub()
    with pytest.raises(redis.exceptions.ResponseError, match="unknown command 'psubscribe'"):
        p.psubscribe("__keyevent@0__:*")
        p.get_message(timeout=2)
    p.close()


def test_restricted_commands_from_scripts(serverless):
    c = serverless.primary()
    assert "Unknown command called from script" in error_of(
        lambda: c.eval("return redis.call('KEYS', '*')", 1, "k"))
    assert "Unknown command called from script" in error_of(
        lambda: c.eval("return redis.call('CONFIG', 'GET', 'port')", 1, "k"))
    assert c.eval("return redis.call('INCR', KEYS[1])", 1, "k") == 1


def test_at_most_3999_arguments_per_request(serverless):
    c = serverless.primary()
    # 3999 arguments with the command name: accepted; one more: refused.
    keys = [f"{{t}}k{i}" for i in range(3998)]
    assert c.execute_command("DEL", *keys) == 0
    assert raw_lines(serverless, ["DEL", *keys, "{t}one-more"]) == [
        "-ERR too many arguments: ElastiCache Serverless accepts at most 3999 per request"]
    assert c.ping()


def test_scripts_must_declare_keys(serverless):
    c = serverless.primary()
    text = "-ERR Lua scripts without any input keys are not supported."
    sha = c.script_load("return 'hello'")
    assert raw_lines(serverless, ["EVAL", "return 'hello'", "0"], ["EVALSHA", sha, "0"],
                     ["EVAL_RO", "return 1", "0"], ["EVALSHA_RO", sha, "0"]) == [text] * 4
    assert c.eval("return 'hello'", 1, "any") == b"hello"
    assert c.evalsha(sha, 1, "any") == b"hello"
    # Declared keys in one slot, as in any cluster.
    assert "don't hash to the same slot" in error_of(lambda: c.eval("return 1", 2, "a", "b"))


def test_scripts_and_flushall_are_not_queued_in_multi(serverless):
    c = serverless.primary()
    for queued in (["EVAL", "return 1", "1", "k"], ["FLUSHALL"], ["FLUSHDB"]):
        pipe = c.pipeline(transaction=True)
        pipe.set("k", "v")
        pipe.execute_command(*queued)
        with pytest.raises(redis.exceptions.ResponseError) as info:
            pipe.execute()
        assert "EXECABORT" in str(info.value) or "not supported inside transaction" in str(info.value)
    assert c.get("k") is None
    # On a raw connection the queued command's own error is visible.
    assert raw_lines(serverless, ["MULTI"], ["FLUSHALL"], ["EVAL", "return 1", "1", "k"], ["EXEC"]) == [
        "+OK", "-ERR command not supported inside transaction", "-ERR command not supported inside transaction",
        "-EXECABORT Transaction discarded because of previous errors."]


def wait_message(pubsub, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = pubsub.get_message(timeout=0.2)
        if m and m["type"] in ("message", "smessage"):
            return m
    return None


def test_classic_pubsub_is_served_as_sharded_pubsub(serverless):
    c = serverless.primary()
    classic = serverless.primary().pubsub()
    classic.subscribe("scores")
    assert classic.get_message(timeout=2)["type"] == "subscribe"
    sharded = serverless.primary().pubsub()
    sharded.ssubscribe("scores")
    assert sharded.get_message(timeout=2)["type"] == "ssubscribe"
    assert c.publish("scores", "a") == 2
    assert wait_message(classic)["data"] == b"a"
    assert wait_message(sharded)["data"] == b"a"
    assert c.execute_command("SPUBLISH", "scores", "b") == 2
    assert wait_message(classic)["type"] == "message"
    assert wait_message(sharded)["type"] == "smessage"
    assert c.execute_command("PUBSUB", "NUMSUB", "scores") == [b"scores", 2]
    assert c.execute_command("PUBSUB", "SHARDNUMSUB", "scores") == [b"scores", 2]
    assert c.execute_command("PUBSUB", "CHANNELS") == [b"scores"]
    classic.close()
    sharded.close()


def test_keyspace_notifications_are_unavailable(serverless):
    c = serverless.primary()
    p = serverless.primary().pubsub()
    p.subscribe("__keyevent@0__:set")
    p.get_message(timeout=2)
    c.set("k", "v")
    assert wait_message(p, timeout=1.0) is None
    assert "unknown command 'config'" in error_of(lambda: c.config_set("notify-keyspace-events", "KEA"))
    p.close()


def test_read_endpoint_serves_readonly_clients_and_moves_the_rest(serverless):
    c = serverless.primary()
    c.set("user:1", "ana")
    slot = c.execute_command("CLUSTER", "KEYSLOT", "user:1")
    primary_port = serverless.server.tls_port
    moved = f"-MOVED {slot} 127.0.0.1:{primary_port}"
    assert raw_lines(serverless, ["PING"],
                     ["GET", "user:1"],  # without READONLY every key is the primary's
                     ["READONLY"], ["GET", "user:1"], ["ZSCORE", "leaderboard:global", "ana"],
                     ["SET", "user:1", "bo"],  # writes go to the primary endpoint
                     ["EVAL", "return 1", "1", "user:1"],
                     ["EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "user:1"],  # reads: served
                     ["FLUSHALL"],  # a write without keys: refused as by a replica
                     ["READWRITE"], ["GET", "user:1"], port=serverless.read_port) == [
        "+PONG", moved, "+OK", "$3", "$-1", moved, moved, "$3",
        "-READONLY You can't write against a read only replica.", "+OK", moved]
    assert c.get("user:1") == b"ana"
    # What redis-py makes of it: a MovedError naming the primary endpoint, which its cluster client follows.
    with pytest.raises(redis.exceptions.MovedError, match=f"{slot} 127.0.0.1:{primary_port}"):
        serverless.reader().get("user:1")


def test_topology_shows_the_read_endpoint_as_a_replica(serverless):
    c = serverless.primary()
    slots = c.execute_command("CLUSTER", "SLOTS")
    assert len(slots) == 1
    start, end, primary, replica = slots[0]
    assert (start, end) == (0, 16383)
    assert primary[:2] == [b"127.0.0.1", serverless.server.tls_port]
    assert replica[:2] == [b"127.0.0.1", serverless.read_port]
    assert primary[2] != replica[2]
    nodes = c.execute_command("CLUSTER", "NODES").decode().splitlines()
    assert "myself,master" in nodes[0] and nodes[1].split()[2] == "slave"
    assert nodes[1].split()[3] == primary[2].decode()
    # On the read endpoint the replica is "myself", and its id is CLUSTER MYID's.
    r = serverless.reader()
    assert r.execute_command("CLUSTER", "MYID") == replica[2]
    assert "myself,slave" in r.execute_command("CLUSTER", "NODES").decode()


def test_redis_py_cluster_client_reads_from_the_read_endpoint(serverless):
    rc = RedisCluster(host="127.0.0.1", port=serverless.server.tls_port, ssl=True,
                      ssl_ca_certs=serverless.server.tls.path("ca.crt"), username="app", password="app-secret",
                      read_from_replicas=True, decode_responses=True)
    try:
        assert rc.zadd("leaderboard:global", {"ana": 10, "bo": 20})
        assert rc.zincrby("leaderboard:global", 5, "ana") == 15.0
        seen = set()
        for _ in range(8):
            assert rc.zrevrange("leaderboard:global", 0, -1, withscores=True) == [("bo", 20.0), ("ana", 15.0)]
        for node in rc.get_nodes():
            seen.add((node.port, node.server_type))
        assert (serverless.read_port, "replica") in seen and (serverless.server.tls_port, "primary") in seen
    finally:
        rc.close()


def test_start_up_conflicts(server_factory, tls_certs):
    # A password instead of users.
    with pytest.raises(ServerStartError, match="RBAC users, not a password"):
        server_factory(["--elasticache-serverless", "yes", "--requirepass", "x",
                        "--elasticache-read-port", str(free_port())], tls=TLSSetup(tls_certs, plain=False))
    # No certificate: serverless is TLS only.
    with pytest.raises(ServerStartError):
        server_factory(["--elasticache-serverless", "yes", "--tls-port", str(free_port()), "--port", "0"])


def test_script_kill_answers_while_a_script_is_busy(serverless):
    """SCRIPT KILL is restricted, except while a script is busy (past the fixed 5 s lua-time-limit): then it stops
    the script, as nothing else could."""
    import threading

    outcome = {}

    def run():
        try:
            serverless.primary(socket_timeout=30).eval("while true do end", 1, "spin")
        except redis.exceptions.ResponseError as e:
            outcome["error"] = str(e)

    assert raw_lines(serverless, ["SCRIPT", "KILL"]) == [
        "-ERR unknown command 'script', with args beginning with: KILL"]
    runner = threading.Thread(target=run)
    runner.start()
    c = serverless.primary(socket_timeout=30)
    deadline = time.monotonic() + 20
    while True:
        try:
            c.ping()
        except redis.exceptions.BusyLoadingError:
            raise
        except redis.exceptions.ResponseError as e:
            if "BUSY" in str(e):
                break
            raise
        assert time.monotonic() < deadline, "the script never became busy"
        time.sleep(0.2)
    assert c.execute_command("SCRIPT", "KILL") in (True, b"OK")
    runner.join(timeout=20)
    assert "Script killed by user" in outcome.get("error", "")
    assert c.ping()
