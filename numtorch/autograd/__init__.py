"""numtorch.autograd: backward, grad, custom Functions, gradcheck and grad mode."""

from __future__ import annotations

from . import graph  # noqa: F401
from .engine import backward, grad, run_backward, tensor_backward  # noqa: F401
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


class set_detect_anomaly:
    """Accepted for compatibility; numtorch's errors already name the failing op."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.mode = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


detect_anomaly = set_detect_anomaly
