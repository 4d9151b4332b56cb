"""F.interpolate and the upsampling modules, pixel (un)shuffle, channel shuffle and Softmax2d
against PyTorch: values (nearest modes bit for bit), gradients, float64 gradcheck, reprs and
PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch
import numtorch.nn.functional as F
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)

# (mode, input shape, kwargs)
INTERP = [
    ("nearest", (2, 3, 5), dict(size=9)),
    ("nearest", (2, 3, 7), dict(scale_factor=1.7)),
    ("nearest", (1, 2, 5, 7), dict(scale_factor=2)),
    ("nearest", (1, 2, 5, 7), dict(size=(3, 11))),
    ("nearest", (1, 2, 5, 7), dict(scale_factor=(0.6, 1.3))),
    ("nearest", (1, 2, 3, 4, 5), dict(scale_factor=(2.5, 1, 0.5))),
    ("nearest", (2, 1, 6), dict(scale_factor=3.3, recompute_scale_factor=True)),
    ("nearest-exact", (2, 3, 5), dict(size=8)),
    ("nearest-exact", (1, 2, 5, 7), dict(scale_factor=(1.6, 0.7))),
    ("nearest-exact", (1, 2, 3, 4, 5), dict(size=(5, 3, 8))),
    ("linear", (2, 3, 5), dict(size=9)),
    ("linear", (2, 3, 5), dict(size=9, align_corners=True)),
    ("linear", (2, 3, 7), dict(scale_factor=0.6)),
    ("linear", (1, 2, 1), dict(size=4, align_corners=True)),
    ("linear", (1, 2, 6), dict(size=1)),
    ("bilinear", (2, 3, 5, 7), dict(scale_factor=2)),
    ("bilinear", (2, 3, 5, 7), dict(size=(8, 4), align_corners=True)),
    ("bilinear", (1, 2, 5, 7), dict(scale_factor=(1.7, 0.55))),
    ("bilinear", (1, 2, 5, 7), dict(scale_factor=1.3, recompute_scale_factor=True)),
    ("bilinear", (1, 2, 5, 7), dict(size=(5, 7))),
    ("bicubic", (2, 3, 5, 7), dict(scale_factor=2)),
    ("bicubic", (2, 3, 5, 7), dict(size=(9, 4), align_corners=True)),
    ("bicubic", (1, 2, 4, 6), dict(scale_factor=(1.5, 0.7))),
    ("bicubic", (1, 1, 1, 3), dict(size=(3, 5))),
    ("trilinear", (1, 2, 3, 4, 5), dict(scale_factor=2)),
    ("trilinear", (1, 2, 3, 4, 5), dict(size=(5, 2, 7), align_corners=True)),
    ("trilinear", (2, 1, 3, 4, 2), dict(scale_factor=(1.5, 0.8, 2.2))),
    ("area", (2, 3, 7), dict(size=3)),
    ("area", (2, 3, 7, 6), dict(scale_factor=0.5)),
    ("area", (1, 2, 4, 6, 5), dict(size=(2, 3, 5))),
]
IDS = [f"{m}-{len(s) - 2}d-{i}" for i, (m, s, _) in enumerate(INTERP)]


def _pair(x, noncontig=False):
    if noncontig:
        t = torch.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        n = numtorch.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        assert not n.is_contiguous() or min(x.shape[-2:]) == 1
    else:
        t, n = torch.tensor(x), numtorch.tensor(x)
    return t.requires_grad_(), n.requires_grad_()


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("mode,shape,kw", INTERP, ids=IDS)
def test_interpolate_matches_torch(mode, shape, kw, noncontig):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    tx, nx = _pair(x, noncontig)
    ty = TF.interpolate(tx, mode=mode, **kw)
    ny = F.interpolate(nx, mode=mode, **kw)
    if mode.startswith("nearest"):
        assert tuple(ny.shape) == tuple(ty.shape)
        assert np.array_equal(ny.detach().numpy(), ty.detach().numpy())
    else:
        assert_close(ny, ty, **TOL)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nx.grad, tx.grad, **TOL)
    if mode != "area":
        assert ny.grad_fn.name() == ty.grad_fn.name()


@settings(max_examples=40, deadline=None)
@given(n_in=st.integers(1, 40), out=st.integers(1, 90), scale=st.floats(0.05, 6.0),
       use_scale=st.booleans(), mode=st.sampled_from(["nearest", "nearest-exact", "linear"]),
       align=st.booleans())
def test_interpolate_1d_sizes(n_in, out, scale, use_scale, mode, align):
    """Source indices follow PyTorch's float32 arithmetic for any size and scale factor."""
    x = np.arange(n_in, dtype=np.float32).reshape(1, 1, n_in) * np.float32(1.37)
    kw = dict(scale_factor=scale) if use_scale else dict(size=out)
    if use_scale and int(n_in * scale) < 1:
        return
    if mode == "linear":
        kw["align_corners"] = align
    ty = TF.interpolate(torch.tensor(x), mode=mode, **kw)
    ny = F.interpolate(numtorch.tensor(x), mode=mode, **kw)
    if mode == "linear":
        assert_close(ny, ty, rtol=1e-6, atol=1e-5)
    else:
        assert np.array_equal(ny.numpy(), ty.numpy())


