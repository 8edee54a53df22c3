"""Differential test: the same random command sequences go to podium and to a real redis-server,
and every reply must match.

* Commands are generated from fixed seeds (PODIUM_DIFF_SEEDS, default "1,...,10") with
  PODIUM_DIFF_COMMANDS commands each (default 400), over a small colliding key space (k0..k5) and
  strings only. See `Generator` for what is covered.
* Both servers are driven with raw RESP2 (resp_client.RespConnection), not redis-py, so reply
  *types* are compared exactly: simple string vs bulk vs integer vs null bulk vs null array, and
  errors on their full text.
* Commands are sent to podium, then the same command to the oracle, one at a time.

Tolerances (everything else is compared exactly):
* TTL / EXPIRETIME: +-1 s.  PTTL / PEXPIRETIME: +-PTTL_TOLERANCE_MS (500 ms).
  A relative TTL is measured from when each server ran the command, so the two values differ by the
  difference between the servers' elapsed times (normally < 5 ms; 500 ms leaves room for a loaded
  2-core machine). All relative TTLs the generator uses are >= 100 s and absolute ones are far in the
  future, so nothing expires during a run and a unit mistake (s vs ms) cannot hide in the tolerance.
  The tolerance only applies when both replies are non-negative integers (-1 / -2 are exact).
* INCRBYFLOAT replies, and GET of a key whose last write was INCRBYFLOAT, compare as floats
  (relative 1e-12), because Redis computes with long double. Podium's text must still be in Redis'
  canonical form (no exponent, no trailing zeros, no trailing dot). The generator emits INCRBYFLOAT
  only inside a short "macro" that ends by overwriting or deleting the key, so no later STRLEN /
  APPEND / GETRANGE depends on the exact digits.
* KEYS replies are compared as sorted lists.
* RANDOMKEY is compared by property: both null, or both bulk strings naming a key that EXISTS on
  that server.
"""

from __future__ import annotations

import math
import os
import random
import re
import time
from dataclasses import dataclass, field

import pytest

from resp_client import Reply, RespConnection

SEEDS = [int(s) for s in os.environ.get("PODIUM_DIFF_SEEDS", "1,2,3,4,5,6,7,8,9,10").split(",") if s.strip()]
COMMANDS_PER_SEED = int(os.environ.get("PODIUM_DIFF_COMMANDS", "400"))
PTTL_TOLERANCE_MS = 500
TTL_TOLERANCE_S = 1
CONTEXT_LINES = 15

KEYS = [f"k{i}" for i in range(6)]
OK = Reply("+", "OK")
QUEUED = Reply("+", "QUEUED")

# --------------------------------------------------------------------------------------------------
# Command model
# --------------------------------------------------------------------------------------------------


@dataclass
class Cmd:
    args: list[str | bytes]
    mode: str = "exact"  # exact | sorted | ttl | pttl | float | randomkey

    @property
    def name(self) -> str:
        a = self.args[0]
        return (a.decode() if isinstance(a, bytes) else a).upper()

    def __str__(self) -> str:
        parts = []
        for a in self.args:
            if isinstance(a, bytes):
                parts.append(repr(a))
            elif a == "" or any(c in a for c in " \"'\\") or not a.isprintable():
                parts.append(repr(a))
            else:
                parts.append(a)
        return " ".join(parts)


def default_mode(name: str) -> str:
    return {
        "TTL": "ttl", "EXPIRETIME": "ttl",
        "PTTL": "pttl", "PEXPIRETIME": "pttl",
        "KEYS": "sorted",
        "INCRBYFLOAT": "float",
        "RANDOMKEY": "randomkey",
    }.get(name, "exact")


# Arity as in Redis' command table (negative = at least).
ARITY = {
    "GET": 2, "SET": -3, "GETDEL": 2, "GETEX": -2, "GETSET": 3, "SETNX": 3, "SETEX": 4, "PSETEX": 4,
    "MGET": -2, "MSET": -3, "MSETNX": -3, "INCR": 2, "DECR": 2, "INCRBY": 3, "DECRBY": 3,
    "INCRBYFLOAT": 3, "APPEND": 3, "STRLEN": 2, "GETRANGE": 4, "SETRANGE": 4, "DEL": -2, "UNLINK": -2,
    "EXISTS": -2, "TYPE": 2, "EXPIRE": -3, "PEXPIRE": -3, "EXPIREAT": -3, "PEXPIREAT": -3, "TTL": 2,
    "PTTL": 2, "EXPIRETIME": 2, "PEXPIRETIME": 2, "PERSIST": 2, "RENAME": 3, "RENAMENX": 3, "COPY": -3,
    "KEYS": 2, "RANDOMKEY": 1, "TOUCH": -2, "DBSIZE": 1, "SELECT": 2, "SWAPDB": 3, "WATCH": -2,
    "UNWATCH": 1, "ECHO": 2,
}

