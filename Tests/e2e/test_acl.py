"""Authentication and ACL users: requirepass, AUTH, HELLO AUTH, ACL SETUSER rules (commands, categories, keys with
read/write permissions, channels), NOAUTH / WRONGPASS / NOPERM texts, ACL LOG, DELUSER and rule changes acting on live
connections, the aclfile (LOAD, SAVE), `user` directives, CLIENT LIST user=, COMMAND INFO categories.

Most tests run the same script against podium and a fresh redis-server 7 (oracle_factory) and compare replies
exactly. Where Podium follows Valkey 8 / Redis 7.2 instead of 7.0 (ACL GETUSER's command rules kept in order, ACL
LOG's 7.2 fields), the podium side is checked against literals.
"""

from __future__ import annotations

import socket
import time

import pytest
import redis

from resp_client import Reply
from support import wait_until

PASSWORD = "s3cret-pass"


@pytest.fixture
def pair(server_factory, oracle_factory):
    """A fresh podium and a fresh redis-server, started with the same arguments."""
    def start(extra_args: list[str] | None = None):
        return server_factory(extra_args=extra_args), oracle_factory(extra_args=extra_args)
    return start


def both(servers, script):
    """Runs `script(conn)` on a raw connection to each server; returns the two results."""
    results = []
    for server in servers:
        conn = server.raw()
        try:
            results.append(script(conn))
        finally:
            conn.close()
    return results


def same(servers, *commands):
    """Sends the commands on one connection per server and asserts the replies are identical; returns podium's."""
    podium, redis_ = both(servers, lambda conn: [conn.call(*c) for c in commands])
    for command, mine, theirs in zip(commands, podium, redis_):
        assert mine == theirs, f"{command}: podium {mine!r} != redis {theirs!r}"
    return podium


# ------------------------------------------------------------------------------------------------
# requirepass, AUTH, HELLO
# ------------------------------------------------------------------------------------------------


def test_requirepass_noauth_wrongpass_and_auth(pair):
    servers = pair(["--requirepass", PASSWORD])
    same(servers,
         ("GET", "k"), ("SET", "k", "v"), ("PING",), ("CLIENT", "ID"), ("NOSUCH",), ("GET",),
         ("AUTH", "wrong"), ("AUTH", "default", "wrong"), ("AUTH", "nobody", PASSWORD), ("AUTH", "a", "b", "c"),
         ("HELLO", "3"),
         ("AUTH", PASSWORD), ("SET", "k", "v"), ("GET", "k"), ("ACL", "WHOAMI"))
    # HELLO with AUTH authenticates and switches protocol at once.
    same(servers, ("HELLO", "2", "AUTH", "default", "wrong"), ("GET", "k"))
    podium, _ = servers
    conn = podium.raw()
    reply = conn.call("HELLO", "3", "AUTH", "default", PASSWORD)
    assert reply.kind == "%"
    assert conn.call("GET", "k") == Reply("$", b"v")
    conn.close()


def test_auth_without_a_password_configured(pair):
    same(pair(), ("AUTH", "x"), ("AUTH", "default", "anything"), ("AUTH", "nobody", "x"), ("ACL", "WHOAMI"))


def test_config_set_requirepass_applies_to_new_connections(pair):
    servers = pair()
    for server in servers:
        with server.client() as c:
            c.config_set("requirepass", PASSWORD)
    same(servers, ("GET", "k"), ("AUTH", PASSWORD), ("GET", "k"))
    for server in servers:
        with server.client(password=PASSWORD) as c:
            assert c.config_get("requirepass") == {"requirepass": PASSWORD}
            c.config_set("requirepass", "")
    same(servers, ("GET", "k"))


def test_reset_deauthenticates(pair):
    same(pair(["--requirepass", PASSWORD]), ("AUTH", PASSWORD), ("RESET",), ("GET", "k"), ("ACL", "WHOAMI"))


# ------------------------------------------------------------------------------------------------
# Users: commands, keys, channels
# ------------------------------------------------------------------------------------------------

ALICE = ["ACL", "SETUSER", "alice", "on", ">alicepw", "~cached:*", "%R~readonly:*", "%W~writeonly:*",
         "&scores.*", "+@read", "+set", "+del", "+publish", "+subscribe", "+psubscribe", "+unsubscribe",
         "+punsubscribe", "+copy", "+zunionstore",
         "+zunion", "+multi", "+exec", "-keys"]


