"""Module hooks against PyTorch: forward pre-hooks, forward hooks, backward hooks, global hooks.

Each scenario runs with ``torch`` and with ``numtorch`` and records a log of what the
hooks saw (arguments, outputs, gradients, as rounded arrays) and what came out; the
logs must be equal.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

import numtorch

# the shared helpers live beside this file
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_nn_module import arr, build, desc, outcome  # noqa: E402

torch = pytest.importorskip("torch")


def both(fn):
    return fn(torch), fn(numtorch)


def t(lib, a, requires_grad=False):
    return lib.tensor(np.asarray(a, dtype=np.float32), requires_grad=requires_grad)


def scale_module(lib):
    nn = lib.nn

    class Scale(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.w = nn.Parameter(t(lib, w))

        def forward(self, x, k=1.0):
            return x * self.w * k

    return Scale


def mix_module(lib):
    nn = lib.nn

    class Mix(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(t(lib, [1.0, -2.0]))

        def forward(self, a, b, k):
            return a * self.w * k, a * b, 3

    return Mix


# ---- forward hooks ------------------------------------------------------------------------

def _forward_order(lib):
    log = []
    m = scale_module(lib)([1.0, 2.0])
    m.register_forward_pre_hook(lambda mod, args: log.append(("pre1", desc(args))))
    m.register_forward_pre_hook(lambda mod, args: log.append(("pre0", desc(args))), prepend=True)
    m.register_forward_pre_hook(
        lambda mod, args, kwargs: log.append(("pre_kw", desc(args), desc(kwargs))), with_kwargs=True
    )
    m.register_forward_hook(lambda mod, args, out: log.append(("fwd1", desc(args), desc(out))))
    m.register_forward_hook(lambda mod, args, out: log.append(("fwd0", desc(out))), prepend=True)
    m.register_forward_hook(
        lambda mod, args, kwargs, out: log.append(("fwd_kw", desc(kwargs), desc(out))),
        with_kwargs=True,
    )
    out = m(t(lib, [3.0, 4.0]), k=2.0)
    return log, desc(out)


def _replace_input(lib, ret):
    m = scale_module(lib)([1.0, 2.0])
    m.register_forward_pre_hook(lambda mod, args: ret(lib, args))
    return desc(m(t(lib, [3.0, 4.0])))


def _replace_with_kwargs(lib):
    m = scale_module(lib)([1.0, 2.0])
    m.register_forward_pre_hook(
        lambda mod, args, kwargs: ((args[0] + 1,), {"k": 10.0}), with_kwargs=True)
    return desc(m(t(lib, [3.0, 4.0]), k=2.0))


def _bad_kwargs_return(lib):
    m = scale_module(lib)([1.0, 2.0])
    m.register_forward_pre_hook(lambda mod, args, kwargs: "nope", with_kwargs=True)
    return m(t(lib, [3.0, 4.0]))


def _replace_output(lib):
    log = []
    m = scale_module(lib)([1.0, 2.0])
    m.register_forward_hook(lambda mod, args, out: out * 10)
    m.register_forward_hook(lambda mod, args, out: log.append(desc(out)))
    m.register_forward_hook(lambda mod, args, out: (out, "extra"))
    return log, desc(m(t(lib, [3.0, 4.0])))


def _remove(lib):
    log = []
    m = scale_module(lib)([1.0, 2.0])
    h1 = m.register_forward_hook(lambda mod, args, out: log.append("a"))
    h2 = m.register_forward_pre_hook(lambda mod, args: log.append("b"), with_kwargs=False)
    h3 = m.register_forward_hook(lambda mod, a, kw, out: log.append("c"), with_kwargs=True)
    m(t(lib, [1.0, 1.0]))
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    m(t(lib, [1.0, 1.0]))
    with h3:
        pass
    m(t(lib, [1.0, 1.0]))
    return log, len(m._forward_hooks), len(m._forward_hooks_with_kwargs), len(m._forward_pre_hooks)


def _always_call(lib):
    log = []
    nn = lib.nn

    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    m.register_forward_hook(lambda mod, args, out: log.append(("normal", out)))
    m.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
    m.register_forward_hook(
        lambda mod, args, kw, out: log.append(("always_kw", kw)), always_call=True, with_kwargs=True
    )
    try:
        m(t(lib, [1.0]))
    except ValueError as e:
        log.append(str(e))
    return log


def _nested(lib):
    log = []
    net = build(lib)
    for name, mod in net.named_modules():
        mod.register_forward_pre_hook(lambda m, a, name=name: log.append(("pre", name)))
        mod.register_forward_hook(
            lambda m, a, o, name=name: log.append(("post", name, tuple(o.shape)))
        )
    net(lib.tensor(arr((2, 4), 1)))
    return log


def _global(lib):
    log = []
    mm = lib.nn.modules.module
    m = scale_module(lib)([1.0, 2.0])
    m.register_forward_pre_hook(lambda mod, args: log.append("local_pre"))
    m.register_forward_hook(lambda mod, args, out: log.append("local_fwd"))
    handles = [
        mm.register_module_forward_pre_hook(
            lambda mod, args: log.append(("global_pre", type(mod).__name__))
        ),
        mm.register_module_forward_hook(lambda mod, args, out: log.append("global_fwd")),
        mm.register_module_forward_hook(
            lambda mod, args, kw, out: log.append(("global_kw", desc(kw))), with_kwargs=True
        ),
    ]
    try:
        out = m(t(lib, [1.0, 1.0]), k=3.0)
    finally:
        for h in handles:
            h.remove()
    m(t(lib, [1.0, 1.0]))
    return log, desc(out)


def _global_registration(lib):
    log = []
    mm = lib.nn.modules.module
    nn = lib.nn
    handles = [
        mm.register_module_parameter_registration_hook(lambda m, n, p: log.append(("param", n))),
        mm.register_module_buffer_registration_hook(lambda m, n, b: log.append(("buffer", n))),
        mm.register_module_module_registration_hook(lambda m, n, s: log.append(("module", n))),
    ]
    try:
        m = nn.Module()
        m.p = nn.Parameter(t(lib, [1.0]))
        m.register_buffer("b", t(lib, [1.0]))
        m.c = nn.Module()
        m.add_module("d", nn.Module())
        nn.Sequential(nn.Module())
    finally:
        for h in handles:
            h.remove()
    m.q = nn.Parameter(t(lib, [1.0]))
    return log


FORWARD_CASES = {
    "order": _forward_order,
    "replace_input_single": lambda lib: _replace_input(lib, lambda lib, a: a[0] * 2),
    "replace_input_tuple": lambda lib: _replace_input(lib, lambda lib, a: (a[0] * 3,)),
    "replace_input_none": lambda lib: _replace_input(lib, lambda lib, a: None),
    "replace_with_kwargs": _replace_with_kwargs,
    "bad_kwargs_return": _bad_kwargs_return,
    "replace_output": _replace_output,
    "remove": _remove,
    "always_call": _always_call,
    "nested": _nested,
    "global": _global,
    "global_registration": _global_registration,
}


@pytest.mark.parametrize("case", sorted(FORWARD_CASES))
def test_forward_hooks_match_torch(case):
    expected, got = both(lambda lib: outcome(FORWARD_CASES[case], lib))
    assert (expected[0] == "ok") == ("bad" not in case)
    assert got == expected


# ---- backward hooks -----------------------------------------------------------------------

def _backward(lib, setup, loss=lambda outs: outs[0].sum(), args=None):
    """Run Mix with hooks installed by ``setup(lib, m, log)``; log hooks and final grads."""
    log = []
    m = mix_module(lib)()
    setup(lib, m, log)
    a = t(lib, [1.0, 2.0], requires_grad=True)
    b = t(lib, [3.0, -4.0], requires_grad=True)
    call_args = args(lib, a, b) if args else (a, b, 2.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        outs = m(*call_args)
        loss(outs).backward()
    return log, desc(a.grad), desc(b.grad), desc(m.w.grad), [str(x.message)[:40] for x in w]


def _hooks(*pre, full=(), pre_ret=None, full_ret=None):
    def setup(lib, m, log):
        for name in pre:
            m.register_full_backward_pre_hook(
                lambda mod, go, name=name: (log.append((name, desc(go))),
                                            pre_ret(go) if pre_ret else None)[1]
            )
        for name in full:
            m.register_full_backward_hook(
                lambda mod, gi, go, name=name: (log.append((name, desc(gi), desc(go))),
                                                full_ret(gi) if full_ret else None)[1])
    return setup


def _prepend(lib, m, log):
    m.register_full_backward_hook(lambda mod, gi, go: log.append("second"))
    m.register_full_backward_hook(lambda mod, gi, go: log.append("first"), prepend=True)
    m.register_full_backward_pre_hook(lambda mod, go: log.append("pre_second"))
    m.register_full_backward_pre_hook(lambda mod, go: log.append("pre_first"), prepend=True)


def _removed(lib, m, log):
    h = m.register_full_backward_hook(lambda mod, gi, go: log.append("gone"))
    m.register_full_backward_pre_hook(lambda mod, go: log.append("kept"))
    h.remove()


BACKWARD_CASES = {
    "order_values": lambda lib: _backward(lib, _hooks("pre", full=("full",))),
    "two_outputs_used": lambda lib: _backward(lib, _hooks("pre", full=("full",)),
                                              loss=lambda o: o[0].sum() + (o[1] * o[1]).sum()),
    "input_without_grad": lambda lib: _backward(lib, _hooks("pre", full=("full",)),
                                                args=lambda lib, a, b: (a, b.detach(), 2.0)),
    "no_input_requires_grad": lambda lib: _backward(
        lib, _hooks("pre", full=("full",)), args=lambda lib, a, b: (a.detach(), b.detach(), 2.0)),
    "replace_grad_output": lambda lib: _backward(
        lib, _hooks("pre1", "pre2", full=("full",), pre_ret=lambda go: (go[0] * 10, go[1], go[2]))),
    "replace_grad_input": lambda lib: _backward(
        lib, _hooks(full=("f1", "f2"), full_ret=lambda gi: (gi[0] + 100, gi[1], gi[2]))),
    "wrong_grad_input_count": lambda lib: _backward(
        lib, _hooks(full=("f",), full_ret=lambda gi: gi[:1])
    ),
    "wrong_grad_output_count": lambda lib: _backward(lib, _hooks("p", pre_ret=lambda go: go[:2])),
    "prepend": lambda lib: _backward(lib, _prepend),
    "removed": lambda lib: _backward(lib, _removed),
    "pre_only": lambda lib: _backward(lib, _hooks("pre")),
}


@pytest.mark.parametrize("case", sorted(BACKWARD_CASES))
def test_backward_hooks_match_torch(case):
    expected, got = both(lambda lib: outcome(BACKWARD_CASES[case], lib))
    assert (expected[0] == "ok") == ("wrong" not in case)
    assert got == expected


def _second_output_only(lib):
    return _backward(lib, _hooks("pre", full=("full",)), loss=lambda o: o[1].sum())


def test_unused_output_hooks_and_input_grads_match_torch():
    expected, got = both(_second_output_only)
    # hook log, a.grad, b.grad (m.w.grad: see the next test)
    assert got[:3] == expected[:3]


def test_unused_output_parameter_grad_is_none():
    expected, got = both(_second_output_only)
    assert got[3] == expected[3]


def _reset_global_backward_kind(lib):
    """The kind (full or legacy) of global backward hook is remembered even after removal."""
    if lib is torch:
        torch.nn.modules.module._global_is_full_backward_hook = None
    else:
        numtorch.nn.modules._hooks._global_is_full_backward_hook[0] = None


def _global_backward_case(lib):
    mm = lib.nn.modules.module
    log = []
    hs = [
        mm.register_module_full_backward_pre_hook(
            lambda mod, go: log.append(("g_pre", type(mod).__name__))
        ),
        mm.register_module_full_backward_hook(
            lambda mod, gi, go: log.append(("g_full", type(mod).__name__))
        ),
    ]
    try:
        m = mix_module(lib)()
        m.register_full_backward_hook(lambda mod, gi, go: log.append("full"))
        m.register_full_backward_pre_hook(lambda mod, go: log.append("pre"))
        a = t(lib, [1.0, 2.0], requires_grad=True)
        m(a, a, 1.0)[0].sum().backward()
    finally:
        for h in hs:
            h.remove()
        _reset_global_backward_kind(lib)
    m(a, a, 1.0)[0].sum().backward()
    return log


def _nested_backward(lib):
    log = []
    net = build(lib)
    for name, mod in net.named_modules():
        if name in ("", "missing"):
            continue
        mod.register_full_backward_pre_hook(lambda m, go, name=name: log.append(("pre", name)))
        mod.register_full_backward_hook(
            lambda m, gi, go, name=name: log.append(("full", name, desc(gi)[1][0][1]))
        )
    x = lib.tensor(arr((2, 4), 1), requires_grad=True)
    net(x).sum().backward()
    return log, desc(x.grad)


def _mixed_kinds(lib):
    m = mix_module(lib)()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    return m.register_backward_hook(lambda mod, gi, go: None)


def _mixed_kinds_reverse(lib):
    m = mix_module(lib)()
    m.register_backward_hook(lambda mod, gi, go: None)
    return m.register_full_backward_hook(lambda mod, gi, go: None)


def _no_grad_mode(lib):
    log = []
    m = scale_module(lib)([1.0, 2.0])
    m.register_full_backward_hook(lambda mod, gi, go: log.append("full"))
    x = t(lib, [1.0, 1.0], requires_grad=True)
    with lib.no_grad():
        y = m(x)
    return log, y.requires_grad, y.grad_fn is None


def _retain_twice(lib):
    log = []
    m = scale_module(lib)([1.0, 2.0])
    m.register_full_backward_hook(lambda mod, gi, go: log.append(desc(gi)))
    x = t(lib, [1.0, 1.0], requires_grad=True)
    y = m(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return log, desc(x.grad)


def _kwargs_tensor(lib):
    log = []
    m = scale_module(lib)([1.0, 2.0])
    m.register_full_backward_hook(lambda mod, gi, go: log.append((desc(gi), desc(go))))
    x = t(lib, [1.0, 1.0], requires_grad=True)
    k = t(lib, [3.0, 3.0], requires_grad=True)
    m(x, k=k).sum().backward()
    return log, desc(x.grad), desc(k.grad)


def _grad_fn_name(lib):
    m = scale_module(lib)([1.0, 2.0])
    m.register_full_backward_hook(lambda mod, gi, go: None)
    return m(t(lib, [1.0, 1.0], requires_grad=True)).grad_fn.name()


def _legacy(lib, fwd, prep=lambda x: x, global_=False):
    nn = lib.nn
    log = []

    class Legacy(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(t(lib, [1.0, 2.0]))

        forward = fwd

    m = Legacy()
    hook = lambda mod, gi, go: log.append((desc(gi), desc(go)))  # noqa: E731
    if global_:
        handle = lib.nn.modules.module.register_module_backward_hook(hook)
    else:
        m.register_backward_hook(hook)
    x = t(lib, [3.0, 4.0], requires_grad=True)
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = m(prep(x))
            out = out[0] if isinstance(out, (tuple, list)) else out
            (out * t(lib, [1.0, 10.0])).sum().backward()
    finally:
        if global_:
            handle.remove()
            _reset_global_backward_kind(lib)
    return log, desc(x.grad), [(x.category.__name__, str(x.message)) for x in w]


OTHER_BACKWARD_CASES = {
    "legacy_two_nodes": lambda lib: _legacy(lib, lambda self, x: x * self.w),
    "legacy_one_node": lambda lib: _legacy(lib, lambda self, x: x * self.w, prep=lambda x: x * 1),
    "legacy_tuple": lambda lib: _legacy(lib, lambda self, x: (x * self.w, x + 1)),
    "legacy_list": lambda lib: _legacy(lib, lambda self, x: [x * self.w]),
    "legacy_global": lambda lib: _legacy(lib, lambda self, x: x * self.w, global_=True),

    "global": _global_backward_case,
    "nested": _nested_backward,
    "mixed_kinds": _mixed_kinds,
    "mixed_kinds_reverse": _mixed_kinds_reverse,
    "no_grad_mode": _no_grad_mode,
    "retain_twice": _retain_twice,
    "kwargs_tensor": _kwargs_tensor,
    "grad_fn_name": _grad_fn_name,
}


@pytest.mark.parametrize("case", sorted(OTHER_BACKWARD_CASES))
def test_other_backward_hooks_match_torch(case):
    expected, got = both(lambda lib: outcome(OTHER_BACKWARD_CASES[case], lib))
    assert (expected[0] == "ok") == ("mixed" not in case)
    assert got == expected


def test_fast_path_skips_hook_machinery(monkeypatch):
    """With no hook anywhere, ``__call__`` goes straight to ``forward``."""
    m = scale_module(numtorch)([1.0, 2.0])
    called = []
    monkeypatch.setattr(type(m), "_call_with_hooks", lambda *a: called.append(a))
    m(t(numtorch, [1.0, 1.0]))
    assert called == []
    m.register_forward_hook(lambda *a: None)
    m(t(numtorch, [1.0, 1.0]))
    assert len(called) == 1
