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

NOTE [ Naming what numtorch does not implement ]
A script that reaches for a PyTorch name numtorch lacks should learn exactly that, where it
did it: ``AttributeError: numtorch does not implement torch.nn.Conv9d (train.py, line 42)``,
not ``module 'numtorch.nn' has no attribute 'Conv9d'``.  ``numtorch/cli/pytorch_names.txt``
lists PyTorch's public names in the namespaces of ``LISTED_NAMESPACES`` (written by
``tools/compat_table.py``); a name missing from numtorch that this list has gets the message,
any other name keeps Python's ordinary error, as under PyTorch.  While the alias is installed:

* each listed numtorch module gets a module ``__getattr__`` (wrapping the module's own, if it
  has one).  Python calls it only for a name the module lacks, so present names cost nothing
  more.  It raises an ``AttributeError`` subclass, so ``hasattr`` and ``getattr(m, n, None)``
  work as before; the exception records the file and line of the code that asked and formats
  its message only when shown.  A listed submodule numtorch has but has not imported yet is
  imported and returned, as ``torch.<submodule>`` is always there in PyTorch.
* ``from torch.nn import Conv9d``: Python's ``IMPORT_FROM`` turns any ``AttributeError`` into
  its own ``cannot import name`` ``ImportError``, so when the asking frame is at an
  ``IMPORT_FROM`` instruction, the hook raises an ``ImportError`` subclass with the message
  itself (a ``try``/``except ImportError`` still catches it).
* ``import torch.fft``, a listed submodule numtorch lacks: the finder raises a
  ``ModuleNotFoundError`` subclass with the message (only for an import statement or
  ``importlib.import_module``; ``importlib.util.find_spec`` still answers ``None``).

The list is read on the first miss only.  ``torchvision`` has no list (it is not installed
beside the PyTorch the list comes from), so its missing names keep Python's errors, and
``Tensor`` methods are not hooked (a class ``__getattr__`` would slow every attribute access).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

__all__ = ["install", "uninstall", "ALIASES", "LISTED_NAMESPACES", "read_pytorch_names",
           "MissingAttributeError", "MissingImportError", "MissingModuleError"]

ALIASES = {"torch": "numtorch", "torchvision": "numtorch.vision",
           "safetensors.torch": "numtorch.utils.safetensors"}

_state = {"installed": False, "mirror": False}
_mirror_module: types.ModuleType | None = None

# The PyTorch namespaces whose public names numtorch/cli/pytorch_names.txt lists
# (NOTE [ Naming what numtorch does not implement ]).
LISTED_NAMESPACES = (
    "torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init",
    "torch.nn.utils", "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data",
    "torch.autograd", "torch.linalg", "torch.special", "torch.fft", "torch.cuda",
)
_NAMES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli", "pytorch_names.txt")
_names: dict[str, dict[str, bool]] | None = None
_hooked: dict[str, types.ModuleType] = {}  # numtorch module name -> module given a hook


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
        module = importlib.import_module(self.real)
        _hook_loaded_namespaces()
        if self.real == "numtorch" and _state["mirror"]:
            return _mirror()
        return module

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
            real_spec = None
        if real_spec is None:
            # an import statement's own search (not importlib.util.find_spec's) for a
            # submodule PyTorch has: say so (NOTE [ Naming what numtorch does not implement ])
            if sys._getframe(2).f_code.co_name == "_find_and_load_unlocked":
                parent, _, leaf = fullname.rpartition(".")
                if _pytorch_names().get(parent, {}).get(leaf):
                    raise MissingModuleError(fullname, _asking_frame(), name=fullname)
            return None
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(real),
                                               is_package=(real_spec.submodule_search_locations
                                                           is not None))
        return spec


_finder = _AliasFinder()


def _is_ours(module) -> bool:
    return module is _mirror_module or getattr(module, "__name__", "").startswith("numtorch")


# -- naming what numtorch does not implement ----------------------------------------------

