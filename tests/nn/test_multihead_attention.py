"""nn.MultiheadAttention against PyTorch: initial weights for the same seed, parameter names and
state_dict keys, outputs, attention weights (averaged or per head) and gradients of inputs and
parameters over a table of constructor and forward arguments (masks of each kind, causal hint,
unbatched inputs, batch_first, kdim/vdim, bias_k/bias_v, zero attention), dropout with the same
seed, the eval-mode fast path, F.multi_head_attention_forward directly, and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
import numtorch.nn as nnn
import numtorch.nn.functional as NF

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

from conftest import assert_close, assert_same_error  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small tensors: PyTorch's thread pool only adds overhead on a shared machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

TOL = dict(rtol=1e-4, atol=1e-5)


def _arr(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _pair_modules(kw, seed=0):
    torch.manual_seed(seed)
    t = tnn.MultiheadAttention(**kw)
    numtorch.manual_seed(seed)
    n = nnn.MultiheadAttention(**kw)
    return t, n


def _randomise(t, n, seed=1):
    """Give both modules the same random parameters (biases are zero after construction)."""
    tp = dict(t.named_parameters())
    for i, (name, p) in enumerate(n.named_parameters()):
        a = _arr(tuple(p.shape), seed + i) * 0.5
        with torch.no_grad():
            tp[name].copy_(torch.from_numpy(a))
        with numtorch.no_grad():
            p.copy_(numtorch.from_numpy(a))


CTOR = [
    ("default", dict(embed_dim=8, num_heads=2)),
    ("one-head", dict(embed_dim=6, num_heads=1)),
    ("no-bias", dict(embed_dim=8, num_heads=4, bias=False)),
    ("bias-kv", dict(embed_dim=8, num_heads=2, add_bias_kv=True)),
    ("zero-attn", dict(embed_dim=8, num_heads=2, add_zero_attn=True)),
    ("kdim-vdim", dict(embed_dim=8, num_heads=2, kdim=5, vdim=3)),
    ("kdim-only", dict(embed_dim=8, num_heads=2, kdim=5)),
    ("batch-first", dict(embed_dim=8, num_heads=2, batch_first=True)),
    ("everything", dict(embed_dim=12, num_heads=3, add_bias_kv=True, add_zero_attn=True, kdim=4,
                        vdim=7, batch_first=True)),
    ("float64", dict(embed_dim=8, num_heads=2, dtype=torch.float64)),
]


def _kw_for(kw, lib):
    kw = dict(kw)
    if "dtype" in kw:
        kw["dtype"] = lib.float64
    return kw


@pytest.mark.parametrize("case", CTOR, ids=[c[0] for c in CTOR])
def test_initial_weights_and_state_dict(case):
    _, kw = case
    torch.manual_seed(3)
    t = tnn.MultiheadAttention(**kw)
    numtorch.manual_seed(3)
    n = nnn.MultiheadAttention(**_kw_for(kw, numtorch))
    assert list(n.state_dict().keys()) == list(t.state_dict().keys())
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    for (_, a), (_, b) in zip(n.named_parameters(), t.named_parameters()):
        assert_close(a, b, rtol=0, atol=0)
    assert repr(n) == repr(t)
    assert torch.rand(3).tolist() == numtorch.rand(3).tolist()  # the same draws were consumed


# (id, constructor kwargs, query/key/value shapes (batch-first where the module is),
#  forward kwargs with masks given as specs)
FWD = [
    ("self", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8), {}),
    ("cross", dict(embed_dim=8, num_heads=2), "kv", ((4, 3, 8), (6, 3, 8)), {}),
    ("distinct", dict(embed_dim=8, num_heads=2), "qkv", ((4, 3, 8), (6, 3, 8), (6, 3, 8)), {}),
    ("no-weights", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8), dict(need_weights=False)),
    ("per-head", dict(embed_dim=8, num_heads=4), "self", (5, 3, 8),
     dict(average_attn_weights=False)),
    ("kpm-bool", dict(embed_dim=8, num_heads=2), "kv", ((4, 3, 8), (6, 3, 8)),
     dict(key_padding_mask=("kpm", bool))),
    ("kpm-float", dict(embed_dim=8, num_heads=2), "kv", ((4, 3, 8), (6, 3, 8)),
     dict(key_padding_mask=("kpm", float), need_weights=False)),
    ("attn-2d-bool", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("am2", bool))),
    ("attn-2d-float", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("am2", float), need_weights=False)),
    ("attn-3d", dict(embed_dim=8, num_heads=2), "kv", ((4, 3, 8), (6, 3, 8)),
     dict(attn_mask=("am3", bool), average_attn_weights=False)),
    ("both-masks", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("am2", bool), key_padding_mask=("kpm", bool))),
    ("both-masks-sdpa", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("am2", float), key_padding_mask=("kpm", float), need_weights=False)),
    ("causal", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("causal", float), is_causal=True, need_weights=False)),
    ("causal-weights", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("causal", bool), is_causal=True)),
    ("causal-kpm", dict(embed_dim=8, num_heads=2), "self", (5, 3, 8),
     dict(attn_mask=("causal", float), is_causal=True, key_padding_mask=("kpm", float),
          need_weights=False)),
    ("unbatched", dict(embed_dim=8, num_heads=2), "kv", ((4, 8), (6, 8)), {}),
    ("unbatched-masks", dict(embed_dim=8, num_heads=2), "kv", ((4, 8), (6, 8)),
     dict(key_padding_mask=("kpm", bool), attn_mask=("am3", bool), need_weights=False)),
    ("batch-first", dict(embed_dim=8, num_heads=2, batch_first=True), "self", (3, 5, 8),
     dict(key_padding_mask=("kpm", bool))),
    ("batch-first-cross", dict(embed_dim=8, num_heads=2, batch_first=True), "qkv",
     ((3, 4, 8), (3, 6, 8), (3, 6, 8)), dict(need_weights=False)),
    ("no-bias", dict(embed_dim=8, num_heads=4, bias=False), "self", (5, 3, 8), {}),
    ("bias-kv", dict(embed_dim=8, num_heads=2, add_bias_kv=True), "kv", ((4, 3, 8), (6, 3, 8)),
     dict(key_padding_mask=("kpm", bool), attn_mask=("am2", bool))),
    ("zero-attn", dict(embed_dim=8, num_heads=2, add_zero_attn=True), "self", (5, 3, 8),
     dict(key_padding_mask=("kpm", bool), attn_mask=("am2", bool), need_weights=False)),
    ("kdim-vdim", dict(embed_dim=8, num_heads=2, kdim=5, vdim=3), "qkv",
     ((4, 3, 8), (6, 3, 5), (6, 3, 3)), {}),
    ("everything", dict(embed_dim=12, num_heads=3, add_bias_kv=True, add_zero_attn=True, kdim=4,
                        vdim=7, batch_first=True), "qkv", ((2, 4, 12), (2, 5, 4), (2, 5, 7)),
     dict(key_padding_mask=("kpm", bool), attn_mask=("am3", bool),
          average_attn_weights=False)),
]


def _mask_arrays(spec, n_batch, heads, L, S, seed=11):
    kind, typ = spec
    rng = np.random.default_rng(seed)
    if kind == "kpm":
        shape = (S,) if n_batch is None else (n_batch, S)
        m = rng.random(shape) < 0.3
        m[..., 0] = False
    elif kind == "am2":
        m = rng.random((L, S)) < 0.3
        m[:, 0] = False
    elif kind == "am3":
        m = rng.random(((n_batch or 1) * heads, L, S)) < 0.3
        m[..., 0] = False
    else:  # causal
        m = np.triu(np.ones((L, S), bool), 1)
    if typ is float:
        return np.where(m, np.float32(-np.inf), np.float32(0.0))
    return m


def _inputs(case, seed=0):
    _, ckw, layout, shapes, fkw = case
    if layout == "self":
        arrs = [_arr(shapes, seed)]
    else:
        arrs = [_arr(s, seed + i) for i, s in enumerate(shapes)]
    q_shape = arrs[0].shape
    k_shape = arrs[1].shape if len(arrs) > 1 else q_shape
    bf = ckw.get("batch_first", False) and len(q_shape) == 3
    n_batch = None if len(q_shape) == 2 else (q_shape[0] if bf else q_shape[1])
    L = q_shape[1] if bf else q_shape[0]
    S = k_shape[1] if bf else k_shape[0]
    masks = {k: _mask_arrays(v, n_batch, ckw["num_heads"], L, S) for k, v in fkw.items()
             if isinstance(v, tuple)}
    return layout, arrs, masks


def _call(lib, module, layout, arrs, masks, fkw):
    ins = [lib.from_numpy(a.copy()).requires_grad_() for a in arrs]
    if layout == "self":
        qkv = (ins[0], ins[0], ins[0])
    elif layout == "kv":
        qkv = (ins[0], ins[1], ins[1])
    else:
        qkv = tuple(ins)
    kw = {k: (lib.from_numpy(masks[k].copy()) if k in masks else v) for k, v in fkw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, w = module(*qkv, **kw)
    return ins, out, w


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case", FWD, ids=[c[0] for c in FWD])
def test_forward_backward_matches_torch(case, train):
    _, ckw, *_rest, fkw = case
    t, n = _pair_modules(ckw)
    _randomise(t, n)
    t.train(train)
    n.train(train)
    layout, arrs, masks = _inputs(case)
    tin, tout, tw = _call(torch, t, layout, arrs, masks, fkw)
    nin, nout, nw = _call(numtorch, n, layout, arrs, masks, fkw)
    assert_close(nout, tout, **TOL)
    assert (nw is None) == (tw is None)
    if tw is not None:
        assert_close(nw, tw, **TOL)
    g = _arr(tuple(tout.shape), 7)
    loss_t = (tout * torch.from_numpy(g)).sum() + (0 if tw is None else tw.sum())
    loss_n = (nout * numtorch.from_numpy(g)).sum() + (0 if nw is None else nw.sum())
    loss_t.backward()
    loss_n.backward()
    for a, b in zip(nin, tin):
        assert_close(a.grad, b.grad, **TOL)
    tp = dict(t.named_parameters())
    for name, p in n.named_parameters():
        assert_close(p.grad, tp[name].grad, **TOL)


@pytest.mark.parametrize("need_weights", [True, False])
def test_dropout_same_seed_in_training(need_weights):
    t, n = _pair_modules(dict(embed_dim=8, num_heads=2, dropout=0.4))
    _randomise(t, n)
    arrs = [_arr((5, 3, 8), 0), _arr((7, 3, 8), 1)]
    masks = {"key_padding_mask": _mask_arrays(("kpm", bool), 3, 2, 5, 7)}
    fkw = dict(key_padding_mask=None, need_weights=need_weights)
    torch.manual_seed(8)
    numtorch.manual_seed(8)
    tin, tout, tw = _call(torch, t, "kv", arrs, masks, fkw)
    nin, nout, nw = _call(numtorch, n, "kv", arrs, masks, fkw)
    assert_close(nout, tout, **TOL)
    if need_weights:
        assert_close(nw, tw, **TOL)
    tout.sum().backward()
    nout.sum().backward()
    for a, b in zip(nin, tin):
        assert_close(a.grad, b.grad, **TOL)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("average", [True, False])
def test_eval_fast_path_fully_masked_rows(need_weights, average):
    """In evaluation without gradients PyTorch's fused kernel gives nan for a query that sees
    no key; the same call with gradients gives what the ordinary path gives."""
    t, n = _pair_modules(dict(embed_dim=8, num_heads=2, batch_first=True))
    _randomise(t, n)
    t.eval()
    n.eval()
    x = _arr((2, 3, 8), 0)
    kpm = np.array([[False, False, True], [True, True, True]])
    am = np.array([[False, True, True], [False, False, True], [True, True, True]])
    kw = dict(need_weights=need_weights, average_attn_weights=average)
    for mask_kw in (dict(key_padding_mask=kpm), dict(attn_mask=am),
                    dict(attn_mask=am, key_padding_mask=kpm)):
        for grad in (False, True):
            res = []
            for lib, mod in ((torch, t), (numtorch, n)):
                xx = lib.from_numpy(x.copy()).requires_grad_(grad)
                mk = {k: lib.from_numpy(v.copy()) for k, v in mask_kw.items()}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res.append(mod(xx, xx, xx, **mk, **kw))
            (to, tw), (no, nw) = res
            assert_close(no, to, **TOL)
            assert (nw is None) == (tw is None)
            if tw is not None:
                assert_close(nw, tw, **TOL)


def test_functional_static_kv():
    """F.multi_head_attention_forward with static keys and values and separate weights."""
    E, H, L, S, N = 8, 2, 4, 5, 3
    args = {k: _arr(s, i) for i, (k, s) in enumerate([
        ("q", (L, N, E)), ("k", (S, N, E)), ("w", (3 * E, E)), ("b", (3 * E,)),
        ("ow", (E, E)), ("ob", (E,)), ("sk", (N * H, S + 1, E // H)),
        ("sv", (N * H, S + 1, E // H))])}
    res = []
    for lib, F in ((torch, TF), (numtorch, NF)):
        a = {k: lib.from_numpy(v.copy()).requires_grad_() for k, v in args.items()}
        out, w = F.multi_head_attention_forward(
            a["q"], a["k"], a["k"], E, H, a["w"], a["b"], None, None, False, 0.0, a["ow"],
            a["ob"], static_k=a["sk"], static_v=a["sv"])
        (out.sum() + w.sum()).backward()
        res.append((out, w, a))
    (to, tw, ta), (no, nw, na) = res
    assert_close(no, to, **TOL)
    assert_close(nw, tw, **TOL)
    for k in ("q", "w", "b", "sk", "sv"):
        assert_close(na[k].grad, ta[k].grad, **TOL)


def _errors():
    E = 8
    x3, x2 = (5, 3, E), (5, E)
    return [
        ("ctor-divisible", dict(embed_dim=10, num_heads=3), None, {}),
        ("ctor-zero-embed", dict(embed_dim=0, num_heads=2), None, {}),
        ("ctor-negative-heads", dict(embed_dim=8, num_heads=-1), None, {}),
        ("query-4d", dict(embed_dim=E, num_heads=2), [(1, 5, 3, E)] * 3, {}),
        ("key-2d", dict(embed_dim=E, num_heads=2), [x3, x2, x2], {}),
        ("unbatched-key-3d", dict(embed_dim=E, num_heads=2), [x2, x3, x3], {}),
        ("kpm-1d-batched", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(key_padding_mask=((5,), bool))),
        ("kpm-2d-unbatched", dict(embed_dim=E, num_heads=2), [x2] * 3,
         dict(key_padding_mask=((1, 5), bool))),
        ("kpm-shape-batch", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(key_padding_mask=((2, 5), bool))),
        ("kpm-shape-length", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(key_padding_mask=((3, 4), bool))),
        ("kpm-int", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(key_padding_mask=((3, 5), np.int64))),
        ("attn-mask-4d", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(attn_mask=((1, 1, 5, 5), bool))),
        ("attn-mask-2d-shape", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(attn_mask=((5, 4), bool))),
        ("attn-mask-3d-shape", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(attn_mask=((3, 5, 5), bool))),
        ("attn-mask-3d-unbatched", dict(embed_dim=E, num_heads=2), [x2] * 3,
         dict(attn_mask=((3, 5, 5), bool))),
        ("attn-mask-int", dict(embed_dim=E, num_heads=2), [x3] * 3,
         dict(attn_mask=((5, 5), np.int32))),
        ("causal-without-mask", dict(embed_dim=E, num_heads=2), [x3] * 3, dict(is_causal=True)),
        ("embed-mismatch", dict(embed_dim=E, num_heads=2), [(5, 3, 6)] * 3, {}),
        ("key-value-shape", dict(embed_dim=E, num_heads=2), [x3, (5, 3, E), (4, 3, E)], {}),
        ("kdim-wrong", dict(embed_dim=E, num_heads=2, kdim=5, vdim=3), [x3, (4, 3, 6), (4, 3, 3)],
         {}),
        ("kv-length", dict(embed_dim=E, num_heads=2, kdim=5, vdim=3), [x3, (4, 3, 5), (6, 3, 3)],
         {}),
    ]


@pytest.mark.parametrize("case", _errors(), ids=[c[0] for c in _errors()])
def test_errors(case):
    _, ckw, shapes, fkw = case

    def make(lib, nn):
        def run():
            lib.manual_seed(0)
            m = nn.MultiheadAttention(**ckw)
            ins = [lib.zeros(s) for s in shapes]
            kw = {k: (lib.from_numpy(np.zeros(v[0], v[1])) if isinstance(v, tuple) else v)
                  for k, v in fkw.items()}
            return m(*ins, **kw)
        return run

    assert_same_error(make(torch, tnn), make(numtorch, nnn))


def test_mismatched_mask_types_warn():
    msgs = []
    for lib, nn in ((torch, tnn), (numtorch, nnn)):
        lib.manual_seed(0)
        m = nn.MultiheadAttention(8, 2)
        x = lib.zeros(5, 3, 8)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            m(x, x, x, key_padding_mask=lib.zeros(3, 5, dtype=lib.bool),
              attn_mask=lib.zeros(5, 5))
        msgs.append([str(w.message) for w in rec if "deprecated" in str(w.message)])
    assert msgs[0] == msgs[1] and msgs[0]


@pytest.mark.parametrize("ckw, fkw", [
    (dict(), dict(need_weights=True)),
    (dict(add_bias_kv=True, add_zero_attn=True, kdim=3), dict(need_weights=False,
                                                               attn_mask="am2")),
    (dict(add_bias_kv=True), dict(need_weights=True, key_padding_mask="kpm",
                                  average_attn_weights=False)),
], ids=["weights", "bias-kv-zero-attn-kdim-sdpa-mask", "bias-kv-per-head-padding"])
def test_gradcheck_float64(ckw, fkw):
    from numtorch.autograd import gradcheck
    numtorch.manual_seed(0)
    m = nnn.MultiheadAttention(4, 2, dtype=numtorch.float64, **ckw)
    for p in m.parameters():
        with numtorch.no_grad():
            p.add_(numtorch.from_numpy(_arr(tuple(p.shape), 5, np.float64) * 0.3))
    q = numtorch.from_numpy(_arr((3, 2, 4), 1, np.float64)).requires_grad_()
    k = numtorch.from_numpy(_arr((4, 2, m.kdim), 2, np.float64)).requires_grad_()
    v = numtorch.from_numpy(_arr((4, 2, 4), 3, np.float64)).requires_grad_()
    kw = dict(fkw)
    if kw.get("attn_mask") == "am2":
        kw["attn_mask"] = numtorch.from_numpy(np.array([[False, True, False, False]] * 3))
    if kw.get("key_padding_mask") == "kpm":
        kw["key_padding_mask"] = numtorch.from_numpy(np.array([[False, False, True, False],
                                                               [False, True, False, True]]))

    def f(q, k, v):
        out, w = m(q, k, v, **kw)
        return out if w is None else (out, w)

    assert gradcheck(f, (q, k, v))
