"""Convolution layers against PyTorch: values and gradients (input, weight, bias) over a table of
configurations, float64 gradcheck, same initial weights for the same seed, state_dict keys,
repr, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtorch
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")

from conftest import assert_close, assert_same_error  # noqa: E402

TOL = dict(rtol=1e-4, atol=1e-5)

# (id, function, input shape, weight shape, bias?, kwargs, non-contiguous input?)
CONV = [
    ("2d-basic", "conv2d", (2, 3, 9, 8), (4, 3, 3, 3), True, {}, False),
    ("2d-mnist1", "conv2d", (3, 1, 12, 12), (8, 1, 3, 3), True, {}, False),
    ("2d-stride-pad", "conv2d", (2, 3, 9, 7), (5, 3, 3, 2), True,
     dict(stride=(2, 1), padding=(1, 2)), False),
    ("2d-dilation", "conv2d", (1, 2, 11, 10), (3, 2, 3, 3), True,
     dict(dilation=(2, 3), padding=1), False),
    ("2d-groups", "conv2d", (2, 4, 7, 7), (6, 2, 3, 3), True, dict(groups=2, stride=2), False),
    ("2d-depthwise", "conv2d", (2, 4, 6, 5), (8, 1, 3, 3), True, dict(groups=4, padding=1), False),
    ("2d-same-even", "conv2d", (2, 3, 7, 6), (2, 3, 4, 2), True, dict(padding="same"), False),
    ("2d-same-dil", "conv2d", (1, 2, 7, 8), (2, 2, 3, 2), False,
     dict(padding="same", dilation=2), False),
    ("2d-valid", "conv2d", (2, 3, 5, 5), (2, 3, 2, 2), True, dict(padding="valid"), False),
    ("2d-nobias-batch1", "conv2d", (1, 3, 5, 6), (2, 3, 1, 1), False, {}, False),
    ("2d-noncontig", "conv2d", (2, 3, 8, 7), (4, 3, 3, 3), True, dict(stride=2, padding=1), True),
    ("2d-unbatched", "conv2d", (3, 6, 5), (2, 3, 2, 3), True, {}, False),
    ("2d-kernel-eq-input", "conv2d", (2, 2, 3, 4), (3, 2, 3, 4), True, {}, False),
    ("1d-basic", "conv1d", (2, 3, 11), (4, 3, 3), True, dict(stride=2, padding=1), False),
    ("1d-groups-dil", "conv1d", (2, 6, 13), (3, 2, 3), True, dict(groups=3, dilation=2), False),
    ("1d-same", "conv1d", (1, 2, 9), (3, 2, 4), True, dict(padding="same"), False),
    ("1d-unbatched", "conv1d", (3, 10), (2, 3, 3), False, {}, False),
    ("3d-basic", "conv3d", (2, 2, 5, 6, 4), (3, 2, 3, 2, 2), True,
     dict(stride=(1, 2, 1), padding=(1, 0, 1)), False),
    ("3d-groups", "conv3d", (1, 4, 4, 5, 5), (4, 2, 2, 3, 3), True,
     dict(groups=2, dilation=(1, 2, 1)), False),
    ("t2d-basic", "conv_transpose2d", (2, 4, 5, 4), (4, 3, 3, 3), True, {}, False),
    ("t2d-stride-op", "conv_transpose2d", (2, 4, 4, 5), (4, 2, 3, 2), True,
     dict(stride=2, padding=1, output_padding=1), False),
    ("t2d-groups-dil", "conv_transpose2d", (1, 4, 4, 4), (4, 3, 3, 3), True,
     dict(groups=2, dilation=2, stride=(2, 1), output_padding=(1, 0)), False),
    ("t2d-noncontig", "conv_transpose2d", (2, 3, 5, 4), (3, 2, 2, 2), False, dict(stride=3), True),
    ("t2d-unbatched", "conv_transpose2d", (4, 3, 3), (4, 2, 2, 2), True, {}, False),
    ("t1d", "conv_transpose1d", (2, 3, 7), (3, 4, 3), True,
     dict(stride=3, padding=2, output_padding=2), False),
    ("t3d", "conv_transpose3d", (1, 2, 3, 4, 3), (2, 2, 2, 3, 2), True,
     dict(stride=2, padding=(0, 1, 0), output_padding=(1, 0, 0)), False),
    # stride 1 on wide rows: the flattened-grid layout (FLAT below)
    ("flat-2d", "conv2d", (2, 3, 6, 20), (4, 3, 3, 2), True, dict(padding=(1, 0)), False),
    ("flat-2d-groups-dil", "conv2d", (2, 4, 7, 24), (6, 2, 3, 3), True,
     dict(groups=2, dilation=(2, 1), padding=1), True),
    ("flat-2d-nobias-batch1", "conv2d", (1, 2, 5, 30), (3, 2, 2, 4), False, {}, False),
    ("flat-1d", "conv1d", (3, 4, 17), (5, 4, 3), True, dict(padding=2), True),
    ("flat-3d", "conv3d", (2, 2, 4, 3, 20), (3, 2, 2, 1, 3), True, {}, False),
]
FLAT = [c for c in CONV if c[0].startswith("flat")]


def _arrays(xs, ws, bias, fn, kw, rng, dtype=np.float32):
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    nb = ws[1] * kw.get("groups", 1) if fn.startswith("conv_transpose") else ws[0]
    b = rng.standard_normal(nb).astype(dtype) if bias else None
    return x, w, b


def _leaf(lib, a, noncontig):
    if a is None:
        return None
    if noncontig:  # the same values, stored with the last two dims swapped
        t = lib.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
        t = t.detach()
    else:
        t = lib.tensor(a)
    return t.requires_grad_()


@pytest.mark.parametrize("case", CONV, ids=[c[0] for c in CONV])
def test_conv_matches_torch(case):
    _, fn, xs, ws, bias, kw, noncontig = case
    x, w, b = _arrays(xs, ws, bias, fn, kw, np.random.default_rng(0))
    outs = []
    for lib, F in ((torch, torch.nn.functional), (numtorch, numtorch.nn.functional)):
        tx, tw, tb = _leaf(lib, x, noncontig), _leaf(lib, w, False), _leaf(lib, b, False)
        if noncontig:
            assert not tx.is_contiguous()
        y = getattr(F, fn)(tx, tw, tb, **kw)
        g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32)
        y.backward(lib.tensor(g))
        outs.append((y, tx.grad, tw.grad, tb.grad if tb is not None else None))
    (ty, tgx, tgw, tgb), (ny, ngx, ngw, ngb) = outs
    assert_close(ny, ty, **TOL)
    assert_close(ngx, tgx, **TOL)
    assert_close(ngw, tgw, **TOL)
    if bias:
        assert_close(ngb, tgb, **TOL)
    assert type(ny.grad_fn).__name__ == type(ty.grad_fn).__name__


GRADCHECK = [c for c in CONV if c[0] in ("2d-stride-pad", "2d-groups", "2d-same-even",
                                          "1d-groups-dil", "3d-basic", "t2d-stride-op",
                                          "t2d-groups-dil", "t1d")]


@pytest.mark.parametrize("case", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_conv_gradcheck_float64(case):
    _, fn, xs, ws, bias, kw, _ = case
    small = tuple(min(s, 5) if i >= 2 else s for i, s in enumerate(xs))
    x, w, b = _arrays(small, ws, bias, fn, kw, np.random.default_rng(2), np.float64)
    ts = [numtorch.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    f = getattr(numtorch.nn.functional, fn)
    assert gradcheck(lambda *t: f(t[0], t[1], t[2] if len(t) > 2 else None, **kw), ts,
                     eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("case", FLAT, ids=[c[0] for c in FLAT])
def test_flat_layout_cases_take_it_and_gradcheck(case):
    """The ``flat-*`` cases run the stride-1 flattened layout, and its gradients pass gradcheck."""
    from numtorch._ops import conv as conv_ops
    _, fn, xs, ws, bias, kw, _ = case
    taken = []
    real = conv_ops._conv_flat

    def spy(*a, **k):
        taken.append(True)
        return real(*a, **k)
    x, w, b = _arrays(xs, ws, bias, fn, kw, np.random.default_rng(3), np.float64)
    ts = [numtorch.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    f = getattr(numtorch.nn.functional, fn)
    conv_ops._conv_flat = spy
    try:
        assert gradcheck(lambda *t: f(t[0], t[1], t[2] if len(t) > 2 else None, **kw), ts,
                         eps=1e-6, atol=1e-6, rtol=1e-4)
    finally:
        conv_ops._conv_flat = real
    assert taken


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_flat_layout_nonfinite_input_like_torch(value):
    """A non-finite input on the first column is read, on the wide grid, by the extra positions
    of the row above; its weight gradient must still be PyTorch's (no NaN from a zero gradient)."""
    x = np.random.default_rng(4).standard_normal((1, 2, 5, 16)).astype(np.float32)
    x[0, 1, 2, 0] = value
    w = np.random.default_rng(5).standard_normal((3, 2, 3, 3)).astype(np.float32)
    res = []
    for lib in (torch, numtorch):
        tx, tw = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv2d(tx, tw, padding=(1, 0))
        y.sum().backward()
        res.append((y, tx.grad, tw.grad))
    for n, t in zip(res[1], res[0]):
        np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=1e-5)


