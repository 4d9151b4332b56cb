"""docs/compatibility.md is what tools/compat_table.py writes today, and the checked-in list of
PyTorch's names (numtorch/cli/pytorch_names.txt) is what the installed PyTorch gives."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _tool():
    path = ROOT / "tools" / "compat_table.py"
    spec = importlib.util.spec_from_file_location("compat_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_table_is_up_to_date():
    tool = _tool()
    expected = tool.table_text()
    committed = (ROOT / "docs" / "compatibility.md").read_text()
    assert committed == expected, (
        "docs/compatibility.md is out of date: run `python tools/compat_table.py`")


def test_the_table_counts_what_numtorch_has():
    """The walk itself: a name numtorch has counts as implemented, a missing one is listed."""
    tool = _tool()
    table = {"torch.nn": {"Linear": False, "NoSuchLayer": False},
             "torch": {"nn": True, "no_such_function": False}}
    text = tool.render("2.13.0", table)
    assert "| `torch.nn` | 2 | 1 (50%) | 1 |" in text
    assert "### `torch.nn` (1 missing)\n\n`NoSuchLayer`" in text
    assert "### `torch` (1 missing)\n\n`no_such_function`" in text


def test_the_name_list_is_the_installed_pytorchs():
    pytest.importorskip("torch")
    tool = _tool()
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "compat_table.py"),
                          "--print-names"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout == tool.NAMES_FILE.read_text(), (
        "numtorch/cli/pytorch_names.txt is not the installed PyTorch's list: run "
        "`python tools/compat_table.py --names-from-torch`")
