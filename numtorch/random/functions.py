"""The sampling functions of the ``numtorch`` namespace: ``rand``, ``randn``, ``randint``...

Each is built as PyTorch builds it, from an empty tensor and an in-place method, so the
generator's state advances exactly as PyTorch's: ``rand`` is ``empty(size).uniform_()``,
``randint(low, high, size)`` is ``empty(size, dtype=int64).random_(low, high)``, and
``normal(mean_tensor, std_tensor)`` is ``normal_(0, 1)`` followed by ``* std + mean``.

Example:
    >>> from numtorch.random import manual_seed
    >>> _ = manual_seed(0)
    >>> rand(3).tolist()  # the same numbers as torch.rand(3) after torch.manual_seed(0)
    [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dtype import type_word
from .._size import _INT64_MAX, Size, check_device, current_default, memory_error, unpack_error
from .._tensor import Tensor, _wrap
from . import recipes as R
from .generator import Generator, resolve
from .tensor_methods import (
    bernoulli_,
    fill,
    int_arg,
    invalid_args,
    normal_,
    num,
    random_,
    scalar_name,
    uniform_,
)

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like"]


def _size(who: str, size: tuple, kwargs: dict) -> tuple:
    """``size`` given as varargs, as one tuple/list/Size, or as ``size=``; its types checked.

    The values are checked by ``_empty`` after the device (PyTorch's order).
    """
    if not size and "size" not in kwargs:
        raise invalid_args(who, (), kwargs)
    if "size" in kwargs:
        if size:
            raise TypeError(f"{who}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{who}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    dims = []
    for s in size:
        if isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind in "iu":
            s = int(s._data)
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{who}(): argument 'size' (position 1) must be tuple of ints, "
                            f"not {type(s).__name__}")
        dims.append(int(s))
    return tuple(dims)


def _check_dims(who: str, dims: tuple) -> None:
    """Sizes outside int64, then negative sizes, refused with PyTorch's errors."""
    for k, d in enumerate(dims):
        if not -_INT64_MAX - 1 <= d <= _INT64_MAX:
            raise unpack_error(who, k + 1)
    for d in dims:
        if d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(dims)}")


def _new(shape: tuple, dt) -> np.ndarray:
    """An uninitialised array; a failed allocation raises PyTorch's RuntimeError."""
    try:
        return np.empty(shape, dt)
    except (MemoryError, ValueError) as e:
        raise memory_error(e, shape, np.dtype(dt).itemsize) from None


def _empty(shape: tuple, dtype, out: Tensor | None, device, default=None, who: str | None = None,
           factory: bool = True) -> Tensor:
    """The tensor to fill: ``out`` (resized if needed) or a new one.

    With ``who`` (the function's name) the sizes' values are checked, after the device as in
    PyTorch; there, unless ``factory`` is False, a ``device`` of None means the default device
    (NOTE [ default device ] in ``numtorch._size``).  Without ``who`` (``*_like`` and
    tensor-argument forms, whose shape comes from a tensor) the default does not apply.
    """
    check_device(device)
    if who is not None:
        if device is None and factory:
            d = current_default()
            if d is not None and d.type != "cpu":
                if out is not None:
                    raise RuntimeError(f"device type {d.type} does not match device type of out "
                                       f"parameter (cpu)")
                check_device(d)
        _check_dims(who, shape)
    if out is not None:
        if dtype is not None and dtype is not out.dtype:
            raise RuntimeError(f"dtype {scalar_name(np.empty(0, _dtype.as_np(dtype)))} does not "
                               f"match dtype of out parameter ({scalar_name(out._data)})")
        if out._data.shape != shape:
            out._data = _new(shape, out._data.dtype)
        return out
    dt = dtype or default or _dtype.get_default_dtype()
    return _wrap(_new(shape, _dtype.as_np(dt)))


def _check_generator(who: str, args: tuple, kwargs: dict, generator) -> None:
    """A factory function given a non-Generator ``generator`` matches none of its signatures."""
    if generator is not None and not isinstance(generator, Generator):
        raise invalid_args(who, args, dict(kwargs, generator=generator))


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


