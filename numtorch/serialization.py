"""save/load: tensors, state dicts and whole checkpoints, written atomically.

``save(obj, path)`` pickles ``obj`` into a temporary file beside ``path`` and then
renames it into place, so a crash mid-write leaves the previous file intact.
``load(path)`` reads it back; with ``weights_only=True`` (PyTorch's default) only
tensors, parameters, NumPy arrays, dtypes, devices and plain containers may be
unpickled, so loading a file cannot run arbitrary code.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile

__all__ = ["save", "load"]

# NOTE [ weights_only ]: the globals a numtorch checkpoint needs, and nothing that can run code.
_SAFE = {
    ("collections", "OrderedDict"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"),
    ("builtins", "complex"), ("_codecs", "encode"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("numtorch._tensor", "_rebuild"), ("numtorch.nn.parameter", "_rebuild_parameter"),
    ("numtorch._dtype", "_by_name"), ("numtorch._size", "device"), ("numtorch._size", "Size"),
}


class _WeightsUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _SAFE or module.startswith("numpy.dtypes"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Weights only load failed. Unsupported global: GLOBAL {module}.{name} was not an allowed global by "
            "default. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can "
            "result in arbitrary code execution. Do it only if you got the file from a trusted source.")


def _is_path(f) -> bool:
    return isinstance(f, (str, bytes)) or hasattr(f, "__fspath__")


def save(obj, f, pickle_module=pickle, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Pickle ``obj`` to a path (atomically: temporary file, then rename) or to a writable file object."""
    if not _is_path(f):
        pickle_module.dump(obj, f, protocol=pickle_protocol)
        return
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pt", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle_module.dump(obj, fh, protocol=pickle_protocol)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap=None,
         **pickle_load_args):
    """Unpickle what ``save`` wrote; ``weights_only`` (default True) refuses anything but data."""
    if weights_only is None:
        weights_only = pickle_module is None
    if _is_path(f):
        with open(f, "rb") as fh:
            data = fh.read()
        fh = io.BytesIO(data)
    else:
        fh = f
    if weights_only:
        return _WeightsUnpickler(fh, **pickle_load_args).load()
    return (pickle_module or pickle).load(fh, **pickle_load_args)
