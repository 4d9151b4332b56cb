"""The optimizers' batched exact arithmetic against PyTorch, bit for bit.

SGD and the Adam family update all the parameters of a group together: each fused
multiply-add stage goes through ``numtorch.random.numerics.fma32_lists``, which stages the
arrays side by side in float64 scratch (slicing large ones), and skips the midpoint test for
a power-of-two multiplier (NOTE [ power-of-two multiplier ]).  The tables here check those
routes against PyTorch's CPU kernels on inputs built to round twice through float64, and
long float32 trajectories of each optimizer configuration against ``torch.optim``.

Adam's parameters are compared within float32 tolerance: PyTorch's ``sqrt`` on CPU need not
be correctly rounded (with MKL's vector maths it differs from IEEE ``sqrt`` in the last bit
for some inputs), so only its moment estimates, which never see a square root, are defined
bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch.optim import _kernels as K
from numtorch.random import numerics
from numtorch.random.numerics import fma32_lists

torch = pytest.importorskip("torch")

CHUNK = numerics._CHUNK
BIG = 2 * CHUNK + 3001            # more than two chunks: sliced, with a partial last slice


def _hard(n: int, seed: int, b_scale: float = 1.0):
    """``(a, b, c)`` float32 with ``a * b`` within a float32 rounding of half an ulp of ``c``
    (about one in forty rounds twice through float64)."""
    rng = np.random.default_rng(seed)
    b = (b_scale * rng.uniform(1e-4, 1e-1, n)).astype(np.float32)
    c = (rng.choice([-1.0, 1.0], n) * (1 + rng.integers(0, 8, n) / 8)).astype(np.float32)
    half_ulp = np.spacing(np.abs(c)).astype(np.float64) / 2
    a = (np.sign(c) * rng.choice([-1.0, 1.0], n) * half_ulp / b).astype(np.float32)
    return a, b, c


def _near_power_of_two_product() -> tuple[int, int]:
    """24-bit integers ``m1``, ``m2`` with ``m1 * m2`` just above ``2**47`` (by < ``2**18``)."""
    m1 = np.arange(13_958_643, 13_958_643 + 100_000, dtype=np.int64)
    m2 = np.rint(2.0 ** 47 / m1).astype(np.int64)
    excess = m1 * m2 - 2 ** 47
    i = int(np.flatnonzero((excess > 0) & (excess < 2 ** 18))[0])
    return int(m1[i]), int(m2[i])


M1, M2 = _near_power_of_two_product()
HARD_LR = M1 * 2.0 ** -30            # a float32 near 0.013

def _hard_for(b: np.float32, n: int, seed: int):
    """``(a, c)`` for the number ``b = HARD_LR``: every other ``a * b`` is a hair above half
    an ulp of ``c`` (at exponents from 2**-20 to 2**20), the rest random."""
    rng = np.random.default_rng(seed)
    e = 2.0 ** rng.integers(-20, 21, n)
    c = (rng.choice([-1.0, 1.0], n) * (1 + rng.integers(1, 64, n) / 64) * e).astype(np.float32)
    a = (rng.choice([-1.0, 1.0], n) * float(M2) * 2.0 ** -41 * e).astype(np.float32)
    a[1::2] = rng.standard_normal(n // 2).astype(np.float32)
    return a, c


def _via_float64(a, b, c) -> np.ndarray:
    return (a.astype(np.float64) * np.float64(b) + c.astype(np.float64)).astype(np.float32)


def _torch_fma(a, b, c) -> np.ndarray:
    """PyTorch's ``c + a * b`` rounded once (``addcmul``)."""
    b = np.broadcast_to(np.asarray(b, np.float32), a.shape).copy()
    return torch.addcmul(*(torch.from_numpy(v.copy()) for v in (c, a, b))).numpy()


LISTS = [  # (name, sizes of the arrays in one call)
    ("one small", [7]),
    ("a network's", [33 * 64, 33, 10 * 33, 10]),
    ("past one chunk", [CHUNK - 5, 300, 11]),
    ("sliced", [BIG, 5, 0]),
    ("empty", [0]),
]


@pytest.mark.parametrize("scalar", [False, True], ids=["array b", "number b"])
@pytest.mark.parametrize("name,sizes", LISTS, ids=[x[0] for x in LISTS])
def test_fma32_lists_rounds_once_like_torch(name, sizes, scalar):
    b = np.float32(HARD_LR)
    parts = [(*_hard_for(b, n, seed), b) for seed, n in enumerate(sizes)] if scalar else [
        _hard(n, seed) for seed, n in enumerate(sizes)]
    if scalar:
        parts = [(a, bb, c) for a, c, bb in parts]
    want = [_torch_fma(a, b, c) for a, b, c in parts]
    hard = sum(int((_via_float64(a, b, c) != w).sum()) for (a, b, c), w in zip(parts, want))
    assert hard > sum(sizes) // 400 or sum(sizes) < 400      # the table has hard cases
    outs = [np.empty_like(c) for _, _, c in parts]
    b_arg = b if scalar else [bb for _, bb, _ in parts]
    fma32_lists(outs, [a for a, _, _ in parts], b_arg, [c for _, _, c in parts])
    for got, w in zip(outs, want):
        np.testing.assert_array_equal(got, w)
    in_place = [c.copy() for _, _, c in parts]                  # out is c, as in p.add_
    fma32_lists(in_place, [a for a, _, _ in parts], b_arg, in_place)
    for got, w in zip(in_place, want):
        np.testing.assert_array_equal(got, w)


