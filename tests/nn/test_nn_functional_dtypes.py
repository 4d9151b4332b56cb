"""nn.functional's dtype rules against PyTorch: which ops promote integers, which refuse them.

Most nn kernels exist only for floating point: PyTorch raises ``NotImplementedError`` naming
the kernel (``"elu_cpu" not implemented for 'Long'``), or a ``RuntimeError`` for mixed or
integral dtypes.  A few ops (``sigmoid``, ``tanh``, ``softsign``, the losses with one float
argument) promote integers to a float dtype instead.  Every row runs once with torch and once
with numtorch; errors must match in type and message, results in value and dtype.
"""

from __future__ import annotations

import pytest
from conftest import assert_close, assert_same_error

import numtorch
import numtorch.nn.functional as NF

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402


def Ones(lib, *shape, dtype="long"):
    """An integer (or bool, ...) tensor of ones."""
    return lib.ones(*shape, dtype=getattr(lib, dtype))


def R(lib, *shape, dtype="float32"):
    """A float tensor of halves."""
    return lib.full(shape, 0.5, dtype=getattr(lib, dtype))


# (id, fn(lib, F)) raising the same error in both libraries
ERRORS = [
    # activations with no integer kernel
    ("relu_bool", lambda L, F: F.relu(Ones(L, 3, dtype="bool"))),
    ("relu__bool", lambda L, F: F.relu_(Ones(L, 3, dtype="bool"))),
    ("hardtanh_bool", lambda L, F: F.hardtanh(Ones(L, 3, dtype="bool"))),
    ("relu6_bool", lambda L, F: F.relu6(Ones(L, 3, dtype="bool"))),
    ("hardtanh_uint8_negative", lambda L, F: F.hardtanh(Ones(L, 3, dtype="uint8"))),
    ("leaky_relu_long", lambda L, F: F.leaky_relu(Ones(L, 3))),
    ("elu_long", lambda L, F: F.elu(Ones(L, 3))),
    ("elu__long", lambda L, F: F.elu_(Ones(L, 3))),
    ("selu_int", lambda L, F: F.selu(Ones(L, 3, dtype="int32"))),
    ("celu_uint8", lambda L, F: F.celu(Ones(L, 3, dtype="uint8"))),
    ("gelu_long", lambda L, F: F.gelu(Ones(L, 3))),
    ("gelu_tanh_bool", lambda L, F: F.gelu(Ones(L, 3, dtype="bool"), approximate="tanh")),
    ("silu_long", lambda L, F: F.silu(Ones(L, 3))),
    ("mish_long", lambda L, F: F.mish(Ones(L, 3))),
    ("hardsigmoid_long", lambda L, F: F.hardsigmoid(Ones(L, 3))),
    ("hardswish_long", lambda L, F: F.hardswish(Ones(L, 3))),
    ("softplus_long", lambda L, F: F.softplus(Ones(L, 3))),
    ("logsigmoid_long", lambda L, F: F.logsigmoid(Ones(L, 3))),
    ("softsign_bool", lambda L, F: F.softsign(Ones(L, 3, dtype="bool"))),
    ("tanhshrink_bool", lambda L, F: F.tanhshrink(Ones(L, 3, dtype="bool"))),
    ("threshold_bool", lambda L, F: F.threshold(Ones(L, 3, dtype="bool"), 0, 1)),
    ("prelu_mixed", lambda L, F: F.prelu(R(L, 3, dtype="float64"), R(L, 1))),
    ("prelu_long", lambda L, F: F.prelu(Ones(L, 3), Ones(L, 1))),
    # softmax family: the kernel's name depends on whether dim is the last one
    ("softmax_long_lastdim", lambda L, F: F.softmax(Ones(L, 2, 3), 1)),
    ("softmax_long_dim0", lambda L, F: F.softmax(Ones(L, 2, 3), 0)),
    ("softmax_long_0d", lambda L, F: F.softmax(L.tensor(1), 0)),
    ("log_softmax_int", lambda L, F: F.log_softmax(Ones(L, 4, dtype="int32"), 0)),
    ("softmin_long", lambda L, F: F.softmin(Ones(L, 2, 3), 0)),
    ("softmin_bool", lambda L, F: F.softmin(Ones(L, 3, dtype="bool"), 0)),
    ("softmax_dtype_long", lambda L, F: F.softmax(R(L, 3), 0, dtype=L.long)),
    ("cross_entropy_long_input", lambda L, F: F.cross_entropy(Ones(L, 2, 3), Ones(L, 2))),
    ("cross_entropy_long_input_kd", lambda L, F: F.cross_entropy(Ones(L, 2, 3, 2), Ones(L, 2, 2))),
    # normalisation, dropout, linear layers
    ("layer_norm_long", lambda L, F: F.layer_norm(Ones(L, 2, 3), (3,))),
    ("batch_norm_long", lambda L, F: F.batch_norm(Ones(L, 2, 3), None, None, training=True)),
    ("batch_norm_long_eval", lambda L, F: F.batch_norm(Ones(L, 2, 3), R(L, 3), R(L, 3))),
    ("batch_norm_eval_no_mean", lambda L, F: F.batch_norm(R(L, 2, 3), None, None)),
    ("batch_norm_eval_no_var", lambda L, F: F.batch_norm(R(L, 2, 3), R(L, 3), None)),
    ("layer_norm_double_input_float_weight",
     lambda L, F: F.layer_norm(R(L, 2, 3, dtype="float64"), (3,), R(L, 3))),
    ("layer_norm_float_input_double_weight",
     lambda L, F: F.layer_norm(R(L, 2, 3), (3,), R(L, 3, dtype="float64"))),
    ("layer_norm_bias_dtype", lambda L, F: F.layer_norm(R(L, 2, 3), (3,), R(L, 3),
                                                        R(L, 3, dtype="float64"))),
    (
        "layer_norm_half_mixed_double_bias",
        lambda L, F: F.layer_norm(
            R(L, 2, 3, dtype="float16"), (3,), R(L, 3), R(L, 3, dtype="float64")
        ),
    ),
    ("layer_norm_half_then_float", lambda L, F: F.layer_norm(R(L, 2, 3, dtype="float16"), (3,),
                                                             R(L, 3, dtype="float16"), R(L, 3))),
    ("layer_norm_long_float_weight_bad_shape",
     lambda L, F: F.layer_norm(Ones(L, 2, 3), (4,), R(L, 3))),
    ("batch_norm_double_input_float_weight",
     lambda L, F: F.batch_norm(R(L, 2, 3, dtype="float64"), None, None, R(L, 3), training=True)),
    ("batch_norm_double_running_stats",
     lambda L, F: F.batch_norm(R(L, 2, 3), R(L, 3, dtype="float64"), R(L, 3, dtype="float64"),
                               training=True)),
    ("batch_norm_double_running_var",
     lambda L, F: F.batch_norm(R(L, 2, 3), R(L, 3), R(L, 3, dtype="float64"))),
    ("batch_norm_bias_dtype",
     lambda L, F: F.batch_norm(R(L, 2, 3), R(L, 3), R(L, 3), R(L, 3), R(L, 3, dtype="float64"),
                               training=True)),
    ("batch_norm_half_weight_float_stats",
     lambda L, F: F.batch_norm(R(L, 2, 3, dtype="float16"), R(L, 3), R(L, 3),
                               R(L, 3, dtype="float16"), training=True)),
    ("layer_norm_module_double_input",
     lambda L, F: L.nn.LayerNorm(3)(R(L, 2, 3, dtype="float64"))),
    ("batch_norm_module_double_input",
     lambda L, F: L.nn.BatchNorm1d(3)(R(L, 2, 3, dtype="float64"))),
    ("dropout_long", lambda L, F: F.dropout(Ones(L, 3))),
    ("dropout_bool", lambda L, F: F.dropout(Ones(L, 3, dtype="bool"), 0.3)),
    ("dropout1d_long", lambda L, F: F.dropout1d(Ones(L, 2, 3))),
    ("linear_0d", lambda L, F: F.linear(L.tensor(1.0), R(L, 2, 1))),
    ("linear_0d_weight", lambda L, F: F.linear(R(L, 2, 3), L.tensor(1.0))),
    ("linear_dtype_with_bias", lambda L, F: F.linear(R(L, 2, 3, dtype="float64"), R(L, 4, 3),
                                                     R(L, 4))),
    ("linear_dtype_1d_with_bias", lambda L, F: F.linear(R(L, 3), R(L, 4, 3, dtype="float64"),
                                                        R(L, 4, dtype="float64"))),
    ("linear_bias_dtype", lambda L, F: F.linear(R(L, 2, 3), R(L, 4, 3), R(L, 4, dtype="float64"))),
    ("linear_dtype_3d", lambda L, F: F.linear(R(L, 2, 2, 3, dtype="float64"), R(L, 4, 3))),
    ("bilinear_mixed", lambda L, F: F.bilinear(R(L, 1, 2), R(L, 1, 2, dtype="float64"),
                                               R(L, 1, 2, 2))),
    ("bilinear_bias_mixed", lambda L, F: F.bilinear(R(L, 1, 2), R(L, 1, 2), R(L, 1, 2, 2),
                                                    R(L, 1, dtype="float64"))),
    ("embedding_1d_weight", lambda L, F: F.embedding(L.tensor([0]), R(L, 3))),
    ("embedding_3d_weight", lambda L, F: F.embedding(L.tensor([0]), R(L, 3, 2, 2))),
    # losses
    ("nll_long_input", lambda L, F: F.nll_loss(Ones(L, 2, 3), Ones(L, 2))),
    ("nll_long_input_kd", lambda L, F: F.nll_loss(Ones(L, 2, 3, 2), Ones(L, 2, 2))),
    ("nll_weight_size_before_dtype", lambda L, F: F.nll_loss(R(L, 2, 3), Ones(L, 2),
                                                             weight=R(L, 2, dtype="float64"))),
    ("mse_long", lambda L, F: F.mse_loss(Ones(L, 3), Ones(L, 3))),
    ("mse_long_none", lambda L, F: F.mse_loss(Ones(L, 3), Ones(L, 3), reduction="none")),
    ("mse_bool", lambda L, F: F.mse_loss(Ones(L, 3, dtype="bool"), Ones(L, 3, dtype="bool"))),
    ("l1_long_mean", lambda L, F: F.l1_loss(Ones(L, 3), Ones(L, 3))),
    ("smooth_l1_long", lambda L, F: F.smooth_l1_loss(Ones(L, 3), Ones(L, 3))),
    ("huber_long", lambda L, F: F.huber_loss(Ones(L, 3), Ones(L, 3))),
    ("bce_long_target", lambda L, F: F.binary_cross_entropy(R(L, 3), Ones(L, 3))),
    ("bce_double_target", lambda L, F: F.binary_cross_entropy(R(L, 3), R(L, 3, dtype="float64"))),
    ("bce_long_input", lambda L, F: F.binary_cross_entropy(Ones(L, 3), R(L, 3))),
    ("bce_long_both", lambda L, F: F.binary_cross_entropy(Ones(L, 3), Ones(L, 3))),
    ("bce_logits_long_target",
     lambda L, F: F.binary_cross_entropy_with_logits(R(L, 3), Ones(L, 3))),
    ("bce_logits_long_input", lambda L, F: F.binary_cross_entropy_with_logits(Ones(L, 3), R(L, 3))),
    ("kl_div_long_target", lambda L, F: F.kl_div(R(L, 3), Ones(L, 3), reduction="sum")),
    ("kl_div_long_input", lambda L, F: F.kl_div(Ones(L, 3), R(L, 3), reduction="sum")),
    ("kl_div_long_log_target", lambda L, F: F.kl_div(R(L, 3), Ones(L, 3), reduction="sum",
                                                     log_target=True)),
    # distances
    ("normalize_long", lambda L, F: F.normalize(Ones(L, 2, 3))),
    ("normalize_long_p1", lambda L, F: F.normalize(Ones(L, 2, 3), p=1)),
    ("cosine_similarity_long", lambda L, F: F.cosine_similarity(Ones(L, 2, 3), Ones(L, 2, 3))),
    ("cosine_similarity_bool", lambda L, F: F.cosine_similarity(Ones(L, 3, dtype="bool"),
                                                                Ones(L, 3, dtype="bool"), dim=0)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(case):
    _, fn = case
    assert_same_error(lambda: fn(torch, TF), lambda: fn(numtorch, NF))


# (id, fn(lib, F)) whose result must match in value and dtype
PROMOTIONS = [
    ("sigmoid_long", lambda L, F: F.sigmoid(L.tensor([-2, 0, 3]))),
    ("sigmoid_bool", lambda L, F: F.sigmoid(L.tensor([True, False]))),
    ("tanh_int", lambda L, F: F.tanh(L.tensor([-2, 0, 3], dtype=L.int32))),
    ("tanh_uint8", lambda L, F: F.tanh(L.tensor([0, 3], dtype=L.uint8))),
    ("softsign_long", lambda L, F: F.softsign(L.tensor([-2, 0, 3]))),
    ("tanhshrink_long", lambda L, F: F.tanhshrink(L.tensor([-2, 0, 3]))),
    ("relu_long", lambda L, F: F.relu(L.tensor([-2, 0, 3]))),
    ("relu6_uint8", lambda L, F: F.relu6(L.tensor([0, 9], dtype=L.uint8))),
    ("hardtanh_long", lambda L, F: F.hardtanh(L.tensor([-3, 0, 3]))),
    ("hardtanh_uint8_positive", lambda L, F: F.hardtanh(L.tensor([0, 9], dtype=L.uint8), 0.0, 2.0)),
    ("threshold_long", lambda L, F: F.threshold(L.tensor([-3, 0, 3]), 0, 7)),
    ("dropout_long_eval", lambda L, F: F.dropout(L.tensor([1, 2]), training=False)),
    ("dropout_long_p1", lambda L, F: F.dropout(L.tensor([1, 2]), 1.0)),
    ("mse_long_float", lambda L, F: F.mse_loss(L.tensor([1, 2]), L.tensor([0.5, 0.25]))),
    ("mse_float_long", lambda L, F: F.mse_loss(L.tensor([0.5, 0.25]), L.tensor([1, 2]))),
    ("mse_half_double", lambda L, F: F.mse_loss(L.tensor([0.5, 0.25], dtype=L.float16),
                                                L.tensor([1.0, 2.0], dtype=L.float64))),
    ("l1_long_float", lambda L, F: F.l1_loss(L.tensor([1, 2]), L.tensor([0.5, 0.25]))),
    ("l1_long_sum", lambda L, F: F.l1_loss(L.tensor([1, 2]), L.tensor([3, 1]), reduction="sum")),
    ("l1_long_none", lambda L, F: F.l1_loss(L.tensor([1, 2]), L.tensor([3, 1]), reduction="none")),
    ("huber_float_long", lambda L, F: F.huber_loss(L.tensor([0.5, 3.0]), L.tensor([1, 0]))),
    ("bce_logits_double_target",
     lambda L, F: F.binary_cross_entropy_with_logits(L.tensor([0.5, -1.0]),
                                                     L.tensor([1.0, 0.0], dtype=L.float64))),
    ("cosine_similarity_long_double",
     lambda L, F: F.cosine_similarity(L.tensor([[1, 2, 3]]), L.tensor([[0.5, -1.0, 2.0]],
                                                                       dtype=L.float64))),
    ("cosine_similarity_float_double",
     lambda L, F: F.cosine_similarity(L.tensor([[1.0, 2.0]]), L.tensor([[0.5, -1.0]],
                                                                       dtype=L.float64))),
    ("layer_norm_half_input_float_params",
     lambda L, F: F.layer_norm(L.tensor([[0.5, 1.0, 4.0]], dtype=L.float16), (3,),
                               L.tensor([1.0, 2.0, 0.5]), L.tensor([0.0, 0.1, 0.2]))),
    ("batch_norm_half_input_float_stats",
     lambda L, F: F.batch_norm(L.tensor([[0.5, 1.0], [4.0, 2.0]], dtype=L.float16),
                               L.zeros(2), L.ones(2), training=True)),
    ("pairwise_distance_long", lambda L, F: F.pairwise_distance(L.tensor([[1, 2]]),
                                                                L.tensor([[4, 6]]))),
    ("poisson_nll_long", lambda L, F: F.poisson_nll_loss(L.tensor([1, 2]), L.tensor([0, 3]))),
]


@pytest.mark.parametrize("case", PROMOTIONS, ids=[c[0] for c in PROMOTIONS])
def test_promotions_match_torch(case):
    _, fn = case
    assert_close(fn(numtorch, NF), fn(torch, TF))
