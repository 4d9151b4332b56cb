"""Elementwise primitives: forward on arrays and vector-Jacobian product side by side.

Each entry computes ``out`` from the input arrays and returns ``record(out, name,
vjp, inputs, saved)``; ``vjp(g, needs)`` gives one gradient per input.  Inputs are
first promoted to PyTorch's result dtype (``promote``); integer inputs to
floating-only functions (``exp``, ``sqrt``...) become the default float dtype.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._size import broadcast_shape, memory_error
from .._tensor import Tensor, _new, _wrap
from ..autograd.grad_mode import _state as _grad
from ..autograd.graph import new_node, node_class
from ._core import (
    _DT16,
    _DT32,
    _DT64,
    NOSAVE,
    _qset,
    _quiet,
    binary_op,
    check_broadcast,
    promote,
    record,
    rename,
    result_type,
    scalar_op,
    to_tensor,
)
from ._fpstate import quiet_call
from .compare import isnan, isneginf, isposinf
from .indexing import where

__all__ = ["abs", "acos", "acosh", "add", "addcdiv", "addcmul", "arctan2", "asin", "asinh", "atan",
           "atan2", "atanh", "ceil", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "deg2rad",
           "div", "erf", "erfc", "exp", "exp2", "expm1", "floor", "floor_divide", "fmax", "fmin",
           "fmod", "frac", "hypot", "lerp", "log", "log10", "log1p", "log2", "logaddexp", "logit",
           "maximum", "minimum", "mul", "nan_to_num", "neg", "positive", "pow", "rad2deg",
           "reciprocal", "relu", "remainder", "round", "rsqrt", "rsub", "sigmoid", "sign", "sin",
           "sinh", "sqrt", "square", "sub", "tan", "tanh", "trunc", "xlogy"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_2_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _t(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"expected Tensor as element 0 in argument 0, but got {type(x).__name__}")


def _floating(x: Tensor) -> Tensor:
    """Integer and bool inputs of a floating-only function become the default float dtype."""
    if x._data.dtype.kind == "f":
        return x
    return cast(x, _dtype.get_default_dtype())


# ---- casting -----------------------------------------------------------------------------

def cast(x: Tensor, dt: _dtype.dtype) -> Tensor:
    """``x`` as dtype ``dt`` (a copy); differentiable between floating dtypes."""
    try:
        out = x._data.astype(dt.np)
    except (MemoryError, ValueError) as e:  # an expanded tensor too large to materialise
        raise memory_error(e, x._data.shape, dt.itemsize) from None
    if x._requires_grad and _grad.enabled and dt.is_floating_point:
        return record(out, "ToCopyBackward0", _identity_vjp, (x,), NOSAVE)
    return _wrap(out)


def _identity_vjp(g, n):
    return (g,)


# ---- binary arithmetic -------------------------------------------------------------------

def _apply(ufunc, ad: np.ndarray, bd) -> np.ndarray:
    """``ufunc(ad, bd)`` with NumPy's floating-point warnings off (``inf * 0`` is nan, silently,
    as in PyTorch); a broadcast result too large to allocate raises PyTorch's RuntimeError
    (NOTE [ allocation failures ] in ``numtorch._size``)."""
    try:
        return quiet_call(ufunc, ad, bd)
    except (MemoryError, ValueError) as e:
        shape = broadcast_shape(np.shape(ad), np.shape(bd))
        raise memory_error(e, shape, np.result_type(ad, bd).itemsize) from None


def _float_pair(input, other):
    """Both operands in their promoted dtype, made floating (the default dtype) if it is not."""
    if isinstance(input, Tensor) and isinstance(other, Tensor) \
            and input._data.shape != other._data.shape:
        check_broadcast(input._data.shape, other._data.shape)  # PyTorch's error, not NumPy's
    dt = result_type(input, other)
    if not dt.is_floating_point:
        dt = _dtype.get_default_dtype()
    return to_tensor(input, dt), to_tensor(other, dt), dt


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcasting the two shapes; d/dinput = 1, d/dother = alpha.

    Example:
        >>> import numtorch as torch
        >>> torch.add(torch.tensor([1.0, 2.0]), torch.tensor([[10.0], [20.0]]), alpha=2)
        tensor([[21., 22.],
                [41., 42.]])
    """
    if alpha == 1:
        if isinstance(input, Tensor):
            if isinstance(other, Tensor):
                return _add_operator(input, other)  # NOTE [ the binary fast path ] in ``_core.py``
            tp = type(other)
            if tp is float or tp is int:  # NOTE [ the scalar fast path ] in ``_core.py``
                r = _add_scalar(input, other, False)
                if r is not None:
                    return r
        elif isinstance(other, Tensor):
            tp = type(input)
            if tp is float or tp is int:
                r = _add_scalar(other, input, True)
                if r is not None:
                    return r
    return _add(input, other, alpha)


def _add(input, other, alpha=1) -> Tensor:
    a, b, dt = promote(input, other)
    if alpha != 1:
        if dt is _dtype.bool or (dt._cat == 1 and not isinstance(alpha, (int, np.integer))):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                               "point number.")
        o = _apply(np.add, a._data, _apply(np.multiply, b._data, alpha).astype(dt.np, copy=False))
        return record(o, "AddBackward0", lambda g, n: (g, g * alpha if n[1] else None), (a, b),
                      NOSAVE)
    if dt is _dtype.bool:
        return _wrap(a._data | b._data)
    return record(_apply(np.add, a._data, b._data), "AddBackward0", _add_vjp, (a, b), NOSAVE)


def _is_bool(x) -> bool:
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x._data.dtype == np.bool_)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    if alpha == 1:
        if isinstance(input, Tensor):
            if isinstance(other, Tensor):
                return _sub_operator(input, other)
            tp = type(other)
            if tp is float or tp is int:
                r = _sub_scalar(input, other, False)
                if r is not None:
                    return r
        elif isinstance(other, Tensor):
            tp = type(input)
            if tp is float or tp is int:  # ``1 - x``: RsubBackward1
                r = _rsub_scalar(other, input, True)
                if r is not None:
                    return r
    return _sub(input, other, alpha)