# (module, args, kwargs, input shape, forward kwargs)
MODULES = [
    ("Conv2d", (3, 6, 3), {}, (2, 3, 8, 8), {}),
    ("Conv2d", (4, 8, (3, 2)), dict(stride=2, padding=1, dilation=(1, 2), groups=2), (1, 4, 9, 9),
     {}),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="reflect", bias=False), (2, 2, 6, 5),
     {}),
    ("Conv2d", (2, 4, 4), dict(padding="same", padding_mode="replicate"), (2, 2, 6, 5), {}),
    ("Conv2d", (2, 4, 3), dict(padding=(2, 1), padding_mode="circular"), (1, 2, 5, 6), {}),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (2, 5, 5), {}),
    ("Conv1d", (3, 5, 3), dict(padding=1, padding_mode="reflect"), (2, 3, 9), {}),
    ("Conv1d", (4, 4, 2), dict(groups=4, padding="same", padding_mode="circular"), (2, 4, 7), {}),
    ("Conv3d", (2, 3, 2), dict(padding=1, padding_mode="replicate"), (1, 2, 3, 4, 3), {}),
    ("Conv3d", (2, 4, (2, 3, 1)), dict(stride=(2, 1, 1)), (2, 2, 5, 4, 3), {}),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1), (1, 4, 5, 5),
     dict(output_size=[10, 10])),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, groups=2, output_padding=1, bias=False),
     (2, 4, 3, 4), {}),
    ("ConvTranspose2d", (3, 2, 2), dict(stride=3), (3, 4, 4), dict(output_size=(3, 12, 13))),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2, dilation=2), (2, 3, 6), dict(output_size=[16])),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 2, 3, 2), {}),
]


