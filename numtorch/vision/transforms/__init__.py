"""Image transforms, torchvision's ``transforms`` API: classes here, functions in ``functional``."""

from . import functional as functional
from .transforms import *  # noqa: F403
from .transforms import __all__  # noqa: F401
