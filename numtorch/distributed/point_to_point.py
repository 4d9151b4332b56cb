"""Point-to-point messages: send, recv, isend, irecv, and batches of them (``P2POp``).

``dst``/``src`` are global ranks (``group_dst``/``group_src`` ranks within ``group``), as in
PyTorch; a ``recv`` without ``src`` takes the first message from any rank and returns its
sender.  Messages travel as MPI ``Isend``/``Irecv`` of the tensors' arrays, with ``tag``
as the MPI tag; waits have the group's deadline (NOTE [ Every wait has a deadline ]).
"""

from __future__ import annotations

from . import _mpi
from .collectives import _check_tensor
from .process_group import _group_rank, _resolve, _warn_not_in_group
from .work import Work

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]


def _check_peer(pg, peer: int, kind: str) -> None:
    if not 0 <= peer < pg.size():
        raise ValueError(f"Invalid {kind} rank: {peer} is not a rank of the group (size "
                         f"{pg.size()})")


def _check_not_self(pg, peer: int, kind: str) -> None:
    if peer == pg.rank():
        raise ValueError(f"Invalid {kind} rank: {kind} rank should not be the same as the rank "
                         f"of the current process.")


def isend(tensor, dst=None, group=None, tag: int = 0, group_dst=None):
    """Start sending ``tensor`` to ``dst``; a ``Work`` (``None`` outside ``group``).
    ``tensor`` must not change before the ``Work`` completes."""
    pg = _resolve(group)
    if pg is None:
        _check_tensor(tensor, "tensor")
        _warn_not_in_group("isend")
        return None
    peer = _group_rank(pg, dst, group_dst)
    _check_tensor(tensor, "tensor")
    _check_peer(pg, peer, "destination")
    data = _mpi.send_buffer(tensor._data)
    req = pg._comm.Isend(data, dest=peer, tag=tag)
    return Work([req], None, [], pg._timeout, "send")


def irecv(tensor, src=None, group=None, tag: int = 0, group_src=None):
    """Start receiving into ``tensor`` from ``src`` (any rank when None); a ``Work`` whose
    ``source_rank()`` is the sender (``None`` outside ``group``)."""
    _check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("irecv")
        return None
    MPI = _mpi.MPI
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _group_rank(pg, src, group_src)
        _check_peer(pg, peer, "source")
    buf, copy_back = _mpi.recv_buffer(tensor._data)
    status = MPI.Status()
    req = pg._comm.Irecv(buf, source=peer, tag=tag)
    work = Work([req], copy_back, [tensor], pg._timeout, "recv",
                status=lambda: pg._global(status.Get_source()))
    work._statuses = [status]
    return work


def send(tensor, dst=None, group=None, tag: int = 0, group_dst=None) -> None:
    """Send ``tensor`` to rank ``dst`` and wait until the message has left."""
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("send")
        return None
    peer = _group_rank(pg, dst, group_dst)
    _check_not_self(pg, peer, "destination")
    work = isend(tensor, group=pg, tag=tag, group_dst=peer)
    work.wait()
    return None


def recv(tensor, src=None, group=None, tag: int = 0, group_src=None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); the sender's global
    rank (-1 outside ``group``)."""
    _check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("recv")
        return -1
    if src is not None or group_src is not None:
        peer = _group_rank(pg, src, group_src)
        _check_not_self(pg, peer, "source")
        work = irecv(tensor, group=pg, tag=tag, group_src=peer)
    else:
        work = irecv(tensor, group=pg, tag=tag)
    return work.source_rank()


class P2POp:
    """One send or receive of ``batch_isend_irecv``: ``op`` is ``isend`` or ``irecv``."""

    def __init__(self, op, tensor, peer=None, group=None, tag: int = 0, group_peer=None):
        if op not in (isend, irecv) and getattr(op, "__name__", "") not in ("isend", "irecv"):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed"
                             ".isend`` or ``torch.distributed.irecv``.")
        _check_tensor(tensor, "tensor")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list: list) -> list:
    """Start every send and receive of ``p2p_op_list`` at once; their ``Work`` handles."""
    if not isinstance(p2p_op_list, list) or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                         "``torch.distributed.P2POp``.")
    works = []
    for p in p2p_op_list:
        if p.op is isend or getattr(p.op, "__name__", "") == "isend":
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works
