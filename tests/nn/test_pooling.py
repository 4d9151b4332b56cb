"""Pooling layers against PyTorch: values, indices and gradients over a table of configurations,
float64 gradcheck, module repr, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-6)

# (id, function, input shape, args, kwargs, non-contiguous input?)
POOL = [
    ("max2d", "max_pool2d", (2, 3, 8, 8), (2,), {}, False),
    ("max2d-odd", "max_pool2d", (1, 2, 7, 9), ((3, 2),), dict(stride=(2, 3)), False),
    ("max2d-pad-dil", "max_pool2d", (2, 2, 9, 8), (3,), dict(stride=2, padding=1, dilation=2),
     False),
    ("max2d-ceil", "max_pool2d", (2, 3, 7, 6), (3,), dict(stride=2, padding=1, ceil_mode=True),
     False),
    ("max2d-overlap", "max_pool2d", (1, 2, 6, 6), (3,), dict(stride=1), False),
    ("max2d-noncontig", "max_pool2d", (2, 3, 6, 8), (2,), {}, True),
    ("max2d-unbatched", "max_pool2d", (3, 6, 5), (2,), dict(ceil_mode=True), False),
    ("max1d", "max_pool1d", (2, 3, 11), (3,), dict(stride=2, padding=1), False),
    ("max1d-dil-ceil", "max_pool1d", (1, 2, 10), (2,), dict(dilation=3, ceil_mode=True), False),
    ("max1d-unbatched", "max_pool1d", (3, 8), (2,), {}, False),
    ("max3d", "max_pool3d", (1, 2, 5, 6, 4), (2,), dict(padding=1), False),
    ("max3d-ceil", "max_pool3d", (2, 1, 5, 5, 5), ((3, 2, 2),), dict(stride=2, ceil_mode=True),
     False),
    ("avg2d", "avg_pool2d", (2, 3, 8, 8), (2,), {}, False),
    ("avg2d-pad", "avg_pool2d", (2, 2, 7, 6), (3,), dict(stride=2, padding=1), False),
    ("avg2d-pad-exclude", "avg_pool2d", (2, 2, 7, 6), (3,),
     dict(stride=2, padding=1, count_include_pad=False), False),
    ("avg2d-ceil", "avg_pool2d", (1, 2, 7, 7), (3,), dict(stride=2, ceil_mode=True), False),
    ("avg2d-ceil-pad", "avg_pool2d", (1, 2, 6, 7), ((3, 2),),
     dict(stride=2, padding=1, ceil_mode=True), False),
    ("avg2d-ceil-pad-exclude", "avg_pool2d", (1, 2, 6, 7), (3,),
     dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), False),
    ("avg2d-divisor", "avg_pool2d", (2, 2, 6, 6), (3,), dict(stride=2, divisor_override=4), False),
    ("avg2d-noncontig", "avg_pool2d", (2, 3, 6, 8), (2,), dict(stride=1), True),
    ("avg2d-unbatched", "avg_pool2d", (3, 5, 5), (2,), {}, False),
    ("avg1d", "avg_pool1d", (2, 3, 10), (3,), dict(stride=2, padding=1, ceil_mode=True), False),
    ("avg1d-exclude", "avg_pool1d", (2, 3, 10), (3,), dict(padding=1, count_include_pad=False),
     False),
    ("avg3d", "avg_pool3d", (1, 2, 5, 4, 6), (2,), dict(padding=1, count_include_pad=False), False),
    ("avg3d-divisor", "avg_pool3d", (1, 2, 4, 4, 4), (2,), dict(divisor_override=3), False),
    ("aavg2d", "adaptive_avg_pool2d", (2, 3, 7, 9), ((3, 4),), {}, False),
    ("aavg2d-1", "adaptive_avg_pool2d", (2, 5, 6, 7), (1,), {}, False),
    ("aavg2d-none", "adaptive_avg_pool2d", (1, 2, 6, 5), ((None, 3),), {}, False),
    ("aavg2d-up", "adaptive_avg_pool2d", (1, 2, 3, 4), ((5, 6),), {}, False),
    ("aavg2d-noncontig", "adaptive_avg_pool2d", (2, 3, 6, 8), (3,), {}, True),
    ("aavg2d-unbatched", "adaptive_avg_pool2d", (3, 7, 5), (2,), {}, False),
    ("aavg1d", "adaptive_avg_pool1d", (2, 3, 10), (4,), {}, False),
    ("aavg3d", "adaptive_avg_pool3d", (1, 2, 5, 6, 7), ((2, 3, 4),), {}, False),
    ("amax2d", "adaptive_max_pool2d", (2, 3, 7, 9), ((3, 4),), {}, False),
    ("amax2d-1", "adaptive_max_pool2d", (2, 3, 5, 6), (1,), {}, False),
    ("amax2d-unbatched", "adaptive_max_pool2d", (3, 5, 6), ((2, 4),), {}, False),
    ("amax1d", "adaptive_max_pool1d", (2, 3, 10), (3,), {}, False),
    ("amax3d", "adaptive_max_pool3d", (1, 2, 5, 4, 7), ((2, 3, 3),), {}, False),
    ("lp2d", "lp_pool2d", (2, 3, 8, 8), (2.0, 2), {}, False),
    ("lp2d-p3-stride", "lp_pool2d", (1, 2, 7, 7), (3.0, (3, 2)), dict(stride=2, ceil_mode=True),
     False),
    ("lp2d-inf", "lp_pool2d", (1, 2, 6, 6), (float("inf"), 2), {}, False),
    ("lp1d", "lp_pool1d", (2, 3, 9), (1.5, 3), dict(stride=2), False),
    ("lp3d", "lp_pool3d", (1, 2, 4, 4, 4), (2.0, 2), {}, False),
]


def _input(lib, x, noncontig, positive=False):
    if noncontig:
        t = lib.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2).detach()
        assert not t.is_contiguous()
    else:
        t = lib.tensor(x)
    return t.requires_grad_()


@pytest.mark.parametrize("case", POOL, ids=[c[0] for c in POOL])
def test_pool_matches_torch(case):
    _, fn, shape, args, kw, noncontig = case
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    if fn.startswith("lp_pool"):
        x = np.abs(x) + 0.1  # fractional powers of negative numbers are NaN in both
    res = []
    for lib in (torch, numtorch):
        tx = _input(lib, x, noncontig)
        y = getattr(lib.nn.functional, fn)(tx, *args, **kw)
        g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32)
        y.backward(lib.tensor(g))
        res.append((y, tx.grad))
    (ty, tg), (ny, ng) = res
    assert_close(ny, ty, **TOL)
    assert_close(ng, tg, **TOL)


WITH_INDICES = [c for c in POOL if c[1].startswith(("max_pool", "adaptive_max"))]


@pytest.mark.parametrize("case", WITH_INDICES, ids=[c[0] for c in WITH_INDICES])
def test_indices_match_torch(case):
    _, fn, shape, args, kw, _ = case
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ty, ti = getattr(torch.nn.functional, fn)(torch.tensor(x), *args, return_indices=True, **kw)
    ny, ni = getattr(numtorch.nn.functional, fn)(numtorch.tensor(x), *args, return_indices=True,
                                                 **kw)
    np.testing.assert_array_equal(ny.numpy(), ty.numpy())  # a maximum is a copy: bit for bit
    assert ni.dtype == numtorch.int64
    np.testing.assert_array_equal(ni.numpy(), ti.numpy())
    wi = fn.replace("max_pool", "max_pool") + "_with_indices"
    if hasattr(torch.nn.functional, wi):
        np.testing.assert_array_equal(
            getattr(numtorch.nn.functional, wi)(numtorch.tensor(x), *args, **kw)[1].numpy(),
            ti.numpy(),
        )


def test_max_pool_nan_and_ties():
    x = np.array([[[[1.0, 1.0, np.nan, 2.0], [3.0, 3.0, 0.0, np.nan],
                    [5.0, 5.0, 5.0, 5.0], [np.nan, 1.0, 1.0, np.nan]]]], np.float32)
    for fn, args in (("max_pool2d", (2,)), ("max_pool2d", (3, 1)), ("adaptive_max_pool2d", (3,))):
        ty, ti = getattr(torch.nn.functional, fn)(torch.tensor(x), *args, return_indices=True)
        ny, ni = getattr(numtorch.nn.functional, fn)(numtorch.tensor(x), *args, return_indices=True)
        np.testing.assert_array_equal(ny.numpy(), ty.numpy())
        np.testing.assert_array_equal(ni.numpy(), ti.numpy())


@pytest.mark.parametrize("args", [(2,), (3, 1), (3, 2, 1), (2, 1)], ids=str)
def test_max_pool_gradient_with_nan_ties_and_nonfinite_grad(args):
    """The gradient goes to the position each maximum came from (the first of tied ones, the
    last NaN), windows overlapping or not; an inf or NaN incoming gradient stays at its own
    output's position."""
    x = np.array([[[[1.0, 1.0, np.nan, 2.0, 0.5], [3.0, 3.0, 0.0, np.nan, 4.0],
                    [5.0, 5.0, 5.0, 5.0, -1.0], [np.nan, 1.0, 1.0, np.nan, 2.0],
                    [-np.inf, -np.inf, 7.0, 7.0, 7.0]]]], np.float32)
    res = []
    for lib in (torch, numtorch):
        tx = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(tx, *args)
        g = np.arange(1, y.numel() + 1, dtype=np.float32).reshape(tuple(y.shape))
        g.flat[0], g.flat[-1] = np.inf, np.nan
        y.backward(lib.tensor(g))
        res.append(tx.grad.numpy())
    np.testing.assert_array_equal(res[1], res[0])


