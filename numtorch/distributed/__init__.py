"""``torch.distributed`` on MPI: process groups, collectives and point-to-point messages.

Processes, ranks and transport are MPI's, through mpi4py (the optional extra
``numtorch[distributed]``); backends ``"gloo"`` and ``"mpi"`` are both served by it
(NOTE [ Ranks and sizes come from MPI ] in ``process_group.py``).  Start a script on N
processes with::

    python -m numtorch.distributed.run --nproc-per-node N train.py args
    numtorch run --nproc-per-node N train.py args
    mpiexec -n N python -m numtorch run train.py args

Layout, one concept a file: ``reduce_op`` (ReduceOp), ``process_group`` (init, groups,
ranks), ``work`` (async handles), ``collectives`` (tensor collectives),
``point_to_point`` (send/recv), ``object_collectives`` (pickled objects), ``faults``
(a failing rank ends the job), ``_mpi`` (mpi4py, dtypes, timed waits), ``_env`` and ``run``
(the launcher).  Importing this package does not import mpi4py: MPI starts with
``init_process_group``.
"""

from __future__ import annotations

from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all,
    all_to_all_single,
    barrier,
    broadcast,
    gather,
    monitored_barrier,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)
from .object_collectives import (
    all_gather_object,
    broadcast_object_list,
    gather_object,
    scatter_object_list,
)
from .point_to_point import P2POp, batch_isend_irecv, irecv, isend, recv, send
from .process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_node_local_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_backend_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    is_torchelastic_launched,
    is_ucc_available,
    is_xccl_available,
    new_group,
)
from .reduce_op import ReduceOp
from .work import Work

__all__ = [
    "is_available", "init_process_group", "destroy_process_group", "is_initialized",
    "get_rank", "get_world_size", "get_backend", "get_group_rank", "get_global_rank",
    "get_process_group_ranks", "get_node_local_rank", "new_group", "Backend", "ProcessGroup",
    "GroupMember", "group",
    "ReduceOp", "Work", "default_pg_timeout", "is_mpi_available", "is_gloo_available",
    "is_nccl_available", "is_ucc_available", "is_xccl_available", "is_backend_available",
    "is_torchelastic_launched",
    "all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor", "gather",
    "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all_single", "all_to_all",
    "barrier", "monitored_barrier",
    "send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv",
    "broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
]


def is_available() -> bool:
    """Whether ``numtorch.distributed`` can run: True when mpi4py is installed (importing it
    is not needed to answer, so MPI is not started)."""
    return is_mpi_available()
