"""``python -m numtorch run`` runs a script (or ``-m module``) as ``python`` runs it.

Each case runs a real script in a fresh process twice, under ``python`` and under the
runner, and compares what the script saw and what the process printed and returned.
The scripts here do not import torch, so the comparison needs no PyTorch and shows the
runner alone (workers and ``torch`` itself are in test_runner_children.py).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import builtins, json, pickle, sys
    start = sorted(globals())
    from helper import VALUE

    class Point:
        def __init__(self, x):
            self.x = x

    print(json.dumps({
        "argv": sys.argv, "path0": sys.path[0], "file": __file__, "name": __name__,
        "spec": None if __spec__ is None else [__spec__.name, __spec__.origin],
        "loader": [type(__loader__).__name__, getattr(__loader__, "path", None)],
        "package": __package__, "cached": __cached__, "doc": __doc__, "globals": start,
        "builtins": __builtins__ is builtins, "helper": VALUE,
        "main": sys.modules["__main__"].__dict__ is globals(),
        "pickle": pickle.loads(pickle.dumps(Point(3))).x,
    }))
""")


@pytest.fixture
def tree(tmp_path):
    """proj/probe.py beside proj/helper.py, a symlink to it, app/ with a __main__.py, and pkg/."""
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "probe.py").write_text(PROBE)
    (tmp_path / "proj" / "helper.py").write_text("VALUE = 'beside the script'\n")
    (tmp_path / "links").mkdir()
    os.symlink(tmp_path / "proj" / "probe.py", tmp_path / "links" / "probe_link.py")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text(PROBE)
    (tmp_path / "app" / "helper.py").write_text("VALUE = 'in the app'\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("import sys\nprint('init sees', sys.argv)\n")
    (tmp_path / "pkg" / "mod.py").write_text(textwrap.dedent("""
        import sys
        print(sys.argv, sys.path[0], __file__, __name__, __spec__.name, __package__)
        if sys.argv[1:2] == ["fail"]:
            raise LookupError("from a module")
    """))
    (tmp_path / "pkg" / "helper.py").write_text("VALUE = 'in the package'\n")
    return tmp_path


def _python(args, cwd):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _both(args, cwd, console=False):
    """(python's result, the runner's result) for the same arguments; the runner started as
    ``python -m numtorch run`` or, with ``console``, as the ``numtorch`` console script."""
    launcher = [sys.executable, "-m", "numtorch"]
    if console:
        script = pathlib.Path(sys.executable).parent / "numtorch"
        if not script.exists():
            pytest.skip("the numtorch console script is not installed")
        launcher = [str(script)]
    ours = subprocess.run(
        [*launcher, "run", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    return _python(args, cwd), ours


@pytest.mark.parametrize("cwd, script, args, console", [
    (".", "./proj/../proj/probe.py", [], False),
    ("proj", "probe.py", ["a", "--help", "-m", "x", "--"], False),
    ("elsewhere", "{root}/links/probe_link.py", ["-v"], True),
    ("elsewhere", "../app", ["c"], False),
])
def test_script_sees_what_python_gives_it(tree, cwd, script, args, console):
    """sys.argv, sys.path[0] (the script's real folder: imports beside it work from any cwd),
    __file__, __name__, __spec__, __loader__, the globals, pickling of its classes."""
    script = script.format(root=tree)
    theirs, ours = _both([script, *args], tree / cwd, console)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert json.loads(ours.stdout) == json.loads(theirs.stdout)
    assert ours.stderr == theirs.stderr == ""


HELPER = textwrap.dedent("""
    def fail(n):
        if n == 0:
            raise ValueError("deep in the helper")
        fail(n - 1)
""")

EXITS = {
    "exit_code": "print('before'); sys.exit(3)",
    "traceback": textwrap.dedent("""
        import atexit
        from helper import fail
        atexit.register(print, "atexit ran")
        try:
            fail(2)
        except ValueError as e:
            raise RuntimeError("outer") from e
    """),
    "keyboard_interrupt": "def f():\n    raise KeyboardInterrupt\nf()",
    "syntax_error": "x = (1,\nprint('never')",
    "user_excepthook": textwrap.dedent("""
        import traceback
        def hook(t, v, tb):
            print("hook", t.__name__, [f.name for f in traceback.extract_tb(tb)], file=sys.stderr)
        sys.excepthook = hook
        def g():
            1 / 0
        g()
    """),
}


@pytest.mark.parametrize("case", EXITS)
def test_exit_codes_and_tracebacks_are_pythons(tmp_path, case):
    """Exit codes, SystemExit, KeyboardInterrupt (death by SIGINT) and the printed traceback,
    which lists the script's frames only, byte for byte as python prints them."""
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "script.py").write_text("import sys\n" + EXITS[case] + "\n")
    theirs, ours = _both(["script.py"], tmp_path)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode, theirs.stdout, theirs.stderr
    )
    assert "numtorch" not in ours.stderr and "runpy" not in ours.stderr


@pytest.mark.parametrize("args", [["pkg.mod", "fail", "--flag"], ["pkg.nowhere"]])
def test_run_module_is_python_m(tree, args):
    """``numtorch run -m pkg.mod args`` as ``python -m pkg.mod args``: argv, sys.path[0] = cwd,
    __main__ with the module's spec, the traceback python -m prints, the exit code."""
    theirs, ours = _both(["-m", *args], tree)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode, theirs.stdout, theirs.stderr
    )


def test_missing_script_fails_as_python_does(tmp_path):
    theirs, ours = _both(["missing.py"], tmp_path)
    assert ours.returncode == theirs.returncode == 2 and ours.stdout == ""
    assert ours.stderr.split(": ", 1)[1] == theirs.stderr.split(": ", 1)[1]
