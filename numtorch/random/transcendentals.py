"""Logarithms, exponentials and sines as PyTorch's CPU random kernels compute them.

Two sources of last-bit differences between a NumPy formula and the compiled kernel:

* **The C library.**  NumPy's SIMD ``log``/``log1p``/``exp``/``tan`` are not the C
  library's; ``libm`` calls the C library (through ``math``) element by element,
  which is what the double-precision kernels call.

* **The AVX2 normal kernel** uses vectorised cephes-style ``log`` and ``sincos``
  polynomials in float32 (Pommier's ``avx_mathfun`` scheme).  ``log_ps`` and
  ``sincos_ps`` evaluate the same polynomials in the same order, with the same
  multiply-adds fused (``numerics.fma32``), so that float32 ``randn`` matches bit for
  bit.  ``box_muller_grid`` is the fast form the normal kernel runs (NOTE [ float32 steps
  on the uniform grid ]).

NOTE [ float32 steps on the uniform grid ]
    ``log_ps`` and ``sincos_ps`` take any float32 input, so each fused step goes through
    ``fma32``, which tests every result for a float32 midpoint reached by float64's
    rounding.  The normal kernel feeds them only ``1 - u`` and ``fl32(2 pi) u`` for
    ``u = k 2**-24``, ``k < 2**24``: 2**24 inputs each.  On those, every fused step
    computed as ``fl32(fl64(a*b + c))`` (the product of two float32 values is exact in
    float64) gives the same bits as the exact one; tests/random/test_box_muller_grid.py
    compares the two for every ``k``.  So ``box_muller_grid`` drops the midpoint tests and
    keeps its values in float64 lanes (float32 values, exact there): a fused step is a
    multiply, an add and the round trip through float32, four passes over arrays that stay
    in the L2 cache (``_Lanes``, reused chunk after chunk).  The choice between the
    polynomials and the signs are bit operations, not ``np.where``.  The arithmetic is
    IEEE's (``+``, ``*``, ``sqrt``, conversions), so the result does not depend on the CPU.

Example:
    >>> import numpy as np
    >>> float(libm("log1p", np.array([0.5]))[0]) == math.log1p(0.5)
    True
"""

from __future__ import annotations

import math

import numpy as np

from .numerics import fma32

__all__ = ["libm", "log_ps", "sincos_ps", "box_muller_grid"]

_f32 = np.float32
_f64 = np.float64

_MATH = {name: getattr(math, name) for name in ("log", "log1p", "exp", "tan", "sin", "cos")}
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
        return _math(name, x.ravel()).reshape(x.shape)
    with np.errstate(all="ignore"):
        out = getattr(np, name)(x)
    out[ok] = _math(name, x[ok])
    return out


def _math(name: str, x: np.ndarray) -> np.ndarray:
    """``math.<name>`` of each element of 1-d ``x`` (a C loop over Python floats)."""
    return np.fromiter(map(_MATH[name], x.tolist()), _f64, count=x.size)


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


# ---- the same polynomials on the uniform grid, in float64 lanes --------------------------
class _Lanes:
    """Scratch arrays for ``box_muller_grid``: a few float32, float64 and int32 arrays of
    ``h`` elements each, reused by every call (NOTE [ float32 steps on the uniform grid ])."""

    def __init__(self, h: int):
        self.h = h
        self.f32 = [np.empty(h, _f32) for _ in range(9)]
        self.f64 = [np.empty(h, _f64) for _ in range(5)]
        self.i32 = [np.empty(h, np.int32) for _ in range(2)]
        self.mask = np.empty(h, np.bool_)


def _fused(a64, b, c, w, r32, r64=None) -> None:
    """``r32 = fl32(fl64(a*b + c))`` (and ``r64`` its float64 copy) through ``w``: one fused
    float32 step, exact on the grid (NOTE [ float32 steps on the uniform grid ])."""
    np.multiply(a64, b, out=w)
    np.add(w, c, out=w)
    np.copyto(r32, w, casting="unsafe")
    if r64 is not None:
        np.copyto(r64, r32)


def _log_grid(x: np.ndarray, out: np.ndarray, s: _Lanes) -> None:
    """``out = log_ps(x)`` for ``x`` on the grid ``1 - k 2**-24`` (k in [0, 2**24))."""
    m32, t32, z32, y32 = s.f32[:4]
    t64, z64, y64, w = s.f64[:4]
    ei, mb = s.i32
    small = s.mask
    bits = x.view(np.int32)
    np.right_shift(bits, 23, out=ei)
    np.bitwise_and(bits, ~0x7F800000, out=mb)
    np.bitwise_or(mb, 0x3F000000, out=mb)
    m = mb.view(_f32)
    np.less(m, _SQRTHF, out=small)
    np.subtract(ei, small, out=ei)
    np.subtract(ei, 0x7E, out=ei)                    # e = exponent + 1 - small, exact
    np.subtract(m, _f32(1), out=t32)
    np.add(t32, m, out=t32, where=small)             # (m - 1) + (m or 0), exact
    np.copyto(t64, t32)
    np.multiply(t32, t32, out=z32)
    np.copyto(z64, z32)
    _fused(t64, _f64(_LOG_P[0]), _f64(_LOG_P[1]), w, y32, y64)
    for p in _LOG_P[2:]:
        _fused(y64, t64, _f64(p), w, y32, y64)
    np.multiply(y32, t32, out=y32)
    np.copyto(y64, y32)
    e32 = m32
    np.copyto(e32, ei, casting="unsafe")
    np.multiply(e32, _LOG_Q1, out=out)               # out as float32 scratch
    np.copyto(w, out)
    np.multiply(y64, z64, out=y64)
    np.add(y64, w, out=w)
    np.copyto(y32, w, casting="unsafe")
    np.multiply(z32, _f32(0.5), out=z32)
    np.subtract(y32, z32, out=y32)
    np.add(t32, y32, out=t32)
    np.copyto(t64, t32)
    np.copyto(w, ei)
    _fused(w, _f64(_LOG_Q2), t64, w, out)


