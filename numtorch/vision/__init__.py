"""The torchvision-shaped part of numtorch: ``transforms`` and ``datasets``.

``import numtorch.vision as torchvision`` (or ``from numtorch.vision import
datasets, transforms``) gives the image transforms and datasets that PyTorch
code reaches through ``torchvision``. Pillow is needed only for PIL images.
"""

from . import datasets as datasets
from . import transforms as transforms

__all__ = ["datasets", "transforms", "get_image_backend", "set_image_backend"]

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
