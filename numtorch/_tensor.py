"""The Tensor: a NumPy array plus what autograd needs to know about it.

A Tensor holds ``_data`` (an ``np.ndarray``; 0-d for scalars), ``requires_grad``,
``grad``, ``grad_fn`` (the graph node that made it, None for leaves) and a version
cell shared with its views, bumped by every in-place change.  The maths lives in
``numtorch/_ops``; its functions are attached here as methods and operators by
``numtorch._ops.registry`` from explicit tables of names.
"""

from __future__ import annotations

import numpy as np

from . import _dtype
from ._size import _INT64_MAX, CPU, Size, check_device, device, memory_error, unpack_error
from ._tensor_str import format_tensor

__all__ = ["Tensor", "_wrap"]

_new = object.__new__

# Reading ``.grad`` of a non-leaf tensor that does not retain its gradient (PyTorch's words).
_NONLEAF_GRAD = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                 ".grad attribute won't be populated during autograd.backward(). If you indeed "
                 "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                 "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
                 "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                 "for more information. (Triggered internally at "
                 "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")


class Tensor:
    """A multi-dimensional array of one dtype, with reverse-mode automatic differentiation."""

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_vc", "_hooks", "_retains_grad",
                 "_post_acc_hooks", "_base", "__weakref__")
    __array_priority__ = 1000  # NumPy defers to Tensor's reflected operators

    def __new__(cls, *args, **kwargs):
        # ``torch.Tensor(2, 3)`` (uninitialised float tensor) and ``torch.Tensor([1, 2])``.
        self = _new(cls)
        _init(self, _legacy_data(args, kwargs), False)
        return self

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def _make_subclass(cls, data: Tensor, require_grad: bool = False):
        """A ``cls`` instance sharing ``data``'s array (how Parameter is made)."""
        self = _new(cls)
        _init(self, data._data, False)
        self._vc = data._vc
        if require_grad:
            self.requires_grad_(True)
        return self

    # ---- autograd attributes ------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn(_NONLEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._vc[0]

    def _bump(self) -> None:
        """Record an in-place change of the data.

        See NOTE [ saved tensors and the version counter ].
        """
        self._vc[0] += 1

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            import weakref
            self.grad_fn._retained = weakref.ref(self)
            self.grad_fn._hooked = True  # NOTE [ the hooked flag ]
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad and self.grad_fn is not None

    def detach(self) -> Tensor:
        """A tensor sharing this data, cut from the graph."""
        t = _wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    # ---- shape and type information -----------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._FROM_NP[self._data.dtype]

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mps = False
    is_nested = False
    layout = "torch.strided"

    def get_device(self) -> int:
        return -1

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "if"

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        return base

    def storage_offset(self) -> int:
        base = self.untyped_storage()
        return (self._data.__array_interface__["data"][0]
                - base.__array_interface__["data"][0]) // self._data.itemsize

    def is_nonzero(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous"
                               if self._data.size
                               else "Boolean value of Tensor with no values is ambiguous")
        return bool(self._data.reshape(()).item())

    def is_same_size(self, other: Tensor) -> bool:
        return self._data.shape == other._data.shape

    def is_set_to(self, other: Tensor) -> bool:
        return self._data is other._data

    # ---- conversion ---------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def _scalar(self, kind):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return kind(self._data.reshape(()).item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._scalar(float)

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._scalar(int)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None) -> str:
        name = type(self.grad_fn).__name__ if self.grad_fn is not None else None
        return format_tensor(self._data, self.dtype,
                             requires_grad=self._requires_grad and name is None,
                             grad_fn_name=name)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = type(self).__new__(type(self))
        _init(new, self._data.copy(), self._requires_grad)
        if type(self) is not Tensor and hasattr(self, "__dict__"):
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        if self._grad is not None:
            new._grad = _wrap(self._grad._data.copy())
        memo[id(self)] = new
        return new

    # ---- device and dtype moves ---------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """A tensor with another dtype (and device): ``to(dtype)``, ``to(device, dtype)``, ...

        Also ``to(device)`` and ``to(other)``; ``copy=True`` always copies.
        """
        if len(args) == 1 and not kwargs and type(args[0]) is _dtype.dtype:  # ``.float()``...
            dt = args[0]
            return self if dt.np == self._data.dtype else self._cast(dt)
        dt, dev, copy = _parse_to(args, kwargs)
        check_device(dev)
        if dt is None or dt.np == self._data.dtype:
            if not copy:
                return self
            same = _dtype._FROM_NP.get(self._data.dtype)  # a copy is a ToCopyBackward0 node
            return self.clone() if same is None else self._cast(same)
        return self._cast(dt)

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        if dtype is None:
            return type_name(self)
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            table = {"FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64,
                     "HalfTensor": _dtype.float16, "LongTensor": _dtype.int64,
                     "IntTensor": _dtype.int32, "ShortTensor": _dtype.int16,
                     "CharTensor": _dtype.int8, "ByteTensor": _dtype.uint8,
                     "BoolTensor": _dtype.bool}
            if name not in table:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = table[name]
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def cpu(self, memory_format=None) -> Tensor:
        return self

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        check_device("cuda")

    def pin_memory(self, device=None) -> Tensor:
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def share_memory_(self) -> Tensor:
        return self

    def is_shared(self) -> bool:
        return False


def type_name(t: Tensor) -> str:
    """PyTorch's legacy type string, e.g. ``torch.FloatTensor``."""
    return f"torch.{t.dtype._word}Tensor"


