"""The ``numtorch`` command: ``numtorch run script.py [args...]`` (also ``python -m numtorch``)."""

from __future__ import annotations

import argparse
import runpy
import sys

__all__ = ["main"]


def _run(args) -> int:
    from numtorch import compat
    compat.install()
    sys.argv = [args.script] + args.args
    runpy.run_path(args.script, run_name="__main__")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="numtorch", description="PyTorch's training stack on NumPy.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a PyTorch script unchanged, with torch and torchvision as numtorch")
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER)
    r.set_defaults(func=_run)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
