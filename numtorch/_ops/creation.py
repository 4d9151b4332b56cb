"""Making tensors: tensor, as_tensor, from_numpy, zeros/ones/full/empty, eye, arange,
linspace, *_like.

dtype inference follows PyTorch: Python floats become the default float dtype
(float32), Python ints int64, bools bool; NumPy arrays keep their dtype.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype
from .._size import (
    _INT64_MAX,
    CPU,
    Size,
    check_device,
    check_factory_device,
    memory_error,
    unpack_error,
)
from .._tensor import Tensor, _wrap
from ._core import scalar_dtype
from .movement import _shape_args

__all__ = ["arange", "as_tensor", "empty", "empty_like", "eye", "from_numpy", "full", "full_like",
           "linspace", "logspace", "ones", "ones_like", "range", "scalar_tensor", "tensor", "zeros",
           "zeros_like"]


def _np_dtype(dtype):
    return None if dtype is None else _dtype.as_np(dtype)


def _check_dtype(dtype):
    if dtype is not None and not isinstance(dtype, _dtype.dtype):
        raise TypeError("dtype must be a numtorch dtype (e.g. torch.float32), not "
                        f"{type(dtype).__name__}")


def _new_array(shape: tuple, dt, fill=None) -> np.ndarray:
    """A new array of ``shape`` and NumPy dtype ``dt`` (filled with ``fill`` unless None).

    A tensor too large to allocate raises PyTorch's RuntimeError (NOTE [ allocation failures ]).
    """
    try:
        return np.empty(shape, dt) if fill is None else np.full(shape, fill, dt)
    except (MemoryError, ValueError) as e:
        raise memory_error(e, shape, np.dtype(dt).itemsize) from None


def _finish(a: np.ndarray, requires_grad: bool) -> Tensor:
    t = _wrap(a)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _has_array_leaves(data) -> bool:
    """Does a nested Python sequence hold tensors or NumPy values (which keep their own dtype)?"""
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (Tensor, np.ndarray, np.generic))


def _infer_array(data, dtype=None) -> np.ndarray:
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        if data.dtype not in _dtype._FROM_NP:
            _dtype.from_np(data.dtype)
        return data.copy()
    if isinstance(data, (bool, np.bool_)):
        return np.array(data, np.bool_)
    if isinstance(data, np.generic):
        return np.array(data)
    if isinstance(data, numbers.Integral):
        return np.array(data, np.int64)
    if isinstance(data, numbers.Real):
        return np.array(data, dtype.np if dtype is not None else _dtype.get_default_dtype().np)
    if isinstance(data, (list, tuple)):
        try:
            a = np.array(data)
        except ValueError:
            _ragged(data)
            raise
        if a.dtype == object:
            _ragged(data)
            raise TypeError(f"Could not infer dtype of {type(data[0]).__name__}")
        if dtype is not None and a.dtype.kind in "biuf":
            # straight from Python's float64 values: no detour via float32
            return a.astype(dtype.np)
        if a.dtype.kind == "f" and not _has_array_leaves(data):
            a = a.astype(_dtype.get_default_dtype().np)
        elif a.dtype.kind in "iu" and not _has_array_leaves(data):
            a = a.astype(np.int64)
        elif a.dtype.kind in "US":
            raise TypeError("new(): invalid data type 'str'")
        if a.dtype not in _dtype._FROM_NP:
            a = a.astype(_dtype.get_default_dtype().np)
        return a
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if hasattr(data, "__array__"):
        return np.array(data)
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _ragged(data, dim=0):
    """Raise PyTorch's ValueError for a ragged nested list."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    first = data[0]
    if isinstance(first, (list, tuple)):
        n = len(first)
        for item in data[1:]:
            if not isinstance(item, (list, tuple)):
                raise TypeError("not a sequence")
            if len(item) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got "
                                 f"{len(item)})")
        for item in data:
            _ragged(item, dim + 1)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested sequence, ndarray or tensor).

    Python floats become the default dtype (float32), ints int64, bools bool; NumPy arrays keep
    theirs.

    Example:
        >>> import numtorch as torch
        >>> (torch.tensor([[1, 2], [3, 4]]).dtype, torch.tensor([1.5]).dtype,
        ...  torch.tensor(True).dtype)
        (torch.int64, torch.float32, torch.bool)
    """
    _check_dtype(dtype)
    check_factory_device(device)
    a = _infer_array(data, dtype)
    if dtype is not None and a.dtype != dtype.np:
        a = a.astype(dtype.np)
    return _finish(a, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor``, but shares memory with a tensor or ndarray of the right dtype."""
    _check_dtype(dtype)
    check_factory_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype in _dtype._FROM_NP:
        if dtype is None or dtype.np == data.dtype:
            return _finish(data, False)
        return _finish(data.astype(dtype.np), False)
    return tensor(data, dtype=dtype, device=device)




