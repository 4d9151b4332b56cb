"""Make ``import torch`` and ``import torchvision`` resolve to numtorch, for unmodified scripts.

``install()`` puts a finder at the front of ``sys.meta_path`` that answers
``torch`` and ``torch.<sub>`` with ``numtorch`` and ``numtorch.<sub>``, and
``torchvision`` and ``torchvision.<sub>`` with ``numtorch.vision`` and
``numtorch.vision.<sub>``, and ``safetensors.torch`` (only that submodule: ``safetensors``
and ``safetensors.numpy`` stay the real package) with ``numtorch.utils.safetensors``.
The module objects are shared, so ``torch.nn`` is
``numtorch.nn``.  ``install(mirror=True)``, which ``python -m numtorch run``
uses, makes ``torch`` itself a mirror of numtorch that reports the PyTorch
version numtorch follows (NOTE [ torch is a mirror of numtorch under the
runner ]).  Either way, Python processes started from this one by
``multiprocessing``'s ``spawn`` and ``forkserver`` methods install the same
alias before they run anything (NOTE [ Spawned children see numtorch too ]).

NOTE [ torch is a mirror of numtorch under the runner ]
A script under the runner expects ``torch.__version__`` to be a PyTorch release
(``if torch.__version__ >= "2.0"`` picks the modern path), while
``numtorch.__version__`` is numtorch's own release.  One module object cannot
answer ``__version__`` two ways, so under the runner ``torch`` is a module of its
own, built once when first imported:

* its ``__dict__`` is a copy of numtorch's: every public and private name refers
  to the very same object (``torch.nn is numtorch.nn``, ``torch.Tensor is
  numtorch.Tensor``), and looking a name up is an ordinary module-dict lookup, as
  fast as on numtorch itself;
* it owns only the dunders: ``__name__`` is ``"torch"``, ``__version__`` is
  ``numtorch.torch_version.__version__`` (a ``TorchVersion``, ``"2.13.0"``), and
  ``__spec__``/``__loader__`` are the alias's;
* names numtorch gains later (a submodule imported afterwards) are found through
  the module-level ``__getattr__`` and listed by ``__dir__``;
* assigning or deleting a non-dunder name on ``torch`` (``torch.foo = f``, or the
  import system binding a submodule) writes through to numtorch, so a
  monkeypatch reaches numtorch's own code as it would reach PyTorch's.

``from torch import *`` and ``dir(torch)`` read the copied dict; pickles name
classes and functions by their defining module (``numtorch.*``), which the
mirror does not change.  What a mirror cannot follow is numtorch rebinding one
of its own top-level globals after the copy (``global x; x = ...`` inside
``numtorch/__init__.py``); public names are not rebound that way.
Plain ``install()`` keeps ``torch`` the numtorch module itself.

NOTE [ Spawned children see numtorch too ]
``fork`` children inherit the finder.  ``spawn`` and ``forkserver`` start a
fresh interpreter with ``python -c "from multiprocessing.spawn import
spawn_main; ..."`` (or ``... forkserver import main; ...``), and that child
re-runs the parent's main script (as ``__mp_main__``) before it unpickles
anything: without help its ``import torch`` finds real PyTorch, or nothing.
Environment tricks (``.pth`` files, ``sitecustomize``) would reach every Python
the script starts, not just multiprocessing's.  Instead ``install`` wraps the two
functions that build those command lines (``multiprocessing.spawn.
get_command_line`` and ``multiprocessing.util.spawnv_passfds``) so that exactly
these two programs are prefixed with a line that imports this module and calls
``install`` with the parent's setting.  The alias is then in place before the
child does anything else; a forkserver passes it on to every worker it forks
(with numtorch already imported, which makes those workers start faster).  Other
command lines (the resource tracker's, a user's own ``subprocess``) are left
alone, and ``uninstall`` restores the two functions.  The wrapping happens when
``multiprocessing.spawn`` is first imported (the alias finder sees that import
and loads the module through ``_PatchAfterLoading``), or at once if it already
was: a script that starts no processes does not pay for importing
``multiprocessing.spawn`` and ``subprocess``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

__all__ = ["install", "uninstall", "ALIASES"]

ALIASES = {"torch": "numtorch", "torchvision": "numtorch.vision",
           "safetensors.torch": "numtorch.utils.safetensors"}

_state = {"installed": False, "mirror": False}
_mirror_module: types.ModuleType | None = None


def _target(fullname: str) -> str | None:
    for alias, real in ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias):]
    return None


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


# -- the mirror ---------------------------------------------------------------------------

class _TorchModule(types.ModuleType):
    """``torch`` under the runner: numtorch's names, PyTorch's version (see the NOTE)."""

    def __setattr__(self, name: str, value) -> None:
        super().__setattr__(name, value)
        if not _is_dunder(name):
            setattr(sys.modules["numtorch"], name, value)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        numtorch = sys.modules["numtorch"]
        if not _is_dunder(name) and name in vars(numtorch):
            delattr(numtorch, name)


def _build_mirror() -> types.ModuleType:
    """A new ``torch`` module mirroring numtorch (NOTE [ torch is a mirror of numtorch ... ])."""
    import numtorch
    from numtorch import torch_version, version

    mirror = _TorchModule("torch", numtorch.__doc__)
    ns = mirror.__dict__
    ns.update((k, v) for k, v in vars(numtorch).items() if not _is_dunder(k))
    for k in ("__file__", "__path__", "__all__"):
        if k in vars(numtorch):
            ns[k] = vars(numtorch)[k]
    ns.setdefault("version", version)
    ns.setdefault("torch_version", torch_version)
    ns["__version__"] = torch_version.__version__

    def __getattr__(name: str):
        try:
            return getattr(numtorch, name)
        except AttributeError as e:
            if str(e) == f"module 'numtorch' has no attribute '{name}'":
                raise AttributeError(f"module 'torch' has no attribute '{name}'") from None
            raise

    def __dir__() -> list[str]:
        return sorted(set(ns) | set(dir(numtorch)))

    ns["__getattr__"] = __getattr__
    ns["__dir__"] = __dir__
    return mirror


def _mirror() -> types.ModuleType:
    global _mirror_module
    if _mirror_module is None:
        _mirror_module = _build_mirror()
    return _mirror_module


# -- the finder -------------------------------------------------------------------------

# The finder and loader follow importlib's protocols without subclassing importlib.abc, whose
# import costs the runner's start-up several milliseconds.
class _AliasLoader:
    def __init__(self, real: str):
        self.real = real

    def create_module(self, spec):
        if self.real == "numtorch" and _state["mirror"]:
            return _mirror()
        return importlib.import_module(self.real)

    def exec_module(self, module) -> None:
        """The real module is already executed."""


class _AliasFinder:
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "multiprocessing.spawn":
            return _spec_patching_spawn(self, fullname, path, target)
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
                                               is_package=(real_spec.submodule_search_locations
                                                           is not None))
        return spec


_finder = _AliasFinder()


def _is_ours(module) -> bool:
    return module is _mirror_module or getattr(module, "__name__", "").startswith("numtorch")


# -- children started by multiprocessing --------------------------------------------------

_CHILD_PROGRAMS = ("from multiprocessing.spawn import spawn_main",
                   "from multiprocessing.forkserver import main")


def _child_prelude() -> str:
    """The line put before a spawned child's program.

    See NOTE [ Spawned children see numtorch too ].
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return (f"import sys; sys.path.append({root!r}); import numtorch.compat as _nc; "
            f"_nc._enter_child({root!r}, {_state['mirror']!r}); del _nc; ")


