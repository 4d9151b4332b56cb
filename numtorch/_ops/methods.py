"""Attach the ops to Tensor and to the ``numtorch`` namespace, from explicit lists of names.

- ``FUNCTIONS``: every op a module of ``_ops`` defines, exported as ``numtorch.<name>``
  (with PyTorch's ``out=`` handling added where the op takes ``out``).
- ``METHODS``: the ops that are also ``Tensor.<name>``.
- ``INPLACE``: the ops that also get an in-place ``Tensor.<name>_``.
- ``DUNDERS``: Python operators.

NOTE [ in-place ops and autograd ]
An in-place op runs the out-of-place op and writes the result into the tensor's
array, bumping its version.  When the graph is being recorded it runs the op on a
snapshot of the old value (so the node's vjp reads the old data, as PyTorch's
saved ``original_self``), then rebases the tensor onto the new node.  A leaf that
requires grad refuses in-place changes while grad mode is on.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad
from . import compare, creation, elementwise, indexing, linalg, movement, nn, reduction, special
from ._core import to_tensor

_MODULES = (elementwise, compare, reduction, movement, indexing, linalg, nn, creation, special)

_TYPE_WORD = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
              "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half"}


def _public(mod):
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, v in vars(mod).items() if not n.startswith("_") and callable(v)
                 and getattr(v, "__module__", None) == mod.__name__ and not isinstance(v, type)]
    return {n: getattr(mod, n) for n in names}


FUNCTIONS: dict = {}
for _m in _MODULES:
    FUNCTIONS.update(_public(_m))
FUNCTIONS.update({
    "abs": elementwise.abs, "absolute": elementwise.abs, "negative": elementwise.neg,
    "subtract": elementwise.sub, "multiply": elementwise.mul, "divide": elementwise.div,
    "true_divide": elementwise.div, "fix": elementwise.trunc, "clip": elementwise.clamp,
    "concat": movement.cat, "concatenate": movement.cat, "swapaxes": movement.transpose,
    "swapdims": movement.transpose, "moveaxis": movement.movedim, "ger": linalg.outer,
    "greater": compare.gt, "greater_equal": compare.ge, "less": compare.lt, "less_equal": compare.le,
    "not_equal": compare.ne, "asarray": creation.as_tensor,
})
for _n in ("record", "result_type", "promote", "to_tensor", "scalar_dtype", "dims", "cast"):
    FUNCTIONS.pop(_n, None)


def _with_out(fn):
    """Add PyTorch's ``out=``: compute, then write into ``out`` (resized if its shape differs)."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _grad.enabled and (any(isinstance(a, Tensor) and a._requires_grad for a in args) or
                         any(isinstance(a, Tensor) and a._requires_grad for a in kwargs.values())
                         or out._requires_grad):
            raise RuntimeError(f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        res = fn(*args, **kwargs)
        if isinstance(res, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(res):
                raise TypeError(f"{fn.__name__}(): argument 'out' must be tuple of Tensors")
            for o, r in zip(out, res):
                _write_out(o, r)
            return type(res)(*out) if hasattr(res, "_fields") else tuple(out)
        _write_out(out, res)
        return out
    return wrapper


def _write_out(out: Tensor, res: Tensor) -> None:
    if res.dtype._cat > out.dtype._cat:
        raise RuntimeError(f"result type {_TYPE_WORD[res.dtype.name]} can't be cast to the desired output type "
                           f"{_TYPE_WORD[out.dtype.name]}")
    if out._data.shape != res._data.shape:
        out._data = res._data.astype(out._data.dtype)
    else:
        np.copyto(out._data, res._data, casting="unsafe")
    out._bump()


for _n, _f in list(FUNCTIONS.items()):
    try:
        if "out" in inspect.signature(_f).parameters:
            FUNCTIONS[_n] = _with_out(_f)
    except (TypeError, ValueError):
        pass


# ---- in-place -----------------------------------------------------------------------------

def _snapshot(t: Tensor) -> Tensor:
    s = _wrap(t._data.copy())
    s._requires_grad = t._requires_grad
    s.grad_fn = t.grad_fn
    return s


def _write(self: Tensor, res: Tensor) -> None:
    """Copy ``res`` into ``self``'s array (PyTorch's checks on dtype and shape) and bump the version."""
    if res._data.dtype != self._data.dtype and res.dtype._cat > self.dtype._cat:
        raise RuntimeError(f"result type {_TYPE_WORD[res.dtype.name]} can't be cast to the desired output type "
                           f"{_TYPE_WORD[self.dtype.name]}")
    if res._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(res._data.shape)}")
    try:
        np.copyto(self._data, res._data, casting="unsafe")
    except ValueError:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation."
                           ) from None
    self._vc[0] += 1


