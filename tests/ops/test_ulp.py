"""Elementwise maths measured in ulps against PyTorch on dense grids, tails included.

Every transcendental op and activation is run over a dense float32 grid (every 1e-3 on
[-20, 20], or a dense grid of its own domain) plus the tails (+-30, +-50, +-88, +-89, +-100,
+-inf, nan, +-0, subnormals), and the worst distance to PyTorch, in units in the last place, must
be at most 2.  PyTorch runs on one thread and every array is a multiple of 64 long, so each
element goes through PyTorch's vectorised kernel (the last few elements of an array, or of a
thread's share, go through a scalar kernel that is not always bit-identical to it).

Tests that need PyTorch skip without it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import numtorch
import numtorch.nn.functional as NF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TAILS = [30.0, 50.0, 88.0, 88.7, 88.75, 89.0, 100.0, 1e10, math.inf, 0.0, 1e-30, 1e-40, 1e-45,
         1e-7]
TAILS = TAILS + [-t for t in TAILS] + [math.nan]


def _grid(lo: float, hi: float, n: int, dtype, tails=TAILS) -> np.ndarray:
    """``n`` evenly spaced points of [lo, hi], the tails, and a multiple of 64 in all."""
    x = np.concatenate([np.asarray(tails, np.float64), np.linspace(lo, hi, n)])
    with np.errstate(over="ignore"):  # 1e10 is inf in float16
        x = x.astype(dtype)
    return x[: len(x) // 64 * 64]


def _ordered(a: np.ndarray) -> np.ndarray:
    """The float's rank among all floats of its width: consecutive floats differ by 1."""
    width = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32}.get(a.dtype, np.int64)
    bits = a.view(width).astype(np.int64)
    magnitude = bits & np.int64(np.iinfo(width).max)
    return np.where(bits < 0, -magnitude, magnitude)


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in ulps; two NaNs are 0 apart, a NaN and a number infinitely far."""
    oa, ob = _ordered(a), _ordered(b)
    same_side = (oa >= 0) == (ob >= 0)  # no int64 overflow in the difference
    d = np.where(same_side, np.abs(oa - ob), np.abs(oa).astype(np.float64) + np.abs(ob))
    d = d.astype(np.float64)
    na, nb = np.isnan(a), np.isnan(b)
    d[na & nb] = 0
    d[na ^ nb] = np.inf
    return d


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _run(f, x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NumPy warning leaks, even for inf/nan
        return f(numtorch.tensor(x)).numpy()


def _worst(name, mine: np.ndarray, ref: np.ndarray, x: np.ndarray, tol: float) -> None:
    d = ulps(mine, ref)
    i = int(np.argmax(d))
    assert d[i] <= tol, (f"{name}: worst {d[i]:g} ulp at x={x[i]!r} (numtorch {mine[i]!r}, torch "
                         f"{ref[i]!r}); {(d > tol).sum()} points beyond {tol} ulp")


# name: (numtorch function, torch function, domain, points)
WIDE = (-20.0, 20.0, 40001)
OPS = {
    "exp": (numtorch.exp, torch.exp, WIDE),
    "exp2": (numtorch.exp2, torch.exp2, WIDE),
    "expm1": (numtorch.expm1, torch.expm1, WIDE),
    "log": (numtorch.log, torch.log, (0.0, 20.0, 40001)),
    "log2": (numtorch.log2, torch.log2, (0.0, 20.0, 40001)),
    "log10": (numtorch.log10, torch.log10, (0.0, 20.0, 40001)),
    "log1p": (numtorch.log1p, torch.log1p, (-1.0, 20.0, 40001)),
    "sqrt": (numtorch.sqrt, torch.sqrt, (0.0, 20.0, 40001)),
    "rsqrt": (numtorch.rsqrt, torch.rsqrt, (0.0, 20.0, 40001)),
    "sin": (numtorch.sin, torch.sin, WIDE),
    "cos": (numtorch.cos, torch.cos, WIDE),
    "tan": (numtorch.tan, torch.tan, WIDE),
    "asin": (numtorch.asin, torch.asin, (-1.0, 1.0, 40001)),
    "acos": (numtorch.acos, torch.acos, (-1.0, 1.0, 40001)),
    "atan": (numtorch.atan, torch.atan, WIDE),
    "sinh": (numtorch.sinh, torch.sinh, (-90.0, 90.0, 40001)),
    "cosh": (numtorch.cosh, torch.cosh, (-90.0, 90.0, 40001)),
    "tanh": (numtorch.tanh, torch.tanh, WIDE),
    "asinh": (numtorch.asinh, torch.asinh, WIDE),
    "acosh": (numtorch.acosh, torch.acosh, (1.0, 20.0, 40001)),
    "atanh": (numtorch.atanh, torch.atanh, (-1.0, 1.0, 40001)),
    "sigmoid": (numtorch.sigmoid, torch.sigmoid, (-100.0, 100.0, 100001)),
    "erf": (numtorch.erf, torch.erf, WIDE),
    "erfc": (numtorch.erfc, torch.erfc, WIDE),
    "logit": (numtorch.logit, torch.logit, (0.0, 1.0, 40001)),
    "F.sigmoid": (NF.sigmoid, TF.sigmoid, (-100.0, 100.0, 100001)),
    "F.tanh": (NF.tanh, TF.tanh, WIDE),
    "F.silu": (NF.silu, TF.silu, (-100.0, 100.0, 100001)),
    "F.mish": (NF.mish, TF.mish, (-87.0, 30.0, 100001)),  # the subnormal tail: test_mish_tail
    "F.softplus": (NF.softplus, TF.softplus, WIDE),
    "F.elu": (NF.elu, TF.elu, WIDE),
    "F.selu": (NF.selu, TF.selu, WIDE),
    "F.celu": (lambda x: NF.celu(x, 0.5), lambda x: TF.celu(x, 0.5), WIDE),
    "F.hardswish": (NF.hardswish, TF.hardswish, WIDE),
    "F.hardsigmoid": (NF.hardsigmoid, TF.hardsigmoid, WIDE),
    "F.logsigmoid": (NF.logsigmoid, TF.logsigmoid, WIDE),
    "F.tanhshrink": (NF.tanhshrink, TF.tanhshrink, WIDE),
    "F.softsign": (NF.softsign, TF.softsign, WIDE),
    "F.relu6": (NF.relu6, TF.relu6, WIDE),
    "F.leaky_relu": (NF.leaky_relu, TF.leaky_relu, WIDE),
    "F.relu": (NF.relu, TF.relu, WIDE),
}

# float64 where cheap: everything but tanhshrink, whose ``x - tanh(x)`` cancels near 0, where
# the last bit of each library's float64 tanh decides the result (float32 evaluates tanh in
# float64, so there it is exact)
OPS64 = [n for n in OPS if n != "F.tanhshrink"]


# PyTorch's vectorised kernels (every x86-64 CPU with AVX2) overflow sinh/cosh with exp(|x|) and
# evaluate mish step by step in float32; its scalar fallback (no AVX2) uses the C library instead
VECTOR_FORMULA = {"sinh", "cosh", "F.mish"}
SCALAR_TORCH = torch.backends.cpu.get_cpu_capability() == "DEFAULT"


@pytest.mark.parametrize("name", list(OPS))
def test_float32_within_2_ulp_of_torch(name):
    if SCALAR_TORCH and name in VECTOR_FORMULA:
        pytest.skip(
            "PyTorch runs its scalar kernels here (no AVX2); numtorch follows its vector ones"
        )
    mine_fn, torch_fn, (lo, hi, n) = OPS[name]
    x = _grid(
        lo, hi, n, np.float32, [t for t in TAILS if not t < lo] if name == "F.mish" else TAILS
    )
    _worst(name, _run(mine_fn, x), torch_fn(torch.from_numpy(x)).numpy(), x, 2)


# ``1 / (1 + exp(-x))``: past x = -36.7, exp(-x) > 2^53 and ``1 + exp(-x)`` rounds (often a tie)
# on the last bit of ``exp``, which libraries round differently; with the reciprocal's own
# rounding, 3 ulp can separate two faithful float64 evaluations of the same formula.  mish chains
# three library functions (exp, log1p, tanh), each rounded in float64.
TOL64 = {"sigmoid": 3, "F.sigmoid": 3, "F.silu": 3, "F.mish": 3}


@pytest.mark.parametrize("name", OPS64)
def test_float64_within_2_ulp_of_torch(name):
    mine_fn, torch_fn, (lo, hi, n) = OPS[name]
    x = _grid(lo, hi, n // 4, np.float64)
    _worst(name, _run(mine_fn, x), torch_fn(torch.from_numpy(x)).numpy(), x, TOL64.get(name, 2))


def test_float16_within_1_ulp():
    """float16 is computed in a wider type and rounded once, by PyTorch as here.  (Not on float16
    subnormals: PyTorch's float16 erf is its float32 approximation, whose absolute error, 1.5e-7,
    decides results below 6e-5.)"""
    x = _grid(-20, 20, 4001, np.float16)
    x = x[~(np.abs(x) < 6.2e-5)]
    for mine_fn, torch_fn in ((numtorch.erf, torch.erf), (numtorch.erfc, torch.erfc),
                              (numtorch.sigmoid, torch.sigmoid), (numtorch.exp, torch.exp),
                              (numtorch.sin, torch.sin), (numtorch.sinh, torch.sinh)):
        _worst(
            f"float16 {torch_fn.__name__}", _run(mine_fn, x), torch_fn(torch.from_numpy(x)).numpy(),
            x, 1,
        )


F16_ACTIVATIONS = ["F.sigmoid", "F.tanh", "F.silu", "F.mish", "F.softplus", "F.elu", "F.selu",
                   "F.celu", "F.hardswish", "F.hardsigmoid", "F.logsigmoid", "F.tanhshrink",
                   "F.softsign", "F.gelu", "F.gelu(tanh)"]


@pytest.mark.parametrize("name", F16_ACTIVATIONS)
def test_float16_activations_within_2_ulp(name):
    """PyTorch computes float16 activations in float32 and rounds once; so does numtorch (or
    in float64), which leaves a float32 formula's last-bit differences: 2 ulp of float16."""
    pair = {"F.gelu": (NF.gelu, TF.gelu),
            "F.gelu(tanh)": (lambda t: NF.gelu(t, approximate="tanh"),
                             lambda t: TF.gelu(t, approximate="tanh"))}.get(name, OPS.get(name))
    x = _grid(-20, 20, 8001, np.float16)
    mine, ref = _run(pair[0], x), pair[1](torch.from_numpy(x)).numpy()
    if name == "F.gelu(tanh)":  # its float32 ``1 + tanh`` cancels for x < 0 (see below)
        _worst_cancelling(f"float16 {name}", mine, ref, x, np.float32)
    else:
        _worst(f"float16 {name}", mine, ref, x, 2)


