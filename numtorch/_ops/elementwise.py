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
from .._tensor import Tensor, _wrap
from ._core import NOSAVE, promote, record, rename, result_type, to_tensor

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
    out = x._data.astype(dt.np)
    if dt.is_floating_point:
        return record(out, "ToCopyBackward0", lambda g, n: (g,), (x,), NOSAVE)
    return _wrap(out)


# ---- binary arithmetic -------------------------------------------------------------------

def _float_pair(input, other):
    """Both operands in their promoted dtype, made floating (the default dtype) if it is not."""
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
    a, b, dt = promote(input, other)
    if alpha != 1:
        if dt is _dtype.bool or (dt._cat == 1 and not isinstance(alpha, (int, np.integer))):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        bd = b._data * alpha
        o = a._data + bd.astype(dt.np, copy=False)
        return record(o, "AddBackward0", lambda g, n: (g, g * alpha if n[1] else None), (a, b), NOSAVE)
    if dt is _dtype.bool:
        return _wrap(a._data | b._data)
    return record(a._data + b._data, "AddBackward0", lambda g, n: (g, g), (a, b), NOSAVE)


def _is_bool(x) -> bool:
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x._data.dtype == np.bool_)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    a, b, dt = promote(input, other)
    if dt is _dtype.bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    name = "SubBackward0" if isinstance(input, Tensor) else "RsubBackward1"  # scalar - tensor
    if alpha != 1:
        o = a._data - (b._data * alpha).astype(dt.np, copy=False)
        return record(o, name, lambda g, n: (g, -g * alpha if n[1] else None), (a, b), NOSAVE)
    return record(a._data - b._data, name, lambda g, n: (g, -g if n[1] else None), (a, b), NOSAVE)


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
    a, b, dt = promote(input, other)
    ad, bd = a._data, b._data
    if dt is _dtype.bool:
        return _wrap(ad & bd)
    return record(ad * bd, "MulBackward0",
                  lambda g, n: (g * bd if n[0] else None, g * ad if n[1] else None), (a, b), (a, b))


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``input / other``: true division (integers give floats), or ``rounding_mode`` "trunc"/"floor".

    Example:
        >>> import numtorch as torch
        >>> torch.div(torch.tensor([7, -7]), 2), torch.div(torch.tensor([7, -7]), 2, rounding_mode="floor")
        (tensor([ 3.5000, -3.5000]), tensor([ 3, -4]))
    """
    if rounding_mode is None:
        a, b, dt = _float_pair(input, other)
        ad, bd = a._data, b._data
        with np.errstate(divide="ignore", invalid="ignore"):
            o = ad / bd
        return record(o, "DivBackward0",
                      lambda g, n: (g / bd if n[0] else None, -g * ad / (bd * bd) if n[1] else None),
                      (a, b), (a, b))
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
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
        o = np.power(np.asarray(base, dt.np), bd)
        return record(o, "PowBackward2",
                      lambda g, n: (g * o * math.log(base) if base > 0 else g * o * np.log(np.asarray(base, dt.np)),),
                      (b,), (b,))
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
            with np.errstate(divide="ignore", invalid="ignore"):
                return (g * (e * np.power(xd, np.asarray(e - 1, dtype=xd.dtype))),)
        return record(o, "PowBackward0", vjp, (x,), (x,))
    a, b, dt = promote(input, exponent)
    ad, bd = a._data, b._data
    if dt._cat < 2:
        if np.any(bd < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _wrap(np.power(ad, bd).astype(dt.np, copy=False))
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.power(ad, bd)

    def vjp2(g, n):
        with np.errstate(divide="ignore", invalid="ignore"):
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
    """``input * log(other)``, taken as 0 where ``input`` is 0 (even where ``other`` is 0 or inf)."""
    a, b, dt = _float_pair(input, other)
    ad, bd = a._data, b._data
    with np.errstate(divide="ignore", invalid="ignore"):
        o = np.where(ad == 0, np.where(np.isnan(bd), np.nan, 0), ad * np.log(bd)).astype(dt.np, copy=False)

    def vjp(g, n):
        with np.errstate(divide="ignore", invalid="ignore"):
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
    o = fn(ad, bd)

    def vjp(g, n):
        eq = ad == bd
        half = g * 0.5
        ga = np.where(eq, half, np.where(better(ad, bd), g, 0)) if n[0] else None
        gb = np.where(eq, half, np.where(better(bd, ad), g, 0)) if n[1] else None
        return ga, gb
    return record(o, name, vjp, (a, b), (a, b))


def fmax(input, other, *, out=None) -> Tensor:
    return maximum(input, other)


def fmin(input, other, *, out=None) -> Tensor:
    return minimum(input, other)


# ---- unary math --------------------------------------------------------------------------
# name: (forward, vjp(g, x, out), what the vjp reads: "x", "out" or None, node name)

def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _erf(x):
    """erf: exact (``math.erf``) for float64; for float32/16 a vectorised float64 evaluation.

    NOTE [ float32 erf ]: below |x| = 0.5 the Taylor series (error < 1e-9 relative), above it
    ``1 - erfc`` with the Chebyshev fit of Numerical Recipes' ``erfcc`` (error < 1.2e-7 of erfc,
    so < 1e-7 of erf there): both well inside a float32 ulp of erf after the final rounding.
    """
    if x.dtype == np.float64 or not x.size:
        from math import erf
        return np.vectorize(erf, otypes=[x.dtype])(x) if x.size else x.copy()
    z = x.astype(np.float64)
    a = np.abs(z)
    z2 = z * z
    small = z * (1 + z2 * (-1 / 3 + z2 * (1 / 10 + z2 * (-1 / 42 + z2 * (1 / 216 + z2 * (
        -1 / 1320 + z2 * (1 / 9360 + z2 * (-1 / 75600)))))))) * _2_SQRT_PI
    t = 1 / (1 + 0.5 * a)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    big = np.sign(z) * (1 - t * np.exp(-z2 + poly))
    return np.where(a < 0.5, small, big).astype(x.dtype)


def _erfc(x):
    """erfc: exact for float64; ``1 - erf`` in float64 before rounding otherwise."""
    if x.dtype == np.float64 or not x.size:
        from math import erfc
        return np.vectorize(erfc, otypes=[x.dtype])(x) if x.size else x.copy()
    return (1 - _erf(x.astype(np.float64))).astype(x.dtype)


def _zero_grad(g, x, o):
    return np.zeros_like(g)


UNARY_FLOAT = {
    "exp": (np.exp, lambda g, x, o: g * o, "out", "ExpBackward0"),
    "log": (np.log, lambda g, x, o: g / x, "x", "LogBackward0"),
    "log1p": (np.log1p, lambda g, x, o: g / (x + 1), "x", "Log1PBackward0"),
    "log2": (np.log2, lambda g, x, o: g / (x * _LN2), "x", "Log2Backward0"),
    "log10": (np.log10, lambda g, x, o: g / (x * _LN10), "x", "Log10Backward0"),
    "expm1": (np.expm1, lambda g, x, o: g * (o + 1), "out", "Expm1Backward0"),
    "sqrt": (np.sqrt, lambda g, x, o: g / (2 * o), "out", "SqrtBackward0"),
    "rsqrt": (lambda x: 1 / np.sqrt(x), lambda g, x, o: -0.5 * g * o * o * o, "out", "RsqrtBackward0"),
    "sin": (np.sin, lambda g, x, o: g * np.cos(x), "x", "SinBackward0"),
    "cos": (np.cos, lambda g, x, o: -g * np.sin(x), "x", "CosBackward0"),
    "tan": (np.tan, lambda g, x, o: g * (1 + o * o), "out", "TanBackward0"),
    "tanh": (np.tanh, lambda g, x, o: g * (1 - o * o), "out", "TanhBackward0"),
    "sigmoid": (_sigmoid, lambda g, x, o: g * o * (1 - o), "out", "SigmoidBackward0"),
    "erf": (_erf, lambda g, x, o: g * (_2_SQRT_PI * np.exp(-x * x)), "x", "ErfBackward0"),
    "reciprocal": (lambda x: 1 / x, lambda g, x, o: -g * o * o, "out", "ReciprocalBackward0"),
    "asin": (np.arcsin, lambda g, x, o: g / np.sqrt(1 - x * x), "x", "AsinBackward0"),
    "acos": (np.arccos, lambda g, x, o: -g / np.sqrt(1 - x * x), "x", "AcosBackward0"),
    "atan": (np.arctan, lambda g, x, o: g / (1 + x * x), "x", "AtanBackward0"),
    "sinh": (np.sinh, lambda g, x, o: g * np.cosh(x), "x", "SinhBackward0"),
    "cosh": (np.cosh, lambda g, x, o: g * np.sinh(x), "x", "CoshBackward0"),
    "asinh": (np.arcsinh, lambda g, x, o: g / np.sqrt(x * x + 1), "x", "AsinhBackward0"),
    "acosh": (np.arccosh, lambda g, x, o: g / np.sqrt(x * x - 1), "x", "AcoshBackward0"),
    "atanh": (np.arctanh, lambda g, x, o: g / (1 - x * x), "x", "AtanhBackward0"),
    "erfc": (lambda x: _erfc(x), lambda g, x, o: -g * (_2_SQRT_PI * np.exp(-x * x)), "x", "ErfcBackward0"),
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


# functions that cannot warn (no overflow, no domain error) skip NumPy's errstate, which costs a microsecond
_QUIET = {"sin", "cos", "tanh", "sigmoid", "erf", "atan", "neg", "abs", "sign", "relu", "floor", "ceil", "trunc",
          "frac"}


_BOOL_KERNELS = {"abs": "abs_cpu", "floor": "floor_vml_cpu", "ceil": "ceil_vml_cpu", "trunc": "trunc_vml_cpu",
                 "frac": "frac_cpu"}


def _bool_error(name: str) -> None:
    """PyTorch's refusal of a bool tensor for an integer-keeping elementwise op."""
    if name == "neg":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if name == "relu":
        raise RuntimeError("Boolean inputs not supported for relu")
    if name in _BOOL_KERNELS:
        raise NotImplementedError(f'"{_BOOL_KERNELS[name]}" not implemented for \'Bool\'')


