"""RNN, LSTM and GRU against PyTorch: outputs, final states and the gradients of the input, the
initial state and every parameter over a table of configurations (each mode, layers, bias,
batch_first, bidirectional, proj_size; batched, unbatched, packed sorted and unsorted), dropout
masks for the same seed, same initial weights for the same seed, state_dict keys, repr, float64
gradcheck, and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-4, atol=2e-5)
T, B, F, H = 5, 3, 4, 6

# (id, class, kwargs)
CONFIGS = [
    ("rnn-tanh", "RNN", {}),
    ("rnn-relu-2l", "RNN", dict(nonlinearity="relu", num_layers=2)),
    ("rnn-nobias-bf", "RNN", dict(bias=False, batch_first=True)),
    ("rnn-bidir-2l", "RNN", dict(num_layers=2, bidirectional=True)),
    ("lstm", "LSTM", {}),
    ("lstm-2l-bf", "LSTM", dict(num_layers=2, batch_first=True)),
    ("lstm-nobias", "LSTM", dict(bias=False)),
    ("lstm-bidir", "LSTM", dict(bidirectional=True)),
    ("lstm-proj", "LSTM", dict(proj_size=3)),
    ("lstm-proj-bidir-2l", "LSTM", dict(proj_size=4, bidirectional=True, num_layers=2)),
    ("lstm-proj-nobias-bf", "LSTM", dict(proj_size=2, bias=False, batch_first=True)),
    ("gru", "GRU", {}),
    ("gru-2l-bidir", "GRU", dict(num_layers=2, bidirectional=True)),
    ("gru-nobias-bf", "GRU", dict(bias=False, batch_first=True)),
]
INPUTS = ["batched", "unbatched", "packed", "packed-unsorted"]
NO_H0 = ["rnn-bidir-2l", "lstm-proj-bidir-2l", "gru-2l-bidir"]   # also run without h0
LENGTHS = {"packed": [5, 3, 2], "packed-unsorted": [2, 5, 2]}


def build(name: str, kwargs: dict, seed: int = 0):
    """The same module in both libraries, from the same seed."""
    torch.manual_seed(seed)
    tm = getattr(torch.nn, name)(F, H, **kwargs)
    numtorch.manual_seed(seed)
    nm = getattr(numtorch.nn, name)(F, H, **kwargs)
    return tm, nm


def state_shapes(tm, batch):
    dirs = 2 if tm.bidirectional else 1
    hs = tm.proj_size or tm.hidden_size
    h = (tm.num_layers * dirs,) + ((batch,) if batch else ()) + (hs,)
    c = (tm.num_layers * dirs,) + ((batch,) if batch else ()) + (tm.hidden_size,)
    return h, c


def pair(a: np.ndarray):
    return torch.tensor(a, requires_grad=True), numtorch.tensor(a, requires_grad=True)


def run_both(tm, nm, kind: str, rng):
    """Run both modules on the same data; return [(torch tensor, numtorch tensor)] to compare:
    the outputs, the final states and the gradients of everything that has one."""
    is_lstm = isinstance(tm, torch.nn.LSTM)
    bf = tm.batch_first
    if kind == "unbatched":
        xs = (T, F)
    else:
        xs = (B, T, F) if bf else (T, B, F)
    tx, nx = pair(rng.standard_normal(xs).astype(np.float32))
    hshape, cshape = state_shapes(tm, None if kind == "unbatched" else B)
    th, nh = pair(rng.standard_normal(hshape).astype(np.float32))
    tc, nc = pair(rng.standard_normal(cshape).astype(np.float32))
    if kind == "batched-no-h0":
        thx = nhx = None
    else:
        thx, nhx = ((th, tc), (nh, nc)) if is_lstm else (th, nh)
    if kind.startswith("packed"):
        lengths = LENGTHS[kind]
        sort = kind == "packed"
        tin = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, bf, enforce_sorted=sort)
        nin = numtorch.nn.utils.rnn.pack_padded_sequence(nx, lengths, bf, enforce_sorted=sort)
    else:
        tin, nin = tx, nx
    tout, thid = tm(tin, thx)
    nout, nhid = nm(nin, nhx)
    if kind.startswith("packed"):
        assert isinstance(nout, numtorch.nn.utils.rnn.PackedSequence)
        assert nout.batch_sizes.tolist() == tout.batch_sizes.tolist()
        tout, _ = torch.nn.utils.rnn.pad_packed_sequence(tout, bf)
        nout, _ = numtorch.nn.utils.rnn.pad_packed_sequence(nout, bf)
    touts = [tout] + (list(thid) if is_lstm else [thid])
    nouts = [nout] + (list(nhid) if is_lstm else [nhid])
    tloss, nloss = 0, 0
    for t, n in zip(touts, nouts):
        w = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        tloss = tloss + (t * torch.tensor(w)).sum()
        nloss = nloss + (n * numtorch.tensor(w)).sum()
    tloss.backward()
    nloss.backward()
    res = list(zip(touts, nouts)) + [(tx.grad, nx.grad)]
    if thx is not None:
        res += [(th.grad, nh.grad)] + ([(tc.grad, nc.grad)] if is_lstm else [])
    tp, np_ = dict(tm.named_parameters()), dict(nm.named_parameters())
    res += [(tp[k].grad, np_[k].grad) for k in tp]
    return res


CASES = [(c, k) for c in CONFIGS for k in INPUTS] + \
    [(c, "batched-no-h0") for c in CONFIGS if c[0] in NO_H0]


@pytest.mark.parametrize("config,kind", CASES, ids=[f"{c[0]}-{k}" for c, k in CASES])
def test_against_torch(config, kind):
    cid, name, kwargs = config
    tm, nm = build(name, kwargs)
    for (tn, tp), (nn_, np_) in zip(tm.named_parameters(), nm.named_parameters()):
        assert tn == nn_
        np.testing.assert_array_equal(np_.detach().numpy(), tp.detach().numpy())
    rng = np.random.default_rng(abs(hash((cid, kind))) % 2**32)
    for t, n in run_both(tm, nm, kind, rng):
        assert n is not None, "missing gradient"
        assert_close(n, t, **TOL)


@pytest.mark.parametrize("cid,name,kwargs", [
    ("lstm-3l", "LSTM", dict(num_layers=3, dropout=0.4)),
    ("gru-bidir", "GRU", dict(num_layers=2, dropout=0.5, bidirectional=True)),
    ("rnn-relu", "RNN", dict(num_layers=2, dropout=0.3, nonlinearity="relu")),
], ids=["lstm-3l", "gru-bidir", "rnn-relu"])
@pytest.mark.parametrize("kind", ["batched", "packed-unsorted"])
def test_dropout_same_masks(cid, name, kwargs, kind):
    tm, nm = build(name, kwargs, seed=3)
    tm.train()
    nm.train()
    rng = np.random.default_rng(7)
    torch.manual_seed(11)
    numtorch.manual_seed(11)
    for t, n in run_both(tm, nm, kind, rng):
        assert_close(n, t, **TOL)


def test_empty_batch():
    tm, nm = build("LSTM", dict(bidirectional=True))
    t, (th, tc) = tm(torch.zeros(T, 0, F))
    n, (nh, nc) = nm(numtorch.zeros(T, 0, F))
    for a, b in ((n, t), (nh, th), (nc, tc)):
        assert_close(a, b)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_graphs_kept_apart_and_retain_graph(name):
    """Several live graphs and a retained one: each backward sees its own forward's values (the
    kernels reuse internal arrays between calls, NOTE [ scratch arrays ])."""
    _, nm = build(name, dict(num_layers=2))
    rng = np.random.default_rng(4)
    xs = [rng.standard_normal((T, B, F)).astype(np.float32) for _ in range(2)]

    def grads(x, times=1):
        nm.zero_grad()
        out, _ = nm(numtorch.tensor(x))
        for _ in range(times):
            (out * out).sum().backward(retain_graph=True)
        return [p.grad.numpy().copy() for p in nm.parameters()]
    alone = [grads(x) for x in xs]
    nm.zero_grad()
    outs = [nm(numtorch.tensor(x))[0] for x in xs]
    for k in (1, 0):
        nm.zero_grad()
        (outs[k] * outs[k]).sum().backward()
        for a, b in zip(alone[k], [p.grad.numpy() for p in nm.parameters()]):
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    for a, b in zip(alone[0], grads(xs[0], times=2)):
        np.testing.assert_allclose(b, 2 * a, rtol=1e-5, atol=1e-6)


def test_dropout_eval_is_deterministic():
    _, nm = build("LSTM", dict(num_layers=2, dropout=0.9))
    nm.eval()
    x = numtorch.randn(T, B, F)
    a, _ = nm(x)
    b, _ = nm(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name,kwargs", [
    ("RNN", dict(num_layers=2, bidirectional=True, nonlinearity="relu")),
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=3)),
    ("GRU", dict(num_layers=3, bias=False)),
    ("LSTM", dict(num_layers=1, bias=False, batch_first=True, proj_size=1)),
])
def test_init_names_state_dict_repr(name, kwargs):
    tm, nm = build(name, kwargs, seed=5)
    assert list(nm.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(nm.state_dict()[k].numpy(), v.numpy())
    assert repr(nm) == repr(tm)
    assert nm._flat_weights_names == tm._flat_weights_names
    assert [[tuple(p.shape) for p in ws] for ws in nm.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in tm.all_weights]
    assert nm.flatten_parameters() is None


def test_load_torch_state_dict_and_grad_fn():
    tm, _ = build("LSTM", dict(num_layers=2))
    torch.manual_seed(1)
    nm = numtorch.nn.LSTM(F, H, num_layers=2)
    nm.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((T, B, F)).astype(np.float32)
    assert_close(nm(numtorch.tensor(x))[0], tm(torch.tensor(x))[0], **TOL)
    out, (h, c) = nm(numtorch.tensor(x, requires_grad=True))
    assert out.grad_fn is not None and h.requires_grad and c.requires_grad


@pytest.mark.parametrize("name,kwargs,packed", [
    ("RNN", dict(num_layers=2, bidirectional=True), False),
    ("RNN", dict(nonlinearity="relu"), True),
    ("LSTM", dict(bidirectional=True, proj_size=1), False),
    ("LSTM", dict(proj_size=1, batch_first=True), True),
    ("LSTM", dict(bidirectional=True), True),
    ("GRU", dict(bidirectional=True), False),
    ("GRU", dict(batch_first=True), True),
])
def test_gradcheck_float64(name, kwargs, packed):
    numtorch.manual_seed(0)
    m = getattr(numtorch.nn, name)(2, 2, dtype=numtorch.float64, **kwargs)
    if name == "RNN" and kwargs.get("nonlinearity") == "relu":
        with numtorch.no_grad():
            for p in m.parameters():
                p.add_(0.3)     # keep pre-activations away from relu's kink
    params = list(m.parameters())
    bf = m.batch_first
    rng = np.random.default_rng(1)
    x = numtorch.tensor(rng.standard_normal((2, 3, 2) if bf else (3, 2, 2)), requires_grad=True)
    dirs = 2 if m.bidirectional else 1
    hs = m.proj_size or m.hidden_size
    h0 = numtorch.tensor(rng.standard_normal((m.num_layers * dirs, 2, hs)), requires_grad=True)
    c0 = numtorch.tensor(rng.standard_normal((m.num_layers * dirs, 2, 2)), requires_grad=True)

    def f(x, h0, c0, *ws):
        # the parameters enter as plain tensors, so that gradcheck can perturb them
        for pname, w in zip(m._flat_weights_names, ws):
            m._parameters[pname] = w
        try:
            inp = numtorch.nn.utils.rnn.pack_padded_sequence(x, [1, 3], bf,
                                                             enforce_sorted=False) if packed else x
            out, hid = m(inp, (h0, c0) if name == "LSTM" else h0)
            if packed:
                out = numtorch.nn.utils.rnn.pad_packed_sequence(out, bf)[0]
            return (out,) + (tuple(hid) if name == "LSTM" else (hid,))
        finally:
            for pname, p in zip(m._flat_weights_names, params):
                m._parameters[pname] = p

    leaves = [numtorch.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    assert gradcheck(f, (x, h0, c0, *leaves), eps=1e-6, atol=1e-6)


# --- errors ----------------------------------------------------------------------------------

def _mods(name, *args, **kwargs):
    return (lambda: getattr(torch.nn, name)(*args, **kwargs),
            lambda: getattr(numtorch.nn, name)(*args, **kwargs))


CTOR_ERRORS = [
    ("RNN", (4, 6), dict(dropout=1.5)),
    ("LSTM", (4, 6), dict(dropout=True)),
    ("GRU", (4, 6), dict(bias=1)),
    ("RNN", (4, 6), dict(batch_first=None)),
    ("LSTM", (4.0, 6), {}),
    ("LSTM", (0, 6), {}),
    ("GRU", (4, "6"), {}),
    ("RNN", (4, 0), {}),
    ("LSTM", (4, 6), dict(num_layers=0)),
    ("LSTM", (4, 6), dict(proj_size=-1)),
    ("LSTM", (4, 6), dict(proj_size=6)),
    ("GRU", (4, 6), dict(proj_size=2)),
    ("RNN", (4, 6), dict(proj_size=2)),
    ("RNN", (4, 6), dict(nonlinearity="sigmoid")),
    ("RNN", (4, 6, 1, "gelu"), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CTOR_ERRORS)
def test_constructor_errors(name, args, kwargs):
    assert_same_error(*_mods(name, *args, **kwargs))


def test_dropout_warning_for_one_layer():
    for lib in (torch, numtorch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.LSTM(4, 6, dropout=0.2)
        msgs = [str(x.message) for x in w if "dropout option" in str(x.message)]
        assert msgs == ["dropout option adds dropout after all but last recurrent layer, so "
                        "non-zero dropout expects num_layers greater than 1, but got dropout=0.2 "
                        "and num_layers=1"]


def _call_error(name, kwargs, make):
    tm, nm = build(name, kwargs)
    assert_same_error(lambda: make(torch, tm), lambda: make(numtorch, nm))


FORWARD_ERRORS = [
    ("wrong-feature", "LSTM", {}, lambda L, m: m(L.zeros(T, B, F + 1))),
    ("wrong-feature-gru", "GRU", {}, lambda L, m: m(L.zeros(T, B, 2))),
    ("4d-rnn", "RNN", {}, lambda L, m: m(L.zeros(1, T, B, F))),
    ("4d-lstm", "LSTM", {}, lambda L, m: m(L.zeros(1, T, B, F))),
    ("1d-gru", "GRU", {}, lambda L, m: m(L.zeros(F))),
    ("h0-shape", "RNN", {}, lambda L, m: m(L.zeros(T, B, F), L.zeros(1, B + 1, H))),
    ("h0-shape-bidir", "GRU", dict(bidirectional=True),
     lambda L, m: m(L.zeros(T, B, F), L.zeros(1, B, H))),
    ("h0-dims", "RNN", {}, lambda L, m: m(L.zeros(T, B, F), L.zeros(B, H))),
    ("h0-dims-unbatched", "GRU", {}, lambda L, m: m(L.zeros(T, F), L.zeros(1, 1, H))),
    ("lstm-h0", "LSTM", {}, lambda L, m: m(L.zeros(T, B, F), (L.zeros(1, B, H + 1),
                                                              L.zeros(1, B, H)))),
    ("lstm-c0", "LSTM", {}, lambda L, m: m(L.zeros(T, B, F), (L.zeros(1, B, H),
                                                              L.zeros(2, B, H)))),
    ("lstm-proj-h0", "LSTM", dict(proj_size=2),
     lambda L, m: m(L.zeros(T, B, F), (L.zeros(1, B, H), L.zeros(1, B, H)))),
    ("lstm-dims", "LSTM", {}, lambda L, m: m(L.zeros(T, B, F), (L.zeros(B, H), L.zeros(1, B, H)))),
    ("lstm-dims-unbatched", "LSTM", {}, lambda L, m: m(L.zeros(T, F), (L.zeros(1, 1, H),
                                                                       L.zeros(1, H)))),
    ("dtype", "LSTM", {}, lambda L, m: m(L.zeros(T, B, F, dtype=L.float64))),
    ("batch-first-h0", "GRU", dict(batch_first=True),
     lambda L, m: m(L.zeros(B, T, F), L.zeros(1, T, H))),
    ("int-input", "LSTM", {}, lambda L, m: m(L.zeros(T, B, F, dtype=L.int64))),
    ("h0-dtype", "GRU", {}, lambda L, m: m(L.zeros(T, B, F), L.zeros(1, B, H, dtype=L.float64))),
    ("empty-sequence", "GRU", {}, lambda L, m: m(L.zeros(0, B, F))),
    ("packed-h0", "GRU", {}, lambda L, m: m(L.nn.utils.rnn.pack_sequence(
        [L.zeros(3, F), L.zeros(2, F)]), L.zeros(1, 3, H))),
    ("packed-feature", "RNN", {}, lambda L, m: m(L.nn.utils.rnn.pack_sequence(
        [L.zeros(3, F - 1), L.zeros(2, F - 1)]))),
]


@pytest.mark.parametrize("cid,name,kwargs,make", FORWARD_ERRORS, ids=[e[0] for e in FORWARD_ERRORS])
def test_forward_errors(cid, name, kwargs, make):
    _call_error(name, kwargs, make)