@pytest.mark.parametrize("case", MODULES, ids=[f"{c[0]}-{i}" for i, c in enumerate(MODULES)])
def test_module_init_forward_backward(case):
    name, args, kw, xs, fkw = case
    torch.manual_seed(7)
    tm = getattr(torch.nn, name)(*args, **kw)
    numtorch.manual_seed(7)
    nm = getattr(numtorch.nn, name)(*args, **kw)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict().keys()) == list(tm.state_dict().keys())
    for (kn, vn), (_, vt) in zip(nm.state_dict().items(), tm.state_dict().items()):
        np.testing.assert_array_equal(vn.numpy(), vt.numpy(), err_msg=kn)  # same draws, bit for bit
    x = np.random.default_rng(3).standard_normal(xs).astype(np.float32)
    tx, nx = torch.tensor(x, requires_grad=True), numtorch.tensor(x, requires_grad=True)
    ty, ny = tm(tx, **fkw), nm(nx, **fkw)
    assert_close(ny, ty, **TOL)
    g = np.random.default_rng(4).standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(g))
    ny.backward(numtorch.tensor(g))
    assert_close(nx.grad, tx.grad, **TOL)
    for (_, pn), (_, pt) in zip(nm.named_parameters(), tm.named_parameters()):
        assert_close(pn.grad, pt.grad, **TOL)


