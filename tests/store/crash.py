"""Crash a command for real: start it, ``kill -9`` it as soon as it has stored something."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


def kill_once_stored(arguments: Sequence[str], stored: Callable[[], int]) -> int:
    """Run ``python -m jobsuccess.service.cli ARGUMENTS``; SIGKILL it once ``stored()`` is
    above zero. Returns what was stored at that moment (the command must still be running)."""
    victim = subprocess.Popen(
        [sys.executable, "-m", "jobsuccess.service.cli", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    found = 0
    try:
        while found == 0 and time.monotonic() < deadline and victim.poll() is None:
            time.sleep(0.005)
            found = stored()
        assert victim.poll() is None, "the command ended before it could be killed"
    finally:
        if victim.poll() is None:
            os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
    assert victim.returncode == -signal.SIGKILL
    return found
