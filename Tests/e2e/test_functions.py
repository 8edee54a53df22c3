"""Functions (FUNCTION LOAD / DELETE / FLUSH / LIST / DUMP / RESTORE / STATS, FCALL, FCALL_RO): the same command
sequences on podium and on the oracle (redis-server 7.0 from apt, or Valkey 8.0.1 with PODIUM_ORACLE) over raw
RESP connections, RESP2 and RESP3; the replies must match.

Valkey 8 (the spec) differs from redis-server 7.0 in named places only, mapped below: the API's name in
server.register_function's errors ("redis.register_function" in 7.0), "Unknown command called from script"
("Unknown Redis command …" in 7.0), two lines of FUNCTION HELP. The order of FUNCTION LIST is a hash
table's in both servers (podium keeps load order), so libraries are compared sorted by name.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from resp_client import Reply

LIB = "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return redis.call('set', keys[1], args[1]) end)"

SEQUENCE = [
    ["FUNCTION", "LOAD", LIB],
    ["FCALL", "f1", "1", "k", "v"],
    ["GET", "k"],
    ["FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)"],
    ["FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f1', function() return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nlocal x = string.format('a')"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.call('ping')"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nfoo("],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f2', function() return 1 end) a = 1"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function() return 2 end, flags={'no-writes','bad'}}"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function{function_name='f2', callback=function() return 2 end, flags={'no-writes','allow-oom'}, description='desc'}"],
    ["FUNCTION", "LIST"],
    ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "MY*"],
    ["FCALL", "f2", "0"],
    ["FCALL_RO", "f2", "0"],
    ["FCALL", "f1", "0"],
    ["FCALL", "nope", "0"],
    ["FCALL", "f1", "x"],
    ["FCALL", "f1", "5"],
    ["FCALL", "f1", "-1"],
    ["FCALL_RO", "f1", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function('w', function(keys) return redis.call('set', keys[1], 'x') end)"],
    ["FCALL_RO", "w", "1", "k"],
    ["FUNCTION", "LOAD", "#!lua name=lib3b\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}"],
    ["FCALL", "ro", "1", "k"],
    ["FUNCTION", "LOAD", "#!lua name=lib4\nredis.register_function('e', function() return redis.call('nosuch') end)"],
    ["FCALL", "e", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib5\nredis.register_function('e5', function() error('boom') end)"],
    ["FCALL", "e5", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib5b\nredis.register_function('e6', function(keys) return redis.call('incr', keys[1]) end)"],
    ["FCALL", "e6", "1", "k"],
    ["FUNCTION", "LOAD", "#!lua name=lib5c\nredis.register_function('e7', function() return redis.pcall('incr', 'k') end)"],
    ["FCALL", "e7", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function('bad name', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function('x', function() end)\nredis.register_function('x', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function()"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function(1)"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function{callback=function() end}"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function{function_name='z'}"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function{function_name='z', callback=1}"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function{function_name='z', callback=function() end, foo=1}"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function{function_name='z', callback=function() end, flags='no-writes'}"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function{function_name=1, callback=function() end}"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function('z', 1)"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function({}, function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib6\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=a name=b\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua foo=a\nreturn 1"],
    ["FUNCTION", "LOAD", "#!py name=a\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"],
    ["FUNCTION", "LOAD", "return 1"],
    ["FUNCTION", "LOAD", "#!lua name=x"],
    ["FUNCTION", "LOAD", "BAD", "#!lua name=x\n"],
    ["FUNCTION", "LOAD", "REPLACE"],
    ["FUNCTION", "LOAD"],
    ["FUNCTION", "LOAD", "#!LUA name=upper\nredis.register_function('up', function() return redis.REDIS_VERSION ~= nil end)"],
    ["FCALL", "up", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib7\nredis.log(redis.LOG_NOTICE, 'hi') redis.register_function('f7', function() return redis.setresp ~= nil end)"],
    ["FCALL", "f7", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib8\nlocal function helper() return 8 end redis.register_function('f8', function() return helper() end)"],
    ["FCALL", "f8", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib9\nredis.register_function('f9', function(keys, args) return {keys[1], args[1], #keys, #args} end)"],
    ["FCALL", "f9", "1", "a", "b", "c"],
    ["FUNCTION", "LOAD", "#!lua name=lib10\nredis.register_function('f10', function() return redis.register_function('q', function() end) end)"],
    ["FCALL", "f10", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib11\nredis.register_function('f11', function() x = 1 end)"],
    ["FCALL", "f11", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib12\nredis.register_function('f12', function() return _G.x end)"],
    ["FCALL", "f12", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib13\nredis.register_function('f13', function() return KEYS end)"],
    ["FCALL", "f13", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib14\nredis.register_function('f14', function() redis.setresp(3) return redis.call('hgetall', 'nohash') end)"],
    ["FCALL", "f14", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib15\nlocal t = {}\nfor i = 1, 3 do redis.register_function('g' .. i, function() return i end) end"],
    ["FCALL", "g2", "0"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "DELETE", "lib2"],
    ["FUNCTION", "DELETE", "lib2"],
    ["FUNCTION", "DELETE"],
    ["FCALL", "f2", "0"],
    ["FUNCTION", "KILL"],
    ["FUNCTION", "RESTORE", "bad"],
    ["FUNCTION", "RESTORE", "0123456789ab", "FOO"],
    ["FUNCTION", "RESTORE", "0123456789ab", "FLUSH", "extra"],
    ["FUNCTION", "NOPE"],
    ["FUNCTION", "FLUSH", "bogus"],
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LIST"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "HELP"],
]


def _normalize(reply: Reply, command: list[str], oracle_is_redis7: bool) -> Reply:
    """The named Valkey 8 / Redis 7.0 differences, mapped to Valkey's form; FUNCTION LIST sorted by name."""
    if oracle_is_redis7 and reply.kind == "-":
        text = reply.value.replace("redis.register_function", "server.register_function")
        text = text.replace("Unknown Redis command called from script", "Unknown command called from script")
        reply = Reply("-", text)
    if oracle_is_redis7 and command[:2] == ["FUNCTION", "HELP"] and reply.kind == "*":
        # 7.0 lists a "Library description" Valkey dropped, and says "Prints this help.".
        lines = [r for r in reply.value[:-1] if r.value != "    * Library description"]
        reply = Reply("*", lines + [Reply("+", "    Print this help.")])
    if command[:2] == ["FUNCTION", "LIST"] and reply.kind == "*":
        reply = Reply("*", sorted(reply.value, key=repr))
    return reply