@pytest.mark.parametrize("b", [0.5, -0.125, 2.0 ** -20, 4.0, -1.0])
def test_power_of_two_multiplier_never_meets_a_midpoint(b):
    """NOTE [ power-of-two multiplier ]: with ``b`` a power of two the float64 sum is never a
    float32 midpoint that the exact sum was not, so the skipped test loses nothing."""
    rng = np.random.default_rng(11)
    n = 200_000
    c = (rng.standard_normal(n) * 2.0 ** rng.integers(-40, 40, n)).astype(np.float32)
    # a * b from far below half an ulp of c to far above c, and right at half an ulp
    a = (np.spacing(np.abs(c)).astype(np.float64) / 2 / b
         * 2.0 ** rng.integers(-36, 36, n) * rng.choice([-1, 1], n)).astype(np.float32)
    a[::3] = (np.spacing(np.abs(c[::3])) / 2 / b * (1 + rng.integers(-4, 5, a[::3].size)
                                                      * 2.0 ** -23)).astype(np.float32)
    t, err = numerics._two_sum(a.astype(np.float64) * b, c.astype(np.float64))  # p exact
    midpoint = t.view(np.int64) << 35 == np.iinfo(np.int64).min
    assert midpoint.sum() > 1000                # the table reaches midpoints ...
    assert not err[midpoint].any()              # ... only where the float64 sum is exact
    want = _torch_fma(a, np.float32(b), c)
    out = [np.empty_like(c)]
    fma32_lists(out, [a], b, [c])
    np.testing.assert_array_equal(out[0], want)
    np.testing.assert_array_equal(numerics.fma32(a, b, c), want)


def _pairs(dtype, seed=12):
    rng = np.random.default_rng(seed)
    shapes = [(64, 33), (33,), (1,), ()]
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(3)]


KERNELS = [  # (name, numtorch on lists, PyTorch on one tensor triple)
    ("add_lists_", lambda x, y, z: K.add_lists_(x, x, y, -0.013),
     lambda x, y, z: x.add_(y, alpha=-0.013)),
    ("add_lists_ alpha 1", lambda x, y, z: K.add_lists_(x, x, y, 1.0),
     lambda x, y, z: x.add_(y)),
    ("lerp_lists_ small", lambda x, y, z: K.lerp_lists_(x, y, 0.1),
     lambda x, y, z: x.lerp_(y, 0.1)),
    ("lerp_lists_ large", lambda x, y, z: K.lerp_lists_(x, y, 0.7),
     lambda x, y, z: x.lerp_(y, 0.7)),
    ("addcmul_lists_", lambda x, y, z: K.addcmul_lists_(x, y, z, 0.001),
     lambda x, y, z: x.addcmul_(y, z, value=0.001)),
]


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("name,ours,theirs", KERNELS, ids=[k[0] for k in KERNELS])
def test_list_kernels_match_torch_float32(name, ours, theirs, layout):
    xs, ys, zs = _pairs(np.float32)
    if layout == "strided":          # a transposed operand takes the per-array route
        xs[0], ys[0] = np.ascontiguousarray(xs[0].T).T, ys[0].T.copy().T
    want = [theirs(*(torch.from_numpy(v.copy()) for v in t)).numpy() for t in zip(xs, ys, zs)]
    ours(xs, ys, zs)
    for got, w in zip(xs, want):
        np.testing.assert_array_equal(got, w)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
@pytest.mark.parametrize("name,ours,theirs", KERNELS, ids=[k[0] for k in KERNELS])
def test_list_kernels_other_dtypes_stay_close_to_torch(name, ours, theirs, dtype):
    xs, ys, zs = _pairs(dtype)
    want = [theirs(*(torch.from_numpy(v.copy()) for v in t)) for t in zip(xs, ys, zs)]
    ours(xs, ys, zs)
    for got, w in zip(xs, want):
        assert got.dtype == dtype
        torch.testing.assert_close(torch.from_numpy(got), w)


def _hard_sgd_start(n: int, lr_bits: tuple[int, int]):
    """Parameters and a first gradient for which ``p - lr * g`` rounds twice through float64
    in every element, with ``lr = m1 * 2**-30`` (PyTorch rounds it once)."""
    m1, m2 = lr_bits
    rng = np.random.default_rng(13)
    sign = rng.choice([-1.0, 1.0], n)
    p = (sign * (1 + rng.integers(0, 64, n) / 64)).astype(np.float32)
    g = (-sign * float(m2) * 2.0 ** -41).astype(np.float32)
    return p, g


