"""Image datasets with torchvision's interface: MNIST and its variants, CIFAR, the bundled Digits,
folders."""

from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .folder import DatasetFolder, ImageFolder
from .mnist import KMNIST, MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "MNIST", "FashionMNIST", "KMNIST", "Digits", "DatasetFolder",
           "ImageFolder", "VisionDataset"]
