"""safetensors files for numtorch tensors: the functions of ``safetensors.torch``, on NumPy.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, then the raw bytes of every tensor, back to back.
It holds tensors only (no code, no pickles), so loading one is always safe.  These
functions read and write it for numtorch tensors with the semantics and error messages of
``safetensors.torch``, so a file written here loads in PyTorch and the other way round:

* ``save_file(tensors, filename, metadata=None)`` / ``load_file(filename, device="cpu")``
* ``save(tensors, metadata=None) -> bytes`` / ``load(data) -> dict``
* ``save_model(model, filename, ...)`` / ``load_model(model, filename, ...)``, which drop
  and restore tied (shared) weights.

Under the runner (``python -m numtorch run script.py``) ``from safetensors.torch import
save_file`` gives this module (``numtorch.compat.ALIASES``); ``safetensors`` and
``safetensors.numpy`` stay the real package.

NOTE [ safetensors is an optional extra ]
The ``safetensors`` package (``pip install 'numtorch[tools]'``) does the reading and
writing, through its NumPy API (``safetensors.numpy``): a numtorch tensor is a NumPy array,
so no copy is made on the way out.  It is imported on the first call, never by ``import
numtorch``, and its absence is reported by an ImportError that names the extra.

NOTE [ dtypes numtorch cannot hold ]
numtorch has float64, float32, float16, int64, int32, int16, int8, uint8 and bool.  A file
holding another dtype (bfloat16 above all, which NumPy lacks; also uint16/32/64, complex,
the float8 kinds) is refused before any tensor is read, with a TypeError that names the
tensor, its dtype and what to do, rather than NumPy's "data type 'bfloat16' not understood".

NOTE [ shared tensors ]
safetensors stores each tensor's bytes once and has no notion of two names for one memory,
so, as in ``safetensors.torch``, ``save_file`` refuses tensors whose memory overlaps (tied
weights, views of one another), and ``save_model`` keeps one name of each group of tensors
that share a whole storage, records the dropped names in the metadata and restores them in
``load_model``.  A tensor's storage is the NumPy array at the root of its ``.base`` chain.

Example:
    >>> import tempfile, os
    >>> import numtorch as torch
    >>> from numtorch.utils.safetensors import save_file, load_file
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> save_file({"w": torch.ones(2, 3), "step": torch.tensor(7)}, path)
    >>> sorted((k, tuple(v.shape)) for k, v in load_file(path).items())
    [('step', ()), ('w', (2, 3))]
"""

from __future__ import annotations

import json
import os
import struct
from collections import defaultdict
from typing import Any

import numpy as np

from .._size import check_device
from .._tensor import Tensor, _wrap

__all__ = ["save_file", "load_file", "save", "load", "save_model", "load_model"]

# The safetensors dtype codes numtorch can hold, and the PyTorch names of those it cannot.
_SUPPORTED = {"F64", "F32", "F16", "I64", "I32", "I16", "I8", "U8", "BOOL"}
_TORCH_NAMES = {
    "BF16": "torch.bfloat16", "U16": "torch.uint16", "U32": "torch.uint32",
    "U64": "torch.uint64", "C64": "torch.complex64", "F8_E4M3": "torch.float8_e4m3fn",
    "F8_E4M3FNUZ": "torch.float8_e4m3fnuz", "F8_E5M2": "torch.float8_e5m2",
    "F8_E5M2FNUZ": "torch.float8_e5m2fnuz", "F8_E8M0": "torch.float8_e8m0fnu",
    "F4": "torch.float4_e2m1fn_x2",
}
_NUMTORCH_DTYPES = "float64, float32, float16, int64, int32, int16, int8, uint8 and bool"
_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header


