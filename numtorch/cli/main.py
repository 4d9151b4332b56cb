"""The ``numtorch`` command (also ``python -m numtorch``).

``numtorch run script.py [args...]`` and ``numtorch run -m module [args...]`` run an
unmodified PyTorch program with ``torch`` and ``torchvision`` resolving to numtorch,
as ``python`` would run it (NOTE [ The runner behaves like python ] in
``numtorch/cli/run.py``); ``numtorch --version`` prints numtorch's version.

The runner's own options end at the script (or at ``-m module``): everything after
it belongs to the script, ``--help`` included, as with ``python``.
"""

from __future__ import annotations

import sys

__all__ = ["main", "build_parser", "build_run_parser"]

_RUN_DESCRIPTION = (
    "Run a PyTorch program unchanged, with `torch` and `torchvision` resolving to numtorch "
    "(in DataLoader workers and other multiprocessing children too). It runs as "
    "`python script.py args` or `python -m module args` would: same sys.argv, sys.path[0], "
    "__main__, exit codes and tracebacks; torch.__version__ is the PyTorch release whose API "
    "numtorch follows.")


def _version_line() -> str:
    import numtorch
    from numtorch import version

    return f"numtorch {numtorch.__version__} (PyTorch {version.__version__} API)"


def build_run_parser():
    """The ``argparse`` parser of ``numtorch run``'s own arguments (those before the script's)."""
    import argparse

    p = argparse.ArgumentParser(
        prog="numtorch run", description=_RUN_DESCRIPTION,
        usage="%(prog)s [-h] (script | -m module) [args ...]",
        epilog="Everything after the script (or after -m module) is passed to it unchanged, "
               "as its sys.argv[1:].")
    p.add_argument("-m", dest="module", metavar="module",
                   help="run a module (or a package's __main__) as a script, as `python -m module`")
    p.add_argument("script", nargs="?",
                   help="the script to run: a .py file, or a directory or zip file holding "
                        "__main__.py, as `python script`")
    p.add_argument("args", nargs="*", help="the script's arguments (its sys.argv[1:])")
    return p


def build_parser():
    """The ``argparse`` parser of the ``numtorch`` command line (``run`` has its own,
    ``build_run_parser``)."""
    import argparse

    p = argparse.ArgumentParser(prog="numtorch", description="PyTorch's training stack on NumPy.")
    p.add_argument("--version", action="version", version=_version_line(),
                   help="print numtorch's version and exit")
    sub = p.add_subparsers(dest="command", metavar="command", required=True)
    sub.add_parser("run", add_help=False,
                   help="run a PyTorch script unchanged, with torch and torchvision as numtorch "
                        "(see `numtorch run --help`)")
    return p


def _split_run_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """The runner's own arguments (up to the script or ``-m module``) and the script's."""
    for i, arg in enumerate(argv):
        if arg == "-m":
            return argv[:i + 2], argv[i + 2:]
        if arg.startswith("-m") and not arg.startswith("--"):
            return argv[:i + 1], argv[i + 1:]
        if arg == "--":
            return argv[:i + 2], argv[i + 2:]
        if not arg.startswith("-") or arg == "-":
            return argv[:i + 1], argv[i + 1:]
    return argv, []


def _parse_run_args(own: list[str]) -> tuple[str | None, str | None]:
    """(module, script) from the runner's own arguments; argparse only where it is needed
    (help, errors, unusual spellings), so that a plain ``run script.py`` starts faster."""
    if len(own) == 1 and not own[0].startswith("-"):
        return None, own[0]
    if len(own) == 2 and own[0] == "-m" and not own[1].startswith("-"):
        return own[1], None
    parser = build_run_parser()
    ns = parser.parse_args(own)
    if ns.module is None and ns.script is None:
        parser.error("the following arguments are required: script (or -m module)")
    return ns.module, ns.script


def _run(argv: list[str]) -> int:
    own, rest = _split_run_args(argv)
    module, script = _parse_run_args(own)
    from numtorch import compat
    from numtorch.cli import run

    compat.install(mirror=True)
    if module is not None:
        return run.run_module(module, rest)
    return run.run_path(script, rest)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``numtorch`` and ``python -m numtorch``; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "run":
        return _run(argv[1:])
    ns = build_parser().parse_args(argv)
    func = getattr(ns, "func", None)  # a subcommand's handler, where one sets it
    return func(ns) if func is not None else 0


if __name__ == "__main__":
    sys.exit(main())
