"""Podium writing RDB files, checked against redis-server 7 (or the server PODIUM_ORACLE names, e.g. a Valkey 8
built by hand, which gets version 11 files instead of 10):

- SAVE and BGSAVE write a `dump.rdb` that the oracle loads with the same contents (every type in its small and
  large encoding, TTLs, other databases, function libraries), with and without `rdbcompression` / `rdbchecksum`;
  Podium loads its own files back.
- BGSAVE's replies (SCHEDULE, CANCEL, while one runs, while the AOF rewrites, inside MULTI), SAVE's, LASTSAVE and
  the INFO `rdb_*` figures; `save` rules start saves; a failed save refuses writes with MISCONF
  (`stop-writes-on-bgsave-error`) until one succeeds; SHUTDOWN, SIGTERM and FLUSHALL save when rules are set.
- The AOF with an RDB preamble (`aof-use-rdb-preamble yes`, the default): Podium's own restarts keep everything,
  hash-field TTLs included; a Redis 7 AOF directory with a preamble loads into Podium; Podium's loads into Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from conftest import ServerProcess, is_redis_binary, oracle_executable, podium_executable
from test_dump_restore import KEYS, content, fill

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()), reason="writes podium's RDB files")

LIBRARY = "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"


def oracle_rdb_version() -> int:
    """redis-server 7.0 reads RDB 10 at most; 7.2 and Valkey read 11."""
    out = subprocess.run([oracle_executable(), "--version"], capture_output=True, text=True).stdout
    return 10 if " v=7.0." in out or " v=6." in out else 11


def fill_all(c: redis.Redis, server) -> dict:
    fill(c)
    c.set("ttl:key", "v", ex=3600)
    server.client(db=3).set("in-db3", "x")
    c.execute_command("FUNCTION", "LOAD", "REPLACE", LIBRARY)
    return {k: content(c, k) for k in KEYS}


def check(c: redis.Redis, server, expected: dict) -> None:
    for key in KEYS:
        assert content(c, key) == expected[key], key
    assert 3500 < c.ttl("ttl:key") <= 3600
    assert server.client(db=3).get("in-db3") == b"x"
    assert c.fcall("f1", 0) == 1
    assert c.dbsize() == len(KEYS) + 1


def plain(c: redis.Redis) -> redis.Redis:
    """The client with redis-py's reply parsing of BGSAVE / BGREWRITEAOF removed (it turns their status into True)."""
    for name in ("BGSAVE", "BGREWRITEAOF"):
        c.response_callbacks.pop(name, None)
    return c


def persistence(c: redis.Redis) -> dict:
    return c.info("persistence")


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def wait_for_bgsave(c: redis.Redis) -> dict:
    return wait_until(lambda: (p := persistence(c))["rdb_bgsave_in_progress"] == 0 and p)


@pytest.fixture
def oracle_factory():
    started: list[ServerProcess] = []

    def make(name: str, workdir_files: dict[str, Path] | None = None, extra: list[str] | None = None):
        peer = ServerProcess(name, oracle_executable(), extra_args=extra)
        for target, source in (workdir_files or {}).items():
            destination = peer.workdir / target
            if source.is_dir():
                shutil.copytree(source, destination)
            else:
                shutil.copy(source, destination)
        started.append(peer)
        peer.start()
        return peer

    yield make
    for peer in started:
        peer.cleanup()


@pytest.mark.parametrize("options", [[], ["--rdbcompression", "no"], ["--rdbchecksum", "no"]],
                         ids=["default", "no-compression", "no-checksum"])
@pytest.mark.parametrize("command", ["SAVE", "BGSAVE"])
def test_the_oracle_loads_what_podium_saves(server_factory, oracle_factory, command, options):
    server = server_factory(["--appendonly", "no", "--rdb-version", str(oracle_rdb_version()), *options])
    c = server.client()
    expected = fill_all(c, server)
    before = c.lastsave()
    time.sleep(1.01)  # LASTSAVE has a resolution of one second
    if command == "SAVE":
        assert c.execute_command("SAVE") in (True, b"OK")
    else:
        assert plain(c).execute_command("BGSAVE") == b"Background saving started"
        info = wait_for_bgsave(c)
        assert info["rdb_last_bgsave_status"] == "ok"
    assert c.lastsave().timestamp() > before.timestamp()
    info = persistence(c)
    assert info["rdb_changes_since_last_save"] == 0 and info["rdb_saves"] == 1
    data = (server.workdir / "dump.rdb").read_bytes()
    assert data[:9] == f"REDIS{oracle_rdb_version():04d}".encode()
    if "--rdbchecksum" in options:
        assert data[-8:] == bytes(8)
    compressed = b"\xc3" in data[data.find(b"s:lzf"):data.find(b"s:lzf") + 12]
    assert compressed == ("--rdbcompression" not in options)
    peer = oracle_factory("rdb-reader", {"dump.rdb": server.workdir / "dump.rdb"})
    check(peer.client(), peer, expected)
    # And Podium loads its own file.
    server.stop()
    server.start()
    check(server.client(), server, expected)


