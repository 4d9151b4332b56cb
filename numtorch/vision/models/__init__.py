"""Classic image-classification networks, with the module trees and state_dict keys of
``torchvision.models``: AlexNet, VGG (+ ``_bn``), ResNet, MobileNetV2, SqueezeNet, DenseNet-121.

Each builder takes ``weights=None`` (random initialisation, PyTorch's scheme) or a member of its
weights enum, e.g. ``resnet18(weights=ResNet18_Weights.DEFAULT)``; see NOTE [ where pretrained
weights come from ] in ``_api.py``.  ``list_models()`` names them; ``get_model(name, **kw)``
builds one by name.

Example:
    >>> from numtorch.vision import models
    >>> "resnet18" in models.list_models()
    True
    >>> sum(p.numel() for p in models.resnet18().parameters())
    11689512
"""

from ._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
    load_state_dict_from_url,
)
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights",
           "get_weight", "list_models", "load_state_dict_from_url"]
