"""Linear algebra: matmul (every rank combination), mm, bmm, mv, dot, outer, addmm, einsum.

``matmul`` is the primitive; its vjp treats 1-D operands as a row (left) or a
column (right) and lets the engine sum broadcast batch dimensions away.
"""

from __future__ import annotations

import numpy as np

from .._dtype import typemeta_name
from .._size import memory_error
from .._tensor import Tensor
from ._core import record, rename, result_type, to_tensor
from ._fpstate import quiet
from .elementwise import add, mul, sub
from .movement import reshape, transpose
from .reduction import norm

__all__ = ["addmm", "addmv", "baddbmm", "bmm", "dist", "dot", "einsum", "inner", "matmul", "mm",
           "mv", "outer", "tensordot", "vdot"]


def _shape_str(s) -> str:
    return "x".join(str(v) for v in s)


def _check_matmul(ad: np.ndarray, bd: np.ndarray) -> None:
    if ad.ndim == 0 or bd.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{ad.ndim}D and {bd.ndim}D")
    k1 = ad.shape[-1]
    k2 = bd.shape[0] if bd.ndim == 1 else bd.shape[-2]
    if k1 == k2:
        return
    if ad.ndim == 1 and bd.ndim == 1:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{k1}] and src [{k2}] to "
                           f"have the same number of elements, but got {k1} and {k2} elements "
                           "respectively")
    if bd.ndim == 1 and ad.ndim == 2:
        raise RuntimeError(f"size mismatch, got input ({ad.shape[0]}), mat "
                           f"({_shape_str(ad.shape)}), vec ({k2})")
    if ad.ndim <= 2 and bd.ndim <= 2:
        a2 = ad.shape if ad.ndim == 2 else (1,) + ad.shape
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a2)} and "
                           f"{_shape_str(bd.shape)})")
    raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                       f"[{bd.shape[0] if bd.ndim > 2 else 1}, {k1}] but got: "
                       f"[{bd.shape[0] if bd.ndim > 2 else 1}, {k2}].")