def test_idle_times_are_written_with_an_lru_policy(server_factory, oracle_factory):
    server = server_factory(["--appendonly", "no", "--rdb-version", str(oracle_rdb_version()),
                             "--maxmemory-policy", "allkeys-lru"])
    c = server.client()
    c.set("k", "v")
    c.execute_command("RESTORE", "old", 0, c.dump("k"), "IDLETIME", 5000)
    c.save()
    peer = oracle_factory("rdb-idle", {"dump.rdb": server.workdir / "dump.rdb"},
                          ["--maxmemory-policy", "allkeys-lru"])
    assert 4990 <= peer.client().object("idletime", "old") <= 5010
    assert peer.client().object("idletime", "k") < 10


def test_bgsave_replies_match_the_oracle(r, oracle_r):
    plain(r), plain(oracle_r)
    for args in (["BGSAVE", "foo"], ["BGSAVE", "SCHEDULE", "x"], ["SAVE", "x"], ["LASTSAVE", "x"]):
        got, want = [], []
        for client, out in ((r, got), (oracle_r, want)):
            try:
                out.append(client.execute_command(*args))
            except redis.ResponseError as e:
                out.append(("error", str(e)))
        assert got == want, args
    for client in (r, oracle_r):
        p = client.pipeline(transaction=True)
        p.execute_command("SAVE")
        with pytest.raises(redis.ResponseError, match="Command not allowed inside a transaction"):
            p.execute()


