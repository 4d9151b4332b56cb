"""``F.embedding_bag`` and ``nn.EmbeddingBag`` against PyTorch.

Values and gradients (of the table and of ``per_sample_weights``) for a table of modes, offsets
(empty bags, one bag, ``include_last_offset``), padding, frequency scaling and 2-D inputs;
float64 gradcheck; the same initial weights for the same seed; PyTorch's errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, assert_same_error

import numtorch
import numtorch.nn.functional as NF
from numtorch.autograd import gradcheck

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(77)
TABLE = RNG.standard_normal((10, 4)).astype(np.float32)
INDICES = np.array([1, 2, 4, 5, 4, 3, 2, 9, 4, 4])
# offsets that end where the input ends when include_last_offset is set
OFFSETS = {False: [[0, 3, 3, 7], [0], [0, 0, 5], [0, 10]],
           True: [[0, 3, 3, 10], [0, 10], [0, 0, 5, 10]]}

CASES = [(mode, off, ilo, pad, freq, psw)
         for mode in ("sum", "mean", "max")
         for ilo in (False, True)
         for off in OFFSETS[ilo]
         for pad in (None, 4, -1)
         for freq in ((False, True) if mode != "max" else (False,))
         for psw in ((False, True) if mode == "sum" else (False,))]


def _run(lib, fn, offsets, mode, ilo, pad, freq, psw_values, inputs=INDICES):
    w = lib.tensor(TABLE.copy(), requires_grad=True)
    psw = None if psw_values is None else lib.tensor(psw_values, requires_grad=True)
    off = None if offsets is None else lib.tensor(offsets)
    out = fn(lib.tensor(inputs), w, off, mode=mode, padding_idx=pad, scale_grad_by_freq=freq,
             include_last_offset=ilo, per_sample_weights=psw)
    return out, w, psw


@pytest.mark.parametrize("mode,offsets,ilo,pad,freq,psw", CASES)
def test_embedding_bag_matches_torch(mode, offsets, ilo, pad, freq, psw):
    p = RNG.random(INDICES.shape).astype(np.float32) if psw else None
    to, tw, tp = _run(torch, F.embedding_bag, offsets, mode, ilo, pad, freq, p)
    no, nw, np_ = _run(numtorch, NF.embedding_bag, offsets, mode, ilo, pad, freq, p)
    assert_close(no, to, rtol=1e-6, atol=1e-6)
    assert type(no.grad_fn).__name__ == "EmbeddingBagBackward0"
    g = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    to.backward(torch.tensor(g))
    no.backward(numtorch.tensor(g))
    assert_close(nw.grad, tw.grad, rtol=1e-6, atol=1e-6)
    if psw:
        assert_close(np_.grad, tp.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,pad,psw", [("sum", None, True), ("mean", 2, False),
                                          ("max", None, False), ("max", 9, False),
                                          ("sum", -1, False)])
def test_embedding_bag_2d_input(mode, pad, psw):
    idx = RNG.integers(0, 10, (3, 4))
    p = RNG.random(idx.shape).astype(np.float32) if psw else None
    to, tw, tp = _run(torch, F.embedding_bag, None, mode, False, pad, False, p, idx)
    no, nw, np_ = _run(numtorch, NF.embedding_bag, None, mode, False, pad, False, p, idx)
    assert_close(no, to, rtol=1e-6, atol=1e-6)
    to.sum().backward()
    no.sum().backward()
    assert_close(nw.grad, tw.grad, rtol=1e-6, atol=1e-6)
    if psw:
        assert_close(np_.grad, tp.grad, rtol=1e-5, atol=1e-6)


def test_embedding_bag_int32_half_and_max_norm():
    def both(idx, table, offsets, **kw):
        return (NF.embedding_bag(numtorch.tensor(idx), numtorch.tensor(table),
                                 numtorch.tensor(offsets), **kw),
                F.embedding_bag(torch.tensor(idx), torch.tensor(table), torch.tensor(offsets),
                                **kw))

    i32, o32 = INDICES.astype(np.int32), np.array([0, 4], np.int32)
    for mode in ("sum", "mean", "max"):
        assert_close(*both(i32, TABLE, o32, mode=mode))
    assert_close(*both(INDICES, TABLE.astype(np.float16), [0, 4]))
    nw, tw = numtorch.tensor(TABLE * 3), torch.tensor(TABLE * 3)
    off = [0, 4]
    no = NF.embedding_bag(numtorch.tensor(INDICES), nw, numtorch.tensor(off), max_norm=1.0,
                          mode="sum")
    to = F.embedding_bag(torch.tensor(INDICES), tw, torch.tensor(off), max_norm=1.0, mode="sum")
    assert_close(no, to)
    assert_close(nw, tw)  # the rows looked up were rescaled in place


@pytest.mark.parametrize("mode,psw", [("sum", True), ("sum", False), ("mean", False),
                                      ("max", False)])
def test_embedding_bag_gradcheck(mode, psw):
    w = numtorch.tensor(RNG.standard_normal((6, 3)), requires_grad=True)
    idx = numtorch.tensor([0, 2, 5, 2, 1, 3, 3])
    off = numtorch.tensor([0, 2, 2, 5])
    ins = (w,)
    if psw:
        ins += (numtorch.tensor(RNG.random(7), requires_grad=True),)

    def f(*a):
        return NF.embedding_bag(idx, a[0], off, mode=mode, padding_idx=1,
                                per_sample_weights=a[1] if psw else None)

    assert gradcheck(f, ins)


@pytest.mark.parametrize("kwargs", [{}, dict(mode="sum", padding_idx=3),
                                    dict(mode="max", padding_idx=-2),
                                    dict(max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
                                    dict(include_last_offset=True, dtype="float64")])
def test_embedding_bag_module(kwargs):
    tk, nk = dict(kwargs), dict(kwargs)
    if "dtype" in kwargs:
        tk["dtype"] = getattr(torch, kwargs["dtype"])
        nk["dtype"] = getattr(numtorch, kwargs["dtype"])
    torch.manual_seed(5)
    tm = torch.nn.EmbeddingBag(10, 4, **tk)
    numtorch.manual_seed(5)
    nm = numtorch.nn.EmbeddingBag(10, 4, **nk)
    assert repr(nm) == repr(tm)
    assert list(nm.state_dict()) == list(tm.state_dict())
    assert np.array_equal(nm.weight.detach().numpy(), tm.weight.detach().numpy())
    for name in ("mode", "padding_idx", "include_last_offset", "max_norm", "norm_type"):
        assert getattr(nm, name) == getattr(tm, name)
    off = [0, 3, 10] if kwargs.get("include_last_offset") else [0, 3]
    assert_close(nm(numtorch.tensor(INDICES), numtorch.tensor(off)),
                 tm(torch.tensor(INDICES), torch.tensor(off)))


def test_embedding_bag_from_pretrained():
    tm = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(TABLE), mode="max")
    nm = numtorch.nn.EmbeddingBag.from_pretrained(numtorch.tensor(TABLE), mode="max")
    assert repr(nm) == repr(tm)
    assert nm.weight.requires_grad is tm.weight.requires_grad is False
    idx = RNG.integers(0, 10, (2, 5))
    assert_close(nm(numtorch.tensor(idx)), tm(torch.tensor(idx)))
    thawed = numtorch.nn.EmbeddingBag.from_pretrained(numtorch.tensor(TABLE), freeze=False)
    assert thawed.weight.requires_grad


def _bag(T, idx=INDICES, offsets=(0, 4), table=TABLE, **kw):
    off = None if offsets is None else T.tensor(np.asarray(offsets, dtype=np.int64))
    return lambda: T.nn.functional.embedding_bag(T.tensor(idx), T.tensor(table), off, **kw)


ERRORS = [
    dict(offsets=(1, 4)),
    dict(offsets=(0, 11)),
    dict(idx=[1, 10], offsets=(0,)),
    dict(idx=[1, -1], offsets=(0,), mode="sum"),
    dict(idx=[1, 10], offsets=(0,), mode="max"),
    dict(idx=[1, 10], offsets=(0,), padding_idx=2),
    dict(idx=np.array([1.0, 2.0])),
    dict(padding_idx=10),
    dict(padding_idx=-11),
    dict(padding_idx=2.0),
    dict(mode="foo"),
    dict(mode="max", scale_grad_by_freq=True),
    dict(mode="max", sparse=True),
    dict(mode="mean", per_sample_weights="ones"),
    dict(mode="sum", per_sample_weights="short"),
    dict(mode="sum", per_sample_weights="double"),
    dict(offsets=None),
    dict(idx=INDICES.reshape(2, 5)),
    dict(idx=INDICES.reshape(2, 5, 1), offsets=None),
    dict(idx=np.array(3)),
    dict(table=TABLE[0]),
    dict(table=TABLE.astype(np.int64)),
    dict(offsets=(0, 3, 2), mode="sum"),
    dict(offsets=(), include_last_offset=True),
]


@pytest.mark.parametrize("case", ERRORS)
def test_embedding_bag_errors(case):
    def call(T):
        kw = dict(case)
        p = kw.pop("per_sample_weights", None)
        if p is not None:
            n = 9 if p == "short" else INDICES.size
            kw["per_sample_weights"] = T.ones(n, dtype=T.float64 if p == "double" else T.float32)
        return _bag(T, **kw)

    assert_same_error(call(torch), call(numtorch))


def test_embedding_bag_offsets_with_2d_input_error_and_module_errors():
    assert_same_error(lambda: torch.nn.EmbeddingBag(5, 2, padding_idx=5),
                      lambda: numtorch.nn.EmbeddingBag(5, 2, padding_idx=5))
    assert_same_error(lambda: torch.nn.EmbeddingBag(5, 2, padding_idx=-6),
                      lambda: numtorch.nn.EmbeddingBag(5, 2, padding_idx=-6))
    assert_same_error(lambda: torch.nn.EmbeddingBag(5, 2, _weight=torch.ones(4, 2)),
                      lambda: numtorch.nn.EmbeddingBag(5, 2, _weight=numtorch.ones(4, 2)))
    assert_same_error(lambda: torch.nn.EmbeddingBag.from_pretrained(torch.ones(4)),
                      lambda: numtorch.nn.EmbeddingBag.from_pretrained(numtorch.ones(4)))
