"""Indexing: ``t[...]``, ``t[...] = v``, gather/scatter, index_select/index_add, take, where...

``__getitem__`` follows NumPy's indexing, which PyTorch shares (ints, slices with
steps, None, Ellipsis, integer and boolean tensors or lists, mixed).  Basic
indexing gives a view; the vjp writes the gradient into a zero array at the same
index (``np.add.at`` where an advanced index may repeat an element).
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

from .._dtype import type_word, typemeta_name
from .._size import broadcast_alloc_error
from .._tensor import Tensor, _wrap, _wrap_dim
from ..autograd.grad_mode import _state as _grad
from ._core import NOSAVE, promote, record, rename, result_type, to_tensor
from ._fpstate import quiet
from .creation import _infer_array
from .movement import broadcast_tensors, reshape
from .reduction import return_types

__all__ = ["argsort", "argwhere", "bincount", "gather", "index_add", "index_put",
           "index_select", "masked_fill", "masked_select", "nonzero", "scatter", "scatter_add",
           "searchsorted", "sort", "take", "topk", "unique", "where"]

# NOTE [ sequences as indices ]
# A list, tuple or range inside an index tuple is an integer (or boolean) index array, built as
# ``tensor(seq)`` builds one, with float entries truncated to int64.  A top-level non-tuple
# sequence is one index array, except (as in PyTorch) a short one (under 32 items) that holds a
# tensor, a sequence, a slice, None or Ellipsis: that is read as a tuple of indices, with
# PyTorch's deprecation warning.  NumPy arrays are always index arrays.

_SEQ_AS_TUPLE = ("Using a non-tuple sequence for multidimensional indexing is deprecated and will "
                 "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
                 "this will be interpreted as tensor index, x[torch.tensor(seq)], which will "
                 "result either in an error or a different result (Triggered internally at "
                 "/__w/pytorch/pytorch/torch/csrc/autograd/python_variable_indexing.cpp:{}.)")


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside numtorch."""
    f, level = sys._getframe(1), 1
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f, level = f.f_back, level + 1
    return level


_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _seq_as_tuple(idx) -> bool:
    """Is the non-tuple sequence ``idx`` read as a tuple of indices?

    See NOTE [ sequences as indices ].
    """
    if isinstance(idx, range) or len(idx) >= 32:
        return False
    for i in idx:
        if (isinstance(i, (Tensor, list, tuple, range, np.ndarray, slice))
                or i is None or i is Ellipsis):
            line = 359 if i is None or i is Ellipsis else 349
            warnings.warn(_SEQ_AS_TUPLE.format(line), UserWarning, stacklevel=_user_stacklevel())
            return True
    return False


def _seq_array(seq) -> np.ndarray:
    """A list, tuple or range as an index array: int64 (floats truncated) or bool."""
    if isinstance(seq, range):
        return np.arange(seq.start, seq.stop, seq.step, dtype=np.int64)
    a = _infer_array(seq)
    if a.dtype.kind == "f":
        a = a.astype(np.int64)
    return a


def _convert_index(idx):
    """A numtorch index as a NumPy index, and whether it is advanced (copying) indexing."""
    if not isinstance(idx, tuple):
        if isinstance(idx, (list, range)) and _seq_as_tuple(idx):
            idx = tuple(idx)
        else:
            idx = (idx,)
    out = []
    adv = False
    for i in idx:
        if isinstance(i, Tensor):
            a = i._data
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.dtype == np.uint8:
                a = a.astype(bool)
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
                continue
            adv = True
            out.append(a)
        elif isinstance(i, (list, tuple, range)):
            adv = True
            out.append(_seq_array(i))
        elif isinstance(i, np.ndarray):
            if i.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            adv = True
            out.append(i)
        elif i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)):
            if isinstance(i, bool):
                adv = True
            if isinstance(i, slice) and i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(i)
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got " + type(i).__name__ + ")")
    return tuple(out), adv


def _np_index(a, idx):
    try:
        return a[idx]
    except IndexError as e:
        msg = str(e).replace("axis", "dimension")
        raise IndexError(msg) from None


def _view(x: Tensor, o: np.ndarray) -> Tensor:
    t = _wrap(o)
    if o.base is not None:
        t._vc = x._vc
        t._base = x if x._base is None else x._base
    return t


