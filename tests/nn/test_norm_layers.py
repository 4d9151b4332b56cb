"""GroupNorm, InstanceNorm1d/2d/3d and LocalResponseNorm against PyTorch: outputs and gradients
(input, weight, bias) over a table of configurations, running statistics after training steps,
eval mode, float64 gradcheck, repr, state_dict keys, and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
import numtorch.nn as nnn
import numtorch.nn.functional as NF
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-5, atol=1e-5)


def _data(shape, seed=0, noncontig=False, dtype=np.float32):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype) * 2 + 0.5
    if noncontig:  # the same values, laid out transposed in memory
        a = np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)
    return a


def _pair(a, grad=True):
    t = torch.from_numpy(a.copy()).requires_grad_(grad)
    n = numtorch.from_numpy(a.copy()).requires_grad_(grad)
    return t, n


# (id, function, input shape, args, kwargs, non-contiguous input?); "W"/"B"/"RM"/"RV" in the
# kwargs stand for a per-channel weight, bias, running mean or running variance.
FUNCS = [
    ("gn", "group_norm", (2, 6, 5), (3,), dict(weight="W", bias="B"), False),
    ("gn-one-group", "group_norm", (3, 4, 2, 3), (1,), dict(weight="W", bias="B"), False),
    ("gn-per-channel", "group_norm", (2, 4, 7), (4,), dict(weight="W"), False),
    ("gn-plain", "group_norm", (2, 6, 3, 2), (2,), dict(eps=1e-3), False),
    ("gn-2d", "group_norm", (5, 6), (3,), dict(weight="W", bias="B"), False),
    ("gn-3d", "group_norm", (1, 4, 3, 2, 3), (2,), dict(weight="W", bias="B"), False),
    ("gn-noncontig", "group_norm", (2, 4, 5, 3), (2,), dict(weight="W", bias="B"), True),
    ("in", "instance_norm", (3, 4, 5), (), {}, False),
    ("in-affine", "instance_norm", (2, 3, 4, 5), (), dict(weight="W", bias="B"), False),
    ("in-stats", "instance_norm", (2, 3, 6), (), dict(running_mean="RM", running_var="RV",
                                                      weight="W", bias="B", momentum=0.3), False),
    ("in-eval", "instance_norm", (2, 3, 4, 4), (), dict(running_mean="RM", running_var="RV",
                                                        use_input_stats=False), False),
    ("in-3d", "instance_norm", (1, 2, 3, 2, 4), (), dict(weight="W", eps=1e-3), False),
    ("in-noncontig", "instance_norm", (2, 3, 4, 5), (), dict(weight="W", bias="B"), True),
    ("lrn-3d", "local_response_norm", (2, 5, 4), (3,), {}, False),
    ("lrn-even", "local_response_norm", (2, 6, 3, 4), (2,), dict(alpha=0.1, beta=0.5, k=2.0),
     False),
    ("lrn-wide", "local_response_norm", (1, 3, 4, 2), (5,), dict(alpha=1.0, beta=1.0), False),
    ("lrn-5d", "local_response_norm", (2, 4, 2, 3, 2), (3,), dict(alpha=0.5), False),
    ("lrn-noncontig", "local_response_norm", (2, 4, 3, 5), (3,), dict(alpha=0.3), True),
]


def _channel_args(kwargs, c, grad):
    """The kwargs with W/B/RM/RV placeholders replaced by (torch, numtorch) tensor pairs."""
    rng = np.random.default_rng(7)
    values = {"W": rng.standard_normal(c).astype(np.float32) + 1,
              "B": rng.standard_normal(c).astype(np.float32),
              "RM": rng.standard_normal(c).astype(np.float32),
              "RV": rng.random(c).astype(np.float32) + 0.5}
    tk, nk, params = {}, {}, []
    for k, v in kwargs.items():
        if isinstance(v, str):
            t, n = _pair(values[v], grad=grad and v in "WB")
            tk[k], nk[k] = t, n
            params.append((k, t, n))
        else:
            tk[k] = nk[k] = v
    return tk, nk, params


@pytest.mark.parametrize("fn,shape,args,kwargs,noncontig", [r[1:] for r in FUNCS],
                         ids=[r[0] for r in FUNCS])
def test_functional_matches_torch(fn, shape, args, kwargs, noncontig):
    t, n = _pair(_data(shape, noncontig=noncontig))
    tk, nk, params = _channel_args(kwargs, shape[1], grad=True)
    yt = getattr(TF, fn)(t, *args, **tk)
    yn = getattr(NF, fn)(n, *args, **nk)
    assert_close(yn, yt, **TOL)
    assert type(yn.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = _data(shape, seed=3)
    yt.backward(torch.from_numpy(g))
    yn.backward(numtorch.from_numpy(g))
    assert_close(n.grad, t.grad, **TOL)
    for _, pt, pn in params:  # weight/bias gradients; running statistics after the update
        if pt.requires_grad:
            assert_close(pn.grad, pt.grad, **TOL)
        else:
            assert_close(pn, pt, **TOL)


GRADCHECK = [
    ("group_norm", (2, 4, 3), (2,), ("weight", "bias")),
    ("group_norm", (3, 6), (3,), ("weight",)),
    ("instance_norm", (2, 3, 4), (), ("weight", "bias")),
    ("local_response_norm", (2, 4, 3, 2), (3,), ()),
    ("local_response_norm", (2, 3, 4), (2,), ()),
]


@pytest.mark.parametrize("fn,shape,args,params", GRADCHECK,
                         ids=[f"{r[0]}-{len(r[1])}d" for r in GRADCHECK])
def test_gradcheck_float64(fn, shape, args, params):
    rng = np.random.default_rng(1)
    x = numtorch.tensor(rng.standard_normal(shape), dtype=numtorch.float64, requires_grad=True)
    ps = [numtorch.tensor(rng.standard_normal(shape[1]), dtype=numtorch.float64,
                          requires_grad=True) for _ in params]
    func = getattr(NF, fn)
    assert gradcheck(lambda x, *p: func(x, *args, **dict(zip(params, p))), (x, *ps))


# (id, make(nn), input shape, train steps before the eval call)
MODULES = [
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 6), (3, 6, 4), 1),
    ("GroupNorm_noaffine", lambda nn: nn.GroupNorm(3, 3, eps=1e-3, affine=False), (2, 3, 2, 2), 1),
    ("GroupNorm_nobias", lambda nn: nn.GroupNorm(1, 4, bias=False), (2, 4, 5), 1),
    ("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(3), (2, 3, 6), 1),
    ("InstanceNorm1d_unbatched", lambda nn: nn.InstanceNorm1d(3, affine=True), (3, 6), 1),
    ("InstanceNorm1d_tracked", lambda nn: nn.InstanceNorm1d(4, momentum=0.2, affine=True,
                                                           track_running_stats=True), (3, 4, 5), 3),
    ("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5), 1),
    ("InstanceNorm2d_tracked", lambda nn: nn.InstanceNorm2d(2, track_running_stats=True),
     (2, 2, 3, 3), 2),
    ("InstanceNorm2d_cumulative", lambda nn: nn.InstanceNorm2d(2, momentum=None, affine=True,
                                                              track_running_stats=True),
     (2, 2, 3, 3), 2),
    ("InstanceNorm2d_unbatched_tracked", lambda nn: nn.InstanceNorm2d(
        3, affine=True, track_running_stats=True), (3, 4, 2), 2),
    ("InstanceNorm3d", lambda nn: nn.InstanceNorm3d(2, affine=True, bias=False),
     (2, 2, 3, 2, 3), 1),
    ("InstanceNorm3d_tracked", lambda nn: nn.InstanceNorm3d(2, track_running_stats=True),
     (1, 2, 2, 3, 2), 2),
    ("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3), (2, 5, 3, 3), 1),
    ("LocalResponseNorm_args", lambda nn: nn.LocalResponseNorm(2, alpha=0.2, beta=0.6, k=1.5),
     (2, 4, 6), 1),
]


@pytest.mark.parametrize("make,shape,steps", [r[1:] for r in MODULES], ids=[r[0] for r in MODULES])
def test_module_matches_torch(make, shape, steps):
    tm, nm = make(tnn), make(nnn)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict()) == list(tm.state_dict())
    with torch.no_grad():  # distinct weights, so a swapped weight/bias shows
        for p in tm.parameters():
            p.copy_(torch.randn(p.shape))
    nm.load_state_dict({k: numtorch.from_numpy(v.numpy().copy())
                        for k, v in tm.state_dict().items()})
    for step in range(steps):
        t, n = _pair(_data(shape, seed=step))
        yt, yn = tm(t), nm(n)
        assert_close(yn, yt, **TOL)
        g = _data(shape, seed=10 + step)
        yt.backward(torch.from_numpy(g))
        yn.backward(numtorch.from_numpy(g))
        assert_close(n.grad, t.grad, **TOL)
    for (_, pt), (_, pn) in zip(tm.named_parameters(), nm.named_parameters()):
        assert_close(pn.grad, pt.grad, **TOL)
    for (_, bt), (_, bn) in zip(tm.named_buffers(), nm.named_buffers()):
        assert_close(bn, bt, **TOL)
    tm.eval()
    nm.eval()
    t, n = _pair(_data(shape, seed=99))
    assert_close(nm(n), tm(t), **TOL)


def _mismatch_warning(nn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(3)((torch if nn is tnn else numtorch).ones(2, 4, 5))
    return [str(w.message) for w in caught]


def test_instance_norm_channel_mismatch_warns():
    assert _mismatch_warning(nnn) == _mismatch_warning(tnn)


def _x(lib, shape, dtype="float32"):
    return lib.ones(shape, dtype=getattr(lib, dtype))


# (id, call(lib, F, nn)) raising the same error in both libraries
ERRORS = [
    ("gn-1d", lambda lib, F, nn: F.group_norm(_x(lib, (4,)), 2)),
    ("gn-one-value", lambda lib, F, nn: F.group_norm(_x(lib, (1, 3)), 3)),
    ("gn-zero-groups", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4)), 0)),
    ("gn-negative-groups", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3)), -1)),
    ("gn-not-divisible", lambda lib, F, nn: F.group_norm(_x(lib, (2, 3, 4)), 2)),
    ("gn-weight-shape", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3)), 2, _x(lib, (3,)))),
    ("gn-weight-2d", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3)), 2, _x(lib, (2, 2)))),
    ("gn-bias-shape", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3)), 2, None, _x(lib, (5,)))),
    ("gn-bias-shape-with-weight", lambda lib, F, nn: F.group_norm(
        _x(lib, (2, 4, 3)), 2, _x(lib, (4,)), _x(lib, (5,)))),
    ("gn-long", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3), "long"), 2)),
    ("gn-weight-dtype", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3)), 2,
                                                        _x(lib, (4,), "float64"))),
    ("gn-mixed-dtype", lambda lib, F, nn: F.group_norm(_x(lib, (2, 4, 3), "float64"), 2,
                                                       _x(lib, (4,)))),
    ("in-one-spatial", lambda lib, F, nn: F.instance_norm(_x(lib, (2, 3, 1)))),
    ("in-1d", lambda lib, F, nn: F.instance_norm(_x(lib, (3,)))),
    ("in-no-stats", lambda lib, F, nn: F.instance_norm(_x(lib, (2, 3, 4)), use_input_stats=False)),
    ("in-running-mean-size", lambda lib, F, nn: F.instance_norm(_x(lib, (2, 3, 4)), _x(lib, (4,)),
                                                                _x(lib, (3,)))),
    ("in-weight-size", lambda lib, F, nn: F.instance_norm(_x(lib, (2, 3, 4)), None, None,
                                                          _x(lib, (4,)))),
    ("in-long", lambda lib, F, nn: F.instance_norm(_x(lib, (2, 3, 4), "long"))),
    ("lrn-2d", lambda lib, F, nn: F.local_response_norm(_x(lib, (2, 3)), 2)),
    ("lrn-size-0", lambda lib, F, nn: F.local_response_norm(_x(lib, (2, 3, 4)), 0)),
    ("GroupNorm-not-divisible", lambda lib, F, nn: nn.GroupNorm(3, 4)),
    ("GroupNorm-zero", lambda lib, F, nn: nn.GroupNorm(0, 4)),
    ("GroupNorm-wrong-channels", lambda lib, F, nn: nn.GroupNorm(2, 4)(_x(lib, (2, 6, 3)))),
    ("InstanceNorm1d-4d", lambda lib, F, nn: nn.InstanceNorm1d(3)(_x(lib, (2, 3, 4, 5)))),
    ("InstanceNorm2d-2d", lambda lib, F, nn: nn.InstanceNorm2d(3)(_x(lib, (2, 3)))),
    ("InstanceNorm3d-6d", lambda lib, F, nn: nn.InstanceNorm3d(3)(_x(lib, (1, 3, 2, 2, 2, 2)))),
    ("InstanceNorm2d-affine-channels", lambda lib, F, nn: nn.InstanceNorm2d(3, affine=True)(
        _x(lib, (2, 4, 3, 3)))),
    ("InstanceNorm1d-one-spatial", lambda lib, F, nn: nn.InstanceNorm1d(3)(_x(lib, (2, 3, 1)))),
    ("InstanceNorm1d-old-checkpoint", lambda lib, F, nn: nn.InstanceNorm1d(3).load_state_dict(
        {"running_mean": _x(lib, (3,)), "running_var": _x(lib, (3,))})),
    ("LocalResponseNorm-2d", lambda lib, F, nn: nn.LocalResponseNorm(2)(_x(lib, (4, 3)))),
]


@pytest.mark.parametrize("call", [r[1] for r in ERRORS], ids=[r[0] for r in ERRORS])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(torch, TF, tnn), lambda: call(numtorch, NF, nnn))


def test_empty_inputs():
    for fn, shape, args in [("group_norm", (0, 4, 3), (2,)), ("group_norm", (2, 4, 0), (2,)),
                            ("local_response_norm", (0, 3, 4), (2,))]:
        t, n = _pair(np.zeros(shape, np.float32))
        yt, yn = getattr(TF, fn)(t, *args), getattr(NF, fn)(n, *args)
        assert_close(yn, yt)


def test_exports():
    for name in ("group_norm", "instance_norm", "local_response_norm"):
        assert name in NF.__all__
    for name in ("GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
                 "LocalResponseNorm"):
        assert name in nnn.modules.__all__ and getattr(nnn, name).__name__ == name


@pytest.mark.parametrize("make", [lambda L, **kw: L.nn.GroupNorm(2, 4, **kw),
                                  lambda L, **kw: L.nn.LayerNorm(4, **kw)])
def test_affine_parameters_follow_the_device(make):
    """A CUDA device, given or the default, fails at construction as on a CPU-only PyTorch."""
    assert_same_error(lambda: make(torch, device="cuda"), lambda: make(numtorch, device="cuda"))
    for L in (torch, numtorch):
        L.set_default_device("cuda")
    try:
        assert_same_error(lambda: make(torch), lambda: make(numtorch))
    finally:
        for L in (torch, numtorch):
            L.set_default_device(None)
