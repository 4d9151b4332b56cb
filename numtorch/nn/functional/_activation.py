"""Activation functions as ``nn.functional`` spells them: each one call into the op layer.

The kernels and their derivatives are in ``numtorch/_ops/activation.py`` (``tanh``, ``sigmoid``
and ``relu`` in ``numtorch/_ops/elementwise.py``: ``F.tanh`` is ``numtorch.tanh``).  A function
here only chooses the op or, with ``inplace=True``, its in-place form.

Example:
    >>> import numtorch
    >>> leaky_relu(numtorch.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
"""

from __future__ import annotations

from numtorch._ops import activation as A
from numtorch._ops import elementwise as E
from numtorch._tensor import Tensor

gelu = A.gelu
softplus = A.softplus
softsign = A.softsign
tanhshrink = A.tanhshrink
logsigmoid = A.logsigmoid
prelu = A.prelu
hardtanh_ = A.hardtanh_
leaky_relu_ = A.leaky_relu_
elu_ = A.elu_
selu_ = A.selu_
celu_ = A.celu_
threshold_ = A.threshold_


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``: ``numtorch.sigmoid``.  Integer inputs give the default float dtype."""
    return E.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """``tanh(x)``: ``numtorch.tanh``.  Integer inputs give the default float dtype."""
    return E.tanh(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)``; its gradient passes where the output is positive."""
    return input.relu_() if inplace else E.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return input.relu_()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clip(x, min_val, max_val)``; gradient 1 strictly inside the interval, else 0."""
    return (A.hardtanh_ if inplace else A.hardtanh)(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)``."""
    return (A.hardtanh_ if inplace else A.hardtanh)(input, 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""
    return (A.leaky_relu_ if inplace else A.leaky_relu)(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return (A.elu_ if inplace else A.elu)(input, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return (A.selu_ if inplace else A.selu)(input)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return (A.celu_ if inplace else A.celu)(input, alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    return (A.silu_ if inplace else A.silu)(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return (A.mish_ if inplace else A.mish)(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return (A.hardsigmoid_ if inplace else A.hardsigmoid)(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return (A.hardswish_ if inplace else A.hardswish)(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    return (A.threshold_ if inplace else A.threshold)(input, threshold, value)
