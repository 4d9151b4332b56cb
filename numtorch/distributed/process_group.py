"""Process groups: the default one made by ``init_process_group``, and those of ``new_group``.

NOTE [ Ranks and sizes come from MPI ]
Every backend name a CPU script may pass (``"mpi"``, and ``"gloo"`` for scripts written for
PyTorch's CPU backend) is served by MPI through mpi4py: the processes are MPI's (started by
``mpiexec``, or by ``python -m numtorch.distributed.run``, which runs ``mpiexec``), and so are
the rank and the world size.  ``init_method``, ``store`` and ``MASTER_ADDR``/``MASTER_PORT``
need no rendezvous of their own, MPI has done it; a rank or world size given explicitly, or
through the ``RANK``/``WORLD_SIZE`` environment of a torchrun-style launcher, must agree with
MPI's, else ``init_process_group`` says how to start the processes instead of waiting for
peers that will never come.  A plain ``python script.py`` is an MPI job of one process
(rank 0, world size 1).

Each process group owns an MPI communicator of its own (a duplicate of ``MPI_COMM_WORLD``
for the default group, a split of it for ``new_group``), so a user's own mpi4py traffic
never matches numtorch's.  ``src``/``dst`` arguments are global ranks, as in PyTorch;
``group_src``/``group_dst`` are ranks within the group.
"""

from __future__ import annotations

import datetime
import os

from . import _mpi, faults

__all__ = ["Backend", "ProcessGroup", "GroupMember", "group", "init_process_group",
           "destroy_process_group", "is_initialized", "get_rank", "get_world_size",
           "get_backend", "new_group", "get_group_rank", "get_node_local_rank", "get_global_rank",
           "get_process_group_ranks", "is_mpi_available", "is_gloo_available",
           "is_nccl_available", "is_ucc_available", "is_xccl_available", "is_backend_available",
           "is_torchelastic_launched", "default_pg_timeout"]

default_pg_timeout = datetime.timedelta(minutes=30)

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")


class Backend(str):
    """A backend name, lower-cased: ``Backend("GLOO") == "gloo"``.

    ``"gloo"`` and ``"mpi"`` are both served by MPI (NOTE [ Ranks and sizes come from MPI ]);
    ``"nccl"``, ``"ucc"`` and ``"xccl"`` need accelerators numtorch does not drive.
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    backend_list = [UNDEFINED, GLOO, NCCL, XCCL, UCC, MPI]
    default_device_backend_map = {"cpu": GLOO}

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: "
                             f"{type(name)}")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.UNDEFINED:
            value = name.lower()
        return super().__new__(cls, value)


_SERVED = {"gloo", "mpi", "cpu:gloo", "cpu:mpi"}
_NOT_BUILT = {
    "nccl": "Distributed package doesn't have NCCL built in",
    "ucc": "Distributed package doesn't have UCC built in",
    "xccl": "Distributed package doesn't have XCCL built in",
}


class ProcessGroup:
    """A set of ranks that run collectives together, over one MPI communicator.

    ``rank()`` is this process's rank in the group, ``size()`` the number of ranks.
    """

    def __init__(self, comm, ranks: list[int], backend: str, timeout: float,
                 name: str = "") -> None:
        self._comm = comm
        self._ranks = list(ranks)
        self._backend = Backend(backend)
        self._timeout = timeout
        self._name = name
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self.bound_device_id = None

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def name(self) -> str:
        return self._backend

    @property
    def group_name(self) -> str:
        return self._name

    def _global(self, group_rank: int) -> int:
        return self._ranks[group_rank]

    def __repr__(self) -> str:
        return (f"<numtorch.distributed.ProcessGroup ranks={self._ranks} rank={self._rank} "
                f"backend={self._backend!r}>")


class _State:
    default: ProcessGroup | None = None
    groups: list[ProcessGroup] = []


_state = _State()


class _WorldMeta(type):
    @property
    def WORLD(cls):  # noqa: N802 - PyTorch's name
        return _state.default


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD``: the default process group (``None`` before
    ``init_process_group``); ``NON_GROUP_MEMBER``: what ``new_group`` returns on ranks
    outside the group."""

    NON_GROUP_MEMBER = -100


class group(metaclass=_WorldMeta):  # noqa: N801 - PyTorch's name
    """``group.WORLD``: the default process group."""


# -- looking groups up ---------------------------------------------------------------------

def _default() -> ProcessGroup:
    pg = _state.default
    if pg is None:
        raise ValueError(_NOT_INITIALIZED)
    return pg


def _resolve(grp) -> ProcessGroup | None:
    """The process group ``grp`` names (the default for ``None``); ``None`` when this rank is
    not a member."""
    if grp is None or grp is GroupMember.WORLD:
        return _default()
    _default()
    if isinstance(grp, ProcessGroup):
        return grp
    if grp == GroupMember.NON_GROUP_MEMBER:
        return None
    raise TypeError(f"group must be a ProcessGroup, got {type(grp).__name__}")


