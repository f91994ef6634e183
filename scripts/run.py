"""Start the embedded setup: the web server and one Celery worker with beat, until Ctrl-C.

Run by `make run` after migrations and `seed_demo`. Every child gets its own process group so
that Ctrl-C (or SIGTERM) reaches all of them, and none outlives this script.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")

CHILDREN = {
    "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
    "worker": [PY, "-m", "celery", "-A", "finance", "worker", "--beat", "--pool=solo", "-l", "info"],
}


def _die_with_parent():
    # Linux: if this script is killed outright, the kernel stops the children too.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def print_banner():
    from finance.tenancy.demo import DEMO_TENANTS

    password = os.environ.get("DEMO_PASSWORD", "(the password printed when the users were created)")
    lines = ["", f"  Interfaces is running at http://{HOST}:{PORT}/", "", "  Demo logins (password: " + password + "):"]
    for slug, spec in DEMO_TENANTS.items():
        for email, _name, role in spec["users"]:
            if role != "integration":
                lines.append(f"    {email:<36} {role.label:<14} /{slug}/")
    lines += ["", "  Press Ctrl-C to stop the web server and the worker.", ""]
    print("\n".join(lines), flush=True)


def main():
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finance.settings")
    import django

    django.setup()
    procs = {name: subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent) for name, cmd in CHILDREN.items()}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    time.sleep(1.5)
    print_banner()
    print("  Started " + ", ".join(f"{name} (pid {proc.pid})" for name, proc in procs.items()), flush=True)
    exit_code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"{name} exited with code {proc.returncode}; stopping the rest.", flush=True)
                exit_code = proc.returncode or 1
                stopping = True
        time.sleep(0.5)
    print("Stopping…", flush=True)
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.time() + 15
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in time; killing it.", flush=True)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
