"""Differential test for bitmaps and the string commands that came with them: the same random command sequences
(fixed seeds) go to podium-server and to redis-server 7; replies must match exactly.

Covers SETBIT, GETBIT, BITCOUNT (BYTE | BIT), BITPOS, BITOP (AND, OR, XOR, NOT), BITFIELD (GET, SET, INCRBY,
OVERFLOW WRAP | SAT | FAIL, `#` offsets), BITFIELD_RO, LCS (LEN, IDX, MINMATCHLEN, WITHMATCHLEN), SUBSTR, and
the string commands that share their bytes (SET, APPEND, SETRANGE, GETRANGE, STRLEN, GET). Keys collide on
purpose (b0..b2), and l0 (a list) and h0 (a hash) give WRONGTYPE. Offsets include negative, huge (past
512 MB), non-integer and boundary values; BITFIELD types include i64, u63, u64 (refused), i0.

Left out, because Valkey 8 (the spec) and redis-server 7.0 differ there (test_bitmaps.py checks Valkey's
answers, taken from a Valkey 8.0.1 built by hand):
- `BITCOUNT key start` without an end: Valkey 8 counts to the end, redis-server 7.0 answers a syntax error.
- BITCOUNT and BITPOS with invalid arguments on a *missing* key: redis-server 7.0 answers 0 (or -1) before
  looking at them, Valkey 8 checks them first (syntax error, not an integer). So invalid arguments are only
  sent for `bfix`, a key that always exists (set first, and only ever changed by SETBIT).
- BITCOUNT and BITPOS with two or more things wrong at once (a bad unit and a bad end; a bad unit and two
  negative indexes with start > end, which redis-server 7.0 answers with 0): the two check in different orders.
"""

from __future__ import annotations

import os
import random

import pytest

from resp_client import Reply
import test_differential as td

SEEDS = [int(s) for s in os.environ.get("PODIUM_DIFF_SEEDS", "1,2,3,4,5,6,7,8").split(",") if s.strip()]
COMMANDS_PER_SEED = int(os.environ.get("PODIUM_DIFF_COMMANDS", "400"))

KEYS = ["b0", "b1", "b2", "b0", "b1", "bfix", "l0", "h0", "nokey"]
VALUES = ["", "a", "abc", "foobar", "\x00\xff", "\xff\xff\xff", "\x00\x00\x01", "ohmytext", "mynewtext",
          "x" * 40, "1234", "-1", "\x80"]
BIT_OFFSETS = ["0", "1", "7", "8", "9", "15", "23", "31", "40", "63", "100", "1000", "-1", "abc", "1.5",
               "4294967296", "9223372036854775807"]  # (2^32 - 1 is valid but would allocate 512 MB)
RANGE_INDEXES = ["0", "1", "2", "-1", "-2", "-3", "5", "10", "-10", "100", "-100", "7", "8", "15", "16",
                 "9223372036854775807", "-9223372036854775808"]
BAD_INDEXES = ["abc", "1.5", "", "9223372036854775808"]
UNITS = ["BYTE", "BIT", "bit", "byte"]
FIELD_TYPES = ["u1", "u8", "i8", "u4", "i5", "u16", "i16", "i32", "u32", "i64", "u63", "u62", "i63", "u64",
               "i65", "i0", "x8", "8", "I8", "u"]
FIELD_OFFSETS = ["0", "1", "3", "7", "8", "13", "31", "64", "100", "#0", "#1", "#3", "-1", "abc", "#-1", "#abc"]
FIELD_VALUES = ["0", "1", "-1", "100", "127", "128", "255", "256", "-128", "-129", "1000", "65535",
                "9223372036854775807", "-9223372036854775808", "4611686018427387904", "abc", "1.5"]


