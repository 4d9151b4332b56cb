"""``Size`` and ``device``: the small value types a tensor reports about itself."""

from __future__ import annotations

import threading

__all__ = ["Size", "device"]


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


class device:
    """Where a tensor lives.  numtorch computes on the CPU; ``cuda`` can be named but not used."""

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError("device() received an invalid combination of arguments - got "
                            f"({type.__class__.__name__})")
        name, _, idx = type.partition(":")
        if name not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, "
                "fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at "
                f"start of device string: {type}"
            )
        if idx:
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    # ---- ``with device(...)``: the default device for factory functions (NOTE [ default device ])
    def __enter__(self) -> device:
        _default.stack.append(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        stack = _default.stack
        if stack:
            stack.pop()


CPU = device("cpu")
_Device = device


# NOTE [ allocation failures ]
# A tensor too large to allocate raises PyTorch's RuntimeError, not NumPy's MemoryError or
# ValueError: "Storage size calculation overflowed" when its byte count does not fit in int64
# (sizes multiplied left to right, an overflow sticking even if a later size is 0), "Stride
# calculation overflowed" when only a contiguous stride does, else the allocator's "can't allocate
# memory" with the byte count.  A size that is not an int64 at all is refused earlier, when the
# size is read (a TypeError naming the function and the argument's position).

_INT64_MAX = (1 << 63) - 1
_U64 = 1 << 64
_ALLOC_FAIL = ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
               "memory: you tried to allocate {} bytes. Error code 12 (Cannot allocate memory)")


def alloc_error(shape, itemsize: int) -> RuntimeError:
    """PyTorch's error for a tensor of ``shape`` and ``itemsize`` that could not be allocated."""
    n, overflow = 1, False
    for s in shape:
        n *= s
        if n >= _U64:
            overflow, n = True, n % _U64
    nbytes = n * itemsize
    if overflow or nbytes > _INT64_MAX:
        return RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    stride = 1
    for s in reversed(tuple(shape)[1:]):
        stride *= max(s, 1)
        if stride > _INT64_MAX:
            return RuntimeError("Stride calculation overflowed")
    return RuntimeError(_ALLOC_FAIL.format(nbytes))


def broadcast_shape(*shapes) -> tuple:
    """The shape ``shapes`` broadcast to, however large (NumPy's own helper refuses shapes whose
    element count overflows its index type); ValueError if they do not broadcast."""
    out = []
    for k in range(1, max(map(len, shapes), default=0) + 1):
        sizes = {s[-k] for s in shapes if len(s) >= k} - {1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(reversed(out))


def broadcast_alloc_error(e: Exception, shapes, itemsize: int, numel_first: bool = False):
    """PyTorch's error for an op whose inputs of ``shapes`` broadcast to a result NumPy could
    not allocate (``e``); ``e`` itself if the shapes do not broadcast or ``e`` is no allocation
    failure.  ``numel_first``: the op (``where``, the logical ops) counts the result's elements
    before sizing its storage, and refuses a count beyond int64 with its own message."""
    try:
        shape = broadcast_shape(*shapes)
    except ValueError:
        return e
    if numel_first:
        n = 1
        for s in shape:
            n *= s
        if n > _INT64_MAX:
            return RuntimeError("numel: integer multiplication overflow")
    return memory_error(e, shape, itemsize)


# NumPy's ValueErrors for a shape whose element or byte count overflows its index type
_TOO_BIG = ("too big", "too large")


def memory_error(e: Exception, shape=None, itemsize: int | None = None) -> Exception:
    """NumPy's failed allocation ``e`` as PyTorch reports it; ``e`` itself if it is none.

    ``e`` is NumPy's MemoryError (which knows the shape and dtype it failed on) or one of its
    "array is too big" / "broadcast dimensions too large" / "iterator is too large" ValueErrors
    (for which the caller passes ``shape`` and ``itemsize``).
    """
    if isinstance(e, MemoryError) and shape is None:
        shape, dt = getattr(e, "shape", None), getattr(e, "dtype", None)
        itemsize = None if dt is None else dt.itemsize
    elif isinstance(e, ValueError) and not any(w in str(e) for w in _TOO_BIG):
        return e
    if shape is None or itemsize is None:
        return e
    return alloc_error(shape, itemsize)


def unpack_error(who: str, pos: int) -> TypeError:
    """PyTorch's error for a size that does not fit in int64 (``pos`` counts from 1)."""
    return TypeError(f"{who}(): argument 'size' failed to unpack the object at pos {pos} with "
                     'error "Overflow when unpacking long long"')


# NOTE [ default device ]
# ``set_default_device(d)`` and ``with device(d):`` name the device that factory functions
# (zeros, ones, empty, full, tensor, arange, rand, ...) use when their ``device`` argument is
# None; the innermost ``with`` wins over ``set_default_device``.  Both are per thread, as in
# PyTorch.  numtorch computes on the CPU only, so the setting changes which devices are refused,
# not where data lives: a CUDA default raises PyTorch's "not compiled with CUDA" error at the
# next factory call (and in ``get_default_device``), not when it is set.  ``*_like`` functions
# and methods such as ``Tensor.to`` ignore it, as PyTorch's do.

class _DefaultDevice(threading.local):
    def __init__(self):
        self.stack = []       # devices of the active ``with device(...)`` blocks, innermost last
        self.default = None   # set_default_device's device, or None


_default = _DefaultDevice()


def current_default():
    """The device factory functions use when given none (None meaning the CPU)."""
    stack = _default.stack
    return stack[-1] if stack else _default.default


def set_default_device(device) -> None:  # PyTorch's argument name (shadows the class here)
    """Make ``device`` (a device, a string, or None for the CPU) this thread's default device.

    Factory functions called without ``device=`` then use it (NOTE [ default device ]).

    Example:
        >>> import numtorch
        >>> numtorch.set_default_device("cpu"); numtorch.get_default_device()
        device(type='cpu')
        >>> numtorch.set_default_device(None)
    """
    _default.default = None if device is None else _Device(device)


def get_default_device() -> device:
    """The device new tensors are made on: the CPU unless a default device was set."""
    d = current_default()
    if d is None:
        return device("cpu")
    if d.index is not None:
        return d
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if d.type == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    return device(d.type)


def check_factory_device(d) -> None:
    """``check_device`` for a factory function: ``d`` None means the default device."""
    if d is None:
        d = current_default()
        if d is None:
            return
    check_device(d)


def check_device(d) -> None:
    """Refuse devices numtorch cannot compute on, with PyTorch's message for a missing CUDA."""
    if d is None:
        return
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if d.type not in ("cpu", "meta"):
        raise RuntimeError(f"numtorch computes on the CPU only; device '{d}' is not available")
