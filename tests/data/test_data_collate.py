"""default_collate and default_convert against PyTorch: same structures, dtypes, values, errors."""

import collections

import numpy as np
import pytest

import numtorch
from numtorch.utils import data as ndata

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402

Point = collections.namedtuple("Point", ["x", "y"])


class Custom(collections.abc.Sequence):
    """An immutable sequence type that cannot be rebuilt from a list (exercises the fallback)."""

    def __init__(self, first, second):
        self.items = (first, second)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def py(x):
    """A library-neutral description of a (nested) collate result."""
    if isinstance(x, (torch.Tensor, numtorch.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(py(v) for v in x))
    if isinstance(x, dict):
        return ("dict", {k: py(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [py(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    return (type(x).__name__, x)


# Each case builds a batch with the given library (so tensors are that library's own).
BATCHES = {
    "ints": lambda T: [0, 1, 2, 3],
    "bools": lambda T: [True, False],
    "floats": lambda T: [1.5, 2.0, -3.25],
    "int_then_float": lambda T: [1, 2.5],
    "floats_full_precision": lambda T: [0.1, 1 / 3, 0.6877744601095357, 2, True],
    "strings": lambda T: ["a", "b", "c"],
    "bytes": lambda T: [b"a", b"bc"],
    "tensors_f32": lambda T: [T.tensor([1.0, 2.0]), T.tensor([3.0, 4.0])],
    "tensors_i64_2d": lambda T: [T.arange(6).reshape(2, 3), T.arange(6, 12).reshape(2, 3)],
    "scalar_tensors": lambda T: [T.tensor(1), T.tensor(2)],
    "tensors_mixed_dtype": lambda T: [T.zeros(2, dtype=T.int64), T.ones(2, dtype=T.float32)],
    "tensors_f32_f64": lambda T: [T.zeros(2), T.ones(2, dtype=T.float64)],
    "bool_tensors": lambda T: [T.tensor([True]), T.tensor([False])],
    "np_arrays": lambda T: [np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)],
    "np_arrays_mixed": lambda T: [np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.float32)],
    "np_uint8_images": lambda T: [np.full((2, 2, 3), 7, np.uint8), np.zeros((2, 2, 3), np.uint8)],
    "np_scalars_f32": lambda T: [np.float32(1.5), np.float32(2)],
    "np_scalars_mixed": lambda T: [np.float32(1), np.float64(2)],
    "np_scalars_int": lambda T: [np.int32(1), np.int32(-2)],
    "np_bool": lambda T: [np.bool_(True), np.bool_(False)],
    "np_0d": lambda T: [np.array(1.0), np.array(2.0)],
    "tuples": lambda T: [(0, 1), (2, 3)],
    "lists": lambda T: [[0, 1], [2, 3]],
    "tuple_tensor_label": lambda T: [(T.tensor([1.0, 2.0]), 0), (T.tensor([3.0, 4.0]), 1)],
    "dicts": lambda T: [{"A": 0, "B": 1.5}, {"A": 100, "B": 100.0}],
    "nested": lambda T: [
        {"img": T.zeros(2, 2), "meta": {"id": 1, "name": "x"}, "pair": (1, [2.0, "s"])},
        {"img": T.ones(2, 2), "meta": {"id": 2, "name": "y"}, "pair": (3, [4.0, "t"])},
    ],
    "namedtuples": lambda T: [Point(0, 1.0), Point(1, 2.0)],
    "namedtuple_arrays": lambda T: [Point(np.array(0), "a"), Point(np.array(1), "b")],
    "ordered_dict": lambda T: [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
    "custom_sequence": lambda T: [Custom(1, 2), Custom(3, 4)],
}


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_default_collate_matches_pytorch(name):
    expected = tdata.default_collate(BATCHES[name](torch))
    actual = ndata.default_collate(BATCHES[name](numtorch))
    assert py(actual) == py(expected)
    assert type(actual).__name__ == type(expected).__name__


CONVERTS = {
    "int": lambda T: 0,
    "array": lambda T: np.array([0, 1]),
    "array_f32": lambda T: np.zeros((2, 2), np.float32),
    "np_scalar": lambda T: np.float64(2.5),
    "str_array": lambda T: np.array(["a", "b"]),
    "np_str": lambda T: np.str_("hello"),
    "tensor": lambda T: T.tensor([1, 2]),
    "namedtuple": lambda T: Point(np.array(0), np.array(0)),
    "list": lambda T: [np.array([0, 1]), np.array([2, 3])],
    "tuple": lambda T: (np.int64(3), "a"),
    "dict": lambda T: {"a": np.ones(2), "b": [np.int8(1), "c"]},
    "custom_sequence": lambda T: Custom(np.int64(1), 2),
    "string": lambda T: "text",
}


@pytest.mark.parametrize("name", sorted(CONVERTS))
def test_default_convert_matches_pytorch(name):
    expected = tdata.default_convert(CONVERTS[name](torch))
    actual = ndata.default_convert(CONVERTS[name](numtorch))
    assert py(actual) == py(expected)


ERRORS = {
    "ragged_tensors": lambda T: [T.zeros(3), T.zeros(2)],
    "ragged_arrays": lambda T: [np.zeros(3), np.zeros(2)],
    "ragged_lists": lambda T: [[1, 2], [3]],
    "object": lambda T: [object()],
    "str_array": lambda T: [np.array(["a"])],
    "object_array": lambda T: [np.array([None])],
    "none": lambda T: [None, None],
    "empty": lambda T: [],
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_default_collate_errors_match_pytorch(name):
    with pytest.raises(Exception) as expected:
        tdata.default_collate(ERRORS[name](torch))
    with pytest.raises(expected.type) as actual:
        ndata.default_collate(ERRORS[name](numtorch))
    assert str(actual.value).replace("numpy.", "") == str(expected.value).replace("numpy.", "")


def test_collate_with_custom_map():
    def as_list(batch, *, collate_fn_map):
        return [b.tolist() for b in batch]

    batch = [(numtorch.tensor([1]), 2), (numtorch.tensor([3]), 4)]
    from numtorch.utils.data.collate import collate

    got = collate(batch, collate_fn_map={numtorch.Tensor: as_list, int: lambda b, **k: sum(b)})
    assert got == [[[1], [3]], 6]


def test_batched_samples_collate_like_stacking():
    x = numtorch.arange(12.0).reshape(6, 2)
    y = numtorch.arange(6)
    ds = ndata.TensorDataset(x, y)
    batch = ds.__getitems__([4, 0, 5])
    fast = ndata.default_collate(batch)
    slow = ndata.default_collate([ds[i] for i in [4, 0, 5]])
    assert py(fast) == py(slow)
    tds = tdata.TensorDataset(torch.arange(12.0).reshape(6, 2), torch.arange(6))
    assert py(fast) == py(tdata.default_collate([tds[i] for i in [4, 0, 5]]))
