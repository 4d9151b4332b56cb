"""F.unfold/F.fold with nn.Unfold/nn.Fold, F.grid_sample and F.affine_grid against PyTorch:
values, gradients (input and grid), float64 gradcheck, reprs and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
import numtorch.nn.functional as F
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def _pair(x, noncontig=False):
    if noncontig:
        t = torch.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        n = numtorch.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        assert not n.is_contiguous()
    else:
        t, n = torch.tensor(x), numtorch.tensor(x)
    return t.requires_grad_(), n.requires_grad_()


# (input shape, kwargs): unfold's input; fold is checked on the matching column shape
FOLD = [
    ((2, 3, 5, 6), dict(kernel_size=2)),
    ((2, 3, 7, 8), dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3))),
    ((1, 2, 5, 5), dict(kernel_size=3, padding=1)),
    ((1, 1, 4, 4), dict(kernel_size=2, stride=2)),
    ((3, 5, 6), dict(kernel_size=3, dilation=2)),
    ((1, 2, 6, 7), dict(kernel_size=(1, 4), stride=(3, 1))),
]


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("shape,kw", FOLD)
def test_unfold_fold_match_torch(shape, kw, noncontig):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    tx, nx = _pair(x, noncontig)
    ty, ny = TF.unfold(tx, **kw), F.unfold(nx, **kw)
    assert np.array_equal(ny.detach().numpy(), ty.detach().numpy())
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nx.grad, tx.grad, **TOL)

    c = rng.standard_normal(ty.shape).astype(np.float32)
    tc, nc = _pair(c, noncontig)
    tf, nf = TF.fold(tc, shape[-2:], **kw), F.fold(nc, shape[-2:], **kw)
    assert_close(nf, tf, **TOL)
    gf = rng.standard_normal(tf.shape).astype(np.float32)
    tf.backward(torch.tensor(gf))
    nf.backward(numtorch.tensor(gf))
    assert np.array_equal(nc.grad.numpy(), tc.grad.numpy())
    assert (ny.grad_fn.name(), nf.grad_fn.name()) == ("Im2ColBackward0", "Col2ImBackward0")


@pytest.mark.parametrize("shape,kw", FOLD[1:3])
def test_unfold_fold_gradcheck(shape, kw):
    rng = np.random.default_rng(1)
    x = numtorch.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, **kw), (x,))
    cols = F.unfold(x.detach(), **kw)
    c = numtorch.tensor(rng.standard_normal(tuple(cols.shape)), requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, shape[-2:], **kw), (c,))


UNFOLD_ERRORS = [
    ((1, 1, 2, 3, 3), dict(kernel_size=2)),
    ((3, 4), dict(kernel_size=2)),
    ((4,), dict(kernel_size=2)),
    ((), dict(kernel_size=2)),
    ((2, 0, 4, 4), dict(kernel_size=2)),
    ((1, 3, 4, 5), dict(kernel_size=6)),
    ((1, 3, 4, 5), dict(kernel_size=2, stride=3, padding=0, dilation=4)),
    ((1, 3, 4, 5), dict(kernel_size=0)),
    ((1, 3, 4, 5), dict(kernel_size=(1, 0))),
    ((1, 3, 4, 5), dict(kernel_size=2, stride=0)),
    ((1, 3, 4, 5), dict(kernel_size=2, dilation=0)),
    ((1, 3, 4, 5), dict(kernel_size=1, dilation=0, padding=-1)),
    ((1, 3, 4, 5), dict(kernel_size=2, padding=-1)),
    ((1, 3, 4, 5), dict(kernel_size=(2, 2, 2))),
    ((1, 3, 4, 5), dict(kernel_size=2, padding=(1, 1, 1), stride=(1, 1, 1))),
]


@pytest.mark.parametrize("shape,kw", UNFOLD_ERRORS)
def test_unfold_errors(shape, kw):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: TF.unfold(torch.tensor(x), **kw),
                      lambda: F.unfold(numtorch.tensor(x), **kw))


FOLD_ERRORS = [
    ((2, 13, 12), dict(output_size=(4, 5), kernel_size=2)),
    ((2, 12, 11), dict(output_size=(4, 5), kernel_size=2)),
    ((2, 12, 12, 1), dict(output_size=(4, 5), kernel_size=2)),
    ((1, 0, 4), dict(output_size=(3, 3), kernel_size=2)),
    ((2, 12, 12), dict(output_size=(1, 5), kernel_size=2)),
    ((2, 12, 12), dict(output_size=(4, 5), kernel_size=2, stride=0)),
    ((2, 12, 12), dict(output_size=0, kernel_size=2)),
    ((1, 4, 4), dict(output_size=(3, 3, 3), kernel_size=2)),
    ((1, 4, 4), dict(output_size=(3, 3), kernel_size=(0, 2), stride=0)),
    ((1, 4, 4), dict(output_size=(3, 3), kernel_size=1, stride=0, dilation=0)),
    ((1, 4, 4), dict(output_size=(3, 3), kernel_size=1, dilation=0, padding=-1)),
    ((1, 4, 4), dict(output_size=(3, 3), kernel_size=2, padding=-1)),
]


@pytest.mark.parametrize("shape,kw", FOLD_ERRORS)
def test_fold_errors(shape, kw):
    x = np.zeros(shape, np.float32)
    assert_same_error(lambda: TF.fold(torch.tensor(x), **kw),
                      lambda: F.fold(numtorch.tensor(x), **kw))


def test_fold_unfold_modules():
    for name, args, kw in [("Unfold", (2,), {}),
                           ("Unfold", ((2, 3),), dict(dilation=2, padding=1, stride=(1, 2))),
                           ("Fold", ((4, 5), 2), {}),
                           ("Fold", ((6, 7), 3), dict(dilation=2, padding=1, stride=(1, 2)))]:
        tm, nm = getattr(torch.nn, name)(*args, **kw), getattr(numtorch.nn, name)(*args, **kw)
        assert repr(nm) == repr(tm)
    x = np.random.default_rng(2).standard_normal((2, 3, 6, 7)).astype(np.float32)
    unf = numtorch.nn.Unfold(3, padding=1)
    cols = unf(numtorch.tensor(x))
    assert_close(cols, torch.nn.Unfold(3, padding=1)(torch.tensor(x)))
    assert_close(numtorch.nn.Fold((6, 7), 3, padding=1)(cols),
                 torch.nn.Fold((6, 7), 3, padding=1)(torch.tensor(cols.numpy())), **TOL)


# ---------------------------------------------------------------------------------------------
# grid_sample and affine_grid
# ---------------------------------------------------------------------------------------------

GRID = [
    (input_shape, grid_shape, mode, pad, ac)
    for input_shape, grid_shape in [((2, 3, 5, 6), (2, 4, 7, 2)),
                                    ((1, 2, 3, 4, 5), (1, 2, 3, 4, 3))]
    for mode in ("bilinear", "nearest", "bicubic")
    for pad in ("zeros", "border", "reflection")
    for ac in (False, True)
    if not (len(input_shape) == 5 and mode == "bicubic")
]
GRID_IDS = [f"{len(s) - 2}d-{m}-{p}-{'ac' if a else 'noac'}" for s, _, m, p, a in GRID]


@pytest.mark.parametrize("input_shape,grid_shape,mode,pad,ac", GRID, ids=GRID_IDS)
def test_grid_sample_matches_torch(input_shape, grid_shape, mode, pad, ac):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(input_shape).astype(np.float32)
    grid = rng.uniform(-1.6, 1.6, grid_shape).astype(np.float32)
    tx, nx = _pair(x, noncontig=True)
    tg, ng = _pair(grid)
    ty = TF.grid_sample(tx, tg, mode, pad, ac)
    ny = F.grid_sample(nx, ng, mode, pad, ac)
    assert_close(ny, ty, **TOL)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nx.grad, tx.grad, **TOL)
    assert_close(ng.grad, tg.grad, rtol=1e-4, atol=1e-4)
    assert ny.grad_fn.name() == ty.grad_fn.name()


@pytest.mark.parametrize("input_shape,grid_shape,mode,pad,ac", GRID[::4], ids=GRID_IDS[::4])
def test_grid_sample_gradcheck(input_shape, grid_shape, mode, pad, ac):
    rng = np.random.default_rng(4)
    input_shape = (1, 2) + input_shape[2:]
    grid_shape = (1, 2) + grid_shape[2:-2] + (3, grid_shape[-1])
    x = numtorch.tensor(rng.standard_normal(input_shape), requires_grad=True)
    grid = rng.uniform(-1.3, 1.3, grid_shape)
    grid = numtorch.tensor(grid, requires_grad=mode != "nearest")
    assert gradcheck(lambda a, b: F.grid_sample(a, b, mode, pad, ac), (x, grid), atol=1e-4)


GRID_ERRORS = [
    ((2, 3, 4, 4), (1, 5, 5, 2), {}),
    ((2, 3, 4, 4), (2, 5, 5, 3), {}),
    ((2, 3, 4, 4), (2, 5, 5, 5, 2), {}),
    ((2, 3, 4, 4, 4), (2, 5, 5, 5, 3), dict(mode="bicubic")),
    ((2, 3, 4, 4, 4), (2, 5, 5, 5, 2), {}),
    ((2, 3, 0, 4), (2, 5, 5, 2), {}),
    ((2, 3, 4), (2, 5, 2), {}),
    ((2, 3, 4, 4), (2, 5, 5, 2), dict(mode="foo")),
    ((2, 3, 4, 4), (2, 5, 5, 2), dict(padding_mode="foo")),
]


@pytest.mark.parametrize("input_shape,grid_shape,kw", GRID_ERRORS)
def test_grid_sample_errors(input_shape, grid_shape, kw):
    x, g = np.zeros(input_shape, np.float32), np.zeros(grid_shape, np.float32)
    assert_same_error(lambda: TF.grid_sample(torch.tensor(x), torch.tensor(g), align_corners=False,
                                             **kw),
                      lambda: F.grid_sample(numtorch.tensor(x), numtorch.tensor(g),
                                            align_corners=False, **kw))
    assert_same_error(
        lambda: TF.grid_sample(torch.zeros(1, 1, 2, 2),
                               torch.zeros(1, 2, 2, 2, dtype=torch.float64), align_corners=True),
        lambda: F.grid_sample(numtorch.zeros(1, 1, 2, 2),
                              numtorch.zeros(1, 2, 2, 2, dtype=numtorch.float64),
                              align_corners=True),
    )


def test_grid_sample_align_corners_warning():
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        F.grid_sample(numtorch.zeros(1, 1, 2, 2), numtorch.zeros(1, 1, 1, 2))
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        F.affine_grid(numtorch.zeros(1, 2, 3), (1, 1, 2, 2))


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 3, 4, 5), (1, 1, 1, 1),
                                  (1, 2, 6, 1)])
@pytest.mark.parametrize("ac", [False, True])
def test_affine_grid_matches_torch(size, ac):
    d = len(size) - 2
    theta = np.random.default_rng(5).standard_normal((size[0], d, d + 1)).astype(np.float32)
    tt, nt = _pair(theta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ty, ny = TF.affine_grid(tt, size, ac), F.affine_grid(nt, size, ac)
    assert_close(ny, ty, rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(6).standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nt.grad, tt.grad, **TOL)


def test_affine_grid_gradcheck():
    theta = numtorch.tensor(np.random.default_rng(7).standard_normal((2, 2, 3)), requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False), (theta,))


AFFINE_ERRORS = [
    ((2, 2, 3), (2, 3, 4, 5, 6)),
    ((2, 3, 4), (2, 3, 4, 5)),
    ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (2, 3, 0, 5)),
]


@pytest.mark.parametrize("theta_shape,size", AFFINE_ERRORS)
def test_affine_grid_errors(theta_shape, size):
    th = np.zeros(theta_shape, np.float32)
    assert_same_error(lambda: TF.affine_grid(torch.tensor(th), size, align_corners=False),
                      lambda: F.affine_grid(numtorch.tensor(th), size, align_corners=False))
    assert_same_error(lambda: TF.affine_grid(torch.zeros(1, 2, 3, dtype=torch.int64), (1, 1, 2, 2),
                                             align_corners=False),
                      lambda: F.affine_grid(numtorch.zeros(1, 2, 3, dtype=numtorch.int64),
                                            (1, 1, 2, 2), align_corners=False))


def test_spatial_transformer_roundtrip():
    """affine_grid feeding grid_sample, gradients into theta, as a spatial transformer uses it."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    theta = (np.eye(2, 3) + 0.1 * rng.standard_normal((2, 2, 3))).astype(np.float32)
    tt, nt = _pair(theta)
    ty = TF.grid_sample(
        torch.tensor(x), TF.affine_grid(tt, (2, 3, 4, 4), False), align_corners=False
    )
    ny = F.grid_sample(numtorch.tensor(x), F.affine_grid(nt, (2, 3, 4, 4), False),
                       align_corners=False)
    assert_close(ny, ty, **TOL)
    ty.square().sum().backward()
    ny.square().sum().backward()
    assert_close(nt.grad, tt.grad, rtol=1e-4, atol=1e-4)
