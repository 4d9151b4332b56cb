"""save/load in PyTorch's own checkpoint format, with a loader that cannot run code.

``save(obj, f)`` writes PyTorch 2.x's zip layout (see ``_zip.py``): a pickle naming
tensors by PyTorch's rebuild functions (``_format.py``) and one aligned record per
storage, written straight from the arrays.  Real ``torch.load`` reads the file, and
``load`` reads what ``torch.save`` writes: the zip layout and the legacy stream
(``_legacy.py``), from a path, a file object or bytes in memory, without importing
torch.  Writes to a path are atomic (``_atomic.py``).

With ``weights_only=True`` (the default) the pickle is run by an interpreter that
admits only data and an exact table of globals (``_weights_only.py``); anything else
raises ``pickle.UnpicklingError``.

Example:
    >>> import io, numtorch
    >>> buf = io.BytesIO()
    >>> numtorch.save({"w": numtorch.ones(2)}, buf)
    >>> _ = buf.seek(0)
    >>> numtorch.load(buf)["w"].tolist()
    [1.0, 1.0]
"""

from __future__ import annotations

import io
import os
import pickle
import re
import reprlib
import sys
from typing import Any

import numpy as np

from numtorch._size import device

from . import _format, _weights_only
from ._atomic import atomic_write
from ._format import Pickler, Storage, StorageType
from ._legacy import MAGIC_NUMBER, PROTOCOL_VERSION, load_legacy
from ._weights_only import (
    CallbackError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)
from ._zip import ZipReader, ZipWriter

__all__ = [
    "save",
    "load",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "safe_globals",
    "get_unsafe_globals_in_checkpoint",
]

_CUDA_LIKE = ("cuda", "xpu", "hpu", "mtia")


def _is_path(f) -> bool:
    return isinstance(f, str) or hasattr(f, "__fspath__")


def _archive_name(path: str) -> str:
    base = os.path.basename(path)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return stem or "archive"


# ---- save ----------------------------------------------------------------------------------------


