"""`make run`'s supervisor: starts the web server and a worker with beat on the embedded default,
prints the URL and the demo logins, and stops every child on Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose; its parent simply has not reaped it yet.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_it_serves_prints_the_logins_and_stops_all_children_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(DEBUG="true", VAR_DIR=str(tmp_path / "var"), PORT=str(port), DEMO_PASSWORD="Run-script-test-pass-1")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)

    proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Started web" in line:
                break
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/" in text, text
        assert "admin@kestrel-demo.example" in text and "Run-script-test-pass-1" in text
        pids = [int(p) for p in re.findall(r"pid (\d+)", text)]
        assert len(pids) == 2

        body = None
        for _ in range(60):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        assert body == b"ok"

        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=45)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Stopped." in rest
    assert proc.returncode == 0
    assert [pid for pid in pids if _alive(pid)] == []
