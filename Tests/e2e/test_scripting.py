"""Scripting (EVAL, EVALSHA, SCRIPT): a corpus of scripts run on podium and on the oracle (redis-server 7.0 from
apt) over raw RESP connections; the replies and the data they leave must match.

The corpus covers every conversion rule (Lua -> RESP2/RESP3 and back), the error tables and texts, the libraries
(string, table, math, cjson, bit), the protected globals, shebang flags and the rate-limiter / lock scripts
real libraries send. Valkey 8 (the spec) differs from redis-server 7.0 in a few places; each such case names
the difference and gives Valkey 8.0.1's reply (checked by hand against a Valkey 8.0.1 server: run this module
with PODIUM_ORACLE=/path/to/valkey-server and those cases compare against it directly).
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from dataclasses import dataclass, field

import pytest
import redis

from resp_client import Reply, RespConnection


@dataclass
class Case:
    name: str
    script: str
    keys: tuple = ()
    args: tuple = ()
    setup: list = field(default_factory=list)
    # Set when Valkey 8 answers differently from redis-server 7.0: why, and Valkey's reply (a Reply).
    valkey: tuple | None = None
    resp: int = 2
    # Keys whose values are compared after the script (besides its reply).
    check: tuple = ()


def err(text: str) -> Reply:
    return Reply("-", text)


CASES = [
    # --- Lua -> RESP conversions
    Case("integer", "return 42"),
    Case("negative", "return -7"),
    Case("float truncates", "return 3.99"),
    Case("negative float truncates", "return -3.99"),
    Case("huge number", "return 1e30"),
    Case("string", "return 'hello'"),
    Case("empty string", "return ''"),
    Case("binary string", "return 'a\\0b'"),
    Case("true", "return true"),
    Case("false", "return false"),
    Case("nil", "return nil"),
    Case("no return", "local x = 1"),
    Case("array", "return {1, 'two', 3.5, true, false}"),
    Case("array stops at nil", "return {1, 2, nil, 4}"),
    Case("nested", "return {1, {2, {3, 'x'}}, {}}"),
    Case("status table", "return {ok='FINE'}"),
    Case("status with newline", "return {ok='a\\r\\nb'}"),
    Case("error table", "return {err='MYERR something bad'}"),
    Case("status_reply", "return redis.status_reply('PONG')"),
    Case("error_reply", "return redis.error_reply('My Error')"),
    Case("error_reply with dash", "return redis.error_reply('-CODE my message')"),
    Case("error_reply wrong args", "return redis.error_reply(1)"),
    Case("table with string keys only", "return {a=1, b=2}"),
    Case("double in resp2", "return {double=3.25}"),
    Case("map in resp2", "redis.setresp(3); return {map={a=1}}"),
    Case("set in resp2", "return {set={a=true}}"),
    Case("big number in resp2", "return {big_number='123456789012345678901234567890'}"),
    Case("verbatim in resp2", "return {verbatim_string={format='txt', string='hello'}}"),
    # --- RESP -> Lua conversions
    Case("call integer", "return redis.call('incr', KEYS[1])", keys=("n",)),
    Case("call status", "local r = redis.call('set', KEYS[1], 'v'); return {type(r), r.ok}", keys=("k",)),
    Case("call bulk", "redis.call('set', KEYS[1], 'v'); return redis.call('get', KEYS[1])", keys=("k",)),
    Case("call nil bulk is false", "local v = redis.call('get', 'missing'); return {type(v), tostring(v)}"),
    Case("call array", "redis.call('rpush', KEYS[1], 'a', 'b'); return redis.call('lrange', KEYS[1], 0, -1)",
         keys=("l",)),
    Case("call empty array", "local v = redis.call('lrange', 'missing', 0, -1); return {type(v), #v}"),
    Case("call null array", "local v = redis.call('blpop', 'nolist', 0); return {type(v), tostring(v)}",
         valkey=("BLPOP inside a script: Redis 7.0 refuses blocking commands, Valkey 8 answers at once",
                 Reply("*", [Reply("$", b"boolean"), Reply("$", b"false")]))),
    Case("call error raises", "return redis.call('incr', KEYS[1])", keys=("s",), setup=[["SET", "s", "x"]]),
    Case("pcall error table", "local e = redis.pcall('incr', KEYS[1]); return {type(e), e.err}", keys=("s",),
         setup=[["SET", "s", "x"]]),
    Case("pcall error returned", "return redis.pcall('incr', KEYS[1])", keys=("s",), setup=[["SET", "s", "x"]]),
    Case("wrongtype from script", "return redis.call('lpush', KEYS[1], 'x')", keys=("s",),
         setup=[["SET", "s", "x"]]),
    Case("zscore", "redis.call('zadd', KEYS[1], 1.5, 'm'); return redis.call('zscore', KEYS[1], 'm')",
         keys=("z",)),
    Case("hgetall", "redis.call('hset', KEYS[1], 'a', '1', 'b', '2'); return redis.call('hgetall', KEYS[1])",
         keys=("h",)),
    Case("resp3 map from hgetall",
         "redis.setresp(3); redis.call('hset', KEYS[1], 'a', '1'); local r = redis.call('hgetall', KEYS[1]);"
         " return {type(r), type(r.map), r.map.a}", keys=("h",)),
    Case("resp3 double", "redis.setresp(3); redis.call('zadd', KEYS[1], 2.5, 'm');"
         " local r = redis.call('zscore', KEYS[1], 'm'); return {type(r), tostring(r.double)}", keys=("z",)),
    Case("resp3 null", "redis.setresp(3); local r = redis.call('get', 'missing'); return type(r)"),
    Case("resp3 set from smembers", "redis.setresp(3); redis.call('sadd', KEYS[1], 'a');"
         " local r = redis.call('smembers', KEYS[1]); return {type(r.set), tostring(r.set.a)}", keys=("s1",)),
    Case("resp3 boolean reply", "redis.setresp(3); return true"),
    Case("resp3 false reply", "redis.setresp(3); return false"),
    Case("setresp bad", "redis.setresp(4)",
         valkey=("Valkey names the server table", err(
             "ERR RESP version must be 2 or 3. script: {sha}, on @user_script:1."))),
    Case("setresp no args", "redis.setresp()",
         valkey=("Valkey names the server table", err(
             "ERR server.setresp() requires one argument. script: {sha}, on @user_script:1."))),
    # --- Arguments
    Case("number argument", "redis.call('set', KEYS[1], 10); return redis.call('get', KEYS[1])", keys=("k",)),
    Case("float argument", "redis.call('set', KEYS[1], 0.1 + 0.2); return redis.call('get', KEYS[1])",
         keys=("k",), valkey=("Valkey 8 writes the shortest round-trip form, Redis 7.0 %.17g",
                              Reply("$", b"0.30000000000000004"))),
    Case("float argument short", "redis.call('set', KEYS[1], 1.5); return redis.call('get', KEYS[1])",
         keys=("k",)),
    Case("bad argument type", "return redis.call('set', KEYS[1], {})", keys=("k",),
         valkey=("Valkey's text", err(
             "ERR Command arguments must be strings or integers script: {sha}, on @user_script:1."))),
    Case("no arguments", "return redis.call()",
         valkey=("Valkey's text", err(
             "ERR Please specify at least one argument for this call script: {sha}, on @user_script:1."))),
    Case("unknown command", "return redis.call('nosuchcommand')",
         valkey=("Valkey's text", err(
             "ERR Unknown command called from script script: {sha}, on @user_script:1."))),
    Case("wrong arity", "return redis.call('get')",
         valkey=("Valkey's text", err(
             "ERR Wrong number of args calling command from script script: {sha}, on @user_script:1."))),
    Case("pcall unknown command", "local e = redis.pcall('nosuchcommand'); return e.err",
         valkey=("Valkey's text", Reply("$", b"ERR Unknown command called from script"))),
    Case("not allowed from script", "return redis.call('multi')"),
    Case("KEYS and ARGV", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", keys=("a", "b"),
         args=("x", "y")),
    Case("ARGV binary", "return ARGV[1]", args=("a\x00b",)),
    # --- Errors
    Case("runtime error", "error('boom')"),
    Case("error with table", "error({err='CUSTOM failure'})"),
    Case("syntax error", "return +"),
    Case("nil call", "local x = nil; x()"),
    Case("line number", "local a = 1\nlocal b = 2\nerror('third line')"),
    Case("pcall catches", "local ok, e = pcall(function() error('inner') end); return {tostring(ok), e}"),
    Case("pcall catches call error",
         "local ok, e = pcall(function() return redis.call('incr', KEYS[1]) end); return {tostring(ok), e}",
         keys=("s",), setup=[["SET", "s", "x"]]),
    Case("assert", "assert(false, 'assertion text')"),
    # --- Globals
    Case("global write", "x = 1"),
    Case("global read", "return undefined_variable"),
    Case("redis table readonly", "redis.call = nil"),
    Case("string lib readonly", "string.len = nil"),
    Case("_G write", "_G.x = 1"),
    Case("rawset globals", "rawset(_G, 'x', 1)"),
    Case("loadstring global write", "local f = loadstring('y = 2'); f()"),
    Case("local functions fine", "local function sq(n) return n * n end; return sq(7)"),
    Case("dofile gone", "return type(dofile)",
         valkey=None),
    Case("loadfile gone", "return type(loadfile)"),
    Case("print gone", "return type(print)"),
    Case("require gone", "return type(require)"),
    Case("os.clock type", "return type(os.clock())",
         valkey=("Valkey 8 (Redis 7.2) loads os.clock; Redis 7.0 has no os", Reply("$", b"number"))),
    Case("os.time gone", "return type(os.time)",
         valkey=("Valkey 8 (Redis 7.2) loads os with clock only; Redis 7.0 has no os", Reply("$", b"nil"))),
    # --- Libraries
    Case("string.format", "return string.format('%d-%s-%.2f', 5, 'x', 1.5)"),
    Case("string.rep", "return string.rep('ab', 3)"),
    Case("string methods", "local s = 'Hello'; return {s:upper(), s:lower(), s:len(), s:sub(2, 3)}"),
    Case("gsub", "return (string.gsub('hello world', 'o', '0'))"),
    Case("table.concat", "return table.concat({'a', 'b', 'c'}, ',')"),
    Case("table.insert sort", "local t = {3, 1, 2}; table.sort(t); table.insert(t, 4); return t"),
    Case("math", "return {math.floor(3.7), math.max(1, 5, 3), math.abs(-2)}"),
    Case("math.random deterministic", "math.randomseed(42); return {math.random(100), math.random(100)}"),
    Case("tonumber tostring", "return {tonumber('12') + 1, tostring(12)}"),
    Case("cjson encode", "return cjson.encode({a=1})"),
    Case("cjson encode array", "return cjson.encode({1, 2, 'x'})"),
    Case("cjson decode", "local t = cjson.decode('{\"a\":[1,2,{\"b\":\"c\"}]}'); return {t.a[1], t.a[3].b}"),
    Case("cjson decode error", "return cjson.decode('{bad')"),
    Case("cjson null", "local t = cjson.decode('[null]'); return tostring(t[1] == cjson.null)"),
    Case("bit ops", "return {bit.band(12, 10), bit.bor(12, 10), bit.bxor(12, 10), bit.lshift(1, 4), bit.tohex(255)}"),
    Case("sha1hex", "return redis.sha1hex('hello')"),
    Case("sha1hex empty", "return redis.sha1hex('')"),
    Case("unpack", "return {unpack({1, 2, 3})}"),
    Case("select", "return select('#', 1, 2, 3)"),
    Case("type checks", "return {type(redis), type(redis.call), type(KEYS), type(cjson)}"),
    Case("version", "return type(redis.REDIS_VERSION)"),
    Case("log", "redis.log(redis.LOG_WARNING, 'from a script'); return 1"),
    Case("log bad level", "redis.log(42, 'x')",
         valkey=("Valkey's text", err("ERR Invalid log level. script: {sha}, on @user_script:1."))),
    Case("coroutine", "local co = coroutine.create(function() coroutine.yield(1) end);"
         " local ok, v = coroutine.resume(co); return v"),
    Case("set_repl", "redis.set_repl(redis.REPL_ALL); return 1"),
    Case("replicate_commands", "return redis.replicate_commands()"),
    # --- Shebang flags
    Case("shebang no flags", "#!lua\nreturn 1"),
    Case("shebang no-writes read", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", keys=("k",)),
    Case("shebang no-writes write", "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'v')", keys=("k",)),
    Case("shebang bad flag", "#!lua flags=bogus\nreturn 1"),
    Case("shebang bad engine", "#!python\nreturn 1"),
    Case("shebang no newline", "#!lua"),
    Case("shebang bad option", "#!lua foo=bar\nreturn 1"),
    Case("shebang keeps line numbers", "#!lua\nerror('second')"),
    # --- Leaderboard and library scripts
    Case("fixed window rate limit (rate-limit-redis)",
         "local totalHits = redis.call('INCR', KEYS[1])\n"
         "local timeToExpire = redis.call('PTTL', KEYS[1])\n"
         "if timeToExpire <= 0 or ARGV[1] == '1' then\n"
         "  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))\n"
         "  timeToExpire = tonumber(ARGV[2])\n"
         "end\n"
         "return { totalHits, timeToExpire }", keys=("rl:user1",), args=("0", "60000"),
         setup=[["SET", "rl:user1", "4"]], check=("rl:user1",)),
    Case("sliding window (sorted set)",
         "local now = tonumber(ARGV[1]); local window = tonumber(ARGV[2]); local limit = tonumber(ARGV[3])\n"
         "redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - window)\n"
         "local count = redis.call('ZCARD', KEYS[1])\n"
         "if count < limit then\n"
         "  redis.call('ZADD', KEYS[1], now, ARGV[4])\n"
         "  redis.call('PEXPIRE', KEYS[1], window)\n"
         "  return {1, count + 1}\n"
         "end\n"
         "return {0, count}", keys=("sw:user1",), args=("1000", "500", "3", "req-9"),
         setup=[["ZADD", "sw:user1", "100", "old", "700", "a", "800", "b"]], check=("sw:user1",)),
    Case("token bucket",
         "local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[1])\n"
         "local last = tonumber(redis.call('HGET', KEYS[1], 'ts') or ARGV[3])\n"
         "local now = tonumber(ARGV[3]); local rate = tonumber(ARGV[2])\n"
         "tokens = math.min(tonumber(ARGV[1]), tokens + (now - last) * rate)\n"
         "local allowed = 0\n"
         "if tokens >= 1 then tokens = tokens - 1; allowed = 1 end\n"
         "redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)\n"
         "return {allowed, tostring(tokens)}", keys=("tb:user1",), args=("10", "0.5", "1003"),
         setup=[["HSET", "tb:user1", "tokens", "2", "ts", "1000"]], check=("tb:user1",)),
    Case("redlock release (owner)",
         "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
         keys=("lock:res",), args=("token-1",), setup=[["SET", "lock:res", "token-1"]], check=("lock:res",)),
    Case("redlock release (not owner)",
         "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
         keys=("lock:res",), args=("token-2",), setup=[["SET", "lock:res", "token-1"]], check=("lock:res",)),
    Case("players around me",
         "local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])\n"
         "if not rank then return {} end\n"
         "local lo = math.max(0, rank - 1)\n"
         "return redis.call('ZREVRANGE', KEYS[1], lo, rank + 1, 'WITHSCORES')",
         keys=("lb",), args=("p3",),
         setup=[["ZADD", "lb", "10", "p1", "20", "p2", "30", "p3", "40", "p4", "50", "p5"]]),
    Case("select inside script", "redis.call('select', 1); redis.call('set', 'k', 'db1'); return redis.call('get', 'k')",
         check=("k",)),
    Case("binary chunks do not load", "local f, e = loadstring(string.dump(function() return 1 end)) return {type(f), e}"),
    Case("getmetatable of _G is read-only", "local g = getmetatable(_G) g.__index = {}"),
    Case("SORT of a set inside a script is sorted", "redis.call('sadd', KEYS[1], 'z', 'a', 'aa', 'b', 'c1', 'c') "
         "return redis.call('sort', KEYS[1], 'by', 'nosort')", keys=("s",)),
    # --- cmsgpack and struct (Podium writes its own: LuaMessagePack.c, LuaStruct.c)
    Case('cmsgpack 1', 'return cmsgpack.pack(1, -1, 0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)'),
    Case('cmsgpack 2', 'return cmsgpack.pack(1.5, 0.1, -0.25, 1e300, 3.4028234663852886e38, 1/0, -1/0)'),
    Case('cmsgpack 3', "return cmsgpack.pack('', 'a', string.rep('x', 31), string.rep('y', 32), string.rep('z', 255), string.rep('w', 256), string.rep('v', 70000))"),
    Case('cmsgpack 4', 'return cmsgpack.pack(true, false, nil)'),
    Case('cmsgpack 5', 'return cmsgpack.pack({}, {1,2,3}, {a=1}, {1,nil,3}, {[1]=1,[3]=3}, {[0]=1}, {[1.5]=2})'),
    Case('cmsgpack 6', 'local t = {} for i=1,20 do t[i]=i end return cmsgpack.pack(t)'),
    Case('cmsgpack 7', "local t = {} for i=1,20 do t['k'..i]=i end return #cmsgpack.pack(t)"),
    Case('cmsgpack 8', 'local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)'),
    Case('cmsgpack 9', 'return cmsgpack.pack(print or string.len)'),
    Case('cmsgpack 10', "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, true))}"),
    Case('cmsgpack 11', 'local a, b = cmsgpack.unpack(cmsgpack.pack({x=1}, 2)) return {a.x, b}'),
    Case('cmsgpack 12', 'return cmsgpack.unpack(cmsgpack.pack(-5.5)) * 2'),
    Case('cmsgpack 13', 'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}'),
    Case('cmsgpack 14', 'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}'),
    Case('cmsgpack 15', 'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}'),
    Case('cmsgpack 16', 'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}'),
    Case('cmsgpack 17', 'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)}'),
    Case('cmsgpack 18', 'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}'),
    Case('cmsgpack 19', "return cmsgpack.unpack('')"),
    Case('cmsgpack 20', "return cmsgpack.unpack('\\196\\001a')"),
    Case('cmsgpack 21', "return cmsgpack.unpack('\\217')"),
    Case('cmsgpack 22', "return cmsgpack.unpack('\\147\\001')"),
    Case('cmsgpack 23', "return {cmsgpack.unpack_one('abc', -1)}"),
    Case('cmsgpack 24', "return {cmsgpack.unpack_one('abc', 5)}"),
    Case('cmsgpack 25', 'return cmsgpack.pack()'),
    Case('cmsgpack 26', 'return cmsgpack.unpack(1)'),
    Case('cmsgpack 27', 'return cmsgpack.unpack()'),
    Case('cmsgpack 28', "return {cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255', '\\211\\128\\000\\000\\000\\000\\000\\000\\000')}"),
    Case('cmsgpack 29', "return tostring(cmsgpack.unpack('\\202\\063\\192\\000\\000'))"),
    Case('cmsgpack 30', "local t = cmsgpack.unpack('\\130\\161a\\001\\161b\\002') return {t.a, t.b}"),
    Case('cmsgpack 31', "return cmsgpack.unpack('\\129\\192\\001')"),
    Case('cmsgpack 32', 'return cmsgpack._VERSION .. cmsgpack._NAME'),
    Case('cmsgpack 33', 'cmsgpack.pack = 1'),
    Case('struct 34', "return struct.pack('>I4', 1)"),
    Case('struct 35', "return struct.pack('<i2', -2)"),
    Case('struct 36', "return struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7)"),
    Case('struct 37', "return struct.pack('!4 b i', 1, 2)"),
    Case('struct 38', "return struct.pack('!b d', 1, 2.5)"),
    Case('struct 39', "return struct.pack('>d', 1.5)"),
    Case('struct 40', "return struct.pack('<f', 1.5)"),
    Case('struct 41', "return struct.pack('c5', 'hello world')"),
    Case('struct 42', "return struct.pack('c0', 'hello')"),
    Case('struct 43', "return struct.pack('s', 'zz')"),
    Case('struct 44', "return struct.pack('c10', 'short')"),
    Case('struct 45', "return struct.pack('x')"),
    Case('struct 46', "return struct.pack('q', 1)"),
    Case('struct 47', "return struct.pack('i33', 1)"),
    Case('struct 48', "return struct.pack('!3', 1)"),
    Case('struct 49', "return struct.pack('>i', 'notanumber')"),
    Case('struct 50', "return {struct.unpack('>I4', '\\000\\000\\001\\000')}"),
    Case('struct 51', "return {struct.unpack('<i2', '\\254\\255')}"),
    Case('struct 52', "return {struct.unpack('bB', '\\255\\255')}"),
    Case('struct 53', "return {struct.unpack('>i3', '\\255\\255\\254')}"),
    Case('struct 54', "return {struct.unpack('s', 'ab\\000cd')}"),
    Case('struct 55', "return {struct.unpack('s', 'abcd')}"),
    Case('struct 56', "return {struct.unpack('b c0', '\\003abcdef')}"),
    Case('struct 57', "return {struct.unpack('c0', 'abc')}"),
    Case('struct 58', "return {struct.unpack('c3', 'ab')}"),
    Case('struct 59', "return {struct.unpack('>I2', 'abcd', 3)}"),
    Case('struct 60', "return {struct.unpack('>I2', 'abcd', 0)}"),
    Case('struct 61', "return {struct.unpack('>I2', 'abcd', 4)}"),
    Case('struct 62', "return {struct.unpack('>d', struct.pack('>d', 2.75))}"),
    Case('struct 63', "return {struct.unpack('<f', struct.pack('<f', 0.5))}"),
    Case('struct 64', "return {struct.unpack('!4 b i', struct.pack('!4 b i', 1, 2))}"),
    Case('struct 65', "return struct.size('bhilTdf')"),
    Case('struct 66', "return struct.size('!8 b d')"),
    Case('struct 67', "return struct.size('s')"),
    Case('struct 68', "return struct.size('c0')"),
    Case('struct 69', "return struct.size('c9 x')"),
    Case('struct 70', "return struct.size('>!2 b h')"),
    Case('struct 71', "return struct.size('z')"),
    Case('struct 72', "return {struct.unpack('>I8', '\\255\\255\\255\\255\\255\\255\\255\\255')}"),
    Case('struct 73', "return {struct.unpack('>i8', '\\255\\255\\255\\255\\255\\255\\255\\254')}"),
    Case('struct 74', "return {struct.unpack('>i16', string.rep('\\255', 16))}"),
    Case('struct 75', "return struct.pack('>i16', -2)"),
    Case('struct 76', "return struct.pack('>I3', 16777217)"),
    Case('struct 77', 'struct.x = 1'),
    Case('cmsgpack 78', "local t = {} for i = 1, 40 do t['key' .. i] = i * 1.5 end t.nested = {1, {x = 'y'}, false} return cmsgpack.pack(t)"),
    Case('cmsgpack 79', "math.randomseed(7) local function gen(d) local r = math.random(1, 6) if d > 3 or r == 1 then return math.random(-100000, 100000) elseif r == 2 then return tostring(math.random()) elseif r == 3 then return math.random() * 1e6 elseif r == 4 then local t = {} for i = 1, math.random(0, 5) do t[i] = gen(d + 1) end return t elseif r == 5 then local t = {} for i = 1, math.random(0, 5) do t['k' .. math.random(1, 50)] = gen(d + 1) end return t else return math.random(0, 1) == 1 end end local out = {} for i = 1, 30 do local v = gen(0) local p = cmsgpack.pack(v) out[#out + 1] = p out[#out + 1] = cmsgpack.pack(cmsgpack.unpack(p)) end return out"),
]


def _sha(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


def _run(conn: RespConnection, case: Case) -> tuple[Reply, list]:
    if case.resp == 3:
        conn.call("HELLO", "3")
    for command in case.setup:
        conn.call(*command)
    reply = conn.call("EVAL", case.script, len(case.keys), *case.keys, *case.args)
    data = [_value(conn, k) for k in case.check]
    return reply, data


def _value(conn: RespConnection, key: str):
    kind = conn.call("TYPE", key).value
    if kind == "string":
        return ("string", conn.call("GET", key))
    if kind == "zset":
        return ("zset", conn.call("ZRANGE", key, 0, -1, "WITHSCORES"))
    if kind == "hash":
        return ("hash", sorted(map(repr, conn.call("HGETALL", key).value)))
    return (kind, conn.call("PTTL", key).kind)


def _expected(case: Case, oracle_reply: Reply, oracle) -> Reply:
    if case.valkey is None or "valkey" in str(oracle.executable):
        return oracle_reply
    reply = case.valkey[1]
    if reply.kind == "-":
        return Reply("-", reply.value.replace("{sha}", _sha(case.script)))
    return reply


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("resp", [2, 3])
def test_script_corpus_matches_the_oracle(podium, oracle, case, resp):
    if resp == 3:
        case = Case(**{**case.__dict__, "resp": 3})
    replies = []
    for server in (podium, oracle):
        with server.client() as c:
            c.flushall()
            c.script_flush()
        with server.raw() as conn:
            replies.append(_run(conn, case))
        with server.client() as c:
            c.select(0)
    (p_reply, p_data), (o_reply, o_data) = replies
    assert p_reply == _expected(case, o_reply, oracle)
    assert p_data == o_data


def test_evalsha_and_script_commands(podium, oracle):
    script = "return {KEYS[1], ARGV[1]}"
    sha = _sha(script)
    for server in (podium, oracle):
        with server.client() as c:
            c.script_flush()
    out = []
    for server in (podium, oracle):
        with server.raw() as conn:
            out.append([
                conn.call("EVALSHA", sha, 1, "k", "v"),
                conn.call("SCRIPT", "EXISTS", sha, "0" * 40),
                conn.call("SCRIPT", "LOAD", script),
                conn.call("SCRIPT", "EXISTS", sha.upper(), "0" * 40),
                conn.call("EVALSHA", sha, 1, "k", "v"),
                conn.call("EVALSHA", sha.upper(), 1, "k", "v"),
                conn.call("EVALSHA", "abc", 0),
                conn.call("EVALSHA_RO", sha, 1, "k", "v"),
                conn.call("EVAL", "return 1", "2", "a"),
                conn.call("EVAL", "return 1", "-1"),
                conn.call("EVAL", "return 1", "x"),
                conn.call("SCRIPT", "LOAD", "return +"),
                conn.call("SCRIPT", "FLUSH", "BOGUS"),
                conn.call("SCRIPT", "FLUSH", "ASYNC"),
                conn.call("SCRIPT", "EXISTS", sha),
                conn.call("SCRIPT", "KILL"),
                conn.call("SCRIPT", "NOPE"),
                conn.call("EVAL_RO", "return redis.call('set', 'k', 'v')", 1, "k"),
                conn.call("EVAL_RO", "return redis.call('get', 'k')", 1, "k"),
                conn.call("EVAL_RO", "#!lua\nreturn 1", 0),
            ])
    podium_out, oracle_out = out
    if "valkey" not in str(oracle.executable):
        # Valkey 8's NOSCRIPT text; Redis 7.0 adds " Please use EVAL.".
        oracle_out = [Reply("-", "NOSCRIPT No matching script.") if r == Reply(
            "-", "NOSCRIPT No matching script. Please use EVAL.") else r for r in oracle_out]
    # EVAL_RO of a shebang script without no-writes: Valkey 8 and 7.0 both refuse it.
    assert podium_out == oracle_out


def test_script_effects_reach_the_aof_and_survive_a_restart(server_factory, tmp_path):
    server = server_factory(["--appendonly", "yes", "--appendfsync", "always"])
    with server.client() as c:
        c.eval("redis.call('set', KEYS[1], ARGV[1]); redis.call('incrby', KEYS[2], 5);"
               " redis.call('zadd', KEYS[3], 10, 'p1'); redis.call('pexpire', KEYS[1], 100000)"
               "; return redis.call('time')[1] and 1", 3, "k", "n", "lb", "v")
        c.eval("redis.set_repl(redis.REPL_NONE); redis.call('set', 'unrecorded', '1')", 0)
        assert c.get("unrecorded") == b"1"
    server.stop()
    server.start()
    with server.client() as c:
        assert c.get("k") == b"v"
        assert 0 < c.pttl("k") <= 100000
        assert c.get("n") == b"5"
        assert c.zscore("lb", "p1") == 10.0
        # set_repl(REPL_NONE) kept the write out of the AOF, as in Valkey.
        assert c.get("unrecorded") is None


def test_scripts_are_atomic_under_concurrent_clients(podium):
    """Each script reads, computes and writes; with other clients hammering the same key, no update is lost."""
    script = "local v = tonumber(redis.call('get', KEYS[1]) or '0'); redis.call('set', KEYS[1], v + 1); return v + 1"
    with podium.client() as c:
        c.delete("counter")
    import threading

    def worker():
        with podium.client() as c:
            s = c.register_script(script)
            for _ in range(200):
                s(keys=["counter"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with podium.client() as c:
        assert c.get("counter") == b"800"


def test_redis_py_register_script_and_redis_cli_eval(podium, oracle, tmp_path):
    script = "return redis.call('zincrby', KEYS[1], ARGV[1], ARGV[2])"
    path = tmp_path / "incr.lua"
    path.write_text(script)
    outputs = []
    for server in (podium, oracle):
        with server.client() as c:
            c.flushall()
            c.script_flush()
            s = c.register_script(script)
            first = s(keys=["lb"], args=[5, "alice"])
            second = s(keys=["lb"], args=[2.5, "alice"])
        cli = subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port), "--eval", str(path), "lb",
                              ",", "1", "bob"], capture_output=True, text=True, timeout=10)
        outputs.append((first, second, cli.stdout, cli.returncode))
    assert outputs[0] == outputs[1]


def test_script_info_figures(podium):
    with podium.client() as c:
        c.script_flush()
        c.eval("return 1", 0)
        c.script_load("return 2")
        info = c.info("memory")
        assert info["number_of_cached_scripts"] == 2
        assert info["used_memory_lua"] > 0
        c.script_flush()
        assert c.info("memory")["number_of_cached_scripts"] == 0


def test_eval_in_multi_and_commandstats(podium):
    with podium.client() as c:
        c.flushall()
        c.config_resetstat()
        p = c.pipeline(transaction=True)
        p.eval("return redis.call('incr', KEYS[1])", 1, "m")
        p.eval("return redis.call('incr', KEYS[1])", 1, "m")
        assert p.execute() == [1, 2]
        stats = c.info("commandstats")
        assert stats["cmdstat_eval"]["calls"] == 2
        assert stats["cmdstat_incr"]["calls"] == 2


def test_function_flush_and_list_with_no_libraries_match_the_oracle(podium, oracle):
    """FLUSH and LIST of an empty function store (Redis' test harness sends FUNCTION FLUSH before each file)."""
    out = []
    for server in (podium, oracle):
        with server.client() as c:
            c.function_flush()
        with server.raw() as conn:
            out.append([conn.call(*cmd) for cmd in (
                ["FUNCTION", "FLUSH"], ["FUNCTION", "FLUSH", "ASYNC"], ["FUNCTION", "FLUSH", "sync"],
                ["FUNCTION", "FLUSH", "bogus"], ["FUNCTION", "LIST"], ["FUNCTION", "LIST", "WITHCODE"],
                ["FUNCTION", "LIST", "LIBRARYNAME", "x*", "WITHCODE"], ["FUNCTION", "LIST", "LIBRARYNAME"],
                ["FUNCTION", "LIST", "bogus"], ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
            )])
    assert out[0] == out[1]


def _wait_busy(client, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.ping()
        except redis.exceptions.ResponseError as e:
            if str(e).startswith("BUSY"):
                return str(e)
            raise
        time.sleep(0.02)
    raise AssertionError("the script never became busy")


def _run_in_thread(server, *command):
    import threading

    outcome = {}

    def run():
        with server.client() as c:
            try:
                outcome["reply"] = c.execute_command(*command)
            except Exception as e:  # the killed script's error
                outcome["error"] = str(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_busy_script_gets_busy_replies_and_script_kill_stops_it(podium):
    """A looping script past busy-reply-threshold: other clients (new connections too) get BUSY, SCRIPT KILL and
    FUNCTION STATS are answered, SCRIPT KILL stops it, and everything works again."""
    with podium.client() as c:
        c.config_set("busy-reply-threshold", 50)
        c.set("before", "1")
        thread, outcome = _run_in_thread(podium, "EVAL", "local a = 0 while true do a = a + 1 end", 0)
        message = _wait_busy(c)
        assert message == "BUSY Podium is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
        # Every connection is answered, on every event loop, including ones opened during the busy script.
        for _ in range(6):
            with podium.client() as other:
                with pytest.raises(redis.exceptions.ResponseError, match="^BUSY"):
                    other.get("before")
        with pytest.raises(redis.exceptions.ResponseError, match="^BUSY"):
            c.function_stats()
        with pytest.raises(redis.exceptions.ResponseError, match="^BUSY.*SCRIPT KILL"):
            c.execute_command("FUNCTION", "KILL")
        assert c.script_kill() is True
        thread.join(5)
        assert not thread.is_alive()
        assert "Script killed by user with SCRIPT KILL" in outcome["error"]
        assert c.ping() is True
        assert c.get("before") == b"1"
        with pytest.raises(redis.exceptions.ResponseError, match="NOTBUSY"):
            c.script_kill()
        c.config_set("busy-reply-threshold", 5000)


def test_busy_script_that_wrote_is_unkillable_and_its_client_gets_its_reply(podium):
    with podium.client() as c:
        c.config_set("busy-reply-threshold", 50)
        script = "redis.call('set', KEYS[1], 'x') local t = redis.call('time')[1] local a = 0 " \
                 "for i = 1, 40000000 do a = a + 1 end return a"
        thread, outcome = _run_in_thread(podium, "EVAL", script, 1, "written")
        _wait_busy(c)
        with pytest.raises(redis.exceptions.ResponseError, match="^UNKILLABLE"):
            c.script_kill()
        thread.join(60)
        assert outcome.get("reply") == 40000000
        assert c.get("written") == b"x"
        c.config_set("busy-reply-threshold", 5000)


def test_busy_function_shows_in_function_stats_and_function_kill_stops_it(podium):
    with podium.client() as c:
        c.config_set("busy-reply-threshold", 50)
        c.function_load("#!lua name=spin\nredis.register_function('spin', function() local a = 0 while true do "
                        "a = a + 1 end end)", replace=True)
        thread, outcome = _run_in_thread(podium, "FCALL", "spin", 0)
        assert _wait_busy(c).endswith("You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
        stats = c.function_stats()
        running = dict(zip(stats[1][::2], stats[1][1::2]))
        assert running[b"name"] == b"spin"
        assert running[b"command"] == [b"FCALL", b"spin", b"0"]
        assert running[b"duration_ms"] >= 50
        with pytest.raises(redis.exceptions.ResponseError, match="^BUSY.*FUNCTION KILL"):
            c.script_kill()
        assert c.execute_command("FUNCTION", "KILL") in (b"OK", "OK", True)
        thread.join(5)
        assert "Script killed by user" in outcome["error"]
        assert c.ping() is True
        c.function_delete("spin")
        c.config_set("busy-reply-threshold", 5000)


def test_a_long_script_below_the_threshold_keeps_other_clients_waiting_not_refused(podium):
    """Under busy-reply-threshold a script is atomic as always: other clients' commands wait for it (on the
    script thread it does not hold their event loops) and never see its state half-way."""
    with podium.client() as c:
        c.delete("slow")
        script = ("redis.call('set', KEYS[1], 'half-way') local a = 0 for i = 1, 5000000 do a = a + 1 end "
                  "redis.call('set', KEYS[1], 'done') return a")
        thread, outcome = _run_in_thread(podium, "EVAL", script, 1, "slow")
        seen = set()
        while thread.is_alive():
            seen.add(c.get("slow"))
        thread.join(10)
        assert outcome["reply"] == 5000000
        assert b"half-way" not in seen
        assert c.get("slow") == b"done"


def test_error_and_command_stats_of_script_refusals_match_the_oracle(podium, oracle):
    """A command a script may not run counts as Valkey counts it: an error reply, a rejected call of the command,
    a failed call of EVAL when the script answers the error; not twice."""
    out = []
    for server in (podium, oracle):
        with server.client() as c:
            c.config_resetstat()
            c.config_set("maxmemory", 1)
            replies = []
            for script in ("return redis.call('set','x','y')", "return redis.pcall('set','x','y')",
                           "local t = redis.pcall('set','x','y') return 1", "return redis.call('nosuch')",
                           "return redis.call('incr', 'x', 'y')"):
                try:
                    replies.append(c.eval(script, 1, "x"))
                except redis.exceptions.ResponseError as e:
                    replies.append(str(e).replace("Unknown Redis command", "Unknown command").replace(
                        "calling Redis command", "calling command"))
            c.config_set("maxmemory", 0)
            errors = c.info("errorstats")
            stats = c.info("stats")["total_error_replies"]
            commands = c.info("commandstats")
            picked = {k: {f: v[f] for f in ("calls", "rejected_calls", "failed_calls")}
                      for k, v in commands.items() if k in ("cmdstat_set", "cmdstat_eval", "cmdstat_incr")}
            out.append((replies, errors, stats, picked))
    assert out[0] == out[1]


def test_a_recursive_result_ends_at_the_stack_limit_as_on_the_oracle(podium, oracle):
    """A table that contains itself: nested one-element arrays until Lua's stack runs out, then
    `-ERR reached lua stack limit`, byte for byte as the oracle (read raw: no parser nests that deep)."""
    import socket

    script = b"local a = {}; local b = {a}; a[1] = b; return a"
    request = b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%s\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n" % (len(script), script)
    answers = []
    for server in (podium, oracle):
        with socket.create_connection((server.host, server.port), timeout=10) as s:
            s.sendall(request)
            data = b""
            while not data.endswith(b"+PONG\r\n"):
                chunk = s.recv(65536)
                assert chunk
                data += chunk
        answers.append(data)
    assert answers[0].endswith(b"*1\r\n-ERR reached lua stack limit\r\n+PONG\r\n")
    assert answers[0] == answers[1]


def test_what_a_script_publishes_to_its_caller_follows_the_reply(server_factory, oracle_factory):
    """RESP3: the keyspace events of a script's commands (and its PUBLISH) that reach the calling client come
    after the script's reply, as pushes to the client's own commands do in Valkey 8 (Redis 7.2's pending push
    messages; redis-server 7.0 sends them before the reply, so against it only the messages are compared)."""
    outs = []
    for factory in (server_factory, oracle_factory):
        server = factory(["--notify-keyspace-events", "KEA"])
        with server.raw() as conn:
            conn.call("HELLO", "3")
            conn.call("SUBSCRIBE", "__keyspace@0__:k", "news")
            conn.read_reply()
            conn.send("EVAL", "redis.call('set', KEYS[1], 'v') redis.call('expire', KEYS[1], 100) "
                      "redis.call('publish', 'news', 'hi') return 1", 1, "k")
            conn.send("PING")
            replies = []
            while True:
                reply = conn.read_reply()
                replies.append(reply)
                if reply == Reply("+", "PONG"):
                    break
        outs.append(replies)
    podium_out, oracle_out = outs
    assert podium_out[0] == Reply(":", 1)
    assert [r for r in podium_out if r.kind == ">"] == [r for r in oracle_out if r.kind == ">"]
    assert len([r for r in podium_out if r.kind == ">"]) == 3
    from conftest import oracle_executable

    if "valkey" in oracle_executable():
        assert podium_out == oracle_out


def test_a_quick_script_that_turns_long_is_run_again_on_the_script_thread(podium):
    """A script that ran quickly runs inline, on the event loop, next time; if such a run goes on (here: forever)
    before it wrote anything, it is stopped and run again from the start on the script thread, so it becomes
    busy and can be killed there instead of holding the event loop (with io-threads 1, every client's)."""
    script = "local n = tonumber(ARGV[1]) local a = 0 while n < 0 or a < n do a = a + 1 end return a"
    with podium.client() as c:
        c.config_set("busy-reply-threshold", 100)
        assert c.eval(script, 0, 10) == 10
        assert c.eval(script, 0, 1000) == 1000
        thread, outcome = _run_in_thread(podium, "EVAL", script, 0, -1)
        _wait_busy(c)
        assert c.script_kill() is True
        thread.join(5)
        assert "Script killed by user" in outcome["error"]
        # And a long one that finishes answers once, with its result.
        assert c.eval(script, 0, 3000000) == 3000000
        assert c.ping() is True
        c.config_set("busy-reply-threshold", 5000)


NODE_REDIS_SCRIPTS = r"""
const { createClient, defineScript } = require('redis');
(async () => {
  const [port] = process.argv.slice(1);
  const client = createClient({
    socket: { host: '127.0.0.1', port: Number(port) },
    scripts: {
      // rate-limit-redis's fixed window: INCR, PEXPIRE on the window's first hit, the count and the TTL left.
      hit: defineScript({
        NUMBER_OF_KEYS: 1,
        SCRIPT: "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
              + "return {n, redis.call('PTTL', KEYS[1]) > 0 and 1 or 0}",
        transformArguments(key, windowMs) { return [key, windowMs.toString()]; },
        transformReply(reply) { return reply; },
      }),
    },
    functions: {
      board: {
        addscore: {
          NUMBER_OF_KEYS: 1,
          transformArguments(key, by, member) { return [key, by.toString(), member]; },
          transformReply(reply) { return reply; },
        },
      },
    },
  });
  client.on('error', (e) => { console.error('client error', e.message); process.exit(2); });
  await client.connect();
  await client.flushAll();
  await client.scriptFlush();
  await client.functionFlush();
  const out = {};
  // The first call meets NOSCRIPT and falls back to EVAL; the rest run by EVALSHA.
  out.hits = [];
  for (let i = 0; i < 12; i++) out.hits.push(await client.hit('rl:user:1', 60000));
  out.load = await client.functionLoad(
    "#!lua name=board\nredis.register_function('addscore', function(keys, args) "
    + "return redis.call('ZINCRBY', keys[1], args[1], args[2]) end)", { REPLACE: true });
  out.scores = [];
  for (const [by, m] of [[5, 'ana'], [2.5, 'ana'], [7, 'bo']]) out.scores.push(await client.board.addscore('lb', by, m));
  out.top = await client.zRangeWithScores('lb', 0, -1, { REV: true });
  out.list = await client.sendCommand(['FUNCTION', 'LIST']);
  await client.quit();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e.message); process.exit(1); });
"""


def test_node_redis_scripts_and_functions_match_the_oracle(podium, oracle):
    """Debian's node-redis: a script defined with defineScript (EVALSHA, EVAL after NOSCRIPT) and a function called
    through the client's `functions` option, as an app's rate limiter and leaderboard would."""
    import os
    import shutil

    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "node is not installed (scripts/test installs nodejs and node-redis with apt)"
    env = dict(os.environ, NODE_PATH="/usr/share/nodejs")
    outputs = []
    for server in (podium, oracle):
        result = subprocess.run([node, "-e", NODE_REDIS_SCRIPTS, str(server.port)], capture_output=True, text=True,
                                timeout=60, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert '"hits":[[1,1],[2,1]' in outputs[0]


def test_a_moved_script_that_catches_its_stop_writes_once(podium):
    """An inline run stopped to run again on the script thread cannot go on and write: a pcall (here around a
    coroutine) that catches the stop gets an error for every command it then calls, so the write happens once,
    in the run that answers."""
    script = ("pcall(coroutine.wrap(function() for i = 1, tonumber(ARGV[1]) do end end)) "
              "return redis.call('incr', KEYS[1])")
    with podium.client() as c:
        c.delete("ctr")
        assert c.eval(script, 1, "ctr", 10) == 1
        assert c.eval(script, 1, "ctr", 30000000) == 2
        assert c.get("ctr") == b"2"
