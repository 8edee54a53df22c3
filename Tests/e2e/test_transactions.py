"""MULTI / EXEC / DISCARD / WATCH, over raw RESP (exact replies) and redis-py pipelines."""

from __future__ import annotations

import pytest
import redis

from resp_client import Reply

OK = Reply("+", "OK")
QUEUED = Reply("+", "QUEUED")
NULL_ARRAY = Reply("*", None)
EXECABORT = Reply("-", "EXECABORT Transaction discarded because of previous errors.")


def err(text: str) -> Reply:
    return Reply("-", text)


def test_multi_exec(raw):
    assert raw.call("MULTI") == OK
    assert raw.call("SET", "a", "1") == QUEUED
    assert raw.call("INCR", "a") == QUEUED
    assert raw.call("GET", "a") == QUEUED
    assert raw.call("EXEC") == Reply("*", [OK, Reply(":", 2), Reply("$", b"2")])


def test_empty_transaction(raw):
    assert raw.call("MULTI") == OK
    assert raw.call("EXEC") == Reply("*", [])


def test_queued_commands_are_not_visible_before_exec(podium, raw):
    assert raw.call("MULTI") == OK
    assert raw.call("SET", "a", "1") == QUEUED
    with podium.client() as other:
        assert other.get("a") is None
    assert raw.call("EXEC") == Reply("*", [OK])
    with podium.client() as other:
        assert other.get("a") == b"1"


def test_discard(raw):
    assert raw.call("MULTI") == OK
    assert raw.call("SET", "a", "1") == QUEUED
    assert raw.call("DISCARD") == OK
    assert raw.call("GET", "a") == Reply("$", None)
    assert raw.call("EXEC") == err("ERR EXEC without MULTI")


def test_state_errors(raw):
    assert raw.call("EXEC") == err("ERR EXEC without MULTI")
    assert raw.call("DISCARD") == err("ERR DISCARD without MULTI")
    assert raw.call("MULTI") == OK
    # These errors do not flag the transaction.
    assert raw.call("MULTI") == err("ERR MULTI calls can not be nested")
    assert raw.call("WATCH", "a") == err("ERR WATCH inside MULTI is not allowed")
    assert raw.call("SET", "a", "1") == QUEUED
    assert raw.call("EXEC") == Reply("*", [OK])


@pytest.mark.parametrize(
    "bad,error",
    [
        (["SET", "a"], "ERR wrong number of arguments for 'set' command"),
        (["GET"], "ERR wrong number of arguments for 'get' command"),
        (["FOO", "a"], "ERR unknown command 'FOO', with args beginning with: 'a' "),
    ],
)
def test_execabort_on_queued_error(raw, bad, error):
    assert raw.call("SET", "x", "before") == OK
    assert raw.call("MULTI") == OK
    assert raw.call("SET", "x", "inside") == QUEUED
    assert raw.call(*bad) == err(error)
    assert raw.call("SET", "y", "inside") == QUEUED
    assert raw.call("EXEC") == EXECABORT
    assert raw.call("MGET", "x", "y") == Reply("*", [Reply("$", b"before"), Reply("$", None)])
    # The connection is out of MULTI afterwards.
    assert raw.call("EXEC") == err("ERR EXEC without MULTI")


def test_runtime_errors_do_not_abort(raw):
    assert raw.call("MULTI") == OK
    assert raw.call("SET", "a", "x") == QUEUED
    assert raw.call("INCR", "a") == QUEUED
    assert raw.call("SET", "b", "v", "EX", "0") == QUEUED  # rejected only when executed
    assert raw.call("SET", "c", "y") == QUEUED
    assert raw.call("EXEC") == Reply("*", [
        OK,
        err("ERR value is not an integer or out of range"),
        err("ERR invalid expire time in 'set' command"),
        OK,
    ])
    assert raw.call("MGET", "a", "b", "c") == Reply("*", [Reply("$", b"x"), Reply("$", None), Reply("$", b"y")])


def test_select_inside_multi(raw):
    assert raw.call("MULTI") == OK
    assert raw.call("SELECT", "1") == QUEUED
    assert raw.call("SET", "a", "in1") == QUEUED
    assert raw.call("EXEC") == Reply("*", [OK, OK])
    assert raw.call("GET", "a") == Reply("$", b"in1"), "SELECT inside EXEC sticks to the connection"
    assert raw.call("SELECT", "0") == OK
    assert raw.call("GET", "a") == Reply("$", None)


# --------------------------------------------------------------------------------------------------
# WATCH
# --------------------------------------------------------------------------------------------------


