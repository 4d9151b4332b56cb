"""nn.TransformerEncoderLayer/DecoderLayer, TransformerEncoder/Decoder and nn.Transformer
against PyTorch: initial weights for the same seed (deep-copied layers, Transformer's Xavier
reset), state_dict keys, outputs and gradients in training and evaluation (norm_first both
ways, each activation, batch_first, bias, masks of each kind, causal masks and their
detection), dropout with the same seed, the eval-mode fast paths (fused layer, nested-tensor
encoder), generate_square_subsequent_mask, and PyTorch's errors and warnings."""

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

TOL = dict(rtol=1e-4, atol=2e-5)


def _arr(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _build(cls_name, args, kw, seed=0):
    """The same module from both libraries with the same seed; activation names in ``kw`` are
    resolved per library ("F.gelu", "tanh-lambda", "nn.GELU")."""
    out = []
    for lib, nn, F in ((torch, tnn, TF), (numtorch, nnn, NF)):
        k = dict(kw)
        act = k.get("activation")
        if act == "F.gelu":
            k["activation"] = F.gelu
        elif act == "nn.GELU":
            k["activation"] = nn.GELU()
        elif act == "tanh-lambda":
            k["activation"] = lambda x: x.tanh()  # noqa: E731
        lib.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(getattr(nn, cls_name)(*args, **k))
    return out


def _same_params(t, n):
    assert list(n.state_dict().keys()) == list(t.state_dict().keys())
    tp = dict(t.named_parameters())
    for name, p in n.named_parameters():
        assert_close(p, tp[name], rtol=0, atol=0)


def _compare_grads(t, n):
    tp = dict(t.named_parameters())
    for name, p in n.named_parameters():
        if tp[name].grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, tp[name].grad, **TOL)


LAYER_KW = [
    ("post-relu", dict(dropout=0.0)),
    ("pre-relu", dict(dropout=0.0, norm_first=True)),
    ("gelu-string", dict(dropout=0.0, activation="gelu")),
    ("gelu-function", dict(dropout=0.0, activation="F.gelu", norm_first=True)),
    ("gelu-module", dict(dropout=0.0, activation="nn.GELU")),
    ("callable", dict(dropout=0.0, activation="tanh-lambda")),
    ("batch-first", dict(dropout=0.0, batch_first=True)),
    ("batch-first-pre", dict(dropout=0.0, batch_first=True, norm_first=True)),
    ("no-bias", dict(dropout=0.0, bias=False, batch_first=True)),
    ("eps", dict(dropout=0.0, layer_norm_eps=1e-3)),
]

# (id, forward kwargs as mask specs)
ENC_FWD = [
    ("plain", {}),
    ("src-mask-bool", dict(src_mask="bool")),
    ("src-mask-float", dict(src_mask="float")),
    ("padding", dict(src_key_padding_mask="kpm")),
    ("causal", dict(src_mask="causal", is_causal=True)),
    ("padding-and-mask", dict(src_mask="bool", src_key_padding_mask="kpm")),
]


def _masks(spec, N, S, T=None):
    rng = np.random.default_rng(21)
    T = S if T is None else T
    if spec == "kpm":
        m = np.zeros((N, S), bool)
        m[0, -2:] = True
        m[-1, -1] = True
        return m
    if spec == "causal":
        return np.triu(np.full((T, S), -np.inf, np.float32), 1)
    m = rng.random((T, S)) < 0.3
    m[:, 0] = False
    if spec == "bool":
        return m
    return np.where(m, np.float32(-np.inf), rng.standard_normal((T, S)).astype(np.float32))


def _fwd_args(lib, fkw, N, S, T=None):
    return {k: (lib.from_numpy(_masks(v, N, S, T)) if isinstance(v, str) else v)
            for k, v in fkw.items()}


