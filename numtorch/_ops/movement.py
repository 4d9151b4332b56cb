"""Shape and movement: reshape/view, transpose/permute, expand, cat/stack, flip, roll, tril...

Views share the input's data and version cell (as PyTorch views share storage).
The vjp of a view maps the gradient back to the input's layout; ``expand``'s vjp is
the identity, since the engine sums gradients back over broadcast axes.
"""

from __future__ import annotations

import builtins

import numpy as np

from .._size import _INT64_MAX, Size, alloc_error, memory_error, unpack_error
from .._tensor import Tensor, _wrap, _wrap_dim
from ._core import NOSAVE, record, rename, result_type, to_tensor
from .reduction import sum as _sum

__all__ = ["broadcast_shapes", "broadcast_tensors", "broadcast_to", "cat", "chunk", "clone",
           "column_stack", "contiguous", "diag", "diagonal", "diff", "dstack", "expand",
           "expand_as", "flatten", "flip", "fliplr", "flipud", "hstack", "meshgrid", "movedim",
           "narrow", "permute", "ravel", "repeat", "repeat_interleave", "reshape", "reshape_as",
           "roll", "rot90", "select", "split", "squeeze", "stack", "t", "take_along_dim",
           "tensor_split", "tile", "trace", "transpose", "tril", "triu", "unbind", "unflatten",
           "unsqueeze", "view", "view_as", "vstack"]


