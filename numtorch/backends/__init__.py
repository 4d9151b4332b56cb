"""numtorch.backends: the flags PyTorch scripts read or set; numtorch computes with NumPy on the
CPU."""

from __future__ import annotations

import types

__all__ = ["cpu", "cuda", "cudnn", "mps", "mkl", "openmp"]


def _false() -> bool:
    return False


mps = types.SimpleNamespace(is_available=_false, is_built=_false)
cuda = types.SimpleNamespace(is_built=_false, matmul=types.SimpleNamespace(allow_tf32=False))
# cudnn's switches are accepted and ignored: there is no GPU to configure
cudnn = types.SimpleNamespace(enabled=True, deterministic=False, benchmark=False, allow_tf32=True,
                              is_available=_false, version=lambda: None)
mkl = types.SimpleNamespace(is_available=_false)
openmp = types.SimpleNamespace(is_available=_false)
cpu = types.SimpleNamespace(get_cpu_capability=lambda: "DEFAULT")