def read_pytorch_names(path: str | os.PathLike | None = None
                       ) -> tuple[str, dict[str, dict[str, bool]]]:
    """PyTorch's public names as the checked-in list gives them.

    Args:
        path: the list; by default ``numtorch/cli/pytorch_names.txt``.

    Returns:
        (the PyTorch version the list comes from, ``{namespace: {name: is a submodule}}``).
    """
    version, table, current = "", {}, None
    with open(_NAMES_FILE if path is None else path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("# PyTorch ") and not version:
                version = line.split()[2].split("'")[0]
            elif line.startswith("[") and line.endswith("]"):
                current = table.setdefault(line[1:-1], {})
            elif line and not line.startswith("#") and current is not None:
                current[line.rstrip("/")] = line.endswith("/")
    return version, table


def _pytorch_names() -> dict[str, dict[str, bool]]:
    """The list, read once, on the first miss; empty when the file is not there."""
    global _names
    if _names is None:
        try:
            _names = read_pytorch_names()[1]
        except OSError:
            _names = {}
    return _names


def _asking_frame():
    """The frame that asked for the missing name: the first one outside this module and the
    import system."""
    frame = sys._getframe(1)
    while frame is not None and (frame.f_code.co_filename == __file__
                                 or frame.f_code.co_filename.startswith("<frozen importlib")):
        frame = frame.f_back
    return frame


class _NamesWhatIsMissing:
    """The message of the three exceptions below, formatted only when it is shown."""

    def _remember(self, qualname: str, frame) -> None:
        self.qualname = qualname
        self.filename = frame.f_code.co_filename if frame is not None else None
        self.lineno = frame.f_lineno if frame is not None else None

    def __str__(self) -> str:
        if self.filename is None:
            return f"numtorch does not implement {self.qualname}"
        where = self.filename
        if os.path.isabs(where):
            try:
                rel = os.path.relpath(where)
                where = where if rel.startswith(os.pardir) else rel
            except ValueError:
                pass
        return f"numtorch does not implement {self.qualname} ({where}, line {self.lineno})"

    @property
    def args(self) -> tuple:  # ``e.args[0]`` is the message, as for Python's own errors
        return (str(self),)

    @args.setter
    def args(self, value) -> None:
        BaseException.args.__set__(self, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self):  # pickled (to a parent process) as the plain error with the text
        return self.__class__.__bases__[1], (str(self),)


class MissingAttributeError(_NamesWhatIsMissing, AttributeError):
    """``torch.<namespace>.<name>``: a PyTorch name numtorch does not implement."""

    def __init__(self, qualname: str, frame, name: str | None = None, obj=None) -> None:
        super().__init__(name=name, obj=obj)
        self._remember(qualname, frame)


class MissingImportError(_NamesWhatIsMissing, ImportError):
    """``from torch.<namespace> import <name>``: a PyTorch name numtorch does not implement."""

    def __init__(self, qualname: str, frame, name: str | None = None,
                 path: str | None = None) -> None:
        super().__init__(name=name, path=path)
        self._remember(qualname, frame)


class MissingModuleError(_NamesWhatIsMissing, ModuleNotFoundError):
    """``import torch.<submodule>``: a PyTorch submodule numtorch does not implement."""

    def __init__(self, qualname: str, frame, name: str | None = None) -> None:
        super().__init__(name=name)
        self._remember(qualname, frame)


# A traceback shows them as the error Python would raise there ("AttributeError: numtorch does
# not implement torch.nn.Conv9d (train.py, line 42)"); isinstance still tells them apart.
for _cls, _shown in ((MissingAttributeError, "AttributeError"),
                     (MissingImportError, "ImportError"),
                     (MissingModuleError, "ModuleNotFoundError")):
    _cls.__module__, _cls.__qualname__ = "builtins", _shown
del _cls, _shown


def _is_import_from(frame) -> bool:
    """Whether ``frame`` is running a ``from module import name`` instruction."""
    if frame is None or frame.f_lasti < 0:
        return False
    import opcode

    code = frame.f_code.co_code
    return frame.f_lasti < len(code) and code[frame.f_lasti] == opcode.opmap["IMPORT_FROM"]


def _missing_name_hook(module: types.ModuleType, namespace: str, original):
    """The module ``__getattr__`` that names what numtorch lacks in PyTorch's ``namespace``
    (NOTE [ Naming what numtorch does not implement ])."""
    modname = module.__name__

    def __getattr__(name: str):
        error = None
        if original is not None:
            try:
                return original(name)
            except AttributeError as e:
                error = e
        if name[:1] != "_":
            is_module = _pytorch_names().get(namespace, {}).get(name)
            if is_module is not None:
                if is_module and importlib.util.find_spec(f"{modname}.{name}") is not None:
                    try:
                        return importlib.import_module(f"{modname}.{name}")
                    except ImportError as e:  # it needs an optional package: not usable here
                        raise AttributeError(f"module {modname!r} has no attribute {name!r} "
                                             f"({e})", name=name, obj=module) from e
                frame = _asking_frame()
                if _is_import_from(frame):
                    raise MissingImportError(f"{namespace}.{name}", frame, name=modname,
                                             path=getattr(module, "__file__", None))
                raise MissingAttributeError(f"{namespace}.{name}", frame, name=name, obj=module)
        if error is not None:
            raise error
        raise AttributeError(f"module {modname!r} has no attribute {name!r}", name=name,
                             obj=module)

    __getattr__._numtorch_original = original
    return __getattr__


def _hook_loaded_namespaces() -> None:
    """Give each listed namespace numtorch has loaded its missing-name hook, once."""
    for namespace in LISTED_NAMESPACES:
        real = _target(namespace)
        module = sys.modules.get(real)
        if module is None or real in _hooked or not isinstance(module, types.ModuleType):
            continue
        original = vars(module).get("__getattr__")
        module.__getattr__ = _missing_name_hook(module, namespace, original)
        _hooked[real] = module


def _unhook_namespaces() -> None:
    for module in _hooked.values():
        original = getattr(vars(module).get("__getattr__"), "_numtorch_original", None)
        if original is not None:
            module.__getattr__ = original
        elif "__getattr__" in vars(module):
            del module.__getattr__
    _hooked.clear()


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
    _hook_loaded_namespaces()
    _patch_multiprocessing()


def uninstall() -> None:
    """Undo ``install`` (modules already imported under the alias stay as they are)."""
    _state["installed"] = False
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if _target(name) is not None and _is_ours(sys.modules[name]):
            del sys.modules[name]
    _unhook_namespaces()
    _unpatch_multiprocessing()
