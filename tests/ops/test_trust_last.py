"""Edge behaviour against PyTorch, the last of it: ``torch.special.airy_ai`` (its dense-grid
ulp test is in test_special.py's table), comparisons and ``where`` on broadcasts too large to
allocate, factory functions under a CUDA default device given impossible sizes, and the
gradient of the p-norm at zero vectors and zero entries.  Every case runs the same expression
in both libraries."""

import math

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch

torch = pytest.importorskip("torch")

INF, NAN = math.inf, math.nan


# ---- airy_ai ----------------------------------------------------------------------------------
# the three regions' seams, the series' own cut at 8.3203353, the underflow cut at 103.892,
# float32's overflow of exp(2/3 x^1.5) just past 26.4, and far tails
AIRY_EDGES = [0.0, -0.0, 1e-30, -1e-30, 2.09, -2.09, 2.0899999, -2.0899999, 8.3203353, 26.4,
              26.5, 103.892, 103.9, -1e10, 1e10, -1e30, 1e30, INF, -INF, NAN]


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_airy_ai_edges_bit_exact(dt):
    x = np.array(AIRY_EDGES, dt)
    got = numtorch.special.airy_ai(numtorch.tensor(x)).numpy()
    want = torch.special.airy_ai(torch.from_numpy(x)).numpy()
    np.testing.assert_array_max_ulp(got, want, maxulp=2)  # nan == nan, inf == inf
    assert np.array_equal(np.isnan(got), np.isnan(want))


AIRY_CALLS = {
    "int_input": lambda m: m.special.airy_ai(m.tensor([-3, 0, 1, 4])),
    "bool_input": lambda m: m.special.airy_ai(m.tensor([True, False])),
    "float64_2d": lambda m: m.special.airy_ai(
        m.tensor([[-5.5, 0.25], [3.0, 9.0]], dtype=m.float64)
    ),
    "out": lambda m: m.special.airy_ai(m.tensor([-1.0, 1.0]), out=m.empty(2)),
    "scalar": lambda m: m.special.airy_ai(m.tensor(0.5)),
    "empty": lambda m: m.special.airy_ai(m.zeros(0, 3)),
}


@pytest.mark.parametrize("name", AIRY_CALLS)
def test_airy_ai_calls_match_pytorch(name):
    assert_close(AIRY_CALLS[name](numtorch), AIRY_CALLS[name](torch), rtol=0, atol=0)


def test_airy_ai_has_no_gradient():
    y = numtorch.special.airy_ai(numtorch.tensor([0.5, -4.0], requires_grad=True))
    ty = torch.special.airy_ai(torch.tensor([0.5, -4.0], requires_grad=True))
    assert (y.requires_grad, y.grad_fn) == (ty.requires_grad, ty.grad_fn) == (False, None)


# ---- comparisons and where on broadcasts too large to allocate ---------------------------------
def _col(m, n, dtype=None):
    return m.ones(1, 1, dtype=dtype).expand(n, 1)


def _row(m, n, dtype=None):
    return m.ones(1, 1, dtype=dtype).expand(1, n)


