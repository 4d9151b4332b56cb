"""DataLoader (single process) against PyTorch: same batches for the same seed, same errors."""

import itertools
import math
import re
import warnings

import numpy as np
import pytest

import numtorch
from numtorch.utils import data as ndata

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402


def py(x):
    if isinstance(x, (torch.Tensor, numtorch.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return ("dict", {k: py(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [py(v) for v in x])
    return (type(x).__name__, x)


def both(fn, seed=2024):
    torch.manual_seed(seed)
    expected = fn(torch, tdata)
    numtorch.manual_seed(seed)
    actual = fn(numtorch, ndata)
    return expected, actual


def raises_like(fn):
    with pytest.raises(Exception) as expected:
        fn(torch, tdata)
    with pytest.raises(expected.type) as actual:
        fn(numtorch, ndata)
    assert str(actual.value) == str(expected.value)


class PerSample:
    """A map-style dataset of (NumPy image, int label, float) samples, built for one library."""

    def __init__(self, n=13):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2, 2), i, np.float32), i % 3, i / 3  # i / 3: exact only in float64


def make_dataset(kind, T, D):
    if kind == "tensor":
        return D.TensorDataset(T.arange(26.0).reshape(13, 2), T.arange(13))
    if kind == "per_sample":
        return PerSample()
    if kind == "subset":
        return D.Subset(D.TensorDataset(T.arange(40).reshape(20, 2)), list(range(19, 6, -1)))
    if kind == "stack":
        return D.StackDataset(a=D.TensorDataset(T.arange(13)), b=PerSample())
    raise ValueError(kind)


def epochs(loader, n=2):
    return [[py(b) for b in loader] for _ in range(n)]


@pytest.mark.parametrize("kind", ["tensor", "per_sample", "subset", "stack"])
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (4, False), (4, True), (5, True),
                                                  (13, False), (32, False), (32, True)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_identical(kind, batch_size, drop_last, shuffle):
    def run(T, D):
        loader = D.DataLoader(make_dataset(kind, T, D), batch_size=batch_size, shuffle=shuffle,
                              drop_last=drop_last)
        return epochs(loader), len(loader), T.rand(2).tolist()
    e, a = both(run)
    assert a[:2] == e[:2]
    assert a[2] == pytest.approx(e[2])  # the global stream advanced identically


SAMPLERS = {
    "random_gen": lambda T, D, ds: D.RandomSampler(ds, generator=T.Generator().manual_seed(5)),
    "random_repl": lambda T, D, ds: D.RandomSampler(ds, replacement=True, num_samples=40),
    "random_many": lambda T, D, ds: D.RandomSampler(ds, num_samples=30),
    "subset": lambda T, D, ds: D.SubsetRandomSampler([1, 5, 2, 11, 7, 8]),
    "weighted": lambda T, D, ds: D.WeightedRandomSampler([1.0] * 6 + [5.0] * 7, 17),
    "list": lambda T, D, ds: [12, 0, 5, 5, 3],
    "sequential": lambda T, D, ds: D.SequentialSampler(ds),
}


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (None, False)])
@pytest.mark.parametrize("kind", ["tensor", "per_sample"])
def test_batches_identical_with_sampler(sampler, batch_size, drop_last, kind):
    def run(T, D):
        ds = make_dataset(kind, T, D)
        loader = D.DataLoader(ds, batch_size=batch_size, drop_last=drop_last,
                              sampler=SAMPLERS[sampler](T, D, ds))
        return epochs(loader), len(loader)
    e, a = both(run)
    assert a == e


@pytest.mark.parametrize("kind", ["tensor", "per_sample"])
def test_batch_sampler_argument(kind):
    def run(T, D):
        ds = make_dataset(kind, T, D)
        bs = D.BatchSampler(D.RandomSampler(ds), 4, drop_last=False)
        custom = [[0, 1], [12], [3, 4, 5]]
        return (epochs(D.DataLoader(ds, batch_sampler=bs)), len(D.DataLoader(ds, batch_sampler=bs)),
                epochs(D.DataLoader(ds, batch_sampler=custom), 1))
    e, a = both(run)
    assert a == e


def test_generator_argument_and_shuffle_each_epoch():
    def run(T, D):
        g = T.Generator().manual_seed(99)
        loader = D.DataLoader(make_dataset("tensor", T, D), batch_size=5, shuffle=True,
                              generator=g)
        return epochs(loader, 3), T.rand(2).tolist()
    e, a = both(run)
    assert a[0] == e[0]
    assert a[1] == pytest.approx(e[1])
    assert a[0][0] != a[0][1]


def test_batch_size_none_uses_default_convert():
    def run(T, D):
        return epochs(D.DataLoader(PerSample(4), batch_size=None), 1)
    e, a = both(run)
    assert a == e


def test_custom_collate_fn_sees_samples():
    def collate(batch):
        assert type(batch) is list and all(type(sample) is tuple for sample in batch)
        return [tuple(int(v) for v in sample) for sample in batch], len(batch)

    def run(T, D):
        ds = D.TensorDataset(T.arange(7), T.arange(7) * 10)
        return [c for c in D.DataLoader(ds, batch_size=3, shuffle=True, collate_fn=collate)]
    e, a = both(run)
    assert a == e


def test_fresh_iterator_and_partial_epochs():
    def run(T, D):
        loader = D.DataLoader(make_dataset("tensor", T, D), batch_size=3, shuffle=True)
        it1, it2 = iter(loader), iter(loader)
        first = [py(next(it1)), py(next(it2)), py(next(it1))]
        return first, [py(b) for b in it2], it1 is not it2
    e, a = both(run)
    assert a == e


