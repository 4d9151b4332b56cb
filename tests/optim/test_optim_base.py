"""The Optimizer base against PyTorch: validation errors, parameter groups, zero_grad, hooks,
closures, printing, and the guide's training loop running unchanged."""

import importlib
import warnings

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")


def _optimizer_module(lib):
    return importlib.import_module(lib.__name__ + ".optim.optimizer")


def _params(lib):
    rng = np.random.default_rng(0)
    return [lib.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True),
            lib.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)]


def _raises_like_torch(build):
    """``build(lib)`` raises the same exception type with the same message in both libraries."""
    with pytest.raises(Exception) as te:
        build(torch)
    with pytest.raises(Exception) as ne:
        build(numtorch)
    assert type(ne.value) is type(te.value), f"{type(ne.value)} vs {type(te.value)}: {te.value}"
    assert str(ne.value) == str(te.value)
    return str(ne.value)


# ---- hyperparameter validation ------------------------------------------------------------
def _o(name, **kw):
    return lambda lib: getattr(lib.optim, name)(_params(lib), **kw)


ERRORS = [
    ("sgd-lr", _o("SGD", lr=-0.1), "Invalid learning rate: -0.1"),
    ("sgd-momentum", _o("SGD", momentum=-0.5), "Invalid momentum value: -0.5"),
    ("sgd-wd", _o("SGD", weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    ("sgd-nesterov", _o("SGD", nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("sgd-nesterov-damp", _o("SGD", momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    ("sgd-fused-foreach", _o("SGD", fused=True, foreach=True), "cannot be `True` together"),
    ("sgd-fused-diff", _o("SGD", fused=True, differentiable=True),
     "does not support `differentiable`"),
    ("adam-lr", _o("Adam", lr=-1.0), "Invalid learning rate: -1.0"),
    ("adam-eps", _o("Adam", eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("adam-beta0", _o("Adam", betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("adam-beta1", _o("Adam", betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("adam-wd", _o("Adam", weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("adam-betas-mixed", lambda lib: lib.optim.Adam(_params(lib), betas=(0.9, lib.tensor(0.99))),
     "betas must be either both floats or both Tensors"),
    ("adam-lr-tensor", lambda lib: lib.optim.Adam(_params(lib), lr=lib.tensor([0.1, 0.2])),
     "Tensor lr must be 1-element"),
    ("adam-lr-tensor-foreach",
     lambda lib: lib.optim.Adam(_params(lib), lr=lib.tensor(0.1), foreach=True),
     "lr as a Tensor is not supported"),
    ("adamw-eps", _o("AdamW", eps=-1.0), "Invalid epsilon value: -1.0"),
    ("adamw-fused-foreach", _o("AdamW", fused=True, foreach=True), "together"),
    ("rmsprop-alpha", _o("RMSprop", alpha=-0.1), "Invalid alpha value: -0.1"),
    ("rmsprop-momentum", _o("RMSprop", momentum=-0.1), "Invalid momentum value: -0.1"),
    ("rmsprop-eps", _o("RMSprop", eps=-0.1), "Invalid epsilon value: -0.1"),
    ("adagrad-lr-decay", _o("Adagrad", lr_decay=-0.1), "Invalid lr_decay value: -0.1"),
    ("adagrad-init", _o("Adagrad", initial_accumulator_value=-0.1),
     "Invalid initial_accumulator_value value: -0.1"),
    ("adagrad-eps", _o("Adagrad", eps=-0.1), "Invalid epsilon value: -0.1"),
    ("adadelta-rho", _o("Adadelta", rho=1.5), "Invalid rho value: 1.5"),
    ("adadelta-lr", _o("Adadelta", lr=-2.0), "Invalid learning rate: -2.0"),
    ("adamax-beta", _o("Adamax", betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("nadam-momentum-decay", _o("NAdam", momentum_decay=-0.1),
     "Invalid momentum_decay value: -0.1"),
    ("nadam-beta", _o("NAdam", betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("radam-wd", _o("RAdam", weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("asgd-wd", _o("ASGD", weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("asgd-lr", _o("ASGD", lr=-0.1), "Invalid learning rate: -0.1"),
    ("rprop-etas", _o("Rprop", etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    ("adafactor-lr", _o("Adafactor", lr=-1.0), "Learning rate should be >= 0 but is: -1.0"),
    ("adafactor-beta2-decay", _o("Adafactor", beta2_decay=0.5),
     "beta2_decay should be <= 0 but is: 0.5"),
    ("adafactor-eps1", _o("Adafactor", eps=(-1.0, 1e-3)), "epsilon1 should be >= 0 but is: -1.0"),
    ("adafactor-eps2", _o("Adafactor", eps=(None, -1.0)), "epsilon2 should be >= 0 but is: -1.0"),
    ("adafactor-d", _o("Adafactor", d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
    ("adafactor-wd", _o("Adafactor", weight_decay=-0.5),
     "weight_decay should be >= 0 but is: -0.5"),
    ("muon-lr", lambda lib: lib.optim.Muon([_params(lib)[0]], lr=-0.1),
     "Learning rate should be >= 0 but is: -0.1"),
    ("muon-momentum", lambda lib: lib.optim.Muon([_params(lib)[0]], momentum=-0.1),
     "momentum should be >= 0"),
    ("muon-wd", lambda lib: lib.optim.Muon([_params(lib)[0]], weight_decay=-0.1),
     "weight decay should be >= 0"),
    ("muon-adjust", lambda lib: lib.optim.Muon([_params(lib)[0]], adjust_lr_fn="sqrt"),
     "Adjust learning rate function sqrt is not supported"),
    ("muon-1d", lambda lib: lib.optim.Muon(_params(lib)),
     "Muon only supports 2D parameters whereas we found a parameter with size: torch.Size([3])"),
    ("sparse-adam-lr", _o("SparseAdam", lr=0.0), "Invalid learning rate: 0.0"),
    ("sparse-adam-eps", _o("SparseAdam", eps=0.0), "Invalid epsilon value: 0.0"),
    ("sparse-adam-beta", _o("SparseAdam", betas=(0.9, 1.0)),
     "Invalid beta parameter at index 1: 1.0"),
    ("lbfgs-lr", _o("LBFGS", lr=-1.0), "Invalid learning rate: -1.0"),
    ("lbfgs-groups", lambda lib: lib.optim.LBFGS([{"params": [p]} for p in _params(lib)]),
     "LBFGS doesn't support per-parameter options (parameter groups)"),
    # the base class
    ("params-tensor", lambda lib: lib.optim.SGD(_params(lib)[0], lr=0.1),
     "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
     "torch.FloatTensor"),
    ("params-empty", lambda lib: lib.optim.SGD([], lr=0.1),
     "optimizer got an empty parameter list"),
    ("params-not-tensor", lambda lib: lib.optim.SGD([1.5], lr=0.1),
     "optimizer can only optimize Tensors, but one of the params is float"),
    ("params-non-leaf", lambda lib: lib.optim.SGD([_params(lib)[0] * 2], lr=0.1),
     "can't optimize a non-leaf Tensor"),
    ("params-set", lambda lib: lib.optim.SGD([{"params": set(_params(lib))}], lr=0.1),
     "optimizer parameters need to be organized in ordered collections"),
    ("param-group-not-dict", lambda lib: lib.optim.SGD(_params(lib), lr=0.1).add_param_group([1]),
     "param_group must be a dict, but got <class 'list'>"),
    ("names-missing", lambda lib: lib.optim.SGD([("a", _params(lib)[0]), _params(lib)[1]], lr=0.1),
     "all optimizer params should be with/without names. Some param names are missing"),
    ("names-mixed-groups", lambda lib: lib.optim.SGD([{"params": [("a", _params(lib)[0])]},
                                                      {"params": [_params(lib)[1]]}], lr=0.1),
     "all optimizer param groups should be with/without names. cannot add param group without "
     "names to the optimizer"),
]


@pytest.mark.parametrize("name,build,fragment", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, build, fragment):
    message = _raises_like_torch(build)
    assert fragment in message


def test_parameter_in_two_groups():
    def build(lib):
        p = _params(lib)
        opt = lib.optim.SGD([{"params": p}], lr=0.1)
        opt.add_param_group({"params": [p[1]], "lr": 0.5})
    assert _raises_like_torch(build) == "some parameters appear in more than one parameter group"


def test_required_option_missing_from_group():
    def build(lib):
        class Custom(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {"lr": _optimizer_module(lib).required, "beta": 0.5})
        Custom(_params(lib))
    assert _raises_like_torch(build) == ("parameter group didn't specify a value of required "
                                         "optimization parameter lr")


def test_duplicate_parameters_warn_like_torch():
    messages = []
    for lib in (torch, numtorch):
        p = _params(lib)[0]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.optim.SGD([p, p], lr=0.1)
        messages.append([str(w.message) for w in caught if "duplicate" in str(w.message)])
    assert messages[1] == messages[0] and len(messages[0]) == 1


# ---- groups, defaults, printing --------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
     "ASGD", "Rprop", "LBFGS", "Adafactor", "SparseAdam"],
)
def test_defaults_groups_and_repr_match_torch(name):
    topt = getattr(torch.optim, name)(_params(torch))
    nopt = getattr(numtorch.optim, name)(_params(numtorch))
    assert nopt.defaults == topt.defaults
    assert [sorted(g) for g in nopt.param_groups] == [sorted(g) for g in topt.param_groups]
    assert repr(nopt) == repr(topt)
    assert nopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_muon_defaults_and_repr_match_torch():
    topt = torch.optim.Muon([_params(torch)[0]])
    nopt = numtorch.optim.Muon([_params(numtorch)[0]])
    assert nopt.defaults == topt.defaults
    assert repr(nopt) == repr(topt)


def test_namespace_matches_torch():
    public = {name for name in dir(torch.optim) if not name.startswith("_")}
    missing = public - set(dir(numtorch.optim))
    assert not missing
    for name in ["LRScheduler", "StepLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR"]:
        assert hasattr(numtorch.optim.lr_scheduler, name)


def test_add_param_group_and_named_parameters():
    for lib in (torch, numtorch):
        a, b = _params(lib)
        opt = lib.optim.Adam([("w", a)], lr=0.1, betas=(0.8, 0.9))
        opt.add_param_group({"params": [("b", b)], "lr": 0.01})
        groups = opt.param_groups
        assert [g["lr"] for g in groups] == [0.1, 0.01]
        assert [g["betas"] for g in groups] == [(0.8, 0.9), (0.8, 0.9)]
        assert [g["param_names"] for g in groups] == [["w"], ["b"]]
        assert opt.state_dict()["param_groups"][1]["params"] == [1]


# ---- zero_grad, closures, skipped parameters -------------------------------------------------
@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = _params(numtorch)
    opt = numtorch.optim.SGD(p, lr=0.1)
    p[0].grad = numtorch.ones(2, 3)
    grad = p[0].grad
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p[0].grad is None
    else:
        assert p[0].grad is grad and not grad.detach().numpy().any()
    assert p[1].grad is None


def test_zero_grad_defaults_to_none():
    p = _params(numtorch)
    opt = numtorch.optim.Adam(p)
    p[0].grad = numtorch.ones(2, 3)
    opt.zero_grad()
    assert p[0].grad is None


def test_parameters_without_grad_are_skipped():
    p = _params(numtorch)
    before = [x.detach().numpy().copy() for x in p]
    opt = numtorch.optim.Adam(p, lr=0.1)
    p[0].grad = numtorch.ones(2, 3)
    opt.step()
    assert (p[0].detach().numpy() != before[0]).all()
    np.testing.assert_array_equal(p[1].detach().numpy(), before[1])
    assert p[1] not in opt.state and len(opt.state) == 1


def test_closure_runs_with_grad_and_loss_is_returned():
    seen = []
    p = _params(numtorch)
    opt = numtorch.optim.SGD(p, lr=0.1)

    def closure():
        seen.append(numtorch.is_grad_enabled())
        opt.zero_grad()
        loss = (p[0] * p[0]).sum()
        loss.backward()
        return loss

    with numtorch.no_grad():
        loss = opt.step(closure)
        assert numtorch.is_grad_enabled() is False  # the caller's mode is restored
    assert seen == [True]
    assert isinstance(loss, numtorch.Tensor)
    assert opt.step() is None


def test_step_runs_without_grad():
    p = _params(numtorch)
    opt = numtorch.optim.SGD(p, lr=0.1)
    p[0].grad = numtorch.ones(2, 3)
    opt.step()
    assert p[0].grad_fn is None and p[0].is_leaf


# ---- hooks ---------------------------------------------------------------------------------
def _hook_log(lib):
    log = []
    p = _params(lib)
    opt = lib.optim.SGD(p, lr=0.1)
    p[0].grad = lib.ones(2, 3)
    h1 = opt.register_step_pre_hook(
        lambda o, args, kwargs: log.append(("pre", o is opt, args[1:], kwargs))
    )
    h2 = opt.register_step_post_hook(
        lambda o, args, kwargs: log.append(("post", o is opt, args[1:], kwargs))
    )
    g1 = _optimizer_module(lib).register_optimizer_step_pre_hook(
        lambda o, a, k: log.append(("global-pre",))
    )
    g2 = _optimizer_module(lib).register_optimizer_step_post_hook(
        lambda o, a, k: log.append(("global-post",))
    )
    opt.step()
    opt.step(closure=None)
    h1.remove()
    g1.remove()
    opt.step()
    h2.remove()
    g2.remove()
    opt.step()
    return log


def test_step_hooks_match_torch():
    assert _hook_log(numtorch) == _hook_log(torch)
    assert _hook_log(numtorch)[:2] == [("global-pre",), ("pre", True, (), {})]


def test_pre_hook_may_replace_arguments():
    calls = []
    p = _params(numtorch)
    opt = numtorch.optim.SGD(p, lr=0.1)

    def closure():
        calls.append(1)
        return 3.0

    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": closure}))
    assert opt.step() == 3.0 and calls == [1]


def test_pre_hook_bad_return_raises():
    p = _params(numtorch)
    opt = numtorch.optim.SGD(p, lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        opt.step()


@pytest.mark.parametrize("lib", [torch, numtorch], ids=["torch", "numtorch"])
def test_state_dict_hooks(lib):
    log = []
    p = _params(lib)
    opt = lib.optim.SGD(p, lr=0.1, momentum=0.9)
    opt.register_state_dict_pre_hook(lambda o: log.append("sd-pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: log.append("load-post"))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert log == ["sd-pre", "load-pre", "load-post"]


# ---- the guide's loop ---------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.01)), ("SGD", dict(lr=0.01, momentum=0.9)),
                                     ("Adam", dict(lr=0.01)), ("AdamW", dict(lr=0.01))])
def test_training_loop_matches_torch(name, kw):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    w0 = rng.standard_normal((4, 1)).astype(np.float32)
    results = []
    for lib in (torch, numtorch):
        w = lib.tensor(w0, requires_grad=True)
        b = lib.zeros(1, requires_grad=True)
        opt = getattr(lib.optim, name)([w, b], **kw)
        losses = []
        for _ in range(20):
            opt.zero_grad()
            loss = ((lib.tensor(x) @ w + b - lib.tensor(y)) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        results.append((losses, w.detach().numpy().copy(), b.detach().numpy().copy()))
    (tl, tw, tb), (nl, nw, nb) = results
    np.testing.assert_allclose(nl, tl, rtol=1e-5)
    np.testing.assert_allclose(nw, tw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nb, tb, rtol=1e-5, atol=1e-6)


def _run_user_optimizer(lib):
    class Signum(lib.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        state = self.state[p]
                        state["count"] = state.get("count", 0) + 1
                        p.add_(lib.sign(p.grad), alpha=-group["lr"])

    calls = []
    params = _params(lib)
    opt = Signum(params, lr=0.25)
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    for _ in range(3):
        params[0].grad = lib.tensor(np.array([[1.0, -2.0, 0.0], [3.0, -1.0, 2.0]], np.float32))
        opt.step()
    return params[0].detach().numpy().copy(), calls, opt.state_dict()["state"]


def test_user_defined_optimizer_runs_like_torch():
    """A custom optimizer written against the documented base-class API works the same way."""
    tw, tcalls, tstate = _run_user_optimizer(torch)
    nw, ncalls, nstate = _run_user_optimizer(numtorch)
    np.testing.assert_array_equal(nw, tw)
    assert ncalls == tcalls == ["post"] * 3
    assert nstate == tstate == {0: {"count": 3}}


def _swap_in_run(lib):
    rng = np.random.default_rng(3)
    params = [
        lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
        for s in [(2, 3), (3,)]
    ]
    opt = lib.optim.Adam(params, lr=0.1)
    for p in params:
        p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    opt.step()
    swap = {
        f"p{i}": lib.tensor(p.detach().numpy() * 2, requires_grad=True)
        for i, p in enumerate(params)
    }
    for p in swap.values():
        p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    sd = opt.state_dict()
    saved = {i: {k: v.clone() for k, v in s.items()} for i, s in sd["state"].items()}
    swap_sd = {"state": saved, "param_groups": [dict(g, lr=0.01) for g in sd["param_groups"]]}
    with lib.optim.swap_in_optimizer_params_and_state(opt, swap, swap_sd):
        inside_lr = opt.param_groups[0]["lr"]
        opt.step()
    return (
        [p.detach().numpy().copy() for p in params],
        [p.detach().numpy().copy() for p in swap.values()], inside_lr, opt.param_groups[0]["lr"],
        float(saved[0]["step"]), float(opt.state[params[0]]["step"]),
    )


def test_swap_in_optimizer_params_and_state_matches_torch():
    t, n = _swap_in_run(torch), _swap_in_run(numtorch)
    for a, b in zip(t[0] + t[1], n[0] + n[1]):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    assert n[2:] == t[2:] == (0.01, 0.1, 2.0, 1.0)


def test_swap_in_requires_initialised_state():
    def build(lib):
        p = _params(lib)
        opt = lib.optim.Adam(p)
        with lib.optim.swap_in_optimizer_params_and_state(opt, {}, opt.state_dict()):
            pass
    assert (
        _raises_like_torch(build)
        == "swap_in_optimizer_params_and_state requires initialized optimizer state."
    )


# ---- every validated option, with odd values ---------------------------------------------------
VALIDATED = {
    "SGD": ["lr", "momentum", "weight_decay", "dampening"], "Adam": ["lr", "eps", "weight_decay"],
    "AdamW": ["lr", "eps", "weight_decay"],
    "RMSprop": ["lr", "alpha", "eps", "weight_decay", "momentum"],
    "Adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
    "Adadelta": ["lr", "rho", "eps", "weight_decay"], "Adamax": ["lr", "eps", "weight_decay"],
    "NAdam": ["lr", "eps", "weight_decay", "momentum_decay"],
    "RAdam": ["lr", "eps", "weight_decay"], "ASGD": ["lr", "weight_decay"], "Rprop": ["lr"],
    "SparseAdam": ["lr", "eps"], "Adafactor": ["lr", "d", "weight_decay", "beta2_decay"],
}


def _outcome(lib, name, kwargs):
    try:
        getattr(lib.optim, name)(_params(lib), **kwargs)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e).__name__, str(e).replace("numtorch", "torch")
    return "ok", ""


@pytest.mark.parametrize("name", list(VALIDATED))
def test_odd_hyperparameters_fail_like_torch(name):
    """Negative, too large, NaN, None and string values: the same outcome (error type and
    message, or acceptance) as PyTorch, for every option the constructor validates."""
    for option in VALIDATED[name]:
        for value in (-0.5, 1.5, float("nan"), None, "x"):
            outcomes = [_outcome(lib, name, {option: value}) for lib in (torch, numtorch)]
            assert outcomes[1] == outcomes[0], f"{name}({option}={value!r})"


def test_adagrad_state_starts_from_the_constructor_value():
    """PyTorch fills ``sum`` from the constructor's ``initial_accumulator_value``, also for a group
    that sets its own and for a group added later."""
    sums = []
    for lib in (torch, numtorch):
        a, b = _params(lib)
        opt = lib.optim.Adagrad(
            [{"params": [a], "initial_accumulator_value": 0.5}], initial_accumulator_value=0.1
        )
        opt.add_param_group({"params": [b], "initial_accumulator_value": 0.7})
        a.grad, b.grad = lib.ones(2, 3), lib.ones(3)
        opt.step()
        sums.append([opt.state[p]["sum"].detach().numpy().copy() for p in (a, b)])
    for n, t in zip(sums[1], sums[0]):
        np.testing.assert_allclose(n, t, rtol=1e-6)


@pytest.mark.parametrize(
    "name",
    ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
     "ASGD", "Rprop", "Adafactor"],
)
def test_old_state_dicts_are_completed_like_torch(name):
    """A state dict from an older version (groups without the implementation flags, numbers for
    the 0-d state) loads with the same group options and the same state types as in PyTorch."""
    core = {"params", "lr", "betas", "eps", "weight_decay", "momentum", "dampening", "alpha", "rho",
            "lr_decay", "initial_accumulator_value", "lambd", "t0", "etas", "step_sizes",
            "momentum_decay", "beta2_decay", "d", "amsgrad", "nesterov", "centered"}
    loaded = []
    for lib in (torch, numtorch):
        p = _params(lib)[1]
        opt = getattr(lib.optim, name)([p])
        p.grad = lib.ones(3)
        opt.step()
        sd = opt.state_dict()
        sd["param_groups"] = [{k: v for k, v in g.items() if k in core} for g in sd["param_groups"]]
        sd["state"] = {
            i: {
                k: float(v) if k in ("step", "mu_product", "eta", "mu") else v for k, v in s.items()
            }
            for i, s in sd["state"].items()
        }
        fresh = getattr(lib.optim, name)([_params(lib)[1]])
        fresh.load_state_dict(sd)
        group = {k: v for k, v in fresh.param_groups[0].items() if k != "params"}
        types = {
            k: isinstance(v, lib.Tensor)
            for k, v in fresh.state[fresh.param_groups[0]["params"][0]].items()
        }
        loaded.append((group, types))
    assert loaded[1] == loaded[0]
