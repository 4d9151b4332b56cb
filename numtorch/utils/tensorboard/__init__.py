"""numtorch.utils.tensorboard: TensorBoard logs from a numtorch training loop.

``SummaryWriter`` is ``torch.utils.tensorboard.SummaryWriter``: the same constructor and
``add_*`` methods, writing the same records (tags, plugin data, histogram buckets, PNG
images) into event files that ``tensorboard --logdir runs`` shows.  Under the runner
(``python -m numtorch run script.py``) ``from torch.utils.tensorboard import
SummaryWriter`` gives this module.

NOTE [ tensorboard is an optional extra ]
The event files are written by the ``tensorboard`` package's own writer and protocol
buffers (``pip install 'numtorch[tensorboard]'``; Pillow, which images need, comes with
it, matplotlib for ``add_figure`` does not).  ``import numtorch`` never imports it: only
importing this module does, and without it that import fails with the error
``import tensorboard`` gives (``ModuleNotFoundError: No module named 'tensorboard'``).

Example:
    >>> import tempfile
    >>> import numtorch as torch
    >>> from numtorch.utils.tensorboard import SummaryWriter
    >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
    ...     for epoch in range(3):
    ...         writer.add_scalar("loss/train", 1.0 / (epoch + 1), epoch)
    ...         writer.add_histogram("fc.weight", torch.randn(8, 4), epoch)
"""

import tensorboard


def _old_tensorboard(version: str) -> bool:
    parts = []
    for part in version.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit()) if part else ""
        parts.append(int(digits) if digits else 0)
    return tuple(parts) < (1, 15)


if not hasattr(tensorboard, "__version__") or _old_tensorboard(tensorboard.__version__):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")

del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