def _commit(self: Tensor, res: Tensor) -> Tensor:
    """Finish an in-place op: write the result and, if it was recorded, rebase ``self`` onto its node."""
    if res.grad_fn is not None and self._base is not None:
        return _commit_view(self, res)
    _write(self, res)
    if res.grad_fn is not None:
        _retarget_saved(res.grad_fn, res, self)
        self.grad_fn = res.grad_fn
        self._requires_grad = True
    return self


def _retarget_saved(node, res: Tensor, self: Tensor) -> None:
    """An op that saved its own output now lives in ``self``: check ``self``'s version instead."""
    if node.saved and any(t is res for _, _, t in node.saved):
        node.saved = tuple((self._vc, self._vc[0], self) if t is res else (c, v, t) for c, v, t in node.saved)


def _flat_positions(view: np.ndarray, base: np.ndarray):
    """For each element of ``view``, its index in ``base.reshape(-1)``; None unless base is C-contiguous."""
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


def _commit_view(self: Tensor, res: Tensor) -> Tensor:
    """In-place op on a view: the base's history is rebased too (PyTorch's ``CopySlices``).

    NOTE [ in-place on a view ]: the base becomes "old base with the view's elements replaced by
    the op's result": a node whose vjp sends the gradient of the replaced elements to the result
    and the rest to the old base.  The view itself becomes a view of the new base.  Element
    positions come from the arrays' memory layout, so any view (slice, transpose, reshape...)
    of a C-contiguous base works.
    """
    from ..autograd.graph import node_class
    base = self._base
    pos = _flat_positions(self._data, base._data)
    if pos is None:
        raise RuntimeError("numtorch: an in-place operation on a view of a non-contiguous tensor cannot be "
                           "recorded by autograd; apply it to a contiguous copy instead")
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
    _write(self, res)
    _retarget_saved(res.grad_fn, res, self)
    base.grad_fn = node
    base._requires_grad = True

    def as_strided(g, n):
        gz = np.zeros(bshape, g.dtype)
        np.add.at(gz.reshape(-1), pos, np.ascontiguousarray(g).reshape(-1))
        return (gz,)
    self.grad_fn = node_class("AsStridedBackward0")(as_strided, (base,), (True,), None)
    self._requires_grad = True
    return self


def _tracks(self, args, kwargs) -> bool:
    if not _grad.enabled:
        return False
    if self._requires_grad:
        return True
    return any(isinstance(a, Tensor) and a._requires_grad for a in args) or \
        any(isinstance(a, Tensor) and a._requires_grad for a in kwargs.values())


def _leaf_check(self) -> None:
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = self._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def make_inplace(fn, name):
    node_name = "".join(p.capitalize() for p in name.rstrip("_").split("_")) + "Backward0"

    def method(self, *args, **kwargs):
        if _tracks(self, args, kwargs):
            _leaf_check(self)
            snap = _snapshot(self)
            res = fn(snap, *args, **kwargs)
            if res.grad_fn is None and snap._requires_grad:
                # a result that is not differentiable (eq_, floor_divide_ on ints...): the old value is
                # still linked, with a zero gradient, as PyTorch's node for it is
                from ._core import record
                res = record(res._data, node_name, lambda g, n: (np.zeros_like(g),), (snap,), None)
        else:
            res = fn(self, *args, **kwargs)
        return _commit(self, res)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place version of :meth:`{fn.__name__}`."
    return method


