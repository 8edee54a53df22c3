"""Differential test for sorted sets: random command sequences (fixed seeds) to podium-server and redis-server 7.

Small key and member spaces so commands collide; scores include ties, negative zero, infinities, fractions,
huge and millisecond-timestamp values; ZADD gets every flag combination (valid or not); ranges get inclusive,
exclusive, infinite and malformed bounds, REV and LIMIT. Scores compare after parsing (Redis 7.0 prints
`%.17g`, Valkey 8 and Podium the shortest round-trip form); ZRANDMEMBER is compared by properties.
Options newer than the redis-server 7.0 oracle (ZRANK ... WITHSCORE) are covered in test_sorted_sets.py.
"""

from __future__ import annotations

import math
import os
import random

import pytest

from resp_client import Reply
import test_differential as td

SEEDS = [int(s) for s in os.environ.get("PODIUM_DIFF_SEEDS", "1,2,3,4,5,6,7,8,9,10").split(",") if s.strip()]
COMMANDS_PER_SEED = int(os.environ.get("PODIUM_DIFF_COMMANDS", "400"))

KEYS = ["z0", "z1", "z2", "z3", "s0"]
# Lexicographic commands are only defined when all scores are equal: they get their own keys, which only ever
# receive score 0 (plus the odd wrong-type or missing key).
LEX_KEYS = ["l0", "l1", "s0", "nokey"]
MEMBERS = ["m0", "m1", "m2", "m3", "m4", "m5", "a", "b", "", "m\x00"]
SCORES = ["0", "1", "-1", "1.5", "2", "2", "10", "-0", "1.1", "inf", "-inf", "+inf", "1e20", "1732372000000",
          "0.1", "3.0", "abc", "nan", "", "1e400", str(2**1024 - 2**971)]  # (the last: DBL_MAX in 309 digits)
BOUNDS = ["-inf", "+inf", "0", "1", "(1", "2", "(2", "1.5", "(-1", "10", "-1", "abc", "(", "((1", "inf", "(inf"]
LEX = ["-", "+", "[a", "(a", "[m1", "(m3", "[m5", "[", "(", "m1", "[z", "(b"]
RANKS = ["0", "1", "2", "-1", "-2", "-100", "100", "3", "abc"]


