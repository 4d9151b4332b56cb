"""AlexNet, in the one-GPU layout of torchvision's ``alexnet`` (five convolutions, three linears).

Every layer keeps PyTorch's default initialisation.

Example:
    >>> import numtorch
    >>> from numtorch.vision.models import alexnet
    >>> tuple(alexnet(num_classes=5).eval()(numtorch.randn(1, 3, 64, 64)).shape)
    (1, 5)
"""

from __future__ import annotations

from typing import Any

import numtorch
from numtorch import nn
from numtorch._tensor import Tensor

from ._api import (
    Weights,
    WeightsEnum,
    _builder,
    _image_transforms,
    _imagenet_meta,
    _legacy_weights,
    _ovewrite_named_param,
)

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """``features`` (convolutions), ``avgpool`` to 6x6, ``classifier`` (dropout + linears)."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(numtorch.flatten(x, 1))


class AlexNet_Weights(WeightsEnum):  # noqa: N801 - the public name
    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
                            transforms=_image_transforms(),
                            meta=_imagenet_meta(num_params=61100840, min_size=(63, 63)))
    DEFAULT = IMAGENET1K_V1


@_builder(AlexNet_Weights)
def alexnet(*, weights: AlexNet_Weights | None = None, progress: bool = True,
            **kwargs: Any) -> AlexNet:
    """AlexNet; ``kwargs`` (``num_classes``, ``dropout``) go to :class:`AlexNet`."""
    weights = _legacy_weights("alexnet", AlexNet_Weights, weights, kwargs)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", weights.meta["num_classes"])
    model = AlexNet(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
