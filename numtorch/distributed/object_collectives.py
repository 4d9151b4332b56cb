"""Collectives of picklable Python objects: broadcast_object_list, all_gather_object,
gather_object, scatter_object_list.

NOTE [ Objects travel as pickles ]
Objects are pickled (``pickle.dumps``) into byte arrays, their lengths exchanged first, and
the bytes moved with MPI's non-blocking collectives like any tensor (with the group's
deadline); the receivers unpickle them with ``pickle.loads``, exactly as PyTorch does.
Unpickling runs code chosen by the sender: use these functions only among ranks you trust
(the processes of your own job).
"""

from __future__ import annotations

import pickle

import numpy as np

from . import faults
from .collectives import _offsets
from .process_group import _group_rank, _resolve, _warn_not_in_group

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object",
           "scatter_object_list"]


def _to_bytes(obj) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj), np.uint8)


def _from_bytes(buf: np.ndarray):
    return pickle.loads(buf.tobytes())


def _wait(pg, request, what: str) -> None:
    faults.wait([request], pg._timeout, what)


def broadcast_object_list(object_list: list, src=None, group=None, device=None,
                          group_src=None) -> None:
    """Replace the items of ``object_list`` on every rank by those of rank ``src``'s list
    (which has the same length everywhere).  NOTE [ Objects travel as pickles ]."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("broadcast_object_list")
        return
    root = _group_rank(pg, src, group_src)
    n = len(object_list)
    if pg.rank() == root:
        pieces = [_to_bytes(o) for o in object_list]
        sizes = np.array([p.size for p in pieces], np.int64)
    else:
        sizes = np.empty(n, np.int64)
    _wait(pg, pg._comm.Ibcast(sizes, root=root), "broadcast_object_list")
    data = np.concatenate(pieces) if pg.rank() == root and n else np.empty(int(sizes.sum()),
                                                                            np.uint8)
    _wait(pg, pg._comm.Ibcast(data, root=root), "broadcast_object_list")
    if pg.rank() != root:
        for i, (start, size) in enumerate(zip(_offsets(sizes.tolist()), sizes.tolist(),
                                              strict=True)):
            object_list[i] = _from_bytes(data[start:start + size])


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Set ``object_list[r]`` to rank ``r``'s ``obj`` on every rank (``object_list`` holds
    at least the group's size items).  NOTE [ Objects travel as pickles ]."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("all_gather_object")
        return
    mine = _to_bytes(obj)
    sizes = np.empty(pg.size(), np.int64)
    _wait(pg, pg._comm.Iallgather(np.array([mine.size], np.int64), sizes), "all_gather_object")
    counts = sizes.tolist()
    data = np.empty(sum(counts), np.uint8)
    _wait(pg, pg._comm.Iallgatherv(mine, [data, (counts, _offsets(counts))]),
          "all_gather_object")
    for i, (start, size) in enumerate(zip(_offsets(counts), counts, strict=True)):
        object_list[i] = _from_bytes(data[start:start + size])


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None) -> None:
    """Set ``object_gather_list[r]`` to rank ``r``'s ``obj`` on rank ``dst`` (the list is
    given there only).  NOTE [ Objects travel as pickles ]."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("gather_object")
        return
    root = _group_rank(pg, dst, group_dst)
    me_root = pg.rank() == root
    if me_root and object_gather_list is None:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if not me_root and object_gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    mine = _to_bytes(obj)
    sizes = np.empty(pg.size(), np.int64) if me_root else None
    _wait(pg, pg._comm.Igather(np.array([mine.size], np.int64), sizes, root=root),
          "gather_object")
    if not me_root:
        _wait(pg, pg._comm.Igatherv(mine, None, root=root), "gather_object")
        return
    counts = sizes.tolist()
    data = np.empty(sum(counts), np.uint8)
    _wait(pg, pg._comm.Igatherv(mine, [data, (counts, _offsets(counts))], root=root),
          "gather_object")
    for i, (start, size) in enumerate(zip(_offsets(counts), counts, strict=True)):
        object_gather_list[i] = _from_bytes(data[start:start + size])


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None,
                        src=None, group=None, group_src=None) -> None:
    """Set ``scatter_object_output_list[0]`` on rank ``r`` to item ``r`` of rank ``src``'s
    ``scatter_object_input_list``.  NOTE [ Objects travel as pickles ]."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("scatter_object_list")
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at "
                         "least 1.")
    root = _group_rank(pg, src, group_src)
    me_root = pg.rank() == root
    count = np.empty(1, np.int64)
    if me_root:
        pieces = [_to_bytes(o) for o in scatter_object_input_list]
        sizes = np.array([p.size for p in pieces], np.int64)
        _wait(pg, pg._comm.Iscatter(sizes, count, root=root), "scatter_object_list")
        counts = sizes.tolist()
        data = np.empty(int(count[0]), np.uint8)
        req = pg._comm.Iscatterv([np.concatenate(pieces), (counts, _offsets(counts))], data,
                                 root=root)
    else:
        _wait(pg, pg._comm.Iscatter(None, count, root=root), "scatter_object_list")
        data = np.empty(int(count[0]), np.uint8)
        req = pg._comm.Iscatterv(None, data, root=root)
    _wait(pg, req, "scatter_object_list")
    scatter_object_output_list[0] = _from_bytes(data)