# every forward configuration with the default layer, and every layer with two of them
ENC_CASES = ([(LAYER_KW[0], f) for f in ENC_FWD]
             + [(lay, ENC_FWD[(i * 2) % len(ENC_FWD)]) for i, lay in enumerate(LAYER_KW[1:])]
             + [(lay, ENC_FWD[(i * 2 + 3) % len(ENC_FWD)]) for i, lay in enumerate(LAYER_KW[1:])])


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("layer, fwd", ENC_CASES, ids=[f"{a[0]}-{b[0]}" for a, b in ENC_CASES])
def test_encoder_layer(layer, fwd, train):
    _, kw = layer
    t, n = _build("TransformerEncoderLayer", (8, 2, 16), kw)
    _same_params(t, n)
    t.train(train)
    n.train(train)
    N, S = 3, 5
    shape = (N, S, 8) if kw.get("batch_first") else (S, N, 8)
    x = _arr(shape, 1)
    tx = torch.from_numpy(x.copy()).requires_grad_()
    nx = numtorch.from_numpy(x.copy()).requires_grad_()
    to = t(tx, **_fwd_args(torch, fwd[1], N, S))
    no = n(nx, **_fwd_args(numtorch, fwd[1], N, S))
    assert_close(no, to, **TOL)
    g = _arr(shape, 2)
    to.backward(torch.from_numpy(g))
    no.backward(numtorch.from_numpy(g))
    assert_close(nx.grad, tx.grad, **TOL)
    _compare_grads(t, n)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_unbatched(norm_first):
    t, n = _build("TransformerEncoderLayer", (8, 2, 16), dict(dropout=0.0,
                                                                  norm_first=norm_first))
    x = _arr((5, 8), 3)
    m = _masks("bool", 1, 5)
    assert_close(n(numtorch.from_numpy(x), src_mask=numtorch.from_numpy(m)),
                 t(torch.from_numpy(x), src_mask=torch.from_numpy(m)), **TOL)


DEC_FWD = [
    ("plain", {}),
    ("tgt-causal", dict(tgt_mask="causal", tgt_is_causal=True)),
    ("all-masks", dict(tgt_mask="bool", memory_mask="mem", tgt_key_padding_mask="kpm",
                       memory_key_padding_mask="mkpm")),
    ("float-masks", dict(tgt_mask="float", memory_mask="memf")),
]


def _dec_args(lib, fkw, N, T, S):
    out = {}
    for k, v in fkw.items():
        if v == "mem":
            a = _masks("bool", N, S, T)
        elif v == "memf":
            a = _masks("float", N, S, T)
        elif v == "mkpm":
            a = _masks("kpm", N, S)
        elif isinstance(v, str):
            a = _masks(v, N, T)
        else:
            out[k] = v
            continue
        out[k] = lib.from_numpy(a)
    return out


DEC_CASES = ([(LAYER_KW[0], f) for f in DEC_FWD]
             + [(lay, DEC_FWD[i % len(DEC_FWD)]) for i, lay in
                enumerate([LAYER_KW[1], LAYER_KW[2], LAYER_KW[5], LAYER_KW[6], LAYER_KW[7],
                           LAYER_KW[8]])])


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("layer, fwd", DEC_CASES, ids=[f"{a[0]}-{b[0]}" for a, b in DEC_CASES])
def test_decoder_layer(layer, fwd, train):
    _, kw = layer
    t, n = _build("TransformerDecoderLayer", (8, 2, 16), kw)
    _same_params(t, n)
    t.train(train)
    n.train(train)
    N, T, S = 3, 4, 6
    bf = kw.get("batch_first")
    ts, ms = ((N, T, 8), (N, S, 8)) if bf else ((T, N, 8), (S, N, 8))
    tgt, mem = _arr(ts, 1), _arr(ms, 2)
    tt, tm = (torch.from_numpy(a.copy()).requires_grad_() for a in (tgt, mem))
    nt, nm = (numtorch.from_numpy(a.copy()).requires_grad_() for a in (tgt, mem))
    to = t(tt, tm, **_dec_args(torch, fwd[1], N, T, S))
    no = n(nt, nm, **_dec_args(numtorch, fwd[1], N, T, S))
    assert_close(no, to, **TOL)
    g = _arr(ts, 3)
    to.backward(torch.from_numpy(g))
    no.backward(numtorch.from_numpy(g))
    assert_close(nt.grad, tt.grad, **TOL)
    assert_close(nm.grad, tm.grad, **TOL)
    _compare_grads(t, n)


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_dropout_same_seed(norm_first):
    """Training with dropout: the same seed drops the same elements (attention probabilities,
    residual branches and the feed-forward hidden layer), in PyTorch's order."""
    te, ne = _build("TransformerEncoderLayer", (8, 2, 16), dict(dropout=0.3,
                                                                    norm_first=norm_first))
    td, nd = _build("TransformerDecoderLayer", (8, 2, 16), dict(dropout=0.3,
                                                                    norm_first=norm_first))
    x, mem = _arr((5, 3, 8), 1), _arr((6, 3, 8), 2)
    torch.manual_seed(4)
    numtorch.manual_seed(4)
    tx = torch.from_numpy(x).requires_grad_()
    nx = numtorch.from_numpy(x).requires_grad_()
    to = td(te(tx), torch.from_numpy(mem))
    no = nd(ne(nx), numtorch.from_numpy(mem))
    assert_close(no, to, **TOL)
    to.sum().backward()
    no.sum().backward()
    assert_close(nx.grad, tx.grad, **TOL)
    assert torch.rand(3).tolist() == numtorch.rand(3).tolist()