class Stream:
    """An IterableDataset of 0..n-1 (class built per library)."""

    @staticmethod
    def make(D, n=10, with_len=True):
        attrs = {"__iter__": lambda self: iter(range(n))}
        if with_len:
            attrs["__len__"] = lambda self: n
        return type("Stream", (D.IterableDataset,), attrs)()


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (None, False)])
def test_iterable_dataset(batch_size, drop_last):
    def run(T, D):
        loader = D.DataLoader(Stream.make(D), batch_size=batch_size, drop_last=drop_last)
        return epochs(loader), len(loader)
    e, a = both(run)
    assert a == e


def test_iterable_dataset_length_warning():
    def run(T, D):
        ds = Stream.make(D, 5)
        ds.__class__.__len__ = lambda self: 2
        loader = D.DataLoader(ds)
        len(loader)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(loader)
        return [re.sub(r" at 0x[0-9a-f]+", "", str(w.message)) for w in caught]
    e, a = both(run)
    assert a == e and len(e) == 3


BAD_ARGS = [
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3),
    dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(batch_size=0),
    dict(batch_size=-2),
    dict(drop_last=1),
]


@pytest.mark.parametrize("kwargs", BAD_ARGS, ids=[str(k) for k in BAD_ARGS])
def test_validation_errors(kwargs):
    raises_like(lambda T, D: D.DataLoader(list(range(4)), **kwargs))


@pytest.mark.parametrize(
    "kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]
)
def test_iterable_dataset_validation_errors(kwargs):
    raises_like(lambda T, D: D.DataLoader(Stream.make(D), **kwargs))


@pytest.mark.parametrize("attr", ["batch_size", "batch_sampler", "sampler", "drop_last",
                                  "dataset", "persistent_workers"])
def test_frozen_attributes(attr):
    def run(T, D):
        loader = D.DataLoader(list(range(4)))
        setattr(loader, attr, None)
    raises_like(run)
    loader = ndata.DataLoader(list(range(4)))
    loader.num_workers = 0  # other attributes stay settable


def test_timeout_needs_workers():
    raises_like(lambda T, D: iter(D.DataLoader(list(range(4)), timeout=1)))


def test_pin_memory_warns_and_still_loads():
    def run(T, D):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = [py(b) for b in D.DataLoader(list(range(3)), batch_size=2, pin_memory=True)]
        return out, [str(w.message) for w in caught]
    e, a = both(run)
    assert a == e


@pytest.mark.parametrize("n,batch_size,drop_last", list(itertools.product([1, 7, 32], [1, 5, 32],
                                                                          [False, True])))
def test_len(n, batch_size, drop_last):
    loader = ndata.DataLoader(list(range(n)), batch_size=batch_size, drop_last=drop_last)
    expected = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(loader) == expected == len(list(loader))


def test_guide_custom_dataset_runs_unchanged():
    # The guide's example, written once against the `torch` name and run with both libraries.
    source = '''
class CustomDataset(torch.utils.data.Dataset):
    def __init__(self):
        self.x = torch.randn(100, 3)
        self.y = torch.randint(0, 2, (100,))

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]

loader = torch.utils.data.DataLoader(CustomDataset(), batch_size=32, shuffle=True)
batches = [(x.shape, y.tolist(), x.sum().item()) for x, y in loader]
'''
    results = []
    for lib in (torch, numtorch):
        lib.manual_seed(0)
        scope = {"torch": lib}
        exec(source, scope)
        results.append(scope["batches"])
    (e, a) = results
    assert [tuple(s) for s, _, _ in a] == [tuple(s) for s, _, _ in e] == [(32, 3)] * 3 + [(4, 3)]
    assert [y for _, y, _ in a] == [y for _, y, _ in e]
    assert [s for _, _, s in a] == pytest.approx([s for _, _, s in e], rel=1e-5)


def test_in_memory_epoch_fetches_whole_batches(monkeypatch):
    """TensorDataset through the loader: one __getitems__ call per batch, never __getitem__."""
    calls = []
    original = ndata.TensorDataset.__getitems__

    def counting(self, indices):
        calls.append(len(indices))
        return original(self, indices)

    def per_sample(self, index):
        raise AssertionError("a sample was fetched on its own")

    monkeypatch.setattr(ndata.TensorDataset, "__getitems__", counting)
    monkeypatch.setattr(ndata.TensorDataset, "__getitem__", per_sample)
    ds = ndata.TensorDataset(numtorch.arange(1000.0).reshape(500, 2), numtorch.arange(500))
    numtorch.manual_seed(3)
    out = list(ndata.DataLoader(ds, batch_size=64, shuffle=True))
    assert calls == [64] * 7 + [52]
    ys = np.concatenate([y.numpy() for _, y in out])
    assert sorted(ys.tolist()) == list(range(500))
    assert all(np.array_equal(x.numpy()[:, 0], 2 * y.numpy()) for x, y in out)


def test_private_module_paths_used_by_published_code():
    from numtorch.utils.data._utils.collate import default_collate, np_str_obj_array_pattern
    from numtorch.utils.data._utils.worker import get_worker_info

    assert default_collate is ndata.default_collate and get_worker_info() is None
    assert np_str_obj_array_pattern.pattern == tdata._utils.collate.np_str_obj_array_pattern.pattern
    assert numtorch.utils.data.dataloader.default_collate is ndata.default_collate
