"""Module hooks: the global hook tables and the machinery behind backward hooks.

Forward hooks are plain calls made by ``Module.__call__``.  Backward hooks have to
run *during* the backward pass, when the gradients with respect to a module's
outputs and inputs are known; this file builds the graph nodes that catch them.

NOTE [ how a module backward hook sees its gradients ]
``__call__`` routes the module's tensor inputs, and later its tensor outputs,
through an identity "hook function" that records graph nodes in the core's
autograd graph.  For ``n`` tensors it records:

* one *gather* node ``G`` whose inputs are the ``n`` original tensors and whose
  output is a dummy scalar, and
* one *scatter* node per tensor, producing the new tensor (same data) from the
  dummy.

In backward, every scatter node that receives a gradient stores it and passes a
zero to the dummy.  The engine runs ``G`` only once all of them have delivered
(a node waits for all its consumers), so ``G`` sees every gradient at once, as
PyTorch's single multi-output ``BackwardHookFunctionBackward`` node does.  On the
output side ``G`` runs the backward pre-hooks (which may replace grad_output);
on the input side it calls the full backward hooks with
``(module, grad_input, grad_output)`` (which may replace grad_input), then sends
the gradients on to the original tensors.  Non-tensor positions are reported as
``None``, as in PyTorch.

A tensor that received no gradient is sent None, as in PyTorch: the engine
still releases the nodes below it, so a shared path is not left waiting.
"""

from __future__ import annotations

import functools
import warnings
import weakref
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from numtorch._ops._core import NOSAVE, record
from numtorch._tensor import Tensor, _wrap
from numtorch.autograd.grad_mode import is_grad_enabled
from numtorch.autograd.hooks import RemovableHandle

