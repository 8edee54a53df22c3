"""The leaderboard example (examples/leaderboard), end to end.

- `examples/leaderboard/run` (the example's one command) against a plain Podium and against Podium in ElastiCache
  Serverless mode (TLS, the RBAC user `app`, node-redis' createCluster): every flow of demo.js must succeed.
- The page in headless Chromium (Debian's chromium and chromedriver, through selenium): the top 10 appears, and a
  score posted through the API shows on the page without a reload (a marker set in the page survives, and the page
  counts one load).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO_ROOT, ServerProcess, TLSSetup, free_port, is_redis_binary, oracle_executable, podium_executable
from support import serve_all_slots

pytestmark = pytest.mark.skipif(is_redis_binary(podium_executable()), reason="runs podium-server modes")

EXAMPLE = REPO_ROOT / "examples" / "leaderboard"
NODE_PATH = "/usr/share/nodejs"


def node() -> str:
    found = shutil.which("node") or shutil.which("nodejs")
    assert found, "node is not installed (scripts/test installs nodejs and node-redis with apt)"
    return found


def test_run_script_runs_every_flow_in_both_modes():
    # In a session of its own, so that a timeout stops the servers and apps it started too.
    proc = subprocess.Popen([str(EXAMPLE / "run")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PODIUM_SERVER=podium_executable()), stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise AssertionError("examples/leaderboard/run did not finish in 240 s:\n" + stdout + stderr)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "did not stop" not in result.stderr, result.stderr
    out = result.stdout
    assert out.count("every flow succeeded") == 2, out
    assert "FAIL" not in out
    assert "(single client, redis://127.0.0.1:" in out
    assert "(cluster client, rediss://127.0.0.1:" in out


def run_demo(app: "App") -> list[str]:
    result = subprocess.run([node(), str(EXAMPLE / "demo.js"), app.url], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, NODE_PATH=NODE_PATH))
    assert result.returncode == 0, result.stdout + result.stderr + app.log.read_text(errors="replace")
    return result.stdout.splitlines()


def redis_cluster_node() -> ServerProcess:
    """redis-server 7 in cluster mode with every slot assigned to its one node."""
    peer = ServerProcess("redis-cluster-example", oracle_executable(),
                         ["--cluster-enabled", "yes", "--cluster-config-file", "nodes-peer.conf",
                          "--cluster-port", str(free_port())])
    peer.start()
    with peer.raw() as o:
        serve_all_slots(o)
    return peer


def test_cluster_client_flows_match_a_redis_cluster(server_factory, tls_certs):
    """node-redis' createCluster runs every flow against Podium in cluster mode, plain and over TLS, and prints
    exactly what it prints against a one-node redis-server 7 cluster."""
    peer = redis_cluster_node()
    try:
        app = App({"LEADERBOARD_REDIS_URL": f"redis://127.0.0.1:{peer.port}", "LEADERBOARD_CLUSTER": "1"})
        try:
            expected = run_demo(app)
        finally:
            app.stop()
    finally:
        peer.cleanup()
    assert expected[-1] == "every flow succeeded"
    plain = server_factory(["--cluster-enabled", "yes"])
    tls = server_factory(["--cluster-enabled", "yes"], tls=TLSSetup(tls_certs, plain=False))
    for env in ({"LEADERBOARD_REDIS_URL": f"redis://127.0.0.1:{plain.port}"},
                {"LEADERBOARD_REDIS_URL": f"rediss://127.0.0.1:{tls.tls_port}",
                 "LEADERBOARD_CA": str(tls_certs / "ca.crt")}):
        app = App({**env, "LEADERBOARD_CLUSTER": "1"})
        try:
            assert run_demo(app) == expected
        finally:
            app.stop()


class App:
    """app.js as a subprocess; `.url` is its HTTP address."""

    def __init__(self, env: dict[str, str]):
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"leaderboard-app-{os.getpid()}-{time.monotonic_ns()}.log"
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen([node(), str(EXAMPLE / "app.js")], stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env=dict(os.environ, NODE_PATH=NODE_PATH, LEADERBOARD_HTTP_PORT="0", **env))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"listening on (http://\S+)", self.log.read_text(errors="replace"))
            if found:
                self.url = found.group(1)
                return
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            time.sleep(0.1)
        raise AssertionError("the app did not start: " + self.log.read_text(errors="replace"))

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        self.log.unlink(missing_ok=True)


@pytest.fixture
def serverless_app(server_factory, tls_certs):
    server = server_factory(["--elasticache-serverless", "yes", "--elasticache-read-port", str(free_port()),
                             "--user", "app", "on", ">app-secret", "~*", "&*", "+@all"],
                            tls=TLSSetup(tls_certs, plain=False))
    app = App({"LEADERBOARD_REDIS_URL": f"rediss://127.0.0.1:{server.tls_port}", "LEADERBOARD_CLUSTER": "1",
               "LEADERBOARD_USERNAME": "app", "LEADERBOARD_PASSWORD": "app-secret",
               "LEADERBOARD_CA": str(tls_certs / "ca.crt")})
    try:
        yield app
    finally:
        app.stop()


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "chromium and chromium-driver are not installed (scripts/test installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


def rows(driver) -> list[tuple[str, str]]:
    """(player, score) of each row of the table."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#board tr')].map(r => [r.dataset.player, r.lastChild.textContent]);")


def wait_until(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def test_page_shows_a_score_change_without_a_reload(serverless_app):
    app = serverless_app
    players = {"ana": 120, "bo": 340, "cy": 90, "dee": 275}
    sessions = {}
    for pid, points in players.items():
        app.call("PUT", f"/users/{pid}", {"name": pid.title(), "country": "PT"})
        sessions[pid] = app.call("POST", "/sessions", {"user": pid})["session"]
        app.call("POST", "/scores", {"session": sessions[pid], "points": points})

    driver = browser()
    try:
        driver.set_page_load_timeout(20)
        driver.get(app.url + "/")
        assert wait_until(lambda: [tuple(r) for r in rows(driver)] ==
                          [("bo", "340"), ("dee", "275"), ("ana", "120"), ("cy", "90")]), rows(driver)
        assert wait_until(lambda: driver.find_element("id", "status").text.startswith("live"))
        driver.execute_script("window.marker = 'still here';")

        update = app.call("POST", "/scores", {"session": sessions["cy"], "points": 500})
        assert update["rank"] == 1 and update["score"] == 590

        assert wait_until(lambda: rows(driver) and tuple(rows(driver)[0]) == ("cy", "590")), rows(driver)
        assert "cy now 590 (#1)" in driver.find_element("id", "status").text
        assert driver.execute_script("return window.marker") == "still here"
        assert driver.execute_script("return window.pageLoads") == 1
    finally:
        driver.quit()
