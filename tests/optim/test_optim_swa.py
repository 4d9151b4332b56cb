"""Stochastic weight averaging (``optim.swa_utils``) against PyTorch: averaged parameters and
buffers, EMA variants, the SWALR schedule, BatchNorm statistics refresh, and errors."""

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")


def _models():
    """The same small network (with BatchNorm) in both libraries."""
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2))
    nmodel = numtorch.nn.Sequential(
        numtorch.nn.Linear(3, 4), numtorch.nn.BatchNorm1d(4), numtorch.nn.ReLU(),
        numtorch.nn.Linear(4, 2),
    )
    nmodel.load_state_dict(
        {k: numtorch.tensor(v.numpy().copy()) for k, v in tmodel.state_dict().items()}
    )
    return tmodel, nmodel


def _perturb(tmodel, nmodel, rng):
    """Give both models the same new parameters and BatchNorm statistics."""
    with torch.no_grad():
        for t in tmodel.parameters():
            t.copy_(torch.tensor(rng.standard_normal(tuple(t.shape)).astype(np.float32)))
        for t in tmodel.buffers():  # running statistics: positive, so the forward stays finite
            if t.is_floating_point():
                t.copy_(torch.tensor(rng.uniform(0.5, 2.0, tuple(t.shape)).astype(np.float32)))
    nmodel.load_state_dict(
        {k: numtorch.tensor(v.numpy().copy()) for k, v in tmodel.state_dict().items()}
    )


def _assert_same_model(tm, nm):
    tsd, nsd = tm.state_dict(), nm.state_dict()
    assert list(nsd) == list(tsd)
    for k in tsd:
        np.testing.assert_allclose(
            nsd[k].detach().numpy(), tsd[k].numpy(), rtol=1e-6, atol=1e-7, err_msg=k
        )


@pytest.mark.parametrize("variant", ["swa", "swa-buffers", "ema-multi", "ema-avg", "custom-avg"])
def test_averaged_model_matches_torch(variant):
    rng = np.random.default_rng(1)
    tmodel, nmodel = _models()
    kwargs = {
        "swa": lambda lib: {},
        "swa-buffers": lambda lib: {"use_buffers": True},
        "ema-multi": lambda lib: {"multi_avg_fn": lib.optim.swa_utils.get_ema_multi_avg_fn(0.9)},
        "ema-avg": lambda lib: {"avg_fn": lib.optim.swa_utils.get_ema_avg_fn(0.8),
                                "use_buffers": True},
        "custom-avg": lambda lib: {"avg_fn": lambda avg, cur, n: avg * 0.5 + cur * 0.5},
    }[variant]
    tswa = torch.optim.swa_utils.AveragedModel(tmodel, **kwargs(torch))
    nswa = numtorch.optim.swa_utils.AveragedModel(nmodel, **kwargs(numtorch))
    for _ in range(6):
        _perturb(tmodel, nmodel, rng)
        tswa.update_parameters(tmodel)
        nswa.update_parameters(nmodel)
        _assert_same_model(tswa, nswa)
    assert int(nswa.n_averaged) == int(tswa.n_averaged) == 6
    x = rng.standard_normal((5, 3)).astype(np.float32)
    tswa.eval()
    nswa.eval()
    np.testing.assert_allclose(nswa(numtorch.tensor(x)).detach().numpy(),
                               tswa(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_update_bn_matches_torch():
    rng = np.random.default_rng(2)
    tmodel, nmodel = _models()
    batches = [rng.standard_normal((8, 3)).astype(np.float32) * (i + 1) for i in range(4)]
    tmodel.eval()
    nmodel.eval()
    torch.optim.swa_utils.update_bn([(torch.tensor(b), 0) for b in batches], tmodel)
    numtorch.optim.swa_utils.update_bn([(numtorch.tensor(b), 0) for b in batches], nmodel)
    _assert_same_model(tmodel, nmodel)
    assert nmodel.training is False and nmodel[1].momentum == tmodel[1].momentum == 0.1


@pytest.mark.parametrize(
    "kw",
    [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.01], anneal_epochs=5, anneal_strategy="linear"),
     dict(swa_lr=0.2, anneal_epochs=0)],
)
def test_swalr_matches_torch(kw):
    traces = []
    for lib in (torch, numtorch):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1)
        sched = lib.optim.swa_utils.SWALR(opt, **kw)
        trace = [list(sched.get_last_lr())]
        for _ in range(20):
            opt.step()
            sched.step()
            trace.append(list(sched.get_last_lr()))
        state = {k: v for k, v in sched.state_dict().items() if not callable(v)}
        traces.append((trace, state))
    assert traces[1] == traces[0]


@pytest.mark.parametrize("build,error,message", [
    (lambda lib: lib.optim.swa_utils.get_ema_avg_fn(1.5), ValueError,
     "Invalid decay value 1.5 provided. Please provide a value in [0,1] range."),
    (lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(-0.1), ValueError,
     "Invalid decay value -0.1"),
    (lambda lib: lib.optim.swa_utils.SWALR(lib.optim.SGD([lib.zeros(1, requires_grad=True)]), 0.1,
                                           anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (lambda lib: lib.optim.swa_utils.SWALR(lib.optim.SGD([lib.zeros(1, requires_grad=True)]), 0.1,
                                           anneal_epochs=-1), ValueError,
     "anneal_epochs must be equal or greater than 0, got -1"),
    (lambda lib: lib.optim.swa_utils.AveragedModel(lib.nn.Linear(1, 1), avg_fn=lambda *a: 0,
                                                   multi_avg_fn=lambda *a: 0), AssertionError,
     "Only one of avg_fn and multi_avg_fn should be provided"),
])
def test_errors_match_torch(build, error, message):
    for lib in (torch, numtorch):
        with pytest.raises(error) as info:
            build(lib)
        assert str(info.value) == message or message in str(info.value)
