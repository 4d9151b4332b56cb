"""VGG-11/13/16/19 and their batch-normalised ``_bn`` variants.

``features`` is a stack of 3x3 convolutions (each followed by ``BatchNorm2d`` in the ``_bn``
variants, then ReLU) and 2x2 max pools, following configuration A, B, D or E of the paper;
``avgpool`` brings it to 7x7 and ``classifier`` is three linears with dropout.  Convolutions are
initialised ``kaiming_normal_`` (fan-out, ReLU gain) with zero bias, batch norms to 1 and 0,
linears ``normal_(0, 0.01)`` with zero bias.

Example:
    >>> from numtorch.vision.models.vgg import cfgs, make_layers
    >>> len(make_layers(cfgs["A"]))  # vgg11's features: 8 convs + 8 ReLUs + 5 pools
    21
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

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11",
           "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


class VGG(nn.Module):
    """``features``, ``avgpool`` to 7x7 and the three-layer ``classifier``."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(numtorch.flatten(x, 1))


def make_layers(cfg: list[str | int], batch_norm: bool = False) -> nn.Sequential:
    """The ``features`` stack for a configuration: ints are conv widths, ``"M"`` a 2x2 max pool."""
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, int(v), kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(int(v)), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = int(v)
    return nn.Sequential(*layers)


cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def _vgg(cfg: str, batch_norm: bool, weights: WeightsEnum | None, progress: bool,
         **kwargs: Any) -> VGG:
    if weights is not None:
        kwargs["init_weights"] = False
        _ovewrite_named_param(kwargs, "num_classes", weights.meta["num_classes"])
    model = VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def _w(file: str, num_params: int) -> Weights:
    return Weights(url="https://download.pytorch.org/models/" + file,
                   transforms=_image_transforms(),
                   meta=_imagenet_meta(num_params=num_params, min_size=(32, 32)))


class VGG11_Weights(WeightsEnum):  # noqa: N801 - the public names
    IMAGENET1K_V1 = _w("vgg11-8a719046.pth", 132863336)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg11_bn-6002323d.pth", 132868840)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg13-19584684.pth", 133047848)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg13_bn-abd245e5.pth", 133053736)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg16-397923af.pth", 138357544)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg16_bn-6c64b313.pth", 138365992)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg19-dcbb9e9d.pth", 143667240)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):  # noqa: N801
    IMAGENET1K_V1 = _w("vgg19_bn-c79401a0.pth", 143678248)
    DEFAULT = IMAGENET1K_V1


def _make_builder(name: str, cfg: str, batch_norm: bool, weights_enum):
    def builder(*, weights=None, progress: bool = True, **kwargs: Any) -> VGG:
        weights = _legacy_weights(name, weights_enum, weights, kwargs)
        return _vgg(cfg, batch_norm, weights, progress, **kwargs)

    builder.__name__ = builder.__qualname__ = name
    builder.__module__ = __name__
    builder.__annotations__["weights"] = weights_enum | None
    layers = {"A": 11, "B": 13, "D": 16, "E": 19}[cfg]
    builder.__doc__ = (
        f"VGG-{layers} (configuration {cfg}){' with batch norm' if batch_norm else ''}"
        "; ``kwargs`` (``num_classes``, ``init_weights``, ``dropout``) go to "
        ":class:`VGG`."
    )
    return _builder(weights_enum)(builder)


vgg11 = _make_builder("vgg11", "A", False, VGG11_Weights)
vgg11_bn = _make_builder("vgg11_bn", "A", True, VGG11_BN_Weights)
vgg13 = _make_builder("vgg13", "B", False, VGG13_Weights)
vgg13_bn = _make_builder("vgg13_bn", "B", True, VGG13_BN_Weights)
vgg16 = _make_builder("vgg16", "D", False, VGG16_Weights)
vgg16_bn = _make_builder("vgg16_bn", "D", True, VGG16_BN_Weights)
vgg19 = _make_builder("vgg19", "E", False, VGG19_Weights)
vgg19_bn = _make_builder("vgg19_bn", "E", True, VGG19_BN_Weights)
