"""Connection and server commands: HELLO, CLIENT, SELECT, DBSIZE, SWAPDB, FLUSHDB, TIME, ECHO, PING,
INFO, CONFIG, COMMAND, arity and unknown-command errors."""

from __future__ import annotations

import re
import time

import pytest
import redis

from resp_client import Reply, to_python
from support import skip_if_redis_older

OK = Reply("+", "OK")


def err(text: str) -> Reply:
    return Reply("-", text)


def parse_client_line(line: str) -> dict[str, str]:
    fields = {}
    for part in line.strip().split(" "):
        key, _, value = part.partition("=")
        fields[key] = value
    return fields


# --------------------------------------------------------------------------------------------------
# HELLO
# --------------------------------------------------------------------------------------------------

HELLO_FIELDS = [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]


@pytest.mark.parametrize("proto", [2, 3])
def test_hello_fields(raw, proto):
    reply = raw.call("HELLO", str(proto))
    if proto == 2:
        assert reply.kind == "*" and len(reply.value) == 14
        pairs = list(zip(reply.value[::2], reply.value[1::2]))
    else:
        assert reply.kind == "%" and len(reply.value) == 7
        pairs = reply.value
    assert [k.value for k, _ in pairs] == HELLO_FIELDS
    fields = {k.value: v for k, v in pairs}
    assert fields[b"proto"] == Reply(":", proto)
    assert fields[b"id"].kind == ":" and fields[b"id"].value > 0
    assert fields[b"mode"] == Reply("$", b"standalone")
    assert fields[b"role"] == Reply("$", b"master")
    assert fields[b"modules"] == Reply("*", [])
    assert fields[b"server"].kind == "$" and fields[b"server"].value
    assert re.fullmatch(rb"\d+\.\d+\.\d+", fields[b"version"].value)
    assert raw.call("CLIENT", "ID") == fields[b"id"]


def test_hello_without_version_and_errors(raw):
    reply = raw.call("HELLO")
    assert reply.kind == "*"  # still RESP2
    assert raw.call("HELLO", "abc") == err("ERR Protocol version is not an integer or out of range")
    assert raw.call("HELLO", "1") == err("NOPROTO unsupported protocol version")
    assert raw.call("HELLO", "4") == err("NOPROTO unsupported protocol version")


def test_hello_setname(raw):
    reply = raw.call("HELLO", "3", "SETNAME", "viahello")
    assert reply.kind == "%"
    assert raw.call("CLIENT", "GETNAME") == Reply("$", b"viahello")


def test_redis_py_hello_dicts(podium):
    with podium.client(protocol=3) as c:
        hello = c.execute_command("HELLO", 3)
        assert hello[b"proto"] == 3 and hello[b"role"] == b"master"
    with podium.client(protocol=2) as c:
        assert c.execute_command("HELLO", 2)  # redis-py parses either shape


# --------------------------------------------------------------------------------------------------
# CLIENT
# --------------------------------------------------------------------------------------------------


