"""Fixtures for the Podium end-to-end tests.

Every server these fixtures start
  * listens on 127.0.0.1 only, on a port picked by binding a socket to 127.0.0.1:0,
  * runs in its own temporary working directory and logs to ``server.log`` there,
  * is ready once it answers PING (we fail with the log if it does not within
    $PODIUM_STARTUP_TIMEOUT seconds, default 20),
  * is stopped by PID at teardown, also when the test failed: SIGTERM, then
    SIGKILL if it is still alive after a few seconds.

Environment:
  PODIUM_SERVER        server under test (default: <repo>/.build/debug/podium-server).
                       May point at redis-server itself, to check the tests against real Redis.
  PODIUM_SERVER_ARGS   extra arguments for the server under test (shell syntax), e.g. "--loglevel debug".
  PODIUM_ORACLE        reference server for the differential tests (default: redis-server on PATH).
  PODIUM_STARTUP_TIMEOUT  seconds to wait for PING (default 20).

Fixtures (see README.md):
  podium / oracle       session-scoped ServerProcess (restarted transparently if it died).
  r / r3                redis-py client (RESP2 / RESP3) on podium, after FLUSHALL.
  oracle_r              redis-py client on the oracle, after FLUSHALL.
  raw                   RespConnection (resp_client.py) on podium, after FLUSHALL.
  fresh_podium          a new podium process just for this test.
  server_factory        start podium processes with extra args / a config file / a TLS port (function-scoped).
  oracle_factory        the same for redis-server processes.
  tls_certs             scripts/gen-test-certs output (CA, server, client), once per session; other_tls_certs
                        a second, unrelated set.
"""

from __future__ import annotations

import atexit
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from resp_client import RespConnection

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PODIUM = REPO_ROOT / ".build" / "debug" / "podium-server"
STARTUP_TIMEOUT = float(os.environ.get("PODIUM_STARTUP_TIMEOUT", "20"))
STOP_GRACE_SECONDS = 5.0
LOG_TAIL_LINES = 60

# PIDs of every server we started and have not reaped yet. The atexit hook is a last resort for the
# case where pytest dies without running fixture finalizers (e.g. an internal error); normally the
# fixtures stop their servers themselves.
_LIVE_PIDS: set[int] = set()


@atexit.register
def _kill_leftovers() -> None:
    for pid in list(_LIVE_PIDS):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# --------------------------------------------------------------------------------------------------
# Server process management
# --------------------------------------------------------------------------------------------------


