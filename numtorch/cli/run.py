"""Running a script or a module as ``python`` runs it, with ``torch`` resolving to numtorch.

NOTE [ The runner behaves like python ]
``numtorch run script.py args`` should be indistinguishable, to the script, from
``python script.py args`` with PyTorch installed.  What Python sets up, the
runner sets up the same way:

* ``sys.argv`` is ``[script, *args]`` exactly as typed; ``-m module`` gives
  ``["-m", *args]`` while the module is looked up, then its file's path.
* ``sys.path[0]``, the entry Python puts first for its program, is the script's
  folder (symlinks resolved), the directory or zip file itself for one holding a
  ``__main__.py``, the current directory for ``-m``, so ``from helper import x``
  beside the script works from any working directory.  Under ``-P`` or ``-I``
  Python puts no entry first, and neither does the runner.
* The script runs in a new ``__main__`` module that replaces the launcher's in
  ``sys.modules`` for good, with the globals Python gives a script
  (``__file__`` absolute, ``__spec__`` ``None``, a ``SourceFileLoader``...).  Classes
  defined in it therefore pickle as ``__main__.X``, and ``multiprocessing``'s spawn
  children re-run this script as their ``__mp_main__``, as under Python.
  ``-m`` and directories go through ``runpy._run_module_as_main``, the very
  function ``python -m`` uses.
* ``sys.exit(n)``, ``SystemExit`` and the exit code after an exception are
  Python's own, because the exception is left to propagate to the interpreter.
  Its traceback would list the runner's frames above the script's, so just
  before it leaves, the runner puts a one-shot ``sys.excepthook`` in front of
  the current one, which shows the exception with the frames below the runner's
  only: the script's (after ``<frozen runpy>``'s two for ``-m``, as ``python -m``
  shows them).  An error naming a PyTorch name numtorch lacks (NOTE [ Naming what
  numtorch does not implement ] in ``numtorch/compat.py``) ends at the script's line
  that asked for it, without the lookup frames inside ``numtorch/compat.py``.  A
  ``SyntaxError`` in the script prints as Python prints it.  An uncaught
  ``KeyboardInterrupt`` still ends the process by ``SIGINT``.
"""

from __future__ import annotations

import builtins
import os
import sys
import types

from numtorch import compat

__all__ = ["run_path", "run_module"]


def _absolute(path: str) -> str:
    """``path`` made absolute as Python makes its script's path (joined, not normalised)."""
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _set_first_path_entry(entry: str) -> None:
    """Put ``entry`` where Python puts its program's folder, replacing the launcher's."""
    if getattr(sys.flags, "safe_path", False) or sys.flags.isolated:
        return
    if sys.path:
        sys.path[0] = entry
    else:
        sys.path.insert(0, entry)


def _new_main() -> types.ModuleType:
    """A fresh ``__main__`` module, installed in ``sys.modules``, with Python's start-up globals."""
    main = types.ModuleType("__main__")
    main.__annotations__ = {}
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    return main


class _ShowUserFrames:
    """A one-shot ``sys.excepthook`` that shows ``exc`` with the traceback ``tb``
    (NOTE [ The runner behaves like python ])."""

    def __init__(self, exc: BaseException, tb, previous) -> None:
        self.exc, self.tb, self.previous = exc, tb, previous

    def __call__(self, exc_type, value, tb) -> None:
        if sys.excepthook is self:
            sys.excepthook = self.previous
        if value is self.exc:
            tb = self.tb
            value.__traceback__ = tb
        self.previous(exc_type, value, tb)


def _execute(fn, *args):
    """``fn(*args)``, the call into the user's code: frames from here up are the runner's."""
    try:
        return fn(*args)
    except SystemExit:
        raise
    except BaseException as exc:
        user_tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
        if isinstance(exc, _MISSING):
            _cut_lookup_frames(user_tb)
        sys.excepthook = _ShowUserFrames(exc, user_tb, sys.excepthook)
        raise


_MISSING = (compat.MissingAttributeError, compat.MissingImportError, compat.MissingModuleError)


def _cut_lookup_frames(tb) -> None:
    """End traceback ``tb`` before its first frame in ``numtorch/compat.py``."""
    while tb is not None and tb.tb_next is not None:
        if tb.tb_next.tb_frame.f_code.co_filename == compat.__file__:
            tb.tb_next = None
            return
        tb = tb.tb_next


def _importer_for(path: str):
    """The path hook's importer for ``path`` (a directory or zip file), or ``None`` for a file."""
    for hook in sys.path_hooks:
        try:
            return hook(path)
        except ImportError:
            continue
    return None


def run_path(script: str, args: list[str]) -> int:
    """Run ``script`` with ``args`` as ``python script args`` would.

    Args:
        script: a Python source file, or a directory or zip file holding ``__main__.py``.
        args: the script's arguments, ``sys.argv[1:]``.

    Returns:
        0 when the script ends normally; 2 when it cannot be opened (Python's code).
        ``sys.exit`` and exceptions propagate as under Python.
    """
    import runpy

    path = _absolute(script)
    sys.argv = [script, *args]
    if os.path.isdir(path) or (os.path.isfile(path) and _importer_for(path) is not None):
        _set_first_path_entry(path)
        _new_main()
        _execute(runpy._run_module_as_main, "__main__", False)
        return 0
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        print(f"numtorch run: can't open file {path!r}: [Errno {e.errno}] {e.strerror}",
              file=sys.stderr)
        return 2
    from importlib.machinery import SourceFileLoader, SourcelessFileLoader
    from importlib.util import MAGIC_NUMBER

    _set_first_path_entry(os.path.dirname(os.path.realpath(path)))
    main = _new_main()
    main.__file__ = path
    main.__cached__ = None
    if path.endswith(".pyc") or source[:len(MAGIC_NUMBER)] == MAGIC_NUMBER:  # compiled, as Python
        import marshal

        main.__loader__ = SourcelessFileLoader("__main__", path)
        code = _execute(marshal.loads, source[16:])
    else:
        main.__loader__ = SourceFileLoader("__main__", path)
        code = _execute(compile, source, path, "exec", 0, True)
    _execute(exec, code, main.__dict__)
    return 0


def run_module(name: str, args: list[str]) -> int:
    """Run module ``name`` with ``args`` as ``python -m name args`` would.

    Args:
        name: the module (or package, run through its ``__main__``), e.g. ``pkg.train``.
        args: the module's arguments, ``sys.argv[1:]``.

    Returns:
        0 when the module ends normally; ``sys.exit`` and exceptions propagate as under
        Python (a module that cannot be found exits with Python's message and code 1).
    """
    import runpy

    sys.argv = ["-m", *args]
    _set_first_path_entry(os.getcwd())
    _new_main()
    _execute(runpy._run_module_as_main, name, True)
    return 0