# 2^50 elements (1 PiB of bool: every allocator refuses at once), 2^62 (the bytes of a float32
# result overflow int64), 2^64 and 2^80 (the element count itself overflows)
BROADCAST = {
    "lt": lambda m: _col(m, 2 ** 40) < _row(m, 2 ** 10),
    "le": lambda m: m.le(_col(m, 2 ** 40), _row(m, 2 ** 10)),
    "gt_overflow": lambda m: _col(m, 2 ** 40) > _row(m, 2 ** 40),
    "ge_numel_64": lambda m: m.ge(_col(m, 2 ** 32), _row(m, 2 ** 32)),
    "eq": lambda m: m.eq(_col(m, 2 ** 25), _row(m, 2 ** 25)),
    "ne_int": lambda m: _col(m, 2 ** 40, m.long) != _row(m, 2 ** 10, m.long),
    "isclose": lambda m: m.isclose(_col(m, 2 ** 40), _row(m, 2 ** 10)),
    "isclose_overflow": lambda m: m.isclose(_col(m, 2 ** 40), _row(m, 2 ** 40)),
    "logical_and": lambda m: m.logical_and(_col(m, 2 ** 40), _row(m, 2 ** 10)),
    "logical_xor_overflow": lambda m: m.logical_xor(_col(m, 2 ** 40), _row(m, 2 ** 40)),
    "bitwise_and_int64": lambda m: _col(m, 2 ** 40, m.long) & _row(m, 2 ** 10, m.long),
    "bitwise_or_bytes": lambda m: m.bitwise_or(_col(m, 2 ** 31, m.long), _row(m, 2 ** 31, m.long)),
    "where": lambda m: m.where(_col(m, 2 ** 40) > 0, _col(m, 2 ** 40), _row(m, 2 ** 10)),
    "where_f64_scalar": lambda m: m.where(_col(m, 2**40, m.bool), _row(m, 2**10, m.float64), 1.0),
    "where_int_float": lambda m: m.where(_col(m, 2 ** 40, m.bool), _row(m, 2 ** 10, m.long), 0.5),
    "where_bytes": lambda m: m.where(_col(m, 2 ** 31, m.bool), _row(m, 2 ** 31), 1.0),
    "where_numel_64": lambda m: m.where(_col(m, 2 ** 32, m.bool), _row(m, 2 ** 32), _row(m, 1)),
    "where_numel_80": lambda m: m.where(_col(m, 2 ** 40, m.bool), 1.0, _row(m, 2 ** 40)),
    "add_overflow": lambda m: _col(m, 2 ** 40) + _row(m, 2 ** 40),
}


@pytest.mark.parametrize("name", BROADCAST)
def test_broadcast_allocation_errors_match_pytorch(name):
    f = BROADCAST[name]
    assert_same_error(lambda: f(torch), lambda: f(numtorch))


def test_small_broadcasts_still_compute():
    a, b = np.array([[1.0], [2.0]]), np.array([[2.0, 1.0, 0.0]])
    for fn in ("lt", "eq", "isclose", "logical_or"):
        assert_close(getattr(numtorch, fn)(numtorch.tensor(a), numtorch.tensor(b)),
                     getattr(torch, fn)(torch.tensor(a), torch.tensor(b)))
    assert_close(numtorch.where(numtorch.tensor(a) > 1, numtorch.tensor(b), 0.5),
                 torch.where(torch.tensor(a) > 1, torch.tensor(b), 0.5))


# ---- factory functions on a CUDA default device: the device is refused before the sizes -------
FACTORIES = {
    "zeros_2_63": lambda m: m.zeros(2 ** 63),
    "zeros_pos2": lambda m: m.zeros(2, 2 ** 63),
    "zeros_tuple": lambda m: m.zeros((2 ** 64, 1)),
    "zeros_neg_2_63": lambda m: m.zeros(-(2 ** 63) - 1),
    "ones_2_63": lambda m: m.ones(2 ** 63),
    "empty_2_63": lambda m: m.empty(2 ** 63),
    "full_2_63": lambda m: m.full((2 ** 63,), 1.0),
    "zeros_negative": lambda m: m.zeros(-1),
    "empty_negative": lambda m: m.empty(3, -1),
    "zeros_f64_grad": lambda m: m.zeros(2 ** 63, dtype=m.float64, requires_grad=True),
    "arange_2_63": lambda m: m.arange(2 ** 63),
    "arange_step_0": lambda m: m.arange(0, 1, 0),
    "arange_bad_sign": lambda m: m.arange(5, 1),
    "eye_negative": lambda m: m.eye(-1),
    "eye_2_63": lambda m: m.eye(2 ** 63),
    "linspace_negative": lambda m: m.linspace(0, 1, -1),
    "linspace_2_63": lambda m: m.linspace(0, 1, 2 ** 63),
    "zeros_fine": lambda m: m.zeros(2),
}