def _make_unary(name, spec, floating):
    fwd, vjp_fn, reads, node = spec
    quiet = name in _QUIET

    def op(input, *, out=None) -> Tensor:
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
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                o = np.asarray(fwd(xd))
        if o.dtype != xd.dtype:
            o = o.astype(xd.dtype)
        if xd.dtype.kind != "f":
            return _wrap(o)
        if reads == "out":
            return record(o, node, lambda g, n: (vjp_fn(g, None, o),), (x,), (), save_out=True)
        if reads == "x":
            return record(o, node, lambda g, n: (vjp_fn(g, xd, None),), (x,), (x,))
        return record(o, node, lambda g, n: (vjp_fn(g, None, None),), (x,), NOSAVE)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` (with gradient)."
    return op


_MADE = {n: _make_unary(n, spec, True) for n, spec in UNARY_FLOAT.items()}
_MADE.update({n: _make_unary(n, spec, False) for n, spec in UNARY_KEEP.items()})
(exp, log, log1p, log2, log10, expm1, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, erf, reciprocal, asin, acos, atan,
 sinh, cosh, asinh, acosh, atanh, erfc, neg, abs, sign, relu, floor, ceil, trunc, frac) = (
    _MADE[n] for n in ("exp", "log", "log1p", "log2", "log10", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
                       "sigmoid", "erf", "reciprocal", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
                       "atanh", "erfc", "neg", "abs", "sign", "relu", "floor", "ceil", "trunc", "frac"))
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


clip = clamp


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
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                           "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                           "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                           "tensor2) for float inputs. The future addcdiv behavior is just the latter "
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
        with np.errstate(divide="ignore", invalid="ignore"):
            r = g / (ad * ad + bd * bd)
        return (r * bd if n[0] else None), (-r * ad if n[1] else None)
    return record(o, "Atan2Backward0", vjp, (a, b), (a, b))


arctan2 = atan2


def hypot(input, other, *, out=None) -> Tensor:
    """``sqrt(input**2 + other**2)``."""
    return rename(sqrt(add(mul(input, input), mul(other, other))), "HypotBackward0")


def logaddexp(input, other, *, out=None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow: ``max + log1p(exp(-|input - other|))``."""
    return rename(add(maximum(input, other), log1p(exp(neg(abs(sub(input, other)))))), "LogaddexpBackward0")


def exp2(input, *, out=None) -> Tensor:
    return rename(pow(2.0, _floating(_t(input))), "Exp2Backward0")


def logit(input, eps=None, *, out=None) -> Tensor:
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = _floating(_t(input))
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    return rename(log(div(x, rsub(x, 1))), "LogitBackward0")


def deg2rad(input, *, out=None) -> Tensor:
    return rename(mul(_floating(_t(input)), math.pi / 180), "Deg2RadBackward0")


def rad2deg(input, *, out=None) -> Tensor:
    return rename(mul(_floating(_t(input)), 180 / math.pi), "Rad2DegBackward0")


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None, *, out=None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's extremes by default)."""
    x = _t(input)
    if x._data.dtype.kind != "f":
        return x.clone()
    info = np.finfo(x._data.dtype)
    from .compare import isnan, isneginf, isposinf
    from .indexing import where
    r = where(isnan(x), nan, x)
    r = where(isposinf(x), info.max if posinf is None else posinf, r)
    return rename(where(isneginf(x), info.min if neginf is None else neginf, r), "NanToNumBackward0")


sgn = sign
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
