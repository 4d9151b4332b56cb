"""A failing rank ends the whole run in bounded time, non-zero, with the rank named: an
uncaught exception (after init_process_group, or before it: while the others start MPI, or
while they never do), a non-zero sys.exit, death by a signal, and a rank that stops calling
collectives (the others' timeout)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dist_support as support  # noqa: E402

pytestmark = support.skip_without_mpi()

SCRIPT = os.path.join(support.HERE, "dist_crash_script.py")

# (mode, processes, group timeout in seconds, words the launcher's last line must hold)
FAULTS = [
    ("raise", 3, 60, ["rank 1 failed", "uncaught ValueError: rank 1 fails on purpose"]),
    ("raise-before-init", 2, 60, ["rank 1 failed", "uncaught KeyError"]),
    ("raise-before-no-dist", 2, 60, ["rank 1 failed", "uncaught KeyError"]),
    ("exit", 2, 60, ["rank 1 failed", "exited with status 3"]),
    ("kill", 2, 60, ["rank 1", "killed or exited early"]),
    ("hang", 2, 2, ["rank 1", "ended without finishing"]),
]


@pytest.fixture(scope="module")
def runs():
    """{mode: (completed process, seconds)}: the launches run side by side (most of their
    time is waiting), each with its own deadline."""
    procs = {}
    for mode, n, timeout, _ in FAULTS:
        procs[mode] = (subprocess.Popen(
            [sys.executable, "-m", "numtorch.distributed.run", "--nproc-per-node", str(n),
             SCRIPT, mode, str(timeout)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=support.env(), cwd=support.ROOT), time.monotonic())
    out = {}
    for mode, (proc, start) in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=max(1.0, 90 - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        out[mode] = (proc.returncode, stdout, stderr, time.monotonic() - start)
    return out


@pytest.mark.parametrize("mode,n,timeout,words", FAULTS, ids=[f[0] for f in FAULTS])
def test_failing_rank_ends_the_run(runs, mode, n, timeout, words):
    code, stdout, stderr, elapsed = runs[mode]
    assert code != 0
    assert "finished" not in stdout  # no rank went on past the failure
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("python -m numtorch.distributed.run: the run failed"), stderr
    for w in words:
        assert w in last, last
    assert elapsed < 60  # bounded: seconds, not the default 30-minute timeout
    if mode == "hang":  # rank 0 gave up after the group's timeout and said so
        assert "collective all_reduce timed out after 2s" in stderr
    if mode == "raise":  # the failing rank's traceback and message reach the terminal
        assert 'ValueError: rank 1 fails on purpose' in stderr
        assert "numtorch.distributed: rank 1: uncaught ValueError" in stderr