class ZsetGenerator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, items):
        return self.rng.choice(items)

    def one(self) -> td.Cmd:
        r = self.rng
        k = self.pick(KEYS)
        if r.random() < 0.03:
            return td.Cmd(["SET", "s0", "x"])
        name = self.pick(["ZADD", "ZADD", "ZADD", "ZINCRBY", "ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT", "ZLEXCOUNT",
                          "ZRANK", "ZREVRANK", "ZRANGE", "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
                          "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREM", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE",
                          "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZRANGESTORE", "ZRANDMEMBER", "ZSCAN", "TYPE",
                          "OBJECT", "DEL", "EXISTS", "SETOP", "SETOP", "SETOP"])
        if name == "SETOP":
            return self.setop()
        if name == "ZADD" and r.random() < 0.25:
            lk = self.pick(LEX_KEYS[:2])
            return td.Cmd(["ZADD", lk] + [x for _ in range(r.randint(1, 3)) for x in ("0", self.pick(MEMBERS))])
        if name in ("ZLEXCOUNT", "ZREMRANGEBYLEX", "ZRANGEBYLEX", "ZREVRANGEBYLEX"):
            k = self.pick(LEX_KEYS)
        if name == "ZADD":
            args = ["ZADD", k]
            for flag in ("NX", "XX", "GT", "LT", "CH", "INCR"):
                if r.random() < 0.12:
                    args.append(flag)
            for _ in range(r.randint(1, 3) if r.random() < 0.9 else 0):
                args += [self.pick(SCORES), self.pick(MEMBERS)]
            if r.random() < 0.03:
                args.append(self.pick(SCORES))
            return td.Cmd(args, mode="scores")
        if name == "ZINCRBY":
            return td.Cmd(["ZINCRBY", k, self.pick(SCORES), self.pick(MEMBERS)], mode="scores")
        if name in ("ZSCORE", "ZRANK", "ZREVRANK"):
            return td.Cmd([name, k, self.pick(MEMBERS)], mode="scores")
        if name == "ZMSCORE":
            return td.Cmd([name, k] + [self.pick(MEMBERS) for _ in range(r.randint(1, 3))], mode="scores")
        if name in ("ZCARD", "TYPE", "DEL", "EXISTS"):
            return td.Cmd([name, k])
        if name == "OBJECT":
            return td.Cmd(["OBJECT", "ENCODING", k])
        if name == "ZCOUNT":
            return td.Cmd([name, k, self.pick(BOUNDS), self.pick(BOUNDS)])
        if name in ("ZLEXCOUNT", "ZREMRANGEBYLEX"):
            return td.Cmd([name, k, self.pick(LEX), self.pick(LEX)])
        if name == "ZREMRANGEBYSCORE":
            return td.Cmd([name, k, self.pick(BOUNDS), self.pick(BOUNDS)])
        if name == "ZREMRANGEBYRANK":
            return td.Cmd([name, k, self.pick(RANKS), self.pick(RANKS)])
        if name in ("ZRANGE", "ZRANGESTORE"):
            kind = self.pick(["rank", "rank", "score", "lex"])
            if kind == "lex":
                k = self.pick(LEX_KEYS)
            bounds = {"rank": RANKS, "score": BOUNDS, "lex": LEX}[kind]
            args = [name] + (["zdst", k] if name == "ZRANGESTORE" else [k]) + [self.pick(bounds), self.pick(bounds)]
            opts = []
            if kind == "score":
                opts.append("BYSCORE")
            elif kind == "lex":
                opts.append("BYLEX")
            if r.random() < 0.4:
                opts.append("REV")
            if r.random() < 0.3:
                opts += ["LIMIT", self.pick(["0", "1", "-1", "2"]), self.pick(["1", "2", "-1", "0", "10"])]
            if name == "ZRANGE" and r.random() < 0.4:
                opts.append("WITHSCORES")
            r.shuffle(opts) if r.random() < 0.2 else None
            return td.Cmd(args + opts, mode="scores")
        if name == "ZREVRANGE":
            args = [name, k, self.pick(RANKS), self.pick(RANKS)]
            if r.random() < 0.5:
                args.append("WITHSCORES")
            return td.Cmd(args, mode="scores")
        if name in ("ZRANGEBYSCORE", "ZREVRANGEBYSCORE"):
            args = [name, k, self.pick(BOUNDS), self.pick(BOUNDS)]
            if r.random() < 0.4:
                args.append("WITHSCORES")
            if r.random() < 0.3:
                args += ["LIMIT", self.pick(["0", "1", "-1"]), self.pick(["1", "2", "-1", "0"])]
            return td.Cmd(args, mode="scores")
        if name in ("ZRANGEBYLEX", "ZREVRANGEBYLEX"):
            args = [name, k, self.pick(LEX), self.pick(LEX)]
            if r.random() < 0.3:
                args += ["LIMIT", self.pick(["0", "1", "-1"]), self.pick(["1", "2", "-1"])]
            return td.Cmd(args)
        if name == "ZREM":
            return td.Cmd([name, k] + [self.pick(MEMBERS) for _ in range(r.randint(1, 3))])
        if name in ("ZPOPMIN", "ZPOPMAX"):
            args = [name, k]
            if r.random() < 0.6:
                args.append(self.pick(["1", "2", "0", "5", "-1", "abc"]))
                if r.random() < 0.15:
                    args.append(self.pick(["1", "extra", "0"]))  # one argument too many: a syntax error
            return td.Cmd(args, mode="scores")
        if name == "ZRANDMEMBER":
            args = [name, k]
            if r.random() < 0.7:
                args.append(self.pick(["1", "3", "-3", "0", "20", "abc"]))
                if r.random() < 0.5:
                    args.append(self.pick(["WITHSCORES", "BAD"]))
            return td.Cmd(args, mode="random")
        if name == "ZSCAN":
            args = [name, k, self.pick(["0", "abc"])]
            if r.random() < 0.4:
                args += ["MATCH", self.pick(["*", "m*", "?", "nomatch"])]
            if r.random() < 0.3:
                args += ["COUNT", self.pick(["10", "0", "abc"])]
            return td.Cmd(args, mode="scan")
        return td.Cmd([name, k])

    def setop(self) -> td.Cmd:
        r = self.rng
        name = self.pick(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"])
        n = self.pick([1, 2, 2, 3, 0, -1, 5])
        keys = [self.pick(KEYS + ["nokey"]) for _ in range(max(n, 0))]
        args = [name] + (["zdst"] if name.endswith("STORE") else []) + [str(n) if r.random() < 0.95 else "abc"] + keys
        if name not in ("ZDIFF", "ZDIFFSTORE", "ZINTERCARD") or r.random() < 0.05:
            if r.random() < 0.4:
                args += ["WEIGHTS"] + [self.pick(["1", "2", "-1", "0.5", "inf", "abc", "0"]) for _ in range(max(n, 1))]
            if r.random() < 0.4:
                args += ["AGGREGATE", self.pick(["SUM", "MIN", "MAX", "avg"])]
        if not name.endswith("STORE") and name != "ZINTERCARD" and r.random() < 0.5:
            args.append("WITHSCORES")
        if name == "ZINTERCARD" and r.random() < 0.5:
            args += ["LIMIT", self.pick(["0", "1", "2", "-1", "abc"])]
        return td.Cmd(args, mode="scores")

    def generate(self, n: int) -> list[td.Cmd]:
        return [self.one() for _ in range(n)]


def same(p: Reply, o: Reply) -> bool:
    """Equal, with bulk strings that are both numbers compared as floats (score formatting differs)."""
    if p == o:
        return True
    if p.kind != o.kind:
        return False
    if p.kind == "$" and p.value is not None and o.value is not None:
        try:
            pf, of = float(p.value), float(o.value)
        except ValueError:
            return False
        # Signed zeros differ: a listpack keeps `-0` as `0`, a skiplist keeps `-0` (as Valkey 8 and Redis 7 do).
        return (pf == of and math.copysign(1, pf) == math.copysign(1, of)) or (math.isnan(pf) and math.isnan(of))
    if p.kind == "*" and p.value is not None and o.value is not None and len(p.value) == len(o.value):
        return all(same(a, b) for a, b in zip(p.value, o.value))
    return False


def scan_pairs(reply: Reply) -> dict | None:
    if reply.kind != "*" or len(reply.value) != 2 or reply.value[1].kind != "*":
        return None
    items = reply.value[1].value
    return {items[i].value: float(items[i + 1].value) for i in range(0, len(items) - 1, 2)}


def compare(cmd: td.Cmd, p: Reply, o: Reply) -> str | None:
    if cmd.mode == "scan" and p.kind == o.kind == "*":
        # A skiplist-encoded set scans in its dictionary's (random) order: compare as member -> score.
        return None if p.value[0] == o.value[0] and scan_pairs(p) == scan_pairs(o) else "ZSCAN replies differ"
    if cmd.mode == "random":
        return td.compare_random(p, o)
    return None if same(p, o) else "replies differ"


@pytest.mark.parametrize("seed", SEEDS)
def test_zset_differential(podium, oracle, r, oracle_r, seed):
    cmds = ZsetGenerator(seed).generate(COMMANDS_PER_SEED)
    with podium.raw() as pc, oracle.raw() as oc:
        td.reset_both((pc, oc), {"zset-max-listpack-entries": "4", "zset-max-listpack-value": "64"})
        try:
            td.run_plain(seed, cmds, pc, oc, compare)
        finally:
            for conn in (pc, oc):
                conn.call("CONFIG", "SET", "zset-max-listpack-entries", "128")


# --------------------------------------------------------------------------------------------------
# Lexicographic ranges on mixed scores (issue 11): redis-server 7 answers with its listpack walk for sets
# within zset-max-listpack-entries, which Podium reproduces at every size.
# --------------------------------------------------------------------------------------------------

LEX_MEMBERS = ["a", "b", "c", "d", "e", "f", "aa", "ab", "ba", "", "c\x00", "zz"]
LEX_SCORES = ["0", "1", "2", "3", "-1", "1.5", "0", "0"]
LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[c", "(c", "[d", "(e", "[f", "[", "(", "[zz", "(aa", "[ba"]


class MixedLexGenerator:
    """Small member space, mixed scores, every lex command with REV, LIMIT and malformed bounds."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, items):
        return self.rng.choice(items)

    def one(self) -> td.Cmd:
        r = self.rng
        k = self.pick(["x0", "x1", "x2"])
        roll = r.random()
        if roll < 0.30:
            return td.Cmd(["ZADD", k] + [x for _ in range(r.randint(1, 4))
                                         for x in (self.pick(LEX_SCORES), self.pick(LEX_MEMBERS))])
        if roll < 0.36:
            return td.Cmd(["ZREM", k, self.pick(LEX_MEMBERS)])
        if roll < 0.40:
            return td.Cmd(["ZRANGE", k, "0", "-1", "WITHSCORES"], mode="scores")
        name = self.pick(["ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX", "ZRANGE", "ZRANGESTORE"])
        lo, hi = self.pick(LEX_BOUNDS), self.pick(LEX_BOUNDS)
        limit = ["LIMIT", self.pick(["0", "1", "2", "-1", "5"]), self.pick(["1", "2", "-1", "0", "3"])] \
            if r.random() < 0.4 else []
        if name in ("ZRANGEBYLEX", "ZREVRANGEBYLEX"):
            return td.Cmd([name, k, lo, hi] + limit)
        if name in ("ZLEXCOUNT", "ZREMRANGEBYLEX"):
            return td.Cmd([name, k, lo, hi])
        rev = ["REV"] if r.random() < 0.5 else []
        if name == "ZRANGE":
            return td.Cmd(["ZRANGE", k, lo, hi, "BYLEX"] + rev + limit)
        return td.Cmd(["ZRANGESTORE", "xdst", k, lo, hi, "BYLEX"] + rev + limit)

    def generate(self, n: int) -> list[td.Cmd]:
        out = []
        for _ in range(n):
            out.append(self.one())
            if out[-1].name == "ZRANGESTORE":
                out.append(td.Cmd(["ZRANGE", "xdst", "0", "-1", "WITHSCORES"], mode="scores"))
        return out


@pytest.mark.parametrize("seed", SEEDS)
def test_zset_mixed_score_lex_ranges(podium, oracle, r, oracle_r, seed):
    """Every lex command on small sets with mixed scores gives redis-server 7's (listpack) answer."""
    cmds = MixedLexGenerator(seed).generate(COMMANDS_PER_SEED)
    with podium.raw() as pc, oracle.raw() as oc:
        td.reset_both((pc, oc), {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64"})
        td.run_plain(seed, cmds, pc, oc, compare)


# --------------------------------------------------------------------------------------------------
# Large sets (beyond zset-max-listpack-entries = 128): both servers use their large encoding.
# --------------------------------------------------------------------------------------------------

BIG_MEMBERS = [f"u{i}" for i in range(400)] + ["", "a", "m\x00", "x" * 70]
BIG_SCORES = [str(i) for i in range(-30, 30)] + ["1.5", "-0", "inf", "-inf", "1e20", "0.25", "1732372000000"]
BIG_RANKS = ["0", "1", "5", "-1", "-2", "-10", "100", "150", "199", "250", "-300", "1000", "abc"]
BIG_BOUNDS = ["-inf", "+inf", "0", "(0", "5", "(5", "-10", "(-10", "20", "1.5", "(1e20", "abc"]
BIG_LEX = ["-", "+", "[u1", "(u1", "[u2", "(u25", "[u3", "[u399", "(u5", "[a", "[", "[zz"]


class BigSetGenerator:
    """Sets of a few hundred members (bulk ZADDs), ties in scores, every read and write with rank, score and
    (equal-score keys only) lex ranges, REV and LIMIT."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, items):
        return self.rng.choice(items)

    def one(self) -> td.Cmd:
        r = self.rng
        k = self.pick(["b0", "b1"])
        roll = r.random()
        if roll < 0.22:
            return td.Cmd(["ZADD", k] + [x for _ in range(r.randint(1, 40))
                                         for x in (self.pick(BIG_SCORES), self.pick(BIG_MEMBERS))])
        if roll < 0.25:
            # The equal-score key for lex ranges grows past 128 members too.
            return td.Cmd(["ZADD", "blex"] + [x for _ in range(r.randint(1, 40)) for x in ("0", self.pick(BIG_MEMBERS))])
        if roll < 0.30:
            flags = [f for f in ("NX", "XX", "GT", "LT", "CH") if r.random() < 0.15]
            if r.random() < 0.5:
                return td.Cmd(["ZADD", k] + flags + ["INCR", self.pick(BIG_SCORES), self.pick(BIG_MEMBERS)], mode="scores")
            return td.Cmd(["ZINCRBY", k, self.pick(BIG_SCORES), self.pick(BIG_MEMBERS)], mode="scores")
        name = self.pick(["ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZCARD", "ZCOUNT", "ZRANGE", "ZRANGE", "ZREVRANGE",
                          "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZREM", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE",
                          "ZPOPMIN", "ZPOPMAX", "ZRANGESTORE", "OBJECT", "LEX", "ZUNIONSTORE", "ZINTER"])
        if name in ("ZSCORE", "ZRANK", "ZREVRANK"):
            return td.Cmd([name, k, self.pick(BIG_MEMBERS)], mode="scores")
        if name == "ZMSCORE":
            return td.Cmd([name, k] + [self.pick(BIG_MEMBERS) for _ in range(3)], mode="scores")
        if name == "ZCARD":
            return td.Cmd([name, k])
        if name == "OBJECT":
            return td.Cmd(["OBJECT", "ENCODING", self.pick([k, "blex", "bdst"])])
        if name == "ZCOUNT":
            return td.Cmd([name, k, self.pick(BIG_BOUNDS), self.pick(BIG_BOUNDS)])
        if name in ("ZRANGE", "ZRANGESTORE"):
            kind = self.pick(["rank", "score", "lex"])
            src = "blex" if kind == "lex" else k
            bounds = {"rank": BIG_RANKS, "score": BIG_BOUNDS, "lex": BIG_LEX}[kind]
            args = [name] + (["bdst", src] if name == "ZRANGESTORE" else [src]) + [self.pick(bounds), self.pick(bounds)]
            if kind == "score":
                args.append("BYSCORE")
            elif kind == "lex":
                args.append("BYLEX")
            if r.random() < 0.4:
                args.append("REV")
            if kind != "rank" and r.random() < 0.5:
                args += ["LIMIT", self.pick(["0", "3", "50", "-1"]), self.pick(["1", "10", "-1", "0", "200"])]
            if name == "ZRANGE" and kind != "lex" and r.random() < 0.5:
                args.append("WITHSCORES")
            return td.Cmd(args, mode="scores")
        if name == "ZREVRANGE":
            return td.Cmd([name, k, self.pick(BIG_RANKS), self.pick(BIG_RANKS), "WITHSCORES"], mode="scores")
        if name in ("ZRANGEBYSCORE", "ZREVRANGEBYSCORE"):
            args = [name, k, self.pick(BIG_BOUNDS), self.pick(BIG_BOUNDS), "WITHSCORES"]
            if r.random() < 0.5:
                args += ["LIMIT", self.pick(["0", "7", "-1"]), self.pick(["5", "-1", "100"])]
            return td.Cmd(args, mode="scores")
        if name == "LEX":
            sub = self.pick(["ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX"])
            args = [sub, "blex", self.pick(BIG_LEX), self.pick(BIG_LEX)]
            if sub.endswith("BYLEX") and sub.startswith("ZR") and "REM" not in sub and r.random() < 0.5:
                args += ["LIMIT", self.pick(["0", "5", "-1"]), self.pick(["3", "-1", "40"])]
            return td.Cmd(args)
        if name == "ZREM":
            return td.Cmd([name, k] + [self.pick(BIG_MEMBERS) for _ in range(r.randint(1, 20))])
        if name == "ZREMRANGEBYRANK":
            return td.Cmd([name, k, self.pick(BIG_RANKS), self.pick(BIG_RANKS)])
        if name == "ZREMRANGEBYSCORE":
            return td.Cmd([name, k, self.pick(BIG_BOUNDS), self.pick(BIG_BOUNDS)])
        if name in ("ZPOPMIN", "ZPOPMAX"):
            return td.Cmd([name, k] + ([self.pick(["1", "3", "50"])] if r.random() < 0.7 else []), mode="scores")
        if name == "ZUNIONSTORE":
            return td.Cmd(["ZUNIONSTORE", "bdst", "2", "b0", "b1", "WEIGHTS", "1", self.pick(["2", "-1"])])
        return td.Cmd(["ZINTER", "2", "b0", "b1", "WITHSCORES"], mode="scores")

    def generate(self, n: int) -> list[td.Cmd]:
        # Every key starts past the listpack limit (200 members), so the large encoding is what is compared.
        fill = [td.Cmd(["ZADD", key] + [x for i in range(200) for x in (score(i), f"u{i}")])
                for key, score in (("b0", lambda i: str(i % 37)), ("b1", lambda i: str(-i % 11)), ("blex", lambda i: "0"))]
        checks = [td.Cmd(["OBJECT", "ENCODING", key]) for key in ("b0", "b1", "blex")]
        return fill + checks + [self.one() for _ in range(n)]


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_zset_large_sets_differential(podium, oracle, r, oracle_r, seed):
    cmds = BigSetGenerator(seed).generate(COMMANDS_PER_SEED)
    with podium.raw() as pc, oracle.raw() as oc:
        td.reset_both((pc, oc), {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64"})
        td.run_plain(seed, cmds, pc, oc, compare)



# --------------------------------------------------------------------------------------------------
# The defects of issue 11, compared byte for byte
# --------------------------------------------------------------------------------------------------

def test_zset_defects_match_redis(podium, oracle, r, oracle_r):
    long_member = "y" * 70
    script = [
        ["ZADD", "p", "1", "a", "2", "b", "3", "c"],
        ["ZPOPMIN", "p", "1", "extra"], ["ZPOPMAX", "p", "0", "1"], ["ZPOPMIN", "p", "abc", "1"],
        ["ZPOPMIN", "nokey", "1", "2"], ["ZPOPMAX", "p", "1"], ["ZRANGE", "p", "0", "-1", "WITHSCORES"],
        # Negative zero: the listpack stores 0, the skiplist keeps -0 (in redis-server 7 and Valkey 8 alike);
        # the ZINCRBY reply is the computed score.
        ["ZADD", "n", "-0", "m"], ["ZSCORE", "n", "m"], ["ZINCRBY", "n2", "-0", "m"], ["ZSCORE", "n2", "m"],
        ["ZRANGE", "n", "0", "-1", "WITHSCORES"], ["ZADD", "n", "1", long_member], ["ZSCORE", "n", "m"],
        ["ZADD", "s", "1", long_member], ["ZADD", "s", "-0", "m"], ["ZSCORE", "s", "m"],
        ["ZRANGE", "s", "0", "-1", "WITHSCORES"], ["ZADD", "s", "CH", "0", "m"], ["ZSCORE", "s", "m"],
        ["ZINCRBY", "s", "0", "m"], ["ZSCORE", "s", "m"], ["OBJECT", "ENCODING", "s"],
        # A lex range on mixed scores within the listpack limit.
        ["ZADD", "l", "0", "d", "1", "a", "2", "c", "3", "b"], ["ZRANGEBYLEX", "l", "[b", "+"],
        ["ZREVRANGEBYLEX", "l", "+", "[b"], ["ZLEXCOUNT", "l", "[b", "[c"], ["ZRANGE", "l", "[a", "[c", "BYLEX"],
        ["ZRANGE", "l", "[c", "[a", "BYLEX", "REV", "LIMIT", "1", "1"], ["ZREMRANGEBYLEX", "l", "(a", "+"],
        ["ZRANGE", "l", "0", "-1"],
    ]
    with podium.raw() as pc, oracle.raw() as oc:
        td.reset_both((pc, oc), {"zset-max-listpack-entries": "128", "zset-max-listpack-value": "64"})
        for args in script:
            p, o = pc.call(*args), oc.call(*args)
            assert p == o, f"{args}: podium {p!r}, redis {o!r}"