def _warn_not_in_group(op_name: str) -> None:
    import warnings

    rank = -1 if _state.default is None else _state.default.rank()
    warnings.warn(f"Running {op_name} on global rank {rank} which does not belong to the "
                  f"given group.", stacklevel=3)


def _group_rank(pg: ProcessGroup, global_rank, group_rank, what: str = "global_rank") -> int:
    """The rank in ``pg`` of ``global_rank`` or ``group_rank`` (exactly one given)."""
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        return group_rank
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    if pg is _state.default:
        return global_rank
    return get_group_rank(pg, global_rank)


# -- initialising --------------------------------------------------------------------------

def _timeout_seconds(timeout) -> float:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got "
                        f"{timeout}")
    return timeout.total_seconds()


def _check_backend(backend) -> str:
    if backend is None:
        return Backend.GLOO
    name = str(Backend(backend))
    if name in _SERVED:
        return name.split(":")[-1]
    for key, message in _NOT_BUILT.items():
        if key in name:
            raise RuntimeError(f"{message} ({key.upper()} needs accelerators that numtorch does "
                               f"not drive: use backend 'gloo' or 'mpi', both served by MPI)")
    raise AssertionError(f"Unknown backend type {name}")


def _agree(what: str, given: int, mpi_value: int, size: int) -> None:
    if given != mpi_value:
        raise RuntimeError(
            f"init_process_group: {what}={given} does not match MPI's {what} {mpi_value} "
            f"(numtorch.distributed takes ranks and sizes from MPI, which started {size} "
            f"process(es)): start the processes with `python -m numtorch.distributed.run "
            f"--nproc-per-node N script.py` or `mpiexec -n N python -m numtorch run script.py`")


