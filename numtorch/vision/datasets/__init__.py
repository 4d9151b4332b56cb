"""Image datasets with torchvision's interface: MNIST, FashionMNIST, the bundled Digits, folders."""

from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "MNIST", "FashionMNIST", "Digits", "DatasetFolder", "ImageFolder", "VisionDataset"]
