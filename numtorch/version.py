"""The PyTorch build numtorch stands in for, as ``torch.version`` describes it.

Scripts read ``torch.version`` to choose a code path (``torch.version.cuda is None``
means "no CUDA build"). numtorch follows the API of one PyTorch release and runs on
the CPU only, so ``__version__`` here is that release and every accelerator field is
``None``. numtorch's own release number is ``numtorch.__version__``; under
``numtorch run`` a script's ``torch.__version__`` is this release instead, as a
``TorchVersion`` (see NOTE [ torch is a mirror of numtorch under the runner ] in
``numtorch/compat.py``).

Example:
    >>> from numtorch import version
    >>> version.__version__, version.cuda
    ('2.13.0', None)
"""

from __future__ import annotations

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

__version__ = "2.13.0"
"""The PyTorch release whose API numtorch follows."""

debug = False
cuda: str | None = None
git_version = "Unknown"
hip: str | None = None
rocm: str | None = None
xpu: str | None = None
