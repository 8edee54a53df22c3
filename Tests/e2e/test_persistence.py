"""Persistence (the append-only file): restarts keep the data, the log holds what Valkey would write, rewrites,
damaged files, podium-check-aof, MISCONF on write errors, loading, and both directions of the move to and from
redis-server 7 (which loads Podium's AOF directory, and whose AOF directory Podium loads).

Every server here runs in a temporary directory of its own (conftest), so `appendonlydir` lands there.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from resp_client import Reply
import redis
import redis.backoff
import redis.retry

from conftest import ServerProcess, ServerStartError, free_port, is_redis_binary, oracle_executable, podium_executable
from dataset import assert_same_dataset, dump, fill

pytestmark = pytest.mark.skipif(
    is_redis_binary(os.environ.get("PODIUM_SERVER", "")),
    reason="tests of podium's own AOF handling (the interop tests below use redis-server as the peer)")

AOF_DIR = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"


def client(server: ServerProcess) -> redis.Redis:
    return server.client(single_connection_client=True)


def start_error(server: ServerProcess) -> str:
    """Starts the server, which must refuse to start; returns its error (with the log's tail)."""
    with pytest.raises(ServerStartError) as info:
        server.start()
    return str(info.value)


def restart(server: ServerProcess) -> None:
    server.stop()
    server.start()


def kill9(server: ServerProcess) -> None:
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=10)
    server.stop()


def aof_dir(server: ServerProcess) -> Path:
    return server.workdir / AOF_DIR


def manifest_lines(server: ServerProcess) -> list[str]:
    return (aof_dir(server) / MANIFEST).read_text().splitlines()


def incr_file(server: ServerProcess) -> Path:
    name = [line.split()[1] for line in manifest_lines(server) if line.endswith("type i")][-1]
    return aof_dir(server) / name


def commands_in(path: Path) -> list[list[bytes]]:
    """Parses an AOF file (strictly) into argument lists; annotations are skipped."""
    data = path.read_bytes()
    out, i = [], 0
    while i < len(data):
        if data[i:i + 1] == b"#":
            i = data.index(b"\n", i) + 1
            continue
        assert data[i:i + 1] == b"*", f"offset {i}"
        end = data.index(b"\r\n", i)
        argc, i = int(data[i + 1:end]), end + 2
        args = []
        for _ in range(argc):
            end = data.index(b"\r\n", i)
            n, i = int(data[i + 1:end]), end + 2
            args.append(data[i:i + n])
            i += n + 2
        out.append(args)
    return out


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def info_persistence(c: redis.Redis) -> dict:
    return c.info("persistence")


def wait_rewrite_done(c: redis.Redis) -> None:
    wait_for(lambda: info_persistence(c)["aof_rewrite_in_progress"] == 0)


def check_aof_tool() -> str:
    return str(Path(podium_executable()).parent / "podium-check-aof")


# --------------------------------------------------------------------------------------------------
# Restarts keep everything
# --------------------------------------------------------------------------------------------------


def test_appendonly_is_on_by_default_and_a_restart_keeps_every_type(fresh_podium):
    c = client(fresh_podium)
    assert c.config_get("appendonly") == {"appendonly": "yes"}
    fill(c)
    before = dump(c)
    restart(fresh_podium)
    assert_same_dataset(before, dump(client(fresh_podium)))
    log = fresh_podium.log_since_spawn()
    assert "DB loaded from append only file" in log


def test_sigkill_loses_nothing_that_was_written(fresh_podium):
    c = client(fresh_podium)
    fill(c, seed=2)
    before = dump(c)
    time.sleep(0.2)  # everysec: the writer thread hands bytes to the OS at once; only an fsync waits
    kill9(fresh_podium)
    fresh_podium.start()
    assert_same_dataset(before, dump(client(fresh_podium)))


def test_appendonly_no_writes_and_reads_nothing(server_factory):
    server = server_factory(["--appendonly", "no"])
    c = client(server)
    c.set("k", "v")
    assert not aof_dir(server).exists()
    restart(server)
    assert client(server).dbsize() == 0


