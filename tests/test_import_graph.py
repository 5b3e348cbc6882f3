"""nerve's modules import each other top-down: no import cycle, counting every `nerve` import
wherever it is written (a function-local import hides a cycle from Python until it runs, not from
this test), and no function-local `nerve` import outside LAZY_IMPORTS.

The graph is read from the sources with `ast`. Importing `nerve.a.b` first runs `nerve/a/__init__`,
so an import of nerve.a.b is an edge to nerve.a too, unless the importer is inside nerve.a itself
(then nerve.a is already being imported, and Python hands out the partly run package).
"""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "python" / "nerve"

# (module, imported module) -> why that import must stay inside a function. Keep it empty: a new
# entry needs a reason a reviewer accepts (an optional extra that is slow or may be missing).
LAZY_IMPORTS: dict[tuple[str, str], str] = {
    ("nerve", "nerve.viz"): "the same import (nerve.viz's package runs first)",
    ("nerve", "nerve.viz.model_diagram"): (
        "nerve.utils.plot_model (keras.utils.plot_model) draws with nerve.viz, whose import "
        "would add ~60 ms to every `import nerve`"
    ),
}


def _modules() -> dict:
    """Module name -> (path, is a package)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def _imported(module: str, is_package: bool, node, modules) -> list:
    """The modules an import statement names (a `from X import y` names X.y when that is a
    module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    named = [f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in modules]
    return [source, *named]


def _import_graph():
    """(edges: module -> {imported module: first line}, function-local nerve imports)."""
    modules = _modules()
    edges, local = {}, []
    for module, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))

        def visit(node, in_function, module=module, is_package=is_package, path=path):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in _imported(module, is_package, child, modules):
                        parts = target.split(".")
                        for i in range(1, len(parts) + 1):
                            dep = ".".join(parts[:i])
                            inside = module == dep or module.startswith(dep + ".")
                            if dep in modules and not inside:
                                edges.setdefault(module, {}).setdefault(dep, child.lineno)
                                if in_function:
                                    local.append((module, dep, f"{path.name}:{child.lineno}"))
                function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                visit(child, in_function or function)

        visit(tree, False)
    return edges, local


def _find_cycle(edges) -> list:
    """One import cycle as a list of modules (first == last), or [] when there is none."""
    state, stack = {}, []

    def dfs(module):
        state[module] = "open"
        stack.append(module)
        for dep in sorted(edges.get(module, {})):
            if state.get(dep) == "open":
                return stack[stack.index(dep) :] + [dep]
            if dep not in state:
                found = dfs(dep)
                if found:
                    return found
        stack.pop()
        state[module] = "done"
        return []

    for module in sorted(edges):
        if module not in state:
            found = dfs(module)
            if found:
                return found
    return []


def test_the_graph_reader_sees_the_package():
    edges, _ = _import_graph()
    assert "nerve.models.model" in edges and "nerve.layers.base" in edges
    assert "nerve.models.structure" in edges["nerve.models.model"]
    # importing nerve.layers.base from outside nerve.layers runs nerve/layers/__init__ first
    assert "nerve.layers" in edges["nerve.models.structure"]


def test_the_cycle_finder_finds_cycles():
    assert _find_cycle({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b": 1}, "b": {}, "c": {"a": 1, "b": 2}}) == []


def test_no_import_cycles():
    edges, _ = _import_graph()
    cycle = _find_cycle(edges)
    assert not cycle, (
        "import cycle: "
        + " -> ".join(f"{a} (line {edges[a][b]})" for a, b in zip(cycle, cycle[1:]))
        + f" -> {cycle[-1]}"
    )


def test_no_function_local_nerve_imports():
    _, local = _import_graph()
    unexplained = [
        f"{where}: {module} imports {dep}"
        for module, dep, where in local
        if (module, dep) not in LAZY_IMPORTS
    ]
    assert not unexplained, (
        "function-local imports of nerve modules (move them to the top of the module; if that "
        "makes a cycle, move the shared piece into a lower module):\n" + "\n".join(unexplained)
    )
