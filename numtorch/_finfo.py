"""``finfo`` and ``iinfo``: the numeric limits of a dtype, as PyTorch reports them."""

from __future__ import annotations

import numpy as np

from . import _dtype

__all__ = ["finfo", "iinfo"]


class finfo:
    """Limits of a floating dtype (the default dtype when none is given): eps, max, min, tiny..."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's name
        d = _dtype.get_default_dtype() if type is None else type
        if not isinstance(d, _dtype.dtype) or not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        info = np.finfo(d.np)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer (or bool) dtype: bits, min, max."""

    def __init__(self, type):  # noqa: A002 - PyTorch's name
        if not isinstance(type, _dtype.dtype) or type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(np.uint8 if type.np == np.bool_ else type.np)
        self.bits = info.bits
        self.min = int(info.min)
        self.max = int(info.max) if type.np != np.bool_ else 1
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
