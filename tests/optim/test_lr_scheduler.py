"""Learning-rate schedulers against PyTorch: the learning-rate (and momentum) sequence over
300 steps, state dicts, the deprecated ``step(epoch)`` form, warnings, and errors."""

import warnings

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")

STEPS = 300


def _optimizer(lib, kind="SGD"):
    """An optimizer with two parameter groups that have different learning rates."""
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return getattr(lib.optim, kind)(groups, lr=0.1)


def _lr_lambda(epoch):
    return 0.97 ** epoch


class _Scale:
    """A callable object (its ``__dict__`` goes into state dicts)."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, epoch):
        return self.factor


S = "lr_scheduler"
SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=30, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[30, 80, 80, 200], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.99),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lr_lambda=_lr_lambda),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, lr_lambda=[_lr_lambda, lambda e: 1.0 / (1 + e)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(
        o, lr_lambda=lambda e: 0.98 if e % 3 else 1.01
    ),
    "MultiplicativeLR-object": lambda L, o: L.MultiplicativeLR(o, lr_lambda=_Scale(0.99)),
    "LinearLR-warmup": lambda L, o: L.LinearLR(o, start_factor=0.1, total_iters=50),
    "LinearLR-decay": lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=100),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=40),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=20, T_mult=2, eta_min=1e-4
    ),
    "CosineAnnealingWarmRestarts-T1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=25),
    "CyclicLR-triangular": lambda L, o: L.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=25),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, base_lr=[0.001, 0.002], max_lr=[0.1, 0.05],
                                                    step_size_up=20, step_size_down=40,
                                                    mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=30,
                                                   mode="exp_range", gamma=0.995),
    "CyclicLR-custom": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=10,
                                                scale_fn=lambda x: 1 / (1 + 0.01 * x),
                                                scale_mode="iterations",
                                                cycle_momentum=False),
    "OneCycleLR-cos": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=STEPS),
    "OneCycleLR-linear-3phase": lambda L, o: L.OneCycleLR(o, max_lr=[0.1, 0.2], epochs=10,
                                                          steps_per_epoch=30,
                                                          anneal_strategy="linear",
                                                          three_phase=True, pct_start=0.25),
    "OneCycleLR-no-momentum": lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=STEPS + 5,
                                                         cycle_momentum=False, div_factor=10.0),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=250, power=2.0),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o,
        [L.LinearLR(o, start_factor=0.1, total_iters=10), L.ExponentialLR(o, gamma=0.99)],
        milestones=[10],
    ),
    "SequentialLR-3": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.2, total_iters=15), L.CosineAnnealingLR(o, T_max=40),
            L.StepLR(o, step_size=7, gamma=0.8)], milestones=[20, 120]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.1, total_iters=20), L.ExponentialLR(o, gamma=0.99)]),
    "ChainedScheduler-optimizer": lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.5, total_iters=30), L.MultiStepLR(o, milestones=[50, 100])],
        optimizer=o,
    ),
}
ADAM_CASES = ["CyclicLR-triangular", "OneCycleLR-cos", "CosineAnnealingLR"]


def _trace(lib, name, kind="SGD", steps=STEPS):
    """The learning rates (and momenta) after construction and after each of ``steps`` steps."""
    opt = _optimizer(lib, kind)
    sched = SCHEDULERS[name](getattr(lib.optim, S), opt)

    def snapshot():
        groups = [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]
        return (list(sched.get_last_lr()), groups)

    out = [snapshot()]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(snapshot())
    return out, sched


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch(name):
    tout, _ = _trace(torch, name)
    nout, _ = _trace(numtorch, name)
    for k, (t, n) in enumerate(zip(tout, nout)):
        assert n == t, f"step {k}: {n} != {t}"


@pytest.mark.parametrize("name", ADAM_CASES)
def test_beta1_cycling_with_adam(name):
    tout, _ = _trace(torch, name, "Adam", steps=100)
    nout, _ = _trace(numtorch, name, "Adam", steps=100)
    assert nout == tout


def _plain(value):
    """State-dict values in a comparable form (functions and bound methods dropped)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_matches_torch_and_round_trips(name):
    _, tsched = _trace(torch, name, steps=100)
    nout, nsched = _trace(numtorch, name, steps=200)
    _, nsched100 = _trace(numtorch, name, steps=100)
    tsd, nsd = tsched.state_dict(), nsched100.state_dict()
    assert sorted(nsd) == sorted(tsd)
    assert _plain(nsd) == _plain(tsd)

    # Resume: a fresh optimizer and scheduler, loaded from the states at step 100.
    opt = _optimizer(numtorch)
    sched = SCHEDULERS[name](numtorch.optim.lr_scheduler, opt)
    sched.load_state_dict(nsched100.state_dict())
    opt.load_state_dict(nsched100.optimizer.state_dict())
    for k in range(100, 200):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == nout[k + 1][0], f"step {k + 1}"


