"""numtorch.autograd: backward, grad, custom Functions, gradcheck and grad mode."""

from __future__ import annotations

import numpy as np

from .._size import Size
from .._tensor import Tensor, _wrap
from . import graph  # noqa: F401
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "set_detect_anomaly", "detect_anomaly"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _seeds(outputs, grad_outputs, for_grad: bool):
    seeds = []
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) < len(outputs):  # extra gradients are ignored, as PyTorch does
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not o._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        if g is None:
            if o._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if o._data.dtype.kind != "f":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   f"but got {o.dtype}")
            seeds.append(np.ones(o._data.shape, o._data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = Tensor(g) if not isinstance(g, (int, float)) else None
            if g._data.shape != o._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{Size(g._data.shape)} and output[{i}] has a shape of "
                                   f"{Size(o._data.shape)}.")
            gd = g._data if g._data.dtype == o._data.dtype else g._data.astype(o._data.dtype)
            seeds.append(gd)
    return seeds


def _no_create_graph(create_graph):
    if create_graph:
        raise RuntimeError("numtorch computes first-order gradients only: create_graph=True "
                           "(gradients of gradients) is not supported")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             grad_variables=None,
             inputs=None) -> None:
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors``.

    ``grad_tensors`` seed the outputs (needed unless they are scalars).
    """
    _no_create_graph(create_graph)
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    seeds = _seeds(outputs, grads, False)
    if retain_graph is None:
        retain_graph = create_graph
    ins = _as_tuple(inputs)
    if ins is not None and len(ins) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    results = run_backward(outputs, seeds, bool(retain_graph), inputs=ins, accumulate=True)
    if ins is not None:
        for t, r in zip(ins, results):
            if t.grad_fn is not None and r is not None:
                t._grad = (_wrap(r._data.copy()) if t._grad is None
                           else _wrap(t._grad._data + r._data))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not put in ``.grad``.

    Example:
        >>> import numtorch as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> torch.autograd.grad((x ** 3).sum(), x)
        (tensor([ 3., 12.]),)
        >>> x.grad is None
        True
    """
    _no_create_graph(create_graph)
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    for t in ins:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outs, _as_tuple(grad_outputs), True)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    results = run_backward(outs, seeds, bool(retain_graph), inputs=ins, accumulate=False)
    out = []
    for i, (t, r) in enumerate(zip(ins, results)):
        if r is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                r = _wrap(np.zeros_like(t._data))
        out.append(r)
    return tuple(out)


class set_detect_anomaly:
    """Accepted for compatibility; numtorch's errors already name the failing op."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.mode = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


detect_anomaly = set_detect_anomaly


def tensor_backward(self, gradient=None, retain_graph=None, create_graph=False,
                    inputs=None) -> None:
    """Compute the gradient of this tensor w.r.t. the graph leaves; see ``autograd.backward``."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)