def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (changes show through both ways)."""
    if type(ndarray) is np.ndarray:  # the common case, checked in one step
        d = ndarray.dtype
        st = ndarray.strides
        if d.isnative and d in _dtype._FROM_NP and (not st or min(st) >= 0):
            return _wrap(ndarray)
    if not isinstance(ndarray, np.ndarray):
        tp = type(ndarray)  # a NumPy type is named with its module (``numpy.float32``)
        name = f"numpy.{tp.__name__}" if tp.__module__.startswith("numpy") else tp.__name__
        raise TypeError(f"expected np.ndarray (got {name})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    if not ndarray.dtype.isnative:  # checked before the type, as PyTorch does
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    _dtype.from_np(ndarray.dtype)
    return _wrap(ndarray)


def _filled(size, fill, dtype, requires_grad, device, default_np, name) -> Tensor:
    # NOTE [ factory argument order ]: PyTorch refuses arguments of the wrong type first, then an
    # unavailable device (an explicit or default "cuda"), and only then values out of range (a
    # size beyond int64, a negative size, a bad step), so the checks run in that order here.
    _check_dtype(dtype)
    shape = _shape_args(size)
    check_factory_device(device)
    for k, s in enumerate(shape):
        if not -_INT64_MAX - 1 <= s <= _INT64_MAX:
            raise unpack_error(name, k + 1)
    for s in shape:
        if s < 0 and name == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return _finish(_new_array(shape, _np_dtype(dtype) or default_np, fill), requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with 0 (default dtype unless ``dtype`` is given)."""
    return _filled(size, 0, dtype, requires_grad, device, _dtype.get_default_dtype().np, "zeros")


