"""Flatten a model's parameters into one vector and back (e.g. for second-order methods).

Example:
    >>> import numtorch
    >>> ps = [numtorch.ones(2, 2), numtorch.zeros(3)]
    >>> v = parameters_to_vector(ps)
    >>> v.tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    >>> vector_to_parameters(v * 2, ps)
    >>> ps[0].tolist()
    [[2.0, 2.0], [2.0, 2.0]]
"""

from __future__ import annotations

from collections.abc import Iterable

from numtorch._ops.movement import cat
from numtorch._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened parameters into one 1-D tensor (differentiably)."""
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters' data, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