@pytest.mark.parametrize(
    "config",
    [dict(), dict(mode="max"), dict(threshold_mode="abs", threshold=0.05),
     dict(mode="max", threshold_mode="abs", patience=2, cooldown=3),
     dict(factor=0.5, patience=3, min_lr=[0.01, 0.02]),
     dict(factor=0.5, patience=0, min_lr=0.004, eps=1e-3)],
)
def test_reduce_lr_on_plateau_matches_torch(config):
    rng = np.random.default_rng(0)
    metrics = np.cumsum(rng.standard_normal(STEPS) * 0.1) + np.linspace(3, 1, STEPS)
    traces = []
    for lib in (torch, numtorch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **config)
        trace = []
        for m in metrics:
            opt.step()
            sched.step(float(m))
            trace.append(
                (list(sched.get_last_lr()), sched.num_bad_epochs, sched.cooldown_counter,
                 sched.best)
            )
        traces.append((trace, _plain(sched.state_dict())))
    assert traces[1] == traces[0]


@pytest.mark.parametrize(
    "name",
    ["StepLR", "MultiStepLR", "ExponentialLR", "LinearLR-decay", "ConstantLR",
     "CosineAnnealingLR", "PolynomialLR", "LambdaLR", "CosineAnnealingWarmRestarts"],
)
def test_deprecated_epoch_argument(name):
    epochs = [
        3, 10, 31, 32, 55, 81, 120, 5, 260, 7.5 if name == "CosineAnnealingWarmRestarts" else 7
    ]
    traces = []
    for lib in (torch, numtorch):
        opt = _optimizer(lib)
        sched = SCHEDULERS[name](lib.optim.lr_scheduler, opt)
        trace = []
        for e in epochs:
            opt.step()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sched.step(e)
            trace.append((list(sched.get_last_lr()), [str(w.message) for w in caught]))
        traces.append(trace)
    assert traces[1] == traces[0]


def _warnings_of(lib, order):
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if order == "scheduler first":
            sched.step()
            opt.step()
        elif order == "optimizer replaced":
            opt.step = lambda closure=None: None
            opt.step()
            sched.step()
        else:
            opt.step()
            sched.step()
        sched.step()
    return [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("order", ["scheduler first", "optimizer first", "optimizer replaced"])
def test_step_order_warning_matches_torch(order):
    got, want = _warnings_of(numtorch, order), _warnings_of(torch, order)
    assert got == want
    if order == "scheduler first":
        assert (
            len(got) == 1
            and "Detected call of `lr_scheduler.step()` before `optimizer.step()`" in got[0][1]
        )
    if order == "optimizer first":
        assert got == []


def test_get_lr_outside_step_warns():
    for lib in (torch, numtorch):
        sched = lib.optim.lr_scheduler.StepLR(_optimizer(lib), step_size=2)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()


def test_resume_with_last_epoch():
    traces = []
    for lib in (torch, numtorch):
        opt = _optimizer(lib)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5, last_epoch=5)
        trace = [list(sched.get_last_lr())]
        for _ in range(10):
            opt.step()
            sched.step()
            trace.append(list(sched.get_last_lr()))
        traces.append(trace)
    assert traces[1] == traces[0]


def _sched_error(build):
    with pytest.raises(Exception) as te:
        build(torch)
    with pytest.raises(Exception) as ne:
        build(numtorch)
    assert type(ne.value) is type(te.value)
    assert str(ne.value) == str(te.value)
    return str(ne.value)


def _one_cycle_overrun(lib):
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    for _ in range(11):
        opt.step()
        sched.step()


