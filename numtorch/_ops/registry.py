"""The op registry: which op is ``numtorch.<name>``, ``Tensor.<name>``, ``Tensor.<name>_`` and
which Python operator, in explicit tables, attached in this one place.

Every op module of ``numtorch._ops`` lists its public ops in ``__all__``; those ops are the
namespace functions (``numtorch.exp``) and, unless a table below says otherwise, Tensor methods
(``x.exp()``).  The tables:

- ``ALIASES``: a second name for an op (``absolute`` for ``abs``), written once.
- ``FUNCTION_ONLY``: namespace functions that are not methods (``numtorch.cat``,
  ``numtorch.zeros``).
- ``METHOD_ONLY``: methods that are not namespace functions (``x.view``, ``x.expand``).
- ``INPLACE``: ops that also get an in-place ``Tensor.<name>_`` (built by ``inplace.make_inplace``).
- ``DUNDERS``: Python operators and the op each one calls.
- ``CONVERSIONS``: ``x.float()``, ``x.long()``... one per dtype alias.
- ``OTHER_METHODS``: ``backward``, ``register_hook``, ``new_zeros``...: methods written beside
  the layer they belong to (autograd, creation) and attached here.
- ``NN_FUNCTIONS`` / ``NN_METHODS``: the few ``nn.functional`` ops PyTorch also exposes as
  ``numtorch.<name>`` (``selu``, ``threshold_``) or as methods (``x.prelu``).
Tensor's random samplers (``uniform_``, ``bernoulli``...) come from ``numtorch.random``'s own
table and are attached here with the rest.

To add an op: write it (forward and vjp) in the module of its kind, put its name in that module's
``__all__``, and, if it has an in-place form, its name in ``INPLACE``.  Nothing else registers it.

Example:
    >>> import numtorch
    >>> OPS["absolute"] is OPS["abs"], "view" in FUNCTIONS, "cat" in FUNCTION_ONLY
    (True, False, True)
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .. import _dtype
from .._dtype import type_word
from .._tensor import Tensor
from ..autograd import tensor_backward
from ..autograd.grad_mode import _state as _grad
from ..autograd.graph import register_post_accumulate_grad_hook, register_tensor_hook
from ..random import functions as _random
from ..random.tensor_methods import METHODS as _RANDOM_METHODS
from . import (
    activation,
    compare,
    creation,
    elementwise,
    indexing,
    inplace,
    linalg,
    movement,
    nn,
    reduction,
    special,
)

MODULES = (elementwise, compare, reduction, movement, indexing, linalg, nn, creation, special)

ALIASES = {
    "absolute": "abs", "negative": "neg", "subtract": "sub", "multiply": "mul", "divide": "div",
    "true_divide": "div", "fix": "trunc", "clip": "clamp", "sgn": "sign", "arcsin": "asin",
    "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "arctan2": "atan2", "concat": "cat", "concatenate": "cat", "swapaxes": "transpose",
    "swapdims": "transpose", "moveaxis": "movedim", "ger": "outer", "greater": "gt",
    "greater_equal": "ge", "less": "lt", "less_equal": "le", "not_equal": "ne",
    "asarray": "as_tensor",
}

FUNCTION_ONLY = {
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "eye",
    "arange", "range", "linspace", "logspace", "scalar_tensor", "cat", "concat", "concatenate",
    "stack", "hstack", "vstack", "zeros_like", "ones_like", "empty_like", "full_like",
    "broadcast_tensors", "broadcast_shapes", "einsum", "where", "linear", "rsub", "isclose",
    "searchsorted", "std_mean", "var_mean", "column_stack", "dstack", "meshgrid", "tensordot",
    "bilinear",
}

METHOD_ONLY = {"view", "view_as", "reshape_as", "expand", "expand_as", "repeat", "contiguous",
               "linear"}

INPLACE = [
    "add", "sub", "mul", "div", "pow", "neg", "abs", "sign", "exp", "log", "log1p", "log2", "log10",
    "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "erf", "reciprocal",
    "floor", "ceil", "round", "trunc", "frac", "clamp", "clamp_min", "clamp_max", "clip", "lerp",
    "addcmul", "addcdiv", "remainder", "fmod", "floor_divide", "square", "masked_fill", "index_add",
    "scatter", "scatter_add", "index_put", "tril", "triu", "subtract", "xlogy",
    "multiply", "divide", "true_divide", "negative", "absolute", "fix", "asin", "acos", "atan",
    "sinh", "cosh", "logical_not", "logical_and", "logical_or", "logical_xor", "cumsum", "cumprod",
    "eq", "ne", "lt", "le", "gt", "ge", "atan2", "arctan2", "hypot", "exp2", "logit", "deg2rad",
    "rad2deg", "nan_to_num", "asinh", "acosh", "atanh", "erfc", "sgn", "arcsin", "arccos", "arctan",
    "arcsinh", "arccosh", "arctanh", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "greater", "greater_equal", "less", "less_equal", "not_equal",
    "lgamma", "digamma", "mvlgamma", "erfinv", "i0", "sinc", "igamma", "igammac",
]

# ``a op b`` calls the op; ``b op a`` (a scalar on the left) calls it with the operands swapped;
# ``a op= b`` is the in-place form named last
DUNDERS = {
    "add": ("add", "add_"), "sub": ("sub", "sub_"), "mul": ("mul", "mul_"),
    "truediv": ("div", "div_"), "floordiv": ("floor_divide", "floor_divide_"),
    "mod": ("remainder", "remainder_"), "pow": ("pow", "pow_"),
    "and": ("bitwise_and", "logical_and_"), "or": ("bitwise_or", "logical_or_"),
    "xor": ("bitwise_xor", "logical_xor_"),
}
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")

CONVERSIONS = {"float": _dtype.float32, "double": _dtype.float64, "half": _dtype.float16,
               "long": _dtype.int64, "int": _dtype.int32, "short": _dtype.int16,
               "char": _dtype.int8, "byte": _dtype.uint8, "bool": _dtype.bool}


# ops of nn.functional's layer (``_ops/activation.py``) that PyTorch also puts in its namespace,
# and the ones that are Tensor methods too
NN_FUNCTIONS = {"selu": activation.selu, "selu_": activation.selu_, "celu": activation.celu,
                "celu_": activation.celu_, "threshold": activation.threshold,
                "threshold_": activation.threshold_, "prelu": activation.prelu}
NN_METHODS = {"prelu": activation.prelu}


def _ops() -> dict:
    """Every op by name: each module's ``__all__``, then the aliases."""
    found = {}
    for mod in MODULES:
        for name in mod.__all__:
            if name in found:
                raise RuntimeError(f"op {name!r} is defined twice ({mod.__name__})")
            found[name] = getattr(mod, name)
    for alias, name in ALIASES.items():
        found[alias] = found[name]
    return found


