"""Image transforms, torchvision's ``transforms`` API: classes here, functions in ``functional``.

The classes: ``transforms.py`` the containers (Compose, RandomApply...), conversions and
normalisation; ``_transforms_geometry.py`` resizing, cropping, padding, flipping, rotating and
affine maps; ``_transforms_photometric.py`` colour jitter, blurring and erasing.  The functions:
``functional.py`` dispatches each to the PIL kernels (``_pil.py``) or the tensor kernels
(``_tensor_image.py``), after the validation in ``_functional_geometry.py`` and
``_functional_color.py``.
"""

from . import functional as functional
from ._transforms_geometry import *  # noqa: F403
from ._transforms_geometry import __all__ as _geometry_all
from ._transforms_photometric import *  # noqa: F403
from ._transforms_photometric import __all__ as _photometric_all
from .transforms import *  # noqa: F403
from .transforms import __all__ as _transforms_all

__all__ = _transforms_all + _geometry_all + _photometric_all
