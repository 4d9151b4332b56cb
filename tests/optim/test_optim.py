"""Optimizer trajectories against PyTorch.

Each optimizer runs 100 steps with each combination of its options, on the same starting
weights and the same stream of gradients in both libraries; the parameters and the whole
per-parameter state must agree after every step (float32 rounding, no drift).  State dicts
must round-trip, and a state dict saved by either library's optimizer must load into the
other's and continue identically.
"""

import copy
import itertools

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

STEPS = 100
SHAPES = [(3, 4), (5,), (), (2, 2, 3)]


def _grid(**options):
    """Every combination of the given option values, as a list of kwargs dicts."""
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


def _cases():
    cases = []
    for kw in _grid(momentum=[0, 0.9], dampening=[0, 0.5], nesterov=[False, True],
                    weight_decay=[0, 0.1], maximize=[False, True]):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue
        cases.append(("SGD", dict(lr=0.05, **kw)))
    for kw in _grid(amsgrad=[False, True], weight_decay=[0, 0.1], maximize=[False, True],
                    decoupled_weight_decay=[False, True]):
        cases.append(("Adam", dict(lr=0.01, **kw)))
    cases.append(("Adam", dict(lr=0.02, betas=(0.3, 0.5), eps=1e-3)))  # lerp's large-weight branch
    for kw in _grid(amsgrad=[False, True], weight_decay=[0, 0.1], maximize=[False, True]):
        cases.append(("AdamW", dict(lr=0.01, **kw)))
    for kw in _grid(centered=[False, True], momentum=[0, 0.9], weight_decay=[0, 0.1],
                    maximize=[False, True]):
        cases.append(("RMSprop", dict(lr=0.01, **kw)))
    cases.append(("RMSprop", dict(lr=0.01, alpha=0.5, eps=1e-4, centered=True)))
    for kw in _grid(lr_decay=[0, 0.05], weight_decay=[0, 0.1], initial_accumulator_value=[0, 0.1],
                    maximize=[False, True]):
        cases.append(("Adagrad", dict(lr=0.1, **kw)))
    for kw in _grid(rho=[0.9, 0.5], weight_decay=[0, 0.1], maximize=[False, True]):
        cases.append(("Adadelta", dict(lr=0.5, **kw)))
    for kw in _grid(
        betas=[(0.9, 0.999), (0.2, 0.6)], weight_decay=[0, 0.1], maximize=[False, True]
    ):
        cases.append(("Adamax", dict(lr=0.01, **kw)))
    for kw in _grid(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                    momentum_decay=[4e-3, 0.1], maximize=[False, True]):
        cases.append(("NAdam", dict(lr=0.01, **kw)))
    for kw in _grid(
        weight_decay=[0, 0.1], decoupled_weight_decay=[False, True], maximize=[False, True]
    ):
        cases.append(("RAdam", dict(lr=0.01, **kw)))
    cases.append(("RAdam", dict(lr=0.01, betas=(0.5, 0.9))))  # rectified from the first steps on
    for kw in _grid(t0=[1e6, 10], lambd=[1e-4, 0.1], weight_decay=[0, 0.1], maximize=[False, True]):
        cases.append(("ASGD", dict(lr=0.01, **kw)))
    for kw in _grid(etas=[(0.5, 1.2), (0.3, 1.5)], step_sizes=[(1e-6, 50), (1e-3, 0.05)],
                    maximize=[False, True]):
        cases.append(("Rprop", dict(lr=0.01, **kw)))
    for kw in _grid(weight_decay=[0, 0.1], maximize=[False, True]):
        cases.append(("Adafactor", dict(lr=0.01, **kw)))
    cases.append(("Adafactor", dict(lr=0.1, eps=(1e-3, 1e-2), d=2.0, beta2_decay=-0.5)))
    return cases


CASES = _cases()


def _case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


