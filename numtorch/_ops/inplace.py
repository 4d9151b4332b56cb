"""In-place ops: how ``x.op_(...)`` runs ``op`` and writes the result back into ``x``.

NOTE [ in-place ops and autograd ]
An in-place op runs the out-of-place op and writes the result into the tensor's
array, bumping its version.  When the graph is being recorded it runs the op on a
snapshot of the old value (so the node's vjp reads the old data, as PyTorch's
saved ``original_self``), then rebases the tensor onto the new node.  A leaf that
requires grad refuses in-place changes while grad mode is on.  On a view, the
base is rebased too (NOTE [ in-place on a view ]).

``make_inplace(op, "op_")`` builds the in-place form of any op; ``fill_``, ``zero_`` and
``copy_`` are the three ops that only exist in place.

Example:
    >>> import numtorch
    >>> from numtorch._ops.elementwise import exp
    >>> x = numtorch.zeros(2)
    >>> make_inplace(exp, "exp_")(x) is x, x.tolist()
    (True, [1.0, 1.0])
"""

from __future__ import annotations

import numpy as np

from .._dtype import type_word
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad
from ..autograd.graph import node_class
from . import movement
from ._core import record, to_tensor

__all__ = ["make_inplace", "commit", "snapshot", "tracks", "leaf_check", "fill_", "zero_", "copy_"]

# ---- in-place -----------------------------------------------------------------------------

def snapshot(t: Tensor) -> Tensor:
    """A copy of ``t``'s current value that keeps its ``grad_fn`` and ``requires_grad``:
    the "old self" an in-place op is computed from, so the out-of-place rule can be reused.
    """
    s = _wrap(t._data.copy())
    s._requires_grad = t._requires_grad
    s.grad_fn = t.grad_fn
    return s


def write(self: Tensor, res: Tensor) -> None:
    """Copy ``res`` into ``self``'s array (PyTorch's dtype and shape checks); bump the version."""
    if res._data.dtype != self._data.dtype and res.dtype._cat > self.dtype._cat:
        raise RuntimeError(f"result type {type_word(res)} can't be cast to the desired output type "
                           f"{type_word(self)}")
    if res._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                           f"broadcast shape {list(res._data.shape)}")
    try:
        np.copyto(self._data, res._data, casting="unsafe")
    except ValueError:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation."
                           ) from None
    self._vc[0] += 1


def commit(self: Tensor, res: Tensor) -> Tensor:
    """Finish an in-place op: write the result; if recorded, rebase ``self`` onto its node."""
    if res.grad_fn is not None and self._base is not None:
        return commit_view(self, res)
    write(self, res)
    if res.grad_fn is not None:
        retarget_saved(res.grad_fn, res, self)
        self.grad_fn = res.grad_fn
        self._requires_grad = True
    return self


def retarget_saved(node, res: Tensor, self: Tensor) -> None:
    """An op that saved its own output now lives in ``self``: check ``self``'s version instead."""
    if node.saved and any(t is res for _, _, t in node.saved):
        node.saved = tuple((self._vc, self._vc[0], self) if t is res else (c, v, t)
                           for c, v, t in node.saved)