def _enter_child(root: str, mirror: bool) -> None:
    """Run first in a spawned child: drop the path entry the prelude added, install the alias."""
    for i in range(len(sys.path) - 1, -1, -1):
        if sys.path[i] == root:
            del sys.path[i]
            break
    install(mirror=mirror)


def _through_numtorch(args):
    """``args`` with a spawn or forkserver child's ``-c`` program prefixed by the prelude."""
    args = list(args)
    for i in range(len(args) - 1):
        prog = args[i + 1]
        if args[i] == "-c" and isinstance(prog, str) and prog.startswith(_CHILD_PROGRAMS):
            args[i + 1] = _child_prelude() + prog
    return args


class _PatchAfterLoading:
    """``multiprocessing.spawn``'s own loader, which then wraps the command lines in it."""

    def __init__(self, loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        if _state["installed"]:
            _patch_multiprocessing()

    def __getattr__(self, name: str):
        return getattr(self.loader, name)


def _spec_patching_spawn(finder, fullname, path, target):
    """The spec the other finders give ``multiprocessing.spawn``, loading it through
    ``_PatchAfterLoading``: the runner does not import multiprocessing at start-up."""
    for other in sys.meta_path:
        if other is finder or not hasattr(other, "find_spec"):
            continue
        spec = other.find_spec(fullname, path, target)
        if spec is not None:
            if hasattr(spec.loader, "exec_module"):
                spec.loader = _PatchAfterLoading(spec.loader)
            return spec
    return None


def _patch_multiprocessing() -> None:
    """Wrap the command lines of spawn and forkserver children (once ``multiprocessing.spawn``,
    which imports ``multiprocessing.util``, has been imported)."""
    mp_spawn = sys.modules.get("multiprocessing.spawn")
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_spawn is None or mp_util is None:
        return
    if not hasattr(mp_spawn.get_command_line, "_numtorch_original"):
        original_cmd = mp_spawn.get_command_line

        def get_command_line(**kwds):
            return _through_numtorch(original_cmd(**kwds))

        get_command_line._numtorch_original = original_cmd
        mp_spawn.get_command_line = get_command_line
    if not hasattr(mp_util.spawnv_passfds, "_numtorch_original"):
        original_spawnv = mp_util.spawnv_passfds

        def spawnv_passfds(path, args, passfds):
            return original_spawnv(path, _through_numtorch(args), passfds)

        spawnv_passfds._numtorch_original = original_spawnv
        mp_util.spawnv_passfds = spawnv_passfds


def _unpatch_multiprocessing() -> None:
    mp_spawn = sys.modules.get("multiprocessing.spawn")
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_spawn is not None and hasattr(mp_spawn.get_command_line, "_numtorch_original"):
        mp_spawn.get_command_line = mp_spawn.get_command_line._numtorch_original
    if mp_util is not None and hasattr(mp_util.spawnv_passfds, "_numtorch_original"):
        mp_util.spawnv_passfds = mp_util.spawnv_passfds._numtorch_original


# -- installing ---------------------------------------------------------------------------

def install(mirror: bool = False) -> None:
    """From now on, ``import torch`` gives numtorch (and ``torchvision`` gives ``numtorch.vision``),
    here and in processes that ``multiprocessing`` spawns from here.

    Args:
        mirror: ``False``: ``torch`` is the numtorch module itself. ``True`` (what the runner
            uses): ``torch`` is a mirror of numtorch whose ``__version__`` is the PyTorch
            release numtorch follows (NOTE [ torch is a mirror of numtorch under the runner ]).
    """
    _state["installed"] = True
    _state["mirror"] = bool(mirror)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name in list(sys.modules):
        if _target(name) is not None and not _is_ours(sys.modules[name]):
            del sys.modules[name]
    current = sys.modules.get("torch")
    if current is not None and (current is _mirror_module) != _state["mirror"]:
        del sys.modules["torch"]
    _patch_multiprocessing()


def uninstall() -> None:
    """Undo ``install`` (modules already imported under the alias stay as they are)."""
    _state["installed"] = False
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if _target(name) is not None and _is_ours(sys.modules[name]):
            del sys.modules[name]
    _unpatch_multiprocessing()
