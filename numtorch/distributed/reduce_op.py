"""``ReduceOp``: how a reducing collective combines the tensors of the ranks.

``ReduceOp.SUM`` and friends are members of the enum ``ReduceOp.RedOpType``, with PyTorch's
names and numbers, so ``dist.ReduceOp.SUM`` prints as ``<RedOpType.SUM: 0>``.  Each maps onto
an MPI reduction (``_mpi.mpi_op``); ``AVG`` is MPI's ``SUM`` followed by a division by the
group's size (MPI has no average), and on ``bool`` tensors ``SUM``/``MAX`` are a logical or and
``PRODUCT``/``MIN`` a logical and, as PyTorch computes them.
"""

from __future__ import annotations

import enum

__all__ = ["ReduceOp"]


class _RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


_RedOpType.__name__ = _RedOpType.__qualname__ = "RedOpType"


class ReduceOp:
    """The reduction of ``all_reduce``, ``reduce`` and ``reduce_scatter``.

    ``SUM``, ``AVG`` (floating point only), ``PRODUCT``, ``MIN``, ``MAX``, and the bitwise
    ``BAND``, ``BOR``, ``BXOR`` (integer and bool tensors only).  ``PREMUL_SUM`` is PyTorch's
    NCCL-only operation and is not supported.

    Example::

        >>> import numtorch.distributed as dist
        >>> dist.ReduceOp.SUM
        <RedOpType.SUM: 0>
    """

    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR
    PREMUL_SUM = _RedOpType.PREMUL_SUM

    def __init__(self, op: _RedOpType = _RedOpType.SUM) -> None:
        self.op = _RedOpType(op)

    def __eq__(self, other) -> bool:
        other = other.op if isinstance(other, ReduceOp) else other
        return self.op == other

    def __hash__(self) -> int:
        return hash(self.op)

    def __repr__(self) -> str:
        return repr(self.op)


def _as_red_op(op, func: str) -> _RedOpType:
    """``op`` (a ``RedOpType`` or ``ReduceOp``) as a ``RedOpType``; PyTorch's TypeError else."""
    if isinstance(op, ReduceOp):
        op = op.op
    if not isinstance(op, _RedOpType) or op is _RedOpType.PREMUL_SUM:
        raise TypeError(
            f"{func}(): incompatible function arguments. The following argument types are "
            f"supported:\n    1. (self, arg0: ReduceOp) -> None\n\nInvoked with: {op!r}")
    return op