def test_user_permissions_match_redis(pair):
    servers = pair()
    same(servers, tuple(ALICE), ("AUTH", "alice", "alicepw"), ("ACL", "WHOAMI"),
         ("SET", "cached:1", "v"), ("GET", "cached:1"), ("GET", "other"), ("KEYS", "*"), ("FLUSHALL",),
         ("HSET", "cached:2", "f", "v"), ("CONFIG", "GET", "port"),
         # %R~ reads only, %W~ writes only.
         ("GET", "readonly:1"), ("SET", "readonly:1", "x"), ("SET", "writeonly:1", "x"), ("GET", "writeonly:1"),
         ("SET", "writeonly:1", "x", "GET"), ("DEL", "writeonly:1"), ("EXISTS", "readonly:1", "writeonly:1"),
         ("COPY", "readonly:a", "writeonly:b"), ("COPY", "writeonly:a", "readonly:b"),
         # Keys after a count (numkeys) are checked too.
         ("ZUNION", "2", "cached:a", "secret"), ("ZUNION", "2", "cached:a", "readonly:b"),
         ("ZUNIONSTORE", "writeonly:d", "2", "readonly:a", "cached:b"), ("ZUNIONSTORE", "readonly:d", "1", "cached:a"),
         ("ZUNION", "notanumber", "secret"),
         # Channels: literal for PUBLISH/SUBSCRIBE, the pattern itself for PSUBSCRIBE.
         ("PUBLISH", "scores.global", "m"), ("PUBLISH", "chat", "m"), ("PSUBSCRIBE", "scores.*"),
         ("PUNSUBSCRIBE",), ("PSUBSCRIBE", "scores.g*"), ("SUBSCRIBE", "chat"), ("SUBSCRIBE", "scores.global"),
         ("UNSUBSCRIBE",),
         # Transactions: a denied command aborts the transaction at EXEC.
         ("MULTI",), ("GET", "cached:1"), ("GET", "secret"), ("EXEC",),
         # AUTH, HELLO, QUIT and RESET never need a permission.
         ("AUTH", "alice", "wrong"))


def test_setuser_errors_match_redis(pair):
    bad_rules = [
        ["~x", "allkeys", "~y"], ["allchannels", "&x"], ["+nosuchcommand"], ["+@nosuchcategory"], ["-nosuch"],
        ["<notapassword"], ["#abc"], ["!" + "g" * 64], ["%X~k"], ["%R"], ["~a b"], ["bogus"], ["+config|"],
        ["+config|get|x"], ["+nosuch|sub"], [">"], ["&"],
    ]
    commands = [("ACL", "SETUSER", "bob", *rules) for rules in bad_rules]
    commands += [("ACL", "SETUSER", "has space"), ("ACL", "SETUSER"), ("ACL", "DELUSER", "default"),
                 ("ACL", "GETUSER", "nobody"), ("ACL", "CAT", "nosuch"), ("ACL", "GENPASS", "0"),
                 ("ACL", "GENPASS", "4097"), ("ACL", "GENPASS", "x"), ("ACL", "LOG", "x"),
                 ("ACL", "DRYRUN", "nobody", "get", "k"), ("ACL", "DRYRUN", "default", "nosuch"),
                 ("ACL", "DRYRUN", "default", "get"), ("ACL", "LOAD"), ("ACL", "SAVE"), ("ACL", "NOSUCH"),
                 ("ACL", "USERS")]
    servers = pair()
    same(servers, *commands)
    # Redis 7 selectors are not supported (docs/security.md): Podium refuses them rather than ignore them.
    if servers[0].is_redis:
        return
    conn = servers[0].raw()
    assert conn.call("ACL", "SETUSER", "bob", "(~x +get)") == Reply(
        "-", "ERR Error in ACL SETUSER modifier '(~x +get)': Syntax error")
    conn.close()


