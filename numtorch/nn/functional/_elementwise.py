"""The machinery behind every elementwise activation: one primitive, recorded by one helper.

An activation is a pair of NumPy functions: ``fwd(x) -> y`` and ``bwd(g, x, y) -> dL/dx``
(the incoming gradient times the derivative, written with the input ``x`` or the output ``y``,
whichever is cheaper: ``tanh`` uses ``1 - y^2``).  ``_unary`` runs the forward and, when a
gradient is needed, records one graph node with the backward beside it.  ``_inplace`` gives
any such op its ``op_(x)`` / ``inplace=True`` form (see NOTE [ in-place activations ]).

The numerically delicate kernels live in ``numtorch._ops.elementwise`` (``_sigmoid``, the
one ``erf``); ``softplus``, linear past its threshold, is here.

Example:
    >>> import numtorch
    >>> x = numtorch.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = _unary("AbsBackward0", x, abs, lambda g, x, y: g * (x > 0) - g * (x < 0))
    >>> y.sum().backward(); x.grad.tolist()
    [-1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from numtorch._ops._core import record
from numtorch._ops.elementwise import _sigmoid  # noqa: F401 - the one sigmoid kernel
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.grad_mode import _state as _grad_state


def _softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``.

    ``beta x`` is rounded in the input's dtype, then the rest is evaluated in float64 and
    rounded once (see NOTE [ float32 transcendentals ] in ``numtorch._ops.elementwise``).
    """
    bx = x * beta
    with np.errstate(over="ignore"):
        soft = np.asarray(np.exp(bx, dtype=np.float64))
    np.log1p(soft, out=soft)
    if beta != 1:
        soft /= beta
    return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


def _quiet(fn):
    """``fn`` with NumPy's floating-point warnings off: inf and nan inputs are not errors.

    Applied only to the kernels that can meet ``inf - inf``, ``0 * inf`` or ``inf / inf``, so
    that ``relu`` and ``tanh`` keep their speed.
    """
    def f(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return f


def _unary(name: str, input: Tensor, fwd, bwd, save_input: bool = True) -> Tensor:
    """Apply an elementwise primitive: ``fwd(x)`` now, ``bwd(g, x, y)`` in backward."""
    x = input._data
    y = fwd(x)
    if x.ndim == 0:  # NumPy turns 0-d results into scalars; a Tensor holds an array
        y = np.asarray(y, x.dtype)
    if not (_grad_state.enabled and input._requires_grad):
        return _wrap(y)
    return record(y, name, lambda g, needs: (np.asarray(bwd(g, x, y)),), (input,),
                  (input,) if save_input else ())


def _inplace(input: Tensor, result_fn) -> Tensor:
    """Run ``result_fn(t)`` and write its result into ``input``, as PyTorch's ``op_(x)`` does.

    NOTE [ in-place activations ]
    The input's old value is kept in a fresh tensor that takes over its place in the graph; the
    result is copied into the input's array and the input's ``grad_fn`` becomes the op's node, so
    the caller's tensor and any later use of it see the new value and backpropagate through it.
    """
    if _grad_state.enabled and input._requires_grad and input.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if not (_grad_state.enabled and input._requires_grad):
        r = result_fn(input)
        np.copyto(input._data, r._data, casting="unsafe")
        input._bump()
        return input
    old = _wrap(input._data.copy(), input._requires_grad)
    old.grad_fn = input.grad_fn
    r = result_fn(old)
    np.copyto(input._data, r._data, casting="unsafe")
    input._bump()
    input.grad_fn = r.grad_fn
    return input


def _act(name, fwd, bwd, input: Tensor, inplace: bool) -> Tensor:
    """``_unary``, or its in-place form when ``inplace`` is set."""
    if inplace:
        return _inplace(input, lambda t: _unary(name, t, fwd, bwd))
    return _unary(name, input, fwd, bwd)
