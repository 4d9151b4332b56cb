"""nn.functional: the maths behind every layer and loss, as plain functions.

Modules hold state (weights, flags); the functions here hold the maths, so
``nn.Linear(3, 2)(x)`` is ``F.linear(x, layer.weight, layer.bias)``.

NOTE [ primitives with their own backward ]
The ops a training step runs every time (``linear``, the activations,
``softmax``/``log_softmax``, ``nll_loss``, the pointwise losses, the norms)
are primitives: a NumPy forward and, beside it, a NumPy vector-Jacobian
product, recorded as one graph node by ``numtorch._ops._core.record``.  One
node per call keeps the Python overhead of a training step low, and writing the
gradient by hand keeps it exact (``log_softmax`` is stable, ``relu``'s gradient
is a mask).  Everything else (``cross_entropy`` with label smoothing, the
cosine and ranking losses, ``normalize``...) is composed from those primitives
and Tensor ops, and needs no gradient code of its own.  The engine sums every
gradient back to its input's shape, so no rule here undoes broadcasting.

Example:
    >>> import numtorch
    >>> import numtorch.nn.functional as F
    >>> x = numtorch.tensor([[1.0, -2.0], [0.5, 3.0]])
    >>> F.relu(x).tolist()
    [[1.0, 0.0], [0.5, 3.0]]
    >>> round(F.cross_entropy(x, numtorch.tensor([0, 1])).item(), 4)
    0.0637
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from numtorch._ops._core import NOSAVE, record
from numtorch._ops.nn import linear as _linear
from numtorch._ops.nn import log_softmax as _core_log_softmax
from numtorch._ops.nn import softmax as _core_softmax
from numtorch._tensor import Tensor, _wrap, _wrap_dim
from numtorch.autograd.grad_mode import _state as _grad_state

__all__ = [
    # linear and embedding
    "linear", "bilinear", "embedding",
    # activations
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu",
    "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_", "hardsigmoid",
    "hardswish", "softplus", "softsign", "tanhshrink", "threshold", "threshold_", "prelu",
    "logsigmoid", "softmax", "log_softmax", "softmin",
    # dropout and normalisation
    "dropout", "dropout1d", "layer_norm", "batch_norm",
    # losses
    "nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
    "cosine_embedding_loss", "margin_ranking_loss",
    # utilities
    "one_hot", "normalize", "pad", "cosine_similarity", "pairwise_distance",
]

_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
         "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _tname(a: np.ndarray) -> str:
    """PyTorch's scalar-type name of an array (``Float``, ``Long``...)."""
    return _TYPE[a.dtype.name]


def _needs_graph(*ts) -> bool:
    return _grad_state[0] and any(t is not None and t._requires_grad for t in ts)


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, or PyTorch's RuntimeError naming the first clash."""
    if a == b:
        return a
    n = max(len(a), len(b))
    out = []
    for i in range(n):
        sa = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        sb = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                               f"at non-singleton dimension {i}")
        out.append(sb if sa == 1 else sa)
    return tuple(out)


# ---- reductions shared by the losses ------------------------------------------------------

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce) -> str:
    """The ``reduction`` string the deprecated ``size_average``/``reduce`` flags stand for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
                  "instead.", stacklevel=3)
    return ret


def _check_reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce_array(l: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return l
    if reduction == "sum":
        return np.asarray(l.sum(), dtype=l.dtype)
    if l.size == 0:
        return np.asarray(np.nan, dtype=l.dtype)
    return np.asarray(l.mean(), dtype=l.dtype)


def _expand_grad(g: np.ndarray, shape: tuple, size: int, reduction: str) -> np.ndarray:
    """The gradient of a reduced loss, spread back over the elementwise losses."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = g / size if size else g * np.nan
    return np.broadcast_to(g, shape)


