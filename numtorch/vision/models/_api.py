"""The model registry and the ``weights=`` API: ``WeightsEnum``, ``get_model``, ``list_models``.

Every builder (``resnet18`` ...) is registered under its name, takes ``weights=None`` or a
member of its weights enum (``ResNet18_Weights.IMAGENET1K_V1``, or ``.DEFAULT``, or the
member's name as a string), and loads that member's state dict with ``get_state_dict``.

NOTE [ where pretrained weights come from ]
A member names a checkpoint file (the last part of its ``url``).  ``get_state_dict`` looks
for that file, in order, in ``model_dir`` when given, else in the hub cache folder
``$TORCH_HOME/hub/checkpoints`` (``TORCH_HOME`` defaulting to ``$XDG_CACHE_HOME/torch``, i.e.
``~/.cache/torch``), the same folder PyTorch uses, so files it downloaded are found.  Only when
the file is in none of them is the url fetched (atomically, checked against the hash prefix in
the file name); with ``NUMTORCH_OFFLINE=1`` set, or when the transfer fails, a
``RuntimeError`` says at once which file to put where.

Example:
    >>> from numtorch.vision import models
    >>> models.ResNet18_Weights.DEFAULT
    ResNet18_Weights.IMAGENET1K_V1
    >>> m = models.get_model("resnet18", weights=None, num_classes=10)
    >>> m.fc.out_features
    10
"""

from __future__ import annotations

import enum
import hashlib
import os
import sys
import warnings
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, Callable, Mapping

__all__ = ["Weights", "WeightsEnum", "get_model", "get_model_weights", "get_weight",
           "list_models", "load_state_dict_from_url"]


# --------------------------------------------------------------------------- preprocessing