def getitem(input, index) -> Tensor:
    x = input
    xd = x._data
    ti = type(index)
    if (ti is int or ti is slice) and not (x._requires_grad and _grad.enabled):
        # fast path: a plain int or slice on a tensor outside the graph (per-sample dataset access)
        if ti is slice and index.step is not None and index.step <= 0:
            raise ValueError("step must be greater than zero")
        try:
            return _view(x, xd[index, ...])
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None
    idx, adv = _convert_index(index)
    if not adv and Ellipsis not in idx:
        idx = idx + (Ellipsis,)  # keeps a 0-d result a view, as PyTorch's select is
    o = _np_index(xd, idx)
    if not isinstance(o, np.ndarray):
        o = np.array(o, dtype=xd.dtype)
    shape, dt = xd.shape, xd.dtype
    if adv:
        def vjp(g, n):
            gz = np.zeros(shape, dt)
            np.add.at(gz, idx, g)
            return (gz,)
        return record(o, "IndexBackward0", vjp, (x,), NOSAVE)

    def vjp_basic(g, n):
        gz = np.zeros(shape, dt)
        gz[idx] = g
        return (gz,)
    if not (x._requires_grad and _grad.enabled):
        return _view(x, o)
    t = record(o, _basic_name(idx), vjp_basic, (x,), NOSAVE)
    if o.base is not None:
        t._vc = x._vc
        t._base = x if x._base is None else x._base
    return t


def _basic_name(idx: tuple) -> str:
    """PyTorch applies a basic index item by item: the node is named after the last one."""
    last = "AliasBackward0"
    for i in idx:
        if i is None:
            last = "UnsqueezeBackward0"
        elif isinstance(i, slice):
            last = "SliceBackward0"
        elif i is not Ellipsis:
            last = "SelectBackward0"
    return last


def _slice_dim(x, d, start, stop):
    return getitem(x, (slice(None),) * d + (slice(start, stop),))


@quiet
def index_put(input, indices, values, accumulate: bool = False) -> Tensor:
    """Out of place: a copy of ``input`` with ``values`` written (or added) at ``indices``."""
    x = input
    idx, _ = _convert_index(indices)
    v = values if isinstance(values, Tensor) else _wrap(np.asarray(values, x._data.dtype))
    if v._data.dtype != x._data.dtype:
        if result_type(x, v)._cat > x.dtype._cat and v._data.ndim:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                               f"{x.dtype.name.capitalize()} for the destination and "
                               f"{v.dtype.name.capitalize()} for the source.")
        v = to_tensor(v, x.dtype)
    xd, vd = x._data, v._data
    o = xd.copy()
    try:
        if accumulate:
            np.add.at(o, idx, vd)
        else:
            o[idx] = vd
    except ValueError as e:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vd.shape)} cannot be "
                           "broadcast to indexing result of shape "
                           f"{list(_np_index(xd, idx).shape)}") from e
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None

    def vjp(g, n):
        gx = None
        if n[0]:
            gx = g.copy() if accumulate else g.copy()
            if not accumulate:
                gx[idx] = 0
        gv = g[idx] if n[1] else None
        return gx, gv
    return record(o, "IndexPutBackward0", vjp, (x, v), NOSAVE)


def _grid(index: np.ndarray, dim: int):
    """Open index grids for scatter/gather along ``dim`` with ``index`` in that place."""
    if index.ndim == 0:
        return (index,)
    g = list(np.ogrid[tuple(slice(0, s) for s in index.shape)])
    g[dim] = index
    return tuple(g)


def _check_index(index, name):
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")


def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None) -> Tensor:
    """Values of ``input`` picked along ``dim`` by ``index``: ``out[i][j] = input[index[i][j]][j]``
    (for ``dim=0``; likewise for other dims).

    VJP: ``d/dinput`` scatters ``g`` back, adding where an index repeats:
    ``zeros_like(input).scatter_add(dim, index, g)``, i.e. ``grad[index[i][j]][j] += g[i][j]``.
    """
    _check_index(index, "gather")
    x = input
    xd, id_ = x._data, index._data
    d = _wrap_dim(dim, xd.ndim)
    if id_.ndim != xd.ndim and not (xd.ndim == 0 or id_.ndim == 0):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if xd.ndim == 0:
        return record(xd.copy().reshape(id_.shape) if id_.size else xd.copy(), "GatherBackward0",
                      lambda g, n: (np.asarray(g.sum()),), (x,), NOSAVE)
    for k in range(xd.ndim):
        if k != d and id_.shape[k] > xd.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(id_.shape)} to be no larger than self {list(xd.shape)} "
                               f"apart from dimension {d}")
    if id_.size and (id_.min() < -xd.shape[d] or id_.max() >= xd.shape[d]):
        raise RuntimeError(f"index {int(id_.max() if id_.max() >= xd.shape[d] else id_.min())} is "
                           f"out of bounds for dimension {d} with size {xd.shape[d]}")
    grid = _grid(id_, d)
    o = xd[grid]
    shape, dt = xd.shape, xd.dtype

    def vjp(g, n):
        gz = np.zeros(shape, dt)
        np.add.at(gz, grid, g)
        return (gz,)
    return record(o, "GatherBackward0", vjp, (x,), NOSAVE)


