"""Activation functions: ``relu6``/``hardtanh``, ``gelu``, ``silu``, the ELU family, the hard
variants, ``softplus``, ``prelu``... each a primitive with its derivative beside it.

An activation is a pair of NumPy functions: ``fwd(x) -> y`` and ``bwd(g, x, y) -> dL/dx`` (the
incoming gradient times the derivative, written with the input ``x`` or the output ``y``,
whichever is cheaper), recorded as one graph node by ``_unary``:

    relu:      y = max(x, 0)                     dy/dx = [y > 0]        (``elementwise.relu``)
    elu:       y = x (x > 0), a (e^x - 1)        dy/dx = 1 (x > 0), a e^x
    gelu:      y = x Phi(x)                      dy/dx = Phi(x) + x phi(x)
    silu:      y = x sigmoid(x)                  dy/dx = s (1 + x (1 - s))

``tanh``, ``sigmoid`` and ``relu`` are ``numtorch.tanh``... themselves (``elementwise.py``):
one kernel each.  The ELU family (``elu``, ``selu``, ``celu``) shares one kernel with three
constants, as PyTorch's does.  Each op checks its arguments and raises PyTorch's errors here,
once; ``nn.functional`` only chooses between an op and its in-place form (``elu_``, built by
``inplace.make_inplace``).  ``prelu`` has a learnt slope, so it records gradients for two inputs.

Example:
    >>> import numtorch
    >>> leaky_relu(numtorch.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
"""

from __future__ import annotations

import math

import numpy as np

from .._dtype import get_default_dtype, type_word
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad_state
from ._core import kernel_error, record, require_float
from .elementwise import _F32_EXP_MAX, _any_ndim, _erf, _erf_gelu32, _expf, _sigmoid
from .inplace import make_inplace

__all__ = ["hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_",
           "celu", "celu_", "gelu", "silu", "silu_", "mish", "mish_", "hardsigmoid",
           "hardsigmoid_", "hardswish", "hardswish_", "softplus", "softsign", "tanhshrink",
           "threshold", "threshold_", "logsigmoid", "prelu"]


def _float_of(input: Tensor) -> Tensor:
    """``input`` itself if floating point, else cast to the default dtype (as ``softsign`` does)."""
    if input._data.dtype.kind == "f":
        return input
    return input.to(get_default_dtype())


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


_SQRT_2_PI = math.sqrt(2.0 / math.pi)
# NOTE [ float32 tanh saturation ]: PyTorch's vectorised float32 tanh (on AVX2/AVX-512 CPUs)
# returns exactly +-1 beyond |x| = 8.664339742, where the correctly rounded value is still
# 1 - 2^-24; in the tanh-form gelu, ``1 + tanh`` then is 0, not 2^-24, so for x below about
# -5.1 PyTorch's result is -0.0 rather than a tiny negative number.
_TANH32_ONE = np.float32(8.664339742)
_SQRT1_2 = math.sqrt(0.5)
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _hardtanh_fns(lo: float, hi: float):
    return (lambda x: np.clip(x, lo, hi).astype(x.dtype, copy=False),
            lambda g, x, y: g * ((x > lo) & (x < hi)))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``clip(x, min_val, max_val)``; gradient 1 strictly inside the interval, else 0."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    dt = input._data.dtype
    if dt == np.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if dt.kind == "u" and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    fwd, bwd = _hardtanh_fns(min_val, max_val)
    return _unary("HardtanhBackward0", input, fwd, bwd)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    require_float(input, "leaky_relu_cpu")
    s = negative_slope
    return _unary("LeakyReluBackward0", input, lambda x: np.where(x > 0, x, x * s),
                  lambda g, x, y: np.where(x > 0, g, g * s))