def test_watch_key_modified_by_other_client_aborts(podium, raw):
    raw.call("SET", "w", "1")
    assert raw.call("WATCH", "w") == OK
    with podium.client() as other:
        other.set("w", "2")
    assert raw.call("MULTI") == OK
    assert raw.call("SET", "w", "3") == QUEUED
    assert raw.call("EXEC") == NULL_ARRAY
    assert raw.call("GET", "w") == Reply("$", b"2")


def test_watch_untouched_key_executes(podium, raw):
    raw.call("SET", "w", "1")
    assert raw.call("WATCH", "w") == OK
    with podium.client() as other:
        other.set("unrelated", "x")
        other.get("w")  # reads do not invalidate
    assert raw.call("MULTI") == OK
    assert raw.call("INCR", "w") == QUEUED
    assert raw.call("EXEC") == Reply("*", [Reply(":", 2)])


def test_watch_modified_between_multi_and_exec(podium, raw):
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    raw.call("MULTI")
    raw.call("INCR", "w")
    with podium.client() as other:
        other.delete("w")
    assert raw.call("EXEC") == NULL_ARRAY
    assert raw.call("EXISTS", "w") == Reply(":", 0)


def test_watch_missing_key_then_created(podium, raw):
    assert raw.call("WATCH", "ghost") == OK
    with podium.client() as other:
        other.set("ghost", "boo")
    raw.call("MULTI")
    raw.call("GET", "ghost")
    assert raw.call("EXEC") == NULL_ARRAY


def test_watch_own_write_before_multi_aborts(raw):
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    raw.call("SET", "w", "2")  # the watching client itself touches the key
    raw.call("MULTI")
    raw.call("GET", "w")
    assert raw.call("EXEC") == NULL_ARRAY


def test_watch_expire_and_flush_invalidate(podium, raw):
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    with podium.client() as other:
        other.expire("w", 1000)
    raw.call("MULTI")
    assert raw.call("EXEC") == NULL_ARRAY

    raw.call("WATCH", "w")
    with podium.client() as other:
        other.flushdb()
    raw.call("MULTI")
    assert raw.call("EXEC") == NULL_ARRAY


def test_unwatch_and_discard_clear_watches(podium, raw):
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    assert raw.call("UNWATCH") == OK
    with podium.client() as other:
        other.set("w", "2")
    raw.call("MULTI")
    raw.call("GET", "w")
    assert raw.call("EXEC") == Reply("*", [Reply("$", b"2")])

    raw.call("WATCH", "w")
    raw.call("MULTI")
    raw.call("DISCARD")
    with podium.client() as other:
        other.set("w", "3")
    raw.call("MULTI")
    raw.call("GET", "w")
    assert raw.call("EXEC") == Reply("*", [Reply("$", b"3")])


def test_watch_other_db_is_separate(podium, raw):
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    with podium.client(db=1) as other:
        other.set("w", "x")
    raw.call("MULTI")
    raw.call("GET", "w")
    assert raw.call("EXEC") == Reply("*", [Reply("$", b"1")])


def test_watch_wrong_arity(raw):
    assert raw.call("WATCH") == err("ERR wrong number of arguments for 'watch' command")


# --------------------------------------------------------------------------------------------------
# redis-py pipelines
# --------------------------------------------------------------------------------------------------


def test_redis_py_pipeline_is_a_transaction(r):
    pipe = r.pipeline()  # transaction=True by default: MULTI ... EXEC
    pipe.set("a", 1).incr("a").get("a").mget("a", "b")
    assert pipe.execute() == [True, 2, b"2", [b"2", None]]


def test_redis_py_pipeline_runtime_error(r):
    r.set("s", "abc")
    pipe = r.pipeline()
    pipe.set("x", 1).incr("s").set("y", 2)
    results = pipe.execute(raise_on_error=False)
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], redis.ResponseError)
    assert r.mget("x", "y") == [b"1", b"2"]


def test_redis_py_pipeline_execabort(r):
    pipe = r.pipeline()
    pipe.set("x", 1).execute_command("SET", "y").set("z", 3)
    with pytest.raises(redis.ResponseError):
        pipe.execute()
    assert r.exists("x", "y", "z") == 0


def test_redis_py_watch_retry_loop(podium, r):
    r.set("counter", 0)
    interfered = False
    with r.pipeline() as pipe:
        for _attempt in range(5):
            try:
                pipe.watch("counter")
                value = int(pipe.get("counter"))
                if not interfered:
                    with podium.client() as other:
                        other.incr("counter")
                    interfered = True
                pipe.multi()
                pipe.set("counter", value + 10)
                pipe.execute()
                break
            except redis.WatchError:
                continue
        else:
            pytest.fail("transaction never succeeded")
    assert r.get("counter") == b"11"
