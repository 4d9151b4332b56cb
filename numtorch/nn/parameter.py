"""Parameter and Buffer: tensors that a Module recognises on assignment.

``self.weight = nn.Parameter(t)`` inside a Module registers ``weight`` as a
parameter: it appears in ``parameters()``, is returned by ``state_dict()``, and
is what an optimizer updates.  ``self.stats = nn.Buffer(t)`` registers a buffer:
state that is saved and moved with the module but is not trained.  A plain
tensor assigned to a module is just an attribute.

A Parameter shares its data with the tensor it was made from (no copy), and is a
graph leaf that requires grad unless told otherwise, even inside ``no_grad``.
Operations on a Parameter return ordinary Tensors.
"""

from __future__ import annotations

from typing import Any

from numtorch._dtype import get_default_dtype
from numtorch._tensor import Tensor, _wrap

__all__ = ["Parameter", "Buffer"]


def _empty() -> Tensor:
    import numpy as np


    return _wrap(np.empty((0,), dtype=get_default_dtype().np))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    """Unpickling helper: a Parameter around ``data``."""
    return Parameter(data, requires_grad)


class Parameter(Tensor):
    r"""A tensor that is a module parameter.

    Assigned as an attribute of a :class:`~numtorch.nn.Module`, it is registered
    in the module's ``_parameters`` and found by ``parameters()``.

    Args:
        data (Tensor): the tensor whose data the parameter shares.  Default: an
            empty float tensor.
        requires_grad (bool): whether the parameter requires gradient.  Grad mode
            does not change this default.  Default: ``True``.

    Example:
        >>> import numtorch as torch
        >>> p = torch.nn.Parameter(torch.zeros(2))
        >>> p
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
        >>> p.is_leaf, type(p * 2).__name__
        (True, 'Tensor')
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = _empty()
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter.__new__(): argument 'data' (position 1) must be Tensor, "
                f"not {type(data).__name__}"
            )
        return Tensor._make_subclass(cls, data, requires_grad)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        # as in PyTorch, the copy does not carry the gradient
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self) -> str:  # type: ignore[override]
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self.data, self.requires_grad))


class _BufferMeta(type):
    # ``isinstance(t, Buffer)`` is true for any tensor marked as a buffer.
    def __instancecheck__(cls, instance: Any) -> bool:
        if (cls is Buffer and isinstance(instance, Tensor)
                and getattr(instance, "_is_buffer", False)):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    r"""A tensor that is module state but not a parameter (e.g. running statistics).

    Assigned as an attribute of a :class:`~numtorch.nn.Module`, it is registered as
    a buffer, persistent (saved in ``state_dict``) unless ``persistent=False``.

    Args:
        data (Tensor): the tensor whose data the buffer shares.
        persistent (bool): whether the buffer is part of the module's ``state_dict``.

    Example:
        >>> import numtorch as torch
        >>> m = torch.nn.Module()
        >>> m.count = torch.nn.Buffer(torch.zeros(1))
        >>> list(m.state_dict())
        ['count']
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Buffer:
        if data is None:
            data = _empty()
        t = Tensor._make_subclass(cls, data, data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass
