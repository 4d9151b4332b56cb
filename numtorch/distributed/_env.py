"""torchrun's environment for a process started by ``mpiexec``, derived from MPI's.

NOTE [ torchrun's variables from MPI's ]
A script written for ``torchrun`` reads ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``... from its
environment.  Under ``mpiexec`` every process instead gets its MPI implementation's
variables: MPICH's Hydra sets ``PMI_RANK``, ``PMI_SIZE``, ``MPI_LOCALRANKID`` and
``MPI_LOCALNRANKS``; Open MPI sets ``OMPI_COMM_WORLD_RANK``, ``..._SIZE``,
``..._LOCAL_RANK`` and ``..._LOCAL_SIZE`` (MVAPICH's ``MV2_COMM_WORLD_*`` and PMIx's
``PMIX_RANK`` are read too).  ``export_torchrun_env`` turns them into torchrun's variables
in the process itself, before the script runs, so that every rank gets its own values
whatever machine MPI started it on.  ``MASTER_ADDR``/``MASTER_PORT`` come from the launcher
(or default to ``127.0.0.1:29500``); MPI needs neither (NOTE [ Ranks and sizes come from
MPI ] in ``process_group.py``).  Reading the environment costs no MPI start-up.
"""

from __future__ import annotations

import os

__all__ = ["mpi_rank_info", "export_torchrun_env", "RANK_VARIABLES"]

_RANK = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK", "PMIX_RANK")
_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_LOCAL_RANK = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK")
_LOCAL_SIZE = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE")

RANK_VARIABLES = _RANK  # any of these set: this process is a rank of an MPI job


def _first(env, names):
    for name in names:
        if name in env:
            return int(env[name])
    return None


def mpi_rank_info(env=None) -> dict | None:
    """``{"rank", "size", "local_rank", "local_size"}`` from MPI's variables, or None when
    this process was not started by ``mpiexec``."""
    env = os.environ if env is None else env
    rank = _first(env, _RANK)
    if rank is None:
        return None
    size = _first(env, _SIZE)
    size = 1 if size is None else size
    per_node = int(env.get("NUMTORCH_NPROC_PER_NODE", "0")) or size
    local_rank = _first(env, _LOCAL_RANK)
    local_size = _first(env, _LOCAL_SIZE)
    if local_rank is None:
        local_rank = rank % per_node
    if local_size is None:
        local_size = min(per_node, size)
    return {"rank": rank, "size": size, "local_rank": local_rank, "local_size": local_size}


def export_torchrun_env(env=None) -> bool:
    """Set torchrun's variables (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
    ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``GROUP_WORLD_SIZE``, ``ROLE_RANK``,
    ``ROLE_WORLD_SIZE``, ``ROLE_NAME``, ``MASTER_ADDR``, ``MASTER_PORT``,
    ``TORCHELASTIC_*``) from MPI's; False (nothing set) outside an MPI job.
    NOTE [ torchrun's variables from MPI's ]."""
    env = os.environ if env is None else env
    info = mpi_rank_info(env)
    if info is None:
        return False
    rank, size = info["rank"], info["size"]
    local_size = max(info["local_size"], 1)
    nodes = max(1, -(-size // local_size))
    env.update({
        "RANK": str(rank), "WORLD_SIZE": str(size),
        "LOCAL_RANK": str(info["local_rank"]), "LOCAL_WORLD_SIZE": str(local_size),
        "GROUP_RANK": str(rank // local_size), "GROUP_WORLD_SIZE": str(nodes),
        "ROLE_RANK": str(rank), "ROLE_WORLD_SIZE": str(size), "ROLE_NAME": "default",
    })
    env.setdefault("MASTER_ADDR", "127.0.0.1")
    env.setdefault("MASTER_PORT", "29500")
    env.setdefault("TORCHELASTIC_RESTART_COUNT", "0")
    env.setdefault("TORCHELASTIC_MAX_RESTARTS", "0")
    env.setdefault("TORCHELASTIC_RUN_ID", "none")
    return True