# ---- helpers ---------------------------------------------------------------------------
def _stream(seed, shapes=SHAPES, steps=STEPS, dtype=np.float32):
    """Starting weights and a gradient stream; the second parameter sometimes gets no gradient."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = []
    for k in range(steps):
        step = [rng.standard_normal(s).astype(dtype) for s in shapes]
        if k % 7 == 3:
            step[1] = None
        grads.append(step)
    return init, grads


def _leaves(init):
    return ([torch.tensor(a, requires_grad=True) for a in init],
            [numtorch.tensor(a, requires_grad=True) for a in init])


def _set_grads(tparams, nparams, grads):
    for t, n, g in zip(tparams, nparams, grads):
        t.grad = None if g is None else torch.tensor(g)
        n.grad = None if g is None else numtorch.tensor(g)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)


def _assert_same_value(t, n, where, tol):
    if isinstance(t, torch.Tensor):
        assert isinstance(n, numtorch.Tensor), f"{where}: {type(n)} is not a Tensor"
        a, b = t.detach().numpy(), n.detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype, (
            f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        )
        # Absolute error is measured against the array's scale: PyTorch's float32 sqrt is not
        # correctly rounded, and one-ulp differences in large terms survive cancellation.
        scale = max(1.0, float(np.abs(a).max())) if a.size else 1.0
        atol = tol["atol"] * scale
        if not (np.abs(b - a) <= atol + tol["rtol"] * np.abs(a)).all():  # fast path; report below
            np.testing.assert_allclose(b, a, rtol=tol["rtol"], atol=atol, err_msg=where)
    elif isinstance(t, (list, tuple)):
        assert type(t) is type(n) and len(t) == len(n), where
        for i, (x, y) in enumerate(zip(t, n)):
            _assert_same_value(x, y, f"{where}[{i}]", tol)
    elif isinstance(t, float):
        assert n == pytest.approx(t, rel=1e-6, abs=1e-9), where
    else:
        assert t == n, f"{where}: {t!r} != {n!r}"


def _arrays(opt, params):
    """The parameters and every state tensor, in a fixed order, as NumPy arrays (plus their names).
    """
    names, arrays = [], []
    for i, p in enumerate(params):
        names.append(f"param {i}")
        arrays.append(p.detach().numpy())
        st = opt.state.get(p, {})
        for key in sorted(st):
            names.append(f"state[{i}][{key!r}]")
            v = st[key]
            # Python numbers (SparseAdam's int step) must agree exactly
            if not hasattr(v, "detach"):
                names[-1] += f"={v!r}"
            arrays.append(v.detach().numpy() if hasattr(v, "detach") else np.asarray(v, np.float64))
    return names, arrays


def _assert_same(topt, nopt, tparams, nparams, step, dtype=np.float32):
    """Parameters and state agree: same keys, Tensor types, dtypes and shapes, and close values."""
    tnames, tarrays = _arrays(topt, tparams)
    nnames, narrays = _arrays(nopt, nparams)
    assert nnames == tnames, f"step {step}: {nnames} vs {tnames}"
    for t, n in zip(tparams, nparams):
        for key, v in topt.state.get(t, {}).items():
            assert isinstance(nopt.state[n][key], numtorch.Tensor) == isinstance(v, torch.Tensor), \
                f"step {step}: state[{key!r}] is {type(nopt.state[n][key])}, PyTorch's is {type(v)}"
    tol = _tol(dtype)
    for name, a, b in zip(tnames, tarrays, narrays):
        if a.shape != b.shape or a.dtype != b.dtype:
            raise AssertionError(f"step {step}: {name}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
    a = np.concatenate([x.reshape(-1) for x in tarrays]).astype(np.float64)
    b = np.concatenate([x.reshape(-1) for x in narrays]).astype(np.float64)
    # Absolute error is measured against each array's scale: PyTorch's float32 sqrt is not
    # correctly rounded, and one-ulp differences in large terms survive cancellation.
    scale = np.concatenate([np.full(x.size, max(1.0, float(np.abs(x).max())) if x.size else 1.0)
                            for x in tarrays])
    ok = np.abs(b - a) <= tol["atol"] * scale + tol["rtol"] * np.abs(a)
    if not ok.all():
        for name, x, y in zip(tnames, tarrays, narrays):
            sc = max(1.0, float(np.abs(x).max())) if x.size else 1.0
            np.testing.assert_allclose(y, x, rtol=tol["rtol"], atol=tol["atol"] * sc,
                                       err_msg=f"step {step}: {name}")


def _to_numtorch(obj):
    """A state dict's tensors mapped from torch to numtorch through NumPy."""
    if isinstance(obj, torch.Tensor):
        return numtorch.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_numtorch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_numtorch(v) for v in obj)
    return obj


