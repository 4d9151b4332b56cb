"""``compat.install(mirror=True)``: ``torch`` is numtorch's namespace with PyTorch's version.

In-process checks of the mirror and of the multiprocessing hooks (the runner itself is
tested through subprocesses in test_runner.py and test_runner_children.py).
"""

from __future__ import annotations

import multiprocessing.spawn
import multiprocessing.util
import pickle
import sys

import pytest

import numtorch
from numtorch import compat

torch_real = pytest.importorskip("torch")


@pytest.fixture
def alias():
    """Install the mirror for one test, then put back what ``torch`` was."""
    saved = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    originals = multiprocessing.spawn.get_command_line, multiprocessing.util.spawnv_passfds
    compat.install(mirror=True)
    try:
        import torch
        yield torch
    finally:
        compat.uninstall()
        sys.modules.update(saved)
        assert (multiprocessing.spawn.get_command_line,
                multiprocessing.util.spawnv_passfds) == originals


def test_mirror_shares_numtorchs_objects(alias):
    import torch.nn.functional as F
    from torch import nn

    assert alias is not numtorch and alias.__name__ == "torch"
    assert nn is numtorch.nn and F is numtorch.nn.functional and alias.Tensor is numtorch.Tensor
    assert alias.utils.data.DataLoader is numtorch.utils.data.DataLoader
    # every name is in the mirror's own dict (a plain module lookup, no fallback), the same object
    shared = {k for k in vars(numtorch) if not (k.startswith("__") and k.endswith("__"))}
    assert all(vars(alias)[k] is vars(numtorch)[k] for k in shared)
    assert sys.modules["torch.nn"] is numtorch.nn


def test_mirror_reports_pytorchs_version_and_numtorch_keeps_its_own(alias):
    assert alias.__version__ == "2.13.0" and type(alias.__version__).__name__ == "TorchVersion"
    assert (
        alias.__version__ >= "2.0" and alias.__version__ >= (2, 0) and not alias.__version__ < "2.9"
    )
    assert numtorch.__version__ == "0.1.0" and type(numtorch.__version__) is str
    assert alias.version.__version__ == "2.13.0" and alias.version.cuda is None
    from torch.torch_version import TorchVersion

    assert isinstance(alias.__version__, TorchVersion)


def test_star_import_and_dir_match_numtorch(alias):
    ours, theirs = {}, {}
    exec("from torch import *", ours)
    exec("from numtorch import *", theirs)
    ours.pop("__builtins__")
    theirs.pop("__builtins__")
    assert ours.keys() == theirs.keys() and all(ours[k] is theirs[k] for k in ours)
    assert set(dir(numtorch)) <= set(dir(alias)) and "__version__" in dir(alias)


def test_late_names_monkeypatches_and_missing_names(alias):
    numtorch._late_probe = object()
    try:
        assert alias._late_probe is numtorch._late_probe and "_late_probe" in dir(alias)
    finally:
        del numtorch._late_probe
    alias._patched_probe = 5  # a monkeypatch on torch reaches numtorch's own namespace
    assert numtorch._patched_probe == 5
    del alias._patched_probe
    assert not hasattr(numtorch, "_patched_probe")
    with pytest.raises(AttributeError) as theirs:
        torch_real.no_such_name  # noqa: B018
    with pytest.raises(AttributeError) as ours:
        alias.no_such_name  # noqa: B018
    assert str(ours.value) == str(theirs.value)


def test_pickles_name_numtorch_objects(alias):
    model = alias.nn.Linear(2, 3)
    back = pickle.loads(pickle.dumps(model))
    assert type(back) is numtorch.nn.Linear and back.weight.tolist() == model.weight.tolist()
    assert pickle.loads(pickle.dumps(alias.float64)) is numtorch.float64
    assert pickle.loads(pickle.dumps(alias.nn.functional.relu)) is numtorch.nn.functional.relu


def test_plain_install_keeps_torch_the_numtorch_module(alias):
    compat.install()
    import torch

    assert torch is numtorch
    compat.install(mirror=True)
    import torch

    assert torch is not numtorch and torch.nn is numtorch.nn


SPAWN = "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)"
FORKSERVER = "from multiprocessing.forkserver import main; main(3, 4, ['__main__'], **{})"
TRACKER = "from multiprocessing.resource_tracker import main;main(6)"


@pytest.mark.parametrize("args, changed", [
    (["python", "-c", SPAWN, "--multiprocessing-fork"], True),
    (["python", "-W", "ignore", "-c", FORKSERVER], True),
    (["python", "-c", TRACKER], False),
    (["python", "script.py", "-c", "x"], False),
    (["python", "-c", "print(1)"], False),
])
def test_only_spawn_and_forkserver_children_are_started_through_numtorch(alias, args, changed):
    out = compat._through_numtorch(args)
    assert (out != args) == changed
    if changed:
        i = args.index("-c") + 1
        assert out[:i] == args[:i] and out[i + 1:] == args[i + 1:] and out[i].endswith(args[i])
        assert "numtorch.compat" in out[i] and "_enter_child(" in out[i]
        compile(out[i], "<child>", "exec")
        assert compat._through_numtorch(out) == out  # applied once


def test_get_command_line_is_wrapped_while_installed(alias):
    cmd = multiprocessing.spawn.get_command_line(tracker_fd=5, pipe_handle=7)
    prog = cmd[cmd.index("-c") + 1]
    assert "numtorch.compat" in prog and prog.endswith(SPAWN)