AVX512 = torch.backends.cpu.get_cpu_capability().startswith("AVX512")


@pytest.mark.skipif(not AVX512, reason="PyTorch's float32 gelu depends on the instruction set; "
                    "numtorch follows its AVX-512 kernel (NOTE [ gelu's float32 erf ])")
def test_gelu_erf_float32_follows_pytorch_in_the_tail():
    x = _grid(-20, 20, 40001, np.float32)
    _worst("F.gelu", _run(NF.gelu, x), TF.gelu(torch.from_numpy(x)).numpy(), x, 2)


def test_gelu_erf_float32_close_to_the_true_value_above_the_tail():
    """On any CPU: above x = -1 (no cancellation) numtorch's float32 gelu, like each of PyTorch's
    kernels, is within a few ulp of the true value."""
    x = np.linspace(-1, 20, 21001).astype(np.float32)
    true = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    _worst("F.gelu vs true", _run(NF.gelu, x), true.astype(np.float32), x, 4)


def _worst_cancelling(name, mine, ref, x, dtype) -> None:
    """For x < 0, ``1 + f`` (``f`` = erf or tanh, in (-1, 0)) loses the leading bits of ``f``, and
    its last bit, rounded differently by PyTorch's library and NumPy's, moves the result by
    ``ulp(f) |x| / 2``: there the bound is 2 ulp of the result plus 2 ulp of ``f`` times |x|/2
    (``eps |x|``), which near x = -3 is hundreds of ulp of the result; for x >= 0, 2 ulp."""
    head = (x >= 0) | ~np.isfinite(x)
    _worst(name, mine[head], ref[head], x[head], 2)
    tail = ~head
    eps = float(np.finfo(dtype).eps) / 2  # an ulp just below 1
    ulp_ref = np.spacing(np.abs(ref[tail])).astype(np.float64)
    err = np.abs(mine[tail].astype(np.float64) - ref[tail])
    bound = 2 * ulp_ref + 2 * eps * np.abs(x[tail]) / 2
    i = int(np.argmax(err / bound))
    assert err[i] <= bound[i], f"{name}: {err[i]:g} > {bound[i]:g} at x={x[tail][i]!r}"


