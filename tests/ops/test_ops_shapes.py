"""Every shape family for the elementwise ops and reductions: scalars (0-dim), empty, 1-D, N-D,
broadcast and non-contiguous inputs, against PyTorch (values, gradients, and errors where
PyTorch refuses, e.g. a max over an empty dimension)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close

import numtorch

SHAPES = [(), (0,), (2, 0, 3), (5,), (2, 3, 4)]

UNARY = {
    "exp": (lambda L, a: a.exp(), "any"), "log": (lambda L, a: a.log(), "pos"),
    "log1p": (lambda L, a: a.log1p(), "pos"), "log2": (lambda L, a: a.log2(), "pos"),
    "expm1": (lambda L, a: a.expm1(), "any"), "sqrt": (lambda L, a: a.sqrt(), "pos"),
    "rsqrt": (lambda L, a: a.rsqrt(), "pos"), "sin": (lambda L, a: a.sin(), "any"),
    "cos": (lambda L, a: a.cos(), "any"), "tanh": (lambda L, a: a.tanh(), "any"),
    "sigmoid": (lambda L, a: a.sigmoid(), "any"), "relu": (lambda L, a: a.relu(), "away"),
    "erf": (lambda L, a: L.erf(a), "any"), "neg": (lambda L, a: -a, "any"),
    "abs": (lambda L, a: a.abs(), "away"), "reciprocal": (lambda L, a: a.reciprocal(), "away"),
    "square": (lambda L, a: a.square(), "any"), "sign": (lambda L, a: a.sign(), "away"),
    "clamp": (lambda L, a: a.clamp(-0.5, 0.5), "away"), "floor": (lambda L, a: a.floor(), "away"),
    "pow": (lambda L, a: a ** 2.5, "pos"), "softmax": (lambda L, a: a.softmax(-1), "any"),
    "log_softmax": (lambda L, a: a.log_softmax(-1), "any"),
}

REDUCE = {
    "sum": lambda L, a: a.sum(), "sum_last": lambda L, a: a.sum(-1), "mean": lambda L, a: a.mean(),
    "mean_last": lambda L, a: a.mean(-1, keepdim=True), "prod": lambda L, a: a.prod(),
    "var": lambda L, a: a.var(), "std_last": lambda L, a: a.std(-1), "amax": lambda L, a: a.amax(),
    "max_last": lambda L, a: a.max(-1).values, "amin_last": lambda L, a: a.amin(-1),
    "logsumexp": lambda L, a: L.logsumexp(a, -1), "norm": lambda L, a: a.norm(),
    "cumsum": lambda L, a: a.cumsum(-1), "argmax": lambda L, a: a.argmax(),
    "all": lambda L, a: (a > 0).all(), "any_last": lambda L, a: (a > 0).any(-1),
    "count_nonzero": lambda L, a: L.count_nonzero(a > 0),
}


def _data(shape, domain, seed):
    a = np.random.default_rng(seed).standard_normal(shape)
    if domain == "pos":
        a = np.abs(a) + 0.5
    elif domain == "away":
        a = np.sign(a) * (np.abs(a) + 0.3)
    return a.astype(np.float32)


def _check(fn, arr, transpose=False):
    base = np.ascontiguousarray(arr.T) if transpose else arr
    res = []
    for L in (numtorch, torch):
        x = L.tensor(base, requires_grad=True)
        inp = x.T if transpose else x
        try:
            out = fn(L, inp)
        except Exception as e:  # PyTorch refuses: numtorch must refuse the same way
            res.append(e)
            continue
        if out.requires_grad:
            weights = np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape))
            (out * L.tensor(weights)).sum().backward()
        res.append((out, x.grad))
    n, t = res
    if isinstance(t, Exception):
        assert isinstance(n, Exception) and type(n).__name__ == type(t).__name__, (n, t)
        return
    assert not isinstance(n, Exception), n
    assert_close(n[0], t[0], rtol=1e-5, atol=1e-5)
    if t[1] is None:
        assert n[1] is None
    else:
        assert_close(n[1], t[1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_every_shape(name, shape):
    fn, domain = UNARY[name]
    if name in ("softmax", "log_softmax") and shape == ():
        fn = {"softmax": lambda L, a: a.softmax(0),
              "log_softmax": lambda L, a: a.log_softmax(0)}[name]
    _check(fn, _data(shape, domain, 1))
    if len(shape) >= 2:
        _check(fn, _data(shape, domain, 2), transpose=True)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(REDUCE))
def test_reduction_every_shape(name, shape):
    _check(REDUCE[name], _data(shape, "away", 3))
    if len(shape) >= 2:
        _check(REDUCE[name], _data(shape, "away", 4), transpose=True)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import array_shapes  # noqa: E402

torch = pytest.importorskip("torch")

REDUCERS = {
    "sum": lambda L, a, d, k: a.sum(d, keepdim=k), "mean": lambda L, a, d, k: a.mean(d, keepdim=k),
    "amax": lambda L, a, d, k: a.amax(d, keepdim=k),
    "amin": lambda L, a, d, k: L.amin(a, d, keepdim=k),
    "var": lambda L, a, d, k: a.var(d, keepdim=k),
    "std": lambda L, a, d, k: L.std(a, d, correction=0, keepdim=k),
    "logsumexp": lambda L, a, d, k: L.logsumexp(a, d, keepdim=k),
    "norm": lambda L, a, d, k: a.norm(dim=d, keepdim=k),
    "nansum": lambda L, a, d, k: L.nansum(a, d, keepdim=k),
}


@settings(max_examples=60, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=3), data=st.data(),
       name=st.sampled_from(sorted(REDUCERS)), keepdim=st.booleans())
def test_reductions_over_random_dims(shape, data, name, keepdim):
    dims = data.draw(
        st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                 unique_by=lambda d: d % len(shape))
    )
    dim = tuple(dims) if len(dims) > 1 else dims[0]
    fn = REDUCERS[name]
    with np.errstate(all="ignore"):
        _check(lambda L, a: fn(L, a, dim, keepdim), _data(shape, "away", 5))
