"""LBFGS against PyTorch: the same objective, evaluated through a closure in both libraries,
must give the same iterates, function-evaluation counts and state, with and without the
strong-Wolfe line search."""

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
SHAPES = [(6, 5), (10,)]
TARGETS = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
CURVATURE = [rng.uniform(0.02, 5.0, s).astype(np.float32) for s in SHAPES]
INIT = [rng.standard_normal(s).astype(np.float32) * 3 for s in SHAPES]
# NOTE: the runs stop well before convergence: near the optimum, ``1 / (y . s)`` and the
# two-loop coefficients amplify float32 rounding (and PyTorch's BLAS dot products sum in a
# different order from NumPy's), so only the well-conditioned part of a run is comparable.


def _objective(arrays):
    """A smooth, non-quadratic objective and its gradient, computed in float32 with NumPy."""
    loss = np.float32(0)
    grads = []
    for x, t, c in zip(arrays, TARGETS, CURVATURE):
        d = x - t
        loss += (c * d * d).sum() + np.float32(0.1) * (d ** 4).sum()
        grads.append(np.float32(2) * c * d + np.float32(0.4) * d ** 3)
    return float(loss), grads


def _closure(lib, params, counter):
    def closure():
        counter.append(1)
        loss, grads = _objective([p.detach().numpy().copy() for p in params])
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        return lib.tensor(loss)
    return closure


def _as_numpy(v):
    if isinstance(v, (torch.Tensor, numtorch.Tensor)):
        return v.detach().numpy()
    return v


def _assert_close(t, n, where, rtol=1e-5, atol=1e-5):
    """Close values of the same kinds; ``atol`` is relative to the array's largest entry."""
    if isinstance(t, list):
        assert isinstance(n, list) and len(n) == len(t), where
        for i, (a, b) in enumerate(zip(t, n)):
            _assert_close(a, b, f"{where}[{i}]", rtol, atol)
        return
    if t is None:
        assert n is None, where
        return
    assert isinstance(n, numtorch.Tensor) == isinstance(t, torch.Tensor), (
        f"{where}: {type(t)} vs {type(n)}"
    )
    a, b = _as_numpy(t), _as_numpy(n)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, (
            f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        )
        scale = max(1.0, float(np.abs(a).max())) if a.size else 1.0
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol * scale, err_msg=where)
    else:
        assert type(a) is type(b), f"{where}: {type(a)} vs {type(b)}"
        assert b == pytest.approx(a, rel=rtol, abs=atol), where


@pytest.mark.parametrize(
    "kw",
    [dict(max_iter=4), dict(lr=0.5, max_iter=3), dict(history_size=3, max_iter=4),
     dict(line_search_fn="strong_wolfe", max_iter=3),
     dict(line_search_fn="strong_wolfe", history_size=2, max_iter=4, max_eval=5),
     dict(tolerance_grad=1e-3, tolerance_change=1e-4, max_iter=4)],
    ids=["defaults", "lr", "history", "wolfe", "wolfe-small", "tolerances"],
)
def test_lbfgs_matches_torch(kw):
    tparams = [torch.tensor(a, requires_grad=True) for a in INIT]
    nparams = [numtorch.tensor(a, requires_grad=True) for a in INIT]
    topt, nopt = torch.optim.LBFGS(tparams, **kw), numtorch.optim.LBFGS(nparams, **kw)
    tcount, ncount = [], []
    tclosure, nclosure = _closure(torch, tparams, tcount), _closure(numtorch, nparams, ncount)
    for step in range(4):
        tloss, nloss = topt.step(tclosure), nopt.step(nclosure)
        assert nloss.item() == pytest.approx(tloss.item(), rel=1e-5), f"step {step}"
        assert len(ncount) == len(tcount), f"step {step}: closure calls"
        for i, (t, n) in enumerate(zip(tparams, nparams)):
            _assert_close(t, n, f"step {step}: param {i}")
        ts, ns = topt.state[tparams[0]], nopt.state[nparams[0]]
        assert sorted(ns) == sorted(ts)
        for key in ts:
            # Differences of gradients and their products lose relative precision: the
            # state is compared more loosely than the iterates.
            _assert_close(ts[key], ns[key], f"step {step}: state[{key!r}]", rtol=1e-3, atol=1e-4)


def test_lbfgs_converges_on_the_objective():
    params = [numtorch.tensor(a, requires_grad=True) for a in INIT]
    opt = numtorch.optim.LBFGS(params, line_search_fn="strong_wolfe", max_iter=200, max_eval=400)
    opt.step(_closure(numtorch, params, []))
    _, grads = _objective([p.detach().numpy() for p in params])
    assert max(np.abs(g).max() for g in grads) < 1e-4


def test_lbfgs_unknown_line_search():
    for lib in (torch, numtorch):
        params = [lib.tensor(a, requires_grad=True) for a in INIT]
        opt = lib.optim.LBFGS(params, line_search_fn="armijo")
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(_closure(lib, params, []))


def test_lbfgs_state_dict_cross_loads():
    """Continue from a PyTorch LBFGS state in numtorch (tensors mapped through NumPy)."""
    tparams = [torch.tensor(a, requires_grad=True) for a in INIT]
    topt = torch.optim.LBFGS(tparams, history_size=4, max_iter=5)
    topt.step(_closure(torch, tparams, []))

    def convert(v):
        if isinstance(v, torch.Tensor):
            return numtorch.tensor(v.detach().numpy().copy())
        if isinstance(v, dict):
            return {k: convert(x) for k, x in v.items()}
        if isinstance(v, list):
            return [convert(x) for x in v]
        return v

    nparams = [numtorch.tensor(t.detach().numpy().copy(), requires_grad=True) for t in tparams]
    nopt = numtorch.optim.LBFGS(nparams, history_size=4, max_iter=5)
    nopt.load_state_dict(convert(topt.state_dict()))
    topt.step(_closure(torch, tparams, []))
    nopt.step(_closure(numtorch, nparams, []))
    for i, (t, n) in enumerate(zip(tparams, nparams)):
        _assert_close(t, n, f"param {i}")
