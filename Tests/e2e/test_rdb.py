"""RDB files written by redis-server 7 (`SAVE`) load into Podium at start-up when there is no AOF: every type in its
small and large encoding, TTLs, other databases, function libraries; with `appendonly yes` the loaded data becomes
the first AOF base and survives the next restart without the file. Damaged files (truncated, a flipped byte, a
wrong checksum, a wrong signature, a newer version, a stream) stop the start with a message naming the problem.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from conftest import ServerProcess, free_port, is_redis_binary, oracle_executable, podium_executable
from test_dump_restore import KEYS, content, fill

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()), reason="loads redis-server's RDB files")

LIBRARY = "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"


@pytest.fixture(scope="module")
def redis_rdb(tmp_path_factory):
    """A dump.rdb written by redis-server 7 (SAVE), and that server's data set for comparison (as a dict)."""
    peer = ServerProcess("redis-rdb-source", oracle_executable())
    try:
        peer.start()
        c = peer.client()
        fill(c)
        c.set("ttl:key", "v", ex=3600)
        c.set("expired", "v", px=1)
        peer.client(db=3).set("in-db3", "x")
        c.execute_command("FUNCTION", "LOAD", LIBRARY)
        expected = {k: content(c, k) for k in KEYS}
        c.save()
        path = tmp_path_factory.mktemp("rdb") / "dump.rdb"
        shutil.copy(peer.workdir / "dump.rdb", path)
        return path, expected
    finally:
        peer.cleanup()


def check(c: redis.Redis, server, expected: dict):
    for key in KEYS:
        assert content(c, key) == expected[key], key
    assert 3500 < c.ttl("ttl:key") <= 3600
    assert c.exists("expired") == 0
    assert server.client(db=3).get("in-db3") == b"x"
    assert c.fcall("f1", 0) == 1
    assert c.dbsize() == len(KEYS) + 1


def test_redis_rdb_loads_with_appendonly_no(server_factory, redis_rdb):
    path, expected = redis_rdb
    server = server_factory(["--appendonly", "no"])
    server.stop()
    shutil.copy(path, server.workdir / "dump.rdb")
    server.start()
    check(server.client(), server, expected)
    assert "DB loaded from disk" in server.log_tail(50)


def test_with_appendonly_yes_and_no_aof_the_rdb_becomes_the_first_base(server_factory, redis_rdb):
    path, expected = redis_rdb
    server = server_factory(["--appendonly", "yes"])
    server.stop()
    shutil.rmtree(server.workdir / "appendonlydir")
    shutil.copy(path, server.workdir / "dump.rdb")
    server.start()
    check(server.client(), server, expected)
    # The file is no longer needed: the AOF holds the data now. An AOF, once there, is what loads.
    server.stop()
    (server.workdir / "dump.rdb").unlink()
    server.start()
    check(server.client(), server, expected)


def damaged(source: bytes) -> dict[str, tuple[bytes, str | tuple[str, ...]]]:
    stream_key = b"\x15" + b"\x01s"  # a stream (RDB_TYPE_STREAM_LISTPACKS_3) named "s", then nothing
    return {
        "truncated": (source[: len(source) // 2], "unexpected end of data"),
        # Where the flipped byte lands depends on redis-server's key order: in a value it is caught by the value's
        # own checks or, failing those, by the checksum.
        "flipped": (source[:300] + bytes([source[300] ^ 0xFF]) + source[301:], ("reading key", "wrong RDB checksum")),
        "checksum": (source[:-1] + bytes([source[-1] ^ 1]), "wrong RDB checksum"),
        "signature": (b"XEDIS" + source[5:], "wrong signature"),
        "version": (b"REDIS0012" + source[9:], "can't handle RDB format version 12"),
        "stream": (b"REDIS0011" + stream_key, "key 's' holds a stream, which Podium cannot load"),
    }


@pytest.mark.parametrize("case", ["truncated", "flipped", "checksum", "signature", "version", "stream"])
def test_damaged_files_stop_the_start_with_a_message(tmp_path, redis_rdb, case):
    path, _ = redis_rdb
    data, messages = damaged(path.read_bytes())[case]
    messages = messages if isinstance(messages, tuple) else (messages,)
    (tmp_path / "dump.rdb").write_bytes(data)
    result = subprocess.run([podium_executable(), "--port", str(free_port()), "--bind", "127.0.0.1", "--dir",
                             str(tmp_path), "--appendonly", "no"], capture_output=True, text=True, timeout=30,
                            stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Fatal error loading the RDB file dump.rdb" in output, output[-2000:]
    assert any(m in output for m in messages), output[-2000:]


def test_a_valkey9_file_with_field_ttls_loads(server_factory):
    """A `VALKEY080` file (built here as Valkey 9 writes one: type 22, each field's value then its expiry in ms,
    -1 for none) loads with the field TTLs; a field whose time passed is loaded, then removed by the expiry."""
    import struct
    import time as clock
    from test_dump_restore import crc64

    now = int(clock.time() * 1000)

    def string(s: bytes) -> bytes:
        return bytes([len(s)]) + s

    body = b"VALKEY080" + b"\xfa" + string(b"valkey-ver") + string(b"9.0.0") + b"\xfe\x00" + b"\x16" + string(b"h")
    body += b"\x03"
    for field, value, at in ((b"a", b"1", now + 3_600_000), (b"b", b"2", -1), (b"c", b"3", now - 1000)):
        body += string(field) + string(value) + struct.pack("<q", at)
    body += b"\xff"
    body += struct.pack("<Q", crc64(body))
    server = server_factory(["--appendonly", "no"])
    server.stop()
    (server.workdir / "dump.rdb").write_bytes(body)
    server.start()
    c = server.client()
    assert c.hgetall("h") == {b"a": b"1", b"b": b"2"}
    ttls = c.execute_command("HTTL", "h", "FIELDS", 2, "a", "b")
    assert 3590 < ttls[0] <= 3600 and ttls[1] == -1
    assert "loading RDB produced by version 9.0.0" in server.log_tail(50)