def test_padding_modes_gradcheck_float64():
    x = numtorch.tensor(np.random.default_rng(5).standard_normal((1, 2, 4, 5)), requires_grad=True)
    for mode in ("reflect", "replicate", "circular"):
        m = numtorch.nn.Conv2d(2, 2, 3, padding=(2, 1), padding_mode=mode).double()
        assert gradcheck(m, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_default_init_every_layer_same_seed():
    for name, args in [("Conv1d", (16, 33, 3)), ("Conv2d", (32, 64, 3)), ("Conv3d", (2, 4, 3)),
                       ("ConvTranspose2d", (8, 4, 5)), ("ConvTranspose1d", (6, 9, 2, 1, 0, 0, 3))]:
        torch.manual_seed(123)
        t = [p.detach().numpy() for p in getattr(torch.nn, name)(*args).parameters()]
        numtorch.manual_seed(123)
        n = [p.detach().numpy() for p in getattr(numtorch.nn, name)(*args).parameters()]
        for a, b in zip(n, t):
            np.testing.assert_array_equal(a, b)


def test_repr_variants():
    for name, args, kw in [
        ("Conv2d", (3, 4, 3),
         dict(padding="same", dilation=2, bias=False, padding_mode="circular")),
        ("Conv2d", (4, 4, 3), dict(padding="valid", groups=4)),
        ("Conv1d", (3, 4, 5), dict(stride=2, padding=2)),
        ("ConvTranspose2d", (4, 2, 3), dict(stride=2, output_padding=1, dilation=1)),
        ("ConvTranspose3d", (4, 2, (1, 2, 3)), dict(groups=2)),
    ]:
        assert repr(getattr(numtorch.nn, name)(*args, **kw)) == repr(
            getattr(torch.nn, name)(*args, **kw)
        )


def _t(lib, *shape, dtype=None):
    return lib.ones(*shape, dtype=dtype)


ERRORS = [
    ("input-dims", lambda lib, F: F.conv2d(_t(lib, 2, 3), _t(lib, 4, 3, 3, 3))),
    ("input-dims-5", lambda lib, F: F.conv2d(_t(lib, 1, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3))),
    ("1d-dims", lambda lib, F: F.conv1d(_t(lib, 3), _t(lib, 2, 3, 1))),
    ("3d-dims", lambda lib, F: F.conv3d(_t(lib, 3, 4), _t(lib, 2, 3, 1, 1, 1))),
    ("weight-dims", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3))),
    ("channels", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 2, 3, 3))),
    ("channels-unbatched", lambda lib, F: F.conv2d(_t(lib, 3, 8, 8), _t(lib, 4, 2, 3, 3))),
    ("too-small", lambda lib, F: F.conv2d(_t(lib, 2, 3, 2, 2), _t(lib, 4, 3, 3, 3))),
    ("too-small-dil",
     lambda lib, F: F.conv2d(_t(lib, 2, 3, 4, 4), _t(lib, 4, 3, 3, 3), dilation=2)),
    ("groups-divide", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 3, 1, 3, 3), groups=2)),
    ("groups-at-least",
     lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 2, 1, 3, 3), groups=3)),
    ("groups-channels",
     lambda lib, F: F.conv2d(_t(lib, 2, 4, 8, 8), _t(lib, 4, 3, 3, 3), groups=2)),
    ("groups-zero", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), groups=0)),
    ("same-strided", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), stride=2,
                                             padding="same")),
    ("bad-padding-string", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3),
                                                   padding="full")),
    ("negative-padding",
     lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), padding=-1)),
    ("zero-stride", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), stride=0)),
    ("zero-dilation",
     lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), dilation=0)),
    ("stride-length", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3),
                                              stride=(1, 1, 1))),
    ("padding-length", lambda lib, F: F.conv1d(_t(lib, 1, 3, 5), _t(lib, 2, 3, 1), padding=(1, 1))),
    ("bias-size", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), _t(lib, 3))),
    ("bias-dims", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3), _t(lib, 4, 1))),
    ("dtype", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8, dtype=lib.float64), _t(lib, 4, 3, 3, 3))),
    ("bias-dtype", lambda lib, F: F.conv2d(_t(lib, 2, 3, 8, 8), _t(lib, 4, 3, 3, 3),
                                           _t(lib, 4, dtype=lib.float64))),
    ("t-dims", lambda lib, F: F.conv_transpose2d(_t(lib, 2, 3), _t(lib, 4, 3, 3, 3))),
    ("t-channels", lambda lib, F: F.conv_transpose2d(_t(lib, 2, 5, 4, 4), _t(lib, 4, 3, 3, 3))),
    ("t-output-padding", lambda lib, F: F.conv_transpose2d(_t(lib, 2, 4, 4, 4), _t(lib, 4, 3, 3, 3),
                                                           output_padding=1)),
    ("t-output-padding-3d", lambda lib, F: F.conv_transpose3d(
        _t(lib, 1, 4, 2, 2, 2), _t(lib, 4, 3, 1, 1, 1), stride=2, output_padding=2)),
    ("t-output-padding-1d", lambda lib, F: F.conv_transpose1d(_t(lib, 1, 4, 3), _t(lib, 4, 2, 3),
                                                              output_padding=1)),
    ("3d-too-small", lambda lib, F: F.conv3d(_t(lib, 1, 2, 2, 2, 2), _t(lib, 2, 2, 3, 3, 3))),
    ("1d-too-small", lambda lib, F: F.conv1d(_t(lib, 1, 2, 2), _t(lib, 2, 2, 3))),
    ("t-bias", lambda lib, F: F.conv_transpose2d(_t(lib, 2, 4, 4, 4), _t(lib, 4, 3, 3, 3),
                                                 _t(lib, 4))),
    ("t-padding-string", lambda lib, F: F.conv_transpose2d(_t(lib, 2, 4, 1, 1), _t(lib, 4, 3, 3, 3),
                                                           padding="same")),
    ("m-groups-in", lambda lib, F: lib.nn.Conv2d(3, 4, 3, groups=2)),
    ("m-groups-out", lambda lib, F: lib.nn.Conv2d(4, 3, 3, groups=2)),
    ("m-groups-zero", lambda lib, F: lib.nn.Conv2d(4, 4, 3, groups=0)),
    ("m-padding-string", lambda lib, F: lib.nn.Conv2d(3, 4, 3, padding="foo")),
    ("m-same-strided", lambda lib, F: lib.nn.Conv1d(3, 4, 3, padding="same", stride=2)),
    ("m-channels", lambda lib, F: lib.nn.Conv2d(3, 4, 3)(_t(lib, 2, 5, 8, 8))),
    ("m-reflect-too-big", lambda lib, F: lib.nn.Conv2d(3, 4, 3, padding=9, padding_mode="reflect")(
        _t(lib, 2, 3, 8, 8))),
    ("m-t-padding-mode", lambda lib, F: lib.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")),
    ("m-t-output-size", lambda lib, F: lib.nn.ConvTranspose2d(4, 3, 3, stride=2)(
        _t(lib, 1, 4, 5, 5), output_size=(20, 20))),
    ("m-t-output-size-len", lambda lib, F: lib.nn.ConvTranspose2d(4, 3, 3, stride=2)(
        _t(lib, 1, 4, 5, 5), output_size=(11,))),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case):
    _, f = case
    assert_same_error(lambda: f(torch, torch.nn.functional),
                      lambda: f(numtorch, numtorch.nn.functional))


