"""BatchedSamples: a whole batch fetched in one call, already in collated form.

NOTE [ Batched samples ]
A DataLoader epoch over in-memory tensors should not touch each sample in Python. When a
dataset has ``__getitems__(indices)``, the loader asks it for the whole batch at once.
``TensorDataset.__getitems__`` answers with one fancy-indexing call per tensor and wraps
the results in a ``BatchedSamples``:

* to ``default_collate`` it is *already collated*: ``collated()`` returns the list of
  batched tensors that stacking the samples one by one would have produced, at no cost;
* to anyone else it is an ordinary read-only sequence of samples: ``batch[i]`` is
  exactly ``dataset[indices[i]]``, ``len(batch)`` is the batch size, and iterating,
  ``zip(*batch)`` or ``list(batch)`` all work. (The DataLoader hands a custom
  ``collate_fn`` ``list(batch)``, a real list, as PyTorch would.)

The batch is stored as *columns*, one per field of a sample. A column is a Tensor whose
first dimension is the batch, a nested ``BatchedSamples`` (a field that is itself a
batch, e.g. from ``StackDataset``), or a plain list of per-sample values (collated by
``default_collate`` when asked). A sample is a tuple of its fields, or a dict when the
batch has ``keys``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from numtorch._tensor import Tensor

__all__ = ["BatchedSamples"]


class BatchedSamples(Sequence):
    """A batch of samples kept as columns (see NOTE [ Batched samples ]).

    Args:
        columns: one entry per field: a batched Tensor, a nested ``BatchedSamples`` or a
            list with one value per sample.
        length: the number of samples.
        keys: field names when each sample is a dict; ``None`` for tuple samples.

    Example:
        >>> import numtorch
        >>> b = BatchedSamples((numtorch.tensor([[1, 2], [3, 4]]), numtorch.tensor([0, 1])), 2)
        >>> b[1]
        (tensor([3, 4]), tensor(1))
        >>> b.collated()
        [tensor([[1, 2],
                [3, 4]]), tensor([0, 1])]
    """

    __slots__ = ("columns", "keys", "_length")

    def __init__(self, columns: tuple, length: int, keys: tuple | None = None) -> None:
        self.columns = tuple(columns)
        self.keys = None if keys is None else tuple(keys)
        self._length = int(length)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i: int) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._length))]
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("list index out of range")
        fields = tuple(column[i] for column in self.columns)
        if self.keys is not None:
            return dict(zip(self.keys, fields))
        return fields

    def collated(self) -> Any:
        """The batch as ``default_collate`` would build it from the samples.

        Tuple samples give a list of fields (PyTorch's tuple-to-list rule), dict samples
        a dict; each Tensor column is returned as it is, without a copy.
        """

        from .collate import default_collate

        # A plain column is what transposing the samples gives: a tuple of values for
        # tuple samples, a list for dict samples (strings are passed through as such).
        as_column = list if self.keys is not None else tuple
        fields = [
            c if isinstance(c, Tensor) else c.collated() if isinstance(c, BatchedSamples)
            else default_collate(as_column(c))
            for c in self.columns
        ]
        if self.keys is not None:
            return dict(zip(self.keys, fields))
        return fields

    def __repr__(self) -> str:
        return f"BatchedSamples(length={self._length}, fields={len(self.columns)})"

    def __getstate__(self):
        return (self.columns, self.keys, self._length)

    def __setstate__(self, state) -> None:
        self.columns, self.keys, self._length = state
