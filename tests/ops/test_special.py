"""``torch.special`` and the gamma/erf/Bessel-family ops against PyTorch.

Values: each op on a dense grid in float32 and float64, measured in ulps against PyTorch (the
worst per op is printed with ``-s`` and bounded by the table); edge values (0, poles, +-inf,
nan); gradients against PyTorch's and by finite differences (gradcheck, float64); the method
and in-place forms; dtype promotion; PyTorch's errors.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch

torch = pytest.importorskip("torch")

N = 20001


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between same-dtype arrays (nan == nan, inf == inf)."""
    it = np.int32 if a.dtype == np.float32 else np.int64
    sign = np.iinfo(it).max

    def ordered(v):
        i = v.view(it).astype(np.int64)
        return np.where(i < 0, -(i & sign), i)

    d = np.abs(ordered(a) - ordered(b)).astype(np.float64)
    d[np.isnan(a) & np.isnan(b)] = 0
    d[np.isnan(a) ^ np.isnan(b)] = np.inf
    return d


def _grid(lo, hi, extra=()):
    return np.concatenate([np.linspace(lo, hi, N), np.asarray(extra, np.float64)])


_WIDE = _grid(
    -20, 20, np.concatenate([np.geomspace(1e-30, 1e30, 200), -np.geomspace(1e-30, 1e30, 200) - 0.5])
)
_POS = _grid(1e-4, 30, np.geomspace(1e-30, 1e30, 200))


def _near_zero(fn, tol):
    """Points where |f(x)| < tol, next to f's zeros: there a 1-ulp difference in an intermediate
    (glibc's logf/lgammaf/tan are not always correctly rounded) is amplified without bound, in
    PyTorch's formula as much as in any other; these points are held to an absolute error of a
    few ulps of the terms that cancel instead."""

    def leave(x):
        with np.errstate(all="ignore"):
            v = fn(torch.from_numpy(x.astype(np.float64))).numpy()
        return np.abs(v) < tol

    return leave


S, T = numtorch.special, torch.special

