"""``numtorch run --check script.py``: the PyTorch names a script uses, and which numtorch has.

The script is read, not run: :func:`scan` walks its syntax tree (``ast``) for

* imports: ``import torch.nn as nn``, ``from torch.utils.data import DataLoader``,
  ``from torchvision import transforms`` (anywhere in the file, inside functions and ``try``
  blocks too);
* attribute chains on what they bind: ``torch.optim.SGD``, ``nn.Linear``, ``F.relu``,
  ``torch.Tensor.add_``, ``torch.float64``.

:func:`classify` then looks each name up in numtorch as ``numtorch run`` would resolve it,
descending through modules (and ``torch.Tensor``) to the first other object: a name is
*present*, *missing* (PyTorch has it, numtorch does not; PyTorch's names come from the
checked-in list, NOTE [ Naming what numtorch does not implement ] in ``numtorch/compat.py``),
or *unknown* (PyTorch 2.13 does not have it either: a typo, or a newer API). The modules the
script imports from its own folder (``from model import GPT``) are read too. Calls,
subscripts and names bound at run time (``model = nn.Linear(...)``; ``model.weight``) are
not followed: what an object of a present class offers is the tests' business.

Exit status: 0 when numtorch has every name, 1 when one is missing or unknown, 2 when the
script cannot be read or parsed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

from numtorch import compat

__all__ = ["scan", "classify", "report", "main"]

_ROOTS = ("torch", "torchvision")


def scan(source: str, filename: str = "<script>") -> dict[str, list[int]]:
    """The dotted PyTorch names ``source`` uses, each with the lines it appears on.

    Example:
        >>> scan("import torch.nn as nn\\nlayer = nn.Linear(2, 3)\\n")
        {'torch.nn': [1], 'torch.nn.Linear': [2]}
    """
    import ast

    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}  # local name -> the dotted PyTorch name it is bound to
    uses: dict[str, list[int]] = {}

    def use(dotted: str, line: int) -> None:
        lines = uses.setdefault(dotted, [])
        if line not in lines:
            lines.append(line)

    for node in ast.walk(tree):  # imports first, wherever they are
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] not in _ROOTS:
                    continue
                if a.name not in _ROOTS:
                    use(a.name, node.lineno)
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in _ROOTS:
                continue
            for a in node.names:
                if a.name == "*":
                    continue
                dotted = f"{node.module}.{a.name}"
                use(dotted, node.lineno)
                aliases[a.asname or a.name] = dotted

    inner = set()  # attribute nodes that are the base of a longer chain
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner.add(id(node.value))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        attrs, base = [], node
        while isinstance(base, ast.Attribute):
            attrs.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id in aliases:
            use(".".join([aliases[base.id], *reversed(attrs)]), node.lineno)
    return dict(sorted(uses.items(), key=lambda kv: (kv[1][0], kv[0])))


_torch_root: list = []  # a mirror of numtorch of the check's own (compat's is left alone)


def _root(top: str):
    """What ``torch`` or ``torchvision`` is under ``numtorch run``."""
    if top == "torchvision":
        return importlib.import_module("numtorch.vision")
    if not _torch_root:
        _torch_root.append(compat._build_mirror())
    return _torch_root[0]


def _child(obj, real: str, name: str):
    """``obj.name``, importing numtorch's submodule ``real.name`` if need be; ``None`` when
    there is no such thing."""
    if hasattr(obj, name):
        return getattr(obj, name)
    if isinstance(obj, types.ModuleType):
        try:
            if importlib.util.find_spec(f"{real}.{name}") is not None:
                return importlib.import_module(f"{real}.{name}")
        except Exception:  # noqa: BLE001 -- a submodule that fails to import is not usable
            return None
    return None


def classify(dotted: str) -> tuple[str, str, str]:
    """(namespace, name, status) of a dotted PyTorch name, status ``"ok"``, ``"missing"`` or
    ``"unknown"`` (see the module's docstring).

    Example:
        >>> classify("torch.nn.Linear.forward")
        ('torch.nn', 'Linear', 'ok')
    """
    parts = dotted.split(".")
    obj = _root(parts[0])
    for i in range(1, len(parts)):
        namespace, name = ".".join(parts[:i]), parts[i]
        child = _child(obj, compat._target(namespace), name)
        if child is None:
            listed = compat._pytorch_names().get(namespace)
            if listed is not None and name not in listed:
                return namespace, name, "unknown"
            return namespace, name, "missing"
        qualified = f"{namespace}.{name}"
        if i + 1 < len(parts) and (isinstance(child, types.ModuleType)
                                   or qualified == "torch.Tensor"):
            obj = child
            continue
        return namespace, name, "ok"
    return parts[0], "", "ok"


def _lines(where: list[tuple[int, str, int]]) -> str:
    """``line 3``, ``lines 3, 7; model.py line 12``: the lines per file, the script's first."""
    out, files = [], sorted({(order, file) for order, file, _ in where})
    for order, file in files:
        lines = sorted(n for o, f, n in where if (o, f) == (order, file))
        shown = ", ".join(str(n) for n in lines[:6]) + (", ..." if len(lines) > 6 else "")
        words = ("line " if len(lines) == 1 else "lines ") + shown
        out.append(words if order == 0 else f"{file} {words}")
    return "; ".join(out)


def _local_imports(source: str) -> list[str]:
    """The first component of each module ``source`` imports, relative imports included."""
    import ast

    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level <= 1:
            if node.module:
                names.append(node.module.split(".")[0])
            elif node.level == 1:
                names += [a.name for a in node.names]
    return [n for n in names if n not in _ROOTS]


def _scan_with_helpers(path: str) -> dict[str, list[tuple[int, str, int]]]:
    """``scan`` of the script and of the modules it imports from beside it (as ``python``
    finds them: ``sys.path[0]`` is the script's folder): ``{dotted: [(order, file, line)]}``
    with order 0 for the script. The script's own read and parse errors propagate."""
    base = os.path.dirname(os.path.realpath(path))
    todo, seen, uses = [(path, path)], {os.path.realpath(path)}, {}
    while todo:
        file, shown = todo.pop(0)
        try:
            with open(file, "rb") as f:
                source = f.read().decode("utf-8")
            found = scan(source, file)
            imported = _local_imports(source)
        except (OSError, UnicodeDecodeError, SyntaxError):
            if file == path:
                raise
            continue  # a helper python could not import either: not this report's business
        order = 0 if file == path else 1
        for dotted, lines in found.items():
            uses.setdefault(dotted, []).extend((order, shown, n) for n in lines)
        for name in imported:
            for candidate in (os.path.join(base, name + ".py"),
                              os.path.join(base, name, "__init__.py")):
                real = os.path.realpath(candidate)
                if os.path.isfile(candidate) and real not in seen:
                    seen.add(real)
                    todo.append((candidate, os.path.relpath(candidate, base)))
                    break
    return uses


def report(path: str) -> tuple[str, int]:
    """The report on script ``path`` and the exit status (see the module's docstring)."""
    try:
        uses = _scan_with_helpers(path)
    except (OSError, UnicodeDecodeError) as e:
        return f"numtorch run --check: can't read {path!r}: {e}", 2
    except SyntaxError as e:
        return f"numtorch run --check: can't parse {path!r}: {e.msg} (line {e.lineno})", 2
    version = compat.read_pytorch_names()[0] if compat._pytorch_names() else "2.13"
    found: dict[tuple[str, str], tuple[str, list[tuple[int, str, int]]]] = {}
    for dotted, where in uses.items():
        namespace, name, status = classify(dotted)
        if not name:
            continue
        _, seen = found.setdefault((namespace, name), (status, []))
        seen.extend(w for w in where if w not in seen)
    counts = {s: sum(1 for st, _ in found.values() if st == s) for s in ("ok", "missing",
                                                                      "unknown")}
    head = (f"{path}: {len(found)} PyTorch names used, {counts['ok']} in numtorch, "
            f"{counts['missing']} missing")
    if counts["unknown"]:
        head += f", {counts['unknown']} not in PyTorch {version} either"
    out = [head]
    width = max((len(name) for _, name in found), default=0)
    for namespace in sorted({ns for ns, _ in found}):
        out.append("")
        out.append(namespace)
        for (ns, name), (status, lines) in sorted(found.items()):
            if ns != namespace:
                continue
            label = {"ok": "ok", "missing": "MISSING", "unknown": "UNKNOWN"}[status]
            line = f"  {label:<8} {name:<{width}}  {_lines(lines)}"
            if status == "missing":
                line += f"  (numtorch does not implement {ns}.{name})"
            elif status == "unknown":
                line += f"  (not a PyTorch {version} name either)"
            out.append(line)
    return "\n".join(out), 0 if counts["ok"] == len(found) else 1


def main(path: str) -> int:
    """Print the report on script ``path``; return the exit status."""
    text, status = report(os.fspath(path))
    try:
        print(text, file=sys.stderr if status == 2 else sys.stdout, flush=True)
    except BrokenPipeError:  # `numtorch run --check x.py | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status