@pytest.mark.parametrize("how", ["set_default_device", "with_device", "device_arg"])
@pytest.mark.parametrize("name", FACTORIES)
def test_cuda_default_device_refused_before_sizes(name, how):
    f = FACTORIES[name]

    def call(m):
        if how == "set_default_device":
            m.set_default_device("cuda")
            try:
                return f(m)
            finally:
                m.set_default_device(None)
        if how == "with_device":
            with m.device("cuda"):
                return f(m)
        # the same call with device="cuda" given explicitly
        real = {k: getattr(m, k) for k in ("zeros", "ones", "empty", "full", "arange", "eye",
                                           "linspace")}

        class Cuda:
            def __getattr__(self, k):
                fn = real.get(k)
                return (
                    getattr(m, k) if fn is None else (lambda *a, **kw: fn(*a, device="cuda", **kw))
                )
        return f(Cuda())

    assert_same_error(lambda: call(torch), lambda: call(numtorch))


# (a size outside int64 on the CPU: test_trust_edges.py, whose first-line comparison it needs)
@pytest.mark.parametrize("name", ["zeros_negative", "empty_negative", "arange_2_63",
                                  "arange_step_0", "eye_negative", "linspace_2_63"])
def test_sizes_still_checked_on_the_cpu(name):
    assert_same_error(lambda: FACTORIES[name](torch), lambda: FACTORIES[name](numtorch))


# ---- gradient of the p-norm at zero vectors and zero entries -----------------------------------
VECTORS = {
    "zeros": [0.0, 0.0, 0.0],
    "signed_zeros": [0.0, -0.0, 0.0],
    "one_zero": [0.0, 1.5, -2.0],
    "ties": [3.0, 0.0, -3.0],
    "no_zero": [1.0, -2.0, 0.5],
    "nan": [NAN, 1.0, 0.0],
    "inf": [INF, 1.0, 0.0],
}
ORDS = [0.5, 1, 1.5, 2, 2.5, 3, 4, -1, INF, -INF, "fro"]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("vec", VECTORS)
@pytest.mark.parametrize("p", ORDS, ids=str)
def test_norm_gradient_matches_pytorch(p, vec, dt):
    def run(m):
        x = m.tensor(VECTORS[vec], dtype=getattr(m, dt), requires_grad=True)
        y = m.norm(x, p)
        (y * 1.75).backward()
        return y, x.grad

    (ny, ng), (ty, tg) = run(numtorch), run(torch)
    assert ny.grad_fn.name() == ty.grad_fn.name()
    assert_close(ny, ty)
    assert_close(ng, tg)


@pytest.mark.parametrize("p", [0.5, 1.5, 3, INF, -INF], ids=str)
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), ((0, 1), False), (None, False)])
def test_norm_gradient_along_dims(p, dim, keepdim):
    x = np.array([[0.0, 0.0], [1.0, -2.0], [0.0, 3.0]])

    def run(m):
        t = m.tensor(x, requires_grad=True)
        y = m.norm(t, p, dim=dim, keepdim=keepdim)
        w = m.arange(1, y.numel() + 1, dtype=m.float64).reshape(y.shape)
        (y * w).sum().backward()
        return y, t.grad

    (ny, ng), (ty, tg) = run(numtorch), run(torch)
    assert_close(ny, ty)
    assert_close(ng, tg)


def test_norm_zero_order_has_no_gradient():
    def run(m):
        x = m.tensor([0.0, 1.0, 2.0], requires_grad=True)
        y = m.norm(x, 0)
        y.backward()
        return y, x.grad

    (ny, ng), (ty, tg) = run(numtorch), run(torch)
    assert_close(ny, ty)
    assert ng is None and tg is None


@pytest.mark.parametrize("p", [0.5, 1, 1.5, 3, 4, -1, INF, -INF], ids=str)
def test_norm_gradcheck(p):
    # differentiable points: no ties in |x| for +-inf, no zero entries below p = 2
    x = numtorch.tensor([[0.7, -1.3, 2.2], [-0.4, 1.9, 0.3]], dtype=numtorch.float64,
                        requires_grad=True)
    assert numtorch.autograd.gradcheck(lambda t: numtorch.norm(t, p, dim=1), (x,))
    assert numtorch.autograd.gradcheck(lambda t: numtorch.norm(t, p), (x,))
    if p in (3, 4):
        z = numtorch.tensor([0.0, 0.8, -1.1], dtype=numtorch.float64, requires_grad=True)
        assert numtorch.autograd.gradcheck(lambda t: numtorch.norm(t, p), (z,))