def free_port() -> int:
    """An ephemeral TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_redis_binary(path: str) -> bool:
    return os.path.basename(path).startswith(("redis-server", "valkey-server"))


def resolve_executable(value: str) -> str | None:
    if os.sep in value:
        path = os.path.abspath(value)  # servers run with a temporary cwd
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(value)


class ServerStartError(Exception):
    pass


@dataclass(frozen=True)
class TLSSetup:
    """A TLS port for a ServerProcess: the certificates of scripts/gen-test-certs in `certs`, tls-auth-clients
    `auth_clients`, and whether the plain port stays open too (`plain=False` starts with --port 0)."""

    certs: Path
    auth_clients: str = "no"
    plain: bool = True

    def path(self, name: str) -> str:
        return str(self.certs / name)

    def args(self, tls_port: int) -> list[str]:
        return ["--tls-port", str(tls_port), "--tls-cert-file", self.path("server.crt"),
                "--tls-key-file", self.path("server.key"), "--tls-ca-cert-file", self.path("ca.crt"),
                "--tls-auth-clients", self.auth_clients]

    def context(self, certificate: bool | None = None) -> ssl.SSLContext:
        """A client context that verifies the server (localhost) against the CA; with the client certificate when
        `certificate` is true, or by default when tls-auth-clients is yes."""
        context = ssl.create_default_context(cafile=self.path("ca.crt"))
        if certificate if certificate is not None else self.auth_clients == "yes":
            context.load_cert_chain(self.path("client.crt"), self.path("client.key"))
        return context


def make_certificates(directory: Path, ec: bool = False) -> Path:
    """Runs scripts/gen-test-certs into `directory` (CA, server and client certificates; P-256 keys with `ec`)."""
    subprocess.run([str(REPO_ROOT / "scripts" / "gen-test-certs"), *(["--ec"] if ec else []), str(directory)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return directory


class ServerProcess:
    """One server process (podium-server or redis-server) on 127.0.0.1:<ephemeral port>."""

    host = "127.0.0.1"

    def __init__(self, name: str, executable: str, extra_args: list[str] | None = None,
                 config_text: str | None = None, pass_port: bool = True, tls: TLSSetup | None = None):
        self.name = name
        self.tls = tls
        self.tls_port = 0
        self.executable = executable
        self.extra_args = list(extra_args or [])
        self.config_text = config_text
        self.pass_port = pass_port
        self.is_redis = is_redis_binary(executable)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"podium-e2e-{name}-"))
        self.log_path = self.workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.returncode: int | None = None
        self._log_file = None
        self._log_offset = 0

    # -- public helpers ----------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def client(self, protocol: int = 2, **kwargs) -> redis.Redis:
        """A redis-py client. protocol=3 makes redis-py send HELLO 3 on connect."""
        kwargs.setdefault("socket_timeout", 10)
        kwargs.setdefault("socket_connect_timeout", 10)
        return redis.Redis(host=self.host, port=self.port, protocol=protocol, **kwargs)

    def tls_client(self, protocol: int = 2, certificate: bool | None = None, **kwargs) -> redis.Redis:
        """A redis-py client over TLS (ssl=True) on the TLS port, verifying the server against the test CA; with the
        client certificate when `certificate` is true (default: when tls-auth-clients is yes)."""
        assert self.tls is not None, "server started without tls"
        kwargs.setdefault("socket_timeout", 10)
        kwargs.setdefault("socket_connect_timeout", 10)
        if certificate if certificate is not None else self.tls.auth_clients == "yes":
            kwargs.setdefault("ssl_certfile", self.tls.path("client.crt"))
            kwargs.setdefault("ssl_keyfile", self.tls.path("client.key"))
        return redis.Redis(host="localhost", port=self.tls_port, protocol=protocol, ssl=True,
                           ssl_ca_certs=self.tls.path("ca.crt"), **kwargs)

    def raw(self, timeout: float = 10.0) -> RespConnection:
        """A raw RESP connection (see resp_client.py)."""
        return RespConnection(self.host, self.port, timeout=timeout)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def log_since_spawn(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def describe(self) -> str:
        return f"{self.name} ({self.executable}) pid={self.proc.pid if self.proc else None} port={self.port}"

    # -- start / stop ------------------------------------------------------------------------------

    def argv(self, port: int) -> list[str]:
        argv = [self.executable]
        if self.config_text is not None:
            conf = self.workdir / "server.conf"
            conf.write_text(self.config_text.replace("{port}", str(port)))
            argv.append(str(conf))
        if self.tls is not None and not self.tls.plain:
            argv += ["--port", "0"]
        elif self.pass_port:
            argv += ["--port", str(port)]
        if self.tls is not None:
            argv += self.tls.args(self.tls_port)
        argv += ["--bind", "127.0.0.1"]
        if self.is_redis:
            # Real Redis would otherwise write dump.rdb and may refuse to run from a read-only cwd.
            argv += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        return argv + self.extra_args

    def start(self) -> None:
        """Start the server and wait until it answers PING. Retries a few times if the port was taken."""
        last_error = None
        for _attempt in range(3):
            port = free_port()
            if self.tls is not None:
                self.tls_port = free_port()
            try:
                self._spawn(port)
                self._wait_ready()
                return
            except ServerStartError as exc:
                last_error = exc
                self.stop()
                if "in use" not in self.log_since_spawn().lower():
                    break
        raise last_error  # type: ignore[misc]

    def _spawn(self, port: int) -> None:
        self.port = port
        self.returncode = None
        argv = self.argv(port)
        self._log_file = open(self.log_path, "ab")
        self._log_offset = self._log_file.tell()
        self._log_file.write(f"=== starting: {shlex.join(argv)}\n".encode())
        self._log_file.flush()
        self.proc = subprocess.Popen(
            argv,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal must not bypass our orderly teardown
        )
        _LIVE_PIDS.add(self.proc.pid)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        last = "no attempt"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"{self.describe()} exited with status {self.proc.returncode} during startup.\n"
                    f"--- server log ---\n{self.log_tail()}")
            try:
                with self._ready_probe_socket() as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = b""
                    while not data.endswith(b"\r\n"):
                        chunk = s.recv(64)
                        if not chunk:
                            break
                        data += chunk
                    if data == b"+PONG\r\n":
                        return
                    # A server with requirepass answers NOAUTH even while it still loads its data set (the
                    # authentication check comes first): it is ready once its log says so.
                    if data.startswith(b"-NOAUTH") and "ready to accept connections" in self.log_tail(400).lower():
                        return
                    last = f"PING answered {data!r}"
            except OSError as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.05)
        raise ServerStartError(
            f"{self.describe()} did not answer PING within {STARTUP_TIMEOUT:.0f}s (last: {last}).\n"
            f"--- server log ---\n{self.log_tail()}")

    def _ready_probe_socket(self):
        """A connection for the readiness PING: the plain port, or the TLS port when the plain one is off."""
        if self.tls is None or self.tls.plain:
            return socket.create_connection((self.host, self.port), timeout=1.0)
        raw = socket.create_connection((self.host, self.tls_port), timeout=1.0)
        try:
            return self.tls.context().wrap_socket(raw, server_hostname="localhost")
        except BaseException:
            raw.close()
            raise

    def stop(self) -> int | None:
        """SIGTERM, wait, then SIGKILL. Returns the exit status (negative = killed by that signal)."""
        proc = self.proc
        if proc is None:
            return self.returncode
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=STOP_GRACE_SECONDS)
        self.returncode = proc.returncode
        _LIVE_PIDS.discard(proc.pid)
        self.proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return self.returncode

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for the process to exit on its own (e.g. after SHUTDOWN). Returns the status or None."""
        if self.proc is None:
            return self.returncode
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.stop()  # bookkeeping only; the process is gone
        return rc

    def ensure_running(self) -> None:
        """Restart the server if it died (so one crash does not fail every later test)."""
        if not self.alive():
            self.stop()
            self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# Executables
