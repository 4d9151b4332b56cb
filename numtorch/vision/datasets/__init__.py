"""Image datasets with torchvision's interface: MNIST, FashionMNIST, the bundled Digits, folders."""

from .digits import Digits
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "Digits", "DatasetFolder", "ImageFolder", "VisionDataset"]
