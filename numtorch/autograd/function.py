"""Custom differentiable operations: subclass ``Function`` with ``forward`` and ``backward``.

``Function.apply`` runs ``forward`` with grad mode off and records one node whose
vjp calls the user's ``backward``.  A Function with several outputs records a
hidden node that receives all output gradients together (see ``_MultiGrad``).
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from .engine import _FREED
from .grad_mode import _state as _grad
from .grad_mode import no_grad
from .graph import node_class

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: saved tensors and flags."""

    def save_for_backward(self, *tensors) -> None:
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._vc[0] for t in tensors)

    @property
    def saved_tensors(self):
        if getattr(self, "_freed", False):
            raise RuntimeError(_FREED)
        saved = getattr(self, "_saved", ())
        for t, v in zip(saved, self._saved_versions):
            if t is not None and t._vc[0] != v:
                raise RuntimeError("one of the variables needed for gradient computation has been "
                                   f"modified by an inplace operation: is at version {t._vc[0]}; "
                                   f"expected version {v} instead.")
        return saved

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = set(map(id, tensors))

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = value


class _MultiGrad:
    """The summed gradients of a multi-output Function, one slot per output, moved as one value."""

    __slots__ = ("grads", "shape", "dtype")

    def __init__(self, grads, shape, dtype):
        self.grads, self.shape, self.dtype = grads, shape, dtype

    def __add__(self, other):
        return _MultiGrad([a if b is None else b if a is None else a + b
                           for a, b in zip(self.grads, other.grads)], self.shape, self.dtype)


class Function:
    """Base class of custom ops: ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        separate = cls.setup_context is not Function.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if separate else cls.forward(ctx, *args, **kwargs)
        if separate:
            cls.setup_context(ctx, args, out)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        tensor_inputs = tuple(a for a in args if isinstance(a, Tensor))
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not (_grad.enabled and any(t._requires_grad for t in tensor_inputs)):
            return out
        non_diff = getattr(ctx, "_non_diff", set())
        name = cls.__name__ + "Backward"
        materialize = getattr(ctx, "_materialize", True)
        out_arrays = [o._data if isinstance(o, Tensor) else None for o in outs]

        def call_backward(grads):
            if materialize:
                grads = [np.zeros_like(a) if g is None and a is not None else g
                         for g, a in zip(grads, out_arrays)]
            res = cls.backward(ctx, *[None if g is None else _wrap(g) for g in grads])
            if not isinstance(res, tuple):
                res = (res,)
            if len(res) != len(args):
                raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                                   f"(expected {len(args)}, got {len(res)})")
            return tuple(None if res[p] is None else res[p]._data for p in positions)

        needs_any = [isinstance(o, Tensor) and id(o) not in non_diff
                     and o._data.dtype.kind == "f" for o in outs]
        results = list(outs)
        if sum(needs_any) == 1 and single:
            node = node_class(name)(lambda g, n: call_backward([g]), tensor_inputs,
                                    tuple(t._requires_grad for t in tensor_inputs), ())
            results[0] = _claim(outs[0], args, node)
        else:
            hidden = _wrap(np.empty((0,), np.float32))
            hidden._requires_grad = True
            hidden.grad_fn = node_class(name)(lambda g, n: call_backward(g.grads), tensor_inputs,
                                              tuple(t._requires_grad for t in tensor_inputs), ())
            k = len(outs)
            for i, o in enumerate(outs):
                if not needs_any[i]:
                    continue

                def pick(g, n, i=i):
                    slots = [None] * k
                    slots[i] = g
                    return (_MultiGrad(slots, (0,), np.dtype(np.float32)),)
                node = node_class(name)(pick, (hidden,), (True,), None)
                results[i] = _claim(o, args, node)
        ctx._node_outputs = results
        return results[0] if single else tuple(results)


def _claim(o, args, node):
    """Make ``o`` an output of ``node`` (a fresh alias if ``o`` is one of the inputs)."""
    if any(o is a for a in args):
        alias = _wrap(o._data)
        alias._vc = o._vc
        o = alias
    o._requires_grad = True
    o.grad_fn = node
    return o


def once_differentiable(fn):
    """Accepted for compatibility: numtorch backward passes are never differentiated again."""
    return fn