# --------------------------------------------------------------------------------------------------


def podium_executable() -> str:
    value = os.environ.get("PODIUM_SERVER") or str(DEFAULT_PODIUM)
    exe = resolve_executable(value)
    if exe is None:
        pytest.fail(f"PODIUM_SERVER={value!r} is not an executable; build with `swift build` "
                    "or run scripts/test", pytrace=False)
    return exe


def oracle_executable() -> str:
    value = os.environ.get("PODIUM_ORACLE") or "redis-server"
    exe = resolve_executable(value)
    if exe is None:
        pytest.fail(f"oracle {value!r} not found; install redis-server (scripts/test does)", pytrace=False)
    return exe


def podium_extra_args() -> list[str]:
    return shlex.split(os.environ.get("PODIUM_SERVER_ARGS", ""))


def _start_or_fail(server: ServerProcess) -> ServerProcess:
    message = None
    try:
        server.start()
    except ServerStartError as exc:
        message = str(exc)
    if message is not None:  # fail outside the except block: no "during handling" noise
        server.cleanup()
        pytest.fail(message, pytrace=False)
    return server


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def podium():
    """The server under test, shared by the whole session (with DEBUG allowed, as the tests that need it ask)."""
    server = _start_or_fail(ServerProcess("podium", podium_executable(),
                                          ["--enable-debug-command", "yes"] + podium_extra_args()))
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def oracle():
    """A real redis-server, shared by the whole session (differential tests)."""
    server = _start_or_fail(ServerProcess("oracle", oracle_executable()))
    try:
        yield server
    finally:
        server.cleanup()


def _ensure(server: ServerProcess) -> None:
    message = None
    try:
        server.ensure_running()
    except ServerStartError as exc:
        message = f"{server.name} died and could not be restarted:\n{exc}"
    if message is not None:
        pytest.fail(message, pytrace=False)