OPS = _ops()


def _with_out(fn):
    """Add PyTorch's ``out=``: compute, then write into ``out`` (resized if its shape differs)."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _grad.enabled and (any(isinstance(a, Tensor) and a._requires_grad for a in args) or
                              any(isinstance(a, Tensor) and a._requires_grad
                                  for a in kwargs.values()) or out._requires_grad):
            raise RuntimeError(f"{fn.__name__}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires grad.")
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
        raise RuntimeError(f"result type {type_word(res)} can't be cast to the desired output type "
                           f"{type_word(out)}")
    if out._data.shape != res._data.shape:
        out._data = res._data.astype(out._data.dtype)
    else:
        np.copyto(out._data, res._data, casting="unsafe")
    out._bump()


def _takes_out(fn) -> bool:
    try:
        return "out" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


_OUT = {id(f): _with_out(f) for f in OPS.values() if _takes_out(f)}  # one wrapper per op
FUNCTIONS = {n: _OUT.get(id(f), f) for n, f in OPS.items() if n not in METHOD_ONLY}
FUNCTIONS.update(NN_FUNCTIONS)


def _conversion(dt: _dtype.dtype, name: str):
    def method(self, memory_format=None) -> Tensor:
        return self.to(dt)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``self.to({dt})``."
    return method


def _binop(fn):
    def f(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.number, np.bool_)):
            return NotImplemented
        return fn(self, other)
    return f


def _rbinop(fn):
    def f(self, other):
        if not isinstance(other, (int, float, bool, np.number, np.bool_)):
            return NotImplemented
        return fn(other, self)
    return f


# Tensor's methods that are not ops: autograd's entry points, the cast ``to`` makes, ``new_*``
OTHER_METHODS = {
    "backward": tensor_backward, "register_hook": register_tensor_hook,
    "register_post_accumulate_grad_hook": register_post_accumulate_grad_hook,
    "_cast": elementwise.cast, "new_tensor": creation.new_tensor, "new_empty": creation.new_empty,
    "new_zeros": creation.new_zeros, "new_ones": creation.new_ones, "new_full": creation.new_full,
}


def attach() -> None:
    """Give Tensor its methods, in-place forms and operators (called once, at import)."""
    for n, f in OTHER_METHODS.items():
        setattr(Tensor, n, f)
    for n, f in OPS.items():
        if n not in FUNCTION_ONLY and not hasattr(Tensor, n):
            setattr(Tensor, n, f)
    for n, f in NN_METHODS.items():
        setattr(Tensor, n, f)
    for n in INPLACE:
        setattr(Tensor, n + "_", inplace.make_inplace(OPS[n], n + "_"))
    FUNCTIONS["relu_"] = Tensor.relu_
    for n, dt in CONVERSIONS.items():
        setattr(Tensor, n, _conversion(dt, n))
    for n, f in dict(_RANDOM_METHODS, bernoulli=_random.tensor_bernoulli,
                     multinomial=_random.tensor_multinomial).items():
        setattr(Tensor, n, f)
    Tensor.isclose = compare.isclose
    Tensor.polygamma = special._polygamma_method  # x.polygamma(n): the order comes second
    Tensor.polygamma_ = inplace.make_inplace(special._polygamma_method, "polygamma_")
    Tensor.where = lambda self, condition, other: indexing.where(condition, self, other)
    Tensor.fill_, Tensor.zero_, Tensor.copy_ = inplace.fill_, inplace.zero_, inplace.copy_
    Tensor.T = property(_T)
    Tensor.mT = property(lambda self: movement.transpose(self, -2, -1))
    Tensor.__setitem__ = _setitem
    Tensor.__getitem__ = indexing.getitem
    for k, (op, iop) in DUNDERS.items():
        # ``+ - * /`` come with their fast path (NOTE [ the binary fast path ] in ``_core.py``)
        setattr(Tensor, f"__{k}__", elementwise.OPERATORS.get(k) or _binop(OPS[op]))
        setattr(Tensor, f"__r{k}__", _rbinop(OPS[op]))
        setattr(Tensor, f"__i{k}__", getattr(Tensor, iop))
    # scalar / tensor is reciprocal(tensor) * scalar in PyTorch (same rounding, MulBackward0)
    E = elementwise
    Tensor.__rtruediv__ = _rbinop(lambda other, self: E.mul(E.reciprocal(self), other))
    for k in COMPARISONS:
        setattr(Tensor, f"__{k}__", _binop(OPS[k]))
    Tensor.__matmul__ = lambda self, other: linalg.matmul(self, other) \
        if isinstance(other, Tensor) \
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
            msg = ("Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
                   "cases.")
        else:
            msg = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                   "is deprecated and it will throw an error in a future release. Consider `x.mT` "
                   "to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, "
                   "-1))` to reverse the dimensions of a tensor.")
        warnings.warn(msg, UserWarning, stacklevel=2)
    return movement.permute(self, tuple(range(nd))[::-1])


def _invert(self):
    if self._data.dtype == np.bool_:
        return compare.logical_not(self)
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return compare.bitwise_not(self)


def _setitem(self, index, value):
    if isinstance(value, (list, tuple)):
        value = creation.tensor(value, dtype=self.dtype)
    args = (value,) if isinstance(value, Tensor) else ()
    if inplace.tracks(self, args, {}):
        inplace.leaf_check(self)
        res = indexing.index_put(inplace.snapshot(self), index, value)
    else:
        idx, _ = indexing._convert_index(index)
        v = value._data if isinstance(value, Tensor) else value
        try:
            self._data[idx] = v
        except ValueError as e:
            if not self._data.flags.writeable:
                raise RuntimeError("unsupported operation: more than one element of the written-to "
                                   "tensor refers to a single memory location. Please clone() the "
                                   "tensor before performing the operation.") from None
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot "
                               "be broadcast to indexing result of shape "
                               f"{list(self._data[idx].shape)}") from e
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None
        self._vc[0] += 1
        return
    inplace.commit(self, res)