@pytest.mark.parametrize("mode,shape,kw", INTERP[::2], ids=IDS[::2])
def test_interpolate_gradcheck(mode, shape, kw):
    x = numtorch.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, mode=mode, **kw), (x,))


def test_interpolate_float64_matches_torch():
    x = np.random.default_rng(3).standard_normal((1, 2, 5, 6))
    for mode in ("bilinear", "bicubic"):
        assert_close(F.interpolate(numtorch.tensor(x), scale_factor=1.7, mode=mode),
                     TF.interpolate(torch.tensor(x), scale_factor=1.7, mode=mode),
                     rtol=1e-12, atol=1e-12)


INTERP_ERRORS = [
    ((1, 2, 4), dict(size=3, align_corners=True)),
    ((1, 2, 4), dict(size=3, scale_factor=2)),
    ((1, 2, 4), dict()),
    ((1, 2, 4, 4), dict(size=(3, 3, 3))),
    ((1, 2, 4, 4), dict(size=(3.0, 3))),
    ((1, 2, 4, 4), dict(scale_factor=(2, 2, 2))),
    ((1, 2, 4, 4), dict(size=3, recompute_scale_factor=True)),
    ((1, 2, 4), dict(size=3, mode="bilinear")),
    ((1, 2, 4), dict(size=3, mode="trilinear")),
    ((1, 2, 4, 4), dict(size=3, mode="linear")),
    ((1, 2, 4, 4), dict(size=3, mode="trilinear")),
    ((1, 2, 4, 4, 4), dict(size=3, mode="linear")),
    ((1, 2, 4, 4, 4), dict(size=3, mode="bilinear")),
    ((1, 2, 4), dict(size=3, mode="bicubic")),
    ((1, 2, 4), dict(size=3, mode="foo")),
    ((4, 4), dict(size=3)),
    ((1, 2, 4), dict(size=3, mode="linear", antialias=True)),
    ((1, 2, 4, 4), dict(size=0)),
    ((1, 2, 4, 4), dict(scale_factor=0.1, mode="bilinear")),
    ((1, 2, 1), dict(scale_factor=0.6, mode="linear")),
    ((1, 2, 4, 4, 4), dict(size=(0, 2, 2))),
]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("shape,mode", [((1, 1, 4), "nearest"), ((1, 1, 4), "linear"),
                                        ((1, 1, 4, 4), "nearest-exact"),
                                        ((1, 1, 4, 4), "bilinear"), ((1, 1, 4, 4), "bicubic"),
                                        ((1, 1, 2, 2, 2), "trilinear")])
def test_interpolate_integer_errors(shape, mode, dtype):
    x = np.zeros(shape, dtype)
    assert_same_error(lambda: TF.interpolate(torch.tensor(x), size=3, mode=mode),
                      lambda: F.interpolate(numtorch.tensor(x), size=3, mode=mode))


def test_interpolate_uint8_nearest():
    x = np.random.default_rng(12).integers(0, 255, (1, 2, 3, 5)).astype(np.uint8)
    for mode in ("nearest", "nearest-exact"):
        assert np.array_equal(F.interpolate(numtorch.tensor(x), size=(7, 4), mode=mode).numpy(),
                              TF.interpolate(torch.tensor(x), size=(7, 4), mode=mode).numpy())


@pytest.mark.parametrize("shape,kw", INTERP_ERRORS)
def test_interpolate_errors(shape, kw):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: TF.interpolate(torch.tensor(x), **kw),
                      lambda: F.interpolate(numtorch.tensor(x), **kw))


def test_deprecated_upsample_functions():
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 4)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kw in [("upsample", dict(scale_factor=2, mode="bilinear")),
                         ("upsample_nearest", dict(size=5)),
                         ("upsample_bilinear", dict(scale_factor=2))]:
            assert_close(getattr(F, name)(numtorch.tensor(x), **kw),
                         getattr(TF, name)(torch.tensor(x), **kw), **TOL)
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        F.upsample_nearest(numtorch.tensor(x), size=5)


# (class, args, kwargs, input shape)
MODULES = [
    ("Upsample", (), dict(scale_factor=2), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=(5, 3), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    ("Upsample", (), dict(scale_factor=(1.5, 2), mode="bicubic"), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=7, mode="linear"), (2, 2, 3)),
    ("Upsample", (), dict(scale_factor=2, mode="trilinear", recompute_scale_factor=True),
     (1, 1, 2, 3, 2)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), (1, 2, 3, 4)),
    ("UpsamplingNearest2d", ((4, 5),), {}, (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", (), dict(scale_factor=2), (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", (6,), {}, (1, 2, 3, 4)),
]