# --------------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------------

VALUES: list[str | bytes] = [
    "0", "1", "-1", "42", "100", "-5", "9999", "10000",
    "9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
    "9223372036854775808", "3.25", "-0.5", "1.5", "1e3", "1.0", "inf", "nan",
    "abc", "", " 1", "01", "+1", "-0", "0x10", "hello world", "x" * 44, "y" * 45, "z" * 60,
    b"\x00\r\n\xff", "\u00e9t\u00e9",
]
INT_ARGS = ["1", "-1", "0", "10", "-10", "100000", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", "abc", "1.5", "", " 5", "+3", "007"]
NICE_FLOAT_INCRS = ["0.5", "-0.5", "1.25", "-2.75", "3", "-3", "100", "1e2", "2.5e-1", "-1e1", "0", "10.5"]
ODD_FLOAT_INCRS = ["abc", "inf", "-inf", "nan", "", "1.5.5", " 1", "1e", "--1"]
HUGE_FLOAT_INCRS = ["1e300", "-1e300", "1.7976931348623157e308", "123456789012345678901234567890"]
BAD_TIMES = ["0", "-1", "abc", "1.5", "", "9223372036854775807", "9999999999999999", "99999999999999999999"]
KEY_PATTERNS = ["*", "k*", "k?", "k[0-2]", "k[^0]", "k[135]", "*1", "nomatch", "k\\*", "?", "k[a-z]", "K*", "*k*"]


class Generator:
    def __init__(self, seed: int, now: int):
        self.rng = random.Random(seed)
        self.now = now

    # -- small helpers -----------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def cased(self, word: str) -> str:
        """Mostly upper case, sometimes lower or mixed: command and option names are case-insensitive."""
        roll = self.rng.random()
        if roll < 0.7:
            return word
        if roll < 0.85:
            return word.lower()
        return "".join(c.upper() if self.rng.random() < 0.5 else c.lower() for c in word)

    def key(self) -> str:
        return self.rng.choice(KEYS) if self.chance(0.95) else "missing"

    def keys(self, lo: int = 1, hi: int = 4) -> list[str]:
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def value(self) -> str | bytes:
        return self.rng.choice(VALUES)

    def int_arg(self) -> str:
        return self.rng.choice(INT_ARGS) if self.chance(0.4) else str(self.rng.randint(-20, 20))

    def rel_s(self) -> str:
        return str(self.rng.randint(100, 500_000))

    def rel_ms(self) -> str:
        return str(self.rng.randint(100_000, 500_000_000))

    def abs_s(self) -> str:
        return str(self.now + self.rng.randint(600_000, 2_000_000))

    def abs_ms(self) -> str:
        return str((self.now + self.rng.randint(600_000, 2_000_000)) * 1000 + self.rng.randint(0, 999))

    def past_s(self) -> str:
        return self.rng.choice(["1", "100", str(self.now - 100_000)])

    def time_arg(self, unit: str, absolute: bool, allow_past: bool = True) -> str:
        """A time argument: mostly valid and far from now, sometimes invalid or in the past."""
        roll = self.rng.random()
        if roll < 0.15:
            return self.rng.choice(BAD_TIMES)
        if roll < 0.22 and absolute and allow_past:
            return self.past_s() if unit == "s" else str(int(self.past_s()) * 1000)
        if absolute:
            return self.abs_s() if unit == "s" else self.abs_ms()
        return self.rel_s() if unit == "s" else self.rel_ms()

    def c(self, *args: str | bytes, mode: str | None = None) -> Cmd:
        args_list = list(args)
        args_list[0] = self.cased(str(args_list[0]))
        name = str(args[0]).upper()
        return Cmd(args_list, mode or default_mode(name))

    # -- command families --------------------------------------------------------------------------

    def gen_set(self) -> list[Cmd]:
        opts: list[str] = []
        pool = ["NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT"]
        for _ in range(self.rng.choice([0, 0, 1, 1, 1, 2, 2, 3])):
            opt = self.rng.choice(pool)
            opts.append(self.cased(opt))
            if opt in ("EX", "PX", "EXAT", "PXAT"):
                if self.chance(0.03):
                    continue  # missing value -> syntax error
                # No past EXAT/PXAT here: Redis 7.0 keeps such a key (logically expired) until lazy or
                # active expiry removes it, so DBSIZE would depend on expiry-cycle timing.
                opts.append(self.time_arg("s" if opt in ("EX", "EXAT") else "ms", absolute=opt.endswith("AT"),
                                          allow_past=False))
        if self.chance(0.03):
            opts.append(self.cased("BOGUS"))
        return [self.c("SET", self.key(), self.value(), *opts)]

    def gen_getex(self) -> list[Cmd]:
        roll = self.rng.random()
        opts: list[str] = []
        if roll < 0.2:
            pass
        elif roll < 0.35:
            opts = [self.cased("PERSIST")]
        elif roll < 0.9:
            opt = self.rng.choice(["EX", "PX", "EXAT", "PXAT"])
            opts = [self.cased(opt), self.time_arg("s" if opt in ("EX", "EXAT") else "ms", absolute=opt.endswith("AT"))]
        else:
            opts = self.rng.choice([["PERSIST", "EX", self.rel_s()], ["EX", self.rel_s(), "PX", self.rel_ms()],
                                    ["EX"], ["FOO"], ["PERSIST", "PERSIST"]])
        return [self.c("GETEX", self.key(), *opts)]

    def gen_simple_string(self) -> list[Cmd]:
        k = self.key()
        choice = self.rng.choice([
            lambda: self.c("GET", k),
            lambda: self.c("GETDEL", k),
            lambda: self.c("GETSET", k, self.value()),
            lambda: self.c("SETNX", k, self.value()),
            lambda: self.c("SETEX", k, self.time_arg("s", False), self.value()),
            lambda: self.c("PSETEX", k, self.time_arg("ms", False), self.value()),
            lambda: self.c("APPEND", k, self.rng.choice(["x", "", "123", "abc", b"\x00\r\n"])),
            lambda: self.c("STRLEN", k),
            lambda: self.c("GETRANGE", k, self.int_arg(), self.int_arg()),
            lambda: self.c("SETRANGE", k, self.rng.choice(["0", "1", "3", "10", "45", "-1", "536870912", "abc",
                                                           str(self.rng.randint(0, 60))]),
                           self.rng.choice(["x", "", "hello", b"\x00", "z" * 50])),
        ])
        return [choice()]

    def gen_multi_key(self) -> list[Cmd]:
        roll = self.rng.random()
        if roll < 0.3:
            return [self.c("MGET", *self.keys())]
        pairs: list[str | bytes] = []
        for k in self.keys(1, 3):
            pairs += [k, self.value()]
        if self.chance(0.05):
            pairs.pop()  # odd count -> wrong number of arguments
        name = "MSET" if roll < 0.7 else "MSETNX"
        return [self.c(name, *pairs)]

    def gen_counter(self) -> list[Cmd]:
        k = self.key()
        name = self.rng.choice(["INCR", "DECR", "INCRBY", "DECRBY", "INCRBY", "DECRBY"])
        if name in ("INCR", "DECR"):
            return [self.c(name, k)]
        return [self.c(name, k, self.int_arg())]

    def gen_incrbyfloat_macro(self) -> list[Cmd]:
        """[SET k v] INCRBYFLOAT k x (1-3 times) [GET k], then SET or DEL k so the float text does not linger."""
        k = self.key()
        cmds: list[Cmd] = []
        if self.chance(0.5):
            cmds.append(self.c("SET", k, self.rng.choice(["0", "1", "-5", "3.25", "1.5", "1e3", "abc", " 1",
                                                          "9223372036854775807", "inf", ""])))
        for _ in range(self.rng.randint(1, 3)):
            roll = self.rng.random()
            if roll < 0.7:
                incr = self.rng.choice(NICE_FLOAT_INCRS)
            elif roll < 0.9:
                incr = self.rng.choice(ODD_FLOAT_INCRS)
            else:
                incr = self.rng.choice(HUGE_FLOAT_INCRS)
            cmds.append(self.c("INCRBYFLOAT", k, incr))
        if self.chance(0.6):
            cmds.append(self.c("GET", k, mode="float"))
        cmds.append(self.c("DEL", k) if self.chance(0.5) else self.c("SET", k, self.value()))
        return cmds

    def gen_generic(self) -> list[Cmd]:
        k = self.key()
        choice = self.rng.choice([
            lambda: self.c("DEL", *self.keys()),
            lambda: self.c("UNLINK", *self.keys()),
            lambda: self.c("EXISTS", *self.keys()),
            lambda: self.c("TYPE", k),
            lambda: self.c("TOUCH", *self.keys()),
            lambda: self.c("RENAME", k, self.key()),
            lambda: self.c("RENAMENX", k, self.key()),
            lambda: self.gen_copy(),
            lambda: self.c("KEYS", self.rng.choice(KEY_PATTERNS)),
            lambda: self.c("DBSIZE"),
            lambda: self.c("OBJECT", self.cased("ENCODING"), k),
        ])
        return [choice()]

    def gen_copy(self) -> Cmd:
        groups: list[list[str]] = []
        if self.chance(0.4):
            groups.append([self.cased("DB"), self.rng.choice(["0", "1", "2", "1", "99", "abc"])])
        if self.chance(0.4):
            groups.append([self.cased("REPLACE")])
        if self.chance(0.03):
            groups.append(["FOO"])
        self.rng.shuffle(groups)
        return self.c("COPY", self.key(), self.key(), *[a for g in groups for a in g])

    def gen_expire(self) -> list[Cmd]:
        name = self.rng.choice(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
        unit = "ms" if name.startswith("P") else "s"
        absolute = name.endswith("AT")
        roll = self.rng.random()
        if roll < 0.1:
            t = self.rng.choice(["0", "-1", "-100"])  # deletes the key (when it exists)
        else:
            t = self.time_arg(unit, absolute)
        opts: list[str] = []
        roll = self.rng.random()
        if roll < 0.5:
            pass
        elif roll < 0.9:
            opts = [self.cased(self.rng.choice(["NX", "XX", "GT", "LT"]))]
        else:
            opts = self.rng.choice([["NX", "XX"], ["GT", "LT"], ["NX", "GT"], ["XX", "LT"], ["FOO"], ["XX", "XX"]])
        return [self.c(name, self.key(), t, *opts)]

    def gen_ttl_query(self) -> list[Cmd]:
        name = self.rng.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST", "TTL", "PTTL"])
        return [self.c(name, self.key())]

    def gen_db(self) -> list[Cmd]:
        roll = self.rng.random()
        if roll < 0.6:
            return [self.c("SELECT", self.rng.choice(["0", "1", "0", "1", "2", "16", "-1", "abc"]))]
        return [self.c("SWAPDB", self.rng.choice(["0", "1", "2", "0", "abc"]), self.rng.choice(["1", "0", "2", "16"]))]

    def gen_randomkey(self) -> list[Cmd]:
        return [self.c("RANDOMKEY")]

    def gen_wrong_arity(self) -> list[Cmd]:
        name = self.rng.choice(sorted(ARITY))
        arity = ARITY[name]
        if arity > 0:
            choices = [n for n in range(0, arity + 2) if n + 1 != arity]
        else:
            choices = list(range(0, -arity - 1))
        n = self.rng.choice(choices)
        return [self.c(name, *[self.key() for _ in range(n)])]

    def gen_unknown(self) -> list[Cmd]:
        return [Cmd([self.rng.choice(["FOO", "foo", "SETT", "GETT", "kyes"]), *self.keys(0, 3)])]

    def gen_watch(self) -> list[Cmd]:
        if self.chance(0.3):
            return [self.c("UNWATCH")]
        return [self.c("WATCH", *self.keys(1, 3))]

    def gen_misc(self) -> list[Cmd]:
        return [self.rng.choice([self.c("ECHO", self.value()), self.c("PING"), self.c("EXEC"), self.c("DISCARD"),
                                 self.c("FLUSHDB")])]

    # -- MULTI blocks --------------------------------------------------------------------------------

    def gen_multi_block(self) -> list[Cmd]:
        cmds = [self.c("MULTI")]
        for _ in range(self.rng.randint(0, 6)):
            roll = self.rng.random()
            if roll < 0.06:
                cmds += self.gen_wrong_arity()  # -> EXECABORT
            elif roll < 0.08:
                cmds += self.gen_unknown()  # -> EXECABORT
            elif roll < 0.10:
                cmds.append(self.c("MULTI"))  # nested: error, does not abort
            elif roll < 0.12:
                cmds.append(self.c("WATCH", self.key()))  # inside MULTI: error, does not abort
            else:
                cmds += self.rng.choice(self.block_safe)()
        cmds.append(self.c("EXEC") if self.chance(0.85) else self.c("DISCARD"))
        return cmds

    # -- top level -------------------------------------------------------------------------------------

    @property
    def block_safe(self):
        """Families that are single commands and fine inside MULTI."""
        return [self.gen_set, self.gen_set, self.gen_simple_string, self.gen_simple_string, self.gen_counter,
                self.gen_multi_key, self.gen_generic, self.gen_expire, self.gen_ttl_query, self.gen_getex,
                self.gen_db]

    def generate(self, n: int) -> list[Cmd]:
        weighted = [
            (self.gen_set, 14), (self.gen_getex, 4), (self.gen_simple_string, 16), (self.gen_multi_key, 6),
            (self.gen_counter, 7), (self.gen_incrbyfloat_macro, 4), (self.gen_generic, 14),
            (self.gen_expire, 8), (self.gen_ttl_query, 8), (self.gen_db, 3), (self.gen_randomkey, 2),
            (self.gen_wrong_arity, 3), (self.gen_unknown, 1), (self.gen_watch, 2), (self.gen_misc, 1),
            (self.gen_multi_block, 5),
        ]
        families = [f for f, w in weighted for _ in range(w)]
        out: list[Cmd] = []
        while len(out) < n:
            out += self.rng.choice(families)()
        return out


# --------------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------------

CANONICAL_FLOAT = re.compile(rb"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")


def parse_float(data: bytes) -> float | None:
    try:
        value = float(data)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def compare(mode: str, p: Reply, o: Reply) -> str | None:
    """None if the replies match under `mode`, else a short reason."""
    if p == o:
        return None
    if mode == "sorted" and p.kind == o.kind == "*" and p.value is not None and o.value is not None:
        if sorted(p.value) == sorted(o.value):  # type: ignore[arg-type]
            return None
        return "different members"
    if mode in ("ttl", "pttl") and p.kind == o.kind == ":" and p.value >= 0 and o.value >= 0:  # type: ignore[operator]
        tol = TTL_TOLERANCE_S if mode == "ttl" else PTTL_TOLERANCE_MS
        if abs(p.value - o.value) <= tol:  # type: ignore[operator]
            return None
        return f"differ by more than {tol}"
    if mode == "float" and p.kind == o.kind == "$" and p.value is not None and o.value is not None:
        pf, of = parse_float(p.value), parse_float(o.value)  # type: ignore[arg-type]
        if pf is not None and of is not None:
            if not CANONICAL_FLOAT.fullmatch(p.value):  # type: ignore[arg-type]
                return "podium's float is not in Redis' canonical form (no exponent, no trailing zeros)"
            if math.isclose(pf, of, rel_tol=1e-12, abs_tol=0.0):
                return None
            return "floats differ"
    return "replies differ"


# --------------------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------------------


@dataclass
class Transcript:
    seed: int
    lines: list[str] = field(default_factory=list)

    def add(self, index: int, cmd: Cmd, reply: Reply) -> None:
        self.lines.append(f"  #{index}: {cmd}  ->  {reply!r}")

    def context(self) -> str:
        return "\n".join(self.lines[-CONTEXT_LINES:])


def fail(seed: int, index: int, cmd: Cmd, p: object, o: object, reason: str, transcript: Transcript,
         detail: str = "") -> None:
    pytest.fail(
        f"differential mismatch: seed={seed} command #{index}: {cmd}\n"
        f"  reason: {reason}{detail}\n"
        f"  podium: {p!r}\n"
        f"  oracle: {o!r}\n"
        f"previous commands (oracle replies):\n{transcript.context()}\n"
        f"reproduce: PODIUM_DIFF_SEEDS={seed} pytest Tests/e2e/test_differential.py",
        pytrace=False,
    )


def run_sequence(seed: int, cmds: list[Cmd], podium_conn: RespConnection, oracle_conn: RespConnection) -> None:
    transcript = Transcript(seed)
    in_multi = False
    queued: list[Cmd] = []
    for index, cmd in enumerate(cmds):
        try:
            p = podium_conn.call(*cmd.args)
        except Exception as exc:  # connection closed, timeout, garbage on the wire
            fail(seed, index, cmd, f"<{type(exc).__name__}: {exc}>", "<not sent>", "podium did not reply", transcript)
        o = oracle_conn.call(*cmd.args)
        name = cmd.name

        if in_multi and name not in ("EXEC", "DISCARD", "MULTI", "WATCH"):
            if o == QUEUED:
                queued.append(cmd)
            reason = compare("exact", p, o)
            if reason:
                fail(seed, index, cmd, p, o, reason, transcript)
        elif name == "EXEC" and in_multi and o.kind == "*" and o.value is not None:
            if p.kind != "*" or p.value is None or len(p.value) != len(o.value):  # type: ignore[arg-type]
                fail(seed, index, cmd, p, o, "EXEC replies differ in shape", transcript)
            for j, (qc, pe, oe) in enumerate(zip(queued, p.value, o.value)):  # type: ignore[arg-type]
                reason = compare(qc.mode, pe, oe)
                if reason:
                    fail(seed, index, cmd, p, o, reason, transcript, detail=f" (element {j}: {qc} -> {pe!r} vs {oe!r})")
        elif cmd.mode == "randomkey":
            if (p.kind, p.value is None) != (o.kind, o.value is None):
                fail(seed, index, cmd, p, o, "RANDOMKEY: one side empty, or different types", transcript)
            if p.kind == "$" and p.value is not None:
                exists = podium_conn.call("EXISTS", p.value)
                if exists != Reply(":", 1):
                    fail(seed, index, cmd, p, o, f"RANDOMKEY returned a key that does not exist (EXISTS -> {exists!r})",
                         transcript)
        else:
            reason = compare(cmd.mode, p, o)
            if reason:
                fail(seed, index, cmd, p, o, reason, transcript)

        # Track MULTI state from the oracle's replies.
        if name == "MULTI" and o == OK:
            in_multi, queued = True, []
        elif name == "EXEC" and in_multi and (o.kind == "*" or (o.kind == "-" and str(o.value).startswith("EXECABORT"))):
            in_multi, queued = False, []
        elif name == "DISCARD" and o == OK:
            in_multi, queued = False, []
        transcript.add(index, cmd, o)


def compare_random(p: Reply, o: Reply) -> str | None:
    """HRANDFIELD / ZRANDMEMBER: random by nature, so compare shapes, sizes and error texts only."""
    if p.kind != o.kind:
        return "different reply types"
    if p.kind == "-":
        return None if p == o else "different errors"
    if p.kind == "*":
        return None if len(p.value) == len(o.value) else "different sizes"  # type: ignore[arg-type]
    return None if (p.value is None) == (o.value is None) else "one side empty"


def reset_both(conns, config: dict[str, str]) -> None:
    """FLUSHALL on each connection's server, then CONFIG SET every directive in `config`."""
    for conn in conns:
        assert conn.call("FLUSHALL") == OK
        for name, value in config.items():
            assert conn.call("CONFIG", "SET", name, value) == OK


def run_plain(seed: int, cmds: list[Cmd], podium_conn: RespConnection, oracle_conn: RespConnection,
              compare_fn) -> None:
    """Send each command to both servers and compare with `compare_fn(cmd, p, o)` (no MULTI tracking)."""
    transcript = Transcript(seed)
    for index, cmd in enumerate(cmds):
        p = podium_conn.call(*cmd.args)
        o = oracle_conn.call(*cmd.args)
        reason = compare_fn(cmd, p, o)
        if reason:
            fail(seed, index, cmd, p, o, reason, transcript)
        transcript.add(index, cmd, o)


def test_generator_is_deterministic():
    a = [c.args for c in Generator(7, 1_700_000_000).generate(300)]
    b = [c.args for c in Generator(7, 1_700_000_000).generate(300)]
    assert a == b


@pytest.mark.parametrize("seed", SEEDS)
def test_differential(podium, oracle, r, oracle_r, seed):
    # r / oracle_r: restart a server that died in an earlier test, and FLUSHALL both.
    now = int(time.time())
    cmds = Generator(seed, now).generate(COMMANDS_PER_SEED)
    with podium.raw() as pc, oracle.raw() as oc:
        for conn in (pc, oc):
            assert conn.call("FLUSHALL") == OK
            assert conn.call("SELECT", "0") == OK
        run_sequence(seed, cmds, pc, oc)
