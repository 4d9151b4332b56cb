"""nn.utils against PyTorch: gradient clipping and parameters <-> vector."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_close

import numtorch

torch = pytest.importorskip("torch")


def _params(lib, scale=1.0, with_none=True):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    ps = []
    for i, s in enumerate(shapes):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(np.float32)))
        p.grad = lib.tensor((rng.standard_normal(s) * scale * (i + 1)).astype(np.float32))
        ps.append(p)
    if with_none:
        ps.append(lib.nn.Parameter(lib.zeros(2)))  # no .grad: skipped
    return ps


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1), (2.0, math.inf),
                                                (0.7, 3.0), (1.0, "inf"), (0.5, -math.inf),
                                                (0.5, -1.5), (3.0, 0.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    nt = float(norm_type)
    tp, npar = _params(torch), _params(numtorch)
    tt = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=nt)
    tn = numtorch.nn.utils.clip_grad_norm_(npar, max_norm, norm_type=nt)
    assert_close(tn, tt)
    for a, b in zip(npar, tp):
        if b.grad is not None:
            assert_close(a.grad, b.grad)


def test_clip_grad_norm_single_tensor_and_generator():
    tp, npar = _params(torch), _params(numtorch)
    assert_close(numtorch.nn.utils.clip_grad_norm_(npar[0], 0.1),
                 torch.nn.utils.clip_grad_norm_(tp[0], 0.1))
    assert_close(numtorch.nn.utils.clip_grad_norm_(iter(npar), 0.1),
                 torch.nn.utils.clip_grad_norm_(iter(tp), 0.1))
    for a, b in zip(npar[:3], tp[:3]):
        assert_close(a.grad, b.grad)


def test_clip_grad_norm_no_grads_returns_zero():
    assert_close(numtorch.nn.utils.clip_grad_norm_([numtorch.zeros(2)], 1.0),
                 torch.nn.utils.clip_grad_norm_([torch.zeros(2)], 1.0))


def test_clip_grad_norm_nonfinite_error_matches_torch():
    msgs = []
    for lib in (torch, numtorch):
        p = lib.nn.Parameter(lib.zeros(2))
        p.grad = lib.tensor([float("inf"), 1.0])
        with pytest.raises(RuntimeError) as e:
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("clip", [0.3, 2.0])
def test_clip_grad_value_matches_torch(clip):
    tp, npar = _params(torch), _params(numtorch)
    assert torch.nn.utils.clip_grad_value_(tp, clip) is None
    assert numtorch.nn.utils.clip_grad_value_(npar, clip) is None
    for a, b in zip(npar[:3], tp[:3]):
        assert_close(a.grad, b.grad)


def test_parameters_to_vector_and_back():
    tp, npar = _params(torch), _params(numtorch)
    tv = torch.nn.utils.parameters_to_vector(tp)
    nv = numtorch.nn.utils.parameters_to_vector(npar)
    assert_close(nv, tv)
    (nv * numtorch.arange(nv.numel()).float()).sum().backward()
    (tv * torch.arange(tv.numel()).float()).sum().backward()
    for a, b in zip(npar, tp):
        assert_close(a.grad, b.grad)
    torch.nn.utils.vector_to_parameters(tv.detach() * 3, tp)
    numtorch.nn.utils.vector_to_parameters(nv.detach() * 3, npar)
    for a, b in zip(npar, tp):
        assert_close(a, b)
        assert a.requires_grad


def test_vector_to_parameters_type_error_matches_torch():
    msgs = []
    for lib in (torch, numtorch):
        with pytest.raises(TypeError) as e:
            lib.nn.utils.vector_to_parameters([lib.ones(2)], [lib.ones(2)])
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_total_norm_minus_inf_of_empty_raises_like_torch():
    msgs = []
    for lib in (torch, numtorch):
        with pytest.raises(RuntimeError) as exc:
            lib.nn.utils.get_total_norm([lib.ones(0)], -math.inf)
        msgs.append(str(exc.value))
    assert msgs[1] == msgs[0]