def _numpy_api():
    """``safetensors.numpy``, imported on first use (NOTE [ safetensors is an optional extra ])."""
    try:
        import safetensors.numpy as st_numpy
    except ImportError as e:
        raise ImportError(
            "numtorch.utils.safetensors needs the optional 'safetensors' package, which is not "
            "installed; install numtorch's extra with: pip install 'numtorch[tools]' "
            "(or: pip install safetensors)"
        ) from e
    return st_numpy


# -- dtype checks on the header (NOTE [ dtypes numtorch cannot hold ]) -----------------------

def _header_of_bytes(data: bytes) -> dict | None:
    """The JSON header of a safetensors buffer, or None where it cannot be read (the
    ``safetensors`` package then reports what is wrong)."""
    try:
        if len(data) < 8:
            return None
        (n,) = struct.unpack("<Q", bytes(data[:8]))
        if n > _MAX_HEADER or 8 + n > len(data):
            return None
        header = json.loads(bytes(data[8:8 + n]))
    except (ValueError, TypeError, struct.error):
        return None
    return header if isinstance(header, dict) else None


def _header_of_file(filename) -> dict | None:
    try:
        with open(filename, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return None
            (n,) = struct.unpack("<Q", head)
            if n > _MAX_HEADER:
                return None
            return _header_of_bytes(head + f.read(n))
    except (OSError, TypeError, ValueError):
        return None


def _check_dtypes(header: dict | None) -> None:
    """Refuse a file holding a dtype numtorch lacks, naming the tensor and the way out."""
    if header is None:
        return
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        code = info.get("dtype")
        if code in _SUPPORTED or not isinstance(code, str):
            continue
        torch_name = _TORCH_NAMES.get(code, code)
        if code == "BF16":
            raise TypeError(
                f"safetensors: tensor '{name}' has dtype BF16 ({torch_name}), which numtorch does "
                f"not support (NumPy has no bfloat16). Convert it where it was saved, e.g. in "
                f"PyTorch: save_file({{k: v.float() for k, v in tensors.items()}}, filename), "
                f"and load that file. numtorch's dtypes are {_NUMTORCH_DTYPES}."
            )
        raise TypeError(
            f"safetensors: tensor '{name}' has dtype {code} ({torch_name}), which numtorch does "
            f"not support. numtorch's dtypes are {_NUMTORCH_DTYPES}; convert the tensor to one "
            f"of them where it was saved."
        )


def _to_tensors(arrays: dict) -> dict[str, Tensor]:
    out = {}
    for k, a in arrays.items():
        if not a.flags.writeable:
            a = a.copy()
        out[k] = _wrap(a)
    return out


# -- shared storages (NOTE [ shared tensors ]) -----------------------------------------------

def _storage(t: Tensor) -> np.ndarray:
    base = t._data
    while isinstance(base.base, np.ndarray):
        base = base.base
    return base


def _storage_ptr(t: Tensor) -> int:
    return _storage(t).__array_interface__["data"][0]


def _storage_size(t: Tensor) -> int:
    return _storage(t).nbytes


def _end_ptr(t: Tensor) -> int:
    if t.nelement():
        return t.detach().view(-1)[-1].data_ptr() + t._data.itemsize
    return t.data_ptr()


def _filter_shared_not_shared(groups: list[set[str]], tensors: dict) -> list[set[str]]:
    """Split each group of names on one storage into groups whose memory truly overlaps."""
    filtered = []
    for shared in groups:
        if len(shared) < 2:
            filtered.append(shared)
            continue
        areas = sorted((tensors[name].data_ptr(), _end_ptr(tensors[name]), name)
                       for name in shared)
        _, last_stop, last_name = areas[0]
        filtered.append({last_name})
        for start, stop, name in areas[1:]:
            if start >= last_stop:
                filtered.append({name})
            else:
                filtered[-1].add(name)
            last_stop = stop
    return filtered


def _find_shared_tensors(tensors: dict) -> list[set[str]]:
    groups: dict[tuple[int, int], set[str]] = defaultdict(set)
    for k, v in tensors.items():
        if _storage_ptr(v) != 0 and _storage_size(v) != 0:
            groups[(_storage_ptr(v), _storage_size(v))].add(k)
    return _filter_shared_not_shared(sorted(groups.values()), tensors)


def _is_complete(t: Tensor) -> bool:
    return t.data_ptr() == _storage_ptr(t) and t._data.nbytes == _storage_size(t)


def _remove_duplicate_names(state_dict: dict, *, preferred_names=None,
                            discard_names=None) -> dict[str, list[str]]:
    """For each group sharing a storage: the name to keep -> the names to drop."""
    preferred_names = set(preferred_names or [])
    discard_names = set(discard_names or [])
    to_remove: dict[str, list[str]] = defaultdict(list)
    for shared in _find_shared_tensors(state_dict):
        complete_names = {name for name in shared if _is_complete(state_dict[name])}
        if not complete_names:
            raise RuntimeError(
                "Error while trying to find names to remove to save state dict, but found no "
                f"suitable name to keep for saving amongst: {shared}. None is covering the entire "
                "storage.Refusing to save/load the model since you could be storing much more "
                "memory than needed. Please refer to "
                "https://huggingface.co/docs/safetensors/torch_shared_tensors for more "
                "information. Or open an issue."
            )
        keep_name = sorted(complete_names)[0]
        preferred = complete_names.difference(discard_names)
        if preferred:
            keep_name = sorted(preferred)[0]
        if preferred_names:
            preferred = preferred_names.intersection(complete_names)
            if preferred:
                keep_name = sorted(preferred)[0]
        for name in sorted(shared):
            if name != keep_name:
                to_remove[keep_name].append(name)
    return to_remove


def _arrays_for_save(tensors: dict) -> dict[str, np.ndarray]:
    """Validate ``tensors`` as ``safetensors.torch`` does and give their arrays (no copies)."""
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
    failing = [names for names in _find_shared_tensors(tensors) if len(names) > 1]
    if failing:
        raise RuntimeError(
            f"""
            Some tensors share memory, this will lead to duplicate memory on disk and potential differences when loading them again: {failing}.
            A potential way to correctly save your model is to use `save_model`.
            More information at https://huggingface.co/docs/safetensors/torch_shared_tensors
            """  # noqa: E501 - the message as safetensors.torch words it
        )
    arrays = {}
    for k, v in tensors.items():
        if not v._data.flags.c_contiguous:
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It "
                "either means you are trying to save tensors which are reference of each other in "
                "which case it's recommended to save only the full tensors, and reslice at load "
                "time, or simply call `.contiguous()` on your tensor to pack it before saving."
            )
        arrays[k] = v._data
    return arrays


