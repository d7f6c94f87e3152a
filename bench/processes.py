"""The processes a benchmark starts (gunicorn, a task worker, manage.py steps): started in their own process
group, stopped with everything they started, and all stopped when the benchmark ends, fails or is interrupted."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUNNING: list[subprocess.Popen] = []
"""Every process started and not yet stopped (process-group leaders)."""


def interrupted(signum, frame):  # SIGTERM takes the same way out as Ctrl-C: through every `finally`
    raise KeyboardInterrupt


def stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """Stop a process and everything it started (gunicorn's workers), politely first."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process in RUNNING:
        RUNNING.remove(process)


def stop_all() -> None:
    for process in list(RUNNING):
        stop(process)


def start(command: list[str], *, env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    output = open(log, "wb") if log else None  # noqa: SIM115 - closed with the process by the OS
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if log else None, start_new_session=True
    )
    RUNNING.append(process)
    return process


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its living children (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for each in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