class ImageClassification:
    """The evaluation preprocessing of a classification checkpoint.

    Resize the shorter side to ``resize_size``, crop the centre ``crop_size`` square, scale to
    ``[0, 1]`` floats and normalise with ``mean`` and ``std``.  Accepts a PIL image or a
    ``(..., C, H, W)`` tensor.
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256,
                 mean: tuple[float, ...] = (0.485, 0.456, 0.406),
                 std: tuple[float, ...] = (0.229, 0.224, 0.225),
                 interpolation=None, antialias: bool | None = True) -> None:
        from ..transforms import InterpolationMode

        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = InterpolationMode.BILINEAR if interpolation is None else interpolation
        self.antialias = antialias

    def __call__(self, img):
        from numtorch._tensor import Tensor

        from ..transforms import functional as TF

        img = TF.resize(img, self.resize_size, interpolation=self.interpolation,
                        antialias=self.antialias)
        img = TF.center_crop(img, self.crop_size)
        if not isinstance(img, Tensor):
            img = TF.pil_to_tensor(img)
        img = TF.convert_image_dtype(img)
        return TF.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(\n    crop_size={self.crop_size}\n"
                f"    resize_size={self.resize_size}\n    mean={self.mean}\n    std={self.std}\n"
                f"    interpolation={self.interpolation}\n)")


# --------------------------------------------------------------------------- weights


@dataclass
class Weights:
    """A checkpoint: where it lives (``url``), its preprocessing, and facts about it (``meta``)."""

    url: str
    transforms: Callable
    meta: dict[str, Any]


class _StrEnumMeta(enum.EnumMeta):
    def from_str(cls, member: str):
        try:
            return cls[member]
        except KeyError:
            raise ValueError(f"Unknown value '{member}' for {cls.__name__}.") from None


class WeightsEnum(enum.Enum, metaclass=_StrEnumMeta):
    """Base of every ``<Model>_Weights`` enum; members are :class:`Weights`."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``obj`` as a member of this enum (a member, its name as a string, or None)."""
        if obj is not None:
            if type(obj) is str:
                obj = cls.from_str(obj.replace(cls.__name__ + ".", ""))
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} "
                                f"but received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, progress: bool = True, *, model_dir: str | None = None,
                       check_hash: bool = False) -> Mapping[str, Any]:
        """The checkpoint's state dict; see NOTE [ where pretrained weights come from ]."""
        return load_state_dict_from_url(self.url, model_dir=model_dir, progress=progress,
                                        check_hash=check_hash)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    def __getattr__(self, name):
        for f in fields(Weights):
            if f.name == name:
                return object.__getattribute__(self.value, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


def _hub_dir() -> str:
    torch_home = os.path.expanduser(os.getenv(
        "TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))
    return os.path.join(torch_home, "hub")


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None,
                             progress: bool = True, check_hash: bool = False,
                             file_name: str | None = None, weights_only: bool = True):
    """Load the checkpoint named by ``url``, from the cache folder when it is there.

    Args:
        url: where the file can be downloaded; its last part names the cached file.
        model_dir: folder to look in and download to (default ``$TORCH_HOME/hub/checkpoints``).
        map_location: passed to ``numtorch.load``.
        progress: accepted for compatibility (no progress bar is drawn).
        check_hash: after a download, check that the file's SHA-256 starts with the hex digits
            after the last ``-`` of its name.
        file_name: the cached file's name, instead of the url's last part.
        weights_only: passed to ``numtorch.load``.

    Raises:
        RuntimeError: the file is not cached and could not be downloaded (offline, or
            ``NUMTORCH_OFFLINE=1``), or its hash is wrong.
    """
    import numtorch

    from ..datasets.utils import download_url

    if model_dir is None:
        model_dir = os.path.join(_hub_dir(), "checkpoints")
    filename = file_name or os.path.basename(url.split("?")[0])
    cached = os.path.join(model_dir, filename)
    if not os.path.isfile(cached):
        hint = (f"put the file {filename} in {model_dir} (or set TORCH_HOME), "
                "or build the model with weights=None")
        if os.environ.get("NUMTORCH_OFFLINE", "") not in ("", "0"):
            raise RuntimeError(f"The pretrained weights {filename} are not cached and "
                               f"NUMTORCH_OFFLINE is set: {hint}.")
        try:
            download_url(url, model_dir, filename, timeout=30.0)
        except OSError as error:
            raise RuntimeError(f"The pretrained weights {filename} are not cached and could "
                               f"not be downloaded from {url} ({error}): {hint}.") from None
        if check_hash:
            prefix = filename.rsplit(".", 1)[0].rsplit("-", 1)[-1]
            with open(cached, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            if not digest.startswith(prefix):
                os.unlink(cached)
                raise RuntimeError(f'invalid hash value (expected "{prefix}", got "{digest}")')
    return numtorch.load(cached, map_location=map_location, weights_only=weights_only)


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} "
                             f"but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _legacy_weights(builder: str, weights_enum, weights, kwargs: dict[str, Any]):
    """Map the old ``pretrained=True/False`` argument onto ``weights`` (with the warnings)."""
    if "pretrained" in kwargs:
        pretrained = kwargs.pop("pretrained")
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in "
                      "the future, please use 'weights' instead.", UserWarning, stacklevel=3)
        if pretrained:
            weights = weights_enum.IMAGENET1K_V1
            warnings.warn(
                "Arguments other than a weight enum or `None` for 'weights' are deprecated since "
                "0.13 and may be removed in the future. The current behavior is equivalent to "
                f"passing `weights={weights_enum.__name__}.IMAGENET1K_V1`. You can also use "
                f"`weights={weights_enum.__name__}.DEFAULT` to get the most up-to-date weights.",
                UserWarning, stacklevel=3)
    return weights_enum.verify(weights)


def _imagenet_meta(**meta) -> dict[str, Any]:
    return {"num_classes": 1000, "min_size": (1, 1), **meta}


def _image_transforms(crop: int = 224, resize: int = 256) -> Callable:
    return partial(ImageClassification, crop_size=crop, resize_size=resize)


# --------------------------------------------------------------------------- registry

BUILTIN_MODELS: dict[str, Callable] = {}


def register_model(name: str | None = None) -> Callable:
    """Decorator: add a builder to the registry under ``name`` (default: its own name)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include: str | list[str] | None = None,
                exclude: str | list[str] | None = None) -> list[str]:
    """Sorted names of the registered models (of ``module`` only, when given).

    ``include``/``exclude`` are Unix shell-style patterns (``"resnet*"``) the names must match
    (or must not).
    """
    import fnmatch

    all_models = {k for k, v in BUILTIN_MODELS.items()
                  if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        models: set[str] = set()
        for pattern in [include] if isinstance(include, str) else include:
            models |= set(fnmatch.filter(all_models, pattern))
    else:
        models = all_models
    if exclude:
        for pattern in [exclude] if isinstance(exclude, str) else exclude:
            models -= set(fnmatch.filter(all_models, pattern))
    return sorted(models)


def _find_model(name: str) -> Callable:
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model_builder(name: str) -> Callable:
    """The builder function registered under ``name``."""
    return _find_model(name)


def get_model(name: str, **config: Any):
    """Build the model registered under ``name`` with ``config`` passed to its builder."""
    return _find_model(name)(**config)


def get_model_weights(model) -> type:
    """The weights enum of a builder (or of the builder registered under that name)."""
    fn = _find_model(model) if isinstance(model, str) else model
    weights_enum = getattr(fn, "_weights_enum", None)
    if weights_enum is None:
        raise ValueError("The method is missing the 'weights' argument.")
    return weights_enum


def get_weight(name: str):
    """The weights member named ``"<Enum>.<MEMBER>"``, e.g. ``"ResNet50_Weights.IMAGENET1K_V2"``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    base = sys.modules[__name__.rsplit(".", 1)[0]]
    weights_enum = getattr(base, enum_name, None)
    if not (isinstance(weights_enum, type) and issubclass(weights_enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be "
                         "retrieved.")
    return weights_enum.from_str(value_name)


def _builder(weights_enum) -> Callable:
    """Register a builder and remember its weights enum (for ``get_model_weights``)."""
    def wrapper(fn):
        fn._weights_enum = weights_enum
        return register_model()(fn)
    return wrapper