SGD = [
    dict(lr=HARD_LR),
    dict(lr=HARD_LR, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1),
    dict(lr=HARD_LR, momentum=0.9, nesterov=True, weight_decay=1e-3),
    dict(lr=0.1, momentum=0.5, nesterov=True, maximize=True),      # a power-of-two momentum
    dict(lr=0.5),                                                  # power-of-two learning rates
    dict(lr=0.125, momentum=0.9, weight_decay=0.25),
    dict(lr=2.0 ** -7, momentum=0.9, nesterov=True),
]
ADAM = [
    ("Adam", dict(lr=1e-3)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.99), maximize=True)),    # lerp's other branch
    ("Adam", dict(lr=1e-3, amsgrad=True)),
    ("Adam", dict(lr=1e-3, weight_decay=0.1, amsgrad=True)),       # L2: moments see the param
    ("AdamW", dict(lr=1e-3)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
]
TRAJECTORIES = [("SGD", kw) for kw in SGD] + ADAM
SHAPES = [(64, 33), (33,), (10, 33), (10,), (), (BIG,)]


def _trajectory(name, kw, dtype, shapes, steps, seed=14):
    """Run ``steps`` steps of numtorch's and PyTorch's optimizer on the same gradients; yield
    ``(step, i, numtorch param, torch param, numtorch state, torch state)`` after each step."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    first = None
    if kw.get("lr") == HARD_LR:            # the first step rounds twice through float64
        first = []
        for i, s in enumerate(shapes):
            p, g = _hard_sgd_start(int(np.prod(s)), (M1, M2))
            init[i] = p.reshape(s).astype(dtype)
            first.append(g.reshape(s).astype(dtype))
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    nparams = [numtorch.tensor(a, requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(tparams, **kw)
    nopt = getattr(numtorch.optim, name)(nparams, **kw)
    for step in range(steps):
        for i, (t, n, s) in enumerate(zip(tparams, nparams, shapes)):
            g = (first[i] if first is not None and step == 0
                 else (rng.standard_normal(s) * 0.1).astype(dtype))
            t.grad, n.grad = torch.tensor(g), numtorch.tensor(g)
        topt.step()
        nopt.step()
        for i, (t, n) in enumerate(zip(tparams, nparams)):
            yield step, i, n, t, nopt.state[n], topt.state[t]


@pytest.mark.parametrize("name,kw", TRAJECTORIES, ids=[f"{n}-{kw}" for n, kw in TRAJECTORIES])
def test_float32_trajectories_match_torch(name, kw):
    adam = name != "SGD"
    moments_exact = not (adam and kw.get("weight_decay") and name == "Adam")
    for step, i, n, t, nstate, tstate in _trajectory(name, kw, np.float32, SHAPES, 8):
        where = f"step {step} param {i}"
        if adam:
            torch.testing.assert_close(torch.from_numpy(n.detach().numpy()), t.detach(),
                                       rtol=1e-5, atol=1e-6, msg=where)
        else:
            np.testing.assert_array_equal(n.detach().numpy(), t.detach().numpy(), err_msg=where)
        assert set(nstate) == set(tstate)
        for key, value in tstate.items():
            if key == "step":
                assert float(nstate[key]) == float(value)
            elif value is None:
                assert nstate[key] is None
            elif moments_exact:
                np.testing.assert_array_equal(nstate[key].numpy(), value.numpy(),
                                              err_msg=f"{where} {key!r}")


def test_hard_learning_rate_really_rounds_twice():
    """Guard for the table: the first SGD step above defeats the plain float64 route."""
    p, g = _hard_sgd_start(1000, (M1, M2))
    want = torch.from_numpy(p.copy()).add_(torch.from_numpy(g), alpha=-HARD_LR).numpy()
    assert (_via_float64(g, np.float32(-HARD_LR), p) != want).all()


OTHER = [  # (name, options, dtype); Half Adam is left out: eps = 1e-8 is 0 in Half
    ("SGD", dict(lr=HARD_LR, momentum=0.9, nesterov=True, weight_decay=1e-3), np.float64),
    ("SGD", dict(lr=HARD_LR, momentum=0.9, nesterov=True, weight_decay=1e-3), np.float16),
    ("SGD", dict(lr=0.5, momentum=0.9), np.float64),
    ("SGD", dict(lr=0.5, momentum=0.9), np.float16),
    ("Adam", dict(lr=1e-3, amsgrad=True, maximize=True), np.float64),
    ("AdamW", dict(lr=1e-3, weight_decay=0.1), np.float64),
]


@pytest.mark.parametrize("name,kw,dtype", OTHER,
                         ids=[f"{n}-{kw}-{np.dtype(d).name}" for n, kw, d in OTHER])
def test_other_dtypes_follow_torch(name, kw, dtype):
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-3, atol=2e-3)
    for step, i, n, t, _, _ in _trajectory(name, kw, dtype, SHAPES[:5], 8):
        assert n.dtype == getattr(numtorch, np.dtype(dtype).name)
        torch.testing.assert_close(torch.from_numpy(n.detach().numpy()), t.detach(), **tol,
                                   msg=f"step {step} param {i}")