STACK_FWD = [
    ("plain", {}),
    ("padding", dict(src_key_padding_mask="kpm")),
    ("causal-detected", dict(mask="causal")),
    ("causal-hint", dict(mask="causal", is_causal=True)),
    ("mask-and-padding", dict(mask="bool", src_key_padding_mask="kpm")),
]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("batch_first, fwd", [(i % 2 == 1, f) for i, f in enumerate(STACK_FWD)],
                         ids=[f[0] for f in STACK_FWD])
def test_encoder_stack(batch_first, fwd, train):
    res = []
    for lib, nn in ((torch, tnn), (numtorch, nnn)):
        lib.manual_seed(0)
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res.append(nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8)))
    t, n = res
    _same_params(t, n)
    t.train(train)
    n.train(train)
    N, S = 3, 5
    shape = (N, S, 8) if batch_first else (S, N, 8)
    x = _arr(shape, 1)
    tx = torch.from_numpy(x.copy()).requires_grad_()
    nx = numtorch.from_numpy(x.copy()).requires_grad_()
    to = t(tx, **_fwd_args(torch, fwd[1], N, S))
    no = n(nx, **_fwd_args(numtorch, fwd[1], N, S))
    assert_close(no, to, **TOL)
    to.sum().backward()
    no.sum().backward()
    assert_close(nx.grad, tx.grad, **TOL)
    _compare_grads(t, n)


@pytest.mark.parametrize("mask_check", [True, False])
@pytest.mark.parametrize("padding", ["left-aligned", "holes", "all-padded"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_inference_fast_paths(norm_first, padding, mask_check):
    """Evaluation without gradients: PyTorch's nested-tensor path zeros padded positions, its
    fused layer gives nan for queries that see no key; the values match it either way."""
    kpm = np.zeros((3, 5), bool)
    if padding == "left-aligned":
        kpm[0, 3:] = True
        kpm[1, 1:] = True
    elif padding == "holes":
        kpm[0, 1] = True
        kpm[2, 2:4] = True
    else:
        kpm[1, :] = True
    res = []
    x = _arr((3, 5, 8), 1)
    for lib, nn in ((torch, tnn), (numtorch, nnn)):
        lib.manual_seed(0)
        layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=norm_first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8), mask_check=mask_check)
            enc.eval()
            with lib.no_grad():
                kp = lib.from_numpy(kpm)
                res.append((enc(lib.from_numpy(x), src_key_padding_mask=kp),
                            layer.eval()(lib.from_numpy(x), src_key_padding_mask=kp)))
    (ta, tb), (na, nb) = res
    assert_close(na, ta, **TOL)
    assert_close(nb, tb, **TOL)


