"""Bad input gets PyTorch's error: same exception type and the same message, at the same call.

Each case runs the same mistake in torch and in numtorch (``L`` is either library).
"""

from __future__ import annotations

import numpy as np
import pytest

import numtorch

torch = pytest.importorskip("torch")


def twice(L):
    """Backward through a freed graph a second time."""
    x = L.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def version(L):
    """A saved input changed in place before backward."""
    x = L.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    z.sum().backward()


def version_exp(L):
    """A saved output changed in place before backward."""
    x = L.ones(3, requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def leaf_inplace(L):
    x = L.ones(3, requires_grad=True)
    x.add_(1)


def view_of_leaf_inplace(L):
    x = L.ones(3, requires_grad=True)
    x[0].mul_(2)


def saved_output_changed_through_view(L):
    """relu_ on a view saves its output; a later in-place change of the base invalidates it."""
    y = L.ones(2, 3, requires_grad=True) * 2
    y[:, 2].relu_()
    y.t()[1].add_(1)
    y.sum().backward()


def twice_retained(L):
    """retain_graph=True keeps the graph for a second pass, then a third without it frees it..."""
    x = L.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    y.backward()


CASES = [
    ("matmul", lambda L: L.ones(32, 784) @ L.ones(100, 10)),
    ("linear", lambda L: L.nn.functional.linear(L.ones(32, 784), L.ones(10, 100))),
    ("bcast", lambda L: L.ones(3) + L.ones(4)),
    ("bitwise_not float", lambda L: L.ones(3).bitwise_not()),
    ("bitwise_not double", lambda L: L.ones(3, dtype=L.float64).bitwise_not()),
    ("nograd backward", lambda L: L.ones(3).sum().backward()),
    ("nonscalar", lambda L: (L.ones(3, requires_grad=True) * 2).backward()),
    ("twice", twice),
    ("twice_retained", twice_retained),
    ("backward_too_few_grads",
     lambda L: L.autograd.backward([L.ones(2, requires_grad=True).sum()] * 2, [L.ones(())])),
    ("softmax_int", lambda L: L.softmax(L.tensor([1, 2]), 0)),
    ("flatten_0d", lambda L: L.tensor(3.0).flatten(1, -1)),
    ("view_of_leaf_inplace", view_of_leaf_inplace),
    ("saved_output_changed_through_view", saved_output_changed_through_view),
    ("version", version),
    ("version exp", version_exp),
    ("leaf inplace", leaf_inplace),
    ("numpy rg", lambda L: L.ones(3, requires_grad=True).numpy()),
    ("item", lambda L: L.ones(3).item()),
    ("dim", lambda L: L.ones(3, 4).sum(2)),
    ("dim2", lambda L: L.ones(3, 4).transpose(0, 5)),
    ("dtype mm", lambda L: L.ones(3, 4) @ L.ones(4, 2, dtype=L.float64)),
    ("requires int", lambda L: L.ones(3, dtype=L.long, requires_grad=True)),
    ("reshape", lambda L: L.ones(12).reshape(5, 3)),
    ("view noncontig", lambda L: L.ones(3, 4).t().view(12)),
    ("cat dims", lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)])),
    ("stack", lambda L: L.stack([L.ones(2, 3), L.ones(2, 4)])),
    ("index oob", lambda L: L.ones(3)[5]),
    ("index float", lambda L: L.ones(3)[L.tensor([1.0])]),
    ("gather oob", lambda L: L.ones(3, 2).gather(1, L.tensor([[5]]))),
    ("expand", lambda L: L.ones(3, 2).expand(4, 3)),
    ("squeeze", lambda L: L.ones(3, 2).squeeze(4)),
    ("bool sub", lambda L: L.ones(3, dtype=L.bool) - L.ones(3, dtype=L.bool)),
    ("bool neg", lambda L: -L.ones(3, dtype=L.bool)),
    ("inplace cast", lambda L: L.ones(3, dtype=L.long).add_(1.5)),
    ("inplace shape", lambda L: L.ones(3).add_(L.ones(2, 3))),
    ("mean int", lambda L: L.ones(3, dtype=L.long).mean()),
    (
        "grad unused",
        lambda L: L.autograd.grad(
            (L.ones(3, requires_grad=True) * 2).sum(), [L.ones(2, requires_grad=True)]
        ),
    ),
    ("grad shape", lambda L: (L.ones(3, requires_grad=True) * 2).backward(L.ones(2))),
    ("retain nonreq", lambda L: L.ones(3).retain_grad()),
    ("hook nonreq", lambda L: L.ones(3).register_hook(lambda g: g)),
    ("mv", lambda L: L.mv(L.ones(2, 3), L.ones(4))),
    ("dot", lambda L: L.dot(L.ones(3), L.ones(4))),
    ("dot2", lambda L: L.dot(L.ones(3, 2), L.ones(3, 2))),
    ("mm3", lambda L: L.mm(L.ones(3, 2, 1), L.ones(3, 2))),
    ("bmm", lambda L: L.bmm(L.ones(2, 3, 4), L.ones(2, 5, 4))),
    ("1d1d", lambda L: L.matmul(L.ones(3), L.ones(4))),
    ("2d1d", lambda L: L.matmul(L.ones(2, 3), L.ones(4))),
    ("3d", lambda L: L.matmul(L.ones(2, 2, 3), L.ones(2, 4, 5))),
    ("t3d", lambda L: L.ones(2, 2, 2).t()),
    ("permute", lambda L: L.ones(2, 2, 2).permute(0, 1)),
    ("tensor ragged", lambda L: L.tensor([[1, 2], [3]])),
    ("narrow", lambda L: L.ones(5).narrow(0, 3, 4)),
    ("clamp none", lambda L: L.ones(5).clamp()),
    ("from_numpy neg", lambda L: L.from_numpy(np.ones(4)[::-1])),
    ("chunk0", lambda L: L.ones(5).chunk(0)),
    ("split sizes", lambda L: L.ones(5).split([1, 2])),
    ("set rg nonleaf",
     lambda L: setattr(L.ones(2, requires_grad=True) * 2, "requires_grad", False)),
    ("argmax empty", lambda L: L.ones(0).argmax()),
    ("max empty", lambda L: L.ones(0).max()),
    ("where cond", lambda L: L.where(L.ones(2), L.ones(2), L.ones(2))),
    ("masked_fill", lambda L: L.ones(2).masked_fill(L.ones(2), 1.0)),
    ("index_select float", lambda L: L.ones(2).index_select(0, L.tensor([0.0]))),
    ("cuda", lambda L: L.ones(2).cuda()),
    ("to cuda", lambda L: L.ones(2).to("cuda")),
    ("div mode", lambda L: L.div(L.ones(2), 2, rounding_mode="x")),
    ("int pow", lambda L: L.tensor([2]) ** -1),
    ("len0", lambda L: len(L.tensor(1.0))),
    ("bool ambiguous", lambda L: bool(L.ones(2))),
    ("float tensor", lambda L: float(L.ones(2))),
    ("unflatten", lambda L: L.ones(6).unflatten(0, (4, 2))),
    ("flatten", lambda L: L.ones(2, 3).flatten(1, 0)),
    ("full neg", lambda L: L.zeros(-1)),
    ("repeat", lambda L: L.ones(2, 3).repeat(2)),
    ("sum dup", lambda L: L.ones(2, 3).sum((0, 0))),
]


def _error(fn, L):
    try:
        fn(L)
    except Exception as e:  # the exception itself is the result
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[n for n, _ in CASES])
def test_same_error_as_torch(fn):
    t_type, t_msg = _error(fn, torch)
    n_type, n_msg = _error(fn, numtorch)
    assert t_type is not None, "the case should be an error in torch"
    assert n_type is not None and n_type.__name__ == t_type.__name__, (
        f"{n_type} != {t_type}: {n_msg}"
    )
    assert n_msg == t_msg
