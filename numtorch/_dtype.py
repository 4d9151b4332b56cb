"""Data types: ``numtorch.float32`` and friends, each backed by a NumPy dtype.

PyTorch names its dtypes ``torch.float32``; numtorch's print the same way, so a
script that prints ``x.dtype`` sees the same text.  The default floating dtype
(``get_default_dtype``) is float32, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "float32", "float", "float64", "double", "float16", "half",
    "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool",
    "get_default_dtype", "set_default_dtype", "as_np", "from_np", "promote_types",
    "type_word", "ctype_name", "typemeta_name",
]


class dtype:
    """A tensor element type. Compare with ``is`` or ``==``; print as ``torch.<name>``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_cat", "_word",
                 "_ctype", "_typemeta")

    def __init__(self, name: str, np_dtype, cat: int, word: str = "", ctype: str = "",
                 typemeta: str = ""):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = cat == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        self._cat = cat  # 0 bool, 1 integer, 2 floating: PyTorch's promotion categories
        self._word = word  # PyTorch's ScalarType name in messages: "Float", "Long"
        self._ctype = ctype  # the C++ type some messages name: "float", "long"
        self._typemeta = typemeta  # the C++ type as a TypeMeta prints it: "long int"

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self) -> dtype:
        return self


def _by_name(name: str) -> dtype:
    return _NAMES[name]


# NOTE [ one row per dtype ]: everything numtorch knows about a dtype, in one table: its NumPy
# type, its promotion category, and the three ways PyTorch's messages spell it (the ScalarType
# word of "expected scalar type Long but found Float", the C++ type of "from is out of bounds
# for long", and the TypeMeta name of "expected m1 and m2 to have the same dtype, but got:
# long int != float").  Messages read these attributes; no other file spells them.
float32 = dtype("float32", np.float32, 2, "Float", "float", "float")
float64 = dtype("float64", np.float64, 2, "Double", "double", "double")
float16 = dtype("float16", np.float16, 2, "Half", "c10::Half", "c10::Half")
int64 = dtype("int64", np.int64, 1, "Long", "long", "long int")
int32 = dtype("int32", np.int32, 1, "Int", "int", "int")
int16 = dtype("int16", np.int16, 1, "Short", "short", "short int")
int8 = dtype("int8", np.int8, 1, "Char", "signed char", "signed char")
uint8 = dtype("uint8", np.uint8, 1, "Byte", "unsigned char", "unsigned char")
bool = dtype("bool", np.bool_, 0, "Bool", "bool", "bool")  # noqa: A001 - PyTorch's name

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

_ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool)
_NAMES = {d.name: d for d in _ALL}
_FROM_NP = {d.np: d for d in _ALL}


def _of(x) -> dtype:
    """The numtorch dtype of a dtype, a NumPy dtype, an array or a Tensor."""
    if isinstance(x, dtype):
        return x
    d = getattr(x, "_data", x)
    return _FROM_NP[d.dtype if hasattr(d, "dtype") else np.dtype(d)]


def type_word(x) -> str:
    """PyTorch's ScalarType name of ``x``'s dtype (``Float``, ``Long``...), as messages spell it.

    Example:
        >>> type_word(int64), type_word(np.zeros(1, np.uint8))
        ('Long', 'Byte')
    """
    return _of(x)._word


def ctype_name(x) -> str:
    """The C++ type of ``x``'s dtype as PyTorch's messages spell it (``float``, ``long``)."""
    return _of(x)._ctype


def typemeta_name(x) -> str:
    """The C++ type of ``x``'s dtype as a TypeMeta prints it (``float``, ``long int``)."""
    return _of(x)._typemeta


_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of new floating tensors (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating tensors; only float32 and float64 (and float16) are allowed."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def as_np(d) -> np.dtype:
    """The NumPy dtype of a numtorch dtype (or of anything NumPy understands)."""
    if isinstance(d, dtype):
        return d.np
    return np.dtype(d)


def from_np(npd) -> dtype:
    """The numtorch dtype of a NumPy dtype; raises TypeError for types numtorch lacks."""
    try:
        return _FROM_NP[np.dtype(npd)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(npd)}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``promote_types``: the smallest dtype both values fit in."""
    if a is b:
        return a
    if a._cat != b._cat:
        return a if a._cat > b._cat else b
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        if other is int8:
            return int16
    return from_np(np.promote_types(a.np, b.np))
