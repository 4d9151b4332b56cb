"""benchmarks/suite.py's report: verdicts against the targets, and RESULTS.md keeping every
machine's own section."""

from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def suite():
    spec = importlib.util.spec_from_file_location(
        "bench_suite", os.path.join(ROOT, "benchmarks", "suite.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(nt, floor=None, pt=None, target_floor=None, target_pt=None):
    med = {"numtorch": nt}
    if floor is not None:
        med["numpy floor"] = floor
    if pt is not None:
        med["pytorch"] = pt
    return {"section": "mlp", "case": "c", "threads": 1, "unit": "us", "scale": 1e6,
            "med": med, "target_floor": target_floor, "target_pt": target_pt}


@pytest.mark.parametrize("row,expected", [
    (_row(1.0, floor=1.0, pt=2.0, target_floor=1.2, target_pt=1.0), "met"),
    (_row(1.3, floor=1.0, pt=2.0, target_floor=1.2, target_pt=1.0), "floor missed"),
    (_row(1.1, floor=1.0, pt=1.0, target_floor=1.2, target_pt=1.0), "torch missed"),
    (_row(2.0, floor=1.0, pt=1.0, target_floor=1.2, target_pt=1.0),
     "floor missed; torch missed"),
    (_row(1.0, floor=1.0, target_floor=1.2, target_pt=1.0), "met"),     # no PyTorch installed
    (_row(1.0, pt=1.0), ""),                                            # no target
])
def test_verdict(suite, row, expected):
    assert suite.verdict(row) == expected


def test_results_keep_other_machines(suite, tmp_path):
    path = str(tmp_path / "RESULTS.md")
    rows = [_row(1.0, floor=1.0, pt=2.0, target_floor=1.2, target_pt=1.0)]
    suite.write_results(path, suite.markdown(rows, "## Machine: CPU A\n\nfirst"), "CPU A")
    suite.write_results(path, suite.markdown(rows, "## Machine: CPU B\n\nsecond"), "CPU B")
    suite.write_results(path, suite.markdown(rows, "## Machine: CPU A\n\nthird"), "CPU A")
    text = open(path).read()
    assert text.startswith("# Benchmark results")
    assert text.count("## Machine: CPU A") == 1 and text.count("## Machine: CPU B") == 1
    assert "third" in text and "second" in text and "first" not in text
    assert "Targets met in 1 rows, missed in 0." in text
    assert "| c | 1 | 1e+06 | 1e+06 | 2e+06 | 1.00 | 0.50 | <= 1.2 floor, <= 1.0 torch | met |" \
        in text
