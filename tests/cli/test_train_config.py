"""``numtorch train``'s settings: defaults < TOML file < flags, and every bad input reported
as one line with exit status 2, no traceback, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from numtorch.cli import config
from numtorch.cli.errors import CLIError
from numtorch.cli.main import main


def _toml(tmp_path, text: str) -> str:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return str(path)


# -- precedence -----------------------------------------------------------------------------

def test_defaults_resolve_to_the_guides_network():
    cfg = config.resolve(None, {})
    assert cfg["model"] == {"kind": "mlp", "hidden": [64], "activation": "tanh"}
    assert (cfg["dataset"], cfg["optimizer"], cfg["lr"], cfg["batch_size"]) == \
        ("digits", "sgd", 0.1, 32)


def test_the_file_beats_the_defaults_and_a_flag_beats_the_file(tmp_path):
    path = _toml(tmp_path, 'lr = 0.05\nepochs = 7\nhidden = [32, 16]\n'
                           'weight-decay = 0.001\n[model]\nactivation = "relu"\n')
    cfg = config.resolve(config.read_toml(path), {"lr": 0.2, "epochs": None})
    assert cfg["lr"] == 0.2                              # the flag typed
    assert cfg["epochs"] == 7                            # the file (flag not typed)
    assert cfg["weight_decay"] == 0.001                  # the file, hyphenated key
    assert cfg["model"] == {"kind": "mlp", "hidden": [32, 16], "activation": "relu"}
    assert cfg["batch_size"] == 32                       # the default


@pytest.mark.parametrize("flags, key, expected", [
    ({"model": "cnn"}, "model", {"kind": "cnn", "hidden": [64], "activation": "relu",
                                 "channels": [16, 32]}),
    ({"optimizer": "adamw"}, "weight_decay", 0.01),      # AdamW's own default
    ({"optimizer": "adam"}, "weight_decay", 0.0),
    ({"hidden": []}, "model", {"kind": "mlp", "hidden": [], "activation": "tanh"}),
])
def test_defaults_that_depend_on_other_settings(flags, key, expected):
    assert config.resolve(None, flags)[key] == expected


# -- errors: one line, exit 2, nothing written ------------------------------------------------

ERRORS = [  # (flags, words the one-line message must hold)
    (["--dataset", "no-such-set"], "no-such-set"),
    (["--dataset", "csv:/no/such/file.csv"], "/no/such/file.csv"),
    (["--lr", "-0.1"], "learning rate"),
    (["--lr", "0"], "learning rate"),
    (["--batch-size", "0"], "batch size"),
    (["--epochs", "0"], "epochs"),
    (["--val-fraction", "1.5"], "val_fraction"),
    (["--momentum", "0.9", "--optimizer", "adam"], "momentum"),
    (["--hidden", "0"], "hidden"),
    (["--batch-size", "x"], "--batch-size"),              # argparse's own errors: one line too
    (["--activation", "swish"], "--activation"),
    (["--config", "{tmp}/missing.toml"], "missing.toml"),
    (["--config", "{tmp}/bad.toml"], "'bogus'"),
    (["--config", "{tmp}/typo.toml"], "lr"),
    (["--config", "{tmp}/broken.toml"], "not valid TOML"),
    (["--resume", "{tmp}/nowhere"], "nowhere"),
    (["--resume", "{tmp}/corrupt"], "corrupt"),
    (["--resume", "{tmp}/foreign"], "not a numtorch train checkpoint"),
    (["--run-dir", "{tmp}/taken"], "already holds a run"),
]


@pytest.fixture
def bad_inputs(tmp_path):
    import numtorch

    (tmp_path / "bad.toml").write_text("lr = 0.1\nbogus = 3\n")
    (tmp_path / "typo.toml").write_text('lr = "fast"\n')
    (tmp_path / "broken.toml").write_text("lr = = 1\n")
    for name in ("corrupt", "foreign", "taken"):
        (tmp_path / name).mkdir()
    (tmp_path / "corrupt" / "last.pt").write_bytes(b"PK\x03\x04 not really a zip file")
    numtorch.save({"weight": numtorch.zeros(2)}, str(tmp_path / "foreign" / "last.pt"))
    (tmp_path / "taken" / "config.json").write_text("{}")
    return tmp_path


def _listing(root) -> dict:
    return {p: os.path.getmtime(os.path.join(d, p)) for d, _, files in os.walk(root)
            for p in files}


@pytest.mark.parametrize("flags, words", ERRORS, ids=[" ".join(f) for f, _ in ERRORS])
def test_bad_input_is_one_line_exit_2_and_nothing_is_written(bad_inputs, capsys, monkeypatch,
                                                             flags, words):
    monkeypatch.chdir(bad_inputs)
    before = _listing(bad_inputs)
    argv = ["train", "--run-dir", str(bad_inputs / "new-run")] if "--run-dir" not in flags \
        and "--resume" not in flags else ["train"]
    argv += [f.format(tmp=bad_inputs) for f in flags]
    try:
        status = main(argv)
    except SystemExit as e:    # argparse exits by itself
        status = e.code
    out, err = capsys.readouterr()
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("numtorch train: error: ")
    assert words in lines[0]
    assert "Traceback" not in err and out == ""
    assert _listing(bad_inputs) == before          # nothing written, nothing overwritten
    assert not (bad_inputs / "new-run").exists()
    assert not (bad_inputs / "runs").exists()


def test_the_torch_backend_without_pytorch_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)      # `import torch` raises ImportError
    assert main(["train", "--backend", "torch", "--run-dir", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err == \
        "numtorch train: error: --backend torch needs PyTorch installed (pip install torch)\n"
    assert not (tmp_path / "r").exists()


def test_a_bad_value_in_the_file_names_the_file(tmp_path):
    path = _toml(tmp_path, "batch_size = 2.5\n")
    with pytest.raises(CLIError, match="run.toml: batch_size must be an integer"):
        config.resolve(config.read_toml(path), {}, where=path)


def test_the_installed_command_reports_without_a_traceback(tmp_path):
    """The real process: stderr holds one line, the exit status is 2."""
    proc = subprocess.run([sys.executable, "-m", "numtorch", "train", "--lr", "-1",
                           "--run-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "numtorch train: error: learning rate must be positive, got -1.0\n"
    assert proc.stdout == ""
    assert os.listdir(tmp_path) == []