def _elu(input: Tensor, neg: float, pos: float, ipt: float) -> Tensor:
    """The ELU family: ``pos * x`` for ``x > 0``, ``neg * (exp(ipt * x) - 1)`` otherwise."""
    require_float(input, "elu_cpu")
    def fwd(x):
        with np.errstate(over="ignore"):
            return np.where(x > 0, x * pos, np.expm1(x * ipt) * neg).astype(x.dtype, copy=False)

    def bwd(g, x, y):
        with np.errstate(over="ignore"):
            return np.where(x > 0, g * pos, g * (neg * ipt) * np.exp(x * ipt))

    return _unary("EluBackward0", input, fwd, bwd)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return _elu(input, alpha, 1.0, 1.0)


def selu(input: Tensor) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA * _SELU_SCALE, _SELU_SCALE, 1.0)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(input, alpha, 1.0, 1.0 / alpha)


def _gelu_erf(x: np.ndarray, keep: list | None = None) -> np.ndarray:
    """``x/2 (1 + erf(x/sqrt 2))``; float32 through NOTE [ gelu's float32 erf ].

    For float32, ``1 + erf(x/sqrt 2)`` is appended to ``keep`` (when given), for the backward.
    """
    if x.dtype == np.float16:  # PyTorch: its own float32 kernel, within 2 float16 ulp of this
        return _gelu_erf(x.astype(np.float64)).astype(np.float16)
    if x.dtype == np.float64:
        return x * 0.5 * (1.0 + _erf(x * _SQRT1_2))
    onep = _erf_gelu32(x)
    onep += np.float32(1)
    if keep is not None:
        keep.append(onep)
    y = x * onep
    y *= np.float32(0.5)
    return y


_INV_SQRT_2PI32 = np.float32(1 / math.sqrt(2.0 * math.pi))


def _gelu_erf_grad(g: np.ndarray, x: np.ndarray, onep: np.ndarray | None = None) -> np.ndarray:
    """``g (Phi(x) + x phi(x))``, with Phi computed as in the forward.

    For float32, ``onep`` is the forward's ``1 + erf(x/sqrt 2)`` (recomputed when None), and
    every step rounds in float32: ``0.5 onep + x (exp(x x (-0.5)) / sqrt(2 pi))``.
    """
    if x.dtype != np.float32:
        cdf = (0.5 * (1.0 + _erf(x.astype(np.float64) * _SQRT1_2))).astype(x.dtype)
        pdf = np.exp(x * x * -0.5) * (1 / math.sqrt(2.0 * math.pi))
        return (g * (cdf + x * pdf)).astype(g.dtype, copy=False)
    if onep is None:
        onep = _erf_gelu32(x) + np.float32(1)
    if x.ndim == 0:
        pdf = np.exp(x * x * np.float32(-0.5)) * _INV_SQRT_2PI32
        return (g * (np.float32(0.5) * onep + x * pdf)).astype(g.dtype, copy=False)
    d = np.multiply(x, x)  # in place from here: the derivative, step by step
    d *= np.float32(-0.5)
    np.exp(d, out=d)
    d *= _INV_SQRT_2PI32
    np.multiply(x, d, out=d)  # the operands in the formula's order: nan payloads agree
    np.add(np.float32(0.5) * onep, d, out=d)
    if g.dtype == np.float32 and g.shape == d.shape:
        return np.multiply(g, d, out=d)
    return (g * d).astype(g.dtype, copy=False)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    """``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, each step rounded in x's dtype.

    Only ``tanh`` is evaluated in float64 (and rounded once); every other step rounds in x's
    dtype as in PyTorch's kernel.  For x < 0 the sum ``1 + tanh`` cancels as it does there, so
    the result keeps PyTorch's error (hundreds of ulp near x = -3), not the true value.
    """
    if x.dtype == np.float16:  # float16 is computed in float32 and rounded once
        return _gelu_tanh(x.astype(np.float32)).astype(np.float16)
    dt = x.dtype.type
    inner = dt(_SQRT_2_PI) * (x + dt(0.044715) * (x * x * x))
    t = np.tanh(inner.astype(np.float64)).astype(x.dtype, copy=False)
    if x.dtype == np.float32:  # NOTE [ float32 tanh saturation ]
        t[np.abs(inner) > _TANH32_ONE] = 1
        np.copysign(t, inner, out=t)
    return (dt(0.5) * x) * (dt(1) + t)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: ``x * Phi(x)``, ``Phi`` the standard normal CDF.

    .. math::
        gelu(x) = x/2 (1 + erf(x / sqrt 2)),  or with ``approximate='tanh'``
        x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))

    float32 follows PyTorch's kernel step by step (see NOTE [ gelu's float32 erf ] in
    ``numtorch._ops.elementwise``), so the negative tail, where ``1 + erf`` cancels, agrees.

    Args:
        input: a floating tensor.
        approximate: ``'none'`` (the erf form) or ``'tanh'``.

    Example:
        >>> import numtorch
        >>> gelu(numtorch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate == "none":
        kept: list = []  # float32: the forward's 1 + erf, read again by the backward

        def fwd(x):
            return _gelu_erf(x, kept)

        def bwd(g, x, y):
            return _gelu_erf_grad(g, x, kept[0] if kept else None)
    elif approximate == "tanh":
        fwd = _gelu_tanh

        def bwd(g, x, y):
            t = np.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x))
            d = _SQRT_2_PI * (1.0 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d)
    else:
        raise RuntimeError("approximate argument must be either none or tanh.")
    require_float(input, "GeluKernelImpl")
    return _unary("GeluBackward0", input, _quiet(fwd), _quiet(bwd))