# name: (numtorch fn, torch fn, grid, worst float32 ulp, float64: worst ulp (int) or relative
# tolerance (float), points held to an absolute tolerance instead, or None)
VALUES = {
    # float64, x < 0: the reflection's log|pi / sin(pi x)| - lgamma(1 - x) cancels
    "lgamma": (numtorch.lgamma, torch.lgamma, _WIDE, 2, 1e-13, _near_zero(torch.lgamma, 0.1)),
    "digamma": (numtorch.digamma, torch.digamma, _WIDE, 2, 4, _near_zero(torch.digamma, 1.0)),
    "polygamma1": (
        lambda x: numtorch.polygamma(1, x),
        lambda x: torch.polygamma(1, x),
        _POS,
        2,
        2,
        None,
    ),
    # x < 1/2: glibc's sinf(pi x) is not always correctly rounded and pi^2 / sin^2 doubles its error
    "polygamma1_neg": (
        lambda x: numtorch.polygamma(1, x),
        lambda x: torch.polygamma(1, x),
        _grid(-20, 0.49),
        6,
        4,
        None,
    ),
    "polygamma2": (
        lambda x: numtorch.polygamma(2, x),
        lambda x: torch.polygamma(2, x),
        _grid(-20, 20, np.geomspace(1e-30, 1e30, 200)),
        2,
        8,
        None,
    ),
    "polygamma3": (
        lambda x: numtorch.polygamma(3, x),
        lambda x: torch.polygamma(3, x),
        _POS,
        2,
        8,
        None,
    ),
    "mvlgamma3": (
        lambda x: numtorch.mvlgamma(x, 3),
        lambda x: torch.mvlgamma(x, 3),
        _POS + 1.0,
        2,
        8,
        None,
    ),
    # float64 near +-1: erfinv's Newton step divides erf's rounding by erf' = 2/sqrt(pi) exp(-x^2)
    "erfinv": (numtorch.erfinv, torch.erfinv, _grid(-1, 1, [-1.5, 1.5, 0.0]), 2, 1e-12, None),
    "i0": (numtorch.i0, torch.i0, _grid(-90, 90), 2, 4, None),
    "i0e": (S.i0e, T.i0e, _grid(-90, 90, [1e10, -1e30]), 2, 4, None),
    "i1": (S.i1, T.i1, _grid(-90, 90), 2, 8, None),
    "i1e": (S.i1e, T.i1e, _grid(-90, 90, [1e10, -1e30]), 2, 8, None),
    "sinc": (numtorch.sinc, torch.sinc, _WIDE, 2, 1, None),
    "entr": (S.entr, T.entr, _grid(-1, 30, [0.0, 1e-30, 1e30]), 2, 2, None),
    "ndtri": (S.ndtri, T.ndtri, _grid(0, 1, [1e-30, 1e-10, 1 - 1e-10, -0.5, 1.5]), 2, 4, None),
    "erfcx": (S.erfcx, T.erfcx, _grid(-30, 100, [1e8, 1e30, -1e30]), 2, 8, None),
    # float32 in [-1, -0.5]: log1p(-erfcf(t)/2) multiplies glibc erfcf's rounding by up to 6;
    # float64: as accurate as numtorch's erfc in the right tail (log_ndtr ~ -erfc(x/sqrt 2)/2)
    "log_ndtr": (S.log_ndtr, T.log_ndtr, _grid(-60, 10), 4, 1e-12, None),
    # the modified Bessel functions: 3 ulp where glibc's expf/logf round differently
    "modified_bessel_i0": (S.modified_bessel_i0, T.modified_bessel_i0, _grid(-90, 90), 3, 4, None),
    "modified_bessel_i1": (S.modified_bessel_i1, T.modified_bessel_i1, _grid(-90, 90), 3, 8, None),
    "modified_bessel_k0": (
        S.modified_bessel_k0,
        T.modified_bessel_k0,
        _grid(-1, 90, [0.0, 2.0, 1e-30]),
        3,
        10,
        None,
    ),
    "modified_bessel_k1": (
        S.modified_bessel_k1,
        T.modified_bessel_k1,
        _grid(-1, 90, [0.0, 2.0, 1e-30]),
        3,
        10,
        None,
    ),
    "scaled_modified_bessel_k0": (
        S.scaled_modified_bessel_k0,
        T.scaled_modified_bessel_k0,
        _grid(-1, 90, [0.0, 2.0, 1e30]),
        3,
        12,
        None,
    ),
    "scaled_modified_bessel_k1": (
        S.scaled_modified_bessel_k1,
        T.scaled_modified_bessel_k1,
        _grid(-1, 90, [0.0, 2.0, 1e30]),
        3,
        12,
        None,
    ),
    "spherical_bessel_j0": (S.spherical_bessel_j0, T.spherical_bessel_j0, _WIDE, 2, 2, None),
    # J and Y: glibc's sinf/cosf/logf against correctly rounded ones, amplified near the zeros
    "bessel_j0": (
        S.bessel_j0,
        T.bessel_j0,
        _grid(-30, 30, [5.0, 1e-6]),
        3,
        12,
        _near_zero(T.bessel_j0, 0.05),
    ),
    "bessel_j1": (
        S.bessel_j1,
        T.bessel_j1,
        _grid(-30, 30, [5.0, 1e-6]),
        3,
        12,
        _near_zero(T.bessel_j1, 0.05),
    ),
    "bessel_y0": (
        S.bessel_y0,
        T.bessel_y0,
        _grid(-1, 30, [0.0, 5.0, 1e-6]),
        3,
        12,
        _near_zero(T.bessel_y0, 0.2),
    ),
    "bessel_y1": (
        S.bessel_y1,
        T.bessel_y1,
        _grid(-1, 30, [0.0, 5.0, 1e-6]),
        3,
        12,
        _near_zero(T.bessel_y1, 0.05),
    ),
    # the three regions' seams (+-2.09, 8.3203353), the underflow cut (103.892), float32's
    # overflow of exp(zeta) (x > 26.4) and tails far out on both sides
    "airy_ai": (
        S.airy_ai,
        T.airy_ai,
        _grid(
            -20,
            20,
            [-2.09, 2.09, 8.3203353, 26.5, 103.892, 103.9, 1e10, -1e10, 1e30, -1e30, 1e-30, -1e-30],
        ),
        2,
        2,
        None,
    ),
}