# fill_, zero_ and copy_ overwrite the tensor: its old value gets a zero gradient (the node still
# links to it, as PyTorch's FillBackward / ZeroBackward / CopyBackwards do)

def _fill(self, value):
    from ._core import record
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
    from ._core import record
    return record(np.zeros(self._data.shape, self._data.dtype), "ZeroBackward0",
                  lambda g, n: (np.zeros_like(g),), (self,), None)


def _copy(self, src, non_blocking: bool = False):
    from ._core import record
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    s = movement.expand(src, self._data.shape) if src._data.shape != self._data.shape else src
    if s._data.dtype != self._data.dtype:
        s = to_tensor(s, self.dtype) if self.dtype.is_floating_point else _wrap(s._data.astype(self._data.dtype))
    return record(s._data.copy(), "CopyBackwards", lambda g, n: (np.zeros_like(g) if n[0] else None, g),
                  (self, s), None)


INPLACE = ["add", "sub", "mul", "div", "pow", "neg", "abs", "sign", "exp", "log", "log1p", "log2", "log10",
           "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "erf", "reciprocal",
           "floor", "ceil", "round", "trunc", "frac", "clamp", "clamp_min", "clamp_max", "clip", "lerp",
           "addcmul", "addcdiv", "remainder", "fmod", "floor_divide", "square", "masked_fill", "index_add",
           "scatter", "scatter_add", "index_put", "tril", "triu", "maximum", "minimum", "subtract", "xlogy",
           "multiply", "divide", "true_divide", "negative", "absolute", "fix", "asin", "acos", "atan",
           "sinh", "cosh", "logical_not", "logical_and", "logical_or", "logical_xor", "cumsum", "cumprod",
           "eq", "ne", "lt", "le", "gt", "ge", "atan2", "arctan2", "hypot", "exp2", "logit", "deg2rad", "rad2deg",
           "nan_to_num", "asinh", "acosh", "atanh", "erfc", "sgn", "arcsin", "arccos", "arctan", "arcsinh",
           "arccosh", "arctanh", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "greater",
           "greater_equal", "less", "less_equal", "not_equal"]
INPLACE += ["lgamma", "digamma", "mvlgamma", "erfinv", "i0", "sinc", "igamma", "igammac"]  # special.py

METHOD_EXCLUDE = {"tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "eye",
                  "arange", "range", "linspace", "logspace", "scalar_tensor", "cat", "concat", "concatenate",
                  "stack", "hstack", "vstack", "zeros_like", "ones_like", "empty_like", "full_like",
                  "broadcast_tensors", "broadcast_shapes", "einsum", "where", "linear", "rpow", "rsub",
                  "isclose", "searchsorted"}