@quiet
def matmul(input, other, *, out=None) -> Tensor:
    """Matrix product with PyTorch's rules for every rank: 1-D operands act as a row (left) or a
    column (right) and are removed from the result; leading dimensions broadcast as batches.

    Example:
        >>> import numtorch as torch
        >>> (torch.ones(5, 2, 3) @ torch.ones(3, 4)).shape, (torch.ones(3) @ torch.ones(3, 4)).shape
        (torch.Size([5, 2, 4]), torch.Size([4]))
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("matmul(): argument 'other' (position 2) must be Tensor, not "
                        + type(other if isinstance(input, Tensor) else input).__name__)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{typemeta_name(input.dtype)} != {typemeta_name(other.dtype)}")
    a, b = input, other
    ad, bd = a._data, b._data
    _check_matmul(ad, bd)
    if ad.dtype == np.bool_:
        kernel = "dot" if ad.ndim == 1 and bd.ndim == 1 \
            else "addmv_impl_cpu" if bd.ndim == 1 and ad.ndim == 2 \
            else "addmm_impl_cpu_" if ad.ndim <= 2 and bd.ndim <= 2 else "baddbmm_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    try:
        o = np.matmul(ad, bd)
    except MemoryError as e:
        raise memory_error(e) from None
    except ValueError as e:
        if "too big" in str(e):  # the product has more bytes than fit in int64
            a2, b2 = (ad.reshape(1, -1) if ad.ndim == 1 else ad,
                      bd.reshape(-1, 1) if bd.ndim == 1 else bd)
            shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
            raise memory_error(e, shape, np.result_type(ad, bd).itemsize) from None
        raise RuntimeError("The size of tensor a must match the size of tensor b at non-singleton "
                           f"dimension: shapes {list(ad.shape)} and {list(bd.shape)}") from None
    o = np.asarray(o)
    a1, b1 = ad.ndim == 1, bd.ndim == 1

    def vjp(g, n):
        if a1 and b1:
            return (g * bd if n[0] else None), (g * ad if n[1] else None)
        a2 = ad[None, :] if a1 else ad
        b2 = bd[:, None] if b1 else bd
        g2 = g
        if a1:
            g2 = np.expand_dims(g2, -2)
        if b1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if n[0]:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a1:
                ga = ga[..., 0, :]
        if n[1]:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b1:
                gb = gb[..., 0]
        return ga, gb
    name = "MmBackward0" if ad.ndim == 2 and bd.ndim == 2 else (
        "DotBackward0" if a1 and b1 else "MvBackward0" if ad.ndim == 2 and b1 else
        "SqueezeBackward4" if a1 and bd.ndim == 2 else "UnsafeViewBackward0")
    return record(o, name, vjp, (a, b), (a, b))


def mm(input, mat2, *, out=None) -> Tensor:
    """Matrix product of two 2-d tensors: ``(n, k) @ (k, m) -> (n, m)``.

    VJP (via ``matmul``): ``d/dinput = g @ mat2.T``, ``d/dmat2 = input.T @ g``.
    """
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2, *, out=None) -> Tensor:
    """Batched matrix product of 3-d tensors: ``(b, n, k) @ (b, k, m) -> (b, n, m)``.

    No broadcasting: both batch sizes must agree.

    VJP: ``d/dinput = g @ mat2.mT``, ``d/dmat2 = input.mT @ g`` (per batch).
    """
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._data.shape[0] != mat2._data.shape[0] or input._data.shape[2] != mat2._data.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input._data.shape[0]}, {input._data.shape[2]}] but got: "
                           f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    return rename(matmul(input, mat2), "BmmBackward0")


def mv(input, vec, *, out=None) -> Tensor:
    """Matrix-vector product: ``(n, m) @ (m,) -> (n,)``.

    VJP: ``d/dinput = outer(g, vec)``, ``d/dvec = input.T @ g``.
    """
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    return matmul(input, vec)


def dot(input, tensor, *, out=None) -> Tensor:
    """Inner product of two 1-d tensors of the same dtype: ``sum_i input[i] * tensor[i]``.

    VJP: ``d/dinput = g * tensor``, ``d/dtensor = g * input``.
    """
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{tensor._data.ndim}D tensors")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.name.capitalize()} and {tensor.dtype.name.capitalize()}")
    return matmul(input, tensor)


@quiet
def inner(input, other) -> Tensor:
    """Inner product over the last dims: ``out[..., ...] = sum_k input[..., k] * other[..., k]``.

    Composed of ``matmul`` and ``transpose`` (a product with a scalar when either is 0-d).
    """
    if input._data.ndim == 0 or other._data.ndim == 0:
        return mul(input, other)
    return matmul(input, transpose(other, -1, -2)) if other._data.ndim > 1 else matmul(input, other)


@quiet
def outer(input, vec2) -> Tensor:
    """Outer product of two 1-d tensors: ``out[i, j] = input[i] * vec2[j]``.

    Composed: ``input.reshape(-1, 1) * vec2.reshape(1, -1)``, so the VJP is that of ``mul``.
    """
    return mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))




@quiet
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``."""
    p = mm(mat1, mat2)
    if alpha != 1:
        p = mul(p, alpha)
    if beta != 0:
        p = add(mul(input, beta) if beta != 1 else input, p)
    return rename(p, "AddmmBackward0")