def _reduce_tensor(l: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return l.mean()
    if reduction == "sum":
        return l.sum()
    return l


# ---- linear layers ------------------------------------------------------------------------

def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x W^T + b``: the affine map of ``nn.Linear`` (one fused primitive).

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Example:
        >>> import numtorch
        >>> linear(numtorch.ones(1, 2), numtorch.ones(3, 2), numtorch.zeros(3)).tolist()
        [[2.0, 2.0, 2.0]]
    """
    x, w = input._data, weight._data
    if x.dtype != w.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_CNAME.get(x.dtype.name, x.dtype.name)} != "
                           f"{_CNAME.get(w.dtype.name, w.dtype.name)}")
    if bias is not None and w.ndim == 2:
        b = bias._data
        if b.ndim and b.shape[-1] not in (1, w.shape[0]):
            tgt = list(x.shape[:-1]) + [w.shape[0]]
            raise RuntimeError(
                f"The expanded size of the tensor ({w.shape[0]}) must match the existing size "
                f"({b.shape[-1]}) at non-singleton dimension {len(tgt) - 1}.  Target sizes: "
                f"{tgt}.  Tensor sizes: {list(b.shape)}")
    return _linear(input, weight, bias)


_CNAME = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int",
          "int32": "int"}


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k``, for each output feature ``k``.

    Args:
        input1: ``(*, in1_features)``; input2: ``(*, in2_features)`` with the same leading shape.
        weight: ``(out_features, in1_features, in2_features)``; bias: ``(out_features,)``.
    """
    a, c, w = input1._data, input2._data, weight._data
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {w.ndim}")
    if a.ndim != c.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {a.ndim} and {c.ndim}")
    if a.shape[:-1] != c.shape[:-1]:
        raise RuntimeError("bilinear(): input batch dimensions do not match: got "
                           f"{list(a.shape)} and {list(c.shape)}")
    if a.shape[-1] != w.shape[1]:
        raise RuntimeError("bilinear(): input1 size does not match weight size: got "
                           f"{a.shape[-1]} but expected {w.shape[1]}")
    if c.shape[-1] != w.shape[2]:
        raise RuntimeError("bilinear(): input2 size does not match weight size: got "
                           f"{c.shape[-1]} but expected {w.shape[2]}")
    lead = a.shape[:-1]
    a2, c2 = a.reshape(-1, a.shape[-1]), c.reshape(-1, c.shape[-1])
    tmp = np.einsum("ni,oij->noj", a2, w)  # (N, out, in2)
    out = np.einsum("noj,nj->no", tmp, c2)
    if bias is not None:
        out += bias._data

    def vjp(g, needs):
        g2 = g.reshape(-1, w.shape[0])
        ga = np.einsum("no,oij,nj->ni", g2, w, c2, optimize=True).reshape(a.shape) if needs[0] else None
        gc = np.einsum("no,noj->nj", g2, tmp).reshape(c.shape) if needs[1] else None
        gw = np.einsum("no,ni,nj->oij", g2, a2, c2, optimize=True) if needs[2] else None
        gb = g2.sum(0) if len(needs) > 3 and needs[3] else None
        return ga, gc, gw, gb

    ins = (input1, input2, weight) + (() if bias is None else (bias,))
    return record(out.reshape(lead + (w.shape[0],)), "AddBackward0", vjp, ins, ins)


# ---- elementwise activations --------------------------------------------------------------
# One row per activation: the forward on the input array ``x`` and the vjp from the incoming
# gradient ``g``, the input ``x`` and the output ``y``.  NumPy keeps float32 in float32 when the
# constants are Python floats.

_erf_py = np.frompyfunc(math.erf, 1, 1)


def _erf(x: np.ndarray) -> np.ndarray:
    return np.asarray(_erf_py(np.asarray(x, np.float64)), np.float64).astype(x.dtype)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    bx = x * beta
    with np.errstate(over="ignore"):
        soft = np.log1p(np.exp(bx)) / beta
    return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _unary(name: str, input: Tensor, fwd, bwd, save_input: bool = True) -> Tensor:
    """Apply an elementwise primitive: ``fwd(x)`` now, ``bwd(g, x, y)`` in backward."""
    x = input._data
    y = fwd(x)
    if x.ndim == 0:  # NumPy turns 0-d results into scalars; a Tensor holds an array
        y = np.asarray(y, x.dtype)
    if not (_grad_state[0] and input._requires_grad):
        return _wrap(y)
    return record(y, name, lambda g, needs: (np.asarray(bwd(g, x, y)),), (input,),
                  (input,) if save_input else ())


def _inplace(input: Tensor, result_fn) -> Tensor:
    """Run ``result_fn(t)`` and write its result into ``input``, as PyTorch's ``op_(x)`` does.

    NOTE [ in-place activations ]
    The input's old value is kept in a fresh tensor that takes over its place in the graph; the
    result is copied into the input's array and the input's ``grad_fn`` becomes the op's node, so
    the caller's tensor and any later use of it see the new value and backpropagate through it.
    """
    if _grad_state[0] and input._requires_grad and input.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if not (_grad_state[0] and input._requires_grad):
        r = result_fn(input)
        np.copyto(input._data, r._data, casting="unsafe")
        input._bump()
        return input
    old = _wrap(input._data.copy(), input._requires_grad)
    old.grad_fn = input.grad_fn
    r = result_fn(old)
    np.copyto(input._data, r._data, casting="unsafe")
    input._bump()
    input.grad_fn = r.grad_fn
    return input


def _act(name, fwd, bwd, input: Tensor, inplace: bool) -> Tensor:
    if inplace:
        return _inplace(input, lambda t: _unary(name, t, fwd, bwd))
    return _unary(name, input, fwd, bwd)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``; its gradient passes where the output is positive."""
    return _act("ReluBackward0", lambda x: np.maximum(x, 0), lambda g, x, y: g * (y > 0),
                input, inplace)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return relu(input, inplace=True)


def _hardtanh_fns(lo: float, hi: float):
    return (lambda x: np.clip(x, lo, hi).astype(x.dtype, copy=False),
            lambda g, x, y: g * ((x > lo) & (x < hi)))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clip(x, min_val, max_val)``; gradient 1 strictly inside the interval, else 0."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    fwd, bwd = _hardtanh_fns(min_val, max_val)
    return _act("HardtanhBackward0", fwd, bwd, input, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    s = negative_slope
    return _act("LeakyReluBackward0", lambda x: np.where(x > 0, x, x * s),
                lambda g, x, y: np.where(x > 0, g, g * s), input, inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def _elu(input: Tensor, neg: float, pos: float, ipt: float, inplace: bool) -> Tensor:
    """The ELU family: ``pos * x`` for ``x > 0``, ``neg * (exp(ipt * x) - 1)`` otherwise."""
    def fwd(x):
        with np.errstate(over="ignore"):
            return np.where(x > 0, x * pos, np.expm1(x * ipt) * neg).astype(x.dtype, copy=False)

    def bwd(g, x, y):
        with np.errstate(over="ignore"):
            return np.where(x > 0, g * pos, g * (neg * ipt) * np.exp(x * ipt))

    return _act("EluBackward0", fwd, bwd, input, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return _elu(input, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA * _SELU_SCALE, _SELU_SCALE, 1.0, inplace)


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (``approximate='none'``) or its tanh approximation (``'tanh'``)."""
    if approximate == "none":
        def fwd(x):
            return x * 0.5 * (1.0 + _erf(x * (1 / math.sqrt(2.0))))

        def bwd(g, x, y):
            cdf = 0.5 * (1.0 + _erf(x * (1 / math.sqrt(2.0))))
            pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2.0 * math.pi))
            return g * (cdf + x * pdf)
    elif approximate == "tanh":
        def fwd(x):
            return 0.5 * x * (1.0 + np.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x)))

        def bwd(g, x, y):
            t = np.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x))
            d = _SQRT_2_PI * (1.0 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d)
    else:
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _unary("GeluBackward0", input, fwd, bwd)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    def bwd(g, x, y):
        s = _sigmoid(x)
        return g * (s * (1.0 + x * (1.0 - s)))

    return _act("SiluBackward0", lambda x: x * _sigmoid(x), bwd, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    def bwd(g, x, y):
        t = np.tanh(_softplus(x))
        return g * (t + x * _sigmoid(x) * (1.0 - t * t))

    return _act("MishBackward0", lambda x: x * np.tanh(_softplus(x)), bwd, input, inplace)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``; gradient ``y (1 - y)``."""
    return _unary("SigmoidBackward0", input, _sigmoid, lambda g, x, y: g * (y * (1.0 - y)), False)


def tanh(input: Tensor) -> Tensor:
    """``tanh(x)``; gradient ``1 - y^2``."""
    return _unary("TanhBackward0", input, np.tanh, lambda g, x, y: g * (1.0 - y * y), False)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _act("HardsigmoidBackward0",
                lambda x: (np.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype, copy=False),
                lambda g, x, y: np.where((x > -3.0) & (x < 3.0), g / 6.0, 0.0).astype(g.dtype),
                input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    def bwd(g, x, y):
        return np.where(x < -3.0, 0.0, np.where(x <= 3.0, g * (x / 3.0 + 0.5), g)).astype(g.dtype)

    return _act("HardswishBackward0",
                lambda x: (x * np.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype, copy=False),
                bwd, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold``."""
    def bwd(g, x, y):
        with np.errstate(over="ignore"):
            z = np.exp(x * beta)
        return np.where(x * beta > threshold, g, g * z / (z + 1.0)).astype(g.dtype)

    return _unary("SoftplusBackward0", input, lambda x: _softplus(x, beta, threshold), bwd)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return _unary("DivBackward0", input, lambda x: x / (1.0 + np.abs(x)),
                  lambda g, x, y: g / ((1.0 + np.abs(x)) ** 2))


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return _unary("SubBackward0", input, lambda x: x - np.tanh(x),
                  lambda g, x, y: g * np.tanh(x) ** 2)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    th = threshold
    return _act("ThresholdBackward0",
                lambda x: np.where(x > th, x, value).astype(x.dtype, copy=False),
                lambda g, x, y: np.where(x > th, g, 0.0).astype(g.dtype), input, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return _unary("LogSigmoidBackward0", input,
                  lambda x: -_softplus(-x), lambda g, x, y: g * _sigmoid(-x))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for ``x > 0``, ``a * x`` otherwise, with one learnt ``a`` per channel (dim 1) or shared."""
    x, w = input._data, weight._data
    n = w.size
    if n != 1:
        if x.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter"
                               f" numbers = {n} and channel size = {channels}.")
    if n == 1:
        wb = w.reshape(())
    else:
        wb = w.reshape((1, n) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else w.reshape(n)
    out = np.where(x > 0, x, wb * x)

    def vjp(g, needs):
        gx = np.where(x > 0, g, wb * g) if needs[0] else None
        gw = None
        if needs[1]:
            gxw = np.where(x > 0, 0.0, g * x).astype(g.dtype)
            if n == 1:
                gw = np.asarray(gxw.sum(), g.dtype).reshape(w.shape)
            else:
                axes = tuple(i for i in range(x.ndim) if i != 1) if x.ndim >= 2 else ()
                gw = gxw.sum(axis=axes).reshape(w.shape)
        return gx, gw

    return record(out, "PreluKernelBackward0", vjp, (input, weight), (input, weight))


# ---- softmax family -----------------------------------------------------------------------

def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_prep(name: str, input: Tensor, dim, stacklevel: int, dtype):
    if dim is None:
        dim = _softmax_dim(name, input._data.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    ax = _wrap_dim(dim, input._data.ndim)
    return input, ax


def _softmax(input: Tensor, ax: int) -> Tensor:
    return _core_softmax(input, ax)


def _log_softmax(input: Tensor, ax: int) -> Tensor:
    return _core_log_softmax(input, ax)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim``.

    Without ``dim``, PyTorch's legacy rule picks 0 for 0-, 1- and 3-dimensional inputs and 1
    otherwise, with a deprecation warning.  ``dtype`` casts the input first.

    Example:
        >>> import numtorch
        >>> [round(v, 4) for v in softmax(numtorch.tensor([[1.0, 2.0, 3.0]]), dim=1)[0].tolist()]
        [0.09, 0.2447, 0.6652]
    """
    input, ax = _softmax_prep("softmax", input, dim, _stacklevel, dtype)
    return _softmax(input, ax)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``x_i - log(sum_j exp(x_j))`` along ``dim``, computed stably (max subtracted first)."""
    input, ax = _softmax_prep("log_softmax", input, dim, _stacklevel, dtype)
    return _log_softmax(input, ax)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    input, ax = _softmax_prep("softmin", input, dim, _stacklevel, dtype)
    return _softmax(-input, ax)


# ---- dropout ------------------------------------------------------------------------------

def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, noise_shape: tuple, p: float, inplace: bool) -> Tensor:
    """``input * noise`` with ``noise ~ Bernoulli(1 - p) / (1 - p)`` drawn as PyTorch draws it."""
    x = input._data
    if p == 1.0:
        noise = np.zeros(noise_shape, x.dtype)
    else:
        noise = input.new_empty(noise_shape).bernoulli_(1 - p)._data
        noise /= 1 - p

    def run(t):
        return _unary("MulBackward0", t, lambda a: a * noise, lambda g, a, y: g * noise, False)

    return _inplace(input, run) if inplace else run(input)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Outside training (or with ``p = 0``) the input is returned unchanged.

    Example:
        >>> import numtorch
        >>> x = numtorch.ones(4)
        >>> dropout(x, 0.5, training=False) is x
        True
    """
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    return _masked(input, input._data.shape, p, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
            "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0 or input._data.size == 0:
        return input
    shape = input._data.shape
    noise_shape = (shape[0], 1) if nd == 2 else (shape[0], shape[1], 1)
    return _masked(input, noise_shape, p, inplace)


# ---- normalisation ------------------------------------------------------------------------

def _normalize_over(x: np.ndarray, axes: tuple, eps: float):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance), with its pieces."""
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    rstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    return xc * rstd, rstd, mean, var


def _affine_norm(name: str, input: Tensor, weight, bias, xhat, rstd, w_b, b_b, axes, stat_axes,
                 batch_stats: bool) -> Tensor:
    """Record ``y = xhat * w + b`` where ``xhat`` is ``input`` normalised over ``axes``.

    NOTE [ the normalisation gradient ]
    With ``gh = g * w`` and ``n`` elements per statistic, the gradient through the batch
    statistics is ``rstd * (gh - mean(gh) - xhat * mean(gh * xhat))``; with fixed (running)
    statistics it is just ``gh * rstd``.  ``w`` and ``b`` get ``sum(g * xhat)`` and ``sum(g)``
    over every axis but their own.
    """
    out = xhat * w_b if w_b is not None else xhat
    if b_b is not None:
        out = out + b_b
    out = out.astype(input._data.dtype, copy=False)
    ins = tuple(t for t in (input, weight, bias) if t is not None)
    if not _needs_graph(*ins):
        return _wrap(out)
    has_w, has_b = weight is not None, bias is not None

    def vjp(g, needs):
        res = [None]
        if needs[0]:
            gh = g * w_b if has_w else g
            if batch_stats:
                res[0] = rstd * (gh - gh.mean(axis=axes, keepdims=True)
                                 - xhat * (gh * xhat).mean(axis=axes, keepdims=True))
            else:
                res[0] = gh * rstd
        if has_w:
            res.append((g * xhat).sum(axis=stat_axes).reshape(weight._data.shape)
                       if needs[1] else None)
        if has_b:
            res.append(g.sum(axis=stat_axes).reshape(bias._data.shape) if needs[-1] else None)
        return tuple(res)

    return record(out, name, vjp, ins, ins)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims: ``(x - mean) / sqrt(var + eps) * w + b``.

    ``var`` is the biased variance (divided by the number of elements normalised).

    Example:
        >>> import numtorch
        >>> [round(v, 4) for v in layer_norm(numtorch.tensor([[1.0, 3.0]]), (2,))[0].tolist()]
        [-1.0, 1.0]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(x.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p._data.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(p._data.shape)} and normalized_shape = "
                               f"{list(shape)}")
    axes = tuple(range(x.ndim - k, x.ndim))
    xhat, rstd, _, _ = _normalize_over(x, axes, eps)
    return _affine_norm("NativeLayerNormBackward0", input, weight, bias, xhat, rstd,
                        None if weight is None else weight._data,
                        None if bias is None else bias._data, axes, tuple(range(x.ndim - k)), True)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and any trailing dims.

    In training, the batch's mean and biased variance normalise the input, and the running
    statistics (when given) move towards the batch's mean and unbiased variance:
    ``running = (1 - momentum) * running + momentum * batch``.  Otherwise the running
    statistics normalise.
    """
    x = input._data
    if training:
        size = input.shape
        n = size[0]
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input size "
                             f"{size}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    c = x.shape[1] if x.ndim > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")
    axes = (0,) + tuple(range(2, x.ndim))
    cshape = (1, c) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        xhat, rstd, mean, var = _normalize_over(x, axes, eps)
        if training and running_mean is not None and running_var is not None:
            cnt = x.size // c
            unbiased = var.reshape(c) * (cnt / max(cnt - 1, 1))
            rm, rv = running_mean._data, running_var._data
            np.copyto(rm, rm * (1 - momentum) + mean.reshape(c) * momentum, casting="unsafe")
            np.copyto(rv, rv * (1 - momentum) + unbiased * momentum, casting="unsafe")
            running_mean._bump()
            running_var._bump()
    else:
        rstd = (1.0 / np.sqrt(running_var._data.reshape(cshape) + eps)).astype(x.dtype, copy=False)
        xhat = (x - running_mean._data.reshape(cshape)).astype(x.dtype, copy=False) * rstd
    return _affine_norm("NativeBatchNormBackward0", input, weight, bias, xhat, rstd,
                        None if weight is None else weight._data.reshape(cshape),
                        None if bias is None else bias._data.reshape(cshape), axes, axes, use_batch)


# ---- embedding ----------------------------------------------------------------------------

def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and untracked, the looked-up rows whose norm exceeds ``max_norm``."""
    w = weight._data
    rows = np.unique(idx)
    sub = w[rows]
    norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sub[big] * scale[:, None]
        weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    The row at ``padding_idx`` gets no gradient.  With ``max_norm``, rows looked up are first
    rescaled in place to norm at most ``max_norm``.  With ``scale_grad_by_freq``, each row's
    gradient is divided by how often it occurs in the batch.

    Example:
        >>> import numtorch
        >>> embedding(numtorch.tensor([2, 0]), numtorch.arange(6.0).reshape(3, 2)).tolist()
        [[4.0, 5.0], [0.0, 1.0]]
    """
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= n:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got torch.{_tname(idx)}Tensor instead (while checking arguments for "
            "embedding)")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    w = weight._data
    out = w[idx]
    if not _needs_graph(weight):
        return _wrap(out)

    def vjp(g, needs):
        flat = idx.reshape(-1)
        g2 = g.reshape(-1, w.shape[1])
        if scale_grad_by_freq:
            counts = np.bincount(flat, minlength=n)
            g2 = g2 / counts[flat][:, None]
        if padding_idx >= 0:
            keep = flat != padding_idx
            flat, g2 = flat[keep], g2[keep]
        gw = np.zeros(w.shape, g.dtype)
        np.add.at(gw, flat, g2)
        return (None, gw)

    return record(out, "EmbeddingBackward0", vjp, (input, weight), ())


# ---- losses: class indices ----------------------------------------------------------------

def _nll_raw(x2: np.ndarray, t1: np.ndarray, w: np.ndarray | None, ignore_index: int,
             reduction: str):
    """NLL on rows ``x2`` (M, C) and targets ``t1`` (M,): (loss, safe targets, weights, total).

    ``weights`` is None when every target counts with weight 1 (the common, fast case).
    """
    c = x2.shape[1]
    m = t1.shape[0]
    valid = t1 != ignore_index
    all_valid = bool(valid.all())
    if all_valid:
        safe = t1
        if m and (t1.min() < 0 or t1.max() >= c):
            bad = (t1 < 0) | (t1 >= c)
            raise IndexError(f"Target {int(t1[bad][0])} is out of bounds.")
    else:
        safe = np.where(valid, t1, 0)
        bad = valid & ((t1 < 0) | (t1 >= c))
        if bad.any():
            raise IndexError(f"Target {int(t1[bad][0])} is out of bounds.")
    picked = x2[np.arange(m), safe]
    if w is None:
        wt = None if all_valid else valid.astype(x2.dtype)
    else:
        wt = w[safe] if all_valid else w[safe] * valid
    losses = -picked if wt is None else -(picked * wt)
    if reduction == "none":
        return losses, safe, wt, None
    if reduction == "sum":
        return np.asarray(losses.sum(), x2.dtype), safe, wt, None
    if wt is None and m:
        return np.asarray(losses.sum() / m, x2.dtype), safe, wt, m
    total = wt.sum() if wt is not None else np.asarray(0, x2.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(losses.sum() / total, x2.dtype), safe, wt, total


def _check_target_dtype(t: np.ndarray) -> None:
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_tname(t)}")


def _nll_shapes(x: np.ndarray, t: np.ndarray, w: np.ndarray | None, prefix: str = ""):
    """Check shapes as PyTorch's ``nll_loss_nd`` does; return (N, C, *) input and (N, *) target."""
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and x.shape[0] != (t.shape[0] if t.ndim else 1):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    _check_target_dtype(t)
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    if w is not None and w.size != c:
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {c} classes or "
                           f"no classes but got weight tensor of shape: {list(w.shape)}")
    if x.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.ndim == 1:
            return x.reshape(1, -1), t.reshape(1), t.shape
        return x, t, t.shape
    if x.ndim == 4 and t.ndim != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets "
                           f"of dimension: {t.ndim}")
    if t.shape[1:] != x.shape[2:]:
        if x.ndim == 4:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}")
        raise RuntimeError(f"Expected target size {[x.shape[0]] + list(x.shape[2:])}, got "
                           f"{list(t.shape)}")
    return x, t, t.shape


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: ``l_n = -w[y_n] * x[n, y_n]`` for log-probabilities ``x``.

    Input ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; target of class indices ``()``, ``(N)``
    or ``(N, d1, ..., dk)``.  Targets equal to ``ignore_index`` contribute nothing.  The mean is
    weighted: ``sum_n l_n / sum_n w[y_n]`` over the non-ignored targets.

    Example:
        >>> import numtorch
        >>> logp = numtorch.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> round(nll_loss(logp, numtorch.tensor([0, 1])).item(), 4)
        0.3
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    return _nll(input, target, weight, ignore_index, reduction, "")


