"""Dropout2d/3d, AlphaDropout and FeatureAlphaDropout against PyTorch: the same masks for the
same seed (bit for bit), gradients, in-place forms, train/eval, warnings, float64 gradcheck,
repr, and PyTorch's errors.

The mask comparisons need PyTorch to draw ``bernoulli_`` from its own generator; see NOTE
[ PyTorch's MKL random stream ] in tests/conftest.py for the machines where they are skipped.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
import numtorch.nn as nnn
import numtorch.nn.functional as NF
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

from conftest import assert_close, assert_same_error  # noqa: E402

EXACT = dict(rtol=0, atol=0)


def _pair(shape, seed=0, dtype=np.float32):
    a = (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)
    return torch.from_numpy(a.copy()), numtorch.from_numpy(a.copy())


def _seed(s=0):
    torch.manual_seed(s)
    numtorch.manual_seed(s)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


# (id, function, input shape, p, dtype)
MASKS = [
    ("dropout2d-4d", "dropout2d", (3, 5, 2, 3), 0.4, np.float32),
    ("dropout2d-3d", "dropout2d", (4, 6, 3), 0.5, np.float32),
    ("dropout2d-2d", "dropout2d", (7, 5), 0.3, np.float32),
    ("dropout2d-double", "dropout2d", (2, 8, 2, 2), 0.25, np.float64),
    ("dropout3d-5d", "dropout3d", (2, 5, 2, 2, 3), 0.4, np.float32),
    ("dropout3d-unbatched", "dropout3d", (6, 2, 3, 2), 0.6, np.float32),
    ("dropout3d-3d", "dropout3d", (5, 3, 2), 0.5, np.float32),
    ("alpha_dropout", "alpha_dropout", (6, 7), 0.3, np.float32),
    ("alpha_dropout-4d", "alpha_dropout", (2, 3, 4, 5), 0.8, np.float32),
    ("alpha_dropout-double", "alpha_dropout", (5, 9), 0.45, np.float64),
    ("alpha_dropout-1d", "alpha_dropout", (11,), 0.2, np.float32),
    ("feature_alpha_dropout", "feature_alpha_dropout", (4, 6, 3), 0.4, np.float32),
    ("feature_alpha_dropout-2d", "feature_alpha_dropout", (8, 5), 0.6, np.float32),
    ("feature_alpha_dropout-5d", "feature_alpha_dropout", (2, 4, 2, 3, 2), 0.3, np.float64),
]


@pytest.mark.parametrize("inplace", [False, True], ids=["out", "inplace"])
@pytest.mark.parametrize("fn,shape,p,dtype", [r[1:] for r in MASKS], ids=[r[0] for r in MASKS])
def test_same_mask_values_and_grads(fn, shape, p, dtype, inplace):
    a = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    lt = torch.from_numpy(a.copy()).requires_grad_()
    ln = numtorch.from_numpy(a.copy()).requires_grad_()
    xt, xn = lt * 1, ln * 1  # non-leaf, so the in-place form may write into it
    _seed(3)
    yt = _quiet(lambda: getattr(TF, fn)(xt, p, True, inplace))
    yn = _quiet(lambda: getattr(NF, fn)(xn, p, True, inplace))
    assert_close(yn, yt, **EXACT)
    if not (inplace and fn == "dropout3d" and len(shape) < 5):
        # an unbatched in-place dropout3d ends in PyTorch's squeeze_ node (SqueezeBackward4);
        # numtorch, without squeeze_, ends in the multiplication's node (same gradients)
        assert type(yn.grad_fn).__name__ == type(yt.grad_fn).__name__
    if inplace:
        assert_close(xn, xt, **EXACT)
    g = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    yt.backward(torch.from_numpy(g))
    yn.backward(numtorch.from_numpy(g))
    assert_close(ln.grad, lt.grad, **EXACT)
    assert numtorch.rand(4).tolist() == torch.rand(4).tolist()  # as many draws consumed


@pytest.mark.parametrize("fn", ["dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize("p,training", [(0.0, True), (0.5, False), (1.0, True)])
def test_edge_probabilities(fn, p, training):
    xt, xn = _pair((2, 3, 2, 2))
    xt[0, 0, 0, 0] = xn[0, 0, 0, 0] = float("inf")
    _seed()
    yt = _quiet(lambda: getattr(TF, fn)(xt, p, training))
    yn = _quiet(lambda: getattr(NF, fn)(xn, p, training))
    assert_close(yn, yt, **EXACT)
    assert (yn is xn) == (yt is xt)


@pytest.mark.parametrize("fn", ["dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"])
def test_empty_input_is_returned(fn):
    xt, xn = _pair((0, 3, 2, 2))
    yt = getattr(TF, fn)(xt, 0.5, True)
    yn = getattr(NF, fn)(xn, 0.5, True)
    assert_close(yn, yt)
    assert (yn is xn) == (yt is xt)


def test_p_one_keeps_integer_channels_zeroed():
    xt, xn = torch.arange(6).reshape(2, 3), numtorch.arange(6).reshape(2, 3)
    assert_close(_quiet(lambda: NF.dropout2d(xn, 1.0)), _quiet(lambda: TF.dropout2d(xt, 1.0)))


def _warnings(lib, F, call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(lib, F)
    return [str(w.message) for w in caught]


WARNS = [
    ("dropout2d-2d", lambda lib, F: F.dropout2d(lib.ones(3, 4), 0.5, False)),
    ("dropout2d-3d", lambda lib, F: F.dropout2d(lib.ones(2, 3, 4), 0.5, False)),
    ("dropout2d-4d", lambda lib, F: F.dropout2d(lib.ones(2, 3, 4, 1), 0.5, False)),
    ("dropout2d-5d", lambda lib, F: F.dropout2d(lib.ones(2, 3, 4, 1, 1), 0.5, False)),
    ("dropout3d-3d", lambda lib, F: F.dropout3d(lib.ones(2, 3, 4), 0.5, False)),
    ("dropout3d-4d", lambda lib, F: F.dropout3d(lib.ones(2, 3, 4, 1), 0.5, False)),
    ("dropout3d-6d", lambda lib, F: F.dropout3d(lib.ones(2, 3, 4, 1, 1, 1), 0.5, False)),
]


@pytest.mark.parametrize("call", [r[1] for r in WARNS], ids=[r[0] for r in WARNS])
def test_warnings_match_torch(call):
    assert _warnings(numtorch, NF, call) == _warnings(torch, TF, call)


@pytest.mark.parametrize("fn,shape", [("dropout2d", (2, 3, 2, 2)), ("dropout3d", (3, 2, 2, 2)),
                                      ("alpha_dropout", (3, 4)),
                                      ("feature_alpha_dropout", (2, 3, 2))])
def test_gradcheck_float64(fn, shape):
    x = numtorch.tensor(np.random.default_rng(2).standard_normal(shape), dtype=numtorch.float64,
                        requires_grad=True)

    def f(x):
        numtorch.manual_seed(5)  # the same mask on every evaluation
        return getattr(NF, fn)(x, 0.4, True)

    assert gradcheck(f, (x,))


# (id, make(nn), input shape)
MODULES = [
    ("Dropout2d", lambda nn: nn.Dropout2d(), (4, 3, 2, 2)),
    ("Dropout2d_inplace", lambda nn: nn.Dropout2d(0.3, inplace=True), (2, 5, 3, 3)),
    ("Dropout3d", lambda nn: nn.Dropout3d(0.2), (2, 4, 2, 1, 3)),
    ("Dropout3d_unbatched", lambda nn: nn.Dropout3d(0.7), (5, 2, 1, 3)),
    ("AlphaDropout", lambda nn: nn.AlphaDropout(0.2), (5, 6)),
    ("AlphaDropout_inplace_flag", lambda nn: nn.AlphaDropout(0.6, True), (3, 4, 2)),
    ("FeatureAlphaDropout", lambda nn: nn.FeatureAlphaDropout(), (3, 5, 2, 2)),
]


@pytest.mark.parametrize("make,shape", [r[1:] for r in MODULES], ids=[r[0] for r in MODULES])
def test_module_matches_torch(make, shape):
    tm, nm = make(tnn), make(nnn)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict()) == list(tm.state_dict()) == []
    for step in range(2):
        xt, xn = _pair(shape, seed=step)
        lt, ln = xt.requires_grad_(), xn.requires_grad_()
        _seed(step)
        yt, yn = tm(lt * 1), nm(ln * 1)
        assert_close(yn, yt, **EXACT)
        yt.sum().backward()
        yn.sum().backward()
        assert_close(ln.grad, lt.grad, **EXACT)
    tm.eval()
    nm.eval()
    xt, xn = _pair(shape, seed=9)
    assert_close(nm(xn), tm(xt), **EXACT)


def _x(lib, shape, dtype="float32"):
    return lib.ones(shape, dtype=getattr(lib, dtype))


# (id, call(lib, F, nn)) raising the same error in both libraries
ERRORS = [
    ("dropout2d-p", lambda lib, F, nn: F.dropout2d(_x(lib, (2, 3, 4)), 1.5)),
    ("dropout3d-p", lambda lib, F, nn: F.dropout3d(_x(lib, (2, 3, 4, 4)), -0.1)),
    ("alpha-p", lambda lib, F, nn: F.alpha_dropout(_x(lib, (2, 3)), 2.0)),
    ("feature-alpha-p", lambda lib, F, nn: F.feature_alpha_dropout(_x(lib, (2, 3)), -1.0)),
    ("dropout2d-1d", lambda lib, F, nn: F.dropout2d(_x(lib, (4,)), 0.5)),
    ("dropout3d-0d-inplace", lambda lib, F, nn: F.dropout3d(_x(lib, ()), 0.5, True, True)),
    ("feature-alpha-1d", lambda lib, F, nn: F.feature_alpha_dropout(_x(lib, (4,)), 0.5, True)),
    ("alpha-long", lambda lib, F, nn: F.alpha_dropout(_x(lib, (2, 3), "long"), 0.5, True)),
    ("dropout2d-long", lambda lib, F, nn: F.dropout2d(_x(lib, (2, 3), "long"), 0.5)),
    ("alpha-inplace-leaf", lambda lib, F, nn: F.alpha_dropout(
        lib.ones(2, 3, requires_grad=True), 0.5, True, True)),
    ("dropout2d-inplace-leaf", lambda lib, F, nn: F.dropout2d(
        lib.ones(2, 3, 2, requires_grad=True), 0.5, True, True)),
    ("Dropout2d-p", lambda lib, F, nn: nn.Dropout2d(1.1)),
    ("Dropout3d-p", lambda lib, F, nn: nn.Dropout3d(-0.5)),
    ("AlphaDropout-p", lambda lib, F, nn: nn.AlphaDropout(3)),
    ("FeatureAlphaDropout-p", lambda lib, F, nn: nn.FeatureAlphaDropout(-2)),
    ("FeatureAlphaDropout-1d", lambda lib, F, nn: nn.FeatureAlphaDropout()(_x(lib, (3,)))),
]


@pytest.mark.parametrize("call", [r[1] for r in ERRORS], ids=[r[0] for r in ERRORS])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(torch, TF, tnn), lambda: call(numtorch, NF, nnn))


def test_exports():
    for name in ("dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        assert name in NF.__all__
    for name in ("Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert name in nnn.modules.__all__ and getattr(nnn, name).__name__ == name