def init_process_group(backend=None, init_method=None, timeout=None, world_size: int = -1,
                       rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Start the default process group: every rank of the MPI job, over MPI.

    Ranks and the world size are MPI's (NOTE [ Ranks and sizes come from MPI ]); ``rank``
    and ``world_size``, given or read from ``RANK``/``WORLD_SIZE``, are checked against
    them.  The call is collective: every rank must make it, within ``timeout``.

    Args:
        backend (str or Backend, optional): ``"gloo"`` (the default) or ``"mpi"``, both
            served by MPI.  ``"nccl"`` raises, as PyTorch without CUDA.
        init_method (str, optional): accepted and unused (MPI has done the rendezvous).
        timeout (datetime.timedelta, optional): how long any operation of the group may wait
            for its peers before every rank is aborted; 30 minutes by default.
        world_size (int, optional): the number of processes, checked against MPI's.
        rank (int, optional): this process's rank, checked against MPI's.
        store, group_name, pg_options, device_id: accepted for compatibility and unused.

    Example::

        >>> import numtorch.distributed as dist
        >>> dist.init_process_group("gloo")   # doctest: +SKIP
        >>> dist.get_rank(), dist.get_world_size()   # doctest: +SKIP
        (0, 1)
    """
    if _state.default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = _check_backend(backend)
    seconds = _timeout_seconds(timeout)
    MPI = faults.start_mpi(seconds, "init_process_group")
    world = MPI.COMM_WORLD
    mpi_rank, mpi_size = world.Get_rank(), world.Get_size()
    if world_size != -1:
        _agree("world_size", int(world_size), mpi_size, mpi_size)
    if rank != -1:
        _agree("rank", int(rank), mpi_rank, mpi_size)
    if init_method is None or str(init_method).startswith("env://"):
        if "WORLD_SIZE" in os.environ and world_size == -1:
            _agree("world_size", int(os.environ["WORLD_SIZE"]), mpi_size, mpi_size)
        if "RANK" in os.environ and rank == -1:
            _agree("rank", int(os.environ["RANK"]), mpi_rank, mpi_size)
    faults.install_excepthook()
    comm, request = world.Idup()
    faults.wait([request], seconds, "init_process_group")
    pg = ProcessGroup(comm, list(range(mpi_size)), name, seconds, group_name or "0")
    _state.default = pg
    _state.groups = [pg]
    _register_cleanup()


_cleanup_registered = [False]


def _register_cleanup() -> None:
    # Free the communicators before mpi4py finalises MPI at exit (MPICH warns about
    # communicators still alive at MPI_Finalize).
    if not _cleanup_registered[0]:
        import atexit

        atexit.register(_free_all)
        _cleanup_registered[0] = True


def _free_all() -> None:
    for pg in _state.groups:
        _free(pg)
    _state.groups = []
    _state.default = None


def _free(pg: ProcessGroup) -> None:
    MPI = _mpi.MPI
    comm = pg._comm
    if MPI is not None and not MPI.Is_finalized() and comm != MPI.COMM_NULL:
        comm.Free()
    pg._comm = MPI.COMM_NULL if MPI is not None else None


def destroy_process_group(group=None) -> None:
    """Destroy ``group``, or the default group and every other one when ``group`` is None.

    After destroying the default group, ``init_process_group`` may be called again.
    """
    if group is None or group is GroupMember.WORLD:
        if _state.default is None:
            raise AssertionError("Process group cannot be None")
        _free_all()
        return
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    if group not in _state.groups:
        raise ValueError("Invalid process group specified")
    _state.groups.remove(group)
    _free(group)


def is_initialized() -> bool:
    """Whether the default process group has been initialised."""
    return _state.default is not None


def get_rank(group=None) -> int:
    """This process's rank in ``group`` (the default group when None); -1 if not a member."""
    pg = _resolve(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group=None) -> int:
    """The number of ranks in ``group`` (the default group when None); -1 if not a member."""
    pg = _resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None) -> Backend:
    """The backend name of ``group``: ``"gloo"`` or ``"mpi"``, as given to
    ``init_process_group``."""
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg._backend


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank on its machine: ``LOCAL_RANK`` (set by the launcher, NOTE [
    torchrun's variables from MPI's] in ``_env.py``), else ``fallback_rank``."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError(
        "LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
        "`get_node_local_rank` to work, assuming you are not running in a multi-device context "
        "and want the code to run locally instead.")


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The rank in ``group`` of the process whose global rank is ``global_rank``."""
    pg = _resolve(group)
    if pg is _state.default:
        return global_rank
    if pg is None or global_rank not in pg._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return pg._ranks.index(global_rank)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of the process whose rank in ``group`` is ``group_rank``."""
    pg = _resolve(group)
    if pg is _state.default:
        return group_rank
    if pg is None or not 0 <= group_rank < len(pg._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return pg._ranks[group_rank]


def get_process_group_ranks(group) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    pg = _resolve(group)
    return list(pg._ranks) if pg is not None else []


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization: bool = False, group_desc=None, device_id=None):
    """A process group of the given global ``ranks`` (all ranks when None), sorted.

    Collective over the default group: every rank must call it, members or not; ranks
    outside the group get ``GroupMember.NON_GROUP_MEMBER``.  The new group has an MPI
    communicator of its own (``MPI_Comm_split``), so its collectives run only among its
    members.

    Args:
        ranks (list[int], optional): the members' global ranks.
        timeout (datetime.timedelta, optional): the group's timeout (the default group's
            when None).
        backend (str, optional): ``"gloo"`` or ``"mpi"``; the default group's when None.
    """
    default = _default()
    world_size = default.size()
    if ranks is None:
        members = list(range(world_size))
    else:
        members = sorted(ranks)
        if len(set(members)) != len(members):
            raise ValueError(f"ranks list must not contain duplicate entries, got {ranks}")
        if len(members) > world_size:
            raise ValueError("the new group's world size should be less or equal to the world "
                             "size set by init_process_group")
        for r in members:
            if r < 0 or r >= world_size:
                raise ValueError(f"Rank {r} is out of range. Valid ranks are 0 to "
                                 f"{world_size - 1} (world_size={world_size})")
    name = default._backend if backend is None else _check_backend(backend)
    seconds = default._timeout if timeout is None else _timeout_seconds(timeout)
    MPI = _mpi.MPI
    # every rank reaches the split (within the timeout) before the blocking MPI_Comm_split
    faults.wait([default._comm.Ibarrier()], default._timeout, "new_group")
    me = default.rank()
    color = 0 if me in members else MPI.UNDEFINED
    comm = default._comm.Split(color, members.index(me) if me in members else 0)
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, name, seconds, str(len(_state.groups)))
    _state.groups.append(pg)
    return pg


# -- availability --------------------------------------------------------------------------

def is_mpi_available() -> bool:
    """Whether MPI (mpi4py) is installed: numtorch's one transport."""
    return _mpi.available()


def is_gloo_available() -> bool:
    """Whether backend ``"gloo"`` can be used: it is served by MPI."""
    return _mpi.available()


def is_nccl_available() -> bool:
    return False


def is_ucc_available() -> bool:
    return False


def is_xccl_available() -> bool:
    return False


def is_backend_available(backend: str) -> bool:
    """Whether ``backend`` can be given to ``init_process_group``."""
    return str(Backend(backend)) in _SERVED and _mpi.available()


def is_torchelastic_launched() -> bool:
    """Whether this process was started by a torchrun-style launcher (``TORCHELASTIC_RUN_ID``
    set, as ``numtorch.distributed.run`` sets it)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None