def _to_torch(obj):
    if isinstance(obj, numtorch.Tensor):
        return torch.tensor(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v) for v in obj)
    return obj


def _run(name, kw, seed=0, dtype=np.float32, steps=STEPS):
    init, grads = _stream(seed, steps=steps, dtype=dtype)
    tparams, nparams = _leaves(init)
    topt = getattr(torch.optim, name)(tparams, **kw)
    nopt = getattr(numtorch.optim, name)(nparams, **kw)
    for k in range(steps):
        _set_grads(tparams, nparams, grads[k])
        topt.step()
        nopt.step()
        _assert_same(topt, nopt, tparams, nparams, k, dtype)
    return topt, nopt, tparams, nparams


# ---- trajectories --------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    name, kw = case
    _run(name, kw)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                     ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("NAdam", dict(lr=0.01)), ("Adagrad", dict(lr=0.1))])
def test_trajectory_float64(name, kw):
    _run(name, kw, seed=1, dtype=np.float64, steps=30)


@pytest.mark.parametrize(
    "name",
    ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
     "ASGD", "Rprop", "Adafactor"],
)
def test_param_groups_with_own_options(name):
    init, grads = _stream(2, steps=20)
    tparams, nparams = _leaves(init)
    opts = []
    for lib, params in ((torch, tparams), (numtorch, nparams)):
        groups = [{"params": [params[0]], "lr": 0.003}, {"params": params[1:], "weight_decay": 0.2}]
        opts.append(getattr(lib.optim, name)(groups, lr=0.01))
    topt, nopt = opts
    assert [g["lr"] for g in nopt.param_groups] == [0.003, 0.01]
    for k in range(20):
        _set_grads(tparams, nparams, grads[k])
        topt.step()
        nopt.step()
        _assert_same(topt, nopt, tparams, nparams, k)


@pytest.mark.parametrize(
    "name,kw",
    [("SGD", dict(momentum=0.9)),
     ("Adam", {}), ("AdamW", {}), ("RMSprop", {}), ("Adagrad", {}), ("NAdam", {}), ("RAdam", {})],
)
def test_tensor_learning_rate(name, kw):
    init, grads = _stream(3, steps=10)
    tparams, nparams = _leaves(init)
    topt = getattr(torch.optim, name)(tparams, lr=torch.tensor(0.01), **kw)
    nopt = getattr(numtorch.optim, name)(nparams, lr=numtorch.tensor(0.01), **kw)
    for k in range(10):
        _set_grads(tparams, nparams, grads[k])
        topt.step()
        nopt.step()
        _assert_same(topt, nopt, tparams, nparams, k)


@pytest.mark.parametrize("name,flags", [("SGD", dict(foreach=True)), ("SGD", dict(fused=True)),
                                        ("Adam", dict(foreach=False, capturable=False)),
                                        ("Adam", dict(fused=True)),
                                        ("AdamW", dict(differentiable=True)),
                                        ("RMSprop", dict(foreach=True, capturable=True)),
                                        ("Adagrad", dict(fused=True)),
                                        ("NAdam", dict(foreach=True)),
                                        ("ASGD", dict(capturable=False, foreach=False))])
def test_implementation_flags_are_accepted(name, flags):
    """``foreach``/``fused``/``capturable``/``differentiable`` are stored and change nothing."""
    init, grads = _stream(4, steps=10)
    tparams, nparams = _leaves(init)
    topt = getattr(torch.optim, name)(tparams, lr=0.01)
    nopt = getattr(numtorch.optim, name)(nparams, lr=0.01, **flags)
    for key, value in flags.items():
        assert nopt.param_groups[0][key] == value
    for k in range(10):
        _set_grads(tparams, nparams, grads[k])
        topt.step()
        nopt.step()
        _assert_same(topt, nopt, tparams, nparams, k)


