"""``torch.autocast``, ``torch.amp.GradScaler`` (and their ``torch.cpu.amp``/``torch.cuda.amp``
spellings) and ``torch.compile`` behave as PyTorch's do on a machine without CUDA.

The autocast state (``is_autocast_enabled``, ``get_autocast_dtype``, nesting, decorators), the
warnings and errors, a disabled CUDA scaler, a working CPU scaler step by step, and an unmodified
script under ``python -m numtorch run`` printing the same as under PyTorch.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch

torch = pytest.importorskip("torch")


def _dtype_name(dt) -> str:
    # numtorch has no bfloat16: None stands for it (NOTE [ autocast keeps float32 ])
    return "torch.bfloat16" if dt is None else str(dt)


def _recorded(fn):
    """``fn()``'s result and the (category, message) of each warning it raised, ours filtered."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [(w.category.__name__, str(w.message)) for w in caught
                 if not str(w.message).startswith("numtorch computes in float32")]


def _state(T, device):
    return (T.is_autocast_enabled(device), _dtype_name(T.get_autocast_dtype(device)),
            T.is_autocast_cache_enabled())


# (device_type, dtype name or None, enabled, cache_enabled)
AUTOCAST_CASES = [
    ("cpu", None, True, None), ("cpu", "float16", True, False), ("cpu", "bfloat16", True, None),
    ("cpu", "float32", True, None), ("cpu", "float64", True, None), ("cpu", None, False, None),
    ("cuda", None, True, None), ("cuda", "float16", True, True), ("cuda", "float16", False, None),
    ("cpu:0", None, False, None), ("mps", None, False, None), ("xpu", "float16", False, None),
]


@pytest.mark.parametrize("device,dtype,enabled,cache", AUTOCAST_CASES)
def test_autocast_state_and_warnings(device, dtype, enabled, cache):
    def run(T):
        # numtorch has no bfloat16: None stands for it, the CPU's default
        dt = None if dtype is None else getattr(T, dtype, None)
        base = device.partition(":")[0]
        outside = _state(T, base)
        ctx = T.autocast(device, dtype=dt, enabled=enabled, cache_enabled=cache)
        with ctx as entered:
            assert entered is ctx
            inside = _state(T, base)
            with T.autocast(base, enabled=False):
                nested = _state(T, base)
            again = _state(T, base)
        return outside, inside, nested, again, _state(T, base), _dtype_name(ctx.fast_dtype)

    tres, twarn = _recorded(lambda: run(torch))
    nres, nwarn = _recorded(lambda: run(numtorch))
    assert nres == tres
    assert nwarn == twarn