class BitmapGenerator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, items):
        return self.rng.choice(items)

    def index(self) -> str:
        return self.pick(RANGE_INDEXES)

    def field(self) -> list[str]:
        r = self.rng
        roll = r.random()
        if roll < 0.35:
            return ["GET", self.pick(FIELD_TYPES), self.pick(FIELD_OFFSETS)]
        if roll < 0.65:
            return [self.pick(["SET", "set"]), self.pick(FIELD_TYPES), self.pick(FIELD_OFFSETS), self.pick(FIELD_VALUES)]
        if roll < 0.9:
            return ["INCRBY", self.pick(FIELD_TYPES), self.pick(FIELD_OFFSETS), self.pick(FIELD_VALUES)]
        if roll < 0.98:
            return ["OVERFLOW", self.pick(["WRAP", "SAT", "FAIL", "sat", "bogus"])]
        return [self.pick(["GET", "SET", "INCRBY", "OVERFLOW", "NOPE"])]  # missing arguments

    def bad_range(self, indexes: int) -> list[str]:
        """`start [end [unit [extra]]]` with exactly one thing wrong: a non-integer index, a bad unit or an extra
        argument (with a bad unit *and* a bad end, Valkey 8 and redis-server 7.0 name different errors)."""
        r = self.rng
        args = [self.index() for _ in range(indexes)]
        roll = r.random()
        if roll < 0.4 or indexes < 2:
            args[r.randrange(indexes)] = self.pick(BAD_INDEXES)
            if indexes == 2 and r.random() < 0.5:
                args.append(self.pick(UNITS))
        elif roll < 0.7:
            # Non-negative indexes: redis-server 7.0 answers 0 for two negative ones with start > end before it
            # looks at the unit, Valkey 8 checks the unit first.
            args = [self.pick(["0", "1", "2", "5", "100"]) for _ in range(indexes)]
            args.append(self.pick(["bad", "bits", "BYTES", ""]))
        else:
            args += [self.pick(UNITS), "x"]
        return args

    def one(self) -> td.Cmd:
        r = self.rng
        k = self.pick(KEYS)
        roll = r.random()
        if roll < 0.02:
            return td.Cmd(["RPUSH", "l0", "x"])
        if roll < 0.04:
            return td.Cmd(["HSET", "h0", "f", "v"])
        name = self.pick(["SETBIT", "SETBIT", "SETBIT", "GETBIT", "BITCOUNT", "BITCOUNT", "BITPOS", "BITPOS",
                          "BITOP", "BITFIELD", "BITFIELD", "BITFIELD_RO", "LCS", "LCS", "SUBSTR", "GETRANGE",
                          "SET", "APPEND", "SETRANGE", "GET", "STRLEN", "DEL", "ARITY"])
        if k == "bfix" and name in ("SET", "APPEND", "SETRANGE", "DEL", "BITOP", "BITFIELD"):
            k = "b2"  # bfix is only changed by SETBIT (see the module doc)
        if name == "SETBIT":
            return td.Cmd([name, k, self.pick(BIT_OFFSETS), self.pick(["0", "1", "1", "0", "2", "-1", "abc"])])
        if name == "GETBIT":
            return td.Cmd([name, k, self.pick(BIT_OFFSETS)])
        if name == "BITCOUNT":
            if r.random() < 0.2:
                return td.Cmd([name, k])
            if r.random() < 0.15:
                # Invalid arguments only on bfix.
                return td.Cmd([name, "bfix"] + self.bad_range(2))
            args = [name, k, self.index(), self.index()]
            if r.random() < 0.5:
                args.append(self.pick(UNITS))
            return td.Cmd(args)
        if name == "BITPOS":
            bit = self.pick(["0", "1", "1", "0"])
            if r.random() < 0.15:
                if r.random() < 0.3:
                    return td.Cmd([name, "bfix", self.pick(["2", "-1", "abc"])] + [self.index() for _ in range(r.randint(0, 2))])
                return td.Cmd([name, "bfix", bit] + self.bad_range(r.randint(1, 2)))
            args = [name, k, bit] + [self.index() for _ in range(r.randint(0, 2))]
            if len(args) == 5 and r.random() < 0.5:
                args.append(self.pick(UNITS))
            return td.Cmd(args)
        if name == "BITOP":
            op = self.pick(["AND", "OR", "XOR", "NOT", "and", "not", "NAND"])
            n = 1 if op.upper() == "NOT" and r.random() < 0.8 else r.randint(1, 3)
            return td.Cmd([name, op, self.pick(["b0", "b1", "b2", "nokey", "l0"])] + [self.pick(KEYS) for _ in range(n)])
        if name in ("BITFIELD", "BITFIELD_RO"):
            args = [name, k]
            for _ in range(r.randint(0, 3)):
                args += self.field() if name == "BITFIELD" or r.random() < 0.15 else \
                    ["GET", self.pick(FIELD_TYPES), self.pick(FIELD_OFFSETS)]
            return td.Cmd(args)
        if name == "LCS":
            args = [name, self.pick(KEYS), self.pick(KEYS)]
            for _ in range(r.randint(0, 3)):
                opt = self.pick(["LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN", "idx", "BAD"])
                args.append(opt)
                if opt == "MINMATCHLEN":
                    args.append(self.pick(["0", "1", "2", "4", "-1", "abc"]))
            return td.Cmd(args)
        if name in ("SUBSTR", "GETRANGE"):
            return td.Cmd([name, k, self.index(), self.pick(RANGE_INDEXES + ["abc"])])
        if name == "SET":
            return td.Cmd([name, k, self.pick(VALUES)])
        if name == "APPEND":
            return td.Cmd([name, k, self.pick(VALUES)])
        if name == "SETRANGE":
            return td.Cmd([name, k, self.pick(["0", "1", "3", "10", "-1", "abc"]), self.pick(VALUES)])
        if name == "ARITY":
            return td.Cmd([self.pick(["SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "LCS",
                                      "SUBSTR", "BITFIELD_RO"])] + ([k] if r.random() < 0.5 else []))
        return td.Cmd([name, k])

    def generate(self, n: int) -> list[td.Cmd]:
        return [td.Cmd(["SET", "bfix", "\x0f\xf0ab"])] + [self.one() for _ in range(n)]


def compare(cmd: td.Cmd, p: Reply, o: Reply) -> str | None:
    return td.compare(cmd.mode, p, o)


def test_bitmap_generator_is_deterministic():
    assert [c.args for c in BitmapGenerator(3).generate(200)] == [c.args for c in BitmapGenerator(3).generate(200)]


@pytest.mark.parametrize("seed", SEEDS)
def test_bitmap_differential(podium, oracle, r, oracle_r, seed):
    cmds = BitmapGenerator(seed).generate(COMMANDS_PER_SEED)
    with podium.raw() as pc, oracle.raw() as oc:
        td.reset_both((pc, oc), {})
        td.run_plain(seed, cmds, pc, oc, compare)
        # The same data at the end.
        for key in ["b0", "b1", "b2", "bfix"]:
            assert pc.call("GET", key) == oc.call("GET", key), key