def test_appendfsync_changes_at_runtime(server_factory):
    """CONFIG SET appendfsync always takes effect at once (the reply to it already waits for the disk), and back."""
    server = server_factory(["--appendfsync", "everysec"])
    c = client(server)
    c.set("a", "1")
    assert c.config_set("appendfsync", "always")
    assert c.set("b", "2")
    assert c.config_get("appendfsync") == {"appendfsync": "always"}
    assert c.config_set("appendfsync", "no")
    assert c.set("c", "3")
    restart(server)
    assert client(server).mget("a", "b", "c") == [b"1", b"2", b"3"]


def test_shutdown_nosave_still_flushes_the_aof(server_factory):
    server = server_factory(["--appendfsync", "no"])
    c = client(server)
    c.set("kept", "1")
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE")
    assert server.wait_exit(10) == 0
    server.start()
    assert client(server).get("kept") == b"1"


# --------------------------------------------------------------------------------------------------
# What the log holds: Valkey's propagation rules
# --------------------------------------------------------------------------------------------------


def test_log_records_writes_deterministically(fresh_podium):
    c = client(fresh_podium)
    c.set("a", "1")
    c.get("a")                      # a read: not written
    c.delete("missing")             # changed nothing: not written
    c.set("a", "2", nx=True)        # NX on an existing key: nothing
    c.expire("missing", 10)         # nothing
    c.set("b", "v", ex=100)         # relative TTL → SET b v PXAT <ms>
    c.expire("a", 50)               # → PEXPIREAT a <ms>
    c.incrbyfloat("f", 0.1)         # → SET f 0.1 KEEPTTL
    c.hincrbyfloat("h", "x", 1.5)   # → HSET h x 1.5
    c.getset("a", "3")              # → SET a 3
    c.set("a", "4", get=True)       # → SET a 4 (without GET)
    c.getdel("f")                   # → DEL f
    c.getex("b", px=1000)           # → PEXPIREAT b <ms>
    c.expire("h", -1)               # a time already past → DEL h
    with c.pipeline(transaction=True) as tx:  # one MULTI … EXEC block
        tx.incr("n")
        tx.incr("n")
        tx.execute()
    c.execute_command("SELECT", 2)
    c.set("in2", "x")
    c.execute_command("SELECT", 0)
    c.flushdb()
    time.sleep(0.3)
    names = [[a.upper() if i == 0 else a for i, a in enumerate(cmd)] for cmd in commands_in(incr_file(fresh_podium))]
    assert [cmd[0] for cmd in names] == [
        b"SELECT", b"SET", b"SET", b"PEXPIREAT", b"SET", b"HSET", b"SET", b"SET", b"DEL", b"PEXPIREAT", b"DEL",
        b"MULTI", b"INCRBY", b"INCRBY", b"EXEC", b"SELECT", b"SET", b"SELECT", b"FLUSHDB"]
    now_ms = int(time.time() * 1000)
    set_b = names[2]
    assert set_b[:3] == [b"SET", b"b", b"v"] and set_b[3].upper() == b"PXAT"
    assert abs(int(set_b[4]) - (now_ms + 100_000)) < 5000
    assert names[3][:2] == [b"PEXPIREAT", b"a"] and abs(int(names[3][2]) - (now_ms + 50_000)) < 5000
    assert names[4] == [b"SET", b"f", b"0.1", b"KEEPTTL"]
    assert names[5] == [b"HSET", b"h", b"x", b"1.5"]
    assert names[6] == [b"SET", b"a", b"3"] and names[7] == [b"SET", b"a", b"4"]
    assert names[8] == [b"DEL", b"f"] and names[10] == [b"DEL", b"h"]


def test_expired_keys_are_logged_as_del(server_factory):
    server = server_factory()
    c = client(server)
    c.set("lazy", "v", px=50)
    c.set("active", "v", px=50)
    time.sleep(0.2)
    assert c.get("lazy") is None  # lazily expired by the read: a DEL of its own
    wait_for(lambda: c.dbsize() == 0)  # the active cycle removes the other
    time.sleep(0.3)
    dels = [cmd for cmd in commands_in(incr_file(server)) if cmd[0].upper() == b"DEL"]
    assert sorted(cmd[1] for cmd in dels) == [b"active", b"lazy"]
    restart(server)
    assert client(server).dbsize() == 0