def test_dryrun_and_cat_match_redis(pair):
    servers = pair()
    same(servers, tuple(ALICE),
         ("ACL", "DRYRUN", "alice", "get", "cached:1"), ("ACL", "DRYRUN", "alice", "get", "secret"),
         ("ACL", "DRYRUN", "alice", "keys", "*"), ("ACL", "DRYRUN", "alice", "publish", "chat", "m"),
         ("ACL", "DRYRUN", "alice", "config", "get", "port"), ("ACL", "DRYRUN", "alice", "set", "readonly:x", "v"),
         ("ACL", "CAT"))
    # ACL CAT <category>: the same commands (Redis lists them in hash order), for the commands both implement.
    podium, redis_ = servers
    both_have = _all_names(podium) & _all_names(redis_)
    for category in ("string", "hash", "sortedset", "keyspace", "read", "write", "fast", "slow", "admin",
                     "dangerous", "pubsub", "connection", "transaction", "blocking"):
        mine = set(podium.client().acl_cat(category)) & both_have
        theirs = set(redis_.client().acl_cat(category)) & both_have
        mine -= {name for name, extra in VALKEY_EXTRA_CATEGORIES.items() if category in extra}
        assert mine == theirs, f"@{category}: podium only {mine - theirs}, redis only {theirs - mine}"


# Where Valkey 8 (the spec) gives a command more categories than redis-server 7.0 (checked against Valkey 8.0.1).
VALKEY_EXTRA_CATEGORIES = {"wait": {"blocking"}}


def _all_names(server) -> set[str]:
    """Every command and subcommand name the server's COMMAND lists."""
    names = set()
    conn = server.raw()
    for entry in conn.call("COMMAND").value:
        names.add(entry.value[0].value.decode())
        for sub in entry.value[9].value:
            names.add(sub.value[0].value.decode())
    conn.close()
    return names


def test_command_info_categories_match_redis(podium, oracle):
    conn, other = podium.raw(), oracle.raw()
    try:
        for entry in conn.call("COMMAND").value:
            name = entry.value[0].value.decode()
            theirs = other.call("COMMAND", "INFO", name).value[0]
            if theirs.kind != "*":
                continue  # a Podium-only command (none today) or one Redis 7.0 lacks (7.2's CLIENT SETINFO)
            mine = [c for c in entry.value[6].value
                    if c.value.lstrip("@") not in VALKEY_EXTRA_CATEGORIES.get(name, set())]
            assert mine == theirs.value[6].value, f"{name}: {entry.value[6]} != {theirs.value[6]}"
            by_name = {s.value[0].value: s for s in theirs.value[9].value}
            for sub in entry.value[9].value:
                match = by_name.get(sub.value[0].value)
                if match is not None:
                    assert sub.value[6] == match.value[6], f"{sub.value[0].value}: {sub.value[6]} != {match.value[6]}"
    finally:
        conn.close()
        other.close()


def test_getuser_and_list_follow_valkey(fresh_podium):
    """ACL GETUSER / LIST as Valkey 8 shows them (command rules in the order given, compacted)."""
    if fresh_podium.is_redis:
        pytest.skip("Redis 7.0 describes command rules differently (docs/security.md)")
    conn = fresh_podium.raw()
    assert conn.call("ACL", "SETUSER", "alice", "on", ">alicepw", "~cached:*", "%R~ro:*", "&scores.*", "+@read",
                     "-@dangerous", "+set", "-get", "+get", "+client|id") == Reply("+", "OK")
    user = conn.call("ACL", "GETUSER", "alice").value
    fields = {user[i].value.decode(): user[i + 1] for i in range(0, len(user), 2)}
    assert fields["flags"] == Reply("*", [Reply("$", b"on"), Reply("$", b"sanitize-payload")])
    assert fields["passwords"] == Reply("*", [Reply("$", _sha("alicepw").encode())])
    assert fields["commands"] == Reply("$", b"-@all +@read -@dangerous +set +get +client|id")
    assert fields["keys"] == Reply("$", b"~cached:* %R~ro:*")
    assert fields["channels"] == Reply("$", b"&scores.*")
    assert fields["selectors"] == Reply("*", [])
    listing = [item.value.decode() for item in conn.call("ACL", "LIST").value]
    assert listing == [
        f"user alice on sanitize-payload #{_sha('alicepw')} ~cached:* %R~ro:* resetchannels &scores.* "
        "-@all +@read -@dangerous +set +get +client|id",
        "user default on nopass sanitize-payload ~* &* +@all",
    ]
    assert conn.call("ACL", "WHOAMI") == Reply("$", b"default")
    assert len(conn.call("ACL", "GENPASS").value) == 64
    assert len(conn.call("ACL", "GENPASS", "5").value) == 2
    conn.close()


def _sha(password: str) -> str:
    import hashlib
    return hashlib.sha256(password.encode()).hexdigest()


