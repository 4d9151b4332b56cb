"""The in-place sampling methods of Tensor: ``uniform_``, ``normal_``, ``random_`` and friends.

Each validates its arguments with PyTorch's messages, draws ``numel`` samples from the
recipes in ``numtorch._random_recipes`` and writes them in the order PyTorch's kernel
visits the elements.

NOTE [ visiting order ]
    PyTorch's serial kernels walk a tensor in memory order: its iterator sorts the
    dimensions by stride.  For a contiguous tensor that is the usual row-major order;
    for a transposed view it is the order of the underlying storage.  ``visit`` gives
    the same order by permuting axes by decreasing stride.  The normal sampler also
    looks at contiguity: blocks of 16 only for contiguous tensors with 16 or more
    elements.
"""

from __future__ import annotations

import numpy as np

from . import _random_recipes as R
from ._random_generator import resolve
from ._tensor import Tensor

__all__ = ["METHODS", "uniform_", "normal_", "random_", "bernoulli_", "exponential_", "cauchy_",
           "log_normal_", "geometric_", "visit", "fill", "scalar_name", "num"]

_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_CNAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long",
           "int32": "int", "int16": "short", "int8": "signed char", "uint8": "unsigned char",
           "bool": "bool"}
_FLOAT_DIGITS = {"float16": 11, "float32": 24, "float64": 53}


def scalar_name(a: np.ndarray) -> str:
    """PyTorch's ScalarType name of an array's dtype (``Float``, ``Long``...)."""
    return _NAMES.get(a.dtype.name, a.dtype.name)


def num(x: float) -> str:
    """A number printed as C++ streams print a double (``1``, ``0.5``, ``-1``)."""
    return f"{x:g}"


def visit(a: np.ndarray) -> np.ndarray:
    """A view of ``a`` whose row-major order is PyTorch's visiting order (NOTE [ visiting order ])."""
    if a.flags.c_contiguous or a.ndim < 2:
        return a
    perm = sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]) if a.shape[d] > 1 else 0)
    return a.transpose(perm)


def fill(t: Tensor, values: np.ndarray) -> Tensor:
    """Write ``values`` (flat, in visiting order) into ``t`` and record the in-place change."""
    v = visit(t._data)
    v[...] = values.reshape(v.shape)
    t._bump()
    return t


def _check_inplace(t: Tensor) -> None:
    from .autograd.grad_mode import is_grad_enabled
    if t._requires_grad and t.grad_fn is None and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _check_float(t: Tensor, kernel: str) -> None:
    if t._data.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(t._data)}\'')


def _from_to(args, kwargs, who: str, defaults):
    """Positional and keyword ``from``/``to`` (``from`` is a Python keyword, so only **kwargs)."""
    names = ("from", "to")
    vals = list(defaults)
    if len(args) > 2:
        raise TypeError(f"{who}() takes at most 2 arguments ({len(args)} given)")
    for i, v in enumerate(args):
        vals[i] = v
    for k, v in kwargs.items():
        if k not in names:
            raise TypeError(f"{who}() got an unexpected keyword argument '{k}'")
        vals[names.index(k)] = v
    return vals


def _f(x) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


# ---- the methods ------------------------------------------------------------------------
def uniform_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill with samples of U[from, to): ``uniform_(from=0, to=1, *, generator=None)``."""
    lo, hi = (_f(v) for v in _from_to(args, kwargs, "uniform_", (0.0, 1.0)))
    _check_inplace(self)
    _check_float(self, "check_uniform_bounds")
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={num(lo)} > to={num(hi)}")
    eng = resolve(generator, "uniform_")
    return fill(self, R.uniform(eng, self._data.size, self._data.dtype, lo, hi))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of N(mean, std**2), drawn as PyTorch draws them (see ``normal``)."""
    mean, std = _f(mean), _f(std)
    _check_inplace(self)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {num(std)}")
    _check_float(self, "normal_kernel_cpu")
    eng = resolve(generator, "normal_")
    a = self._data
    return fill(self, R.normal(eng, a.size, a.dtype, mean, std, bool(a.flags.c_contiguous)))