def test_evicted_keys_are_logged_as_del(server_factory):
    """maxmemory eviction removes keys outside any command: each is a DEL of its own in the log, so a restart
    has exactly the keys that survived."""
    server = server_factory(["--maxmemory-policy", "allkeys-random"])
    c = client(server)
    used = int(c.info("memory")["used_memory"])
    c.config_set("maxmemory", used + 2_000_000)
    pipe = c.pipeline(transaction=False)
    for i in range(5000):
        pipe.set(f"k:{i}", "v" * 1000)
    pipe.execute()
    evicted = c.info("stats")["evicted_keys"]
    assert evicted > 1000
    survivors = sorted(c.keys("k:*"))
    time.sleep(0.3)
    dels = [cmd for cmd in commands_in(incr_file(server)) if cmd[0].upper() == b"DEL"]
    assert len(dels) == evicted
    c.config_set("maxmemory", 0)
    restart(server)
    assert sorted(client(server).keys("k:*")) == survivors


def test_timestamp_annotations(server_factory):
    server = server_factory(["--aof-timestamp-enabled", "yes"])
    c = client(server)
    c.set("k", "v")
    time.sleep(0.3)
    text = incr_file(server).read_bytes()
    assert text.startswith(b"#TS:")
    restart(server)
    assert client(server).get("k") == b"v"


# --------------------------------------------------------------------------------------------------
# Rewrites
# --------------------------------------------------------------------------------------------------


def test_bgrewriteaof_compacts_and_keeps_the_data(server_factory):
    # The base file in the AOF format, to read its commands (test_rdb_save covers the RDB base, the default).
    fresh_podium = server_factory(["--aof-use-rdb-preamble", "no"])
    c = client(fresh_podium)
    fill(c, seed=3)
    for i in range(300):
        c.incr("hot")
    before_manifest = manifest_lines(fresh_podium)
    assert c.bgrewriteaof()
    wait_rewrite_done(c)
    info = info_persistence(c)
    assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == 1
    after_manifest = manifest_lines(fresh_podium)
    assert after_manifest != before_manifest
    assert after_manifest[0].startswith("file appendonly.aof.2.base.aof seq 2 type b")
    assert len(after_manifest) == 2 and after_manifest[1].endswith("type i")
    assert sorted(p.name for p in aof_dir(fresh_podium).iterdir()) == sorted(
        [MANIFEST] + [line.split()[1] for line in after_manifest])
    base = commands_in(aof_dir(fresh_podium) / after_manifest[0].split()[1])
    assert strings_in(base)[b"hot"] == b"300"  # 300 INCRs became one SET (or a place in an MSET)
    assert not any(cmd[0] == b"INCR" for cmd in base)
    c.set("after", "rewrite")
    before = dump(c)
    restart(fresh_podium)
    assert_same_dataset(before, dump(client(fresh_podium)))


def strings_in(commands: list[list[bytes]]) -> dict[bytes, bytes]:
    """The string keys a log's SET and MSET commands create."""
    out = {}
    for cmd in commands:
        if cmd[0] == b"SET":
            out[cmd[1]] = cmd[2]
        elif cmd[0] == b"MSET":
            out.update(zip(cmd[1::2], cmd[2::2]))
    return out


def test_rewrite_gathers_plain_strings_into_mset(server_factory):
    """With aof-use-rdb-preamble no: strings without a TTL (up to 16 KB) go 64 to an MSET; a TTL'd key gets SET +
    PEXPIREAT, a big value its own SET; the data set reloads the same."""
    fresh_podium = server_factory(["--aof-use-rdb-preamble", "no"])
    c = client(fresh_podium)
    c.mset({f"s:{i}": f"v{i}" for i in range(200)})
    c.set("n", 12345)
    c.set("ttl", "x", ex=1000)
    c.set("big", "b" * 20000)
    c.hset("h", "f", "v")
    fresh_podium.client(db=3).set("in3", "y")
    assert c.bgrewriteaof()
    wait_rewrite_done(c)
    base = commands_in(aof_dir(fresh_podium) / manifest_lines(fresh_podium)[0].split()[1])
    msets = [cmd for cmd in base if cmd[0] == b"MSET"]
    assert sorted(len(cmd) for cmd in msets) == [1 + 2 * 9, 1 + 2 * 64, 1 + 2 * 64, 1 + 2 * 64]  # 201 keys
    strings = strings_in(base)
    assert strings[b"n"] == b"12345" and strings[b"s:199"] == b"v199"
    assert [b"SET", b"big", b"b" * 20000] in base and [b"SET", b"in3", b"y"] in base
    assert [b"SET", b"ttl", b"x"] in base and any(cmd[:2] == [b"PEXPIREAT", b"ttl"] for cmd in base)
    before = dump(c)
    restart(fresh_podium)
    assert_same_dataset(before, dump(client(fresh_podium)))
    assert fresh_podium.client(db=3).get("in3") == b"y"