def _nll(input, target, weight, ignore_index, reduction, prefix):
    x0, t0 = input._data, target._data
    w = weight._data if weight is not None else None
    if w is not None and w.dtype != x0.dtype:
        raise RuntimeError(f"expected scalar type {_tname(x0)} but found {_tname(w)}")
    x, t, tshape = _nll_shapes(x0, t0, w, prefix)
    # classes last, one row per target: (N, C, d1..dk) -> (N * d1..dk, C)
    xm = np.moveaxis(x, 1, -1) if x.ndim > 2 else x
    x2 = xm.reshape(-1, x.shape[1])
    t1 = t.reshape(-1).astype(np.int64, copy=False)
    out, safe, wt, total = _nll_raw(x2, t1, w, ignore_index, reduction)
    if reduction == "none":
        out = out.reshape(tshape)
    if not _needs_graph(input):
        return _wrap(out)

    def vjp(g, needs):
        coef = -g.reshape(-1) if reduction == "none" else -g
        if wt is not None:
            coef = coef * wt
        if reduction == "mean":
            coef = coef / total
        gx = np.zeros(x2.shape, x2.dtype)
        gx[np.arange(x2.shape[0]), safe] = coef
        if x.ndim > 2:
            gx = np.moveaxis(gx.reshape(xm.shape), -1, 1)
        return (gx.reshape(x0.shape),)

    return record(out, "NllLossBackward0", vjp, (input,), ())


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, class_dim), target)``, or with class-probability targets
    ``-sum_c w_c p_c log_softmax(x)_c``.

    ``label_smoothing`` mixes the target with the uniform distribution:
    ``(1 - s) * loss + s / C * (smoothing term)``.  The class dim is 1 (0 for a 1-D input).

    Example:
        >>> import numtorch
        >>> round(cross_entropy(numtorch.zeros(2, 4), numtorch.tensor([1, 3])).item(), 4)
        1.3863
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x, t = input._data, target._data
    cdim = 0 if x.ndim == 1 else 1
    if t.shape == x.shape:
        if t.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class probabilities, "
                               f"got {_tname(t)}")
        if x.ndim == 0:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        c = x.shape[cdim]
        if weight is not None and weight._data.size != c:
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                f"classes but got weight tensor of shape: {list(weight._data.shape)}")
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing, cdim, c)
    if x.ndim == 0:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    c = x.shape[cdim]
    if t.dtype.kind == "f" and t.ndim == x.ndim:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    logp = _log_softmax(input, cdim)
    nll = _nll(logp, target, weight, ignore_index, reduction, "")
    if label_smoothing <= 0.0:
        return nll
    wshape = [1] * x.ndim
    wshape[cdim] = c
    smooth = logp * weight.reshape(wshape) if weight is not None else logp
    smooth = -smooth.sum(cdim)
    ignore = _wrap(t == ignore_index)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            keep = t[t != ignore_index].reshape(-1).astype(np.int64)
            ret = smooth.sum() / weight[_wrap(keep)].sum()
        else:
            ret = smooth.sum() / float((t != ignore_index).sum())
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / c)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, s, cdim, c):
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if target._data.dtype != input._data.dtype:
        target = target.to(input.dtype)
    if s > 0.0:
        target = target * (1 - s) + s / c
    logp = _log_softmax(input, cdim)
    prod = logp * target
    if weight is not None:
        wshape = [1] * input._data.ndim
        wshape[cdim] = c
        prod = prod * weight.reshape(wshape)
    if reduction == "mean":
        return -prod.sum() / (input._data.size / c)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(cdim)