def _flushed_client(server: ServerProcess, protocol: int) -> redis.Redis:
    _ensure(server)
    client = server.client(protocol=protocol)
    client.flushall()
    return client


@pytest.fixture(autouse=True)
def _restart_dead_servers(request):
    """Before each test that uses a shared server, restart it if an earlier test crashed it."""
    for name in ("podium", "oracle"):
        if name in request.fixturenames:
            _ensure(request.getfixturevalue(name))


@pytest.fixture
def r(podium):
    """redis-py RESP2 client on the shared podium server, after FLUSHALL."""
    client = _flushed_client(podium, 2)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def r3(podium):
    """redis-py RESP3 client (HELLO 3) on the shared podium server, after FLUSHALL."""
    client = _flushed_client(podium, 3)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def oracle_r(oracle):
    """redis-py RESP2 client on the shared oracle, after FLUSHALL."""
    client = _flushed_client(oracle, 2)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def raw(podium):
    """A raw RespConnection on the shared podium server, after FLUSHALL."""
    _flushed_client(podium, 2).close()
    conn = podium.raw()
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def server_factory():
    """Start extra podium processes for one test: factory(extra_args=[...], config_text=None, pass_port=True,
    tls=None). With tls=TLSSetup(...) the server also gets a TLS port (`.tls_port`, `.tls_client()`).

    config_text is written to server.conf and passed as the first argument; "{port}" in it is replaced
    by the chosen port (use pass_port=False to make the file the only source of the port).
    All processes are stopped by PID at teardown.
    """
    started: list[ServerProcess] = []

    def factory(extra_args: list[str] | None = None, config_text: str | None = None,
                pass_port: bool = True, tls: TLSSetup | None = None) -> ServerProcess:
        server = ServerProcess("fresh", podium_executable(), podium_extra_args() + list(extra_args or []),
                               config_text=config_text, pass_port=pass_port, tls=tls)
        started.append(server)
        server.start()  # ServerStartError propagates as a test error with the log
        return server

    try:
        yield factory
    finally:
        for server in started:
            server.cleanup()


@pytest.fixture
def oracle_factory():
    """Like server_factory, but starts redis-server processes (differential tests that reconfigure the oracle,
    e.g. with ACL users, so the shared `oracle` stays untouched)."""
    started: list[ServerProcess] = []

    def factory(extra_args: list[str] | None = None, config_text: str | None = None,
                pass_port: bool = True) -> ServerProcess:
        server = ServerProcess("oracle-fresh", oracle_executable(), list(extra_args or []),
                               config_text=config_text, pass_port=pass_port)
        started.append(server)
        server.start()
        return server

    try:
        yield factory
    finally:
        for server in started:
            server.cleanup()


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory) -> Path:
    """A CA with server and client certificates from scripts/gen-test-certs, made once per session."""
    return make_certificates(tmp_path_factory.mktemp("tls-certs"))


@pytest.fixture(scope="session")
def other_tls_certs(tmp_path_factory) -> Path:
    """A second, unrelated CA and certificates (certificate reload tests)."""
    return make_certificates(tmp_path_factory.mktemp("tls-certs-other"))


@pytest.fixture(scope="session")
def ec_tls_certs(tmp_path_factory) -> Path:
    """Certificates with P-256 keys (scripts/gen-test-certs --ec): cheaper handshakes, for the load test."""
    return make_certificates(tmp_path_factory.mktemp("tls-certs-ec"), ec=True)


@pytest.fixture
def fresh_podium(server_factory):
    """A podium process of its own for tests that kill, shut down or reconfigure the server."""
    return server_factory()


# --------------------------------------------------------------------------------------------------
# Reporting: attach the server log tail to failing tests
# --------------------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    # item.funcargs holds every fixture value the test used, including ones requested indirectly.
    servers = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, ServerProcess)]
    for server in servers:
        state = "alive" if server.alive() else f"NOT RUNNING (status {server.proc.returncode if server.proc else server.returncode})"
        report.sections.append((f"{server.name} log tail [{state}]", server.log_tail()))
