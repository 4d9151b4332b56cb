"""Shared by the tests of tests/distributed/: finding mpiexec, skipping without MPI, running
processes with a deadline."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def mpiexec() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here):
        return here
    import shutil

    return shutil.which("mpiexec")


def skip_without_mpi():
    """A ``pytestmark`` that skips, with the reason, where the distributed extra is missing."""
    reason = None
    if importlib.util.find_spec("mpi4py") is None:
        reason = "mpi4py is not installed (pip install 'numtorch[distributed]')"
    elif mpiexec() is None:
        reason = "no mpiexec beside the Python nor on PATH (pip install mpich)"
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def env() -> dict:
    """The environment for child processes: numtorch importable, no inherited MPI rank."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("PMI_", "OMPI_", "MPI_LOCAL", "PMIX_", "HYDRA_"))}
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT",
              "PYTHONUNBUFFERED"):  # unbuffered, print's text and newline are two writes
        e.pop(k, None)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e["OMP_NUM_THREADS"] = "1"
    return e


def run(cmd: list[str], timeout: float = 60, cwd: str | None = None):
    """``subprocess.run`` with captured text output and a deadline."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env(),
                          cwd=cwd or ROOT)
