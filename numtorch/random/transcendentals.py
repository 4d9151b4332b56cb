"""Logarithms, exponentials and sines as PyTorch's CPU random kernels compute them.

Two sources of last-bit differences between a NumPy formula and the compiled kernel:

* **The C library.**  NumPy's SIMD ``log``/``log1p``/``exp``/``tan`` are not the C
  library's; ``libm`` calls the C library (through ``math``) element by element,
  which is what the double-precision kernels call.

* **The AVX2 normal kernel** uses vectorised cephes-style ``log`` and ``sincos``
  polynomials in float32 (Pommier's ``avx_mathfun`` scheme).  ``log_ps`` and
  ``sincos_ps`` evaluate the same polynomials in the same order, with the same
  multiply-adds fused (``numerics.fma32``), so that float32 ``randn`` matches bit for
  bit.

Example:
    >>> import numpy as np
    >>> float(libm("log1p", np.array([0.5]))[0]) == math.log1p(0.5)
    True
"""

from __future__ import annotations

import math

import numpy as np

from .numerics import fma32

__all__ = ["libm", "log_ps", "sincos_ps"]

_f32 = np.float32
_f64 = np.float64

_UFUNCS = {name: np.frompyfunc(getattr(math, name), 1, 1)
           for name in ("log", "log1p", "exp", "tan", "sin", "cos")}
_DOMAIN = {"log": (0.0, np.inf), "log1p": (-1.0, np.inf), "exp": (-np.inf, 709.0)}


def libm(name: str, x) -> np.ndarray:
    """The C library's double ``name`` (log, log1p, exp, tan, sin, cos) elementwise.

    Arguments outside the open domain (zero, infinities, NaN, overflow) take NumPy's
    value, which is the C library's there too.
    """
    x = np.asarray(x, _f64)
    lo, hi = _DOMAIN.get(name, (-np.inf, np.inf))
    ok = (x > lo) & (x < hi)
    if ok.all():
        return np.asarray(_UFUNCS[name](x), _f64) if x.size else x.copy()
    with np.errstate(all="ignore"):
        out = getattr(np, name)(x)
    out[ok] = _UFUNCS[name](x[ok]).astype(_f64)
    return out


# ---- the AVX2 float32 polynomials --------------------------------------------------------
_LOG_P = tuple(_f32(v) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1, _LOG_Q2 = _f32(-2.12194440e-4), _f32(0.693359375)
_SQRTHF = _f32(0.707106781186547524)
_DP = (_f32(-0.78515625), _f32(-2.4187564849853515625e-4), _f32(-3.77489497744594108e-8))
_SINCOF = (_f32(-1.9515295891e-4), _f32(8.3321608736e-3), _f32(-1.6666654611e-1))
_COSCOF = (_f32(2.443315711809948e-5), _f32(-1.388731625493765e-3), _f32(4.166664568298827e-2))
_FOPI = _f32(1.27323954473516)  # 4 / pi


def log_ps(x: np.ndarray) -> np.ndarray:
    """Natural log of positive normal float32 ``x``: exponent split, then a degree-9 polynomial.

    ``x = m * 2**e`` with ``m`` in [sqrt(1/2), sqrt(2)); ``log x = e*log 2 + log m``, where
    ``log m = t - t**2/2 + t**3 P(t)`` for ``t = m - 1``, and ``log 2`` is split in two
    constants so ``e * log 2`` keeps its precision.
    """
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_f32) + _f32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_f32)  # mantissa scaled to [0.5, 1)
    small = m < _SQRTHF
    t = (m - _f32(1)) + np.where(small, m, _f32(0))
    e = e - small.astype(_f32)
    z = t * t
    y = np.full_like(t, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, t, p)
    y = y * t
    y = fma32(y, z, e * _LOG_Q1)
    y = y - z * _f32(0.5)
    return fma32(e, _LOG_Q2, t + y)


def sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of non-negative float32 ``x`` by octant reduction and two polynomials.

    ``j`` is the even octant index nearest ``x * 4/pi``; ``x - j*pi/4`` (in three parts,
    for precision) lies in [-pi/4, pi/4], where one polynomial gives sin and the other
    cos; bits 1 and 2 of ``j`` choose which is which and the signs.
    """
    j = ((x * _FOPI).astype(np.int32) + 1) & ~1
    y = j.astype(_f32)
    for dp in _DP:
        x = fma32(y, dp, x)
    z = x * x
    c = fma32(np.full_like(z, _COSCOF[0]), z, _COSCOF[1])
    c = fma32(c, z, _COSCOF[2])
    c = c * z
    c = fma32(c, z, -(z * _f32(0.5))) + _f32(1)
    s = fma32(np.full_like(z, _SINCOF[0]), z, _SINCOF[1])
    s = fma32(s, z, _SINCOF[2])
    s = fma32(s * z, x, x)
    swap = (j & 2) != 0
    sin = np.where(swap, c, s)
    cos = np.where(swap, s, c)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((~(j - 2)) & 4) != 0, -cos, cos)
    return sin, cos
