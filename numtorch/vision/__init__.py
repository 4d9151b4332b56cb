"""The torchvision-shaped part of numtorch: ``transforms``, ``datasets``, ``models``, ``io``,
``utils``.

``import numtorch.vision as torchvision`` (or ``from numtorch.vision import
datasets, transforms``) gives the image transforms and datasets that PyTorch
code reaches through ``torchvision``. Pillow is needed only for PIL images
(an optional extra, imported on first use).

Where the data comes from:

- ``datasets.Digits()``: 1,797 handwritten digits of 8 x 8 shipped inside
  numtorch, so a first model needs no download at all.
- ``datasets.MNIST``, ``FashionMNIST``, ``KMNIST``: the files under
  ``root/<Name>/raw/``; else verified copies from the folders listed in the
  environment variable ``NUMTORCH_DATASETS`` (and, for Fashion-MNIST,
  ``/usr/share/datasets/fashion-mnist`` from Debian's ``dataset-fashion-mnist``);
  else, with ``download=True``, the official mirrors, checked by MD5.
- ``datasets.CIFAR10``/``CIFAR100``: the archive from ``NUMTORCH_DATASETS`` or
  the official site; ``ImageFolder``/``DatasetFolder``: your own folders.

Example:
    >>> import numtorch as torch
    >>> from numtorch.vision import datasets, transforms
    >>> tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    >>> loader = torch.utils.data.DataLoader(datasets.Digits(transform=tf), batch_size=32,
    ...                                      shuffle=True)
    >>> images, labels = next(iter(loader))
    >>> tuple(images.shape), labels.dtype
    ((32, 1, 8, 8), torch.int64)
"""

from . import datasets as datasets
from . import io as io
from . import models as models
from . import transforms as transforms
from . import utils as utils

__all__ = [
    "datasets", "io", "models", "transforms", "utils", "get_image_backend", "set_image_backend"
]

_image_backend = "PIL"


def set_image_backend(backend: str) -> None:
    """Choose the package used to load images; only ``"PIL"`` is available."""
    global _image_backend
    if backend not in ["PIL"]:
        raise ValueError(f"Invalid backend '{backend}'. Options are 'PIL'")
    _image_backend = backend


def get_image_backend() -> str:
    """Name of the package used to load images (``"PIL"``)."""
    return _image_backend