@functools.lru_cache(maxsize=None)
def _measure(name: str, dt) -> tuple:
    fn, tfn, grid, _, _, leave = VALUES[name]
    x = grid.astype(dt)
    got = fn(numtorch.tensor(x)).numpy()
    want = tfn(torch.from_numpy(x)).numpy()
    assert got.dtype == want.dtype
    near = np.zeros(x.shape, bool) if leave is None else leave(x)
    return x, got, want, near


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(VALUES))
def test_values_dense_grid(name, dt):
    x, got, want, near = _measure(name, dt)
    bound = VALUES[name][3] if dt == np.float32 else VALUES[name][4]
    d = _ulps(got[~near], want[~near])
    i = int(np.argmax(d))
    at = (x[~near][i], got[~near][i], want[~near][i])
    print(
        f"{name:15s} {np.dtype(dt).name}: worst {d[i]:g} ulp at x={at[0]!r} "
        f"({at[1]!r} vs {at[2]!r})"
    )
    if isinstance(bound, float):
        np.testing.assert_allclose(got[~near], want[~near], rtol=bound, atol=0, equal_nan=True)
    else:
        assert d[i] <= bound, f"{name} {np.dtype(dt).name}: {d[i]} ulp at x, got, want = {at}"
    eps = np.finfo(dt).eps
    np.testing.assert_allclose(got[near], want[near], rtol=0, atol=16 * eps, equal_nan=True)


# binary ops on a 2-D grid:
# (numtorch fn, torch fn, a grid, b grid, float32 ulp, float64 relative tolerance)
_A = np.concatenate([np.linspace(0.01, 50, 121), [0.0, 1e-3, 100.0, 250.0, 1e4]])
_X = np.concatenate([np.linspace(0, 60, 121), [1e-3, 0.5, 1.1, 100.0, 260.0, 1e4]])
BINARY = {
    "xlog1py": (S.xlog1py, T.xlog1py, np.linspace(-5, 5, 101), np.linspace(-0.99, 20, 101), 2, 0),
    "zeta": (
        S.zeta,
        T.zeta,
        np.linspace(1.01, 20, 101),
        np.concatenate([np.linspace(-5.5, 30, 101), [-3.0]]),
        2,
        1e-13,
    ),
}


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_values(name, dt):
    fn, tfn, ga, gb, ulp32, rtol64 = BINARY[name]
    a, b = (g.astype(dt) for g in np.meshgrid(ga, gb))
    got = fn(numtorch.tensor(a), numtorch.tensor(b)).numpy()
    want = tfn(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    if dt == np.float32:
        worst = _ulps(got, want).max()
        print(f"{name} float32: worst {worst:g} ulp")
        assert worst <= ulp32
    else:
        np.testing.assert_allclose(got, want, rtol=max(rtol64, 1e-15), atol=0, equal_nan=True)


POLYNOMIALS = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
]


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomials(name, dt):
    """Degrees -1..20 on [-1.5, 1.5] with the end points (and a float degree, truncated).  The
    recurrences match to 2 ulp in float32; past degree 6 inside (-1, 1) the Chebyshev family uses
    cos(n acos x)-style forms, where glibc's acosf/cosf rounding moves the values by an ulp of
    the angle, so there the error is held to ~n^2 ulps of 1 (absolute) instead."""
    # (no nan x: most of PyTorch's kernels then return an uninitialised variable)
    x = np.concatenate([np.linspace(-1.5, 1.5, 601), [-1.0, 0.0, 0.5, 1.0]])
    a, n = (g.astype(dt) for g in np.meshgrid(x, np.arange(-1, 21)))
    got = getattr(S, name)(numtorch.tensor(a), numtorch.tensor(n)).numpy()
    want = getattr(T, name)(torch.from_numpy(a), torch.from_numpy(n)).numpy()
    eps = np.finfo(dt).eps
    trig = (
        ("chebyshev" in name)
        & (n > 4)
        & (np.abs(a) < 1 if "shifted" not in name else np.abs(2 * a - 1) < 1)
    )
    exact = _ulps(got[~trig], want[~trig])
    print(f"{name} {np.dtype(dt).name}: worst {exact.max():g} ulp (recurrence)")
    if dt == np.float32:
        assert exact.max() <= 2
    else:  # float64's fused multiply-add is emulated in extended, not exact, precision: next to a
        # zero of the polynomial the last bits differ
        np.testing.assert_allclose(got[~trig], want[~trig], rtol=64 * eps, atol=64 * eps)
    if trig.any():
        np.testing.assert_allclose(
            got[trig], want[trig], rtol=8 * eps, atol=float(eps * 4 * n[trig].max() ** 2)
        )
    assert_close(
        getattr(S, name)(numtorch.tensor(a), 3.7), getattr(T, name)(torch.from_numpy(a), 3.7)
    )


