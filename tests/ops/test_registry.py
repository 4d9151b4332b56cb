"""The op registry (numtorch/_ops/registry.py): every name it gives numtorch, Tensor and the
in-place forms is PyTorch's, aliases are the op itself, and every op module registers its ops
explicitly in ``__all__``."""

from __future__ import annotations

import inspect

import pytest

import numtorch
from numtorch._ops import registry

torch = pytest.importorskip("torch")


def test_every_namespace_function_is_pytorchs():
    assert [n for n in registry.FUNCTIONS if not hasattr(torch, n)] == []
    assert all(getattr(numtorch, n) is f for n, f in registry.FUNCTIONS.items())


def test_every_method_is_pytorchs():
    methods = [n for n in registry.OPS if n not in registry.FUNCTION_ONLY]
    assert [n for n in methods if not hasattr(torch.Tensor, n)] == []
    assert all(hasattr(numtorch.Tensor, n) for n in methods)


def test_function_only_names_are_not_methods_in_pytorch_either():
    for n in registry.FUNCTION_ONLY - {"linear"}:
        assert hasattr(torch, n), n
        assert not hasattr(torch.Tensor, n) or n in {"where", "isclose"}, n


def test_method_only_names_are_not_in_pytorchs_namespace():
    for n in registry.METHOD_ONLY:
        assert not hasattr(torch, n), n
        assert not hasattr(numtorch, n), n


@pytest.mark.parametrize("name", registry.INPLACE)
def test_inplace_forms_are_pytorchs(name):
    assert hasattr(torch.Tensor, name + "_")
    assert getattr(numtorch.Tensor, name + "_").__name__ == name + "_"


@pytest.mark.parametrize("alias,name", sorted(registry.ALIASES.items()))
def test_an_alias_is_the_op_itself(alias, name):
    assert registry.OPS[alias] is registry.OPS[name]
    assert getattr(numtorch, alias) is getattr(numtorch, name)
    assert hasattr(torch, alias)


@pytest.mark.parametrize("mod", registry.MODULES, ids=lambda m: m.__name__)
def test_op_modules_register_every_public_function(mod):
    """A public function defined in an op module is in its ``__all__`` (nothing found by
    introspection, nothing forgotten)."""
    defined = {n for n, v in vars(mod).items()
               if inspect.isfunction(v) and v.__module__ == mod.__name__ and not n.startswith("_")}
    exempt = {"cast", "dims", "rpow", "getitem"} | set(registry.OTHER_METHODS)
    if mod.__name__.endswith(".special"):  # the rest are numtorch.special's, registered there
        import numtorch.special
        exempt |= set(numtorch.special.__all__)
    assert defined - set(mod.__all__) - exempt == set()
    assert set(mod.__all__) <= set(vars(mod))


def test_operators_call_the_registered_ops():
    a = numtorch.tensor([6.0, 7.0])
    for k, (op, iop) in registry.DUNDERS.items():
        assert hasattr(numtorch.Tensor, f"__{k}__") and hasattr(numtorch.Tensor, f"__i{k}__")
        assert op in registry.OPS and hasattr(numtorch.Tensor, iop)
    assert (a / 2).tolist() == [3.0, 3.5]
    assert (12 / a).tolist() == (12 / torch.tensor([6.0, 7.0])).tolist()  # reciprocal, then times


# nn ops PyTorch also puts in its namespace: the same values and gradients as PyTorch's
NN_IN_NAMESPACE = [
    ("selu", lambda L, x: L.selu(x)),
    ("celu", lambda L, x: L.celu(x, 0.7)),
    ("threshold", lambda L, x: L.threshold(x, 0.1, -2.0)),
    ("prelu", lambda L, x: L.prelu(x, L.tensor([0.25]))),
    ("prelu_method", lambda L, x: x.prelu(L.tensor([0.3]))),
    ("bilinear", lambda L, x: L.bilinear(x, x, L.ones(2, 4, 4) * 0.5, L.tensor([1.0, -1.0]))),
    ("relu_", lambda L, x: L.relu_(x * 1)),
]


@pytest.mark.parametrize("name,fn", NN_IN_NAMESPACE, ids=[c[0] for c in NN_IN_NAMESPACE])
def test_nn_ops_in_the_namespace_match_pytorch(name, fn):
    import numpy as np
    a = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    out = []
    for L in (torch, numtorch):
        x = L.tensor(a, requires_grad=True)
        y = fn(L, x)
        y.backward(L.ones(tuple(y.shape)))
        out.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-5, atol=1e-6)
