"""Collation: turning a list of samples into one batch.

``default_collate`` is what the DataLoader uses when it batches automatically. It looks at
the first sample of the batch and recurses into its structure:

=====================================  =============================================
element type                           batch becomes
=====================================  =============================================
``Tensor``                             ``stack(batch, 0)`` (a new leading dimension)
NumPy array                            a Tensor, stacked the same way
NumPy scalar (``np.float32(1.0)``)     a 1-d Tensor of that dtype
``float``                              a ``float64`` Tensor
``int`` (and ``bool``)                 ``tensor(batch)``: ``int64`` (``bool``)
``str`` / ``bytes``                    the list, unchanged
``Mapping``                            the same mapping type, each key collated
namedtuple                             the same namedtuple, each field collated
``tuple``                              a *list* of collated fields (kept from PyTorch)
other ``Sequence``                     the same sequence type of collated fields
=====================================  =============================================

``default_convert`` is the batch-less variant (``batch_size=None``): it only turns NumPy
arrays and scalars into Tensors, recursing into the same containers.

See NOTE [ Batched samples ] in ``batched.py`` for how a batch fetched in one call with
``__getitems__`` skips the per-sample work entirely.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._ops import creation as _creation
from numtorch._ops import movement as _movement
from numtorch._tensor import Tensor, _wrap

from .batched import BatchedSamples

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

# NumPy dtype strings for bytes ("S"), unicode ("U", "a") and object ("O") arrays: these are
# not numbers and are never turned into Tensors.
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}"
)


def _np_to_tensor(array: np.ndarray) -> Tensor:
    """Wrap a NumPy array (shared, not copied) as a Tensor, with the core's dtype checks."""

    return _creation.as_tensor(array)


def _ragged_error(shapes: list) -> RuntimeError:
    """PyTorch's message for stacking tensors of different shapes."""
    i = next(i for i, shape in enumerate(shapes) if tuple(shape) != tuple(shapes[0]))
    shape = shapes[i]
    return RuntimeError(
        "stack expects each tensor to be equal size, but got "
        f"{list(shapes[0])} at entry 0 and {list(shape)} at entry {i}"
    )


def _stack_tensors(batch: list[Tensor]) -> Tensor:
    """``stack(batch, 0)`` in one NumPy call, with PyTorch's ragged-batch message."""
    arrays = [t._data for t in batch]
    tracked = any([t._requires_grad for t in batch])
    try:
        out = None if tracked else np.array(arrays)
    except ValueError:
        raise _ragged_error([a.shape for a in arrays]) from None
    if out is None or out.dtype != arrays[0].dtype:
        # A tracked input keeps its graph; mixed dtypes follow PyTorch's promotion.
        if len({a.shape for a in arrays}) > 1:
            raise _ragged_error([a.shape for a in arrays])

        return _movement.stack(batch, 0)
    return _wrap(out)


# ---------------------------------------------------------------------------------------------
# default_convert
# ---------------------------------------------------------------------------------------------


def _is_numpy_value(data: Any) -> bool:
    elem_type = type(data)
    return elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_")


def default_convert(data: Any) -> Any:
    """Convert every NumPy array and scalar inside ``data`` into a Tensor.

    Containers (mappings, namedtuples, tuples, sequences) are walked and rebuilt; tuples
    come back as lists, as in PyTorch. Everything else is returned unchanged. This is the
    DataLoader's ``collate_fn`` when automatic batching is off (``batch_size=None``).

    Args:
        data: one sample.

    Example:
        >>> import numpy as np
        >>> default_convert(np.array([0, 1]))
        tensor([0, 1])
        >>> default_convert((np.int64(3), "a"))
        [tensor(3), 'a']
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy_value(data):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return _np_to_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


# ---------------------------------------------------------------------------------------------
# collate and its per-type functions
# ---------------------------------------------------------------------------------------------


def collate(batch: Any, *, collate_fn_map: dict | None = None) -> Any:
    """Collate ``batch`` (a list of samples) by the type of its first element.

    ``collate_fn_map`` maps an element type (or a tuple of types) to a function
    ``fn(batch, *, collate_fn_map)``. An exact type match wins; otherwise the keys are
    tried in insertion order with ``isinstance``. Containers are recursed into here.

    Args:
        batch: the samples to merge.
        collate_fn_map: the per-type collate functions.

    Example:
        >>> collate([(0, "a"), (1, "b")], collate_fn_map=default_collate_fn_map)
        [tensor([0, 1]), ('a', 'b')]
    """
    if (
        isinstance(batch, BatchedSamples)
        and collate_fn_map is default_collate_fn_map
        and collate_fn_map.get(Tensor) is collate_tensor_fn
    ):
        return batch.collated()
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    def sub(samples):
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: sub([d[key] for d in batch]) for key in elem})
                return clone
            return elem_type({key: sub([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: sub([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [sub(samples) for samples in transposed]  # tuples become lists
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = sub(samples)
                return clone
            return elem_type([sub(samples) for samples in transposed])
        except TypeError:
            return [sub(samples) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """Stack a batch of Tensors along a new dimension 0."""
    return _stack_tensors(list(batch))


def collate_numpy_array_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Any:
    """Stack a batch of NumPy arrays into one Tensor (string/object arrays are refused)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    fast = collate_fn_map is None or collate_fn_map.get(Tensor) is collate_tensor_fn
    if fast and all(type(b) is np.ndarray for b in batch):
        # Stack the arrays first and convert once (same result as stacking the tensors).
        try:
            out = np.array(list(batch))
        except ValueError:
            raise _ragged_error([b.shape for b in batch]) from None
        if out.dtype == elem.dtype:
            return _np_to_tensor(out)
    return collate([_np_to_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """A batch of NumPy scalars becomes a 1-d Tensor of their (promoted) dtype."""
    return _np_to_tensor(np.asarray(list(batch)))


def collate_float_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """Python floats become a ``float64`` Tensor (no precision is lost)."""

    try:
        # Straight to float64: no detour through the default (float32) dtype.
        return _wrap(np.array(list(batch), dtype=np.float64))
    except (TypeError, ValueError):
        return _creation.tensor(list(batch), dtype=_dtype.float64)


def collate_int_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """Python ints (or bools) become ``tensor(batch)``: ``int64`` (``bool``)."""

    return _creation.tensor(list(batch))


def collate_str_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Any:
    """Strings and bytes are left as they are: the batch is the list itself."""
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: Any) -> Any:
    """Merge a list of samples into a batch, keeping the samples' structure.

    The rules are those of the table at the top of this module: Tensors, arrays and
    numbers are stacked along a new first dimension; containers are collated field by
    field. A batch fetched in one call (see ``BatchedSamples``) is already collated and is
    returned at no cost.

    Args:
        batch: a list of samples (or a ``BatchedSamples``).

    Example:
        >>> default_collate([0, 1, 2, 3])
        tensor([0, 1, 2, 3])
        >>> default_collate([{"A": 0, "B": 1}, {"A": 100, "B": 100}])
        {'A': tensor([  0, 100]), 'B': tensor([  1, 100])}
        >>> default_collate([(0, 1), (2, 3)])
        [tensor([0, 2]), tensor([1, 3])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