def _flat_positions(view: np.ndarray, base: np.ndarray):
    """Each element of ``view``'s index in ``base.reshape(-1)``; None unless base is contiguous."""
    if not base.flags.c_contiguous:
        return None
    item = base.itemsize
    off = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    pos = np.full((), off // item, np.int64)
    for k, (n, st) in enumerate(zip(view.shape, view.strides)):
        shape = [1] * view.ndim
        shape[k] = n
        pos = pos + (np.arange(n, dtype=np.int64) * (st // item)).reshape(shape)
    return np.broadcast_to(pos, view.shape).reshape(-1)


def commit_view(self: Tensor, res: Tensor) -> Tensor:
    """In-place op on a view: the base's history is rebased too (PyTorch's ``CopySlices``).

    NOTE [ in-place on a view ]: the base becomes "old base with the view's elements replaced by
    the op's result": a node whose vjp sends the gradient of the replaced elements to the result
    and the rest to the old base.  The view itself becomes a view of the new base.  Element
    positions come from the arrays' memory layout, so any view (slice, transpose, reshape...)
    of a C-contiguous base works.
    """
    base = self._base
    pos = _flat_positions(self._data, base._data)
    if pos is None:
        raise RuntimeError("numtorch: an in-place operation on a view of a non-contiguous tensor "
                           "cannot be recorded by autograd; apply it to a contiguous copy instead")
    old = _wrap(base._data)
    old.grad_fn = base.grad_fn
    old._requires_grad = base._requires_grad
    bshape, vshape = base._data.shape, self._data.shape

    def copy_slices(g, n):
        gb = gv = None
        if n[0]:
            gb = np.array(g, copy=True, order="C")
            gb.reshape(-1)[pos] = 0
        if n[1]:
            gv = np.ascontiguousarray(g).reshape(-1)[pos].reshape(vshape)
        return gb, gv
    node = node_class("CopySlices")(copy_slices, (old, res), (old._requires_grad, True), None)
    write(self, res)
    retarget_saved(res.grad_fn, res, self)
    base.grad_fn = node
    base._requires_grad = True

    def as_strided(g, n):
        gz = np.zeros(bshape, g.dtype)
        np.add.at(gz.reshape(-1), pos, np.ascontiguousarray(g).reshape(-1))
        return (gz,)
    self.grad_fn = node_class("AsStridedBackward0")(as_strided, (base,), (True,), None)
    self._requires_grad = True
    return self


def tracks(self, args, kwargs) -> bool:
    """Whether an in-place op on ``self`` with these arguments must be recorded for autograd."""
    if not _grad.enabled:
        return False
    if self._requires_grad:
        return True
    return any(isinstance(a, Tensor) and a._requires_grad for a in args) or \
        any(isinstance(a, Tensor) and a._requires_grad for a in kwargs.values())


def leaf_check(self) -> None:
    """Raise PyTorch's error for an in-place op on a leaf that requires grad or a view of one."""
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = self._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def make_inplace(fn, name):
    """The in-place method ``name`` (e.g. ``add_``) made from the out-of-place op ``fn``.

    ``self.op_(*args)`` computes ``fn(snapshot(self), *args)``, writes the result into ``self``'s
    array and, when recorded, makes ``self`` the output of the new node; so the gradient of an
    in-place op is exactly that of its out-of-place form.
    """
    node_name = "".join(p.capitalize() for p in name.rstrip("_").split("_")) + "Backward0"

    def method(self, *args, **kwargs):
        if tracks(self, args, kwargs):
            leaf_check(self)
            snap = snapshot(self)
            res = fn(snap, *args, **kwargs)
            if res.grad_fn is None and snap._requires_grad:
                # a result that is not differentiable (eq_, floor_divide_ on ints...): the old
                # value is still linked, with a zero gradient, as PyTorch's node for it is
                res = record(res._data, node_name, lambda g, n: (np.zeros_like(g),), (snap,), None)
        else:
            res = fn(self, *args, **kwargs)
        return commit(self, res)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


# fill_, zero_ and copy_ overwrite the tensor: its old value gets a zero gradient (the node still
# links to it, as PyTorch's FillBackward / ZeroBackward / CopyBackwards do)

def _fill(self, value):
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    o = np.full(self._data.shape, v, self._data.dtype)
    if isinstance(value, Tensor):
        return record(o, "FillBackward1", lambda g, n: (np.zeros_like(g) if n[0] else None,
                                                        np.asarray(g.sum()) if n[1] else None),
                      (self, value), None)
    return record(o, "FillBackward0", lambda g, n: (np.zeros_like(g),), (self,), None)


def _zero(self):
    return record(np.zeros(self._data.shape, self._data.dtype), "ZeroBackward0",
                  lambda g, n: (np.zeros_like(g),), (self,), None)


def _copy(self, src, non_blocking: bool = False):
    if not isinstance(src, Tensor):
        raise TypeError("copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    s = movement.expand(src, self._data.shape) if src._data.shape != self._data.shape else src
    if s._data.dtype != self._data.dtype:
        s = (to_tensor(s, self.dtype) if self.dtype.is_floating_point
             else _wrap(s._data.astype(self._data.dtype)))
    return record(s._data.copy(), "CopyBackwards",
                  lambda g, n: (np.zeros_like(g) if n[0] else None, g),
                  (self, s), None)


fill_ = make_inplace(_fill, "fill_")
zero_ = make_inplace(_zero, "zero_")
copy_ = make_inplace(_copy, "copy_")