UNPOOL = [
    ("2d", 2, (2, 3, 8, 6), (2,), {}, {}),
    ("2d-stride-pad", 2, (1, 2, 7, 7), (3,), dict(stride=2, padding=1), dict(output_size=(7, 7))),
    ("2d-unbatched", 2, (3, 6, 4), (2,), {}, {}),
    ("1d", 1, (2, 3, 9), (3,), dict(stride=3), dict(output_size=[1, 1, 10])),
    ("3d", 3, (1, 2, 4, 4, 6), (2,), {}, {}),
]


@pytest.mark.parametrize("case", UNPOOL, ids=[c[0] for c in UNPOOL])
def test_max_unpool_matches_torch(case):
    _, n, shape, args, kw, ukw = case
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    res = []
    for lib in (torch, numtorch):
        F = lib.nn.functional
        y, i = getattr(F, f"max_pool{n}d")(lib.tensor(x), *args, return_indices=True, **kw)
        y = y.detach().requires_grad_()
        u = getattr(F, f"max_unpool{n}d")(y, i, *args, **kw, **ukw)
        g = np.random.default_rng(1).standard_normal(tuple(u.shape)).astype(np.float32)
        u.backward(lib.tensor(g))
        res.append((u, y.grad))
        m = getattr(lib.nn, f"MaxUnpool{n}d")(*args, **kw)
        res.append((m(y.detach(), i, **ukw), m(y.detach(), i, **ukw)))
    assert_close(res[2][0], res[0][0], rtol=0, atol=0)
    assert_close(res[2][1], res[0][1], rtol=0, atol=0)
    assert_close(res[3][0], res[1][0], rtol=0, atol=0)