@quiet
def addmv(input, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, composed of ``mv``, ``mul`` and ``add``."""
    p = mv(mat, vec)
    if alpha != 1:
        p = mul(p, alpha)
    return add(mul(input, beta) if beta != 1 else input, p)


@quiet
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, composed of ``bmm``, ``mul`` and ``add``."""
    p = bmm(batch1, batch2)
    if alpha != 1:
        p = mul(p, alpha)
    return add(mul(input, beta) if beta != 1 else input, p)


def _parse_einsum(eq: str, ndims):
    eq = eq.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(ndims) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    letters = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    ell = None
    for s, nd in zip(ins, ndims):
        if "..." in s:
            k = nd - (len(s) - 3)
            ell = max(ell or 0, k)
    ell_letters = "".join(letters[:ell or 0])
    exp_ins = []
    for s, nd in zip(ins, ndims):
        if "..." in s:
            k = nd - (len(s) - 3)
            s = s.replace("...", ell_letters[len(ell_letters) - k:])
        if len(s) != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({nd}) for operand "
                               f"{len(exp_ins)} and no ellipsis was given")
        exp_ins.append(s)
    if out is None:
        counts = {}
        for s in exp_ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, k in counts.items() if k == 1
                                           and c not in ell_letters))
    else:
        out = out.replace("...", ell_letters)
    return exp_ins, out


@quiet
def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the subscripts of ``equation`` (e.g. ``"ij,jk->ik"``), with ``...``.

    Without ``->`` the output holds the letters used once, in alphabetical order.
    VJP: for each operand, an ``einsum`` of ``g`` with the other operands back to that operand's
    subscripts (a repeated letter, a diagonal, gets its gradient put back on the diagonal).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse_einsum(equation, [o._data.ndim for o in operands])
    arrays = [o._data for o in operands]
    dt = result_type(*operands)
    operands = tuple(to_tensor(o, dt) for o in operands)
    arrays = [o._data for o in operands]
    o = np.asarray(np.einsum(",".join(ins) + "->" + out, *arrays, optimize=len(arrays) > 2))
    sizes = {}
    for s, a in zip(ins, arrays):
        for c, n in zip(s, a.shape):
            sizes[c] = max(sizes.get(c, 1), n)

    def vjp(g, n):
        grads = []
        for i, s in enumerate(ins):
            if not n[i]:
                grads.append(None)
                continue
            others = [(ins[j], arrays[j]) for j in range(len(arrays)) if j != i]
            avail = set(out) | set("".join(x for x, _ in others))
            uniq = "".join(dict.fromkeys(c for c in s if c in avail))
            r = np.einsum(",".join([out] + [x for x, _ in others]) + "->" + uniq, g,
                          *[a for _, a in others], optimize=len(others) > 1)
            # letters found only in this operand were summed away: broadcast them back
            letters = "".join(dict.fromkeys(s))
            r = np.broadcast_to(r.reshape([sizes[c] if c in uniq else 1 for c in letters]),
                                tuple(sizes[c] for c in letters))
            if letters == s:
                grads.append(r)
                continue
            # a repeated letter ("ii->i") reads a diagonal: the gradient lands on that diagonal
            gz = np.zeros(tuple(sizes[c] for c in s), g.dtype)
            index = tuple(np.arange(sizes[c]).reshape([sizes[c] if d == c else 1
                                                       for d in letters]) for c in s)
            gz[index] = r
            grads.append(gz)
        return tuple(grads)
    # PyTorch names the node after the last step of its own decomposition: a sum for a reduction of
    # one operand, a view otherwise
    name = "SumBackward1" if len(operands) == 1 and len(out) < len(ins[0]) else "ViewBackward0"
    return record(o, name, vjp, operands, operands)


@quiet
def vdot(input, other, *, out=None) -> Tensor:
    """The dot product of two 1-D tensors (for real numbers, the same as ``dot``)."""
    return rename(dot(input, other), "VdotBackward0")


@quiet
def tensordot(a, b, dims=2, out=None) -> Tensor:
    """Contract the last ``dims`` axes of ``a`` with the first of ``b`` (or the listed axes)."""
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, int):
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = ([dims[0]] if isinstance(dims[0], int) else list(dims[0]),
                  [dims[1]] if isinstance(dims[1], int) else list(dims[1]))
    letters = "abcdefghijklmnopqrstuvwxyz"
    sa = list(letters[:na])
    sb = list(letters[na:na + nb])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out_s = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb)
                                                            if k not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out_s), a, b)


@quiet
def dist(input, other, p: float = 2) -> Tensor:
    """The p-norm of ``input - other``."""
    return rename(norm(sub(input, other), p), "DistBackward0")
