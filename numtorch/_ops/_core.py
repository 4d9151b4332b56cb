"""What every op shares: recording a graph node, and PyTorch's type promotion.

``record(out, name, vjp, inputs, saved)`` wraps an op's output array and, when
grad mode is on and some input requires grad, attaches a graph node holding the
op's vjp.  ``vjp(grad, needs)`` returns one gradient array (or None) per input;
``needs[i]`` says whether input ``i`` wants one, so unneeded work is skipped.
The engine reduces every gradient to its input's shape (broadcasting is undone
in that one place), so no vjp sums over broadcast axes by hand.
"""

from __future__ import annotations

import contextvars
import numbers
import threading

import numpy as np

from .. import _dtype
from .._dtype import type_word
from .._tensor import Tensor, _new, _wrap
from ..autograd.grad_mode import _state as _grad
from ..autograd.graph import _classes, new_node, node_class
from . import _fpstate

__all__ = ["record", "result_type", "promote", "to_tensor", "scalar_dtype", "NOSAVE",
           "kernel_error", "require_float", "binary_op", "scalar_op"]

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
    if len(inputs) == 2:  # the common cases first, without building lists
        a, b = inputs
        ra, rb = a._requires_grad, b._requires_grad
        if not (ra or rb) or not _grad.enabled:
            return t
        needs, edges = (ra, rb), (a.grad_fn, b.grad_fn)
    elif len(inputs) == 1:
        a = inputs[0]
        if not a._requires_grad or not _grad.enabled:
            return t
        needs, edges = (a._requires_grad,), (a.grad_fn,)
    else:
        needs = tuple([i._requires_grad for i in inputs])
        if True not in needs or not _grad.enabled:
            return t
        edges = tuple([i.grad_fn for i in inputs])
    t._requires_grad = True
    cls = _classes.get(name) or node_class(name)
    if saved is None:
        t.grad_fn = new_node(cls, vjp, inputs, edges, needs, (), True)
        return t
    sv = tuple([(s._vc, s._vc[0], s) for s in saved]) if saved else ()
    if save_out:
        sv += ((t._vc, 0, t),)
    node = t.grad_fn = new_node(cls, vjp, inputs, edges, needs, sv, reusable)
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


# NOTE [ the binary fast path ]
# ``a + b`` with two tensors of one floating dtype needs no promotion: ``binary_op`` runs the
# ufunc on the two arrays under the quiet error state (in a ready-made context,
# ``_QuietContext``), wraps the result and records the node, with no call in between.  That is
# what the general path does for such operands, step for step (the same ufunc on the same
# arrays, broadcasting included; the same node, inputs, saved versions and vjp), so nothing
# observable changes.  Shapes that do not broadcast, or a result too large to allocate, make
# the ufunc raise; the general path then runs and raises PyTorch's error.  Everything else
# (Python scalars, mixed dtypes, integers, bools, ``alpha=``) goes to the op's general path.
# The Python operators of ``+ - * /`` are these functions themselves, and ``add(a, b)`` etc.
# call them when both operands are tensors.  The unary ops of ``elementwise.py`` have the same
# kind of fast path.

_qset, _qreset = getattr(_fpstate, "_set", None), getattr(_fpstate, "_reset", None)
_QUIET_STATE = getattr(_fpstate, "_IGNORE", None)


class _QuietContext(threading.local):
    """Per thread, a context in which NumPy's error state is "ignore": ``quiet.run(f, *args)``.

    Entering a ready-made context costs a fifth of setting and resetting the error state around
    the call (``_fpstate``).  A context can be entered once at a time, and only by its own
    thread, hence one per thread; a ``RuntimeError`` from a nested entry (a kernel that ran
    Python code which ran another op) sends the op to its general path.
    """

    def __init__(self):
        ctx = contextvars.copy_context()
        if _qset is not None:
            ctx.run(_qset, _QUIET_STATE)
        self.run = ctx.run


_quiet = _QuietContext()
_DT32, _DT64, _DT16 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16)
_OPERAND = (Tensor, int, float, bool, np.number, np.bool_)  # what the operators accept


# NOTE [ the scalar fast path ]
# ``x * 0.9``, ``y + 0.1``, ``1 - x``, ``x / 255``: a float tensor with a Python ``float`` or
# ``int`` (exactly those types: not bool, not a NumPy scalar, not a subclass).  Promotion keeps the
# tensor's dtype there, and the general path makes the scalar a 0-dim array of that dtype
# (``to_tensor``: ``np.array(s, dtype)``, rounding it once), runs the ufunc on the two arrays and
# records the node with the scalar's constant tensor as an input (saved when the vjp reads it).
# ``scalar_op`` does exactly that, with the same array, ufunc, node, inputs and saved versions,
# and builds the constant tensor only when a node is recorded.  The scalar is rounded outside the
# quiet state, so an overflowing cast warns as it does on the general path; a scalar NumPy cannot
# convert (an int beyond float range), a dtype other than float16/32/64 in native byte order, or a
# nested quiet context sends the op to its general path, which raises or computes as before.