@_any_ndim
def _silu(x: np.ndarray) -> np.ndarray:
    """``x / (1 + exp(-x))`` in float64, rounded once; -0 where float32 ``exp(-x)`` overflows."""
    e = np.negative(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1.0
    np.divide(x, e, out=e)
    if x.dtype == np.float64:
        return e
    o = e.astype(x.dtype)
    o[(x < -_F32_EXP_MAX) & (x > -np.inf)] = -0.0
    return o


def silu(input: Tensor) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    require_float(input, "silu_cpu")
    def bwd(g, x, y):
        s = _sigmoid(x)
        return g * (s * (1.0 + x * (1.0 - s)))

    return _unary("SiluBackward0", input, _quiet(_silu), _quiet(bwd))


@_any_ndim
def _mish(x: np.ndarray) -> np.ndarray:
    """``x tanh(log(1 + e^x))`` in float64, rounded once.

    In float32, below x = -87.3 ``e^x`` is subnormal and ``tanh(log1p(e^x)) = e^x`` exactly,
    so the result is ``x * e^x`` with PyTorch's float32 ``exp`` (``_expf``), as PyTorch's is.
    """
    if x.dtype == np.float64:
        with np.errstate(over="ignore"):
            return x * np.tanh(np.log1p(np.exp(x)))
    z = x.astype(np.float64)
    with np.errstate(over="ignore"):
        o = (z * np.tanh(np.log1p(np.exp(z)))).astype(x.dtype)
    tail = x < -87.0
    if tail.any():
        v = x[tail].astype(np.float32)
        with np.errstate(under="ignore"):
            o[tail] = v * _expf(v)
    return o


def mish(input: Tensor) -> Tensor:
    """``x * tanh(softplus(x))``."""
    require_float(input, "mish_cpu")
    def bwd(g, x, y):
        t = np.tanh(_softplus(x))
        return g * (t + x * _sigmoid(x) * (1.0 - t * t))

    return _unary("MishBackward0", input, _quiet(_mish), _quiet(bwd))


def hardsigmoid(input: Tensor) -> Tensor:
    """``relu6(x + 3) / 6``."""
    require_float(input, "hardsigmoid_cpu")
    return _unary("HardsigmoidBackward0", input,
                  lambda x: (np.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype, copy=False),
                  lambda g, x, y: np.where((x > -3.0) & (x < 3.0), g / 6.0, 0.0).astype(g.dtype))


def hardswish(input: Tensor) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    require_float(input, "hardswish_cpu")
    def bwd(g, x, y):
        return np.where(x <= -3.0, 0.0, np.where(x < 3.0, g * (x / 3.0 + 0.5), g)).astype(g.dtype)

    return _unary("HardswishBackward0", input,
                  _quiet(lambda x: (x * np.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype,
                                                                                   copy=False)),
                  bwd)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold``."""
    require_float(input, "softplus_cpu")
    def bwd(g, x, y):
        with np.errstate(over="ignore"):
            z = np.exp(x * beta)
        return np.where(x * beta > threshold, g, g * z / (z + 1.0)).astype(g.dtype)

    return _unary("SoftplusBackward0", input, lambda x: _softplus(x, beta, threshold), _quiet(bwd))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    if input._data.dtype == np.bool_:
        raise kernel_error("abs_cpu", input._data)
    return _unary("DivBackward0", _float_of(input), _quiet(lambda x: x / (1.0 + np.abs(x))),
                  _quiet(lambda g, x, y: g / ((1.0 + np.abs(x)) ** 2)))


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _unary("SubBackward0", _float_of(input),
                  lambda x: x - np.tanh(x.astype(np.float64)).astype(x.dtype, copy=False),
                  lambda g, x, y: g * np.tanh(x) ** 2)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    if input._data.dtype == np.bool_:
        raise kernel_error("threshold_cpu", input._data)
    th = threshold
    return _unary("ThresholdBackward0", input,
                  lambda x: np.where(x > th, x, value).astype(x.dtype, copy=False),
                  lambda g, x, y: np.where(x > th, g, 0.0).astype(g.dtype))


def _logsigmoid(x: np.ndarray) -> np.ndarray:
    """``min(x, 0) - log1p(exp(-|x|))``, the log term in float64 and rounded once."""
    with np.errstate(invalid="ignore"):
        t = np.log1p(np.exp(-np.abs(x.astype(np.float64)))).astype(x.dtype, copy=False)
    return np.minimum(x, 0) - t


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))``."""
    require_float(input, "log_sigmoid_cpu")
    return _unary("LogSigmoidBackward0", input, _logsigmoid, lambda g, x, y: g * _sigmoid(-x))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for ``x > 0``, ``a * x`` otherwise, with one learnt ``a`` per channel (dim 1) or
    shared."""
    x, w = input._data, weight._data
    if x.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {type_word(x)} and "
                           f"{type_word(w)}")
    require_float(input, "prelu_cpu")
    n = w.size
    if n != 1:
        if x.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               "parameter"
                               f" numbers = {n} and channel size = {channels}.")
    if n == 1:
        wb = w.reshape(())
    else:
        wb = w.reshape((1, n) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else w.reshape(n)
    out = np.where(x > 0, x, wb * x)

    def vjp(g, needs):
        gx = np.where(x > 0, g, wb * g) if needs[0] else None
        gw = None
        if needs[1]:
            gxw = np.where(x > 0, 0.0, g * x).astype(g.dtype)
            if n == 1:
                gw = np.asarray(gxw.sum(), g.dtype).reshape(w.shape)
            else:
                axes = tuple(i for i in range(x.ndim) if i != 1) if x.ndim >= 2 else ()
                gw = gxw.sum(axis=axes).reshape(w.shape)
        return gx, gw

    return record(out, "PreluKernelBackward0", vjp, (input, weight), (input, weight))


# ---- in-place forms (``F.elu(x, inplace=True)``, ``numtorch.selu_``) -------------------------
hardtanh_ = make_inplace(hardtanh, "hardtanh_")
leaky_relu_ = make_inplace(leaky_relu, "leaky_relu_")
elu_ = make_inplace(elu, "elu_")
selu_ = make_inplace(selu, "selu_")
celu_ = make_inplace(celu, "celu_")
silu_ = make_inplace(silu, "silu_")
mish_ = make_inplace(mish, "mish_")
hardsigmoid_ = make_inplace(hardsigmoid, "hardsigmoid_")
hardswish_ = make_inplace(hardswish, "hardswish_")
threshold_ = make_inplace(threshold, "threshold_")
