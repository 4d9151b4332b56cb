"""gradcheck: compare backward's gradients with central finite differences (use float64)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _wrap
from .engine import grad as autograd_grad
from .grad_mode import no_grad

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical Jacobians disagree."""


def _outputs(func, inputs):
    out = func(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """True if the analytical Jacobian of ``func`` at ``inputs`` matches the numerical one.

    The Jacobian column for each input element comes from ``(f(x + eps) - f(x - eps)) / (2 eps)``;
    each row of the analytical Jacobian from one backward pass seeded with a one-hot gradient.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    outs = _outputs(func, inputs)
    for oi, o in enumerate(outs):
        if not o._requires_grad:
            continue
        od = o._data
        n_out = od.size
        for ii in diff:
            x = inputs[ii]
            xd = x._data
            numerical = np.zeros((xd.size, n_out))
            flat = xd.reshape(-1)
            for k in range(xd.size):
                orig = flat[k]
                with no_grad():
                    flat[k] = orig + eps
                    plus = _outputs(func, inputs)[oi]._data.astype(np.float64).reshape(-1)
                    flat[k] = orig - eps
                    minus = _outputs(func, inputs)[oi]._data.astype(np.float64).reshape(-1)
                    flat[k] = orig
                numerical[k] = (plus - minus) / (2 * eps)
            analytical = np.zeros((xd.size, n_out))
            for j in range(n_out):
                seed = np.zeros(od.shape, od.dtype)
                seed.reshape(-1)[j] = 1
                outs = _outputs(func, inputs)
                g = autograd_grad(outs[oi], [x], grad_outputs=[_wrap(seed)], retain_graph=True,
                                  allow_unused=True)[0]
                if g is not None:
                    analytical[:, j] = g._data.astype(np.float64).reshape(-1)
            if not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(f"Jacobian mismatch for output {oi} with respect to input "
                                         f"{ii},\nnumerical:{numerical}\nanalytical:{analytical}\n")
                return False
    return True
