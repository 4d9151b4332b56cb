"""PyTorch's pickle vocabulary: how tensors, storages, dtypes and devices are named in a file.

A PyTorch checkpoint's pickle never contains tensor data.  A tensor is written as a
call ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict())`` whose ``storage`` is a *persistent id*
``('storage', torch.FloatStorage, key, 'cpu', numel)``; the storage's bytes live
beside the pickle (a zip record ``data/<key>``, or after the pickle in the legacy
format).  Views of one storage name the same key, so sharing survives the trip.

This file holds both directions of that vocabulary:

* ``ALLOWED``: the exact ``{"module.name": object}`` table through which a file's
  globals resolve to numtorch objects (see NOTE [ weights-only allowlist ]);
* ``Pickler``: a pickler that writes numtorch tensors, Parameters, dtypes, ``Size``
  and ``device`` under PyTorch's names and collects the storages to write.
"""

from __future__ import annotations

import _codecs
import pickle
import reprlib
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from numtorch import _dtype
from numtorch._size import Size, device
from numtorch._tensor import Tensor, _wrap
from numtorch.nn.parameter import Parameter

__all__ = ["ALLOWED", "Pickler", "Storage", "StorageType", "storage_type_for"]

UnpicklingError = pickle.UnpicklingError


class StorageType:
    """``torch.FloatStorage`` and friends as a file names them: a dtype tag and nothing else."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: _dtype.dtype | None):
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"


class Storage:
    """One loaded storage: a flat NumPy array that every tensor viewing it shares."""

    __slots__ = ("array", "dtype", "device")

    def __init__(self, array: np.ndarray, dtype: _dtype.dtype, device: str = "cpu"):
        self.array = array
        self.dtype = dtype
        self.device = device

    def __len__(self) -> int:
        return self.array.shape[0]

    def __repr__(self) -> str:
        return f"Storage(dtype={self.dtype}, size={len(self)}, device={self.device})"


# PyTorch's legacy storage class names, in its order; None where numtorch has no such dtype.
_STORAGE_NAMES = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "BFloat16Storage": None,
    "ComplexDoubleStorage": None,
    "ComplexFloatStorage": None,
    "QUInt8Storage": None,
    "QInt8Storage": None,
    "QInt32Storage": None,
    "QUInt4x2Storage": None,
    "QUInt2x4Storage": None,
}
_STORAGE_TYPES = {
    name: StorageType(name, _dtype._NAMES.get(dt)) for name, dt in _STORAGE_NAMES.items()
}
_UNTYPED = StorageType("UntypedStorage", _dtype.uint8)
_BY_DTYPE = {st.dtype: st for st in _STORAGE_TYPES.values() if st.dtype is not None}


def storage_type_for(dt: _dtype.dtype) -> StorageType:
    return _BY_DTYPE[dt]


# ---- rebuild functions: what the file's calls resolve to -----------------------------------------


def _check_ints(name: str, values) -> tuple[int, ...]:
    if not isinstance(values, (tuple, list)) or not all(type(v) is int and v >= 0 for v in values):
        raise UnpicklingError(
            f"{name} must be a sequence of non-negative ints, got {reprlib.repr(values)}"
        )
    return tuple(values)


def _rebuild_tensor(storage, storage_offset, size, stride) -> Tensor:
    """A tensor viewing ``storage`` at ``storage_offset``, ``size`` and ``stride`` in elements."""
    if not isinstance(storage, Storage):
        raise UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    if type(storage_offset) is not int or storage_offset < 0:
        raise UnpicklingError(f"invalid storage offset {reprlib.repr(storage_offset)}")
    size, stride = _check_ints("size", size), _check_ints("stride", stride)
    if len(size) != len(stride):
        raise UnpicklingError(f"size {size} and stride {stride} differ in length")
    numel = int(np.prod(size, dtype=object))
    last = (
        storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if numel
        else storage_offset - 1
    )
    if last >= len(storage):
        raise UnpicklingError(
            f"tensor of size {size}, stride {stride} at offset {storage_offset} does not fit in a "
            f"storage of {len(storage)} elements"
        )
    base = storage.array
    item = base.itemsize
    if numel == 0:
        arr = np.empty(size, dtype=base.dtype)
    else:
        arr = np.ndarray(
            size,
            dtype=base.dtype,
            buffer=base,
            offset=storage_offset * item,
            strides=tuple(s * item for s in stride),
        )
    return _wrap(arr)


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None
) -> Tensor:
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad is True:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    if not isinstance(data, Tensor):
        raise UnpicklingError(f"expected a tensor, got {type(data).__name__}")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    if state:
        raise UnpicklingError("Parameters with extra state are not supported")
    return _rebuild_parameter(data, requires_grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    if (
        func not in (_rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter)
        or new_type not in (Tensor, Parameter)
        or type(args) is not tuple
        or state
    ):
        raise UnpicklingError("only plain tensors and Parameters can be rebuilt")
    return func(*args)


def _dtype_globals() -> dict[str, Any]:
    return {f"torch.{d.name}": d for d in _dtype._ALL}


def _make_allowed() -> dict[str, Any]:
    table: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": _codecs.encode,  # bytes, as protocol 2 writes them
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.storage.UntypedStorage": _UNTYPED,
    }
    table.update(_dtype_globals())
    table.update({f"torch.{name}": st for name, st in _STORAGE_TYPES.items()})
    return table


ALLOWED: dict[str, Any] = _make_allowed()


# ---- saving --------------------------------------------------------------------------------------


class _Global:
    """A global written as ``GLOBAL module name`` without importing it (PyTorch's names)."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's ``save_reduce`` wants a callable; never called
        raise TypeError(f"{self.module}.{self.name} is a name for the pickle only")


_G_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_G_PARAM = _Global("torch._utils", "_rebuild_parameter")
_G_SIZE = _Global("torch", "Size")
_G_DEVICE = _Global("torch", "device")
_G_STORAGE = {st: _Global("torch", st.name) for st in _BY_DTYPE.values()}


class _StorageRef:
    __slots__ = ("key", "stype", "numel")

    def __init__(self, key: str, stype: StorageType, numel: int):
        self.key, self.stype, self.numel = key, stype, numel


def _contiguous_strides(shape) -> tuple[int, ...]:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _storage_view(arr: np.ndarray):
    """``(root, flat, offset, strides)`` if ``arr`` views a contiguous root block, else None."""
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root.dtype != arr.dtype or not root.dtype.isnative or arr.size == 0:
        return None
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return None
    item = arr.itemsize
    delta = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if delta < 0 or delta % item or any(s < 0 or s % item for s in arr.strides):
        return None
    flat = root.reshape(-1, order="A") if root.ndim != 1 else root
    return root, flat, delta // item, tuple(s // item for s in arr.strides)


class Pickler(pickle._Pickler):
    """Pickle with PyTorch's names; ``storages`` lists ``(key, flat_array)`` to write after."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol: int = 2):
        super().__init__(file, protocol)
        self.storages: list[tuple[str, np.ndarray]] = []
        self._keys: dict[int, _StorageRef] = {}
        self._alive: list = []  # roots kept alive so their ids stay unique while pickling

    def _new_storage(self, flat: np.ndarray, root: Any) -> _StorageRef:
        ref = _StorageRef(
            str(len(self.storages)), storage_type_for(_dtype._FROM_NP[flat.dtype]), int(flat.size)
        )
        self.storages.append((ref.key, flat))
        self._keys[id(root)] = ref
        self._alive.append(root)
        return ref

    def _tensor_args(self, t: Tensor) -> tuple:
        arr = np.asarray(t._data)
        view = _storage_view(arr)
        if view is not None:
            root, flat, offset, strides = view
            ref = self._keys.get(id(root)) or self._new_storage(flat, root)
        else:
            flat = np.ascontiguousarray(arr).reshape(-1)
            if not flat.dtype.isnative:
                flat = flat.astype(flat.dtype.newbyteorder("="))
            ref = self._new_storage(flat, flat)
            offset, strides = 0, _contiguous_strides(arr.shape)
        return (ref, offset, tuple(arr.shape), strides, bool(t.requires_grad), OrderedDict())

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return ("storage", _G_STORAGE[obj.stype], obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj):
        kind = type(obj)
        if kind is Tensor or (isinstance(obj, Tensor) and not isinstance(obj, Parameter)):
            return _G_TENSOR, self._tensor_args(obj)
        if isinstance(obj, Parameter):
            data = _wrap(obj._data)
            return _G_PARAM, (data, bool(obj.requires_grad), OrderedDict())
        if kind is Size:
            return _G_SIZE, (tuple(int(n) for n in obj),)
        if kind is device:
            return _G_DEVICE, (str(obj),)
        return NotImplemented

    def save_global(self, obj, name=None) -> None:
        """Every global as ``GLOBAL``: weights-only readers refuse protocol 4's STACK_GLOBAL."""
        proto = self.proto
        self.proto = min(proto, 3)
        try:
            super().save_global(obj, name)
        finally:
            self.proto = proto

    def _write_global(self, obj, module: str, name: str) -> None:
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)

    def save_torch_global(self, obj: _Global) -> None:
        self._write_global(obj, obj.module, obj.name)

    def save_dtype(self, obj: _dtype.dtype) -> None:
        self._write_global(obj, "torch", obj.name)

    dispatch[_Global] = save_torch_global
    dispatch[_dtype.dtype] = save_dtype
    for _kind, _save in list(dispatch.items()):
        if _save is pickle._Pickler.save_global:
            dispatch[_kind] = save_global
    del _kind, _save