def test_acl_log(pair):
    servers = pair()
    commands = [tuple(ALICE), ("AUTH", "alice", "alicepw"), ("GET", "secret"), ("GET", "secret"), ("FLUSHALL",),
                ("PUBLISH", "chat", "x"), ("AUTH", "alice", "wrong")]
    for server in servers:
        conn = server.raw()
        for command in commands:
            conn.call(*command)
        conn.close()
    logs = []
    for server in servers:
        with server.client() as c:
            logs.append(c.acl_log())
    for mine, theirs in zip(*logs):
        for field in ("count", "reason", "context", "object", "username"):
            assert mine[field] == theirs[field], (field, mine, theirs)
        assert mine["client-info"]["user"] == theirs["client-info"]["user"]
    assert len(logs[0]) == len(logs[1]) == 4
    podium = servers[0]
    if podium.is_redis:
        return  # the rest is Valkey 8 / Redis 7.2 (entry ids, INFO acl_access_denied_*)
    with podium.client() as c:
        entry = c.acl_log()[0]
        for field in ("entry-id", "timestamp-created", "timestamp-last-updated"):  # Valkey 8 / Redis 7.2
            assert field in entry
        assert c.acl_log(count=1)[0]["reason"] == "auth"
        info = c.info("stats")
        assert (info["acl_access_denied_auth"], info["acl_access_denied_cmd"], info["acl_access_denied_key"],
                info["acl_access_denied_channel"]) == (1, 1, 2, 1)
        assert c.acl_log_reset()
        assert c.acl_log() == []
        c.config_set("acllog-max-len", 0)
    same(servers, ("ACL", "SETUSER", "x", "on", "nopass"), ("AUTH", "x", "y"))
    with podium.client() as c:
        assert c.acl_log() == []


def test_client_list_and_info_show_the_user(fresh_podium):
    with fresh_podium.client() as admin:
        admin.execute_command(*ALICE)
        with fresh_podium.client(username="alice", password="alicepw") as alice:
            assert alice.get("cached:1") is None
            assert admin.client_info()["user"] == "default"
            users = {c["user"] for c in admin.client_list()}
            assert users == {"default", "alice"}
            assert admin.execute_command("CLIENT", "KILL", "USER", "alice") == 1
            with pytest.raises(redis.ResponseError, match="No such user 'nobody'"):
                admin.execute_command("CLIENT", "KILL", "USER", "nobody")


# ------------------------------------------------------------------------------------------------
# Live connections follow user changes
# ------------------------------------------------------------------------------------------------


def test_rule_changes_and_deluser_act_on_live_connections(pair):
    for server in pair():
        admin = server.raw()
        alice = server.raw()
        subscriber = server.raw()
        assert admin.call(*ALICE) == Reply("+", "OK")
        assert alice.call("AUTH", "alice", "alicepw") == Reply("+", "OK")
        assert subscriber.call("AUTH", "alice", "alicepw") == Reply("+", "OK")
        subscriber.send("SUBSCRIBE", "scores.global")
        assert subscriber.read_reply().kind == "*"
        # A rule change applies to the next command of a connection already authenticated as the user.
        assert alice.call("GET", "cached:1") == Reply("$", None)
        assert admin.call("ACL", "SETUSER", "alice", "-get") == Reply("+", "OK")
        assert alice.call("GET", "cached:1") == Reply(
            "-", "NOPERM this user has no permissions to run the 'get' command")
        # Losing the channel a subscriber listens to closes it.
        assert admin.call("ACL", "SETUSER", "alice", "resetchannels", "&other") == Reply("+", "OK")
        assert subscriber.read_raw_until_closed(10) == (b"", True)
        # DELUSER closes the user's connections.
        assert admin.call("ACL", "DELUSER", "alice", "nobody") == Reply(":", 1)
        assert alice.read_raw_until_closed(10) == (b"", True)
        assert admin.call("ACL", "USERS") == Reply("*", [Reply("$", b"default")])
        admin.close()


def test_exec_rechecks_permissions(pair):
    for server in pair():
        admin, alice = server.raw(), server.raw()
        admin.call(*ALICE)
        alice.call("AUTH", "alice", "alicepw")
        assert alice.call("MULTI") == Reply("+", "OK")
        assert alice.call("GET", "cached:1") == Reply("+", "QUEUED")
        admin.call("ACL", "SETUSER", "alice", "-get")
        reply = alice.call("EXEC")
        assert reply.kind == "*"
        assert reply.value[0] == Reply(
            "-", "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
                 "This command is no longer allowed for the following reason: no permission to execute the command "
                 "or subcommand")
        admin.close()
        alice.close()