def attach() -> None:
    """Give Tensor its methods, in-place variants and operators (called once at import)."""
    raw = {}
    for m in _MODULES:
        raw.update(_public(m))
    raw.update({"abs": elementwise.abs, "absolute": elementwise.abs, "negative": elementwise.neg,
                "subtract": elementwise.sub, "multiply": elementwise.mul, "divide": elementwise.div,
                "true_divide": elementwise.div, "fix": elementwise.trunc, "clip": elementwise.clamp,
                "swapaxes": movement.transpose, "swapdims": movement.transpose, "moveaxis": movement.movedim,
                "ger": linalg.outer, "greater": compare.gt, "greater_equal": compare.ge, "less": compare.lt,
                "less_equal": compare.le, "not_equal": compare.ne})
    for n, f in raw.items():
        if n in METHOD_EXCLUDE or n in ("record", "result_type", "promote", "to_tensor", "scalar_dtype",
                                        "dims", "cast"):
            continue
        if not hasattr(Tensor, n):
            setattr(Tensor, n, f)
    Tensor.isclose = compare.isclose
    Tensor.polygamma = special._polygamma_method  # x.polygamma(n): the order comes second
    Tensor.polygamma_ = make_inplace(special._polygamma_method, "polygamma_")
    Tensor.where = lambda self, condition, other: indexing.where(condition, self, other)
    for n in INPLACE:
        setattr(Tensor, n + "_", make_inplace(raw[n], n + "_"))
    Tensor.fill_ = make_inplace(_fill, "fill_")
    Tensor.zero_ = make_inplace(_zero, "zero_")
    Tensor.copy_ = make_inplace(_copy, "copy_")
    Tensor.T = property(_T)
    Tensor.mT = property(lambda self: movement.transpose(self, -2, -1))
    Tensor.__setitem__ = _setitem
    Tensor.__getitem__ = indexing.getitem

    def binop(fn):
        def f(self, other):
            if not isinstance(other, (Tensor, int, float, bool, np.number, np.bool_)):
                return NotImplemented
            return fn(self, other)
        return f

    def rbinop(fn):
        def f(self, other):
            if not isinstance(other, (int, float, bool, np.number, np.bool_)):
                return NotImplemented
            return fn(other, self)
        return f

    E, C = elementwise, compare
    table = {"add": E.add, "sub": E.sub, "mul": E.mul, "truediv": E.div, "floordiv": E.floor_divide,
             "mod": E.remainder, "pow": E.pow, "and": C.bitwise_and, "or": C.bitwise_or, "xor": C.bitwise_xor}
    for k, fn in table.items():
        setattr(Tensor, f"__{k}__", binop(fn))
        setattr(Tensor, f"__r{k}__", rbinop(fn))
    # scalar / tensor is reciprocal(tensor) * scalar in PyTorch (same rounding, MulBackward0)
    Tensor.__rtruediv__ = rbinop(lambda other, self: E.mul(E.reciprocal(self), other))
    for k, n in (("add", "add_"), ("sub", "sub_"), ("mul", "mul_"), ("truediv", "div_"),
                 ("floordiv", "floor_divide_"), ("mod", "remainder_"), ("pow", "pow_"),
                 ("and", "logical_and_"), ("or", "logical_or_"), ("xor", "logical_xor_")):
        setattr(Tensor, f"__i{k}__", getattr(Tensor, n))
    for k, fn in (("eq", C.eq), ("ne", C.ne), ("lt", C.lt), ("le", C.le), ("gt", C.gt), ("ge", C.ge)):
        setattr(Tensor, f"__{k}__", binop(fn))
    Tensor.__matmul__ = lambda self, other: linalg.matmul(self, other) if isinstance(other, Tensor) \
        else NotImplemented
    Tensor.__rmatmul__ = lambda self, other: NotImplemented
    Tensor.__neg__ = elementwise.neg
    Tensor.__abs__ = elementwise.abs
    Tensor.__pos__ = lambda self: self
    Tensor.__invert__ = _invert
    Tensor.__hash__ = lambda self: id(self)


def _T(self):
    nd = self._data.ndim
    if nd != 2:
        import warnings
        if nd == 0:
            msg = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
        else:
            msg = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
                   "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices "
                   "or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")
        warnings.warn(msg, UserWarning, stacklevel=2)
    return movement.permute(self, tuple(range(nd))[::-1])


def _invert(self):
    if self._data.dtype == np.bool_:
        return compare.logical_not(self)
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return compare.bitwise_not(self)


def _setitem(self, index, value):
    if isinstance(value, (list, tuple)):
        value = creation.tensor(value, dtype=self.dtype)
    args = (value,) if isinstance(value, Tensor) else ()
    if _tracks(self, args, {}):
        _leaf_check(self)
        res = indexing.index_put(_snapshot(self), index, value)
    else:
        idx, _ = indexing._convert_index(index)
        v = value._data if isinstance(value, Tensor) else value
        try:
            self._data[idx] = v
        except ValueError as e:
            if not self._data.flags.writeable:
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                                   "refers to a single memory location. Please clone() the tensor before "
                                   "performing the operation.") from None
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast "
                               f"to indexing result of shape {list(self._data[idx].shape)}") from e
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None
        self._vc[0] += 1
        return
    _commit(self, res)


del _dtype
