"""The way from Podium to production (docs/scaling.md), against redis-server 7 started in cluster mode with every
slot assigned to its one node:

- Podium's AOF directory, written in cluster mode, loads into the redis-server cluster node;
- scripts/copy-keys copies a data set from Podium into the redis-server cluster through redis-py's RedisCluster
  (and skips what the target already has unless --replace).

Both compare the whole data set, TTLs included, through a cluster client of the target.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from redis.cluster import RedisCluster

from conftest import REPO_ROOT, ServerProcess, free_port, is_redis_binary, oracle_executable, podium_executable
from support import serve_all_slots

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()), reason="moves data from podium to redis")


def fill(c) -> None:
    """A leaderboard data set: a 2,000-member board, 300 profiles, counters, sessions with a TTL, a list and a set."""
    pipe = c.pipeline(transaction=False)
    for i in range(0, 2000, 500):
        pipe.zadd("leaderboard:global", {f"u{j}": (j * 7919) % 10007 for j in range(i, i + 500)})
    for i in range(300):
        pipe.hset(f"user:{i}", mapping={"name": f"player {i}", "country": ["PT", "SE", "US"][i % 3], "level": i})
        pipe.set(f"session:{i}", f'{{"user": {i}}}', ex=3600)
    pipe.hset("stats:game", mapping={"users": 300, "scores": 2000})
    pipe.incrby("stats:visits", 12345)
    pipe.rpush("recent:games", *[f"g{i}" for i in range(50)])
    pipe.sadd("achievements:u1", "first-win", "ten-wins", "streak")
    pipe.execute()


def snapshot(rc) -> dict:
    """Every key of a cluster (via RedisCluster), with its value and whether it has a TTL near one hour."""
    out = {}
    for key in rc.scan_iter(count=1000):
        kind = rc.type(key)
        value = {
            b"string": lambda: rc.get(key), b"hash": lambda: rc.hgetall(key),
            b"list": lambda: rc.lrange(key, 0, -1), b"set": lambda: sorted(rc.smembers(key)),
            b"zset": lambda: rc.zrange(key, 0, -1, withscores=True),
        }[kind]()
        ttl = rc.ttl(key)
        out[key] = (kind, value, ttl > 3500 if ttl >= 0 else ttl)
    return out


def start_redis_cluster(peer: ServerProcess) -> None:
    peer.extra_args = [*peer.extra_args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes-peer.conf",
                       "--cluster-port", str(free_port())]
    peer.start()
    with peer.raw() as o:
        serve_all_slots(o)


def test_podium_aof_loads_into_a_redis_cluster_node(server_factory):
    # rdb-version 10: the AOF base is an RDB file, and redis-server 7.0 reads RDB 10 at most.
    podium = server_factory(["--cluster-enabled", "yes", "--appendonly", "yes", "--rdb-version", "10"])
    rc = RedisCluster(host="127.0.0.1", port=podium.port)
    fill(rc)
    expected = snapshot(rc)
    rc.close()
    assert len(expected) == 1 + 600 + 4
    podium.stop()
    peer = ServerProcess("redis-cluster-from-aof", oracle_executable())
    try:
        shutil.copytree(podium.workdir / "appendonlydir", peer.workdir / "appendonlydir")
        peer.extra_args = ["--appendonly", "yes"]  # after conftest's --appendonly no for redis-server
        start_redis_cluster(peer)
        target = RedisCluster(host="127.0.0.1", port=peer.port)
        try:
            assert snapshot(target) == expected
            assert target.zrevrange("leaderboard:global", 0, 2, withscores=True) == \
                expected[b"leaderboard:global"][1][::-1][:3]
        finally:
            target.close()
    finally:
        peer.cleanup()


def test_copy_keys_moves_a_data_set_into_a_redis_cluster(server_factory):
    podium = server_factory(["--cluster-enabled", "yes"])
    source = RedisCluster(host="127.0.0.1", port=podium.port)
    fill(source)
    expected = snapshot(source)
    source.close()
    peer = ServerProcess("redis-cluster-copy-target", oracle_executable())
    try:
        start_redis_cluster(peer)
        command = [sys.executable, str(REPO_ROOT / "scripts" / "copy-keys"), f"redis://127.0.0.1:{podium.port}",
                   f"redis://127.0.0.1:{peer.port}", "--target-cluster"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == \
            f"copied {len(expected)} keys (301 hash, 1 list, 1 set, 301 string, 1 zset)"
        target = RedisCluster(host="127.0.0.1", port=peer.port)
        try:
            assert snapshot(target) == expected
            # Again: everything is there already, so nothing is copied unless --replace.
            again = subprocess.run(command, capture_output=True, text=True, timeout=120)
            assert again.stdout.splitlines() == ["copied 0 keys", f"skipped {len(expected)}: already in the target"]
            target.set("stats:visits", "0")
            replaced = subprocess.run([*command, "--replace", "--match", "stats:*"], capture_output=True, text=True,
                                      timeout=120)
            assert replaced.stdout.splitlines() == ["copied 2 keys (1 hash, 1 string)"]
            assert target.get("stats:visits") == b"12345"
        finally:
            target.close()
    finally:
        peer.cleanup()
