"""Image transforms, torchvision's ``transforms`` API: classes here, functions in ``functional``.

``transforms.py`` holds the containers and conversions, ``_geometry_transforms.py``
the resizing, cropping, flipping and rotating, ``_augment.py`` the colour jitter,
affine, erasing, blurring and multi-crop transforms.
"""

from . import functional as functional
from ._augment import *  # noqa: F403
from ._augment import __all__ as _augment_all
from ._geometry_transforms import *  # noqa: F403
from ._geometry_transforms import __all__ as _geometry_all
from .transforms import *  # noqa: F403
from .transforms import __all__ as _transforms_all

__all__ = _transforms_all + _geometry_all + _augment_all
