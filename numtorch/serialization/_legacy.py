"""Reading PyTorch's legacy (pre-zip) checkpoint stream: ``_use_new_zipfile_serialization=False``.

The file is five pickles and the raw storages, back to back::

    magic number (0x1950A86A20F9469CFC6C)   protocol version (1001)   sys info dict
    the object, storages as persistent ids
        ('storage', torch.FloatStorage, key, location, numel, view_metadata)
    the list of storage keys, in the order their data follows
    per key: numel as a little-endian int64, then numel * itemsize bytes

Every pickle goes through the weights-only interpreter (or ``pickle`` when the caller
chose ``weights_only=False``).
"""

from __future__ import annotations

import pickle
import reprlib
import struct
from collections.abc import Callable

import numpy as np

from ._format import Storage, StorageType
from ._zip import read_into

__all__ = ["load_legacy", "MAGIC_NUMBER", "PROTOCOL_VERSION"]

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


def load_legacy(fh, unpickle: Callable, restore: Callable):
    """``unpickle(fh, persistent_load)`` reads a pickle; ``restore(storage, loc)`` places one."""
    if unpickle(fh, None) != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = unpickle(fh, None)
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = unpickle(fh, None)
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True)
    storages: dict[str, Storage] = {}
    views: dict[str, Storage] = {}

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 6:
            raise pickle.UnpicklingError(f"Unknown saved id: {reprlib.repr(pid)}")
        _, stype, key, location, numel, view = pid
        if not isinstance(stype, StorageType) or stype.dtype is None:
            raise pickle.UnpicklingError(f"unsupported storage type {reprlib.repr(stype)}")
        if type(numel) is not int or numel < 0 or not isinstance(key, str):
            raise pickle.UnpicklingError(f"invalid storage id {reprlib.repr(pid)}")
        location = location.decode("ascii") if isinstance(location, bytes) else location
        if key not in storages:
            storages[key] = restore(
                Storage(np.empty(numel, dtype=stype.dtype.np), stype.dtype), location
            )
        storage = storages[key]
        if view is None:
            return storage
        view_key, offset, size = view
        if view_key not in views:
            views[view_key] = Storage(storage.array[offset : offset + size], storage.dtype)
        return views[view_key]

    result = unpickle(fh, persistent_load)
    keys = unpickle(fh, None)
    if not isinstance(keys, list):
        raise RuntimeError("corrupt file: the storage key list is missing")
    for key in keys:
        if key not in storages:
            raise RuntimeError(f"storage key {reprlib.repr(key)} not found in deserialized_objects")
        storage = storages[key]
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(
                "unexpected EOF, expected 8 more bytes. The file might be corrupted."
            )
        numel = struct.unpack("<q" if little else ">q", head)[0]
        arr = storage.array
        if numel != arr.shape[0]:
            raise RuntimeError(
                f"storage {key} has {numel} elements in the file, {arr.shape[0]} declared"
            )
        got = read_into(fh, memoryview(arr).cast("B")) if arr.nbytes else 0
        if got != arr.nbytes:
            raise RuntimeError("unexpected EOF. The file might be corrupted.")
        if not little and arr.itemsize > 1:
            arr.byteswap(inplace=True)
    return result
