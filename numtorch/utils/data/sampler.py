"""Samplers: the order in which a DataLoader visits a map-style dataset.

A sampler is any iterable of dataset keys (usually ints); a batch sampler is an iterable
of lists of keys. The random samplers make exactly the random calls PyTorch makes, in the
same order, so that a seed gives the same indices in numtorch and in PyTorch:

* ``RandomSampler`` without a generator first draws a 64-bit seed from the global
  generator (``empty((), dtype=int64).random_()``), seeds a private ``Generator`` with it,
  then draws ``randperm(n)`` once per pass over the data (``num_samples // n`` full passes
  and one more permutation cut to ``num_samples % n``), or with ``replacement=True``
  ``randint(0, n, (32,))`` chunks followed by one chunk of ``num_samples % 32``.
* ``SubsetRandomSampler`` draws one ``randperm(len(indices))``.
* ``WeightedRandomSampler`` draws one ``multinomial(weights, num_samples, replacement)``.

NOTE [ Index chunks ]
Each built-in sampler produces its indices as a few NumPy arrays ("chunks": one per random
call) from ``_index_chunks()``, and ``__iter__`` just walks those chunks. ``BatchSampler``
can then cut batches straight out of the arrays (``_index_batches()``), so the loader never
iterates over single indices in Python. The chunks are drawn lazily, at the moment PyTorch
would make the same call, so interleaved use of a shared generator stays identical.
A subclass that overrides ``__iter__`` is honoured: its batches are built from ``__iter__``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

from numtorch import _dtype
from numtorch import random as _random
from numtorch._ops import creation as _creation
from numtorch._tensor import Tensor

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

_T_co = TypeVar("_T_co", covariant=True)


class Sampler(Generic[_T_co]):
    """Base class for samplers: subclasses provide ``__iter__`` (and usually ``__len__``).

    No default ``__len__`` is given on purpose: ``len()`` on a sampler without one raises
    ``TypeError``, which lets ``list(sampler)`` fall back to plain iteration.

    Example:
        >>> class EvenFirst(Sampler[int]):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter([*range(0, self.n, 2), *range(1, self.n, 2)])
        ...     def __len__(self):
        ...         return self.n
        >>> list(EvenFirst(5))
        [0, 2, 4, 1, 3]
    """

    def __iter__(self) -> Iterator[_T_co]:
        raise NotImplementedError


def _iter_chunks(self) -> Iterator[int]:
    """``__iter__`` of the built-in samplers: the chunks' indices as Python ints."""
    for chunk in self._index_chunks():
        yield from chunk.tolist()


def _chunks_of(sampler) -> Iterator[np.ndarray] | None:
    """The sampler's index chunks, or ``None`` if its ``__iter__`` is user code."""
    cls_iter = getattr(type(sampler), "__iter__", None)
    if cls_iter is _iter_chunks:
        return sampler._index_chunks()
    if cls_iter is SubsetRandomSampler.__iter__ and sampler._has_int_indices():
        return sampler._index_chunks()
    return None


class SequentialSampler(Sampler[int]):
    """Yields ``0, 1, ..., len(data_source) - 1``, always in that order.

    Args:
        data_source: anything with a length (the dataset).

    Example:
        >>> list(SequentialSampler(range(4)))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    __iter__ = _iter_chunks

    def _index_chunks(self) -> Iterator[np.ndarray]:
        yield np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


def _fresh_generator():
    """A private Generator seeded from the global one, as PyTorch's RandomSampler does."""

    seed = int(_creation.empty((), dtype=_dtype.int64).random_().item())
    generator = _random.Generator()
    generator.manual_seed(seed)
    return generator