def test_gelu_tanh_float32():
    x = _grid(-20, 20, 40001, np.float32)
    mine = _run(lambda t: NF.gelu(t, approximate="tanh"), x)
    ref = TF.gelu(torch.from_numpy(x), approximate="tanh").numpy()
    _worst_cancelling("F.gelu(tanh)", mine, ref, x, np.float32)


@pytest.mark.skipif(torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"),
                    reason="PyTorch's vectorised float32 tanh saturates at 8.664339742 with AVX2 "
                    "or AVX-512 only (NOTE [ float32 tanh saturation ])")
def test_gelu_tanh_float32_saturated_tail_is_exact():
    """Where PyTorch's float32 tanh returns exactly -1 (x below about -5.1), ``1 + tanh`` is 0
    and the result -0.0, bit for bit; elsewhere the bound of ``_worst_cancelling`` holds."""
    x = _grid(-20, -5.15, 20001, np.float32)
    mine = _run(lambda t: NF.gelu(t, approximate="tanh"), x)
    ref = TF.gelu(torch.from_numpy(x), approximate="tanh").numpy()
    assert np.array_equal(mine.view(np.int32), ref.view(np.int32))
    x = _grid(-5.2, -5.1, 2001, np.float32)
    mine = _run(lambda t: NF.gelu(t, approximate="tanh"), x)
    ref = TF.gelu(torch.from_numpy(x), approximate="tanh").numpy()
    _worst("F.gelu(tanh) at the saturation", mine, ref, x, 2)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_float64(approximate):
    x = _grid(-20, 20, 10001, np.float64)
    mine = _run(lambda t: NF.gelu(t, approximate=approximate), x)
    ref = TF.gelu(torch.from_numpy(x), approximate=approximate).numpy()
    _worst_cancelling(f"F.gelu({approximate})", mine, ref, x, np.float64)