@pytest.mark.parametrize("name,args,kw,shape", MODULES)
def test_upsampling_modules(name, args, kw, shape):
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    tm, nm = getattr(torch.nn, name)(*args, **kw), getattr(numtorch.nn, name)(*args, **kw)
    assert repr(nm) == repr(tm)
    assert_close(nm(numtorch.tensor(x)), tm(torch.tensor(x)), **TOL)


# ---------------------------------------------------------------------------------------------
# pixel shuffle, channel shuffle, Softmax2d
# ---------------------------------------------------------------------------------------------

SHUFFLE = [
    ("pixel_shuffle", (2, 8, 3, 5), 2),
    ("pixel_shuffle", (9, 2, 3), 3),
    ("pixel_shuffle", (2, 3, 4, 2, 2), 2),
    ("pixel_unshuffle", (2, 3, 4, 6), 2),
    ("pixel_unshuffle", (1, 6, 9), 3),
    ("pixel_unshuffle", (2, 2, 1, 4, 4), 4),
    ("channel_shuffle", (2, 6, 3, 5), 3),
    ("channel_shuffle", (1, 4, 5), 2),
    ("channel_shuffle", (2, 6, 2, 2, 2), 2),
]


@pytest.mark.parametrize("name,shape,factor", SHUFFLE)
def test_shuffles_match_torch(name, shape, factor):
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    tx, nx = _pair(x, noncontig=True)
    ty, ny = getattr(TF, name)(tx, factor), getattr(F, name)(nx, factor)
    assert np.array_equal(ny.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(7).standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert np.array_equal(nx.grad.numpy(), tx.grad.numpy())


SHUFFLE_ERRORS = [
    ("pixel_shuffle", (1, 5, 2, 2), 2), ("pixel_shuffle", (5, 2), 2),
    ("pixel_shuffle", (1, 4, 2, 2), 0), ("pixel_unshuffle", (1, 1, 3, 4), 2),
    ("pixel_unshuffle", (1, 1, 4, 3), 2), ("pixel_unshuffle", (4, 3), 2),
    ("pixel_unshuffle", (1, 1, 4, 4), -1), ("channel_shuffle", (1, 5, 2, 2), 2),
    ("channel_shuffle", (1, 4), 2), ("channel_shuffle", (4,), 0),
    ("channel_shuffle", (1, 4, 2), 0),
]


@pytest.mark.parametrize("name,shape,factor", SHUFFLE_ERRORS)
def test_shuffle_errors(name, shape, factor):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: getattr(TF, name)(torch.tensor(x), factor),
                      lambda: getattr(F, name)(numtorch.tensor(x), factor))


@pytest.mark.parametrize("name,arg", [("PixelShuffle", 3), ("PixelUnshuffle", 2),
                                      ("ChannelShuffle", 2)])
def test_shuffle_modules(name, arg):
    tm, nm = getattr(torch.nn, name)(arg), getattr(numtorch.nn, name)(arg)
    assert repr(nm) == repr(tm)
    x = np.random.default_rng(8).standard_normal((2, 36, 6, 6)).astype(np.float32)
    assert np.array_equal(nm(numtorch.tensor(x)).numpy(), tm(torch.tensor(x)).numpy())


def test_pixel_shuffle_gradcheck():
    x = numtorch.tensor(np.random.default_rng(9).standard_normal((1, 8, 2, 3)), requires_grad=True)
    assert gradcheck(lambda t: F.pixel_unshuffle(F.pixel_shuffle(t, 2) * t.sum(), 2), (x,))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 2, 4)])
def test_softmax2d(shape):
    x = np.random.default_rng(10).standard_normal(shape).astype(np.float32)
    tx, nx = _pair(x)
    assert repr(numtorch.nn.Softmax2d()) == repr(torch.nn.Softmax2d())
    ty, ny = torch.nn.Softmax2d()(tx), numtorch.nn.Softmax2d()(nx)
    assert_close(ny, ty, rtol=1e-6, atol=1e-7)
    g = np.random.default_rng(11).standard_normal(shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nx.grad, tx.grad, rtol=1e-5, atol=1e-6)


def test_softmax2d_error():
    assert_same_error(lambda: torch.nn.Softmax2d()(torch.zeros(2, 3)),
                      lambda: numtorch.nn.Softmax2d()(numtorch.zeros(2, 3)))


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_backward_long_axis_path(mode, monkeypatch):
    """The scatter used for long axes (instead of the tap-matrix GEMM) gives the same gradient."""
    import numtorch._ops.sampling as sampling
    monkeypatch.setattr(sampling, "_GEMM_LIMIT", 0)
    x = np.random.default_rng(13).standard_normal((1, 2, 7, 9))
    tx, nx = _pair(x)
    TF.interpolate(tx, size=(13, 4), mode=mode).pow(2).sum().backward()
    F.interpolate(nx, size=(13, 4), mode=mode).pow(2).sum().backward()
    assert_close(nx.grad, tx.grad, rtol=1e-12, atol=1e-12)
