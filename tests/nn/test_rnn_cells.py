"""RNNCell, LSTMCell and GRUCell against PyTorch: outputs and the gradients of the input, the
state and every parameter (batched, unbatched, no state, no bias), a few steps chained, same
initial weights for the same seed, state_dict keys, repr, float64 gradcheck, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-4, atol=2e-5)
B, F, H = 3, 4, 5

CELLS = [
    ("rnn-tanh", "RNNCell", {}),
    ("rnn-relu", "RNNCell", dict(nonlinearity="relu")),
    ("rnn-nobias", "RNNCell", dict(bias=False)),
    ("lstm", "LSTMCell", {}),
    ("lstm-nobias", "LSTMCell", dict(bias=False)),
    ("gru", "GRUCell", {}),
    ("gru-nobias", "GRUCell", dict(bias=False)),
]


def build(name, kwargs, seed=0):
    torch.manual_seed(seed)
    tm = getattr(torch.nn, name)(F, H, **kwargs)
    numtorch.manual_seed(seed)
    nm = getattr(numtorch.nn, name)(F, H, **kwargs)
    return tm, nm


def pair(a):
    return torch.tensor(a, requires_grad=True), numtorch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("kind", ["batched", "unbatched", "no-state", "three-steps"])
@pytest.mark.parametrize("cid,name,kwargs", CELLS, ids=[c[0] for c in CELLS])
def test_against_torch(cid, name, kwargs, kind):
    tm, nm = build(name, kwargs)
    for (tn, tp), (nn_, np_) in zip(tm.named_parameters(), nm.named_parameters()):
        assert tn == nn_
        np.testing.assert_array_equal(np_.detach().numpy(), tp.detach().numpy())
    rng = np.random.default_rng(abs(hash((cid, kind))) % 2**32)
    lead = () if kind == "unbatched" else (B,)
    steps = 3 if kind == "three-steps" else 1
    xs = [pair(rng.standard_normal(lead + (F,)).astype(np.float32)) for _ in range(steps)]
    th, nh = pair(rng.standard_normal(lead + (H,)).astype(np.float32))
    tc, nc = pair(rng.standard_normal(lead + (H,)).astype(np.float32))
    lstm = name == "LSTMCell"
    if kind == "no-state":
        ts = ns = None
    else:
        ts, ns = ((th, tc), (nh, nc)) if lstm else (th, nh)
    touts, nouts = [], []
    for tx, nx in xs:
        ts, ns = tm(tx, ts), nm(nx, ns)
        touts += list(ts) if lstm else [ts]
        nouts += list(ns) if lstm else [ns]
    tloss = nloss = 0
    for t, n in zip(touts, nouts):
        w = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        tloss = tloss + (t * torch.tensor(w)).sum()
        nloss = nloss + (n * numtorch.tensor(w)).sum()
    tloss.backward()
    nloss.backward()
    checks = list(zip(touts, nouts)) + [(tx.grad, nx.grad) for tx, nx in xs]
    if kind != "no-state":
        checks += [(th.grad, nh.grad)] + ([(tc.grad, nc.grad)] if lstm else [])
    checks += [(tp.grad, np_.grad) for tp, np_ in zip(tm.parameters(), nm.parameters())]
    for t, n in checks:
        assert n is not None
        assert_close(n, t, **TOL)


@pytest.mark.parametrize("cid,name,kwargs", CELLS, ids=[c[0] for c in CELLS])
def test_state_dict_and_repr(cid, name, kwargs):
    tm, nm = build(name, kwargs, seed=4)
    assert list(nm.state_dict()) == list(tm.state_dict())
    assert repr(nm) == repr(tm)
    assert (nm.bias_ih is None) == (tm.bias_ih is None)


@pytest.mark.parametrize("name,kwargs", [("RNNCell", {}), ("LSTMCell", {}), ("GRUCell", {}),
                                         ("RNNCell", dict(nonlinearity="relu", bias=False))])
def test_gradcheck_float64(name, kwargs):
    numtorch.manual_seed(0)
    m = getattr(numtorch.nn, name)(3, 2, dtype=numtorch.float64, **kwargs)
    params = list(m.parameters())
    names = [n for n, _ in m.named_parameters()]
    rng = np.random.default_rng(2)
    x = numtorch.tensor(rng.standard_normal((2, 3)) + 0.5, requires_grad=True)
    h = numtorch.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    c = numtorch.tensor(rng.standard_normal((2, 2)), requires_grad=True)

    def f(x, h, c, *ws):
        for n, w in zip(names, ws):
            m._parameters[n] = w
        try:
            out = m(x, (h, c) if name == "LSTMCell" else h)
            return tuple(out) if name == "LSTMCell" else out
        finally:
            for n, p in zip(names, params):
                m._parameters[n] = p

    leaves = [numtorch.tensor(p.detach().numpy() + 0.2, requires_grad=True) for p in params]
    assert gradcheck(f, (x, h, c, *leaves), eps=1e-6, atol=1e-6)


ERRORS = [
    ("rnn-3d", "RNNCell", lambda L, m: m(L.zeros(1, B, F))),
    ("rnn-h-3d", "RNNCell", lambda L, m: m(L.zeros(B, F), L.zeros(1, B, H))),
    ("gru-3d", "GRUCell", lambda L, m: m(L.zeros(1, B, F))),
    ("gru-h-0d", "GRUCell", lambda L, m: m(L.zeros(B, F), L.zeros(()))),
    ("lstm-3d", "LSTMCell", lambda L, m: m(L.zeros(1, B, F))),
    ("lstm-hx1-3d", "LSTMCell", lambda L, m: m(L.zeros(B, F), (L.zeros(B, H), L.zeros(1, B, H)))),
    ("rnn-input-size", "RNNCell", lambda L, m: m(L.zeros(B, F + 2))),
    ("gru-batch", "GRUCell", lambda L, m: m(L.zeros(B, F), L.zeros(B + 1, H))),
    ("gru-hidden", "GRUCell", lambda L, m: m(L.zeros(B, F), L.zeros(B, H - 1))),
    ("lstm-batch-c", "LSTMCell", lambda L, m: m(L.zeros(B, F), (L.zeros(B, H), L.zeros(2, H)))),
    ("lstm-hidden-c", "LSTMCell", lambda L, m: m(L.zeros(B, F), (L.zeros(B, H), L.zeros(B, 2)))),
    ("lstm-input-size", "LSTMCell", lambda L, m: m(L.zeros(F - 1), (L.zeros(H), L.zeros(H)))),
    ("gru-input-dtype", "GRUCell", lambda L, m: m(L.zeros(B, F, dtype=L.float64))),
    ("rnn-hidden-dtype", "RNNCell", lambda L, m: m(L.zeros(B, F), L.zeros(B, H, dtype=L.float64))),
]


@pytest.mark.parametrize("cid,name,make", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(cid, name, make):
    tm, nm = build(name, {})
    assert_same_error(lambda: make(torch, tm), lambda: make(numtorch, nm))


def test_unknown_nonlinearity_at_call():
    tm, nm = build("RNNCell", dict(nonlinearity="gelu"))
    assert_same_error(lambda: tm(torch.zeros(B, F)), lambda: nm(numtorch.zeros(B, F)))
