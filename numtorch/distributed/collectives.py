"""Tensor collectives: all_reduce, broadcast, reduce, gathers, scatters, all_to_all, barrier.

Every function follows one pattern: validate the arguments (PyTorch's errors), resolve the
group (a rank outside it warns and returns ``None``, as in PyTorch), start MPI's non-blocking
collective on the tensors' own arrays, and return a ``Work`` when ``async_op=True`` or wait
for it (NOTE [ Every wait has a deadline ] in ``faults.py``).  Results are written in place into
the output tensors' arrays (through a scratch buffer when a tensor is not contiguous),
neither recorded by autograd nor counted by the tensors' version counters, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from . import _mpi
from .process_group import _group_rank, _resolve, _warn_not_in_group
from .reduce_op import ReduceOp, _as_red_op
from .work import Work

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
           "gather", "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all_single",
           "all_to_all", "barrier", "monitored_barrier"]


# -- shared helpers ------------------------------------------------------------------------

def _check_tensor(t, name: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor\n             but got {type(t)} instead.")


def _check_tensor_list(ts, name: str) -> None:
    if not isinstance(ts, list):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(ts)} instead.")
    if not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(ts)} with elements of "
                        f"type {[type(t) for t in ts]}.")


def _pg_name(pg) -> str:
    return "ProcessGroupMPI" if pg._backend == "mpi" else "ProcessGroupGloo"


def _shape(t: Tensor) -> str:
    return "(" + ", ".join(str(n) for n in t.shape) + ")"


def _check_root(pg, root: int, func: str) -> None:
    if not 0 <= root < pg.size():
        raise RuntimeError(f"{_pg_name(pg)}::{func}: invalid root rank: {root}")


def _check_op(op, a: np.ndarray, func: str):
    op = _as_red_op(op, func)
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and a.dtype.kind == "f":
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype")
    if op is ReduceOp.AVG and a.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_dtype.type_word(a)}")
    return op


def _inout(a: np.ndarray):
    """(buffer holding ``a``'s values that MPI reduces into, copy-back or None)."""
    buf, copy_back = _mpi.recv_buffer(a)
    if copy_back is not None:
        buf[...] = _mpi.send_buffer(a)
    return buf, copy_back


def _finisher(*steps):
    steps = [s for s in steps if s is not None]
    if not steps:
        return None

    def finish():
        for step in steps:
            step()

    return finish


def _averager(buf: np.ndarray, op, size: int):
    if op is not ReduceOp.AVG:
        return None

    def divide():
        buf[...] = buf / size

    return divide


def _start(pg, requests, finish, outputs, async_op: bool, what: str):
    work = Work(requests, finish, outputs, pg._timeout, what)
    if async_op:
        return work
    work.wait()
    return None


# -- reductions ----------------------------------------------------------------------------

def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` across all ranks of ``group``, in place on every rank.

    .. math:: \\text{tensor}_r \\leftarrow \\bigoplus_{q=0}^{W-1} \\text{tensor}_q

    Args:
        tensor (Tensor): input and output of the collective.
        op (ReduceOp): ``SUM`` (default), ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``,
            ``BOR``, ``BXOR``.
        group (ProcessGroup, optional): the default group when None.
        async_op (bool): return a ``Work`` instead of waiting.

    Example::

        >>> t = torch.tensor([float(dist.get_rank())])   # doctest: +SKIP
        >>> dist.all_reduce(t)                            # doctest: +SKIP
        >>> t                          # doctest: +SKIP
        tensor([1.])
    """
    _check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("all_reduce")
        return None
    op = _check_op(op, tensor._data, "all_reduce")
    buf, copy_back = _inout(tensor._data)
    req = pg._comm.Iallreduce(_mpi.MPI.IN_PLACE, buf, op=_mpi.mpi_op(op, tensor._data.dtype))
    finish = _finisher(_averager(buf, op, pg.size()), copy_back)
    return _start(pg, [req], finish, [tensor], async_op, "all_reduce")


def reduce(tensor: Tensor, dst=None, op=ReduceOp.SUM, group=None, async_op: bool = False,
           group_dst=None):
    """Reduce ``tensor`` across ranks into ``tensor`` on rank ``dst`` (a global rank; or
    ``group_dst``, a rank in ``group``); the other ranks' tensors are left unchanged."""
    _check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("reduce")
        return None
    root = _group_rank(pg, dst, group_dst)
    op = _check_op(op, tensor._data, "reduce")
    _check_root(pg, root, "reduce")
    a = tensor._data
    mop = _mpi.mpi_op(op, a.dtype)
    if pg.rank() == root:
        buf, copy_back = _inout(a)
        req = pg._comm.Ireduce(_mpi.MPI.IN_PLACE, buf, op=mop, root=root)
        finish = _finisher(_averager(buf, op, pg.size()), copy_back)
        outputs = [tensor]
    else:
        req = pg._comm.Ireduce(_mpi.send_buffer(a), None, op=mop, root=root)
        finish, outputs = None, []
    return _start(pg, [req], finish, outputs, async_op, "reduce")


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM, group=None,  # noqa: A002
                          async_op: bool = False):
    """Reduce ``input`` across ranks and give rank ``r`` the ``r``-th of ``W`` equal chunks
    (along the first dimension) in ``output``; ``input`` has ``W`` times ``output``'s
    elements."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("reduce_scatter_tensor")
        return None
    if output.dtype != input.dtype:
        raise RuntimeError("reduce_scatter_tensor: output tensor must have the same type as "
                           "input tensor")
    op = _check_op(op, input._data, "reduce_scatter_tensor")
    return _reduce_scatter(pg, output, _mpi.send_buffer(input._data), op, async_op,
                           "reduce_scatter_tensor")


def _reduce_scatter(pg, output: Tensor, send: np.ndarray, op, async_op: bool, what: str):
    size = pg.size()
    if output._data.size * size != send.size:
        first = output.shape[0] if output.dim() else 1
        raise RuntimeError(f"output tensor size times world size must equal input tensor size: "
                           f"outputShape[0] * worldSize == inputShape[0] ({first * size} vs. "
                           f"{send.size // max(output._data.size // max(first, 1), 1)})")
    buf, copy_back = _mpi.recv_buffer(output._data)
    req = pg._comm.Ireduce_scatter_block(send, buf, op=_mpi.mpi_op(op, output._data.dtype))
    finish = _finisher(_averager(buf, op, size), copy_back)
    return _start(pg, [req], finish, [output], async_op, what)


def reduce_scatter(output: Tensor, input_list: list, op=ReduceOp.SUM, group=None,
                   async_op: bool = False):
    """Reduce the lists ``input_list`` across ranks and give rank ``r`` the reduction of
    the ``r``-th tensors in ``output``."""
    _check_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("reduce_scatter")
        return None
    if len(input_list) != pg.size():
        raise RuntimeError(f"{_pg_name(pg)}::reduce_scatter: invalid input tensor list "
                           f"(expected length {pg.size()}, got {len(input_list)})")
    for i, t in enumerate(input_list):
        if t.shape != output.shape:
            raise RuntimeError(f"{_pg_name(pg)}::reduce_scatter: invalid tensor size at index "
                               f"{i} (expected {_shape(output)}, got {_shape(t)})")
    op = _check_op(op, output._data, "reduce_scatter")
    send = _mpi.send_buffer(np.stack([t._data for t in input_list]).astype(output._data.dtype))
    return _reduce_scatter(pg, output, send, op, async_op, "reduce_scatter")


# -- broadcast and gathers -----------------------------------------------------------------

def broadcast(tensor: Tensor, src=None, group=None, async_op: bool = False, group_src=None):
    """Copy ``tensor`` from rank ``src`` (global; or ``group_src`` in ``group``) into
    ``tensor`` on every other rank."""
    _check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("broadcast")
        return None
    root = _group_rank(pg, src, group_src)
    _check_root(pg, root, "broadcast")
    if pg.rank() == root:
        buf, copy_back, outputs = _mpi.send_buffer(tensor._data), None, []
    else:
        (buf, copy_back), outputs = _mpi.recv_buffer(tensor._data), [tensor]
    req = pg._comm.Ibcast(buf, root=root)
    return _start(pg, [req], copy_back, outputs, async_op, "broadcast")


def _check_same(pg, func: str, ts: list, like: Tensor, what: str = "output") -> None:
    if len(ts) != pg.size():
        raise RuntimeError(f"{_pg_name(pg)}::{func}: invalid {what} tensor list at index 0 "
                           f"(expected length {pg.size()}, got {len(ts)})")
    for i, t in enumerate(ts):
        if t.dtype != like.dtype:
            raise ValueError(f"Invalid usage of tensors with different dtypesFound {t.dtype} "
                             f"and  {like.dtype}")
        if t.shape != like.shape:
            raise RuntimeError(f"{_pg_name(pg)}::{func}: invalid tensor size at index {i} "
                               f"(expected {_shape(like)}, got {_shape(t)})")


def _scatter_into(ts: list, buf: np.ndarray):
    def copy():
        for i, t in enumerate(ts):
            t._data[...] = buf[i].view(t._data.dtype) if buf.dtype != t._data.dtype else buf[i]

    return copy


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Gather ``tensor`` from every rank into ``tensor_list`` (``tensor_list[r]`` gets rank
    ``r``'s) on every rank."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("all_gather")
        return None
    _check_same(pg, "allgather", tensor_list, tensor)
    send = _mpi.send_buffer(tensor._data)
    buf = np.empty((pg.size(),) + send.shape, send.dtype)
    req = pg._comm.Iallgather(send, buf)
    return _start(pg, [req], _scatter_into(tensor_list, buf), tensor_list, async_op,
                  "all_gather")


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None,
                           async_op: bool = False):
    """Gather ``input_tensor`` from every rank into ``output_tensor``, rank-major: either
    concatenated along the first dimension or stacked along a new first dimension."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("all_gather_into_tensor")
        return None
    if output_tensor.dtype != input_tensor.dtype:
        raise RuntimeError(f"{_pg_name(pg)}::allgather: output tensor must have the same type "
                           f"as input tensor (expected {input_tensor.dtype}, got "
                           f"{output_tensor.dtype})")
    if output_tensor._data.size != pg.size() * input_tensor._data.size:
        raise RuntimeError(f"{_pg_name(pg)}::allgather: output tensor size must be equal to "
                           f"world_size times input tensor size (input {_shape(input_tensor)}, "
                           f"output {_shape(output_tensor)}, world_size {pg.size()})")
    buf, copy_back = _mpi.recv_buffer(output_tensor._data)
    req = pg._comm.Iallgather(_mpi.send_buffer(input_tensor._data), buf)
    return _start(pg, [req], copy_back, [output_tensor], async_op, "all_gather_into_tensor")


def gather(tensor: Tensor, gather_list=None, dst=None, group=None, async_op: bool = False,
           group_dst=None):
    """Gather ``tensor`` from every rank into ``gather_list`` on rank ``dst`` (global; or
    ``group_dst``).  ``gather_list`` is given on ``dst`` only."""
    _check_tensor(tensor, "tensor")
    if gather_list is not None:
        _check_tensor_list(gather_list, "gather_list")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("gather")
        return None
    root = _group_rank(pg, dst, group_dst)
    if pg.rank() == root:
        if gather_list is None:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    _check_root(pg, root, "gather")
    send = _mpi.send_buffer(tensor._data)
    if pg.rank() == root:
        if len(gather_list) != pg.size():
            raise RuntimeError(f"{_pg_name(pg)}::gather: Incorrect output list size "
                               f"{len(gather_list)}. Output list size should be {pg.size()}, "
                               f"same as size of the process group.")
        _check_same(pg, "gather", gather_list, tensor)
        buf = np.empty((pg.size(),) + send.shape, send.dtype)
        req = pg._comm.Igather(send, buf, root=root)
        return _start(pg, [req], _scatter_into(gather_list, buf), gather_list, async_op,
                      "gather")
    req = pg._comm.Igather(send, None, root=root)
    return _start(pg, [req], None, [], async_op, "gather")


def scatter(tensor: Tensor, scatter_list=None, src=None, group=None, async_op: bool = False,
            group_src=None):
    """Give rank ``r`` the tensor ``scatter_list[r]`` of rank ``src`` (global; or
    ``group_src``), in ``tensor``.  ``scatter_list`` is given on ``src`` only."""
    _check_tensor(tensor, "tensor")
    if scatter_list is not None:
        _check_tensor_list(scatter_list, "scatter_list")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("scatter")
        return None
    root = _group_rank(pg, src, group_src)
    if pg.rank() == root:
        if scatter_list is None:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    _check_root(pg, root, "scatter")
    buf, copy_back = _mpi.recv_buffer(tensor._data)
    if pg.rank() == root:
        if len(scatter_list) != pg.size():
            raise RuntimeError(f"{_pg_name(pg)}::scatter: Incorrect input list size "
                               f"{len(scatter_list)}. Input list size should be {pg.size()}, "
                               f"same as size of the process group.")
        _check_same(pg, "scatter", scatter_list, tensor, "input")
        send = _mpi.send_buffer(np.stack([t._data for t in scatter_list]))
        req = pg._comm.Iscatter(send, buf, root=root)
    else:
        req = pg._comm.Iscatter(None, buf, root=root)
    return _start(pg, [req], copy_back, [tensor], async_op, "scatter")


# -- all to all ----------------------------------------------------------------------------

def _splits(sizes, t: Tensor, size: int, which: str) -> list[int]:
    rows = t.shape[0] if t.dim() else 1
    if sizes is None or len(sizes) == 0:
        if rows % size:
            raise RuntimeError(f"Tensor's dim 0 does not divide equally across group size "
                               f"({which} tensor has {rows} rows, group size {size})")
        return [rows // size] * size
    sizes = [int(s) for s in sizes]
    if len(sizes) != size:
        raise RuntimeError(f"Number of {which} splits must equal group size ({len(sizes)} vs. "
                           f"{size})")
    if sum(sizes) != rows:
        raise RuntimeError("Split sizes doesn't match total dim 0 size")
    return sizes


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes=None,  # noqa: A002
                      input_split_sizes=None, group=None, async_op: bool = False):
    """Split ``input`` along its first dimension and send the ``r``-th piece to rank ``r``;
    the pieces received are concatenated into ``output``, in rank order.  Pieces are equal
    unless ``input_split_sizes``/``output_split_sizes`` (rows per rank) are given."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("all_to_all_single")
        return None
    if output.dtype != input.dtype:
        raise RuntimeError("all_to_all_single: output and input tensors must have the same "
                           "dtype")
    size = pg.size()
    in_splits = _splits(input_split_sizes, input, size, "input")
    out_splits = _splits(output_split_sizes, output, size, "output")
    in_row = input._data.size // max(input.shape[0] if input.dim() else 1, 1)
    out_row = output._data.size // max(output.shape[0] if output.dim() else 1, 1)
    send = _mpi.send_buffer(input._data)
    buf, copy_back = _mpi.recv_buffer(output._data)
    scount = [s * in_row for s in in_splits]
    rcount = [s * out_row for s in out_splits]
    req = pg._comm.Ialltoallv([send, (scount, _offsets(scount))],
                              [buf, (rcount, _offsets(rcount))])
    return _start(pg, [req], copy_back, [output], async_op, "all_to_all_single")


def _offsets(counts: list[int]) -> list[int]:
    return [0, *np.cumsum(counts[:-1]).tolist()] if counts else []


def all_to_all(output_tensor_list: list, input_tensor_list: list, group=None,
               async_op: bool = False):
    """Send ``input_tensor_list[r]`` to rank ``r``; ``output_tensor_list[q]`` receives rank
    ``q``'s tensor."""
    _check_tensor_list(output_tensor_list, "output_tensor_list")
    _check_tensor_list(input_tensor_list, "input_tensor_list")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("all_to_all")
        return None
    size = pg.size()
    for name, ts in (("output", output_tensor_list), ("input", input_tensor_list)):
        if len(ts) != size:
            raise RuntimeError(f"{_pg_name(pg)}::alltoall: invalid {name} tensor list "
                               f"(expected length {size}, got {len(ts)})")
    dtype = output_tensor_list[0]._data.dtype
    send = _mpi.send_buffer(np.concatenate([t._data.ravel() for t in input_tensor_list])
                            .astype(dtype)) if size else np.empty(0, dtype)
    rcount = [t._data.size for t in output_tensor_list]
    scount = [t._data.size for t in input_tensor_list]
    buf = np.empty(sum(rcount), send.dtype)
    req = pg._comm.Ialltoallv([send, (scount, _offsets(scount))],
                              [buf, (rcount, _offsets(rcount))])

    def copy():
        for t, start, n in zip(output_tensor_list, _offsets(rcount), rcount, strict=True):
            t._data[...] = buf[start:start + n].view(t._data.dtype).reshape(t._data.shape)

    return _start(pg, [req], copy, output_tensor_list, async_op, "all_to_all")


# -- synchronisation -----------------------------------------------------------------------

def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank of ``group`` has reached this call."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("barrier")
        return None
    return _start(pg, [pg._comm.Ibarrier()], None, [], async_op, "barrier")


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False) -> None:
    """A barrier with its own ``timeout`` (the group's when None); a rank that does not
    arrive in time aborts the job with a message naming this rank."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("monitored_barrier")
        return None
    work = Work([pg._comm.Ibarrier()], None, [], pg._timeout, "monitored_barrier")
    work.wait(timeout)
    return None