@quiet
def scatter(input, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of ``input`` with ``src`` (or the scalar ``value``) written at ``index``.

    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0`` (likewise for other dims); ``reduce``
    "add" or "multiply" combines with the old value instead of replacing it.
    VJP: ``d/dinput = g`` with the written positions zeroed; ``d/dsrc[i][j] = g[index[i][j]][j]``.
    """
    if src is None and value is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    _check_index(index, "scatter")
    x = input
    xd, id_ = x._data, index._data
    d = _wrap_dim(dim, xd.ndim)
    if id_.ndim == 0 and xd.ndim:
        id_ = id_.reshape((1,) * xd.ndim)
    grid = _grid(id_, d)
    o = xd.copy()
    if isinstance(src, Tensor):
        s = src if src._data.dtype == xd.dtype else to_tensor(src, x.dtype)
        sd = s._data[tuple(slice(0, k) for k in id_.shape)]
    else:
        s = None
        sd = np.asarray(value if src is None else src, xd.dtype)
    if reduce is None:
        o[grid] = sd
    elif reduce == "add":
        np.add.at(o, grid, sd)
    elif reduce == "multiply":
        np.multiply.at(o, grid, sd)
    else:
        raise RuntimeError("reduce argument must be either add or multiply.")
    if s is None:
        return record(o, "ScatterBackward1", lambda g, n: (_zero_at(g, grid),), (x,), NOSAVE)
    sshape = s._data.shape

    def vjp(g, n):
        gs = None
        if n[1]:
            gs = np.zeros(sshape, g.dtype)
            gs[tuple(slice(0, k) for k in id_.shape)] = g[grid]
        return (_zero_at(g, grid) if n[0] else None), gs
    return record(o, "ScatterBackward0", vjp, (x, s), NOSAVE)


def _zero_at(g, idx):
    gz = g.copy()
    gz[idx] = 0
    return gz


@quiet
def scatter_add(input, dim: int, index, src) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``:
    ``out[index[i][j]][j] += src[i][j]`` (for ``dim=0``), repeated indices accumulating.

    VJP: ``d/dinput = g``; ``d/dsrc = gather(g, dim, index)``.
    """
    _check_index(index, "scatter_add")
    x = input
    xd, id_ = x._data, index._data
    d = _wrap_dim(dim, xd.ndim)
    grid = _grid(id_, d)
    s = src if src._data.dtype == xd.dtype else to_tensor(src, x.dtype)
    part = tuple(slice(0, k) for k in id_.shape)
    o = xd.copy()
    np.add.at(o, grid, s._data[part])
    sshape = s._data.shape

    def vjp(g, n):
        gs = None
        if n[1]:
            gs = np.zeros(sshape, g.dtype)
            gs[part] = g[grid]
        return g, gs
    return record(o, "ScatterAddBackward0", vjp, (x, s), NOSAVE)


def index_select(input, dim: int, index, *, out=None) -> Tensor:
    """The slices of ``input`` at positions ``index`` (1-d, integer) along ``dim``.

    VJP: ``d/dinput`` adds each ``g`` slice back at its index (repeats accumulate).
    """
    x = input
    xd = x._data
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, xd.ndim)
    id_ = index._data.reshape(-1)
    if id_.size and (id_.min() < 0 or id_.max() >= (xd.shape[d] if xd.ndim else 1)):
        raise IndexError("index out of range in self")
    o = np.take(xd, id_, axis=d) if xd.ndim else xd.reshape(1)[id_].reshape(())
    shape, dt = xd.shape, xd.dtype

    def vjp(g, n):
        gz = np.zeros(shape, dt)
        if not shape:
            return (np.asarray(g.sum(), dt),)
        np.add.at(gz, (slice(None),) * d + (id_,), g)
        return (gz,)
    return record(o, "IndexSelectBackward0", vjp, (x,), NOSAVE)


