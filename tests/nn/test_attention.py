"""F.scaled_dot_product_attention against PyTorch: outputs and gradients of query, key, value and
a float mask over a table of configurations (every argument: boolean and float masks with
broadcasting, causal masks square and not, scale, grouped-query heads, batch broadcasting,
unbatched inputs, dropout with the same seed), float64 gradcheck, node names, and PyTorch's
errors (types and messages)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch
import numtorch.nn.functional as NF
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

from conftest import assert_close, assert_same_error  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small tensors: PyTorch's thread pool only adds overhead on a shared machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

TOL = dict(rtol=1e-5, atol=2e-6)


def _arr(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _mask(spec, seed=9):
    """A mask array from ``(kind, shape)``: "bool" keeps about 70% (each row keeps its first
    key), "float" is a random additive mask, "dead" masks out every key of some rows."""
    kind, shape = spec
    rng = np.random.default_rng(seed)
    if kind == "float":
        return rng.standard_normal(shape).astype(np.float32)
    m = rng.random(shape) < 0.7
    if kind == "bool":
        m[..., 0] = True
    else:  # "dead": whole rows masked out
        m[..., 1, :] = False
    return m


# (id, query shape, key shape, value shape, kwargs, mask spec or None)
CASES = [
    ("plain", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8), {}, None),
    ("value-width", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {}, None),
    ("causal-square", (2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4), dict(is_causal=True), None),
    ("causal-wide", (1, 2, 3, 4), (1, 2, 6, 4), (1, 2, 6, 4), dict(is_causal=True), None),
    ("causal-tall", (1, 2, 6, 4), (1, 2, 3, 4), (1, 2, 3, 4), dict(is_causal=True), None),
    ("scale", (2, 2, 4, 6), (2, 2, 5, 6), (2, 2, 5, 6), dict(scale=0.3), None),
    ("scale-negative", (2, 2, 4, 6), (2, 2, 5, 6), (2, 2, 5, 6), dict(scale=-0.7), None),
    ("bool-mask-2d", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, ("bool", (4, 6))),
    ("bool-mask-4d", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, ("bool", (2, 3, 4, 6))),
    ("bool-mask-broadcast", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, ("bool", (2, 1, 1, 6))),
    ("bool-mask-dead-rows", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, ("dead", (4, 6))),
    ("float-mask-2d", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, ("float", (4, 6))),
    ("float-mask-3d", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, ("float", (3, 1, 6))),
    ("gqa", (2, 6, 4, 5), (2, 2, 6, 5), (2, 2, 6, 5), dict(enable_gqa=True), None),
    ("gqa-kv-differ", (2, 6, 4, 5), (2, 3, 6, 5), (2, 2, 6, 7), dict(enable_gqa=True), None),
    ("gqa-equal-heads", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), dict(enable_gqa=True), None),
    ("gqa-causal-mask", (1, 4, 5, 4), (1, 2, 5, 4), (1, 2, 5, 4), dict(enable_gqa=True),
     ("float", (5, 5))),
    ("gqa-3d", (6, 4, 5), (2, 4, 5), (3, 4, 5), dict(enable_gqa=True), None),
    ("heads-broadcast", (2, 4, 3, 5), (2, 1, 6, 5), (2, 1, 6, 5), {}, None),
    ("batch-broadcast", (3, 4, 5), (1, 6, 5), (3, 6, 7), {}, None),
    ("unbatched-2d", (4, 5), (6, 5), (6, 7), {}, None),
    ("unbatched-2d-causal", (4, 5), (4, 5), (4, 3), dict(is_causal=True), None),
    ("five-dims", (2, 2, 2, 3, 4), (2, 2, 2, 5, 4), (2, 2, 2, 5, 4), {}, ("bool", (3, 5))),
    ("empty-query", (2, 2, 0, 4), (2, 2, 3, 4), (2, 2, 3, 4), {}, None),
    ("empty-key", (2, 2, 3, 4), (2, 2, 0, 4), (2, 2, 0, 4), {}, None),
    ("dropout-full", (2, 2, 4, 5), (2, 2, 6, 5), (2, 2, 6, 5), dict(dropout_p=1.0), None),
    ("dropout-negative-ignored", (2, 2, 4, 5), (2, 2, 6, 5), (2, 2, 6, 3), dict(dropout_p=-0.5),
     None),
    ("causal-and-mask-fused", (2, 2, 4, 5), (2, 2, 6, 5), (2, 2, 6, 5), dict(is_causal=True),
     ("bool", (4, 6))),
]


def _run(case, seed=0, dtype=np.float32):
    _, qs, ks, vs, kw, mspec = case
    arrs = [_arr(s, seed + i, dtype) for i, s in enumerate((qs, ks, vs))]
    ts = [torch.from_numpy(a.copy()).requires_grad_() for a in arrs]
    ns = [numtorch.from_numpy(a.copy()).requires_grad_() for a in arrs]
    tm = nm = None
    if mspec is not None:
        m = _mask(mspec)
        grad = m.dtype != np.bool_
        tm = torch.from_numpy(m.copy()).requires_grad_(grad)
        nm = numtorch.from_numpy(m.copy()).requires_grad_(grad)
    torch.manual_seed(5)
    numtorch.manual_seed(5)
    to = TF.scaled_dot_product_attention(*ts, tm, **kw)
    no = NF.scaled_dot_product_attention(*ns, nm, **kw)
    return ts, ns, tm, nm, to, no


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_sdpa_matches_torch(case):
    ts, ns, tm, nm, to, no = _run(case)
    assert_close(no, to, **TOL)
    g = _arr(tuple(to.shape), 42)
    to.backward(torch.from_numpy(g))
    no.backward(numtorch.from_numpy(g))
    for t, n in zip(ts, ns):
        assert_close(n.grad, t.grad, **TOL)
    if tm is not None and tm.requires_grad:
        assert_close(nm.grad, tm.grad, **TOL)


def test_sdpa_dead_rows_are_zero():
    """A query whose every key is masked out attends to nothing: zeros, and no gradient."""
    case = CASES[[c[0] for c in CASES].index("bool-mask-dead-rows")]
    ts, ns, tm, nm, to, no = _run(case)
    assert np.all(no.detach().numpy()[:, :, 1] == 0)
    no.sum().backward()
    assert np.isfinite(ns[0].grad.numpy()).all()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("gqa", [False, True])
def test_sdpa_dropout_same_seed(p, gqa):
    """With the same seed the same probabilities are dropped, and the generator ends in the
    same state; gradients flow through the kept ones."""
    case = ("d", (2, 4, 5, 6), (2, 2 if gqa else 4, 7, 6), (2, 2 if gqa else 4, 7, 3),
            dict(dropout_p=p, enable_gqa=gqa), ("bool", (5, 7)))
    ts, ns, tm, nm, to, no = _run(case)
    assert_close(no, to, **TOL)
    assert torch.rand(4).tolist() == numtorch.rand(4).tolist()
    g = _arr(tuple(to.shape), 3)
    to.backward(torch.from_numpy(g))
    no.backward(numtorch.from_numpy(g))
    for t, n in zip(ts, ns):
        assert_close(n.grad, t.grad, **TOL)


def test_sdpa_float64_and_float16():
    case = ("f64", (2, 2, 4, 5), (2, 2, 6, 5), (2, 2, 6, 3), {}, ("float", (4, 6)))
    *_, to, no = _run(case, dtype=np.float64)
    assert_close(no, to, rtol=1e-12, atol=1e-12)
    for kw, mspec in ((dict(is_causal=True), None), ({}, ("bool", (4, 6)))):
        case = ("f16", (2, 2, 4, 5), (2, 2, 6, 5), (2, 2, 6, 3), kw, mspec)
        *_, to, no = _run(case, dtype=np.float16)
        assert_close(no, to, rtol=1e-3, atol=1e-3)


GRADCHECK = [
    ("plain", (1, 2, 3, 4), (1, 2, 4, 4), (1, 2, 4, 3), {}, None),
    ("causal-scale", (1, 2, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2), dict(is_causal=True, scale=0.7),
     None),
    ("float-mask", (2, 3, 2), (2, 4, 2), (2, 4, 3), {}, ("float", (3, 4))),
    ("bool-mask", (2, 3, 2), (2, 4, 2), (2, 4, 3), {}, ("dead", (3, 4))),
    ("gqa", (1, 4, 2, 3), (1, 2, 3, 3), (1, 1, 3, 2), dict(enable_gqa=True), None),
    ("broadcast", (2, 2, 3, 2), (1, 2, 3, 2), (2, 1, 3, 2), {}, None),
]


@pytest.mark.parametrize("case", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_sdpa_gradcheck(case):
    _, qs, ks, vs, kw, mspec = case
    ins = [numtorch.from_numpy(_arr(s, i, np.float64)).requires_grad_() for i, s in
           enumerate((qs, ks, vs))]
    mask = None
    if mspec is not None:
        m = _mask(mspec)
        mask = numtorch.from_numpy(m.astype(np.float64) if m.dtype != np.bool_ else m)
        if m.dtype != np.bool_:
            ins.append(mask.requires_grad_())

    def f(q, k, v, *rest):
        return NF.scaled_dot_product_attention(q, k, v, rest[0] if rest else mask, **kw)

    assert gradcheck(f, ins)


@pytest.mark.parametrize("kw, qs, ks, vs", [
    ({}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)),
    ({}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    (dict(dropout_p=0.2), (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)),
    ({}, (4, 5), (6, 5), (6, 5)),
    ({}, (3, 4, 5), (3, 6, 5), (3, 6, 5)),
    ({}, (2, 3, 4, 5), (1, 3, 6, 5), (1, 3, 6, 5)),
    (dict(enable_gqa=True), (2, 4, 4, 5), (2, 2, 6, 5), (2, 2, 6, 5)),
])
def test_sdpa_node_names(kw, qs, ks, vs):
    ts = [torch.zeros(s, requires_grad=True) for s in (qs, ks, vs)]
    ns = [numtorch.zeros(s, requires_grad=True) for s in (qs, ks, vs)]
    torch.manual_seed(0)
    numtorch.manual_seed(0)
    t = TF.scaled_dot_product_attention(*ts, **kw)
    n = NF.scaled_dot_product_attention(*ns, **kw)
    assert n.grad_fn.name() == t.grad_fn.name()


def _errs():
    q, k = (2, 6, 4, 5), (2, 6, 3, 5)
    f32, f64 = np.float32, np.float64
    return [
        ("dtype", [(q, f32), (k, f64), (k, f32)], None, {}),
        ("rank", [((5,), f32), (k, f32), (k, f32)], None, {}),
        ("mask-dtype-long", [(q, f32), (k, f32), (k, f32)], ((4, 3), np.int64), {}),
        ("mask-dtype-double", [(q, f32), (k, f32), (k, f32)], ((4, 3), f64), {}),
        ("mask-dtype-half", [(q, f64), (k, f64), (k, f64)], ((4, 3), np.float16), {}),
        ("mask-1d", [(q, f32), (k, f32), (k, f32)], ((3,), np.bool_), {}),
        ("mask-0d", [(q, f32), (k, f32), (k, f32)], ((), f32), {}),
        ("mask-shape", [(q, f32), (k, f32), (k, f32)], ((5, 3), np.bool_), {}),
        ("mask-shape-float", [(q, f32), (k, f32), (k, f32)], ((2, 5, 1), f32), {}),
        ("mask-too-many-dims", [(q, f32), (k, f32), (k, f32)], ((1, 1, 1, 4, 3), f32), {}),
        ("mask-bigger", [((6, 4, 5), f32), ((6, 3, 5), f32), ((6, 3, 5), f32)],
         ((2, 6, 4, 3), np.bool_), {}),
        ("causal-and-mask", [((6, 4, 5), f32), ((6, 3, 5), f32), ((6, 3, 5), f32)], ((4, 3), f32),
         dict(is_causal=True)),
        ("dropout-negative-fused", [(q, f32), (k, f32), (k, f32)], None, dict(dropout_p=-0.5)),
        ("heads", [(q, f32), ((2, 4, 3, 5), f32), ((2, 4, 3, 5), f32)], None, {}),
        ("gqa-not-dividing", [(q, f32), ((2, 4, 3, 5), f32), ((2, 4, 3, 5), f32)], None,
         dict(enable_gqa=True)),
        ("gqa-value-not-dividing", [(q, f32), ((2, 3, 3, 5), f32), ((2, 4, 3, 5), f32)], None,
         dict(enable_gqa=True)),
        ("gqa-2d", [((4, 5), f32), ((3, 5), f32), ((3, 5), f32)], None, dict(enable_gqa=True)),
        ("embed", [(q, f32), ((2, 6, 3, 4), f32), (k, f32)], None, {}),
        ("embed-2d", [((4, 5), f32), ((3, 4), f32), ((3, 4), f32)], None, {}),
        ("value-length", [((6, 4, 5), f32), ((6, 3, 5), f32), ((6, 2, 5), f32)], None, {}),
        ("value-length-2d", [((4, 5), f32), ((3, 5), f32), ((2, 5), f32)], None, {}),
        ("batch", [(q, f32), ((3, 6, 3, 5), f32), ((3, 6, 3, 5), f32)], None, {}),
        ("dropout-p", [(q, f32), (k, f32), (k, f32)], None, dict(dropout_p=1.5)),
        ("integer", [(q, np.int32), (k, np.int32), (k, np.int32)], None, {}),
        ("bool-inputs", [(q, np.bool_), (k, np.bool_), (k, np.bool_)], None, {}),
        ("dropout-type", [(q, f32), (k, f32), (k, f32)], None, dict(dropout_p="a")),
        ("scale-type", [(q, f32), (k, f32), (k, f32)], None, dict(scale="a")),
        ("is-causal-type", [(q, f32), (k, f32), (k, f32)], None, dict(is_causal=1)),
    ]


@pytest.mark.parametrize("case", _errs(), ids=[c[0] for c in _errs()])
def test_sdpa_errors(case):
    _, specs, mspec, kw = case
    arrs = [np.ones(s, d) for s, d in specs]
    m = None if mspec is None else np.zeros(*mspec)

    def call(lib, F):
        ins = [lib.from_numpy(a.copy()) for a in arrs]
        mask = None if m is None else lib.from_numpy(m.copy())
        return lambda: F.scaled_dot_product_attention(*ins, mask, **kw)

    assert_same_error(call(torch, TF), call(numtorch, NF))


def test_sdpa_argument_types():
    q = np.ones((2, 3, 4), np.float32)
    assert_same_error(lambda: TF.scaled_dot_product_attention(torch.from_numpy(q), [1.0], None),
                      lambda: NF.scaled_dot_product_attention(numtorch.from_numpy(q), [1.0], None))
    assert_same_error(
        lambda: TF.scaled_dot_product_attention(*[torch.from_numpy(q)] * 3, attn_mask=1.0),
        lambda: NF.scaled_dot_product_attention(*[numtorch.from_numpy(q)] * 3, attn_mask=1.0))


@settings(max_examples=30)
@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=2), hk=st.integers(1, 3),
       group=st.integers(1, 3), L=st.integers(0, 5), S=st.integers(0, 5), E=st.integers(1, 6),
       Ev=st.integers(1, 6), causal=st.booleans(), mask=st.sampled_from([None, "bool", "float"]))
def test_sdpa_shapes_hypothesis(lead, hk, group, L, S, E, Ev, causal, mask):
    """Random shapes, head groupings, empty sequences, masks: values and gradients."""
    gqa = group > 1
    qs = tuple(lead) + (hk * group, L, E)
    ks, vs = tuple(lead) + (hk, S, E), tuple(lead) + (hk, S, Ev)
    mspec = None
    if mask is not None and not causal:
        mspec = ("bool" if mask == "bool" else "float", (L, S))
    case = ("h", qs, ks, vs, dict(is_causal=causal, enable_gqa=gqa), mspec)
    if mspec is not None and mspec[0] == "bool" and S == 0:
        return
    ts, ns, tm, nm, to, no = _run(case)
    assert_close(no, to, **TOL)
    to.sum().backward()
    no.sum().backward()
    for t, n in zip(ts, ns):
        assert_close(n.grad, t.grad, **TOL)
