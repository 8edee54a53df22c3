"""The workload rows of scripts/bench (ROWS) and their groups for PODIUM_BENCH_ONLY.

Adding a workload: append a Row to ROWS. `args` are redis-benchmark arguments after the common ones
(-h -p -c -n -r -P --csv), either `-t <test>` or a custom command line using __rand_int__; the other fields are
documented on Row and in scripts/bench's docstring."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field


@dataclass
class Row:
    label: str
    args: list[str]
    setup: list[list[str]] = field(default_factory=list)
    n_scale: float = 1.0
    group: str = "basic"            # PODIUM_BENCH_ONLY accepts a group name ("basic", "leaderboard", ...)
    keyspace: int | None = None     # -r for this row; BOARD = the size of the preloaded big board
    client: str = "redis-benchmark"  # or "window": the built-in Python client (see leaderboard.run_window);
                                     # "pingpong": two redis-benchmark processes, consumers BLPOP and
                                     # producers LPUSH one queue at the same time (see runner.Bench.run_pingpong);
                                     # "pubsub": the fan-out clients (see fanout.run_pubsub)
    big_board: bool = False         # needs leaderboard:big, loaded on both servers before the rounds
    subscribers: int = 0            # client="pubsub": subscriber connections
    pattern: bool = False           # client="pubsub": PSUBSCRIBE scores.* instead of SUBSCRIBE scores.global
    aof: str | None = None          # "everysec" / "always": both servers run with appendonly yes and this
                                    # appendfsync for the row (CONFIG SET before it); None: appendonly no
    tls: bool = False               # run against the servers' TLS ports (redis-benchmark --tls)
    p1_only: bool = False           # only at -P 1 (a row that reconnects per request has nothing to pipeline)


BOARD = -1   # Row.keyspace placeholder: PODIUM_BENCH_BOARD (default 1,000,000 members)
BIG_KEY = "leaderboard:big"

HASH_FIELDS = ["name", "player", "country", "uk", "level", "3", "score", "42"]
_FILL_HASHES = ["-n", "1000000", "HSET", "user:__rand_int__", *HASH_FIELDS]
_FILL_GLOBAL = ["-n", "1000000", "ZADD", "leaderboard:global", "__rand_int__", "member:__rand_int__"]

RATE_LIMITER = ("local current = redis.call('INCR', KEYS[1]) "
                "if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return current")
RATE_LIMITER_SHA = hashlib.sha1(RATE_LIMITER.encode()).hexdigest()
RATE_LIMITER_LIBRARY = ("#!lua name=podiumbench\nredis.register_function('ratelimit', function(keys, args) "
                        "local current = redis.call('INCR', keys[1]) "
                        "if current == 1 then redis.call('PEXPIRE', keys[1], args[1]) end return current end)")

# The workloads. A row's setup runs once per server before the first round (identical setups of
# several rows run once).
ROWS: list[Row] = [
    Row("SET", ["-t", "set"]),
    Row("GET", ["-t", "get"]),
    Row("INCR", ["-t", "incr"]),
    # MSET sets 10 keys per request: about 8x slower than SET when pipelined, so half the requests.
    Row("MSET (10 keys)", ["-t", "mset"], n_scale=0.5),

    # Leaderboard workload (issue 3). user:* and leaderboard:global use the common -r (100,000); the
    # setups fill them first so that every run sees the same, full keyspace.
    # n_scale keeps every run at a few seconds (the slow rows do 20-80k req/s even pipelined).
    Row("HSET user (4 fields)", ["HSET", "user:__rand_int__", *HASH_FIELDS],
        setup=[_FILL_HASHES], group="leaderboard", n_scale=0.5),
    Row("HGETALL user (4 fields)", ["HGETALL", "user:__rand_int__"],
        setup=[_FILL_HASHES], group="leaderboard", n_scale=0.5),
    Row("HINCRBY stats:game (one key)", ["HINCRBY", "stats:game", "totalGames", "1"], group="leaderboard"),
    Row("ZADD (100k board)", ["ZADD", "leaderboard:global", "__rand_int__", "member:__rand_int__"],
        setup=[_FILL_GLOBAL], group="leaderboard", n_scale=0.25),
    Row("ZINCRBY (100k board)", ["ZINCRBY", "leaderboard:global", "1", "member:__rand_int__"],
        setup=[_FILL_GLOBAL], group="leaderboard", n_scale=0.25),
    # leaderboard:big: BOARD members member:000000000000 ... (redis-benchmark's 12-digit __rand_int__
    # spelling), scores 10^12 + a permutation of 0..BOARD-1 (see leaderboard.big_board_score), loaded with
    # redis-cli --pipe; -r BOARD so that every member:__rand_int__ exists.
    Row("ZREVRANK (1M board)", ["ZREVRANK", BIG_KEY, "member:__rand_int__"],
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.25),
    Row("ZSCORE (1M board)", ["ZSCORE", BIG_KEY, "member:__rand_int__"],
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.5),
    Row("ZREVRANGE 0 9 WITHSCORES (1M board)", ["ZREVRANGE", BIG_KEY, "0", "9", "WITHSCORES"],
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.25),
    # "Players around me": 21 entries centred on a random rank. redis-benchmark cannot compute r-10 and
    # r+10 (every __rand_int__ gets its own value, and its zero padding is not a valid rank), so the
    # built-in Python client sends the real command: ZREVRANGE leaderboard:big <r-10> <r+10> WITHSCORES.
    Row("ZREVRANGE r-10 r+10 WITHSCORES (1M board, Python client)", [], client="window",
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.15),
    # The same 21-entry window through redis-benchmark: the big board's scores are 10^12 + (BOARD-1 -
    # rank), so "1" + __rand_int__ is the score at a random rank and this returns ranks rank..rank+20.
    Row("ZRANGE BYSCORE REV LIMIT 0 21 WITHSCORES (1M board)",
        ["ZRANGE", BIG_KEY, "1__rand_int__", "-inf", "BYSCORE", "REV", "LIMIT", "0", "21", "WITHSCORES"],
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.15),
    # Writes to the big board (issue 14's 1,000,000-member goals): a random member gets a new random score
    # of the same form (13 digits, so every reply of the rows above keeps its size) or +1. The board keeps
    # its 1,000,000 members; only the order changes, on every server alike.
    Row("ZADD (1M board)", ["ZADD", BIG_KEY, "1__rand_int__", "member:__rand_int__"],
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.25),
    Row("ZINCRBY (1M board)", ["ZINCRBY", BIG_KEY, "1", "member:__rand_int__"],
        keyspace=BOARD, big_board=True, group="leaderboard", n_scale=0.25),

    # Lists and sets (issue 11). LPUSH and SADD are redis-benchmark's own tests (LPUSH mylist, SADD myset
    # element:__rand_int__). RPOP and SPOP take from a queue / pool big enough never to run dry during the rounds
    # (filled once per server, untimed); LRANGE reads the first 100 of a 1,000-element list; SISMEMBER asks a
    # 100,000-member set about members that are there.
    Row("LPUSH", ["-t", "lpush"], group="types"),
    Row("RPOP (5M-element queue)", ["RPOP", "queue"],
        setup=[["-n", "5000000", "RPUSH", "queue", "job:__rand_int__"]], group="types", n_scale=0.5),
    Row("LRANGE 0 99 (1,000 elements)", ["LRANGE", "recent", "0", "99"],
        setup=[["-n", "1000", "RPUSH", "recent", "game:__rand_int__"]], group="types", n_scale=0.25),
    Row("SADD", ["-t", "sadd"], group="types"),
    Row("SISMEMBER (100k set)", ["SISMEMBER", "members", "element:__rand_int__"],
        setup=[["-n", "1000000", "SADD", "members", "element:__rand_int__"]], group="types"),
    Row("SPOP (4M-member pool)", ["SPOP", "pool"],
        setup=[["-n", "5000000", "-r", "100000000", "SADD", "pool", "m:__rand_int__"]], group="types", n_scale=0.5),
    # Bitmaps. redis-benchmark's __rand_int__ is zero-padded (000000012345), which SETBIT refuses as an offset,
    # so the random part is the key: one daily-actives bitmap per day key, bit 4095 of each (512 bytes);
    # BITCOUNT counts a 125 KB bitmap (SETBIT of its last bit makes it, untimed; a 1 MB one ran at under 2,000
    # req/s on both servers, so -P 32 took five minutes a server).
    # Blocking pops: half the clients BLPOP a queue (timeout 0) while the other half LPUSH to it, -n each;
    # req/s = elements handed from a producer to a blocked consumer per second (the consumers' rate).
    Row("BLPOP ping-pong (25 consumers, 25 producers)", ["BLPOP", "pp:queue", "0"], group="types",
        client="pingpong"),
    Row("SETBIT", ["SETBIT", "dau:__rand_int__", "4095", "1"], group="types"),
    Row("BITCOUNT (125 KB bitmap)", ["BITCOUNT", "dau:big"],
        setup=[["-n", "1", "SETBIT", "dau:big", "999999", "1"]], group="types", n_scale=0.05),

    # Scripting (issue 12): the fixed-window rate limiter rate-limit-redis and rate-limiter-flexible send (INCR,
    # and PEXPIRE on the first hit of a window), by EVALSHA of a script SCRIPT LOAD cached and by FCALL of the
    # same code registered as a function (both loaded by the untimed setup).
    Row("EVALSHA rate limiter (INCR + PEXPIRE)", ["EVALSHA", RATE_LIMITER_SHA, "1", "rl:__rand_int__", "60000"],
        setup=[["-n", "1", "SCRIPT", "LOAD", RATE_LIMITER]], group="scripting"),
    Row("FCALL rate limiter (INCR + PEXPIRE)", ["FCALL", "ratelimit", "1", "rl:__rand_int__", "60000"],
        setup=[["-n", "1", "FUNCTION", "LOAD", "REPLACE", RATE_LIMITER_LIBRARY]], group="scripting"),

    # Pub/Sub fan-out (issue 4), measured by fanout.run_pubsub: one publisher PUBLISHes 100-byte messages to
    # scores.global in batches of PUBSUB_BATCH (the -P column); the subscribers SUBSCRIBE to it or
    # PSUBSCRIBE to scores.*. req/s = messages delivered per second, p50/p99 = publish-to-receive latency.
    # TLS (issue 9): both servers get a TLS port with the certificates of scripts/gen-test-certs (RSA 2048,
    # tls-auth-clients no), and redis-benchmark --tls talks to it. "Handshakes" reconnects for every request
    # (-k 0): each request is a TCP connect, a full TLS handshake (hiredis keeps no client-side session), one
    # PING and a close, so req/s = handshakes per second.
    Row("TLS handshakes (new connection per PING)", ["-k", "0", "-t", "ping_mbulk"], group="tls", tls=True,
        p1_only=True, n_scale=0.1),
    Row("TLS SET", ["-t", "set"], group="tls", tls=True),
    Row("TLS GET", ["-t", "get"], group="tls", tls=True),

    *[Row(f"Pub/Sub {'PSUBSCRIBE scores.*' if pattern else 'SUBSCRIBE scores.global'}, "
          f"{subs} subscriber{'s' if subs > 1 else ''}", [], client="pubsub", group="pubsub",
          subscribers=subs, pattern=pattern)
      for pattern in (False, True) for subs in (1, 100, 1000)],

    # Persistence (issue 8): the same writes with appendonly yes on both servers and the same appendfsync.
    # The load-time and rewrite-latency measurements of this group run after the rounds
    # (persistence.run_persistence_extras).
    *[row for policy in ("everysec", "always") for row in (
        Row(f"SET (AOF {policy})", ["-t", "set"], group="persistence", aof=policy,
            n_scale=1.0 if policy == "everysec" else 0.25),
        Row(f"HSET user (4 fields, AOF {policy})", ["HSET", "user:__rand_int__", *HASH_FIELDS],
            setup=[_FILL_HASHES], group="persistence", aof=policy, n_scale=0.5 if policy == "everysec" else 0.25),
        Row(f"ZINCRBY (100k board, AOF {policy})", ["ZINCRBY", "leaderboard:global", "1", "member:__rand_int__"],
            setup=[_FILL_GLOBAL], group="persistence", aof=policy, n_scale=0.25),
    )],
]


def select_rows(only: str) -> list[Row]:
    """The rows PODIUM_BENCH_ONLY names (labels, first words or groups, comma-separated, case-insensitive);
    every row when it is empty. Exits with the list of groups and rows when nothing matches."""
    if not only:
        return ROWS
    wanted = {x.strip().lower() for x in only.split(",") if x.strip()}
    rows = [r for r in ROWS if r.label.lower() in wanted or r.label.split()[0].lower() in wanted
            or r.group.lower() in wanted]
    if not rows:
        sys.exit(f"bench: PODIUM_BENCH_ONLY={only!r} matches no row; groups: "
                 + ", ".join(sorted({r.group for r in ROWS})) + "; rows: " + ", ".join(r.label for r in ROWS))
    return rows