def test_autocast_enabled_cpu_warns_once_that_float32_is_kept(monkeypatch):
    from numtorch.amp import autocast_mode

    monkeypatch.setattr(autocast_mode, "_warned", [False])
    with pytest.warns(UserWarning, match="numtorch computes in float32 inside autocast"):
        numtorch.autocast("cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with numtorch.autocast("cpu", dtype=numtorch.float16):
            x = numtorch.ones(2, 2)
            assert (x @ x).dtype == numtorch.float32  # nothing is cast


def test_autocast_as_decorator_and_amp_alias():
    for T in (torch, numtorch):
        assert T.amp.autocast is T.autocast

        @T.autocast("cpu", enabled=False)
        def f(x, T=T):
            """doc"""
            return T.is_autocast_enabled("cpu"), x

        assert f.__name__ == "f" and f.__doc__ == "doc"
        with T.autocast("cpu", dtype=T.float16):
            assert f(1) == (False, 1)
            assert T.is_autocast_enabled("cpu")
        assert not T.is_autocast_enabled("cpu")
        assert T.amp.is_autocast_available("cpu") and T.amp.is_autocast_available("cuda")
        assert not T.amp.is_autocast_available("meta")


def test_autocast_restores_state_when_the_body_raises():
    for T in (torch, numtorch):
        with pytest.raises(KeyError):
            with T.autocast("cpu", dtype=T.float16):
                raise KeyError
        assert not T.is_autocast_enabled("cpu")
        assert str(T.get_autocast_dtype("cpu")) in ("torch.bfloat16", "None")


AUTOCAST_ERRORS = [
    lambda T: T.autocast("foo"),
    lambda T: T.autocast("meta"),
    lambda T: T.autocast(T.device("cpu")),
    lambda T: T.autocast(None),
    lambda T: T.autocast(),
    lambda T: T.autocast("cpu", enabled=False)(3),
    lambda T: T.is_autocast_enabled(3),
    lambda T: T.is_autocast_enabled("foo"),
    lambda T: T.get_autocast_dtype("lazy"),
    lambda T: T.set_autocast_enabled("cpu", 1),
    lambda T: T.amp.custom_fwd(device_type=T.device("cpu")),
]


@pytest.mark.parametrize("call", AUTOCAST_ERRORS)
def test_autocast_errors(call):
    assert_same_error(lambda: call(torch), lambda: call(numtorch))


def test_device_specific_spellings_warn_like_torch():
    def run(T):
        with T.cpu.amp.autocast(enabled=False) as a:
            inner = (type(a).__name__, a.device, T.is_autocast_enabled("cpu"))
        with T.cuda.amp.autocast() as b:
            inner += (b.device, _dtype_name(b.fast_dtype), T.is_autocast_enabled("cuda"))
        s = T.cuda.amp.GradScaler()
        c = T.cpu.amp.GradScaler(init_scale=8.0)
        return inner + (s.is_enabled(), c.is_enabled(), c.get_scale(), type(s).__name__)

    tres, twarn = _recorded(lambda: run(torch))
    nres, nwarn = _recorded(lambda: run(numtorch))
    assert nres == tres
    assert nwarn == twarn


class _Opt:
    """An optimizer stand-in that counts its steps."""

    def __init__(self, params):
        self.param_groups = [{"params": list(params)}]
        self.steps = 0

    def step(self, *args, **kwargs):
        self.steps += 1
        return ("stepped", args, kwargs)


@pytest.mark.parametrize("make", [lambda T: T.amp.GradScaler(),
                                  lambda T: T.amp.GradScaler("cuda", init_scale=4.0),
                                  lambda T: T.amp.GradScaler("cpu", enabled=False),
                                  lambda T: T.cuda.amp.GradScaler(growth_factor=0.5)])
def test_disabled_scaler_is_a_pass_through(make):
    def run(T):
        s = make(T)
        loss = T.tensor(3.0)
        outs = [loss, (loss, [loss])]
        opt = _Opt([T.ones(2, requires_grad=True)])
        scaled = [s.scale(o) for o in outs]
        s.unscale_(opt)
        ret = s.step(opt, 1, closure=None)
        s.update()
        s.load_state_dict({})
        return (scaled[0] is loss, scaled[1] is outs[1], ret, opt.steps, s.get_scale(),
                s.state_dict(), s.is_enabled(), s._get_growth_tracker())

    tres, twarn = _recorded(lambda: run(torch))
    nres, nwarn = _recorded(lambda: run(numtorch))
    assert nres == tres
    assert nwarn == twarn


class _SGD(_Opt):
    """Plain gradient descent, ``p -= lr * grad`` (elementwise, so exact in both libraries)."""

    def __init__(self, T, params, lr):
        super().__init__(params)
        self.T, self.lr = T, lr

    def step(self):
        with self.T.no_grad():
            for p in self.param_groups[0]["params"]:
                p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None


def _cpu_scaler_run(T, grads, **kw):
    w = T.zeros(3, requires_grad=True)
    opt = _SGD(T, [w], 0.5)
    s = T.amp.GradScaler("cpu", **kw)
    log = []
    for g in grads:
        opt.zero_grad()
        (s.scale(T.tensor(g) * w).sum()).backward()
        log.append(w.grad.numpy().copy())
        s.unscale_(opt)
        log.append(w.grad.numpy().copy())
        s.step(opt)
        s.update()
        log += [w.detach().numpy().copy(), s.get_scale(), s._get_growth_tracker()]
    return log, s.state_dict()


def test_cpu_scaler_matches_torch_step_by_step():
    grads = [np.array([1.0, -2.0, 0.5], np.float32), np.array([3.0, 1e38, -1.0], np.float32),
             np.array([np.inf, 1.0, 1.0], np.float32), np.array([0.25, 0.5, 2.0], np.float32),
             np.array([1.0, 1.0, 1.0], np.float32), np.array([-1.0, 7.0, 0.125], np.float32)]
    kw = dict(init_scale=2.0**10, growth_factor=3.0, backoff_factor=0.25, growth_interval=2)
    tlog, tstate = _cpu_scaler_run(torch, grads, **kw)
    nlog, nstate = _cpu_scaler_run(numtorch, grads, **kw)
    assert nstate == tstate
    for a, b in zip(nlog, tlog):
        np.testing.assert_array_equal(a, b)


def test_cpu_scaler_state_dict_round_trip_and_scale_of_lists():
    for T in (torch, numtorch):
        s = T.amp.GradScaler("cpu", init_scale=16.0)
        assert s.get_scale() == 16.0
        x = T.tensor([1.0, 2.0])
        a, (b,) = s.scale([x, (x,)])
        assert a.tolist() == b.tolist() == [16.0, 32.0]
        t = T.amp.GradScaler("cpu")
        t.load_state_dict(dict(s.state_dict(), scale=4.0, _growth_tracker=3))
        assert t.get_scale() == 4.0 and t._get_growth_tracker() == 3
    s, t = numtorch.amp.GradScaler("cpu"), torch.amp.GradScaler("cpu")
    assert_close(s.scale(numtorch.tensor(2.0)), t.scale(torch.tensor(2.0)))


def _scaler_misuse(T, what):
    w = T.zeros(2, requires_grad=True)
    opt = _SGD(T, [w], 0.1)
    if what == "bad-growth":
        return T.amp.GradScaler("cpu", growth_factor=1.0)
    if what == "bad-backoff":
        return T.amp.GradScaler("cpu", backoff_factor=1.0)
    s = T.amp.GradScaler("cpu")
    if what == "update-first":
        return s.update()
    if what == "empty-state":
        return s.load_state_dict({})
    if what == "not-iterable":
        return s.scale(3.0)
    s.scale(w.sum()).backward()
    if what == "closure":
        return s.step(opt, closure=lambda: 0)
    s.unscale_(opt)
    if what == "unscale-twice":
        return s.unscale_(opt)
    s.step(opt)
    if what == "step-twice":
        return s.step(opt)
    if what == "unscale-after-step":
        return s.unscale_(opt)
    if what == "bad-new-scale":
        return s.update(T.ones(2))
    raise AssertionError(what)


@pytest.mark.parametrize("what", ["bad-growth", "bad-backoff", "update-first", "empty-state",
                                  "not-iterable", "closure", "unscale-twice", "step-twice",
                                  "unscale-after-step", "bad-new-scale"])
def test_cpu_scaler_errors(what):
    assert_same_error(lambda: _scaler_misuse(torch, what), lambda: _scaler_misuse(numtorch, what))


def test_compile_returns_the_model_unchanged():
    m = numtorch.nn.Linear(2, 2)
    assert numtorch.compile(m) is m
    assert numtorch.compile(m, mode="max-autotune", fullgraph=True, dynamic=False,
                            backend="inductor", options=None, disable=False) is m

    @numtorch.compile
    def f(x):
        return x + 1

    @numtorch.compile(mode="reduce-overhead")
    def g(x):
        return x * 2

    assert f(1) == 2 and g(3) == 6 and f.__name__ == "f" and g.__name__ == "g"


SCRIPT = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    import torch
    import torch.amp
    import torch.cpu.amp
    import torch.cuda.amp
    from torch.cuda.amp import GradScaler
    from torch.amp import autocast

    with warnings.catch_warnings(record=True) as caught:
        scaler = GradScaler(enabled=True)
        ctx = autocast(device_type="cuda", dtype=torch.float16)
        legacy = torch.cuda.amp.autocast()
    for w in caught:
        print(w.category.__name__, str(w.message))
    with ctx:
        print(torch.is_autocast_enabled("cuda"), torch.get_autocast_dtype("cuda"))
    with torch.cpu.amp.autocast(enabled=False):
        print(torch.is_autocast_enabled("cpu"))
    model = torch.nn.Linear(2, 1)
    loss = model(torch.ones(1, 2)).sum()
    scaler.scale(loss).backward()
    scaler.update()
    print(loss.grad_fn is not None, scaler.get_scale(), scaler.state_dict(), scaler.is_enabled())
""")


def test_unmodified_script_under_the_runner(tmp_path):
    path = tmp_path / "amp_script.py"
    path.write_text(SCRIPT)
    got = subprocess.run([sys.executable, "-m", "numtorch", "run", str(path)], capture_output=True,
                         text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    want = io.StringIO()  # the same script under PyTorch, run here (a second interpreter is slow)
    with contextlib.redirect_stdout(want):
        exec(compile(SCRIPT, str(path), "exec"), {"__name__": "__main__"})
    assert got.stdout == want.getvalue()