@pytest.mark.parametrize(
    "kw",
    [dict(lr=0.01), dict(lr=0.01, nesterov=False, weight_decay=0.0),
     dict(lr=0.02, momentum=0.5, ns_steps=3, adjust_lr_fn="match_rms_adamw"),
     dict(lr=0.01, adjust_lr_fn="original", ns_coefficients=(2.0, -1.5, 0.5))],
)
def test_muon_trajectory_matches_torch(kw):
    """Muon orthogonalises in bfloat16 (see numtorch/optim/muon.py): agreement is at that precision,
    while the momentum buffers (float32) must agree to float32 rounding."""
    shapes = [(8, 5), (4, 6)]
    init, grads = _stream(9, shapes=shapes)
    tparams, nparams = _leaves(init)
    topt, nopt = torch.optim.Muon(tparams, **kw), numtorch.optim.Muon(nparams, **kw)
    for k in range(STEPS):
        _set_grads(tparams, nparams, grads[k])
        topt.step()
        nopt.step()
        for i, (t, n) in enumerate(zip(tparams, nparams)):
            np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol=0,
                                       atol=2e-3 * kw["lr"] * (k + 1),
                                       err_msg=f"step {k}: param {i}")
            tb, nb = topt.state[t]["momentum_buffer"], nopt.state[n]["momentum_buffer"]
            assert isinstance(nb, numtorch.Tensor)
            np.testing.assert_allclose(nb.detach().numpy(), tb.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kw", [dict(lr=0.01), dict(lr=0.05, betas=(0.5, 0.9), eps=1e-4, maximize=True)]
)
def test_sparse_adam_matches_torch_sparse_gradients(kw):
    """PyTorch gets sparse row gradients (as from ``Embedding(sparse=True)``); numtorch gets the
    same gradients densely (see numtorch/optim/sparse_adam.py)."""
    rng = np.random.default_rng(10)
    init = [rng.standard_normal((10, 3)).astype(np.float32),
            rng.standard_normal(6).astype(np.float32)]
    tparams, nparams = _leaves(init)
    topt, nopt = torch.optim.SparseAdam(tparams, **kw), numtorch.optim.SparseAdam(nparams, **kw)
    for k in range(STEPS):
        for t, n, a in zip(tparams, nparams, init):
            rows = rng.integers(0, a.shape[0], size=3)
            values = rng.standard_normal((3,) + a.shape[1:]).astype(np.float32)
            t.grad = torch.sparse_coo_tensor(
                torch.tensor(rows[None]), torch.tensor(values), a.shape, check_invariants=True
            )
            dense = np.zeros_like(a)
            np.add.at(dense, rows, values)
            n.grad = numtorch.tensor(dense)
        topt.step()
        nopt.step()
        _assert_same(topt, nopt, tparams, nparams, k)


def test_step_updates_existing_arrays_in_place():
    init, grads = _stream(5, steps=3)
    _, nparams = _leaves(init)
    opt = numtorch.optim.Adam(nparams, lr=0.01, amsgrad=True)
    arrays = [p._data for p in nparams]
    versions = [p._version for p in nparams]
    for k in range(3):
        for p, g in zip(nparams, grads[k]):
            p.grad = None if g is None else numtorch.tensor(g)
        opt.step()
    assert all(p._data is a for p, a in zip(nparams, arrays))
    assert all(p._version > v for p, v in zip(nparams, versions))
    state = opt.state[nparams[0]]
    buffers = {k: v._data for k, v in state.items()}
    nparams[0].grad = numtorch.tensor(grads[0][0])
    opt.step()
    assert all(state[k]._data is a for k, a in buffers.items())


# ---- state dicts -----------------------------------------------------------------------------
STATE_CASES = [("SGD", dict(lr=0.05, momentum=0.9)), ("SGD", dict(lr=0.05)),
               ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
               ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
               ("Adagrad", dict(lr=0.1, lr_decay=0.01)), ("Adadelta", {}),
               ("Adamax", dict(lr=0.01)), ("NAdam", dict(lr=0.01)), ("RAdam", dict(lr=0.01)),
               ("ASGD", dict(lr=0.01, t0=5)), ("Rprop", dict(lr=0.01)),
               ("Adafactor", dict(lr=0.01))]


def _advance(topt, nopt, tparams, nparams, grads, check=True):
    for k, g in enumerate(grads):
        _set_grads(tparams, nparams, g)
        topt.step()
        nopt.step()
        if check:
            _assert_same(topt, nopt, tparams, nparams, k)