def test_erfc_right_tail_keeps_relative_accuracy():
    x = np.linspace(4, 10, 6401).astype(np.float32)
    x = x[: len(x) // 64 * 64]
    ref = torch.erfc(torch.from_numpy(x)).numpy()
    _worst("erfc tail", _run(numtorch.erfc, x), ref, x, 2)
    exact = np.array([math.erfc(v) for v in x.astype(np.float64)])
    mine = _run(numtorch.erfc, x.astype(np.float64))
    ok = exact > 1e-300
    assert np.max(np.abs(mine[ok] - exact[ok]) / exact[ok]) < 1e-15


def test_one_erf():
    """float32, float64 and the activations share one kernel (no math.erf per element), and
    ``F.tanh`` / ``F.sigmoid`` / ``F.relu`` are ``numtorch``'s own ops."""
    import numtorch.nn.functional as F
    from numtorch._ops import activation, elementwise
    assert activation._erf is elementwise._erf
    x = numtorch.tensor([0.5, -2.0], requires_grad=True)
    assert type(F.tanh(x).grad_fn) is type(numtorch.tanh(x).grad_fn)
    assert F.relu(numtorch.tensor([-1.0, 2.0])).grad_fn is None
    x = np.linspace(-6, 6, 1201)
    exact = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(_run(numtorch.erf, x) - exact) / np.maximum(np.abs(exact), 1e-300)) < 3e-16


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_1d_within_a_few_ulp(name):
    """A sum of 4096 terms is involved, whose order of additions differs between libraries and
    CPUs (SIMD lanes, blocking); its rounding error, up to a few ulp, enters every output (through
    the division, or the subtracted log): 8 ulp allowed."""
    x = np.random.default_rng(0).uniform(-20, 20, 4096).astype(np.float32)
    mine = _run(lambda t: getattr(NF, name)(t, dim=0), x)
    ref = getattr(TF, name)(torch.from_numpy(x), dim=0).numpy()
    _worst(name, mine, ref, x, 8)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPS) + ["F.gelu", "F.gelu(tanh)"])
