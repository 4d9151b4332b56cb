"""save/load: placeholder until the serialization issue lands."""

from __future__ import annotations

import pickle

__all__ = ["save", "load"]


def save(obj, f, pickle_module=pickle, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True):
    """Pickle ``obj`` (tensors, state dicts, ...) to a path or file object."""
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        with open(f, "wb") as fh:
            pickle_module.dump(obj, fh, protocol=pickle_protocol)
    else:
        pickle_module.dump(obj, f, protocol=pickle_protocol)


def load(f, map_location=None, pickle_module=pickle, *, weights_only=None, mmap=None, **kwargs):
    """Unpickle what ``save`` wrote."""
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        with open(f, "rb") as fh:
            return pickle_module.load(fh)
    return pickle_module.load(f)
