"""Dataset classes against PyTorch: items, lengths, batched fetching and errors."""

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


def raises_like(fn):
    with pytest.raises(Exception) as expected:
        fn(torch, tdata)
    with pytest.raises(expected.type) as actual:
        fn(numtorch, ndata)
    assert str(actual.value) == str(expected.value)


def tensor_ds(T, D):
    return D.TensorDataset(T.arange(20.0).reshape(10, 2), T.arange(10) * 3)


@pytest.mark.parametrize("index", [0, 3, -1, 9])
def test_tensor_dataset_items(index):
    assert py(tensor_ds(numtorch, ndata)[index]) == py(tensor_ds(torch, tdata)[index])
    assert len(tensor_ds(numtorch, ndata)) == 10


@pytest.mark.parametrize("keys", [[0], [3, 1, 4, 1, 5], [9, 8, 7], np.array([2, 0, 2])])
def test_tensor_dataset_getitems_is_the_list_of_items(keys):
    ds = tensor_ds(numtorch, ndata)
    batch = ds.__getitems__(keys)
    expected = [tensor_ds(torch, tdata)[int(k)] for k in keys]
    assert len(batch) == len(expected)
    assert [py(s) for s in batch] == [py(s) for s in expected]
    assert py(list(zip(*batch))) == py(list(zip(*expected)))
    assert py(batch[-1]) == py(expected[-1])
    assert py(ndata.default_collate(batch)) == py(tdata.default_collate(expected))


def test_tensor_dataset_subclass_getitem_is_respected():
    class Doubled(ndata.TensorDataset):
        def __getitem__(self, i):
            x, = super().__getitem__(i)
            return x * 2

    ds = Doubled(numtorch.arange(5))
    assert [int(v) for v in ds.__getitems__([1, 4])] == [2, 8]
    loader = ndata.DataLoader(ds, batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 2], [4, 6], [8]]


@pytest.mark.parametrize("keys", [[1, 10], [-11], [3, 12, 40]])
def test_tensor_dataset_out_of_range(keys):
    def run(T, D):
        ds = tensor_ds(T, D)
        if D is ndata:
            return ds.__getitems__(keys)
        return [ds[k] for k in keys]
    raises_like(run)


def test_tensor_dataset_size_mismatch():
    raises_like(lambda T, D: D.TensorDataset(T.zeros(3), T.zeros(4)))


@pytest.mark.parametrize("indices", [[4, 1, 7], range(2, 9, 3), np.array([0, 9])])
def test_subset(indices):
    def run(T, D):
        s = D.Subset(tensor_ds(T, D), indices)
        return [s[i] for i in range(len(s))], s.__getitems__([len(s) - 1, 0]), len(s)
    e, a = run(torch, tdata), run(numtorch, ndata)
    assert py(list(a[1])) == py(list(e[1]))
    assert py(a[0]) == py(e[0]) and a[2] == e[2]


@pytest.mark.parametrize("make_indices", [list, lambda v: np.array(v, np.int32), "tensor"])
def test_subset_indices_changed_in_place_are_honoured(make_indices):
    """The batched path reads ``indices`` afresh each time, as PyTorch's per-key lookup does."""
    def run(T, D):
        indices = T.tensor([0, 1, 2, 3]) if make_indices == "tensor" else make_indices([0, 1, 2, 3])
        s = D.Subset(tensor_ds(T, D), indices)
        loader = D.DataLoader(s, batch_size=3)
        first = [py(b) for b in loader]
        s.indices[0] = 9
        s.indices[3] = 5
        return first, [py(b) for b in loader]
    assert run(numtorch, ndata) == run(torch, tdata)


def test_subset_of_plain_dataset_and_of_subset():
    def run(T, D):
        inner = D.Subset(list("abcdefgh"), [7, 6, 5, 4, 3])
        outer = D.Subset(inner, [4, 0, 2])
        return [outer[i] for i in range(3)], outer.__getitems__([1, 2])
    assert run(numtorch, ndata) == run(torch, tdata)


def test_subset_subclass_must_override_getitems():
    def make(T, D):
        class Mine(D.Subset):
            def __getitem__(self, i):
                return 0
        return Mine(range(3), [0])
    raises_like(make)


def test_concat_dataset():
    def run(T, D):
        ds = D.ConcatDataset([range(3), D.TensorDataset(T.arange(2)), range(10, 14)])
        added = D.TensorDataset(T.arange(2)) + D.TensorDataset(T.arange(5, 7))
        return ([py(ds[i]) for i in range(-len(ds), len(ds))], ds.cumulative_sizes, len(ds),
                len(added), py(added[3]))
    assert run(numtorch, ndata) == run(torch, tdata)


@pytest.mark.parametrize("call", [
    lambda T, D: D.ConcatDataset([]),
    lambda T, D: D.ConcatDataset([range(3)])[-4],
    lambda T, D: D.ConcatDataset([range(3)])[3],
    lambda T, D: D.ConcatDataset([range(3), type("It", (D.IterableDataset,), {
        "__iter__": lambda self: iter([])})()]),
])
def test_concat_dataset_errors(call):
    raises_like(call)


def test_concat_cummulative_sizes_deprecated():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ndata.ConcatDataset([range(2), range(3)]).cummulative_sizes == [2, 5]
    assert caught[0].category is FutureWarning


def make_stream(D, values, with_len=True):
    attrs = {"__iter__": lambda self: iter(values)}
    if with_len:
        attrs["__len__"] = lambda self: len(values)
    return type("Stream", (D.IterableDataset,), attrs)()


def test_chain_dataset_and_iterable_add():
    def run(T, D):
        a, b = make_stream(D, [1, 2]), make_stream(D, [3])
        chain = D.ChainDataset([a, b])
        return list(chain), len(chain), list(a + b), type(a + b).__name__
    assert run(numtorch, ndata) == run(torch, tdata)


def test_chain_dataset_rejects_map_datasets():
    raises_like(lambda T, D: list(D.ChainDataset([range(3)])))
    raises_like(lambda T, D: len(D.ChainDataset([range(3)])))


def test_stack_dataset():
    def run(T, D):
        t = D.StackDataset(tensor_ds(T, D), list("abcdefghij"))
        d = D.StackDataset(x=tensor_ds(T, D), y=list(range(10)))
        return (py(t[2]), py(d[5]), len(t), py(list(t.__getitems__([1, 3]))),
                py(list(d.__getitems__([0, 9]))),
                py(D.default_collate(t.__getitems__([4, 2]))),
                py(D.default_collate(d.__getitems__([4, 2]))))
    assert run(numtorch, ndata) == run(torch, tdata)


@pytest.mark.parametrize("call", [
    lambda T, D: D.StackDataset(),
    lambda T, D: D.StackDataset(range(2), x=range(2)),
    lambda T, D: D.StackDataset(range(2), range(3)),
    lambda T, D: D.StackDataset(x=range(2), y=range(3)),
])
def test_stack_dataset_errors(call):
    raises_like(call)


def test_dataset_base_errors():
    raises_like(lambda T, D: D.Dataset()[0])