def test_padding_mode_error():
    # the message prints a set, whose order varies between interpreters: compare its elements
    import re
    msgs = []
    for lib in (torch, numtorch):
        with pytest.raises(ValueError) as e:
            lib.nn.Conv2d(3, 4, 3, padding_mode="foo")
        m = str(e.value)
        inner = re.search(r"\{(.*)\}", m)
        msgs.append((m.replace(inner.group(0), "{}"), sorted(inner.group(1).split(", "))))
    assert msgs[0] == msgs[1]


def test_empty_batch():
    for lib in (torch, numtorch):
        assert tuple(
            lib.nn.functional.conv2d(lib.ones(0, 3, 8, 8), lib.ones(4, 3, 3, 3)).shape
        ) == (0, 4, 6, 6)


@st.composite
def _conv_args(draw):
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = tuple(max(draw(st.integers(1, 7)), d * (kk - 1) + 1 - 2 * p)
                 for kk, d, p in zip(k, dil, pad))
    return (draw(st.integers(1, 2)), cin) + size, (cout, cin // groups) + k, \
        dict(stride=stride, padding=pad, dilation=dil, groups=groups)


@settings(max_examples=25)
@given(_conv_args(), st.booleans())
def test_conv2d_and_transpose_random_shapes(args, transposed):
    xs, ws, kw = args
    if transposed:  # the same arguments read as a transposed convolution of conv2d's output
        ws = (ws[0], ws[1], *ws[2:])
        xs = (xs[0], ws[0]) + xs[2:]
        kw = dict(kw, output_padding=tuple(min(s, d) - 1 for s, d in zip(kw["stride"],
                                                                          kw["dilation"])),
                  padding=tuple(min(p, d * (k - 1) // 2)  # keeps the output non-empty
                                for p, d, k in zip(kw["padding"], kw["dilation"], ws[2:])))
    fn = "conv_transpose2d" if transposed else "conv2d"
    x, w, b = _arrays(xs, ws, True, fn, kw, np.random.default_rng(0))
    res = []
    for lib in (torch, numtorch):
        tx, tw, tb = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        y = getattr(lib.nn.functional, fn)(tx, tw, tb, **kw)
        y.backward(lib.ones_like(y))
        res.append((y, tx.grad, tw.grad, tb.grad))
    for n, t in zip(res[1], res[0]):
        assert_close(n, t, **TOL)
