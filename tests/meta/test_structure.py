"""The layering holds and does not get worse (docs/architecture.md; the facts come from
tests/meta/structure.py, which reads the source with ``ast``).

Where today's code still departs from the layout, the limits below are today's numbers: a
change may lower them, never raise them.
"""

from __future__ import annotations

import structure

# function-local imports of numtorch modules: optional dependencies and start-up time (cli,
# compat, vision's image backends), the DataLoader's worker machinery, a few true late bindings,
# and numtorch.distributed reached from DistributedSampler and DDP only when they are used (it
# stays out of `import numtorch`)
MAX_LOCAL_IMPORTS = 22
# the one module outside the op layer that records graph nodes: a module's full backward hooks
# route its inputs and outputs through identity nodes (PyTorch's BackwardHookFunction)
RECORDING_OUTSIDE_OPS = {"numtorch.nn.modules._hooks"}
# the one module spelling PyTorch's C type words ("Long", "unsigned char"): the dtype table
C_TYPE_WORD_FILES = ["numtorch._dtype"]
MAX_LOOSE_MODULES = 12


def test_no_import_cycle_at_module_level():
    assert structure.cycles(structure.import_graph()) == []


def test_function_local_imports_do_not_grow():
    found = structure.local_imports()
    assert len(found) <= MAX_LOCAL_IMPORTS, f"{len(found)} function-local imports: {found[-5:]}"


def test_graph_nodes_are_recorded_in_the_op_layer():
    outside = {m for m, _ in structure.calls("record")
               if not m.startswith(("numtorch._ops", "numtorch.autograd"))}
    extra = sorted(outside - RECORDING_OUTSIDE_OPS)
    assert outside <= RECORDING_OUTSIDE_OPS, f"record() called in {extra}"


def test_c_type_words_are_spelled_only_in_the_dtype_table():
    assert structure.files_spelling_c_types() == C_TYPE_WORD_FILES


def test_the_package_root_holds_few_loose_modules():
    loose = [p.name for p in structure.PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(loose) <= MAX_LOOSE_MODULES, sorted(loose)


def test_the_checks_see_what_they_look_for():
    """The readers find a cycle, a local import and a record() call when there is one."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert structure.cycles(graph) == [["a", "b", "c"]]
    assert any(m == "numtorch._ops.elementwise" for m, _ in structure.calls("record"))
    assert structure.local_imports(), "there are local imports today; the reader must see them"


# files one training step of the guide's network runs code in (docs/architecture.md lists them)
MAX_TRAINING_STEP_FILES = 23


def test_a_training_step_crosses_few_files():
    import os
    import sys

    import numtorch
    from numtorch import nn

    numtorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 3))
    loss_fn = nn.CrossEntropyLoss()
    opt = numtorch.optim.SGD(model.parameters(), lr=0.1)
    x, y = numtorch.randn(5, 8), numtorch.tensor([0, 1, 2, 0, 1])

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    step()
    files: dict = {}
    package = os.path.dirname(numtorch.__file__)

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(package):
            files.setdefault(frame.f_code.co_filename, None)

    sys.setprofile(profile)
    try:
        step()
    finally:
        sys.setprofile(None)
    names = sorted(f[len(package):] for f in files)
    assert len(names) <= MAX_TRAINING_STEP_FILES, names