@pytest.mark.parametrize("upper", [False, True], ids=["gammainc", "gammaincc"])
@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
def test_incomplete_gamma(upper, dt):
    """float64 agrees to 1e-12 relative (absolute where the value is below 1e-280); float32 is
    computed in float64 and rounded, while PyTorch's float32 is float32 arithmetic throughout
    (errors of ~1e-5 relative of its own), so float32 is held to PyTorch's own accuracy."""
    a, x = (g.astype(dt) for g in np.meshgrid(_A, _X))
    fn, tfn = (S.gammaincc, T.gammaincc) if upper else (S.gammainc, T.gammainc)
    got = fn(numtorch.tensor(a), numtorch.tensor(x)).numpy()
    want = tfn(torch.from_numpy(a), torch.from_numpy(x)).numpy()
    exact = tfn(torch.from_numpy(a).double(), torch.from_numpy(x).double()).numpy()
    if dt == np.float64:
        # PyTorch's uniform asymptotic expansion (a > 20, x near a) scales by sqrt(2 pi a) with pi
        # in float32, an error of ~1e-8 relative of its own; elsewhere the two agree closely
        r = np.abs(x - a) / np.where(a > 0, a, 1)
        asym = ((a > 20) & (a < 200) & (r < 0.3)) | ((a > 200) & (r * np.sqrt(a) < 4.5))
        np.testing.assert_allclose(got[~asym], want[~asym], rtol=1e-12, atol=1e-280, equal_nan=True)
        np.testing.assert_allclose(got[asym], want[asym], rtol=1e-7, atol=1e-280, equal_nan=True)
    else:
        mine = np.abs(got - exact)
        theirs = np.abs(want - exact)
        assert np.all(
            (mine <= theirs + 2 * np.spacing(np.abs(exact).astype(np.float32))) | np.isnan(exact)
        )


# ---- edge values -----------------------------------------------------------------------------