def _sub(input, other, alpha=1) -> Tensor:
    a, b, dt = promote(input, other)
    if dt is _dtype.bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    name = "SubBackward0" if isinstance(input, Tensor) else "RsubBackward1"  # scalar - tensor
    if alpha != 1:
        o = _apply(np.subtract, a._data,
                   _apply(np.multiply, b._data, alpha).astype(dt.np, copy=False))
        return record(o, name, lambda g, n: (g, -g * alpha if n[1] else None), (a, b), NOSAVE)
    o = _apply(np.subtract, a._data, b._data)
    return record(o, name, _sub_vjp, (a, b), NOSAVE)


def rsub(input, other, *, alpha=1) -> Tensor:
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None) -> Tensor:
    """``input * other`` elementwise; d/dinput = other, d/dother = input (both saved for backward).

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return _mul_operator(input, other)
        tp = type(other)
        if tp is float or tp is int:
            r = _mul_scalar(input, other, False)
            if r is not None:
                return r
    elif isinstance(other, Tensor):
        tp = type(input)
        if tp is float or tp is int:  # ``0.5 * x``
            r = _mul_scalar(other, input, True)
            if r is not None:
                return r
    return _mul(input, other)


def _mul(input, other) -> Tensor:
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    if dt is _dtype.bool:
        return _wrap(ad & bd)
    return record(_apply(np.multiply, ad, bd), "MulBackward0", _mul_vjp(ad, bd), (a, b), (a, b))


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``input / other``: true division (integers give floats), or ``rounding_mode``
    "trunc"/"floor".

    Example:
        >>> import numtorch as torch
        >>> a = torch.tensor([7, -7])
        >>> torch.div(a, 2), torch.div(a, 2, rounding_mode="floor")
        (tensor([ 3.5000, -3.5000]), tensor([ 3, -4]))
    """
    if rounding_mode is None and isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return _div_operator(input, other)
        tp = type(other)
        if tp is float or tp is int:  # ``x.div(255)``
            r = _div_scalar(input, other, False)
            if r is not None:
                return r
    return _div(input, other, rounding_mode)


def _div(input, other, rounding_mode=None) -> Tensor:
    if rounding_mode is None:
        a, b, dt = _float_pair(input, other)
        ad, bd = a._data, b._data
        o = _apply(np.true_divide, ad, bd)
        return record(o, "DivBackward0", _div_vjp(ad, bd), (a, b), (a, b))
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           "found "
                           f"'{rounding_mode}'")
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    if dt is _dtype.bool:
        raise NotImplementedError(f'"div_{rounding_mode}_cpu" not implemented for \'Bool\'')
    if dt._cat < 2:
        if np.any(bd == 0):
            raise RuntimeError("ZeroDivisionError")
        o = np.floor_divide(ad, bd) if rounding_mode == "floor" else _trunc_div_int(ad, bd)
        return _wrap(np.asarray(o, dtype=dt.np))
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.floor(ad / bd) if rounding_mode == "floor" else np.trunc(ad / bd)
    return record(o.astype(dt.np, copy=False), "DivBackward2",
                  lambda g, n: (np.zeros_like(g), np.zeros_like(g)), (a, b), NOSAVE)


def _add_vjp(g, n):
    return g, g


def _sub_vjp(g, n):
    return g, -g if n[1] else None


def _mul_vjp(ad, bd):
    return lambda g, n: (g * bd if n[0] else None, g * ad if n[1] else None)


def _div_vjp(ad, bd):
    def vjp(g, n):
        return g / bd if n[0] else None, -g * ad / (bd * bd) if n[1] else None
    return vjp


# ``a + b`` and the rest: Tensor's operators (``registry.OPERATORS``), and what ``add(a, b)``...
# call with two tensors (NOTE [ the binary fast path ] in ``_core.py``)
# A Python float or int with a float tensor: NOTE [ the scalar fast path ] in ``_core.py``
_add_scalar = scalar_op(np.add, "AddBackward0", vjp=_add_vjp)
_sub_scalar = scalar_op(np.subtract, "SubBackward0", vjp=_sub_vjp)
_rsub_scalar = scalar_op(np.subtract, "RsubBackward1", vjp=_sub_vjp)
_mul_scalar = scalar_op(np.multiply, "MulBackward0", make_vjp=_mul_vjp)
_div_scalar = scalar_op(np.true_divide, "DivBackward0", make_vjp=_div_vjp)
_add_operator = binary_op(np.add, "AddBackward0", _add, vjp=_add_vjp, scalar=_add_scalar)
_sub_operator = binary_op(np.subtract, "SubBackward0", _sub, vjp=_sub_vjp, scalar=_sub_scalar)
_mul_operator = binary_op(np.multiply, "MulBackward0", _mul, make_vjp=_mul_vjp,
                          scalar=_mul_scalar)
_div_operator = binary_op(np.true_divide, "DivBackward0", _div, make_vjp=_div_vjp,
                          scalar=_div_scalar)
OPERATORS = {"add": _add_operator, "sub": _sub_operator, "mul": _mul_operator,
             "truediv": _div_operator}
for _k, _f in OPERATORS.items():
    _f.__name__ = _f.__qualname__ = f"__{_k}__"


def _trunc_div_int(a, b):
    q = np.floor_divide(a, b)
    fix = (q < 0) & (q * b != a)
    return q + fix


def _no_derivative(op: str):
    def vjp(g, n):
        raise RuntimeError(f"derivative for aten::{op} is not implemented")
    return vjp


def floor_divide(input, other, *, out=None) -> Tensor:
    r = div(input, other, rounding_mode="floor")
    if r.grad_fn is not None:  # PyTorch records floor_divide but has no derivative for it
        r.grad_fn.vjp = _no_derivative("floor_divide")
        r.grad_fn.saved = None
    return rename(r, "NotImplemented")


def remainder(input, other, *, out=None) -> Tensor:
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    if dt is _dtype.bool:
        raise NotImplementedError('"remainder_cpu" not implemented for \'Bool\'')
    if dt._cat < 2:
        if np.any(bd == 0):
            raise RuntimeError("ZeroDivisionError")
        return _wrap(np.remainder(ad, bd).astype(dt.np, copy=False))
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.remainder(ad, bd)
    if not isinstance(input, Tensor):  # remainder(Scalar, Tensor) has no derivative in PyTorch
        return record(o, "NotImplemented", _no_derivative("remainder"), (a, b), None)
    return record(o, "RemainderBackward1" if isinstance(other, Tensor) else "RemainderBackward0",
                  lambda g, n: (g, -g * np.floor(ad / bd) if n[1] else None), (a, b), (a, b))