class RandomSampler(Sampler[int]):
    """Yields the dataset's indices in a random order.

    Without replacement each pass is a random permutation of ``range(n)``; with
    ``num_samples > n`` several passes follow each other. With replacement each index is
    drawn uniformly and independently from ``[0, n)``.

    Args:
        data_source: the dataset (only its length is used, read at every ``iter``).
        replacement: draw with replacement. Default ``False``.
        num_samples: how many indices to yield. Default ``len(data_source)``.
        generator: the ``Generator`` to draw from; by default a fresh one seeded from the
            global generator at the start of each pass.

    Example:
        >>> import numtorch
        >>> g = numtorch.Generator().manual_seed(0)
        >>> sorted(RandomSampler(range(5), generator=g))
        [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator=None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={self.replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                "num_samples should be a positive integer value, "
                f"but got num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """``num_samples`` if given, else the dataset's current length."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    __iter__ = _iter_chunks

    def _index_chunks(self) -> Iterator[np.ndarray]:

        n = len(self.data_source)
        generator = _fresh_generator() if self.generator is None else self.generator
        num_samples = self.num_samples
        if self.replacement:
            for _ in range(num_samples // 32):
                yield _random.randint(
                    0, n, (32,), dtype=_dtype.int64, generator=generator
                )._data
            yield _random.randint(
                0, n, (num_samples % 32,), dtype=_dtype.int64, generator=generator
            )._data
        else:
            for _ in range(num_samples // n):
                yield _random.randperm(n, generator=generator)._data
            yield _random.randperm(n, generator=generator)._data[: num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """Yields the given indices in a random order (one permutation, no replacement).

    Args:
        indices: the dataset keys to visit.
        generator: the ``Generator`` to draw the permutation from (default: the global one).

    Example:
        >>> sorted(SubsetRandomSampler([10, 20, 30]))
        [10, 20, 30]
    """

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:

        for i in _random.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def _index_chunks(self) -> Iterator[np.ndarray]:

        keys = np.asarray(self.indices)
        perm = _random.randperm(len(self.indices), generator=self.generator)._data
        yield keys[perm]

    def _has_int_indices(self) -> bool:
        if not isinstance(self.indices, (list, tuple, range, np.ndarray)):
            return False
        if isinstance(self.indices, np.ndarray):
            return self.indices.ndim == 1 and self.indices.dtype.kind in "iu"
        return all(type(i) is int for i in self.indices)

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    r"""Yields ``num_samples`` indices drawn with probability proportional to ``weights``.

    .. math:: P(i) = w_i / \sum_j w_j

    Without replacement an index, once drawn, is removed from the pool.

    Args:
        weights: one non-negative weight per index (need not sum to one).
        num_samples: how many indices to draw.
        replacement: draw with replacement. Default ``True``.
        generator: the ``Generator`` to draw from (default: the global one).

    Example:
        >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3))
        [1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator=None,
    ) -> None:

        if (
            not isinstance(num_samples, int)
            or isinstance(num_samples, bool)
            or num_samples <= 0
        ):
            raise ValueError(
                "num_samples should be a positive integer value, "
                f"but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        weights_tensor = None
        if not isinstance(weights, (Tensor, np.ndarray)):
            try:  # Python numbers straight to float64, never through the float32 default
                weights_tensor = _creation.as_tensor(np.asarray(weights, dtype=np.float64))
            except (TypeError, ValueError):
                pass  # ragged or not numbers: the error comes from as_tensor below
        if weights_tensor is None:
            weights_tensor = _creation.as_tensor(weights, dtype=_dtype.float64)
        if len(weights_tensor.shape) != 1:
            raise ValueError(
                "weights should be a 1d sequence but given "
                f"weights have shape {tuple(weights_tensor.shape)}"
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    __iter__ = _iter_chunks

    def _index_chunks(self) -> Iterator[np.ndarray]:

        yield _random.multinomial(
            self.weights, self.num_samples, self.replacement, generator=self.generator
        )._data

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of another sampler into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices (a Sampler, a list, a range...).
        batch_size: the size of each batch.
        drop_last: drop the last batch if it would be smaller than ``batch_size``.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(
        self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool
    ) -> None:
        if (
            not isinstance(batch_size, int)
            or isinstance(batch_size, bool)
            or batch_size <= 0
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last}"
            )
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        chunks = _chunks_of(self.sampler)
        if chunks is not None:
            for batch in self._cut(chunks):
                yield batch.tolist()
            return
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def _index_batches(self) -> Iterator[np.ndarray | list]:
        """Batches as int64 arrays when the sampler gives chunks (NOTE [ Index chunks ]).

        Falls back to the lists of ``__iter__`` for samplers written by the user.
        """
        chunks = _chunks_of(self.sampler)
        if chunks is None:
            yield from iter(self)
        else:
            yield from self._cut(chunks)

    def _cut(self, chunks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """Cut consecutive batches out of the chunks, pulling a chunk only when needed."""
        size = self.batch_size
        pending = np.empty(0, dtype=np.int64)
        for chunk in chunks:
            if len(pending):
                chunk = np.concatenate([pending, chunk])
            full = len(chunk) - len(chunk) % size
            for start in range(0, full, size):
                yield chunk[start : start + size]
            pending = chunk[full:]
        if len(pending) and not self.drop_last:
            yield pending

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
