"""A tiny, strict RESP2/RESP3 client for the e2e tests.

redis-py hides the wire: it turns simple strings into bools, maps into dicts and
errors into exceptions. The protocol and differential tests need the exact reply
*types*, so this client returns every reply as a ``Reply(kind, value)`` tuple
where ``kind`` is the RESP type byte:

    '+' simple string  value: str
    '-' error          value: str          (full text, e.g. "ERR syntax error")
    ':' integer        value: int
    '$' bulk string    value: bytes, or None for the RESP2 null bulk ($-1)
    '*' array          value: list[Reply], or None for the RESP2 null array (*-1)
    RESP3 only:
    '_' null           value: None
    ',' double         value: str          (kept as text; compare with float())
    '#' boolean        value: bool
    '(' big number     value: int
    '=' verbatim       value: bytes        (including the "txt:" prefix)
    '!' blob error     value: str
    '%' map            value: list[tuple[Reply, Reply]]  (order kept)
    '~' set            value: list[Reply]
    '>' push           value: list[Reply]
    '|' attribute      value: (list[tuple[Reply, Reply]], Reply)  attributes + the reply they decorate

Nothing here imports pytest, so the module can also be used from a REPL.
"""

from __future__ import annotations

import socket
from typing import NamedTuple


class Reply(NamedTuple):
    kind: str
    value: object

    def __repr__(self) -> str:  # compact, readable in assertion messages
        return f"Reply({self.kind!r}, {self.value!r})"


class ConnectionClosed(Exception):
    """The server closed the connection (EOF) while a reply was expected."""


class ProtocolViolation(Exception):
    """The server sent bytes that are not valid RESP."""


def encode_command(*args: object) -> bytes:
    """Encode one command as a RESP multibulk request. str/int/float args are UTF-8 encoded."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bytes):
            data = arg
        elif isinstance(arg, str):
            data = arg.encode("utf-8", "surrogateescape")
        elif isinstance(arg, (int, float)):
            data = repr(arg).encode()
        else:
            raise TypeError(f"cannot encode {type(arg).__name__}: {arg!r}")
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class RespConnection:
    """One TCP connection speaking RESP. Blocking, with a per-read socket timeout."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host = host
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self._pos = 0

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RespConnection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has_buffered(self) -> bool:
        """True if bytes already received are waiting to be parsed."""
        return self._pos < len(self._buf)

    def settimeout(self, timeout: float | None) -> None:
        self.sock.settimeout(timeout)

    # -- writing -----------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, *args: object) -> None:
        self.sock.sendall(encode_command(*args))

    def call(self, *args: object) -> Reply:
        """Send one command and read exactly one reply."""
        self.send(*args)
        return self.read_reply()

    # -- reading -----------------------------------------------------------------

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed(f"connection closed by {self.host}:{self.port}")
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += chunk

    def read_line(self) -> bytes:
        """One CRLF-terminated line, without the CRLF."""
        while True:
            idx = self._buf.find(b"\r\n", self._pos)
            if idx >= 0:
                line = bytes(self._buf[self._pos : idx])
                self._pos = idx + 2
                return line
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n + 2:
            self._fill()
        data = bytes(self._buf[self._pos : self._pos + n])
        if self._buf[self._pos + n : self._pos + n + 2] != b"\r\n":
            raise ProtocolViolation(f"bulk of length {n} not followed by CRLF")
        self._pos += n + 2
        return data

    def read_reply(self) -> Reply:
        line = self.read_line()
        if not line:
            raise ProtocolViolation("empty reply line")
        kind, rest = chr(line[0]), line[1:]
        if kind == "+":
            return Reply("+", _text(rest))
        if kind == "-":
            return Reply("-", _text(rest))
        if kind == ":":
            return Reply(":", int(rest))
        if kind == "(":
            return Reply("(", int(rest))
        if kind == ",":
            return Reply(",", _text(rest))
        if kind == "#":
            if rest not in (b"t", b"f"):
                raise ProtocolViolation(f"bad boolean {line!r}")
            return Reply("#", rest == b"t")
        if kind == "_":
            if rest:
                raise ProtocolViolation(f"bad null {line!r}")
            return Reply("_", None)
        if kind in "$=!":
            n = int(rest)
            if n == -1 and kind == "$":
                return Reply("$", None)
            if n < 0:
                raise ProtocolViolation(f"bad length {line!r}")
            data = self._exact(n)
            return Reply(kind, _text(data) if kind == "!" else data)
        if kind in "*~>":
            n = int(rest)
            if n == -1 and kind == "*":
                return Reply("*", None)
            if n < 0:
                raise ProtocolViolation(f"bad length {line!r}")
            return Reply(kind, [self.read_reply() for _ in range(n)])
        if kind in "%|":
            n = int(rest)
            if n < 0:
                raise ProtocolViolation(f"bad length {line!r}")
            pairs = [(self.read_reply(), self.read_reply()) for _ in range(n)]
            if kind == "%":
                return Reply("%", pairs)
            return Reply("|", (pairs, self.read_reply()))
        raise ProtocolViolation(f"unknown reply type byte in {line!r}")

    def read_raw_until_closed(self, timeout: float = 5.0) -> tuple[bytes, bool]:
        """Read everything until EOF or until nothing arrives for `timeout` seconds.

        Returns (bytes, closed). Bytes already buffered by read_reply are included.
        """
        out = bytes(self._buf[self._pos :])
        self._buf.clear()
        self._pos = 0
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        closed = False
        try:
            while True:
                try:
                    chunk = self.sock.recv(1 << 16)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    closed = True
                    break
                if not chunk:
                    closed = True
                    break
                out += chunk
        finally:
            self.sock.settimeout(old)
        return out, closed


def to_python(reply: Reply) -> object:
    """Collapse a Reply into plain Python values (errors stay as Reply). Handy for assertions."""
    kind, value = reply
    if kind in "*~>" and value is not None:
        return [to_python(r) for r in value]  # type: ignore[union-attr]
    if kind == "%":
        return {to_python(k): to_python(v) for k, v in value}  # type: ignore[union-attr]
    if kind == "-" or kind == "!":
        return reply
    return value