# ---- losses: pointwise --------------------------------------------------------------------
# Each pointwise loss is one primitive: ``fwd(x, t)`` gives the elementwise losses, ``bwd``
# their derivatives with respect to input and target, and one helper applies the reduction.

def _size_warning(input: Tensor, target: Tensor) -> None:
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", stacklevel=3)


def _pointwise_loss(name: str, input: Tensor, target: Tensor, reduction: str, fwd, bwd,
                    extra: tuple = ()) -> Tensor:
    """Reduce ``fwd(x, t, *extra)`` and record ``bwd(gl, x, t, *extra) -> (gx, gt)``."""
    x, t = input._data, target._data
    _broadcast_shape(x.shape, t.shape)
    dt = np.result_type(x.dtype, t.dtype) if t.dtype.kind == "f" else x.dtype
    if x.dtype != dt:
        x = x.astype(dt)
    if t.dtype != dt:
        t = t.astype(dt)
    ex = tuple(e._data.astype(dt, copy=False) if isinstance(e, Tensor) else e for e in extra)
    l = np.asarray(fwd(x, t, *ex))
    out = _reduce_array(l, reduction)
    tens = (input, target) + tuple(e for e in extra if isinstance(e, Tensor))
    if not _needs_graph(*tens):
        return _wrap(out)

    def vjp(g, needs):
        gl = _expand_grad(g, l.shape, l.size, reduction)
        gx, gt = bwd(gl, x, t, *ex)
        return ((np.asarray(gx) if needs[0] else None, np.asarray(gt) if needs[1] else None)
                + (None,) * (len(tens) - 2))

    return record(out, name, vjp, tens, tens)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error: ``l_n = (x_n - y_n)^2``, then the ``reduction``.

    Example:
        >>> import numtorch
        >>> mse_loss(numtorch.tensor([1.0, 2.0]), numtorch.zeros(2)).item()
        2.5
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    _size_warning(input, target)
    if weight is not None:
        return _reduce_tensor(weight * (input - target) ** 2, reduction)

    def bwd(g, x, t):
        d = g * (2.0 * (x - t))
        return d, -d

    return _pointwise_loss("MseLossBackward0", input, target, reduction,
                           lambda x, t: (x - t) ** 2, bwd)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: ``l_n = |x_n - y_n|``."""
    reduction = _check_reduction(reduction, size_average, reduce)
    _size_warning(input, target)
    if weight is not None:
        return _reduce_tensor(weight * (input - target).abs(), reduction)

    def bwd(g, x, t):
        d = g * np.sign(x - t)
        return d, -d

    return _pointwise_loss("L1LossBackward0", input, target, reduction,
                           lambda x, t: np.abs(x - t), bwd)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = x - y``)."""
    reduction = _check_reduction(reduction, size_average, reduce)
    _size_warning(input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)

    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(x.dtype, copy=False)

    def bwd(g, x, t):
        d = x - t
        r = g * np.where(np.abs(d) < beta, d / beta, np.sign(d)).astype(x.dtype, copy=False)
        return r, -r

    return _pointwise_loss("SmoothL1LossBackward0", input, target, reduction, fwd, bwd)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    reduction = _check_reduction(reduction)
    _size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(x.dtype, copy=False)

    def bwd(g, x, t):
        d = x - t
        r = g * np.clip(d, -delta, delta).astype(x.dtype, copy=False)
        return r, -r

    if weight is not None:
        l = _pointwise_loss("HuberLossBackward0", input, target, "none", fwd, bwd)
        return _reduce_tensor(l * weight, reduction)
    return _pointwise_loss("HuberLossBackward0", input, target, reduction, fwd, bwd)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)]``, logs clamped at -100."""
    reduction = _check_reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    t = target._data
    if t.size and (t.min() < 0 or t.max() > 1):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if weight is not None:
        ws = weight._data.shape
        try:
            np.broadcast_shapes(ws, x.shape)
        except ValueError:
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {ws[-1]} at -1! Mismatching "
                f"argument at index 1 had {weight.shape}; but expected shape should be "
                f"broadcastable to {list(x.shape)}") from None

    def logs(x):
        with np.errstate(divide="ignore"):
            return np.maximum(np.log(x), -100.0), np.maximum(np.log1p(-x), -100.0)

    def fwd(x, t, *w):
        lx, l1x = logs(x)
        l = -(t * lx + (1.0 - t) * l1x)
        return (l * w[0]) if w else l

    def bwd(g, x, t, *w):
        gw = g * w[0] if w else g
        gx = gw * (x - t) / np.maximum((1.0 - x) * x, 1e-12)
        lx, l1x = logs(x)
        return gx.astype(x.dtype, copy=False), gw * (l1x - lx)

    extra = (weight,) if weight is not None else ()
    return _pointwise_loss("BinaryCrossEntropyBackward0", input, target, reduction, fwd, bwd, extra)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(x), y)``, computed stably from the logits ``x``.

    ``l_n = -w_n [p y_n log s(x_n) + (1 - y_n) log(1 - s(x_n))]`` with ``p = pos_weight``
    (broadcast along the last, class, dim).

    Example:
        >>> import numtorch
        >>> round(binary_cross_entropy_with_logits(numtorch.zeros(2), numtorch.ones(2)).item(), 4)
        0.6931
    """
    reduction = _check_reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")

    def fwd(x, t, *ex):
        sp = _softplus(-x)  # log(1 + exp(-x)) = -log sigmoid(x)
        lw = (ex[-1] - 1.0) * t + 1.0 if pos_weight is not None else 1.0
        l = (1.0 - t) * x + lw * sp
        if weight is not None:
            l = l * ex[0]
        return l.astype(x.dtype, copy=False)

    def bwd(g, x, t, *ex):
        gw = g * ex[0] if weight is not None else g
        sp = _softplus(-x)
        if pos_weight is not None:
            pw = ex[-1]
            lw = (pw - 1.0) * t + 1.0
            gx = gw * ((1.0 - t) - lw * _sigmoid(-x))
            gt = gw * (-x + (pw - 1.0) * sp)
        else:
            gx = gw * (_sigmoid(x) - t)
            gt = gw * -x
        return gx, gt

    extra = tuple(e for e in (weight, pos_weight) if e is not None)
    return _pointwise_loss("BinaryCrossEntropyWithLogitsBackward0", input, target, reduction,
                           fwd, bwd, extra)