L = "lr_scheduler"
SCHED_ERRORS = [
    ("not-optimizer", lambda lib: lib.optim.lr_scheduler.StepLR(3, step_size=1),
     "int is not an Optimizer"),
    ("constant-factor", lambda lib: lib.optim.lr_scheduler.ConstantLR(_optimizer(lib), factor=2.0),
     "between 0 and 1"),
    ("linear-start", lambda lib: lib.optim.lr_scheduler.LinearLR(_optimizer(lib), start_factor=0),
     "Starting"),
    ("linear-end", lambda lib: lib.optim.lr_scheduler.LinearLR(_optimizer(lib), end_factor=1.5),
     "Ending"),
    ("lambda-count", lambda lib: lib.optim.lr_scheduler.LambdaLR(_optimizer(lib), [_lr_lambda]),
     "Expected 2 lr_lambdas, but got 1"),
    ("multiplicative-not-callable",
     lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(_optimizer(lib), [1, 2]),
     "lr_lambda should be a function, but got int"),
    ("warm-T0",
     lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(lib), T_0=0),
     "Expected positive integer T_0, but got 0"),
    (
        "warm-Tmult",
        lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            _optimizer(lib), 5, T_mult=0
        ),
        "Expected integer T_mult >= 1, but got 0",
    ),
    (
        "warm-eta",
        lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            _optimizer(lib), 5, eta_min="a"
        ),
        "Expected float or int eta_min",
    ),
    ("cyclic-mode",
     lambda lib: lib.optim.lr_scheduler.CyclicLR(_optimizer(lib), 0.01, 0.1, mode="square"),
     "mode is invalid and scale_fn is None"),
    ("cyclic-momentum",
     lambda lib: lib.optim.lr_scheduler.CyclicLR(_optimizer(lib, "Adagrad"), 0.01, 0.1),
     "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
    ("cyclic-lr-count", lambda lib: lib.optim.lr_scheduler.CyclicLR(_optimizer(lib), [0.01], 0.1),
     "base_lr must have the same length as optimizer.param_groups"),
    ("onecycle-steps", lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), max_lr=0.1),
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    ("onecycle-total",
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), 0.1, total_steps=-1),
     "Expected positive integer total_steps, but got -1"),
    (
        "onecycle-epochs",
        lambda lib: lib.optim.lr_scheduler.OneCycleLR(
            _optimizer(lib), 0.1, epochs=0, steps_per_epoch=3
        ),
        "Expected positive integer epochs, but got 0",
    ),
    ("onecycle-pct",
     lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), 0.1, 10, pct_start=1.5),
     "Expected float between 0 and 1 pct_start, but got 1.5"),
    ("onecycle-anneal", lambda lib: lib.optim.lr_scheduler.OneCycleLR(_optimizer(lib), 0.1, 10,
                                                                       anneal_strategy="exp"),
     "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    ("onecycle-overrun", _one_cycle_overrun,
     "Tried to step 11 times. The specified number of total steps is 10"),
    ("sequential-milestones", lambda lib: lib.optim.lr_scheduler.SequentialLR(
        (o := _optimizer(lib)), [lib.optim.lr_scheduler.StepLR(o, 2)], milestones=[3]),
     "Sequential Schedulers expects number of schedulers provided to be one more"),
    ("sequential-empty",
     lambda lib: lib.optim.lr_scheduler.SequentialLR(_optimizer(lib), [], milestones=[]),
     "SequentialLR expects at least one scheduler, but got no scheduler."),
    ("sequential-plateau", lambda lib: lib.optim.lr_scheduler.SequentialLR(
        (o := _optimizer(lib)), [lib.optim.lr_scheduler.ReduceLROnPlateau(o)], milestones=[]),
     "does not support `ReduceLROnPlateau`"),
    ("chained-empty", lambda lib: lib.optim.lr_scheduler.ChainedScheduler([]),
     "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler."),
    ("plateau-factor",
     lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), factor=1.0),
     "Factor should be < 1.0."),
    ("plateau-mode",
     lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), mode="avg"),
     "mode avg is unknown!"),
    ("plateau-threshold-mode", lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        _optimizer(lib), threshold_mode="pct"), "threshold mode pct is unknown!"),
    ("plateau-min-lrs",
     lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), min_lr=[0.1]),
     "expected 2 min_lrs, got 1"),
    ("resume-without-initial-lr",
     lambda lib: lib.optim.lr_scheduler.StepLR(_optimizer(lib), 2, last_epoch=3),
     "param 'initial_lr' is not specified in param_groups[0]"),
]


@pytest.mark.parametrize("name,build,fragment", SCHED_ERRORS, ids=[e[0] for e in SCHED_ERRORS])
def test_errors_match_torch(name, build, fragment):
    assert fragment in _sched_error(build)


def test_scheduler_with_tensor_lr():
    traces = []
    for lib in (torch, numtorch):
        opt = lib.optim.Adam([lib.zeros(2, requires_grad=True)], lr=lib.tensor(0.1))
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        trace = []
        for _ in range(5):
            opt.step()
            sched.step()
            trace.append((float(opt.param_groups[0]["lr"]), float(sched.get_last_lr()[0]),
                          type(sched.get_last_lr()[0]).__name__))
        traces.append(trace)
    assert traces[1] == traces[0]