def test_backward_of_tails_is_silent(name, dtype):
    """inf, nan, 0 and overflowing inputs give inf/nan gradients without a NumPy warning, as in
    PyTorch (which warns about none of them)."""
    fn = {"F.gelu": NF.gelu, "F.gelu(tanh)": lambda t: NF.gelu(t, approximate="tanh")}.get(name)
    fn = fn or OPS[name][0]
    x = numtorch.tensor(np.asarray(TAILS), dtype=getattr(numtorch, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fn(x).sum().backward()


# ---- gradients of the ops changed for accuracy ----------------------------------------------

GRAD_OPS = {
    "erf": (numtorch.erf, torch.erf), "erfc": (numtorch.erfc, torch.erfc),
    "sigmoid": (numtorch.sigmoid, torch.sigmoid), "sinh": (numtorch.sinh, torch.sinh),
    "cosh": (numtorch.cosh, torch.cosh), "exp": (numtorch.exp, torch.exp),
    "log": (lambda t: numtorch.log(t.abs() + 0.5), lambda t: torch.log(t.abs() + 0.5)),
    "tan": (numtorch.tan, torch.tan), "asin": (lambda t: numtorch.asin(t * 0.03),
                                              lambda t: torch.asin(t * 0.03)),
    "gelu": (NF.gelu, TF.gelu),
    "gelu_tanh": (lambda t: NF.gelu(t, approximate="tanh"),
                  lambda t: TF.gelu(t, approximate="tanh")),
    "silu": (NF.silu, TF.silu), "mish": (NF.mish, TF.mish), "softplus": (NF.softplus, TF.softplus),
    "logsigmoid": (NF.logsigmoid, TF.logsigmoid), "tanhshrink": (NF.tanhshrink, TF.tanhshrink),
    "logit": (lambda t: numtorch.logit(t * 0.03 + 0.5), lambda t: torch.logit(t * 0.03 + 0.5)),
    "logit_eps": (lambda t: numtorch.logit(t * 0.1 + 0.5, eps=0.2),
                  lambda t: torch.logit(t * 0.1 + 0.5, eps=0.2)),
}


@pytest.mark.parametrize("eps", [None, 0.1, 0.3])
def test_logit_edges_and_gradient(eps):
    x = [-0.5, 0.0, 0.3, 0.7, 1.0, 1.5, math.nan]
    a = numtorch.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    out, ref = numtorch.logit(a, eps), torch.logit(b, eps)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    assert out.grad_fn.name() == ref.grad_fn.name()
    out.backward(numtorch.ones(len(x)))
    ref.backward(torch.ones(len(x)))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(GRAD_OPS))
def test_gradient_matches_torch(name, dtype):
    mine_fn, torch_fn = GRAD_OPS[name]
    x = np.concatenate([np.linspace(-6, 6, 61), [-30.0, 30.0, 1e-3]]).astype(dtype)
    a = numtorch.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    g = np.linspace(0.5, 1.5, len(x)).astype(dtype)
    mine_fn(a).backward(numtorch.tensor(g))
    torch_fn(b).backward(torch.tensor(g))
    torch.testing.assert_close(torch.from_numpy(a.grad.numpy()), b.grad, rtol=1e-5, atol=1e-6,
                               equal_nan=True)


@pytest.mark.parametrize("name", list(GRAD_OPS))
def test_gradcheck_float64(name):
    mine_fn, _ = GRAD_OPS[name]
    x = numtorch.tensor(np.linspace(-3.1, 2.9, 13), dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(mine_fn, (x,))


# ---- fmax / fmin ---------------------------------------------------------------------------

NAN = math.nan
FM_CASES = [
    ([1.0, 2.0, NAN, NAN, 3.0, 3.0, -0.0, math.inf], [2.0, 1.0, 1.0, NAN, 3.0, NAN, 0.0, NAN]),
    ([[1.0], [NAN]], [NAN, 5.0, -1.0]),  # broadcast
]


@pytest.mark.parametrize("op", ["fmax", "fmin"])
@pytest.mark.parametrize("case", range(len(FM_CASES)))
def test_fmax_fmin_ignore_nan_with_torch_gradients(op, case):
    av, bv = FM_CASES[case]
    a, b = numtorch.tensor(av, requires_grad=True), numtorch.tensor(bv, requires_grad=True)
    ta, tb = torch.tensor(av, requires_grad=True), torch.tensor(bv, requires_grad=True)
    out, ref = getattr(numtorch, op)(a, b), getattr(torch, op)(ta, tb)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    assert out.grad_fn.name() == ref.grad_fn.name()
    assert np.array_equal(getattr(a, op)(b).detach().numpy(), ref.detach().numpy(), equal_nan=True)
    g = np.arange(1, out.numel() + 1, dtype=np.float32).reshape(out.shape)
    out.backward(numtorch.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())


@pytest.mark.parametrize("op", ["fmax", "fmin"])
def test_fmax_fmin_dtypes_and_errors(op):
    from conftest import assert_same_error
    for av, bv in (([1, 2], [1.5, NAN]), ([True, False], [False, False]), ([3, 1], [2, 2])):
        out = getattr(numtorch, op)(numtorch.tensor(av), numtorch.tensor(bv))
        ref = getattr(torch, op)(torch.tensor(av), torch.tensor(bv))
        assert str(out.dtype) == str(ref.dtype)
        np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert_same_error(lambda: getattr(torch, op)(torch.tensor([1.0]), 1.0),
                      lambda: getattr(numtorch, op)(numtorch.tensor([1.0]), 1.0))


def test_fmax_gradcheck():
    a = numtorch.tensor([1.0, -2.0, 0.5], dtype=numtorch.float64, requires_grad=True)
    b = numtorch.tensor([0.0, 3.0, -1.0], dtype=numtorch.float64, requires_grad=True)
    assert numtorch.autograd.gradcheck(numtorch.fmax, (a, b))
    assert numtorch.autograd.gradcheck(numtorch.fmin, (a, b))
