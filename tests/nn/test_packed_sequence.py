"""nn.utils.rnn against PyTorch: pack_padded_sequence (sorted, unsorted with ties, lengths as list
or tensor, batch_first, trailing dims), pad_packed_sequence (batch_first, padding_value,
total_length), pad_sequence (both sides), pack_sequence, unpad_sequence, unpack_sequence,
gradients through packing and padding, PackedSequence conversions, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch.nn.utils import rnn as nrnn

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

from conftest import assert_close, assert_same_error  # noqa: E402

# (id, padded shape (T, B, *), lengths, batch_first, enforce_sorted, lengths as tensor)
PACK = [
    ("sorted", (4, 3, 2), [4, 3, 1], False, True, False),
    ("sorted-tensor", (4, 3, 2), [4, 4, 2], False, True, True),
    ("unsorted", (5, 4, 3), [2, 5, 3, 1], False, False, False),
    ("unsorted-ties", (3, 5), [2, 3, 2, 3, 1], False, False, True),
    ("batch-first", (3, 4, 2), [1, 4, 4], True, False, False),
    ("batch-first-sorted", (2, 3, 2, 2), [3, 2], True, True, False),
    ("all-full", (3, 2, 1), [3, 3], False, False, False),
    ("truncating", (6, 2, 2), [4, 2], False, True, False),
]


def _pair(a):
    return torch.tensor(a, requires_grad=True), numtorch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("cid,shape,lengths,bf,sort,as_tensor", PACK, ids=[p[0] for p in PACK])
def test_pack_and_pad_against_torch(cid, shape, lengths, bf, sort, as_tensor):
    rng = np.random.default_rng(0)
    tx, nx = _pair(rng.standard_normal(shape).astype(np.float32))
    tl = torch.tensor(lengths) if as_tensor else lengths
    nl = numtorch.tensor(lengths) if as_tensor else lengths
    tp = trnn.pack_padded_sequence(tx, tl, batch_first=bf, enforce_sorted=sort)
    np_ = nrnn.pack_padded_sequence(nx, nl, batch_first=bf, enforce_sorted=sort)
    assert isinstance(np_, nrnn.PackedSequence)
    assert_close(np_.data, tp.data)
    assert_close(np_.batch_sizes, tp.batch_sizes)
    for a, b in ((np_.sorted_indices, tp.sorted_indices),
                 (np_.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert_close(a, b)
    for kw in (dict(), dict(batch_first=not bf, padding_value=-2.5),
               dict(batch_first=bf, total_length=max(lengths) + 2)):
        tpad, tlen = trnn.pad_packed_sequence(tp, **kw)
        npad, nlen = nrnn.pad_packed_sequence(np_, **kw)
        assert_close(npad, tpad)
        assert_close(nlen, tlen)
    # gradient through pack and pad back to the padded input
    tpad, _ = trnn.pad_packed_sequence(tp, batch_first=bf)
    npad, _ = nrnn.pad_packed_sequence(np_, batch_first=bf)
    w = rng.standard_normal(tuple(tpad.shape)).astype(np.float32)
    ((tpad * torch.tensor(w)).sum() + tp.data.sum()).backward()
    ((npad * numtorch.tensor(w)).sum() + np_.data.sum()).backward()
    assert_close(nx.grad, tx.grad)


# (id, shapes of the sequences, batch_first, padding_value, padding_side)
PAD = [
    ("right", [(3, 2), (1, 2), (4, 2)], False, 0.0, "right"),
    ("left-bf", [(3,), (1,), (4,)], True, -1.0, "left"),
    ("one", [(2, 2, 3)], False, 5.0, "right"),
    ("equal-left", [(2, 3), (2, 3)], False, 1.5, "left"),
]


@pytest.mark.parametrize("cid,shapes,bf,value,side", PAD, ids=[p[0] for p in PAD])
def test_pad_sequence_against_torch(cid, shapes, bf, value, side):
    rng = np.random.default_rng(1)
    pairs = [_pair(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    t = trnn.pad_sequence([p[0] for p in pairs], batch_first=bf, padding_value=value,
                          padding_side=side)
    n = nrnn.pad_sequence([p[1] for p in pairs], batch_first=bf, padding_value=value,
                          padding_side=side)
    assert_close(n, t)
    w = rng.standard_normal(tuple(t.shape)).astype(np.float32)
    (t * torch.tensor(w)).sum().backward()
    (n * numtorch.tensor(w)).sum().backward()
    for tp, np_ in pairs:
        assert_close(np_.grad, tp.grad)


def test_pad_sequence_integers_and_mixed_dtype():
    t = trnn.pad_sequence([torch.tensor([1, 2, 3]), torch.tensor([4])], batch_first=True)
    n = nrnn.pad_sequence([numtorch.tensor([1, 2, 3]), numtorch.tensor([4])], batch_first=True)
    assert_close(n, t)
    t = trnn.pad_sequence([torch.ones(2), torch.ones(3, dtype=torch.float64)])
    n = nrnn.pad_sequence([numtorch.ones(2), numtorch.ones(3, dtype=numtorch.float64)])
    assert_close(n, t)


@pytest.mark.parametrize("sort", [True, False])
def test_pack_unpack_sequence_and_unpad(sort):
    rng = np.random.default_rng(2)
    shapes = [(4, 2), (3, 2), (1, 2)] if sort else [(2, 2), (4, 2), (3, 2)]
    pairs = [_pair(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    tp = trnn.pack_sequence([p[0] for p in pairs], enforce_sorted=sort)
    np_ = nrnn.pack_sequence([p[1] for p in pairs], enforce_sorted=sort)
    assert_close(np_.data, tp.data)
    assert_close(np_.batch_sizes, tp.batch_sizes)
    tl, nl = trnn.unpack_sequence(tp), nrnn.unpack_sequence(np_)
    assert len(nl) == len(tl)
    for a, b in zip(nl, tl):
        assert_close(a, b)
    sum(x.sum() * (i + 1) for i, x in enumerate(tl)).backward()
    sum(x.sum() * (i + 1) for i, x in enumerate(nl)).backward()
    for tx, nx in pairs:
        assert_close(nx.grad, tx.grad)
    # unpad_sequence, time-major (transposes its input in place, as PyTorch does)
    tpad, tlen = trnn.pad_packed_sequence(tp)
    npad, nlen = nrnn.pad_packed_sequence(np_)
    tu = trnn.unpad_sequence(tpad.detach(), tlen)
    nu = nrnn.unpad_sequence(npad.detach(), nlen)
    for a, b in zip(nu, tu):
        assert_close(a, b)


def test_packed_sequence_tuple_and_conversions():
    tp = trnn.pack_sequence([torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0])])
    np_ = nrnn.pack_sequence([numtorch.tensor([1.0, 2.0, 3.0]), numtorch.tensor([4.0])])
    data, bs, si, ui = np_
    assert si is None and ui is None and len(np_) == 4
    assert np_._fields == tp._fields
    assert np_.to(numtorch.float32) is np_
    for conv in ("double", "float", "half", "long", "int", "short", "char", "byte"):
        a, b = getattr(np_, conv)(), getattr(tp, conv)()
        assert_close(a.data, b.data)
        assert a.batch_sizes is np_.batch_sizes
    assert np_.is_cuda is False and np_.cpu() is np_
    q = nrnn.PackedSequence(data, bs, numtorch.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]
    q = nrnn.PackedSequence((data, bs))
    assert q.batch_sizes is bs
    assert nrnn.invert_permutation(numtorch.tensor([2, 0, 1])).tolist() == \
        trnn.invert_permutation(torch.tensor([2, 0, 1])).tolist()
    assert nrnn.invert_permutation(None) is None


ERRORS = [
    ("lengths-count", lambda L, R: R.pack_padded_sequence(L.zeros(4, 3, 2), [4, 3])),
    ("zero-length", lambda L, R: R.pack_padded_sequence(L.zeros(4, 3, 2), [4, 3, 0])),
    ("negative-unsorted", lambda L, R: R.pack_padded_sequence(L.zeros(4, 3), [4, -1, 2],
                                                              enforce_sorted=False)),
    ("not-sorted", lambda L, R: R.pack_padded_sequence(L.zeros(4, 3, 2), [3, 4, 2])),
    ("pack-sequence-not-sorted", lambda L, R: R.pack_sequence([L.ones(1), L.ones(2)])),
    ("empty", lambda L, R: R.pack_padded_sequence(L.zeros(0, 3, 2), [1, 1, 1])),
    ("total-length", lambda L, R: R.pad_packed_sequence(
        R.pack_padded_sequence(L.zeros(4, 2), [4, 2]), total_length=3)),
    ("pad-empty", lambda L, R: R.pad_sequence([])),
    ("pad-side", lambda L, R: R.pad_sequence([L.ones(2)], padding_side="up")),
    ("pad-shapes", lambda L, R: R.pad_sequence([L.ones(2, 3), L.ones(2, 4)])),
    ("pad-not-iterable", lambda L, R: R.pad_sequence(5)),
    ("tuple-init", lambda L, R: R.PackedSequence(L.ones(3))),
]


@pytest.mark.parametrize("cid,make", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(cid, make):
    assert_same_error(lambda: make(torch, trnn), lambda: make(numtorch, nrnn))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_module_packed_roundtrip_matches_padded(name):
    """A packed batch gives, at each sequence's real steps, what that sequence gives alone."""
    numtorch.manual_seed(0)
    m = getattr(numtorch.nn, name)(3, 4, bidirectional=True)
    rng = np.random.default_rng(3)
    seqs = [numtorch.tensor(rng.standard_normal((n, 3)).astype(np.float32)) for n in (2, 5, 3)]
    out, hid = m(nrnn.pack_sequence(seqs, enforce_sorted=False))
    outs = nrnn.unpack_sequence(out)
    h = hid[0] if name == "LSTM" else hid
    for i, s in enumerate(seqs):
        alone, ah = m(s)
        np.testing.assert_allclose(outs[i].detach().numpy(), alone.detach().numpy(), atol=1e-6)
        ah = ah[0] if name == "LSTM" else ah
        np.testing.assert_allclose(h[:, i].detach().numpy(), ah.detach().numpy(), atol=1e-6)
