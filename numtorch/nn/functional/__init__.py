"""nn.functional: the maths behind every layer and loss, as plain functions.

Modules hold state (weights, flags); the functions here hold the maths, so
``nn.Linear(3, 2)(x)`` is ``F.linear(x, layer.weight, layer.bias)``.  The package is one
namespace, as ``torch.nn.functional`` is; its files each hold one concept:

=====================  ==================================================================
``_linear``            ``linear``, ``bilinear``
``_activation``        ``relu``, ``gelu``, ``silu``, the ELU family, hard variants, ``prelu``
``_softmax``           ``softmax``, ``log_softmax``, ``softmin``
``_dropout``           ``dropout``, ``dropout1d``
``_normalization``     ``layer_norm``, ``batch_norm``
``_sparse``            ``embedding``, ``one_hot``
``_loss_nll``          ``nll_loss``, ``cross_entropy``
``_loss_pointwise``    MSE, L1, smooth L1, Huber, the binary cross-entropies
``_loss_composed``     ``kl_div``, ``poisson_nll_loss``, cosine-embedding, margin-ranking
``_distance``          ``normalize``, ``cosine_similarity``, ``pairwise_distance``
``_padding``           ``pad``
``_elementwise``       the helpers every activation is built with
``_reduction``         ``'none'`` / ``'mean'`` / ``'sum'`` and the legacy flags
=====================  ==================================================================

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

import math  # noqa: F401  (torch.nn.functional exposes math, warnings, np and Tensor too)
import warnings  # noqa: F401

import numpy as np  # noqa: F401

from numtorch._tensor import Tensor  # noqa: F401

from ._activation import (
    celu,
    celu_,
    elu,
    elu_,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    relu_,
    selu,
    selu_,
    sigmoid,
    silu,
    softplus,
    softsign,
    tanh,
    tanhshrink,
    threshold,
    threshold_,
)
from ._distance import cosine_similarity, normalize, pairwise_distance
from ._dropout import dropout, dropout1d
from ._linear import bilinear, linear
from ._loss_composed import cosine_embedding_loss, kl_div, margin_ranking_loss, poisson_nll_loss
from ._loss_nll import cross_entropy, nll_loss
from ._loss_pointwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from ._normalization import batch_norm, layer_norm
from ._padding import pad
from ._reduction import _legacy_reduction  # noqa: F401  (used by the loss modules)
from ._softmax import log_softmax, softmax, softmin
from ._sparse import embedding, one_hot

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