def fmod(input, other, *, out=None) -> Tensor:
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.fmod(ad, bd)
    if dt._cat < 2:
        return _wrap(o.astype(dt.np, copy=False))
    return record(o, "FmodBackward1" if isinstance(other, Tensor) else "FmodBackward0",
                  lambda g, n: (g, -g * np.trunc(ad / bd) if n[1] else None), (a, b), (a, b))


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """``input ** exponent`` (tensor or scalar on either side); d/dx x**e = e * x**(e - 1).

    Example:
        >>> import numtorch as torch
        >>> torch.pow(torch.tensor([1.0, 2.0, 3.0]), 2)
        tensor([1., 4., 9.])
    """
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        dt = result_type(input, exponent)
        b = to_tensor(exponent, dt)
        base = float(input) if dt.is_floating_point else input
        bd = b._data
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            o = np.power(np.asarray(base, dt.np), bd)

        def vjp_base(g, n):
            if base > 0:
                return (g * o * math.log(base),)
            return (g * o * np.log(np.asarray(base, dt.np)),)
        return record(o, "PowBackward2", vjp_base, (b,), (b,))
    if not isinstance(exponent, Tensor):
        x = _t(input)
        dt = result_type(x, exponent)
        x = to_tensor(x, dt)
        xd = x._data
        if dt._cat < 2 and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if exponent == 2:
            o = xd * xd
        elif exponent == 1:
            o = xd.copy()
        elif exponent == 0.5:
            o = np.sqrt(xd)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                o = np.power(xd, np.asarray(exponent, dtype=dt.np) if dt._cat == 2 else exponent)
        if dt._cat < 2:
            return _wrap(np.asarray(o, dt.np))
        if exponent == 0:
            return record(o, "PowBackward0", lambda g, n: (np.zeros_like(g),), (x,), NOSAVE)

        def vjp(g, n, e=exponent):
            return (g * (e * np.power(xd, np.asarray(e - 1, dtype=xd.dtype))),)
        return record(o, "PowBackward0", vjp, (x,), (x,))
    a, b, dt = promote(input, exponent)
    ad, bd = a._data, b._data
    if dt._cat < 2:
        if np.any(bd < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _wrap(_apply(np.power, ad, bd).astype(dt.np, copy=False))
    o = _apply(np.power, ad, bd)

    def vjp2(g, n):
        ga = g * bd * np.power(ad, bd - 1) if n[0] else None
        gb = None
        if n[1]:
            gb = g * o * np.log(ad)
            gb = np.where((ad == 0) & (bd >= 0), 0, gb)
        return ga, gb
    return record(o, "PowBackward1", vjp2, (a, b), (a, b), save_out=True)


def rpow(input, other) -> Tensor:
    return pow(other, input)


def xlogy(input, other, *, out=None) -> Tensor:
    """``input * log(other)``, taken as 0 where ``input`` is 0 (even where ``other`` is 0 or
    inf)."""
    a, b, dt = _float_pair(input, other)
    ad, bd = a._data, b._data
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.where(ad == 0, np.where(np.isnan(bd), np.nan, 0),
                     ad * np.log(bd)).astype(dt.np, copy=False)

    def vjp(g, n):
        ga = g * np.where(ad == 0, 0, np.log(bd)) if n[0] else None
        gb = g * ad / bd if n[1] else None
        return ga, gb
    return record(o, "XlogyBackward0", vjp, (a, b), (a, b))


def maximum(input, other, *, out=None) -> Tensor:
    return _minmax(input, other, np.maximum, "MaximumBackward0", np.greater)


def minimum(input, other, *, out=None) -> Tensor:
    return _minmax(input, other, np.minimum, "MinimumBackward0", np.less)


def _minmax(input, other, fn, name, better):
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"{name[:7].lower()}(): argument 'other' (position 2) must be Tensor, "
                        f"not {type(other).__name__}")
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    o = _apply(fn, ad, bd)

    def vjp(g, n):
        eq = ad == bd
        half = g * 0.5
        ga = np.where(eq, half, np.where(better(ad, bd), g, 0)) if n[0] else None
        gb = np.where(eq, half, np.where(better(bd, ad), g, 0)) if n[1] else None
        return ga, gb
    return record(o, name, vjp, (a, b), (a, b))


def fmax(input, other, *, out=None) -> Tensor:
    """Elementwise maximum that ignores NaN: the other operand where one is NaN, NaN if both are.

    The gradient goes to ``input`` where ``input >= other`` (ties included) or ``other`` is NaN,
    and to ``other`` everywhere else.

    Example:
        >>> import numtorch as torch
        >>> nan = float("nan")
        >>> torch.fmax(torch.tensor([1.0, nan, 3.0]), torch.tensor([2.0, 0.5, nan]))
        tensor([2.0000, 0.5000, 3.0000])
    """
    return _fminmax(input, other, np.fmax, np.greater_equal, "fmax", "FmaxBackward0")


def fmin(input, other, *, out=None) -> Tensor:
    """Elementwise minimum that ignores NaN (``fmax`` with ``<=``); ties send the gradient to
    ``input``."""
    return _fminmax(input, other, np.fmin, np.less_equal, "fmin", "FminBackward0")