def test_bgsave_while_one_runs_schedule_and_cancel(server_factory):
    # rdb-key-save-delay (µs per key) keeps the background save running long enough to be seen.
    server = server_factory(["--appendonly", "no", "--rdb-key-save-delay", "20000"])
    c = plain(server.client())
    c.mset({f"k{i}": i for i in range(200)})
    assert c.execute_command("BGSAVE") == b"Background saving started"
    info = persistence(c)
    assert info["rdb_bgsave_in_progress"] == 1 and info["current_save_keys_total"] == 200
    for args in (["BGSAVE"], ["SAVE"], ["BGSAVE", "SCHEDULE"]):
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            c.execute_command(*args)
    # The AOF rewrite waits for the running save, as with Valkey's one child process.
    assert c.execute_command("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
    assert c.execute_command("BGSAVE", "CANCEL") == b"Background saving cancelled"
    info = wait_for_bgsave(c)
    assert info["rdb_last_bgsave_status"] == "ok"  # a cancelled save is not a failed one
    assert not (server.workdir / "dump.rdb").exists()
    assert not list(server.workdir.glob("temp-*.rdb"))
    with pytest.raises(redis.ResponseError, match="Background saving is currently not in progress or scheduled"):
        c.execute_command("BGSAVE", "CANCEL")
    # The scheduled rewrite runs now; a BGSAVE meanwhile is refused, or scheduled with SCHEDULE.
    wait_until(lambda: persistence(c)["aof_rewrite_in_progress"] == 1)
    with pytest.raises(redis.ResponseError, match="Another child process is active"):
        c.execute_command("BGSAVE")
    assert c.execute_command("BGSAVE", "SCHEDULE") == b"Background saving scheduled"
    assert c.execute_command("BGSAVE", "CANCEL") == b"Scheduled background saving cancelled"
    assert c.execute_command("BGSAVE", "SCHEDULE") == b"Background saving scheduled"
    wait_until(lambda: persistence(c)["aof_rewrite_in_progress"] == 0, timeout=30)
    c.config_set("rdb-key-save-delay", 0)
    wait_until(lambda: (server.workdir / "dump.rdb").exists(), timeout=30)
    info = wait_for_bgsave(c)
    assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == 2


def test_bgsave_inside_multi_is_scheduled(server_factory):
    server = server_factory(["--appendonly", "no"])
    c = plain(server.client())
    c.set("k", "v")
    p = c.pipeline(transaction=True)
    p.execute_command("BGSAVE")
    assert p.execute() == [b"Background saving scheduled"]
    wait_until(lambda: (server.workdir / "dump.rdb").exists())


def test_clients_are_served_during_a_bgsave(server_factory):
    server = server_factory(["--appendonly", "no", "--rdb-key-save-delay", "2000"])
    c = server.client()
    c.mset({f"k{i}": "x" * 100 for i in range(500)})
    c.execute_command("BGSAVE")
    # Writes during the save change the live data, never the file being written (a point-in-time view).
    for i in range(500):
        c.set(f"k{i}", "changed")
    c.set("new", "after")
    assert persistence(c)["rdb_bgsave_in_progress"] == 1
    c.config_set("rdb-key-save-delay", 0)
    info = wait_for_bgsave(c)
    assert info["rdb_changes_since_last_save"] == 501
    server.stop()
    shutil.rmtree(server.workdir / "appendonlydir", ignore_errors=True)
    server.start()
    c = server.client()
    assert c.get("k0") == b"x" * 100 and c.get("new") is None and c.dbsize() == 500


def test_save_rules_start_a_background_save(server_factory):
    server = server_factory(["--appendonly", "no", "--save", "1 3"])
    c = server.client()
    c.set("a", 1)
    c.set("b", 2)
    time.sleep(1.5)
    assert persistence(c)["rdb_saves"] == 0  # two changes: under the rule's three
    c.set("c", 3)
    info = wait_until(lambda: (p := persistence(c))["rdb_saves"] == 1 and p["rdb_bgsave_in_progress"] == 0 and p)
    assert info["rdb_changes_since_last_save"] == 0
    assert "3 changes in 1 seconds. Saving..." in server.log_tail(100)
    assert (server.workdir / "dump.rdb").exists()
    assert c.config_get("save") == {"save": "1 3"}


def block_dump_file(workdir: Path) -> Path:
    """Makes `dump.rdb` a non-empty directory: the rename of a finished save over it fails (even as root)."""
    blocker = workdir / "dump.rdb"
    blocker.mkdir()
    (blocker / "x").write_text("x")
    return blocker


def test_a_failed_background_save_refuses_writes_until_one_succeeds(server_factory, oracle_factory):
    def scenario(server) -> list:
        c = server.client()
        c.set("k", "v")
        blocker = block_dump_file(server.workdir)
        c.execute_command("BGSAVE")
        wait_until(lambda: persistence(c)["rdb_last_bgsave_status"] == "err")
        seen = []
        for args in (["SET", "k", "w"], ["PING"], ["GET", "k"]):
            try:
                seen.append(c.execute_command(*args))
            except redis.ResponseError as e:
                seen.append(str(e).split(" ")[0])
        c.config_set("stop-writes-on-bgsave-error", "no")
        seen.append(c.set("k", "x"))
        c.config_set("stop-writes-on-bgsave-error", "yes")
        try:
            c.set("k", "y")
        except redis.ResponseError as e:
            seen.append(str(e).split(" ")[0])
        shutil.rmtree(blocker)
        c.execute_command("BGSAVE")
        wait_until(lambda: persistence(c)["rdb_last_bgsave_status"] == "ok")
        seen.append(c.set("k", "z"))
        return seen

    podium = scenario(server_factory(["--appendonly", "no", "--save", "3600 1"]))
    oracle = scenario(oracle_factory("misconf", extra=["--save", "3600 1"]))
    assert podium == oracle == ["MISCONF", "MISCONF", b"v", True, "MISCONF", True]


def test_shutdown_sigterm_and_flushall_save_when_rules_are_set(server_factory):
    server = server_factory(["--appendonly", "no", "--save", "3600 1000"])
    c = server.client()
    c.set("k", "v")
    server.stop()  # SIGTERM: saved, since a rule is set
    assert (server.workdir / "dump.rdb").exists()
    server.start()
    c = server.client()
    assert c.get("k") == b"v"
    c.set("k2", "v2")
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE")
    server.proc.wait(10)
    server.start()
    c = server.client()
    assert c.get("k2") is None and c.get("k") == b"v"
    c.set("k3", "v3")
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN")
    server.proc.wait(10)
    server.start()
    c = server.client()
    assert c.get("k3") == b"v3"
    # FLUSHALL saves the empty data set at once.
    c.flushall()
    assert persistence(c)["rdb_changes_since_last_save"] == 0
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)
    server.start()
    assert server.client().dbsize() == 0