def test_decoder_stack_and_causal_detection():
    res = []
    for lib, nn in ((torch, tnn), (numtorch, nnn)):
        lib.manual_seed(0)
        layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True)
        res.append(nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(8)))
    t, n = res
    _same_params(t, n)
    tgt, mem = _arr((4, 2, 8), 1), _arr((6, 2, 8), 2)
    for mask in (_masks("causal", 2, 4), np.triu(np.ones((4, 4), bool), 1), _masks("bool", 2, 4)):
        to = t(torch.from_numpy(tgt), torch.from_numpy(mem), tgt_mask=torch.from_numpy(mask))
        no = n(numtorch.from_numpy(tgt), numtorch.from_numpy(mem),
               tgt_mask=numtorch.from_numpy(mask))
        assert_close(no, to, **TOL)


TRANSFORMER = [
    ("post", dict(dropout=0.0)),
    ("pre-gelu-batch-first", dict(dropout=0.0, norm_first=True, activation="gelu",
                                  batch_first=True)),
    ("no-bias", dict(dropout=0.0, bias=False)),
]


@pytest.mark.parametrize("case", TRANSFORMER, ids=[c[0] for c in TRANSFORMER])
def test_transformer(case):
    _, kw = case
    t, n = _build("Transformer", (), dict(d_model=8, nhead=2, num_encoder_layers=2,
                                          num_decoder_layers=2, dim_feedforward=16, **kw))
    _same_params(t, n)
    assert torch.rand(3).tolist() == numtorch.rand(3).tolist()
    bf = kw.get("batch_first")
    ss, ts = ((2, 5, 8), (2, 4, 8)) if bf else ((5, 2, 8), (4, 2, 8))
    src, tgt = _arr(ss, 1), _arr(ts, 2)
    outs = []
    for lib, mod in ((torch, t), (numtorch, n)):
        s = lib.from_numpy(src.copy()).requires_grad_()
        g = lib.from_numpy(tgt.copy()).requires_grad_()
        mask = mod.generate_square_subsequent_mask(4)
        kpm = lib.from_numpy(_masks("kpm", 2, 5))
        out = mod(s, g, tgt_mask=mask, src_key_padding_mask=kpm, memory_key_padding_mask=kpm)
        out.sum().backward()
        outs.append((out, s, g))
    (to, ts_, tg), (no, ns, ng) = outs
    assert_close(no, to, **TOL)
    assert_close(ns.grad, ts_.grad, **TOL)
    assert_close(ng.grad, tg.grad, **TOL)
    _compare_grads(t, n)


def test_transformer_default_size_initial_weights():
    t, n = _build("Transformer", (), dict(d_model=32, nhead=4, num_encoder_layers=2,
                                          num_decoder_layers=1, dim_feedforward=64))
    _same_params(t, n)
    assert repr(n) == repr(t)