EDGES = [
    0.0,
    -0.0,
    1.0,
    2.0,
    -1.0,
    -2.0,
    -2.5,
    0.5,
    1e-30,
    -1e-30,
    1e30,
    -1e30,
    3e38,
    math.inf,
    -math.inf,
    math.nan,
]
UNARY_EDGE = {
    "lgamma": (numtorch.lgamma, torch.lgamma),
    "digamma": (numtorch.digamma, torch.digamma),
    "trigamma": (lambda x: numtorch.polygamma(1, x), lambda x: torch.polygamma(1, x)),
    "polygamma4": (lambda x: numtorch.polygamma(4, x), lambda x: torch.polygamma(4, x)),
    "erfinv": (numtorch.erfinv, torch.erfinv),
    "i0": (numtorch.i0, torch.i0),
    "sinc": (numtorch.sinc, torch.sinc),
    "i0e": (S.i0e, T.i0e),
    "i1": (S.i1, T.i1),
    "i1e": (S.i1e, T.i1e),
    "entr": (S.entr, T.entr),
    "ndtr": (S.ndtr, T.ndtr),
    "ndtri": (S.ndtri, T.ndtri),
    "log_ndtr": (S.log_ndtr, T.log_ndtr),
    "erfcx": (S.erfcx, T.erfcx),
    "gammaln": (S.gammaln, T.gammaln),
    "psi": (S.psi, T.psi),
    "multigammaln": (lambda x: S.multigammaln(x, 2), lambda x: T.multigammaln(x, 2)),
    **{
        n: (getattr(S, n), getattr(T, n))
        for n in (
            "bessel_j0",
            "bessel_j1",
            "bessel_y0",
            "bessel_y1",
            "spherical_bessel_j0",
            "modified_bessel_i0",
            "modified_bessel_i1",
            "modified_bessel_k0",
            "modified_bessel_k1",
            "scaled_modified_bessel_k0",
            "scaled_modified_bessel_k1",
            "airy_ai",
        )
    },
}


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(UNARY_EDGE))
def test_edge_values(name, dt):
    fn, tfn = UNARY_EDGE[name]
    x = np.array(EDGES, dt)
    got = fn(numtorch.tensor(x)).numpy()
    want = tfn(torch.from_numpy(x)).numpy()
    assert np.array_equal(np.isnan(got), np.isnan(want)), (x, got, want)

    def infs(v):
        return np.where(np.isinf(v), np.sign(v), 0)

    assert np.array_equal(infs(got), infs(want)), (x, got, want)
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=8 * np.finfo(dt).eps, atol=0)


@pytest.mark.parametrize("upper", [False, True])
def test_incomplete_gamma_edges(upper):
    v = [0.0, 0.5, 2.0, math.inf, -1.0, math.nan]
    a, x = (g.ravel() for g in np.meshgrid(v, v))
    fn, tfn = (S.gammaincc, T.gammaincc) if upper else (S.gammainc, T.gammainc)
    assert_close(
        fn(numtorch.tensor(a), numtorch.tensor(x)), tfn(torch.from_numpy(a), torch.from_numpy(x))
    )


# ---- the torch.special aliases and compositions --------------------------------------------------

ALIASES = [
    ("expit", lambda L, x: L.special.expit(x)),
    ("exp2", lambda L, x: L.special.exp2(x)),
    ("expm1", lambda L, x: L.special.expm1(x)),
    ("log1p", lambda L, x: L.special.log1p(x)),
    ("erf", lambda L, x: L.special.erf(x)),
    ("erfc", lambda L, x: L.special.erfc(x)),
    ("logit", lambda L, x: L.special.logit(x.sigmoid(), eps=1e-6)),
    ("round", lambda L, x: L.special.round(x)),
    ("xlogy", lambda L, x: L.special.xlogy(x, x.abs())),
    ("softmax", lambda L, x: L.special.softmax(x, 0)),
    ("log_softmax", lambda L, x: L.special.log_softmax(x, 0, dtype=L.float64)),
    ("logsumexp", lambda L, x: L.special.logsumexp(x, 0)),
    ("sinc", lambda L, x: L.special.sinc(x)),
    ("i0", lambda L, x: L.special.i0(x)),
    ("erfinv", lambda L, x: L.special.erfinv(x.tanh())),
    ("polygamma", lambda L, x: L.special.polygamma(2, x)),
    ("digamma", lambda L, x: L.special.digamma(x)),
    ("gammaincc", lambda L, x: L.special.gammaincc(x.abs(), x.abs())),
]


@pytest.mark.parametrize("name,f", ALIASES, ids=[a[0] for a in ALIASES])
def test_special_namespace(name, f):
    x = np.linspace(-3, 3, 13).astype(np.float32)
    assert_close(f(numtorch, numtorch.tensor(x)), f(torch, torch.from_numpy(x)))