def test_client_setname_getname(raw):
    assert raw.call("CLIENT", "GETNAME") == Reply("$", None)
    assert raw.call("CLIENT", "SETNAME", "worker-1") == OK
    assert raw.call("CLIENT", "GETNAME") == Reply("$", b"worker-1")
    assert raw.call("CLIENT", "SETNAME", "bad name") == err(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    assert raw.call("CLIENT", "SETNAME", "") == OK
    assert raw.call("CLIENT", "GETNAME") == Reply("$", None)


def test_client_id_is_unique_and_increasing(podium):
    with podium.raw() as a, podium.raw() as b:
        ida = a.call("CLIENT", "ID")
        idb = b.call("CLIENT", "ID")
        assert ida.kind == idb.kind == ":"
        assert idb.value > ida.value


def test_client_list_and_info(podium):
    with podium.raw() as a, podium.raw() as b:
        a.call("CLIENT", "SETNAME", "alpha")
        b.call("SELECT", "3")
        my_id = a.call("CLIENT", "ID").value
        listing = a.call("CLIENT", "LIST")
        assert listing.kind == "$"  # a bulk string, one line per client
        clients = [parse_client_line(l) for l in listing.value.decode().splitlines() if l]
        by_id = {int(c["id"]): c for c in clients}
        assert my_id in by_id
        me = by_id[my_id]
        assert me["name"] == "alpha"
        assert me["addr"].startswith("127.0.0.1:")
        assert me["laddr"] == f"127.0.0.1:{podium.port}"
        assert me["db"] == "0"
        assert me["cmd"] == "client|list"
        other_id = b.call("CLIENT", "ID").value
        assert by_id[other_id]["db"] == "3"

        info = a.call("CLIENT", "INFO")
        assert info.kind == "$" and info.value.endswith(b"\n")
        fields = parse_client_line(info.value.decode())
        assert int(fields["id"]) == my_id and fields["name"] == "alpha" and fields["cmd"] == "client|info"

        only = a.call("CLIENT", "LIST", "ID", str(other_id))
        lines = [l for l in only.value.decode().splitlines() if l]
        assert len(lines) == 1 and int(parse_client_line(lines[0])["id"]) == other_id


def test_client_setinfo(podium):
    skip_if_redis_older(podium, (7, 2), "CLIENT SETINFO")
    with podium.raw() as c:
        assert c.call("CLIENT", "SETINFO", "LIB-NAME", "podium-e2e") == OK
        assert c.call("CLIENT", "SETINFO", "LIB-VER", "1.2.3") == OK
        fields = parse_client_line(c.call("CLIENT", "INFO").value.decode())
        assert fields["lib-name"] == "podium-e2e"
        assert fields["lib-ver"] == "1.2.3"
        bad = c.call("CLIENT", "SETINFO", "LIB-NAME", "has space")
        assert bad.kind == "-"
        assert c.call("CLIENT", "SETINFO", "NOPE", "x").kind == "-"


def test_client_no_evict(raw):
    assert raw.call("CLIENT", "NO-EVICT", "on") == OK
    assert raw.call("CLIENT", "NO-EVICT", "off") == OK
    assert raw.call("CLIENT", "NO-EVICT", "maybe") == err("ERR syntax error")


def test_client_no_touch(podium):
    skip_if_redis_older(podium, (7, 2), "CLIENT NO-TOUCH")
    with podium.raw() as c:
        assert c.call("CLIENT", "NO-TOUCH", "on") == OK
        assert c.call("CLIENT", "NO-TOUCH", "off") == OK
        assert c.call("CLIENT", "NO-TOUCH", "maybe") == err("ERR syntax error")


def test_client_unknown_subcommand(raw):
    assert raw.call("CLIENT", "foo") == err("ERR unknown subcommand 'foo'. Try CLIENT HELP.")


def test_redis_py_client_helpers(r):
    r.client_setname("pyname")
    assert r.client_getname() == "pyname" or r.client_getname() == b"pyname"
    assert isinstance(r.client_id(), int)
    assert any(c["name"] == "pyname" for c in r.client_list())


# --------------------------------------------------------------------------------------------------
# SELECT / DBSIZE / SWAPDB / FLUSHDB / FLUSHALL
# --------------------------------------------------------------------------------------------------


def test_select_and_dbsize(raw):
    raw.call("SET", "a", "1")
    assert raw.call("DBSIZE") == Reply(":", 1)
    assert raw.call("SELECT", "15") == OK
    assert raw.call("DBSIZE") == Reply(":", 0)
    raw.call("MSET", "x", "1", "y", "2")
    assert raw.call("DBSIZE") == Reply(":", 2)
    assert raw.call("SELECT", "16") == err("ERR DB index is out of range")
    assert raw.call("SELECT", "0") == OK
    assert raw.call("DBSIZE") == Reply(":", 1)


def test_swapdb_affects_other_connections(podium, raw):
    raw.call("SET", "zero", "0")
    with podium.raw() as other:
        other.call("SELECT", "1")
        other.call("SET", "one", "1")
        assert raw.call("SWAPDB", "0", "1") == OK
        assert other.call("KEYS", "*") == Reply("*", [Reply("$", b"zero")])
    assert raw.call("KEYS", "*") == Reply("*", [Reply("$", b"one")])


@pytest.mark.parametrize("mode", [[], ["ASYNC"], ["SYNC"]])
def test_flushdb_modes(raw, mode):
    raw.call("MSET", "a", "1", "b", "2")
    raw.call("SELECT", "1")
    raw.call("SET", "c", "3")
    assert raw.call("FLUSHDB", *mode) == OK
    assert raw.call("DBSIZE") == Reply(":", 0)
    raw.call("SELECT", "0")
    assert raw.call("DBSIZE") == Reply(":", 2)
    assert raw.call("FLUSHALL", *mode) == OK
    assert raw.call("DBSIZE") == Reply(":", 0)
    assert raw.call("FLUSHDB", "foo") == err("ERR syntax error")


# --------------------------------------------------------------------------------------------------
# TIME / ECHO / PING
# --------------------------------------------------------------------------------------------------


def test_time(raw):
    reply = raw.call("TIME")
    assert reply.kind == "*" and [e.kind for e in reply.value] == ["$", "$"]
    seconds, micros = int(reply.value[0].value), int(reply.value[1].value)
    assert abs(seconds - time.time()) < 3600  # same clock, loosely (not a timing assertion)
    assert 0 <= micros < 1_000_000


def test_echo_and_ping(raw):
    assert raw.call("ECHO", "hello") == Reply("$", b"hello")
    assert raw.call("PING") == Reply("+", "PONG")
    assert raw.call("PING", "msg") == Reply("$", b"msg")
    assert raw.call("ECHO") == err("ERR wrong number of arguments for 'echo' command")
    assert raw.call("PING", "a", "b") == err("ERR wrong number of arguments for 'ping' command")


# --------------------------------------------------------------------------------------------------
# INFO
# --------------------------------------------------------------------------------------------------


def info_sections(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# "):
            current = line[2:].strip().lower()
            sections[current] = {}
        elif line and current is not None:
            key, _, value = line.partition(":")
            sections[current][key] = value
    return sections


def test_info_default_sections(podium, raw):
    raw.call("SET", "a", "1")
    raw.call("SET", "b", "2", "EX", "1000")
    reply = raw.call("INFO")
    assert reply.kind == "$"
    text = reply.value.decode()
    assert "\r\n" in text, "INFO lines end with CRLF"
    sections = info_sections(text)
    for name in ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"]:
        assert name in sections, f"missing # {name.capitalize()} section"
    server = sections["server"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", server["redis_version"])
    assert int(server["process_id"]) == podium.pid
    assert int(server["tcp_port"]) == podium.port
    assert int(sections["clients"]["connected_clients"]) >= 1
    assert int(sections["memory"]["used_memory"]) > 0
    assert sections["persistence"]["loading"] == "0"
    assert int(sections["stats"]["total_commands_processed"]) > 0
    assert int(sections["stats"]["total_connections_received"]) >= 1
    assert sections["replication"]["role"] == "master"
    assert float(sections["cpu"]["used_cpu_sys"]) >= 0
    db0 = sections["keyspace"]["db0"]
    m = re.fullmatch(r"keys=(\d+),expires=(\d+),avg_ttl=(\d+)", db0)
    assert m, db0
    assert (int(m.group(1)), int(m.group(2))) == (2, 1)


def test_info_single_sections_and_commandstats(raw):
    for _ in range(3):
        raw.call("GET", "x")
    persistence = info_sections(raw.call("INFO", "persistence").value.decode())
    assert list(persistence) == ["persistence"]
    assert persistence["persistence"]["loading"] == "0"
    replication = info_sections(raw.call("INFO", "replication").value.decode())
    assert replication["replication"]["role"] == "master"
    stats = info_sections(raw.call("INFO", "commandstats").value.decode())
    assert list(stats) == ["commandstats"]
    get = stats["commandstats"]["cmdstat_get"]
    fields = dict(p.split("=") for p in get.split(","))
    assert int(fields["calls"]) >= 3
    assert "usec" in fields and "usec_per_call" in fields
    empty_keyspace = info_sections(raw.call("INFO", "keyspace").value.decode())
    assert "keyspace" in empty_keyspace


def test_info_keyspace_via_redis_py(r):
    r.set("a", 1)
    assert r.info("keyspace")["db0"]["keys"] == 1
    assert r.info()["role"] == "master"


# --------------------------------------------------------------------------------------------------
# CONFIG
# --------------------------------------------------------------------------------------------------


def test_config_get_glob(podium, r, raw):
    values = r.config_get("port")
    assert values == {"port": str(podium.port)}
    maxes = r.config_get("max*")
    assert "maxmemory" in maxes and "maxclients" in maxes
    assert all(k.startswith("max") for k in maxes)
    assert r.config_get("no-such-directive-*") == {}
    # Several patterns at once (Redis 7); the reply order is not specified.
    both = to_python(raw.call("CONFIG", "GET", "port", "bind"))
    assert dict(zip(both[::2], both[1::2])) == {b"port": str(podium.port).encode(), b"bind": b"127.0.0.1"}


def test_config_set_round_trip(raw):
    original = to_python(raw.call("CONFIG", "GET", "maxmemory"))
    assert isinstance(original, list) and len(original) == 2, original
    try:
        assert raw.call("CONFIG", "SET", "maxmemory", "1mb") == OK
        assert raw.call("CONFIG", "GET", "maxmemory") == Reply("*", [Reply("$", b"maxmemory"), Reply("$", b"1048576")])
        assert raw.call("CONFIG", "SET", "maxmemory", "0") == OK
        assert raw.call("CONFIG", "GET", "maxmemory") == Reply("*", [Reply("$", b"maxmemory"), Reply("$", b"0")])
    finally:
        raw.call("CONFIG", "SET", "maxmemory", original[1])


def test_config_errors(raw):
    assert raw.call("CONFIG", "SET", "nosuch", "1") == err(
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    assert raw.call("CONFIG", "GET") == err("ERR wrong number of arguments for 'config|get' command")
    assert raw.call("CONFIG", "SET", "maxmemory") == err("ERR wrong number of arguments for 'config|set' command")
    assert raw.call("CONFIG", "foo") == err("ERR unknown subcommand 'foo'. Try CONFIG HELP.")
    bad = raw.call("CONFIG", "SET", "maxmemory", "lots")
    assert bad.kind == "-" and bad.value.startswith("ERR CONFIG SET failed (possibly related to argument 'maxmemory')")


# --------------------------------------------------------------------------------------------------
# COMMAND
# --------------------------------------------------------------------------------------------------


def test_command_count(raw):
    reply = raw.call("COMMAND", "COUNT")
    assert reply.kind == ":" and reply.value > 20


def test_command_info_get(raw):
    reply = raw.call("COMMAND", "INFO", "get", "nosuchcommand")
    assert reply.kind == "*" and len(reply.value) == 2
    get, missing = reply.value
    assert missing == Reply("$", None)  # unknown commands are a null bulk in RESP2
    assert get.kind == "*" and len(get.value) == 10
    name, arity, flags, first, last, step, acl, tips, keyspecs, subcommands = get.value
    assert name == Reply("$", b"get")
    assert arity == Reply(":", 2)
    assert flags.kind == "*" and {f.value for f in flags.value} >= {"readonly", "fast"}
    assert all(f.kind == "+" for f in flags.value), "flags are status replies"
    assert (first, last, step) == (Reply(":", 1), Reply(":", 1), Reply(":", 1))
    assert acl.kind == "*" and {a.value for a in acl.value} >= {"@read", "@string", "@fast"}
    assert tips.kind == "*"
    assert keyspecs.kind == "*" and len(keyspecs.value) == 1
    assert subcommands.kind == "*"


def test_command_info_subcommands_and_arity(raw):
    info = raw.call("COMMAND", "INFO", "set", "mset", "config")
    set_, mset, config = info.value
    assert set_.value[1] == Reply(":", -3)
    assert mset.value[1] == Reply(":", -3)
    assert mset.value[3:6] == [Reply(":", 1), Reply(":", -1), Reply(":", 2)]
    assert config.value[1] == Reply(":", -2)
    subnames = {s.value[0].value for s in config.value[9].value}
    assert {b"config|get", b"config|set"} <= subnames


def test_command_docs_get(raw):
    reply = raw.call("COMMAND", "DOCS", "get")
    assert reply.kind == "*" and len(reply.value) == 2
    assert reply.value[0] == Reply("$", b"get")
    doc = reply.value[1]
    assert doc.kind == "*" and len(doc.value) % 2 == 0
    fields = {doc.value[i].value: doc.value[i + 1] for i in range(0, len(doc.value), 2)}
    assert fields[b"summary"].kind == "$" and fields[b"summary"].value
    assert fields[b"since"] == Reply("$", b"1.0.0")
    assert fields[b"group"] == Reply("$", b"string")
    assert fields[b"complexity"].kind == "$"
    args = fields[b"arguments"]
    assert args.kind == "*" and len(args.value) == 1
    arg = {args.value[0].value[i].value: args.value[0].value[i + 1] for i in range(0, len(args.value[0].value), 2)}
    assert arg[b"name"] == Reply("$", b"key") and arg[b"type"] == Reply("$", b"key")


def test_command_docs_resp3_is_map(podium):
    with podium.raw() as c:
        c.call("HELLO", "3")
        reply = c.call("COMMAND", "DOCS", "get")
        assert reply.kind == "%"
        (name, doc), = reply.value
        assert name == Reply("$", b"get") and doc.kind == "%"


def test_redis_py_command_helpers(r):
    assert r.command_count() > 20
    info = r.command()  # the full COMMAND reply, parsed by redis-py
    assert info["get"]["arity"] == 2
    assert info["set"]["arity"] == -3
    assert len(info) == r.command_count()


# --------------------------------------------------------------------------------------------------
# Arity and unknown commands
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cmd,name",
    [(["GET"], "get"), (["get", "a", "b"], "get"), (["Set", "k"], "set"), (["SELECT"], "select"),
     (["DBSIZE", "x"], "dbsize"), (["SWAPDB", "1"], "swapdb"), (["EXPIRE", "k"], "expire"), (["KEYS"], "keys"),
     (["CLIENT", "SETNAME"], "client|setname"), (["OBJECT", "ENCODING"], "object|encoding")],
)
def test_wrong_number_of_arguments(raw, cmd, name):
    assert raw.call(*cmd) == err(f"ERR wrong number of arguments for '{name}' command")


@pytest.mark.parametrize(
    "cmd,text",
    [
        (["foo", "a", "b"], "ERR unknown command 'foo', with args beginning with: 'a' 'b' "),
        (["FOO"], "ERR unknown command 'FOO', with args beginning with: "),
        (["nosuch", "x"], "ERR unknown command 'nosuch', with args beginning with: 'x' "),
    ],
)
def test_unknown_command(raw, cmd, text):
    assert raw.call(*cmd) == err(text)
    assert raw.call("PING") == Reply("+", "PONG")


def test_unknown_command_redis_py(r):
    with pytest.raises(redis.ResponseError, match=r"unknown command 'foo', with args beginning with: 'a' 'b' "):
        r.execute_command("foo", "a", "b")