def ones(*size, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with 1 (default dtype unless ``dtype`` is given)."""
    return _filled(size, 1, dtype, requires_grad, device, _dtype.get_default_dtype().np, "ones")


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    """A tensor of shape ``size`` with unspecified values (numtorch fills it with zeros)."""
    return _filled(size, 0, dtype, requires_grad, device, _dtype.get_default_dtype().np, "empty")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``.

    The dtype, when not given, is inferred from ``fill_value`` (bool, int64 or the default float).
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = scalar_dtype(fill_value)
    return _filled((size,) if not isinstance(size, (tuple, list, Size)) else size, fill_value,
                   dtype, requires_grad, device, None, "full")


def _like(input, fill, dtype, requires_grad, device):
    check_device(device)  # the default device does not apply to *_like, as in PyTorch
    dt = dtype or input.dtype
    return _finish(_new_array(input._data.shape, dt.np, fill), requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``input``."""
    return _like(input, 0, dtype, requires_grad, device)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``input``."""
    return _like(input, 1, dtype, requires_grad, device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """An uninitialised tensor shaped like ``input`` (numtorch fills it with zeros)."""
    return _like(input, 0, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and, unless given, the dtype) of ``input``."""
    return _like(input, fill_value, dtype, requires_grad, device)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The ``n x m`` identity matrix (``m`` defaults to ``n``): ones on the main diagonal."""
    _check_dtype(dtype)
    check_factory_device(device)  # before the values (NOTE [ factory argument order ])
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    m = n if m is None else m
    if n * m > _INT64_MAX:
        raise RuntimeError("numel: integer multiplication overflow")
    a = _new_array((n, m), _np_dtype(dtype) or _dtype.get_default_dtype().np, 0)
    np.fill_diagonal(a, 1)
    return _finish(a, requires_grad)


def _fill_from(a: np.ndarray, make) -> np.ndarray:
    """Write ``make()`` into the preallocated ``a``; a temporary that cannot be allocated raises
    PyTorch's error (NOTE [ allocation failures ])."""
    try:
        a[...] = make()
    except (MemoryError, ValueError) as e:
        raise memory_error(e) from None
    return a


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to but excluding ``end``: ``ceil((end - start) / step)``
    values.

    With one argument it is ``end`` (start 0).  All-integer arguments give int64, otherwise the
    default float dtype; values are ``start + i * step``, computed in double precision unless
    all arguments are integers.
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    _check_dtype(dtype)
    check_factory_device(device)  # before the values (NOTE [ factory argument order ])
    for v in vals:
        if isinstance(v, int) and not -_INT64_MAX - 1 <= v <= _INT64_MAX:
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    all_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals)
    if dtype is None:
        dtype = _dtype.int64 if all_int else _dtype.get_default_dtype()
    q = (end - start) / step
    if q > _INT64_MAX:
        raise RuntimeError("invalid size, possible overflow?")
    n = max(int(np.ceil(q)), 0)
    a = _new_array((n,), dtype.np)
    if dtype.is_floating_point or not all(isinstance(v, (int, np.integer)) for v in vals):
        return _finish(_fill_from(a, lambda: start + np.arange(n, dtype=np.float64) * step),
                       requires_grad)
    return _finish(_fill_from(a, lambda: start + np.arange(n, dtype=np.int64) * step),
                   requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None,  # noqa: A001
          requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to and including ``end`` (PyTorch deprecates it).

    ``floor((end - start) / step) + 1`` values, in the default float dtype unless ``dtype``
    is given.
    """
    if end is None:
        start, end = 0, start
    check_device(device)  # the default device does not apply, as in PyTorch
    n = int(np.floor((end - start) / step)) + 1
    dt = dtype or _dtype.get_default_dtype()
    a = _new_array((max(n, 0),), dt.np)
    return _finish(_fill_from(a, lambda: start + np.arange(n, dtype=np.float64) * step),
                   requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    The step is ``(end - start) / (steps - 1)``; the first half counts up from ``start`` and the
    second half down from ``end``, as PyTorch's kernel does, so both ends are exact.
    """
    _check_dtype(dtype)
    check_factory_device(device)  # before the values (NOTE [ factory argument order ])
    if isinstance(steps, int) and not -_INT64_MAX - 1 <= steps <= _INT64_MAX:
        raise ValueError("Overflow when unpacking long long")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = dtype or _dtype.get_default_dtype()
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    out_a = _new_array((steps,), dt.np)

    def values():
        if steps == 1:
            a = np.array([start], np.float64)
        else:
            i = np.arange(steps, dtype=np.float64)
            step = (end - start) / (steps - 1) if steps > 1 else 0.0
            half = steps // 2
            a = np.where(i < half, start + i * step, end - (steps - 1 - i) * step)
        return a if dt.is_floating_point else np.trunc(a)
    return _finish(_fill_from(out_a, values), requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values spaced evenly on a log scale."""
    check_factory_device(device)
    dt = dtype or _dtype.get_default_dtype()
    a = _new_array((steps,), dt.np) if isinstance(steps, int) and 0 <= steps <= _INT64_MAX else None
    lin = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish(_fill_from(a, lambda: np.power(base, lin)), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (default float dtype unless ``dtype`` is given)."""
    check_factory_device(device)
    dt = dtype or _dtype.get_default_dtype()
    return _finish(np.array(s, dt.np), requires_grad)


# ---- Tensor.new_*, attached by the registry: a new tensor, by default of ``self``'s dtype ------

def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return tensor(data, dtype=dtype or self.dtype, device=device or CPU,
                  requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return empty(*size, dtype=dtype or self.dtype, device=device or CPU,
                 requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype or self.dtype, device=device or CPU,
               requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return ones(*size, dtype=dtype or self.dtype, device=device or CPU,
               requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or CPU,
                requires_grad=requires_grad)