__all__ = [
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_backward_hook",
    "register_module_full_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]

# ---- global hook tables (shared by every module; for debugging and profiling) -------------
_global_buffer_registration_hooks: OrderedDict = OrderedDict()
_global_module_registration_hooks: OrderedDict = OrderedDict()
_global_parameter_registration_hooks: OrderedDict = OrderedDict()
_global_backward_pre_hooks: OrderedDict = OrderedDict()
_global_backward_hooks: OrderedDict = OrderedDict()
_global_forward_pre_hooks: OrderedDict = OrderedDict()
_global_forward_hooks: OrderedDict = OrderedDict()
_global_forward_hooks_always_called: OrderedDict = OrderedDict()
_global_forward_hooks_with_kwargs: OrderedDict = OrderedDict()
# None: no global backward hook yet; True: full hooks; False: legacy hooks
_global_is_full_backward_hook: list = [None]

_MIXED_GLOBAL = (
    "Cannot use both regular backward hooks and full backward hooks as a "
    "global Module hook. Please use only one of them."
)


def _add(table: OrderedDict, hook: Callable, extra: Any = None) -> RemovableHandle:
    handle = RemovableHandle(table, extra_dict=extra)
    table[handle.id] = hook
    return handle


def register_module_buffer_registration_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, name, buffer) -> None or new buffer`` on every ``register_buffer``."""
    return _add(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, name, submodule) -> None or new submodule`` on every registration."""
    return _add(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook: Callable) -> RemovableHandle:
    """Call ``hook(module, name, param) -> None or new param`` on every ``register_parameter``."""
    return _add(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(module, args) -> None or new args`` to run before every module's forward.

    Global pre-hooks run before the module's own pre-hooks.
    """
    return _add(_global_forward_pre_hooks, hook)


def register_module_forward_hook(
    hook: Callable, *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """Register ``hook(module, args, output) -> None or new output`` to run after every forward.

    Global forward hooks run before the module's own forward hooks.  With
    ``with_kwargs`` the hook is called as ``hook(module, args, kwargs, output)``;
    with ``always_call`` it also runs when forward raised.
    """
    handle = RemovableHandle(
        _global_forward_hooks,
        extra_dict=[_global_forward_hooks_always_called, _global_forward_hooks_with_kwargs],
    )
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_backward_hook(hook: Callable) -> RemovableHandle:
    """Deprecated legacy form of :func:`register_module_full_backward_hook`."""
    if _global_is_full_backward_hook[0] is True:
        raise RuntimeError(_MIXED_GLOBAL)
    _global_is_full_backward_hook[0] = False
    return _add(_global_backward_hooks, hook)


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(module, grad_output) -> None or new grad_output`` for every module."""
    return _add(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """Register ``hook(module, grad_input, grad_output) -> None or new grad_input``, all modules."""
    if _global_is_full_backward_hook[0] is False:
        raise RuntimeError(_MIXED_GLOBAL)
    _global_is_full_backward_hook[0] = True
    return _add(_global_backward_hooks, hook)


class _WrappedHook:
    """A hook that is called with its module (held weakly) as first argument."""

    def __init__(self, hook: Callable, module: Any = None) -> None:
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.with_module = module is not None
        if self.with_module:
            self.module = weakref.ref(module)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.with_module:
            module = self.module()
            if module is None:
                raise RuntimeError("You are trying to call the hook of a dead Module!")
            return self.hook(module, *args, **kwargs)
        return self.hook(*args, **kwargs)

    def __getstate__(self) -> dict:
        state = {"hook": self.hook, "with_module": self.with_module}
        if self.with_module:
            state["module"] = self.module()
        return state

    def __setstate__(self, state: dict) -> None:
        self.hook = state["hook"]
        self.with_module = state["with_module"]
        if self.with_module:
            if state["module"] is None:
                raise RuntimeError("You are trying to revive the hook of a dead Module!")
            self.module = weakref.ref(state["module"])


_NODE = "BackwardHookFunctionBackward"


def _hook_function(
    args: tuple, on_grads: Callable, materialize: bool
) -> tuple[tuple, list[int] | None]:
    """Route the tensors in ``args`` through gather/scatter identity nodes.

    See NOTE [ how a module backward hook sees its gradients ].  ``on_grads`` gets
    a tuple with one gradient Tensor (or None) per tensor of ``args`` and returns
    the gradients to pass on.  Returns the new args and the positions of the
    tensors in them, or ``(args, None)`` when no tensor requires grad or grad mode
    is off (then nothing is recorded, as in PyTorch).  With ``materialize`` a
    tensor that received no gradient is reported as zeros (PyTorch does so for
    grad_input), otherwise as None (as for grad_output).
    """

    idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    tensors = tuple(args[i] for i in idx)
    if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
        return args, None
    caught: list = [None] * len(tensors)

    def gather_vjp(g: np.ndarray, needs: tuple) -> tuple:
        got = tuple(
            _wrap(c) if c is not None
            else _wrap(np.zeros_like(t._data)) if materialize
            else None
            for c, t in zip(caught, tensors)
        )
        caught[:] = [None] * len(tensors)
        out = on_grads(got)
        return tuple(None if o is None else o._data for o in out)

    dummy = record(np.zeros((), np.float32), _NODE, gather_vjp, tensors, saved=NOSAVE)
    zero = np.zeros((), np.float32)
    new_args = list(args)
    for k, (i, t) in enumerate(zip(idx, tensors)):
        if not t.requires_grad:
            continue  # non-differentiable: passed through unchanged

        def scatter_vjp(g: np.ndarray, needs: tuple, k: int = k) -> tuple:
            caught[k] = g
            return (zero,)

        nt = record(t._data, _NODE, scatter_vjp, (dummy,), saved=NOSAVE)
        nt._vc = t._vc
        new_args[i] = nt
    out = tuple(new_args) if type(args) is tuple else type(args)(*new_args)
    return out, idx


def _pack_with_none(indices: list[int], values: tuple, size: int) -> tuple:
    res = [None] * size
    for i, v in zip(indices, values):
        res[i] = v
    return tuple(res)


class BackwardHook:
    """Calls a module's full backward hooks and pre-hooks with the right gradients.

    One is made per hooked call of a module: ``setup_input_hook`` wraps the
    forward's tensor inputs, ``setup_output_hook`` its tensor outputs.
    """

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_outputs = -1
        self.output_tensors_index: list[int] | None = None
        self.n_inputs = -1
        self.input_tensors_index: list[int] | None = None

    def _on_input_grads(self, grads: tuple) -> tuple:
        if self.grad_outputs is None:
            # gradient reached the inputs without passing through the outputs
            return grads
        res = _pack_with_none(self.input_tensors_index, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(
                    "Backward hook returned an invalid number of grad_input, "
                    f"got {len(out)}, but expected {len(res)}"
                )
            res = out
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_tensors_index)

    def _on_output_grads(self, grads: tuple) -> tuple:
        self.grad_outputs = _pack_with_none(self.output_tensors_index, grads, self.n_outputs)
        expected = len(self.grad_outputs)
        for pre_hook in self.user_pre_hooks:
            out = pre_hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != expected:
                raise RuntimeError(
                    "Backward pre hook returned an invalid number of grad_output, "
                    f"got {len(out)}, but expected {expected}"
                )
            self.grad_outputs = out
        local = self.grad_outputs
        if self.input_tensors_index is None:
            # no input requires grad: the hooks fire here, with all-None grad_input
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to "
                "module outputs since no inputs require gradients. See "
                "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.",
                stacklevel=2,
            )
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not (
                    isinstance(res, tuple) and all(el is None for el in res)
                ):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires "
                        "gradient should always return None or None for all gradients."
                    )
            self.grad_outputs = None
        return tuple(local[i] for i in self.output_tensors_index)

    def setup_input_hook(self, args: tuple) -> tuple:
        """Wrap the forward's positional inputs; returns the args to call forward with."""
        res, idx = _hook_function(args, self._on_input_grads, materialize=True)
        self.n_inputs = len(args)
        self.input_tensors_index = idx
        return res

    def setup_output_hook(self, result: Any) -> Any:
        """Wrap the forward's output (a tensor or a tuple); returns the output to hand back."""
        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        res, idx = _hook_function(args, self._on_output_grads, materialize=False)
        self.n_outputs = len(args)
        self.output_tensors_index = idx
        return res if is_tuple else res[0]