@quiet
def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` slices added at positions ``index`` on ``dim``.

    VJP: ``d/dinput = g``; ``d/dsource = alpha * index_select(g, dim, index)``.
    """
    x = input
    xd = x._data
    d = _wrap_dim(dim, xd.ndim)
    s = source if source._data.dtype == xd.dtype else to_tensor(source, x.dtype)
    id_ = index._data.reshape(-1)
    if id_.size != (s._data.shape[d] if s._data.ndim else 1):
        raise RuntimeError(f"index_add_(): Number of indices ({id_.size}) should be equal to "
                           f"source.size(dim) ({s._data.shape[d] if s._data.ndim else 1})")
    o = xd.copy()
    np.add.at(o, (slice(None),) * d + (id_,), s._data * alpha if alpha != 1 else s._data)

    def vjp(g, n):
        gs = None
        if n[1]:
            gs = np.take(g, id_, axis=d)
            if alpha != 1:
                gs = gs * alpha
        return g, gs
    return record(o, "IndexAddBackward0", vjp, (x, s), NOSAVE)


def take(input, index) -> Tensor:
    """``input`` read as a flat 1-d tensor, indexed by ``index``: ``input.flatten()[index]``.

    VJP: ``g`` added back at the flat positions (repeats accumulate).
    """
    return rename(getitem(reshape(input, (-1,)), index), "TakeBackward0")


def masked_select(input, mask) -> Tensor:
    """The elements of ``input`` where ``mask`` (bool, broadcast together) is True, as 1-d.

    VJP: ``g`` put back at the True positions, zero elsewhere.
    """
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    x, m = broadcast_tensors(input, mask)
    return rename(getitem(x, m), "MaskedSelectBackward0")


def masked_fill(input, mask, value) -> Tensor:
    """A copy of ``input`` with ``value`` where the bool ``mask`` is True.

    VJP: ``d/dinput = where(mask, 0, g)``; for a 0-d tensor ``value``, ``d/dvalue = sum(g[mask])``.
    """
    x = input
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = typemeta_name(mask.dtype) if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{got}")
    md = mask._data
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        v = to_tensor(value, x.dtype)
        o = np.where(md, v._data, x._data)
        if o.shape != x._data.shape:
            o = np.broadcast_to(o, np.broadcast_shapes(o.shape, x._data.shape)).copy()
        return record(o, "MaskedFillBackward1",
                      lambda g, n: (np.where(md, 0, g) if n[0] else None,
                                    np.asarray(np.where(md, g, 0).sum()) if n[1] else None),
                      (x, v), NOSAVE)
    o = np.where(md, np.asarray(value).astype(x._data.dtype), x._data)
    return record(o, "MaskedFillBackward0", lambda g, n: (np.where(md, 0, g),), (x,), NOSAVE)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where the bool ``condition`` holds, else ``other`` (all three broadcast).

    VJP: ``d/dinput = where(condition, g, 0)``, ``d/dother = where(condition, 0, g)``.
    With only ``condition``, the same as ``nonzero(condition, as_tuple=True)``.
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        got = (type_word(condition.dtype) if isinstance(condition, Tensor)
               else type(condition).__name__)
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {got}")
    a, b, dt = promote(input, other)
    c = condition._data
    try:
        o = np.where(c, a._data, b._data)
    except (MemoryError, ValueError) as e:
        size = np.result_type(a._data, b._data).itemsize
        raise broadcast_alloc_error(e, (c.shape, np.shape(a._data), np.shape(b._data)), size,
                                    numel_first=True) from None
    return record(o, "WhereBackward0",
                  lambda g, n: (np.where(c, g, 0) if n[0] else None,
                                np.where(c, 0, g) if n[1] else None),
                  (a, b), NOSAVE)


def nonzero(input, *, as_tuple: bool = False, out=None):
    """The indices of the nonzero elements of ``input``: an ``(n, ndim)`` int64 tensor, in
    row-major order, or with ``as_tuple`` one 1-d index tensor per dim.  Not differentiable.
    """
    xd = input._data
    if as_tuple:
        if xd.ndim == 0:
            return (_wrap(np.zeros(int(bool(xd)), np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(xd))
    if xd.ndim == 0:
        return _wrap(np.zeros((int(bool(xd)), 0), np.int64))
    return _wrap(np.argwhere(xd).astype(np.int64))


def argwhere(input) -> Tensor:
    """The indices of the nonzero elements, as an ``(n, ndim)`` int64 tensor (``nonzero``)."""
    return nonzero(input)


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """``(values, indices)`` of ``input`` sorted along ``dim`` (ascending unless ``descending``).

    The sort is always stable, so equal elements keep their order as PyTorch's stable sort does.
    VJP: ``g`` scattered back through the permutation: ``d/dinput[indices] = g``.
    """
    x = input
    xd = x._data
    if xd.ndim == 0:
        return return_types["sort"](record(xd.copy(), "SortBackward0", lambda g, n: (g,), (x,),
                                           NOSAVE),
                                    _wrap(np.zeros((), np.int64)))
    d = _wrap_dim(dim, xd.ndim)
    if descending:
        n_ = xd.shape[d]
        r = np.argsort(np.flip(xd, d), axis=d, kind="stable")
        idx = (n_ - 1) - np.flip(r, d)
    else:
        idx = np.argsort(xd, axis=d, kind="stable")
    return _take_sorted(x, idx, d, "sort", "SortBackward0")


def _take_sorted(x, idx, d, rtype, name):
    xd = x._data
    vals = np.take_along_axis(xd, idx, d)
    shape = xd.shape
    if xd.dtype.kind == "f":
        def vjp(g, n):
            gz = np.zeros(shape, g.dtype)
            np.put_along_axis(gz, idx, g, d)
            return (gz,)
        v = record(vals, name, vjp, (x,), NOSAVE)
    else:
        v = _wrap(vals)
    return return_types[rtype](v, _wrap(idx.astype(np.int64)))


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``: ``sort(input, dim, descending).indices``."""
    return sort(input, dim, descending, stable).indices


def topk(input, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True, *, out=None):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (or, with ``largest=False``, smallest) elements
    along ``dim``, in sorted order.

    VJP: ``g`` scattered back to the positions in ``indices``, zero elsewhere.
    """
    x = input
    xd = x._data
    if xd.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = _wrap_dim(dim, xd.ndim)
    size = xd.shape[d] if xd.ndim else 1
    if k < 0 or k > size:
        raise RuntimeError("selected index k out of range")
    if xd.ndim == 0:
        return sort(x)
    full = sort(x.detach(), d, descending=largest).indices._data
    idx = np.take(full, np.arange(k), axis=d)
    return _take_sorted(x, idx, d, "topk", "TopkBackward0")


def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):
    """The sorted distinct elements of ``input`` (flattened, or the distinct slices along ``dim``),
    with optionally the inverse indices and the counts.  Not differentiable.
    """
    xd = input._data
    if dim is None:
        res = np.unique(xd.reshape(-1), return_inverse=return_inverse, return_counts=return_counts)
    else:
        res = np.unique(xd, axis=_wrap_dim(dim, xd.ndim), return_inverse=return_inverse,
                        return_counts=return_counts)
    if not isinstance(res, tuple):
        return _wrap(res)
    out = [_wrap(res[0])]
    i = 1
    if return_inverse:
        inv = res[i].astype(np.int64)
        out.append(_wrap(inv.reshape(xd.shape) if dim is None else inv.reshape(-1)))
        i += 1
    if return_counts:
        out.append(_wrap(res[i].astype(np.int64)))
    return tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side=None):
    """For each value in ``input``, the index at which it would be inserted into the last dim of
    ``sorted_sequence`` to keep it sorted (the leftmost such index, or the rightmost when
    ``right`` or ``side="right"``).  Not differentiable.
    """
    side = side or ("right" if right else "left")
    s = sorted_sequence._data
    v = input._data if isinstance(input, Tensor) else np.asarray(input)
    if s.ndim == 1:
        r = np.searchsorted(s, v, side=side)
    else:
        r = np.stack([np.searchsorted(s[i], v[i], side=side)
                      for i in np.ndindex(s.shape[:-1])]).reshape(v.shape)
    return _wrap(np.asarray(r, np.int32 if out_int32 else np.int64))


@quiet
def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """Counts of each value in the non-negative 1-d integer tensor ``input``.

    ``out[v]`` is the number of ``i`` with ``input[i] == v`` or, with ``weights``, the sum of
    ``weights[i]`` over them; there are at least ``minlength`` bins.  Not differentiable.
    """
    w = None if weights is None else weights._data
    r = np.bincount(input._data, w, minlength)
    return _wrap(r if w is not None else r.astype(np.int64))