def test_initial_weights_of_stacks():
    for cls, extra in (("TransformerEncoderLayer", {}), ("TransformerDecoderLayer", {})):
        t, n = _build(cls, (8, 2, 16), extra)
        _same_params(t, n)
        assert repr(n) == repr(t)
    te, ne = _build("TransformerEncoderLayer", (8, 2, 16), {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, n = tnn.TransformerEncoder(te, 3), nnn.TransformerEncoder(ne, 3)
    _same_params(t, n)
    assert n.layers[0] is not ne and n.layers[1].linear1.weight is not n.layers[0].linear1.weight


@pytest.mark.parametrize("dtype", [None, "float64", "bool"])
def test_generate_square_subsequent_mask(dtype):
    t = tnn.Transformer.generate_square_subsequent_mask(
        5, dtype=None if dtype is None else getattr(torch, dtype))
    n = nnn.Transformer.generate_square_subsequent_mask(
        5, dtype=None if dtype is None else getattr(numtorch, dtype))
    assert_close(n, t, rtol=0, atol=0)


def test_nested_tensor_warning():
    msgs = []
    for nn in (tnn, nnn):
        layer = nn.TransformerEncoderLayer(8, 2, 16)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            nn.TransformerEncoder(layer, 1)
            nn.TransformerEncoder(nn.TransformerEncoderLayer(6, 3, 12, batch_first=True), 1)
            nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        msgs.append([str(w.message) for w in rec])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2


@pytest.mark.parametrize("which", ["activation", "batch", "features", "layer-divisible"])
def test_errors(which):
    def make(lib, nn):
        def run():
            lib.manual_seed(0)
            if which == "activation":
                return nn.TransformerEncoderLayer(8, 2, activation="tanh")
            if which == "layer-divisible":
                return nn.TransformerDecoderLayer(9, 2)
            m = nn.Transformer(8, 2, 1, 1, 16)
            if which == "batch":
                return m(lib.zeros(5, 2, 8), lib.zeros(4, 3, 8))
            return m(lib.zeros(5, 2, 8), lib.zeros(4, 2, 6))
        return run

    assert_same_error(make(torch, tnn), make(numtorch, nnn))


def test_state_dict_loads_into_torch(tmp_path):
    """A numtorch Transformer's state_dict, saved by numtorch, loads strictly into PyTorch's,
    and the two models then compute the same thing."""
    t, n = _build("Transformer", (), dict(d_model=8, nhead=2, num_encoder_layers=1,
                                          num_decoder_layers=1, dim_feedforward=16, dropout=0.0,
                                          batch_first=True))
    with numtorch.no_grad():
        for p in n.parameters():
            p.add_(0.01)
    path = tmp_path / "transformer.pt"
    numtorch.save(n.state_dict(), str(path))
    t.load_state_dict(torch.load(str(path)))
    src, tgt = _arr((2, 5, 8), 1), _arr((2, 3, 8), 2)
    assert_close(n(numtorch.from_numpy(src), numtorch.from_numpy(tgt)),
                 t(torch.from_numpy(src), torch.from_numpy(tgt)), **TOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_gradcheck_float64(norm_first):
    from numtorch.autograd import gradcheck
    numtorch.manual_seed(0)
    enc = nnn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu",
                                      norm_first=norm_first, dtype=numtorch.float64)
    dec = nnn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first,
                                      dtype=numtorch.float64)
    src = numtorch.from_numpy(_arr((3, 2, 4), 1, np.float64)).requires_grad_()
    tgt = numtorch.from_numpy(_arr((2, 2, 4), 2, np.float64)).requires_grad_()
    mask = nnn.Transformer.generate_square_subsequent_mask(2, dtype=numtorch.float64)
    kpm = numtorch.from_numpy(np.array([[False, False, True], [False, False, False]]))

    def f(src, tgt):
        mem = enc(src, src_key_padding_mask=kpm)
        return dec(tgt, mem, tgt_mask=mask, memory_key_padding_mask=kpm)

    assert gradcheck(f, (src, tgt))


@pytest.mark.parametrize("masks", ["float-mask", "float-padding", "float-both", "bool-3d",
                                   "cancelling"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_fused_masks(norm_first, masks):
    """PyTorch's fused inference kernel reads the summed masks as boolean: any nonzero float
    entry masks its position out, and entries that cancel to 0 do not."""
    N, S, H = 2, 4, 2
    rng = np.random.default_rng(5)
    fm = rng.standard_normal((S, S)).astype(np.float32)
    fm[rng.random((S, S)) < 0.5] = 0.0
    fm[:, 0] = 0.0
    kpm = np.zeros((N, S), np.float32)
    kpm[0, 2] = 0.5
    kpm[1, 3] = -np.inf
    kw = {"float-mask": dict(src_mask=fm), "float-padding": dict(src_key_padding_mask=kpm),
          "float-both": dict(src_mask=fm, src_key_padding_mask=kpm),
          "bool-3d": dict(src_mask=rng.random((N * H, S, S)) < 0.3),
          "cancelling": dict(src_mask=np.full((S, S), -0.5, np.float32),
                             src_key_padding_mask=np.full((N, S), 0.5, np.float32))}[masks]
    x = _arr((N, S, 8), 1)
    t, n = _build("TransformerEncoderLayer", (8, H, 16), dict(batch_first=True,
                                                              norm_first=norm_first))
    t.eval()
    n.eval()
    with torch.no_grad(), numtorch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = t(torch.from_numpy(x), **{k: torch.from_numpy(v) for k, v in kw.items()})
        no = n(numtorch.from_numpy(x), **{k: numtorch.from_numpy(v) for k, v in kw.items()})
    assert_close(no, to, **TOL)