def _bounds(a: np.ndarray) -> tuple[int, int]:
    if a.dtype.kind == "f":
        m = 1 << _FLOAT_DIGITS[a.dtype.name]
        return -m, m
    if a.dtype.kind == "b":
        return 0, 1
    info = np.iinfo(a.dtype)
    return int(info.min), int(info.max)


def random_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill with integers: ``random_()`` over [0, 2**mantissa] (floats) or [0, max] (ints),
    ``random_(to)`` over [0, to), ``random_(from, to)`` over [from, to) (``to=None``: up to max)."""
    _check_inplace(self)
    a = self._data
    eng = resolve(generator, "random_")
    if not args and not kwargs:
        return fill(self, R.random_bits(eng, a.size, a.dtype))
    if len(args) == 1 and not kwargs:
        lo, hi = 0, args[0]
    else:
        lo, hi = _from_to(args, kwargs, "random_", (0, None))
    lo = int(lo)
    mn, mx = _bounds(a)
    c = _CNAMES.get(a.dtype.name, a.dtype.name)
    if hi is not None:
        hi = int(hi)
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        if not mn <= lo <= mx:
            raise RuntimeError(f"from is out of bounds for {c}")
        if not mn <= hi - 1 <= mx:
            raise RuntimeError(f"to - 1 is out of bounds for {c}")
        return fill(self, R.random_from_to(eng, a.size, a.dtype, lo, hi - lo))
    if lo == -(1 << 63):
        if a.dtype not in (np.int64, np.float32, np.float64):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
        return fill(self, R.random_full_range(eng, a.size, a.dtype))
    to_inc = min(mx, (1 << 63) - 1)
    if not mn <= lo <= to_inc:
        raise RuntimeError(f"from is out of bounds for {c}")
    return fill(self, R.random_from_to(eng, a.size, a.dtype, lo, to_inc - lo + 1))


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 draws: 1 with probability ``p`` (a number, or a tensor broadcast to self)."""
    _check_inplace(self)
    eng = resolve(generator, "bernoulli_")
    if isinstance(p, Tensor):
        _check_float(p, "bernoulli_tensor_cpu_p_")
        pv = np.broadcast_to(p._data, self._data.shape)
        return fill(self, R.bernoulli_tensor(eng, visit(pv).ravel()).astype(self._data.dtype))
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={num(p)}")
    return fill(self, R.bernoulli_scalar(eng, self._data.size, p).astype(self._data.dtype))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of Exp(lambd): density ``lambd * exp(-lambd x)``."""
    lambd = _f(lambd)
    _check_inplace(self)
    if self._data.dtype.kind != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {scalar_name(self._data)}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={num(lambd)}")
    eng = resolve(generator, "exponential_")
    return fill(self, R.exponential(eng, self._data.size, lambd).astype(self._data.dtype))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy samples: density ``1 / (pi sigma (1 + ((x - median)/sigma)**2))``."""
    median, sigma = _f(median), _f(sigma)
    _check_inplace(self)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={num(sigma)}")
    _check_float(self, "cauchy_cpu")
    eng = resolve(generator, "cauchy_")
    return fill(self, R.cauchy(eng, self._data.size, median, sigma).astype(self._data.dtype))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))`` samples."""
    mean, std = _f(mean), _f(std)
    _check_inplace(self)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={num(std)}")
    _check_float(self, "log_normal_cpu")
    eng = resolve(generator, "log_normal_")
    return fill(self, R.log_normal(eng, self._data.size, mean, std).astype(self._data.dtype))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    p = _f(p)
    _check_inplace(self)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={num(p)}")
    eng = resolve(generator, "geometric_")
    with np.errstate(invalid="ignore", over="ignore"):
        return fill(self, R.geometric(eng, self._data.size, p).astype(self._data.dtype))


METHODS = {name: globals()[name] for name in (
    "uniform_", "normal_", "random_", "bernoulli_", "exponential_", "cauchy_", "log_normal_",
    "geometric_")}