def _shape_args(args, who: str | None = None) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` all mean shape (2, 3).

    With ``who`` (a factory function's name), a size outside int64 raises PyTorch's TypeError.
    """
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = args[0]
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError("expected a sequence of integers or a single integer, got "
                            f"'{type(a).__name__}'")
        out.append(int(a))
    if who is not None:
        for k, a in enumerate(out):
            if not -_INT64_MAX - 1 <= a <= _INT64_MAX:
                raise unpack_error(who, k + 1)
    return tuple(out)


def _view_of(o: np.ndarray, x: Tensor, name: str, vjp) -> Tensor:
    t = record(o, name, vjp, (x,), NOSAVE)
    if o.size and np.may_share_memory(o, x._data):  # NumPy made a view, not a copy
        t._vc = x._vc
        t._base = x if x._base is None else x._base
    return t


def _infer(shape: tuple, numel: int) -> tuple:
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, *shape) -> Tensor:
    """The same elements in a new shape (one size may be -1); a view when the layout allows.

    Example:
        >>> import numtorch as torch
        >>> torch.arange(6).reshape(2, -1)
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    x = input
    xd = x._data
    shape = _infer(_shape_args(shape), xd.size)
    try:
        o = xd.reshape(shape)
    except (MemoryError, ValueError) as e:  # a copy too large to allocate
        raise memory_error(e, shape, xd.itemsize) from None
    in_shape = xd.shape
    return _view_of(o, x, "ViewBackward0" if np.may_share_memory(o, xd) else "UnsafeViewBackward0",
                    lambda g, n: (g.reshape(in_shape),))


def view(input, *shape) -> Tensor:
    """The same elements read with a new ``shape`` (one entry may be -1), sharing memory.

    Needs a layout a reshape can express without copying, else RuntimeError (use ``reshape``).
    VJP: ``g.reshape(input.shape)``.
    """
    x = input
    xd = x._data
    if len(shape) == 1 and hasattr(shape[0], "np") and hasattr(shape[0], "is_floating_point"):
        raise RuntimeError("view(dtype) is not supported by numtorch")
    shape = _infer(_shape_args(shape), xd.size)
    o = xd.view()
    try:
        o.shape = shape
    except AttributeError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.") from None
    in_shape = xd.shape
    return _view_of(o, x, "ViewBackward0", lambda g, n: (g.reshape(in_shape),))


def view_as(input, other) -> Tensor:
    """``view(input, other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input, other) -> Tensor:
    """``reshape(input, other.shape)``."""
    return reshape(input, other._data.shape)


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims ``start_dim`` to ``end_dim`` (inclusive) merged into one; a 0-d input becomes 1-d.

    VJP (a reshape): ``g.reshape(input.shape)``.
    """
    xd = input._data
    if xd.ndim == 0:
        _wrap_dim(start_dim, 0)
        _wrap_dim(end_dim, 0)
        return reshape(input, (1,))
    s = _wrap_dim(start_dim, xd.ndim)
    e = _wrap_dim(end_dim, xd.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in xd.shape[s:e + 1]:
        n *= d
    return reshape(input, xd.shape[:s] + (n,) + xd.shape[e + 1:])


def unflatten(input, dim: int, sizes) -> Tensor:
    """Dim ``dim`` split into the dims ``sizes`` (one may be -1): the inverse of ``flatten``."""
    xd = input._data
    d = _wrap_dim(dim, xd.ndim)
    sizes = tuple(sizes)
    if sizes.count(-1) == 0:
        n = 1
        for s in sizes:
            n *= s
        if n != xd.shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                               f"size of dim {dim} ({xd.shape[d]}) in the input tensor")
    sizes = _infer(sizes, xd.shape[d])
    return reshape(input, xd.shape[:d] + sizes + xd.shape[d + 1:])


def squeeze(input, dim=None) -> Tensor:
    """A view without the size-1 dims (all of them, or those in ``dim`` that have size 1).

    VJP: ``g.reshape(input.shape)``.
    """
    xd = input._data
    if dim is None:
        shape = tuple(s for s in xd.shape if s != 1)
    else:
        ds = dim if isinstance(dim, (tuple, list)) else (dim,)
        ds = {_wrap_dim(d, xd.ndim) for d in ds}
        shape = tuple(s for i, s in enumerate(xd.shape) if not (i in ds and s == 1))
    if shape == xd.shape:
        return _view_of(xd.view(), input, "SqueezeBackward0", lambda g, n: (g,))
    in_shape = xd.shape
    return _view_of(xd.reshape(shape), input,
                    "SqueezeBackward0" if dim is None else "SqueezeBackward1",
                    lambda g, n: (g.reshape(in_shape),))


def unsqueeze(input, dim: int) -> Tensor:
    """A view with a new size-1 dim inserted at position ``dim``.

    VJP: ``g.reshape(input.shape)``.
    """
    xd = input._data
    d = _wrap_dim(dim, xd.ndim + 1)
    in_shape = xd.shape
    # indexing with None is always a view (reshape may copy) and cheaper than np.expand_dims
    return _view_of(xd[(slice(None),) * d + (None,)], input, "UnsqueezeBackward0",
                    lambda g, n: (g.reshape(in_shape),))


def permute(input, *dims) -> Tensor:
    """A view with the dims reordered: output dim ``i`` is input dim ``dims[i]``.

    VJP: ``g.permute(inverse(dims))``.
    """
    xd = input._data
    dims = _shape_args(dims)
    if len(dims) != xd.ndim:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does "
                           "not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {xd.ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, xd.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    inv = tuple(np.argsort(dims))
    return _view_of(xd.transpose(dims), input, "PermuteBackward0", lambda g, n: (g.transpose(inv),))


def transpose(input, dim0: int, dim1: int) -> Tensor:
    """A view with dims ``dim0`` and ``dim1`` swapped.

    VJP: ``g.transpose(dim0, dim1)``.
    """
    xd = input._data
    a, b = _wrap_dim(dim0, xd.ndim), _wrap_dim(dim1, xd.ndim)
    if xd.ndim < 2:
        return _view_of(xd.view(), input, "TransposeBackward0", lambda g, n: (g,))
    return _view_of(np.swapaxes(xd, a, b), input, "TransposeBackward0",
                    lambda g, n: (np.swapaxes(g, a, b),))




def t(input) -> Tensor:
    """The transpose of a matrix, ``transpose(input, 0, 1)``; 0-d and 1-d inputs come back as is."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return rename(transpose(input, 0, 1), "TBackward0") if nd == 2 else _view_of(
        input._data.view(), input, "TBackward0", lambda g, n: (g,))


def movedim(input, source, destination) -> Tensor:
    """A view with the dims ``source`` moved to positions ``destination``, the rest in order.

    Composed of ``permute``.
    """
    xd = input._data
    src = [_wrap_dim(d, xd.ndim)
           for d in (source if isinstance(source, (tuple, list)) else (source,))]
    dst = [_wrap_dim(d, xd.ndim)
           for d in (destination if isinstance(destination, (tuple, list)) else (destination,))]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    perm = [d for d in range(xd.ndim) if d not in src]
    for dd, ss in sorted(zip(dst, src)):
        perm.insert(dd, ss)
    return permute(input, perm)




def expand(input, *sizes) -> Tensor:
    """A view broadcast to ``sizes`` (-1 keeps a dim; new dims go in front); no copy.

    Only size-1 dims can grow.  VJP: ``g`` summed over the expanded dims back to ``input.shape``.
    """
    xd = input._data
    sizes = _shape_args(sizes)
    if len(sizes) < xd.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(xd.shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({xd.ndim})")
    lead = len(sizes) - xd.ndim
    for i in range(len(sizes) - 1, lead - 1, -1):
        s, cur = sizes[i], xd.shape[i - lead]
        if s != -1 and cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(xd.shape)}")
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            shape.append(s)
            continue
        cur = xd.shape[i - lead]
        if s == -1:
            s = cur
        if cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(xd.shape)}")
        shape.append(s)
    try:
        o = np.broadcast_to(xd, tuple(shape))
    except ValueError as e:  # more bytes than NumPy can address, even as a view
        n = 1
        for v in shape:
            n *= v
        if n > _INT64_MAX:
            raise RuntimeError("numel: integer multiplication overflow") from None
        raise memory_error(e, tuple(shape), xd.itemsize) from None
    return _view_of(o, input, "ExpandBackward0", lambda g, n: (g,))


def expand_as(input, other) -> Tensor:
    """``expand(input, other.shape)``."""
    return expand(input, other._data.shape)


def broadcast_to(input, size) -> Tensor:
    """``input`` broadcast to ``size``: the same as ``expand(input, size)``."""
    return expand(input, size)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (NumPy's broadcasting rules)."""
    shape = np.broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of the given shapes broadcast to, as a ``Size``."""
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single "
                           "shape") from None


def repeat(input, *sizes) -> Tensor:
    """``input`` tiled ``sizes[i]`` times along each dim (copied, unlike ``expand``).

    Composed of ``reshape``, ``expand`` and ``reshape``; VJP: the copies' gradients summed.
    """
    xd = input._data
    sizes = _shape_args(sizes)
    if len(sizes) < xd.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    x = input
    if len(sizes) > xd.ndim:
        x = reshape(x, (1,) * (len(sizes) - xd.ndim) + xd.shape)
    xs = x._data.shape
    # repeat = expand on interleaved axes, then reshape
    inter = []
    for r, s in zip(sizes, xs):
        inter += [r, s]
    final = tuple(r * s for r, s in zip(sizes, xs))
    for v in final:
        if v < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: "
                               f"{list(final)}")
    y = reshape(x, tuple(v for s in xs for v in (1, s)))
    try:
        y = clone(expand(y, tuple(inter)))  # always a new tensor, even when nothing repeats
    except RuntimeError:  # too large: report the result's shape, not the interleaved one
        raise alloc_error(final, xd.itemsize) from None
    return rename(reshape(y, final), "RepeatBackward0")


def tile(input, dims) -> Tensor:
    """``repeat`` with ``dims`` padded with leading ones to the number of dims of ``input``."""
    dims = _shape_args((dims,))
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def contiguous(input, memory_format=None) -> Tensor:
    """``input`` itself when C-contiguous, else a contiguous copy (VJP: ``g``)."""
    xd = input._data
    if xd.flags.c_contiguous:
        return input
    return record(_copy(xd), "CloneBackward0", lambda g, n: (g,), (input,), NOSAVE)


def _copy(xd: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of ``xd``, with PyTorch's error when it cannot be allocated."""
    try:
        return np.array(xd, order="C")
    except (MemoryError, ValueError) as e:
        raise memory_error(e, xd.shape, xd.itemsize) from None


def clone(input, *, memory_format=None) -> Tensor:
    """A copy of ``input`` with its own memory; VJP: ``g``."""
    return record(_copy(input._data), "CloneBackward0", lambda g, n: (g,), (input,), NOSAVE)


def narrow(input, dim: int, start, length: int) -> Tensor:
    """A view of the elements ``start`` to ``start + length - 1`` (inclusive) of dim ``dim``.

    VJP: ``g`` placed in that window of zeros.
    """
    xd = input._data
    d = _wrap_dim(dim, xd.ndim)
    start = int(start)
    size = xd.shape[d]
    if start < 0:
        start += size
    if start < 0 or start > size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _slice_dim(input, d, start, start + length)


def split(tensor, split_size_or_sections, dim: int = 0):
    """Pieces of ``tensor`` along ``dim``: each of ``split_size_or_sections`` elements (the last
    may be smaller), or of the listed sizes, which must sum to the dim's size.  Views.
    """
    xd = tensor._data
    d = _wrap_dim(dim, xd.ndim)
    size = xd.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        if builtins.sum(split_size_or_sections) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={list(split_size_or_sections)}")
        out, start = [], 0
        for s in split_size_or_sections:
            out.append(rename(_slice_dim(tensor, d, start, start + s), "SplitWithSizesBackward0"))
            start += s
        return tuple(out)
    step = int(split_size_or_sections)
    if step <= 0 and size:
        raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {size}")
    if not size:
        return (tensor,)
    return tuple(rename(_slice_dim(tensor, d, i, builtins.min(i + step, size)), "SplitBackward0")
                 for i in range(0, size, builtins.max(step, 1)))


def chunk(input, chunks: int, dim: int = 0):
    """``chunks`` pieces of (nearly) equal size along ``dim``: ``split`` by ``ceil(size / chunks)``,
    so there may be fewer than ``chunks``.
    """
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    step = -(-size // chunks) if size else 1
    return split(input, step, dim)


def tensor_split(input, indices_or_sections, dim: int = 0):
    """``input`` split along ``dim`` into ``n`` parts whose sizes differ by at most one (the first
    ones larger), or at the given indices.
    """
    size = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
    else:
        idx = [0] + list(indices_or_sections) + [size]
        sizes = [builtins.max(0, b - a) for a, b in zip(idx, idx[1:])]
    return split(input, sizes, dim)


def unbind(input, dim: int = 0):
    """The slices of ``input`` along ``dim``, each without that dim (``input.select(dim, i)``)."""
    xd = input._data
    d = _wrap_dim(dim, xd.ndim)
    key = (slice(None),) * d
    return tuple(rename(input[key + (i,)], "UnbindBackward0") for i in range(xd.shape[d]))


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along an existing ``dim``; each gets its slice of the gradient back.

    Example:
        >>> import numtorch as torch
        >>> torch.cat([torch.zeros(1, 2), torch.ones(2, 2)]).shape
        torch.Size([3, 2])
    """
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        "Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dt = (result_type(*[t for t in tensors if t._data.ndim])
          if any(t._data.ndim for t in tensors) else None)
    # legacy rule: 1-D empty tensors are skipped
    parts = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = parts[0]._data
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(parts):
        td = t._data
        if td.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{td.ndim}")
        for k in range(ref.ndim):
            if k != d and td.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {ref.shape[k]} but got size {td.shape[k]} for tensor "
                                   f"number {i} in the list.")
    if dt is not None:
        parts = [to_tensor(t, dt) for t in parts]
    try:
        o = np.concatenate([t._data for t in parts], axis=d)
    except MemoryError as e:
        raise memory_error(e) from None
    bounds = np.cumsum([0] + [t._data.shape[d] for t in parts])

    def vjp(g, n):
        pre = (slice(None),) * d
        return tuple(g[pre + (slice(int(bounds[i]), int(bounds[i + 1])),)] if n[i] else None
                     for i in range(len(parts)))
    return record(o, "CatBackward0", vjp, tuple(parts), NOSAVE)




def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new ``dim`` (``cat`` of their ``unsqueeze(dim)``).

    Example:
        >>> import numtorch as torch
        >>> torch.stack([torch.zeros(2), torch.ones(2)], dim=1)
        tensor([[0., 1.],
                [0., 1.]])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} at "
                               f"entry 0 and {list(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(s0) + 1)
    return rename(cat([unsqueeze(t, d) for t in tensors], d), "StackBackward0")


def _nonempty(tensors, name: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors) -> Tensor:
    """Tensors concatenated column-wise: along dim 1, or dim 0 for 1-d tensors."""
    tensors = _nonempty(tensors, "hstack")
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Tensors concatenated row-wise along dim 0, 1-d tensors first made rows ``(1, n)``."""
    tensors = _nonempty(tensors, "vstack")
    return cat([t if t._data.ndim >= 2 else reshape(t, (1, -1)) for t in tensors], 0)


def flip(input, *dims) -> Tensor:
    """A copy with the order of the elements reversed along ``dims``.

    VJP: ``g.flip(dims)``.
    """
    xd = input._data
    axes = tuple(_wrap_dim(d, xd.ndim) for d in _shape_args(dims))
    return record(np.flip(xd, axes).copy(), "FlipBackward0", lambda g, n: (np.flip(g, axes),),
                  (input,), NOSAVE)


def fliplr(input) -> Tensor:
    """``flip(input, 1)``: the columns in reverse order."""
    return flip(input, 1)


def flipud(input) -> Tensor:
    """``flip(input, 0)``: the rows in reverse order."""
    return flip(input, 0)


def roll(input, shifts, dims=None) -> Tensor:
    """Elements shifted by ``shifts`` along ``dims``, wrapping around (the flattened tensor when
    ``dims`` is None).

    VJP: ``g`` rolled back by ``-shifts``.
    """
    xd = input._data
    if dims is None:
        o = np.roll(xd.reshape(-1), shifts).reshape(xd.shape)
        return record(o, "RollBackward0",
                      lambda g, n: (np.roll(g.reshape(-1), -shifts).reshape(xd.shape),),
                      (input,), NOSAVE)
    sh = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    ds = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(sh) != len(ds):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:{len(ds)}")
    ds = tuple(_wrap_dim(d, xd.ndim) for d in ds)
    o = np.roll(xd, sh, ds)
    neg = tuple(-s for s in sh)
    return record(o, "RollBackward0", lambda g, n: (np.roll(g, neg, ds),), (input,), NOSAVE)


def _tri(input, diagonal, fn, name):
    xd = input._data
    if xd.ndim < 2:
        raise RuntimeError(f"{name[:4].lower()}: input tensor must have at least 2 dimensions")
    o = fn(xd, diagonal)
    return record(o, name, lambda g, n: (fn(g, diagonal),), (input,), NOSAVE)


def tril(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The lower triangle of the matrices in ``input`` (``j <= i + diagonal``), zeros above.

    VJP: ``tril(g, diagonal)``.
    """
    return _tri(input, diagonal, np.tril, "TrilBackward0")


def triu(input, diagonal: int = 0, *, out=None) -> Tensor:
    """The upper triangle of the matrices in ``input`` (``j >= i + diagonal``), zeros below.

    VJP: ``triu(g, diagonal)``.
    """
    return _tri(input, diagonal, np.triu, "TriuBackward0")


def ravel(input) -> Tensor:
    """The elements as a 1-D tensor (a contiguous copy first when needed, then a view)."""
    return reshape(contiguous(input), (-1,))


def select(input, dim: int, index: int) -> Tensor:
    """The slice at ``index`` of dim ``dim``, without that dim: ``input[..., index, ...]``.

    VJP: ``g`` placed at that index in a tensor of zeros.
    """
    d = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {d}")
    return rename(input[(slice(None),) * d + (index,)], "SelectBackward0")


def repeat_interleave(input, repeats, dim=None, *, output_size=None) -> Tensor:
    """Each element (or slice along ``dim``) repeated ``repeats`` times, in place order."""
    x = input if dim is not None else reshape(input, (-1,))
    d = 0 if dim is None else _wrap_dim(dim, x._data.ndim)
    r = repeats._data if isinstance(repeats, Tensor) else repeats
    idx = np.repeat(np.arange(x._data.shape[d]), r)
    out = x.index_select(d, _wrap(idx.astype(np.int64)))
    return out if isinstance(repeats, Tensor) else rename(out, "ViewBackward0")


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """Differences of neighbours along ``dim``, ``n`` times."""
    x = input
    d = _wrap_dim(dim, x._data.ndim)
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, x, append) if t is not None], d)
    for _ in range(n):
        size = x._data.shape[d]
        x = narrow(x, d, 1, builtins.max(size - 1, 0)) - narrow(x, d, 0, builtins.max(size - 1, 0))
    return x


def diag(input, diagonal: int = 0) -> Tensor:  # noqa: F811 - PyTorch's argument name
    """A 1-D tensor as a diagonal matrix, or the ``diagonal``-th diagonal of a matrix."""
    xd = input._data
    k = diagonal
    if xd.ndim == 2:
        return globals()["diagonal"](input, k)
    if xd.ndim != 1:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{xd.ndim}D")
    o = np.diag(xd, k)
    return record(o, "DiagEmbedBackward0", lambda g, n: (np.diagonal(g, k).copy(),), (input,),
                  NOSAVE)


def trace(input) -> Tensor:
    """The sum of the main diagonal of a matrix: ``sum_i input[i, i]``.

    Composed: ``diagonal(input).sum()``; VJP: ``g`` times the identity.
    """
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim "
                           + str(input._data.ndim))
    return rename(_sum(globals()["diagonal"](input)), "TraceBackward0")


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of offset ``offset`` between dims ``dim1`` and ``dim2``, as the last dim.

    VJP: ``g`` written back on that diagonal of a tensor of zeros.
    """
    xd = input._data
    a, b = _wrap_dim(dim1, xd.ndim), _wrap_dim(dim2, xd.ndim)
    o = np.diagonal(xd, offset, a, b)
    shape = xd.shape

    def vjp(g, n):
        gz = np.zeros(shape, g.dtype)
        view = np.moveaxis(gz, (a, b), (-2, -1))
        k = g.shape[-1]
        r = np.arange(k) + builtins.max(-offset, 0)
        c = np.arange(k) + builtins.max(offset, 0)
        view[..., r, c] = g
        return (gz,)
    return record(o.copy(), "DiagonalBackward0", vjp, (input,), NOSAVE)


def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate ``k`` times by 90 degrees in the plane ``dims``, from the first axis to the second."""
    xd = input._data
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    a, b = _wrap_dim(dims[0], xd.ndim), _wrap_dim(dims[1], xd.ndim)
    k %= 4
    if k == 1:
        r = transpose(flip(input, b), a, b)
    elif k == 2:
        r = flip(input, a, b)
    elif k == 3:
        r = flip(transpose(input, a, b), b)
    else:
        r = clone(input)
    return rename(r, "Rot90Backward0")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors; ``indexing`` "ij" (matrix, default) or "xy" (x first)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    ts = list(tensors)
    if indexing == "xy" and len(ts) >= 2:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    out = [expand(reshape(t, tuple(-1 if i == j else 1 for j in range(len(ts)))), shape)
           for i, t in enumerate(ts)]
    # the grids were built for (y, x, ...): give them back in order
    if indexing == "xy" and len(out) >= 2:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def take_along_dim(input, indices, dim=None) -> Tensor:
    """``input`` gathered at ``indices`` on ``dim`` (flattened if ``dim`` is None), broadcasting."""
    if dim is None:
        return view(input, (-1,)).gather(0, view(indices, (-1,)))
    d = _wrap_dim(dim, input._data.ndim)
    shape_i = list(np.broadcast_shapes(tuple(s for k, s in enumerate(input._data.shape) if k != d),
                                       tuple(s for k, s in enumerate(indices._data.shape)
                                             if k != d)))
    si, sx = list(shape_i), list(shape_i)
    si.insert(d, indices._data.shape[d])
    sx.insert(d, input._data.shape[d])
    return expand(input, tuple(sx)).gather(d, expand(indices, tuple(si)))


def column_stack(tensors) -> Tensor:
    """Tensors concatenated along dim 1, 0-d and 1-d tensors first made columns ``(n, 1)``."""
    tensors = _nonempty(tensors, "column_stack")
    return cat([reshape(t, (-1, 1)) if t._data.ndim <= 1 else t for t in tensors], 1)


def dstack(tensors) -> Tensor:
    """Tensors concatenated along dim 2 (depth), after making each at least 3-d."""
    tensors = _nonempty(tensors, "dstack")
    ts = [reshape(t, (1, -1, 1)) if t._data.ndim <= 1
          else unsqueeze(t, -1) if t._data.ndim == 2 else t
          for t in tensors]
    return cat(ts, 2)


def _slice_dim(x: Tensor, d: int, start: int, stop: int) -> Tensor:
    """``x[:, ..., start:stop]`` along dimension ``d`` (the indexing op, through ``Tensor``)."""
    return x[(slice(None),) * d + (slice(start, stop),)]