def test_bgrewriteaof_inside_multi_is_scheduled(fresh_podium):
    c = client(fresh_podium)
    c.set("k", "v")
    with c.pipeline(transaction=True) as tx:
        tx.set("k2", "v2")
        tx.bgrewriteaof()
        replies = tx.execute()
    assert replies[1] in (b"Background append only file rewriting scheduled",
                          "Background append only file rewriting scheduled", True)
    wait_for(lambda: info_persistence(c)["aof_rewrites"] == 1)
    wait_rewrite_done(c)
    restart(fresh_podium)
    assert client(fresh_podium).mget("k", "k2") == [b"v", b"v2"]


def test_second_bgrewriteaof_while_one_runs_is_refused(server_factory):
    # rdb-key-save-delay (a hidden test knob, as in Redis) makes the rewrite take about 2 s.
    server = server_factory(["--rdb-key-save-delay", "1000"])
    c = client(server)
    pipe = c.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"key:{i}", "x" * 20)
    pipe.execute()
    c.bgrewriteaof()
    assert info_persistence(c)["aof_rewrite_in_progress"] == 1
    with pytest.raises(redis.ResponseError, match="^Background append only file rewriting already in progress$"):
        c.bgrewriteaof()
    wait_rewrite_done(c)
    assert info_persistence(c)["aof_last_bgrewrite_status"] == "ok"
    restart(server)
    assert client(server).dbsize() == 2000


def test_writes_during_a_rewrite_survive(server_factory):
    """The rewrite serializes a point-in-time view while clients keep writing: the new base holds the state at
    the start, the new incremental file everything after; together they load to the final state."""
    server = server_factory(["--rdb-key-save-delay", "1000"])
    c = client(server)
    pipe = c.pipeline(transaction=False)
    for i in range(3000):
        pipe.set(f"k:{i}", i)
    pipe.zadd("board", {f"p{i}": i for i in range(300)})
    pipe.hset("profile", mapping={f"f{i}": i for i in range(100)})
    pipe.execute()
    c.bgrewriteaof()
    assert info_persistence(c)["aof_rewrite_in_progress"] == 1
    # While the view is serialized: overwrite, delete, add, and move scores in the sorted set.
    for i in range(0, 3000, 7):
        c.set(f"k:{i}", "changed")
        c.delete(f"k:{i + 1}")
        c.zincrby("board", 1000, f"p{i % 300}")
        c.hincrby("profile", f"f{i % 100}", 1)
    c.set("new", "after")
    assert info_persistence(c)["aof_rewrite_in_progress"] == 1, "the rewrite ended before the writes did"
    wait_rewrite_done(c)
    before = dump(c, databases=1)
    restart(server)
    assert_same_dataset(before, dump(client(server), databases=1))


