"""Facts about numtorch's source, read with ``ast``: the import graph, function-local imports,
where graph nodes are recorded, where PyTorch's C type words are spelled."""

from __future__ import annotations

import ast
import functools
import pathlib
import re

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "numtorch"


@functools.lru_cache(maxsize=None)
def modules() -> dict[str, pathlib.Path]:
    """Every numtorch module, by dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


@functools.lru_cache(maxsize=None)
def _tree(name: str) -> ast.Module:
    tree = ast.parse(modules()[name].read_text())
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child._parent = parent  # type: ignore[attr-defined]
    return tree


def _enclosing(node: ast.AST):
    """The chain of nodes around ``node``."""
    while hasattr(node, "_parent"):
        node = node._parent  # type: ignore[attr-defined]
        yield node


def _in_function(node: ast.AST) -> bool:
    return any(isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
               for p in _enclosing(node))


def _type_checking_only(node: ast.AST) -> bool:
    return any(isinstance(p, ast.If) and "TYPE_CHECKING" in ast.unparse(p.test)
               for p in _enclosing(node))


def _targets(name: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The numtorch modules an import statement in module ``name`` loads."""
    mods = modules()
    if isinstance(node, ast.Import):
        found = {a.name for a in node.names}
    else:
        if node.level:
            base = name.split(".")
            if modules()[name].name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        # `from pkg import sub` loads the submodule; `from pkg import name` reads pkg's namespace
        found = {f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod for a in node.names}
    out = set()
    own = {name.rsplit(".", k)[0] for k in range(name.count(".") + 1)}  # name and its packages
    for target in found:
        while target and target not in mods:
            target = target.rpartition(".")[0]
        # importing `numtorch.utils.hooks` first runs `numtorch/utils/__init__.py`: every package
        # above the target that is not already being imported (the root always is) is loaded too
        if target and target != name:
            out.add(target)
        target = target.rpartition(".")[0]
        while target and target != "numtorch" and target not in own:
            out.add(target)
            target = target.rpartition(".")[0]
    return {t for t in out if t.startswith("numtorch")}


def import_graph(local: bool = False) -> dict[str, set[str]]:
    """Module -> the numtorch modules it imports at module level (or, with ``local``, in
    functions)."""
    graph = {}
    for name in modules():
        edges = set()
        for node in ast.walk(_tree(name)):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not _type_checking_only(node):
                if _in_function(node) == local:
                    edges |= _targets(name, node)
        graph[name] = edges
    return graph


def local_imports() -> list[tuple[str, int]]:
    """(module, line) of every function-local import of a numtorch module."""
    out = []
    for name in modules():
        for node in ast.walk(_tree(name)):
            if (isinstance(node, (ast.Import, ast.ImportFrom)) and _in_function(node)
                    and _targets(name, node)):
                out.append((name, node.lineno))
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm,
    iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def calls(function: str) -> list[tuple[str, int]]:
    """(module, line) of every call of a function named ``function``."""
    out = []
    for name in modules():
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.Call):
                f = node.func
                called = (f.id if isinstance(f, ast.Name)
                          else f.attr if isinstance(f, ast.Attribute) else None)
                if called == function:
                    out.append((name, node.lineno))
    return out


# PyTorch's C type words, as its messages spell dtypes ("expected scalar type Long but found Float",
# "value cannot be converted to type unsigned char without overflow")
C_TYPE_WORDS = re.compile(r"[\"'](?:long int|unsigned char|signed char|short "
                           "int|c10::Half|Half|Float|Double|"
                          r"Long|Int|Short|Char|Byte|Bool)[\"']")


def files_spelling_c_types() -> list[str]:
    return [name for name, path in modules().items() if C_TYPE_WORDS.search(path.read_text())]


if __name__ == "__main__":
    g = import_graph()
    for comp in cycles(g):
        print(f"cycle of {len(comp)}: {', '.join(comp)}")
    print(len(local_imports()), "function-local imports of numtorch modules")
    rec = [c for c in calls("record")
           if not c[0].startswith(("numtorch._ops", "numtorch.autograd"))]
    print(len(rec), "record() calls outside _ops/autograd:", sorted({m for m, _ in rec}))
    print("C type words in:", files_spelling_c_types())
    loose = [p for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    print(len(loose), "loose modules at the package root:", sorted(p.name for p in loose))
