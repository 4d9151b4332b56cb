"""Make ``import torch`` and ``import torchvision`` resolve to numtorch, for unmodified scripts.

``install()`` puts a finder at the front of ``sys.meta_path`` that answers
``torch`` and ``torch.<sub>`` with ``numtorch`` and ``numtorch.<sub>``, and
``torchvision`` and ``torchvision.<sub>`` with ``numtorch.vision`` and
``numtorch.vision.<sub>``.  The module objects are shared, so ``torch.nn`` is
``numtorch.nn``.  ``python -m numtorch run script.py`` calls it before running
the script.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["install", "uninstall", "ALIASES"]

ALIASES = {"torch": "numtorch", "torchvision": "numtorch.vision"}


def _target(fullname: str) -> str | None:
    for alias, real in ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str):
        self.real = real

    def create_module(self, spec):
        return importlib.import_module(self.real)

    def exec_module(self, module) -> None:
        """The real module is already executed."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        real = _target(fullname)
        if real is None:
            return None
        try:
            real_spec = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            return None
        if real_spec is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(real),
                                               is_package=real_spec.submodule_search_locations is not None)
        return spec


_finder = _AliasFinder()


def install() -> None:
    """From now on, ``import torch`` gives numtorch (and ``torchvision`` gives ``numtorch.vision``)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name in list(sys.modules):
        if _target(name) is not None and not sys.modules[name].__name__.startswith("numtorch"):
            del sys.modules[name]


def uninstall() -> None:
    """Undo ``install`` (modules already imported under the alias stay as they are)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if _target(name) is not None and getattr(sys.modules[name], "__name__", "").startswith("numtorch"):
            del sys.modules[name]