def test_special_names_match_pytorch():
    names = {
        n
        for n in dir(torch.special)
        if not n.startswith("_") and callable(getattr(torch.special, n))
    }
    names -= {"Tensor"}
    have = {n for n in names if hasattr(numtorch.special, n)}
    assert names - have == set(), sorted(names - have)


# ---- gradients ---------------------------------------------------------------------------------

# name: (graph(L, x), input points)
GRADS = {
    "lgamma": (lambda L, x: L.lgamma(x), [0.3, 1.5, 7.0, -2.5]),
    "digamma": (lambda L, x: L.digamma(x), [0.3, 1.5, 7.0, -2.5]),
    "polygamma1": (lambda L, x: L.polygamma(1, x), [0.3, 1.5, 7.0, -2.5]),
    "polygamma3": (lambda L, x: L.polygamma(3, x), [0.3, 1.5, 7.0]),
    "mvlgamma": (lambda L, x: L.mvlgamma(x, 3), [1.2, 2.5, 7.0]),
    "erfinv": (lambda L, x: L.erfinv(x), [-0.9, -0.2, 0.0, 0.5, 0.99]),
    "i0": (lambda L, x: L.i0(x), [-9.0, -1.0, 0.5, 3.0, 12.0]),
    "sinc": (lambda L, x: L.sinc(x), [-2.5, -0.3, 0.7, 3.2]),
    "i0e": (lambda L, x: L.special.i0e(x), [-9.0, -1.0, 0.5, 3.0, 12.0]),
    "i1": (lambda L, x: L.special.i1(x), [-9.0, -1.0, 0.5, 3.0, 12.0]),
    "i1e": (lambda L, x: L.special.i1e(x), [-9.0, -1.0, 0.5, 3.0, 12.0]),
    "entr": (lambda L, x: L.special.entr(x), [0.1, 0.5, 3.0]),
    "ndtr": (lambda L, x: L.special.ndtr(x), [-3.0, -0.5, 0.0, 2.0]),
    "ndtri": (lambda L, x: L.special.ndtri(x), [0.01, 0.3, 0.5, 0.97]),
    "log_ndtr": (lambda L, x: L.special.log_ndtr(x), [-8.0, -1.5, 0.0, 3.0]),
    "erfcx": (lambda L, x: L.special.erfcx(x), [-2.0, 0.0, 1.0, 8.0, 60.0]),
    "xlog1py_self": (lambda L, x: L.special.xlog1py(x, 2.5), [-1.0, 0.0, 2.0]),
    "xlog1py_other": (lambda L, x: L.special.xlog1py(1.5, x), [-0.5, 0.0, 2.0]),
    "xlog1py_both": (lambda L, x: L.special.xlog1py(x, x * x), [-0.5, 0.5, 2.0]),
    "zeta_q": (lambda L, x: L.special.zeta(3.0, x), [0.5, 1.5, 4.0]),
    "gammainc_x": (lambda L, x: L.special.gammainc(L.full_like(x, 2.5), x), [0.5, 1.5, 4.0]),
    "gammaincc_x": (lambda L, x: L.special.gammaincc(L.full_like(x, 2.5), x), [0.5, 1.5, 4.0]),
}


def _grad(L, f, pts, dtype):
    x = L.tensor(pts, dtype=dtype, requires_grad=True)
    y = f(L, x)
    y.backward(L.linspace(0.5, 1.5, len(pts), dtype=dtype))
    return y, x.grad


@pytest.mark.parametrize("name", list(GRADS))
def test_gradients_match_pytorch(name):
    f, pts = GRADS[name]
    for nd, td in ((numtorch.float32, torch.float32), (numtorch.float64, torch.float64)):
        y, g = _grad(numtorch, f, pts, nd)
        ty, tg = _grad(torch, f, pts, td)
        assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__
        assert_close(
            g,
            tg,
            rtol=1e-5 if nd is numtorch.float32 else 1e-9,
            atol=1e-6 if nd is numtorch.float32 else 1e-12,
        )