# ------------------------------------------------------------------------------------------------
# Users from the configuration: user directives, aclfile
# ------------------------------------------------------------------------------------------------


def test_user_directives_in_the_config_file(server_factory):
    server = server_factory(config_text=(
        "port {port}\n"
        "appendonly no\n"
        "user default on >defaultpw ~* &* +@all\n"
        "user reader on >readerpw %R~* resetchannels -@all +@read +auth\n"))
    conn = server.raw()
    assert conn.call("GET", "k") == Reply("-", "NOAUTH Authentication required.")
    assert conn.call("AUTH", "reader", "readerpw") == Reply("+", "OK")
    assert conn.call("GET", "k") == Reply("$", None)
    assert conn.call("SET", "k", "v") == Reply("-", "NOPERM this user has no permissions to run the 'set' command")
    conn.close()
    with server.client(password="defaultpw") as c:
        assert c.set("k", "v")


def test_bad_user_directive_stops_the_start(server_factory):
    from conftest import ServerStartError
    with pytest.raises(ServerStartError, match=r"Error loading ACL rule '\+nosuchcommand' for the user named 'x'"):
        server_factory(config_text="port {port}\nuser x on +nosuchcommand\n")


@pytest.fixture
def aclfile_pair(server_factory, oracle_factory, tmp_path):
    """A podium and a redis-server, each with its own aclfile of the same contents."""
    text = "user default on nopass ~* &* +@all\nuser alice on >alicepw ~a:* resetchannels -@all +get\n"
    servers = []
    for name, factory in (("podium", server_factory), ("redis", oracle_factory)):
        path = tmp_path / f"{name}.acl"
        path.write_text(text)
        servers.append((factory(extra_args=["--aclfile", str(path)]), path))
    return servers


def test_aclfile(aclfile_pair):
    replies = []
    for server, path in aclfile_pair:
        conn = server.raw()
        script = [conn.call("AUTH", "alice", "alicepw"), conn.call("GET", "a:1"), conn.call("SET", "a:1", "v")]
        admin = server.raw()
        script.append(admin.call("ACL", "SETUSER", "bob", "on", ">bobpw", "+@all", "~*"))
        script.append(admin.call("ACL", "SAVE"))
        saved = path.read_text().splitlines()
        script.append(sorted(line.split(" ")[1] for line in saved))
        # A broken file changes nothing; the error names the file and line.
        path.write_text("user alice on +nosuch\nnot a user line\n")
        error = admin.call("ACL", "LOAD")
        script.append(error.kind)
        script.append(error.value.replace(str(path), "FILE"))
        script.append(admin.call("ACL", "USERS"))
        # A good file replaces the users.
        path.write_text("user default on nopass ~* &* +@all\nuser alice on >alicepw ~a:* resetchannels -@all +get +set\n")
        script.append(admin.call("ACL", "LOAD"))
        script.append(admin.call("ACL", "USERS"))
        replies.append(script)
        # Redis 7.0 closes every connection of a reloaded user; Valkey 8 (and Podium) keep those whose user is
        # still there, running as the reloaded user.
        if server.is_redis:
            assert conn.read_raw_until_closed(10)[1]
        else:
            assert conn.call("SET", "a:1", "v") == Reply("+", "OK")
            assert conn.call("ACL", "WHOAMI") == Reply("-", "NOPERM this user has no permissions to run the 'acl|whoami' command")
        conn.close()
        admin.close()
    assert replies[0] == replies[1]


def test_user_directives_and_aclfile_together_refused(server_factory, tmp_path):
    from conftest import ServerStartError
    path = tmp_path / "users.acl"
    path.write_text("user default on nopass ~* &* +@all\n")
    with pytest.raises(ServerStartError, match="users defined in redis.conf and at the same setting an ACL file"):
        server_factory(extra_args=["--aclfile", str(path)], config_text="port {port}\nuser x on\n")


# ------------------------------------------------------------------------------------------------
# Protected mode
# ------------------------------------------------------------------------------------------------


