"""Linear maps: ``linear`` (``y = x W^T + b``) and ``bilinear`` (``y_k = x1^T A_k x2 + b_k``).

``linear`` is the op every training step runs most, so it is one fused primitive in the core
(``numtorch._ops.nn.linear``); this wrapper only checks the arguments, so that a dtype or
shape mistake is reported with PyTorch's message.  ``bilinear`` is a primitive of its own
here, its forward and vector-Jacobian product written side by side with ``einsum``:

    dL/dx1 = sum_k g_k A_k x2      dL/dx2 = sum_k g_k A_k^T x1
    dL/dA_k = g_k x1 x2^T          dL/db_k = g_k

Example:
    >>> import numtorch
    >>> bilinear(numtorch.ones(1, 2), numtorch.ones(1, 3), numtorch.ones(4, 2, 3)).tolist()
    [[6.0, 6.0, 6.0, 6.0]]
"""

from __future__ import annotations

from numtorch._dtype import type_word as _tname
from numtorch._dtype import typemeta_name
from numtorch._ops._fpstate import quiet
from numtorch._ops.nn import bilinear as _bilinear
from numtorch._ops.nn import linear as _linear
from numtorch._tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x W^T + b``: the affine map of ``nn.Linear`` (one fused primitive).

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Example:
        >>> import numtorch
        >>> linear(numtorch.ones(1, 2), numtorch.ones(3, 2), numtorch.zeros(3)).tolist()
        [[2.0, 2.0, 2.0]]
    """
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if bias is not None and w.ndim == 2:  # PyTorch's addmm path names its operands
        if x.dtype != w.dtype:
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                               f"{_tname(x)} and {_tname(w)}")
        if bias._data.dtype != w.dtype:
            raise RuntimeError("self and mat2 must have the same dtype, but got "
                               f"{_tname(bias._data)} and {_tname(w)}")
    if x.dtype != w.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{typemeta_name(x)} != "
                           f"{typemeta_name(w)}")
    if bias is not None and w.ndim == 2:
        b = bias._data
        if b.ndim and b.shape[-1] not in (1, w.shape[0]):
            tgt = list(x.shape[:-1]) + [w.shape[0]]
            raise RuntimeError(
                f"The expanded size of the tensor ({w.shape[0]}) must match the existing size "
                f"({b.shape[-1]}) at non-singleton dimension {len(tgt) - 1}.  Target sizes: "
                f"{tgt}.  Tensor sizes: {list(b.shape)}")
    return _linear(input, weight, bias)


@quiet
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k``, for each output feature ``k``.

    Args:
        input1: ``(*, in1_features)``; input2: ``(*, in2_features)`` with the same leading shape.
        weight: ``(out_features, in1_features, in2_features)``; bias: ``(out_features,)``.
    """
    a, c, w = input1._data, input2._data, weight._data
    ins = (input1, input2, weight) + (() if bias is None else (bias,))
    if len({t._data.dtype for t in ins}) > 1:
        names = ("input1", "input2", "weight", "bias")
        got = ", ".join(f"{n}: {typemeta_name(t)}"
                        for n, t in zip(names, ins))
        raise RuntimeError(f"All tensors must have the same dtype, got {got}")
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {w.ndim}")
    if a.ndim != c.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {a.ndim} and {c.ndim}")
    for i, (sa, sc) in enumerate(zip(a.shape[:-1], c.shape[:-1])):
        if sa != sc:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {sa} and {sc}")
    if a.shape[-1] != w.shape[1]:
        raise RuntimeError("bilinear(): input1 size does not match weight size: got "
                           f"{a.shape[-1]} but expected {w.shape[1]}")
    if c.shape[-1] != w.shape[2]:
        raise RuntimeError("bilinear(): input2 size does not match weight size: got "
                           f"{c.shape[-1]} but expected {w.shape[2]}")
    return _bilinear(input1, input2, weight, bias)
