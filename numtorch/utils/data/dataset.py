"""Datasets: map-style (``__getitem__`` + ``__len__``) and iterable-style (``__iter__``).

A map-style dataset may also implement ``__getitems__(indices)`` returning the samples of
a whole batch; the DataLoader then fetches each batch in one call. ``TensorDataset`` and
``Subset`` do so with array indexing (see NOTE [ Batched samples ] in ``batched.py``).
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import numpy as np

from numtorch import random as _random
from numtorch._tensor import Tensor, _wrap

from .batched import BatchedSamples

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


def _as_index_array(indices) -> np.ndarray:
    """A batch of keys as an int64 array (lists of ints, ranges and arrays are accepted)."""
    array = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if array.dtype.kind not in "iu":
        if array.size:
            raise TypeError(f"indices must be integers, not {array.dtype}")
    return array.astype(np.int64, copy=False)


class Dataset(Generic[_T_co]):
    """A map from keys (usually ``0 .. len - 1``) to samples.

    Subclasses implement ``__getitem__`` and usually ``__len__``; they may implement
    ``__getitems__(indices)`` to return a batch of samples at once. ``a + b`` concatenates.

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i * i
        >>> [Squares()[i] for i in range(4)]
        [0, 1, 4, 9]
        >>> len(Squares() + Squares())
        8
    """

    def __getitem__(self, index) -> _T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[_T_co]) -> ConcatDataset[_T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[_T_co], Iterable[_T_co]):
    """A stream of samples: subclasses implement ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy; use
    ``get_worker_info()`` inside ``__iter__`` (or in ``worker_init_fn``) to give each
    worker its own share of the stream. ``a + b`` chains two streams.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(3))
        >>> list(Count() + Count())
        [0, 1, 2, 0, 1, 2]
    """

    def __add__(self, other: Dataset[_T_co]):
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are rows of tensors: ``dataset[i] == (t[i] for t in tensors)``.

    Args:
        *tensors: tensors with the same size of the first dimension.

    Example:
        >>> import numtorch
        >>> ds = TensorDataset(numtorch.arange(6).reshape(3, 2), numtorch.tensor([0, 1, 0]))
        >>> ds[1]
        (tensor([2, 3]), tensor(1))
        >>> ds.__getitems__([2, 0]).collated()
        [tensor([[4, 5],
                [0, 1]]), tensor([0, 0])]
    """

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __getitems__(self, indices) -> BatchedSamples | list:
        """The whole batch with one fancy-indexing call per tensor."""
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            # A subclass changed what a sample is: respect it, one sample at a time.
            return [self[i] for i in (indices.tolist() if isinstance(indices, np.ndarray)
                                      else indices)]
        idx = _as_index_array(indices)
        n = len(self)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = next(i for i in idx.tolist() if not -n <= i < n)
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        columns = tuple(
            t[_wrap(idx)] if t.requires_grad else _wrap(t._data[idx]) for t in self.tensors
        )
        return BatchedSamples(columns, len(idx))

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Zips datasets of equal length: samples are tuples (``*args``) or dicts (``**kwargs``).

    Args:
        *args: datasets whose samples form a tuple.
        **kwargs: datasets whose samples form a dict under these keys.

    Example:
        >>> StackDataset(range(3), "abc")[1]
        (1, 'b')
        >>> StackDataset(x=range(3), y="abc")[2]
        {'x': 2, 'y': 'c'}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args:
            if kwargs:
                raise ValueError(
                    "Supported either ``tuple``- (via ``args``) or"
                    "``dict``- (via ``kwargs``) like input/output, but both types are given."
                )
            datasets = list(args)
        elif kwargs:
            datasets = list(kwargs.values())
        else:
            raise ValueError("At least one dataset should be passed")
        self._length = len(datasets[0])
        if any(self._length != len(dataset) for dataset in datasets):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: dataset[index] for k, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __getitems__(self, indices) -> list | BatchedSamples:
        """A batch: each member dataset is asked for its part with ``__getitems__`` if it can."""
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()
        keyed = isinstance(self.datasets, dict)
        datasets = list(self.datasets.values()) if keyed else list(self.datasets)
        columns = []
        for dataset in datasets:
            if callable(getattr(dataset, "__getitems__", None)):
                items = dataset.__getitems__(indices)
                if len(items) != len(indices):
                    raise ValueError(
                        "Nested dataset's output size mismatch."
                        f" Expected {len(indices)}, got {len(items)}"
                    )
            else:
                items = [dataset[idx] for idx in indices]
            columns.append(items)
        if any(isinstance(c, BatchedSamples) for c in columns):
            keys = tuple(self.datasets) if keyed else None
            return BatchedSamples(tuple(columns), len(indices), keys)
        if keyed:
            return [dict(zip(self.datasets, fields)) for fields in zip(*columns)]
        return [tuple(fields) for fields in zip(*columns)]

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[_T_co]):
    """Datasets one after another: index ``i`` is looked up in the dataset that holds it.

    Args:
        datasets: the map-style datasets to concatenate.

    Example:
        >>> ds = ConcatDataset([range(3), range(10, 12)])
        >>> len(ds), ds[3], ds.cumulative_sizes
        (5, 10, [3, 5])
    """

    @staticmethod
    def cumsum(sequence) -> list[int]:
        """Running totals of the datasets' lengths."""
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]

    @property
    def cummulative_sizes(self) -> list[int]:
        """Old misspelt name of ``cumulative_sizes``."""
        warnings.warn(
            "`cummulative_sizes` attribute is renamed to `cumulative_sizes`",
            FutureWarning,
            stacklevel=2,
        )
        return self.cumulative_sizes


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, chained lazily.

    Args:
        datasets: the iterable datasets to chain.

    Example:
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(2))
        ...     def __len__(self):
        ...         return 2
        >>> ds = ChainDataset([Count(), Count()])
        >>> list(ds), len(ds)
        ([0, 1, 0, 1], 4)
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[_T_co]):
    """The samples of ``dataset`` at ``indices``: ``subset[i] == dataset[indices[i]]``.

    A subclass that overrides ``__getitem__`` must also override ``__getitems__`` (the
    loader fetches batches through it), as in PyTorch.

    Args:
        dataset: the whole dataset.
        indices: the keys of the samples to keep.

    Example:
        >>> s = Subset(range(10, 20), [3, 1])
        >>> len(s), s[0], s.__getitems__([1, 0])
        (2, 13, [11, 13])
    """

    def __init__(self, dataset: Dataset[_T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        if (
            type(self).__getitem__ is not Subset.__getitem__
            and type(self).__getitems__ is Subset.__getitems__
        ):
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. "
                "When subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\n"
                "def __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]"
            )

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def _mapped_keys(self, indices) -> np.ndarray | None:
        """``self.indices[k]`` for each key, as an int64 array; ``None`` if they are not ints.

        ``self.indices`` is read afresh at every batch (nothing is cached), so a list of
        indices changed in place is honoured, as in PyTorch.
        """
        keys = _as_index_array(indices)
        table = self.indices
        if isinstance(table, Tensor):
            table = table._data
        if isinstance(table, np.ndarray):
            if table.ndim != 1 or table.dtype.kind not in "iu":
                return None
            return table[keys].astype(np.int64, copy=False)
        try:
            return _as_index_array([table[k] for k in keys.tolist()])
        except (TypeError, ValueError):
            return None

    def __getitems__(self, indices) -> list | BatchedSamples:
        """Map the batch's keys through ``indices``, then fetch the batch in one call."""
        if _accepts_index_array(self.dataset):
            mapped = self._mapped_keys(indices)
            if mapped is not None and mapped.ndim == 1:
                return self.dataset.__getitems__(mapped)
        keys = indices.tolist() if isinstance(indices, np.ndarray) else indices
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in keys])
        return [self.dataset[self.indices[idx]] for idx in keys]

    def __len__(self) -> int:
        return len(self.indices)