def _non_loopback_address() -> str | None:
    """This host's address on its default route, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.123", 9))  # nothing is sent
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


PROTECTED = ("-DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
             "for the default user.")


def test_protected_mode(server_factory):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("no non-loopback address on this host")
    # The server listens on loopback and on this host's own address only for the test; a client connecting to that
    # address comes from it, not from loopback.
    for extra, refused in ((["--bind", f"127.0.0.1 {address}"], True),
                           (["--bind", f"127.0.0.1 {address}", "--requirepass", PASSWORD], False),
                           (["--bind", f"127.0.0.1 {address}", "--protected-mode", "no"], False)):
        server = server_factory(extra_args=extra)
        with socket.create_connection((address, server.port), timeout=10) as s:
            s.settimeout(10)
            data = b""
            if refused:
                # The server answers and closes at once; nothing is sent (unread input would turn the close into
                # a reset that can drop the answer).
                try:
                    while chunk := s.recv(4096):
                        data += chunk
                except ConnectionResetError:
                    pass
                assert data.decode().startswith(PROTECTED)
            else:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                data = s.recv(4096)
                assert data in (b"+PONG\r\n", b"-NOAUTH Authentication required.\r\n")
        # Loopback clients are always let in.
        with server.client(password=PASSWORD if "--requirepass" in extra else None) as c:
            assert c.ping()


def test_key_access_of_pops_moves_bitop_and_sort(pair):
    """Commands that read the keys they change need read and write access (LPOP, BLPOP, BZPOPMIN, MOVE, SETBIT,
    LMOVE's source); BITOP and the set STORE commands read their sources and write their destination; SORT's
    STORE destination is found as Valkey's sortGetKeys finds it; SORT BY (a pattern) and GET need unrestricted
    read access. The same replies as redis-server 7."""
    servers = pair()
    setup = [("RPUSH", "l", "3", "1", "2"), ("ZADD", "z", "1", "a"), ("SET", "s1", "v"), ("SET", "secret:3", "x"),
             ("SET", "src1", "abc"), ("SADD", "src:set", "m"),
             ("ACL", "SETUSER", "wo", "on", "nopass", "%W~*", "+@all"),
             ("ACL", "SETUSER", "split", "on", "nopass", "%R~src*", "%W~dst*", "+@all"),
             ("ACL", "SETUSER", "kl", "on", "nopass", "~l", "~dst", "+@all"),
             ("ACL", "SETUSER", "kg", "on", "nopass", "~l", "~GET", "+@all"),
             ("ACL", "SETUSER", "reader", "on", "nopass", "%R~*", "~l", "+@all")]
    same(servers, *setup)
    same(servers, ("AUTH", "wo", "x"), ("LPOP", "l"), ("RPOP", "l"), ("BLPOP", "l", "0.01"), ("BZPOPMIN", "z", "0.01"),
         ("ZPOPMIN", "z"), ("MOVE", "s1", "1"), ("SETBIT", "s1", "1", "1"), ("LMOVE", "l", "dst", "LEFT", "LEFT"),
         ("RPOPLPUSH", "l", "dst"), ("SPOP", "src:set"), ("BITOP", "AND", "d", "s1"), ("LPUSH", "l", "4"),
         ("SINTERSTORE", "d", "src:set"), ("SMOVE", "src:set", "d", "m"), ("LLEN", "l"), ("SCARD", "src:set"),
         ("SISMEMBER", "src:set", "m"), ("EXISTS", "l"))
    same(servers, ("AUTH", "split", "x"), ("BITOP", "AND", "dst1", "src1"), ("BITOP", "AND", "src2", "src1"),
         ("SUNIONSTORE", "dst2", "src:set"), ("SDIFFSTORE", "src3", "src:set"), ("GET", "dst1"))
    same(servers, ("AUTH", "kl", "x"), ("SORT", "l", "STORE", "dst"), ("SORT", "l", "LIMIT", "0", "1", "STORE", "dst"),
         ("SORT", "l", "BY", "nosort", "STORE", "dst"), ("SORT", "l", "BY", "secret:*"), ("SORT", "l", "GET", "#"),
         ("SORT", "l", "GET", "secret:*"), ("SORT_RO", "l", "BY", "secret:*"), ("SORT", "l", "STORE", "secret"))
    same(servers, ("AUTH", "kg", "x"), ("SORT", "l", "STORE", "secret", "GET", "store", "GET", "#"))
    same(servers, ("AUTH", "reader", "x"), ("SORT", "l", "BY", "secret:*", "GET", "#", "GET", "secret:*"))
