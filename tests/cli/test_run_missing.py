"""Under ``numtorch run``, a PyTorch name numtorch lacks is named, with the script's line.

NOTE [ Naming what numtorch does not implement ] in ``numtorch/compat.py``: the error is the
type Python raises there (``AttributeError``, ``ImportError`` for ``from ... import``,
``ModuleNotFoundError`` for ``import torch.<submodule>``), its message says "numtorch does not
implement torch.X (file, line N)", and ``hasattr``/``getattr(..., None)``/``try``-``except``
keep working. A name PyTorch does not have either keeps Python's ordinary error.

The names probed are picked from the checked-in list as ones numtorch lacks today, so the
tests follow numtorch as it grows; with PyTorch installed, the same probes under ``python``
show that PyTorch has those names and raises the same error types for the others.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import numtorch
from numtorch import compat

_, NAMES = compat.read_pytorch_names()


def _first_missing(namespace: str, module, modules: bool = False) -> str:
    names = sorted(n for n, is_mod in NAMES[namespace].items() if is_mod == modules)
    return next(n for n in names if not hasattr(module, n))


NN = _first_missing("torch.nn", numtorch.nn)
F = _first_missing("torch.nn.functional", numtorch.nn.functional)
TOP = _first_missing("torch", numtorch)
SUBMODULE = _first_missing("torch", numtorch, modules=True)

# (case, statement): each is run on its own line of probe.py; the line numbers are those lines
CASES = [
    ("attribute", f"torch.nn.{NN}"),
    ("top attribute", f"torch.{TOP}"),
    ("from import, package", f"from torch.nn import {NN}"),
    ("from import, module", f"from torch.nn.functional import {F}"),
    ("from torch import", f"from torch import {TOP}"),
    ("import submodule", f"import torch.{SUBMODULE}"),
    ("from torch import submodule", f"from torch import {SUBMODULE}"),
    ("not in PyTorch: attribute", "torch.nn.Conv9d"),
    ("not in PyTorch: from import", "from torch.nn import Conv9d"),
    ("not in PyTorch: top", "torch.no_such_function"),
]

PROBE = textwrap.dedent("""
    import importlib.util, json, pickle, sys, time
    import torch
    import torch.nn, torch.nn.functional
    out = {{}}
    def probe(case, statement, line):
        try:
            exec(compile("\\n" * (line - 1) + statement, __file__, "exec"), {{"torch": torch}})
            out[case] = None
        except Exception as e:
            out[case] = [[c.__name__ for c in type(e).__mro__[1:3]], type(e).__qualname__,
                         str(e), type(pickle.loads(pickle.dumps(e))).__name__,
                         e.args[:1] == (str(e),)]
    for line, (case, statement) in enumerate({cases!r}, start=100):
        probe(case, statement, line)
    out["hasattr"] = [hasattr(torch.nn, {nn!r}), hasattr(torch, {top!r}),
                      getattr(torch.nn.functional, {f!r}, None) is None]
    out["find_spec"] = importlib.util.find_spec("torch.{sub}") is None
    start = time.perf_counter()
    for _ in range(20000):
        hasattr(torch.nn, {nn!r})
    out["hasattr_seconds"] = time.perf_counter() - start
    print(json.dumps(out))
""")


def _probe(tmp_path, runner: bool) -> dict:
    script = tmp_path / "probe.py"
    script.write_text(PROBE.format(cases=CASES, nn=NN, top=TOP, f=F, sub=SUBMODULE))
    cmd = [sys.executable, "-m", "numtorch", "run", "probe.py"] if runner else [
        sys.executable, "probe.py"]
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def under_runner(tmp_path_factory):
    return _probe(tmp_path_factory.mktemp("runner"), runner=True)


def _named(name: str, line: int) -> str:
    return f"numtorch does not implement {name} (probe.py, line {line})"


@pytest.mark.parametrize("line, case, qualname, error", [
    (100, "attribute", f"torch.nn.{NN}", "AttributeError"),
    (101, "top attribute", f"torch.{TOP}", "AttributeError"),
    (102, "from import, package", f"torch.nn.{NN}", "ImportError"),
    (103, "from import, module", f"torch.nn.functional.{F}", "ImportError"),
    (104, "from torch import", f"torch.{TOP}", "ImportError"),
    (105, "import submodule", f"torch.{SUBMODULE}", "ModuleNotFoundError"),
    (106, "from torch import submodule", f"torch.{SUBMODULE}", "ImportError"),
])
def test_a_missing_pytorch_name_is_named_with_its_line(under_runner, line, case, qualname,
                                                       error):
    bases, shown, message, unpickled, args = under_runner[case]
    assert error in bases and shown == error  # caught by `except <error>`, shown as <error>
    assert message == _named(qualname, line) and args
    assert unpickled == error  # crosses to a parent process as the plain error


@pytest.mark.parametrize("case, error, message", [
    ("not in PyTorch: attribute", "AttributeError",
     "module 'numtorch.nn' has no attribute 'Conv9d'"),
    ("not in PyTorch: from import", "ImportError",
     "cannot import name 'Conv9d' from 'numtorch.nn'"),
    ("not in PyTorch: top", "AttributeError", "module 'torch' has no attribute 'no_such_function'"),
])
def test_a_name_pytorch_lacks_too_keeps_pythons_error(under_runner, case, error, message):
    bases, shown, text, _, _ = under_runner[case]
    assert shown == error and text.startswith(message)


def test_probing_stays_cheap_and_quiet(under_runner):
    assert under_runner["hasattr"] == [False, False, True]
    assert under_runner["find_spec"] is True  # importlib.util.find_spec answers, not raises
    assert under_runner["hasattr_seconds"] < 1.0  # 20000 misses: no message is formatted


def test_pytorch_has_the_probed_names_and_raises_the_same_types(tmp_path, under_runner):
    pytest.importorskip("torch")
    real = _probe(tmp_path, runner=False)
    for case, _ in CASES:
        if case.startswith("not in PyTorch"):
            assert real[case][1] == under_runner[case][1], case
        else:
            assert real[case] is None, (case, real[case])
    assert real["hasattr"] == [True, True, False]
    assert real["find_spec"] is False


def test_an_uncaught_one_ends_the_script_at_its_line(tmp_path):
    (tmp_path / "helper.py").write_text(f"import torch\n\nLAYER = torch.nn.{NN}\n")
    (tmp_path / "main.py").write_text(f"import torch\nx = 1\ny = torch.{TOP}\n")
    (tmp_path / "uses_helper.py").write_text("import helper\n")
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "main.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert res.stderr.splitlines()[-1] == "AttributeError: " + _named(f"torch.{TOP}", 3).replace(
        "probe.py", "main.py")
    assert "compat.py" not in res.stderr  # the lookup's own frames are not shown
    res = subprocess.run([sys.executable, "-m", "numtorch", "run", "uses_helper.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.stderr.splitlines()[-1] == "AttributeError: " + _named(
        f"torch.nn.{NN}", 3).replace("probe.py", "helper.py")


def test_uninstall_removes_the_hooks(tmp_path):
    prog = textwrap.dedent("""
        import numtorch, numtorch.nn
        from numtorch import compat
        before = "__getattr__" in vars(numtorch.nn)
        compat.install()
        import torch
        during = "__getattr__" in vars(numtorch.nn)
        compat.uninstall()
        after = "__getattr__" in vars(numtorch.nn)
        print(before, during, after, numtorch.__getattr__.__module__)
    """)
    res = subprocess.run([sys.executable, "-c", prog], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert res.stdout.split() == ["False", "True", "False", "numtorch"], res.stderr