GRADCHECK = ["max2d-pad-dil", "max2d-ceil", "avg2d-pad-exclude", "avg2d-ceil-pad", "avg2d-divisor",
             "avg1d", "avg3d", "aavg2d", "aavg2d-up", "amax2d", "amax3d", "lp2d-p3-stride", "max1d"]


@pytest.mark.parametrize("case", [c for c in POOL if c[0] in GRADCHECK], ids=GRADCHECK)
def test_pool_gradcheck_float64(case):
    _, fn, shape, args, kw, _ = case
    x = np.random.default_rng(2).standard_normal(shape[:2] and (1, 1) + shape[2:])
    if fn.startswith("lp_pool"):
        x = np.abs(x) + 0.5
    t = numtorch.tensor(x, requires_grad=True)
    f = getattr(numtorch.nn.functional, fn)
    assert gradcheck(lambda a: f(a, *args, **kw), (t,), eps=1e-6, atol=1e-6, rtol=1e-4)


MODULES = [
    ("MaxPool2d", (2,), {}), ("MaxPool2d", ((2, 3), 1, 1, 2, True, True), {}),
    ("MaxPool1d", (3,), {}), ("MaxPool3d", (2,), dict(padding=1)),
    ("AvgPool2d", (3,), dict(ceil_mode=True, divisor_override=2)), ("AvgPool1d", (2,), {}),
    ("AvgPool3d", (2,), dict(stride=1)), ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveAvgPool1d", (4,), {}), ("AdaptiveAvgPool3d", (2,), {}),
    ("AdaptiveMaxPool2d", (3, True), {}), ("AdaptiveMaxPool1d", (2,), {}),
    ("AdaptiveMaxPool3d", ((1, 2, 2),), {}), ("LPPool2d", (2, 3), {}),
    ("LPPool1d", (1.5, 3, 2), {}), ("LPPool3d", (2, 2), {}), ("MaxUnpool2d", (2,), {}),
    ("MaxUnpool1d", (2, 1, 0), {}), ("MaxUnpool3d", (2,), dict(padding=1)),
]