def test_shutdown_save_without_rules_and_a_failing_save(server_factory):
    server = server_factory(["--appendonly", "no"])
    c = server.client()
    c.set("k", "v")
    blocker = block_dump_file(server.workdir)
    with pytest.raises(redis.ResponseError, match="Errors trying to SHUTDOWN. Check logs."):
        c.execute_command("SHUTDOWN", "SAVE")
    shutil.rmtree(blocker)
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "SAVE")
    server.proc.wait(10)
    server.start()
    assert server.client().get("k") == b"v"


def test_the_aof_base_is_an_rdb_file_and_keeps_everything(server_factory):
    server = server_factory([])  # appendonly yes, aof-use-rdb-preamble yes: the defaults
    c = server.client()
    expected = fill_all(c, server)
    c.hset("h:ttl", mapping={"a": 1, "b": 2})
    c.execute_command("HEXPIRE", "h:ttl", 3600, "FIELDS", 1, "a")
    c.execute_command("BGREWRITEAOF")
    wait_until(lambda: persistence(c)["aof_rewrite_in_progress"] == 0)
    c.incr("after:rewrite")
    bases = list((server.workdir / "appendonlydir").glob("*.base.rdb"))
    assert len(bases) == 1 and bases[0].read_bytes().startswith(b"REDIS0011")
    server.stop()
    server.start()
    c = server.client()
    assert c.get("after:rewrite") == b"1"
    assert 3500 < c.execute_command("HTTL", "h:ttl", "FIELDS", 2, "a", "b")[0] <= 3600
    c.delete("after:rewrite", "h:ttl")
    check(c, server, expected)


def test_keys_past_their_time_in_the_aof_base_are_loaded_for_the_commands_after_it(server_factory):
    """As Valkey's preamble load: a key whose TTL passed while the server was down is still loaded from the base,
    so a PERSIST written after the rewrite keeps it (skipping it, as a plain RDB load does, would lose it)."""
    server = server_factory([])
    c = plain(server.client())
    c.set("k", "v", px=1500)
    c.set("gone", "v", px=1500)
    assert c.execute_command("BGREWRITEAOF") == b"Background append only file rewriting started"
    wait_until(lambda: persistence(c)["aof_rewrite_in_progress"] == 0)
    assert c.persist("k")
    server.stop()
    time.sleep(1.6)
    server.start()
    c = server.client()
    assert c.get("k") == b"v" and c.ttl("k") == -1
    assert c.get("gone") is None


def test_hash_fields_past_their_time_are_not_saved(server_factory):
    """RDB 10/11 cannot say a field expires: one whose time has passed (not yet removed, the active cycle is off)
    is left out of SAVE's file, and a hash with nothing else left is left out whole."""
    server = server_factory(["--appendonly", "no", "--enable-debug-command", "yes"])
    c = server.client()
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.hset("h", mapping={"a": 1, "b": 2})
    c.hset("all", mapping={"x": 1})
    c.execute_command("HPEXPIRE", "h", 100, "FIELDS", 1, "a")
    c.execute_command("HPEXPIRE", "all", 100, "FIELDS", 1, "x")
    c.execute_command("HEXPIRE", "h", 3600, "FIELDS", 1, "b")
    time.sleep(0.2)
    assert c.dbsize() == 2  # both still stored
    c.save()
    server.stop()
    server.start()
    c = server.client()
    assert c.hgetall("h") == {b"b": b"2"} and c.exists("all") == 0
    assert "1 hash field TTLs were not saved" in server.log_path.read_text()  # b's, not a's or x's


