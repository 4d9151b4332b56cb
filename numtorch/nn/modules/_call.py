"""Calling a module when hooks are registered: the slow path of ``Module.__call__``.

The order (PyTorch's) is: forward pre-hooks (global, then the module's; each may
replace the positional args, or with ``with_kwargs`` the args and kwargs); the
backward-hook setup on the inputs; ``forward``; forward hooks (global, then the
module's; each may replace the output); the backward-hook setup on the outputs;
legacy backward hooks on the output's ``grad_fn``.  If ``forward`` raises, the
forward hooks registered with ``always_call=True`` that have not run yet still
run before the exception propagates.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

from numtorch._tensor import Tensor

from ._hooks import (
    BackwardHook,
    _global_forward_hooks,
    _global_forward_hooks_always_called,
    _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks,
    _WrappedHook,
)

__all__ = ["call_with_hooks"]


def _run_forward_pre_hooks(module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    for hook_id, hook in (*_global_forward_pre_hooks.items(), *module._forward_pre_hooks.items()):
        if hook_id in module._forward_pre_hooks_with_kwargs:
            res = hook(module, args, kwargs)
            if res is not None:
                if isinstance(res, tuple) and len(res) == 2:
                    args, kwargs = res
                else:
                    raise RuntimeError(
                        "forward pre-hook must return None or a tuple "
                        f"of (new_args, new_kwargs), but got {res}."
                    )
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    return args, kwargs


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with every hook run; see NOTE [ calling a module ]."""
    result = None
    called_always: set[int] = set()
    try:
        backward_pre_hooks = module._get_backward_pre_hooks()
        full_hooks, legacy_hooks = module._get_backward_hooks()
        args, kwargs = _run_forward_pre_hooks(module, args, kwargs)
        bw_hook = None
        if full_hooks or backward_pre_hooks:
            bw_hook = BackwardHook(module, full_hooks, backward_pre_hooks)
            args = bw_hook.setup_input_hook(args)
        result = module.forward(*args, **kwargs)
        for hook_id, hook in (*_global_forward_hooks.items(), *module._forward_hooks.items()):
            if (
                hook_id in module._forward_hooks_always_called
                or hook_id in _global_forward_hooks_always_called
            ):
                called_always.add(hook_id)
            if (
                hook_id in module._forward_hooks_with_kwargs
                or hook_id in _global_forward_hooks_with_kwargs
            ):
                hook_result = hook(module, args, kwargs, result)
            else:
                hook_result = hook(module, args, result)
            if hook_result is not None:
                result = hook_result
        if bw_hook is not None:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn(
                    "For backward hooks to be called, module output should be a Tensor "
                    f"or a tuple of Tensors but received {type(result)}",
                    stacklevel=2,
                )
            result = bw_hook.setup_output_hook(result)
        if legacy_hooks:
            _attach_legacy_backward_hooks(module, args, result, legacy_hooks)
        return result
    except Exception:
        result = _run_always_called_hooks(module, args, kwargs, result, called_always)
        raise


def _run_always_called_hooks(
    module: Any, args: tuple, kwargs: dict, result: Any, called: set[int]
) -> Any:
    """After forward raised: run the ``always_call`` forward hooks not yet run."""
    tables = (
        (_global_forward_hooks, _global_forward_hooks_always_called, "global module"),
        (module._forward_hooks, module._forward_hooks_always_called, "module"),
    )
    for table, always, what in tables:
        for hook_id, hook in table.items():
            if hook_id not in always or hook_id in called:
                continue
            try:
                if table is module._forward_hooks and hook_id in module._forward_hooks_with_kwargs:
                    res = hook(module, args, kwargs, result)
                else:
                    res = hook(module, args, result)
                if res is not None:
                    result = res
            except Exception as e:
                warnings.warn(
                    f"{what} forward hook with ``always_call=True`` raised an exception "
                    f"that was silenced as another error was raised in forward: {str(e)}",
                    stacklevel=2,
                )
    return result


def _attach_legacy_backward_hooks(module: Any, args: tuple, result: Any, hooks: list) -> None:
    """Legacy backward hooks: registered on the ``grad_fn`` of the first output tensor."""
    var = result
    while not isinstance(var, Tensor):
        if isinstance(var, dict):
            var = next(v for v in var.values() if isinstance(v, Tensor))
        else:
            var = var[0]
    grad_fn = var.grad_fn
    if grad_fn is None:
        return
    if getattr(grad_fn, "_hooks", 0) is None:
        grad_fn._hooks = OrderedDict()
    for hook in hooks:
        grad_fn.register_hook(_WrappedHook(hook, module))
    _maybe_warn_non_full_backward_hook(args, result, grad_fn)


def _maybe_warn_non_full_backward_hook(inputs: Any, result: Any, grad_fn: Any) -> None:
    """Warn, as PyTorch does, where a legacy backward hook will miss some gradients."""
    def warn(msg: str) -> None:
        warnings.warn(msg, FutureWarning, stacklevel=4)

    missing = " This hook will be missing some of the grad_{}. Please use " \
        "register_full_backward_hook to get the documented behavior."
    if isinstance(result, Tensor):
        result = (result,)
    elif not (isinstance(result, tuple) and all(isinstance(r, Tensor) for r in result)):
        warn("Using non-full backward hooks on a Module that does not return a single Tensor "
             "or a tuple of Tensors is deprecated and will be removed in future versions."
             + missing.format("output"))
        return
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    elif not (isinstance(inputs, tuple) and all(isinstance(i, Tensor) for i in inputs)):
        warn("Using non-full backward hooks on a Module that does not take as input a single "
             "Tensor or a tuple of Tensors is deprecated and will be removed in future "
             "versions." + missing.format("input"))
        return
    out_fns = {r.grad_fn for r in result if r.grad_fn is not None}
    if not out_fns or (len(out_fns) == 1 and grad_fn not in out_fns):
        warn("Using a non-full backward hook when outputs are nested in python data structure "
             "is deprecated and will be removed in future versions. This hook will be missing "
             "some grad_output.")
    elif len(out_fns) > 1:
        warn("Using a non-full backward hook when outputs are generated by different autograd "
             "Nodes is deprecated and will be removed in future versions."
             + missing.format("output").replace("some of the", "some"))
    else:
        in_fns = {i.grad_fn for i in inputs if i.grad_fn is not None}
        if in_fns != {n[0] for n in grad_fn.next_functions}:
            warn("Using a non-full backward hook when the forward contains multiple autograd "
                 "Nodes is deprecated and will be removed in future versions."
                 + missing.format("input").replace("some of the", "some"))