def scalar_op(ufunc, name: str, vjp=None, make_vjp=None):
    """``fast(t, s, left)``: ``ufunc(t, s)`` (``ufunc(s, t)`` if ``left``), or None to fall back.

    Args:
        ufunc: the NumPy ufunc of the op.
        name: the node's class name (``MulBackward0``, ``RsubBackward1``...).
        vjp: the node's vjp when it reads no saved data (the node is reusable).
        make_vjp: ``make_vjp(first, second) -> vjp`` when the vjp reads the two operand arrays;
            both operands are then saved.

    ``t`` is a Tensor and ``s`` a Python float or int (the caller checks ``type(s)``); the
    result is None unless ``t`` is float16, float32 or float64 (NOTE [ the scalar fast path ]).
    """
    cls = node_class(name)

    def fast(t, s, left):
        ad = t._data
        dt = ad.dtype
        if not (dt is _DT32 or dt is _DT64 or dt is _DT16) or _qset is None:
            return None
        try:
            sd = np.array(s, dtype=dt)  # ``to_tensor(s, dtype)``'s rounding
            o = _quiet.run(ufunc, sd, ad) if left else _quiet.run(ufunc, ad, sd)
        except (OverflowError, MemoryError, ValueError, RuntimeError):
            return None
        r = _new(Tensor)  # ``_wrap(o)``, written out
        r._data = o
        r._requires_grad = False
        r._grad = None
        r.grad_fn = None
        r._vc = [0]
        r._hooks = None
        r._retains_grad = False
        r._post_acc_hooks = None
        r._base = None
        if t._requires_grad and _grad.enabled:
            r._requires_grad = True
            c = _wrap(sd)
            if left:
                inputs, edges, needs = (c, t), (None, t.grad_fn), (False, True)
            else:
                inputs, edges, needs = (t, c), (t.grad_fn, None), (True, False)
            if make_vjp is None:
                r.grad_fn = new_node(cls, vjp, inputs, edges, needs, (), True)
            else:
                v = t._vc
                sv = ((c._vc, 0, c), (v, v[0], t)) if left else ((v, v[0], t), (c._vc, 0, c))
                r.grad_fn = new_node(cls, make_vjp(sd, ad) if left else make_vjp(ad, sd), inputs,
                                     edges, needs, sv, False)
        return r

    return fast


def binary_op(ufunc, name: str, general, vjp=None, make_vjp=None, scalar=None):
    """The operator ``a <op> b`` of a Tensor: the fast path above, else ``general(a, b)``.

    Args:
        ufunc: the NumPy ufunc computing the op on two arrays of one dtype.
        name: the node's class name (``AddBackward0``).
        general: ``general(a, b)``, the op for any operands (promotion, broadcasting, errors).
        vjp: the node's vjp when it reads no saved data (the node is reusable).
        make_vjp: ``make_vjp(ad, bd) -> vjp`` when the vjp reads the two input arrays; the
            inputs are then saved (their versions checked in backward).
        scalar: ``scalar_op``'s ``fast`` for a Python float or int on the right (NOTE [ the
            scalar fast path ]), or None.

    Returns ``NotImplemented`` for an operand that is neither a tensor nor a number, so that
    Python tries the other operand's reflected operator.
    """
    if _qset is None:  # pragma: no cover - NumPy < 2: no cheap quiet state, no fast path
        def slow(self, other):
            return general(self, other) if isinstance(other, _OPERAND) else NotImplemented
        return slow
    cls = node_class(name)

    def op(self, other):
        if isinstance(other, Tensor):
            ad = self._data
            bd = other._data
            dt = ad.dtype
            if dt is bd.dtype and (dt is _DT32 or dt is _DT64 or dt is _DT16):
                try:
                    o = _quiet.run(ufunc, ad, bd)
                except (MemoryError, ValueError, RuntimeError):  # the general path decides
                    return general(self, other)
                t = _new(Tensor)  # ``_wrap(o)``, written out
                t._data = o
                t._requires_grad = False
                t._grad = None
                t.grad_fn = None
                t._vc = [0]
                t._hooks = None
                t._retains_grad = False
                t._post_acc_hooks = None
                t._base = None
                ra = self._requires_grad
                rb = other._requires_grad
                if (ra or rb) and _grad.enabled:
                    t._requires_grad = True
                    if make_vjp is None:
                        t.grad_fn = new_node(cls, vjp, (self, other),
                                             (self.grad_fn, other.grad_fn), (ra, rb), (), True)
                    else:
                        va, vb = self._vc, other._vc
                        t.grad_fn = new_node(cls, make_vjp(ad, bd), (self, other),
                                             (self.grad_fn, other.grad_fn), (ra, rb),
                                             ((va, va[0], self), (vb, vb[0], other)), False)
                return t
            return general(self, other)
        tp = type(other)
        if (tp is float or tp is int) and scalar is not None:
            r = scalar(self, other, False)
            if r is not None:
                return r
            return general(self, other)
        if isinstance(other, _OPERAND):
            return general(self, other)
        return NotImplemented

    return op