# -- the public functions ------------------------------------------------------------------

def save(tensors: dict[str, Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The bytes of a safetensors file holding ``tensors``.

    Args:
        tensors: name -> tensor; contiguous tensors whose memory does not overlap.
        metadata: optional text-only ``str -> str`` entries stored in the header.

    Returns:
        bytes: the file's content; ``load`` reads it back.
    """
    arrays = _arrays_for_save(tensors)
    return _numpy_api().save(arrays, metadata=metadata)


def save_file(tensors: dict[str, Tensor], filename: str | os.PathLike,
              metadata: dict[str, str] | None = None) -> None:
    """Write ``tensors`` to ``filename`` in the safetensors format.

    Args:
        tensors: name -> tensor; contiguous tensors whose memory does not overlap (tied
            weights are refused with a RuntimeError: use ``save_model``).
        filename: the path to write.
        metadata: optional text-only ``str -> str`` entries stored in the header.
    """
    arrays = _arrays_for_save(tensors)
    _numpy_api().save_file(arrays, filename, metadata=metadata)


def load(data: bytes) -> dict[str, Tensor]:
    """The tensors of a safetensors file given as bytes (as written by ``save``).

    Raises:
        TypeError: a tensor has a dtype numtorch lacks, bfloat16 above all.
    """
    st_numpy = _numpy_api()
    _check_dtypes(_header_of_bytes(data))
    return _to_tensors(st_numpy.load(data))


def load_file(filename: str | os.PathLike, device: str | int = "cpu", *,
              backend: str = "mmap") -> dict[str, Tensor]:
    """The tensors of the safetensors file ``filename``, name -> tensor, in the file's order.

    Args:
        filename: the path to read.
        device: where the tensors go; numtorch computes on the CPU only.
        backend: how ``safetensors`` reads the bytes: ``"mmap"`` or ``"pread"``.

    Raises:
        TypeError: a tensor has a dtype numtorch lacks, bfloat16 above all.
    """
    check_device(device)
    st_numpy = _numpy_api()
    _check_dtypes(_header_of_file(filename))
    if backend == "mmap":  # the default, also for versions of safetensors without ``backend``
        return _to_tensors(st_numpy.load_file(filename))
    return _to_tensors(st_numpy.load_file(filename, backend=backend))


def save_model(model, filename: str | os.PathLike, metadata: dict[str, str] | None = None,
               force_contiguous: bool = True) -> None:
    """Save ``model.state_dict()`` to ``filename``, keeping one name of each tied weight.

    Tensors that share a whole storage (tied weights) are saved once, under the first name
    in sorted order; each dropped name is recorded in ``metadata`` as ``dropped -> kept``
    (unless the caller gave that key).  ``load_model`` restores them.

    Args:
        model: the module to save.
        filename: the path to write.
        metadata: optional text-only ``str -> str`` entries stored in the header.
        force_contiguous: save non-contiguous tensors as contiguous copies instead of
            refusing them.
    """
    state_dict = model.state_dict()
    for kept_name, dropped in _remove_duplicate_names(state_dict).items():
        for name in dropped:
            if metadata is None:
                metadata = {}
            if name not in metadata:
                metadata[name] = kept_name
            del state_dict[name]
    if force_contiguous:
        state_dict = {k: v.contiguous() for k, v in state_dict.items()}
    try:
        save_file(state_dict, filename, metadata=metadata)
    except ValueError as e:
        msg = str(e) + (" Or use save_model(..., force_contiguous=True), read the docs for "
                        "potential caveats.")
        raise ValueError(msg) from None


def load_model(model, filename: str | os.PathLike, strict: bool = True,
               device: str | int = "cpu", *, backend: str = "mmap") -> tuple[Any, list[str]]:
    """Load the safetensors file ``filename`` into ``model``, tied weights included.

    Args:
        model: the module to load into.
        filename: the path to read.
        strict: raise a RuntimeError listing missing and unexpected keys; otherwise only
            return them.
        device: where the tensors go; numtorch computes on the CPU only.
        backend: how ``safetensors`` reads the bytes: ``"mmap"`` or ``"pread"``.

    Returns:
        ``(missing, unexpected)``: the set of model names the file did not set, and the
        list of file names the model did not use.
    """
    state_dict = load_file(filename, device=device, backend=backend)
    to_removes = _remove_duplicate_names(model.state_dict(), preferred_names=state_dict.keys())
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing = set(missing)
    unexpected = list(unexpected)
    for group in to_removes.values():
        for name in group:
            if name not in missing:
                unexpected.append(name)
            else:
                missing.remove(name)
    if strict and (missing or unexpected):
        missing_keys = ", ".join(f'"{k}"' for k in sorted(missing))
        unexpected_keys = ", ".join(f'"{k}"' for k in sorted(unexpected))
        error = f"Error(s) in loading state_dict for {model.__class__.__name__}:"
        if missing:
            error += f"\n    Missing key(s) in state_dict: {missing_keys}"
        if unexpected:
            error += f"\n    Unexpected key(s) in state_dict: {unexpected_keys}"
        raise RuntimeError(error)
    return missing, unexpected