@pytest.mark.parametrize("resp", [2, 3])
def test_function_commands_match_the_oracle(podium, oracle, resp):
    redis7 = "valkey" not in str(oracle.executable)
    results = []
    for server in (podium, oracle):
        with server.client() as c:
            c.flushall()
            c.function_flush()
        with server.raw() as conn:
            if resp == 3:
                conn.call("HELLO", "3")
            results.append([conn.call(*command) for command in SEQUENCE])
    for command, mine, theirs in zip(SEQUENCE, *results):
        assert _normalize(mine, command, False) == _normalize(theirs, command, redis7), command


def _load_sample(c):
    c.function_flush()
    c.function_load("#!lua name=lib1\nredis.register_function('fa', function() return "
                    "'this is a long string that compresses compresses compresses compresses' end)")
    c.function_load("#!lua name=lib2\nredis.register_function{function_name='fb', callback=function() return 2 end,"
                    " flags={'no-writes'}, description='two'}")


def test_function_dump_restores_on_the_other_server(podium, oracle):
    """Each server restores the other's FUNCTION DUMP (the oracle's compresses the code with LZF, podium's does
    not), with every restore policy and its collisions. Podium's payload says RDB version 11, as Valkey 8's
    does; redis-server 7.0 (RDB 10) refuses those, so that direction runs against a Valkey oracle only."""
    with podium.client() as p, oracle.client() as o:
        for c in (p, o):
            _load_sample(c)
        dumps = {"podium": p.function_dump(), "oracle": o.function_dump()}
        directions = [("oracle", p)]
        if "valkey" in str(oracle.executable):
            directions.append(("podium", o))
        else:
            with pytest.raises(Exception, match="DUMP payload version or checksum are wrong"):
                o.function_restore(dumps["podium"])
        for source, target in directions:
            payload = dumps[source]
            outcomes = []
            for c in (target,):
                c.function_flush()
                outcomes.append(c.function_restore(payload))
                outcomes.append((c.fcall("fa", 0), c.fcall("fb", 0), c.fcall_ro("fb", 0)))
                with pytest.raises(Exception, match="already exists"):
                    c.function_restore(payload)
                outcomes.append(c.function_restore(payload, "REPLACE"))
                outcomes.append(c.function_restore(payload, "FLUSH"))
                c.function_delete("lib1")
                c.function_load("#!lua name=other\nredis.register_function('fa', function() return 1 end)")
                with pytest.raises(Exception, match="Function fa already exists"):
                    c.function_restore(payload, "REPLACE")
                # A refused restore changed nothing.
                assert c.fcall("fa", 0) == 1
            assert outcomes == [True, (b"this is a long string that compresses compresses compresses compresses",
                                       2, 2), True, True]
        corrupt = bytearray(dumps["oracle"])
        corrupt[5] ^= 1
        for c in (p, o):
            with pytest.raises(Exception, match="DUMP payload version or checksum are wrong"):
                c.function_restore(bytes(corrupt))
        for c in (p, o):
            c.function_flush()


