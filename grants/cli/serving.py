"""`flask grants serve` on one machine: the web server's address in the mails it sends, and a
worker process that never outlives the server."""

import ctypes
import os
import signal
import subprocess
import sys

from grants.config import DefaultConfig

# Linux's prctl(PR_SET_PDEATHSIG): the kernel signals the child when its parent dies.
PR_SET_PDEATHSIG = 1


def base_url(configured: str, host: str, port: int) -> str:
    """Where mail links must point: as configured, or else the address this server listens on
    (a server on --port 8080 must not send links to port 5000)."""
    if configured.rstrip("/") != DefaultConfig.BASE_URL or "GRANTS_BASE_URL" in os.environ:
        return configured
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _die_with_parent() -> None:
    # Runs in the child before exec: killed together with the server, even by kill -9.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the server's own handlers below still stop the worker


def start_worker(base: str) -> subprocess.Popen:
    environment = {**os.environ, "GRANTS_BASE_URL": base}
    kwargs = {"preexec_fn": _die_with_parent} if sys.platform.startswith("linux") else {}
    return subprocess.Popen([sys.executable, "-m", "flask", "grants", "worker"],  # noqa: S603
                            env=environment, **kwargs)


def stop_on_terminate():
    """A `kill` (SIGTERM) ends the server the way Ctrl-C does, so that it stops its worker.
    Returns the handler it replaced."""
    def terminate(_signum, _frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, terminate)


def restore_terminate(previous) -> None:
    signal.signal(signal.SIGTERM, previous)
