"""save/load inside numtorch: checkpoints of models and optimizers round-trip."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import numtorch


def test_round_trip_state_dicts_and_tensors(tmp_path):
    numtorch.manual_seed(0)
    model = numtorch.nn.Sequential(
        numtorch.nn.Linear(3, 4), numtorch.nn.Tanh(), numtorch.nn.Linear(4, 2)
    )
    opt = numtorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(numtorch.randn(5, 3)).sum().backward()
    opt.step()
    ckpt = {
        "model": model.state_dict(),
        "optim": opt.state_dict(),
        "epoch": 3,
        "x": numtorch.arange(4, dtype=numtorch.int32),
        "dtype": numtorch.float64,
        "p": model[0].weight,
    }
    path = tmp_path / "ckpt.pt"
    numtorch.save(ckpt, path)
    back = numtorch.load(path)
    assert back["epoch"] == 3 and back["dtype"] is numtorch.float64
    assert back["x"].dtype is numtorch.int32 and back["x"].tolist() == [0, 1, 2, 3]
    assert isinstance(back["p"], numtorch.nn.Parameter) and back["p"].requires_grad
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
    twin = numtorch.nn.Sequential(
        numtorch.nn.Linear(3, 4), numtorch.nn.Tanh(), numtorch.nn.Linear(4, 2)
    )
    twin.load_state_dict(back["model"])
    opt2 = numtorch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(back["optim"])
    assert opt2.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


def test_weights_only_refuses_arbitrary_globals(tmp_path):
    path = tmp_path / "evil.pt"
    numtorch.save({"f": os.getcwd}, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        numtorch.load(path)
    assert numtorch.load(path, weights_only=False)["f"] is os.getcwd


def test_file_objects(tmp_path):
    import io

    buf = io.BytesIO()
    numtorch.save(numtorch.ones(2), buf)
    buf.seek(0)
    assert numtorch.load(buf).tolist() == [1.0, 1.0]