@pytest.mark.parametrize("case", MODULES, ids=[f"{c[0]}-{i}" for i, c in enumerate(MODULES)])
def test_module_repr_and_state(case):
    name, args, kw = case
    tm, nm = getattr(torch.nn, name)(*args, **kw), getattr(numtorch.nn, name)(*args, **kw)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict()) == list(tm.state_dict()) == []


@pytest.mark.parametrize("name,args,kw,shape", [
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True), (2, 3, 9, 8)),
    ("MaxPool2d", (2,), dict(return_indices=True), (2, 3, 6, 6)),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False), (2, 3, 9, 8)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 8, 7, 5)),
    ("AdaptiveMaxPool2d", (2, True), {}, (2, 3, 5, 5)),
    ("LPPool2d", (2, 2), {}, (1, 3, 6, 6)),
    ("MaxPool1d", (2,), {}, (2, 3, 8)),
    ("AvgPool3d", (2,), {}, (1, 2, 4, 4, 4)),
])
def test_module_forward(name, args, kw, shape):
    x = np.abs(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
    ty = getattr(torch.nn, name)(*args, **kw)(torch.tensor(x))
    ny = getattr(numtorch.nn, name)(*args, **kw)(numtorch.tensor(x))
    if isinstance(ty, tuple):
        assert_close(ny[0], ty[0], **TOL)
        np.testing.assert_array_equal(ny[1].numpy(), ty[1].numpy())
    else:
        assert_close(ny, ty, **TOL)


def _t(lib, *shape, dtype=None):
    return lib.ones(*shape, dtype=dtype)


ERRORS = [
    ("max2d-dims", lambda lib, F: F.max_pool2d(_t(lib, 3, 8), 2)),
    ("max1d-dims", lambda lib, F: F.max_pool1d(_t(lib, 3), 2)),
    ("max3d-dims", lambda lib, F: F.max_pool3d(_t(lib, 3, 4, 4), 2)),
    ("max2d-kernel-zero", lambda lib, F: F.max_pool2d(_t(lib, 2, 3, 8, 8), 0)),
    ("max2d-kernel-len", lambda lib, F: F.max_pool2d(_t(lib, 2, 3, 8, 8), (2, 2, 2))),
    ("max2d-stride-zero", lambda lib, F: F.max_pool2d(_t(lib, 2, 3, 8, 8), 2, 0)),
    ("max2d-pad-too-big", lambda lib, F: F.max_pool2d(_t(lib, 2, 3, 8, 8), 2, padding=2)),
    ("max2d-pad-negative", lambda lib, F: F.max_pool2d(_t(lib, 2, 3, 8, 8), 2, padding=-1)),
    ("max2d-dilation-zero", lambda lib, F: F.max_pool2d(_t(lib, 2, 3, 8, 8), 2, dilation=0)),
    ("max2d-too-small", lambda lib, F: F.max_pool2d(_t(lib, 1, 1, 2, 2), 3)),
    ("max1d-too-small", lambda lib, F: F.max_pool1d(_t(lib, 1, 1, 2), 3)),
    ("max3d-too-small", lambda lib, F: F.max_pool3d(_t(lib, 1, 1, 2, 2, 2), 3)),
    ("max2d-empty", lambda lib, F: F.max_pool2d(_t(lib, 1, 0, 4, 4), 2)),
    ("avg2d-dims", lambda lib, F: F.avg_pool2d(_t(lib, 3, 8), 2)),
    ("avg1d-dims", lambda lib, F: F.avg_pool1d(_t(lib, 3), 2)),
    ("avg2d-stride-zero", lambda lib, F: F.avg_pool2d(_t(lib, 2, 3, 8, 8), 2, 0)),
    ("avg2d-pad-too-big", lambda lib, F: F.avg_pool2d(_t(lib, 2, 3, 8, 8), 2, padding=2)),
    ("avg2d-too-small", lambda lib, F: F.avg_pool2d(_t(lib, 1, 1, 2, 2), 3)),
    ("avg1d-too-small", lambda lib, F: F.avg_pool1d(_t(lib, 1, 1, 2), 3)),
    ("avg2d-divisor-zero", lambda lib, F: F.avg_pool2d(_t(lib, 2, 3, 8, 8), 2, divisor_override=0)),
    ("avg2d-kernel-len", lambda lib, F: F.avg_pool2d(_t(lib, 2, 3, 8, 8), (2, 2, 2))),
    ("avg1d-kernel-len", lambda lib, F: F.avg_pool1d(_t(lib, 1, 1, 5), (2, 2))),
    ("aavg2d-dims", lambda lib, F: F.adaptive_avg_pool2d(_t(lib, 3), 2)),
    ("aavg1d-dims", lambda lib, F: F.adaptive_avg_pool1d(_t(lib, 3), 2)),
    ("aavg2d-negative", lambda lib, F: F.adaptive_avg_pool2d(_t(lib, 2, 3, 8, 8), -1)),
    ("aavg2d-size-len", lambda lib, F: F.adaptive_avg_pool2d(_t(lib, 2, 3, 8, 8), (1, 2, 3))),
    ("aavg2d-empty", lambda lib, F: F.adaptive_avg_pool2d(_t(lib, 1, 2, 0, 4), 2)),
    ("amax2d-dims", lambda lib, F: F.adaptive_max_pool2d(_t(lib, 3), 2)),
    ("amax2d-empty", lambda lib, F: F.adaptive_max_pool2d(_t(lib, 1, 2, 0, 4), 2)),
    ("unpool-bad-index", lambda lib, F: F.max_unpool2d(_t(lib, 1, 1, 2, 2),
                                                       lib.tensor([[[[0, 1], [2, 100]]]]), 2)),
    ("unpool-shape", lambda lib, F: F.max_unpool2d(_t(lib, 1, 1, 2, 2),
                                                   _t(lib, 1, 1, 2, 3, dtype=lib.int64), 2)),
    ("unpool-dtype", lambda lib, F: F.max_unpool2d(_t(lib, 1, 1, 2, 2), _t(lib, 1, 1, 2, 2), 2)),
    ("unpool-output-size", lambda lib, F: F.max_unpool2d(
        _t(lib, 1, 1, 2, 2), _t(lib, 1, 1, 2, 2, dtype=lib.int64), 2, output_size=(9, 9))),
    ("unpool-output-size-len", lambda lib, F: F.max_unpool2d(
        _t(lib, 1, 1, 2, 2), _t(lib, 1, 1, 2, 2, dtype=lib.int64), 2, output_size=(1, 9, 9, 1, 1))),
    ("unpool-dims",
     lambda lib, F: F.max_unpool2d(_t(lib, 2, 2), _t(lib, 2, 2, dtype=lib.int64), 2)),
    ("unpool1d-dims", lambda lib, F: F.max_unpool1d(_t(lib, 2), _t(lib, 2, dtype=lib.int64), 2)),
    ("unpool3d-dims",
     lambda lib, F: F.max_unpool3d(_t(lib, 2, 2, 2), _t(lib, 2, 2, 2, dtype=lib.int64), 2)),
    ("unpool3d-bad-index", lambda lib, F: F.max_unpool3d(_t(lib, 1, 1, 1, 2, 2),
                                                         lib.full((1, 1, 1, 2, 2), 99), 2)),
    ("unpool1d-bad-index",
     lambda lib, F: F.max_unpool1d(_t(lib, 1, 1, 2), lib.full((1, 1, 2), 99), 2)),
    ("lp1d-dims", lambda lib, F: F.lp_pool1d(_t(lib, 3), 2, 3)),
    ("lp2d-too-small", lambda lib, F: F.lp_pool2d(_t(lib, 1, 1, 1, 1), 2, 3)),
    ("max2d-kernel-zero-stride", lambda lib, F: F.max_pool2d(_t(lib, 1, 1, 4, 4), 0, 1)),
    ("max3d-dilation-zero", lambda lib, F: F.max_pool3d(_t(lib, 1, 1, 4, 4, 4), 2, dilation=0)),
    ("max1d-kernel-zero", lambda lib, F: F.max_pool1d(_t(lib, 1, 1, 6), 0)),
    ("max1d-stride-zero", lambda lib, F: F.max_pool1d(_t(lib, 1, 1, 6), 2, 0)),
    ("max1d-pad-negative", lambda lib, F: F.max_pool1d(_t(lib, 1, 1, 6), 2, padding=-1)),
    ("max1d-pad-too-big", lambda lib, F: F.max_pool1d(_t(lib, 1, 1, 6), 2, padding=2)),
    ("max1d-dilation-zero", lambda lib, F: F.max_pool1d(_t(lib, 1, 1, 6), 2, dilation=0)),
    ("max1d-empty", lambda lib, F: F.max_pool1d(_t(lib, 1, 0, 4), 2)),
    ("max3d-too-small", lambda lib, F: F.max_pool3d(_t(lib, 1, 1, 1, 4, 4), 2)),
    ("avg3d-kernel-bigger", lambda lib, F: F.avg_pool3d(_t(lib, 1, 1, 1, 4, 4), 2)),
    ("avg3d-kernel-bigger-pad", lambda lib, F: F.avg_pool3d(_t(lib, 1, 1, 2, 4, 4), 3, padding=1,
                                                            stride=5)),
    ("avg3d-empty", lambda lib, F: F.avg_pool3d(_t(lib, 1, 0, 4, 4, 4), 2)),
    ("max3d-empty", lambda lib, F: F.max_pool3d(_t(lib, 1, 0, 4, 4, 4), 2)),
    ("avg2d-empty", lambda lib, F: F.avg_pool2d(_t(lib, 1, 0, 4, 4), 2)),
    ("avg1d-empty", lambda lib, F: F.avg_pool1d(_t(lib, 1, 0, 4), 2)),
    ("amax1d-dims", lambda lib, F: F.adaptive_max_pool1d(_t(lib, 4), 2)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case):
    _, f = case
    assert_same_error(lambda: f(torch, torch.nn.functional),
                      lambda: f(numtorch, numtorch.nn.functional))


def test_empty_batch_and_zero_output():
    for lib in (torch, numtorch):
        F = lib.nn.functional
        assert tuple(F.max_pool2d(lib.ones(0, 2, 4, 4), 2).shape) == (0, 2, 2, 2)
        assert tuple(F.adaptive_avg_pool2d(lib.ones(2, 3, 8, 8), 0).shape) == (2, 3, 0, 0)
        assert tuple(F.adaptive_max_pool2d(lib.ones(2, 3, 8, 8), 0).shape) == (2, 3, 0, 0)


@st.composite
def _pool_args(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pad = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    size = tuple(max(draw(st.integers(1, 9)), kk) for kk in k)
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size, k, stride, pad, \
        draw(st.booleans())


@settings(max_examples=30)
@given(_pool_args(), st.sampled_from(["max", "avg", "avg-exclude"]))
def test_pool2d_random_shapes(args, kind):
    shape, k, stride, pad, ceil = args
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    res = []
    for lib in (torch, numtorch):
        F = lib.nn.functional
        tx = lib.tensor(x, requires_grad=True)
        if kind == "max":
            y, i = F.max_pool2d(tx, k, stride, pad, ceil_mode=ceil, return_indices=True)
        else:
            y, i = F.avg_pool2d(tx, k, stride, pad, ceil, kind == "avg"), None
        y.backward(lib.ones_like(y))
        res.append((y, tx.grad, i))
    assert_close(res[1][0], res[0][0], **TOL)
    assert_close(res[1][1], res[0][1], **TOL)
    if kind == "max":
        np.testing.assert_array_equal(res[1][2].numpy(), res[0][2].numpy())