def _sincos_grid(x: np.ndarray, sin: np.ndarray, cos: np.ndarray, s: _Lanes) -> None:
    """``sin, cos = sincos_ps(x)`` for ``x = fl32(fl32(2 pi) * k 2**-24)``, into float32
    ``sin`` and ``cos``."""
    x32, z32, c32, s32, h32 = s.f32[:5]
    y64, x64, z64, c64, w = s.f64
    j, d = s.i32
    np.multiply(x, _FOPI, out=h32)
    np.copyto(j, h32, casting="unsafe")              # truncation, as the conversion does
    np.add(j, 1, out=j)
    np.bitwise_and(j, ~1, out=j)
    np.copyto(y64, j)
    np.copyto(x64, x)
    for dp in _DP:
        _fused(y64, _f64(dp), x64, w, x32, x64)
    np.multiply(x32, x32, out=z32)
    np.copyto(z64, z32)
    _fused(z64, _f64(_COSCOF[0]), _f64(_COSCOF[1]), w, c32, c64)
    _fused(c64, z64, _f64(_COSCOF[2]), w, c32)
    np.multiply(c32, z32, out=c32)
    np.copyto(c64, c32)
    np.multiply(z32, _f32(0.5), out=h32)
    np.copyto(y64, h32)
    np.multiply(c64, z64, out=w)
    np.subtract(w, y64, out=w)                       # fma(c, z, -(z/2))
    np.copyto(c32, w, casting="unsafe")
    np.add(c32, _f32(1), out=c32)
    _fused(z64, _f64(_SINCOF[0]), _f64(_SINCOF[1]), w, s32, y64)
    _fused(y64, z64, _f64(_SINCOF[2]), w, s32)
    np.multiply(s32, z32, out=s32)
    np.copyto(y64, s32)
    _fused(y64, x64, x64, w, s32)
    # bit 1 of j swaps the polynomials, bit 2 (and for cos, bit 2 of j - 2) flips the sign
    sb, cb = s32.view(np.int32), c32.view(np.int32)
    np.bitwise_xor(sb, cb, out=d)
    np.left_shift(j, 30, out=z32.view(np.int32))
    np.right_shift(z32.view(np.int32), 31, out=z32.view(np.int32))   # -1 where bit 1 is set
    np.bitwise_and(d, z32.view(np.int32), out=d)
    np.bitwise_xor(sb, d, out=sin.view(np.int32))
    np.bitwise_xor(cb, d, out=cos.view(np.int32))
    np.bitwise_and(j, 4, out=d)
    np.left_shift(d, 29, out=d)
    np.bitwise_xor(sin.view(np.int32), d, out=sin.view(np.int32))
    np.subtract(j, 2, out=d)
    np.invert(d, out=d)
    np.bitwise_and(d, 4, out=d)
    np.left_shift(d, 29, out=d)
    np.bitwise_xor(cos.view(np.int32), d, out=cos.view(np.int32))


def box_muller_grid(u: np.ndarray, out: np.ndarray, lanes: _Lanes | None = None) -> None:
    """The AVX2 kernel's Box-Muller transform of blocks of 16 float32 uniforms ``u`` (each
    ``k 2**-24``, as the generator makes them) into float32 ``out``; both of shape ``(B, 16)``.

    Per block, the first 8 uniforms give ``r = sqrt(-2 log_ps(1 - u))``, the last 8 the angle
    ``theta = fl32(2 pi) u``; ``out`` gets ``r cos(theta)`` then ``r sin(theta)``, each step
    rounded as ``log_ps`` and ``sincos_ps`` round it (NOTE [ float32 steps on the uniform
    grid ]).  ``lanes``: scratch of ``8 B`` elements to reuse, or None.
    """
    b = u.shape[0]
    h = 8 * b
    s = lanes if lanes is not None and lanes.h == h else _Lanes(h)
    u1 = s.f32[4].reshape(b, 8)
    rad, sin, cos, x = s.f32[5:]
    np.subtract(_f32(1), u[:, :8], out=u1)
    np.multiply(u[:, 8:], _f32(2.0 * np.pi), out=x.reshape(b, 8))
    _log_grid(s.f32[4], rad, s)
    np.multiply(rad, _f32(-2), out=rad)
    np.sqrt(rad, out=rad)
    _sincos_grid(x, sin, cos, s)
    rad = rad.reshape(b, 8)
    np.multiply(rad, cos.reshape(b, 8), out=out[:, :8])
    np.multiply(rad, sin.reshape(b, 8), out=out[:, 8:])