def test_automatic_rewrite_on_growth(server_factory):
    server = server_factory(["--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "64kb"])
    c = client(server)
    for round_ in range(6):
        pipe = c.pipeline(transaction=False)
        for i in range(2000):
            pipe.set(f"k{i}", f"{round_}" * 20)
        pipe.execute()
    wait_for(lambda: info_persistence(c)["aof_rewrites"] >= 1)
    wait_rewrite_done(c)
    assert "Starting automatic rewriting of AOF" in server.log_since_spawn()
    before = dump(c, databases=1)
    restart(server)
    assert_same_dataset(before, dump(client(server), databases=1))


def test_config_set_appendonly_at_runtime(server_factory):
    server = server_factory(["--appendonly", "no"])
    c = client(server)
    fill(c, seed=4, large=False)
    assert c.config_set("appendonly", "yes")
    wait_for(lambda: info_persistence(c)["aof_enabled"] == 1)
    wait_rewrite_done(c)
    c.set("later", "1")
    before = dump(c)
    server.extra_args = [a for a in server.extra_args if a not in ("--appendonly", "no")]
    restart(server)
    assert_same_dataset(before, dump(client(server)))
    # And off again: nothing more is written.
    c = client(server)
    c.config_set("appendonly", "no")
    c.set("not-persisted", "1")
    restart(server)
    assert client(server).get("not-persisted") is None


def test_appendfsync_always_answers_after_appendonly_is_turned_off_and_on_again(server_factory):
    """Regression: the AOF's offsets counted on across writers, so after CONFIG SET appendonly no and then yes,
    every reply under appendfsync always waited for bytes the new writer would never reach, and hung."""
    server = server_factory(["--appendonly", "no"])
    c = client(server)
    c.config_set("appendfsync", "everysec")
    for _ in range(2):
        assert c.config_set("appendonly", "yes")
        wait_for(lambda: info_persistence(c)["aof_enabled"] == 1)
        wait_rewrite_done(c)
        for i in range(2000):
            c.set(f"k{i}", "v" * 100)
        c.config_set("appendonly", "no")
    assert c.config_set("appendonly", "yes")
    wait_rewrite_done(c)
    c.config_set("appendfsync", "always")
    with server.raw() as conn:
        conn.settimeout(10)
        assert conn.call("SET", "after", "1") == Reply("+", "OK")
        assert conn.call("PING") == Reply("+", "PONG")


# --------------------------------------------------------------------------------------------------
# Damaged files
# --------------------------------------------------------------------------------------------------


def make_dir_with_log(server: ServerProcess, log: bytes, base: bytes = b"") -> Path:
    """Replaces the server's AOF directory by base + one incremental file (server stopped)."""
    d = aof_dir(server)
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir()
    (d / "appendonly.aof.1.base.aof").write_bytes(base)
    (d / "appendonly.aof.1.incr.aof").write_bytes(log)
    (d / MANIFEST).write_text("file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
    return d


def resp(*args: bytes | str) -> bytes:
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


SMALL_LOG = [
    resp("SELECT", "0"), resp("SET", "a", "1"), resp("SET", "b", "22"),
    resp("MULTI"), resp("INCR", "a"), resp("SET", "c", "x"), resp("EXEC"),
    resp("HSET", "h", "f", "v"), resp("ZADD", "z", "1.5", "m"),
]


def expected_after_prefix(cut: int) -> dict[bytes, object]:
    """What a log cut after `cut` bytes must load to: every whole command, a MULTI block only when whole."""
    state: dict[bytes, object] = {}
    offset = 0
    pending: list[list[bytes]] | None = None
    for chunk in SMALL_LOG:
        offset += len(chunk)
        if offset > cut:
            break
        args = commands_from_bytes(chunk)[0]
        name = args[0].upper()
        if name == b"MULTI":
            pending = []
            continue
        if name == b"EXEC":
            for queued in pending or []:
                apply(state, queued)
            pending = None
            continue
        if pending is not None:
            pending.append(args)
        else:
            apply(state, args)
    return state


def commands_from_bytes(data: bytes) -> list[list[bytes]]:
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"podium-aof-parse-{os.getpid()}"
    tmp.write_bytes(data)
    try:
        return commands_in(tmp)
    finally:
        tmp.unlink()


def apply(state: dict, args: list[bytes]) -> None:
    name = args[0].upper()
    if name == b"SET":
        state[args[1]] = args[2]
    elif name == b"INCR":
        state[args[1]] = str(int(state.get(args[1], b"0")) + 1).encode()
    elif name == b"HSET":
        state[args[1]] = {args[2]: args[3]}
    elif name == b"ZADD":
        state[args[1]] = [(args[3], float(args[2]))]


def read_state(c: redis.Redis) -> dict[bytes, object]:
    out: dict[bytes, object] = {}
    for key in c.keys("*"):
        kind = c.type(key)
        if kind == b"string":
            out[key] = c.get(key)
        elif kind == b"hash":
            out[key] = c.hgetall(key)
        elif kind == b"zset":
            out[key] = c.zrange(key, 0, -1, withscores=True)
    return out


def test_a_log_cut_at_every_byte_offset_loads_its_whole_commands(server_factory):
    """A crash can cut the last file anywhere: with aof-load-truncated yes (the default) each prefix loads to
    exactly its whole commands (a MULTI block all or nothing), and the file is truncated to them."""
    log = b"".join(SMALL_LOG)
    server = server_factory()
    for cut in range(len(log) + 1):
        server.stop()
        make_dir_with_log(server, log[:cut])
        server.start()
        c = client(server)
        assert read_state(c) == expected_after_prefix(cut), f"cut at {cut}"
        if cut % 8 and cut != len(log):
            continue
        # The file now ends with a whole command: more writes append cleanly (checked at every 8th cut).
        c.set("after", str(cut))
        server.stop()
        server.start()
        state = read_state(client(server))
        assert state.pop(b"after") == str(cut).encode(), f"cut at {cut}"
        assert state == expected_after_prefix(cut), f"cut at {cut}"


def test_truncated_file_with_aof_load_truncated_no_refuses_to_start(server_factory):
    server = server_factory(["--aof-load-truncated", "no"])
    server.stop()
    log = b"".join(SMALL_LOG)
    make_dir_with_log(server, log[:-3])
    text = start_error(server)
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in text
    assert "podium-check-aof --fix" in text


@pytest.mark.parametrize("position,replacement", [
    (0, b"x"),            # '*' of the first command
    (1, b"Z"),            # its argument count
    (25, b"#"),           # inside the SET's bulk header
])
def test_corruption_refuses_to_start_and_names_file_and_offset(server_factory, position, replacement):
    server = server_factory()
    server.stop()
    log = bytearray(b"".join(SMALL_LOG))
    log[position:position + 1] = replacement
    make_dir_with_log(server, bytes(log))
    text = start_error(server)
    assert "Bad file format reading the append only file appendonly.aof.1.incr.aof" in text
    assert "at offset" in text and "podium-check-aof --fix" in text


def test_truncated_base_file_is_fatal(server_factory):
    """Only the last file may be cut short (a crash writes only there)."""
    server = server_factory()
    server.stop()
    make_dir_with_log(server, resp("SET", "x", "1"), base=b"".join(SMALL_LOG)[:-2])
    text = start_error(server)
    assert "the truncated file is not the last file" in text


def test_manifest_naming_a_missing_file_refuses_to_start(server_factory):
    server = server_factory()
    server.stop()
    d = make_dir_with_log(server, resp("SET", "x", "1"))
    (d / "appendonly.aof.1.base.aof").unlink()
    text = start_error(server)
    assert "names appendonly.aof.1.base.aof, which cannot be read" in text


def test_bad_manifest_refuses_to_start(server_factory):
    server = server_factory()
    server.stop()
    d = make_dir_with_log(server, resp("SET", "x", "1"))
    (d / MANIFEST).write_text("file appendonly.aof.1.incr.aof seq 1\n")
    text = start_error(server)
    assert "Invalid AOF manifest file format" in text


def test_unknown_command_in_the_log_refuses_to_start(server_factory):
    server = server_factory()
    server.stop()
    make_dir_with_log(server, resp("SET", "x", "1") + resp("NOSUCHCOMMAND", "y"))
    text = start_error(server)
    assert "Unknown command 'NOSUCHCOMMAND' reading the append only file" in text


def test_a_damaged_rdb_preamble_stops_the_start_with_a_message(server_factory):
    server = server_factory()
    server.stop()
    make_dir_with_log(server, resp("SET", "x", "1"), base=b"REDIS0010\xfa\x09redis-ver")
    text = start_error(server)
    assert "Fatal error loading the RDB file appendonly.aof.1.base.aof: unexpected end of data" in text


def test_old_style_appendonly_aof_is_migrated(server_factory):
    server = server_factory()
    server.stop()
    shutil.rmtree(aof_dir(server))
    (server.workdir / "appendonly.aof").write_bytes(resp("SET", "old", "style"))
    server.start()
    c = client(server)
    assert c.get("old") == b"style"
    assert not (server.workdir / "appendonly.aof").exists()
    assert manifest_lines(server)[0] == "file appendonly.aof seq 1 type b"
    assert "Successfully migrated an old-style AOF file" in server.log_since_spawn()
    c.set("new", "1")
    restart(server)
    assert client(server).mget("old", "new") == [b"style", b"1"]


# --------------------------------------------------------------------------------------------------
# podium-check-aof
# --------------------------------------------------------------------------------------------------


def test_check_aof_reports_and_fixes(tmp_path):
    good = tmp_path / "good.aof"
    good.write_bytes(b"".join(SMALL_LOG))
    run = subprocess.run([check_aof_tool(), str(good)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and f"AOF {good} is valid" in run.stdout
    bad = tmp_path / "bad.aof"
    data = b"".join(SMALL_LOG)
    bad.write_bytes(data[:-4])
    run = subprocess.run([check_aof_tool(), str(bad)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and "is not valid" in run.stdout and "--fix" in run.stdout
    run = subprocess.run([check_aof_tool(), "--fix", str(bad)], input="n\n", capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 1 and "Continue? [y/N]" in run.stdout and bad.stat().st_size == len(data) - 4
    run = subprocess.run([check_aof_tool(), "--fix", "--yes", str(bad)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "Successfully truncated AOF" in run.stdout
    assert bad.read_bytes() == b"".join(SMALL_LOG[:-1])
    run = subprocess.run([check_aof_tool(), str(bad)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0


def test_check_aof_reads_a_manifest(fresh_podium):
    c = client(fresh_podium)
    fill(c, seed=5, large=False)
    c.bgrewriteaof()
    wait_rewrite_done(c)
    c.set("more", "1")
    time.sleep(0.3)
    run = subprocess.run([check_aof_tool(), str(aof_dir(fresh_podium) / MANIFEST)], capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 0, run.stdout
    assert run.stdout.count("is valid") == 2


# --------------------------------------------------------------------------------------------------
# Write errors: MISCONF, and recovery
# --------------------------------------------------------------------------------------------------


def test_write_error_refuses_writes_with_misconf_and_recovers(server_factory):
    """A file size limit (RLIMIT_FSIZE) makes the AOF write fail with EFBIG: writes (and PING) are refused with
    -MISCONF, reads work, and once the limit is lifted the queued data is written and writes are accepted."""
    server = server_factory()
    c = client(server)
    c.set("before", "1")
    time.sleep(0.3)
    size = sum(p.stat().st_size for p in aof_dir(server).iterdir() if p.name.endswith("incr.aof"))
    soft, hard = resource.prlimit(server.pid, resource.RLIMIT_FSIZE)
    resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (size, hard))
    try:
        c.set("during", "x" * 100)  # accepted (everysec): the write to the file fails after the reply

        def refused():
            try:
                c.set("probe", "1")
                return False
            except redis.ResponseError as exc:
                return str(exc).startswith("MISCONF Errors writing to the AOF file:")
        wait_for(refused)
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            c.ping()
        assert c.get("before") == b"1"  # reads work
        assert info_persistence(c)["aof_last_write_status"] == "err"
    finally:
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (soft, hard))

    def accepted():
        try:
            return c.set("after", "1")
        except redis.ResponseError:
            return False
    wait_for(accepted)
    assert info_persistence(c)["aof_last_write_status"] == "ok"
    assert "AOF write error looks solved" in server.log_since_spawn()
    restart(server)
    c = client(server)
    assert c.mget("before", "during", "after") == [b"1", b"x" * 100, b"1"]


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def test_loading_answers_loading_and_reports_progress(server_factory):
    """While the data set loads, commands get -LOADING and INFO reports loading:1 with its figures (what ioredis
    and redis-py wait on). key-load-delay (a hidden test knob, as in Redis) makes the load take a few seconds."""
    server = server_factory(["--key-load-delay", "1000"])
    server.stop()
    commands = 3000
    log = b"".join(resp("SET", f"key:{i}", "v") for i in range(commands))
    make_dir_with_log(server, log)
    # Start without waiting for PING (the conftest readiness check would wait for the load to finish).
    server._spawn(free_port())
    try:
        seen_loading = False
        seen_busy = False
        deadline = time.monotonic() + 60
        raw = None
        while time.monotonic() < deadline:
            try:
                raw = raw or server.raw(timeout=5)
            except OSError:
                time.sleep(0.01)
                continue
            reply = raw.call("PING")
            if reply.kind == "-":
                assert reply.value == "LOADING Podium is loading the dataset in memory"
                info = raw.call("INFO", "persistence").value.decode()
                if "loading:1" in info:
                    seen_loading = True
                    assert "loading_loaded_perc:" in info and "loading_eta_seconds:" in info
                    assert f"loading_total_bytes:{len(log)}" in info
                    # redis-py retries BusyLoadingError by default (it waits for the load): ask it not to.
                    no_retry = redis.retry.Retry(redis.backoff.NoBackoff(), 0)
                    try:
                        server.client(retry=no_retry).get("key:1")
                    except redis.BusyLoadingError:
                        seen_busy = True
            elif reply.value == "PONG":
                break
            time.sleep(0.05)
        assert seen_loading, "never saw the server loading"
        assert seen_busy, "redis-py never got BusyLoadingError"
        assert raw.call("DBSIZE").value == commands
        assert "loading:0" in raw.call("INFO", "persistence").value.decode()
        raw.close()
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------------
# To and from redis-server 7
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_podium_aof_loads_in_redis_server(server_factory, preamble):
    # redis-server 7.0 reads RDB 10 at most: rdb-version 10 is the directive for such a target.
    server = server_factory(["--aof-use-rdb-preamble", preamble, "--rdb-version", "10"])
    c = client(server)
    fill(c, seed=6)
    c.bgrewriteaof()
    wait_rewrite_done(c)
    fill(c, seed=7, keys=50)  # more writes after the rewrite, in the new incremental file
    expected = dump(c)
    server.stop()
    peer = ServerProcess("redis-from-podium", oracle_executable())
    try:
        shutil.copytree(aof_dir(server), peer.workdir / AOF_DIR)
        peer.extra_args = ["--appendonly", "yes"]  # after conftest's --appendonly no for redis-server
        peer.start()
        assert_same_dataset(expected, dump(peer.client(single_connection_client=True)))
    finally:
        peer.cleanup()


def test_single_old_style_file_from_podium_loads_in_redis(server_factory):
    """Redis also migrates a lone appendonly.aof: give it Podium's base+incr concatenated, old style (an RDB
    preamble, then commands)."""
    server = server_factory(["--rdb-version", "10"])
    c = client(server)
    fill(c, seed=8, large=False)
    expected = dump(c)
    server.stop()
    names = [line.split()[1] for line in manifest_lines(server)]
    data = b"".join((aof_dir(server) / name).read_bytes() for name in names)
    peer = ServerProcess("redis-old-style", oracle_executable())
    try:
        (peer.workdir / "appendonly.aof").write_bytes(data)
        peer.extra_args = ["--appendonly", "yes"]
        peer.start()
        assert_same_dataset(expected, dump(peer.client(single_connection_client=True)))
    finally:
        peer.cleanup()


def test_redis_aof_loads_in_podium(server_factory):
    peer = ServerProcess("redis-aof-source", oracle_executable())
    try:
        peer.extra_args = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]
        peer.start()
        rc = peer.client(single_connection_client=True)
        fill(rc, seed=9)
        rc.bgrewriteaof()
        wait_for(lambda: rc.info("persistence")["aof_rewrite_in_progress"] == 0
                 and rc.info("persistence")["aof_rewrites"] >= 1)
        fill(rc, seed=10, keys=80)  # after the rewrite: the new incremental file, with MULTI blocks and TTLs
        expected = dump(rc)
        peer.stop()
        server = server_factory()
        server.stop()
        shutil.rmtree(aof_dir(server))
        shutil.copytree(peer.workdir / AOF_DIR, aof_dir(server))
        server.start()
        assert_same_dataset(expected, dump(client(server)))
    finally:
        peer.cleanup()