def save(
    obj: Any,
    f,
    pickle_module: Any = pickle,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Write ``obj`` (tensors, state dicts, plain Python values) as a PyTorch checkpoint.

    Args:
        obj: what to save; tensors that view one array share one storage in the file.
        f: a path (written atomically, see NOTE [ atomic save ]) or a writable binary file.
        pickle_module: accepted for compatibility; the pickle is always written by
            numtorch's pickler, which names tensors as PyTorch does.
        pickle_protocol: the pickle protocol (PyTorch's default 2).
        _use_new_zipfile_serialization: False writes the legacy stream instead of a zip.
    """
    if isinstance(f, bytes):
        f = os.fsdecode(f)
    if _is_path(f):
        path = os.fspath(f)
        with atomic_write(path) as fh:
            _write(
                obj,
                fh,
                _archive_name(path),
                pickle_protocol,
                _use_new_zipfile_serialization,
                _disable_byteorder_record,
            )
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
    _write(
        obj,
        f,
        "archive",
        pickle_protocol,
        _use_new_zipfile_serialization,
        _disable_byteorder_record,
    )


def _write(obj, fh, archive: str, protocol: int, zip_format: bool, no_byteorder: bool) -> None:
    data = io.BytesIO()
    pickler = (Pickler if zip_format else _LegacyPickler)(data, protocol)
    pickler.dump(obj)
    if not zip_format:
        _write_legacy(fh, data.getvalue(), pickler, protocol)
        return
    writer = ZipWriter(fh, archive)
    writer.write_record("data.pkl", data.getbuffer())
    writer.write_record(".format_version", b"1")
    writer.write_record(".storage_alignment", b"64")
    if not no_byteorder:
        writer.write_record("byteorder", sys.byteorder.encode())
    for key, flat in pickler.storages:
        writer.write_record(f"data/{key}", flat)
    writer.close()


class _LegacyPickler(Pickler):
    """The legacy stream's persistent ids carry a sixth field, the view metadata (None)."""

    def persistent_id(self, obj):
        pid = super().persistent_id(obj)
        return None if pid is None else pid + (None,)


def _write_legacy(fh, body: bytes, pickler: Pickler, protocol: int) -> None:
    sys_info = {
        "protocol_version": PROTOCOL_VERSION,
        "little_endian": sys.byteorder == "little",
        "type_sizes": {"short": 2, "int": 4, "long": 4},
    }
    for value in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        pickle.dump(value, fh, protocol=protocol)
    fh.write(body)
    pickle.dump([key for key, _ in pickler.storages], fh, protocol=protocol)
    for _, flat in pickler.storages:
        fh.write(np.int64(flat.size).astype("<i8").tobytes())
        fh.write(memoryview(flat).cast("B"))


# ---- load ----------------------------------------------------------------------------------------

_CUDA_ERROR = (
    "Attempting to deserialize object on a {B} device but torch.{b}.is_available() is False. "
    "If you are running on a CPU-only machine, please use torch.load with "
    "map_location=torch.device('cpu') to map your storages to the CPU."
)


def _default_restore(storage: Storage, location: str) -> Storage:
    if location == "cpu":
        return storage
    for backend in _CUDA_LIKE:
        if location == backend or re.match(f"{backend}(:|[0-9]+)", location):
            raise RuntimeError(_CUDA_ERROR.format(B=backend.upper(), b=backend))
    if location == "mps" or location.startswith("mps:"):
        raise RuntimeError("torch.UntypedStorage(): Storage device not recognized: mps")
    raise RuntimeError(
        "don't know how to restore data location of torch.storage.UntypedStorage "
        f"(tagged with {location})"
    )


def _restore_location(map_location):
    """``restore(storage, saved_location) -> storage`` as ``map_location`` asks."""
    if map_location is None:
        return _default_restore
    if isinstance(map_location, dict):
        return lambda s, loc: _default_restore(s, str(map_location.get(loc, loc)))
    if isinstance(map_location, (str, bytes)):
        loc = map_location.decode("ascii") if isinstance(map_location, bytes) else map_location
        return lambda s, _: _default_restore(s, loc)
    if isinstance(map_location, device):
        return lambda s, _: _default_restore(s, str(map_location))
    if callable(map_location):

        def restore(s, loc):
            result = map_location(s, loc)
            if result is None:
                return _default_restore(s, loc)
            if not isinstance(result, Storage):
                raise TypeError(
                    f"map_location should return a storage, got {type(result).__name__}"
                )
            return result

        return restore
    raise TypeError(f"Unsupported map_location type {type(map_location).__name__}")


class _UnsafeUnpickler(pickle.Unpickler):
    """``weights_only=False``: ordinary pickle, PyTorch's names resolved through the table."""

    def find_class(self, module: str, name: str):
        full = f"{module}.{name}"
        if full in _format.ALLOWED:
            return _format.ALLOWED[full]
        if module == "torch" or module.startswith("torch."):
            module = "numtorch" + module[len("torch") :]
        return super().find_class(module, name)


def _unpickler(weights_only: bool, pickle_load_args: dict):
    encoding = pickle_load_args.get("encoding", "utf-8")

    def unpickle(fh, persistent_load):
        if weights_only:
            return _weights_only.Unpickler(fh, _format.ALLOWED, persistent_load, encoding).load()
        up = _UnsafeUnpickler(fh, **pickle_load_args)
        if persistent_load is not None:
            up.persistent_load = persistent_load
        return up.load()

    return unpickle


def _open(f):
    if isinstance(f, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(f)), None, True
    if _is_path(f):
        path = os.fspath(f)
        return open(path, "rb"), path, True
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    return f, None, False


def load(
    f,
    map_location=None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args,
) -> Any:
    """Read a checkpoint written by ``save`` or by PyTorch's ``torch.save``.

    Args:
        f: a path, a readable seekable binary file, or the file's bytes.
        map_location: where storages go: ``None`` (where they were saved), a device string,
            a ``device``, a dict ``{saved: new}`` or a callable ``(storage, location)``.
            numtorch is CPU-only, so a CUDA location raises PyTorch's error.
        pickle_module: with ``weights_only=False``, accepted for compatibility.
        weights_only: True (the default unless ``pickle_module`` is given) admits only
            data and the allowlisted globals; False runs ordinary pickle (trusted files only).
        mmap: map storages from the file (copy-on-write) instead of reading them; zip
            checkpoints given as a path only.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    elif weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    restore = _restore_location(map_location)
    unpickle = _unpickler(weights_only, pickle_load_args)
    fh, path, owned = _open(f)
    try:
        start = fh.tell()
        magic = fh.read(4)
        fh.seek(start)
        if not magic:
            raise EOFError
        try:
            if magic == b"PK\x03\x04":
                if mmap and path is None:
                    raise ValueError("f must be a file path in order to use the mmap argument")
                return _load_zip(fh, path if mmap else None, restore, unpickle)
            if mmap:
                name = f"{f}, " if isinstance(f, str) else ""
                raise RuntimeError(
                    "mmap can only be used with files saved with "
                    f"`torch.save({name}_use_new_zipfile_serialization=True), "
                    "please torch.save your checkpoint with this option in order to use mmap."
                )
            return load_legacy(fh, unpickle, restore)
        except CallbackError as e:
            raise e.error from None
        except pickle.UnpicklingError as e:
            if not weights_only:
                raise
            raise pickle.UnpicklingError(_weights_only.wo_message(str(e))) from None
    finally:
        if owned:
            fh.close()


def _load_zip(fh, mmap_path: str | None, restore, unpickle):
    reader = ZipReader(fh)
    order = reader.read("byteorder").decode() if reader.has_record("byteorder") else "little"
    if order not in ("little", "big"):
        raise ValueError("Unknown endianness type: " + order)
    swap = order != sys.byteorder
    loaded: dict[str, Storage] = {}

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 5:
            raise pickle.UnpicklingError(f"Unknown saved id: {reprlib.repr(pid)}")
        _, stype, key, location, numel = pid
        if (
            not isinstance(stype, StorageType)
            or not isinstance(key, str)
            or type(numel) is not int
            or numel < 0
        ):
            raise pickle.UnpicklingError(f"invalid storage id {reprlib.repr(pid)}")
        if stype.dtype is None:
            raise RuntimeError(f"numtorch has no dtype for torch.{stype.name}")
        if key in loaded:
            return loaded[key]
        dt = stype.dtype.np
        name = f"data/{key}"
        nbytes = numel * dt.itemsize
        if reader.record_size(name) != nbytes:
            raise RuntimeError(
                f"storage {key} holds {reader.record_size(name)} bytes, expected {nbytes}"
            )
        location = location.decode("ascii") if isinstance(location, bytes) else str(location)
        file_dt = dt.newbyteorder(">" if order == "big" else "<")
        offset = reader.data_offset(name) if mmap_path is not None else None
        if offset is not None and numel:
            arr = np.memmap(mmap_path, dtype=file_dt, mode="c", offset=offset, shape=(numel,))
        else:
            arr = reader.read_array(name, file_dt)
        if swap and dt.itemsize > 1:
            arr = arr.astype(dt)
        storage = restore(Storage(arr.view(dt) if not swap else arr, stype.dtype), location)
        loaded[key] = storage
        return storage

    return unpickle(io.BytesIO(reader.read("data.pkl")), persistent_load)


def get_unsafe_globals_in_checkpoint(f) -> list[str]:
    """The globals a checkpoint's pickle names that ``load(weights_only=True)`` would refuse.

    The pickle is read statically (nothing is executed).
    """
    fh, _, owned = _open(f)
    try:
        if fh.read(4) != b"PK\x03\x04":
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        fh.seek(0)
        reader = ZipReader(fh)
        found = _weights_only.globals_in_pickle(io.BytesIO(reader.read("data.pkl")))
    finally:
        if owned:
            fh.close()
    safe = set(_format.ALLOWED.keys()) | set(_weights_only.user_allowed_globals().keys())
    return list(found - safe)
