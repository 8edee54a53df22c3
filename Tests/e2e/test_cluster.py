"""Cluster mode (`cluster-enabled yes`): Podium as a cluster of one node that owns all 16384 slots.

Differential against redis-server 7 started in cluster mode with every slot added to its one node: the same
multi-key commands with and without hash tags give the same replies (CROSSSLOT errors included), as do
MULTI/EXEC across slots, WATCH, SELECT / SWAPDB / MOVE / COPY ... DB, the shard Pub/Sub commands, CLUSTER
KEYSLOT / COUNTKEYSINSLOT / GETKEYSINSLOT; then the clients users run: redis-py's RedisCluster and node-redis's
createCluster, plain and over TLS. Node ids differ between servers, so CLUSTER NODES / SLOTS / SHARDS are
compared by shape.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time

import pytest
import redis
from redis.cluster import RedisCluster

from conftest import TLSSetup, free_port, is_redis_binary, podium_executable
from resp_client import Reply
from support import serve_all_slots

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()),
                                reason="compares podium's cluster mode with a redis-server cluster")

NODE_PATH = "/usr/share/nodejs"


@pytest.fixture
def cluster_pair(server_factory, oracle_factory):
    """(podium, redis) both in cluster mode, every slot served, cluster_state:ok."""
    podium = server_factory(["--cluster-enabled", "yes"])
    # An explicit bus port: redis-server refuses a client port above 55535 without one.
    oracle = oracle_factory(["--cluster-enabled", "yes", "--cluster-config-file", "nodes-oracle.conf",
                             "--cluster-port", str(free_port())])
    with oracle.raw() as o:
        serve_all_slots(o)
    return podium, oracle


def same(p, o, *args):
    mine, theirs = p.call(*args), o.call(*args)
    assert mine == theirs, f"{args}: podium {mine} != redis {theirs}"
    return mine


def test_without_cluster_mode_cluster_commands_are_refused(podium, oracle):
    with podium.raw() as p, oracle.raw() as o:
        for args in [("CLUSTER", "INFO"), ("CLUSTER", "SLOTS"), ("CLUSTER", "KEYSLOT", "a"), ("READONLY",),
                     ("READWRITE",), ("ASKING",)]:
            assert same(p, o, *args) == Reply("-", "ERR This instance has cluster support disabled")
        assert same(p, o, "INFO", "cluster").value.split(b"\r\n")[1] == b"cluster_enabled:0"
        # Without cluster mode, keys in different slots are fine.
        assert same(p, o, "MSET", "a", "1", "b", "2") == Reply("+", "OK")
        p.call("DEL", "a", "b")
        o.call("DEL", "a", "b")


def test_multi_key_commands_across_slots_fail_as_in_a_cluster(cluster_pair):
    podium, oracle = cluster_pair
    with podium.raw() as p, oracle.raw() as o:
        # a / b / c hash to different slots; {u}a, {u}b, {u}c share one.
        for keys in (["a", "b", "c"], ["{u}a", "{u}b", "{u}c"], ["x{t}", "y{t}", "z{t}"], ["{}a", "{}b"]):
            a, b = keys[0], keys[1]
            script = [
                ("MSET", a, "1", b, "2"), ("MGET", a, b), ("MSETNX", a, "1", b, "2"), ("DEL", a, b),
                ("SET", a, "1"), ("EXISTS", a, b), ("UNLINK", a, b), ("TOUCH", a, b),
                ("SET", a, "v"), ("RENAME", a, b), ("RENAMENX", b, a), ("COPY", b, a),
                ("SADD", a, "m"), ("SADD", b, "n"), ("SINTER", a, b), ("SUNIONSTORE", a, a, b), ("SMOVE", a, b, "m"),
                ("SINTERCARD", "2", a, b), ("DEL", a, b),
                ("ZADD", a, "1", "m"), ("ZADD", b, "2", "n"), ("ZUNIONSTORE", a, "2", a, b), ("ZINTER", "2", a, b),
                ("ZRANGESTORE", b, a, "0", "-1"), ("ZMPOP", "2", a, b, "MIN"), ("DEL", a, b),
                ("RPUSH", a, "x"), ("LMOVE", a, b, "LEFT", "RIGHT"), ("RPOPLPUSH", b, a), ("LMPOP", "2", a, b, "LEFT"),
                ("BLPOP", a, b, "0.01"), ("BITOP", "AND", a, b), ("SORT", a, "STORE", b), ("DEL", a, b),
                ("GET", a),
                ("SPUBLISH", a, "msg"), ("WATCH", a, b), ("UNWATCH",),
            ]
            for args in script:
                same(p, o, *args)
            # MULTI/EXEC: each queued command is checked, then EXEC checks them together.
            for queued in ([("SET", a, "1"), ("SET", b, "2")], [("MSET", a, "1", b, "2")], [("GET", a)]):
                same(p, o, "MULTI")
                for args in queued:
                    same(p, o, *args)
                same(p, o, "EXEC")
            same(p, o, "DEL", a, b)
        # No keys: always fine.
        same(p, o, "PING")
        same(p, o, "DBSIZE")


def test_databases_and_select_in_cluster_mode(cluster_pair):
    podium, oracle = cluster_pair
    with podium.raw() as p, oracle.raw() as o:
        for args in [("SELECT", "1"), ("SELECT", "0"), ("SWAPDB", "0", "1"), ("SET", "k", "v"), ("MOVE", "k", "1"),
                     ("COPY", "k", "k2", "DB", "1"), ("COPY", "k", "{k}2", "DB", "0"), ("SELECT", "x"),
                     ("INFO", "cluster")]:
            same(p, o, *args)


def test_keyslot_and_slot_counts_match_redis(cluster_pair):
    podium, oracle = cluster_pair
    rng = random.Random(11)
    alphabet = "ab{}xyz:"
    with podium.raw() as p, oracle.raw() as o:
        keys = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(400)]
        keys += ["{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", ""]
        for key in keys:
            same(p, o, "CLUSTER", "KEYSLOT", key)
        for key in keys[:200]:
            p.call("SET", key, "1")
            o.call("SET", key, "1")
        slots = {p.call("CLUSTER", "KEYSLOT", key).value for key in keys[:200]}
        for slot in list(slots)[:40] + [0, 16383, 1234]:
            same(p, o, "CLUSTER", "COUNTKEYSINSLOT", str(slot))
            mine = p.call("CLUSTER", "GETKEYSINSLOT", str(slot), "1000")
            theirs = o.call("CLUSTER", "GETKEYSINSLOT", str(slot), "1000")
            assert sorted(r.value for r in mine.value) == sorted(r.value for r in theirs.value)
            assert len(p.call("CLUSTER", "GETKEYSINSLOT", str(slot), "1").value) == min(1, len(theirs.value))
        for args in [("CLUSTER", "COUNTKEYSINSLOT", "16384"), ("CLUSTER", "COUNTKEYSINSLOT", "-1"),
                     ("CLUSTER", "COUNTKEYSINSLOT", "x"), ("CLUSTER", "GETKEYSINSLOT", "1", "-1"),
                     ("CLUSTER", "GETKEYSINSLOT", "16384", "1"), ("CLUSTER", "NOSUCH"), ("CLUSTER", "KEYSLOT"),
                     ("CLUSTER", "INFO", "extra")]:
            same(p, o, *args)
        # Counts follow deletes, expiry and FLUSHALL.
        slot = p.call("CLUSTER", "KEYSLOT", keys[0]).value
        before = p.call("CLUSTER", "COUNTKEYSINSLOT", str(slot)).value
        p.call("DEL", keys[0])
        assert p.call("CLUSTER", "COUNTKEYSINSLOT", str(slot)).value == before - 1
        p.call("SET", "{e}1", "v", "PX", "1")
        time.sleep(0.05)
        p.call("GET", "{e}1")
        assert p.call("CLUSTER", "COUNTKEYSINSLOT", str(p.call("CLUSTER", "KEYSLOT", "e").value)).value == 0
        p.call("FLUSHALL")
        assert p.call("CLUSTER", "COUNTKEYSINSLOT", str(slot)).value == 0


def test_topology_replies_have_redis_shapes(cluster_pair):
    podium, oracle = cluster_pair
    with podium.raw() as p, oracle.raw() as o:
        my_id = p.call("CLUSTER", "MYID").value
        assert len(my_id) == 40 and all(c in b"0123456789abcdef" for c in my_id)
        assert len(p.call("CLUSTER", "MYSHARDID").value) == 40
        info = dict(line.split(":", 1) for line in p.call("CLUSTER", "INFO").value.decode().split("\r\n") if line)
        theirs = dict(line.split(":", 1) for line in o.call("CLUSTER", "INFO").value.decode().split("\r\n") if line)
        for field in ("cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_known_nodes",
                      "cluster_size"):
            assert info[field] == theirs[field], field
        slots = p.call("CLUSTER", "SLOTS").value
        assert len(slots) == 1
        start, end, node = slots[0].value
        assert (start.value, end.value) == (0, 16383)
        # The address the client connected to, and its port.
        assert node.value[0] == Reply("$", b"127.0.0.1")
        assert node.value[1] == Reply(":", podium.port)
        assert node.value[2] == Reply("$", my_id)
        their_node = o.call("CLUSTER", "SLOTS").value[0].value[2]
        assert [r.kind for r in node.value] == [r.kind for r in their_node.value]
        line = p.call("CLUSTER", "NODES").value.decode()
        fields = line.split()
        assert fields[0] == my_id.decode()
        assert fields[1] == f"127.0.0.1:{podium.port}@{podium.port + 10000}"
        assert fields[2:] == ["myself,master", "-", "0", "0", "0", "connected", "0-16383"]
        assert o.call("CLUSTER", "NODES").value.decode().split()[2:] == fields[2:]
        shards = p.call("CLUSTER", "SHARDS").value
        theirs = o.call("CLUSTER", "SHARDS").value
        assert len(shards) == len(theirs) == 1
        mine_fields = shards[0].value[3].value[0].value[::2]
        their_fields = theirs[0].value[3].value[0].value[::2]
        assert [f.value for f in mine_fields] == [f.value for f in their_fields]
        assert same(p, o, "READONLY") == Reply("+", "OK")
        assert same(p, o, "READWRITE") == Reply("+", "OK")
        assert same(p, o, "ASKING") == Reply("+", "OK")
        assert same(p, o, "CLUSTER", "LINKS") == Reply("*", [])
        assert p.call("INFO", "cluster").value.split(b"\r\n")[1] == b"cluster_enabled:1"


def test_node_id_survives_a_restart_and_announce_settings_apply(server_factory):
    server = server_factory(["--cluster-enabled", "yes"])
    with server.raw() as c:
        my_id = c.call("CLUSTER", "MYID").value
    assert (server.workdir / "nodes.conf").exists()
    server.stop()
    server.start()
    with server.raw() as c:
        assert c.call("CLUSTER", "MYID").value == my_id
        assert c.call("CONFIG", "SET", "cluster-announce-ip", "10.1.2.3") == Reply("+", "OK")
        assert c.call("CONFIG", "SET", "cluster-announce-port", "7000") == Reply("+", "OK")
        node = c.call("CLUSTER", "SLOTS").value[0].value[2].value
        assert node[:2] == [Reply("$", b"10.1.2.3"), Reply(":", 7000)]
        assert c.call("CONFIG", "SET", "cluster-announce-hostname", "cache.local") == Reply("+", "OK")
        assert c.call("CONFIG", "SET", "cluster-preferred-endpoint-type", "hostname") == Reply("+", "OK")
        node = c.call("CLUSTER", "SLOTS").value[0].value[2].value
        assert node[0] == Reply("$", b"cache.local")
        assert node[3] == Reply("*", [Reply("$", b"ip"), Reply("$", b"10.1.2.3")])
        assert b"10.1.2.3:7000@" in c.call("CLUSTER", "NODES").value
        assert b",cache.local " in c.call("CLUSTER", "NODES").value


@pytest.mark.parametrize("over_tls", [False, True], ids=["plain", "tls"])
def test_redis_py_cluster_client(server_factory, tls_certs, over_tls):
    if over_tls:
        server = server_factory(["--cluster-enabled", "yes"], tls=TLSSetup(tls_certs, plain=False))
        rc = RedisCluster(host="127.0.0.1", port=server.tls_port, ssl=True, ssl_ca_certs=str(tls_certs / "ca.crt"),
                          decode_responses=True)
    else:
        server = server_factory(["--cluster-enabled", "yes"])
        rc = RedisCluster(host="127.0.0.1", port=server.port, decode_responses=True)
    try:
        assert rc.set("session:{u1}", json.dumps({"user": 1}), ex=3600)
        rc.hset("user:{u1}", mapping={"name": "ana", "country": "uk"})
        rc.zadd("leaderboard:global", {"ana": 10, "bo": 20, "cy": 15})
        assert rc.zrevrange("leaderboard:global", 0, 1, withscores=True) == [("bo", 20.0), ("cy", 15.0)]
        assert rc.zrevrank("leaderboard:global", "ana") == 2
        assert rc.incr("stats:game") == 1
        # Keys in one slot (hash tags) work together; keys across slots fail as on a real cluster.
        assert rc.mset({"{g}a": "1", "{g}b": "2"})
        assert rc.execute_command("MGET", "{g}a", "{g}b") == ["1", "2"]
        # redis-py refuses cross-slot MSET itself; the server says the same to a raw connection of the cluster.
        with pytest.raises(redis.exceptions.RedisClusterException):
            rc.execute_command("MSET", "a", "1", "b", "2")
        with pytest.raises(redis.exceptions.ResponseError, match="don't hash to the same slot"):
            rc.get_default_node().redis_connection.execute_command("MSET", "a", "1", "b", "2")
        pipe = rc.pipeline()
        pipe.set("p1", "x")
        pipe.get("p1")
        pipe.zscore("leaderboard:global", "bo")
        assert pipe.execute() == [True, "x", 20.0]
        assert rc.get_node(host="127.0.0.1", port=server.tls_port if over_tls else server.port) is not None
        assert len(rc.get_nodes()) == 1
    finally:
        rc.close()


NODE_CLUSTER_SCRIPT = r"""
const fs = require('fs');
const { createCluster } = require('redis');
(async () => {
  const [port, ca] = process.argv.slice(1);
  const defaults = ca ? { socket: { tls: true, ca: fs.readFileSync(ca) } } : {};
  const cluster = createCluster({ rootNodes: [{ url: (ca ? 'rediss' : 'redis') + '://127.0.0.1:' + port }], defaults });
  cluster.on('error', (e) => { console.error('cluster error', e.message); process.exit(2); });
  await cluster.connect();
  const out = {};
  out.set = await cluster.set('session:{u1}', 'x', { EX: 3600 });
  out.get = await cluster.get('session:{u1}');
  await cluster.zAdd('leaderboard:global', [{ score: 10, value: 'ana' }, { score: 20, value: 'bo' }]);
  out.top = await cluster.zRangeWithScores('leaderboard:global', 0, -1, { REV: true });
  out.mget = await cluster.mGet(['{t}a', '{t}b']);
  try { await cluster.sendCommand('a', false, ['MSET', 'a', '1', 'b', '2']); out.cross = 'accepted'; }
  catch (e) { out.cross = e.message; }
  await cluster.quit();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e.message); process.exit(1); });