@pytest.mark.parametrize("case", STATE_CASES, ids=[_case_id(c) for c in STATE_CASES])
def test_state_dict_structure_matches_torch(case):
    name, kw = case
    topt, nopt, _, _ = _run(name, kw, steps=5)
    tsd, nsd = topt.state_dict(), nopt.state_dict()
    assert list(nsd) == ["state", "param_groups"]
    assert sorted(nsd["state"]) == sorted(tsd["state"])
    for tg, ng in zip(tsd["param_groups"], nsd["param_groups"]):
        assert sorted(tg) == sorted(ng)
        assert ng["params"] == tg["params"]
        for key in tg:
            if key != "params":
                _assert_same_value(tg[key], ng[key], f"param_groups[{key!r}]", _tol(np.float32))
    for i in tsd["state"]:
        assert list(nsd["state"][i]) == list(tsd["state"][i])
        for key, value in tsd["state"][i].items():
            _assert_same_value(
                value, nsd["state"][i][key], f"state[{i}][{key!r}]", _tol(np.float32)
            )


@pytest.mark.parametrize("case", STATE_CASES, ids=[_case_id(c) for c in STATE_CASES])
def test_state_dict_round_trip(case):
    """Save after 10 steps, load into a fresh optimizer over copies, continue both: identical."""
    name, kw = case
    init, grads = _stream(6, steps=20)
    _, nparams = _leaves(init)
    nopt = getattr(numtorch.optim, name)(nparams, **kw)
    for g in grads[:10]:
        for p, gi in zip(nparams, g):
            p.grad = None if gi is None else numtorch.tensor(gi)
        nopt.step()
    copies = [numtorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in nparams]
    other = getattr(numtorch.optim, name)(copies, lr=123.0)
    other.load_state_dict(copy.deepcopy(nopt.state_dict()))
    assert other.param_groups[0]["lr"] == nopt.param_groups[0]["lr"]
    for g in grads[10:]:
        for ps in (nparams, copies):
            for p, gi in zip(ps, g):
                p.grad = None if gi is None else numtorch.tensor(gi)
        nopt.step()
        other.step()
        for a, b in zip(nparams, copies):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("direction", ["torch->numtorch", "numtorch->torch"])
@pytest.mark.parametrize("case", STATE_CASES, ids=[_case_id(c) for c in STATE_CASES])
def test_state_dict_cross_loading(case, direction):
    """A state dict saved by one library's optimizer loads into the other's and continues
    identically."""
    name, kw = case
    init, grads = _stream(7, steps=20)
    tparams, nparams = _leaves(init)
    topt = getattr(torch.optim, name)(tparams, **kw)
    nopt = getattr(numtorch.optim, name)(nparams, **kw)
    if direction == "torch->numtorch":
        for g in grads[:10]:
            for t, gi in zip(tparams, g):
                t.grad = None if gi is None else torch.tensor(gi)
            topt.step()
        with numtorch.no_grad():
            for t, n in zip(tparams, nparams):
                n.copy_(numtorch.tensor(t.detach().numpy().copy()))
        nopt.load_state_dict(_to_numtorch(topt.state_dict()))
    else:
        for g in grads[:10]:
            for n, gi in zip(nparams, g):
                n.grad = None if gi is None else numtorch.tensor(gi)
            nopt.step()
        with torch.no_grad():
            for t, n in zip(tparams, nparams):
                t.copy_(torch.tensor(n.detach().numpy()))
        topt.load_state_dict(_to_torch(nopt.state_dict()))
    _assert_same(topt, nopt, tparams, nparams, "after load")
    _advance(topt, nopt, tparams, nparams, grads[10:])


def test_load_state_dict_errors_match_torch():
    init, _ = _stream(8, steps=1)
    tparams, nparams = _leaves(init)
    tsd = torch.optim.SGD(tparams[:2], lr=0.1).state_dict()
    nsd = numtorch.optim.SGD(nparams[:2], lr=0.1).state_dict()
    cases = [(lambda lib, ps: lib.optim.SGD(ps, lr=0.1), "contains a parameter group"),
             (lambda lib, ps: lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:2]}], lr=0.1),
              "different number of parameter groups")]
    for make, fragment in cases:
        with pytest.raises(ValueError) as te:
            make(torch, tparams).load_state_dict(tsd)
        with pytest.raises(ValueError) as ne:
            make(numtorch, nparams).load_state_dict(nsd)
        assert str(ne.value) == str(te.value)
        assert fragment in str(ne.value)