def _accepts_index_array(dataset) -> bool:
    """Whether ``dataset.__getitems__`` is one of ours, which accept an int64 array."""
    return getattr(type(dataset), "__getitems__", None) in _ARRAY_GETITEMS


_ARRAY_GETITEMS = {TensorDataset.__getitems__, StackDataset.__getitems__, Subset.__getitems__}


def random_split(
    dataset: Dataset[_T],
    lengths: Sequence[int | float],
    generator=None,
) -> list[Subset[_T]]:
    """Split ``dataset`` at random into non-overlapping ``Subset`` s of the given lengths.

    ``lengths`` may be fractions summing to 1: each split gets ``floor(frac * n)`` samples
    and the ``r`` left over are handed out one each to the first ``r`` splits (round
    robin). The split is ``randperm(n, generator=generator)`` cut into consecutive pieces,
    so a seed gives the same split as PyTorch.

    Args:
        dataset: the dataset to split.
        lengths: the lengths, or fractions, of the splits.
        generator: the ``Generator`` for the permutation (default: the global one).

    Example:
        >>> import numtorch
        >>> g = numtorch.Generator().manual_seed(42)
        >>> a, b = random_split(range(10), [0.7, 0.3], generator=g)
        >>> len(a), len(b), sorted([*a, *b]) == list(range(10))
        (7, 3, True)
    """

    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths: list[int] = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(n * frac))
        remainder = n - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = _random.randperm(sum(lengths), generator=generator).tolist()
    return [
        Subset(dataset, indices[offset - length : offset])
        for offset, length in zip(itertools.accumulate(lengths), lengths)
    ]
