"""The in-place sampling methods of Tensor: ``uniform_``, ``normal_``, ``random_`` and friends.

Each validates its arguments with PyTorch's messages, draws ``numel`` samples from the
recipes in ``recipes.py`` and writes them in the order PyTorch's kernel
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

import warnings

import numpy as np

from .._dtype import ctype_name, type_word
from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from . import recipes as R
from .generator import resolve

__all__ = ["METHODS", "uniform_", "normal_", "random_", "bernoulli_", "exponential_", "cauchy_",
           "log_normal_", "geometric_", "visit", "fill", "scalar_name", "num", "invalid_args",
           "int_arg"]

_FLOAT_DIGITS = {"float16": 11, "float32": 24, "float64": 53}


def scalar_name(a: np.ndarray) -> str:
    """PyTorch's ScalarType name of an array's dtype (``Float``, ``Long``...)."""
    return type_word(a)


def num(x: float) -> str:
    """A number printed as C++ streams print a double (``1``, ``0.5``, ``-1``)."""
    return f"{x:g}"


def visit(a: np.ndarray) -> np.ndarray:
    """A view of ``a`` whose row-major order is PyTorch's visiting order (NOTE [ visiting
    order ])."""
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
    if t._requires_grad and t.grad_fn is None and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


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


def _type_name(v) -> str:
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def invalid_args(who: str, args, kwargs) -> TypeError:
    """PyTorch's argument-parser error (first line) for a call that matches no signature."""
    names = [_type_name(v) for v in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    got = ", ".join(names) + (", " if kwargs and not args else "")
    return TypeError(f"{who}() received an invalid combination of arguments - got ({got}), "
                     "but expected one of:")


def _f(x) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


# ---- the methods ------------------------------------------------------------------------
def uniform_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill with samples of U[from, to): ``uniform_(from=0, to=1, *, generator=None)``."""
    lo, hi = (_f(v) for v in _from_to(args, kwargs, "uniform_", (0.0, 1.0)))
    _check_inplace(self)
    _check_float(self, "check_uniform_bounds")
    mn, mx = _bounds(self._data)
    for v, name in ((lo, "from"), (hi, "to")):
        if not mn <= v <= mx:
            raise RuntimeError(f"{name} is out of bounds for {ctype_name(self._data)}")
    if lo > hi:
        raise RuntimeError("uniform_ expects to return a [from, to) range, but found "
                           f"from={num(lo)} > to={num(hi)}")
    if not hi - lo <= mx:
        raise RuntimeError("uniform_ expects to-from <= "
                           f"std::numeric_limits<{scalar_name(self._data)}>::max(), "
                           f"but found to={num(hi)} and from={num(lo)} which result in to-from to "
                           "exceed the limit")
    eng = resolve(generator, "uniform_")
    a = self._data
    if a.flags.c_contiguous:  # straight into the tensor: no temporary of its size
        R.uniform(eng, a.size, a.dtype, lo, hi, out=a.reshape(-1))
        self._bump()
        return self
    return fill(self, R.uniform(eng, a.size, a.dtype, lo, hi))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of N(mean, std**2), drawn as PyTorch draws them (see ``normal``)."""
    mean, std = _f(mean), _f(std)
    _check_inplace(self)
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {num(std)}")
    _check_float(self, "normal_kernel_cpu")
    eng = resolve(generator, "normal_")
    a = self._data
    # inf or huge std: inf samples, as in PyTorch
    with np.errstate(invalid="ignore", over="ignore"):
        if a.flags.c_contiguous:  # straight into the tensor: no temporary of its size
            R.normal(eng, a.size, a.dtype, mean, std, True, out=a.reshape(-1))
            self._bump()
            return self
        return fill(self, R.normal(eng, a.size, a.dtype, mean, std, False))


def _bounds(a: np.ndarray) -> tuple[float, float]:
    """The hard limits of ``random_``'s ``from`` and ``to - 1``: the dtype's finite range."""
    if a.dtype.kind == "f":
        info = np.finfo(a.dtype)
        return float(info.min), float(info.max)
    if a.dtype.kind == "b":
        return 0, 1
    info = np.iinfo(a.dtype)
    return int(info.min), int(info.max)


def _cast_int(v: int, dt: np.dtype) -> int:
    """``static_cast<int64_t>(static_cast<scalar_t>(v))``: ``v`` rounded through float ``dt``."""
    with np.errstate(over="ignore"):
        f = np.array(float(v)).astype(dt) if dt != np.float64 else np.array(float(v))
    if not np.isfinite(f):
        return v
    r = int(f)
    return r if -(1 << 63) <= r < 1 << 63 else -(1 << 63)  # x86's answer to an overflowing cast


def _update_from(lo: int, dt: np.dtype) -> int:
    """Nudge ``from`` up so that, cast to float ``dt``, it does not fall below itself."""
    up = _cast_int(lo + 1, dt)
    if up < lo:
        n = abs(lo + 1).bit_length() - 1
        lo = up + (1 << (n - _FLOAT_DIGITS[dt.name] + 1))
    return lo


def _update_to(hi: int, dt: np.dtype) -> int:
    """Nudge ``to`` down so that ``to - 1``, cast to float ``dt``, stays below ``to``."""
    down = _cast_int(hi - 1, dt)
    if down >= hi:
        n = abs(hi - 1).bit_length() - 1
        hi = down - (1 << (n - _FLOAT_DIGITS[dt.name] + 1))
    return hi


def _check_range(lo: int, to_inc: int, a: np.ndarray) -> None:
    """``from`` and ``to - 1`` inside the dtype; for floats, a warning past ``2**digits``."""
    mn, mx = _bounds(a)
    c = ctype_name(a)
    for v, name in ((lo, "from"), (to_inc, "to - 1")):
        if not mn <= v <= mx:
            raise RuntimeError(f"{name} is out of bounds for {c}")
    if a.dtype.kind == "f":
        d = _FLOAT_DIGITS[a.dtype.name]
        for v, name in ((lo, "from"), (to_inc, "to - 1")):
            if not -(1 << d) <= v <= 1 << d:
                warnings.warn(
                    f"{name} is out of bounds [-(2^{d}), 2^{d}]. Due to precision limitations {c} "
                    "can support discrete uniform distribution only within this range. This "
                    "warning will become an error in version 1.7 release, please fix the code in "
                    "advance",
                    UserWarning, stacklevel=3)


def int_arg(v) -> bool:
    """Whether ``v`` is accepted where PyTorch's signature says ``int`` (not bool, not float);
    ValueError, as PyTorch's, when it does not fit in int64."""
    if isinstance(v, Tensor):
        return v._data.ndim == 0 and v._data.dtype.kind in "iu"
    ok = isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
    if ok and not -(1 << 63) <= int(v) < 1 << 63:
        raise ValueError("Overflow when unpacking long long")
    return ok


def _random_form(args: tuple, kwargs: dict):
    """``random_``'s arguments as ``(from, to)`` (``to`` may be None), or None for ``random_()``.

    The overloads are ``random_()``, ``random_(to)`` and ``random_(from, to)`` where ``to``
    is required but may be None; anything else is PyTorch's argument-parser TypeError.
    """
    if len(args) > 2:
        raise TypeError(f"random_() takes 2 positional arguments but {len(args)} were given")
    given = dict(zip(("from", "to"), args))
    if set(given) & set(kwargs) or set(kwargs) - {"from", "to"}:
        raise invalid_args("random_", args, kwargs)
    given.update(kwargs)
    if not given:
        return None
    if set(given) == {"from"} and args:  # random_(to), positionally
        given = {"from": 0, "to": args[0]}
    if set(given) == {"to"}:
        given["from"] = 0
    elif set(given) != {"from", "to"}:
        raise invalid_args("random_", args, kwargs)
    lo, hi = given["from"], given["to"]
    pair = len(args) + len(kwargs) == 2
    if not int_arg(lo) or not (int_arg(hi) or pair and hi is None):
        raise invalid_args("random_", args, kwargs)
    return lo, hi


def random_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill with integers: ``random_()`` over [0, 2**mantissa] (floats) or [0, max] (ints),
    ``random_(to)`` over [0, to), ``random_(from, to)`` over [from, to) (``to=None``: up to max).

    For float dtypes PyTorch first moves ``from`` up and ``to`` down until they survive the
    cast to the dtype (``update_from`` / ``update_to``), and warns beyond ``2**mantissa``.
    """
    form = _random_form(args, kwargs)
    _check_inplace(self)
    a = self._data
    eng = resolve(generator, "random_")
    if form is None:
        return fill(self, R.random_bits(eng, a.size, a.dtype))
    lo, hi = form
    lo = int(lo)
    flt = a.dtype.kind == "f"
    if hi is not None:
        hi = int(hi)
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} "
                               f">= to={hi}")
        if flt:
            lo, hi = _update_from(lo, a.dtype), _update_to(hi, a.dtype)
            if lo >= hi:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={lo} >= to={hi}")
        _check_range(lo, hi - 1, a)
        return fill(self, R.random_from_to(eng, a.size, a.dtype, lo, hi - lo))
    if lo == -(1 << 63):
        if a.dtype not in (np.int64, np.float32, np.float64):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, "
                               "float and bfloat16")
        return fill(self, R.random_full_range(eng, a.size, a.dtype))
    if flt:
        to_inc = 1 << _FLOAT_DIGITS[a.dtype.name]
        lo = _update_from(lo, a.dtype)
        if lo >= to_inc:
            raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to "
                               f"'to_inc' casted to dtype, but got from={lo} > to_inc={to_inc}")
    else:
        to_inc = _bounds(a)[1]
    _check_range(lo, to_inc, a)
    return fill(self, R.random_from_to(eng, a.size, a.dtype, lo, to_inc - lo + 1))


def _expand(p: np.ndarray, shape: tuple) -> np.ndarray:
    """``p.expand(shape)`` with PyTorch's errors."""
    if p.ndim > len(shape):
        raise RuntimeError(
            f"expand(torch.{type_word(p)}Tensor{{{list(p.shape)}}}, size={list(shape)}): "
            f"the number of sizes provided ({len(shape)}) must be greater or equal "
            f"to the number of dimensions in the tensor ({p.ndim})"
        )
    for i in range(1, p.ndim + 1):
        if p.shape[-i] != 1 and p.shape[-i] != shape[-i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[-i]}) must match the "
                               f"existing size ({p.shape[-i]}) at non-singleton dimension "
                               f"{len(shape) - i}.  Target sizes: {list(shape)}.  Tensor sizes: "
                               f"{list(p.shape)}")
    return np.broadcast_to(p, shape)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 draws: 1 with probability ``p`` (a number, or a tensor broadcast to self)."""
    _check_inplace(self)
    eng = resolve(generator, "bernoulli_")
    if isinstance(p, Tensor):
        _check_float(p, "bernoulli_tensor_cpu_p_")
        pv = _expand(p._data, self._data.shape)
        if not ((pv >= 0) & (pv <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                               "(Could this error message be improved?  If so, please report an "
                               "enhancement request to PyTorch.)")
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
                           "dtype must be a floating point but you specified "
                           f"{scalar_name(self._data)}")
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
    if self._data.dtype.kind != "f":
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype "
                           "must be a floating point but you specified "
                           f"{ctype_name(self._data)}")
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
    if self._data.dtype == np.bool_:
        raise NotImplementedError('"geometric_cpu" not implemented for \'Bool\'')
    eng = resolve(generator, "geometric_")
    with np.errstate(invalid="ignore", over="ignore"):
        return fill(self, R.geometric(eng, self._data.size, p).astype(self._data.dtype))


METHODS = {name: globals()[name] for name in (
    "uniform_", "normal_", "random_", "bernoulli_", "exponential_", "cauchy_", "log_normal_",
    "geometric_")}