def _fminmax(input, other, fn, keeps, op, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    o = _apply(fn, ad, bd)
    if dt._cat < 2:
        return _wrap(o)

    def vjp(g, n):
        first = keeps(ad, bd) | np.isnan(bd)
        return (np.where(first, g, 0) if n[0] else None), (np.where(first, 0, g) if n[1] else None)
    return record(o, name, vjp, (a, b), (a, b))


# ---- unary math --------------------------------------------------------------------------
# name: (forward, vjp(g, x, out), what the vjp reads: "x", "out" or None, node name)

# NOTE [ float32 transcendentals ]
# A float32 (or float16) input is evaluated in float64 and rounded once, so the result is the
# correctly rounded value except in rare double-rounding cases: within 1 ulp of any float32
# library that is itself within 1 ulp (PyTorch's CPU kernels are).  Where PyTorch's float32
# kernel is a formula whose intermediate steps round or overflow in float32 (``sigmoid``:
# ``1 / (1 + exp(-x))`` gives 0 once ``exp(-x)`` overflows; ``sinh``/``cosh`` give inf once
# ``exp(|x|)`` does), the same happens here, so the tails agree with PyTorch rather than with
# the true value.  ``tanh`` stays in float32 (NumPy's float32 kernel is within 1 ulp, and
# ``tanh`` sits on the training hot path).

_F32_EXP_MAX = 88.72283935546875  # the largest float32 x whose exp(x) is finite


def _any_ndim(fn):
    """A kernel that assigns through masks, made to accept 0-d arrays (NumPy makes 0-d results
    scalars, which cannot be assigned into)."""
    def f(x):
        if x.ndim == 0:
            return np.asarray(fn(x.reshape(1))).reshape(())
        return fn(x)
    f.__name__, f.__doc__ = fn.__name__, fn.__doc__
    return f


def _via64(fn):
    """``fn`` evaluated in float64 for float32/float16 arrays, rounded once to the input dtype."""
    def f(x):
        dt = x.dtype
        if dt is _DT64 or (dt is not _DT32 and dt == np.float64):  # identity first: hot path
            return fn(x)
        return fn(x, dtype=np.float64).astype(dt)  # the ufunc widens as it reads
    return f


@_any_ndim
def _sigmoid(x):
    """``1 / (1 + exp(-x))``, with PyTorch's float32 tail: 0 where ``exp(-x)`` overflows float32."""
    e = np.negative(x, dtype=np.float64)  # in place from here: this is on the hot path
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1.0
    np.divide(1.0, e, out=e)
    if x.dtype == np.float64:
        return e
    o = e.astype(x.dtype)
    o[x < -_F32_EXP_MAX] = 0
    return o


def _hyperbolic(fn):
    """``sinh``/``cosh`` in float64, inf where float32's ``exp(|x|)`` would overflow (as
    PyTorch)."""
    def f(x):
        if x.dtype == np.float64:
            return fn(x)
        o = np.asarray(fn(x, dtype=np.float64).astype(x.dtype))
        big = np.abs(x) > _F32_EXP_MAX
        if big.any():
            o[big] = np.copysign(np.inf, o[big])
        return o
    return f


# NOTE [ erf ]
# One kernel for erf and erfc, all floating dtypes: the classic rational approximations of
# Sun's fdlibm, evaluated on whole arrays in float64 (error below 1 ulp of float64):
#   |x| < 0.84375:         erf = x + x R(x^2)                 (R a rational function)
#   0.84375 <= |x| < 1.25: erf = erx + P(|x| - 1) / Q(|x| - 1)  (erx = erf(1) in 31 bits)
#   1.25 <= |x| < 28:      erfc = exp(-z^2 - 0.5625) exp((z - |x|)(z + |x|) + R(1/x^2)) / |x|,
#                          z = |x| with its low 32 bits cleared, so that z^2 is exact;
#                          two rational fits, split at |x| = 1/0.35
#   |x| >= 28:             erfc underflows to 0, erf = +-1.
# ``erfc`` is never ``1 - erf`` past 0.84375: its tail keeps full relative accuracy down to
# the smallest subnormal.  float32/float16 inputs are evaluated in float64 and rounded once.
_ERX = 8.45062911510467529297e-01
_EFX8 = 1.02703333676410069053e+00
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _horner(z, coeffs):
    r = np.full_like(z, coeffs[-1])
    for c in coeffs[-2::-1]:
        r *= z
        r += c
    return r


def _erf_core(x: np.ndarray, complement: bool) -> np.ndarray:
    """erf(x) (or erfc(x) if ``complement``) of a float64 array; see NOTE [ erf ]."""
    a = np.abs(x)
    neg = np.signbit(x)
    out = np.empty_like(a)
    with np.errstate(all="ignore"):
        small = a < 0.84375
        if small.any():
            v = x[small]
            z = v * v
            y = _horner(z, _PP) / _horner(z, _QQ)
            if complement:
                lo = v < 0.25
                out[small] = np.where(lo, 1.0 - (v + v * y), 0.5 - (v - 0.5 + v * y))
            else:
                tiny = np.abs(v) < 2.0 ** -28
                out[small] = np.where(tiny, (8.0 * v + _EFX8 * v) * 0.125, v + v * y)
        mid = (a >= 0.84375) & (a < 1.25)
        if mid.any():
            s = a[mid] - 1.0
            pq = _horner(s, _PA) / _horner(s, _QA)
            if complement:
                out[mid] = np.where(neg[mid], 1.0 + (_ERX + pq), (1.0 - _ERX) - pq)
            else:
                out[mid] = np.where(neg[mid], -(_ERX + pq), _ERX + pq)
        big = ~(small | mid)  # includes inf and nan
        if big.any():
            v = a[big]
            w = np.minimum(v, 28.0)
            s = 1.0 / (w * w)
            near = w < 1 / 0.35
            rs = np.where(near, _horner(s, _RA) / _horner(s, _SA),
                          _horner(s, _RB) / _horner(s, _SB))
            z = (w.view(np.int64) & ~np.int64(0xFFFFFFFF)).view(np.float64)
            r = np.exp(-z * z - 0.5625) * np.exp((z - w) * (z + w) + rs) / w
            r[v >= 28.0] = 0.0
            r[np.isnan(v)] = np.nan
            nb = neg[big]
            if complement:
                out[big] = np.where(nb, 2.0 - r, r)
            else:
                out[big] = np.where(nb, r - 1.0, 1.0 - r)
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function of a floating array, in its dtype; see NOTE [ erf ]."""
    z = np.asarray(x, np.float64)
    return _erf_core(z.reshape(-1), False).reshape(z.shape).astype(x.dtype, copy=False)


def _erfc(x: np.ndarray) -> np.ndarray:
    """``1 - erf(x)`` without cancellation: full relative accuracy in the right tail."""
    z = np.asarray(x, np.float64)
    return _erf_core(z.reshape(-1), True).reshape(z.shape).astype(x.dtype, copy=False)


# NOTE [ gelu's float32 erf ]
# PyTorch's float32 GELU (a contiguous tensor of more than one element, on a CPU with AVX-512)
# does not call its accurate ``erf``: oneDNN evaluates erf(x / sqrt 2) as a piecewise
# polynomial in |x|, one degree-5 minimax fit per binade quarter: the interval's index is taken
# from the float's bits (exponent and the first 2 bits of the mantissa), the polynomial is
# evaluated with fused multiply-adds in float32, and past |x| = 5.54 the result is 1, so
#   gelu(x) = (x (1 + sign(x) P_i(|x|))) / 2.
# ``_erf_gelu32`` repeats those steps (each fused step in float64, where the product of two
# float32 values is exact, then rounded to float32), so numtorch's float32 ``gelu`` equals
# PyTorch's bit for bit, the negative tail included, where ``1 + erf`` cancels and the true
# value differs from PyTorch's by orders of magnitude.  float64 uses the accurate ``_erf``.
# Rounding the float64 sum to float32 is a second rounding, which differs from the fused
# step's single one only when the float64 sum lands exactly on a float32 midpoint.
# benchmarks/gelu_exhaustive.py compares, for every non-negative float32 input, this
# evaluation with one through the exact float32 fused multiply-add
# ``numtorch.random.numerics.fma32``: erf differs at one input, |x| = 3.3395024e-15, by one
# ulp of erf = 1.5e-8, which ``1 + erf`` (all that gelu and its gradient read) absorbs; and on
# an AVX-512 CPU it finds the forward equal to PyTorch's for all 2^32 inputs
# (tests/ops/test_gelu_exact.py repeats both on a sample).
# Only correctly rounded operations are used (+, *, conversions, integer ops, table lookups),
# so the result does not depend on the CPU NumPy runs on.
# (PyTorch's result is not one function on every CPU: without AVX-512, oneDNN uses the
# Abramowitz-Stegun formula 7.1.26 with its own float32 exp, and PyTorch's own kernel, taken
# for non-contiguous inputs, the same formula with another exp; the three agree to a few ulp
# above x = -2.5 and differ in the cancelling tail.)

_F32 = np.float32


def _f32_table(words: str) -> np.ndarray:
    bits = np.array([int(w, 16) for w in words.split()], np.uint32)
    return bits.view(np.float32).astype(np.float64)


# coefficient of degree d of interval i: _GELU_POLY[d][i]; interval 23 is the constant 1
_GELU_POLY = tuple(_f32_table(w) for w in (
    "a6f2cb94 32827792 3381cc0c 34523d4a 351ac44d 35f36d88 36ee8229 37b8a3bb 3867a213 3940033b "
    "3a2a5a1d 3ae35863 3b7828f2 3c08b14b 3c515ed3 bb503236 bd8d8e5e be8abcd9 bf0c19a2 beccb328 "
    "3e176ced 3f470d99 3f7abb28 3f800000 00000000",
    "3f4c422a 3f4c421f 3f4c4207 3f4c41cb 3f4c413b 3f4c3fad 3f4c3a2f 3f4c2d40 3f4c146a 3f4bc341 "
    "3f4ad08c 3f48f8cf 3f45fac7 3f404e07 3f3b980f 3f48dff3 3f78b21b 3fbb0704 40019c32 3fe536d6 "
    "3f81331e 3e6c8684 3c98f936 00000000 3f800000",
    "b62173f4 3735e4cf 37f2ff89 388c23be 3917535c 39ab2ab0 3a60fadb 3af9b960 3b6e5491 3c0a4ec5 "
    "3ca5aa8c 3d2138d9 3d8737d4 3ddfb660 3e0f27ab 3d94004b be0efdeb bf1d96c3 bf89db58 bf6d9897 "
    "bef69fb8 bdc4f8a8 bbde6422 00000000 00000000",
    "be081a19 be084570 be08639b be089837 be08f409 be09ab95 be0b66d0 be0e400a be124df8 be1bde02 "
    "be2f19c9 be4931bf be685fbc be89c95f be96cbca be8044aa be0550f2 3dcfd6a1 3e94c826 3e79345f "
    "3decec91 3ca46568 3aa1e00a 00000000 00000000",
    "ba3d61db 39f097a3 3a5845dc 3ab1fa35 3b0cefb8 3b653ab6 3bcae527 3c221712 3c6c5840 3cc0a703 "
    "3d1dcc19 3d63656d 3d955907 3dbf9910 3dd53f69 3db7dcef 3d639ebe ba6ede48 bd22be69 bd041cf1 "
    "bc64f5ab bb097a32 b8ebf380 00000000 00000000",
    "3cb7d80c 3c9b6050 3c978d11 3c92e850 3c8d058b 3c848454 3c6cd623 3c4c824b 3c2a7935 3be0b390 "
    "3b0651ac bb232f53 bbd42fa0 bc2c5366 bc492c9e bc2a7aa6 bbd55d04 ba823a76 3b102aa8 3ae25a7e "
    "3a31f792 38b84375 3689bb5a 00000000 00000000"))
_GELU_IDX_BIAS = np.uint32(0xC21FFFFF).view(np.int32)  # added to the bits of |x|, then >> 21
_GELU_ERF_ONE = np.uint32(0x40B15CEE).view(np.float32)  # past this |x|, erf(x / sqrt 2) is 1
_EXPF_POLY = tuple(np.float64(_F32(c)) for c in (
    0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359,
    0.0416664853692054748535156, 0.166666671633720397949219, 0.5))


def _fma32(a, b, c):
    """``a * b + c`` rounded once to float32 (the product of two float32 values is exact)."""
    return (a * b + c).astype(_F32).astype(np.float64)


@_any_ndim
def _expf(d: np.ndarray) -> np.ndarray:
    """float32 ``exp`` of a float32 array, step by step as PyTorch's vectorised CPU kernel."""
    q = np.rint(d * _F32(1.442695040888963407359924681001892137426645954152985934135449406931))
    qd, dd = q.astype(np.float64), d.astype(np.float64)
    s = _fma32(qd, np.float64(_F32(-0.693145751953125)), dd)
    s = _fma32(qd, np.float64(_F32(-1.428606765330187045e-06)), s)
    u = np.full_like(s, _EXPF_POLY[0])
    for c in _EXPF_POLY[1:]:
        u = _fma32(u, s, c)
    u = _F32(1) + _fma32((s * s).astype(_F32).astype(np.float64), u, s).astype(_F32)
    qi = np.clip(q, -300, 300).astype(np.int32)
    half = qi >> 1
    with np.errstate(over="ignore", under="ignore"):
        u = np.ldexp(np.ldexp(u, half), qi - half)
    u[d < -104] = 0
    u[d > 100] = np.inf
    return u


_GELU_CHUNK = 32768  # elements per pass: the float64 scratch arrays stay in the L2 cache
# The interval index is (bits(|x|) + _GELU_IDX_BIAS) >> 21, clipped to [1, 24]; that is
# (bits(|x|) + 0x1FFFFF) >> 21 (from 0 to 1024, computed in int64) minus 496, so each degree's
# coefficients are laid out over those 1025 values, clipping included, and one ``np.take``
# gives an element's coefficient.  A comparison moves |x| > _GELU_ERF_ONE (inf too) to
# interval 23; nan keeps 24 (its polynomial is |x| itself).
_GELU_COEFF = tuple(np.ascontiguousarray(p[np.clip(np.arange(1025) - 496, 1, 24)])
                    for p in _GELU_POLY)
_GELU_ONE_AT = 496 + 23  # a position of interval 23 in _GELU_COEFF
_SIGN32 = np.int32(-0x80000000)


@_any_ndim
def _erf_gelu32(x: np.ndarray) -> np.ndarray:
    """erf(x / sqrt 2) of a float32 array, as PyTorch's float32 GELU evaluates it (NOTE above).

    The array is taken in chunks of ``_GELU_CHUNK`` elements through preallocated scratch
    arrays, each coefficient gathered with one ``np.take``, each fused step computed as
    ``fl32(fl64(p x + c))``: ``1 + erf`` equals that of the fused ``fl32(p x + c)`` for every
    float32 input (NOTE [ gelu's float32 erf ]).
    """
    flat = np.ascontiguousarray(x, _F32).reshape(-1)
    n = flat.size
    out = np.empty(n, _F32)
    if n == 0:
        return out.reshape(x.shape)
    m = min(n, _GELU_CHUNK)
    scratch = (np.empty(m, np.intp), np.empty(m, np.bool_), np.empty(m, np.int32),
               np.empty(m), np.empty(m), np.empty(m))
    for start in range(0, n, m):
        k = min(m, n - start)
        idx, big, sign, xd, pol, c = (v[:k] for v in scratch)
        xs = flat[start:start + k]
        a = np.abs(xs, out=out[start:start + k])  # |x|, then the result, in place
        bits = a.view(np.int32)
        np.add(bits, 0x1FFFFF, out=idx, dtype=np.int64)
        np.right_shift(idx, 21, out=idx)
        np.greater(a, _GELU_ERF_ONE, out=big)
        np.copyto(idx, _GELU_ONE_AT, where=big)
        np.copyto(xd, a)
        np.take(_GELU_COEFF[5], idx, out=pol, mode="clip")
        for d in range(4, -1, -1):
            np.multiply(pol, xd, out=pol)                  # exact: two float32 values
            np.take(_GELU_COEFF[d], idx, out=c, mode="clip")
            np.add(pol, c, out=pol)
            np.copyto(a, pol, casting="unsafe")            # the step's one float32 rounding
            if d:
                np.copyto(pol, a)
        np.bitwise_and(xs.view(np.int32), _SIGN32, out=sign)  # copysign(result, x)
        np.bitwise_and(bits, 0x7FFFFFFF, out=bits)
        np.bitwise_or(bits, sign, out=bits)
    return out.reshape(x.shape)


def _zero_grad(g, x, o):
    return np.zeros_like(g)


UNARY_FLOAT = {
    "exp": (_via64(np.exp), lambda g, x, o: g * o, "out", "ExpBackward0"),
    "log": (_via64(np.log), lambda g, x, o: g / x, "x", "LogBackward0"),
    "log1p": (_via64(np.log1p), lambda g, x, o: g / (x + 1), "x", "Log1PBackward0"),
    "log2": (_via64(np.log2), lambda g, x, o: g / (x * _LN2), "x", "Log2Backward0"),
    "log10": (_via64(np.log10), lambda g, x, o: g / (x * _LN10), "x", "Log10Backward0"),
    "expm1": (_via64(np.expm1), lambda g, x, o: g * (o + 1), "out", "Expm1Backward0"),
    "sqrt": (np.sqrt, lambda g, x, o: g / (2 * o), "out", "SqrtBackward0"),
    "rsqrt": (lambda x: 1 / np.sqrt(x), lambda g, x, o: -0.5 * g * o * o * o, "out",
              "RsqrtBackward0"),
    "sin": (_via64(np.sin), lambda g, x, o: g * np.cos(x), "x", "SinBackward0"),
    "cos": (_via64(np.cos), lambda g, x, o: -g * np.sin(x), "x", "CosBackward0"),
    "tan": (_via64(np.tan), lambda g, x, o: g * (1 + o * o), "out", "TanBackward0"),
    "tanh": (np.tanh, lambda g, x, o: g * (1 - o * o), "out", "TanhBackward0"),
    "sigmoid": (_sigmoid, lambda g, x, o: g * o * (1 - o), "out", "SigmoidBackward0"),
    "erf": (_erf, lambda g, x, o: g * (_2_SQRT_PI * np.exp(-x * x)), "x", "ErfBackward0"),
    "reciprocal": (lambda x: 1 / x, lambda g, x, o: -g * o * o, "out", "ReciprocalBackward0"),
    "asin": (_via64(np.arcsin), lambda g, x, o: g / np.sqrt(1 - x * x), "x", "AsinBackward0"),
    "acos": (_via64(np.arccos), lambda g, x, o: -g / np.sqrt(1 - x * x), "x", "AcosBackward0"),
    "atan": (_via64(np.arctan), lambda g, x, o: g / (1 + x * x), "x", "AtanBackward0"),
    "sinh": (_hyperbolic(np.sinh), lambda g, x, o: g * np.cosh(x), "x", "SinhBackward0"),
    "cosh": (_hyperbolic(np.cosh), lambda g, x, o: g * np.sinh(x), "x", "CoshBackward0"),
    "asinh": (_via64(np.arcsinh), lambda g, x, o: g / np.sqrt(x * x + 1), "x", "AsinhBackward0"),
    "acosh": (_via64(np.arccosh), lambda g, x, o: g / np.sqrt(x * x - 1), "x", "AcoshBackward0"),
    "atanh": (_via64(np.arctanh), lambda g, x, o: g / (1 - x * x), "x", "AtanhBackward0"),
    "erfc": (_erfc, lambda g, x, o: -g * (_2_SQRT_PI * np.exp(-x * x)), "x", "ErfcBackward0"),
}

# integer inputs keep their dtype; the gradient is zero (rounding) or elementwise
UNARY_KEEP = {
    "neg": (np.negative, lambda g, x, o: -g, None, "NegBackward0"),
    "abs": (np.abs, lambda g, x, o: g * np.sign(x), "x", "AbsBackward0"),
    "sign": (np.sign, _zero_grad, None, "SignBackward0"),
    "relu": (lambda x: np.maximum(x, 0), lambda g, x, o: g * (o > 0), "out", "ReluBackward0"),
    "floor": (np.floor, _zero_grad, None, "FloorBackward0"),
    "ceil": (np.ceil, _zero_grad, None, "CeilBackward0"),
    "trunc": (np.trunc, _zero_grad, None, "TruncBackward0"),
    "frac": (lambda x: x - np.trunc(x), lambda g, x, o: g, None, "FracBackward0"),
}


# functions that cannot warn (no overflow, no domain error) skip NumPy's errstate, which costs a
# microsecond
_QUIET = {"tanh", "sigmoid", "erf", "erfc", "atan", "neg", "abs", "sign", "relu", "floor", "ceil",
          "trunc", "frac"}


_BOOL_KERNELS = {"abs": "abs_cpu", "floor": "floor_vml_cpu", "ceil": "ceil_vml_cpu",
                 "trunc": "trunc_vml_cpu", "frac": "frac_cpu"}


def _bool_error(name: str) -> None:
    """PyTorch's refusal of a bool tensor for an integer-keeping elementwise op."""
    if name == "neg":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    if name == "relu":
        raise RuntimeError("Boolean inputs not supported for relu")
    if name in _BOOL_KERNELS:
        raise NotImplementedError(f'"{_BOOL_KERNELS[name]}" not implemented for \'Bool\'')


def _make_unary(name, spec, floating):
    fwd, vjp_fn, reads, node = spec
    quiet = name in _QUIET  # vjps need no suppression (NOTE [ a quiet backward pass ])
    cls = node_class(node)

    def const_vjp(g, n):
        return (vjp_fn(g, None, None),)
    fast = _qset is not None  # pragma: no branch - NumPy < 2 takes the general path

    def op(input, *, out=None) -> Tensor:
        if fast and isinstance(input, Tensor):
            # a floating tensor: the general path below, step for step, with its calls written
            # out (NOTE [ the binary fast path ] in ``_core.py``)
            xd = input._data
            dt = xd.dtype
            if dt is _DT32 or dt is _DT64 or dt is _DT16:
                if quiet:
                    o = fwd(xd)
                else:
                    try:
                        o = _quiet.run(fwd, xd)
                    except RuntimeError:  # a nested entry (see ``_QuietContext``)
                        o = quiet_call(fwd, xd)
                if type(o) is not np.ndarray:
                    o = np.asarray(o)
                if o.dtype is not dt and o.dtype != dt:
                    o = o.astype(dt)
                t = _new(Tensor)  # ``_wrap(o)``, written out
                t._data = o
                t._requires_grad = False
                t._grad = None
                t.grad_fn = None
                t._vc = vc = [0]
                t._hooks = None
                t._retains_grad = False
                t._post_acc_hooks = None
                t._base = None
                rg = input._requires_grad
                if rg and _grad.enabled:
                    t._requires_grad = True
                    if reads == "out":
                        n_ = t.grad_fn = new_node(cls, lambda g, n: (vjp_fn(g, None, o),),
                                                  (input,), (input.grad_fn,), (rg,),
                                                  ((vc, 0, t),), False)
                        n_._out_op = node  # NOTE [ saved tensors and the version counter ]
                    elif reads == "x":
                        ivc = input._vc
                        t.grad_fn = new_node(cls, lambda g, n: (vjp_fn(g, xd, None),),
                                             (input,), (input.grad_fn,), (rg,),
                                             ((ivc, ivc[0], input),), False)
                    else:
                        t.grad_fn = new_node(cls, const_vjp, (input,), (input.grad_fn,), (rg,),
                                             (), True)
                return t
        x = _t(input)
        if floating:
            x = _floating(x)
        elif x._data.dtype == np.bool_:
            if name == "sign":
                return _wrap(x._data.copy())
            _bool_error(name)
        xd = x._data
        if quiet:
            o = np.asarray(fwd(xd))
        else:
            o = np.asarray(quiet_call(fwd, xd))
        if o.dtype != xd.dtype:
            o = o.astype(xd.dtype)
        if xd.dtype.kind != "f":
            return _wrap(o)
        if reads == "out":
            return record(o, node, lambda g, n: (vjp_fn(g, None, o),), (x,), (), save_out=True)
        if reads == "x":
            return record(o, node, lambda g, n: (vjp_fn(g, xd, None),), (x,), (x,))
        return record(o, node, const_vjp, (x,), NOSAVE)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` (with gradient)."
    return op


_MADE = {n: _make_unary(n, spec, True) for n, spec in UNARY_FLOAT.items()}
_MADE.update({n: _make_unary(n, spec, False) for n, spec in UNARY_KEEP.items()})
(exp, log, log1p, log2, log10, expm1, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, erf, reciprocal,
 asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erfc, neg, abs, sign, relu, floor, ceil, trunc,
 frac) = (
    _MADE[n] for n in ("exp", "log", "log1p", "log2", "log10", "expm1", "sqrt", "rsqrt", "sin",
                       "cos", "tan", "tanh", "sigmoid", "erf", "reciprocal", "asin", "acos", "atan",
                       "sinh", "cosh", "asinh", "acosh", "atanh", "erfc", "neg", "abs", "sign",
                       "relu", "floor", "ceil", "trunc", "frac"))
assert len(_MADE) == 32, "every table entry is bound to its name above"


def round(input, *, decimals: int = 0, out=None) -> Tensor:  # noqa: A001
    x = _t(input)
    if x._data.dtype == np.bool_:
        raise NotImplementedError('"round_vml_cpu" not implemented for \'Bool\'')
    o = np.round(x._data, decimals)
    if x._data.dtype.kind != "f":
        return _wrap(o)
    return record(o, "RoundBackward0" if decimals == 0 else "RoundBackward1",
                  lambda g, n: (np.zeros_like(g),), (x,), NOSAVE)


def square(input, *, out=None) -> Tensor:
    return pow(input, 2)


def clamp(input, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    x = _t(input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(x, min, max)
    dt = result_type(x, *(v for v in (min, max) if v is not None))
    x = to_tensor(x, dt)
    xd = x._data
    lo = None if min is None else np.asarray(min, dt.np)
    hi = None if max is None else np.asarray(max, dt.np)
    if lo is not None and hi is not None:
        o = np.minimum(np.maximum(xd, lo), hi)
        mask = lambda: (xd >= lo) & (xd <= hi)
    elif lo is not None:
        o = np.maximum(xd, lo)
        mask = lambda: xd >= lo
    else:
        o = np.minimum(xd, hi)
        mask = lambda: xd <= hi
    if dt._cat < 2:
        return _wrap(o)
    name = "ClampBackward1"
    return record(o, name, lambda g, n: (g * mask(),), (x,), (x,))


def _clamp_tensor(x, min, max):  # noqa: A002
    if min is not None:
        x = maximum(x, min if isinstance(min, Tensor) else to_tensor(min, x.dtype))
    if max is not None:
        x = minimum(x, max if isinstance(max, Tensor) else to_tensor(max, x.dtype))
    return rename(x, "ClampBackward0")


def clamp_min(input, min) -> Tensor:  # noqa: A002
    return rename(clamp(input, min=min), "ClampMinBackward0")


def clamp_max(input, max) -> Tensor:  # noqa: A002
    return rename(clamp(input, max=max), "ClampMaxBackward0")




# ---- composed (no gradient code of their own) ---------------------------------------------

def lerp(input, end, weight, *, out=None) -> Tensor:
    """``input + weight * (end - input)``."""
    return rename(add(input, mul(weight, sub(end, input))),
                  "LerpBackward1" if isinstance(weight, Tensor) else "LerpBackward0")


def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    p = mul(tensor1, tensor2)
    return rename(add(input, p if value == 1 else mul(p, value)), "AddcmulBackward0")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    if not (_t(tensor1)._data.dtype.kind == "f" or _t(tensor2)._data.dtype.kind == "f"):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                           "release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The "
                           "historic "
                           "addcdiv behavior can be implemented as (input + value * "
                           "torch.trunc(tensor1 / "
                           "tensor2)).to(input.dtype) for integer inputs and as (input + value * "
                           "tensor1 / "
                           "tensor2) for float inputs. The future addcdiv behavior is just the "
                           "latter "
                           "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    q = div(tensor1, tensor2)
    return rename(add(input, q if value == 1 else mul(q, value)), "AddcdivBackward0")


def positive(input) -> Tensor:
    return _t(input)


def atan2(input, other, *, out=None) -> Tensor:
    """The angle of the point (other, input), in (-pi, pi]."""
    a, b, _ = _float_pair(input, other)
    ad, bd = a._data, b._data
    o = np.arctan2(ad, bd)

    def vjp(g, n):
        d = ad * ad + bd * bd
        recip = np.where(d == 0, 0, 1 / d)  # (0, 0) has gradient 0, as in PyTorch
        return (g * bd * recip if n[0] else None), (g * -ad * recip if n[1] else None)
    return record(o, "Atan2Backward0", vjp, (a, b), (a, b))


arctan2 = atan2


def hypot(input, other, *, out=None) -> Tensor:
    """``sqrt(input**2 + other**2)``."""
    return rename(sqrt(add(mul(input, input), mul(other, other))), "HypotBackward0")


def logaddexp(input, other, *, out=None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow: ``max + log1p(exp(-|input - other|))``."""
    return rename(add(maximum(input, other), log1p(exp(neg(abs(sub(input, other)))))),
                  "LogaddexpBackward0")


def exp2(input, *, out=None) -> Tensor:
    """``2 ** input``."""
    return rename(pow(2.0, _floating(_t(input))), "Exp2Backward0")


def logit(input, eps=None, *, out=None) -> Tensor:
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given.

    The quotient is rounded in the input's dtype, then its log is taken (in float64 for
    float32, rounded once), as PyTorch evaluates it.  Gradient ``1 / (p (1 - p))``: NaN outside
    [0, 1] without ``eps``, 0 outside ``[eps, 1 - eps]`` with it.

    Example:
        >>> import numtorch as torch
        >>> torch.logit(torch.tensor([0.25, 0.5]))
        tensor([-1.0986,  0.0000])
    """
    x = _floating(_t(input))
    xd = x._data
    p = xd if eps is None else np.clip(xd, eps, 1 - eps).astype(xd.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.asarray(_via64(np.log)(np.asarray(p / (1 - p))))

    def vjp(g, n):
        d = g / (xd * (1 - xd))
        if eps is None:
            return (np.where((xd < 0) | (xd > 1), np.nan, d).astype(d.dtype, copy=False),)
        return (np.where((xd < eps) | (xd > 1 - eps), 0, d).astype(d.dtype, copy=False),)
    return record(o, "LogitBackward0", vjp, (x,), (x,))


def deg2rad(input, *, out=None) -> Tensor:
    return rename(mul(_floating(_t(input)), math.pi / 180), "Deg2RadBackward0")


def rad2deg(input, *, out=None) -> Tensor:
    return rename(mul(_floating(_t(input)), 180 / math.pi), "Rad2DegBackward0")


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None, *, out=None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's extremes by
    default)."""
    x = _t(input)
    if x._data.dtype.kind != "f":
        return x.clone()
    info = np.finfo(x._data.dtype)
    r = where(isnan(x), nan, x)
    r = where(isposinf(x), info.max if posinf is None else posinf, r)
    return rename(where(isneginf(x), info.min if neginf is None else neginf, r),
                  "NanToNumBackward0")


