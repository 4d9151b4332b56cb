"""Image transforms, torchvision's ``transforms`` API: classes here, functions in ``functional``."""

from . import functional as functional
from ._augment import *  # noqa: F403
from ._augment import __all__ as _augment_all
from .transforms import *  # noqa: F403
from .transforms import __all__ as _transforms_all

__all__ = _transforms_all + _augment_all