# ---- losses: composed ---------------------------------------------------------------------

def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with log-probabilities ``x``: ``l = y (log y - x)`` (or ``exp(y)(y - x)``).

    ``reduction='batchmean'`` divides the sum by the batch size, as the maths defines it.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support "
                "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                "major release.", stacklevel=2)
        if reduction not in _REDUCTIONS + ("batchmean",):
            raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        l = target.exp() * (target - input)
    elif target._requires_grad:
        l = target * target.log() - target * input
    else:
        t = target._data
        with np.errstate(divide="ignore", invalid="ignore"):
            tlogt = np.where(t == 0, 0.0, t * np.log(t)).astype(t.dtype, copy=False)
        l = _wrap(tlogt) - target * input
    if reduction == "batchmean":
        s = l.sum()
        return s / input.shape[0] if input.dim() != 0 else s
    return _reduce_tensor(l, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood: ``exp(x) - y x`` (``log_input``) or ``x - y log(x + eps)``.

    ``full`` adds Stirling's approximation ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        l = input.exp() - target * input
    else:
        l = input - target * (input + eps).log()
    if full:
        mask = _wrap(target._data <= 1)
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        l = l + stirling.masked_fill(mask, 0.0)
    return _reduce_tensor(l, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1``; ``max(0, cos(x1, x2) - margin)`` where ``y = -1``."""
    reduction = _check_reduction(reduction, size_average, reduce)
    td = target._data.ndim
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    s1, s2 = list(input1.shape), list(input2.shape)
    if td == 1 and (len(s1) != 2 or len(s2) != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{s1} and {s2}.")
    if td == 0 and (len(s1) != 1 or len(s2) != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{s1} and {s2}.")
    _broadcast_shape(tuple(target.shape), tuple(s1[:td]))
    prod = (input1 * input2).sum(td)
    m1 = (input1 * input1).sum(td) + 1e-12
    m2 = (input2 * input2).sum(td) + 1e-12
    cos = prod / (m1 * m2).sqrt()
    zeros = cos * 0.0
    pos = (1 - cos).where(target == 1, zeros)
    neg = (cos - margin).clamp_min(0.0).where(target == -1, zeros)
    return _reduce_tensor(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``."""
    reduction = _check_reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    _broadcast_shape(_broadcast_shape(tuple(target.shape), tuple(input1.shape)),
                     tuple(input2.shape))
    return _reduce_tensor((-target * (input1 - input2) + margin).clamp_min(0.0), reduction)


# ---- utilities ----------------------------------------------------------------------------

def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*) -> (*, num_classes)`` int64 tensor with a 1 at each index.

    ``num_classes=-1`` takes one more than the largest index.

    Example:
        >>> import numtorch
        >>> one_hot(numtorch.tensor([0, 2]), 3).tolist()
        [[1, 0, 0], [0, 0, 1]]
    """
    t = tensor._data
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size:
        if t.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if t.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return _wrap((t[..., None] == np.arange(num_classes)).astype(np.int64))


def _vector_norm(input: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """``(sum |x|^p)^(1/p)`` along ``dim``; the gradient is 0 where the norm is 0."""
    x = input._data
    ax = _wrap_dim(dim, x.ndim)
    a = np.abs(x)
    if p == 2:
        n = np.sqrt((x * x).sum(axis=ax, keepdims=True))
    elif p == 1:
        n = a.sum(axis=ax, keepdims=True)
    elif p == math.inf:
        n = a.max(axis=ax, keepdims=True)
    elif p == 0:
        n = (x != 0).sum(axis=ax, keepdims=True).astype(x.dtype)
    else:
        n = (a ** p).sum(axis=ax, keepdims=True) ** (1.0 / p)
    n = n.astype(x.dtype, copy=False)
    out = n if keepdim else n.squeeze(ax)

    def vjp(g, needs):
        gk = g if keepdim else np.expand_dims(g, ax)
        with np.errstate(invalid="ignore", divide="ignore"):
            if p == 2:
                r = np.where(n == 0, 0.0, x / n)
            elif p == 1:
                r = np.sign(x)
            elif p == math.inf:
                hit = (a == n)
                r = np.sign(x) * hit / hit.sum(axis=ax, keepdims=True)
            elif p == 0:
                r = np.zeros_like(x)
            else:
                r = np.where(n == 0, 0.0, x * a ** (p - 2) / n ** (p - 1))
        return ((gk * r).astype(x.dtype, copy=False),)

    return record(out, "LinalgVectorNormBackward0", vjp, (input,), (input,))


def _clamp_min_keep_grad(t: Tensor, eps: float) -> Tensor:
    """``max(t, eps)`` whose gradient passes straight through (PyTorch clamps under no_grad)."""
    return record(np.maximum(t._data, eps).astype(t._data.dtype, copy=False), "CloneBackward0",
                  lambda g, needs: (g,), (t,), NOSAVE)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``."""
    n = _vector_norm(input, p, dim, True).clamp_min(eps)
    return input / n


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    Each input is divided by its own norm first, which keeps the result within [-1, 1].
    """
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    if x1._data.dtype.kind != "f":
        x1 = x1.float()
    if x2._data.dtype.kind != "f":
        x2 = x2.float()
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = _clamp_min_keep_grad(_vector_norm(x1, 2, dim, True), eps)
    n2 = _clamp_min_keep_grad(_vector_norm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim."""
    _broadcast_shape(tuple(x1.shape), tuple(x2.shape))
    return _vector_norm(x1 - x2 + eps, p, -1, keepdim)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims with ``value``.

    ``pad = (left_last, right_last, left_second_last, right_second_last, ...)``.

    Example:
        >>> import numtorch
        >>> pad(numtorch.tensor([[1.0, 2.0]]), (1, 2)).tolist()
        [[0.0, 1.0, 2.0, 0.0, 0.0]]
    """
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        raise NotImplementedError(f"numtorch supports only mode='constant' padding, not {mode!r}")
    pad = tuple(int(v) for v in pad)
    x = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{x.ndim}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    new_shape = []
    for s, (lo, hi) in zip(x.shape, widths):
        n = s + lo + hi
        if n < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        new_shape.append(n)
    out = np.full(new_shape, 0 if value is None else value, dtype=x.dtype)
    src, dst = [], []
    for s, (lo, hi) in zip(x.shape, widths):
        src.append(slice(max(-lo, 0), s - max(-hi, 0)))
        dst.append(slice(max(lo, 0), max(lo, 0) + max(s - max(-lo, 0) - max(-hi, 0), 0)))
    src, dst = tuple(src), tuple(dst)
    out[dst] = x[src]

    def vjp(g, needs):
        gx = np.zeros(x.shape, g.dtype)
        gx[src] = g[dst]
        return (gx,)

    return record(out, "ConstantPadNdBackward0", vjp, (input,), NOSAVE)