# ---- creation ---------------------------------------------------------------------------
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False, **kwargs) -> Tensor:
    """Samples of U[0, 1) in a tensor of shape ``size``: float32 from 24-bit words,
    float64 from 53-bit ones (see ``numtorch.random.recipes``)."""
    _check_generator("rand", size, kwargs, generator)
    t = _empty(_size("rand", size, kwargs), dtype, out, device, who="rand")
    return _finish(uniform_(t, generator=generator), requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False, **kwargs) -> Tensor:
    """Samples of N(0, 1) in a tensor of shape ``size`` (Box-Muller, PyTorch's layout)."""
    _check_generator("randn", size, kwargs, generator)
    t = _empty(_size("randn", size, kwargs), dtype, out, device, who="randn")
    return _finish(normal_(t, generator=generator), requires_grad)


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False, pin_memory: bool = False, **kwargs) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    Each is ``word % (high - low) + low``; default dtype int64.
    """
    given = (tuple(args), dict(kwargs))
    args = list(args)
    low = kwargs.pop("low", None)
    high = kwargs.pop("high", None)
    size = kwargs.pop("size", None)
    if size is None and args and isinstance(args[-1], (tuple, list, Size)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None and args:
        low = args.pop()
    if size is None and len(given[0]) == 2 and not given[1] and all(map(int_arg, given[0])):
        raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, not int")
    if size is None or high is None or args or kwargs or not int_arg(high) or not (
            low is None or int_arg(low)):
        raise invalid_args("randint", *given)
    t = _empty(_size("randint", (size,), {}), dtype, out, device, default=_dtype.int64,
               who="randint")
    return _finish(random_(t, int(low or 0), int(high), generator=generator), requires_grad)


_PERM_FLOAT_LIMIT = {"float16": (2049, "2049"), "float32": ((1 << 24) + 1, "2^24+1"),
                     "float64": ((1 << 53) + 1, "2^53+1")}


def _check_perm_dtype(n: int, a: np.ndarray) -> None:
    """``n - 1`` must fit the result's dtype, and floats must hold every integer up to it."""
    if a.dtype == np.bool_:
        raise NotImplementedError('"randperm" not implemented for \'Bool\'')
    if a.dtype.kind in "iu" and n - 1 > np.iinfo(a.dtype).max:
        raise RuntimeError(f"value cannot be converted to type {a.dtype.name}_t without overflow")
    if a.dtype.name == "float16" and n - 1 > 65504:
        raise RuntimeError("value cannot be converted to type at::Half without overflow")
    if a.dtype.kind == "f":
        limit, text = _PERM_FLOAT_LIMIT[a.dtype.name]
        if n > limit:
            raise RuntimeError(f"n cannot be greater than {text} for {type_word(a)} type.")


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (Fisher-Yates on 32-bit words)."""
    if not int_arg(n):
        raise TypeError("randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    _check_generator("randperm", (n,), {}, generator)
    n = int(n)
    t = _empty(_size("randperm", (n,), {}), dtype, out, device, default=_dtype.int64,
               who="randperm")
    a = t._data
    _check_perm_dtype(n, a)
    eng = resolve(generator, "randperm")
    fill(t, R.randperm(eng, n).astype(a.dtype))
    return _finish(t, requires_grad)


def _like(who, input, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"{who}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return _empty(tuple(input._data.shape), dtype or input.dtype, None, device)


def rand_like(input: Tensor, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``rand`` with ``input``'s shape and (by default) dtype."""
    t = _like("rand_like", input, dtype, device)
    return _finish(uniform_(t, generator=generator), requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randn`` with ``input``'s shape and (by default) dtype."""
    t = _like("randn_like", input, dtype, device)
    return _finish(normal_(t, generator=generator), requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint`` with ``input``'s shape and dtype: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    t = _like("randint_like", input, dtype, device)
    return _finish(random_(t, low, high, generator=generator), requires_grad)


# ---- normal with tensor arguments -------------------------------------------------------
def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast shape of ``a`` and ``b``, with PyTorch's error."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in reversed(range(n)):
        x, y = a[i], b[i]
        if x != y and 1 not in (x, y):
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
    return tuple(max(x, y) if 0 not in (x, y) else 0 for x, y in zip(a, b))


def normal(*args, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False, **kwargs) -> Tensor:
    """Normal samples; ``mean`` and ``std`` may each be a tensor or a number.

    * ``normal(mean: Tensor, std: Tensor)``: ``normal_(0, 1)`` on the broadcast shape,
      then ``* std + mean`` (two roundings, as PyTorch).
    * ``normal(mean: Tensor, std=1.0)``: ``normal_(0, std)``, then ``+ mean``.
    * ``normal(mean: float, std: Tensor)``: ``normal_(0, 1)``, then ``* std + mean``.
    * ``normal(mean: float, std: float, size)``: ``empty(size).normal_(mean, std)``.
    """
    names = ("mean", "std", "size")
    vals = dict(zip(names, args))
    if len(args) > 3:
        raise TypeError(f"normal() takes at most 3 positional arguments ({len(args)} given)")
    for k in names:
        if k in kwargs:
            vals[k] = kwargs.pop(k)
    if kwargs:
        raise TypeError(f"normal() got an unexpected keyword argument '{next(iter(kwargs))}'")
    mean, std, size = vals.get("mean", 0.0), vals.get("std", 1.0), vals.get("size")
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one of: "
                            "(Tensor mean, Tensor std, ...) or (float mean, float std, tuple of "
                            "ints size, ...)")
        t = _empty(_size("normal", (size,), {}), dtype, out, device, who="normal",
                   factory=False)
        return _finish(normal_(t, float(mean), float(std), generator=generator), requires_grad)
    if st and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if mt and not st:
        std = float(std)
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {num(std)}")
        t = _empty(tuple(mean._data.shape), None, out, None, default=mean.dtype)
        normal_(t, 0.0, std, generator=generator)
        np.add(t._data, mean._data, out=t._data, casting="unsafe")
        return t
    if st and not mt:
        t = _empty(tuple(std._data.shape), None, out, None, default=std.dtype)
        normal_(t, 0.0, 1.0, generator=generator)
        np.multiply(t._data, std._data, out=t._data, casting="unsafe")
        np.add(t._data, np.asarray(float(mean), t._data.dtype), out=t._data, casting="unsafe")
        return t
    shape = _broadcast_shape(mean._data.shape, std._data.shape)
    t = _empty(shape, None, out, None, default=mean.dtype)
    normal_(t, 0.0, 1.0, generator=generator)
    np.multiply(t._data, std._data, out=t._data, casting="unsafe")
    np.add(t._data, mean._data, out=t._data, casting="unsafe")
    return t


# ---- bernoulli and multinomial ----------------------------------------------------------
def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or with probability ``p``."""
    t = _empty(tuple(input._data.shape), None, out, None, default=input.dtype)
    if p is not None:
        return bernoulli_(t, p, generator=generator)
    if input._data.dtype.kind != "f":
        raise NotImplementedError('"bernoulli_tensor_cpu_p_" not implemented for '
                                  f'\'{scalar_name(input._data)}\'')
    if not ((input._data >= 0) & (input._data <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an enhancement "
                           "request to PyTorch.)")
    return bernoulli_(t, input, generator=generator)


def _check_probs(a: np.ndarray, n_sample: int, replacement: bool) -> None:
    if a.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if a.dtype.kind != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{scalar_name(a)}")
    if n_sample <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n_sample > a.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if a.shape[-1] > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if not replacement or n_sample == 1:
        if not (np.isfinite(a).all() and (a >= 0).all()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    else:
        if (a < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                               "< 0)")
        if not np.isfinite(a).all():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                               "= infinity or NaN)")
    if (a.reshape(-1, a.shape[-1]).sum(axis=1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """Draw ``num_samples`` category indices from each row of (unnormalised) probabilities.

    Without replacement: the exponential race, ``topk(p / q)`` with ``q ~ Exp(1)``.
    With replacement: binary search of a 53-bit uniform in the normalised running sum.
    """
    if not int_arg(num_samples):
        raise TypeError("multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    a = input._data
    n = int(num_samples)
    _check_probs(a, n, bool(replacement))
    eng = resolve(generator, "multinomial")
    rows = np.ascontiguousarray(a).reshape(-1, a.shape[-1])
    idx = R.multinomial(eng, rows, n, bool(replacement))
    res = idx.reshape(n) if a.ndim == 1 else idx
    if out is not None:
        out._data = res.astype(out._data.dtype)
        out._bump()
        return out
    return _wrap(res)


def tensor_bernoulli(self: Tensor, p=None, *, generator=None) -> Tensor:
    """``Tensor.bernoulli``: see ``bernoulli``."""
    return bernoulli(self, p, generator=generator)


def tensor_multinomial(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator=None) -> Tensor:
    """``Tensor.multinomial``: see ``multinomial``."""
    return multinomial(self, num_samples, replacement, generator=generator)
