"""``numtorch.cli.models``: the same network, with the same weights, on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch
from numtorch.cli.errors import CLIError
from numtorch.cli.models import build_model, format_parameter_table, parameter_table

torch = pytest.importorskip("torch")

MODELS = [  # (model_cfg, input_shape, expected layer names)
    ({"kind": "mlp", "hidden": [64], "activation": "tanh"}, (1, 8, 8),
     ["Flatten", "Linear", "Tanh", "Linear", "LogSoftmax"]),
    ({"kind": "mlp", "hidden": [16, 8], "activation": "relu"}, (13,),
     ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear", "LogSoftmax"]),
    ({"kind": "mlp", "hidden": [], "activation": "gelu"}, (5,),
     ["Flatten", "Linear", "LogSoftmax"]),
    ({"kind": "cnn", "hidden": [32], "activation": "relu", "channels": [4, 8]}, (1, 8, 8),
     ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear",
      "ReLU", "Linear", "LogSoftmax"]),
    ({"kind": "cnn", "hidden": [], "activation": "elu", "channels": [3, 3]}, (3, 3, 2),
     ["Conv2d", "ELU", "MaxPool2d", "Conv2d", "ELU", "Flatten", "Linear", "LogSoftmax"]),
]


@pytest.mark.parametrize("cfg, shape, layers", MODELS)
def test_both_backends_build_the_same_network_with_the_same_weights(cfg, shape, layers):
    numtorch.manual_seed(3)
    ours = build_model(numtorch, cfg, shape, 10)
    torch.manual_seed(3)
    theirs = build_model(torch, cfg, shape, 10)
    assert [type(m).__name__ for m in ours] == layers
    assert [type(m).__name__ for m in theirs] == layers
    assert parameter_table(ours) == [(n, tuple(p.shape), p.numel())
                                     for n, p in theirs.named_parameters()]
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)   # same draws
    x = np.random.default_rng(0).standard_normal((4, *shape)).astype(np.float32)
    out = ours(numtorch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(out, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.exp(out).sum(axis=1), 1.0, rtol=1e-5)     # log-probabilities


def test_the_parameter_table_lists_each_tensor_and_the_total():
    numtorch.manual_seed(0)
    model = build_model(numtorch, {"kind": "mlp", "hidden": [64], "activation": "tanh"},
                        (1, 8, 8), 10)
    text = format_parameter_table(model).splitlines()
    assert text[0] == "parameters (weights):"
    assert text[1].split() == ["1.weight", "Linear", "64x64", "4,096"]
    assert text[-1].split() == ["total", f"{64 * 64 + 64 + 64 * 10 + 10:,}"]


@pytest.mark.parametrize("cfg, shape, words", [
    ({"kind": "cnn", "hidden": [], "activation": "relu"}, (13,), "image data"),
    ({"kind": "rnn", "hidden": [], "activation": "relu"}, (13,), "unknown model"),
    ({"kind": "mlp", "hidden": [], "activation": "swish"}, (13,), "unknown activation"),
])
def test_what_cannot_be_built_is_a_cli_error(cfg, shape, words):
    with pytest.raises(CLIError, match=words):
        build_model(numtorch, cfg, shape, 3)
