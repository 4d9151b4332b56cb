"""Packed sequences: a batch of variable-length sequences stored without padding.

A ``PackedSequence`` holds the steps of ``B`` sequences sorted by decreasing length, time-major:
``data`` has step 0 of every sequence, then step 1 of every sequence still running, and so on;
``batch_sizes[t]`` says how many sequences are still running at step ``t``.  For sequences
``abc`` and ``x`` that is ``data = a x b c`` with ``batch_sizes = [2, 1, 1]``.  When the caller's
batch was not sorted, ``sorted_indices`` holds the order used (``sorted_indices[i]`` is the
caller's index of the ``i``-th longest sequence) and ``unsorted_indices`` its inverse.  Every
recurrent module accepts one and returns its output packed the same way.

Packing and padding are gathers (one indexing op each), so gradients flow through both.

Example:
    >>> import numtorch
    >>> a, b = numtorch.tensor([1, 2, 3]), numtorch.tensor([4])
    >>> p = pack_sequence([a, b])
    >>> p.data.tolist(), p.batch_sizes.tolist()
    ([1, 4, 2, 3], [2, 1, 1])
    >>> padded, lengths = pad_packed_sequence(p, batch_first=True)
    >>> padded.tolist(), lengths.tolist()
    ([[1, 2, 3], [4, 0, 0]], [3, 1])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from numtorch import _dtype
from numtorch._ops import creation as _creation
from numtorch._ops import movement as _movement
from numtorch._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """The data and per-step batch sizes of a packed batch of sequences (see the module docstring).

    Made by ``pack_padded_sequence`` and ``pack_sequence`` rather than by hand.  Given only
    ``sorted_indices``, ``unsorted_indices`` is computed as its inverse; given ``data`` as a
    pair ``(data, batch_sizes)``, the pair is unpacked.

    Attributes:
        data: the packed steps ``(sum(batch_sizes), *)``.
        batch_sizes: int64, how many sequences run at each step.
        sorted_indices: the order the sequences were packed in, or None.
        unsorted_indices: its inverse, or None.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with(self, data: Tensor) -> PackedSequence:
        return self if data is self.data else type(self)(
            data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(*args, **kwargs)``; ``self`` when that changes nothing (batch_sizes stays)."""
        return self._with(self.data.to(*args, **kwargs))

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self._with(self.data.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self._with(self.data.cpu(*args, **kwargs))

    def pin_memory(self) -> PackedSequence:
        return self._with(self.data.pin_memory())

    def double(self) -> PackedSequence:
        return self.to(dtype=_dtype.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_dtype.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_dtype.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=_dtype.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_dtype.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=_dtype.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=_dtype.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return self.data.is_pinned()


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation (None stays None): ``out[permutation[i]] = i``."""
    if permutation is None:
        return None
    p = np.asarray(permutation._data, dtype=np.int64)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=np.int64)
    return _creation.as_tensor(out)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return np.asarray(lengths._data).astype(np.int64)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of the
    given ``lengths``; steps past a sequence's length are dropped.

    With ``enforce_sorted`` the lengths must be in decreasing order; otherwise the batch is
    sorted (stably, longest first) and the order kept in ``sorted_indices``.

    Example:
        >>> import numtorch
        >>> x = numtorch.tensor([[1, 4], [2, 0], [3, 0]])        # T=3, B=2
        >>> pack_padded_sequence(x, [3, 1]).data.tolist()
        [1, 4, 2, 3]
    """
    lens = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _creation.as_tensor(order.astype(np.int64))
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if batch_first:
        input = input.transpose(0, 1)
    t_in, b = input.shape[0], input.shape[1]
    if lens.shape[0] != b:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.shape[0]} (batch_size={b})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if np.any(lens[1:] > lens[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
            "sidestep this requirement if you do not need ONNX exportability.")
    steps = int(lens[0])
    alive = np.arange(steps)[:, None] < lens[None, :]            # (T, B), prefix rows per step
    batch_sizes = alive.sum(axis=1).astype(np.int64)
    idx = np.flatnonzero(alive)                                   # time-major positions
    flat = input.reshape((t_in * b,) + tuple(input.shape[2:]))
    data = flat[_creation.as_tensor(idx)]
    return PackedSequence(data, _creation.as_tensor(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None) -> tuple:
    """Undo ``pack_padded_sequence``: the padded batch and each sequence's length, in the
    caller's original order.

    Args:
        sequence: the packed batch.
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value of the padded positions.
        total_length: pad to this many steps (at least the longest sequence's length).
    """
    bs = np.asarray(sequence.batch_sizes._data, dtype=np.int64)
    max_len = bs.shape[0]
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    data = sequence.data
    n, b = data.shape[0], int(bs[0])
    rest = tuple(data.shape[1:])
    lengths = (bs[None, :] > np.arange(b)[:, None]).sum(axis=1).astype(np.int64)
    order = np.arange(b) if sequence.unsorted_indices is None else \
        np.asarray(sequence.unsorted_indices._data, dtype=np.int64)
    alive = np.arange(max_len)[:, None] < lengths[None, :]       # (T, B), prefix rows per step
    pos = np.full((max_len, b), n, np.int64)                     # n: the padding row
    pos[alive] = np.arange(n)
    pos = pos[:, order]
    if batch_first:
        pos = pos.T
    pad = _creation.full((1,) + rest, padding_value, dtype=data.dtype)
    padded = _movement.cat([data, pad])[_creation.as_tensor(np.ascontiguousarray(pos))]
    return padded, _creation.as_tensor(lengths[order])


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``),
    ``T = max L_i``, filling with ``padding_value`` on the ``padding_side`` (right or left).

    Example:
        >>> import numtorch
        >>> pad_sequence([numtorch.tensor([1, 2]), numtorch.tensor([3])], batch_first=True).tolist()
        [[1, 2], [3, 0]]
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}")
    seqs = tuple(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    dt = seqs[0].dtype
    lens = np.array([s.shape[0] for s in seqs], np.int64)
    rest = tuple(seqs[0].shape[1:])
    for s in seqs[1:]:
        for k, (x, y) in enumerate(zip(rest[::-1], tuple(s.shape[1:])[::-1])):
            if x != y:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                                   f"({y}) at non-singleton dimension {len(rest) - k}")
    n, t = int(lens.sum()), int(lens.max())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    step = np.arange(t)[None, :]
    if padding_side == "right":
        alive = step < lens[:, None]
        pos = starts[:, None] + step
    else:
        shift = t - lens[:, None]
        alive = step >= shift
        pos = starts[:, None] + step - shift
    pos = np.where(alive, pos, n)                                # (B, T); n: the padding row
    if not batch_first:
        pos = pos.T
    parts = [s if s.dtype == dt else s.to(dt) for s in seqs]
    pad = _creation.full((1,) + rest, padding_value, dtype=dt)
    return _movement.cat(parts + [pad])[_creation.as_tensor(np.ascontiguousarray(pos))]


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """Split a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) back into its
    sequences ``(L_i, *)``; gradients flow back to the padded batch.

    (PyTorch transposes a time-major input in place as a side effect; here it is left as it is.)
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lens, strict=True)]


def pack_sequence(sequences: list, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)``: ``pad_sequence`` then ``pack_padded_sequence``."""
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences in a packed batch, in the caller's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
