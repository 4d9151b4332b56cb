"""nn.functional: the maths behind every layer and loss, as plain functions.

Modules hold state (weights, flags); the functions here hold the maths, so
``nn.Linear(3, 2)(x)`` is ``F.linear(x, layer.weight, layer.bias)``.  The package is one
namespace, as ``torch.nn.functional`` is; its files each hold one concept:

=====================  ==================================================================
``_linear``            ``linear``, ``bilinear``
``_activation``        ``relu``, ``gelu``, ``silu``, the ELU family, hard variants, ``prelu``
``_softmax``           ``softmax``, ``log_softmax``, ``softmin``
``_dropout``           ``dropout``, ``dropout1d/2d/3d``, ``alpha_dropout`` and its feature form
``_normalization``     ``layer_norm``, ``batch_norm``, ``group_norm``, ``instance_norm``,
                       ``local_response_norm``
``_conv``              ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``
``_pooling``           max, average, adaptive, LP pooling and max-unpooling, 1-3 dims
``_attention``         ``scaled_dot_product_attention``, ``multi_head_attention_forward``
``_sparse``            ``embedding``, ``embedding_bag``, ``one_hot``
``_rms_norm``          ``rms_norm``
``_glu``               ``glu``
``_loss_nll``          ``nll_loss``, ``cross_entropy``
``_loss_pointwise``    MSE, L1, smooth L1, Huber, the binary cross-entropies
``_loss_composed``     ``kl_div``, ``poisson_nll_loss``, cosine-embedding, margin-ranking
``_distance``          ``normalize``, ``cosine_similarity``, ``pairwise_distance``
``_padding``           ``pad`` (constant, reflect, replicate, circular)
``_upsampling``        ``interpolate`` and the deprecated ``upsample*`` spellings
``_vision``            ``pixel_shuffle``/``unshuffle``, ``channel_shuffle``, ``grid_sample``,
                       ``affine_grid``
``_fold``              ``unfold``, ``fold``
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
from ._attention import (  # noqa: F401  (PyTorch's private helpers, used by attention code)
    _canonical_mask,
    _in_projection,
    _in_projection_packed,
    _mha_shape_check,
    _none_or_dtype,
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from ._conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from ._distance import cosine_similarity, normalize, pairwise_distance
from ._dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from ._fold import fold, unfold
from ._glu import glu
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
from ._normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
)
from ._padding import pad
from ._pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from ._reduction import _legacy_reduction  # noqa: F401  (used by the loss modules)
from ._rms_norm import rms_norm
from ._softmax import log_softmax, softmax, softmin
from ._sparse import embedding, embedding_bag, one_hot
from ._upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest
from ._vision import (
    affine_grid,
    channel_shuffle,
    grid_sample,
    pixel_shuffle,
    pixel_unshuffle,
)

__all__ = [
    # linear and embedding
    "linear", "bilinear", "embedding", "embedding_bag",
    # activations
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu",
    "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_", "hardsigmoid",
    "hardswish", "softplus", "softsign", "tanhshrink", "threshold", "threshold_", "prelu",
    "logsigmoid", "softmax", "log_softmax", "softmin", "glu",
    # attention
    "scaled_dot_product_attention", "multi_head_attention_forward",
    # convolution
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    # pooling
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
    "max_unpool2d", "max_unpool3d",
    # dropout and normalisation
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    "layer_norm", "batch_norm", "group_norm", "instance_norm", "local_response_norm", "rms_norm",
    # losses
    "nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
    "cosine_embedding_loss", "margin_ranking_loss",
    # utilities
    "one_hot", "normalize", "pad", "cosine_similarity", "pairwise_distance",
    # vision
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "interpolate", "upsample",
    "upsample_nearest", "upsample_bilinear", "unfold", "fold",
    "grid_sample", "affine_grid",
]
