"""What every op shares: recording a graph node, and PyTorch's type promotion.

``record(out, name, vjp, inputs, saved)`` wraps an op's output array and, when
grad mode is on and some input requires grad, attaches a graph node holding the
op's vjp.  ``vjp(grad, needs)`` returns one gradient array (or None) per input;
``needs[i]`` says whether input ``i`` wants one, so unneeded work is skipped.
The engine reduces every gradient to its input's shape (broadcasting is undone
in that one place), so no vjp sums over broadcast axes by hand.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype
from .._dtype import type_word
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad
from ..autograd.graph import node_class

__all__ = ["record", "result_type", "promote", "to_tensor", "scalar_dtype", "NOSAVE",
           "kernel_error", "require_float"]

NOSAVE = None  # ``saved=NOSAVE``: the vjp reads no saved data; the node is ``reusable``


def kernel_error(kernel: str, a) -> NotImplementedError:
    """PyTorch's error for a kernel with no version for ``a``'s dtype (ints, bools)."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{type_word(a)}\'')


def require_float(input: Tensor, kernel: str) -> None:
    """Raise ``kernel_error`` unless ``input`` is floating point: most nn kernels are."""
    if input._data.dtype.kind != "f":
        raise kernel_error(kernel, input._data)


def record(out: np.ndarray, name: str, vjp, inputs: tuple, saved=(), save_out: bool = False,
           reusable: bool = False) -> Tensor:
    """Wrap ``out``; attach a ``name`` node with ``vjp`` if grad mode is on and an input needs grad.

    Args:
        out: the op's result array.
        name: PyTorch's name for the node class (``MulBackward0``).
        vjp: ``vjp(grad, needs) -> tuple`` of one gradient array (or None) per input.
        inputs: the op's tensor inputs, in the order the vjp answers for them.
        saved: the tensors whose data the vjp reads; backward checks their versions
            (NOTE [ saved tensors and the version counter ] in ``autograd/graph.py``).
            ``saved=NOSAVE`` (None) says the vjp reads none and means ``reusable=True``.
        save_out: the vjp also reads ``out`` itself.
        reusable: the vjp reads no saved data, so backward keeps the node for another pass
            without ``retain_graph`` (NOTE [ reusable nodes ]).
    """
    t = _wrap(out)
    if _grad.enabled:
        needs = tuple([i._requires_grad for i in inputs])
        if True in needs:
            t._requires_grad = True
            if saved is None:
                t.grad_fn = node_class(name)(vjp, inputs, needs, (), True)
            else:
                sv = tuple([(s._vc, s._vc[0], s) for s in saved])
                if save_out:
                    sv += ((t._vc, 0, t),)
                node = t.grad_fn = node_class(name)(vjp, inputs, needs, sv, reusable)
                if save_out:  # a saved output is reported as this node's, whatever rebases it later
                    node._out_op = name
    return t


def rename(t: Tensor, name: str) -> Tensor:
    """Give a composed op's final node PyTorch's name for the whole op (``LerpBackward0``...).

    The maths stays in the parts; only the name that ``t.grad_fn`` prints changes.
    """
    n = t.grad_fn
    if n is not None:
        n.__class__ = node_class(name)
    return t


def scalar_dtype(x) -> _dtype.dtype:
    """The dtype PyTorch gives a Python scalar: bool, int64, or the default float dtype."""
    if isinstance(x, (bool, np.bool_)):
        return _dtype.bool
    if isinstance(x, (numbers.Integral,)):
        return _dtype.int64
    if isinstance(x, numbers.Real):
        return _dtype.get_default_dtype()
    if isinstance(x, numbers.Complex):
        raise TypeError("numtorch does not support complex numbers")
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def result_type(*operands) -> _dtype.dtype:
    """PyTorch's promotion: dimensioned tensors > 0-dim tensors > Python scalars, by category."""
    dims = zero = sc = None
    for o in operands:
        if isinstance(o, Tensor):
            d = _dtype._FROM_NP[o._data.dtype]
            if o._data.ndim:
                dims = d if dims is None else _dtype.promote_types(dims, d)
            else:
                zero = d if zero is None else _dtype.promote_types(zero, d)
        elif o is not None:
            d = scalar_dtype(o)
            sc = d if sc is None else (d if d._cat > sc._cat else sc)
    res = dims
    if zero is not None and (res is None or zero._cat > res._cat):
        res = zero if res is None else zero
    if sc is not None and (res is None or sc._cat > res._cat):
        res = sc
    return res


def to_tensor(x, dt: _dtype.dtype) -> Tensor:
    """A Tensor of dtype ``dt``: a scalar becomes a constant; a tensor is cast (differentiably)."""
    if isinstance(x, Tensor):
        if x._data.dtype == dt.np:
            return x
        return x._cast(dt)  # the differentiable cast, ``elementwise.cast``
    return _wrap(np.array(x, dtype=dt.np))


def check_broadcast(sa: tuple, sb: tuple) -> None:
    """PyTorch's error for shapes that do not broadcast."""
    n = max(len(sa), len(sb))
    for k in range(1, min(len(sa), len(sb)) + 1):
        x, y = sa[-k], sb[-k]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {n - k}")


def promote(a, b):
    """Both operands as Tensors of their common dtype, and that dtype."""
    if type(a) is not Tensor or type(b) is not Tensor or a._data.shape != b._data.shape:
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            check_broadcast(a._data.shape, b._data.shape)
    if type(a) is Tensor and type(b) is Tensor and a._data.dtype == b._data.dtype:
        return a, b, _dtype._FROM_NP[a._data.dtype]
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("expected at least one Tensor operand")
    dt = result_type(a, b)
    return to_tensor(a, dt), to_tensor(b, dt), dt


def broadcast_shape(sa: tuple, sb: tuple) -> tuple:
    """The broadcast of two shapes, or PyTorch's error naming the first dimension that clashes."""
    check_broadcast(sa, sb)
    return tuple(np.broadcast_shapes(sa, sb))