def _init(t: Tensor, data: np.ndarray, requires_grad: bool) -> None:
    """Set every slot of a new tensor (``_vc`` is the version cell, shared with views).

    ``_wrap`` and the fast paths of the elementwise ops (``_ops/_core.binary_op``, the unary ops
    of ``_ops/elementwise.py``) repeat these assignments inline: a new slot goes in all of them
    (``tests/ops/test_dispatch_fast_paths.py`` checks that every slot is set).
    """
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t.grad_fn = None
    t._vc = [0]
    t._hooks = None
    t._retains_grad = False
    t._post_acc_hooks = None
    t._base = None


def _wrap(data: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A Tensor around ``data`` (no copy).  The hot path of every op: keep it minimal.

    ``_init``'s assignments are written out here: a function call costs as much as all of them.
    """
    t = _new(Tensor)
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t.grad_fn = None
    t._vc = [0]
    t._hooks = None
    t._retains_grad = False
    t._post_acc_hooks = None
    t._base = None
    return t


def _rebuild(data, requires_grad):
    return _wrap(data, requires_grad)


def _wrap_dim(dim, ndim: int) -> int:
    """A dim in ``[-ndim, ndim)`` as a non-negative index, with PyTorch's IndexError."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        if isinstance(dim, Tensor) and dim._data.ndim == 0 and dim._data.dtype.kind in "iu":
            dim = int(dim._data)
        else:
            raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    n = max(ndim, 1)
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but "
                         f"got {dim})")
    return dim + n if dim < 0 else dim


def _legacy_data(args, kwargs) -> np.ndarray:
    """``torch.Tensor(*sizes)`` or ``torch.Tensor(data)``: always the default float dtype."""
    dt = _dtype.get_default_dtype().np
    if not args:
        return np.empty((0,), dt)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        a = args[0]
        if isinstance(a, Tensor):
            return a._data.astype(dt, copy=False)
        if isinstance(a, Size):
            return _legacy_zeros(tuple(a), dt)
        return np.array(a, dtype=dt)
    return _legacy_zeros(tuple(int(s) for s in args), dt)


def _legacy_zeros(shape: tuple, dt) -> np.ndarray:
    """Zeros of ``shape``, with PyTorch's errors for impossible sizes.

    See NOTE [ allocation failures ].
    """
    for k, s in enumerate(shape):
        if not -_INT64_MAX - 1 <= s <= _INT64_MAX:
            raise unpack_error("new", k + 1)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    try:
        return np.zeros(shape, dt)
    except (MemoryError, ValueError) as e:
        raise memory_error(e, shape, np.dtype(dt).itemsize) from None


def _parse_to(args, kwargs):
    dt = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _dtype.dtype):
            dt = a
        elif isinstance(a, Tensor):
            dt = a.dtype
        elif isinstance(a, (str, device)):
            dev = a
        elif isinstance(a, bool):
            pass  # non_blocking / copy positional
        elif a is None:
            pass
        else:
            raise TypeError("to() received an invalid combination of arguments - got "
                            f"({type(a).__name__})")
    return dt, dev, copy