def test_function_load_times_out(podium):
    with podium.client() as c:
        started = time.monotonic()
        with pytest.raises(Exception, match="Error registering functions: ERR FUNCTION LOAD timeout"):
            c.function_load("#!lua name=slow\nlocal a = 0 while true do a = a + 1 end")
        assert time.monotonic() - started < 5
        assert c.ping()
        assert c.function_list() == []


def _fields(flat: list) -> dict:
    return dict(zip(flat[::2], flat[1::2]))


def test_functions_survive_a_restart_through_the_aof_and_its_rewrite(server_factory):
    server = server_factory(["--appendonly", "yes"])
    code = "#!lua name=counter\nredis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)"
    with server.client() as c:
        assert c.function_load(code) == b"counter"
        assert c.fcall("bump", 1, "n") == 1
        c.function_load("#!lua name=gone\nredis.register_function('g', function() return 1 end)")
        c.function_delete("gone")
    server.stop()
    server.start()
    with server.client() as c:
        assert c.fcall("bump", 1, "n") == 2
        assert [_fields(lib)[b"library_name"] for lib in c.function_list()] == [b"counter"]
        c.bgrewriteaof()
        for _ in range(100):
            if c.info("persistence")["aof_rewrite_in_progress"] == 0:
                break
            time.sleep(0.05)
    server.stop()
    server.start()
    with server.client() as c:
        # After the rewrite the base file starts with the FUNCTION LOAD of each library.
        assert c.fcall("bump", 1, "n") == 3
        assert _fields(c.function_list(withcode=True)[0])[b"library_code"] == code.encode()


def test_fcall_through_redis_py_redis_cli_multi_and_info(podium, oracle):
    code = "#!lua name=board\nredis.register_function('add', function(keys, args) return redis.call('zincrby', keys[1], args[1], args[2]) end)"
    outputs = []
    for server in (podium, oracle):
        with server.client() as c:
            c.flushall()
            c.function_flush()
            c.function_load(code)
            first = c.fcall("add", 1, "lb", 5, "alice")
            p = c.pipeline(transaction=True)
            p.fcall("add", 1, "lb", 2.5, "alice")
            p.fcall("add", 1, "lb", 1, "bob")
            in_multi = p.execute()
            info = c.info("memory")
            figures = (info["number_of_functions"], info["number_of_libraries"], info["used_memory_vm_functions"] > 0)
        cli = subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port), "FCALL", "add", "1", "lb", "1",
                              "carol"], capture_output=True, text=True, timeout=10)
        outputs.append((first, in_multi, figures, cli.stdout, cli.returncode))
    assert outputs[0] == outputs[1]
    assert outputs[0][2] == (1, 1, True)