@pytest.mark.parametrize("name", [n for n in GRADS if n != "ndtri"] + ["ndtri_inner"])
def test_gradcheck(name):
    if name == "ndtri_inner":
        f, pts = (lambda L, x: L.special.ndtri(x), [0.05, 0.3, 0.5, 0.9])
    else:
        f, pts = GRADS[name]
    pts = [p for p in pts if p != 0.0 or "xlog1py" not in name]
    x = numtorch.tensor(pts, dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(
        lambda t: f(numtorch, t), (x,), eps=1e-6, atol=1e-6, rtol=1e-4
    )


@pytest.mark.parametrize(
    "name",
    [
        "bessel_j0",
        "bessel_y1",
        "modified_bessel_k0",
        "spherical_bessel_j0",
        "airy_ai",
        "chebyshev_polynomial_t",
        "legendre_polynomial_p",
    ],
)
def test_not_differentiable(name):
    args = (2,) if "polynomial" in name else ()
    y = getattr(S, name)(numtorch.tensor([0.5, 1.5], requires_grad=True), *args)
    ty = getattr(T, name)(torch.tensor([0.5, 1.5], requires_grad=True), *args)
    assert (y.requires_grad, y.grad_fn) == (ty.requires_grad, ty.grad_fn) == (False, None)


def test_no_gradient_where_pytorch_has_none():
    a = numtorch.tensor([2.5], requires_grad=True)
    x = numtorch.tensor([1.5])
    ta = torch.tensor([2.5], requires_grad=True)
    tx = torch.tensor([1.5])
    for n_fn, t_fn in ((S.gammainc, T.gammainc), (S.gammaincc, T.gammaincc), (S.zeta, T.zeta)):
        assert_same_error(
            lambda t_fn=t_fn: t_fn(ta, tx).sum().backward(),
            lambda n_fn=n_fn: n_fn(a, x).sum().backward(),
        )


# ---- methods, in-place, dtypes -------------------------------------------------------------

METHODS = [
    ("lgamma", lambda x: x.lgamma()),
    ("lgamma_", lambda x: x.clone().lgamma_()),
    ("digamma", lambda x: x.digamma()),
    ("digamma_", lambda x: x.clone().digamma_()),
    ("polygamma", lambda x: x.polygamma(2)),
    ("polygamma_", lambda x: x.clone().polygamma_(1)),
    ("mvlgamma", lambda x: (x + 2).mvlgamma(p=2)),
    ("mvlgamma_", lambda x: (x + 2).mvlgamma_(2)),
    ("erfinv", lambda x: (x / 4).erfinv()),
    ("erfinv_", lambda x: (x / 4).erfinv_()),
    ("i0", lambda x: x.i0()),
    ("i0_", lambda x: x.clone().i0_()),
    ("sinc", lambda x: x.sinc()),
    ("sinc_", lambda x: x.clone().sinc_()),
    ("igamma", lambda x: x.abs().igamma(x.abs() + 1)),
    ("igamma_", lambda x: x.abs().igamma_(x.abs() + 1)),
    ("igammac", lambda x: x.abs().igammac(x.abs() + 1)),
    ("igammac_", lambda x: x.abs().igammac_(x.abs() + 1)),
    ("torch.polygamma_out", lambda x: None),
]


@pytest.mark.parametrize("name,f", METHODS, ids=[m[0] for m in METHODS])
def test_methods_and_inplace(name, f):
    x = np.array([0.3, 1.5, 2.5, 3.0], np.float32)
    got = f(numtorch.tensor(x))
    if got is None:
        out, tout = numtorch.empty(4), torch.empty(4)
        numtorch.polygamma(1, numtorch.tensor(x), out=out)
        torch.polygamma(1, torch.from_numpy(x), out=tout)
        assert_close(out, tout)
        return
    assert_close(got, f(torch.from_numpy(x)))


def test_inplace_records_gradient():
    grads = []
    for L in (numtorch, torch):
        x = L.tensor([0.5, 2.0], requires_grad=True)
        y = x * 1
        y.lgamma_()
        assert type(y.grad_fn).__name__ == "LgammaBackward0"
        y.sum().backward()
        grads.append(x.grad)
    assert_close(*grads)


DTYPE_CASES = [
    ("lgamma_int", lambda L, x: L.lgamma(x)),
    ("digamma_bool", lambda L, x: L.digamma(x > 1)),
    ("polygamma_int", lambda L, x: L.polygamma(1, x)),
    ("mvlgamma_int", lambda L, x: L.mvlgamma(x + 1, 2)),
    ("erfinv_bool", lambda L, x: L.erfinv(x > 1)),
    ("i0_int", lambda L, x: L.i0(x)),
    ("sinc_int", lambda L, x: L.sinc(x)),
    ("ndtr_int", lambda L, x: L.special.ndtr(x)),
    ("i1e_bool", lambda L, x: L.special.i1e(x > 1)),
    ("entr_int", lambda L, x: L.special.entr(x)),
    ("xlog1py_int", lambda L, x: L.special.xlog1py(x, 2)),
    ("xlog1py_scalar", lambda L, x: L.special.xlog1py(2, x)),
    ("zeta_int", lambda L, x: L.special.zeta(2, x + 1)),
    ("zeta_mixed", lambda L, x: L.special.zeta(x.float() + 2, x.double() + 1)),
    ("erfcx_float64", lambda L, x: L.special.erfcx(x.double())),
]


@pytest.mark.parametrize("name,f", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_dtype_promotion(name, f):
    x = np.array([0, 1, 2, 3], np.int64)
    assert_close(f(numtorch, numtorch.tensor(x)), f(torch, torch.from_numpy(x)))


ERRORS = [
    ("polygamma_negative", lambda L, x: L.polygamma(-1, x)),
    ("special_polygamma_negative", lambda L, x: L.special.polygamma(-2, x)),
    ("polygamma_float_n", lambda L, x: L.polygamma(1.5, x)),
    ("mvlgamma_p0", lambda L, x: L.mvlgamma(x, 0)),
    ("mvlgamma_bool", lambda L, x: L.mvlgamma(x > 0, 1)),
    ("igamma_int", lambda L, x: L.igamma(x.long(), x.long())),
    ("igamma_bool", lambda L, x: L.special.gammainc(x > 0, x > 0)),
    ("igammac_int", lambda L, x: L.igammac(x.long(), x.long())),
    ("xlog1py_numbers", lambda L, x: L.special.xlog1py(2, 3)),
    ("lgamma_inplace_int", lambda L, x: x.long().lgamma_()),
    ("i0_inplace_int", lambda L, x: x.long().i0_()),
    ("shape", lambda L, x: L.special.xlog1py(x, L.ones(3))),
]


@pytest.mark.parametrize("name,f", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, f):
    x = [1.0, 2.0]
    assert_same_error(lambda: f(torch, torch.tensor(x)), lambda: f(numtorch, numtorch.tensor(x)))


def test_no_numpy_warnings():
    import warnings

    x = numtorch.tensor(
        [0.0, -1.0, -2.0, math.inf, -math.inf, math.nan, 1e30, -1e30], requires_grad=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (
            numtorch.lgamma,
            numtorch.digamma,
            lambda t: numtorch.polygamma(3, t),
            numtorch.erfinv,
            numtorch.i0,
            numtorch.sinc,
            S.i0e,
            S.i1,
            S.i1e,
            S.entr,
            S.ndtr,
            S.ndtri,
            S.log_ndtr,
            S.erfcx,
            lambda t: S.zeta(t, t),
            lambda t: S.gammainc(t, t),
            lambda t: S.xlog1py(t, t),
            lambda t: S.multigammaln(t, 3),
        ):
            y = f(x)
            if y.requires_grad:
                try:
                    y.sum().backward()
                except NotImplementedError:
                    pass