"""


def run_node_cluster(port: int, ca: str = "") -> dict:
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "node is not installed (scripts/test installs nodejs and node-redis with apt)"
    result = subprocess.run([node, "-e", NODE_CLUSTER_SCRIPT, str(port), ca], capture_output=True, text=True,
                            timeout=60, env=dict(os.environ, NODE_PATH=NODE_PATH))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def check_node_cluster(out: dict):
    assert out["set"] == "OK" and out["get"] == "x"
    assert out["top"] == [{"value": "bo", "score": 20}, {"value": "ana", "score": 10}]
    assert out["mget"] == [None, None]
    assert out["cross"].startswith("CROSSSLOT")


def test_node_redis_create_cluster(server_factory):
    server = server_factory(["--cluster-enabled", "yes"])
    check_node_cluster(run_node_cluster(server.port))


def test_node_redis_create_cluster_over_tls(server_factory, tls_certs):
    """ElastiCache Serverless is a TLS cluster endpoint: a TLS client is told the TLS port."""
    server = server_factory(["--cluster-enabled", "yes"], tls=TLSSetup(tls_certs))
    with server.tls_client() as c:
        node = c.execute_command("CLUSTER", "SLOTS")[0][2]
        assert node[1] == server.tls_port
    with server.raw() as c:
        assert c.call("CLUSTER", "SLOTS").value[0].value[2].value[1] == Reply(":", server.port)
    check_node_cluster(run_node_cluster(server.tls_port, str(tls_certs / "ca.crt")))