def test_a_redis_aof_directory_with_a_preamble_loads(server_factory, oracle_factory):
    peer = oracle_factory("aof-source", extra=["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
    pc = peer.client()
    expected = fill_all(pc, peer)
    pc.execute_command("BGREWRITEAOF")
    wait_until(lambda: persistence(pc)["aof_rewrite_in_progress"] == 0)
    pc.rpush("after", "tail")  # in the incremental file
    peer.stop()
    assert list((peer.workdir / "appendonlydir").glob("*.base.rdb"))
    server = server_factory([])
    server.stop()
    shutil.rmtree(server.workdir / "appendonlydir")
    shutil.copytree(peer.workdir / "appendonlydir", server.workdir / "appendonlydir")
    server.start()
    c = server.client()
    assert c.lrange("after", 0, -1) == [b"tail"]
    c.delete("after")
    check(c, server, expected)


def test_podiums_aof_directory_loads_in_the_oracle(server_factory, oracle_factory):
    server = server_factory(["--rdb-version", str(oracle_rdb_version())])
    c = server.client()
    expected = fill_all(c, server)
    c.execute_command("BGREWRITEAOF")
    wait_until(lambda: persistence(c)["aof_rewrite_in_progress"] == 0)
    c.rpush("after", "tail")
    server.stop()
    peer = oracle_factory("aof-reader", {"appendonlydir": server.workdir / "appendonlydir"},
                          ["--appendonly", "yes"])
    pc = peer.client()
    assert pc.lrange("after", 0, -1) == [b"tail"]
    pc.delete("after")
    check(pc, peer, expected)


def reload_steps(c: redis.Redis) -> list:
    """DEBUG RELOAD and its options, on a server that has a `dump.rdb` to go back to; what each step answers and
    leaves. (NOFLUSH without MERGE over keys that exist, and a corrupt file, make Valkey exit: not here.)"""
    seen = []

    def step(*args):
        try:
            seen.append((args, c.execute_command(*args)))
        except redis.ResponseError as e:
            # Valkey 8 (and Podium) add ", check server logs." to what Redis 7.0 answers.
            seen.append((args, ("error", str(e).removesuffix(", check server logs."))))
        seen.append(("state", sorted(c.keys("*")), c.mget("a", "b", "c"), c.ttl("t") > 3000,
                     [lib[1] for lib in c.function_list()]))

    c.mset({"a": "1", "b": "1"})
    c.set("t", "v", ex=3600)
    c.execute_command("FUNCTION", "LOAD", LIBRARY)
    step("DEBUG", "RELOAD")
    c.set("a", "2")
    c.delete("b")
    c.execute_command("FUNCTION", "FLUSH")
    step("DEBUG", "RELOAD", "NOSAVE")  # back to the saved a=1, b=1 and the library
    c.set("a", "3")
    c.set("c", "3")
    step("DEBUG", "RELOAD", "nosave", "noflush", "merge")  # a from the file, c kept, the library replaced
    step("DEBUG", "RELOAD", "NOSAVE", "FOO")
    step("DEBUG", "RELOAD", "MERGE", "NOFLUSH")  # saves first: the file now has c
    c.delete("a", "b", "c", "t")
    c.execute_command("FUNCTION", "FLUSH")
    step("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")  # nothing is there to collide with
    c.config_set("dbfilename", "missing.rdb")
    step("DEBUG", "RELOAD", "NOSAVE")  # emptied, then no file to load
    return seen


def test_debug_reload_matches_the_oracle(server_factory, oracle_factory):
    server = server_factory(["--appendonly", "no", "--rdb-version", str(oracle_rdb_version()),
                             "--enable-protected-configs", "yes", "--enable-debug-command", "yes"])
    peer = oracle_factory("debug-reload", extra=["--enable-debug-command", "yes",
                                                   "--enable-protected-configs", "yes"])
    assert reload_steps(server.client()) == reload_steps(peer.client())


def test_debug_reload_keeps_everything_and_is_not_written_to_the_aof(server_factory):
    server = server_factory(["--appendonly", "yes", "--enable-debug-command", "local"])
    c = server.client()
    expected = fill_all(c, server)
    c.set("counter", 5)
    c.delete("counter")
    assert c.execute_command("DEBUG", "RELOAD") in (True, b"OK")
    check(c, server, expected)
    assert persistence(c)["rdb_changes_since_last_save"] == 0
    assert persistence(c)["rdb_last_load_keys_loaded"] == len(KEYS) + 2  # with ttl:key and in-db3
    # A library, then a key, from the file that exists already, without MERGE: the load fails (Valkey exits) and
    # the server stays up.
    for expected_log in ("Library lib1 already exists", "RDB has duplicated key "):
        with pytest.raises(redis.ResponseError, match="^Error trying to load the RDB dump, check server logs.$"):
            c.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")
        assert c.ping()
        assert expected_log in server.log_path.read_text()
        c.execute_command("FUNCTION", "LOAD", "REPLACE", LIBRARY)
        c.execute_command("FUNCTION", "FLUSH")
    c.execute_command("FUNCTION", "LOAD", LIBRARY)
    assert "DB reloaded by DEBUG RELOAD" in server.log_path.read_text()
    # Field TTLs, which the RDB file cannot hold, are kept across the reload.
    c.hset("h:ttl", mapping={"a": 1, "b": 2})
    c.execute_command("HEXPIRE", "h:ttl", 3600, "FIELDS", 1, "a")
    assert c.execute_command("DEBUG", "RELOAD") in (True, b"OK")
    ttls = c.execute_command("HTTL", "h:ttl", "FIELDS", 2, "a", "b")
    assert 3590 < ttls[0] <= 3600 and ttls[1] == -1
    c.delete("h:ttl")
    aof = b"".join(p.read_bytes() for p in (server.workdir / "appendonlydir").glob("*.incr.aof"))
    assert b"DEBUG" not in aof.upper()
    server.stop()
    server.start()
    check(server.client(), server, expected)


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_enable_protected_configs_decides_who_moves_the_dump(server_factory, oracle_factory, mode):
    """CONFIG SET dir / dbfilename as the oracle answers them under each `enable-protected-configs` (every test
    client is local); a relative dir is taken from the old one, and SAVE writes to the new place."""
    args = ["--enable-protected-configs", mode]
    servers = [server_factory(["--appendonly", "no", *args]), oracle_factory("protected", extra=args)]
    seen = []
    for server in servers:
        (server.workdir / "sub").mkdir()
        c = server.client()
        replies = []
        # (An empty dbfilename: Valkey 8 refuses it, `dbfilename can't be empty`; Redis 7.0 takes it. Below.)
        for name, value in (("dbfilename", "a/b.rdb"), ("dbfilename", "other.rdb"), ("dir", "sub"),
                            ("dir", "missing")):
            try:
                replies.append(c.config_set(name, value))
            except redis.ResponseError as e:
                replies.append(("error", str(e)))
        c.set("k", "v")
        c.save()
        where = Path(c.config_get("dir")["dir"]).resolve()
        relative = "." if where == server.workdir.resolve() else str(where.relative_to(server.workdir.resolve()))
        files = sorted(p.name for p in (server.workdir.resolve() / relative).glob("*.rdb"))
        seen.append((replies, relative, files))
    assert seen[0] == seen[1]
    assert seen[0][1] == ("." if mode == "no" else "sub")
    if mode != "no":
        with pytest.raises(redis.ResponseError, match="dbfilename can't be empty$"):
            servers[0].client().config_set("dbfilename", "")


def test_debug_digest_matches_the_oracle_and_survives_a_reload(server_factory, oracle_factory):
    """DEBUG DIGEST / DIGEST-VALUE are Valkey 8's SHA-1 digests (checked by hand against Valkey 8.0.1 on the whole
    corpus). Redis 7.0 writes sorted-set scores with %.17g where Valkey writes the shortest form, so the keys
    compared with it here are those whose digests do not depend on that: every key but the fractional-score set."""
    server = server_factory(["--appendonly", "no", "--enable-debug-command", "yes"])
    peer = oracle_factory("digest", extra=["--enable-debug-command", "yes"])
    keys = [k for k in KEYS if k != "z:big"] + ["ttl:key", "missing"]
    digests = []
    for s in (server, peer):
        c = s.client()
        assert c.execute_command("DEBUG", "DIGEST") == b"0" * 40
        fill(c)
        c.delete("z:big")
        c.set("ttl:key", "v", ex=3600)
        s.client(db=3).set("in-db3", "x")
        digests.append((c.execute_command("DEBUG", "DIGEST"), c.execute_command("DEBUG", "DIGEST-VALUE", *keys)))
    assert digests[0] == digests[1]
    c = server.client()
    c.zadd("zs", {"a": 0.1, "b": 2.5})
    before = c.execute_command("DEBUG", "DIGEST")
    assert c.execute_command("DEBUG", "RELOAD") in (True, b"OK")
    assert c.execute_command("DEBUG", "DIGEST") == before
    c.zadd("zs", {"a": 0.2})
    assert c.execute_command("DEBUG", "DIGEST") != before


@pytest.mark.parametrize("args", [["--appendfilename", "a/b"], ["--appenddirname", "x/y"], ["--dbfilename", "d/e"]])
def test_file_names_that_are_paths_stop_the_start_as_in_redis(args):
    """The last lines of the start-up error (the directive and the reason) are redis-server's."""
    tails = []
    for exe in (podium_executable(), oracle_executable()):
        out = subprocess.run([exe, "--port", "0", *args], capture_output=True, text=True, timeout=10)
        assert out.returncode != 0
        tails.append((out.stdout + out.stderr).strip().splitlines()[-2:])
    assert tails[0] == tails[1]
